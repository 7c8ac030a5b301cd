#!/bin/bash
# csv.sh — the CSV log of a headless run against pylontop-sim: a directory
# that appears late gets every row (held, then written), rows that never
# reach a file make --headless --count exit 1, a closed stdout stops
# `--csv -` with a message, SIGHUP... is the cli's; see test_csv_sink.
PT_TEST_TIMEOUT=90
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"

sim_start lv --protocol lv --modules 2 --cells 15; dev=$SIM_DEV

# --- a late-mounted disk: rows wait, then all of them are written ---------
"$PYLONTOP" -d "$dev" --headless -i 1 --count 6 --csv "$T/late/run.csv" 2>"$T/late.log" &
pid=$!; PT_PIDS="$PT_PIDS $pid"
wait_for 20 grep -q "csv: cannot open $T/late/run.csv" "$T/late.log" ||
	fail "late dir: no error said: $(cat "$T/late.log")"
grep -q "rows held" "$T/late.log" || fail "late dir: the status does not say rows are held"
mkdir "$T/late"
wait "$pid"; rc=$?
[ "$rc" -eq 0 ] || fail "late dir: exit $rc, want 0: $(cat "$T/late.log")"
rows=$(($(wc -l <"$T/late/run.csv") - 1))
[ "$rows" -eq 6 ] || fail "late dir: $rows rows, want all 6: $(cat "$T/late.log")"
awk -F, 'NR > 1 && $2 != NR - 1 { exit 1 }' "$T/late/run.csv" ||
	fail "late dir: the rows are not samples 1..6: $(cut -d, -f1-2 "$T/late/run.csv")"
note "late directory: 6 of 6 rows, exit 0"

# --- a directory that never appears: rows lost, exit 1, said --------------
"$PYLONTOP" -d "$dev" --headless -i 1 --count 2 --csv "$T/never/run.csv" 2>"$T/never.log"
rc=$?
[ "$rc" -eq 1 ] || fail "missing dir: exit $rc, want 1: $(cat "$T/never.log")"
grep -q "csv: 2 rows lost" "$T/never.log" || fail "missing dir: loss not said: $(cat "$T/never.log")"
note "missing directory: exit 1, '$(grep 'rows lost' "$T/never.log" | head -1)'"

# --- --csv - into a closed pipe: the sink stops, with a message -----------
mkfifo "$T/pipe"
"$PYLONTOP" -d "$dev" --headless -i 1 --csv - >"$T/pipe" 2>"$T/pipe.log" &
pid=$!; PT_PIDS="$PT_PIDS $pid"
head -1 "$T/pipe" >"$T/head.out"
grep -q '^time,seq,protocol' "$T/head.out" || fail "--csv -: first line is not the header"
wait_for 20 grep -q "csv: stopped: standard output was closed" "$T/pipe.log" ||
	fail "--csv - into a closed pipe: no message: $(cat "$T/pipe.log")"
sleep 2
n=$(grep -c "csv:" "$T/pipe.log")
kill -0 "$pid" 2>/dev/null || fail "--csv -: a closed pipe ended the monitor"
kill "$pid"; wait "$pid" 2>/dev/null
[ "$n" -le 3 ] || fail "--csv -: $n csv lines: a loop? $(cat "$T/pipe.log")"
note "closed stdout: sink stopped with a message"
exit 0
