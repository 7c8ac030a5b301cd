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
#
# Trust (issue 9): with the simulator stopped (SIGSTOP) every view marks
# its values old ('~', dimmed, "old: last sample ...") and the status line
# says "STALE since HH:MM:SS"; after SIGCONT the marks go and the link's
# events are in the alarms view's log, in colour and with NO_COLOR.  The
# weakest cell the overview names and marks is the one the simulator's
# truth has farthest from its module mean (and lowest), the cell grid
# marks its warning level without colours, 'w' charts it.  A long link
# message keeps its hint at 80x24.  The KEYS of pylontop(1) are the keys
# of src/tui/keys.c.
PT_TEST_TIMEOUT=320
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
	sed 's/\xe2\x96\xb2/ /g; s/\xe2\x96\xbc/ /g; s/\xe2\x89\x88/ /g; s/[\^*]/ /g; s/[!#_]\([0-9]\)/ \1/g; s/\([0-9]\)[!#_]/\1 /g; s/\([0-9]\)v/\1 /g' |
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
	key 6; shows 'Findings' || fail "$name: '6' did not show Health"
	key Tab; shows 'Raw console' || fail "$name: Tab from Health did not show the Console"
	key Tab; shows 'Inventory' || fail "$name: Tab from the Console did not show the Inventory"
	key Tab; key Tab; shows 'Curr A' || fail "$name: Tab from Events did not wrap to the Overview"
	key '?'; shows '^ Keys' || fail "$name: '?' did not show Help"
	key '?'; shows 'Curr A' || fail "$name: '?' in Help did not go back"
	key 1; shows 'Curr A' || fail "$name: '1' did not show the Overview"
	key 7; shows 'Raw console' || fail "$name: '7' did not show the Console"
	key 1; shows 'Curr A' || fail "$name: '1' did not show the Overview"
	key p; shows 'FROZEN' || fail "$name: 'p' did not freeze"
	key p; screen | grep -q FROZEN && fail "$name: second 'p' did not unfreeze"
	note "$name: keys 1-7, Tab, ?, r, p switch as they should"
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

# shows_in SECONDS RE: the screen matches RE within SECONDS.
shows_in() { wait_for "$1" sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | grep -Eq -- \"\$0\"" "$2"; }

# Old data: SIGSTOP the simulator; within a few seconds (3 measured
# cycles of 1 s, plus the poll timeout) every view marks the values old,
# dimmed; SIGCONT and the marks go, the link events are logged.
check_stale() {
	name=$1 simpid=$2 modules=$3
	key 1
	screen | grep -q 'STALE' && fail "$name: STALE before the simulator stopped: $(screen | tail -1)"
	kill -STOP "$simpid"
	if ! shows_in 10 'STALE since [0-9]{2}:[0-9]{2}:[0-9]{2}, [0-9]+s'; then
		kill -CONT "$simpid"
		fail "$name: no 'STALE since' 10 s after SIGSTOP: $(screen | tail -3)"
	fi
	n=$(screen | grep -Ec '^~[ >]*[0-9]+ +[0-9]+\.[0-9]+ ')
	[ "$n" = "$modules" ] || { kill -CONT "$simpid"; fail "$name: $n of $modules module rows marked '~' while stale: $(screen)"; }
	screen | grep -Eq '^~ +[0-9.]+ V ' || { kill -CONT "$simpid"; fail "$name: stack line not marked old: $(screen | head -4)"; }
	tm capture-pane -p -e -t pt | grep -Eq $'\e\\[([0-9;]*;)?2(;[0-9;]*)?m' ||
		{ kill -CONT "$simpid"; fail "$name: old values are not dimmed (no SGR 2)"; }
	screen | grep -q 'polling  last sample' && { kill -CONT "$simpid"; fail "$name: link still looks live: $(screen)"; }
	for v in 2 3 4; do
		key $v
		shows 'old: last sample [0-9]{2}:[0-9]{2}:[0-9]{2}, [0-9]+s ago' ||
			{ kill -CONT "$simpid"; fail "$name: view $v does not say the data is old: $(screen | head -4)"; }
	done
	key 2
	screen | grep -Eq '^~ *[0-9]+ ' || { kill -CONT "$simpid"; fail "$name: cell grid rows not marked '~': $(screen)"; }
	key 1
	# Silent long enough for the link to be given up (two failed polls).
	shows_in 15 'lost .*silent|  reconnecting  ' || { kill -CONT "$simpid"; fail "$name: link not lost while silent: $(screen)"; }
	kill -CONT "$simpid"
	wait_for 25 sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | tail -1 | grep -v STALE |
		grep -Eq ' [0-9]+s +(MQTT|rr |round-robin )'" || fail "$name: still stale 25 s after SIGCONT: $(screen | tail -3)"
	screen | grep -q '^~' && fail "$name: '~' marks left after fresh data: $(screen)"
	screen | grep -q 'old: last sample' && fail "$name: 'old' note left after fresh data"
	key 4
	shows 'link +lost ' || fail "$name: no 'lost' link event in the log: $(screen)"
	shows 'link +reconnecting' || fail "$name: no 'reconnecting' link event in the log: $(screen)"
	[ "$(screen | grep -c 'link  *identified: ')" -ge 2 ] ||
		fail "$name: no second 'identified' link event after the reconnect: $(screen)"
	key 1
	note "$name: stale marked within seconds of SIGSTOP in every view, gone after SIGCONT; link events logged"
}

# The weak cell: the simulator's truth decides which it is.
check_weakest() {
	name=$1
	key 1
	want_lo=$(jq -r '[.modules[] | .id as $m | .cells | to_entries[] |
		{m: $m, c: (.key + 1), v: .value.voltage}] | min_by(.v) | "\(.m)/\(.c)"' "$T/$name.json")
	want_weak=$(jq -r '[.modules[] | .id as $m | ([.cells[].voltage] | add / length) as $mean |
		.cells | to_entries[] | {m: $m, c: (.key + 1), d: (.value.voltage - $mean |
		if . < 0 then -. else . end)}] | max_by(.d) | "\(.m) \(.c)"' "$T/$name.json")
	wm=${want_weak% *} wc=${want_weak#* }
	shown_lo=$(screen | sed -n 's/.*Cells [0-9.]* \[\([0-9]*\/[0-9]*\)\].*/\1/p' | head -1)
	[ "$shown_lo" = "$want_lo" ] ||
		fail "$name: overview says lowest cell [$shown_lo], simulator's lowest is $want_lo: $(screen | head -4)"
	screen | grep -q "Weakest: module $wm cell $wc," ||
		fail "$name: weakest is module $wm cell $wc in the simulator: $(screen)"
	screen | grep -Eq "^.> *$wm +[0-9]+\.[0-9]+ " ||
		fail "$name: module $wm's row is not marked '>': $(screen)"
	# The cell grid, without colours: the weak cell carries its level's
	# mark ('!' warning, '#' alarm) and no other cell does.
	key 2
	marks=$(screen | awk '
		$1 ~ /^[0-9]+$/ { mod = $1; base = 1 }
		$1 ~ /^c[0-9]+$/ { base = substr($1, 2) }
		$1 ~ /^[0-9]+$/ || $1 ~ /^c[0-9]+$/ {
			for (i = 2; i <= NF; i++)
				if ($i ~ /^[!#]|[0-9][!#]$/)
					printf "%d/%d ", mod, base + i - 2
		}')
	[ "$marks" = "$wm/$wc " ] ||
		fail "$name: grid level marks on '$marks', want only on $wm/$wc: $(screen)"
	key w
	shows "Cell voltage, module $wm cell $wc \(V\)" ||
		fail "$name: 'w' did not chart module $wm cell $wc: $(screen | head -3)"
	key 1
	note "$name: weakest cell $wm/$wc (lowest $want_lo) named, marked and charted as the simulator says"
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

# pylontop(1) KEYS names every key string of the key table (src/tui/keys.c,
# which the help view prints), and not the old 'hjkl'.
check_man_keys() {
	set -f
	words=" $(sed -n '/^\.SH KEYS/,/^\.SH DISPLAY/p' "$top_srcdir/man/pylontop.1" |
		sed 's/\\-/-/g; s/"[ ,]*"/ /g; s/^\.[A-Z]* //; s/[",]/ /g' | tr '\n' ' ' | tr -s ' ') "
	n=0
	for k in $(grep -o '^	{ {[^}]*}, "[^"]*"' "$top_srcdir/src/tui/keys.c" | sed 's/.*}, "//; s/"$//' | tr ' ' '\n'); do
		case "$words" in *" $k "*) n=$((n + 1)) ;; *) fail "pylontop(1) KEYS lacks '$k' (src/tui/keys.c binds it)" ;; esac
	done
	case "$words" in *hjkl*) fail "pylontop(1) KEYS lists 'hjkl' but 'l' toggles CSV" ;; esac
	[ "$n" -ge 40 ] || fail "only $n key names found in src/tui/keys.c: the check is broken"
	set +f
	note "pylontop(1) KEYS lists all $n key names of the key table"
}
check_man_keys

NOSINKS="--no-csv --mqtt mqtt://127.0.0.1:$(free_port) --no-mqtt"

# 16 x 16 LV at 80 x 24: everything on one screen.
SIM_ARGS="--protocol lv --modules 16 --cells 16"
start lv80 80 24 "TERM=xterm-256color LANG=C.UTF-8" "$NOSINKS"
check_stack_voltage lv80
screen | grep -Eq '^ +16 +[0-9.]+ ' || fail "lv80: module 16 not in the overview at 80x24: $(screen)"
check_grid lv80 16 16 no
check_stale lv80 "$BG_PID" 16
check_views lv80
check_toggles lv80
check_resize_and_quit lv80 80 24
stop_tmux

# 5 x 16 LV at 80 x 24 without colours: free rows, one weak cell (the
# simulator's second module, cell 9).
SIM_ARGS="--protocol lv --modules 5 --cells 16"
start weak 80 24 "TERM=xterm-256color LANG=C.UTF-8 NO_COLOR=1" "$NOSINKS"
check_weakest weak
check_stale weak "$BG_PID" 5
shows 'Power .*W \(' || fail "weak: no power sparkline in the free rows: $(screen)"
shows 'Spread .*mV \(' || fail "weak: no cell spread sparkline in the free rows: $(screen)"
check_resize_and_quit weak 80 24
stop_tmux

# A long link message at 80 x 24: cut in the middle, the hint whole.
long="$T/$(printf 'a%.0s' $(seq 1 60))/$(printf 'b%.0s' $(seq 1 60))/$(printf 'c%.0s' $(seq 1 60))/ttyUSB0"
tm start-server \; set -g remain-on-exit on \; new-session -d -s pt -x 80 -y 24 \
	"env TERM=xterm-256color LANG=C.UTF-8 '$PYLONTOP' -d '$long' --no-csv --no-mqtt 2>'$T/long.err'"
wait_for 5 sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | grep -q 'waiting for the first'" ||
	fail "long message: no waiting screen: $(screen)"
screen | tr -s ' \n' '  ' | grep -q 'no such device.*(is the adapter plugged in? try pylontop --list-ports)' ||
	fail "long message: the hint is not visible at 80x24: $(screen)"
note "long link message at 80x24: hint kept ($(screen | tr -s ' \n' '  ' | grep -o '\.\.\. [^)]*)' | head -1))"
stop_tmux

# A slow line (8 x 16 cells at 19200 baud, 1 s interval): while the first
# sample is on its way the overview counts how long the current step
# takes and names the command in flight; then the status line at 80 columns says the cells are read
# round-robin.
sim_start slow --protocol lv --modules 8 --cells 16 --baud 19200
tm start-server \; set -g remain-on-exit on \; new-session -d -s pt -x 80 -y 24 \
	"env TERM=xterm-256color LANG=C.UTF-8 '$PYLONTOP' -d '$SIM_DEV' -i 1 $NOSINKS 2>'$T/slow.err'"
shows_in 10 'waiting for the first complete sample\.\.\.  (identifying|polling) for [2-9]s' ||
	fail "slow: no progress while waiting for the first sample: $(screen)"
# and which command is on the line, with the bytes of its answer so far
shows_in 5 'now: (identifying|identity|polling): (pwr|bat|info|stat)( [1-8])?, [0-9]+ bytes' ||
	fail "slow: the step in flight is not shown while waiting: $(screen)"
wait_for 40 sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | tail -1 | grep -Eq ' (rr|round-robin) [0-9]+/8 '" ||
	fail "slow: no round-robin state in the status line at 80 columns: $(screen | tail -3)"
note "slow line: progress while waiting, '$(screen | tail -1 | grep -Eo '(rr|round-robin) [0-9]+/8')' in the status line"
stop_tmux

# The same 16 x 16 stack at 200 x 60: volts, compared cell by cell.
SIM_ARGS="--protocol lv --modules 16 --cells 16"
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
