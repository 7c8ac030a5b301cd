#!/bin/bash
# rs485.sh — RS485 end to end: the simulator as Pylontech and PACE packs,
# 1 and 8 packs, over a pty and over TCP; bad checksums counted, never
# shown as data; --decode of a frame file.
PT_TEST_TIMEOUT=120
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing"

check_once() {	# DEVICE DIALECT PACKS STATE
	"$PYLONTOP" -d "$1" -p rs485 --dialect "$2" --once --format json >"$T/once.json" 2>"$T/once.log" ||
		fail "$2 x$3 on $1: $(cat "$T/once.log")"
	jq -e --arg d "$2" --argjson n "$3" '.protocol == "rs485" and .dialect == $d and
		(.modules | length) == $n and ([.modules[].cells | length] | all(. == 16))' \
		"$T/once.json" >/dev/null || fail "$2 x$3: $(head -c 300 "$T/once.json")"
	[ -n "${4:-}" ] || return 0
	jq -s -e '(.[0].modules | map(.voltage)) as $got | (.[1].modules | map(.voltage)) as $want |
		[range(0; $got | length) | (($got[.] - $want[.]) | fabs) < 0.05] | all' \
		"$T/once.json" "$4" >/dev/null ||
		fail "$2: pack voltages differ: $(jq -c '[.modules[].voltage]' "$T/once.json") vs $(jq -c '[.modules[].voltage]' "$4")"
	jq -e '.modules[0].barcode | startswith("PPTBH")' "$T/once.json" >/dev/null ||
		fail "$2: no barcode from 0x93/0xC2"
}

for dialect in pylontech pace; do
	for packs in 1 8; do
		sim_start "$dialect$packs" --protocol rs485 --dialect "$dialect" --modules "$packs" \
			--state "$T/$dialect$packs.json"
		check_once "$SIM_DEV" "$dialect" "$packs" "$T/$dialect$packs.json"
		note "$dialect, $packs pack(s), pty: ok"
	done
done

port=$(free_port)
bg_start sim-tcp "$PYLONTOP_SIM" --tcp "$port" --protocol rs485 --dialect pace --modules 3
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || fail "TCP simulator not listening"
check_once "tcp://127.0.0.1:$port" pace 3
note "pace over tcp: ok"

# Bad checksums: counted, the sample still right (a retry gets a good one).
sim_start bad --protocol rs485 --dialect pylontech --modules 2 --fault badcrc --fault-every 3
"$PYLONTOP" -d "$SIM_DEV" -p rs485 --dialect pylontech --headless -i 0.5 --format json \
	>"$T/bad.json" 2>"$T/bad.log" &
p=$!; PT_PIDS="$PT_PIDS $p"
sleep 6
kill -TERM "$p"; wait "$p"
grep "samples; errors" "$T/bad.log" | grep -Eq ' [1-9][0-9]* checksum' ||
	fail "bad checksums not counted: $(tail -2 "$T/bad.log")"
# Every sample printed has sane voltages: a damaged frame never became data.
jq -e '[.modules[].cells[].voltage] | all(. > 2.5 and . < 3.7)' "$T/bad.json" >/dev/null ||
	fail "a damaged frame reached the data"
note "bad checksums: $(grep 'samples; errors' "$T/bad.log")"

# --decode: a request line, then the reply.
printf '~20024642E00202FD33\n~20024600C06E10020F0C9A0C980C990C980C9A0C9A0C990C9B0C9C0C9A0C9B0C9B0C9B0C9B0C99050B740B550B570B530B630000BD06190F02C3500084E545\n' >"$T/frames.txt"
"$PYLONTOP" --decode "$T/frames.txt" >"$T/dec.json" || fail "--decode of RS485 frames"
jq -e '.modules[0].id == 2 and .modules[0].voltage == 48.39 and .modules[0].cycles == 132 and
	(.modules[0].cells | length) == 15 and .modules[0].cells[0].voltage == 3.226' "$T/dec.json" >/dev/null ||
	fail "--decode values: $(cat "$T/dec.json")"
sed 's/E545$/E546/' "$T/frames.txt" >"$T/badframes.txt"
"$PYLONTOP" --decode "$T/badframes.txt" >/dev/null 2>"$T/dec.err" && fail "a bad checksum decoded"
grep -q "checksum" "$T/dec.err" || fail "bad checksum message: $(cat "$T/dec.err")"
note "decode: ok"
exit 0
