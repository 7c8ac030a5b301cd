#!/bin/bash
# tui_records.sh — the Inventory ('i') and Events ('e') views in tmux at
# 80x24 against the simulator (LV 16 modules, its records options): every
# module row visible after scrolling carries the barcode, SOH, CYCLE Times
# and clock offset of the truth file, a non-zero protection count is on a
# '!' line (marked without colours), the event log's newest entry is the
# truth's with the host time = BMS time minus the configured offset, and
# 'f' filters by module (on an LV console only module 1 keeps a log).
PT_TEST_TIMEOUT=90
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
[ -n "$TMUX_BIN" ] || skip "tmux is missing (scripts/setup installs it)"
command -v jq >/dev/null 2>&1 || skip "jq is missing"
grep -q "^#define HAVE_TUI 1" "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without the TUI"
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"

SOCK="$T/tmux.sock"
tm() { "$TMUX_BIN" -S "$SOCK" -f /dev/null "$@"; }
screen() { tm capture-pane -p -t pt; }
PT_ON_EXIT="tm kill-server"
key() { tm send-keys -t pt "$1"; sleep "${2:-0.5}"; }
OFFSET=3723

sim_start lv --protocol lv --modules 16 --state "$T/lv.json" --log-entries 30 \
    --bms-clock-offset "$OFFSET"
tm new-session -d -s pt -x 80 -y 24 "NO_COLOR=1 '$PYLONTOP' -d '$SIM_DEV' -p lv -i 1 \
    2>'$T/ui.err'" || fail "tmux did not start"
wait_for 10 sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | grep -q 'Curr A'" ||
	fail "no overview after 10 s: $(cat "$T/ui.err")"
sleep 3			# the records round at start
key i
screen >"$T/inv1.txt"
grep -q "Inventory" "$T/inv1.txt" || fail "'i' did not show the inventory: $(cat "$T/inv1.txt")"
grep -q "No records read yet" "$T/inv1.txt" && fail "no records after 3 s"
# Page down to the end and collect every module row.
for _ in 1 2 3; do screen >>"$T/inv.txt"; key ' '; done
screen >>"$T/inv.txt"
python3 -c 'import sys; sys.exit(any(len(l.rstrip("\n")) > 80 for l in
	open(sys.argv[1], encoding="utf-8")))' "$T/inv.txt" || fail "a line is wider than 80 columns"
jq -r --argjson off "$OFFSET" '.modules[] | [.id, .barcode, .records.soh_pct, .records.cycles,
	(.records | [.coc, .doc, .sc] | map(select(. > 0)) | length)] | @tsv' "$T/lv.json" |
while IFS=$'\t' read -r id bc soh cyc _; do
	grep -Eq "^ $id +$bc +US[0-9A-Z]+ +[^ ]+ +[^ ]+ +$soh% +$cyc +[0-9]+ ([+-][0-9]+s|-)$" "$T/inv.txt" ||
		fail "inventory row of module $id (barcode $bc, SOH $soh%, cycles $cyc) missing or wrong:
$(grep -E "^ $id " "$T/inv.txt" | head -2)"
done || exit 1
# The clock offset of module 1 (the console's) is the configured one +-2 s.
off=$(grep -E "^ 1 +PPT" "$T/inv.txt" | head -1 | grep -Eo '[+-][0-9]+s$' | tr -d 's+')
[ -n "$off" ] && [ "${off#-}" -ge $((OFFSET - 2)) ] && [ "${off#-}" -le $((OFFSET + 2)) ] ||
	fail "module 1's clock offset '$off' is not $OFFSET s"
# Module 1 has COC 1 DOC 2 in the simulator: a '!' line right under it.
c1=$(jq '.modules[0].records.coc' "$T/lv.json")
grep -A1 -E "^ 1 +PPT" "$T/inv.txt" | grep -Eq "^ +! .*COC $c1" ||
	fail "module 1's non-zero protection counts are not on a marked line"
note "inventory: 16 modules' barcode, SOH, cycles, clock offset equal to the truth at 80x24"

key e
screen >"$T/ev.txt"
newest=$(jq -r '.log[0] | "\(.time)\t\(.code)\t\(.text)"' "$T/lv.json")
IFS=$'\t' read -r etime ecode etext <<<"$newest"
row=$(grep -F "$etime" "$T/ev.txt" | head -1)
[ -n "$row" ] || fail "the newest event ($etime) is not shown first: $(cat "$T/ev.txt")"
first=$(grep -Em1 '^ [0-9]{2}-[0-9]{2}-[0-9]{2} ' "$T/ev.txt")
[ "$first" = "$row" ] || fail "events are not newest first: first '$first'"
case "$row" in *"$ecode"*"${etext:0:20}"*) ;; *) fail "event row '$row' is not '$newest'";; esac
host=$(echo "$row" | awk '{print $3" "$4}')
# The offset is measured (the BMS clock has whole seconds): within 2 s.
d=$(( $(date -d "20$etime" +%s) - $(date -d "20$host" +%s) - OFFSET ))
[ "${d#-}" -le 2 ] || fail "host time '$host' is not BMS time '$etime' minus $OFFSET s"
note "events: newest first, host time = BMS time - offset ($row)"
key f
screen | grep -q "Event log of module 1" || fail "'f' did not filter to module 1"
key f
screen | grep -q "Event log, newest first" || fail "'f' did not come back to every module"
tm send-keys -t pt q
sleep 0.5
exit 0
