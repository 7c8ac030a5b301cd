#!/bin/sh
# completion.sh — the bash completion offers what pylontop --help lists,
# the values of --protocol/--dialect/--format, and serial ports for -d.
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v bash >/dev/null 2>&1 || skip "bash is missing"
bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || skip "bash-completion is not installed (scripts/setup installs it)"

# complete WORDS...: the candidates bash would offer for the last word.
complete_words() {
	PATH="$(dirname "$PYLONTOP"):$PATH" bash -c '
		. "$1"; . "$2"; . "$3"; shift 3
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		case $1 in pylontop) _pylontop "$1" "${!#}" ;; *) _pylontop_sim "$1" "${!#}" ;; esac
		printf "%s\n" "${COMPREPLY[@]}"' _ "$bc" \
		"$top_srcdir/contrib/bash-completion/pylontop" \
		"$top_srcdir/contrib/bash-completion/pylontop-sim" "$@"
}

complete_words pylontop --pro >"$T/o"
grep -qx -- '--protocol' "$T/o" || fail "--pro does not complete to --protocol: $(cat "$T/o")"
# Every long option of --help is offered (the list comes from --help).
"$PYLONTOP" --help | grep -o -- '--[a-z][a-z-]*' | sort -u >"$T/help"
complete_words pylontop -- | sort -u >"$T/all"
missing=$(comm -23 "$T/help" "$T/all")
[ -z "$missing" ] || fail "options in --help not completed: $missing"
complete_words pylontop --protocol "" | sort | tr '\n' ' ' >"$T/o"
[ "$(cat "$T/o")" = "auto hv lv rs485 sc0500 " ] || fail "--protocol values: $(cat "$T/o")"
complete_words pylontop --dialect p | sort | tr '\n' ' ' >"$T/o"
[ "$(cat "$T/o")" = "pace pylontech " ] || fail "--dialect values: $(cat "$T/o")"
complete_words pylontop -f j >"$T/o"
[ "$(cat "$T/o")" = "json" ] || fail "--format values: $(cat "$T/o")"
complete_words pylontop -d tc >"$T/o"
[ "$(cat "$T/o")" = "tcp://" ] || fail "-d offers no tcp://: $(cat "$T/o")"
# Serial ports: whatever this machine has under /dev is offered.
port=$(ls /dev/ttyS0 /dev/ttyUSB* /dev/ttyACM* 2>/dev/null | head -1)
if [ -n "$port" ]; then
	complete_words pylontop -d /dev/tty >"$T/o"
	grep -qx "$port" "$T/o" || fail "-d /dev/tty does not offer $port: $(cat "$T/o")"
fi
complete_words pylontop-sim --protocol h >"$T/o"
[ "$(cat "$T/o")" = "hv" ] || fail "pylontop-sim --protocol: $(cat "$T/o")"
echo "completion: ok"
