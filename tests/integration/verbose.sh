#!/bin/sh
# verbose.sh — the link layer's trace (issue 9.6) and its refusal of a
# port that another program reads without a lock (issue 9.10), against
# pylontop-sim on a pty:
#   -vv: every chunk written and read, escaped ("tx 4 bytes: pwr\n");
#   -v:  link state changes (opening, opened, lost, reconnecting), no bytes;
#   socat -u OPEN:port,rdonly - beside it: "busy: also open in PID N (socat)".
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"

[ -x "$PYLONTOP_SIM" ] || skip "no $PYLONTOP_SIM"

sim_start lv --protocol lv --modules 2 --cells 15; dev=$SIM_DEV

# --- -vv: the bytes, both ways -------------------------------------------
"$PYLONTOP" -d "$dev" -vv --once --format json >"$T/vv.out" 2>"$T/vv.log" ||
	fail "-vv --once failed: $(tail -3 "$T/vv.log")"
grep -q '"modules"' "$T/vv.out" || fail "-vv: no sample on stdout"
grep -Eq '^pylontop: tx 4 bytes: pwr\\[rn]$' "$T/vv.log" ||
	fail "-vv: no 'tx 4 bytes: pwr' line: $(head -5 "$T/vv.log")"
grep -Eq '^pylontop: rx [0-9]+ bytes: .*Power Volt' "$T/vv.log" ||
	fail "-vv: the answer to pwr was not logged: $(head -5 "$T/vv.log")"
grep -Eq '^pylontop: rx [0-9]+ bytes: .*\\r.*pylon>' "$T/vv.log" ||
	fail "-vv: CR not escaped or no prompt seen"
# Escaped: nothing raw (no CR, no control byte) reaches stderr.
if LC_ALL=C grep -q "$(printf '\r')" "$T/vv.log"; then fail "-vv: raw CR on stderr"; fi
grep -Eq '^pylontop: \[[0-9.]+\] link: opening .*\(pty ' "$T/vv.log" || fail "-vv: no 'opening'"
grep -Eq '^pylontop: \[[0-9.]+\] link: opened /dev/pts/' "$T/vv.log" || fail "-vv: no 'opened'"
note "-vv: $(grep -c ' tx ' "$T/vv.log") tx, $(grep -c ' rx ' "$T/vv.log") rx lines"

# --- -v: state changes, no bytes ------------------------------------------
"$PYLONTOP" -d "$dev" -v --once >/dev/null 2>"$T/v.log" || fail "-v --once failed"
grep -q 'link: opened' "$T/v.log" || fail "-v: no 'opened': $(cat "$T/v.log")"
if grep -Eq '^pylontop: (tx|rx) ' "$T/v.log"; then fail "-v: raw bytes logged without -vv"; fi
note "-v: ok"

# --- lost and reconnecting, said once each time ----------------------------
sim_start unplug --protocol lv --modules 2 --cells 15 --fault unplug:2:2; udev=$SIM_DEV
"$PYLONTOP" -d "$udev" -v --headless -i 1 >/dev/null 2>"$T/unplug.log" &
p=$!; PT_PIDS="$PT_PIDS $p"
wait_for 30 grep -q 'link: reconnecting to' "$T/unplug.log" ||
	fail "no 'reconnecting': $(tail -5 "$T/unplug.log")"
wait_for 30 sh -c "[ \$(grep -c 'link: opened' '$T/unplug.log') -ge 2 ]" ||
	fail "not reopened after the pty came back: $(tail -5 "$T/unplug.log")"
kill -TERM "$p"; wait "$p"
grep -q 'link: lost: .*device disconnected' "$T/unplug.log" ||
	fail "the loss was not logged: $(grep 'link:' "$T/unplug.log" | head)"
[ "$(grep -c 'link: lost' "$T/unplug.log")" -le "$(grep -c 'link: opened' "$T/unplug.log")" ] ||
	fail "'lost' repeated for one open"
note "lost/reconnecting: ok"

# --- a reader without a lock is named (9.10) ------------------------------
if command -v socat >/dev/null 2>&1; then
	bg_start socat socat -u "OPEN:$dev,rdonly" -
	s=$BG_PID
	wait_for 5 sh -c "ls -l /proc/$s/fd 2>/dev/null | grep -q /dev/pts/" ||
		fail "socat did not open $dev"
	"$PYLONTOP" -d "$dev" --once >/dev/null 2>"$T/busy.log" && fail "--once succeeded beside socat"
	grep -q "busy: also open in PID $s (socat).*stop it or use another port" "$T/busy.log" ||
		fail "socat not named: $(cat "$T/busy.log")"
	kill "$s"; wait "$s" 2>/dev/null
	"$PYLONTOP" -d "$dev" --once >/dev/null 2>"$T/free.log" ||
		fail "not free again after socat: $(cat "$T/free.log")"
	note "busy beside socat: ok"
else
	note "socat not installed: the unit test test_link covers 9.10 with a plain reader"
fi
exit 0
