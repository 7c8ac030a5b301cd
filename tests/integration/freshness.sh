#!/bin/bash
# freshness.sh — cached cells are never repeated as new (issue 10.1).
# A module whose cell reads start failing (pylontop-sim --fault
# batfail:M:AFTER) keeps its last cells only within their freshness limit
# ((cycles per round + 2) x measured cycle + 1 s, sample.h), then shows them
# unknown with their age, while the other modules stay fresh and equal to
# the simulator's truth.  JSON (cells_age_s), CSV (mNN_cells_age_s) and
# text say how old the cells are.
PT_TEST_TIMEOUT=120
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing (scripts/setup installs it)"
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"

# With -i 1 and every module read each cycle the limit is 3 x ~1 s + 1 s.
LIMIT=4.6

run_case() {	# NAME PROTOCOL
	local name=$1 proto=$2 out
	sim_start "$name" --protocol "$proto" --modules 3 --state "$T/$name.json" \
	    --fault batfail:2:4
	"$PYLONTOP" -d "$SIM_DEV" -p "$proto" --headless -i 1 -n 12 -f json \
	    --csv "$T/$name.csv" >"$T/$name.out" 2>"$T/$name.log" ||
		fail "$name: headless: $(cat "$T/$name.log")"
	kill "$BG_PID" 2>/dev/null; wait "$BG_PID" 2>/dev/null	# truth file complete
	out=$T/$name.out
	[ "$(wc -l <"$out")" -eq 12 ] || fail "$name: want 12 samples, got $(wc -l <"$out")"
	jq -e '.modules[1] | .id == 2 and .cells_answered == false' "$T/$name.json" >/dev/null ||
		fail "$name: the simulator still answers module 2's cells"
	# Early on, module 2 was read: its cells were real.
	head -1 "$out" | jq -e '.modules[1].cells | length > 0 and all(.voltage != null)' \
	    >/dev/null || fail "$name: module 2's cells never read at the start"
	# Never repeated past the limit: a sample with any module-2 cell value
	# has a known age within the limit.
	jq -s -e --argjson lim "$LIMIT" 'all(.[]; .modules[1] |
		(any(.cells[]; .voltage != null) | not) or
		(.cells_age_s != null and .cells_age_s <= $lim))' "$out" >/dev/null ||
		fail "$name: module 2's cells carried past ${LIMIT} s:
$(jq -c '[.modules[1].cells_age_s, .modules[1].cells[0].voltage]' "$out")"
	# At the end: module 2 unknown, with its (growing) age; the others
	# fresh and equal to the truth.
	tail -1 "$out" >"$T/$name.last"
	jq -e --argjson lim "$LIMIT" '.modules[1] | .cells_age_s > $lim and
		(.cells | length) == 15 and all(.cells[]; .voltage == null)' "$T/$name.last" \
	    >/dev/null || fail "$name: module 2's old cells shown as current: $(jq -c '.modules[1] |
		[.cells_age_s, [.cells[].voltage]]' "$T/$name.last")"
	jq -s -e '.[0].modules as $got | .[1].modules as $want |
		all([0, 2][]; ($got[.].cells_age_s != null and $got[.].cells_age_s < 1.5) and
		    ([range(0; 15)] | all(. as $c | (($got[0].cells[$c].voltage // 99) -
		        $want[0].cells[$c].voltage | fabs) < 0.02)))' \
	    "$T/$name.last" "$T/$name.json" >/dev/null ||
		fail "$name: modules 1 and 3 not fresh or not the truth: $(jq -c \
		    '[.modules[] | [.id, .cells_age_s, .cells[0].voltage]]' "$T/$name.last")"
	# CSV: the age column, module 2's cells empty in the last row.
	head -1 "$T/$name.csv" | tr ',' '\n' >"$T/$name.cols"
	grep -qx 'm02_cells_age_s' "$T/$name.cols" || fail "$name: CSV has no m02_cells_age_s"
	awk -F, -v lim="$LIMIT" '
		NR == FNR { col[$0] = FNR; next }
		{ last = $0 }
		END {
			n = split(last, f, ",")
			if (f[col["m02_cells_age_s"]] + 0 <= lim) { print "age " f[col["m02_cells_age_s"]]; exit 1 }
			if (f[col["m02_c01_V"]] != "" || f[col["m02_c15_V"]] != "") { print "cells kept"; exit 1 }
			if (f[col["m01_c01_V"]] == "" || f[col["m01_cells_age_s"]] == "") { print "m01 empty"; exit 1 }
		}' "$T/$name.cols" "$T/$name.csv" >"$T/$name.awk" ||
		fail "$name: CSV last row: $(cat "$T/$name.awk")"
	note "$name: module 2's cells unknown after the limit, modules 1 and 3 fresh"
}

run_case lv lv
run_case hv hv

# Text output says how old the cells are.
sim_start text --protocol lv --modules 2
"$PYLONTOP" -d "$SIM_DEV" --once >"$T/text.out" 2>"$T/text.log" || fail "text: $(cat "$T/text.log")"
grep -q "Module 1 cells.*read [0-9.]* s ago" "$T/text.out" || fail "text: no cells age: $(grep Module "$T/text.out")"
note "text: cells age shown"
exit 0
