#!/bin/bash
# metrics.sh — pylontop --metrics serves /metrics (issue 16.3): the text
# passes `promtool check metrics` (skipped, said so, when promtool is
# absent), bound to 127.0.0.1 unless an address is given (ss -ltn), and
# its values are the simulator's truth per module id and cell — LV 16x16
# on a pty, HV 5x15 on TCP with a hostile controller barcode (quote and
# backslash, escaped as label values).  After kill -STOP of the simulator
# the sample age grows and pylontop_sample_stale turns 1.
PT_TEST_TIMEOUT=150
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
grep -q '^#define HAVE_METRICS 1' "$top_builddir/autoconfig.h" 2>/dev/null ||
	skip "built without the metrics server (--without-metrics)"
command -v curl >/dev/null 2>&1 || skip "curl is missing (scripts/setup installs it)"
command -v jq >/dev/null 2>&1 || skip "jq is missing (scripts/setup installs it)"
command -v ss >/dev/null 2>&1 || skip "ss is missing (iproute2)"
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"
"$PYLONTOP" --help | grep -q -- --metrics || fail "pylontop --help has no --metrics"
PROMTOOL=${PROMTOOL_BIN:-$(command -v promtool 2>/dev/null)}
[ -n "$PROMTOOL" ] || note "promtool not found (Debian package prometheus): format check skipped"

scrape() {	# NAME PORT: /metrics into $T/NAME.prom
	curl -sf --max-time 5 "http://127.0.0.1:$2/metrics" >"$T/$1.prom"
}

# value NAME FILE METRIC: the value of the one series of METRIC.
value() {
	awk -v m="$2" 'index($0, m "{") == 1 { print $NF; exit }' "$1"
}

# The values of a per-module or per-cell metric as "MODULE[ CELL] VALUE" lines.
series() {	# FILE METRIC
	awk -v m="$2" 'index($0, m "{") == 1 {
		mod = ""; cell = ""
		if (match($0, /module="[0-9]+"/)) mod = substr($0, RSTART + 8, RLENGTH - 9)
		if (match($0, /cell="[0-9]+"/)) cell = " " substr($0, RSTART + 6, RLENGTH - 7)
		print mod cell, $NF
	}' "$1" | sort
}

# compare NAME WHAT TOLERANCE GOT WANT: every key of WANT in GOT, within TOL.
compare() {
	awk -v tol="$3" -v what="$2" '
		NR == FNR { key = $1 (NF == 3 ? " " $2 : ""); got[key] = $NF; next }
		{ key = $1 (NF == 3 ? " " $2 : ""); n++
		  if (!(key in got)) { print what " " key ": missing"; bad++; next }
		  d = got[key] - $NF; if (d < 0) d = -d
		  if (d > tol) { print what " " key ": " got[key] " != truth " $NF; bad++ } }
		END { if (n == 0) { print what ": no truth"; exit 1 } exit bad > 0 }' "$4" "$5" \
	    >"$T/$1.cmp" || fail "$1: $(head -5 "$T/$1.cmp")"
}

run_case() {	# NAME MODULES CELLS LISTEN DEVICE-ARGS...
	local name=$1 modules=$2 cells=$3 listen=$4 port=${4##*:} f a1 a2
	shift 4
	bg_start "pt-$name" "$PYLONTOP" "$@" --headless -i 1 --metrics "$listen"
	local pt=$BG_PID
	f=$T/$name.prom
	wait_for 20 bash -c "curl -sf 'http://127.0.0.1:$port/metrics' |
		grep -q '^pylontop_link_samples_total{.*} [2-9]'" ||
		fail "$name: no samples in /metrics: $(curl -s "http://127.0.0.1:$port/metrics" | grep -v '^#' | head -5)"
	# Bound where asked: 127.0.0.1 unless an address is given.
	ss -ltn >"$T/$name.ss"
	grep -q "127\.0\.0\.1:$port " "$T/$name.ss" ||
		fail "$name: not listening on 127.0.0.1:$port: $(grep ":$port " "$T/$name.ss")"
	grep -Eq "(0\.0\.0\.0|\*|\[::\]):$port " "$T/$name.ss" &&
		fail "$name: listening on every address: $(grep ":$port " "$T/$name.ss")"

	# Freeze the simulator: the truth file is then what the last sample read.
	kill -STOP "$SIM_PID"
	sleep 0.5
	scrape "$name" "$port" || fail "$name: scrape failed"
	if [ -n "$PROMTOOL" ]; then
		"$PROMTOOL" check metrics <"$f" >"$T/$name.promtool" 2>&1 ||
			fail "$name: promtool check metrics: $(head -5 "$T/$name.promtool")"
	fi
	# Every module id with its barcode, as in the truth.
	sed -n 's/^pylontop_module_info{.*module="\([0-9]*\)",barcode="\([^"]*\)".*/\1 \2/p' "$f" |
		sort >"$T/$name.ids"
	jq -r '.modules[] | "\(.id) \(.barcode)"' "$T/$name.json" | sort >"$T/$name.ids.want"
	cmp -s "$T/$name.ids" "$T/$name.ids.want" ||
		fail "$name: module ids/barcodes $(tr '\n' ' ' <"$T/$name.ids") != truth $(tr '\n' ' ' <"$T/$name.ids.want")"
	[ "$(series "$f" pylontop_cell_voltage_volts | wc -l)" -eq $((modules * cells)) ] ||
		fail "$name: want $((modules * cells)) cell voltages, got $(series "$f" pylontop_cell_voltage_volts | wc -l)"
	# Values: the simulator moves once a second; allow a step.
	jq -r '.modules[] | .id as $m | .cells | to_entries[] | "\($m) \(.key + 1) \(.value.voltage)"' \
	    "$T/$name.json" | sort >"$T/$name.cv.want"
	series "$f" pylontop_cell_voltage_volts >"$T/$name.cv"
	compare "$name" "cell voltage" 0.02 "$T/$name.cv" "$T/$name.cv.want"
	jq -r '.modules[] | .id as $m | .cells | to_entries[] | "\($m) \(.key + 1) \(.value.temperature)"' \
	    "$T/$name.json" | sort >"$T/$name.ct.want"
	series "$f" pylontop_cell_temperature_celsius >"$T/$name.ct"
	compare "$name" "cell temperature" 0.25 "$T/$name.ct" "$T/$name.ct.want"
	jq -r '.modules[] | "\(.id) \(.voltage)"' "$T/$name.json" | sort >"$T/$name.mv.want"
	series "$f" pylontop_module_voltage_volts >"$T/$name.mv"
	compare "$name" "module voltage" 0.05 "$T/$name.mv" "$T/$name.mv.want"
	jq -r '.modules[] | "\(.id) \(.soc / 100)"' "$T/$name.json" | sort >"$T/$name.soc.want"
	series "$f" pylontop_module_state_of_charge_ratio >"$T/$name.soc"
	compare "$name" "module soc" 0.011 "$T/$name.soc" "$T/$name.soc.want"
	# Counters are typed as counters.
	grep -qx '# TYPE pylontop_link_timeouts_total counter' "$f" ||
		fail "$name: pylontop_link_timeouts_total is not a counter"

	# Stopped simulator: the age grows and the sample turns stale.
	a1=$(value "$f" pylontop_sample_age_seconds)
	[ "$(value "$f" pylontop_sample_stale)" = 0 ] ||
		fail "$name: stale 0.5 s after the simulator stopped (limit $(value "$f" pylontop_sample_stale_after_seconds) s)"
	wait_for 15 bash -c "curl -sf 'http://127.0.0.1:$port/metrics' |
		grep -q '^pylontop_sample_stale{.*} 1\$'" ||
		fail "$name: never stale after kill -STOP of the simulator"
	scrape "$name.stale" "$port" || fail "$name: scrape failed"
	a2=$(value "$T/$name.stale.prom" pylontop_sample_age_seconds)
	awk -v a="$a1" -v b="$a2" -v lim="$(value "$f" pylontop_sample_stale_after_seconds)" \
	    'BEGIN { exit !(b > a + 1 && b > lim) }' ||
		fail "$name: sample age did not grow past the limit ($a1 s, then $a2 s)"
	# ... and the values are still the last sample's, not zeros.
	series "$T/$name.stale.prom" pylontop_cell_voltage_volts >"$T/$name.cv2"
	cmp -s "$T/$name.cv" "$T/$name.cv2" || fail "$name: cell voltages changed while the simulator was stopped"
	note "$name: $modules x $cells equal to the truth; age $a1 s -> $a2 s, stale 1"
	kill -CONT "$SIM_PID"
	kill "$pt" 2>/dev/null; wait "$pt" 2>/dev/null
}

port=$(free_port) || skip "no free port"
sim_start lv --protocol lv --modules 16 --cells 16 --state "$T/lv.json"; SIM_PID=$BG_PID
run_case lv 16 16 "127.0.0.1:$port" -d "$SIM_DEV"

# HV on TCP; --metrics PORT alone must bind 127.0.0.1.  The controller's
# barcode carries a quote and a backslash: escaped, promtool still passes.
sim_tcp_start hv --protocol hv --modules 5 --cells 15 --barcode 'PPT"B\X1' \
    --state "$T/hv.json"; SIM_PID=$BG_PID simport=$SIM_PORT
port=$(free_port) || skip "no free port"
run_case hv 5 15 "$port" -d "tcp://127.0.0.1:$simport"
grep -qF 'barcode="PPT\"B\\X1"' "$T/hv.prom" ||
	fail "hv: controller barcode not escaped: $(grep '^pylontop_stack_info' "$T/hv.prom")"

# A port in use: one clear line, exit 2, before any device is opened.
sim_start busy --protocol lv --modules 1
bg_start holder "$PYLONTOP" -d "$SIM_DEV" --headless --metrics "$port"
holder=$BG_PID
wait_for 10 bash -c "curl -sf http://127.0.0.1:$port/metrics >/dev/null" || fail "second server did not start"
"$PYLONTOP" -d "$SIM_DEV" --headless -n 1 --metrics "$port" >"$T/busy.out" 2>"$T/busy.err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "cannot listen on 127.0.0.1:$port" "$T/busy.err" ||
	fail "port in use: rc $rc, $(cat "$T/busy.err")"
kill "$holder"; wait "$holder" 2>/dev/null
"$PYLONTOP" --metrics nonsense --once 2>"$T/bad.err"
[ $? -eq 2 ] && grep -q "METRICS_LISTEN.*\[ADDR:\]PORT" "$T/bad.err" ||
	fail "bad --metrics: $(cat "$T/bad.err")"
note "port in use and a bad --metrics: one line, exit 2"
exit 0
