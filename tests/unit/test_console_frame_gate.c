/* test_console_frame_gate.c — console_frame_may_change(): a reader that
 * runs the framer only when the new bytes may change its verdict (issue
 * 12.2) sees every change the framer would have seen on every chunk.
 * Answers (the fixtures, with stale prompts, pagers and failures) are fed
 * in chunks of several sizes; wherever console_frame() on the longer
 * buffer says something else than on the shorter one (another state, or
 * another pager), the gate must have said "may change".  The gate is
 * also shown to say "no" for most chunks of a long answer, else it would
 * save nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/console_frame.h"

static const char *const fixtures[] = {
	"tests/fixtures/console/lv_bat_split_temp_16.txt",
	"tests/fixtures/console/lv_help_pager.txt",
	"tests/fixtures/console/lv_pwr_layout_c_16.txt",
	"tests/fixtures/console/hv/cmu75_bat.txt",
	"tests/fixtures/console/hv/cmu75_unit.txt",
	"tests/fixtures/console/hv/h2_bat120.txt",
	"tests/fixtures/console/records/lv_soh_othercols.txt",
	"tests/fixtures/console/sc0500/sc75_getpwr.txt",
};

static char *
slurp(const char *rel, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof path, "%s/%s", PT_TOP_SRCDIR, rel);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static const char pager_text[] = "Press [Enter] to be continued";

/* Where the last pager text in buf[0..len) starts: which pager it is
 * (its line may still be arriving), or len when there is none. */
static size_t
pager_at(const char *buf, size_t len)
{
	size_t n = sizeof pager_text - 1, i, at = len;

	for (i = 0; i + n <= len; i++)
		if (memcmp(buf + i, pager_text, n) == 0)
			at = i;
	return at;
}

/*
 * Feed buf in chunks of `chunk` bytes, as exchange() reads them; returns
 * the chunks after which the gate let the framer run.  While the verdict
 * is "incomplete" or "at a pager" (the reader waits on), a verdict that
 * asks the reader to act (an answer, a bare prompt, a new pager) must
 * come with a "may change".  A bare
 * prompt is dropped at once, as exchange() does with a stale one; a
 * complete answer ends the feed (only a `bare` prompt has none).
 */
static size_t
feed(const char *buf, size_t len, size_t chunk, const char *what, bool bare)
{
	struct console_frame fr;
	enum console_frame_state was = CF_INCOMPLETE;
	size_t was_pager = 0, at = 0, ran = 0, base = 0;

	while (at < len) {
		size_t next = at + chunk < len ? at + chunk : len;
		const char *b = buf + base;
		enum console_frame_state now = console_frame(b, next - base, &fr);
		size_t pager = now == CF_PAGER ? pager_at(b, next - base) : 0;
		/* "incomplete" asks nothing of the reader: only the others. */
		bool changed = now != CF_INCOMPLETE && (now != was ||
		    (now == CF_PAGER && pager != was_pager));
		bool gate = console_frame_may_change(b, next - base, at - base);

		if (changed && !gate)
			fail_msg("%s, chunks of %zu: the verdict changed at byte %zu (%d -> %d) "
			    "but the gate said no", what, chunk, next, (int)was, (int)now);
		ran += gate;
		at = next;
		if (now == CF_OK || now == CF_FAILED)
			return ran;
		if (now == CF_PROMPT_ONLY) {
			base += fr.consumed;
			now = CF_INCOMPLETE;
		}
		was = now;
		was_pager = pager;
	}
	/* Only a bare prompt (dropped) ends without an answer. */
	if (!bare)
		fail_msg("%s, chunks of %zu: no complete answer", what, chunk);
	return ran;
}

static void
test_gate_sees_every_change(void **state)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 32, 61, 500 };
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		size_t len, plen;
		char *buf = slurp(fixtures[i], &len), *pre;

		for (k = 0; k < sizeof chunks / sizeof chunks[0]; k++)
			feed(buf, len, chunks[k], fixtures[i], false);
		/* Stale prompts before it, as after a lost answer. */
		plen = len + 32;
		pre = malloc(plen + 1);
		assert_non_null(pre);
		plen = (size_t)snprintf(pre, plen + 1, "\r\npylon>\r\npylon>%.*s", (int)len, buf);
		for (k = 0; k < sizeof chunks / sizeof chunks[0]; k++)
			feed(pre, plen, chunks[k], fixtures[i], false);
		free(pre);
		free(buf);
	}
}

static void
test_gate_failures_and_pager(void **state)
{
	static const char failed[] = "soh\r\n@\r\nUnknown command 'soh' - try 'help'\r\n"
	    "$$\r\npylon>";
	static const char paged[] = "log\r\n@\r\nline one\r\nline two\r\n"
	    "Press [Enter] to be continued,other key to exit  \r\n"
	    "line three\r\nPress [Enter] to be continued,other key to exit"
	    "\r\nline four\r\nCommand completed successfully\r\n$$\r\npylon_debug>";
	static const char prompt[] = "\r\n\rpylon>  ";
	size_t c;

	(void)state;
	for (c = 1; c < 40; c++) {
		feed(failed, sizeof failed - 1, c, "a failure", false);
		feed(paged, sizeof paged - 1, c, "two pagers", false);
		feed(prompt, sizeof prompt - 1, c, "a bare prompt", true);
	}
}

/* A long answer in 32-byte chunks: the framer runs for a few of them. */
static void
test_gate_saves_scans(void **state)
{
	size_t len, chunks, ran;
	char *buf = slurp("tests/fixtures/console/hv/cmu75_bat.txt", &len);

	(void)state;
	chunks = (len + 31) / 32;
	ran = feed(buf, len, 32, "cmu75_bat", false);
	assert_true(chunks > 20);
	assert_true(ran <= 3);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gate_sees_every_change),
		cmocka_unit_test(test_gate_failures_and_pager),
		cmocka_unit_test(test_gate_saves_scans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
