#!/bin/bash
# probe.sh — pylontop --probe (issue 14.1): the simulator on ptys as an LV,
# an HV and an SC0500 console and as Pylontech and PACE RS485 packs, a
# silent pty, a pty that echoes everything back, one that answers noise,
# and one held locked by another process.  One run names each right, in
# under 10 s; the module counts are the simulator's; no write command,
# no tbar and no `login` reached a simulator; the locked port got not a
# byte; exit 0 with a battery found, 1 without.
PT_TEST_TIMEOUT=90
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing"
command -v python3 >/dev/null 2>&1 || skip "python3 is missing"
command -v flock >/dev/null 2>&1 || skip "flock is missing"
[ -x "$PYLONTOP" ] && [ -x "$PYLONTOP_SIM" ] || skip "pylontop or pylontop-sim not built"
PEER="$top_srcdir/tests/tools/pty_peer.py"

export PYLONTOP_RS485_GAP_MS=20
sim_start lv --protocol lv --modules 4 --state "$T/lv.json"
sim_start hv --protocol hv --modules 3 --state "$T/hv.json"
sim_start sc --protocol sc0500 --modules 2 --state "$T/sc.json"
sim_start py --protocol rs485 --dialect pylontech --modules 3 --state "$T/py.json"
sim_start pace --protocol rs485 --dialect pace --modules 2 --state "$T/pace.json"

# peer MODE NAME: a pty at $T/NAME whose other end is MODE.
peer() {
	bg_start "peer-$2" python3 "$PEER" "$1" "$T/$2" "$T/$2.rx"
	wait_for 5 test -e "$T/$2" || fail "pty_peer did not create $T/$2"
}
peer silent silent
peer echo echo
peer noise noise
peer silent busy
bg_start flock flock "$T/busy" sleep 60
holder=$BG_PID
wait_for 5 grep -q "FLOCK" /proc/locks || fail "flock did not lock $T/busy"

ports="lv hv sc py pace silent echo noise busy"
args=""
for p in $ports; do args="$args $T/$p"; done
t0=$(date +%s%N)
# shellcheck disable=SC2086
"$PYLONTOP" -vv --probe $args >"$T/probe.out" 2>"$T/probe.log"
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
note "probe of 9 ports: ${ms} ms, exit $rc"
cat "$T/probe.out"
[ "$rc" -eq 0 ] || fail "exit $rc with batteries on the ports"
[ "$ms" -lt 10000 ] || fail "the probe took ${ms} ms (at most 10 s)"
[ "$(wc -l <"$T/probe.out")" -eq 9 ] || fail "not one line per port"

# verdict NAME TEXT: the line of port NAME (in the order given) has TEXT.
verdict() {
	line=$(grep -F "$T/$1 (pty /dev/pts/" "$T/probe.out") || fail "no verdict for $1"
	case "$line" in
	*"$2"*) ;;
	*) fail "$1: expected '$2', got: $line" ;;
	esac
}
modules() { jq '.modules | length' "$T/$1.json"; }
verdict lv "): Pylontech LV console, 115200 8N1, $(modules lv) modules, firmware "
verdict hv "): Pylontech HV console (CMU_A), 115200 8N1, $(modules hv) modules, firmware "
verdict sc "): Pylontech HV console (CMU_A), 115200 8N1, $(modules sc) modules, firmware "
verdict py "): Pylontech RS485 (pylontech dialect), 9600 8N1, $(modules py) packs, firmware "
verdict pace "): PACE RS485 (pace dialect), 9600 8N1, $(modules pace) packs, firmware "
grep -q "firmware unknown" "$T/probe.out" && fail "a firmware was not read: $(grep unknown "$T/probe.out")"
verdict silent "): nothing received (tried console 115200 and 9600, RS485 9600/19200/115200"
verdict echo "): echo only: everything sent came back and nothing else: RX and TX bridged"
verdict noise "): bytes but no prompt and no valid frame (at console 115200/9600, RS485 9600/19200/115200)"
verdict busy "): busy: held by PID $holder (flock); not probed"
# Nothing was written to the locked port; the others were tried.
[ ! -s "$T/busy.rx" ] || fail "the probe wrote to the busy port: $(od -c "$T/busy.rx" | head -3)"
[ -s "$T/silent.rx" ] || fail "the silent port was not tried"

# Read-only: the simulators refused nothing, saw no tbar; no login, no
# tbar left pylontop (its -vv trace of every byte sent).
for s in lv hv sc py pace; do
	jq -e '.write_count == 0 and .tbar_count == 0' "$T/$s.json" >/dev/null ||
		fail "$s: a writing command reached the simulator: $(jq -c '[.write_count, .tbar_count]' "$T/$s.json")"
done
grep -E "tx [0-9]+ bytes: (login|tbar)" "$T/probe.log" && fail "login or tbar was sent"
bad=$(grep -E "tx [0-9]+ bytes: [a-z]" "$T/probe.log" | grep -Ev "tx [0-9]+ bytes: (pwr|bat|info|stat|unit)( [0-9]+)?\\\\n$")
[ -z "$bad" ] || fail "a console command outside the read-only set was sent: $bad"
note "every verdict right, nothing written"

# No battery among the ports: exit 1.
"$PYLONTOP" --probe "$T/busy" >"$T/none.out" 2>&1 && fail "exit 0 without a battery: $(cat "$T/none.out")"
grep -q "busy: held by PID $holder" "$T/none.out" || fail "busy verdict: $(cat "$T/none.out")"
note "no battery: exit 1"
exit 0
