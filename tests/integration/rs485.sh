#!/bin/bash
# rs485.sh — RS485 end to end: pylontop-sim as Pylontech and PACE packs,
# 1 and 8 packs, over a pty and over TCP; pylontop --once shows the
# simulator's packs and cells; auto-detection names the dialect; bad
# checksums are counted, never shown as data; no write command reaches
# the packs; --decode of frame files.
PT_TEST_TIMEOUT=240
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing"
[ -x "$PYLONTOP" ] && [ -x "$PYLONTOP_SIM" ] || skip "pylontop or pylontop-sim not built"

# check_once DEVICE DIALECT(for pylontop) EXPECTED_DIALECT PACKS STATE
check_once() {
	"$PYLONTOP" -d "$1" -p rs485 --dialect "$2" --once --format json >"$T/once.json" 2>"$T/once.log" ||
		fail "$3 x$4 on $1: $(cat "$T/once.log")"
	jq -e --arg d "$3" --argjson n "$4" '.protocol == "rs485" and .dialect == $d and
		(.modules | length) == $n and ([.modules[].cells | length] | all(. == 16))' \
		"$T/once.json" >/dev/null || fail "$3 x$4: $(head -c 400 "$T/once.json")"
	# Pack ids as each dialect counts: Pylontech addresses 2.., PACE numbers 1..
	first=2; [ "$3" = pace ] && first=1
	jq -e --argjson f "$first" '[.modules[].id] == [range($f; $f + (.modules | length))]' \
		"$T/once.json" >/dev/null || fail "$3: pack ids $(jq -c '[.modules[].id]' "$T/once.json")"
	# The same values as the simulator's model (it moves once a second).
	jq -s -e '(.[0].modules) as $got | (.[1].modules) as $want |
		[range(0; $got | length) | (($got[.].voltage - $want[.].voltage) | fabs) < 0.3 and
		 (($got[.].cells[0].voltage - $want[.].cells[0].voltage) | fabs) < 0.02 and
		 (($got[.].soc - $want[.].soc) | fabs) <= 1] | all' "$T/once.json" "$5" >/dev/null ||
		fail "$3: values differ: $(jq -c '[.modules[] | [.voltage, .cells[0].voltage, .soc]]' \
			"$T/once.json") vs $(jq -c '[.modules[] | [.voltage, .cells[0].voltage, .soc]]' "$5")"
	# Cell voltages add up to the pack voltage of the same reply.
	jq -e '[.modules[] | ((([.cells[].voltage] | add) - .voltage) | fabs) < 0.001] | all' \
		"$T/once.json" >/dev/null || fail "$3: cells do not add up to the pack voltage"
	jq -e --slurpfile st "$5" '.modules[0].barcode == $st[0].modules[0].barcode' \
		"$T/once.json" >/dev/null ||
		fail "$3: barcode $(jq -c '.modules[0].barcode' "$T/once.json") (0x93/0xC2)"
	jq -e '.write_count == 0' "$5" >/dev/null || fail "$3: a write command reached the packs"
}

export PYLONTOP_RS485_GAP_MS=20
for dialect in pylontech pace; do
	for packs in 1 8; do
		sim_start "$dialect$packs" --protocol rs485 --dialect "$dialect" --modules "$packs" \
			--cells 16 --state "$T/$dialect$packs.json"
		check_once "$SIM_DEV" "$dialect" "$dialect" "$packs" "$T/$dialect$packs.json"
		note "$dialect, $packs pack(s), pty: ok"
	done
done

# TCP bridges: both dialects, found without --dialect.
for dialect in pylontech pace; do
	port=$(free_port) || fail "no free port"
	bg_start "sim-tcp-$dialect" "$PYLONTOP_SIM" --tcp "$port" --protocol rs485 \
		--dialect "$dialect" --modules 8 --cells 16 --state "$T/tcp-$dialect.json"
	wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || fail "TCP simulator not listening"
	check_once "tcp://127.0.0.1:$port" auto "$dialect" 8 "$T/tcp-$dialect.json"
	note "$dialect x8 over tcp, auto-detected: ok"
done

# The wrong dialect: a clear error, no data.
sim_start wrong --protocol rs485 --dialect pylontech --modules 1
"$PYLONTOP" -d "$SIM_DEV" -p rs485 --dialect seplos --once --format json >"$T/wrong.json" \
	2>"$T/wrong.log" && fail "seplos on Pylontech packs found something: $(cat "$T/wrong.json")"
grep -q "no pack answers" "$T/wrong.log" || fail "wrong dialect message: $(cat "$T/wrong.log")"
note "wrong dialect: $(head -1 "$T/wrong.log")"

# Bad checksums: counted; every sample right (a retry gets a good reply).
sim_start bad --protocol rs485 --dialect pylontech --modules 2 --cells 16 --fault badcrc \
	--fault-every 3
"$PYLONTOP" -d "$SIM_DEV" -p rs485 --dialect pylontech --headless -i 0.5 --format json \
	>"$T/bad.json" 2>"$T/bad.log" &
p=$!; PT_PIDS="$PT_PIDS $p"
sleep 6
kill -TERM "$p"; wait "$p"
[ "$(jq -s 'length' "$T/bad.json")" -ge 3 ] || fail "too few samples with bad checksums: $(tail -3 "$T/bad.log")"
grep -E "samples?; errors" "$T/bad.log" | grep -Eq ' [1-9][0-9]* checksum' ||
	fail "bad checksums not counted: $(tail -2 "$T/bad.log")"
# A damaged frame never became data: every cell sane, every pack whole.
jq -s -e 'all(.[]; (.modules | length) == 2 and
	([.modules[].cells[].voltage] | all(. > 2.5 and . < 3.7)))' "$T/bad.json" >/dev/null ||
	fail "a damaged frame reached the data"
note "bad checksums: $(grep 'samples; errors' "$T/bad.log" | tail -1)"

# --decode: a request line, then the reply (the §6.2 US2000 frames).
printf '~20024642E00202FD33\n~20024600C06E10020F0C9A0C980C990C980C9A0C9A0C990C9B0C9C0C9A0C9B0C9B0C9B0C9B0C99050B740B550B570B530B630000BD06190F02C3500084E545\n' >"$T/frames.txt"
"$PYLONTOP" --decode "$T/frames.txt" >"$T/dec.json" || fail "--decode of RS485 frames"
jq -e '.modules[0].id == 2 and .modules[0].voltage == 48.39 and .modules[0].cycles == 132 and
	(.modules[0].cells | length) == 15 and .modules[0].cells[0].voltage == 3.226 and
	.dialect == "pylontech"' "$T/dec.json" >/dev/null || fail "--decode values: $(cat "$T/dec.json")"
sed 's/E545$/E546/' "$T/frames.txt" >"$T/badframes.txt"
"$PYLONTOP" --decode "$T/badframes.txt" >/dev/null 2>"$T/dec.err" && fail "a bad checksum decoded"
grep -q "checksum" "$T/dec.err" || fail "bad checksum message: $(cat "$T/dec.err")"
# A PACE file with its dialect named, alarms and barcode included.
"$PYLONTOP" --decode "$top_srcdir/tests/fixtures/rs485/pace_pack.txt" -p rs485 --dialect pace \
	>"$T/pace.json" || fail "--decode of the PACE fixture"
jq -e '.dialect == "pace" and .modules[0].id == 2 and .modules[0].barcode == "PPTBH0210001234" and
	([.alarms[] | select(.name == "ntc_fault")] | length) == 1' "$T/pace.json" >/dev/null ||
	fail "--decode PACE: $(head -c 400 "$T/pace.json")"
note "decode: ok"
exit 0
