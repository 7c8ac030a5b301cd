#!/bin/bash
# demo_stacks.sh — `pylontop --demo=stacks` (issue 16.1): two simulators,
# LV 4x15 and HV 5x15, as the stacks lv and hv.  Without a terminal it
# prints 3 samples of each, named; `--once -f json` a line per stack with
# that stack's protocol and module count; the simulators and their
# directory are gone afterwards; a wrong --demo= value is one line, exit 2.
# In the UI (tmux) both stacks poll, and the report key writes the shown
# stack's report into pylontop-report-DATE-TIME-NAME, named in its title.
PT_TEST_TIMEOUT=150
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing (scripts/setup installs it)"
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"
pt() { timeout -s KILL 60 "$PYLONTOP" "$@"; }
export HOME="$T/home"
mkdir -p "$HOME" "$T/work"
cd "$T/work" || exit 99

pt --demo=stacks </dev/null >"$T/demo.out" 2>"$T/demo.err" ||
	fail "--demo=stacks: exit $?: $(cat "$T/demo.err")"
[ "$(grep -c '^Name      lv$' "$T/demo.out")" -eq 3 ] &&
    [ "$(grep -c '^Name      hv$' "$T/demo.out")" -eq 3 ] ||
	fail "--demo=stacks without a terminal: want 3 samples of lv and of hv: $(grep '^Name' "$T/demo.out" | sort | uniq -c)"
dir=$(sed -n 's/.* lv on \(.*\)\/battery-lv and hv on .*/\1/p' "$T/demo.err")
[ -n "$dir" ] || fail "--demo=stacks: the links were not said: $(head -1 "$T/demo.err")"
[ -e "$dir" ] && fail "--demo=stacks: $dir left behind"
pgrep -f "pylontop-sim --pty $dir/" >/dev/null && fail "--demo=stacks: a simulator left running"
note "no terminal: 3 samples of lv and of hv; $dir and the simulators gone"

pt --demo=stacks --once -f json </dev/null >"$T/once.json" 2>"$T/once.err" ||
	fail "--demo=stacks --once: exit $?: $(cat "$T/once.err")"
got=$(jq -r '"\(.stack_name) \(.protocol) \(.modules | length)"' "$T/once.json" | paste -sd,)
[ "$got" = "lv lv 4,hv hv 5" ] || fail "--demo=stacks --once: '$got', want 'lv lv 4,hv hv 5'"
note "--once -f json: lv (lv, 4 modules), hv (hv, 5 modules)"

pt --demo=three </dev/null >"$T/bad.out" 2>"$T/bad.err"; rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$T/bad.err")" -eq 1 ] && grep -q -- "--demo=stacks" "$T/bad.err" ||
	fail "--demo=three: exit $rc, want 2 and one line naming --demo=stacks: $(cat "$T/bad.err")"

# ---- the UI: both stacks, and the report key per stack ----
TMUX_BIN=$(command -v tmux)
if [ -z "$TMUX_BIN" ] || ! grep -q "^#define HAVE_TUI 1" "$top_builddir/autoconfig.h" 2>/dev/null; then
	note "the UI part not run (no tmux or built without the TUI)"
	exit 0
fi
SOCK="$T/tmux.sock"
tm() { "$TMUX_BIN" -S "$SOCK" -f /dev/null "$@"; }
screen() { tm capture-pane -p -t pt; }
PT_ON_EXIT="tm kill-server"
shows() { wait_for "${2:-5}" sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | grep -Eq -- \"\$0\"" "$1"; }
cmd="cd '$T/work' && '$PYLONTOP' --demo=stacks --no-csv 2>'$T/ui.err'; echo \$? >'$T/ui.exit'"
: >"$T/ui.exit"
tm start-server \; set -g remain-on-exit on \; new-session -d -s pt -x 120 -y 40 "$cmd" ||
	fail "tmux did not start"
shows '^ *> lv +polling +[0-9.]+ V' 60 || fail "UI: lv not polling: $(screen; cat "$T/ui.err")"
shows '^ +hv +polling +[0-9.]+ V' 60 || fail "UI: hv not polling: $(screen)"
tm send-keys -t pt S
shows '^ *> hv +polling' 10 || fail "UI: 'S' did not show hv: $(screen | head -5)"
tm send-keys -t pt W
shows 'Report written to pylontop-report-[0-9-]+-hv/' 20 ||
	fail "UI: the report key did not write hv's report: $(screen | tail -2)"
rep=$(ls -d "$T"/work/pylontop-report-*-hv 2>/dev/null | head -1)
[ -n "$rep" ] && grep -qx '# Battery service report, stack hv' "$rep/report.md" ||
	fail "UI: hv's report is not titled by its stack: $(head -1 "$rep/report.md" 2>&1)"
ls -d "$T"/work/pylontop-report-*-lv >/dev/null 2>&1 && fail "UI: a report of lv, which was not shown"
tm send-keys -t pt q
wait_for 20 test -s "$T/ui.exit" || fail "UI: 'q' did not end pylontop: $(screen | tail -3)"
[ "$(cat "$T/ui.exit")" = 0 ] || fail "UI: exit $(cat "$T/ui.exit"): $(cat "$T/ui.err")"
note "UI: lv and hv polling; W on hv wrote $(basename "$rep")/, titled 'stack hv'; q exits 0"
exit 0
