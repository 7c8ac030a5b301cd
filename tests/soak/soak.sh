#!/usr/bin/env bash
# tests/soak/soak.sh — soak and fault matrix (issue 10.14); not part of
# `make check`: `make soak DURATION=900`, or run it directly.
#
# Two lanes run side by side for DURATION seconds, each one pylontop
# --headless (-i 1, CSV and MQTT on) against its own pylontop-sim:
#   console  LV console: garbage, truncate, silence, slow, unplug,
#            simulator killed and restarted, clean phases in between
#   rs485    RS485 Pylontech: badcrc, garbage, truncate, silence, killed
# and the broker is killed and restarted once, half-way.  Each simulator
# appends the state (its true values) of every answer, with its time, to
# the lane's truth log (--state-log) before sending it; pylontop's RSS,
# fds and threads are recorded every 2 s.  At the end
# check.py compares: rows written vs samples taken, malformed rows,
# values not in the simulator's truth for their time, and resource growth
# after the history (600 samples) is full.  Exit 0 when all hold.
#
#   DURATION=S   seconds (default 120)   SOAK_DIR=DIR  keep everything there
#   SOAK_WINDOW_S=S  how old a value may be at its row's time (default 6)
# Bounded: a watchdog ends the run at DURATION + 60 s; everything started
# is stopped on any exit.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${PYLONTOP:=$top_builddir/pylontop}" "${PYLONTOP_SIM:=$top_builddir/pylontop-sim}"
: "${DURATION:=120}"
MOSQ=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}

die() { echo "soak: $*" >&2; exit 2; }
case $DURATION in ''|*[!0-9]*) die "DURATION must be a number of seconds, not '$DURATION'" ;; esac
[ "$DURATION" -ge 30 ] || die "DURATION must be at least 30 s"
for x in "$PYLONTOP" "$PYLONTOP_SIM"; do [ -x "$x" ] || die "$x is not built: run make"; done
[ -x "$MOSQ" ] || die "mosquitto is missing (scripts/setup installs it)"
command -v mosquitto_sub >/dev/null || die "mosquitto_sub is missing (mosquitto-clients)"
command -v python3 >/dev/null || die "python3 is missing (the checker is check.py)"

if [ -n "${SOAK_DIR:-}" ]; then D=$SOAK_DIR; mkdir -p "$D" || exit 2
else D=$(mktemp -d "${TMPDIR:-/tmp}/pylontop-soak.XXXXXX"); fi
echo "soak: $DURATION s; everything in $D"

PIDS=""
track() { PIDS="$PIDS $1"; }
cleanup() {
	rc=$?
	trap - EXIT INT TERM HUP
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.5
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
me=$$
( sleep "$((DURATION + 60))"; echo "soak: watchdog: over DURATION + 60 s" >&2; kill -TERM "$me" ) &
watchdog=$!
track "$watchdog"

now_ms() { date +%s%3N; }

# --- broker ------------------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port" >"$D/mosquitto.conf"
broker_start() {
	"$MOSQ" -c "$D/mosquitto.conf" >>"$D/broker.log" 2>&1 &
	broker=$!
	track "$broker"
	for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return; sleep 0.1; done
	die "the broker did not start: $(tail -3 "$D/broker.log")"
}
broker_start
mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'soak/#' >"$D/mqtt.log" 2>/dev/null &
track $!

# --- lanes -------------------------------------------------------------------
# sim_start LANE [FAULT...]: (re)start the lane's simulator.
sim_start() {
	local lane=$1 args=()
	shift
	for f in "$@"; do args+=(--fault "$f"); done
	case $lane in
	console) args+=(--protocol lv --modules 3) ;;
	rs485) args+=(--protocol rs485 --modules 2) ;;
	esac
	echo "$(now_ms) $lane sim ${*:-clean}" >>"$D/faults.log"
	"$PYLONTOP_SIM" --pty "$D/$lane.tty" --state-log "$D/$lane.truth" --fault-every 7 \
		"${args[@]}" >>"$D/$lane.sim.log" 2>&1 &
	eval "sim_$lane=$!"
	track $!
	for _ in $(seq 30); do [ -e "$D/$lane.tty" ] && break; sleep 0.1; done
}
sim_stop() {
	local pid
	eval "pid=\$sim_$1"
	kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	rm -f "$D/$1.tty"
}

pt_start() {
	local lane=$1 proto=$2
	printf 'DEVICE_UNIQUE_ID=soak_%s\nMQTT_BASE_TOPIC=soak/%s\nHA_DISCOVERY_PREFIX=soak/ha\n' \
		"$lane" "$lane" >"$D/$lane.conf"
	"$PYLONTOP" -c "$D/$lane.conf" -d "$D/$lane.tty" -p "$proto" --headless -i 1 \
		--csv "$D/$lane.csv" --mqtt "mqtt://127.0.0.1:$port" 2>"$D/$lane.err" >/dev/null &
	eval "pt_$lane=$!"
	track $!
}

# resources: RSS (kB), open fds and threads of both pylontops every 2 s.
resources() {
	while :; do
		for lane in console rs485; do
			eval "p=\$pt_$lane"
			[ -r "/proc/$p/status" ] || continue
			printf '%s %s %s %s %s\n' "$(now_ms)" "$lane" \
				"$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null)" \
				"$(ls "/proc/$p/fd" 2>/dev/null | wc -l)" \
				"$(awk '/^Threads/ { print $2 }' "/proc/$p/status" 2>/dev/null)" >>"$D/resources.log"
		done
		sleep 2
	done
}

sim_start console
sim_start rs485
pt_start console lv
pt_start rs485 rs485
resources & track $!
start=$(date +%s)

# --- the fault matrix ----------------------------------------------------------
# Phases of equal length; a clean phase follows every fault so each
# recovery is seen.  "kill" is the simulator killed, 3 s gone, restarted.
console_faults=(garbage clean truncate clean silence:4 clean slow:400 clean unplug:3:3 clean kill clean)
rs485_faults=(badcrc clean garbage clean truncate clean kill clean silence:4 clean)
fault_of() {	# fault_of LANE PHASE
	local -n list=$1_faults
	echo "${list[$(($2 % ${#list[@]}))]}"
}
phase=$((DURATION / ${#console_faults[@]}))
[ "$phase" -ge 5 ] || phase=5
broker_done=no
i=0
while [ $(($(date +%s) - start)) -lt "$DURATION" ]; do
	for lane in console rs485; do
		f=$(fault_of "$lane" "$i")
		sim_stop "$lane"
		case $f in
		clean) sim_start "$lane" ;;
		kill) echo "$(now_ms) $lane sim killed" >>"$D/faults.log"; ( sleep 3 ) ;;
		*) sim_start "$lane" "$f" ;;
		esac
	done
	for lane in console rs485; do
		[ "$(fault_of "$lane" "$i")" = kill ] && sim_start "$lane"
	done
	if [ "$broker_done" = no ] && [ $(($(date +%s) - start)) -ge $((DURATION / 2)) ]; then
		echo "$(now_ms) broker killed" >>"$D/faults.log"
		kill -KILL "$broker"; wait "$broker" 2>/dev/null
		sleep 3
		broker_start
		echo "$(now_ms) broker restarted" >>"$D/faults.log"
		broker_done=yes
	fi
	left=$((DURATION - ($(date +%s) - start)))
	[ "$left" -gt 0 ] || break
	sleep "$((phase < left ? phase : left))"
	i=$((i + 1))
done

# --- the end: pylontop first (its summary line), then the rest -----------------
status=0
for lane in console rs485; do
	eval "p=\$pt_$lane"
	kill -TERM "$p"; wait "$p"; rc=$?
	[ "$rc" -eq 0 ] || { echo "soak: $lane: pylontop exit status $rc" >&2; status=1; }
done
python3 "$top_srcdir/tests/soak/check.py" "$D" console rs485 || status=1
[ "$status" -eq 0 ] && [ -z "${SOAK_DIR:-}" ] && rm -rf "$D"
[ "$status" -eq 0 ] || echo "soak: FAILED; everything is in $D" >&2
exit "$status"
