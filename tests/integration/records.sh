#!/bin/bash
# records.sh — the BMS's own records end to end (issue 13): against the
# simulator as an LV stack of 16, an HV controller with 5 BMUs and a Pytes
# LV stack (PYTES> prompt), `pylontop --records -f json` gives every
# lifetime counter (an unknown label kept too), every per-cell SOH count,
# every event-log entry across the pager and every identity equal to the
# simulator's truth file, the BMS clock offset equal to the configured one
# (within 2 s), and the simulator received no command outside pylontop's
# read-only table.
PT_TEST_TIMEOUT=120
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing (scripts/setup installs it)"
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"

# check NAME JQ-EXPR WHAT: the expression over [records, truth] is true.
check() {
	jq -s -e "$2" "$T/$1.out" "$T/$1.json" >/dev/null ||
		fail "$1: $3
records: $(head -c 1500 "$T/$1.out")
truth:   $(head -c 1500 "$T/$1.json")"
}

# The counters of a records unit equal a truth counter set.
COUNTERS='def same($u; $t):
	$u.stat.cycles == $t.cycles and $u.stat.charge_times == $t.charge_times and
	$u.stat.coc == $t.coc and $u.stat.doc == $t.doc and $u.stat.sc == $t.sc and
	$u.stat.bov == $t.bov and $u.stat.bhv == $t.bhv and $u.stat.blv == $t.blv and
	$u.stat.buv == $t.buv and $u.stat.shutdowns == $t.shutdowns and
	$u.stat.soh_pct == $t.soh_pct and
	# LV: COT+DOT / CUT+DUT; HV: "Bat OT/UT Times" (the sim keys them cot/cut)
	(if $u.kind == "lv_module" then $u.stat.ot == $t.cot + $t.dot and
	   $u.stat.ut == $t.cut + $t.dut
	 else $u.stat.ot == $t.cot and $u.stat.ut == $t.cut end) and
	([$u.stat.all[] | select(.name == "Mystery@1C Cnt") | .num] == [$t.mystery]) and
	([$u.stat.all[] | select(.name == "Reset Times") | .num] == [$t.reset]) and
	([$u.soh.cells[].count] == $t.soh_counts);'

# The log of unit ID equals the truth's, entry by entry, newest first.
LOG='def same_log($u; $t):
	($u.log.truncated | not) and
	([$u.log.events[] | {index: .index, time: .time, module: .module, code: .code,
	   text: .text}] == $t.log);'

run_case() {	# NAME PROTOCOL MODULES OFFSET [SIM ARGS...]
	local name=$1 proto=$2 n=$3 off=$4; shift 4
	sim_start "$name" --protocol "$proto" --modules "$n" --state "$T/$name.json" \
	    --bms-clock-offset "$off" "$@"
	"$PYLONTOP" -d "$SIM_DEV" -p "$proto" --records -f json >"$T/$name.out" \
	    2>"$T/$name.log" || fail "$name: --records failed: $(cat "$T/$name.log")"
	kill "$BG_PID" 2>/dev/null; wait "$BG_PID" 2>/dev/null	# truth file complete
	check "$name" '.[0].complete and .[0].failed == 0' "the round is incomplete or failed"
	check "$name" '.[1].refused_commands == 0 and .[1].commands > 0' \
	    "the simulator saw a command outside the read-only table"
}

# LV 16: every module's counters, SOH counts and identity; the log (60
# entries, 20 pages) and the clock of the console's module (1).
lv_case() {	# NAME OFFSET [SIM ARGS...]
	local name=$1 off=$2; shift 2
	run_case "$name" lv 16 "$off" --log-entries 60 "$@"
	check "$name" "$COUNTERS"'
		(.[1].modules | length) == 16 and
		([.[1].modules[] as $m | (.[0].units[] | select(.id == $m.id)) as $u |
		  same($u; $m.records) and $u.identity.barcode == $m.barcode and
		  $u.identity.address == $m.id and $u.kind == "lv_module"] | length) == 16' \
	    "module counters, SOH counts or barcodes differ from the truth"
	check "$name" "$LOG"'(.[0].units[] | select(.id == 1)) as $u |
		same_log($u; .[1]) and ($u.log.events | length) == 60' \
	    "the event log differs from the truth"
	check "$name" '(.[0].units[] | select(.id == 1).clock.offset_s) as $o |
		($o - .[1].clock_offset_s) | fabs <= 2' "the BMS clock offset is not the configured one"
	note "$name: 16 modules' counters, SOH and identity, 60 log entries, clock offset $off s"
}

lv_case lv16 3723
lv_case pytes -1800 --prompt pytes

# HV 5 BMUs: the controller's counters, SOH of the whole string, log and
# clock; every BMU's barcode (info) and bmuinfo (its PCBA barcode runs
# into the next label); sysinfo kept.
run_case hv5 hv 5 -86400 --log-entries 25
check hv5 "$COUNTERS"'(.[0].units[] | select(.id == 0)) as $u |
	$u.kind == "hv_controller" and same($u; .[1].controller_records)' \
    "the controller's counters or SOH counts differ from the truth"
check hv5 "$LOG"'(.[0].units[] | select(.id == 0)) as $u | same_log($u; .[1]) and
	($u.log.events | length) == 25' "the controller's event log differs from the truth"
check hv5 '(.[0].units[] | select(.id == 0).clock.offset_s) as $o |
	($o - .[1].clock_offset_s) | fabs <= 2' "the BMS clock offset is not the configured one"
check hv5 '([.[1].modules[] as $m | (.[0].units[] | select(.id == $m.id)) as $u |
	$u.kind == "hv_bmu" and $u.identity.barcode == $m.barcode and
	($u.identity.pcba_barcode | test("^H10[0-9]{19}$")) and
	([$u.identity.all[] | select(.name == "PowerSupply Barcode") | .value] ==
	 [(100000 + $m.id) | tostring])] | length) == 5' \
    "a BMU's identity is not on the module the device numbers it with"
check hv5 '[.[0].units[] | select(.id == 0).sysinfo[] | select(.name == "Chg Sug Volt")
	| .value] == ["266250 mV"]' "sysinfo was not kept"
note "hv5: controller counters, SOH, 25 log entries, clock; 5 BMU identities"

# A log longer than the bound: the pager is left ("other key"), the log
# says it was cut, what was read is the truth's newest entries, and the
# round goes on (time is read after it).
run_case longlog lv 2 0 --log-entries 1000
check longlog '(.[0].units[] | select(.id == 1)) as $u | $u.log.truncated and
	($u.log.events | length) == 128 and
	([$u.log.events[] | {index: .index, time: .time, module: .module, code: .code,
	  text: .text}] == .[1].log[0:128]) and $u.clock != null' \
    "a log past the bound was not cut and said so, or its entries differ"
note "longlog: 1000 entries, cut at 128 and said; the round went on"
exit 0
