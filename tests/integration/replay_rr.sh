#!/bin/bash
# replay_rr.sh — the LV round-robin decides the same live and replayed (issue 14).
#
# Whether a cycle of `pwr` + every module's `bat` fits the interval must be
# judged on times the recording carries (when `pwr` left, when the last
# answer's last bytes came), not on pylontop's own clock around them (the
# wake-up after the poll's deadline, the parsing after the last answer),
# which a replay does not have.  A live session of 8 modules is recorded;
# its second poll is then re-timed: `pwr` sent 50 ms after that poll's
# deadline and the last `bat` answer in 960 ms, inside the interval of 1 s.
# The recorded session read all 8 modules in the next poll too, so must
# the replay (a different choice is a mismatch of the commands sent).
# The control: the same poll taking 1040 ms is too slow, and said so.
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"

sim_start lv --protocol lv --modules 8
"$PYLONTOP" -d "$SIM_DEV" --headless -i 1 --record "$T/rec.txt" 2>"$T/live.log" &
p=$!; PT_PIDS="$PT_PIDS $p"
# Four polls (the fourth one's `pwr` is what the replay checks poll 3 by).
wait_for 40 sh -c "[ \$(grep -c ' > bat 8\\\\n\$' '$T/rec.txt') -ge 4 ]" ||
	fail "live run: fewer than 4 polls in 40 s: $(tail -3 "$T/live.log")"
kill -TERM "$p"; wait "$p" || fail "live run: exit $?: $(tail -3 "$T/live.log")"
grep -q 'round-robin' "$T/live.log" && skip "the live run itself went round-robin (machine too loaded)"

# retime LATE_MS CYCLE_MS <in >out: poll 2 starts LATE_MS after its
# deadline (the replay's first poll starts at the line before poll 1's
# `pwr`; the next deadline is an interval later) and its last answer
# comes CYCLE_MS after its `pwr`, the lines in between evenly spread;
# what follows keeps its spacing.
retime() {
	awk -v late="$1" -v cyc="$2" '
	function ms(s,  q) { sub(/^\+/, "", s); split(s, q, "."); return q[1] * 1000 + q[2] }
	function stamp(t) { return sprintf("+%d.%03d", int(t / 1000), t % 1000) }
	{ line[NR] = $0 }
	/^\+[0-9]+\.[0-9]+ > / { tx[++ntx] = NR }
	END {
		# The polls: a `pwr` whose next command is `bat 1`.
		for (i = 1; i < ntx; i++)
			if (line[tx[i]] ~ / > pwr\\n$/ && line[tx[i + 1]] ~ / > bat 1\\n$/)
				poll[++np] = tx[i]
		if (np < 4) { print "only " np " polls" > "/dev/stderr"; exit 1 }
		for (i = poll[1] - 1; i > 0 && line[i] !~ /^\+/; i--) ;
		split(line[i], f, " "); c = ms(f[1])
		b = poll[2]
		for (e = poll[3] - 1; e > b && line[e] !~ / < /; e--) ;
		for (i = b; i <= e; i++)
			if (line[i] ~ / > / && line[i] !~ / > (pwr|bat [1-8])\\n$/) {
				print "poll 2 sent more than pwr and bat: " line[i] > "/dev/stderr"; exit 1
			}
		start = c + 1000 + late
		split(line[b - 1], f, " ")
		if (line[b - 1] ~ /^\+/ && ms(f[1]) > start) { print "poll 1 ended after poll 2 would start" > "/dev/stderr"; exit 3 }
		split(line[e], f, " "); shift = start + cyc - ms(f[1])
		for (i = 1; i <= NR; i++) {
			if (i < b || line[i] !~ /^\+/) { print line[i]; continue }
			split(line[i], f, " "); rest = substr(line[i], length(f[1]) + 1)
			t = i <= e ? start + int((i - b) * cyc / (e - b)) : ms(f[1]) + shift
			print stamp(t) rest
		}
	}'
}

# --- inside the interval: all 8 modules every cycle, as recorded ---------
retime 50 960 <"$T/rec.txt" >"$T/fits.txt"
case $? in
0) ;;
3) skip "the live run's first poll took over a second (machine too loaded)" ;;
*) fail "could not re-time the recording" ;;
esac
"$PYLONTOP" -d "replay:$T/fits.txt" --replay-speed 0 --headless -v 2>"$T/fits.log" ||
	fail "replay: exit $?: $(tail -3 "$T/fits.log")"
grep -q 'end of the recording' "$T/fits.log" || fail "replay did not reach the end: $(tail -3 "$T/fits.log")"
grep -q 'round-robin' "$T/fits.log" &&
	fail "replay judged a cycle of 960 ms too slow: $(grep -m1 'round-robin' "$T/fits.log")"
grep -q 'differed' "$T/fits.log" && fail "replay: $(grep -m1 'differed' "$T/fits.log")"
note "pwr 50 ms after the deadline, cycle 960 ms: 8 of 8 modules, as recorded"

# --- the control: 1040 ms is too slow, on the same times -----------------
retime 50 1040 <"$T/rec.txt" >"$T/slow.txt" || fail "could not re-time the recording"
"$PYLONTOP" -d "replay:$T/slow.txt" --replay-speed 0 --headless 2>"$T/slow.log" ||
	fail "replay (slow): exit $?: $(tail -3 "$T/slow.log")"
# How many fit (7 or fewer) depends on the live answers' times, which a
# loaded machine stretches; that the cycle is judged too slow does not.
grep -Eq 'cells of [1-7] of 8 modules per cycle, round-robin \(the line is too slow' "$T/slow.log" ||
	fail "a cycle of 1040 ms was not judged too slow: $(grep -v '^pylontop: csv' "$T/slow.log" | tail -4)"
note "cycle 1040 ms: $(grep -m1 -Eo 'cells of [1-7] of 8[^)]*\)' "$T/slow.log")"

# --- said even when the replay races past it -----------------------------
# At --replay-speed 0 the round-robin note, the mismatches and the end of
# the recording follow one another within a millisecond.  --headless used
# to print the state it found when it looked, so a note that came and
# went between two looks was never said (CI, a loaded machine: 5 of 10
# runs pinned to one busy CPU).  Every state message is said once, in
# order, however quickly they come.
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
	taskset -c 0 sh -c 'while :; do :; done' &
	PT_PIDS="$PT_PIDS $!"; hog=$!
	for i in 1 2 3 4 5; do
		timeout 60 taskset -c 0 "$PYLONTOP" -d "replay:$T/slow.txt" --replay-speed 0 \
		    --headless 2>"$T/busy.log" || fail "replay on a busy CPU: exit $?"
		grep -Eq 'cells of [1-7] of 8 modules per cycle, round-robin \(the line is too slow' \
		    "$T/busy.log" || fail "run $i on a busy CPU: the round-robin note was not said: $(grep -v '^pylontop: csv' "$T/busy.log" | tail -4)"
		grep -q 'end of the recording: 2 commands differed' "$T/busy.log" ||
			fail "run $i on a busy CPU: the end was not said: $(tail -2 "$T/busy.log")"
	done
	kill "$hog" 2>/dev/null
	note "pinned to one busy CPU: the note said in 5 of 5 runs"
else
	note "taskset not usable here: the busy-CPU runs were left out"
fi
exit 0
