#!/bin/bash
# replay_bad.sh — a replay file that cannot be played is said once, on
# one line naming the file and what is wrong, and the run ends with exit
# status 1.  It used to be retried like a lost serial port, every 1, 2,
# 4 ... 30 s forever: a missing file does not appear by waiting, and
# `pylontop -d replay:typo.txt --headless` in a script never returned.
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99

printf '# pylontop recording 1\n+0.000 > pwr\\n\nnot a line\n' >"$T/broken.txt"
mkdir "$T/dir"

# what FILE WANT: --headless and --once each end within 10 s, exit 1,
# and name FILE with WANT on one line (said once: no retry loop).
check() {
	what=$1 file=$2 want=$3
	timeout 10 "$PYLONTOP" -d "replay:$file" --headless --replay-speed 0 2>"$T/h.log"
	rc=$?
	[ "$rc" -eq 124 ] && fail "$what: --headless still running after 10 s (retrying?): $(tail -2 "$T/h.log")"
	[ "$rc" -eq 1 ] || fail "$what: --headless exit $rc, want 1: $(tail -2 "$T/h.log")"
	[ "$(grep -c -- "$want" "$T/h.log")" -eq 1 ] ||
		fail "$what: --headless did not say '$want' once: $(cat "$T/h.log")"
	grep -F -- "$file" "$T/h.log" | grep -q -- "$want" ||
		fail "$what: the message does not name $file: $(grep -- "$want" "$T/h.log")"
	grep -q 'retrying' "$T/h.log" && fail "$what: retried: $(grep -m1 retrying "$T/h.log")"
	timeout 10 "$PYLONTOP" -d "replay:$file" --once --replay-speed 0 >/dev/null 2>"$T/o.log"
	rc=$?
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "$what: --once exit $rc: $(tail -2 "$T/o.log")"
	grep -q -- "$want" "$T/o.log" || fail "$what: --once did not say '$want': $(cat "$T/o.log")"
	note "$what: exit 1, said once: $(grep -m1 -- "$want" "$T/h.log")"
}

check "a missing file" "$T/nonexistent.txt" "cannot open the recording: No such file"
check "a directory" "$T/dir" "cannot read the recording"
check "a broken recording" "$T/broken.txt" "not a line of a recording"
exit 0
