#!/bin/bash
# identity_rs485.sh — every RS485 pack's identity under its own number:
# id -> barcode equal to the simulator's truth (--state) for 8 PACE packs
# and 8 Pylontech packs (PACE packs 2-8 included, not only the master);
# every pack has its own firmware; the cell-group temperature sensors are
# the pack's sensors (modules[].temperatures), never copied into the
# cells as "cell temperatures" in JSON or CSV.
PT_TEST_TIMEOUT=120
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing"
[ -x "$PYLONTOP" ] && [ -x "$PYLONTOP_SIM" ] || skip "pylontop or pylontop-sim not built"

export PYLONTOP_RS485_GAP_MS=20
for dialect in pace pylontech; do
	st="$T/$dialect.json"
	sim_start "$dialect" --protocol rs485 --dialect "$dialect" --modules 8 --cells 16 \
		--state "$st"
	"$PYLONTOP" -d "$SIM_DEV" -p rs485 --dialect "$dialect" --once --format json \
		>"$T/$dialect-once.json" 2>"$T/$dialect-once.log" ||
		fail "$dialect: $(cat "$T/$dialect-once.log")"
	got="$T/$dialect-once.json"
	# id -> barcode, every pack, as the simulator's truth says.
	jq -e -s '(.[0].modules | map({key: (.id | tostring), value: .barcode}) | from_entries)
		as $got | (.[1].modules | map({key: (.id | tostring), value: .barcode}) |
		from_entries) as $want | ($want | length) == 8 and $got == $want' "$got" "$st" \
		>/dev/null || fail "$dialect: id -> barcode $(jq -c '[.modules[] | [.id, .barcode]]' \
		"$got") but the simulator says $(jq -c '[.modules[] | [.id, .barcode]]' "$st")"
	# Each pack its own firmware (the simulator gives each a different one).
	jq -e '[.modules[].firmware] | (map(select(. != null and . != "")) | length) == 8 and
		(unique | length) == 8' "$got" >/dev/null ||
		fail "$dialect: firmware per pack $(jq -c '[.modules[] | [.id, .firmware]]' "$got")"
	# Group sensors: the pack's own list (PACE 4 groups + MOSFET + environment,
	# Pylontech board + 4 groups), no cell carries a temperature.
	n=6; [ "$dialect" = pylontech ] && n=5
	jq -e --argjson n "$n" '[.modules[] | (.temperatures | length) == $n and
		([.cells[].temperature] | all(. == null))] | all' "$got" >/dev/null ||
		fail "$dialect: temperatures $(jq -c '.modules[0] | [.temperatures, [.cells[].temperature]]' \
			"$got")"
	# The sensors are the simulator's group temperatures (cells 1, 5, 9, 13).
	first=0; [ "$dialect" = pylontech ] && first=1
	jq -e -s --argjson f "$first" '[range(0; 8) as $k | .[0].modules[$k] as $g |
		(.[1].modules[] | select(.id == $g.id)) as $w |
		[range(0; 4) | ($g.temperatures[$f + .] - $w.cells[4 * .].temperature) | fabs < 0.25] |
		all] | all' "$got" "$st" >/dev/null ||
		fail "$dialect: group sensors differ from the simulator's cells 1/5/9/13"
	note "$dialect x8: id -> barcode as the simulator, 8 firmwares, $n sensors per pack"
done

# CSV: no cell temperature columns filled from group sensors.
sim_start csv --protocol rs485 --dialect pace --modules 2 --cells 16
"$PYLONTOP" -d "$SIM_DEV" -p rs485 --dialect pace --headless --count 1 --csv "$T/out.csv" \
	>/dev/null 2>"$T/csv.log" || fail "headless CSV: $(cat "$T/csv.log")"
head -1 "$T/out.csv" | grep -q 'm01_c01_C' && fail "CSV has cell temperatures from group sensors"
head -1 "$T/out.csv" | grep -q 'm01_t1_C' || fail "CSV lacks the pack sensors: $(head -1 "$T/out.csv")"
note "CSV: pack sensors m01_t1_C.., no cell temperature columns"

# The cell grid's temperature view ('2', then 't'): each pack's own
# sensors as T1..T6, no temperature under a cell number.
TMUX_BIN=$(command -v tmux) || { note "tmux missing: grid not checked"; exit 0; }
grep -q "^#define HAVE_TUI 1" "$top_builddir/autoconfig.h" 2>/dev/null ||
	{ note "built without the TUI: grid not checked"; exit 0; }
SOCK="$T/tmux.sock"
tm() { "$TMUX_BIN" -S "$SOCK" -f /dev/null "$@"; }
PT_ON_EXIT="tm kill-server"
tm new-session -d -s pt -x 100 -y 30 "env TERM=xterm '$PYLONTOP' -d '$SIM_DEV' -p rs485 \
	--dialect pace -i 1 --no-csv 2>'$T/tui.err'" || fail "tmux did not start"
wait_for 15 sh -c "'$TMUX_BIN' -S '$SOCK' -f /dev/null capture-pane -p -t pt | grep -q 'Curr A'" ||
	fail "no overview: $(tm capture-pane -p -t pt; cat "$T/tui.err")"
tm send-keys -t pt 2; sleep 0.5; tm send-keys -t pt t; sleep 0.8
tm capture-pane -p -t pt >"$T/grid.txt"
grep -q 'Cell temperatures' "$T/grid.txt" || fail "no temperature grid: $(cat "$T/grid.txt")"
[ "$(grep -Ec '^ +[12] +T1 [0-9.]+ +T2 [0-9.]+ +T3 [0-9.]+ +T4 [0-9.]+ +T5 [0-9.]+ +T6 [0-9.]+' \
	"$T/grid.txt")" = 2 ] || fail "grid: pack sensors not shown as T1..T6: $(cat "$T/grid.txt")"
tm send-keys -t pt q; sleep 0.3
note "grid: each pack's sensors T1..T6, no cell temperatures"
exit 0
