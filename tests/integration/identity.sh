#!/bin/bash
# identity.sh — every per-module identity lands on the module the device
# numbers it with (issue 9.1): id -> barcode equal to the simulator's truth
# for HV 5 and 8 BMUs (the controller lists its BMUs highest first), the
# SC0500 in debug mode and an LV stack of 16; over --once and over several
# headless samples (the slow-data cache must not move them either).
PT_TEST_TIMEOUT=150
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing (scripts/setup installs it)"
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"

# same_identity OUT.json TRUTH.json N WHAT: N modules, each id's barcode
# equal to the truth's for that id (non-empty).
same_identity() {
	jq -s -e --argjson n "$3" '
		(.[1].modules | map({key: (.id | tostring), value: .barcode}) | from_entries) as $want |
		(.[0].modules | length) == $n and
		([.[0].modules[] | .barcode != null and .barcode != "" and
		  .barcode == $want[.id | tostring]] | all)' "$1" "$2" >/dev/null ||
		fail "$4: id -> barcode differs from the simulator's truth:
got:  $(jq -c '[.modules[] | [.id, .barcode]]' "$1")
want: $(jq -c '[.modules[] | [.id, .barcode]]' "$2")"
}

once_case() {	# NAME PROTOCOL MODULES [SIM ARGS...]
	local name=$1 proto=$2 n=$3; shift 3
	sim_start "$name" --protocol "$proto" --modules "$n" --state "$T/$name.json" "$@"
	"$PYLONTOP" -d "$SIM_DEV" -p "$proto" --once --format json >"$T/$name.out" \
	    2>"$T/$name.log" || fail "$name: --once failed: $(cat "$T/$name.log")"
	kill "$BG_PID" 2>/dev/null; wait "$BG_PID" 2>/dev/null	# truth file complete
	same_identity "$T/$name.out" "$T/$name.json" "$n" "$name --once"
	note "$name: $n modules, id -> barcode as the device numbers them"
}

once_case hv5 hv 5
once_case hv8 hv 8
once_case sc0500 sc0500 5 --barcode PPTBH0240012345
once_case lv16 lv 16

# Several samples: identity read once, then merged from the cache.
sim_start hvrun --protocol hv --modules 5 --state "$T/hvrun.json"
"$PYLONTOP" -d "$SIM_DEV" --headless -i 1 -n 3 -f json >"$T/hvrun.out" 2>"$T/hvrun.log" ||
	fail "headless: $(cat "$T/hvrun.log")"
kill "$BG_PID" 2>/dev/null; wait "$BG_PID" 2>/dev/null
[ "$(wc -l <"$T/hvrun.out")" -eq 3 ] || fail "headless: want 3 samples: $(cat "$T/hvrun.log")"
tail -1 "$T/hvrun.out" >"$T/hvrun.last"
same_identity "$T/hvrun.last" "$T/hvrun.json" 5 "hv headless, third sample"
note "hv headless: identity stays with its module"
exit 0
