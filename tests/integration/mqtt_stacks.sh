#!/bin/bash
# mqtt_stacks.sh — several stacks, one broker (issue 16.1): an LV 8x16
# simulator on a pty and an HV 5x15 one on TCP in one pylontop --headless
# with DEVICE_UNIQUE_ID=site.  Each stack is its own MQTT stack device
# (retained Home Assistant discovery pylontop_site-lv / pylontop_site-hv,
# its own status and state topics) whose state has its own simulator's
# module count and stack voltage (truth files); killing the HV simulator
# leaves the LV stack's states coming every second.
PT_TEST_TIMEOUT=180
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
grep -q "^#define HAVE_MQTT 1" "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without MQTT"
MOSQ=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
[ -x "$MOSQ" ] || skip "mosquitto is missing (scripts/setup installs it)"
for t in mosquitto_sub jq; do
	command -v "$t" >/dev/null 2>&1 || skip "$t is missing"
done
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"

chmod 755 "$T"	# mosquitto started as root drops to its own user
port=$(free_port) || skip "no free port"
printf 'listener %s 127.0.0.1\npersistence false\nallow_anonymous true\n' "$port" >"$T/mosq.conf"
bg_start broker "$MOSQ" -c "$T/mosq.conf"
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || fail "broker did not start: $(cat "$T/broker.log")"
sub() { mosquitto_sub -h 127.0.0.1 -p "$port" "$@"; }

sim_start lv --protocol lv --modules 8 --cells 16 --state "$T/lv.json"; lv=$SIM_DEV
sim_tcp_start hv --protocol hv --modules 5 --cells 15 --state "$T/hv.json"
hv_pid=$BG_PID tport=$SIM_PORT

echo "DEVICE_UNIQUE_ID=site" >"$T/pt.env"
bg_start pt "$PYLONTOP" -c "$T/pt.env" --headless -i 1 -d "$lv" --name lv \
    -d "tcp://127.0.0.1:$tport" --name hv --mqtt "mqtt://127.0.0.1:$port"

for s in lv hv; do
	wait_for 60 sh -c "mosquitto_sub -p $port -t pylontop/site-$s/status -C 1 -W 1 2>/dev/null |
	    grep -qx online" || fail "$s: not online on pylontop/site-$s/status: $(tail -5 "$T/pt.log")"
	wait_for 30 sh -c "mosquitto_sub -p $port -t homeassistant/device/pylontop_site-$s/config \
	    --retained-only -C 1 -W 1 2>/dev/null | grep -q components" ||
		fail "$s: no discovery for pylontop_site-$s: $(sub -t 'homeassistant/#' \
		    --retained-only -W 1 -v 2>/dev/null | cut -c1-120)"
done
note "two stack devices: pylontop_site-lv and pylontop_site-hv, both online"

# A state of each, against its own simulator (the truth of the moment).
sub -t pylontop/site-lv/state -C 1 -W 10 >"$T/lv.state" 2>/dev/null || fail "no lv state"
lvw=$(jq '[.modules[].voltage] | add / length' "$T/lv.json")
jq -e --argjson w "$lvw" '.protocol == "lv" and (.modules | length) == 8 and
    ((.voltage - $w) | fabs) < 0.05' "$T/lv.state" >/dev/null 2>&1 ||
	fail "lv state: $(jq -c '{protocol, modules, voltage}' "$T/lv.state"), truth $lvw V"
sub -t pylontop/site-hv/state -C 1 -W 10 >"$T/hv.state" 2>/dev/null || fail "no hv state"
hvw=$(jq '.stack.voltage' "$T/hv.json")
jq -e --argjson w "$hvw" '.protocol == "hv" and (.modules | length) == 5 and
    ((.voltage - $w) | fabs) < 0.05' "$T/hv.state" >/dev/null 2>&1 ||
	fail "hv state: $(jq -c '{protocol, modules, voltage}' "$T/hv.state"), truth $hvw V"
note "states: lv 8 modules $(jq .voltage "$T/lv.state") V, hv 5 modules $(jq .voltage "$T/hv.state") V, as the simulators"

kill "$hv_pid"; wait "$hv_pid" 2>/dev/null
wait_for 20 grep -q "hv: lost" "$T/pt.log" || fail "hv did not say it lost its link"
# 6 s of LV states while HV is down: one a second (at least 4, a loaded
# machine may stretch one).
n=$(sub -t pylontop/site-lv/state -W 6 2>/dev/null | wc -l)
[ "$n" -ge 4 ] || fail "lv published $n states in 6 s while hv was down"
note "hv killed: lv published $n states in 6 s"
exit 0
