#!/bin/bash
# metrics_stacks.sh — one /metrics for several stacks (issue 16.3 with
# 16.1): `pylontop --headless -d LV --name lv -d tcp://HV --name hv
# --metrics PORT`, an LV 8x16 simulator on a pty and an HV 5x15 one on
# TCP.  One exposition: promtool passes and each family's HELP and TYPE
# come once, not once per stack; every series carries stack="lv" or
# stack="hv"; each stack's module ids, barcodes, cell voltages and
# temperatures are its own simulator's truth.  Killing the HV simulator
# makes hv's pylontop_sample_stale 1 while lv's stays 0 and lv samples on.
PT_TEST_TIMEOUT=150
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
grep -q '^#define HAVE_METRICS 1' "$top_builddir/autoconfig.h" 2>/dev/null ||
	skip "built without the metrics server (--without-metrics)"
command -v curl >/dev/null 2>&1 || skip "curl is missing (scripts/setup installs it)"
command -v jq >/dev/null 2>&1 || skip "jq is missing (scripts/setup installs it)"
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"
PROMTOOL=${PROMTOOL_BIN:-$(command -v promtool 2>/dev/null)}
[ -n "$PROMTOOL" ] || note "promtool not found (Debian package prometheus): format check skipped"

scrape() {	# FILE
	curl -sf --max-time 5 "http://127.0.0.1:$port/metrics" >"$1"
}

# value FILE METRIC STACK: the value of METRIC's series of STACK.
value() {
	awk -v m="$2" -v s="{stack=\"$3\"}" 'index($0, m s) == 1 { print $NF; exit }' "$1"
}

# series FILE METRIC STACK: "MODULE[ CELL] VALUE" lines of STACK's series.
series() {
	awk -v m="$2" -v s="{stack=\"$3\"," 'index($0, m s) == 1 {
		mod = ""; cell = ""
		if (match($0, /module="[0-9]+"/)) mod = substr($0, RSTART + 8, RLENGTH - 9)
		if (match($0, /cell="[0-9]+"/)) cell = " " substr($0, RSTART + 6, RLENGTH - 7)
		print mod cell, $NF
	}' "$1" | sort
}

# compare WHAT TOLERANCE GOT WANT: every key of WANT in GOT, within TOL, and no more.
compare() {
	awk -v tol="$2" -v what="$1" '
		NR == FNR { key = $1 (NF == 3 ? " " $2 : ""); got[key] = $NF; ng++; next }
		{ key = $1 (NF == 3 ? " " $2 : ""); n++
		  if (!(key in got)) { print what " " key ": missing"; bad++; next }
		  d = got[key] - $NF; if (d < 0) d = -d
		  if (d > tol) { print what " " key ": " got[key] " != truth " $NF; bad++ } }
		END { if (n == 0) { print what ": no truth"; exit 1 }
		      if (ng != n) { print what ": " ng " series, the truth has " n; bad++ }
		      exit bad > 0 }' "$3" "$4" >"$T/cmp" || fail "$(head -5 "$T/cmp")"
}

truth() {	# STACK: its values against its simulator's truth file
	local s=$1 f=$T/frozen.prom j=$T/$1.json
	sed -n "s/^pylontop_module_info{stack=\"$s\",module=\"\([0-9]*\)\",barcode=\"\([^\"]*\)\".*/\1 \2/p" \
	    "$f" | sort >"$T/$s.ids"
	jq -r '.modules[] | "\(.id) \(.barcode)"' "$j" | sort >"$T/$s.ids.want"
	cmp -s "$T/$s.ids" "$T/$s.ids.want" ||
		fail "$s: module ids/barcodes $(tr '\n' ' ' <"$T/$s.ids") != truth $(tr '\n' ' ' <"$T/$s.ids.want")"
	jq -r '.modules[] | .id as $m | .cells | to_entries[] | "\($m) \(.key + 1) \(.value.voltage)"' \
	    "$j" | sort >"$T/$s.cv.want"
	series "$f" pylontop_cell_voltage_volts "$s" >"$T/$s.cv"
	compare "$s cell voltage" 0.02 "$T/$s.cv" "$T/$s.cv.want"
	jq -r '.modules[] | .id as $m | .cells | to_entries[] | "\($m) \(.key + 1) \(.value.temperature)"' \
	    "$j" | sort >"$T/$s.ct.want"
	series "$f" pylontop_cell_temperature_celsius "$s" >"$T/$s.ct"
	compare "$s cell temperature" 0.25 "$T/$s.ct" "$T/$s.ct.want"
	jq -r '.modules[] | "\(.id) \(.voltage)"' "$j" | sort >"$T/$s.mv.want"
	series "$f" pylontop_module_voltage_volts "$s" >"$T/$s.mv"
	compare "$s module voltage" 0.05 "$T/$s.mv" "$T/$s.mv.want"
	note "$s: modules $(cut -d' ' -f1 "$T/$s.ids" | paste -sd' ') with their barcodes, $(wc -l <"$T/$s.cv") cells equal to the truth"
}

sim_start lv --protocol lv --modules 8 --cells 16 --state "$T/lv.json"; lv=$SIM_DEV; lv_pid=$BG_PID
sim_tcp_start hv --protocol hv --modules 5 --cells 15 --state "$T/hv.json"
hv_pid=$BG_PID simport=$SIM_PORT
port=$(free_port) || skip "no free port"
bg_start pt "$PYLONTOP" --headless -i 1 -d "$lv" --name lv -d "tcp://127.0.0.1:$simport" \
    --name hv --metrics "$port"; pt=$BG_PID

samples() {	# STACK: its samples so far ("" before a scrape answers)
	curl -sf --max-time 5 "http://127.0.0.1:$port/metrics" |
	    awk -v s="pylontop_link_samples_total{stack=\"$1\"}" 'index($0, s) == 1 { print $NF }'
}
wait_for 60 bash -c "[ \"\$(curl -sf http://127.0.0.1:$port/metrics | grep -c \
    '^pylontop_link_samples_total{stack=\"\(lv\|hv\)\"} [2-9]')\" = 2 ]" ||
	fail "not both stacks sampled in /metrics: $(curl -s "http://127.0.0.1:$port/metrics" |
	    grep '^pylontop_link_samples_total'); $(tail -3 "$T/pt.log")"

# Both simulators frozen: their truth files are what the last samples read.
kill -STOP "$lv_pid" "$hv_pid"
sleep 0.5
scrape "$T/frozen.prom" || fail "scrape failed"
kill -CONT "$lv_pid" "$hv_pid"
if [ -n "$PROMTOOL" ]; then
	"$PROMTOOL" check metrics <"$T/frozen.prom" >"$T/promtool.out" 2>&1 ||
		fail "promtool check metrics: $(head -5 "$T/promtool.out")"
fi
# Each family declared once, however many stacks have series of it.
dup=$(grep '^# \(HELP\|TYPE\) ' "$T/frozen.prom" | cut -d' ' -f2,3 | sort | uniq -d | head -3)
[ -z "$dup" ] || fail "families declared twice: $dup"
# ... and every series is one of the two stacks'.
other=$(grep -v '^#' "$T/frozen.prom" | grep -v '{stack="\(lv\|hv\)"[,}]' | head -3)
[ -z "$other" ] || fail "series without stack=\"lv\" or \"hv\": $other"
grep -q '^pylontop_stack_info{stack="hv",protocol="hv"' "$T/frozen.prom" ||
	fail "hv: not the HV protocol: $(grep '^pylontop_stack_info' "$T/frozen.prom")"
grep -q '^pylontop_stack_info{stack="lv",protocol="lv"' "$T/frozen.prom" ||
	fail "lv: not the LV protocol: $(grep '^pylontop_stack_info' "$T/frozen.prom")"
truth lv
truth hv

# The HV simulator killed: only hv turns stale; lv samples on.
kill "$hv_pid"; wait "$hv_pid" 2>/dev/null
wait_for 30 bash -c "curl -sf http://127.0.0.1:$port/metrics |
    grep -q '^pylontop_sample_stale{stack=\"hv\"} 1\$'" ||
	fail "hv never stale after its simulator was killed"
n1=$(samples lv)
scrape "$T/hvgone.prom" || fail "scrape failed"
[ "$(value "$T/hvgone.prom" pylontop_sample_stale lv)" = 0 ] ||
	fail "lv stale too when only the HV simulator was killed: age $(value "$T/hvgone.prom" pylontop_sample_age_seconds lv) s"
wait_for 15 bash -c "[ \"\$(curl -sf http://127.0.0.1:$port/metrics |
    awk '/^pylontop_link_samples_total{stack=\"lv\"}/ { print \$NF }')\" -ge $((n1 + 3)) ]" ||
	fail "lv stopped sampling after the HV simulator was killed: $n1 then $(samples lv)"
scrape "$T/hvgone2.prom" || fail "scrape failed"
[ "$(value "$T/hvgone2.prom" pylontop_sample_stale lv)" = 0 ] &&
    [ "$(value "$T/hvgone2.prom" pylontop_sample_stale hv)" = 1 ] ||
	fail "after the HV simulator was killed: stale lv $(value "$T/hvgone2.prom" pylontop_sample_stale lv), hv $(value "$T/hvgone2.prom" pylontop_sample_stale hv)"
note "HV simulator killed: hv stale 1 (age $(value "$T/hvgone2.prom" pylontop_sample_age_seconds hv) s), lv stale 0 and sampling ($n1 -> $(samples lv))"
kill "$pt"; wait "$pt" 2>/dev/null
kill "$lv_pid"; wait "$lv_pid" 2>/dev/null

# Stacks from [stack] sections must agree where /metrics listens.
cat >"$T/sections.env" <<EOF2
[stack one]
SERIAL_PORT=$lv
METRICS_LISTEN=127.0.0.1:$port
[stack two]
SERIAL_PORT=tcp://127.0.0.1:$simport
EOF2
"$PYLONTOP" -c "$T/sections.env" --headless >"$T/sec.out" 2>"$T/sec.err"
rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$T/sec.err")" -eq 1 ] &&
    grep -q "METRICS_LISTEN differs between stacks one and two" "$T/sec.err" ||
	fail "sections with different METRICS_LISTEN: rc $rc, $(cat "$T/sec.err")"
note "[stack] sections with different METRICS_LISTEN: one line, exit 2"
exit 0
