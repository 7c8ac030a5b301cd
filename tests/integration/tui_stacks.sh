#!/bin/bash
# tui_stacks.sh — several stacks in the UI (issue 16.1): an LV 8x16
# simulator on a pty and an HV 5x15 one on TCP in one pylontop inside tmux.
# The overview starts with a line per stack whose voltage equals that
# simulator's truth; the status line names the stack shown; 'S' shows the
# other one (marker, status line, the overview's stack voltage = the HV
# truth); with the HV simulator killed its line says so while the LV line
# stays fresh (no old mark, age under 3 s); 'q' exits 0.
PT_TEST_TIMEOUT=180
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
[ -n "$TMUX_BIN" ] || skip "tmux is missing (scripts/setup installs it)"
command -v jq >/dev/null 2>&1 || skip "jq is missing"
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"
grep -q "^#define HAVE_TUI 1" "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without the TUI"

SOCK="$T/tmux.sock"
tm() { "$TMUX_BIN" -S "$SOCK" -f /dev/null "$@"; }
screen() { tm capture-pane -p -t pt; }
PT_ON_EXIT="tm kill-server"
shows() { wait_for "${2:-5}" sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | grep -Eq -- \"\$0\"" "$1"; }
# near A B: |A - B| < 0.05 (the tolerance of tui.sh)
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d < 0.05) }'; }
lv_want() { jq '[.modules[].voltage] | add / length' "$T/lv.json"; }	# parallel
hv_want() { jq '.stack.voltage' "$T/hv.json"; }				# series
line_v() { screen | sed -n "s/^ *>\{0,1\} *$1  *polling  *\([0-9][0-9.]*\) V .*/\1/p" | head -1; }

sim_start lv --protocol lv --modules 8 --cells 16 --state "$T/lv.json"; lv=$SIM_DEV
port=$(free_port) || skip "no free TCP port"
bg_start sim-hv "$PYLONTOP_SIM" --tcp "$port" --protocol hv --modules 5 --cells 15 \
    --state "$T/hv.json"; hv_pid=$BG_PID
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || fail "TCP simulator not listening"

cmd="'$PYLONTOP' -i 1 -d '$lv' --name lv -d 'tcp://127.0.0.1:$port' --name hv \
    --csv '$T/t.csv' 2>'$T/pt.err'; echo \$? >'$T/pt.exit'"
: >"$T/pt.exit"
tm start-server \; set -g remain-on-exit on \; new-session -d -s pt -x 120 -y 40 "$cmd" ||
	fail "tmux did not start"
shows 'Stacks \(S: next\)' 10 || fail "no stacks block on the overview: $(screen; cat "$T/pt.err")"
shows '^ *> lv +polling +[0-9.]+ V' 60 || fail "lv not polling: $(screen)"
shows '^ +hv +polling +[0-9.]+ V' 60 || fail "hv not polling: $(screen)"
sleep 1.5	# a second sample each: screen and truth files agree

v=$(line_v lv); near "$v" "$(lv_want)" || fail "lv line: $v V, simulator $(lv_want): $(screen | head -5)"
v2=$(line_v hv); near "$v2" "$(hv_want)" || fail "hv line: $v2 V, simulator $(hv_want): $(screen | head -5)"
screen | tail -1 | grep -q "lv: $lv" || fail "status line does not name lv: $(screen | tail -1)"
note "overview: lv $v V, hv $v2 V, as the simulators; status line names lv"

tm send-keys -t pt S
shows '^ *> hv +polling' || fail "'S' did not move the marker to hv: $(screen | head -5)"
screen | tail -1 | grep -q "hv: tcp://127.0.0.1:$port" || fail "status line after 'S': $(screen | tail -1)"
shows 'Cell V' 10 || true
# The overview's own stack voltage (under the stack lines) is HV's now.
shows '^ *[0-9][0-9.]* V ' 10 || fail "no stack voltage after 'S': $(screen)"
v=$(screen | sed -n 's/^ *\([0-9][0-9.]*\) V .*/\1/p' | head -1)
near "$v" "$(hv_want)" || fail "after 'S' the overview shows $v V, the HV simulator $(hv_want)"
note "'S': hv shown ($v V, simulator $(hv_want)), status line names it"

kill "$hv_pid"; wait "$hv_pid" 2>/dev/null
shows '^ +lv +polling' 3 || fail "lv line lost: $(screen | head -5)"
shows '^ *> hv +(reconnecting|polling +[0-9.]+ V .*~)' 30 || fail "hv line does not say it is lost: $(screen | head -5)"
sleep 4
l=$(screen | grep -E '^ +lv ' | head -1)
echo "$l" | grep -Eq 'polling .* [0-2]s$' || fail "lv went old while hv was down: '$l'"
case "$l" in *"~"*) fail "lv marked old while hv was down: '$l'" ;; esac
note "hv killed: '$(screen | grep -E '^ *> hv' | sed 's/  */ /g')'; lv fresh: '$(echo "$l" | sed 's/  */ /g')'"

tm send-keys -t pt q
wait_for 10 test -s "$T/pt.exit" || fail "'q' did not end pylontop: $(screen | tail -3)"
[ "$(cat "$T/pt.exit")" = 0 ] || fail "exit status $(cat "$T/pt.exit"): $(cat "$T/pt.err")"
note "'q': exit 0"
exit 0
