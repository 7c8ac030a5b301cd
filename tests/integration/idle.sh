#!/bin/bash
# idle.sh — an idle pylontop makes no periodic wake-up: with -i 10, CSV and
# MQTT on (a private mosquitto on 127.0.0.1, keepalive 30 s), every thread
# sleeps between two polls.  Counted, not timed: the voluntary context
# switches of each thread (/proc/PID/task/*/status) over 6 s that start
# 1 s after a sample, so no poll falls inside.  A thread that ticks (the
# MQTT thread at 10 Hz, the headless loop at 1 Hz) makes 6 or more there;
# one that sleeps until its socket, a sample or its keepalive makes at
# most 2 (a late acknowledgement of the sample, the diagnostics).
PT_TEST_TIMEOUT=90
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99

[ -r /proc/self/task/$$/status ] || skip "no /proc/PID/task/*/status here"
MOSQ=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
[ -x "$MOSQ" ] || skip "mosquitto is missing (scripts/setup installs it)"
grep -q '^#define HAVE_MQTT 1' "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without MQTT"

chmod 755 "$T"
port=$(free_port) || fail "no free port"
printf 'listener %s 127.0.0.1\npersistence false\nallow_anonymous true\n' "$port" >"$T/broker.conf"
bg_start broker "$MOSQ" -c "$T/broker.conf"
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || fail "broker did not start"

sim_start lv --protocol lv --modules 2 --cells 15
printf 'MQTT_KEEPALIVE=30\n' >"$T/pt.env"
"$PYLONTOP" -d "$SIM_DEV" --headless -i 10 -c "$T/pt.env" --csv "$T/run.csv" \
	--mqtt "mqtt://127.0.0.1:$port" -f csv 2>"$T/pt.log" >"$T/out.csv" &
pt=$!; PT_PIDS="$PT_PIDS $pt"

# Samples as printed (stdout is flushed per sample; the CSV file is not).
rows() { [ -f "$T/out.csv" ] && wc -l <"$T/out.csv" || echo 0; }
more_rows_than() { [ "$(rows)" -gt "$1" ]; }
# The first sample, and MQTT connected (its connect traffic is over).
wait_for 30 grep -q "mqtt: connected" "$T/pt.log" || fail "MQTT never connected"
wait_for 30 more_rows_than 1 || fail "no first sample"
# Then wait for the next sample: the window starts right after a poll.
r0=$(rows)
wait_for 15 more_rows_than "$r0" || fail "no second sample within 15 s"
sleep 1
r1=$(rows)

# switches: "TID NAME VOLUNTARY" for every thread of $pt
switches() {
	for d in /proc/$pt/task/*; do
		printf '%s %s %s\n' "${d##*/}" "$(cat "$d/comm")" \
			"$(awk '/^voluntary_ctxt_switches/ {print $2}' "$d/status")"
	done
}
switches >"$T/before.txt"
sleep 6
switches >"$T/after.txt"
[ "$(rows)" -eq "$r1" ] || fail "a poll fell inside the window (interval not honoured?)"
kill -0 "$pt" 2>/dev/null || fail "pylontop ended: $(tail -3 "$T/pt.log")"

bad=0
while read -r tid name a; do
	b=$(awk -v t="$tid" '$1 == t {print $3}' "$T/after.txt")
	[ -n "$b" ] || continue
	n=$((b - a))
	note "thread $tid ($name): $n wake-ups in 6 s"
	[ "$n" -le 2 ] || { echo "thread $tid ($name) woke $n times in 6 s while idle" >&2; bad=1; }
done <"$T/before.txt"
[ "$(wc -l <"$T/before.txt")" -ge 3 ] || fail "expected main, acquisition and MQTT threads: $(cat "$T/before.txt")"
[ "$bad" -eq 0 ] || fail "periodic wake-ups while idle (see above)"
note "idle: no thread woke more than twice in 6 s between polls"
