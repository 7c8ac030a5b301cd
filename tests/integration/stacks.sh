#!/bin/bash
# stacks.sh — several stacks in one instance (issue 16.1): an LV 8x16
# simulator on a pty and an HV 5x15 one on TCP, in one `pylontop
# --headless -d ... --name lv -d ... --name hv`.  Each stack writes its own
# CSV file (log-lv.csv, log-hv.csv) with its own device's modules and cells
# (ids and counts as the simulators' truth files have them); stopping the
# HV simulator (a hung link) and then killing it (a lost one) leaves the LV
# stack sampling on time (a row a second, none 3.5 s apart at -i 1) while
# the HV stack says it lost its link.  Then two stacks from [stack NAME]
# sections of a config file: a file each with its own simulator's modules,
# the section's INTERVAL and ALARM_TEMP_HIGH over the top part's, also
# after a SIGHUP.
PT_TEST_TIMEOUT=240
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"
command -v jq >/dev/null 2>&1 || skip "jq is missing (scripts/setup installs it)"

sim_start lv --protocol lv --modules 8 --cells 16 --state "$T/lv.json"; lv=$SIM_DEV; lv_pid=$BG_PID
sim_tcp_start hv --protocol hv --modules 5 --cells 15 --state "$T/hv.json"
hv_pid=$BG_PID port=$SIM_PORT

bg_start pt "$PYLONTOP" --headless -i 1 -d "$lv" --name lv -d "tcp://127.0.0.1:$port" \
    --name hv --csv "$T/log.csv"; pt=$BG_PID

rows() { [ -f "$1" ] && echo $(($(wc -l <"$1") - 1)) || echo 0; }
wait_for 90 bash -c "[ \$(wc -l <'$T/log-lv.csv' 2>/dev/null || echo 0) -ge 4 ] &&
    [ \$(wc -l <'$T/log-hv.csv' 2>/dev/null || echo 0) -ge 4 ]" ||
	fail "both stacks in CSV: lv $(rows "$T/log-lv.csv") rows, hv $(rows "$T/log-hv.csv") rows"
[ -e "$T/log.csv" ] && fail "a CSV file without a stack name: $T/log.csv"

# Each file: its own protocol, and the module ids and cells of its own
# simulator (the truth files are complete once the simulators stop).
ids_of() {	# CSV -> the module ids of its header, ascending
	head -1 "$1" | tr , '\n' | sed -n 's/^m0*\([0-9][0-9]*\)_voltage_V$/\1/p' | sort -n |
	    paste -sd ' '
}
proto_of() { sed -n 2p "$1" | cut -d, -f3; }
cells() {	# CSV MODULE -> cell columns of that module
	head -1 "$1" | tr , '\n' | grep -c "^m$(printf %02d "$2")_c[0-9][0-9]_V$"
}
truth_ids() { jq -r '[.modules[].id] | sort | map(tostring) | join(" ")' "$1"; }

# lv_on_time FROM_MS WHAT: the LV stack wrote at least 5 rows since
# FROM_MS (6 s ago or more) and no two of them 3.5 s apart (-i 1; the
# CSV times are whole seconds).
lv_on_time() {
	local n
	n=$(tail -n +2 "$T/log-lv.csv" | cut -d, -f1 | while read -r t; do date -d "$t" +%s%3N; done |
	    awk -v k="$1" '$1 >= k - 999 { n++; if (n > 1 && $1 - p > 3500) { print "gap"; exit } p = $1 }
		END { print n + 0 }')
	[ "$n" != gap ] || fail "lv: a gap over 3.5 s while $2"
	[ "$n" -ge 5 ] || fail "lv stalled while $2: $n rows in $(( ($(date +%s%3N) - $1) / 1000 )) s"
	note "lv: $n rows while $2, none over 3.5 s apart"
}

proto=$(proto_of "$T/log-hv.csv"); ids=$(ids_of "$T/log-hv.csv")
[ "$proto" = hv ] || fail "log-hv.csv: protocol '$proto', want hv"
[ "$ids" = "$(truth_ids "$T/hv.json")" ] ||
	fail "log-hv.csv: module ids '$ids', the HV simulator has '$(truth_ids "$T/hv.json")'"
[ "$(cells "$T/log-hv.csv" 1)" -eq 15 ] || fail "log-hv.csv: $(cells "$T/log-hv.csv" 1) cells, want 15"
note "hv: its own file, modules $ids with 15 cells each"

# A hung HV link (the simulator stopped: no answer, no close), then a
# closed one (killed): the LV stack samples on time through both.
kill -STOP "$hv_pid"; t0=$(date +%s%3N)
sleep 7
lv_on_time "$t0" "the HV simulator was stopped"
kill -CONT "$hv_pid"; kill "$hv_pid"; wait "$hv_pid" 2>/dev/null; t0=$(date +%s%3N)
wait_for 20 bash -c "grep -q 'hv: lost' '$T/pt.log'" ||
	fail "the HV stack did not say it lost its link: $(cat "$T/pt.log")"
sleep 6
lv_on_time "$t0" "the HV simulator was gone"

kill "$pt"; wait "$pt" 2>/dev/null
kill "$lv_pid"; wait "$lv_pid" 2>/dev/null
proto=$(proto_of "$T/log-lv.csv"); ids=$(ids_of "$T/log-lv.csv")
[ "$proto" = lv ] || fail "log-lv.csv: protocol '$proto', want lv"
[ "$ids" = "$(truth_ids "$T/lv.json")" ] ||
	fail "log-lv.csv: module ids '$ids', the LV simulator has '$(truth_ids "$T/lv.json")'"
[ "$(cells "$T/log-lv.csv" 8)" -eq 16 ] || fail "log-lv.csv: $(cells "$T/log-lv.csv" 8) cells, want 16"
grep -q "^pylontop: lv: .* samples\?; errors" "$T/pt.log" || fail "no summary for lv: $(tail -5 "$T/pt.log")"
note "lv: its own file, modules $ids with 16 cells each"

# The same from [stack NAME] sections of the config file: a device each,
# a key of the top part shared (CSV_FILE), one overridden (INTERVAL).
sim_start s1 --protocol lv --modules 2 --cells 15 --state "$T/s1.json"
sim_start s2 --protocol lv --modules 3 --cells 16 --state "$T/s2.json"
cat >"$T/sections.env" <<EOF2
CSV_FILE=$T/sec.csv
INTERVAL=1
[stack one]
SERIAL_PORT=$T/s1
[stack two]
SERIAL_PORT=$T/s2
INTERVAL=2
ALARM_TEMP_HIGH=20
EOF2
bg_start sec "$PYLONTOP" -c "$T/sections.env" --headless; sec=$BG_PID
wait_for 60 bash -c "[ \$(wc -l <'$T/sec-one.csv' 2>/dev/null || echo 0) -ge 5 ] &&
    [ \$(wc -l <'$T/sec-two.csv' 2>/dev/null || echo 0) -ge 3 ]" ||
	fail "sections: one $(rows "$T/sec-one.csv") rows, two $(rows "$T/sec-two.csv") rows: $(cat "$T/sec.log")"
# [stack two]'s ALARM_TEMP_HIGH=20 is its own (the cells are ~22-25 C),
# and stays its own when SIGHUP re-reads the thresholds.
high() { tail -n "$2" "$1" | grep -c temperature_high; }
[ "$(high "$T/sec-two.csv" 1)" -eq 1 ] || fail "[stack two]: no temperature_high with its ALARM_TEMP_HIGH=20"
[ "$(high "$T/sec-one.csv" 2)" -eq 0 ] || fail "[stack one] has [stack two]'s ALARM_TEMP_HIGH"
kill -HUP "$sec"
wait_for 5 grep -q 'SIGHUP: CSV file re-opened, alarm thresholds re-read' "$T/sec.log" ||
	fail "sections: SIGHUP not said: $(tail -3 "$T/sec.log")"
n=$(rows "$T/sec-two.csv")
wait_for 20 bash -c "[ \$(wc -l <'$T/sec-two.csv') -gt $((n + 3)) ]" || fail "sections: no rows after SIGHUP"
[ "$(high "$T/sec-two.csv" 3)" -eq 3 ] ||
	fail "[stack two] lost its ALARM_TEMP_HIGH on SIGHUP: temperature_high in $(high "$T/sec-two.csv" 3) of its last 3 rows"
[ "$(high "$T/sec-one.csv" 3)" -eq 0 ] || fail "[stack one] got [stack two]'s threshold on SIGHUP"
note "[stack two]'s own ALARM_TEMP_HIGH: temperature_high there, not in one; kept on SIGHUP"
kill "$sec"; wait "$sec" 2>/dev/null
[ "$(ids_of "$T/sec-one.csv")" = "$(truth_ids "$T/s1.json")" ] ||
	fail "sec-one.csv: modules '$(ids_of "$T/sec-one.csv")', [stack one]'s simulator has '$(truth_ids "$T/s1.json")'"
[ "$(ids_of "$T/sec-two.csv")" = "$(truth_ids "$T/s2.json")" ] ||
	fail "sec-two.csv: modules '$(ids_of "$T/sec-two.csv")', [stack two]'s simulator has '$(truth_ids "$T/s2.json")'"
# INTERVAL=2 in [stack two]: its rows are about 2 s apart, one's 1 s.
step() { tail -n +2 "$1" | cut -d, -f1 | while read -r t; do date -d "$t" +%s; done |
    awk 'NR > 1 { d += $1 - p; n++ } { p = $1 } END { printf "%.1f\n", n ? d / n : 0 }'; }
awk -v a="$(step "$T/sec-one.csv")" -v b="$(step "$T/sec-two.csv")" \
    'BEGIN { exit !(a >= 0.7 && a <= 1.5 && b >= 1.7 && b <= 2.6) }' ||
	fail "sections: mean row step one $(step "$T/sec-one.csv") s (want 1), two $(step "$T/sec-two.csv") s (want 2)"
grep -q "^pylontop: two: " "$T/sec.log" || fail "sections: lines not named by stack: $(head -3 "$T/sec.log")"
note "[stack one] and [stack two]: own files with own modules, rows every $(step "$T/sec-one.csv") s and $(step "$T/sec-two.csv") s"
exit 0
