#!/bin/sh
# bench_e2e.sh — end-to-end cost of pylontop --headless against the
# simulator.  Prints figures; asserts nothing; exits 0 (a part that cannot
# run here says why and is left out).
#
#  - CPU per sample: the sum over all threads of /proc/PID/task/*/schedstat
#    field 1 (ns on the CPU), read after the first sample (identification
#    excluded) and after each further sample; median, min and max over the
#    samples.  LV 16 x 16 and HV 5 x 15, the simulator unpaced and paced
#    (--baud 115200), CSV only and CSV + MQTT (a private mosquitto on
#    127.0.0.1 when one is installed).  On the paced line the samples
#    that still carry the start's identity and records reads are left
#    out (BENCH_SKIP_PACED): the figure is the steady state.
#  - Idle (-i 10, CSV + MQTT): CPU and wake-ups per second of each thread
#    over 8 s between two polls (voluntary context switches, and the
#    schedstat run count).
#  - Wake-ups per sample: voluntary context switches of all threads over
#    the same samples (on a paced line, mostly reads).
#  - RSS (VmRSS) of the running process after the samples.
# Environment: BENCH_SAMPLES (default 10 unpaced, 4 paced),
# BENCH_SKIP_PACED (samples skipped on the paced line, default 40).
set -u
. "${top_srcdir:-.}/bench/lib.sh"
bench_init e2e

cpu_ns() {	# cpu_ns PID: ns on the CPU, all threads
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'
}
wakes() {	# wakes PID: voluntary context switches (sleeps that ended), all threads
	cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ {s += $2} END {print s + 0}'
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
wait_lines() {	# wait_lines FILE N SECONDS PID (sh has no locals: _w is its own)
	_w=$(($3 * 20))
	while [ "$(lines "$1")" -lt "$2" ] && [ $_w -gt 0 ] && kill -0 "$4" 2>/dev/null; do
		sleep 0.05; _w=$((_w - 1))
	done
	[ "$(lines "$1")" -ge "$2" ]
}

broker_start || echo "e2e: no mosquitto (or built without MQTT): the MQTT figures are left out"

# busy LABEL DEV N SKIP [MQTT]: N samples back to back after the first
# and SKIP more
busy() {
	_label=$1 _dev=$2 _n=$3 _skip=$4 _mq=${5:-}
	_out="$T/busy.out"; rm -f "$_out" "$T/busy.csv"
	set -- -d "$_dev" --headless -i 0.2 --csv "$T/busy.csv" -f csv
	[ -n "$_mq" ] && set -- "$@" --mqtt "mqtt://127.0.0.1:$port"
	"$PYLONTOP" "$@" >"$_out" 2>"$T/busy.log" &
	_p=$!; pids="$pids $_p"
	# header + first sample: identification is over; the samples after
	# it that also read the identity and records rounds (once at start,
	# one command per poll on a slow line) are skipped too
	if ! wait_lines "$_out" $((2 + _skip)) $((60 + _skip * 2)) "$_p"; then
		echo "e2e $_label: no first sample ($(tail -1 "$T/busy.log"))"; kill "$_p"; return
	fi
	[ "$_skip" -gt 0 ] && _label="$_label, after $_skip more"
	# One figure per new sample printed: CPU since the last figure over
	# the samples printed since (two may land between two looks).
	_prev=$(cpu_ns "$_p"); _pl=$(lines "$_out"); : >"$T/per.txt"
	_w0=$(wakes "$_p"); _l0=$_pl
	_k=0
	while [ $_k -lt "$_n" ]; do
		wait_lines "$_out" $((_pl + 1)) 60 "$_p" || break
		_c=$(cpu_ns "$_p"); _l=$(lines "$_out")
		echo "$(( (_c - _prev) / (_l - _pl) ))" >>"$T/per.txt"
		_k=$((_k + _l - _pl)); _prev=$_c; _pl=$_l
	done
	_wk=$(( ($(wakes "$_p") - _w0) / (_pl > _l0 ? _pl - _l0 : 1) ))
	_rss=$(rss_kib "$_p")
	kill "$_p"; wait "$_p" 2>/dev/null
	sort -n "$T/per.txt" | awk -v l="$_label" -v rss="$_rss" -v wk="$_wk" '{ v[NR] = $1 } END {
		if (NR == 0) { printf "e2e %s: no samples\n", l; exit }
		printf "e2e %s: CPU per sample median %.3f ms (min %.3f, max %.3f; %d samples), %d wake-ups per sample, RSS %.1f MiB\n",
		    l, v[int((NR + 1) / 2)] / 1e6, v[1] / 1e6, v[NR] / 1e6, NR, wk, rss / 1024 }'
}

N=${BENCH_SAMPLES:-10}
NP=${BENCH_SAMPLES:-4}
# Paced: the first samples after the first also carry the start's
# identity and records reads (one command per poll), each an answer of
# unknown size read chunk by chunk, about 16 of them on LV 16 x 16.  With
# MQTT, what follows them is a start-up too: the identity complete, the
# discovery goes out, and as round-robin (1 module of 16 per cycle at
# -i 0.2) brings each module's first cells, that module is announced
# again with them (and the retained diagnostics with it): ~2 ms a sample
# more for 16 more samples (a per-thread trace of this bench's run, MQTT
# thread 2.2 ms then 0.3 ms a sample).  The steady state comes after 40.
SKIP=${BENCH_SKIP_PACED:-40}
sim lv --protocol lv --modules 16 --cells 16 || { echo "e2e: simulator did not start"; exit 0; }
sim hv --protocol hv --modules 5 --cells 15 || { echo "e2e: simulator did not start"; exit 0; }
sim lvp --protocol lv --modules 16 --cells 16 --baud 115200 || exit 0
sim hvp --protocol hv --modules 5 --cells 15 --baud 115200 || exit 0

busy "lv 16x16 unpaced, CSV" "$T/lv" "$N" 0
[ -n "$port" ] && busy "lv 16x16 unpaced, CSV+MQTT" "$T/lv" "$N" 0 mqtt
busy "hv 5x15 unpaced, CSV" "$T/hv" "$N" 0
[ -n "$port" ] && busy "hv 5x15 unpaced, CSV+MQTT" "$T/hv" "$N" 0 mqtt
busy "lv 16x16 paced 115200, CSV" "$T/lvp" "$NP" "$SKIP"
[ -n "$port" ] && busy "lv 16x16 paced 115200, CSV+MQTT" "$T/lvp" "$NP" "$SKIP" mqtt
busy "hv 5x15 paced 115200, CSV" "$T/hvp" "$NP" "$SKIP"
[ -n "$port" ] && busy "hv 5x15 paced 115200, CSV+MQTT" "$T/hvp" "$NP" "$SKIP" mqtt

# Idle: -i 10, CSV (+ MQTT); 8 s that start 1 s after a sample.
set -- -d "$T/lv" --headless -i 10 --csv "$T/idle.csv" -f csv
[ -n "$port" ] && set -- "$@" --mqtt "mqtt://127.0.0.1:$port"
"$PYLONTOP" "$@" >"$T/idle.out" 2>"$T/idle.log" &
p=$!; pids="$pids $p"
if wait_lines "$T/idle.out" 2 60 "$p" && wait_lines "$T/idle.out" 3 15 "$p"; then
	sleep 1
	snap() {
		for d in /proc/$p/task/*; do
			printf '%s %s %s %s\n' "${d##*/}" \
			    "$(awk '/^voluntary_ctxt_switches/ {print $2}' "$d/status")" \
			    "$(awk '{print $1, $3}' "$d/schedstat")"
		done
	}
	snap >"$T/a.txt"; sleep 8; snap >"$T/b.txt"
	awk -v what="$([ -n "$port" ] && echo "CSV+MQTT" || echo "CSV")" '
	    NR == FNR { vol[$1] = $2; cpu[$1] = $3; runs[$1] = $4; order[++n] = $1; next }
	    { dv[$1] = $2 - vol[$1]; dc[$1] = $3 - cpu[$1]; dr[$1] = $4 - runs[$1] }
	    END {
		for (i = 1; i <= n; i++) { t = order[i]; tot += dc[t] }
		printf "e2e idle (-i 10, %s, 8 s between polls): CPU %.3f ms/s; wake-ups per s per thread:", what, tot / 8 / 1e6
		# monitor_start starts the MQTT thread before the acquisition one
		name[1] = "main"; name[2] = n > 2 ? "mqtt" : "acquisition"
		if (n > 2) name[3] = "acquisition"
		for (i = 1; i <= n; i++) { t = order[i]
			printf " %s %.2f (%d runs)", (i in name) ? name[i] : t, dv[t] / 8, dr[t] }
		printf "\n" }' "$T/a.txt" "$T/b.txt"
else
	echo "e2e idle: no samples ($(tail -1 "$T/idle.log"))"
fi
exit 0
