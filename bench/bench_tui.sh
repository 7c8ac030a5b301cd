#!/bin/sh
# bench_tui.sh — what the terminal UI costs: bytes written to the
# terminal per second at a 1 s poll interval with 80 cells changing
# (pylontop-sim, 5 modules x 16 cells: what a slow ssh link must carry),
# and CPU per redraw.  Figures only, never a verdict.
#
# pylontop runs in a private tmux server; pipe-pane copies everything it
# writes to the pane into a file, counted over WINDOW seconds per view and
# terminal size.  PYLONTOP_TUI_STATS makes the UI report its frame count
# and the CPU its thread spent drawing (CLOCK_THREAD_CPUTIME_ID); the
# UI thread's whole CPU comes from /proc/PID/task/PID/stat.
#
# The reference (issue 12: the grid at 80x24 keeps <= 0.6x of it): htop
# -d 10 (a redraw a second) at 80x24 in the same run, same tmux, same
# TERM, with its own config in the scratch directory; the row says when
# htop is not installed.  Its bytes depend on what the machine runs.
set -u
: "${top_builddir:=.}"
WINDOW=${WINDOW:-10}
TMUX_BIN=$(command -v tmux) || { echo "bench_tui: tmux missing, skipped"; exit 0; }
[ -x "$top_builddir/pylontop" ] || { echo "bench_tui: $top_builddir/pylontop not built"; exit 0; }
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-bench-tui.XXXXXX")
SOCK="$T/tmux.sock"
sim=""
tm() { "$TMUX_BIN" -S "$SOCK" -f /dev/null "$@"; }
cleanup() {
	tm kill-server 2>/dev/null
	[ -n "$sim" ] && kill "$sim" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

"$top_builddir/pylontop-sim" --pty "$T/bat" --modules 5 --cells 16 >"$T/sim.log" 2>&1 &
sim=$!
n=0
while [ ! -e "$T/bat" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done

# field N of the stats file
stat_of() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$T/stats"; }
# utime + stime of the UI (main) thread, in clock ticks
ui_ticks() { awk '{ print $14 + $15 }' "/proc/$1/task/$1/stat" 2>/dev/null || echo 0; }

run_size() {
	cols=$1 lines=$2
	tm new-session -d -s b -x "$cols" -y "$lines" \
		"PYLONTOP_TUI_STATS='$T/stats' TERM=xterm-256color LANG=C.UTF-8 \
		 exec '$top_builddir/pylontop' -d '$T/bat' -i 1"
	n=0
	until tm capture-pane -p -t b 2>/dev/null | grep -q 'Curr A'; do
		sleep 0.2; n=$((n + 1))
		[ $n -lt 50 ] || { echo "bench_tui: no UI at ${cols}x$lines"; tm kill-server; return; }
	done
	pid=$(tm display -p -t b '#{pane_pid}')
	for view in 1 2 3; do
		tm send-keys -t b "$view"
		sleep 2
		tm pipe-pane -t b "cat >'$T/out'"
		sleep 0.2
		r0=$(stat_of redraws) d0=$(stat_of draw_ns) c0=$(ui_ticks "$pid")
		sleep "$WINDOW"
		r1=$(stat_of redraws) d1=$(stat_of draw_ns) c1=$(ui_ticks "$pid")
		tm pipe-pane -t b
		bytes=$(wc -c <"$T/out")
		[ "$cols" = 80 ] && [ "$view" = 2 ] && grid80=$((bytes / WINDOW))
		awk -v v="$view" -v c="$cols" -v l="$lines" -v b="$bytes" -v w="$WINDOW" \
		    -v r="$((r1 - r0))" -v d="$((d1 - d0))" -v t="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" \
		    'BEGIN {
			split("overview cells history", name, " ");
			f = "tui %dx%d %-8s %6.0f bytes/s  %4.1f frames/s  %5.0f bytes/frame";
			f = f "  draw %5.2f ms CPU/frame  UI thread %4.1f ms CPU/s\n";
			bpf = r > 0 ? b / r : 0;
			cpf = r > 0 ? d / r / 1e6 : 0;
			printf f, c, l, name[v], b / w, r / w, bpf, cpf, t * 1000 / hz / w
		    }'
	done
	tm send-keys -t b q
	sleep 0.5
	tm kill-server 2>/dev/null
}

# htop -d 10 at 80x24: bytes per second to the pane, and the 80x24 cell
# grid's figure as a fraction of it.
run_htop() {
	htop_bin=$(command -v htop) || { echo "htop 80x24 -d 10: htop not installed, row skipped"; return; }
	mkdir -p "$T/home"
	tm new-session -d -s h -x 80 -y 24 \
		"HOME='$T/home' XDG_CONFIG_HOME='$T/home' TERM=xterm-256color LANG=C.UTF-8 \
		 exec '$htop_bin' -d 10"
	sleep 2
	tm pipe-pane -t h "cat >'$T/out'"
	sleep "$WINDOW"
	tm pipe-pane -t h
	bytes=$(wc -c <"$T/out")
	awk -v b="$bytes" -v w="$WINDOW" -v g="${grid80:-}" 'BEGIN {
		printf "htop 80x24 -d 10    %6.0f bytes/s", b / w;
		if (g != "" && b > 0)
			printf "  (80x24 cell grid: %.2fx of it)", g / (b / w);
		printf "\n"
	}'
	tm send-keys -t h q
	sleep 0.5
	tm kill-server 2>/dev/null
}

echo "5 modules x 16 cells, 1 s interval, ${WINDOW} s per figure"
grid80=""
run_size 80 24
run_htop
run_size 200 60
# A figure that could not be taken says so above; the bench itself succeeds.
exit 0
