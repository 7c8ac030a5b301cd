# bench/lib.sh — what the bench scripts share (sourced, POSIX sh): a
# scratch directory removed on exit with every process started there,
# simulators on ptys, a private broker.
#
#   . "$top_srcdir/bench/lib.sh"; bench_init NAME
#
# sets PYLONTOP, SIM, T (the scratch directory) and pids (killed on exit).
: "${top_builddir:=.}"
PYLONTOP="$top_builddir/pylontop"
SIM="$top_builddir/pylontop-sim"
pids=""
port=""

bench_stop_all() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sleep 0.2
	rm -rf "$T"
}

bench_init() {
	T=$(mktemp -d "/tmp/pt-bench-$1.XXXXXX")
	trap bench_stop_all EXIT
	trap 'exit 130' INT TERM
}

# sim NAME ARGS...: a simulator on the pty $T/NAME; false if none came.
sim() {
	_name=$1; shift
	"$SIM" --pty "$T/$_name" "$@" >"$T/sim-$_name.log" 2>&1 &
	pids="$pids $!"
	_i=0; while [ ! -e "$T/$_name" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	[ -e "$T/$_name" ]
}

# broker_start: a mosquitto of our own on 127.0.0.1:$port; false (port
# empty) when there is none or pylontop was built without MQTT.
broker_start() {
	_mosq=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
	[ -x "$_mosq" ] && grep -q '^#define HAVE_MQTT 1' "$top_builddir/autoconfig.h" 2>/dev/null ||
		return 1
	port=$(awk 'BEGIN { srand(); print 30000 + int(rand() * 20000) }')
	printf 'listener %s 127.0.0.1\npersistence false\nallow_anonymous true\n' "$port" >"$T/broker.conf"
	"$_mosq" -c "$T/broker.conf" >"$T/broker.log" 2>&1 &
	pids="$pids $!"
	sleep 0.5
}

# lines FILE: its line count, 0 when it is not there.
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
