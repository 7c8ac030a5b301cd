#!/bin/bash
# paced_read.sh — reading a paced line (issue 12.2).  Against pylontop-sim
# --baud 115200 (10 bits a byte on an absolute schedule, written in 32-byte
# chunks) an answer pylontop has had before is read in one wake-up, not
# one per chunk the line hands over, and it still ends when its prompt
# arrives: each answer takes its wire time, no more.  Against a simulator
# without --baud (no line behind the pty) nothing waits for a line.
# The --record file is the witness: one '<' event per read.
PT_TEST_TIMEOUT=120
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99

BAUD=115200

# answers REC: one line per answer to a command sent before in this run
# (the first answer to each command has nothing to go by), paged answers
# left out: "COMMAND BYTES READS MS".  Escapes (\r \n \\ \t \xNN) are one
# byte each.
answers() {
	awk '
	function bytes(s) { gsub(/\\x[0-9a-fA-F][0-9a-fA-F]/, "x", s); gsub(/\\./, "x", s); return length(s) }
	function flush() {
		if (cmd != "" && !paged && seen[cmd]++ > 0 && n > 0)
			printf "%s %d %d %d\n", cmd, b, n, (last - sent) * 1000 + 0.5
		cmd = ""
	}
	/^\+[0-9.]+ > / {
		t = substr($1, 2) + 0; text = substr($0, index($0, "> ") + 2)
		if (text == "\\r" || text == "q") { paged = 1; next }
		flush(); cmd = text; gsub(/\\n|\\r| /, "_", cmd); sent = t; n = 0; b = 0; paged = 0; next
	}
	/^\+[0-9.]+ < / {
		t = substr($1, 2) + 0; n++; b += bytes(substr($0, index($0, "< ") + 2)); last = t
	}
	END { flush() }' "$1"
}

# --- paced: few reads per answer, each answer in its wire time --------------
sim_start paced --protocol hv --modules 3 --cells 15 --baud "$BAUD"
"$PYLONTOP" -d "$SIM_DEV" --headless -i 0.2 -n 12 -f csv --record "$T/paced.rec" \
    >"$T/paced.out" 2>"$T/paced.log" || fail "paced: $(tail -3 "$T/paced.log")"
answers "$T/paced.rec" >"$T/paced.ans"
# median FILE: the middle one of a column of numbers
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'; }

awk -v baud="$BAUD" '$2 >= 300 { printf "%.4f\n", $4 / ($2 * 10 / baud * 1000) }' \
    "$T/paced.ans" >"$T/paced.ratio"
awk -v baud="$BAUD" -v med="$(median "$T/paced.ratio")" '
	$2 >= 300 { k++; reads += $3; chunks += int(($2 + 31) / 32)
		r = $4 / ($2 * 10 / baud * 1000); if (r > max) max = r }
	END {
		if (k < 15) { printf "FAIL: only %d repeated answers of 300 bytes or more\n", k; exit 1 }
		printf "# paced: %d answers, %.1f reads each (the line gave %.1f chunks), time / wire time: median %.3f, max %.3f\n",
		    k, reads / k, chunks / k, med, max
		# One read per 32-byte chunk is what waking for every chunk does;
		# an answer the size of the last one is taken in one read per
		# 4 KiB (these are under 4 KiB), its prompt included: 1, and
		# never more than 1.5 on average (the tail read as it came: 2).
		if (reads / k > 1.5) { print "FAIL: more than 1.5 reads per answer: woken for chunks of it"; exit 1 }
		# The prompt is seen when it comes: no wait past the end.
		if (med > 1.04) { print "FAIL: answers take longer than their wire time"; exit 1 }
	}' "$T/paced.ans" || fail "paced line: $(sort "$T/paced.ans" | uniq -c | sort -rn | head -5)"

# The samples are the simulator's, every one complete.
[ "$(wc -l <"$T/paced.out")" -eq 13 ] || fail "paced: want a header and 12 samples"

# --- unpaced: no waiting for a line that is not there ----------------------
sim_start fast --protocol hv --modules 3 --cells 15
"$PYLONTOP" -d "$SIM_DEV" --headless -i 0.2 -n 8 -f csv --record "$T/fast.rec" \
    >"$T/fast.out" 2>"$T/fast.log" || fail "unpaced: $(tail -3 "$T/fast.log")"
answers "$T/fast.rec" >"$T/fast.ans"
awk '$2 >= 300 { print $4 }' "$T/fast.ans" >"$T/fast.ms"
awk -v baud="$BAUD" -v med="$(median "$T/fast.ms")" '
	$2 >= 300 { k++; wire += $2 * 10 / baud * 1000 }
	END {
		if (k < 10) { printf "FAIL: only %d repeated answers\n", k; exit 1 }
		printf "# unpaced: %d answers, median %d ms (their wire time at %d baud: %.0f ms each)\n",
		    k, med, baud, wire / k
		if (med > 40) { print "FAIL: waited for a line on an unpaced link"; exit 1 }
	}' "$T/fast.ans" || fail "unpaced link: $(head -5 "$T/fast.ans")"
note "paced: one read per answer at wire time; unpaced: no wait"
