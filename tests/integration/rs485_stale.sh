#!/bin/bash
# rs485_stale.sh — an RS485 pack whose 0x42 keeps failing (batfail) never
# has its last cells repeated as new: they keep the time they were read
# (cells_age_s) and turn unknown past the freshness limit, while the other
# packs stay fresh and equal to the simulator's truth.  A pack that stops
# answering altogether (packdead) stays in the sample, its values unknown,
# and -v says it stopped answering.
PT_TEST_TIMEOUT=150
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing"
[ -x "$PYLONTOP" ] && [ -x "$PYLONTOP_SIM" ] || skip "pylontop or pylontop-sim not built"
export PYLONTOP_RS485_GAP_MS=20

# run_headless NAME SECONDS: pylontop -v --headless on $SIM_DEV for SECONDS.
run_headless() {
	"$PYLONTOP" -v -d "$SIM_DEV" -p rs485 --dialect pylontech --headless -i 0.5 \
		--format json >"$T/$1.json" 2>"$T/$1.log" &
	p=$!; PT_PIDS="$PT_PIDS $p"
	sleep "$2"
	kill -TERM "$p"; wait "$p"
	[ "$(jq -s 'length' "$T/$1.json")" -ge 3 ] || fail "$1: too few samples: $(tail -3 "$T/$1.log")"
}

# --- batfail: module 2 (address 3) loses its cell answers after 4 s ----------
sim_start bat --protocol rs485 --dialect pylontech --modules 3 --cells 16 \
	--fault batfail:2:4 --state "$T/bat-st.json"
run_headless bat 28
cp "$T/bat-st.json" "$T/bat-truth.json"
s="$T/bat.json"
# Read at first: fresh cells of address 3.
jq -s -e '[.[] | .modules[] | select(.id == 3) | select(.cells[0].voltage != null and
	.cells_age_s < 1.5)] | length >= 1' "$s" >/dev/null ||
	fail "address 3 never had fresh cells: $(head -c 600 "$s")"
# Whenever address 3's cells are shown after the fault, they are the last
# ones read, with their age, never renewed: equal to the previous sample's.
jq -s -e '[.[] | .modules[] | select(.id == 3)] as $m |
	[range(1; $m | length) | select($m[.].voltage == null and $m[.].cells[0].voltage != null) |
	 ($m[.].cells | map(.voltage)) == ($m[. - 1].cells | map(.voltage)) and
	 $m[.].cells_age_s > 0] | all' "$s" >/dev/null ||
	fail "address 3: carried cells changed or lost their age"
# After the limit: unknown (null), as many cells as before; the age says
# how old the last read is.
jq -s -e '.[-1].modules[] | select(.id == 3) | .voltage == null and (.cells | length) == 16 and
	([.cells[].voltage] | all(. == null)) and .cells_age_s > 5' "$s" >/dev/null ||
	fail "address 3 not unknown at the end: $(jq -c '.[-1].modules[] | select(.id == 3) |
		[.voltage, .cells_age_s, [.cells[].voltage][0:3]]' "$s" | tail -1)"
# The others: fresh and equal to the simulator's truth (its values move
# once a second; the last sample and the state file are within a second).
jq -s -e '(.[0].modules | map(select(.id != 3))) as $got | (.[1].modules) as $want |
	[$got[] | . as $g | ($want[] | select(.id == $g.id)) as $w |
	 $g.cells_age_s < 5 and ((($g.cells[0].voltage - $w.cells[0].voltage) | fabs) < 0.02) and
	 ((($g.voltage - $w.voltage) | fabs) < 0.3)] | length == 2 and all' \
	<(jq -s '.[-1]' "$s") "$T/bat-truth.json" >/dev/null ||
	fail "the other packs are not fresh or differ from the simulator"
jq -e '.modules[] | select(.id == 3) | .cells_answered == false' "$T/bat-truth.json" \
	>/dev/null || fail "the simulator's truth does not say address 3's cells are lost"
grep -q 'address 3 stopped answering' "$T/bat.log" ||
	fail "-v did not say address 3 stopped answering: $(grep rs485 "$T/bat.log" | tail -3)"
note "batfail: address 3 carried with its age, then unknown; 2 and 4 fresh as the simulator"

# --- packdead: module 3 (address 4) answers nothing after 3 s ----------------
sim_start dead --protocol rs485 --dialect pylontech --modules 3 --cells 16 \
	--fault packdead:3:3 --state "$T/dead-st.json"
run_headless dead 22
s="$T/dead.json"
jq -s -e '.[-1] | (.modules | length) == 3 and (.modules[] | select(.id == 4) |
	.voltage == null and .soc == null and ([.cells[].voltage] | all(. == null)) and
	.barcode != "")' "$s" >/dev/null ||
	fail "address 4 after it died: $(jq -c '.[-1].modules[] | select(.id == 4) |
		[.barcode, .voltage, .soc, [.cells[].voltage][0:3]]' "$s" | tail -1)"
# The stack current is a sum over every pack: unknown while one is silent.
jq -s -e '.[-1].stack.current == null' "$s" >/dev/null || fail "stack current summed without address 4"
grep -q 'address 4 stopped answering' "$T/dead.log" ||
	fail "-v did not say address 4 stopped answering: $(grep rs485 "$T/dead.log" | tail -3)"
jq -e '.modules[] | select(.id == 4) | .answering == false' "$T/dead-st.json" >/dev/null ||
	fail "the simulator's truth does not say address 4 is dead"
# The status line (headless: one stderr line per change) names it once.
n=$(grep -c 'polling rs485: .*2 of 3 packs answered: address 4 silent, last answer 20' "$T/dead.log")
[ "$n" = 1 ] || fail "the status line said the silent pack $n times: $(grep 'polling rs485' \
	"$T/dead.log" | head -3)"
note "packdead: address 4 kept under its barcode, values unknown, said by -v and the status line"
exit 0
