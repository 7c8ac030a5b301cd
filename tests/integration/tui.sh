#!/bin/bash
# tui.sh — the real pylontop inside tmux against pylontop-sim.
#
# At 80x24 (16 x 16 LV: the whole stack must fit) and 200x60, and for a
# 5 x 15 HV stack: the stack voltage shown equals the simulator's (its
# --state JSON), the cell grid shows every cell of every module (at 200
# columns each value is compared with the simulator's), every view key
# switches view, 'p' freezes, 'm' and 'l' change the MQTT and CSV state in
# the status line (the broker URL points at a closed port), a resize to
# 20x5 shows "terminal too small" and back, 'q' exits 0 with the
# alternate screen left.  Then SIGTERM and a dropped terminal (tmux
# server killed with -9, like a dead ssh session) end it cleanly with the
# CSV written; TERM=vt100, TERM=linux with LANG=C, NO_COLOR and --ascii
# draw without colours or non-ASCII bytes where they must.
PT_TEST_TIMEOUT=170
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
[ -n "$TMUX_BIN" ] || skip "tmux is missing (scripts/setup installs it)"
command -v jq >/dev/null 2>&1 || skip "jq is missing"
[ -x "$PYLONTOP" ] || skip "pylontop not built"
grep -q "^#define HAVE_TUI 1" "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without the TUI"
HAVE_MQTT=no
grep -q "^#define HAVE_MQTT 1" "$top_builddir/autoconfig.h" 2>/dev/null && HAVE_MQTT=yes

SOCK="$T/tmux.sock"
tm() { "$TMUX_BIN" -S "$SOCK" -f /dev/null "$@"; }
screen() { tm capture-pane -p -t pt; }
PT_ON_EXIT="tm kill-server"

# key K: send one key and give the UI a moment to draw.
key() { tm send-keys -t pt "$1"; sleep "${2:-0.4}"; }
# shows RE: the screen matches RE within 3 s.
shows() { wait_for 3 sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | grep -Eq -- \"\$0\"" "$1"; }

# start NAME COLS LINES ENV ARGS: a simulator and pylontop in a fresh
# tmux server.  The pane outlives pylontop (remain-on-exit) so the screen
# state can be checked after it quits; its exit status goes to
# $T/NAME.exit.  The shell in the pane plays a login shell: on SIGHUP it
# passes the signal on to pylontop (as bash does to its jobs when the ssh
# session dies) and still records the exit status.  With LOGIN=no it
# ignores SIGHUP instead and runs pylontop in the foreground.  WRAP is
# put in front of the command.
start() {
	name=$1 cols=$2 lines=$3 envs=$4; shift 4
	sim_start "$name" $SIM_ARGS --state "$T/$name.json"
	: >"$T/$name.exit"
	rm -f "$T/$name.csv"
	cmd="${WRAP:-} env $envs '$PYLONTOP' -d '$SIM_DEV' -i 1 --csv '$T/$name.csv' $* 2>'$T/$name.err'"
	if [ "${LOGIN:-yes}" = yes ]; then
		cmd="trap 'kill -HUP \$p' HUP; $cmd </dev/tty & p=\$!;
		     while :; do wait \$p; s=\$?; kill -0 \$p 2>/dev/null || break; done;
		     echo \$s >'$T/$name.exit'"
	else
		cmd="trap '' HUP; $cmd; echo \$? >'$T/$name.exit'"
	fi
	tm start-server \; set -g remain-on-exit on \; new-session -d -s pt -x "$cols" -y "$lines" \
		"$cmd" || fail "$name: tmux did not start"
	wait_for 10 sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | grep -q 'Curr A'" ||
		fail "$name: no overview after 10 s: $(screen; cat "$T/$name.err")"
	# Whatever happens, the cleanup stops it.
	PT_PIDS="$PT_PIDS $(pylontop_pid)"
	# Let a second sample land so history and the state file agree.
	sleep 1.5
}

stop_tmux() { tm kill-server 2>/dev/null; sleep 0.2; }

pylontop_pid() {
	ps -o pid= --ppid "$(tm display -p -t pt '#{pane_pid}')" | tr -d ' ' | head -1
}

# The stack voltage on the overview against the simulator's: the mean of
# the modules for LV (parallel), the controller's total for HV.
check_stack_voltage() {
	name=$1
	shown=$(screen | sed -n '2,4s/^ *\([0-9][0-9.]*\) V .*/\1/p' | head -1)
	if [ "$(jq -r .protocol "$T/$name.json")" = lv ]; then
		want=$(jq '[.modules[].voltage] | add / length' "$T/$name.json")
	else
		want=$(jq '.stack.voltage' "$T/$name.json")
	fi
	awk -v a="$shown" -v b="$want" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d < 0.05) }' ||
		fail "$name: stack voltage shown '$shown', simulator $want: $(screen | head -4)"
	note "$name: stack voltage $shown V (simulator $want)"
}

# Parse the cell grid on screen into "C module cell value" (absolute
# formats) and "M module count" lines.  Marks and balancing glyphs become
# blanks first; the title line says which format is used.
parse_grid() {
	sed 's/\xe2\x96\xb2/ /g; s/\xe2\x96\xbc/ /g; s/\xe2\x89\x88/ /g; s/[\^*]/ /g; s/\([0-9]\)v/\1 /g' |
	awk '
	NR == 2 { dev = /module mean/; mv = /\(mV\)/; next }
	$1 ~ /^[0-9]+$/ { mod = $1; cell = 0; first = dev ? 3 : 2 }
	$1 ~ /^c[0-9]+$/ { cell = substr($1, 2) - 1; first = 2 }
	$1 ~ /^[0-9]+$/ || $1 ~ /^c[0-9]+$/ {
		for (i = first; i <= NF; i++) {
			if ($i ~ /mV$|C$/)
				continue;
			cell++
			count[mod]++
			if (!dev)
				printf "C %d %d %s\n", mod, cell, mv ? $i / 1000 : $i
		}
	}
	END { for (m in count) printf "M %d %d\n", m, count[m] }'
}

check_grid() {
	name=$1 modules=$2 cells=$3 compare=$4
	key 2
	screen >"$T/$name.grid"
	grep -q highest "$T/$name.grid" || fail "$name: '2' did not show the cell grid: $(cat "$T/$name.grid")"
	parse_grid <"$T/$name.grid" >"$T/$name.cells"
	got=$(grep -c '^M ' "$T/$name.cells")
	[ "$got" = "$modules" ] || fail "$name: grid shows $got modules, want $modules: $(cat "$T/$name.grid")"
	bad=$(awk -v n="$cells" '$1 == "M" && $3 != n' "$T/$name.cells")
	[ -z "$bad" ] || fail "$name: modules without all $cells cells ($bad): $(cat "$T/$name.grid")"
	if [ "$compare" = yes ]; then
		jq -r '.modules[] | .id as $m | .cells | to_entries[] | "\($m) \(.key + 1) \(.value.voltage)"' \
			"$T/$name.json" >"$T/$name.want"
		n=$(awk 'NR == FNR { w[$1 " " $2] = $3; next }
			$1 == "C" { d = $4 - w[$2 " " $3]; if (d < 0) d = -d; if (d <= 0.005) ok++ }
			END { print ok + 0 }' "$T/$name.want" "$T/$name.cells")
		[ "$n" = $((modules * cells)) ] ||
			fail "$name: only $n of $((modules * cells)) cells within 5 mV of the simulator"
	fi
	note "$name: grid shows $modules x $cells cells$([ "$compare" = yes ] && echo ", values match")"
}

check_views() {
	name=$1
	key 3; shows 'Up/Down metric' || fail "$name: '3' did not show History"
	shows '┤' || fail "$name: no value axis on the chart: $(screen)"
	shows '[0-9][0-9]:[0-9][0-9]' || fail "$name: no time axis on the chart: $(screen)"
	key r; shows 'minutes, 1 per dot' || fail "$name: 'r' did not switch to minutes"
	key 4; shows 'Event log' || fail "$name: '4' did not show Alarms"
	key 5; shows '^ Keys' || fail "$name: '5' did not show Help"
	key Tab; shows 'Curr A' || fail "$name: Tab from Help did not wrap to the Overview"
	key '?'; shows '^ Keys' || fail "$name: '?' did not show Help"
	key '?'; shows 'Curr A' || fail "$name: '?' in Help did not go back"
	key 1; shows 'Curr A' || fail "$name: '1' did not show the Overview"
	key p; shows 'FROZEN' || fail "$name: 'p' did not freeze"
	key p; screen | grep -q FROZEN && fail "$name: second 'p' did not unfreeze"
	note "$name: keys 1-5, Tab, ?, r, p switch as they should"
}

check_toggles() {
	name=$1
	screen | tail -1 | grep -q 'CSV off' || fail "$name: CSV should start off: $(screen | tail -1)"
	if [ "$HAVE_MQTT" = yes ]; then
		screen | tail -1 | grep -q 'MQTT off' || fail "$name: MQTT should start off: $(screen | tail -1)"
		key m
		shows 'MQTT (connecting|error)' || fail "$name: 'm' did not start MQTT: $(screen | tail -2)"
	else
		note "$name: SKIP the MQTT toggle: built --without-mqtt"
	fi
	key l
	shows 'CSV on' || fail "$name: 'l' did not start CSV: $(screen | tail -2)"
	wait_for 4 test -s "$T/$name.csv" || fail "$name: 'l' wrote no CSV"
	if [ "$HAVE_MQTT" = yes ]; then
		key m; shows 'MQTT off' || fail "$name: second 'm' did not stop MQTT"
	fi
	key l; shows 'CSV off' || fail "$name: second 'l' did not stop CSV"
	note "$name: m and l toggle MQTT and CSV"
}

# Threshold alarms (the config sets them low): latched, acknowledged.
check_alarms() {
	name=$1
	key 4
	shows 'ACTIVE +no +Module [0-9]+ temperature high' ||
		fail "$name: no unacknowledged temperature alarm: $(screen)"
	shows 'raised +alarm +Module' || fail "$name: no raise in the event log: $(screen)"
	screen | head -1 | grep -Eq '[0-9]+ ALARMS?' || fail "$name: tab line shows no alarm count"
	key a
	shows ' 0 unacknowledged' || fail "$name: 'a' did not acknowledge: $(screen | head -4)"
	shows 'ACTIVE +yes' || fail "$name: acknowledged alarm not marked: $(screen | head -4)"
	screen | head -1 | grep -Eq '[0-9]+ active' || fail "$name: tab line lost the active alarms"
	note "$name: alarms latched, logged and acknowledged with 'a'"
}

check_resize_and_quit() {
	name=$1 cols=$2 lines=$3
	key 1
	tm resize-window -t pt -x 20 -y 5
	shows 'too small' || fail "$name: 20x5 did not say 'terminal too small': $(screen)"
	tm resize-window -t pt -x "$cols" -y "$lines"
	shows 'Curr A' || fail "$name: the overview did not come back after the resize"
	key q 0.1
	wait_for 5 test -s "$T/$name.exit" || fail "$name: 'q' did not end pylontop"
	[ "$(cat "$T/$name.exit")" = 0 ] || fail "$name: exit status $(cat "$T/$name.exit") after q"
	[ "$(tm display -p -t pt '#{alternate_on}')" = 0 ] || fail "$name: alternate screen still on after q"
	note "$name: 20x5 and back, q exits 0 and leaves the alternate screen"
}

NOSINKS="--no-csv --mqtt mqtt://127.0.0.1:$(free_port) --no-mqtt"

# 16 x 16 LV at 80 x 24: everything on one screen.
SIM_ARGS="--protocol lv --modules 16 --cells 16"
start lv80 80 24 "TERM=xterm-256color LANG=C.UTF-8" "$NOSINKS"
check_stack_voltage lv80
screen | grep -Eq '^ +16 +[0-9.]+ ' || fail "lv80: module 16 not in the overview at 80x24: $(screen)"
check_grid lv80 16 16 no
check_views lv80
check_toggles lv80
check_resize_and_quit lv80 80 24
stop_tmux

# The same stack at 200 x 60: volts, compared cell by cell.
start lv200 200 60 "TERM=xterm-256color LANG=C.UTF-8" "$NOSINKS"
check_stack_voltage lv200
check_grid lv200 16 16 yes
check_resize_and_quit lv200 200 60
stop_tmux

# 5 x 15 HV at 80 x 24 on a VT100: no colours, line-drawing set or ASCII.
SIM_ARGS="--protocol hv --modules 5 --cells 15"
printf 'ALARM_TEMP_HIGH=20\n' >"$T/alarms.env"
start hv80 80 24 "TERM=vt100 LANG=C.UTF-8" "$NOSINKS -c $T/alarms.env"
check_stack_voltage hv80
check_grid hv80 5 15 yes
check_views hv80
check_alarms hv80
check_resize_and_quit hv80 80 24
stop_tmux

# TERM=linux, LANG=C: not UTF-8, so no multi-byte glyphs at all.
SIM_ARGS="--protocol lv --modules 4 --cells 15"
start linux 80 24 "TERM=linux LANG=C LC_ALL=C" "$NOSINKS"
for k in 1 2 3 4 5; do
	key $k
	screen | LC_ALL=C grep -q '[^ -~]' && fail "linux/LANG=C: view $k drew non-ASCII: $(screen)"
done
check_grid linux 4 15 yes
check_resize_and_quit linux 80 24
stop_tmux

# NO_COLOR and --ascii: no colour escapes, nothing but ASCII.
start ascii 100 30 "TERM=xterm-256color LANG=C.UTF-8 NO_COLOR=1" "$NOSINKS --ascii"
for k in 1 2 3 4 5; do
	key $k
	tm capture-pane -p -e -t pt | grep -Eq $'\e\\[([0-9;]*;)?(3[0-7]|4[0-7]|38;|48;)' &&
		fail "NO_COLOR: view $k has colour escapes"
	screen | LC_ALL=C grep -q '[^ -~]' && fail "--ascii: view $k drew non-ASCII: $(screen)"
done
check_grid ascii 4 15 yes
check_resize_and_quit ascii 100 30
note "TERM=linux LANG=C, NO_COLOR and --ascii: ASCII only, no colours"
stop_tmux

# A terminal that cannot address the cursor: refused with a hint, not
# drawn into.
sim_start dumb $SIM_ARGS
tm start-server \; set -g remain-on-exit on \; new-session -d -s pt -x 80 -y 24 \
	"env TERM=dumb '$PYLONTOP' -d '$SIM_DEV' -i 1 --no-csv --no-mqtt 2>'$T/dumb.err'; echo \$? >'$T/dumb.exit'"
wait_for 5 test -s "$T/dumb.exit" || fail "TERM=dumb: pylontop did not give up"
[ "$(cat "$T/dumb.exit")" = 2 ] || fail "TERM=dumb: exit status $(cat "$T/dumb.exit"), want 2 (a setting to change)"
grep -q 'cannot show the UI' "$T/dumb.err" || fail "TERM=dumb: no hint on stderr: $(cat "$T/dumb.err")"
note "TERM=dumb: refused ($(cat "$T/dumb.err"))"
stop_tmux

# SIGTERM: clean exit, status 0, alternate screen left.
start term 80 24 "TERM=xterm-256color LANG=C.UTF-8" "--no-mqtt"
pid=$(pylontop_pid)
[ -n "$pid" ] || fail "term: no pylontop process in the pane"
kill -TERM "$pid"
wait_for 5 test -s "$T/term.exit" || fail "term: SIGTERM did not end pylontop"
[ "$(cat "$T/term.exit")" = 0 ] || fail "term: exit status $(cat "$T/term.exit") after SIGTERM"
[ "$(tm display -p -t pt '#{alternate_on}')" = 0 ] || fail "term: alternate screen still on after SIGTERM"
note "SIGTERM: exit 0, terminal restored"
stop_tmux

# A dropped terminal: the tmux server dies without cleaning up, like an
# ssh session whose network went away.  pylontop gets SIGHUP and must
# exit, not spin, with the CSV rows it had written on disk.
start hup 80 24 "TERM=xterm-256color LANG=C.UTF-8" "--no-mqtt"
pid=$(pylontop_pid)
sleep 1
kill -KILL "$(tm display -p '#{pid}')"
wait_for 5 test -s "$T/hup.exit" || fail "hangup: pylontop still running after the terminal went away"
[ "$(cat "$T/hup.exit")" = 0 ] || fail "hangup: exit status $(cat "$T/hup.exit")"
kill -0 "$pid" 2>/dev/null && fail "hangup: pylontop $pid still alive"
rows=$(grep -c . "$T/hup.csv" 2>/dev/null)
[ "${rows:-0}" -ge 3 ] || fail "hangup: CSV has ${rows:-0} lines, want a header and 2+ rows"
rm -f "$SOCK"
note "hangup: exit 0, CSV $rows lines"

# The same with SIGHUP blocked (inherited through exec), so only the dead
# terminal itself can tell: POLLHUP / failing reads must end the loop
# instead of spinning.
if command -v python3 >/dev/null 2>&1; then
	WRAP="python3 -c 'import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGHUP]); os.execvp(sys.argv[1], sys.argv[1:])'"
	LOGIN=no start hup2 80 24 "TERM=xterm-256color LANG=C.UTF-8" "--no-mqtt"
	WRAP=
	pid=$(pylontop_pid)
	grep -q '^SigBlk:.*[13579bdf]$' "/proc/$pid/status" ||
		fail "hup2: SIGHUP is not blocked in pylontop ($(grep SigBlk "/proc/$pid/status"))"
	kill -KILL "$(tm display -p '#{pid}')"
	wait_for 5 test -s "$T/hup2.exit" ||
		fail "hup2: pylontop still running (spinning?) after the terminal went away without SIGHUP"
	[ "$(cat "$T/hup2.exit")" = 0 ] || fail "hup2: exit status $(cat "$T/hup2.exit")"
	rm -f "$SOCK"
	note "hangup without SIGHUP: the dead terminal ends the loop, exit 0"
fi
exit 0
