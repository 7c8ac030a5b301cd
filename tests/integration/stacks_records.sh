#!/bin/bash
# stacks_records.sh — the BMS records and the service report of several
# stacks (issue 16.1): an LV 8x16 simulator on a pty and an HV 5x15 one on
# TCP, each with its own clock offset, event log length and (HV) controller
# barcode, so a section given to the wrong stack shows.
# `--records -f json -d LV --name lv -d HV --name hv` prints a line per
# stack, in the order given, named by "stack_name", with that simulator's
# barcodes on the modules it numbers them with, its log and its clock;
# text puts each barcode under its own "Stack NAME" line.  `report DIR`
# writes DIR-lv and DIR-hv, each equal to its own simulator's truth
# (tests/tools/report_check.py) and titled by its stack.  With the HV
# simulator killed both still read the LV stack, name the HV stack in the
# error and exit 1.  The modes that are about ports or files, and CSV on
# standard output, refuse several stacks in one line saying what to do.
PT_TEST_TIMEOUT=200
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"
command -v jq >/dev/null 2>&1 || skip "jq is missing (scripts/setup installs it)"
command -v python3 >/dev/null 2>&1 || skip "python3 is missing (scripts/setup installs it)"
CHECK="$top_srcdir/tests/tools/report_check.py"
HV_BARCODE=HVTOWERTEST0042

sim_start lv --protocol lv --modules 8 --cells 16 --bms-clock-offset 3723 \
    --log-entries 30 --state "$T/lv.json"; lv=$SIM_DEV; lv_pid=$BG_PID
port=$(free_port) || skip "no free TCP port"
bg_start sim-hv "$PYLONTOP_SIM" --tcp "$port" --protocol hv --modules 5 --cells 15 \
    --barcode "$HV_BARCODE" --bms-clock-offset -1800 --log-entries 12 \
    --state "$T/hv.json"; hv_pid=$BG_PID
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || fail "TCP simulator not listening"
hv="tcp://127.0.0.1:$port"
two=(-d "$lv" --name lv -d "$hv" --name hv)

# ---- --records, JSON: a line per stack, each its own simulator's ----
"$PYLONTOP" "${two[@]}" --records -f json >"$T/rec.json" 2>"$T/rec.err" ||
	fail "--records with two stacks: rc $?, $(cat "$T/rec.err")"
[ "$(wc -l <"$T/rec.json")" -eq 2 ] || fail "want 2 JSON lines, got $(wc -l <"$T/rec.json")"
[ "$(jq -r .stack_name "$T/rec.json" | paste -sd' ')" = "lv hv" ] ||
	fail "stacks '$(jq -r .stack_name "$T/rec.json" | paste -sd' ')', want 'lv hv' in that order"
jq -c 'select(.stack_name == "lv")' "$T/rec.json" >"$T/rec-lv.json"
jq -c 'select(.stack_name == "hv")' "$T/rec.json" >"$T/rec-hv.json"

# check STACK JQ-EXPR WHAT: the expression over [records, truth] is true.
check() {
	jq -s -e "$2" "$T/rec-$1.json" "$T/$1.json" >/dev/null ||
		fail "$1: $3
records: $(head -c 1200 "$T/rec-$1.json")
truth:   $(head -c 600 "$T/$1.json")"
}
# Every module of the truth has its barcode on the unit of that id, and
# the section has no other modules.
SAME_IDS='def same_ids($kind): ([.[0].units[] | select(.kind == $kind) | .id] | sort) ==
	([.[1].modules[].id] | sort) and
	([.[1].modules[] as $m | .[0].units[] | select(.id == $m.id and .kind == $kind) |
	  select(.identity.barcode == $m.barcode)] | length) == (.[1].modules | length);'
check lv "$SAME_IDS"'.[0].protocol == "lv" and .[0].complete and .[0].failed == 0 and
	same_ids("lv_module") and (.[1].modules | length) == 8 and
	([.[0].units[].soh.cells | length] | unique) == [16]' \
    "not the LV simulator's 8 modules with their barcodes and 16 cells' SOH"
check lv '(.[0].units[] | select(.id == 1)) as $u | ($u.log.events | length) == (.[1].log | length)
	and (.[1].log | length) == 30 and (($u.clock.offset_s - .[1].clock_offset_s) | fabs) <= 2' \
    "not the LV simulator's 30 log entries and clock offset"
check hv "$SAME_IDS"'.[0].protocol == "hv" and .[0].complete and .[0].failed == 0 and
	same_ids("hv_bmu") and (.[1].modules | length) == 5' \
    "not the HV simulator's 5 BMUs with their barcodes"
check hv "(.[0].units[] | select(.id == 0)) as \$u | \$u.kind == \"hv_controller\" and
	\$u.identity.barcode == \"$HV_BARCODE\" and (\$u.log.events | length) == 12 and
	(.[1].log | length) == 12 and ((\$u.clock.offset_s - .[1].clock_offset_s) | fabs) <= 2" \
    "not the HV controller ($HV_BARCODE) with its 12 log entries and clock offset"
note "--records -f json: lv with 8 modules, hv with its controller and 5 BMUs, each its own"

# ---- --records, text: each barcode under its own stack's line ----
"$PYLONTOP" "${two[@]}" --records >"$T/rec.txt" 2>"$T/rec-txt.err" ||
	fail "--records (text) with two stacks: rc $?, $(cat "$T/rec-txt.err")"
[ "$(grep '^Stack ' "$T/rec.txt" | paste -sd'|')" = "Stack lv ($lv)|Stack hv ($hv)" ] ||
	fail "text: stack lines '$(grep '^Stack ' "$T/rec.txt" | paste -sd'|')'"
section_of() {	# BARCODE -> the stack whose section shows it ("" none, "x y" both)
	awk -v b="$1" '/^Stack /{ s = $2 } index($0, b) && !seen[s]++ { printf "%s%s", n++ ? " " : "", s }' \
	    "$T/rec.txt"
}
[ "$(section_of "$HV_BARCODE")" = hv ] || fail "text: $HV_BARCODE in '$(section_of "$HV_BARCODE")', want hv"
for id in 6 7 8; do	# modules only the LV simulator has
	b=$(jq -r ".modules[] | select(.id == $id) | .barcode" "$T/lv.json")
	[ "$(section_of "$b")" = lv ] || fail "text: module $id's $b in '$(section_of "$b")', want lv"
done
note "text: $HV_BARCODE under hv, LV modules 6-8 under lv"

# ---- report: a report per stack, in DIR-NAME ----
"$PYLONTOP" "${two[@]}" -i 0.2 report "$T/rep/" >"$T/rep.out" 2>"$T/rep.err" ||
	fail "report with two stacks: rc $?, $(cat "$T/rep.err")"
[ -e "$T/rep" ] && fail "report: $T/rep written, with no stack's name"
for s in lv hv; do
	[ -s "$T/rep-$s/report.md" ] && [ -s "$T/rep-$s/report.html" ] && [ -d "$T/rep-$s/raw" ] ||
		fail "report: $T/rep-$s/ lacks report.md, report.html or raw/"
	grep -qx "$T/rep-$s/report.md" "$T/rep.out" || fail "report: $T/rep-$s/report.md not printed"
	grep -qx "# Battery service report, stack $s" "$T/rep-$s/report.md" ||
		fail "report: $s's title does not name it: $(head -1 "$T/rep-$s/report.md")"
	grep -q "^| Stack | $s " "$T/rep-$s/report.md" || fail "report: no 'Stack $s' row"
done
grep -q "| controller | $HV_BARCODE |" "$T/rep-hv/report.md" ||
	fail "report: the HV controller $HV_BARCODE is not in rep-hv"
grep -q "$HV_BARCODE" "$T/rep-lv/report.md" && fail "report: the HV controller is in rep-lv"

# ---- the HV simulator killed: the LV stack still read, hv named ----
kill "$hv_pid"; wait "$hv_pid" 2>/dev/null	# its truth file complete
python3 "$CHECK" "$T/rep-hv" "$T/hv.json" hv >"$T/check-hv.log" 2>&1 ||
	fail "rep-hv differs from the HV simulator's truth: $(cat "$T/check-hv.log")"

"$PYLONTOP" "${two[@]}" --records -f json >"$T/dead.json" 2>"$T/dead.err"; rc=$?
[ "$rc" -eq 1 ] || fail "--records, hv gone: exit $rc, want 1: $(cat "$T/dead.err")"
[ "$(jq -r .stack_name "$T/dead.json" | paste -sd' ')" = lv ] ||
	fail "--records, hv gone: stacks printed '$(jq -r .stack_name "$T/dead.json" | paste -sd' ')', want lv"
jq -e '.units | length == 8' "$T/dead.json" >/dev/null || fail "--records, hv gone: lv incomplete"
grep -q "^pylontop: hv: $hv: " "$T/dead.err" || fail "--records, hv gone: hv not named: $(cat "$T/dead.err")"
grep -q "^pylontop: records of 1 of 2 stacks read$" "$T/dead.err" ||
	fail "--records, hv gone: not said how many were read: $(cat "$T/dead.err")"
note "--records, hv killed: lv printed, 'hv: $hv: ...' said, exit 1"

"$PYLONTOP" "${two[@]}" -i 0.2 report "$T/dead" >"$T/dead.out" 2>"$T/dead-rep.err"; rc=$?
[ "$rc" -eq 1 ] || fail "report, hv gone: exit $rc, want 1: $(cat "$T/dead-rep.err")"
[ -s "$T/dead-lv/report.md" ] || fail "report, hv gone: no report of lv"
[ -e "$T/dead-hv" ] && fail "report, hv gone: a report of hv was written"
grep -q "^pylontop: hv: " "$T/dead-rep.err" && grep -q "report: 1 of 2 stacks reported" \
    "$T/dead-rep.err" || fail "report, hv gone: hv not named: $(cat "$T/dead-rep.err")"
note "report, hv killed: dead-lv written, hv named, exit 1"

kill "$lv_pid"; wait "$lv_pid" 2>/dev/null
python3 "$CHECK" "$T/rep-lv" "$T/lv.json" lv >"$T/check-lv.log" 2>&1 ||
	fail "rep-lv differs from the LV simulator's truth: $(cat "$T/check-lv.log")"
note "rep-lv and rep-hv: each equal to its own simulator's truth"

# ---- what several stacks cannot do: one line saying what to do ----
refused() {	# WANT-SUBSTRING ARGS...: exit 2 and one line with it
	local want=$1; shift
	"$PYLONTOP" "$@" >"$T/ref.out" 2>"$T/ref.err"; rc=$?
	[ "$rc" -eq 2 ] && [ "$(wc -l <"$T/ref.err")" -eq 1 ] && grep -qF -- "$want" "$T/ref.err" &&
	    [ ! -s "$T/ref.out" ] || fail "'$*': exit $rc, want 2 and one line with '$want': $(cat "$T/ref.err")"
}
refused "give --format json or text" "${two[@]}" --once --format csv
refused "give --csv FILE" "${two[@]}" --headless --csv -
refused "--records prints text or json" "${two[@]}" --records -f csv
refused "--probe tries ports, not stacks" "${two[@]}" --probe
refused "--decode reads a file" "${two[@]}" --decode "$T/rec.txt"
refused "--demo runs its own simulated stack" "${two[@]}" --demo --once
refused "--list-ports lists ports" "${two[@]}" --list-ports
note "csv on stdout, --probe, --decode, --demo, --list-ports: one line each, exit 2"
exit 0
