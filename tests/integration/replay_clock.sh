#!/bin/bash
# replay_clock.sh — a replay gives the live run's CSV to the millisecond:
# sample times, cells' ages, carried and dropped cells (issue 14).
#
# The replay runs on the recording's clock (clock.h): each moment is the
# time of the recorded exchange.  The live run must therefore stamp what
# goes into a row with the link's times (when the answer came), not with
# the host's clock a little later (after the parsing, after a wake-up):
# that little later is in no recording, and on a loaded machine it moves
# a cell's age over a rounding step, a sample's time over a second, or a
# carried module's cells over their freshness limit.  So the live run
# here is made slow between the answers and their processing: a line
# paced at 115200 baud (8 modules do not fit into 1 s: round-robin, cells
# carried with their age), garbage answers (cells carried after a lost
# answer), and `nice` with a CPU hog beside it.  The CSV of the replay,
# as fast as possible, must be equal to the live one, every column.
: "${PT_REPLAY_CLOCK_SECONDS:=25}"
PT_TEST_TIMEOUT=$((PT_REPLAY_CLOCK_SECONDS + 90))
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"

sim_start lv --protocol lv --modules 8 --baud 115200 --fault garbage --fault-every 7
# A CPU hog, so that the live run is preempted between an answer and its
# processing now and then (bounded: it ends with the test).
bg_start hog nice -n 19 sh -c 'while :; do :; done'
nice -n 19 "$PYLONTOP" -d "$SIM_DEV" --headless -i 1 --csv "$T/live.csv" \
	--record "$T/rec.txt" 2>"$T/live.log" &
p=$!; PT_PIDS="$PT_PIDS $p"
sleep "$PT_REPLAY_CLOCK_SECONDS"
kill -TERM "$p"; wait "$p"; rc=$?
kill -TERM "$BG_PID"
[ "$rc" -eq 0 ] || fail "live run: exit $rc: $(tail -3 "$T/live.log")"
rows=$(($(wc -l <"$T/live.csv") - 1))
[ "$rows" -ge $((PT_REPLAY_CLOCK_SECONDS / 4)) ] || fail "live run: only $rows CSV rows"
"$PYLONTOP" -d "replay:$T/rec.txt" --replay-speed 0 --headless --csv "$T/replay.csv" \
	2>"$T/replay.log" || fail "replay: exit $?: $(tail -3 "$T/replay.log")"
grep -q 'differed' "$T/replay.log" &&
	{ PT_KEEP=1; fail "replay: mismatches (files kept in $T): $(grep differed "$T/replay.log")"; }
cmp -s "$T/live.csv" "$T/replay.csv" || { PT_KEEP=1
	fail "replay: CSV differs from the live run's (files kept in $T): $(diff "$T/live.csv" "$T/replay.csv" | cut -c1-160 | head -4)"; }
note "live and replay: $rows identical rows, every column"
