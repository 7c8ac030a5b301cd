#!/bin/bash
# memory.sh — the memory pylontop itself holds is paid for the stack that is
# there, not for the bounds (issue 12.4): pylontop --headless, HV 5 x 15,
# CSV and MQTT on (a private mosquitto), after 12 samples (identification,
# the BMS records round at start, the sinks and the first history buckets
# are in it).  Counted: the resident bytes of the process's own anonymous
# memory (heap, mmap'ed blocks, thread stacks: /proc/PID/smaps mappings
# with no file), not the libraries' pages, which depend on the machine.
# e400bc8 held 4.8 MiB there (two whole 1.4 MiB BMS records, a malloc
# arena per thread), f74eee0 2.4 MiB (blocks sized by the bounds made in
# the heap, where calloc touches all of them; the health state and report
# cleared for 16 modules), the fixed code 1.6 MiB; the bound is 2.25 MiB.
# Timing-free; pylontop -i 0.2.
PT_TEST_TIMEOUT=120
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99

BOUND_KIB=$((2304))
[ -r /proc/self/smaps ] || skip "no /proc/PID/smaps here"
MOSQ=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
[ -x "$MOSQ" ] || skip "mosquitto is missing (scripts/setup installs it)"
grep -q '^#define HAVE_MQTT 1' "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without MQTT"
# Sanitizers keep shadow memory and quarantines: not this process's figure.
grep -aqE '__(asan|tsan|msan)_init' "$PYLONTOP" && skip "built with a sanitizer"

port=$(free_port) || fail "no free port"
printf 'listener %s 127.0.0.1\npersistence false\nallow_anonymous true\n' "$port" >"$T/broker.conf"
bg_start broker "$MOSQ" -c "$T/broker.conf"
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || fail "broker did not start"

sim_start hv --protocol hv --modules 5 --cells 15
"$PYLONTOP" -d "$SIM_DEV" --headless -i 0.2 --csv "$T/run.csv" \
	--mqtt "mqtt://127.0.0.1:$port" -f csv 2>"$T/pt.log" >"$T/out.csv" &
pt=$!; PT_PIDS="$PT_PIDS $pt"

rows() { [ -f "$T/out.csv" ] && wc -l <"$T/out.csv" || echo 0; }
more_rows_than() { [ "$(rows)" -gt "$1" ]; }
wait_for 60 more_rows_than 12 || fail "fewer than 12 samples in 60 s: $(tail -3 "$T/pt.log")"
wait_for 30 grep -q "mqtt: connected" "$T/pt.log" || fail "MQTT never connected: $(tail -3 "$T/pt.log")"
cp "/proc/$pt/smaps" "$T/smaps" || fail "pylontop ended: $(tail -3 "$T/pt.log")"

# Rss of the mappings without a file: anonymous, [heap], [stack].
own=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { f = ($6 == "" || $6 ~ /^\[(heap|stack)/) }
	f && $1 == "Rss:" { s += $2 } END { print s + 0 }' "$T/smaps")
total=$(awk '$1 == "Rss:" { s += $2 } END { print s + 0 }' "$T/smaps")
note "own anonymous memory after $(($(rows) - 1)) samples: $own KiB (bound $BOUND_KIB; VmRSS $total KiB)"
[ "$own" -le "$BOUND_KIB" ] || fail "pylontop holds $own KiB of its own memory after 12 samples, over $BOUND_KIB KiB"
exit 0
