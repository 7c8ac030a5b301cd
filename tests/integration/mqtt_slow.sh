#!/bin/bash
# mqtt_slow.sh — on a slow line the first samples come before the module
# barcodes (identity is read over the next cycles).  Home Assistant must
# still see one device per module, named by its barcode from the first
# message on: no device named after the host first and renamed later.
PT_TEST_TIMEOUT=120
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
MOSQ=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
[ -x "$MOSQ" ] || skip "mosquitto is missing (scripts/setup installs it)"
for t in mosquitto_sub jq; do
	command -v $t >/dev/null || skip "$t is missing (scripts/setup installs it)"
done
grep -q '^#define HAVE_MQTT 1' "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without MQTT"

chmod 755 "$T"
port=$(free_port) || fail "no free port"
printf 'listener %s 127.0.0.1\npersistence false\nallow_anonymous true\n' "$port" >"$T/m.conf"
bg_start broker "$MOSQ" -c "$T/m.conf"
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || fail "broker did not start"
# Everything published, from before pylontop's first message.
bg_start sub mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'homeassistant/#' -t 'pylontop/#'
sleep 0.3

# 4 modules x 16 cells at 9600 baud: a cycle takes seconds, the identity
# reads (info, stat of every module) follow the first samples.
sim_start lv --protocol lv --modules 4 --cells 16 --baud 9600 --state "$T/st.json"
bg_start pt "$PYLONTOP" -d "$SIM_DEV" --headless -i 1 -v --mqtt "mqtt://127.0.0.1:$port"
wait_for 90 grep -q '"serial_number"' "$T/sub.log" || fail "no discovery with serial numbers within 90 s"
sleep 2
grep -q 'identity' "$T/pt.log" || note "(no identity step logged)"
# The first samples really came before the barcodes (else this test proves nothing).
first_bc=$(grep -n 'info 1' "$T/pt.log" | head -1 | cut -d: -f1)
first_sample=$(grep -n 'first sample\|polling lv' "$T/pt.log" | head -1 | cut -d: -f1)
note "pylontop log: first sample at line ${first_sample:-?}, first info at line ${first_bc:-?}"
# Every device announced is named by a barcode of the truth file.
grep -o '"identifiers":\["[^"]*"' "$T/sub.log" | sed 's/.*\["//; s/"$//' | sort -u >"$T/ids"
jq -r '.modules[].barcode' "$T/st.json" | sed 's/[^A-Za-z0-9_-]/_/g' | tr 'A-Z' 'a-z' |
	sed 's/^/pylontech_/' | sort -u >"$T/want"
[ -s "$T/ids" ] || fail "no device identifiers announced"
# The stack device is named after the first module's barcode (no stack
# barcode on LV): pylontop_<barcode>, never the host name.
sed 's/^pylontech_/pylontop_/' "$T/want" | cat - "$T/want" >"$T/allowed"
stray=$(grep -v -x -F -f "$T/allowed" "$T/ids" || true)
[ -z "$stray" ] || fail "devices not named by a module barcode (renamed later?): $stray"
missing=$(comm -23 "$T/want" "$T/ids")
[ -z "$missing" ] || fail "modules of the truth file never announced: $missing"
note "slow line: $(wc -l <"$T/ids") device identifiers, all from barcodes"
