#!/bin/sh
# bench_rss.sh — resident memory of pylontop --headless, CSV + MQTT, after
# a day of history.  Prints figures; asserts nothing; exits 0 (a part that
# cannot run here says why and is left out).
#
# A live process cannot be run for 24 h in a bench, so the figure is the
# sum of two measurements (issue 12.6):
#  - VmRSS (and its anonymous and file parts) of a live pylontop against
#    the simulator, -i 0.2, CSV + MQTT (a private mosquitto), read after
#    12 samples: identification, the BMS records round at start, the sinks
#    and the first history buckets are in it.  Median, min and max of
#    BENCH_RSS_RUNS runs (default 3).
#  - what the history gains from its 12th sample to 24 h of samples every
#    2 s, pushed through history_push (bench_history --growth: the same
#    code, in its own process).
# Nothing else in the process grows with run time (the soak checks RSS
# once the history is full).  HV 5 x 15 and LV 16 x 16.
set -u
. "${top_srcdir:-.}/bench/lib.sh"
HIST="$top_builddir/bench/bench_history"
RUNS=${BENCH_RSS_RUNS:-3}
bench_init rss
broker_start || { echo "rss: no mosquitto (or built without MQTT): left out"; exit 0; }

field() { awk -v k="$1:" '$1 == k {print $2}' "$2"; }	# kB

# live PROTO MODULES CELLS: one run; appends "vmrss anon file" (kB)
live() {
	"$SIM" --pty "$T/dev" --protocol "$1" --modules "$2" --cells "$3" >"$T/sim.log" 2>&1 &
	_sim=$!; pids="$pids $_sim"
	_i=0; while [ ! -e "$T/dev" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	: >"$T/out"
	"$PYLONTOP" -d "$T/dev" --headless -i 0.2 --csv "$T/o.csv" -f csv \
	    --mqtt "mqtt://127.0.0.1:$port" >"$T/out" 2>"$T/log" &
	_p=$!; pids="$pids $_p"
	# header + 12 samples
	_i=0; while [ "$(lines "$T/out")" -lt 13 ] && [ $_i -lt 1200 ] && kill -0 "$_p" 2>/dev/null; do
		sleep 0.05; _i=$((_i + 1))
	done
	if [ "$(lines "$T/out")" -ge 13 ] && cp "/proc/$_p/status" "$T/status" 2>/dev/null; then
		echo "$(field VmRSS "$T/status") $(field RssAnon "$T/status") $(field RssFile "$T/status")" >>"$T/live.txt"
	fi
	kill "$_p" "$_sim" 2>/dev/null; wait "$_p" "$_sim" 2>/dev/null
	rm -f "$T/dev" "$T/out" "$T/o.csv"
}

# stack LABEL PROTO MODULES CELLS
stack() {
	: >"$T/live.txt"
	_k=0; while [ $_k -lt "$RUNS" ]; do live "$2" "$3" "$4"; _k=$((_k + 1)); done
	if [ ! -s "$T/live.txt" ]; then
		echo "rss $1: no samples ($(tail -1 "$T/log"))"; return
	fi
	_g=0; _a=0
	if [ -x "$HIST" ]; then
		set -- "$1" $("$HIST" --growth "$2" "$3" "$4")
		_g=$3; _a=$5
	else
		echo "rss $1: $HIST not built (make bench builds it): history growth left out"
	fi
	sort -n "$T/live.txt" | awk -v l="$1" -v g="$_g" -v a="$_a" '
	    { v[NR] = $1; an[NR] = $2; fi[NR] = $3 }
	    END { m = int((NR + 1) / 2)
		printf "rss %s, CSV+MQTT: after 12 samples VmRSS median %.1f MiB (min %.1f, max %.1f; %d runs; anon %.1f, file %.1f); history 12 samples -> 24 h +%.1f MiB (history allocated %.1f MiB); after 24 h %.1f MiB (min %.1f, max %.1f)\n",
		    l, v[m] / 1024, v[1] / 1024, v[NR] / 1024, NR, an[m] / 1024, fi[m] / 1024,
		    g / 1024, a / 1024, (v[m] + g) / 1024, (v[1] + g) / 1024, (v[NR] + g) / 1024 }'
}

stack "hv 5x15" hv 5 15
stack "lv 16x16" lv 16 16
exit 0
