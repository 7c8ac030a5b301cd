#!/bin/bash
# tui_stacks_age.sh — the overview's line of another stack counts its age
# every second (issue 16.1), not only when that stack's state changes.
# Two LV simulators in one pylontop inside tmux; 'S' shows b.  b's
# simulator is killed and left for over two minutes, so b's own age
# counts in minutes (a redraw a minute); then a's simulator is stopped
# (kill -STOP: a hung link, a's age grows).  Over 6 s a's line must show
# at least 5 different ages, one a second.
PT_TEST_TIMEOUT=240
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
[ -n "$TMUX_BIN" ] || skip "tmux is missing (scripts/setup installs it)"
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"
grep -q "^#define HAVE_TUI 1" "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without the TUI"

SOCK="$T/tmux.sock"
tm() { "$TMUX_BIN" -S "$SOCK" -f /dev/null "$@"; }
screen() { tm capture-pane -p -t pt; }
PT_ON_EXIT="tm kill-server"
shows() { wait_for "${2:-5}" sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | grep -Eq -- \"\$0\"" "$1"; }

sim_start a --protocol lv --modules 2 --cells 15; a=$SIM_DEV; a_pid=$BG_PID
sim_start b --protocol lv --modules 2 --cells 15; b=$SIM_DEV; b_pid=$BG_PID
cmd="'$PYLONTOP' -i 1 -d '$a' --name a -d '$b' --name b 2>'$T/pt.err'; echo \$? >'$T/pt.exit'"
: >"$T/pt.exit"
tm start-server \; set -g remain-on-exit on \; new-session -d -s pt -x 120 -y 40 "$cmd" ||
	fail "tmux did not start"
shows '^ *> a +polling +[0-9.]+ V' 60 || fail "a not polling: $(screen | head -5)"
shows '^ +b +polling +[0-9.]+ V' 60 || fail "b not polling: $(screen | head -5)"
tm send-keys -t pt S
shows '^ *> b +polling' 10 || fail "'S' did not show b: $(screen | head -5)"

kill "$b_pid"; wait "$b_pid" 2>/dev/null
shows '^ *> b .*2m$' 150 || fail "b's age never reached 2m: $(screen | head -5)"
kill -STOP "$a_pid"
ages=$T/ages
: >"$ages"
for _ in $(seq 24); do
	screen | sed -n 's/^ *a .*[^0-9]\([0-9][0-9]*s\)$/\1/p' | head -1 >>"$ages"
	sleep 0.25
done
kill -CONT "$a_pid"
n=$(sort -u "$ages" | grep -c .)
[ "$n" -ge 5 ] || fail "a's age on b's overview took $n values in 6 s: $(uniq "$ages" | paste -sd' ')"
note "a's line while b is shown and 2 min old: $(uniq "$ages" | paste -sd' ')"
tm send-keys -t pt q
wait_for 10 test -s "$T/pt.exit" || fail "'q' did not end pylontop: $(screen | tail -3)"
[ "$(cat "$T/pt.exit")" = 0 ] || fail "exit status $(cat "$T/pt.exit"): $(cat "$T/pt.err")"
exit 0
