#!/bin/bash
# sim_state_log.sh — pylontop-sim --state-log: the truth of every answer.
#
# The soak (tests/soak) judges each value pylontop logged against the
# states the simulator answered with.  Polling the --state file lost
# states that were on disk for a few ms (the first simulator of a lane,
# killed 0.3 s after its start; one second's last answer), and values
# read from them were then counted as untrue.  The simulator now appends
# the state of each answer, before sending it, to the --state-log file:
#  - one line per answer: as many as the commands pylontop sent;
#  - a simulator killed and restarted on the same link appends to the log;
#    every value of the CSV of such a run is in it (check.py --csv-only);
#  - and the checker still finds a value that is in no answer.
PT_TEST_TIMEOUT=90
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v python3 >/dev/null 2>&1 || skip "python3 is missing (the checker is check.py)"
CHECK="$top_srcdir/tests/soak/check.py"

# --- one line per answer -------------------------------------------------
sim_start once --protocol lv --modules 3 --state-log "$T/once.truth"
"$PYLONTOP" -d "$SIM_DEV" --once --format json --record "$T/once.rec" >/dev/null \
	2>"$T/once.err" || fail "--once: $(cat "$T/once.err")"
sent=$(grep -c '^+[0-9.]* > ' "$T/once.rec")
logged=$(wc -l <"$T/once.truth")
[ "$sent" -gt 3 ] || fail "only $sent commands recorded"
[ "$logged" -eq "$sent" ] || fail "$sent commands answered, $logged lines in the state log"
head -1 "$T/once.truth" | grep -q '^[0-9]\{13\}	{"protocol":"lv",' ||
	fail "the first line is not 'UTC_MS<TAB>JSON': $(head -c 80 "$T/once.truth")"
grep -qv '^[0-9]\{13\}	\({.*}\|=\)$' "$T/once.truth" &&
	fail "a line is not 'UTC_MS<TAB>JSON' or 'UTC_MS<TAB>=': $(grep -v '^[0-9]\{13\}	\({.*}\|=\)$' "$T/once.truth" | head -c 80)"
note "--once: $sent commands, $logged state-log lines"

# --- killed and restarted, as the soak does it ----------------------------
sim_start lv --protocol lv --modules 3 --state-log "$T/lv.truth"
sim1=$BG_PID
"$PYLONTOP" -d "$SIM_DEV" --headless -i 1 --csv "$T/lv.csv" 2>"$T/lv.err" >/dev/null &
pt=$!; PT_PIDS="$PT_PIDS $pt"
wait_for 20 grep -q ',1,lv,' "$T/lv.csv" || fail "no first CSV row: $(tail -3 "$T/lv.err")"
kill -TERM "$sim1"; wait "$sim1" 2>/dev/null
rm -f "$T/lv"
sim_start lv --protocol lv --modules 3 --state-log "$T/lv.truth" --fault garbage --fault-every 4
rows() { echo $(($(wc -l <"$T/lv.csv") - 1)); }
enough_rows() { [ "$(rows)" -ge 8 ]; }
wait_for 40 enough_rows || fail "only $(rows) CSV rows after the restart"
kill -TERM "$pt"; wait "$pt" || fail "pylontop: exit $?: $(tail -3 "$T/lv.err")"
[ "$(grep -c '{"protocol"' "$T/lv.truth")" -ge 2 ] || fail "the two simulators' states are not in one log"
python3 "$CHECK" --csv-only "$T" lv >"$T/check.out" 2>&1 ||
	fail "check.py: $(cat "$T/check.out")"
grep -q 'not in the truth 0$' "$T/check.out" || fail "check.py: $(cat "$T/check.out")"
note "$(head -1 "$T/check.out")"

# --- the checker still sees a value no answer had -------------------------
# The first module's current in the last row, changed to one the
# simulator never had (it stays within +-8.1 A).
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "m01_current_A") c = i }
	{ r[NR] = $0 } END { for (i = 1; i < NR; i++) print r[i]; $0 = r[NR]; $c = "42.424"; print }' \
	"$T/lv.csv" >"$T/bad.csv"
grep -q ',42\.424,' "$T/bad.csv" || fail "could not edit the CSV"
cp "$T/bad.csv" "$T/lv.csv"
python3 "$CHECK" --csv-only "$T" lv >"$T/bad.out" 2>&1 && fail "check.py passed an untrue value: $(cat "$T/bad.out")"
grep -q 'not in the truth 1$' "$T/bad.out" && grep -q 'm01_current_A=42.424' "$T/bad.out" ||
	fail "check.py: $(cat "$T/bad.out")"
note "an untrue value is found: $(grep -m1 'untrue:' "$T/bad.out")"
exit 0
