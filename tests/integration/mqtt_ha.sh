#!/bin/bash
# mqtt_ha.sh — what Home Assistant gets beyond the measured values, with a
# real mosquitto and the simulator's truth (issues 13, 15, 17):
#   1. device mode: the records (BMS SOH, CYCLE Times, clock offset) and the
#      weakest cell (by resistance, --weak-cell 1:5:2:1) as diagnostic
#      entities equal to the truth; a first look at the BMS log sends no
#      entry (its past is no news);
#   2. HA_DISCOVERY_MODE=entity after it: the device configs are cleared,
#      one config per entity with the same unique_ids, valid for HA; the
#      energy totals continue from the state file, the 8 s pylontop was
#      down are not counted, charged/discharged energy equals the
#      integral of the truth's V x I per module; the log is not sent again;
#   3. device mode again, on a simulator whose log is new: the entity
#      configs are cleared, the same unique_ids; every new log entry is
#      sent once, equal to the truth;
#   4. a damaged state file: one warning line, kept as .bad, totals from 0.
PT_TEST_TIMEOUT=360
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
grep -q '^#define HAVE_MQTT 1' "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without MQTT"
VALIDATE="$top_builddir/tests/tools/ha_validate"
MOSQ=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
[ -x "$MOSQ" ] || skip "mosquitto is missing (scripts/setup installs it)"
for t in mosquitto_sub mosquitto_pub jq; do
	command -v $t >/dev/null || skip "$t is missing (scripts/setup installs it)"
done
[ -x "$VALIDATE" ] || fail "no $VALIDATE (make check builds it)"

# wait_for counts 0.1 s turns, and a mosquitto_sub -W 1 takes a second
# each: bound these waits by the clock instead.
wait_s() {	# SECONDS CMD...
	_end=$(( $(date +%s) + $1 )); shift
	while [ "$(date +%s)" -lt "$_end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

chmod 755 "$T"
port=$(free_port) || fail "no free port"
{ echo "listener $port 127.0.0.1"; echo "persistence false"; echo "allow_anonymous true"; } >"$T/broker.conf"
bg_start broker "$MOSQ" -c "$T/broker.conf"
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || fail "broker did not start"
retained() { mosquitto_sub -h 127.0.0.1 -p "$port" -v --retained-only -W 2 "$@" 2>/dev/null; true; }
ours='homeassistant/[a-z_]*/(pylontop_rackm|pylontech_[a-z0-9]*)(/[a-z0-9_]*)?/config'
device_configs() { retained -t 'homeassistant/device/+/config' | grep -Ec "^homeassistant/device/(pylontop_rackm|pylontech_[a-z0-9]*)/config \{"; }
entity_configs() { retained -t 'homeassistant/+/+/+/config' | grep -Ec "^homeassistant/[a-z_]+/(pylontop_rackm|pylontech_[a-z0-9]*)/[a-z0-9_]+/config \{"; }
uids() {	# the sorted unique_ids of our retained configs
	retained -t 'homeassistant/#' | grep -E "^$ours \{" | sed 's/^[^ ]* //' |
		jq -r '(.components // {"x": .}) | .[] | .unique_id' | sort
}

SIM="--protocol lv --modules 2 --cells 15 --profile steps --time-scale 12 --soc 50 --seed 5 --log-entries 8 --weak-cell 1:5:2:1"
# shellcheck disable=SC2086
sim_start a $SIM --bms-clock-offset 120 --state "$T/a.json"; DEV=$SIM_DEV
# The truth, sampled: time, and per module barcode, V and I.
truth_poll() {	# FILE OUT
	while :; do
		jq -c '{t: .time_ms, m: [.modules[] | {b: (.barcode | ascii_downcase), p: (.voltage * .current)}]}' \
			"$1" 2>/dev/null
		sleep 0.3
	done >>"$2"
}
bg_start poll-a truth_poll "$T/a.json" "$T/truth.jsonl"
bg_start sub mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'pylontop/rackm/#'
SUB="$T/sub.log"

conf() {	# MODE: a config file
	printf 'DEVICE_UNIQUE_ID=rackm\nMQTT_STATE_FILE=%s\nHA_DISCOVERY_MODE=%s\nMQTT_RETAIN=true\nHEALTH_MIN_STEPS=3\nHEALTH_MIN_SAMPLES=5\n' \
		"$T/mqtt-state.json" "$1" >"$T/$1.conf"
}
conf device; conf entity
pt_start() {	# LOG MODE DEV: pylontop --headless; pid in $pt
	"$PYLONTOP" -c "$T/$2.conf" -d "$3" --headless -i 0.5 --mqtt "mqtt://127.0.0.1:$port" \
		2>"$T/$1" >/dev/null &
	pt=$!; PT_PIDS="$PT_PIDS $pt"
}
pt_stop() {
	kill -TERM "$pt"; wait "$pt" || fail "pylontop did not exit cleanly: $(tail -3 "$T/$1")"
}
b1=$(jq -r '.modules[0].barcode | ascii_downcase' "$T/a.json")
b2=$(jq -r '.modules[1].barcode | ascii_downcase' "$T/a.json")
diag() {	# BARCODE: the newest retained diagnostics of that module
	retained -t "pylontop/rackm/module/pylontech_$1/diag" | sed 's/^[^ ]* //'
}

# --- 1. device mode: records and health diagnostics equal to the truth ------
pt_start pt1.log device "$DEV"
wait_s 30 sh -c "[ \$(mosquitto_sub -h 127.0.0.1 -p $port -t 'homeassistant/device/+/config' --retained-only -W 1 2>/dev/null | grep -c components) -eq 3 ]" ||
	fail "no 3 device configs in device mode: $(tail -3 "$T/pt1.log")"
wait_s 40 sh -c "mosquitto_sub -h 127.0.0.1 -p $port -t pylontop/rackm/module/pylontech_$b1/diag --retained-only -W 1 2>/dev/null | grep -q '\"bms_cycles\":[0-9]'" ||
	fail "no records in the diagnostics: $(diag "$b1")"
for i in 0 1; do
	b=$(jq -r ".modules[$i].barcode | ascii_downcase" "$T/a.json")
	diag "$b" | jq -e --slurpfile t "$T/a.json" --argjson i $i '
		. as $d | $t[0].modules[$i].records as $r |
		$d.bms_soh == $r.soh_pct and $d.bms_cycles == $r.cycles and
		(if $i == 0 then ($d.bms_clock_offset - 120 | fabs) <= 2
		 else $d.bms_clock_offset == null end)' >/dev/null ||
		fail "module $((i + 1)) diagnostics differ from the truth: $(diag "$b") vs $(jq -c ".modules[$i].records" "$T/a.json")"
done
note "records: SOH, cycles of both modules and module 1's clock offset (120 s) equal the truth"
# The weakest cell, by the resistance the simulator gives each cell.
wait_s 120 sh -c "mosquitto_sub -h 127.0.0.1 -p $port -t pylontop/rackm/module/pylontech_$b1/diag --retained-only -W 1 2>/dev/null | grep -q '\"weakest_cell\":[0-9]'" ||
	fail "no weakest cell after 120 s: $(diag "$b1")"
diag "$b1" | jq -e --slurpfile t "$T/a.json" '
	. as $d | [$t[0].modules[0].cells[].r_mohm] as $r |
	($r | sort | .[(length / 2 | floor)]) as $med |
	$d.weakest_cell == 5 and (($d.weakest_cell_ir_ratio - $r[4] / $med) / ($r[4] / $med) | fabs) <= 0.15 and
	($d.weakest_cell_load_deviation == null or ($d.weakest_cell_load_deviation | type) == "number")' >/dev/null ||
	fail "weakest cell of module 1 is not cell 5 at its resistance ratio: $(diag "$b1") vs $(jq -c '[.modules[0].cells[].r_mohm]' "$T/a.json")"
note "health: module 1's weakest cell is 5, ratio $(diag "$b1" | jq .weakest_cell_ir_ratio) (truth 2x)"
[ "$(grep -c '/event ' "$SUB")" -eq 0 ] || fail "the first look at the log sent entries: $(grep '/event ' "$SUB" | head -3)"
uids >"$T/uids-device.txt"
n=$(wc -l <"$T/uids-device.txt")
[ "$n" -gt 100 ] || fail "only $n unique_ids in device mode"
grep -qx "pylontech_${b1}_energy_charged" "$T/uids-device.txt" || fail "no energy entity"
grep -qx "pylontech_${b2}_bms_cycles" "$T/uids-device.txt" || fail "no cycles entity"
# Stop just after the load stepped to a current (held 10 s): the 8 s down
# then carry energy that must not be counted.
cur() { jq -r '.modules[0].current | if . < 0 then -. else . end | floor' "$T/a.json" 2>/dev/null; }
c0=$(cur)
stepped() { c=$(cur); [ -n "$c" ] && [ "$c" != "$c0" ] && [ "$c" -ge 5 ]; }
wait_s 40 stepped ||
	note "no load step seen; the down time may carry no energy"
pt_stop pt1.log
stopped_ms=$(date +%s%3N)
sleep 8		# not counted: pylontop is down

# --- 2. entity mode: configs switched, same ids; energy against the truth ----
saved=$(jq -c --arg b "pylontech_$b1" '.energy.modules[$b]' "$T/mqtt-state.json")
[ "$saved" != null ] || fail "no energy totals of module 1 saved: $(cat "$T/mqtt-state.json")"
: >"$SUB.2"; start_line=$(wc -l <"$SUB")
pt_start pt2.log entity "$DEV"
wait_s 30 sh -c "[ \$(mosquitto_sub -h 127.0.0.1 -p $port -t 'homeassistant/device/+/config' --retained-only -W 1 2>/dev/null | grep -c components) -eq 0 ]" ||
	fail "device configs not cleared in entity mode: $(device_configs)"
wait_s 30 sh -c "[ \$(mosquitto_sub -h 127.0.0.1 -p $port -t 'homeassistant/+/+/+/config' --retained-only -W 1 2>/dev/null | grep -c unique_id) -eq $n ]" ||
	fail "want $n entity configs, got $(entity_configs)"
uids >"$T/uids-entity.txt"
diff "$T/uids-device.txt" "$T/uids-entity.txt" >"$T/uids.diff" || fail "unique_ids differ between modes: $(head "$T/uids.diff")"
retained -t 'homeassistant/#' -t 'pylontop/#' | grep -v '/event ' >"$T/disc2.txt"
"$VALIDATE" -s homeassistant <"$T/disc2.txt" >"$T/validate2.txt" || fail "validator (entity mode): $(tail -5 "$T/validate2.txt")"
grep -q "^homeassistant/sensor/pylontech_$b1/energy_charged/config {" "$T/disc2.txt" || fail "no per-entity topic for energy"
note "entity mode: $n entity configs, device configs cleared, unique_ids equal; $(tail -1 "$T/validate2.txt")"

# Energy: the first totals after the restart are the saved ones (the 8 s
# down are not in them), then they follow the truth's integral.
sleep 40
tail -n +"$((start_line + 1))" "$SUB" | grep "^pylontop/rackm/module/pylontech_$b1/energy " |
	sed 's/^[^ ]* //' | jq -c 'select(.time_ms != null)' >"$T/e1.jsonl"
[ "$(wc -l <"$T/e1.jsonl")" -ge 20 ] || fail "too few energy messages: $(wc -l <"$T/e1.jsonl")"
first=$(head -1 "$T/e1.jsonl"); last=$(tail -1 "$T/e1.jsonl")
jq -s -e --argjson s "$saved" --argjson stop "$stopped_ms" --arg b "$b1" '
	.[0] as $f |
	# between the stop and the first total: only what the truth gives from
	# pylontop'"'"'s restart (8 s later) on, never the 8 s before.
	([.[1:][] | select(.t > $stop + 8000 and .t <= $f.time_ms) | .m[] | select(.b == $b) | .p | fabs] |
	  (if length > 0 then max else 0 end)) as $pmax |
	((($f.charged - $s.charged_kwh) + ($f.discharged - $s.discharged_kwh)) * 3600000) as $j |
	# 360 J: each total is published to 0.1 Wh (180 J either way)
	$j >= -360 and $j <= 360 + $pmax * (($f.time_ms - $stop - 8000) / 1000 + 1)' \
	<(echo "$first") "$T/truth.jsonl" >/dev/null ||
	fail "totals after the restart do not continue the saved ones without the down time: saved $saved, first $first"
# The simulator answers nobody while pylontop is down: the level it held
# at the stop (a step just began, held 10 s) tells what the 8 s carried.
down_j=$(jq -s --argjson stop "$stopped_ms" --arg b "$b1" '[.[] | select(.t <= $stop) |
	.m[] | select(.b == $b) | .p | fabs] | if length > 0 then .[-1] * 8 | floor else 0 end' "$T/truth.jsonl")
[ "$down_j" -gt 1000 ] || note "the 8 s down carried little energy ($down_j J): a weak check this time"
note "restart: totals continue from the saved ones; the ~$down_j J of the 8 s down are not counted"
# The truth's V x I of module 1, integrated (trapezoid) from the first to
# the last message, split by sign, against the change of the totals.
jq -s -e --argjson f "$first" --argjson l "$last" --arg b "$b1" '
	[.[] | select(.t >= $f.time_ms and .t <= $l.time_ms) | {t, p: (.m[] | select(.b == $b) | .p)}] |
	sort_by(.t) as $pts |
	[range(1; $pts | length) | ($pts[. - 1]) as $a | ($pts[.]) as $z |
	  (($z.t - $a.t) / 3600000000) as $h |
	  {c: ((($a.p | if . > 0 then . else 0 end) + ($z.p | if . > 0 then . else 0 end)) / 2 * $h),
	   d: ((($a.p | if . < 0 then -. else 0 end) + ($z.p | if . < 0 then -. else 0 end)) / 2 * $h)}] as $parts |
	([$parts[].c] | add) as $tc | ([$parts[].d] | add) as $td |
	($l.charged - $f.charged) as $gc | ($l.discharged - $f.discharged) as $gd |
	def near(a; b): ((a - b) | fabs) <= 0.0006 + 0.1 * b;
	($tc + $td) > 0.002 and near($gc; $tc) and near($gd; $td) |
	if . then . else ({truth: [$tc, $td], got: [$gc, $gd]} | tostring | halt_error) end' \
	"$T/truth.jsonl" 2>"$T/energy.err" >/dev/null ||
	fail "energy of module 1 differs from the truth: $(cat "$T/energy.err")"
note "energy: module 1 charged/discharged over $(( ($(echo "$last" | jq .time_ms) - $(echo "$first" | jq .time_ms)) / 1000 )) s equal the truth's V x I integral"
[ "$(tail -n +"$((start_line + 1))" "$SUB" | grep -c '/event ')" -eq 0 ] ||
	fail "log entries sent again after a restart"
pt_stop pt2.log
# --once -f json: the saved totals, read only.
"$PYLONTOP" -c "$T/entity.conf" -d "$DEV" --once -f json >"$T/once.json" 2>"$T/once.log" ||
	fail "--once: $(cat "$T/once.log")"
jq -e --slurpfile st "$T/mqtt-state.json" --arg b "pylontech_$b1" '
	.energy.modules[$b] == $st[0].energy.modules[$b] and .energy.stack == $st[0].energy.stack and
	.energy.modules[$b].discharged_kwh > 0' "$T/once.json" >/dev/null ||
	fail "--once -f json energy differs from the state file: $(jq -c .energy "$T/once.json")"

# --- 3. device mode again, on a stack whose log is new ----------------------
kill "$(pgrep -f "pylontop-sim --pty $T/a " | head -1)" 2>/dev/null
# shellcheck disable=SC2086
sim_start b $SIM --bms-clock-offset 240 --state "$T/b.json"; DEV=$SIM_DEV
start_line=$(wc -l <"$SUB")
pt_start pt3.log device "$DEV"
wait_s 30 sh -c "[ \$(mosquitto_sub -h 127.0.0.1 -p $port -t 'homeassistant/+/+/+/config' --retained-only -W 1 2>/dev/null | grep -c unique_id) -eq 0 ]" ||
	fail "entity configs not cleared in device mode: $(entity_configs)"
wait_s 30 sh -c "[ \$(mosquitto_sub -h 127.0.0.1 -p $port -t 'homeassistant/device/+/config' --retained-only -W 1 2>/dev/null | grep -c components) -eq 3 ]" ||
	fail "no 3 device configs back: $(device_configs)"
uids >"$T/uids-device2.txt"
diff "$T/uids-device.txt" "$T/uids-device2.txt" >"$T/uids2.diff" || fail "unique_ids changed back in device mode: $(head "$T/uids2.diff")"
wait_s 40 sh -c "tail -n +$((start_line + 1)) '$SUB' | grep -c '/module/pylontech_$b1/event ' | grep -qx 8" ||
	fail "want 8 new log entries of module 1, got $(tail -n +"$((start_line + 1))" "$SUB" | grep -c '/event ')"
sleep 2
tail -n +"$((start_line + 1))" "$SUB" | grep "/module/pylontech_$b1/event " | sed 's/^[^ ]* //' >"$T/events.jsonl"
jq -s -e --slurpfile t "$T/b.json" '
	(map({index, time, module: .source, code, text}) | sort_by(.index)) ==
	($t[0].log | sort_by(.index)) and all(.module == 1)' "$T/events.jsonl" >/dev/null ||
	fail "the log entries sent differ from the truth: $(head -c 600 "$T/events.jsonl") vs $(jq -c .log "$T/b.json" | head -c 600)"
[ "$(tail -n +"$((start_line + 1))" "$SUB" | grep -c '/event ')" -eq 8 ] || fail "an entry was sent twice, or another module's"
note "device mode again: entity configs cleared, same unique_ids; 8 new log entries sent once, equal to the truth"
pt_stop pt3.log

# --- 4. a damaged state file -------------------------------------------------
printf '{"version":1,"energy":{"stack":' >"$T/mqtt-state.json"
start_line=$(wc -l <"$SUB")
pt_start pt4.log device "$DEV"
wait_for 10 grep -q 'damaged' "$T/pt4.log" || fail "no warning on a damaged state file: $(cat "$T/pt4.log")"
[ "$(grep -c 'mqtt-state.json' "$T/pt4.log")" -eq 1 ] || fail "the warning is not one line: $(cat "$T/pt4.log")"
grep -q "moved to $T/mqtt-state.json.bad; energy totals start from 0" "$T/pt4.log" ||
	fail "the warning does not say where the file went: $(cat "$T/pt4.log")"
[ "$(cat "$T/mqtt-state.json.bad")" = '{"version":1,"energy":{"stack":' ] || fail "the damaged file was not kept as it was"
counted() { tail -n +$((start_line + 1)) "$SUB" | grep -q '^pylontop/rackm/energy {.*"time_ms":[0-9]'; }
wait_s 30 counted || fail "no energy published after a damaged state file"
pt_stop pt4.log
jq -e '.version == 1 and .energy.stack.charged_kwh < 0.01' "$T/mqtt-state.json" >/dev/null ||
	fail "after a damaged file, totals did not start from 0: $(cat "$T/mqtt-state.json")"
note "damaged state file: said in one line, kept as .bad, totals from 0"
exit 0
