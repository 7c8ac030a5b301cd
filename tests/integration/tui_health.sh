#!/bin/bash
# tui_health.sh — the Health view (key 6) in tmux at 80x24 (issue 15.6).
# A 2 x 16 LV stack under the simulator's load steps (--profile steps
# --time-scale 60) with cell 5 of module 1 at 2x resistance: the view
# shows its three parts (findings, a resistance bar per cell for all 16
# cells, the selected cell's deviation table) within 80x24 with the status
# line intact, ranks cell 5 first with its cause, shows each cell's figure
# within 15 % of the simulator's truth, and Right / ']' change the module
# and the cell.
PT_TEST_TIMEOUT=90
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
shows() {	# SECONDS RE
	wait_for "$1" sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | grep -Eq -- \"\$0\"" "$2"
}

sim_start health --protocol lv --modules 2 --cells 16 --profile steps --time-scale 60 \
    --weak-cell 1:5:2:1 --state "$T/truth.json"
# 5 steps instead of 10, so the figures come within the test's time.
printf 'HEALTH_MIN_STEPS=5\n' >"$T/pt.conf"
tm new-session -d -s pt -x 80 -y 24 \
    "'$PYLONTOP' -c '$T/pt.conf' -d '$SIM_DEV' -i 0.5 2>'$T/pt.err'" || fail "tmux did not start"
shows 10 'Curr A' || fail "no overview: $(screen; cat "$T/pt.err")"
tm send-keys -t pt 6
shows 3 'Findings' || fail "6 does not show the Health view: $(screen)"
shows 40 'module 1 cell 5: internal resistance' ||
	fail "no resistance finding for module 1 cell 5: $(screen)"
sleep 1
screen >"$T/screen.txt"
[ "$(wc -l <"$T/screen.txt")" -le 24 ] || fail "more than 24 lines"
sed -n 2,3p "$T/screen.txt" | grep -q '% *module 1 cell 5: internal resistance' ||
	fail "cell 5 is not the first finding: $(cat "$T/screen.txt")"
grep -q 'Module 1: DC resistance per cell' "$T/screen.txt" || fail "no bar chart title"
grep -q 'Cell 1: mV from the module mean' "$T/screen.txt" || fail "no deviation table"
grep -q '^ >80%' "$T/screen.txt" || fail "the deviation table is cut: $(cat "$T/screen.txt")"
tail -1 "$T/screen.txt" | grep -q "MQTT off" || fail "the status line is gone: $(cat "$T/screen.txt")"
# Every cell's bar: its number and figure, within 15 % of the truth.
for c in $(seq 1 16); do
	got=$(grep -o "[ >]$(printf %02d "$c")  *[0-9.]*" "$T/screen.txt" | awk '{ print $NF }')
	want=$(jq ".modules[0].cells[$((c - 1))].r_mohm" "$T/truth.json")
	[ -n "$got" ] || fail "cell $c has no figure on screen: $(cat "$T/screen.txt")"
	awk -v g="$got" -v w="$want" 'BEGIN { d = (g - w) / w; exit !(d < 0.15 && d > -0.15) }' ||
		fail "cell $c: $got mOhm on screen, truth $want"
done
tm send-keys -t pt Right
shows 3 'Module 2: DC resistance per cell' || fail "Right does not select module 2: $(screen)"
tm send-keys -t pt ']'
shows 3 'Cell 2: mV from the module mean' || fail "] does not select cell 2: $(screen)"
tm send-keys -t pt q
sleep 0.5
exit 0
