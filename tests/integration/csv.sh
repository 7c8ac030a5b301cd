#!/bin/bash
# csv.sh — the CSV log of a headless run against pylontop-sim: a directory
# that appears late gets every row (held, then written), rows that never
# reach a file make --headless --count exit 1, cut answers do not narrow
# the header, a closed stdout stops `--csv -` with a message.  Full disks,
# late sync errors and reopening are in tests/unit/test_csv_sink.c.
PT_TEST_TIMEOUT=150
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

# --- cut answers (truncate fault): one header for the stack's shape ------
# 3 modules x 15 cells with temperatures: 16 + 3 x (13 + 15 + 15) = 145
# columns, whichever answer the fault cuts first.
sim_start cut --protocol lv --modules 3 --cells 15 --fault truncate --fault-every 4
"$PYLONTOP" -d "$SIM_DEV" --headless -i 1 --count 5 --csv "$T/cut.csv" 2>"$T/cut.log" ||
	fail "cut answers: exit $?: $(cat "$T/cut.log")"
[ -e "$T/cut.1.csv" ] && fail "cut answers: a second file: $(grep csv: "$T/cut.log")"
awk -F, 'NF != 145 { print NR ": " NF " fields"; bad = 1 } END { exit bad }' "$T/cut.csv" ||
	fail "cut answers: rows of other widths (want 145 fields)"
[ "$(wc -l <"$T/cut.csv")" -eq 6 ] || fail "cut answers: want 5 rows: $(cut -d, -f1-2 "$T/cut.csv")"
note "cut answers: one file, 145 columns"

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
