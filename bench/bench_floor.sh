#!/bin/sh
# bench_floor.sh — the floor under pylontop's CPU per sample (bench_floor.c):
# the same 17 console exchanges with the unpaced LV 16 x 16 simulator that
# bench_e2e.sh measures pylontop on, by a program that does nothing else,
# back to back and 200 ms apart (as pylontop polls there, -i 0.2).
# Prints figures; asserts nothing; exits 0.
# Environment: BENCH_SAMPLES (default 20).
set -u
. "${top_srcdir:-.}/bench/lib.sh"
FLOOR="$top_builddir/bench/bench_floor"
bench_init floor

[ -x "$SIM" ] && [ -x "$FLOOR" ] || { echo "floor: pylontop-sim or bench/bench_floor not built"; exit 0; }
sim lv --protocol lv --modules 16 --cells 16 || { echo "floor: simulator did not start"; exit 0; }
# Back to back, and 200 ms apart as bench_e2e.sh polls (-i 0.2).
for gap in 0 200; do
	"$FLOOR" "$T/lv" 16 "${BENCH_SAMPLES:-20}" "$gap" ||
		echo "floor: the run failed ($(tail -1 "$T/sim-lv.log"))"
done
exit 0
