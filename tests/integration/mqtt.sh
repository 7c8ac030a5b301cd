#!/bin/bash
# mqtt.sh — a real mosquitto on 127.0.0.1, pylontop against the simulator:
# retained discovery that passes the validator, state equal to the
# simulator's, broker late / restarted / frozen, wrong password, the
# password kept out of ps and logs, TLS with a CA made here.
PT_TEST_TIMEOUT=170
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
MOSQ=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
[ -x "$MOSQ" ] || skip "mosquitto is missing (scripts/setup installs it)"
command -v mosquitto_sub >/dev/null || skip "mosquitto_sub is missing"
command -v jq >/dev/null || skip "jq is missing"
grep -q '^#define HAVE_MQTT 1' "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without MQTT"
VALIDATE="$top_builddir/tests/tools/ha_validate"

# mosquitto started as root drops to its own user: let it read our files.
chmod 755 "$T"
port=$(free_port)
broker() {	# broker NAME [extra config lines...]
	name=$1; shift
	{ echo "listener $port 127.0.0.1"; echo "allow_anonymous true"; echo "persistence false"
	  for l in "$@"; do echo "$l"; done; } >"$T/$name.conf"
	bg_start "broker-$name" "$MOSQ" -c "$T/$name.conf"
}
sub() { mosquitto_sub -h 127.0.0.1 -p "$port" "$@"; }
retained() { sub -v -t "$1" --retained-only -W 2 2>/dev/null; }

sim_start lv --protocol lv --modules 3 --cells 15 --state "$T/st.json"; dev=$SIM_DEV
printf 'DEVICE_UNIQUE_ID=rack1\nMQTT_KEEPALIVE=5\nMQTT_PASSWORD=Sup3r-Secret-pw\nMQTT_USER=ha\n' >"$T/pt.env"

# --- broker started after pylontop: it connects ----------------------------
"$PYLONTOP" -c "$T/pt.env" -d "$dev" --headless -i 1 --csv "$T/run.csv" \
	--mqtt "mqtt://127.0.0.1:$port" 2>"$T/pt.log" &
pt=$!; PT_PIDS="$PT_PIDS $pt"
sleep 2
grep -q "mqtt: connecting to 127.0.0.1:$port" "$T/pt.log" || fail "no 'connecting' before the broker: $(cat "$T/pt.log")"
broker main; b=$BG_PID
wait_for 20 sh -c "mosquitto_sub -h 127.0.0.1 -p $port -t pylontop/rack1/status -C 1 -W 1 2>/dev/null | grep -q online" ||
	fail "pylontop did not connect after the broker started: $(tail -5 "$T/pt.log")"
note "late broker: connected"

# --- discovery: every device, retained, valid -----------------------------
sleep 2
retained 'homeassistant/#' >"$T/disc.txt"
n=$(grep -c '^homeassistant/device/.*/config {' "$T/disc.txt")
[ "$n" -eq 4 ] || fail "want 4 retained device configs (stack + 3 modules), got $n"
"$VALIDATE" homeassistant <"$T/disc.txt" >"$T/validate.txt" || fail "validator: $(cat "$T/validate.txt")"
note "discovery: $(tail -1 "$T/validate.txt")"
ncell=$(grep -o '"cell_[0-9]*_voltage"' "$T/disc.txt" | wc -l)
[ "$ncell" -eq 45 ] || fail "want 45 cell voltage entities, got $ncell"
grep -q '"via_device":"pylontop_rack1"' "$T/disc.txt" || fail "modules do not point at the stack device"

# --- state equals the simulator's ------------------------------------------
sub -t 'pylontop/rack1/module/+/state' -C 3 -W 5 >"$T/states.txt" || fail "no module state"
sleep 0.2
jq -s -e --slurpfile sim "$T/st.json" '
	(map(.voltage) | sort) as $got | ($sim[0].modules | map(.voltage) | sort) as $want |
	[range(0; 3) | (($got[.] - $want[.]) | fabs) < 0.05] | all' "$T/states.txt" >/dev/null ||
	fail "module voltages differ: $(jq -c .voltage "$T/states.txt" | tr '\n' ' ') vs $(jq -c '[.modules[].voltage]' "$T/st.json")"
note "state: ok"

# --- the password is in neither ps nor the log ------------------------------
ps auxww | grep -v grep | grep -q "Sup3r-Secret-pw" && fail "password visible in ps"
grep -q "Sup3r-Secret-pw" "$T/pt.log" && fail "password in the log"

# --- broker killed and restarted: reconnect and announce again --------------
kill "$b"; wait "$b" 2>/dev/null
sleep 2
broker main; b=$BG_PID
wait_for 40 sh -c "mosquitto_sub -h 127.0.0.1 -p $port -t 'homeassistant/device/+/config' --retained-only -W 1 -v 2>/dev/null | grep -q pylontop_rack1" ||
	fail "no discovery after the broker came back: $(tail -5 "$T/pt.log")"
note "broker restart: re-announced"

# --- broker frozen: noticed within two keepalives, nothing blocks ----------
rows=$(wc -l <"$T/run.csv")
lost=$(grep -c 'mqtt: lost' "$T/pt.log")
t0=$(date +%s)
kill -STOP "$b"
wait_for 16 sh -c "[ \$(grep -c 'mqtt: lost' '$T/pt.log') -gt $lost ]" ||
	fail "a frozen broker was not noticed within 2 keepalives (10 s): $(tail -3 "$T/pt.log")"
note "frozen broker noticed after $(( $(date +%s) - t0 )) s"
sleep 2
[ "$(wc -l <"$T/run.csv")" -gt $((rows + 3)) ] || fail "CSV stopped while the broker was frozen"
kill -CONT "$b"
note "frozen broker: noticed, CSV went on"
kill -TERM "$pt"; wait "$pt"; rc=$?
[ "$rc" -eq 0 ] || fail "pylontop exit $rc"
kill "$b"; wait "$b" 2>/dev/null

# --- wrong password: one clear message, no crash ---------------------------
mosquitto_passwd -c -b "$T/passwd" ha right-password 2>/dev/null || skip "no mosquitto_passwd"
chmod 644 "$T/passwd"
printf 'listener %s 127.0.0.1\nallow_anonymous false\npassword_file %s\n' "$port" "$T/passwd" >"$T/auth.conf"
bg_start broker-auth "$MOSQ" -c "$T/auth.conf"; b=$BG_PID
sleep 0.5
"$PYLONTOP" -c "$T/pt.env" -d "$dev" --headless -i 1 --mqtt "mqtt://ha@127.0.0.1:$port" 2>"$T/auth.log" &
pt=$!; PT_PIDS="$PT_PIDS $pt"
sleep 6
kill -0 "$pt" || fail "pylontop died on a wrong password"
n=$(grep -c "refused" "$T/auth.log")
[ "$n" -eq 1 ] || fail "want one 'refused' message, got $n: $(grep mqtt "$T/auth.log")"
grep -q "Sup3r-Secret-pw" "$T/auth.log" && fail "password in the log"
kill -TERM "$pt"; wait "$pt"
kill "$b"; wait "$b" 2>/dev/null
note "wrong password: one message"

# --- TLS against a CA made here --------------------------------------------
command -v openssl >/dev/null || skip "openssl is missing"
(
	cd "$T" &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=pylontop test CA" \
		-keyout ca.key -out ca.crt &&
	openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout srv.key -out srv.csr &&
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext &&
	openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
		-extfile san.ext -out srv.crt
) >"$T/openssl.log" 2>&1 || fail "openssl: $(tail -3 "$T/openssl.log")"
chmod 644 "$T"/*.crt "$T"/*.key
printf 'listener %s 127.0.0.1\nallow_anonymous true\ncafile %s/ca.crt\ncertfile %s/srv.crt\nkeyfile %s/srv.key\n' \
	"$port" "$T" "$T" "$T" >"$T/tls.conf"
bg_start broker-tls "$MOSQ" -c "$T/tls.conf"; b=$BG_PID
sleep 0.5
printf 'DEVICE_UNIQUE_ID=tls1\nMQTT_CAFILE=%s/ca.crt\n' "$T" >"$T/tls.env"
"$PYLONTOP" -c "$T/tls.env" -d "$dev" --headless -i 1 --mqtt "mqtts://localhost:$port" 2>"$T/tls.log" &
pt=$!; PT_PIDS="$PT_PIDS $pt"
wait_for 15 grep -q "mqtt: connected" "$T/tls.log" || fail "no TLS connection: $(grep mqtt "$T/tls.log")"
wait_for 10 sh -c "mosquitto_sub -h localhost -p $port --cafile '$T/ca.crt' -t pylontop/tls1/status -C 1 -W 1 2>/dev/null | grep -q online" ||
	fail "no 'online' over TLS"
kill -TERM "$pt"; wait "$pt"
# A CA that did not sign the broker: refused, said in words.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other CA" -keyout "$T/o.key" \
	-out "$T/other.crt" >/dev/null 2>&1
printf 'DEVICE_UNIQUE_ID=tls2\nMQTT_CAFILE=%s/other.crt\n' "$T" >"$T/bad.env"
"$PYLONTOP" -c "$T/bad.env" -d "$dev" --headless -i 1 --mqtt "mqtts://localhost:$port" 2>"$T/badtls.log" &
pt=$!; PT_PIDS="$PT_PIDS $pt"
wait_for 10 grep -q "TLS" "$T/badtls.log" || fail "an untrusted broker was not reported: $(grep mqtt "$T/badtls.log")"
kill -TERM "$pt"; wait "$pt"
note "tls: ok"
exit 0
