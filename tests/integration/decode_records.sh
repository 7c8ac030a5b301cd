#!/bin/bash
# decode_records.sh — `pylontop --decode` on the BMS records answers
# (issue 13): the real stat/soh/log/time/bmuinfo/sysinfo captures of
# ../shared (skipped when absent) give the values a person reads; a bare
# table (no echo, '@', '$$' or prompt, as forum posts carry it) decodes
# with --command and is refused without it, with the hint to add it.
PT_TEST_TIMEOUT=60
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing (scripts/setup installs it)"
C="$SHARED_DIR/protocols/captures"
[ -f "$C/SC-CMUA-B52.34_stat_1.txt" ] || skip "no captures in $C"

# want FILE JQ-EXPR [DECODE ARGS...]: decode FILE, the expression is true.
want() {
	local f=$1 e=$2; shift 2
	"$PYLONTOP" --decode "$f" "$@" >"$T/out.json" 2>"$T/err.log" ||
		fail "$(basename "$f"): --decode failed: $(cat "$T/err.log")"
	jq -e "$e" "$T/out.json" >/dev/null ||
		fail "$(basename "$f"): want $e, got $(head -c 800 "$T/out.json")"
}

want "$C/SC-CMUA-B52.34_stat_1.txt" '.records.units[0] | .id == 0 and .stat.cycles == 203 and
	.stat.charge_times == 33757 and .stat.soh_pct == 99 and .stat.bhv == 141'
want "$C/US2000C-B67.5_stat_1.txt" '.records.units[0] | .id == 1 and .stat.cycles == 666 and
	.stat.soh_pct == 93 and .stat.shutdowns == 3256'
want "$C/ForceH2-B52.26_stat_1.txt" '[.records.units[0].stat.all[] |
	select(.name == "ChgCurr 0~0.2C Secs") | .num] == [6496484]'
want "$C/US5000stack-B69.16_soh-1_1.txt" '.records.units[0] | .id == 1 and
	(.soh.cells | length) == 15 and .soh.cells[14].voltage_mv == 3330'
want "$C/SC-CMUA-B52.34_soh_1.txt" '.records.units[0].soh.cells[7].count == 1082' -p hv
want "$C/US5000stack-B69.16_log_1.txt" '.records.units[0].log.events | length == 32 and
	.[0].code == "2c50" and .[31].time == "23-09-16 08:55:33"'
want "$C/ForceH2-B52.26_time_1.txt" '.records.units[0].clock.bms_time == "2023-10-05 14:30:18"'
want "$C/US2000C-B67.5_time_1.txt" '.records.units[0].clock.bms_time == "2026-07-17 01:40:48"'
want "$C/ForceH2-B52.26_bmuinfo-0_1.txt" '.records.units[0] | .id == 1 and
	.identity.pcba_barcode == "Axxxxxxxxxxxxxxxxxxxx1" and .identity.cells == 30'
want "$C/ForceH2-B52.26_sysinfo_1.txt" '[.records.units[0].sysinfo[] |
	select(.name == "Chg Sug Volt") | .value] == ["426000 mV"]'
note "captures: stat, soh, log (10 pages), time, bmuinfo, sysinfo decode"

# A bare table, as pasted in a forum post.
tr -d '\r' <"$C/US2000C-B67.5_stat_1.txt" | sed -n '/^Charge Times/,/^CYCLE Times/p' >"$T/bare_stat.txt"
if "$PYLONTOP" --decode "$T/bare_stat.txt" >"$T/out.json" 2>"$T/err.log"; then
	fail "a bare table without --command was decoded (it may be truncated)"
fi
grep -q -- "--command" "$T/err.log" || fail "no hint to add --command: $(cat "$T/err.log")"
want "$T/bare_stat.txt" '.records.units[0] | .id == 3 and .stat.cycles == 666 and
	.stat.charge_times == 26076' --command "stat 3"
tr -d '\r' <"$C/US5000stack-B69.16_log_1.txt" | sed -n '/Index/,/Info/p' | head -15 >"$T/bare_log.txt"
want "$T/bare_log.txt" '.records.units[0].log.events | length == 3 and .[2].index == 29' \
    --command log
note "bare tables: refused without --command (with the hint), decoded with it"
exit 0
