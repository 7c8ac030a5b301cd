#!/bin/bash
# mqtt.sh — pylontop against the simulator and a real mosquitto on
# 127.0.0.1: the HA validator on known-good and known-bad payloads;
# broker started after pylontop; retained discovery for every entity that
# passes the validator, states included; state equal to the simulator's;
# the password in neither ps nor the log; broker restarted (re-announced);
# HA's birth message (re-announced); broker frozen (noticed within two
# keepalives, CSV goes on, back after SIGCONT); "offline" on a clean exit
# and the will on kill -9; a module announced by an earlier run removed;
# a wrong password said once; TLS with a CA made here, an untrusted CA, a
# wrong host name and MQTT_TLS_INSECURE; a hostile controller barcode.
PT_TEST_TIMEOUT=300
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
grep -q '^#define HAVE_MQTT 1' "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without MQTT"
VALIDATE="$top_builddir/tests/tools/ha_validate"
FIX="$top_srcdir/tests/fixtures/mqtt"

# --- the validator itself: it must pass good payloads and catch bad ones ---
[ -x "$VALIDATE" ] || fail "no $VALIDATE (make check builds it)"
"$VALIDATE" -s <"$FIX/good.txt" >"$T/v-good.txt" || fail "validator refuses good.txt: $(cat "$T/v-good.txt")"
"$VALIDATE" <"$FIX/bad.txt" >"$T/v-bad.txt" && fail "validator passes bad.txt"
for want in "unknown key (HA drops it silently): unit_of_measurment" "duplicate unique_id: dup" \
	"unit not allowed for the device_class: C" "state_class not allowed for the device_class: measurement" \
	"entity_category must be diagnostic" "availability and availability_topic together" \
	"origin with a name missing" "via_device is the device itself" "via_device names no announced device" \
	"topic does not match" "numeric sensor, state not a number" "names a key the state does not have" \
	"payload is not a JSON object" "device without identifiers"; do
	grep -qF "$want" "$T/v-bad.txt" || fail "validator missed: $want"
done
note "validator: good.txt passes, bad.txt: $(tail -1 "$T/v-bad.txt")"

MOSQ=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
[ -x "$MOSQ" ] || skip "mosquitto is missing (scripts/setup installs it)"
for t in mosquitto_sub mosquitto_pub mosquitto_passwd jq openssl; do
	command -v $t >/dev/null || skip "$t is missing (scripts/setup installs it)"
done

# mosquitto started as root drops to its own user: let it read our files.
chmod 755 "$T"
port=$(free_port) || fail "no free port"
broker() {	# broker NAME [config lines...]: a private mosquitto; its pid in $b
	_n=$1; shift
	{ echo "listener $port 127.0.0.1"; echo "persistence false"
	  case "$*" in *allow_anonymous*) ;; *) echo "allow_anonymous true";; esac
	  for l in "$@"; do echo "$l"; done; } >"$T/$_n.conf"
	bg_start "broker-$_n" "$MOSQ" -c "$T/$_n.conf"; b=$BG_PID
	wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || fail "broker $_n did not start: $(cat "$T/broker-$_n.log")"
}
stop_pid() {	# and fail on a sanitizer report (CI: TSAN_OPTIONS exitcode=66)
	kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null
	[ $? -ne 66 ] || fail "pid $1 ended with 66: a ThreadSanitizer report (see its log)"
}
sub() { mosquitto_sub -h 127.0.0.1 -p "$port" "$@"; }
retained() { sub -v --retained-only -W 2 "$@" 2>/dev/null; true; }
online() { sub -t "$1" -C 1 -W 1 2>/dev/null | grep -qx online; }
pt_start() {	# pt_start LOG ARGS...: pylontop --headless on the simulator; pid in $pt
	_log=$1; shift
	"$PYLONTOP" -d "$dev" --headless -i 1 "$@" 2>"$T/$_log" >/dev/null &
	pt=$!; PT_PIDS="$PT_PIDS $pt"
}

sim_start lv --protocol lv --modules 3 --cells 15 --state "$T/st.json"; dev=$SIM_DEV
PW=Sup3r-Secret-pw
printf 'DEVICE_UNIQUE_ID=rack1\nMQTT_KEEPALIVE=5\nMQTT_RETAIN=true\nMQTT_USER=ha\nMQTT_PASSWORD=%s\n' \
	"$PW" >"$T/pt.env"
chmod 600 "$T/pt.env"

# --- broker started after pylontop: it connects ----------------------------
pt_start pt.log -c "$T/pt.env" --csv "$T/run.csv" --mqtt "mqtt://127.0.0.1:$port"
wait_for 10 grep -q "mqtt: connecting to 127.0.0.1:$port: Connection refused" "$T/pt.log" ||
	fail "no 'connection refused' before the broker runs: $(cat "$T/pt.log")"
sleep 1
broker main
wait_for 20 online pylontop/rack1/status || fail "pylontop did not connect after the broker started: $(tail -5 "$T/pt.log")"
note "late broker: connected"

# --- discovery: every device and entity, retained, valid, states too ------
sleep 3
retained -t 'homeassistant/#' -t 'pylontop/#' >"$T/disc.txt"
n=$(grep -c '^homeassistant/device/[a-z0-9_]*/config {' "$T/disc.txt")
[ "$n" -eq 4 ] || fail "want 4 retained device configs (stack + 3 modules), got $n"
"$VALIDATE" -s homeassistant <"$T/disc.txt" >"$T/validate.txt" || fail "validator: $(cat "$T/validate.txt")"
note "discovery: $(tail -1 "$T/validate.txt")"
# 172 measured values + energy charged/discharged on 4 devices (8) + the
# records and health diagnostics of 3 modules (18).
grep -q ' 4 devices, 198 entities, 0 problems' "$T/validate.txt" || fail "want 4 devices, 198 entities: $(tail -1 "$T/validate.txt")"
for what in voltage temperature; do
	c=$(grep -o "\"cell_[0-9]*_$what\"" "$T/disc.txt" | sort -u | wc -l)
	[ "$c" -eq 15 ] || fail "want cell_01..15_$what, got $c distinct"
	c=$(grep -o "\"cell_[0-9]*_$what\":{" "$T/disc.txt" | wc -l)
	[ "$c" -eq 45 ] || fail "want 45 cell $what entities, got $c"
done
[ "$(grep -c '"via_device":"pylontop_rack1"' "$T/disc.txt")" -eq 3 ] || fail "modules do not point at the stack device"
grep -q '"name":"Cell 07 voltage"' "$T/disc.txt" || fail "cell entity names"
grep -q '"name":"Module 3"' "$T/disc.txt" || fail "module device names"
for bc in 12345 13456 14567; do
	grep -q "^pylontop/rack1/module/pylontech_pptbh024000$bc/avail online" "$T/disc.txt" ||
		fail "module $bc not online"
done
grep -q '^pylontop/rack1/link {' "$T/disc.txt" || fail "no link diagnostics"

# --- state equals the simulator's -----------------------------------------
# The simulator moves every second; a sample reads its answers within one.
sub -v -t 'pylontop/rack1/module/+/state' -C 3 -W 5 >"$T/states.txt" 2>/dev/null || fail "no module state"
cp "$T/st.json" "$T/st-now.json"
sed 's/^pylontop\/rack1\/module\/pylontech_\([a-z0-9]*\)\/state /{"id":"\1","s":/; s/$/}/' \
	"$T/states.txt" >"$T/states.json"
jq -e -s --slurpfile sim "$T/st-now.json" '
	def near(a; b; tol): (a != null) and (((a - b) | fabs) <= tol);
	map(. as $m | ($sim[0].modules[] | select((.barcode | ascii_downcase) == $m.id)) as $w |
	    near($m.s.voltage; $w.voltage; 0.1) and near($m.s.current; $w.current; 0.25) and
	    near($m.s.soc; $w.soc; 1) and near($m.s.temperature; $w.temperature; 0.3) and
	    ($m.s.cell_voltages | length) == ($w.cells | length) and
	    ([range(0; $w.cells | length) | near($m.s.cell_voltages[.]; $w.cells[.].voltage; 0.006) and
	      near($m.s.cell_temperatures[.]; $w.cells[.].temperature; 0.3)] | all)) |
	length == 3 and all' "$T/states.json" >/dev/null ||
	fail "module states differ from the simulator: $(cat "$T/states.txt") vs $(cat "$T/st-now.json")"
note "state: voltages, currents, SOC, temperatures and 45 cells match the simulator"

# --- the password is in neither ps nor the log ------------------------------
ps -eo args -ww | grep -F -- "$PW" | grep -v grep && fail "password visible in ps"
tr '\0' ' ' </proc/$pt/cmdline | grep -qF -- "$PW" && fail "password in /proc/$pt/cmdline"
grep -qF -- "$PW" "$T/pt.log" && fail "password in the log"

# --- broker killed and restarted: reconnect and announce again --------------
stop_pid "$b"
sleep 2
broker main
wait_for 30 sh -c "mosquitto_sub -p $port -t 'homeassistant/device/+/config' --retained-only -W 1 -v 2>/dev/null | grep -q pylontop_rack1" ||
	fail "no discovery after the broker came back: $(tail -5 "$T/pt.log")"
online pylontop/rack1/status || fail "not online after the broker restart"
note "broker restart: re-announced"

# --- Home Assistant restarts: its birth message brings discovery back ------
mosquitto_pub -p "$port" -r -n -t homeassistant/device/pylontop_rack1/config
[ -z "$(retained -t homeassistant/device/pylontop_rack1/config)" ] || fail "could not clear the config"
mosquitto_pub -p "$port" -t homeassistant/status -m online
wait_for 8 sh -c "mosquitto_sub -p $port -t homeassistant/device/pylontop_rack1/config --retained-only -W 1 2>/dev/null | grep -q components" ||
	fail "no discovery after homeassistant/status online"
note "HA birth: re-announced"

# --- broker frozen: noticed within two keepalives, nothing blocks ----------
rows=$(wc -l <"$T/run.csv")
t0=$(date +%s)
kill -STOP "$b"
wait_for 13 grep -q "mqtt: lost 127.0.0.1:$port: no answer within the keepalive" "$T/pt.log" ||
	fail "a frozen broker was not noticed within 2 keepalives (10 s): $(tail -3 "$T/pt.log")"
note "frozen broker noticed after $(( $(date +%s) - t0 )) s (keepalive 5 s)"
sleep 3
[ "$(wc -l <"$T/run.csv")" -gt $((rows + 6)) ] || fail "CSV stopped while the broker was frozen"
kill -0 "$pt" || fail "pylontop died"
# Counted before SIGCONT: the reconnect is said at once (the MQTT thread
# wakes the front end), possibly before a count taken after it.
n=$(grep -c "mqtt: connected to" "$T/pt.log")
kill -CONT "$b"
wait_for 30 sh -c "[ \$(grep -c 'mqtt: connected to' '$T/pt.log') -gt $n ]" ||
	fail "no reconnect after SIGCONT: $(tail -3 "$T/pt.log")"
wait_for 5 online pylontop/rack1/status || fail "not online after SIGCONT"
note "frozen broker: noticed, CSV went on, reconnected after SIGCONT"

# --- clean exit: "offline", retained, exit 0 ---------------------------------
kill -TERM "$pt"; wait "$pt"; rc=$?
[ "$rc" -eq 0 ] || fail "pylontop exit $rc"
[ "$(retained -t pylontop/rack1/status)" = "pylontop/rack1/status offline" ] ||
	fail "no retained offline after SIGTERM: $(retained -t pylontop/rack1/status)"
grep -qF -- "$PW" "$T/pt.log" && fail "password in the log"

# --- a module from an earlier run is removed; kill -9 leaves the will -------
mosquitto_pub -p "$port" -r -t homeassistant/device/pylontech_oldmodule/config \
	-m '{"device":{"identifiers":["pylontech_oldmodule"],"name":"Module 4","via_device":"pylontop_rack1"},"origin":{"name":"pylontop"},"availability":[{"topic":"pylontop/rack1/status"}],"components":{"voltage":{"platform":"sensor","unique_id":"pylontech_oldmodule_voltage","value_template":"{{ value_json.voltage }}"}}}'
mosquitto_pub -p "$port" -r -t pylontop/rack1/module/pylontech_oldmodule/avail -m online
mosquitto_pub -p "$port" -r -t homeassistant/device/someone_else/config \
	-m '{"device":{"identifiers":["x"],"via_device":"other_stack"},"origin":{"name":"x"},"components":{}}'
pt_start pt2.log -c "$T/pt.env" --mqtt "mqtt://127.0.0.1:$port"
wait_for 15 online pylontop/rack1/status || fail "second run did not connect: $(cat "$T/pt2.log")"
wait_for 10 sh -c "[ -z \"\$(mosquitto_sub -p $port -t homeassistant/device/pylontech_oldmodule/config --retained-only -W 1 2>/dev/null)\" ]" ||
	fail "the earlier run's module 4 was not removed"
[ -z "$(retained -t pylontop/rack1/module/pylontech_oldmodule/avail)" ] || fail "module 4's avail left behind"
[ -n "$(retained -t homeassistant/device/someone_else/config)" ] || fail "removed another program's device"
note "module gone since an earlier run: removed"
kill -KILL "$pt"; wait "$pt" 2>/dev/null
wait_for 12 sh -c "mosquitto_sub -p $port -t pylontop/rack1/status --retained-only -C 1 -W 1 2>/dev/null | grep -qx offline" ||
	fail "no will (offline) after kill -9"
note "clean exit: offline; kill -9: the will says offline"
stop_pid "$b"

# --- wrong password: one clear message, no crash ---------------------------
mosquitto_passwd -c -b "$T/passwd" ha right-password 2>/dev/null || fail "mosquitto_passwd"
chmod 644 "$T/passwd"
broker auth "allow_anonymous false" "password_file $T/passwd"
pt_start auth.log -c "$T/pt.env" --mqtt "mqtt://ha@127.0.0.1:$port"
wait_for 10 grep -q "refused the user name or password" "$T/auth.log" || fail "no refusal message: $(cat "$T/auth.log")"
sleep 4
kill -0 "$pt" || fail "pylontop died on a wrong password"
n=$(grep -c "refused" "$T/auth.log")
[ "$n" -eq 1 ] || fail "want one 'refused' message, got $n: $(grep mqtt "$T/auth.log")"
tries=$(grep -c "ha.*not authorised\|Client .* disconnected, not authorised" "$T/broker-auth.log")
[ "$tries" -le 1 ] || fail "knocked $tries times in 4 s with a refused password"
grep -qF -- "$PW" "$T/auth.log" "$T/broker-auth.log" && fail "password in a log"
note "wrong password: '$(grep -o 'broker.*password' "$T/auth.log" | head -1)', once"
stop_pid "$pt"; stop_pid "$b"

# --- TLS: a CA made here, an untrusted CA, a wrong host name ---------------
(
	cd "$T" &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=pylontop test CA" \
		-keyout ca.key -out ca.crt &&
	for s in srv:DNS:localhost,IP:127.0.0.1 wrong:DNS:wrong.example client:DNS:pylontop; do
		n=${s%%:*}
		openssl req -newkey rsa:2048 -nodes -subj "/CN=${s#*:DNS:}" -keyout $n.key -out $n.csr &&
		printf 'subjectAltName=%s\n' "${s#*:}" >$n.ext &&
		openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
			-extfile $n.ext -out $n.crt || exit 1
	done &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other CA" -keyout o.key \
		-out other.crt
) >"$T/openssl.log" 2>&1 || fail "openssl: $(tail -3 "$T/openssl.log")"
chmod 644 "$T"/*.crt "$T"/*.key
tls_run() {	# tls_run NAME URL ENV-LINES...: pylontop with TLS settings
	_name=$1 _url=$2; shift 2
	printf '%s\n' "DEVICE_UNIQUE_ID=$_name" "$@" >"$T/$_name.env"
	pt_start "$_name.log" -c "$T/$_name.env" --mqtt "$_url"
}
broker tls "cafile $T/ca.crt" "certfile $T/srv.crt" "keyfile $T/srv.key"
tls_run tls1 "mqtts://localhost:$port" "MQTT_CAFILE=$T/ca.crt"
wait_for 15 grep -q "mqtt: connected" "$T/tls1.log" || fail "no TLS connection: $(grep mqtt "$T/tls1.log")"
wait_for 10 sh -c "mosquitto_sub -h localhost -p $port --cafile '$T/ca.crt' -t pylontop/tls1/status -C 1 -W 1 2>/dev/null | grep -qx online" ||
	fail "no 'online' over TLS"
stop_pid "$pt"
tls_run tls2 "mqtts://localhost:$port" "MQTT_CAFILE=$T/other.crt"
wait_for 10 grep -q "TLS with localhost:$port failed: certificate verify failed" "$T/tls2.log" ||
	fail "an untrusted broker was not reported: $(grep mqtt "$T/tls2.log")"
kill -0 "$pt" || fail "pylontop died on a TLS failure"
stop_pid "$pt"
stop_pid "$b"
broker tls-wrong "cafile $T/ca.crt" "certfile $T/wrong.crt" "keyfile $T/wrong.key"
tls_run tls3 "mqtts://127.0.0.1:$port" "MQTT_CAFILE=$T/ca.crt"
wait_for 10 grep -q "TLS with 127.0.0.1:$port failed" "$T/tls3.log" ||
	fail "a certificate for another host name was accepted: $(grep mqtt "$T/tls3.log")"
stop_pid "$pt"
tls_run tls4 "mqtts://127.0.0.1:$port" "MQTT_CAFILE=$T/ca.crt" "MQTT_TLS_INSECURE=true"
wait_for 15 grep -q "mqtt: connected.*MQTT_TLS_INSECURE" "$T/tls4.log" ||
	fail "MQTT_TLS_INSECURE did not connect, or did not say so: $(grep mqtt "$T/tls4.log")"
stop_pid "$pt"
stop_pid "$b"
# A broker that wants a client certificate.
broker tls-client "cafile $T/ca.crt" "certfile $T/srv.crt" "keyfile $T/srv.key" "require_certificate true"
tls_run tls5 "mqtts://localhost:$port" "MQTT_CAFILE=$T/ca.crt" "MQTT_CERTFILE=$T/client.crt" \
	"MQTT_KEYFILE=$T/client.key"
wait_for 15 grep -q "mqtt: connected" "$T/tls5.log" || fail "client certificate refused: $(grep mqtt "$T/tls5.log")"
stop_pid "$pt"
tls_run tls6 "mqtts://localhost:$port" "MQTT_CAFILE=$T/ca.crt"
wait_for 15 grep -q "mqtt: TLS with localhost:$port failed\|mqtt: lost\|mqtt: connecting to localhost:$port: " "$T/tls6.log" ||
	fail "no client certificate, yet no error: $(grep mqtt "$T/tls6.log")"
grep -q "mqtt: connected" "$T/tls6.log" && fail "connected without the client certificate the broker wants"
stop_pid "$pt"
stop_pid "$b"
note "tls: CA ok; untrusted CA and wrong host name refused in words; insecure connects and says so; client certificate ok, missing one refused"

# --- a hostile controller barcode: safe topics, valid discovery ------------
sim_start hv --protocol hv --modules 2 --cells 15 --barcode $'a/b+#\e[31m'; hv=$SIM_DEV
broker hostile
echo MQTT_RETAIN=true >"$T/hostile.env"
"$PYLONTOP" -c "$T/hostile.env" -d "$hv" --headless -i 1 --mqtt "mqtt://127.0.0.1:$port" \
	2>"$T/hostile.log" >/dev/null &
pt=$!; PT_PIDS="$PT_PIDS $pt"
wait_for 20 sh -c "mosquitto_sub -p $port -t 'homeassistant/device/+/config' --retained-only -W 1 2>/dev/null | grep -c components | grep -qx 3" ||
	fail "no discovery from the HV stack: $(tail -3 "$T/hostile.log")"
sleep 1
retained -t '#' >"$T/hostile.txt"
"$VALIDATE" -s <"$T/hostile.txt" >"$T/v-hostile.txt" || fail "validator (hostile): $(cat "$T/v-hostile.txt")"
cut -d' ' -f1 "$T/hostile.txt" | grep -v '^[A-Za-z0-9_/-]*$' && fail "unsafe topic"
grep -q '^pylontop/a_b____31m/status online' "$T/hostile.txt" ||
	fail "stack not named from its sanitised barcode: $(cut -d' ' -f1 "$T/hostile.txt" | sort -u | head)"
LC_ALL=C grep -q $'\e' "$T/hostile.txt" && fail "an escape byte reached MQTT"
stop_pid "$pt"
note "hostile barcode: topics $(cut -d' ' -f1 "$T/hostile.txt" | grep status | head -1), $(tail -1 "$T/v-hostile.txt")"
exit 0
