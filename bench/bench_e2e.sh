#!/bin/sh
# bench_e2e.sh — end-to-end cost of pylontop against the simulator:
# CPU time per sample (unpaced simulator, 16 x 16 cells), CPU used while idle
# between polls, and resident memory.  Prints figures; asserts nothing.
set -u
: "${top_builddir:=.}"
PYLONTOP="$top_builddir/pylontop"
SIM="$top_builddir/pylontop-sim"
T=$(mktemp -d /tmp/pt-bench.XXXXXX)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; sleep 0.2; rm -rf "$T"' EXIT INT TERM

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

"$SIM" --pty "$T/bat" --protocol lv --modules 16 --cells 16 >"$T/sim.log" 2>&1 &
pids="$pids $!"
i=0; while [ ! -e "$T/bat" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$T/bat" ] || { echo "e2e: simulator did not start"; exit 0; }

# Busy: samples back to back (interval 0.2 s, the line unpaced).
n=40
start=$(date +%s.%N)
"$PYLONTOP" -d "$T/bat" --headless -i 0.2 --count $n --csv "$T/out.csv" 2>"$T/busy.log" &
p=$!; pids="$pids $p"
last=0
while kill -0 $p 2>/dev/null; do
	t=$(cpu_ticks $p); [ "$t" -gt 0 ] && last=$t
	r=$(rss_kib $p); [ "${r:-0}" -gt 0 ] && rss=$r
	sleep 0.1
done
end=$(date +%s.%N)
rows=$(($(wc -l <"$T/out.csv") - 1))
awk -v t="$last" -v hz="$ticks" -v n="$rows" -v s="$start" -v e="$end" -v rss="${rss:-0}" 'BEGIN {
	if (n < 1) { print "e2e: no samples"; exit }
	printf "e2e lv 16x16: %d samples in %.1f s, CPU %.2f ms per sample (user+sys), RSS %.1f MiB\n",
	    n, e - s, t * 1000 / hz / n, rss / 1024 }'

# Idle: interval 10 s; CPU used by the process over 8 s between two polls.
"$PYLONTOP" -d "$T/bat" --headless -i 10 2>"$T/idle.log" &
p=$!; pids="$pids $p"
i=0; while ! grep -q "found" "$T/idle.log" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1
a=$(cpu_ticks $p)
sleep 8
b=$(cpu_ticks $p)
awk -v a="$a" -v b="$b" -v hz="$ticks" 'BEGIN {
	printf "e2e idle between polls: %.1f ms CPU in 8 s (%.3f %% of one core)\n",
	    (b - a) * 1000 / hz, (b - a) * 100 / hz / 8 }'
