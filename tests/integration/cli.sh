#!/bin/bash
# cli.sh — the command line as a script and a service see it: --demo
# without a terminal, conflicting modes and usage errors (exit 2, one
# line), Ctrl-C during a slow --once, a closed stdout, which config file
# is trusted and where the MQTT password may go, password file modes,
# SIGHUP (CSV re-opened, thresholds re-read, no exit), "1 sample" and no
# "-0" in the output.
PT_TEST_TIMEOUT=150
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing (scripts/setup installs it)"
[ -x "$PYLONTOP" ] || skip "pylontop not built"
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"
# pt ARGS: pylontop in the foreground, bounded (a wrong build may run on).
pt() { timeout -s KILL 30 "$PYLONTOP" "$@"; }
HAVE_MQTT=no
grep -q "^#define HAVE_MQTT 1" "$top_builddir/autoconfig.h" 2>/dev/null && HAVE_MQTT=yes
HAVE_TUI=no
grep -q "^#define HAVE_TUI 1" "$top_builddir/autoconfig.h" 2>/dev/null && HAVE_TUI=yes
# No config of the user's may change what is tested here.
export HOME="$T/home"
mkdir -p "$HOME" "$T/work"
cd "$T/work" || exit 99
unset MQTT_PASSWORD MQTT_USER CREDENTIALS_DIRECTORY

# --- 9.7: --demo without a terminal: three samples as text on stdout ----------
pt --demo </dev/null >"$T/demo.out" 2>"$T/demo.err" || fail "--demo: exit $?: $(cat "$T/demo.err")"
n=$(grep -c '^Stack$' "$T/demo.out")
[ "$n" -eq 3 ] || fail "--demo without a terminal: $n samples on stdout, want 3: $(head -c 300 "$T/demo.out")"
grep -Eq '^  voltage +[0-9.]+ V$' "$T/demo.out" || fail "--demo: no stack voltage in the text"
pt --once --demo -f json </dev/null >"$T/demo1.json" 2>"$T/demo1.err" ||
	fail "--once --demo: exit $?: $(cat "$T/demo1.err")"
jq -s -e 'length == 1 and (.[0].modules | length) == 4' "$T/demo1.json" >/dev/null ||
	fail "--once --demo -f json: want one sample of 4 modules: $(head -c 300 "$T/demo1.json")"
pt --demo --once </dev/null >"$T/demo1.txt" 2>&1 || fail "--demo --once: exit $?"
[ "$(grep -c '^Stack$' "$T/demo1.txt")" -eq 1 ] || fail "--demo --once: want one text sample"
note "demo without a terminal: 3 text samples; --once --demo: one, in --format"

# --- 9.8: conflicting modes and usage errors: exit 2, one line, the hint -------
usage_error() {	# bounded: an accepted conflict may run on (and on)
	timeout -s KILL 10 "$PYLONTOP" "$@" </dev/null >"$T/u.out" 2>"$T/u.err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "pylontop $*: exit $rc, want 2: $(cat "$T/u.err")"
	[ "$(wc -l <"$T/u.err")" -eq 1 ] || fail "pylontop $*: want one line: $(cat "$T/u.err")"
	[ -s "$T/u.out" ] && fail "pylontop $*: stdout not empty"
	grep -q "try 'pylontop --help'\$" "$T/u.err" || fail "pylontop $*: no hint at the end: $(cat "$T/u.err")"
}
usage_error --once --headless -d /dev/null
grep -q -- '--once and --headless' "$T/u.err" || fail "conflict not named: $(cat "$T/u.err")"
usage_error --decode x.txt --once
usage_error --demo --decode x.txt
usage_error --list-ports --once
usage_error --command pwr --once -d /dev/null
usage_error --bogus
grep -q "'--bogus'" "$T/u.err" || fail "unknown option not named: $(cat "$T/u.err")"
usage_error -x
usage_error -d
grep -q "needs a value" "$T/u.err" || fail "-d without value: $(cat "$T/u.err")"
usage_error --once=3
usage_error --format xml --once
timeout -s KILL 10 "$PYLONTOP" --decode "$T/missing.txt" >"$T/u.out" 2>"$T/u.err"
rc=$?
[ "$rc" -eq 1 ] || fail "--decode missing.txt: exit $rc, want 1: $(cat "$T/u.err")"
if [ "$HAVE_TUI" = yes ] && command -v script >/dev/null 2>&1; then
	# The UI on a real pty with TERM=dumb: an environment problem, exit 2.
	sim_start dumb --protocol lv --modules 2
	TERM=dumb script -qec "'$PYLONTOP' -d '$SIM_DEV' --no-csv --no-mqtt 2>'$T/dumb.err'; echo \$? >'$T/dumb.rc'" \
		/dev/null </dev/null >/dev/null 2>&1
	[ "$(cat "$T/dumb.rc" 2>/dev/null)" = 2 ] ||
		fail "TERM=dumb: exit $(cat "$T/dumb.rc" 2>/dev/null), want 2: $(cat "$T/dumb.err")"
	grep -q 'TERM=dumb' "$T/dumb.err" || fail "TERM=dumb: no reason: $(cat "$T/dumb.err")"
else
	note "SKIP TERM=dumb: no TUI or no script(1)"
fi
note "conflicting modes and usage errors: exit 2 with one line; missing --decode file: 1"

# --- 9.9: Ctrl-C / SIGTERM stop a slow --once at once, no output --------------
sim_start slow --protocol lv --modules 3 --fault slow:2000
for sig in INT TERM; do
	"$PYLONTOP" -d "$SIM_DEV" --once -f json >"$T/slow.out" 2>"$T/slow.err" &
	p=$!; PT_PIDS="$PT_PIDS $p"
	sleep 2.5
	kill -0 "$p" 2>/dev/null || fail "slow --once ended before the signal: $(cat "$T/slow.err")"
	kill -"$sig" "$p"
	wait_for 1 sh -c "! kill -0 $p" ||
		fail "SIG$sig: --once still running 1 s later ($(ps -o stat=,wchan= -p "$p"); $(grep -E 'SigIgn|SigCgt' /proc/$p/status | tr '\n' ' '))"
	wait "$p"; rc=$?
	want=$([ "$sig" = INT ] && echo 130 || echo 143)
	[ "$rc" -eq "$want" ] || fail "SIG$sig: exit $rc, want $want: $(cat "$T/slow.err")"
	[ -s "$T/slow.out" ] && fail "SIG$sig: a sample was printed after the signal"
done
note "slow --once: SIGINT 130, SIGTERM 143, within 1 s, nothing printed"

# --- 10.5: a closed stdout ends --headless -f json (status 0) ----------------
sim_start pipe --protocol lv --modules 2
( timeout -s KILL 20 "$PYLONTOP" -d "$SIM_DEV" --headless -f json -i 0.5 --no-csv 2>"$T/epipe.err" |
	head -1 >"$T/epipe.out"; echo "${PIPESTATUS[0]}" >"$T/epipe.rc" ) &
wait_for 12 test -s "$T/epipe.rc" || fail "--headless -f json | head -1: still writing after 12 s"
[ "$(cat "$T/epipe.rc")" = 0 ] || fail "--headless | head -1: exit $(cat "$T/epipe.rc"), want 0: $(cat "$T/epipe.err")"
jq -e '.modules | length == 2' "$T/epipe.out" >/dev/null || fail "head -1 got no sample"
grep -q 'standard output was closed' "$T/epipe.err" || fail "EPIPE not said: $(cat "$T/epipe.err")"
# The reader gone while the device is silent: seen without a write.
sim_start mute --protocol lv --modules 2 --fault silence
rm -f "$T/epipe.rc"
( timeout -s KILL 20 "$PYLONTOP" -d "$SIM_DEV" --headless -f json --no-csv 2>"$T/epipe2.err" |
	{ sleep 1; exit 0; }; echo "${PIPESTATUS[0]}" >"$T/epipe.rc" ) &
wait_for 8 test -s "$T/epipe.rc" || fail "silent device: a closed stdout did not end --headless"
[ "$(cat "$T/epipe.rc")" = 0 ] || fail "silent device, closed stdout: exit $(cat "$T/epipe.rc")"
note "closed stdout: --headless ends with status 0, with or without samples"

# --- 9.13: "1 sample", no "-0" ----------------------------------------------
pt --demo --headless -n 1 </dev/null >/dev/null 2>"$T/one.err" || fail "--demo --headless -n 1: exit $?"
grep -q ': 1 sample;' "$T/one.err" || fail "summary of one sample: $(grep samples "$T/one.err")"
sed 's/-1234/-1   /; s/-1250/0    /' "$top_srcdir/tests/fixtures/decode/lv_pwr.txt" >"$T/tiny.txt"
pt --decode "$T/tiny.txt" >"$T/tiny.json" 2>&1 || fail "--decode tiny: $(cat "$T/tiny.json")"
grep -Eq '"power":[[:space:]]*-0([,}]|$)' "$T/tiny.json" && fail "JSON has a power of -0: $(grep -o '"power":[^,]*' "$T/tiny.json")"
jq -e '.modules[0].power == 0 and .stack.power == 0' "$T/tiny.json" >/dev/null ||
	fail "tiny currents: want power 0: $(jq -c '[.stack.power, .modules[].power]' "$T/tiny.json")"
pt --decode "$T/tiny.txt" -f text >"$T/tiny.txt.out" 2>&1 || fail "--decode -f text"
grep -q -- ' -0\.0* ' "$T/tiny.txt.out" && fail "text has -0: $(grep -- ' -0\.0* ' "$T/tiny.txt.out")"
grep -Eq '^  power +0\.0 W$' "$T/tiny.txt.out" || fail "text: want 'power 0.0 W': $(grep power "$T/tiny.txt.out")"
pt --decode "$T/tiny.txt" -f csv >"$T/tiny.csv" 2>&1 || fail "--decode -f csv"
tr ',' '\n' <"$T/tiny.csv" | grep -q -- '^-0\.0*$' && fail "CSV has -0: $(cat "$T/tiny.csv")"
note "'1 sample'; -0.05 W is printed as 0 (text, JSON, CSV)"

# --- 10.8: ./.env is trusted only when it is ours and not writable by others ---
sim_start envdev --protocol lv --modules 2
printf 'SERIAL_PORT=%s\n' "$SIM_DEV" >.env
chmod 664 .env
pt --once -f json >"$T/env.out" 2>"$T/env.err"
rc=$?
[ "$rc" -eq 2 ] || fail "group-writable ./.env: exit $rc, want 2 (ignored, so no device): $(cat "$T/env.err")"
grep -q '\./\.env ignored: the group may write to it' "$T/env.err" || fail "group-writable ./.env: $(cat "$T/env.err")"
if [ "$(id -u)" -eq 0 ]; then
	chmod 600 .env; chown 65534 .env
	pt --once >/dev/null 2>"$T/env.err"
	grep -q '\./\.env ignored: it belongs to uid 65534' "$T/env.err" || fail "foreign ./.env: $(cat "$T/env.err")"
	chown 0 .env
else
	note "SKIP foreign-owner ./.env: needs root to chown"
fi
chmod 600 .env
pt --once -v -f json >"$T/env.out" 2>"$T/env.err" || fail "own ./.env: exit $?: $(cat "$T/env.err")"
grep -q '^pylontop: config file: \.env$' "$T/env.err" || fail "-v does not name the config file: $(cat "$T/env.err")"
pt --headless -n 1 --no-csv >/dev/null 2>"$T/env.err" || fail "headless -n 1 with ./.env"
grep -q '^pylontop: config file: \.env$' "$T/env.err" || fail "headless does not name the config file"
note "./.env: ignored when group-writable (or foreign), named with -v and in headless"

# A password from the environment is not sent to a broker that ./.env
# names; the broker here is socat, recording what the client sends.
if [ "$HAVE_MQTT" = yes ] && command -v socat >/dev/null 2>&1; then
	capture() {	# capture NAME: a one-connection fake broker on $bport
		bport=$(free_port) || fail "no free port"
		: >"$T/$1.cap"
		bg_start "broker-$1" socat -u "TCP-LISTEN:$bport,bind=127.0.0.1,reuseaddr" "OPEN:$T/$1.cap,append"
		# Not probed by connecting: socat takes one connection only.
		if command -v ss >/dev/null 2>&1; then
			wait_for 5 sh -c "ss -ltn | grep -q ':$bport '" || fail "fake broker did not listen"
		else
			sleep 0.5
		fi
	}
	capture env
	printf 'MQTT_BROKER=127.0.0.1\nMQTT_PORT=%s\nMQTT_USER=envuser\n' "$bport" >.env
	chmod 600 .env
	MQTT_PASSWORD=s3cretFromEnv timeout 20 "$PYLONTOP" -d "$SIM_DEV" --headless -i 0.5 -n 3 \
		--no-csv </dev/null >/dev/null 2>"$T/trust.err"
	grep -q 'MQTT password from the environment (MQTT_PASSWORD) is not sent to 127.0.0.1' "$T/trust.err" ||
		fail "env password + ./.env broker: no warning: $(cat "$T/trust.err")"
	wait_for 5 grep -q envuser "$T/env.cap" || fail "the client never reached the fake broker"
	grep -q s3cretFromEnv "$T/env.cap" && fail "the password from the environment went to ./.env's broker"
	# The same file given with -c is the user's choice: the password goes.
	capture explicit
	printf 'MQTT_BROKER=127.0.0.1\nMQTT_PORT=%s\nMQTT_USER=envuser\n' "$bport" >"$T/explicit.env"
	MQTT_PASSWORD=s3cretFromEnv timeout 20 "$PYLONTOP" -c "$T/explicit.env" -d "$SIM_DEV" \
		--headless -i 0.5 -n 3 --no-csv </dev/null >/dev/null 2>"$T/trust2.err"
	wait_for 5 grep -q s3cretFromEnv "$T/explicit.cap" ||
		fail "-c FILE broker + env password: the password was not sent: $(cat "$T/trust2.err")"
	grep -q 'is not sent' "$T/trust2.err" && fail "-c FILE: refused: $(cat "$T/trust2.err")"
	# 10.9: the systemd credential is read from $CREDENTIALS_DIRECTORY.
	capture cred
	mkdir -p "$T/cred"; printf 'credPassw0rd\n' >"$T/cred/mqtt_password"; chmod 600 "$T/cred/mqtt_password"
	CREDENTIALS_DIRECTORY="$T/cred" timeout 20 "$PYLONTOP" -d "$SIM_DEV" --headless -i 0.5 -n 3 \
		--no-csv --mqtt "mqtt://creduser@127.0.0.1:$bport" </dev/null >/dev/null 2>"$T/cred.err"
	# An empty credential leaves the config file's password in place.
	: >"$T/cred/mqtt_password"
	printf 'MQTT_PASSWORD=filePassw0rd\n' >"$T/cred.conf"; chmod 600 "$T/cred.conf"
	capture cred2
	CREDENTIALS_DIRECTORY="$T/cred" timeout 20 "$PYLONTOP" -c "$T/cred.conf" -d "$SIM_DEV" --headless \
		-i 0.5 -n 3 --no-csv --mqtt "mqtt://creduser@127.0.0.1:$bport" </dev/null >/dev/null 2>"$T/cred2.err"
	wait_for 5 grep -q filePassw0rd "$T/cred2.cap" ||
		fail "an empty credential replaced the config file's password: $(cat "$T/cred2.err")"
	wait_for 5 grep -q credPassw0rd "$T/cred.cap" ||
		fail "\$CREDENTIALS_DIRECTORY/mqtt_password not used: $(cat "$T/cred.err")"
	grep -q 'MQTT password from the systemd credential' "$T/cred.err" ||
		fail "headless does not say where the password came from: $(cat "$T/cred.err")"
	rm -f .env
	note "MQTT password: refused for ./.env's broker, sent with -c, read from the systemd credential"
else
	rm -f .env
	note "SKIP password/broker trust: no MQTT in this build or no socat"
fi

# --- 10.9: a password file others can read is warned about, like ssh ----------
printf 'pw\n' >"$T/pw"; chmod 644 "$T/pw"
pt --mqtt-password-file "$T/pw" --decode "$T/tiny.txt" >/dev/null 2>"$T/pw.err"
grep -q "$T/pw holds the MQTT password and is readable by others (mode 0644); run chmod 600" "$T/pw.err" ||
	fail "mode 644 password file: no warning: $(cat "$T/pw.err")"
chmod 600 "$T/pw"
pt --mqtt-password-file "$T/pw" --decode "$T/tiny.txt" >/dev/null 2>"$T/pw.err"
grep -q 'readable' "$T/pw.err" && fail "mode 600 password file: warned: $(cat "$T/pw.err")"
printf 'MQTT_PASSWORD=pw\n' >"$T/pwconf"; chmod 640 "$T/pwconf"
pt -c "$T/pwconf" --decode "$T/tiny.txt" >/dev/null 2>"$T/pw.err"
grep -q "$T/pwconf holds the MQTT password and is readable by the group (mode 0640)" "$T/pw.err" ||
	fail "mode 640 config with MQTT_PASSWORD: no warning: $(cat "$T/pw.err")"
note "password files readable by group/others: warned"

# --- 10.10: SIGHUP re-opens the CSV file and re-reads the thresholds ----------
sim_start hup --protocol lv --modules 2
printf 'ALARM_TEMP_HIGH=80\n' >"$T/hup.conf"
"$PYLONTOP" -c "$T/hup.conf" -d "$SIM_DEV" --headless -i 0.5 -f json --csv "$T/hup.csv" \
	>"$T/hup.json" 2>"$T/hup.err" &
p=$!; PT_PIDS="$PT_PIDS $p"
wait_for 10 sh -c "[ \$(grep -c . '$T/hup.csv' 2>/dev/null || echo 0) -ge 3 ]" || fail "headless wrote no CSV: $(cat "$T/hup.err")"
jq -s -e 'map(.alarms | length) | all(. == 0)' "$T/hup.json" >/dev/null || fail "alarms before the change"
mv "$T/hup.csv" "$T/hup.csv.1"		# what logrotate does
printf 'ALARM_TEMP_HIGH=20\n' >"$T/hup.conf"
kill -HUP "$p"
wait_for 5 grep -q 'SIGHUP: CSV file re-opened, alarm thresholds re-read' "$T/hup.err" ||
	fail "SIGHUP: not said: $(cat "$T/hup.err")"
kill -0 "$p" 2>/dev/null || fail "SIGHUP ended pylontop"
wait_for 5 test -s "$T/hup.csv" || fail "SIGHUP: the CSV file was not re-opened"
head -1 "$T/hup.csv" | grep -q '^time,seq,' || fail "re-opened CSV has no header"
wait_for 5 sh -c "tail -1 '$T/hup.json' | jq -e '[.alarms[].name] | index(\"temperature_high\")' >/dev/null" ||
	fail "SIGHUP: the new ALARM_TEMP_HIGH is not applied: $(tail -1 "$T/hup.json" | jq -c .alarms)"
n1=$(wc -l <"$T/hup.csv.1"); sleep 1.2
[ "$(wc -l <"$T/hup.csv.1")" -eq "$n1" ] || fail "rows still go to the rotated file"
kill -TERM "$p"; wait "$p"; rc=$?
[ "$rc" -eq 0 ] || fail "SIGTERM after SIGHUP: exit $rc"
note "SIGHUP: CSV re-opened, thresholds re-read, still running; SIGTERM exit 0"

# In the UI, a SIGHUP with the terminal still there is a reload too (tui.sh
# checks that a HUP with the terminal gone still ends it).
TMUX_BIN=$(command -v tmux)
if [ "$HAVE_TUI" = yes ] && [ -n "$TMUX_BIN" ]; then
	SOCK="$T/tmux.sock"
	tm() { "$TMUX_BIN" -S "$SOCK" -f /dev/null "$@"; }
	PT_ON_EXIT="tm kill-server"
	tm new-session -d -s pt -x 80 -y 24 "env TERM=xterm-256color LANG=C.UTF-8 '$PYLONTOP' \
		-d '$SIM_DEV' -i 0.5 --csv '$T/ui.csv' --no-mqtt 2>'$T/ui.err'; echo \$? >'$T/ui.exit'; sleep 30" ||
		fail "tmux did not start"
	wait_for 10 sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | grep -q 'Curr A'" ||
		fail "UI: no overview: $(cat "$T/ui.err")"
	up=$(pgrep -n -f -- "-d $SIM_DEV -i 0.5 --csv $T/ui.csv") || fail "UI: no pylontop process"
	wait_for 5 test -s "$T/ui.csv" || fail "UI: no CSV"
	mv "$T/ui.csv" "$T/ui.csv.1"
	kill -HUP "$up"
	sleep 1.5
	[ -s "$T/ui.exit" ] && fail "UI: SIGHUP with the terminal present ended it (exit $(cat "$T/ui.exit"))"
	kill -0 "$up" 2>/dev/null || fail "UI: SIGHUP ended pylontop"
	wait_for 5 test -s "$T/ui.csv" || fail "UI: SIGHUP did not re-open the CSV file"
	tm send-keys -t pt q
	wait_for 5 test -s "$T/ui.exit" || fail "UI: q did not end it after the HUP"
	[ "$(cat "$T/ui.exit")" = 0 ] || fail "UI: exit $(cat "$T/ui.exit") after q"
	tm kill-server 2>/dev/null
	note "UI: SIGHUP with the terminal present re-opens the CSV and keeps running"
else
	note "SKIP UI SIGHUP: no TUI or no tmux"
fi
exit 0
