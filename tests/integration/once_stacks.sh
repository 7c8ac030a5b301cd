#!/bin/bash
# once_stacks.sh — samples of several stacks on stdout (issue 16.1): an
# LV 3x16 simulator on a pty and an HV 2x15 one on TCP.  `--once --format
# json -d LV --name lv -d HV --name hv` prints one JSON line per stack, in
# the order given, each with its "stack_name" (the "stack" object holds
# the values, as with one stack) and its own simulator's module ids,
# barcodes and cell voltages (the truth); text names each stack with a
# "Name" line; a stack that cannot be read is said, the other still
# printed, exit 1; a reader that leaves early is a normal end.  `--headless --format json -n 2` prints lines of both
# stacks and stops after 2 of each.  --format csv is refused, one line.
PT_TEST_TIMEOUT=120
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"
command -v jq >/dev/null 2>&1 || skip "jq is missing (scripts/setup installs it)"

sim_start lv --protocol lv --modules 3 --cells 16 --state "$T/lv.json"; lv=$SIM_DEV; lv_pid=$BG_PID
sim_tcp_start hv --protocol hv --modules 2 --cells 15 --state "$T/hv.json"
hv_pid=$BG_PID hv=$SIM_TCP

"$PYLONTOP" --once --format json -d "$lv" --name lv -d "$hv" --name hv >"$T/once.json" \
    2>"$T/once.err" || fail "--once with two stacks: rc $?, $(cat "$T/once.err")"
[ "$(wc -l <"$T/once.json")" -eq 2 ] || fail "want 2 JSON lines, got $(wc -l <"$T/once.json")"
# One "stack" key per line (the values, an object), one "stack_name".
[ "$(grep -o '"stack":{' "$T/once.json" | wc -l)" -eq 2 ] &&
    [ "$(grep -o '"stack_name":' "$T/once.json" | wc -l)" -eq 2 ] ||
	fail "stack keys: $(grep -o '"stack[a-z_]*":.\{12\}' "$T/once.json" | paste -sd' ')"
[ "$(jq -r .stack_name "$T/once.json" | paste -sd' ')" = "lv hv" ] ||
	fail "stacks '$(jq -r .stack_name "$T/once.json" | paste -sd' ')', want 'lv hv' in that order"
# Against the truth files as the simulators left them just after the read.
for s in lv hv; do
	jq -c "select(.stack_name == \"$s\") | [.protocol, [.modules[] | [.id, .barcode]]]" "$T/once.json" \
	    >"$T/$s.ids"
	jq -c "[\"$s\", [.modules[] | [.id, .barcode]]]" "$T/$s.json" >"$T/$s.ids.want"
	cmp -s "$T/$s.ids" "$T/$s.ids.want" ||
		fail "$s: protocol, ids and barcodes $(cat "$T/$s.ids") != truth $(cat "$T/$s.ids.want")"
	jq -r "select(.stack_name == \"$s\") | .modules[] | .id as \$m | .cells | to_entries[] |
	    \"\(\$m) \(.key) \(.value.voltage)\"" "$T/once.json" >"$T/$s.cv"
	jq -r '.modules[] | .id as $m | .cells | to_entries[] | "\($m) \(.key) \(.value.voltage)"' \
	    "$T/$s.json" >"$T/$s.cv.want"
	# The simulator moves its values once a second: allow one step.
	paste -d' ' "$T/$s.cv" "$T/$s.cv.want" | awk -v s="$s" '
		$1 != $4 || $2 != $5 { print s ": cell " $1 "/" $2 " vs truth " $4 "/" $5; bad++ }
		{ d = $3 - $6; if (d < 0) d = -d; if (d > 0.02) { print s ": " $0; bad++ } n++ }
		END { if (n == 0) { print s ": no cells"; bad++ } exit bad > 0 }' >"$T/cmp" ||
		fail "$(head -3 "$T/cmp")"
	note "$s: $(wc -l <"$T/$s.cv") cell voltages, ids and barcodes equal to the truth"
done

# Text: each stack under a Name line.
"$PYLONTOP" --once -d "$lv" --name lv -d "$hv" --name hv >"$T/once.txt" 2>"$T/once.err" ||
	fail "--once text: $(cat "$T/once.err")"
[ "$(grep '^Name ' "$T/once.txt" | awk '{ print $2 }' | paste -sd' ')" = "lv hv" ] ||
	fail "text: Name lines '$(grep '^Name ' "$T/once.txt")'"
[ "$(grep -c '^Stack$' "$T/once.txt")" -eq 2 ] || fail "text: want two samples"

# One stack unreadable: said, the other printed, exit status 1.
"$PYLONTOP" --once --format json -d "$T/nonexistent" --name gone -d "$hv" --name hv \
    >"$T/part.json" 2>"$T/part.err"
rc=$?
[ "$rc" -eq 1 ] && [ "$(jq -r .stack_name "$T/part.json")" = hv ] && grep -q '^pylontop: gone: no sample' "$T/part.err" ||
	fail "one stack missing: rc $rc, out $(head -c 200 "$T/part.json"), err $(cat "$T/part.err")"
note "--once: one JSON line per stack in order; a missing stack said, exit 1, the other printed"

# --headless --format json -n 2: both stacks' samples, then it stops.
timeout 60 "$PYLONTOP" --headless -i 1 -n 2 --format json -d "$lv" --name lv -d "$hv" --name hv \
    >"$T/hl.json" 2>"$T/hl.err" || fail "--headless -n 2: rc $?, $(tail -3 "$T/hl.err")"
for s in lv hv; do
	n=$(jq -r "select(.stack_name == \"$s\") | .stack_name" "$T/hl.json" | wc -l)
	[ "$n" -eq 2 ] || fail "--headless -n 2: $n lines of $s, want 2"
	[ "$(jq -r "select(.stack_name == \"$s\") | .protocol" "$T/hl.json" | sort -u)" = "$s" ] ||
		fail "--headless: $s lines with another protocol"
done
note "--headless --format json -n 2: 2 lines of each stack, then stopped"

"$PYLONTOP" --once --format csv -d "$lv" --name lv -d "$hv" --name hv >/dev/null 2>"$T/csv.err"
rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$T/csv.err")" -eq 1 ] && grep -q -- '--format csv' "$T/csv.err" ||
	fail "--format csv with two stacks: rc $rc, $(cat "$T/csv.err")"
# A reader that leaves after the first line ends it normally (as yes(1)).
"$PYLONTOP" --once --format json -d "$lv" --name lv -d "$hv" --name hv 2>"$T/pipe.err" | head -c 100 >/dev/null
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] && ! grep -q 'no sample\|Input/output' "$T/pipe.err" ||
	fail "--once | head: rc $rc, $(cat "$T/pipe.err")"
kill "$lv_pid" "$hv_pid"; wait "$lv_pid" "$hv_pid" 2>/dev/null
exit 0
