#!/bin/bash
# replay_seek.sh — seeking in a replay in the UI (issue 14.4): > skips
# 60 s of the recording, and the recorded time the status line shows
# jumps by that much at once; < goes 60 s back (the replay plays again
# from its start) and the CSV gets no row twice and none out of order.
#
# A short live LV session is recorded; 75 s of silence are put into it
# between two poll cycles (every event from the first 'pwr' after +4 s on
# is 75 s later, as if pylontop had waited that long to poll again).  The
# recording is replayed at its speed in tmux at 80x24: while the replay
# waits in that gap the time moves one second a second; > makes it jump
# ahead 60 s within two seconds, and the replay goes on to its end with
# the recorded values after the gap.  Then < takes the time 60 s back,
# and it moves on from there; > twice goes on to the end.  The CSV the
# replay wrote is the one a replay without seeking writes.
PT_TEST_TIMEOUT=120
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
[ -n "$TMUX_BIN" ] || skip "tmux is missing (scripts/setup installs it)"
[ -x "$PYLONTOP" ] || skip "pylontop not built"
grep -q "^#define HAVE_TUI 1" "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without the TUI"

SOCK="$T/tmux.sock"
tm() { "$TMUX_BIN" -S "$SOCK" -f /dev/null "$@"; }
screen() { tm capture-pane -p -t pt; }
PT_ON_EXIT="tm kill-server"
shows() { wait_for "${2:-5}" sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | grep -Eq -- \"\$0\"" "$1"; }
export TZ=UTC
# The recorded time on the status line, in seconds of the day.
shown_s() {
	# (RP when the status line is short of room)
	screen | grep -Eo '(REPLAY|RP) [0-9]{2}:[0-9]{2}:[0-9]{2}' | tail -1 |
		awk '{ split($2, a, ":"); print a[1] * 3600 + a[2] * 60 + a[3] }'
}

# --- a short live session, recorded ----------------------------------------
sim_start lv --protocol lv --modules 3 --seed 5
"$PYLONTOP" -d "$SIM_DEV" -i 1 --headless --csv "$T/live.csv" --record "$T/live.rec" \
	>"$T/live.out" 2>&1 &
pid=$!; PT_PIDS="$PT_PIDS $pid"
enough() { [ "$(wc -l <"$T/live.csv" 2>/dev/null || echo 0)" -ge 9 ]; }
wait_for 40 enough || fail "the live run wrote no 8 rows: $(cat "$T/live.out")"
kill -TERM "$pid"; wait "$pid" 2>/dev/null

# --- 75 s of silence between two cycles --------------------------------------
awk -v gap=75 '
	/^\+[0-9]+\.[0-9]+ / { t = substr($1, 2) + 0
		if (!shift && t >= 4 && $2 == ">" && $3 == "pwr\\n") shift = gap
		if (shift) { rest = substr($0, length($1) + 1); printf "+%.3f%s\n", t + shift, rest; next } }
	{ print }
	END { if (!shift) exit 1 }' "$T/live.rec" >"$T/gap.rec" || fail "no 'pwr' after +4 s in the recording"

# --- the replay in the UI ------------------------------------------------------
tm start-server \; new-session -d -s pt -x 80 -y 24 \
	"env TERM=xterm-256color LANG=C.UTF-8 '$PYLONTOP' -d 'replay:$T/gap.rec' --replay-speed 1 --csv '$T/seek.csv' 2>'$T/replay.err'; sleep 30" ||
	fail "tmux did not start"
shows '(REPLAY|RP) [0-9:]+' 10 || fail "the status line shows no recorded time: $(screen; cat "$T/replay.err")"
# In the gap: no sample for a while, the overview says so (STALE).
shows 'STALE since' 30 || fail "the replay did not reach the gap: $(screen)"
t1=$(shown_s)
sleep 1.5
t2=$(shown_s)
[ "$t2" -gt "$t1" ] && [ "$t2" -le $((t1 + 4)) ] ||
	fail "in the gap the recorded time should move at its speed: $t1 -> $t2"
tm send-keys -t pt '>'
jumped() { s=$(shown_s); [ -n "$s" ] && [ "$s" -ge $((t2 + 60)) ]; }
wait_for 2 jumped || fail "> did not make the recorded time jump 60 s: $t2 -> $(shown_s): $(screen)"
t3=$(shown_s)
[ "$t3" -le $((t2 + 66)) ] || fail "> jumped more than 60 s: $t2 -> $t3"
note "the recorded time moves $t1 -> $t2 in 1.5 s, and > jumps it $t2 -> $t3"

# --- and back ------------------------------------------------------------------
tm send-keys -t pt '<'
# (it plays the recording again from its start, without waiting: times
# before the target may show for a moment)
back() { s=$(shown_s); [ -n "$s" ] && [ "$s" -le $((t3 - 54)) ] && [ "$s" -ge $((t3 - 62)) ]; }
wait_for 5 back || fail "< did not take the recorded time 60 s back: $t3 -> $(shown_s): $(screen)"
t4=$(shown_s)
moved() { s=$(shown_s); [ -n "$s" ] && [ "$s" -gt "$t4" ]; }
wait_for 5 moved || fail "after < the recorded time does not move on: $t4: $(screen)"
note "< takes it $t3 -> $t4, and it moves on to $(shown_s)"
tm send-keys -t pt '>'
sleep 0.5
tm send-keys -t pt '>'
# After the gap the replay goes on: the end of the recording comes.
shows 'end of the recording' 60 || fail "the replay did not reach its end after the gap: $(screen)"
note "the replay ends after the gap"

# --- the CSV: what a replay without seeking writes ------------------------------
"$PYLONTOP" -d "replay:$T/gap.rec" --replay-speed 0 --headless --csv "$T/fast.csv" \
	>"$T/fast.out" 2>&1 || fail "the fast replay failed: $(cat "$T/fast.out")"
[ "$(wc -l <"$T/fast.csv")" -ge 9 ] || fail "the fast replay wrote few rows: $(cat "$T/fast.csv")"
dups=$(cut -d, -f1 "$T/seek.csv" | sort | uniq -d)
[ -z "$dups" ] || fail "the CSV has a row twice after <: $dups"
cut -d, -f1 "$T/seek.csv" | sed 1d | sort -c 2>/dev/null || fail "the CSV rows are out of order after <"
cmp -s "$T/fast.csv" "$T/seek.csv" ||
	fail "the CSV after seeking differs from a replay without: $(diff "$T/fast.csv" "$T/seek.csv" | head -8)"
note "the CSV has $(($(wc -l <"$T/seek.csv") - 1)) rows, the same as without seeking"
exit 0
