#!/bin/bash
# alarms.sh — alarms end to end (issue 9.16): pylontop-sim's BMS-side
# faults (a cell drifting up, one drifting down, an over-temperature
# module, a module whose BMS reports protection) on the LV console and on
# RS485 (Pylontech and PACE); `pylontop --once` and a short `--headless`
# run, both --format json, raise the threshold alarms on the module and
# cell the simulator's --state file names (matched by barcode, not by
# position), the over-temperature alarm on its module and the BMS
# protection alarm on its module, and nothing on the others; with no
# fault there is no alarm.  Then batfail:M fails only module M's cells
# (counted by pylontop; the other modules equal the truth) and packdead:M
# silences only pack M.
PT_TEST_TIMEOUT=240
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing"
[ -x "$PYLONTOP" ] && [ -x "$PYLONTOP_SIM" ] || skip "pylontop or pylontop-sim not built"
export PYLONTOP_RS485_GAP_MS=20

# The faults, by the simulator's module numbers (1-based, cells 1-based).
UP_M=2 UP_C=5 DOWN_M=1 DOWN_C=3 HOT_M=3 HOT_C=60 PROT_M=1
FAULTS="--fault drift:$UP_M:$UP_C:200 --fault drift:$DOWN_M:$DOWN_C:-200
	--fault overtemp:$HOT_M:$HOT_C --fault protect:$PROT_M"

# pylontop's id of the module the state file lists as number $2 (1-based),
# by barcode (RS485 Pylontech ids are addresses, 2..).  PACE gives only
# the master's barcode (0xC2); its other packs are known by their pack
# number, which is the simulator's module number, and show no barcode.
pt_id() {
	jq -r --slurpfile st "$3" --argjson m "$2" \
		'($st[0].modules[$m - 1].barcode) as $b | [.modules[] | select(.barcode == $b) | .id] |
		 if length == 1 then .[0] else "none" end' "$1" |
	if [ -n "${PACE:-}" ]; then
		read -r id
		[ "$id" = none ] && id=$(jq -r --argjson m "$2" '[.modules[] | select(.id == $m and
			.barcode == null)] | if length == 1 then $m else "none" end' "$1")
		echo "$id"
	else
		cat
	fi
}

# check_alarms NAME SAMPLE_JSON STATE_JSON: the sample (one JSON object)
# has exactly the alarms the faults in the state file call for.
check_alarms() {
	_n=$1 _s=$2 _st=$3
	up=$(pt_id "$_s" "$UP_M" "$_st"); down=$(pt_id "$_s" "$DOWN_M" "$_st")
	hot=$(pt_id "$_s" "$HOT_M" "$_st"); prot=$(pt_id "$_s" "$PROT_M" "$_st")
	for v in "$up" "$down" "$hot" "$prot"; do
		[ "$v" != none ] || fail "$_n: a faulted module's barcode is not shown once: $(jq -c \
			'[.modules[] | {id, barcode}]' "$_s")"
	done
	# The truth: which cell drifts, and it is past the limits by now.
	jq -e --argjson u "$UP_M" --argjson uc "$UP_C" --argjson d "$DOWN_M" --argjson dc "$DOWN_C" \
		'.modules[$u - 1].drift.cell == $uc and .modules[$u - 1].drift.voltage > 3.65 and
		 .modules[$d - 1].drift.cell == $dc and .modules[$d - 1].drift.voltage < 2.85 and
		 .modules[ '"$HOT_M"' - 1].overtemp and .modules['"$PROT_M"' - 1].protect' "$_st" \
		>/dev/null || fail "$_n: the state file does not show the faults: $(jq -c \
			'[.modules[] | {id, drift, overtemp, protect}]' "$_st")"
	thr='[.alarms[] | select(.source == "threshold")]'
	jq -e --argjson id "$up" --argjson c "$UP_C" "$thr"' | any(.name == "cell_voltage_high" and
		.module == $id and .cell == $c and .value >= 3.60)' "$_s" >/dev/null ||
		fail "$_n: no cell_voltage_high on module $up cell $UP_C: $(jq -c .alarms "$_s")"
	jq -e --argjson id "$down" --argjson c "$DOWN_C" "$thr"' | any(.name == "cell_voltage_low" and
		.module == $id and .cell == $c and .value <= 2.90)' "$_s" >/dev/null ||
		fail "$_n: no cell_voltage_low on module $down cell $DOWN_C: $(jq -c .alarms "$_s")"
	jq -e --argjson id "$hot" --argjson t "$HOT_C" "$thr"' | any(.name == "temperature_high" and
		.module == $id and (.value - $t | fabs) <= 3)' "$_s" >/dev/null ||
		fail "$_n: no temperature_high on module $hot: $(jq -c .alarms "$_s")"
	# Only those: cell alarms on the drifting cells, temperature on the
	# hot module, spread where a cell drifts.
	jq -e --argjson u "$up" --argjson uc "$UP_C" --argjson d "$down" --argjson dc "$DOWN_C" \
		--argjson h "$hot" "$thr"' | all(
		(.name == "cell_voltage_high" and .module == $u and .cell == $uc) or
		(.name == "cell_voltage_low" and .module == $d and .cell == $dc) or
		(.name == "temperature_high" and .module == $h) or
		(.name == "cell_spread_high" and (.module == $u or .module == $d)))' "$_s" >/dev/null ||
		fail "$_n: threshold alarms on the wrong module or cell: $(jq -c "$thr" "$_s")"
	# The BMS's own protection report, on its module only.
	jq -e --argjson p "$prot" '[.alarms[] | select(.source == "bms" and .level == "protect")] |
		length >= 1 and all(.module == $p or .module == null)' "$_s" >/dev/null ||
		fail "$_n: no BMS protection alarm on module $prot alone: $(jq -c .alarms "$_s")"
	note "$_n: drift up on $up cell $UP_C, down on $down cell $DOWN_C, hot $hot, protect $prot"
}

# run_case NAME PYLONTOP_ARGS -- SIM_ARGS: --once, then a short headless run.
run_case() {
	_name=$1; shift
	_pt=()
	while [ "$1" != -- ]; do _pt+=("$1"); shift; done
	shift
	sim_start "$_name" "$@" $FAULTS --state "$T/$_name.json"
	# 200 mV/s: 3 s take both drifting cells well past 3.60 V and 2.90 V.
	sleep 3
	"$PYLONTOP" -d "$SIM_DEV" "${_pt[@]}" --once --format json >"$T/$_name-once.json" \
		2>"$T/$_name-once.log" || fail "$_name --once: $(cat "$T/$_name-once.log")"
	check_alarms "$_name --once" "$T/$_name-once.json" "$T/$_name.json"
	"$PYLONTOP" -d "$SIM_DEV" "${_pt[@]}" --headless -n 3 -i 1 --format json \
		>"$T/$_name-hl.json" 2>"$T/$_name-hl.log" || fail "$_name --headless: $(cat "$T/$_name-hl.log")"
	[ "$(wc -l <"$T/$_name-hl.json")" -eq 3 ] || fail "$_name --headless: not 3 samples"
	tail -n 1 "$T/$_name-hl.json" >"$T/$_name-last.json"
	check_alarms "$_name --headless" "$T/$_name-last.json" "$T/$_name.json"
}

# --- no fault, no alarm ------------------------------------------------------
sim_start clean --protocol lv --modules 3 --cells 15 --state "$T/clean.json"
"$PYLONTOP" -d "$SIM_DEV" --headless -n 2 -i 1 --format json >"$T/clean.jsonl" 2>"$T/clean.log" ||
	fail "clean: $(cat "$T/clean.log")"
jq -s -e 'length == 2 and all(.alarms == [])' "$T/clean.jsonl" >/dev/null ||
	fail "clean: alarms without a fault: $(jq -c .alarms "$T/clean.jsonl")"
jq -e '[.modules[] | .answering and .cells_answered and .protect == false and .drift == null] |
	all' "$T/clean.json" >/dev/null || fail "clean: the state file reports a fault"
note "no fault: no alarm"

# --- the faults, per dialect ---------------------------------------------------
run_case lv -- --protocol lv --modules 3 --cells 15
run_case pylontech -p rs485 --dialect pylontech -- --protocol rs485 --dialect pylontech \
	--modules 3 --cells 16
PACE=1 run_case pace -p rs485 --dialect pace -- --protocol rs485 --dialect pace --modules 3 \
	--cells 16

# --- batfail:2 fails module 2's cells only ------------------------------------
# cells_equal SAMPLE STATE MODULE: the sample's cells of the state file's
# module (by barcode; PACE packs other than the master by pack number) are
# the truth's, to the simulator's once-a-second step.
cells_equal() {
	jq -e --slurpfile st "$2" --argjson m "$3" --arg pace "${PACE:-}" \
		'($st[0].modules[$m - 1]) as $w |
		[.modules[] | select(.barcode == $w.barcode or
		 ($pace != "" and .barcode == null and .id == $m))] | length == 1 and
		(.[0].cells | length) == ($w.cells | length) and
		([range(0; $w.cells | length) as $i | .[0].cells[$i].voltage as $v |
		  $v != null and (($v - $w.cells[$i].voltage) | fabs) < 0.02] | all)' "$1" >/dev/null
}
# RS485 with PACE: its packs are found by 0x90, so pack 2 stays polled.
# (Pylontech packs are found by probing 0x42 at ADR 2, 3, ...: a pack
# whose 0x42 is never answered ends the search there, packs after it
# included - pylontop's reaction, not this simulator's.)
for proto in lv pace; do
	if [ $proto = lv ]; then
		sim_start "bf-$proto" --protocol lv --modules 3 --cells 15 --fault batfail:2 \
			--state "$T/bf-$proto.json"
		pt=()
	else
		sim_start "bf-$proto" --protocol rs485 --dialect pace --modules 3 --cells 16 \
			--fault batfail:2 --state "$T/bf-$proto.json"
		pt=(-p rs485 --dialect pace)
		PACE=1
	fi
	"$PYLONTOP" -d "$SIM_DEV" "${pt[@]}" --headless -n 3 -i 1 --format json \
		>"$T/bf-$proto.jsonl" 2>"$T/bf-$proto.log" || fail "batfail $proto: $(cat "$T/bf-$proto.log")"
	jq -e '[.modules[] | .cells_answered] == [true, false, true]' "$T/bf-$proto.json" >/dev/null ||
		fail "batfail $proto: state file: $(jq -c '[.modules[] | .cells_answered]' "$T/bf-$proto.json")"
	tail -n 1 "$T/bf-$proto.jsonl" >"$T/bf-$proto-last.json"
	for m in 1 3; do
		cells_equal "$T/bf-$proto-last.json" "$T/bf-$proto.json" $m ||
			fail "batfail $proto: module $m's cells are not the truth: $(jq -c \
				'[.modules[] | {id, barcode, c: [.cells[].voltage][0:4]}]' "$T/bf-$proto-last.json")"
	done
	! cells_equal "$T/bf-$proto-last.json" "$T/bf-$proto.json" 2 ||
		fail "batfail $proto: module 2's cells were read"
	# Every cell read of module 2 failed and was counted: LV 'Command
	# failed' (refused), RS485 no reply (timeout); nothing else failed.
	line=$(grep "samples; errors" "$T/bf-$proto.log") || fail "batfail $proto: no summary"
	if [ $proto = lv ]; then
		echo "$line" | grep -Eq ' 0 timeouts, 0 unreadable answers, 0 checksum, [1-9][0-9]* refused' ||
			fail "batfail $proto: $line"
	else
		echo "$line" | grep -Eq ' [1-9][0-9]* timeouts, 0 unreadable answers, 0 checksum, 0 refused' ||
			fail "batfail $proto: $line"
	fi
	note "batfail:2 $proto: modules 1 and 3 equal the truth, 2 never read; $line"
done
PACE=

# --- packdead:3 after 2 s: pack 3 (address 4) stops answering -----------------
sim_start pd --protocol rs485 --dialect pylontech --modules 3 --cells 16 --fault packdead:3:2 \
	--state "$T/pd.json"
"$PYLONTOP" -d "$SIM_DEV" -p rs485 --dialect pylontech --once --format json >"$T/pd-once.json" \
	2>"$T/pd-once.log" || fail "packdead: $(cat "$T/pd-once.log")"
jq -e '.modules | length == 3' "$T/pd-once.json" >/dev/null ||
	fail "packdead: before AFTER all 3 packs answer: $(jq -c '[.modules[].id]' "$T/pd-once.json")"
sleep 2.5
"$PYLONTOP" -d "$SIM_DEV" -p rs485 --dialect pylontech --headless -n 2 -i 1 --format json \
	>"$T/pd.jsonl" 2>"$T/pd.log" || fail "packdead: $(cat "$T/pd.log")"
jq -e '[.modules[] | .answering] == [true, true, false]' "$T/pd.json" >/dev/null ||
	fail "packdead: state file: $(jq -c '[.modules[] | .answering]' "$T/pd.json")"
tail -n 1 "$T/pd.jsonl" >"$T/pd-last.json"
jq -e '[.modules[].id] == [2, 3]' "$T/pd-last.json" >/dev/null ||
	fail "packdead: after AFTER packs $(jq -c '[.modules[].id]' "$T/pd-last.json"), not [2,3]"
for m in 1 2; do
	cells_equal "$T/pd-last.json" "$T/pd.json" $m || fail "packdead: pack $m is not the truth"
done

sim_start pdlv --protocol lv --modules 3 --cells 15 --fault packdead:2
"$PYLONTOP" -d "$SIM_DEV" --once --format json >"$T/pdlv.json" 2>"$T/pdlv.log" ||
	fail "packdead lv: $(cat "$T/pdlv.log")"
jq -e '[.modules[].id] == [1, 3]' "$T/pdlv.json" >/dev/null ||
	fail "packdead lv: modules $(jq -c '[.modules[].id]' "$T/pdlv.json"), not [1,3]"
note "packdead: RS485 pack 3 silent after 2 s, LV module 2 Absent"
exit 0
