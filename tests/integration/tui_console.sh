#!/bin/bash
# tui_console.sh — the raw console view (issue 14.2) and the replay
# controls (14.3/14.4) of the real pylontop in tmux at 80x24, against
# pylontop-sim (LV, 3 modules).
#
# View 6 shows the commands pylontop sends ("> pwr") and the device's
# answers as they arrive.  Typed lines that are not read-only commands of
# the LV table — tbar 123, login debug, config, time 2026-01-01 00:00:00 —
# are refused with the reason on screen, and the simulator saw none of
# them (its --state counters tbar_count, login_count, write_count stay 0).
# A typed 'info 1' is sent between polls: its answer shows in the view,
# and the CSV rows around it keep counting (seq +1 each) with the stack
# voltage the simulator had.  'x' without --record says how to record.
#
# RS485 (pylontech): typed "94 02", "95 02" (writes) and malformed lines
# are refused, "42 02" is sent and answered; the simulator saw no write.
#
# Replay: a 20 s --record of a live run, replayed with --replay-speed 1
# in the UI, shows the same overview stack voltage and SOC at the same
# recorded times as the live CSV has (the status line shows the recorded
# time); P pauses the recording's clock (PAUSED, the time stands still)
# and resumes it (the time moves again); > skips 60 s, so the end of the
# 20 s recording comes at once; q while paused exits.
PT_TEST_TIMEOUT=120
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
[ -n "$TMUX_BIN" ] || skip "tmux is missing (scripts/setup installs it)"
command -v jq >/dev/null 2>&1 || skip "jq is missing"
[ -x "$PYLONTOP" ] || skip "pylontop not built"
grep -q "^#define HAVE_TUI 1" "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without the TUI"

SOCK="$T/tmux.sock"
tm() { "$TMUX_BIN" -S "$SOCK" -f /dev/null "$@"; }
screen() { tm capture-pane -p -t pt; }
PT_ON_EXIT="tm kill-server"
key() { tm send-keys -t pt "$@"; sleep 0.3; }
shows() { wait_for "${2:-5}" sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | grep -Eq -- \"\$0\"" "$1"; }
# type LINE: ':' then the line, then Enter.
type_line() { key :; tm send-keys -t pt -l "$1"; sleep 0.2; key Enter; }
export TZ=UTC

# run NAME ARGS: pylontop in a fresh tmux server at 80x24.
run() {
	name=$1; shift
	tm start-server \; new-session -d -s pt -x 80 -y 24 \
		"env TERM=xterm-256color LANG=C.UTF-8 '$PYLONTOP' $* 2>'$T/$name.err'; sleep 30" ||
		fail "$name: tmux did not start"
	shows 'Curr A' 10 || fail "$name: no overview after 10 s: $(screen; cat "$T/$name.err")"
}
state() { jq -r "$1" "$T/state.json"; }
stop_tmux() { tm kill-server 2>/dev/null; sleep 0.2; }

# ---- live: the raw console view ------------------------------------------
sim_start live --modules 3 --seed 4 --state "$T/state.json"
run live -d "$SIM_DEV" -i 1 --csv "$T/live.csv" --record "$T/live.rec"
shows 'lv polling' 10 || fail "not polling after 10 s: $(screen)"
key 7
shows '< .*(Power|Volt)' || fail "the console view shows no answer: $(screen)"
# A bat answer fills 80x24: the command that asked is a page up.
key PPage
shows '> (pwr|bat [0-9])' || fail "the console view shows no command sent: $(screen)"
key G
shows 'REC' 1 || fail "no REC in the status line while --record runs: $(screen)"
note "view 7 shows commands and answers live at 80x24"

for bad in "tbar 123" "login debug" "config" "time 2026-01-01 00:00:00"; do
	type_line "$bad"
	word=${bad%% *}
	shows "refused.*'$word'|'$word'.*refused" ||
		fail "typing '$bad' was not refused with a message: $(screen)"
done
sleep 1.5
for c in tbar_count login_count write_count; do
	[ "$(state ".$c")" = 0 ] || fail "the simulator saw a refused command: $c = $(state ".$c")"
done
note "tbar 123, login debug, config, time ...: refused on screen, the simulator saw none"

rows_before=$(wc -l <"$T/live.csv")
type_line "info 1"
shows "> info 1" || fail "'info 1' was not sent: $(screen)"
shows "Device address|Barcode|Manufactur" || fail "the answer to 'info 1' is not shown: $(screen)"
# The exchange stays at the top of the view; its verdict is said.
shows "'info 1': answered" || fail "no verdict for 'info 1': $(screen)"
# The samples go on around it: seq +1 each, the stack voltage the
# simulator had (its values move only when it answers).
wait_for 6 sh -c "[ \$(wc -l <'$T/live.csv') -ge $((rows_before + 3)) ]" ||
	fail "the samples stopped after 'info 1'"
col_seq=$(head -1 "$T/live.csv" | tr ',' '\n' | grep -nx 'seq' | cut -d: -f1)
[ -n "$col_seq" ] || fail "no seq column in the CSV: $(head -1 "$T/live.csv")"
tail -n +2 "$T/live.csv" | cut -d, -f"$col_seq" | awk 'NR > 1 && $1 != prev + 1 { bad = 1 }
	{ prev = $1 } END { exit bad }' || fail "the CSV's seq does not count by one: $(cut -d, -f"$col_seq" "$T/live.csv" | tr '\n' ' ')"
[ "$(state .tbar_count)$(state .login_count)$(state .write_count)" = 000 ] ||
	fail "the simulator's write counters moved"
note "'info 1' answered in the view; the samples before and after count by one"

# x pauses the recording: REC goes, and comes back.
key x
shows 'Recording paused' || fail "x did not pause the recording: $(screen)"
key x
shows 'Recording on' || fail "x did not resume the recording: $(screen)"
key q
stop_tmux
kill "$BG_PID" 2>/dev/null; wait "$BG_PID" 2>/dev/null

# ---- RS485: "CID2 ADR" in hex, read-only codes of the table only --------
sim_start rs --protocol rs485 --modules 2 --state "$T/rs.json"
PYLONTOP_RS485_GAP_MS=0 run rs -d "$SIM_DEV" --protocol rs485 -i 1
shows 'rs485/pylontech polling' 10 || fail "RS485: not polling after 10 s: $(screen)"
key 7
for bad in "94 02" "95 02" "42" "pwr"; do
	type_line "$bad"
	shows "'$bad': refused" || fail "RS485: typing '$bad' was not refused: $(screen)"
done
type_line "42 02"
shows "'42 02': answered" || fail "RS485: '42 02' was not answered: $(screen)"
shows '> ~2002464' || fail "RS485: the request of '42 02' is not shown: $(screen)"
[ "$(jq -r .write_count "$T/rs.json")" = 0 ] || fail "RS485: the simulator saw a write"
note "RS485: 94, 95 and malformed lines refused, '42 02' answered, no write seen"
key q
stop_tmux
kill "$BG_PID" 2>/dev/null; wait "$BG_PID" 2>/dev/null

# ---- replay at speed 1: the same values at the same recorded times -------
sim_start rec --modules 3 --seed 9
"$PYLONTOP" -d "$SIM_DEV" -i 1 --headless --csv "$T/rec.csv" --record "$T/short.rec" \
	>"$T/rec.out" 2>&1 &
pid=$!
PT_PIDS="$PT_PIDS $pid"
wait_for 30 sh -c "[ \$(wc -l <'$T/rec.csv' 2>/dev/null || echo 0) -ge 21 ]" ||
	fail "the live run wrote no 20 rows: $(cat "$T/rec.out")"
kill -TERM "$pid"; wait "$pid" 2>/dev/null
kill "$BG_PID" 2>/dev/null; wait "$BG_PID" 2>/dev/null

run replay -d "replay:$T/short.rec" --replay-speed 1
shows 'REPLAY [0-9:]+' 1 || fail "the status line does not show the recorded time: $(screen)"
head -1 "$T/rec.csv" | tr ',' '\n' >"$T/cols"
c_time=$(grep -nx 'time' "$T/cols" | cut -d: -f1)
c_v=$(grep -nx 'stack_voltage_V' "$T/cols" | cut -d: -f1)
[ -n "$c_time" ] && [ -n "$c_v" ] || fail "CSV columns time/stack_voltage not found: $(head -1 "$T/rec.csv")"
matched=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
	s=$(screen)
	hms=$(printf '%s\n' "$s" | grep -o 'REPLAY [0-9:]*' | tail -1 | cut -d' ' -f2)
	v=$(printf '%s\n' "$s" | grep -oE '[0-9]+\.[0-9]{3} V' | head -1 | cut -d' ' -f1)
	if [ -n "$hms" ] && [ -n "$v" ]; then
		# The live row with the value shown, at most 2 s before the time shown.
		if awk -F, -v c="$c_time" -v cv="$c_v" -v t="$hms" -v v="$v" 'NR > 1 {
			split(substr($c, 12, 8), a, ":"); s = a[1]*3600 + a[2]*60 + a[3]
			split(t, b, ":"); u = b[1]*3600 + b[2]*60 + b[3]
			if (u - s >= 0 && u - s <= 2 && sprintf("%.3f", $cv) == sprintf("%.3f", v)) ok = 1
		} END { exit !ok }' "$T/rec.csv"; then
			matched=$((matched + 1))
		else
			fail "replay shows $v V at $hms, the live run had: $(cut -d, -f"$c_time","$c_v" "$T/rec.csv" | tr '\n' ' ')"
		fi
	fi
	[ "$matched" -ge 3 ] && break
	sleep 0.7
done
[ "$matched" -ge 3 ] || fail "only $matched replay screens compared: $(screen)"
note "replay at speed 1 shows the live run's stack voltage at the same recorded times ($matched screens)"

key P
shows 'PAUSED [0-9:]+' 2 || fail "P did not pause the replay: $(screen)"
t1=$(screen | grep -o 'PAUSED [0-9:]*' | cut -d' ' -f2)
sleep 2
t2=$(screen | grep -o 'PAUSED [0-9:]*' | cut -d' ' -f2)
[ "$t1" = "$t2" ] || fail "the recorded time moved while paused: $t1 -> $t2"
key P
shows 'REPLAY [0-9:]+' 2 || fail "P did not resume the replay: $(screen)"
sleep 1.5
t3=$(screen | grep -o 'REPLAY [0-9:]*' | cut -d' ' -f2)
[ -n "$t3" ] && [ "$t3" != "$t2" ] || fail "the recorded time did not move after P: $t2 -> $t3"
note "P pauses the replay (the recorded time stands still) and resumes it"
# > skips 60 s: the rest of this 20 s recording is played at once.
key '>'
shows 'end of the recording' 4 || fail "> did not skip to the end of the recording: $(screen)"
note "> skips ahead (the end of the recording comes at once)"
# q while paused: pylontop ends (the paused clock lets the thread go).
pt=$(ps -o pid= --ppid "$(tm display -p -t pt '#{pane_pid}')" | tr -d ' ' | head -1)
[ -n "$pt" ] || fail "pylontop is not running in the pane"
key P
shows 'PAUSED' 2 || fail "P did not pause the replay again: $(screen)"
key q
wait_for 5 sh -c "! kill -0 $pt" || fail "pylontop did not exit after q in a paused replay"
note "q in a paused replay exits"
exit 0
