/* test_rs485_frame.c — "~" frames: the spec's worked checksum examples,
 * its known-bad official example, every check failing once, the command
 * table's refusals, and the stream framer among noise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rs485_frame.h"
#include "util/err.h"

/* A real US2000 reply (docs/rs485.md §6.2), written out by hand. */
static const char us2000[] = "~20024600C06E10020F0C9A0C980C990C980C9A0C9A0C990C9B0C9C0C9A0C9B"
    "0C9B0C9B0C9B0C99050B740B550B570B530B630000BD06190F02C3500084E545";
/* The V3.3 PDF's 0x42 example: its printed CHKSUM E1A2 is wrong (§2.4). */
static const char v33_bad[] = "~20024600F07A11020F0D450D440D450D440D450D440D3E0D450D4A0D4A0D4B"
    "0D4A0D4A0D4A0D4A050BC30BC30BC30BCD0BCD0000C725FFFF04FFFF000200CA58012110E1A2";

static void
test_checksum_examples(void **state)
{
	(void)state;
	assert_int_equal(rs485_checksum("20024642E00202", 14), 0xFD33);
	assert_int_equal(rs485_checksum("25FF4690E002FF", 14), 0xFCD7);
	/* PACE PDF example is right; the V3.3 PDF's body gives FC71, not FC72. */
	assert_int_equal(rs485_checksum("1203400356ABCEFE", 16), 0xFC72);
	assert_int_equal(rs485_checksum("1203400456ABCEFE", 16), 0xFC71);
	assert_int_equal(rs485_checksum("", 0), 0);
}

static void
test_length_examples(void **state)
{
	(void)state;
	assert_int_equal(rs485_length(0x012), 0xD012);
	assert_int_equal(rs485_length(0x002), 0xE002);
	assert_int_equal(rs485_length(0x04C), 0x004C);
	assert_int_equal(rs485_length(0x07A), 0xF07A);
	assert_int_equal(rs485_length(0x1DC), 0x61DC);
	assert_int_equal(rs485_length(0x06E), 0xC06E);
	assert_int_equal(rs485_length(0), 0x0000);
	/* Only 12 bits of LENID count. */
	assert_int_equal(rs485_length(0xF012), 0xD012);
}

static void
test_encode(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(rs485_encode(out, sizeof out, 0x20, 2, 0x46, 0x42,
	    (const uint8_t[]){ 2 }, 1), 20);
	assert_string_equal(out, "~20024642E00202FD33\r");
	assert_int_equal(rs485_encode(out, sizeof out, 0x25, 0xFF, 0x46, 0x90,
	    (const uint8_t[]){ 0xFF }, 1), 20);
	assert_string_equal(out, "~25FF4690E002FFFCD7\r");
	/* Empty INFO: LENGTH 0000 (the jtubb pack-count request). */
	assert_int_equal(rs485_encode(out, sizeof out, 0x20, 0, 0x46, 0x90, NULL, 0), 18);
	assert_string_equal(out, "~200046900000FDAB\r");
	assert_int_equal(rs485_encode(out, sizeof out, 0x20, 0, 0x46, 0xC2,
	    (const uint8_t[]){ 1 }, 1), 20);
	assert_string_equal(out, "~200046C2E00201FD27\r");
	/* Too small a buffer, by one byte (the NUL). */
	assert_int_equal(rs485_encode(out, 20, 0x20, 2, 0x46, 0x42, (const uint8_t[]){ 2 }, 1),
	    PT_ERR_ARG);
	assert_int_equal(rs485_encode(out, 21, 0x20, 2, 0x46, 0x42, (const uint8_t[]){ 2 }, 1),
	    20);
}

static void
test_writes_refused(void **state)
{
	static const uint8_t never[] = { 0x94, 0x95, 0x99, 0x9A, 0x9B, 0x82, 0xB2, 0xB1, 0x00,
	    0x45, 0x60, 0x63, 0xD0, 0xFF };
	const struct rs485_command *c;
	char out[64];
	size_t i;
	int n = 0;

	(void)state;
	for (i = 0; i < sizeof never; i++)
		assert_int_equal(rs485_encode(out, sizeof out, 0x20, 2, 0x46, never[i],
		    (const uint8_t[]){ 2 }, 1), PT_ERR_REFUSED);
	/* Every read-only entry encodes; the list, exactly. */
	for (c = rs485_commands; c->name != NULL; c++) {
		if (!c->read_only)
			continue;
		assert_int_equal(rs485_encode(out, sizeof out, 0x20, 2, 0x46, c->cid2, NULL, 0), 18);
		n++;
	}
	assert_int_equal(n, 12);
	assert_non_null(rs485_command_find(0x93, RS_PYLONTECH));
	assert_null(rs485_command_find(0x93, RS_PACE));
	assert_non_null(rs485_command_find(0xC2, RS_PACE));
	assert_null(rs485_command_find(0x90, RS_PYLONTECH));
	assert_null(rs485_command_find(0x94, RS_AUTO));
}

static void
test_decode_good(void **state)
{
	struct rs485_frame f;
	struct pt_diag d;
	char buf[300];
	size_t i;

	(void)state;
	pt_diag_clear(&d);
	assert_int_equal(rs485_decode(us2000, strlen(us2000), &f, &d), 0);
	assert_int_equal(f.ver, 0x20);
	assert_int_equal(f.adr, 2);
	assert_int_equal(f.cid1, 0x46);
	assert_int_equal(f.cid2, 0);
	assert_int_equal(f.info_len, 55);
	assert_int_equal(f.info[0], 0x10);
	assert_int_equal(f.info[2], 15);
	assert_int_equal(f.info[54], 0x84);
	/* With its CR, and with CR LF from a file. */
	snprintf(buf, sizeof buf, "%s\r", us2000);
	assert_int_equal(rs485_decode(buf, strlen(buf), &f, &d), 0);
	snprintf(buf, sizeof buf, "%s\r\n", us2000);
	assert_int_equal(rs485_decode(buf, strlen(buf), &f, &d), 0);
	/* Lower-case hex: the checksum is over the characters as sent. */
	snprintf(buf, sizeof buf, "%.*s", (int)strlen(us2000) - 4, us2000);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] >= 'A' && buf[i] <= 'F')
			buf[i] = (char)(buf[i] - 'A' + 'a');
	snprintf(buf + strlen(buf), 8, "%04x", rs485_checksum(buf + 1, strlen(buf) - 1));
	assert_int_equal(rs485_decode(buf, strlen(buf), &f, &d), 0);
	assert_int_equal(f.info_len, 55);
	assert_int_equal(f.info[3], 0x0C);
	assert_int_equal(f.info[4], 0x9A);
	/* An empty INFO: the error reply of §2.5 is a good frame. */
	assert_int_equal(rs485_decode("~200246040000FDAE", 17, &f, &d), 0);
	assert_int_equal(f.cid2, 4);
	assert_int_equal(f.info_len, 0);
}

/* Every check fails once, with its error value and a message. */
static void
expect_fail(const char *text, size_t len, int err, const char *words)
{
	struct rs485_frame f;
	struct pt_diag d;

	pt_diag_clear(&d);
	assert_int_equal(rs485_decode(text, len, &f, &d), err);
	assert_non_null(strstr(d.error, words));
}

static void
test_every_check(void **state)
{
	char buf[5000];
	size_t n = strlen(us2000);

	(void)state;
	/* the spec's known-bad official example */
	expect_fail(v33_bad, strlen(v33_bad), PT_ERR_CHECKSUM, "E27A");
	/* SOI */
	expect_fail(us2000 + 1, n - 1, PT_ERR_PARSE, "'~'");
	expect_fail("", 0, PT_ERR_PARSE, "'~'");
	/* a character that is not hex */
	snprintf(buf, sizeof buf, "%s", us2000);
	buf[20] = 'G';
	expect_fail(buf, n, PT_ERR_PARSE, "not a hex digit");
	/* EOI: something else after the checksum */
	snprintf(buf, sizeof buf, "%s\rX", us2000);
	expect_fail(buf, n + 2, PT_ERR_PARSE, "not a hex digit");
	/* odd length: one character lost */
	snprintf(buf, sizeof buf, "%.30s%s", us2000, us2000 + 31);
	expect_fail(buf, n - 1, PT_ERR_PARSE, "odd number");
	/* too short */
	expect_fail("~2002", 5, PT_ERR_TRUNCATED, "too short");
	/* LCHKSUM */
	snprintf(buf, sizeof buf, "%s", us2000);
	buf[9] = 'D';
	expect_fail(buf, n, PT_ERR_CHECKSUM, "length checksum");
	/* LENID against the INFO received: two characters missing, two extra */
	snprintf(buf, sizeof buf, "%.40s%s", us2000, us2000 + 42);
	expect_fail(buf, n - 2, PT_ERR_CHECKSUM, "LENID says 110");
	snprintf(buf, sizeof buf, "%.40s00%s", us2000, us2000 + 40);
	expect_fail(buf, n + 2, PT_ERR_CHECKSUM, "LENID says 110");
	/* CHKSUM */
	snprintf(buf, sizeof buf, "%s", us2000);
	buf[n - 1] = '6';
	expect_fail(buf, n, PT_ERR_CHECKSUM, "checksum wrong");
	/* one data digit changed: the checksum catches it */
	snprintf(buf, sizeof buf, "%s", us2000);
	buf[30] = buf[30] == '0' ? '1' : '0';
	expect_fail(buf, n, PT_ERR_CHECKSUM, "checksum wrong");
	/* longer than the protocol allows */
	memset(buf, '0', sizeof buf);
	buf[0] = '~';
	expect_fail(buf, RS485_FRAME_MAX + 2, PT_ERR_PARSE, "longer");
}

static void
test_reply_rtn(void **state)
{
	struct rs485_frame f;
	struct pt_diag d;

	(void)state;
	pt_diag_clear(&d);
	assert_int_equal(rs485_decode_reply(us2000, strlen(us2000), &f, &d), 0);
	assert_int_equal(rs485_decode_reply("~200246040000FDAE", 17, &f, &d), PT_ERR_DEVICE);
	assert_non_null(strstr(d.error, "RTN 04"));
	assert_non_null(strstr(d.error, "command not supported"));
	assert_string_equal(rs485_rtn_text(0x90), "address error (no pack at that address)");
	assert_string_equal(rs485_rtn_text(0x02),
	    "checksum error (the pack received a damaged request)");
	assert_string_equal(rs485_rtn_text(0x77), "unknown return code");
}

static void
test_framer_in_noise(void **state)
{
	char buf[9000];
	size_t start = 99, len = 0, n;

	(void)state;
	/* noise, a cut frame, the real one, trailing noise */
	snprintf(buf, sizeof buf, "\x01garbage\r~20024~cut%s\rtrailing~2002", us2000);
	n = strlen(buf);
	assert_true(rs485_find_frame(buf, n, &start, &len));
	assert_int_equal(len, strlen(us2000) + 1);
	assert_memory_equal(buf + start, us2000, strlen(us2000));
	/* after it: only a partial frame, the noise before it may go */
	n -= start + len;
	memmove(buf, buf + start + len, n);
	assert_false(rs485_find_frame(buf, n, &start, &len));
	assert_int_equal(start, strlen("trailing"));
	/* no '~' at all: everything is noise */
	assert_false(rs485_find_frame("no frame here\r", 14, &start, &len));
	assert_int_equal(start, 14);
	assert_false(rs485_find_frame("", 0, &start, &len));
	assert_int_equal(start, 0);
	/* a '~' with no CR for longer than a frame can be: skipped */
	memset(buf, 'A', sizeof buf);
	buf[0] = '~';
	snprintf(buf + RS485_FRAME_MAX + 10, 40, "%s\r", "~200246040000FDAE");
	n = strlen(buf);
	assert_true(rs485_find_frame(buf, n, &start, &len));
	assert_int_equal(start, RS485_FRAME_MAX + 10);
	assert_int_equal(len, 18);
	/* two frames back to back: the first one first */
	snprintf(buf, sizeof buf, "~200246040000FDAE\r%s\r", us2000);
	assert_true(rs485_find_frame(buf, strlen(buf), &start, &len));
	assert_int_equal(start, 0);
	assert_int_equal(len, 18);
}

/* Random bytes and damaged frames: no crash, no frame accepted by luck
 * (a random 16-bit checksum could match: allowed, but counted low). */
static void
test_garbage(void **state)
{
	struct rs485_frame f;
	struct pt_diag d;
	char buf[600];
	unsigned seed = 12345;
	int i, ok = 0;
	size_t j, n, start, len;

	(void)state;
	for (i = 0; i < 20000; i++) {
		n = strlen(us2000);
		memcpy(buf, us2000, n);
		for (j = 0; j < 1 + (size_t)(i % 3); j++) {
			seed = seed * 1103515245u + 12345u;
			buf[(seed >> 8) % n] = (char)(seed >> 20);
		}
		if (rs485_decode(buf, n, &f, &d) == 0)
			ok += memcmp(buf, us2000, n) != 0;
		(void)rs485_find_frame(buf, n, &start, &len);
	}
	assert_true(ok < 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_examples),
		cmocka_unit_test(test_length_examples),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_writes_refused),
		cmocka_unit_test(test_decode_good),
		cmocka_unit_test(test_every_check),
		cmocka_unit_test(test_reply_rtn),
		cmocka_unit_test(test_framer_in_noise),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
