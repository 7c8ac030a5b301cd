/* test_msgring.c — a reader that looks now and then gets every state
 * message once and in order (the round-robin note said between two
 * looks was lost by --headless, which compared snapshots), repeats are
 * kept once, and a reader far behind is told how many it missed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/msgring.h"

static struct msgring *
ring_new(void)
{
	struct msgring *r = calloc(1, sizeof *r);

	assert_non_null(r);
	return r;
}

/* Three messages between two looks: all three, in order, then none. */
static void
test_every_message_once(void **state)
{
	struct msgring *r = ring_new();
	char buf[MSGRING_TEXT];
	uint64_t seq = 0;

	(void)state;
	msgring_push(r, "found Pylontech LV stack, 8 modules");
	assert_true(msgring_next(r, &seq, buf, sizeof buf));
	assert_string_equal(buf, "found Pylontech LV stack, 8 modules");
	assert_false(msgring_next(r, &seq, buf, sizeof buf));
	msgring_push(r, "polling lv: cells of 7 of 8 modules per cycle, round-robin");
	msgring_push(r, "poll failed: end of the recording");
	msgring_push(r, "end of the recording");
	assert_true(msgring_next(r, &seq, buf, sizeof buf));
	assert_string_equal(buf, "polling lv: cells of 7 of 8 modules per cycle, round-robin");
	assert_int_equal(seq, 2);
	assert_true(msgring_next(r, &seq, buf, sizeof buf));
	assert_string_equal(buf, "poll failed: end of the recording");
	assert_true(msgring_next(r, &seq, buf, sizeof buf));
	assert_string_equal(buf, "end of the recording");
	assert_false(msgring_next(r, &seq, buf, sizeof buf));
	assert_int_equal(seq, 4);
	free(r);
}

/* The same text again (a retry loop) is one message; empty is none; the
 * same text after another one is a new message. */
static void
test_repeats_kept_once(void **state)
{
	struct msgring *r = ring_new();
	char buf[MSGRING_TEXT];
	uint64_t seq = 0;

	(void)state;
	msgring_push(r, "");
	msgring_push(r, "opening /dev/ttyUSB0");
	msgring_push(r, "opening /dev/ttyUSB0");
	msgring_push(r, "");
	assert_int_equal(r->count, 1);
	msgring_push(r, "lost /dev/ttyUSB0: timeout; retrying in 1 s");
	msgring_push(r, "opening /dev/ttyUSB0");
	assert_int_equal(r->count, 3);
	assert_true(msgring_next(r, &seq, buf, sizeof buf));
	assert_true(msgring_next(r, &seq, buf, sizeof buf));
	assert_true(msgring_next(r, &seq, buf, sizeof buf));
	assert_string_equal(buf, "opening /dev/ttyUSB0");
	assert_false(msgring_next(r, &seq, buf, sizeof buf));
	free(r);
}

/* A reader 20 messages behind gets the newest MSGRING_SLOTS, from the
 * oldest kept: its number jumps by what was lost. */
static void
test_far_behind_skips_to_oldest(void **state)
{
	struct msgring *r = ring_new();
	char buf[MSGRING_TEXT], want[32];
	uint64_t seq = 0, before = 0;
	int i, got = 0;

	(void)state;
	for (i = 1; i <= 20; i++) {
		snprintf(want, sizeof want, "message %d", i);
		msgring_push(r, want);
	}
	assert_true(msgring_next(r, &seq, buf, sizeof buf));
	assert_int_equal(seq - 1 - before, 20 - MSGRING_SLOTS);	/* missed */
	snprintf(want, sizeof want, "message %d", 20 - MSGRING_SLOTS + 1);
	assert_string_equal(buf, want);
	for (got = 1; msgring_next(r, &seq, buf, sizeof buf); got++)
		;
	assert_int_equal(got, MSGRING_SLOTS);
	assert_string_equal(buf, "message 20");
	free(r);
}

/* A long device error is cut, never overflows, and still compares equal
 * to itself when repeated. */
static void
test_long_text_cut(void **state)
{
	struct msgring *r = ring_new();
	char big[2 * MSGRING_TEXT], buf[64];
	uint64_t seq = 0;

	(void)state;
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	msgring_push(r, big);
	msgring_push(r, big);
	assert_int_equal(r->count, 1);
	assert_int_equal(strlen(r->text[0]), MSGRING_TEXT - 1);
	assert_true(msgring_next(r, &seq, buf, sizeof buf));	/* cut to buf too */
	assert_int_equal(strlen(buf), sizeof buf - 1);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_message_once),
		cmocka_unit_test(test_repeats_kept_once),
		cmocka_unit_test(test_far_behind_skips_to_oldest),
		cmocka_unit_test(test_long_text_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
