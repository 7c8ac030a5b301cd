#!/bin/bash
# replay_clock_rs485.sh — an RS485 session's replay gives the live run's
# CSV to the millisecond: sample times, cells' ages, carried and dropped
# cells (issue 14; replay_clock.sh does the same for the console).
#
# The replay runs on the recording's clock (clock.h): each moment is the
# time of a recorded exchange.  So the live run must stamp what goes into
# a row with the link's times (when the reply came, when the request
# left), not with the host's clock around them (after the decoding, after
# a wake-up), which no recording has: a cell's age would differ by a
# millisecond now and then, enough to cross a rounding step.  The live run
# here: 8 packs on a line paced at 115200 baud, polled every 0.2 s (many
# ages), a garbled reply followed by a bad checksum every 29 answers (a
# pack lost for a cycle: its cells carried with their age), pack 8 dead
# after 20 s (reply timeouts; its cells carried, then dropped past the
# freshness limit of the measured cycle), under `nice` with two CPU hogs.
# The replay, as fast as possible (it waits for nothing, the gap between
# requests neither), must give the same CSV, every column.
: "${PT_REPLAY_CLOCK_SECONDS:=35}"
PT_TEST_TIMEOUT=$((PT_REPLAY_CLOCK_SECONDS + 20))
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
[ -x "$PYLONTOP" ] && [ -x "$PYLONTOP_SIM" ] || skip "pylontop or pylontop-sim not built"

sim_start rs --protocol rs485 --dialect pylontech --modules 8 --baud 115200 \
	--fault garbage --fault badcrc --fault-every 29 --fault packdead:8:20
# CPU hogs, so that the live run is preempted now and then (bounded: they
# end with the test).
bg_start hog1 nice -n 19 sh -c 'while :; do :; done'
hog1=$BG_PID
bg_start hog2 nice -n 19 sh -c 'while :; do :; done'
hog2=$BG_PID
nice -n 19 "$PYLONTOP" -d "$SIM_DEV" -p rs485 --dialect pylontech --baud 115200 \
	-v --headless -i 0.2 --csv "$T/live.csv" --record "$T/rec.txt" 2>"$T/live.log" &
p=$!; PT_PIDS="$PT_PIDS $p"
sleep "$PT_REPLAY_CLOCK_SECONDS"
kill -TERM "$p"; wait "$p"; rc=$?
kill -TERM "$hog1" "$hog2"
[ "$rc" -eq 0 ] || fail "live run: exit $rc: $(tail -3 "$T/live.log")"
rows=$(($(wc -l <"$T/live.csv") - 1))
[ "$rows" -ge 15 ] || fail "live run: only $rows CSV rows"
grep -q '8 packs found' "$T/live.log" || fail "live run: not 8 packs: $(grep found "$T/live.log")"
# What the run must have gone through to mean anything.
grep -q 'checksum wrong' "$T/live.log" || fail "live run: no bad checksum"
grep -q 'address 9 stopped answering (no reply' "$T/live.log" ||
	fail "live run: pack 8 (address 9) never timed out"
col=$(head -1 "$T/live.csv" | tr , '\n' | grep -n '^m09_c01_V$' | cut -d: -f1)
[ -n "$col" ] && [ -z "$(tail -1 "$T/live.csv" | cut -d, -f"$col")" ] ||
	fail "live run: pack 8's cells not dropped at the end"
grep -q '^# dialect: pylontech$' "$T/rec.txt" || fail "the recording names no dialect"

t0=$(date +%s%N)
timeout 20 "$PYLONTOP" -d "replay:$T/rec.txt" --replay-speed 0 --headless --csv "$T/replay.csv" \
	2>"$T/replay.log" || fail "replay: exit $?: $(tail -3 "$T/replay.log")"
ms=$((($(date +%s%N) - t0) / 1000000))
grep -q 'differed' "$T/replay.log" &&
	{ PT_KEEP=1; fail "replay: mismatches (files kept in $T): $(grep differed "$T/replay.log")"; }
cmp -s "$T/live.csv" "$T/replay.csv" || { PT_KEEP=1
	fail "replay: CSV differs from the live run's (files kept in $T): $(diff "$T/live.csv" "$T/replay.csv" | cut -c1-160 | head -4)"; }
# As fast as possible: 10 minutes in under 5 s (issue 14), 1/120 of the
# recorded time (+ 0.5 s for a loaded machine); a replay that slept for
# real between the requests (the RS485 gap) took 1/10.
want=$((PT_REPLAY_CLOCK_SECONDS * 1000 / 120 + 500))
[ "$ms" -lt "$want" ] || fail "replay took $ms ms (want < $want ms)"
note "RS485, 8 packs: live and replay ($ms ms): $rows identical rows, every column"
