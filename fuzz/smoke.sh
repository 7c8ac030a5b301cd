#!/bin/sh
# fuzz/smoke.sh HARNESS... — run each libFuzzer harness (fuzz/bin/fuzz_NAME,
# built by `make fuzz-smoke`) for FUZZ_SECONDS from its seeds: first every
# input of fuzz/regress/NAME/ once (crashes found before), then fuzzing.
# Seeds: the fixtures, ../shared captures and frames when present, and
# fuzz/seeds/NAME/.  A crash leaves fuzz/crash-NAME-* and fails the run.
set -u
: "${FUZZ_SECONDS:=30}" "${top_srcdir:=.}" "${SHARED_DIR:=$top_srcdir/../shared}"
fx=$top_srcdir/tests/fixtures
caps=$SHARED_DIR/protocols/captures
work=$(mktemp -d "${TMPDIR:-/tmp}/pylontop-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM

# seed DIR PREFIX FILE...: copy files as seeds; PREFIX is a byte the
# harness reads first (module argument, protocol), "" for none.
seed() {
	_dir=$1 _pre=$2
	shift 2
	for _f in "$@"; do
		[ -f "$_f" ] || continue
		case $_f in *.source.txt|*/README|*.py|*.md) continue ;; esac
		{ printf "$_pre"; cat "$_f"; } >"$_dir/$(echo "$_f" | tr '/' '_')"
	done
}

console_files() {
	seed "$1" "$2" "$fx"/console/*.txt "$fx"/console/hv/* "$fx"/console/sc0500/* \
		"$fx"/decode/*.txt "$caps"/*.txt
}

rs485_files() {
	seed "$1" "$2" "$fx"/rs485/*.txt
	# Frames of the shared test vectors, a file each.
	if [ -d "$SHARED_DIR/protocols/vectors" ]; then
		grep -oh '~[0-9A-Fa-f]\{16,\}' "$SHARED_DIR"/protocols/vectors/*.json 2>/dev/null |
			sort -u | head -200 | {
			n=0
			while read -r fr; do
				n=$((n + 1))
				printf '%b%s\r' "$2" "$fr" >"$1/vector-$n"
			done
		}
	fi
}

status=0
for name in "$@"; do
	bin=fuzz/bin/fuzz_$name
	corpus=$work/$name
	mkdir -p "$corpus"
	case $name in
	console_frame) console_files "$corpus" "" ;;
	console|console_hv|sc0500) console_files "$corpus" '\001' ;;
	rs485) rs485_files "$corpus" '\020' ;;
	decode) console_files "$corpus" '\000'; rs485_files "$corpus" '\000' ;;
	esac
	seed "$corpus" "" "$top_srcdir"/fuzz/seeds/"$name"/*
	if [ -d "$top_srcdir/fuzz/regress/$name" ]; then
		echo "== fuzz $name: the inputs of fuzz/regress/$name"
		if ! "$bin" -runs=1 "$top_srcdir"/fuzz/regress/"$name"/* >"$work/$name.regress.log" 2>&1; then
			tail -40 "$work/$name.regress.log"
			echo "FAIL: fuzz $name: a regression input crashes again" >&2
			status=1
			continue
		fi
	fi
	echo "== fuzz $name: $(ls "$corpus" | wc -l) seeds, $FUZZ_SECONDS s"
	if "$bin" -max_total_time="$FUZZ_SECONDS" -max_len=16384 -timeout=10 -rss_limit_mb=1024 \
	    -artifact_prefix="fuzz/crash-$name-" -print_final_stats=1 "$corpus" \
	    >"$work/$name.log" 2>&1; then
		grep -E '^stat::(number_of_executed_units|peak_rss_mb)|cov:' "$work/$name.log" |
			tail -3 | tr '\n' ' '
		echo
	else
		grep -v '^#' "$work/$name.log" | tail -60
		echo "FAIL: fuzz $name: see above; the input is in fuzz/crash-$name-*" >&2
		status=1
	fi
done
exit $status
