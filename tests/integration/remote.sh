#!/bin/bash
# remote.sh — the remote view (issue 16.2): a site pylontop publishes an
# LV 4x16 simulator to a site mosquitto, bridged (site -> central) to a
# second, central mosquitto; `pylontop -d mqtt://CENTRAL/pylontop/rack1`
# shows the simulator's truth (cell values within rounding, module ids
# and barcodes), --once too; --list-remote lists the stack; once the site
# instance stops the remote view says offline and goes stale (by the
# monitor's own stale rule, read from --metrics); and the remote view
# published nothing on the central broker (no PUBLISH, no will from its
# client id), although an MQTT broker is configured for it.  Last, a
# hand-made set: a module state that never comes is a missing module, a
# null stays unknown, an absurd number is unknown, a BMS alarm arrives.
PT_TEST_TIMEOUT=150
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
grep -q '^#define HAVE_MQTT 1' "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without MQTT"
MOSQ=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
[ -x "$MOSQ" ] || skip "mosquitto is missing (scripts/setup installs it)"
for t in mosquitto_sub jq; do
	command -v $t >/dev/null || skip "$t is missing (scripts/setup installs it)"
done
METRICS=0
grep -q '^#define HAVE_METRICS 1' "$top_builddir/autoconfig.h" 2>/dev/null &&
	command -v curl >/dev/null && METRICS=1

chmod 755 "$T"	# mosquitto started as root drops to its own user
site=$(free_port) || fail "no free port"
central=$(free_port) || fail "no free port"
[ "$site" != "$central" ] || central=$((site + 1))
# The central broker logs everything: which client sent what.
printf 'listener %s 127.0.0.1\npersistence false\nallow_anonymous true\nlog_dest stderr\nlog_type all\n' \
	"$central" >"$T/central.conf"
# The site broker holds the bridge: it connects out to the central one.
printf 'listener %s 127.0.0.1\npersistence false\nallow_anonymous true\nconnection central\naddress 127.0.0.1:%s\ntopic # both 0\n' \
	"$site" "$central" >"$T/site.conf"
bg_start broker-central "$MOSQ" -c "$T/central.conf"
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$central" || fail "central broker did not start"
bg_start broker-site "$MOSQ" -c "$T/site.conf"
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$site" || fail "site broker did not start"
csub() { mosquitto_sub -h 127.0.0.1 -p "$central" "$@"; }
bg_start central-all mosquitto_sub -h 127.0.0.1 -p "$central" -v -t '#'

sim_start lv --protocol lv --modules 4 --cells 16 --state "$T/st.json"
printf 'DEVICE_UNIQUE_ID=rack1\nMQTT_RETAIN=true\n' >"$T/site.env"
bg_start site "$PYLONTOP" -c "$T/site.env" -d "$SIM_DEV" --headless -i 1 --mqtt "mqtt://127.0.0.1:$site"
site_pid=$BG_PID
wait_for 30 bash -c "mosquitto_sub -h 127.0.0.1 -p $central -t pylontop/rack1/status -C 1 -W 1 | grep -qx online" ||
	fail "the site's status never reached the central broker: $(tail -5 "$T/site.log")"
wait_for 20 bash -c "mosquitto_sub -h 127.0.0.1 -p $central -t pylontop/rack1/module/+/state -C 4 -W 2 | grep -c . | grep -qx 4" ||
	fail "no module states on the central broker"
note "site -> bridge -> central: states arrive"

# --- --list-remote -------------------------------------------------------
"$PYLONTOP" --list-remote "mqtt://127.0.0.1:$central/pylontop" >"$T/list.txt" 2>"$T/list.err" ||
	fail "--list-remote failed: $(cat "$T/list.err")"
grep -P "^rack1\tonline\t4 modules\t.*\tmqtt://127.0.0.1:$central/pylontop/rack1$" "$T/list.txt" >/dev/null ||
	fail "--list-remote does not list rack1: $(cat "$T/list.txt")"
"$PYLONTOP" --list-remote "mqtt://127.0.0.1:$central" 2>"$T/list-bad.err"
[ $? -eq 2 ] && [ "$(wc -l <"$T/list-bad.err")" -eq 1 ] && grep -q "no PREFIX" "$T/list-bad.err" ||
	fail "--list-remote without a prefix: $(cat "$T/list-bad.err")"
note "--list-remote: $(head -1 "$T/list.txt")"

# --- the remote view: headless, JSON samples, with a broker configured ---
URL="mqtt://127.0.0.1:$central/pylontop/rack1"
margs=()
if [ $METRICS = 1 ]; then mport=$(free_port) || fail "no free port"; margs=(--metrics "$mport"); fi
bg_start remote "$PYLONTOP" -d "$URL" --headless -i 1 -f json --mqtt "mqtt://127.0.0.1:$central" "${margs[@]}"
remote_pid=$BG_PID
# Its output goes to $T/remote.log with stderr: the JSON lines start with '{'.
wait_for 30 bash -c "[ \$(grep -c '^{' '$T/remote.log') -ge 4 ]" ||
	fail "the remote view shows no samples: $(grep -v '^{' "$T/remote.log" | tail -5)"

# Equal to the simulator's truth: same barcode on the same module id, every
# cell within rounding (the simulator moves a little between cycles).
same() {	# FILE (one JSON sample): compare with $T/st.json
	jq -e --slurpfile st "$T/st.json" '
		(.modules | length) == ($st[0].modules | length) and
		([.modules[] | .id] == [$st[0].modules[] | .id]) and
		([range(0; .modules | length) as $k | .modules[$k] as $m |
		  ($st[0].modules[] | select(.id == $m.id)) as $w |
		  $m.barcode == $w.barcode and
		  ($m.cells | length) == ($w.cells | length) and
		  ([range(0; $w.cells | length) as $i | $m.cells[$i].voltage as $v |
		    $v != null and (($v - $w.cells[$i].voltage) | fabs) < 0.02] | all)
		] | all)' "$1" >/dev/null
}
grep '^{' "$T/remote.log" | tail -n 1 >"$T/remote-last.json"
same "$T/remote-last.json" ||
	fail "remote view differs from the simulator: $(jq -c '[.modules[] | {id, barcode, c: [.cells[0:3][].voltage]}]' "$T/remote-last.json") vs $(jq -c '[.modules[] | {id, barcode, c: [.cells[0:3][].voltage]}]' "$T/st.json")"
jq -e '.age_s < 5 and .protocol == "lv"' "$T/remote-last.json" >/dev/null ||
	fail "remote sample not current or not lv: $(jq -c '{time, age_s, protocol}' "$T/remote-last.json")"
note "remote view: 4 modules x 16 cells equal to the simulator, barcodes on the same ids"

"$PYLONTOP" -d "$URL" --once -f json >"$T/once.json" 2>"$T/once.err" || fail "--once: $(cat "$T/once.err")"
same "$T/once.json" || fail "--once differs from the simulator: $(head -c 300 "$T/once.json")"
note "--once: equal to the simulator"

if [ $METRICS = 1 ]; then
	curl -sf --max-time 5 "http://127.0.0.1:$mport/metrics" | grep -qx 'pylontop_sample_stale{[^}]*} 0\|pylontop_sample_stale 0' ||
		fail "remote view stale while the site runs: $(curl -s "http://127.0.0.1:$mport/metrics" | grep stale)"
fi

# --- the site stops: offline, then stale ---------------------------------
kill -TERM "$site_pid"; wait "$site_pid" 2>/dev/null
wait_for 15 grep -q "the site's pylontop went offline" "$T/remote.log" ||
	fail "the remote view did not say the site went offline: $(tail -5 "$T/remote.log")"
if [ $METRICS = 1 ]; then
	wait_for 30 bash -c "curl -sf --max-time 2 http://127.0.0.1:$mport/metrics | grep -q '^pylontop_sample_stale.* 1\$'" ||
		fail "the remote view never went stale: $(curl -s "http://127.0.0.1:$mport/metrics" | grep -i 'stale\|age')"
	note "site stopped: remote view says offline and is stale"
else
	note "site stopped: remote view says offline (stale not checked: no --metrics in this build)"
fi
# The site comes back: the view follows it again, fresh.
before=$(grep -c '^{' "$T/remote.log")
bg_start site2 "$PYLONTOP" -c "$T/site.env" -d "$SIM_DEV" --headless -i 1 --mqtt "mqtt://127.0.0.1:$site"
wait_for 30 bash -c "[ \$(grep -c '^{' '$T/remote.log') -ge $((before + 2)) ]" ||
	fail "the remote view did not resume after the site came back: $(grep -v '^{' "$T/remote.log" | tail -3)"
grep -v '^{' "$T/remote.log" | tail -n 1 | grep -q "polling lv" ||
	fail "the remote view's status still says: $(grep -v '^{' "$T/remote.log" | tail -n 1)"
if [ $METRICS = 1 ]; then
	wait_for 10 bash -c "curl -sf --max-time 2 http://127.0.0.1:$mport/metrics | grep -q '^pylontop_sample_stale.* 0\$'" ||
		fail "the remote view stays stale after the site came back"
fi
note "site back: the remote view is fresh again"
kill -TERM "$remote_pid"; wait "$remote_pid" 2>/dev/null

# --- read-only: nothing from its client id reached the central broker ----
grep -q "Received SUBSCRIBE from pylontop-view-" "$T/broker-central.log" ||
	fail "the remote view's client was not seen on the central broker (log format?)"
grep "Received PUBLISH from pylontop-view-" "$T/broker-central.log" && fail "the remote view published"
awk '/New client connected from/ { for (i = 1; i < NF; i++) if ($i == "as") cur = $(i + 1) } /Will message specified/ && cur ~ /^pylontop-view-/ { bad = 1 }
	END { exit bad }' "$T/broker-central.log" || fail "the remote view set a will"
bad=$(grep -v '^pylontop/rack1/\|^homeassistant/' "$T/central-all.log" | head -3)
[ -z "$bad" ] || fail "unexpected topics on the central broker: $bad"
note "read-only: no PUBLISH and no will from pylontop-view-*"

# --- what the payload does not know stays unknown --------------------------
# A hand-made set: module 2 of 2 never comes (missing, not invented), a
# null voltage stays null (never 0), an absurd cell value (1e300) is
# unknown, not an alarm; a BMS alarm comes across.
command -v mosquitto_pub >/dev/null || skip "mosquitto_pub is missing (the rest passed)"
now=$(date +%s%3N)
cpub() { mosquitto_pub -h 127.0.0.1 -p "$central" -r -t "$1" -m "$2"; }
cpub pylontop/fake/status online
cpub pylontop/fake/state "{\"time_ms\":$now,\"seq\":7,\"protocol\":\"lv\",\"voltage\":48.1,\"current\":null,\"modules\":2,\"alarm_list\":[{\"source\":0,\"level\":3,\"module\":1,\"cell\":1,\"name\":\"cell_overvoltage\",\"value\":3.7,\"since_ms\":null}]}"
cpub pylontop/fake/module/m1/state "{\"time_ms\":$now,\"seq\":7,\"id\":1,\"barcode\":\"FAKE1\",\"voltage\":null,\"current\":1.5,\"cells\":3,\"cells_age\":0.5,\"cell_voltages\":[3.301,null,1e300]}"
"$PYLONTOP" -d "mqtt://127.0.0.1:$central/pylontop/fake" --once -f json >"$T/fake.json" 2>"$T/fake.err" ||
	fail "--once on a hand-made set: $(cat "$T/fake.err")"
jq -e '(.modules | length) == 1 and .modules[0].id == 1 and .modules[0].barcode == "FAKE1" and
	.modules[0].voltage == null and .modules[0].current == 1.5 and .modules[0].cells_age_s == 0.5 and
	[.modules[0].cells[].voltage] == [3.301, null, null] and .stack.voltage == 48.1 and
	([.alarms[] | select(.source == "bms" and .name == "cell_overvoltage" and .module == 1 and .cell == 2)] | length) == 1 and
	([.alarms[] | select(.source == "threshold")] | length) == 0' \
	"$T/fake.json" >/dev/null || fail "hand-made set not shown as published: $(cat "$T/fake.json")"
note "a missing module stays missing, null stays null, BMS alarms come across"
exit 0
