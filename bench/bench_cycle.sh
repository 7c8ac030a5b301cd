#!/bin/sh
# bench_cycle.sh — how long a poll cycle takes against the wire time of
# its bytes, on a paced simulator (pylontop-sim --baud: it sends at the
# baud's rate on an absolute schedule).  Prints figures; asserts nothing;
# exits 0 (a part that cannot run here says why and is left out).
#
# The witness is pylontop's own --record file: every chunk sent ('>') and
# received ('<') with its time.  A poll runs from its first request (the
# console's `pwr`, RS485's 0x42 to the first pack, address 2) to the last byte
# received before the next poll; its wire time is the bytes of both
# directions at 10 bits a byte.  The first polls, which also read the
# identity and records, are left out (BENCH_CYCLE_SKIP), so the figure is
# the steady state.  Median, min and max of the ratio over the polls.
# On a pty only the simulator's answers are paced: pylontop's requests
# arrive at once, so RS485, whose requests are a sixth of its bytes, can
# poll in less than its wire time here; on a real line it cannot.
# Environment: BENCH_CYCLE_POLLS (default 8), BENCH_CYCLE_SKIP (default 12).
set -u
. "${top_srcdir:-.}/bench/lib.sh"
POLLS=${BENCH_CYCLE_POLLS:-8}
SKIP=${BENCH_CYCLE_SKIP:-12}
bench_init cycle

# polls REC BAUD START: "SECONDS WIRE" per whole poll; START is an awk
# regex a poll's first request matches.
polls() {
	awk -v baud="$2" -v start_re="$3" '
	function bytes(s) { gsub(/\\x[0-9a-fA-F][0-9a-fA-F]/, "x", s); gsub(/\\./, "x", s); return length(s) }
	/^\+[0-9.]+ [<>] / {
		t = substr($1, 2) + 0; s = substr($0, index($0, $2 " ") + 2)
		if ($2 == ">" && s ~ start_re) {
			if (n) printf "%.3f %.3f\n", last - start, b * 10 / baud
			n++; start = t; b = 0
		}
		if (n) { b += bytes(s); if ($2 == "<") last = t }
	}' "$1"
}

# cycle LABEL BAUD START PROTOCOL SIM-ARGS...: record POLLS + SKIP polls,
# print the steady-state ratio.
cycle() {
	_label=$1 _baud=$2 _start=$3 _proto=$4; shift 4
	sim "$_label" --protocol "$_proto" "$@" --baud "$_baud" || { echo "cycle $_label: simulator did not start"; return; }
	_n=$((POLLS + SKIP + 1))
	timeout 600 "$PYLONTOP" -c /dev/null -d "$T/$_label" -p "$_proto" --headless -i 0.2 -n "$_n" -f csv \
	    --record "$T/$_label.rec" >"$T/$_label.out" 2>"$T/$_label.log" ||
		{ echo "cycle $_label: pylontop failed ($(tail -1 "$T/$_label.log"))"; return; }
	polls "$T/$_label.rec" "$_baud" "$_start" | tail -n +"$((SKIP + 1))" | head -n "$POLLS" |
	awk '{ printf "%.4f %s %s\n", $1 / $2, $1, $2 }' | sort -n |
	awk -v l="$_label" '{ r[NR] = $1; s[NR] = $2; w[NR] = $3 }
	    END { if (NR == 0) { printf "cycle %s: no whole polls\n", l; exit }
		k = int((NR + 1) / 2)
		printf "cycle %s: poll %.2f s for %.2f s of wire time; %.2fx the wire time median (min %.2fx, max %.2fx; %d polls)\n",
		    l, s[k], w[k], r[k], r[1], r[NR], NR }'
}

[ -x "$PYLONTOP" ] && [ -x "$SIM" ] || { echo "cycle: pylontop or pylontop-sim not built"; exit 0; }
cycle "LV-16x16-115200" 115200 '^pwr' lv --modules 16 --cells 16
cycle "HV-5x15-115200" 115200 '^pwr' hv --modules 5 --cells 15
cycle "RS485-8-packs-9600" 9600 '^~20024642' rs485 --modules 8
exit 0
