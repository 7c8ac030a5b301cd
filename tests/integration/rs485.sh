#!/bin/bash
# rs485.sh — RS485 end to end: pylontop-sim as Pylontech and PACE packs,
# 1 and 8 packs, over a pty and over TCP; pylontop --once shows the
# simulator's packs and cells; 16 packs in a group and packs in two groups
# (RS485_GROUPS) are all found; -v/-vv trace; auto-detection names the dialect; bad
# checksums are counted, never shown as data; no write command reaches
# the packs; --decode of frame files.
PT_TEST_TIMEOUT=240
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
command -v jq >/dev/null 2>&1 || skip "jq is missing"
[ -x "$PYLONTOP" ] && [ -x "$PYLONTOP_SIM" ] || skip "pylontop or pylontop-sim not built"

# check_once DEVICE DIALECT(for pylontop) EXPECTED_DIALECT PACKS STATE [ids-any]
check_once() {
	"$PYLONTOP" -d "$1" -p rs485 --dialect "$2" --once --format json >"$T/once.json" 2>"$T/once.log" ||
		fail "$3 x$4 on $1: $(cat "$T/once.log")"
	jq -e --arg d "$3" --argjson n "$4" '.protocol == "rs485" and .dialect == $d and
		(.modules | length) == $n and ([.modules[].cells | length] | all(. == 16))' \
		"$T/once.json" >/dev/null || fail "$3 x$4: $(head -c 400 "$T/once.json")"
	# Pack ids as each dialect counts: Pylontech addresses 2.., PACE numbers 1..
	first=2; [ "$3" = pace ] && first=1
	[ "${6:-}" = ids-any ] ||
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

# 16 Pylontech packs in one group: addresses 2-17 (0x02-0x11), all of them
# (discovery once stopped at 15 and showed 14), each under its own barcode.
sim_start p16 --protocol rs485 --dialect pylontech --modules 16 --cells 16 --state "$T/p16.json"
check_once "$SIM_DEV" pylontech pylontech 16 "$T/p16.json"
jq -e -s '[.[0].modules[] | [.id, .barcode]] == [.[1].modules[] | [.id, .barcode]]' \
	"$T/once.json" "$T/p16.json" >/dev/null || fail "16 packs: ids/barcodes differ from the simulator"
note "pylontech, 16 packs in group 0: ok"

# Groups (§5.1): 2 x 6 packs at 0x02-0x07 and 0x12-0x17.  Auto goes on to
# group 1 while group 0 has packs; RS485_GROUPS picks groups, and a
# configured group without packs is said.
sim_start grp --protocol rs485 --dialect pylontech --modules 12 --group-size 6 --cells 16 \
	--state "$T/grp.json"
check_once "$SIM_DEV" pylontech pylontech 12 "$T/grp.json" ids-any
jq -e '[.modules[].id] == [2,3,4,5,6,7,18,19,20,21,22,23]' "$T/once.json" >/dev/null ||
	fail "groups: ids $(jq -c '[.modules[].id]' "$T/once.json")"
printf 'RS485_GROUPS=1\n' >"$T/g1.conf"
"$PYLONTOP" -c "$T/g1.conf" -d "$SIM_DEV" -p rs485 --dialect pylontech --once --format json \
	>"$T/g1.json" 2>"$T/g1.log" || fail "RS485_GROUPS=1: $(cat "$T/g1.log")"
jq -e '[.modules[].id] == [18,19,20,21,22,23]' "$T/g1.json" >/dev/null ||
	fail "RS485_GROUPS=1: ids $(jq -c '[.modules[].id]' "$T/g1.json")"
printf 'RS485_GROUPS=0-2\n' >"$T/g3.conf"
"$PYLONTOP" -v -c "$T/g3.conf" -d "$SIM_DEV" -p rs485 --dialect pylontech --once --format json \
	>"$T/g3.json" 2>"$T/g3.log" || fail "RS485_GROUPS=0-2: $(tail -3 "$T/g3.log")"
jq -e '(.modules | length) == 12' "$T/g3.json" >/dev/null || fail "RS485_GROUPS=0-2: not 12 packs"
grep -q 'group 2 (RS485_GROUPS): no pack at 0x22' "$T/g3.log" ||
	fail "an empty configured group was not said: $(grep discovery "$T/g3.log")"
printf 'RS485_GROUPS=9\n' >"$T/gbad.conf"
"$PYLONTOP" -c "$T/gbad.conf" -d "$SIM_DEV" -p rs485 --once >/dev/null 2>"$T/gbad.log" &&
	fail "RS485_GROUPS=9 accepted"
grep -q "RS485_GROUPS: '9' is not a list of Pylontech groups" "$T/gbad.log" ||
	fail "RS485_GROUPS=9 message: $(cat "$T/gbad.log")"
note "groups: auto 12, RS485_GROUPS=1 6, 0-2 12 with group 2 said empty, 9 refused"

# -v: every request with its command name, every reply with length, time
# and verdict (ok, timeout).
sim_start vlog --protocol rs485 --dialect pylontech --modules 1 --cells 16
"$PYLONTOP" -v -d "$SIM_DEV" -p rs485 --dialect pylontech --once --format json \
	>/dev/null 2>"$T/v.log" || fail "-v run: $(tail -3 "$T/v.log")"
grep -q 'rs485 -> address 2 (ADR 02), 42 analog values' "$T/v.log" || fail "-v: no request line"
grep -Eq 'rs485 <- address 2, 42: [0-9]+ chars in [0-9]+ ms: ok' "$T/v.log" ||
	fail "-v: no reply summary: $(grep rs485 "$T/v.log" | head -3)"
grep -Eq 'rs485 <- address 3, 42: timeout, nothing in [0-9]+ ms' "$T/v.log" ||
	fail "-v: no timeout summary for the empty address 3"
"$PYLONTOP" -vv -d "$SIM_DEV" -p rs485 --dialect pylontech --once --format json \
	>/dev/null 2>"$T/vv.log" || fail "-vv run"
grep -q 'rs485 sent .*~20024642E00202FD33\\r' "$T/vv.log" || fail "-vv: no raw request bytes"
note "-v/-vv: requests, reply summaries, raw bytes"

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
"$PYLONTOP" -v -d "$SIM_DEV" -p rs485 --dialect pylontech --headless -i 0.5 --format json \
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
# -v gives the verdict of each damaged reply.
grep -Eq 'rs485 <- address [23], 4[24]: [0-9]+ chars in [0-9]+ ms: checksum \(' "$T/bad.log" ||
	fail "-v: no checksum verdict: $(grep 'rs485 <-' "$T/bad.log" | head -3)"
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
