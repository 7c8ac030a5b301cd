# tests/integration/lib.sh — shared helpers for integration tests.
#
# Source it first:  . "$top_srcdir/tests/integration/lib.sh"
# It makes a private temp dir ($T), kills every process started with
# `bg_start` (and their process groups) on any exit, and bounds the whole
# test with a watchdog (PT_TEST_TIMEOUT seconds, default 120).
# Exit 77 means "skipped" to automake.

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${PYLONTOP:=$top_builddir/pylontop}"
: "${PYLONTOP_SIM:=$top_builddir/pylontop-sim}"
: "${SHARED_DIR:=$top_srcdir/../shared}"
PT_TEST_NAME=$(basename "$0" .sh)

T=$(mktemp -d "${TMPDIR:-/tmp}/pt-$PT_TEST_NAME.XXXXXX")
# State files (MQTT_STATE_FILE's default) stay in the test's directory.
export XDG_STATE_HOME="$T/state"
unset STATE_DIRECTORY
PT_PIDS=""

# PT_ON_EXIT: a command a test wants run on exit (before processes stop).
PT_ON_EXIT=""
pt_cleanup() {
	rc=$?
	trap - EXIT INT TERM HUP
	[ -n "$PT_ON_EXIT" ] && eval "$PT_ON_EXIT" >/dev/null 2>&1
	for p in $PT_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.2
	for p in $PT_PIDS; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "${PT_WATCHDOG:-}" ] && kill "$PT_WATCHDOG" 2>/dev/null
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -z "${PT_KEEP:-}" ]; then
		echo "--- $PT_TEST_NAME failed (rc $rc); logs in $T:" >&2
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "--- $f (last 20 lines)" >&2; tail -n 20 "$f" >&2
		done
	fi
	[ -z "${PT_KEEP:-}" ] && rm -rf "$T"
	exit "$rc"
}
trap pt_cleanup EXIT
trap 'exit 130' INT TERM HUP

# Whole-test watchdog: the test is killed if it runs too long.  It sleeps
# in one-second steps and leaves as soon as the test is gone, so nothing
# it starts outlives the test by more than a second.
pt_parent=$$
(
	n=0
	while [ "$n" -lt "${PT_TEST_TIMEOUT:-120}" ]; do
		sleep 1
		kill -0 "$pt_parent" 2>/dev/null || exit 0
		n=$((n + 1))
	done
	echo "$PT_TEST_NAME: timed out after ${PT_TEST_TIMEOUT:-120}s" >&2
	kill -TERM "$pt_parent"
) &
PT_WATCHDOG=$!

fail() { echo "FAIL: $PT_TEST_NAME: $*" >&2; exit 1; }
skip() { echo "SKIP: $PT_TEST_NAME: $*" >&2; exit 77; }
note() { echo "# $*"; }

# bg_start LOGNAME CMD...: start CMD in the background; its pid is left in
# BG_PID and remembered for the cleanup.  Never call it inside $(...): the
# process would belong to a subshell that cannot wait for it.
bg_start() {
	_log=$1; shift
	"$@" >"$T/$_log.log" 2>&1 &
	BG_PID=$!
	PT_PIDS="$PT_PIDS $BG_PID"
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	_n=$(awk "BEGIN{print int($1*10)}"); shift
	while [ "$_n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# free_port: a TCP port on 127.0.0.1 nobody listens on, outside the
# kernel's ephemeral range (ip_local_port_range, 32768-60999 by default):
# a port in it can be taken by any outgoing connection (our own clients
# under make -j2) between this check and the bind ("Address already in
# use").  Below the range when there is room, else above it.
free_port() {
	_lo=32768 _hi=60999
	read -r _lo _hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	if [ "$_lo" -gt 11024 ]; then
		_base=$((_lo - 10000)) _span=10000
	elif [ $((65535 - _hi)) -gt 1000 ]; then
		_base=$((_hi + 1)) _span=$((65535 - _hi))
	else
		_base=30000 _span=20000
	fi
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		_p=$(( (RANDOM % _span) + _base ))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$_p") 2>/dev/null; then
			echo "$_p"; return 0
		fi
	done
	return 1
}

# sim_start NAME ARGS...: start pylontop-sim on a private pty link
# $T/NAME and wait until the link exists; the path is left in SIM_DEV.
sim_start() {
	_name=$1; shift
	bg_start "sim-$_name" "$PYLONTOP_SIM" --pty "$T/$_name" "$@"
	wait_for 5 test -e "$T/$_name" || fail "simulator did not create $T/$_name"
	SIM_DEV="$T/$_name"
}

# sim_tcp_start NAME ARGS...: pylontop-sim on a free 127.0.0.1 port, once
# it listens; sets SIM_PORT, SIM_TCP (tcp://127.0.0.1:PORT) and BG_PID.
sim_tcp_start() {
	_name=$1; shift
	SIM_PORT=$(free_port) || skip "no free TCP port"
	bg_start "sim-$_name" "$PYLONTOP_SIM" --tcp "$SIM_PORT" "$@"
	wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SIM_PORT" ||
		fail "TCP simulator $_name not listening on port $SIM_PORT"
	SIM_TCP="tcp://127.0.0.1:$SIM_PORT"
}
