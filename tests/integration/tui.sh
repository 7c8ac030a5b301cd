#!/bin/bash
# tui.sh — the real binary inside tmux against the simulator: values on
# screen equal the simulator's, every cell is shown, each view key
# switches view, 'm' and 'l' change the state shown, a resize to 20x5
# and back does not crash, 'q' exits 0 and restores the terminal.
PT_TEST_TIMEOUT=90
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
[ -n "$TMUX_BIN" ] || skip "tmux is missing (scripts/setup installs it)"
command -v jq >/dev/null 2>&1 || skip "jq is missing"
[ -x "$PYLONTOP" ] || skip "pylontop not built"
grep -q "^#define HAVE_TUI 1" "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without the TUI"

sock="pt-tui-$$"
tm() { "$TMUX_BIN" -L "$sock" -f /dev/null "$@"; }
screen() { tm capture-pane -p -t pt; }
PT_ON_EXIT="tm kill-server"

run_at() {
	cols=$1 lines=$2 modules=$3 cells=$4
	sim_start "sim$cols" --protocol lv --modules "$modules" --cells "$cells" --state "$T/st$cols.json"; dev=$SIM_DEV
	port=$(free_port)
	: >"$T/exit$cols"
	tm new-session -d -s pt -x "$cols" -y "$lines" \
		"TERM=xterm-256color LANG=C.UTF-8 '$PYLONTOP' -d '$dev' -i 1 --csv '$T/ui.csv' --no-csv --mqtt mqtt://127.0.0.1:$port --no-mqtt; echo \$? >'$T/exit$cols'; sleep 60"
	wait_for 10 sh -c "'$TMUX_BIN' -L '$sock' capture-pane -p -t pt | grep -q 'Modules'" ||
		fail "${cols}x$lines: no overview: $(screen)"
	sleep 1.5
	# The stack voltage shown equals the simulator's (LV: the modules' mean).
	shown=$(screen | sed -n 's/.*Voltage *\([0-9.]*\) V.*/\1/p' | head -1)
	want=$(jq '[.modules[].voltage] | add / length' "$T/st$cols.json")
	awk -v a="$shown" -v b="$want" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d < 0.05) }' ||
		fail "${cols}x$lines: stack voltage shown '$shown', simulator $want"
	# Module 1 voltage row.
	m1=$(jq '.modules[0].voltage' "$T/st$cols.json")
	screen | grep -Eq "^ +1 +${m1%?}" || fail "${cols}x$lines: module 1 voltage $m1 not shown: $(screen | grep -E '^ +1 ')"
	# Cell grid: every cell of every module.
	tm send-keys -t pt 2
	sleep 0.5
	screen >"$T/grid$cols.txt"
	grep -q "Cell voltages" "$T/grid$cols.txt" || fail "${cols}x$lines: '2' did not show the cell grid"
	ncells=$(grep -Eo '[0-9]\.[0-9]{3}|[0-9]{4}' "$T/grid$cols.txt" | wc -l)
	[ "$ncells" -ge $((modules * cells)) ] ||
		fail "${cols}x$lines: grid shows $ncells cells, want $((modules * cells)): $(cat "$T/grid$cols.txt")"
	for k in 3:History 4:Alarms 5:Keys 1:Modules; do
		tm send-keys -t pt "${k%%:*}"
		sleep 0.4
		screen | grep -q "${k#*:}" || fail "${cols}x$lines: key ${k%%:*} did not show ${k#*:}"
	done
	# m and l change the state in the status line.
	screen | grep -q "MQTT off" || fail "MQTT should start off"
	tm send-keys -t pt m
	sleep 0.6
	screen | grep -Eq "MQTT (connecting|on|error)" || fail "'m' did not turn MQTT on: $(screen | tail -2)"
	screen | grep -q "CSV off" || fail "CSV should start off"
	tm send-keys -t pt l
	sleep 1.5
	screen | grep -q "CSV on" || fail "'l' did not turn CSV on: $(screen | tail -2)"
	# Too small, then back.
	tm resize-window -t pt -x 20 -y 5
	sleep 0.5
	screen | grep -q "too small" || fail "20x5: no 'terminal too small'"
	tm resize-window -t pt -x "$cols" -y "$lines"
	sleep 0.5
	screen | grep -q "Modules" || fail "after the resize the overview is gone"
	tm send-keys -t pt q
	wait_for 5 test -s "$T/exit$cols" || fail "'q' did not end pylontop"
	[ "$(cat "$T/exit$cols")" = 0 ] || fail "exit status $(cat "$T/exit$cols") after q"
	# The terminal is restored: the alternate screen is left.
	[ "$(tm display -p -t pt '#{alternate_on}')" = 0 ] || fail "alternate screen still on after q"
	tm kill-server
	note "${cols}x$lines, $modules x $cells cells: ok"
}

run_at 80 24 4 15
run_at 200 60 16 16
exit 0
