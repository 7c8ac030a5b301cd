#!/bin/bash
# sim_pacing.sh — pylontop-sim --baud paces on an absolute schedule (issue
# 12.7): four LV `pwr` answers back to back at 9600 baud take their wire
# time (10 bits a byte) plus a small fixed latency, not the per-sleep
# overshoot added up once per 32-byte chunk (relative sleeps: +1.5 % or
# more, 80 ms or more over these 11.5 s; an absolute schedule: under 10 ms).
PT_TEST_TIMEOUT=60
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99

BAUD=9600
port=$(free_port) || fail "no free port"
bg_start sim "$PYLONTOP_SIM" --tcp "$port" --protocol lv --modules 16 --cells 16 --baud "$BAUD"
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || fail "simulator did not listen"
sleep 0.2	# the probe above was its client: let it go back to accept
exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "cannot connect to the simulator"
printf '\r' >&3
IFS= read -r -d '>' -t 5 _ <&3 || fail "no prompt from the simulator"

bytes=0
t0=$(date +%s%N)
for _ in 1 2 3 4; do
	printf 'pwr\r' >&3
	IFS= read -r -d '>' -t 20 ans <&3 || fail "no complete pwr answer"
	bytes=$((bytes + ${#ans} + 1))
done
t1=$(date +%s%N)
exec 3>&-
# The echoed command counts as sent by the device too (4 bytes each).
bytes=$((bytes + 16))
awk -v n="$bytes" -v t0="$t0" -v t1="$t1" -v b="$BAUD" 'BEGIN {
	wire = n * 10 / b; took = (t1 - t0) / 1e9; excess = took - wire
	printf "# %d bytes: wire %.3f s, took %.3f s (excess %.1f ms, %.2f %%)\n",
	    n, wire, took, excess * 1000, excess / wire * 100
	# Never faster than the line; overshoot bounded, not per chunk.
	if (took < wire * 0.995) { print "FAIL: faster than the line"; exit 1 }
	if (excess > 0.003 * wire + 0.020) { print "FAIL: drift: excess over the wire time grows with the answer"; exit 1 }
}' || fail "pacing is not on an absolute schedule"
