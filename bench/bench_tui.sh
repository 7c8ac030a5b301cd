#!/bin/bash
# bench_tui.sh — what the UI costs on a slow ssh link: bytes written to
# the terminal per second at a 1 s interval with 80 cells changing
# (5 modules x 16 cells), and CPU per redraw.  Figures only.
set -u
: "${top_builddir:=.}"
command -v tmux >/dev/null || { echo "tui: tmux missing, skipped"; exit 0; }
T=$(mktemp -d /tmp/pt-bench-tui.XXXXXX)
sock=pt-bench-$$
trap 'tmux -L $sock kill-server 2>/dev/null; kill $sim 2>/dev/null; rm -rf "$T"' EXIT
"$top_builddir/pylontop-sim" --pty "$T/bat" --modules 5 --cells 16 >/dev/null 2>&1 &
sim=$!
for i in $(seq 50); do [ -e "$T/bat" ] && break; sleep 0.1; done
tmux -L $sock -f /dev/null new-session -d -x 120 -y 40 \
	"PYLONTOP_TUI_STATS=$T/stats TERM=xterm-256color LANG=C.UTF-8 '$top_builddir/pylontop' -d '$T/bat' -i 1"
sleep 3
tmux -L $sock pipe-pane -o "cat >$T/out"
pid=$(pgrep -f "pylontop -d $T/bat" | head -1)
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
for view in 1 2; do
	tmux -L $sock send-keys "$view"
	sleep 1
	: >"$T/out"
	a=$(ticks)
	sleep 10
	b=$(ticks)
	bytes=$(wc -c <"$T/out")
	echo "tui view $view (80 cells, 1 s interval): $((bytes / 10)) bytes/s to the terminal," \
	    "CPU $(awk -v a="$a" -v b="$b" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.1f", (b-a)*1000/hz/10}') ms per second (one redraw a second)"
done
tmux -L $sock send-keys q
sleep 1
[ -f "$T/stats" ] && echo "tui: $(cat "$T/stats") over the run"
