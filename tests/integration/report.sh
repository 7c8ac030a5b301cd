#!/bin/bash
# report.sh — `pylontop report DIR` end to end (issue 13): against the
# simulator as an LV stack of 16, an HV controller with 5 BMUs and a Pytes
# LV stack (PYTES> prompt), the report writes report.md, report.html and
# raw/; every lifetime counter, per-cell SOH count and event-log entry in
# both files equals the simulator's truth file (tests/tools/report_check.py),
# the HTML validates (tidy, and a strict parse: every element closed, no
# external reference), a hostile barcode is escaped in both formats, the
# site name and thresholds come from the config file, the simulator
# received no command outside the read-only table, thresholds out of order
# or not numbers are refused in one line, and a device that does
# not answer gets a one-line error and no report.
PT_TEST_TIMEOUT=150
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing (scripts/setup installs it)"
command -v python3 >/dev/null 2>&1 || skip "python3 is missing (scripts/setup installs it)"
command -v tidy >/dev/null 2>&1 || skip "tidy is missing (scripts/setup installs it)"
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"
CHECK="$top_srcdir/tests/tools/report_check.py"

cat >"$T/conf" <<'EOF'
SITE_NAME=Farm <North> & "Barn"
REPORT_SPREAD_DEGRADING_MV=25
REPORT_SPREAD_FAILED_MV=45
EOF

run_case() {	# NAME PROTOCOL MODULES [SIM ARGS...]
	local name=$1 proto=$2 n=$3; shift 3
	sim_start "$name" --protocol "$proto" --modules "$n" --state "$T/$name.json" "$@"
	"$PYLONTOP" -c "$T/conf" -d "$SIM_DEV" -p "$proto" -i 0.2 report "$T/$name.out" \
	    >"$T/$name.stdout" 2>"$T/$name.log" ||
		fail "$name: report failed: $(cat "$T/$name.log")"
	kill "$BG_PID" 2>/dev/null; wait "$BG_PID" 2>/dev/null	# truth file complete
	[ -s "$T/$name.out/report.md" ] && [ -s "$T/$name.out/report.html" ] &&
	    [ -d "$T/$name.out/raw" ] || fail "$name: report.md, report.html or raw/ missing"
	grep -qx "$T/$name.out/report.html" "$T/$name.stdout" ||
		fail "$name: the paths written were not printed"
	python3 "$CHECK" "$T/$name.out" "$T/$name.json" "$proto" >"$T/$name-check.log" 2>&1 ||
		fail "$name: the report differs from the truth:
$(cat "$T/$name-check.log")"
	tidy -errors -q "$T/$name.out/report.html" >"$T/$name-tidy.log" 2>&1 ||
		fail "$name: report.html is not valid HTML: $(cat "$T/$name-tidy.log")"
	grep -Eiq '(src|href)=|https?://' "$T/$name.out/report.html" &&
		fail "$name: report.html refers to something outside itself"
	jq -e '.refused_commands == 0 and .commands > 0 and .write_count == 0' \
	    "$T/$name.json" >/dev/null ||
		fail "$name: the simulator saw a command outside the read-only table"
	# Site name and thresholds from the config file, escaped.
	grep -Fq '# Farm \<North\> \& "Barn"' "$T/$name.out/report.md" ||
		fail "$name: SITE_NAME is not the Markdown title, escaped"
	grep -Fq '<h1>Farm &lt;North&gt; &amp; &quot;Barn&quot;</h1>' \
	    "$T/$name.out/report.html" || fail "$name: SITE_NAME is not the HTML title, escaped"
	grep -Fq '| healthy spread | below 25 mV |' "$T/$name.out/report.md" ||
		fail "$name: the configured threshold is not stated"
	note "$name: both files and raw/ equal to the truth, HTML valid, read-only"
}

run_case lv16 lv 16 --log-entries 60
[ "$(ls "$T/lv16.out/raw" | wc -l)" -ge 48 ] ||
	fail "lv16: raw/ should hold stat, soh and info of 16 modules: $(ls "$T/lv16.out/raw")"
run_case pytes lv 3 --prompt pytes --log-entries 20

# HV: the controller's records; its barcode is hostile markup.
HOSTILE='PPT<b>x</b>&amp;|*_[a]`'
run_case hv5 hv 5 --log-entries 25 --barcode "$HOSTILE"
grep -Fq 'PPT\<b\>x\</b\>\&amp;\|\*\_\[a\]\`' "$T/hv5.out/report.md" ||
	fail "hv5: the hostile barcode is not escaped in report.md"
grep -Fq 'PPT&lt;b&gt;x&lt;/b&gt;&amp;amp;|*_[a]`' "$T/hv5.out/report.html" ||
	fail "hv5: the hostile barcode is not escaped in report.html"
grep -Fq '<b>x' "$T/hv5.out/report.md" "$T/hv5.out/report.html" &&
	fail "hv5: the hostile barcode reached a report unescaped"
note "hv5: a hostile barcode is escaped in both formats"

# 'W' in the UI writes the same report from the monitor's snapshots (the
# records read at start, the history), in the current directory.
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
if [ -n "$TMUX_BIN" ] && grep -q "^#define HAVE_TUI 1" "$top_builddir/autoconfig.h" 2>/dev/null
then
	SOCK="$T/tmux.sock"
	tm() { "$TMUX_BIN" -S "$SOCK" -f /dev/null "$@"; }
	PT_ON_EXIT="tm kill-server"
	mkdir "$T/uicwd"
	sim_start ui --protocol lv --modules 4 --state "$T/ui.json" --log-entries 15
	tm new-session -d -s pt -x 80 -y 24 "cd '$T/uicwd' && '$PYLONTOP' -c '$T/conf' -d '$SIM_DEV' \
	    -p lv -i 0.5 2>'$T/ui.err'" || fail "ui: tmux did not start"
	wait_for 10 sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | grep -q 'Curr A'" ||
		fail "ui: no overview after 10 s: $(cat "$T/ui.err")"
	sleep 3		# the records round at start, a few samples
	tm send-keys -t pt W
	wait_for 5 sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt |
	    grep -q 'Report written to pylontop-report-'" ||
		fail "ui: 'W' did not say the report was written: $(tm capture-pane -p -t pt)"
	tm capture-pane -p -t pt | grep -q 'records not read yet' &&
		fail "ui: the records round at start had not finished after 3 s"
	tm send-keys -t pt q
	sleep 0.5
	kill "$BG_PID" 2>/dev/null; wait "$BG_PID" 2>/dev/null
	ui_dir=$(ls -d "$T"/uicwd/pylontop-report-* | head -1)
	python3 "$CHECK" "$ui_dir" "$T/ui.json" lv >"$T/ui-check.log" 2>&1 ||
		fail "ui: the report differs from the truth:
$(cat "$T/ui-check.log")"
	tidy -errors -q "$ui_dir/report.html" >/dev/null 2>&1 || fail "ui: report.html is not valid"
	note "ui: 'W' wrote $(basename "$ui_dir"), equal to the truth"
else
	note "ui: skipped (no tmux or built without the TUI)"
fi

# Thresholds out of order or not numbers: one line naming the key, exit 2.
printf 'REPORT_SPREAD_DEGRADING_MV=60\n' >"$T/bad.conf"
"$PYLONTOP" -c "$T/bad.conf" -d /dev/null report "$T/bad.out" 2>"$T/bad.log" >/dev/null
rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$T/bad.log")" -eq 1 ] &&
    grep -q "REPORT_SPREAD_DEGRADING_MV (60) is above REPORT_SPREAD_FAILED_MV" "$T/bad.log" ||
	fail "thresholds out of order: rc $rc, $(cat "$T/bad.log")"
printf 'REPORT_SOC_MIN=lots\n' >"$T/bad.conf"
"$PYLONTOP" -c "$T/bad.conf" -d /dev/null report "$T/bad.out" 2>"$T/bad.log" >/dev/null
rc=$?
[ "$rc" -eq 2 ] && grep -q "REPORT_SOC_MIN: 'lots' is not a percentage" "$T/bad.log" ||
	fail "a bad threshold: rc $rc, $(cat "$T/bad.log")"
[ -e "$T/bad.out" ] && fail "a bad configuration left a report directory"

# A device that does not answer: one line, non-zero, no report.
sim_start silent --protocol lv --modules 2 --fault silence --fault-every 1
"$PYLONTOP" -d "$SIM_DEV" -p lv report "$T/silent.out" >/dev/null 2>"$T/silent.log" &&
	fail "a silent device gave a report"
[ "$(wc -l <"$T/silent.log")" -eq 1 ] && grep -q "did not answer" "$T/silent.log" ||
	fail "a silent device did not get one clear line: $(cat "$T/silent.log")"
[ -e "$T/silent.out/report.md" ] && fail "a silent device left a report"
note "silent device: $(cat "$T/silent.log")"
exit 0
