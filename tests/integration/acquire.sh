#!/bin/bash
# acquire.sh — live acquisition against pylontop-sim: --once over a pty and
# over TCP, headless CSV without gaps, unplug and reconnect, faults, the
# SC0500 tbar guard, a busy port, bad configuration.
PT_TEST_TIMEOUT=170
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing (scripts/setup installs it)"
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"

# --- --once over a pty: the simulator's modules, cells and values ----------
sim_start lv --protocol lv --modules 3 --cells 15 --state "$T/lv.json"; dev=$SIM_DEV
"$PYLONTOP" -d "$dev" --once --format json >"$T/once.json" 2>"$T/once.log" ||
	fail "--once failed: $(cat "$T/once.log")"
jq -e '.protocol == "lv" and (.modules | length) == 3' "$T/once.json" >/dev/null ||
	fail "--once: want 3 LV modules: $(head -c 400 "$T/once.json")"
jq -e '[.modules[].cells | length] == [15, 15, 15]' "$T/once.json" >/dev/null ||
	fail "--once: want 15 cells per module"
# Values equal the simulator's truth (it moves once a second: allow a step).
jq -s -e '
	(.[0].modules | map(.voltage)) as $got |
	(.[1].modules | map(.voltage)) as $want |
	[range(0; 3) | (($got[.] - $want[.]) | fabs) < 0.05] | all' \
	"$T/once.json" "$T/lv.json" >/dev/null ||
	fail "--once: module voltages differ from the simulator's: $(jq -c '[.modules[].voltage]' "$T/once.json") vs $(jq -c '[.modules[].voltage]' "$T/lv.json")"
jq -s -e '
	(.[0].modules[0].cells | map(.voltage)) as $got |
	(.[1].modules[0].cells | map(.voltage)) as $want |
	[range(0; 15) | (($got[.] - $want[.]) | fabs) < 0.02] | all' \
	"$T/once.json" "$T/lv.json" >/dev/null ||
	fail "--once: cell voltages differ from the simulator's"
note "once over pty: ok"

# --- a second instance on the same port: "busy", naming the holder --------
"$PYLONTOP" -d "$dev" --headless -i 1 2>"$T/first.log" &
first=$!; PT_PIDS="$PT_PIDS $first"
wait_for 10 grep -q "found" "$T/first.log" || fail "first instance did not start: $(cat "$T/first.log")"
"$PYLONTOP" -d "$dev" --once >"$T/second.out" 2>"$T/second.log"
rc=$?
[ "$rc" -eq 1 ] || fail "second instance: exit $rc, want 1"
grep -qi "busy" "$T/second.log" || fail "second instance: no 'busy': $(cat "$T/second.log")"
grep -q "$first" "$T/second.log" || fail "second instance: holder PID $first not named: $(cat "$T/second.log")"
kill "$first"; wait "$first" 2>/dev/null
note "busy port: ok"

# --- headless CSV for ~10 s: one row per sample, no gaps -------------------
"$PYLONTOP" -d "$dev" --headless -i 1 --csv "$T/run.csv" 2>"$T/headless.log" &
p=$!; PT_PIDS="$PT_PIDS $p"
sleep 11
kill -TERM "$p"; wait "$p"; rc=$?
[ "$rc" -eq 0 ] || fail "headless: exit $rc after SIGTERM"
rows=$(($(wc -l <"$T/run.csv") - 1))
[ "$rows" -ge 8 ] && [ "$rows" -le 12 ] || fail "headless: $rows rows in 11 s at 1 s"
head -1 "$T/run.csv" | grep -q '^time,seq,protocol,stack_voltage_V' || fail "CSV header: $(head -1 "$T/run.csv")"
head -1 "$T/run.csv" | grep -q 'm03_c15_V' || fail "CSV header lacks the cells"
# seq counts up by one; times are at most 2 s apart.
awk -F, 'NR > 2 { if ($2 != prev + 1) { print "seq jump at line " NR; exit 1 } }
	NR > 1 { prev = $2 }' "$T/run.csv" || fail "headless: a sample is missing"
note "headless csv: $rows rows, ok"

# --- TCP link -----------------------------------------------------------
sim_tcp_start tcp --protocol hv --modules 5 --cells 15; port=$SIM_PORT
"$PYLONTOP" -d "tcp://127.0.0.1:$port" --once --format json >"$T/tcp.json" 2>"$T/tcp.log" ||
	fail "--once over TCP: $(cat "$T/tcp.log")"
jq -e '.protocol == "hv" and (.modules | length) == 5 and ([.modules[].cells | length] | add) == 75' \
	"$T/tcp.json" >/dev/null || fail "HV over TCP: want 5 modules, 75 cells: $(head -c 300 "$T/tcp.json")"
jq -e '.stack.voltage > 100' "$T/tcp.json" >/dev/null || fail "HV stack voltage missing"
note "tcp hv: ok"

# --- a field added by one row of the field table: state of energy ----------
# (HV `unit` CoulombWH %, per module.)  At rest the simulator's values hold
# still, so JSON, CSV and the text must equal its truth, by module id.
sim_start soe --protocol hv --modules 3 --cells 15 --profile rest --soc 80 \
	--state "$T/soe.json"; dev=$SIM_DEV
"$PYLONTOP" -d "$dev" --once --format json >"$T/soe-once.json" 2>"$T/soe.log" ||
	fail "--once (state of energy): $(cat "$T/soe.log")"
jq -s -e '(.[1].modules | map({key: (.id | tostring), value: .energy_soc}) | from_entries)
	as $want | (.[0].modules | length) == 3 and
	([.[0].modules[] | (.energy_soc | type) == "number" and
	  .energy_soc == $want[.id | tostring] and .energy_soc != .soc] | all)' \
	"$T/soe-once.json" "$T/soe.json" >/dev/null ||
	fail "energy_soc differs from the simulator's: $(jq -c '[.modules[] | {id, energy_soc, soc}]' \
	"$T/soe-once.json") vs $(jq -c '[.modules[] | {id, energy_soc}]' "$T/soe.json")"
"$PYLONTOP" -d "$dev" --once --format csv >"$T/soe.csv" 2>"$T/soe.log" ||
	fail "--once csv: $(cat "$T/soe.log")"
want=$(jq -r '.modules[] | select(.id == 2) | .energy_soc' "$T/soe.json")
got=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "m02_energy_soc_pct") c = i }
	NR == 2 && c { print $c }' "$T/soe.csv")
[ "$want" -ge 0 ] 2>/dev/null && [ "$got" = "$want" ] || fail "CSV m02_energy_soc_pct '$got', want '$want'"
"$PYLONTOP" -d "$dev" --once >"$T/soe.txt" 2>"$T/soe.log" || fail "--once text: $(cat "$T/soe.log")"
# Module table: id, volt, curr, temp, SOC%, cmin, cmax, cycles, SOE%, ...
awk -v want="$want" '/ SOE% / { c = 9; next }
	c && $1 == 2 { found = ($c == want); exit } END { exit !found }' "$T/soe.txt" ||
	fail "text: module 2 SOE% is not $want: $(cat "$T/soe.txt")"
note "state of energy (JSON, CSV, text) equals the truth: ok"

# --- SC0500: tbar refused with a wrong barcode, accepted with the right one -
sim_start sc --protocol sc0500 --modules 5 --cells 15 --barcode PPTBH0240012345 --state "$T/sc.json"; dev=$SIM_DEV
"$PYLONTOP" -d "$dev" -p sc0500 --barcode PPTBH0249999999 --once >"$T/sc.out" 2>"$T/sc.log"
rc=$?
[ "$rc" -eq 1 ] || fail "wrong barcode: exit $rc, want 1"
grep -q "refusing tbar" "$T/sc.log" || fail "wrong barcode: message: $(cat "$T/sc.log")"
sleep 1.2
jq -e '.tbar_count == 0' "$T/sc.json" >/dev/null || fail "tbar was sent with a wrong barcode"
"$PYLONTOP" -d "$dev" -p sc0500 --barcode PPTBH0240012345 --once --format json >"$T/sc.out" 2>"$T/sc.log" ||
	fail "right barcode: $(cat "$T/sc.log")"
jq -e '[.modules[].cells | length] | add == 75' "$T/sc.out" >/dev/null ||
	fail "getpwr: want 75 cells: $(head -c 300 "$T/sc.out")"
note "sc0500 tbar guard: ok"

# --- unplug: reported, reconnected, CSV resumes with the gap visible --------
sim_start unplug --protocol lv --modules 2 --cells 15 --fault unplug:4:4; dev=$SIM_DEV
"$PYLONTOP" -d "$dev" --headless -i 1 --csv "$T/unplug.csv" 2>"$T/unplug.log" &
p=$!; PT_PIDS="$PT_PIDS $p"
wait_for 30 grep -q "retrying" "$T/unplug.log" || fail "unplug not reported: $(cat "$T/unplug.log")"
n1=$(wc -l <"$T/unplug.csv")
wait_for 40 sh -c "[ \$(wc -l <'$T/unplug.csv') -gt $((n1 + 2)) ]" ||
	fail "no rows after the pty came back: $(tail -5 "$T/unplug.log")"
kill -TERM "$p"; wait "$p"
grep -q "reconnects" "$T/unplug.log" || fail "no summary line"
# The gap: two consecutive rows more than 3 s apart.
awk -F, 'NR > 1 { split($1, a, /[T:Z]/); t = a[2] * 3600 + a[3] * 60 + a[4];
	if (NR > 2 && t - prev >= 3) gap = 1; prev = t } END { exit !gap }' "$T/unplug.csv" ||
	fail "no visible gap in the CSV"
note "unplug: ok"

# --- faults: garbage, truncated answers, silence: no crash, counted ---------
for fault in garbage truncate silence:3; do
	name=$(echo "$fault" | tr -c 'a-z\n' '_')
	sim_start "f$name" --protocol lv --modules 2 --cells 15 --fault "$fault" --fault-every 5; dev=$SIM_DEV
	"$PYLONTOP" -d "$dev" --headless -i 0.5 2>"$T/f$name.log" &
	p=$!; PT_PIDS="$PT_PIDS $p"
	# Each lost answer costs the 3 s inactivity timeout: give it time.
	sleep 14
	kill -0 "$p" 2>/dev/null || fail "$fault: pylontop died: $(tail -5 "$T/f$name.log")"
	kill -TERM "$p"; wait "$p"; rc=$?
	[ "$rc" -eq 0 ] || fail "$fault: exit $rc"
	line=$(grep -E "samples?; errors" "$T/f$name.log") || fail "$fault: no summary"
	echo "$line" | grep -Eq '^pylontop: [1-9][0-9]* samples?;' || fail "$fault: no sample at all: $line"
	echo "$line" | grep -Eq ' [1-9][0-9]* (timeouts|unreadable)' || fail "$fault: errors not counted: $line"
	note "fault $fault: $line"
done

# --- bad configuration: exit 2, naming the key and the line ---------------
printf 'SERIAL_PORT=%s\nINTERVAL=often\n' "$dev" >"$T/bad.env"
"$PYLONTOP" -c "$T/bad.env" --once >/dev/null 2>"$T/bad.log"; rc=$?
[ "$rc" -eq 2 ] || fail "bad config: exit $rc"
grep -q "bad.env:2: INTERVAL: 'often'" "$T/bad.log" || fail "bad config message: $(cat "$T/bad.log")"
for opt in "--interval 0" "--baud fast" "--protocol modbus" "--format xml" "--count -1" \
    "--mqtt http://x" "--eol nl"; do
	# shellcheck disable=SC2086
	"$PYLONTOP" -d "$dev" $opt --once >/dev/null 2>"$T/opt.log"; rc=$?
	[ "$rc" -eq 2 ] || fail "$opt: exit $rc, want 2"
	[ "$(wc -l <"$T/opt.log")" -eq 1 ] || fail "$opt: want one line: $(cat "$T/opt.log")"
done
"$PYLONTOP" -d /dev/nonexistent-pylontop --once 2>"$T/nodev.log"; rc=$?
[ "$rc" -eq 1 ] || fail "missing device: exit $rc"
grep -q "/dev/nonexistent-pylontop" "$T/nodev.log" || fail "missing device message: $(cat "$T/nodev.log")"
note "bad input: ok"
exit 0
