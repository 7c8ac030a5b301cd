#!/bin/bash
# tui_bytes.sh — what the cell grid costs a slow link (issue 12: "UI bytes
# to the terminal, 80x24, cells changing", kept under 0.6x what htop
# sends).  pylontop-sim, 5 modules x 16 cells, every cell changing each
# second; pylontop at 80x24 in tmux on the cell grid, 1 s interval.
# pipe-pane copies every byte pylontop writes to the pane; the UI's frame
# count (PYLONTOP_TUI_STATS, as bench/bench_tui.sh reads it) turns that
# into bytes per sample, so a slow machine (fewer, fuller frames) does not
# change the verdict.  The grid must still show every module, its cells
# and the highest / lowest glyphs, and no more than MAX_BYTES per sample:
# a line of same-band cells drawn as one attribute run, no bold that
# follows the extremes around (each move rewrote two values with an
# attribute switch on each side), no cursor move back after each frame.
# Before that a sample cost 850-930 bytes, after it about 470.
PT_TEST_TIMEOUT=150
. "${top_srcdir:?run me from make check, or set top_srcdir}/tests/integration/lib.sh" || exit 99
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
[ -n "$TMUX_BIN" ] || skip "tmux is missing (scripts/setup installs it)"
[ -x "$PYLONTOP" ] || skip "pylontop not built"
[ -x "$PYLONTOP_SIM" ] || skip "pylontop-sim not built"
grep -q "^#define HAVE_TUI 1" "$top_builddir/autoconfig.h" 2>/dev/null || skip "built without the TUI"

MAX_BYTES=650		# per sample, 80x24, 80 cells changing
FRAMES=15		# samples counted

SOCK="$T/tmux.sock"
tm() { "$TMUX_BIN" -S "$SOCK" -f /dev/null "$@"; }
screen() { tm capture-pane -p -t pt; }
PT_ON_EXIT="tm kill-server"
shows() { wait_for "${2:-5}" sh -c "'$TMUX_BIN' -S '$SOCK' capture-pane -p -t pt | grep -Eq -- \"\$0\"" "$1"; }
# field K of the UI's stats line ("redraws N ticks N draw_ns N")
stat_of() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$T/stats"; }
# frames drawn for a sample or a key, not for the age counter alone
data_frames() { echo $(($(stat_of redraws) - $(stat_of ticks))); }

sim_start bat --modules 5 --cells 16
tm new-session -d -s pt -x 80 -y 24 \
	"PYLONTOP_TUI_STATS='$T/stats' TERM=xterm-256color LANG=C.UTF-8 \
	 exec '$PYLONTOP' -d '$SIM_DEV' -i 1 2>'$T/pt.err'" || fail "tmux did not start"
shows 'Curr A' 60 || fail "no overview: $(screen | head -5)"
tm send-keys -t pt 2
shows '^ *5 +[0-9]' 10 || fail "the cell grid does not show module 5: $(screen)"
# Every module on screen, each with 8 values on its line and 8 on its c9
# line ('!' '#' '_' mark a cell's alarm band).
lines=$(screen | grep -cE '^ *([1-5]|c9)[ !#_]+([0-9]\.[0-9]{3}[^0-9]+){7}[0-9]\.[0-9]{3}')
[ "$lines" -eq 10 ] || fail "expected 10 lines of 8 cells, got $lines: $(screen)"
screen | grep -q '▲' && screen | grep -q '▼' || fail "no highest/lowest glyphs: $(screen)"
sleep 1.5			# the view switch's own frame is not counted

wait_for 5 test -s "$T/stats" || fail "no stats file"
tm pipe-pane -t pt "cat >'$T/out'"
wait_for 5 test -e "$T/out" || fail "pipe-pane did not start"
f0=$(data_frames)
wait_for 60 sh -c "[ \$(( \$(awk '{print \$2 - \$4}' '$T/stats') - $f0 )) -ge $FRAMES ]" ||
	fail "fewer than $FRAMES frames in 60 s"
f1=$(data_frames)
tm pipe-pane -t pt
bytes=$(wc -c <"$T/out")
frames=$((f1 - f0))
per=$((bytes / frames))
note "cell grid 80x24: $bytes bytes in $frames frames, $per bytes per sample (bound $MAX_BYTES)"
[ "$per" -le "$MAX_BYTES" ] || fail "the cell grid wrote $per bytes per sample at 80x24 (bound $MAX_BYTES)"
tm send-keys -t pt q
exit 0
