#!/bin/bash
# console_session.sh — the console session says what it does (issues 9.4,
# 9.6, 9.13, 10.2): round-robin shrinks on a stall and grows back when the
# line keeps up again, each change on stderr; a steady slow line does not
# flap; on a slow line the first sample comes before the identity reads;
# -v logs every command sent with a summary of its answer; SC0500 counts
# its modules and marks module voltages summed from the cells.
PT_TEST_TIMEOUT=150
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing (scripts/setup installs it)"
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"

# --- round-robin: a 2.5 s stall, then a fast line again --------------------
sim_start rr --protocol lv --modules 3; sim=$BG_PID
"$PYLONTOP" -d "$SIM_DEV" --headless -i 1 -n 16 >/dev/null 2>"$T/rr.log" &
p=$!; PT_PIDS="$PT_PIDS $p"
wait_for 10 grep -q "found" "$T/rr.log" || fail "rr: no start: $(cat "$T/rr.log")"
sleep 2
kill -STOP "$sim"; sleep 2.5; kill -CONT "$sim"
# Then a silence longer than the answer timeout: a failed poll, and
# polling again.  Round-robin did not go off a second time: the line
# after the failure must not say it did (it used to restate the note).
# The stall starts just after a poll, so the next command goes out up to
# 1 s (-i 1) into it: 5 s leave at least 4 s of silence after it, well
# past the 3 s answer timeout and the steps it is checked in (a 4 s stall
# left about 3 s: with 400 ms steps the timeout was missed 5 times in 5).
wait_for 20 grep -q "every cycle again" "$T/rr.log" ||
	fail "rr: round-robin never grew back (or it was not said): $(cat "$T/rr.log")"
kill -STOP "$sim"; sleep 5; kill -CONT "$sim"
wait "$p" || fail "rr: headless failed: $(cat "$T/rr.log")"
after=$(grep -A1 "poll failed" "$T/rr.log" | grep -v "poll failed" | head -1)
[ -n "$after" ] || fail "rr: the silence gave no failed poll, or polling did not resume: $(cat "$T/rr.log")"
case $after in
*"every cycle again"*) fail "rr: after a failed poll, round-robin 'off' said again: $after" ;;
*"polling lv"*) ;;
*) fail "rr: after a failed poll, want 'polling lv', got: $after" ;;
esac
kill "$sim"; wait "$sim" 2>/dev/null
grep -n "round-robin" "$T/rr.log" >"$T/rr.lines"
shrink=$(grep -m1 "too slow for all" "$T/rr.lines" | cut -d: -f1)
again=$(grep -m1 "every cycle again" "$T/rr.lines" | cut -d: -f1)
[ -n "$shrink" ] || fail "rr: the stall did not start round-robin (or it was not said): $(cat "$T/rr.log")"
[ -n "$again" ] && [ "$again" -gt "$shrink" ] ||
	fail "rr: round-robin never grew back (or it was not said): $(cat "$T/rr.log")"
note "round-robin: on after the stall, off again, both said; a failed poll later: '${after#pylontop: }'"

# --- a steady slow line: round-robin once, no flapping ----------------------
# Each answer 250 ms late: pwr and 3 bat take 1 s and more (too slow for
# -i 1), pwr and 2 bat 750 ms, with 250 ms to spare for a loaded machine;
# growing back to 3 would need 1 s and is never tried.
sim_start slow --protocol lv --modules 3 --fault slow:250 --state "$T/slow.json"; sim=$BG_PID
"$PYLONTOP" -d "$SIM_DEV" --headless -i 1 -n 8 -f json >"$T/slow.out" 2>"$T/slow.log" ||
	fail "slow: $(cat "$T/slow.log")"
kill "$sim"; wait "$sim" 2>/dev/null
[ "$(grep -c "round-robin" "$T/slow.log")" -eq 1 ] ||
	fail "slow: want one round-robin change on a steady line: $(cat "$T/slow.log")"
grep -q "cells of 2 of 3 modules per cycle" "$T/slow.log" ||
	fail "slow: want 2 of 3 per cycle: $(cat "$T/slow.log")"
# The identity was not read before the first sample (sample 1 has no
# barcode), and is read over the next cycles, by the device's numbers.
head -1 "$T/slow.out" | jq -e 'all(.modules[]; .barcode == null)' >/dev/null ||
	fail "slow: the first sample waited for the identity reads"
tail -1 "$T/slow.out" >"$T/slow.last"
jq -s -e '(.[1].modules | map({key: (.id | tostring), value: .barcode}) | from_entries) as $w |
	all(.[0].modules[]; .barcode == $w[.id | tostring])' "$T/slow.last" "$T/slow.json" \
	>/dev/null || fail "slow: barcodes not all read by sample 8: $(jq -c '[.modules[].barcode]' "$T/slow.last")"
note "slow line: 2 of 3 per cycle, no flapping; first sample before the identity"

# --- -v: a line per command sent, a summary per answer -----------------------
sim_start v --protocol lv --modules 2; sim=$BG_PID
"$PYLONTOP" -d "$SIM_DEV" -v --once -f json >"$T/v.out" 2>"$T/v.log" || fail "-v: $(cat "$T/v.log")"
for c in pwr "bat 1" "bat 2" "info 1" "info 2" "stat 1" "stat 2"; do
	grep -q "console: sent '$c'" "$T/v.log" || fail "-v: '$c' not logged as sent: $(cat "$T/v.log")"
	grep -Eq "console: answer to '$c': [0-9]+ bytes, [0-9]+ ms, ok" "$T/v.log" ||
		fail "-v: no summary of the answer to '$c'"
done
sent=$(grep -c "console: sent" "$T/v.log")
answered=$(grep -c "console: answer to" "$T/v.log")
[ "$sent" -eq "$answered" ] || fail "-v: $sent commands sent, $answered answers summarised"
# Without -v: nothing of it.
"$PYLONTOP" -d "$SIM_DEV" --once -f json >/dev/null 2>"$T/quiet.log" || fail "quiet once"
grep -q "console:" "$T/quiet.log" && fail "without -v the trace is printed"
kill "$sim"; wait "$sim" 2>/dev/null
# A refused command and a lost answer get their verdict.
sim_start vf --protocol lv --modules 2 --fault batfail:2; sim=$BG_PID
"$PYLONTOP" -d "$SIM_DEV" -v --once -f json >/dev/null 2>"$T/vf.log" || fail "-v batfail: $(cat "$T/vf.log")"
grep -Eq "answer to 'bat 2': [0-9]+ bytes, [0-9]+ ms, refused by the device: Command failed" "$T/vf.log" ||
	fail "-v: no verdict for the refused 'bat 2': $(grep "bat 2" "$T/vf.log")"
kill "$sim"; wait "$sim" 2>/dev/null
note "-v: $sent commands, each with its answer's summary"

# --- SC0500: the module count, voltages summed from cells marked derived ----
sim_start sc --protocol sc0500 --modules 5 --barcode PPTBH0240012345 --state "$T/sc.json"; sim=$BG_PID
"$PYLONTOP" -d "$SIM_DEV" -p sc0500 -v --once -f json >"$T/sc.out" 2>"$T/sc.log" ||
	fail "sc0500: $(cat "$T/sc.log")"
kill "$sim"; wait "$sim" 2>/dev/null
grep -q "found .*, 5 modules" "$T/sc.log" || fail "sc0500: module count: $(grep found "$T/sc.log")"
jq -s -e '.[0].modules as $g | .[1].modules as $w | ($g | length) == 5 and
	all(range(0; 5); $g[.].voltage_derived == true and
	    (($g[.].voltage - ([$w[.].cells[].voltage] | add)) | fabs) < 0.05)' \
	"$T/sc.out" "$T/sc.json" >/dev/null ||
	fail "sc0500: module voltages not the marked sum of the cells: $(jq -c '[.modules[] | [.id, .voltage, .voltage_derived]]' "$T/sc.out")"
note "sc0500: 5 modules found, voltages derived and marked"
exit 0
