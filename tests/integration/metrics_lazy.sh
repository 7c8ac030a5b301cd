#!/bin/bash
# metrics_lazy.sh — libmicrohttpd is loaded only when --metrics asks for it
# (issue 12, memory): linked, it and its TLS stack (GnuTLS, nettle, gmp,
# p11-kit) were 2.4 MiB resident in every pylontop.  Checked in
# /proc/PID/maps of a running pylontop --headless: without --metrics no
# libmicrohttpd and no libgnutls is mapped; with --metrics it is, and
# /metrics answers.  When the library cannot be opened (hidden by a bind
# mount in a private mount namespace, where unshare is allowed) pylontop
# stops with the one-line error that names the package.
PT_TEST_TIMEOUT=90
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
grep -q '^#define HAVE_METRICS 1' "$top_builddir/autoconfig.h" 2>/dev/null ||
	skip "built without the metrics server (--without-metrics)"
[ -r /proc/self/maps ] || skip "no /proc/PID/maps here"
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"

sim_start lv --protocol lv --modules 2 --cells 15

rows() { [ -f "$T/$1.csv" ] && wc -l <"$T/$1.csv" || echo 0; }
more_rows_than() { [ "$(rows "$1")" -gt "$2" ]; }

# run NAME ARGS...: pylontop --headless on the simulator until 2 samples;
# its maps are left in $T/NAME.maps (it keeps running: PT_PID).
run() {
	_name=$1; shift
	"$PYLONTOP" -d "$SIM_DEV" --headless -i 0.2 -f csv "$@" \
		>"$T/$_name.csv" 2>"$T/$_name.log" &
	PT_PID=$!; PT_PIDS="$PT_PIDS $PT_PID"
	wait_for 40 more_rows_than "$_name" 2 ||
		fail "$_name: no samples in 40 s: $(tail -2 "$T/$_name.log")"
	cp "/proc/$PT_PID/maps" "$T/$_name.maps" || fail "$_name: pylontop ended"
}

run plain
grep -E 'libmicrohttpd|libgnutls' "$T/plain.maps" &&
	fail "pylontop without --metrics has libmicrohttpd or GnuTLS in memory"
kill "$PT_PID"; wait "$PT_PID" 2>/dev/null

port=$(free_port) || fail "no free port"
run metrics --metrics "127.0.0.1:$port"
grep -q libmicrohttpd "$T/metrics.maps" || fail "--metrics: libmicrohttpd is not loaded"
if command -v curl >/dev/null 2>&1; then
	wait_for 10 curl -sf --max-time 5 -o "$T/m.prom" "http://127.0.0.1:$port/metrics" ||
		fail "--metrics: no answer at /metrics"
	grep -q '^pylontop_' "$T/m.prom" || fail "--metrics: /metrics has no pylontop_ series"
else
	note "curl not found: /metrics not scraped"
fi
kill "$PT_PID"; wait "$PT_PID" 2>/dev/null

# The library missing at run time: a bind mount of /dev/null over it, seen
# only inside a private mount namespace.
lib=$(awk '/libmicrohttpd/ { print $6; exit }' "$T/metrics.maps")
if [ -n "$lib" ] && unshare -m true 2>/dev/null; then
	timeout 20 unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$lib" \
		"$PYLONTOP" -d "$SIM_DEV" --headless -i 0.2 --metrics "127.0.0.1:$port" \
		>/dev/null 2>"$T/missing.log"
	rc=$?
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "library missing: pylontop went on (exit $rc)"
	grep -qx 'pylontop: --metrics needs libmicrohttpd12: apt install libmicrohttpd12' \
		"$T/missing.log" || fail "library missing: not the one-line error: $(cat "$T/missing.log")"
else
	note "unshare -m not allowed here: the missing-library error not checked"
fi
exit 0
