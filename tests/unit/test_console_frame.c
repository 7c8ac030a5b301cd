/* test_console_frame.c — finding one console answer in a byte stream
 * (docs/console.md §2): line endings, echo forms, prompts, pager, failures,
 * truncation, garbage, and the real captures when ../shared is there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/console_frame.h"
#include "proto/console_text.h"

#define S(lit)	(lit), (sizeof(lit) - 1)

/* The body as a NUL-terminated copy, its lines joined with '|'. */
static char *
body_lines(const char *buf, const struct console_frame *fr)
{
	static char out[8192];
	struct ct_lines it;
	struct ct_span l;
	size_t o = 0;

	out[0] = '\0';
	ct_lines_init(&it, buf + fr->body_off, fr->body_len);
	while (ct_next_line(&it, &l) && o + l.len + 2 < sizeof out) {
		if (o > 0)
			out[o++] = '|';
		memcpy(out + o, l.p, l.len);
		o += l.len;
	}
	out[o] = '\0';
	return out;
}

static void
assert_span(const char *buf, size_t off, size_t len, const char *want)
{
	char got[512];

	assert_true(len < sizeof got);
	memcpy(got, buf + off, len);
	got[len] = '\0';
	assert_string_equal(got, want);
}

/* One pwr-like answer with the given line end inside the body. */
static size_t
answer(char *out, size_t size, const char *eol, const char *prompt)
{
	return (size_t)snprintf(out, size,
	    "pwr\n%s@%s"
	    "Power Volt   Curr%s"
	    "1     49726  -3037%s"
	    "%sCommand completed successfully%s"
	    "%s$$%s"
	    "%s%s",
	    eol, eol, eol, eol, eol, eol, eol, eol, eol, prompt);
}

static void
test_line_endings(void **state)
{
	static const char *const eols[] = { "\r\r\n", "\r\n", "\n", "\r", "\n\n", "\r\n\r\n" };
	char buf[512];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof eols / sizeof eols[0]; i++) {
		struct console_frame fr;

		len = answer(buf, sizeof buf, eols[i], "pylon>");
		assert_int_equal(console_frame(buf, len, &fr), CF_OK);
		assert_int_equal(fr.prompt, CP_PYLON);
		assert_int_equal(fr.consumed, len);
		assert_span(buf, fr.echo_off, fr.echo_len, "pwr");
		assert_string_equal(body_lines(buf, &fr), "Power Volt   Curr|1     49726  -3037");
	}
}

/* The byte pattern of docs/console.md §2.1, table and key:value variants. */
static void
test_wire_shapes(void **state)
{
	static const char table[] =
	    "pwr\n\r@\r\r\nPower Volt\r\r\n1     49726\r\n\rCommand completed successfully\r\n"
	    "\r$$\r\n\rpylon>";
	static const char kv[] =
	    "info\n\r@\r\n\rDevice address      : 1\r\n\rBarcode             : PPTAP0123\r\n"
	    "\r\r\n\rCommand completed successfully\r\n\r$$\r\n\rpylon>";
	struct console_frame fr;

	(void)state;
	assert_int_equal(console_frame(S(table), &fr), CF_OK);
	assert_string_equal(body_lines(table, &fr), "Power Volt|1     49726");
	assert_int_equal(fr.consumed, sizeof table - 1);
	assert_int_equal(console_frame(S(kv), &fr), CF_OK);
	assert_span(kv, fr.echo_off, fr.echo_len, "info");
	assert_string_equal(body_lines(kv, &fr),
	    "Device address      : 1|Barcode             : PPTAP0123");
}

static void
test_echo_forms(void **state)
{
	static const struct {
		const char *in, *echo, *body;
	} t[] = {
		/* '@' glued to the echo, with and without a CR between */
		{ "bmuinfo 0\r@\r\nBarcode : X1\r\nCommand completed successfully\r\n$$\r\npylon>",
		  "bmuinfo 0", "Barcode : X1" },
		{ "bmuinfo 0@\r\nBarcode : X1\r\nCommand completed successfully\r\n$$\r\npylon>",
		  "bmuinfo 0", "Barcode : X1" },
		/* stale prompts before the echo */
		{ "\n\rpylon>\n\rpylon>pwr\n\r@\r\r\nrow\r\n\rCommand completed successfully\r\n"
		  "\r$$\r\n\rpylon>", "pwr", "row" },
		{ ">pylon_debug>getpwr\n@\nrow\nCommand completed successfully\n$$\npylon_debug>",
		  "getpwr", "row" },
		/* noise before the echo */
		{ "??~\x01garbage\r\npwr\n\r@\r\r\nrow\r\nCommand completed successfully\r\n$$\r\n"
		  "pylon>", "pwr", "row" },
		/* no '@': the body starts after the echo */
		{ "unit\r\n\rIndex Volt\r\n\r1 47270\r\n\rCommand completed successfully\r\n\r$$\r\n"
		  "\rpylon>", "unit", "Index Volt|1 47270" },
		/* blank line after '@' */
		{ "stat\n@\n\n\nDevice address 1\nCommand completed successfully!\n$$\npylon>",
		  "stat", "Device address 1" },
		/* no echo at all */
		{ "@\r\nrow\r\nCommand completed successfully\r\n$$\r\npylon>", "", "row" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct console_frame fr;

		assert_int_equal(console_frame(t[i].in, strlen(t[i].in), &fr), CF_OK);
		assert_span(t[i].in, fr.echo_off, fr.echo_len, t[i].echo);
		assert_string_equal(body_lines(t[i].in, &fr), t[i].body);
	}
}

static void
test_prompts(void **state)
{
	static const char dbg[] = "pwr\n@\nx\nCommand completed successfully\n$$\npylon_debug>";
	static const char pytes[] = "pwr\r\n\r@\r\r\nx\r\n\rCommand completed successfully\r\n"
	    "\r$$\r\n\rPYTES>   ";
	struct console_frame fr;

	(void)state;
	assert_int_equal(console_frame(S(dbg), &fr), CF_OK);
	assert_int_equal(fr.prompt, CP_PYLON_DEBUG);
	assert_int_equal(console_frame(S(pytes), &fr), CF_OK);
	assert_int_equal(fr.prompt, CP_PYTES);
	assert_int_equal(fr.consumed, sizeof pytes - 1 - 3);

	assert_int_equal(console_prompt_at_end(S("\r$$\r\n\rpylon>")), CP_PYLON);
	assert_int_equal(console_prompt_at_end(S("\rpylon_debug>  \t")), CP_PYLON_DEBUG);
	assert_int_equal(console_prompt_at_end(S("PYTES>")), CP_PYTES);
	assert_int_equal(console_prompt_at_end(S("pylon")), CP_NONE);
	assert_int_equal(console_prompt_at_end(S("trace [>>/!]>")), CP_NONE);
	assert_int_equal(console_prompt_at_end(S("pylon>\r\n")), CP_NONE);
	assert_int_equal(console_prompt_at_end("", 0), CP_NONE);
	assert_string_equal(console_prompt_text(CP_PYLON), "pylon>");
	assert_string_equal(console_prompt_text(CP_PYLON_DEBUG), "pylon_debug>");
	assert_string_equal(console_prompt_text(CP_PYTES), "PYTES>");
	assert_string_equal(console_prompt_text(CP_NONE), "");
}

/* Only "$$" then a prompt ends an answer: a '>' in the text does not. */
static void
test_incomplete(void **state)
{
	static const char *const t[] = {
		"",
		"help\n@\ntrace    Trace - trace [>>/!]\n",
		"help\n@\ntrace    Trace - trace [>>/!]>",
		"pwr\n\r@\r\r\nPower Volt\r\r\n1     497",		/* cut mid-row */
		"pwr\n\r@\r\r\nx\r\n\rCommand completed successfully\r\n",
		"pwr\n\r@\r\r\nx\r\n\rCommand completed successfully\r\n\r$$",
		"pwr\n\r@\r\r\nx\r\n\rCommand completed successfully\r\n\r$$\r\n\rpylon",
		"pwr\n\r@\r\r\nx\r\n\rCommand completed successfully\r\n\r$$\r\n\rpylon_debug",
		"pwr\n\r@\r\r\nx\r\n\rpylon>",		/* a prompt but no "$$" */
		"pwr\n\r@\r\r\n$$$\r\n\rpylon>",	/* "$$" not alone on its line */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct console_frame fr;

		assert_int_equal(console_frame(t[i], strlen(t[i]), &fr), CF_INCOMPLETE);
	}
}

static void
test_prompt_only(void **state)
{
	struct console_frame fr;

	(void)state;
	assert_int_equal(console_frame(S("\n\rpylon>"), &fr), CF_PROMPT_ONLY);
	assert_int_equal(fr.prompt, CP_PYLON);
	assert_int_equal(fr.consumed, 8);
	assert_int_equal(console_frame(S("\rpylon>\n\rpylon>"), &fr), CF_PROMPT_ONLY);
	assert_int_equal(console_frame(S("\rPYTES>"), &fr), CF_PROMPT_ONLY);
	assert_int_equal(fr.prompt, CP_PYTES);
}

static void
test_success_forms(void **state)
{
	static const char bang[] = "stat\r\n@\r\n\r\nDevice address 1\r\n"
	    "Command completed successfully!\r\n$$\r\npylon>";
	struct console_frame fr;

	(void)state;
	assert_int_equal(console_frame(S(bang), &fr), CF_OK);
	assert_string_equal(body_lines(bang, &fr), "Device address 1");
}

static void
test_failures(void **state)
{
	static const struct {
		const char *in, *why;
	} t[] = {
		{ "totalcoul\n\r@\r\r\nUnknown command 'totalcoul' - try 'help'\r\n\r$$\r\n"
		  "\rpylon_debug>", "Unknown command 'totalcoul' - try 'help'" },
		{ "stat 1\r\n\r@\r\n\rInvalid command or fail to excute.\r\n\rUsage:\r\n"
		  "Statistic data show - stat\r\n\r$$\r\n\rPYTES>",
		  "Invalid command or fail to excute." },
		{ "info 1\n@\n\nInvalid command or fail to excute!\nUsage:\ninfo\n$$\npylon>",
		  "Invalid command or fail to excute!" },
		{ "bmuinfo 9\r@\r\n\rCommand completed unccessfully\r\n\r$$\r\n\rpylon>",
		  "Command completed unccessfully" },
		{ "re 2 info\n@\nThis version do not support this command!\n$$\npylon_debug>",
		  "This version do not support this command!" },
		{ "bat 9\n@\nCommand failed\n$$\npylon>", "Command failed" },
		{ "stat 9\n@\nTarget device is not present\n$$\npylon>",
		  "Target device is not present" },
		/* a known failure line after other text: the failure line explains */
		{ "bat 9\n@\nBattery Volt\nCommand failed\n$$\npylon>", "Command failed" },
		/* no known text: the first body line */
		{ "login debug\n@\nQuit current mode\nInvalid command or fail to excute.\nUsage:\n"
		  "login\n$$\npylon_debug>", "Invalid command or fail to excute." },
		{ "logn\n@\nQuit current mode\nUsage:\n$$\npylon_debug>", "Quit current mode" },
		{ "x\n@\n$$\npylon>", "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct console_frame fr;

		assert_int_equal(console_frame(t[i].in, strlen(t[i].in), &fr), CF_FAILED);
		assert_span(t[i].in, fr.fail_off, fr.fail_len, t[i].why);
		assert_int_equal(fr.consumed, strlen(t[i].in));
	}
}

/* The pager stops once per page; the caller answers each one once. */
static void
test_pager(void **state)
{
	static const char page1[] = "\rpylon>help\n\r@\r\r\nLocal command:\r\n"
	    "\rbat      Battery data show - bat\r\n"
	    "\rPress [Enter] to be continued,other key to exit";
	static const char erase[] = "\r\r                                                  \r\r";
	static const char page2[] = "tshut    Test Shut Down - tshut\r\n"
	    "\rPress [Enter] to be continued,other key to exit";
	static const char tail[] = "time     Time - time\r\n\rCommand completed successfully\r\n"
	    "\r$$\r\n\rpylon>";
	char buf[1024];
	struct console_frame fr;
	size_t len = 0, first;

	(void)state;
	memcpy(buf, page1, sizeof page1 - 1);
	len = sizeof page1 - 1;
	assert_int_equal(console_frame(buf, len, &fr), CF_PAGER);
	assert_int_equal(fr.pager_end, len);
	first = fr.pager_end;
	/* trailing blanks still wait at the same pager */
	buf[len] = ' ';
	assert_int_equal(console_frame(buf, len + 1, &fr), CF_PAGER);
	assert_int_equal(fr.pager_end, first);
	/* the erase run: no longer waiting, not complete */
	memcpy(buf + len, erase, sizeof erase - 1);
	len += sizeof erase - 1;
	assert_int_equal(console_frame(buf, len, &fr), CF_INCOMPLETE);
	/* the next record continues on the same physical line */
	memcpy(buf + len, page2, sizeof page2 - 1);
	len += sizeof page2 - 1;
	assert_int_equal(console_frame(buf, len, &fr), CF_PAGER);
	assert_true(fr.pager_end > first);
	assert_int_equal(fr.pager_end, len);
	memcpy(buf + len, erase, sizeof erase - 1);
	len += sizeof erase - 1;
	memcpy(buf + len, tail, sizeof tail - 1);
	len += sizeof tail - 1;
	assert_int_equal(console_frame(buf, len, &fr), CF_OK);
	assert_string_equal(body_lines(buf, &fr), "Local command:|bat      Battery data show - bat|"
	    "tshut    Test Shut Down - tshut|time     Time - time");
}

/* Two answers back to back: consumed points at the second one. */
static void
test_consumed(void **state)
{
	static const char two[] = "pwr\n@\nrow1\nCommand completed successfully\n$$\npylon>"
	    "pwr\n@\nrow2\nCommand completed successfully\n$$\npylon>";
	struct console_frame fr;
	size_t off;

	(void)state;
	assert_int_equal(console_frame(S(two), &fr), CF_OK);
	assert_string_equal(body_lines(two, &fr), "row1");
	off = fr.consumed;
	assert_int_equal(off, (sizeof two - 1) / 2);
	assert_int_equal(console_frame(two + off, sizeof two - 1 - off, &fr), CF_OK);
	assert_string_equal(body_lines(two + off, &fr), "row2");
}

static void
test_nul_bytes(void **state)
{
	static const char in[] = "pwr\n\r@\r\r\nPow\0er Volt\r\n\0\r\n\rCommand completed "
	    "successfully\r\n\r$$\r\n\rpylon>";
	struct console_frame fr;

	(void)state;
	assert_int_equal(console_frame(in, sizeof in - 1, &fr), CF_OK);
	assert_true(fr.body_off + fr.body_len <= sizeof in - 1);
	assert_int_equal(fr.consumed, sizeof in - 1);
}

/* Random bytes, with the markers sprinkled in: never out of bounds. */
static void
test_garbage(void **state)
{
	static const char *const pieces[] = {
		"$$", "\r\n", "pylon>", "@", "Press [Enter] to be continued", "PYTES>", ">",
		"Command completed successfully", "\0", "pylon_debug>",
	};
	static char buf[4096];
	uint32_t x = 12345;
	int round;

	(void)state;
	for (round = 0; round < 3000; round++) {
		struct console_frame fr;
		size_t len = 0, want;
		enum console_frame_state st;

		x = x * 1103515245u + 12345u;
		want = (x >> 8) % sizeof buf;
		while (len < want) {
			x = x * 1103515245u + 12345u;
			if ((x >> 16) % 4 == 0) {
				const char *p = pieces[(x >> 4) % (sizeof pieces / sizeof pieces[0])];
				size_t n = p[0] == '\0' ? 1 : strlen(p);
				if (len + n > want)
					break;
				memcpy(buf + len, p, n);
				len += n;
			} else
				buf[len++] = (char)(x >> 24);
		}
		st = console_frame(buf, len, &fr);
		assert_true(st >= CF_INCOMPLETE && st <= CF_PROMPT_ONLY);
		assert_true(fr.consumed <= len);
		assert_true(fr.body_off + fr.body_len <= len);
		assert_true(fr.echo_off + fr.echo_len <= len);
		assert_true(fr.fail_off + fr.fail_len <= len);
		assert_true(fr.pager_end <= len);
		(void)console_prompt_at_end(buf, len);
	}
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 1 MiB inputs built to defeat naive searches: linear, no crash. */
static void
test_one_mebibyte(void **state)
{
	static const char fill[] = { 'x', '$', 'p', 'P', '@', '\r', '>' };
	const size_t n = 1u << 20;
	char *buf = malloc(n + 64);
	double t0 = now_s();
	size_t k;

	(void)state;
	assert_non_null(buf);
	for (k = 0; k < sizeof fill; k++) {
		struct console_frame fr;
		size_t len = n;

		memset(buf, fill[k], n);
		assert_int_not_equal(console_frame(buf, len, &fr), CF_OK);
		/* the same line, ended properly */
		memcpy(buf + len, "\r\n$$\r\npylon>", 12);
		len += 12;
		buf[0] = 'q';
		buf[1] = '\n';
		assert_int_equal(console_frame(buf, len, &fr), CF_FAILED);
		assert_int_equal(fr.consumed, len);
	}
	/* generous: the scans are linear, this takes milliseconds */
	assert_true(now_s() - t0 < 20.0);
	free(buf);
}

/* ---- real captures -------------------------------------------------------- */

static const char *
shared_dir(void)
{
	const char *d = getenv("SHARED_DIR");

	return d != NULL && d[0] != '\0' ? d : NULL;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 16);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Every capture frames: complete ones as OK/FAILED.  INDEX.md says
 * which are complete. */
static void
test_captures(void **state)
{
	char path[1024], line[512];
	const char *dir = shared_dir();
	FILE *idx;
	int complete = 0, partial = 0;

	(void)state;
	if (dir == NULL)
		skip();
	snprintf(path, sizeof path, "%s/protocols/captures/INDEX.md", dir);
	if ((idx = fopen(path, "r")) == NULL)
		skip();
	while (fgets(line, sizeof line, idx) != NULL) {
		char name[256], *p, *q;
		struct console_frame fr;
		enum console_frame_state st;
		size_t len = 0;
		char *buf;

		if (strncmp(line, "| `", 3) != 0 || strstr(line, "wakeup") != NULL)
			continue;
		p = line + 3;
		if ((q = strchr(p, '`')) == NULL || (size_t)(q - p) >= sizeof name)
			continue;
		memcpy(name, p, (size_t)(q - p));
		name[q - p] = '\0';
		snprintf(path, sizeof path, "%s/protocols/captures/%s", dir, name);
		if ((buf = slurp(path, &len)) == NULL)
			fail_msg("%s: cannot read", path);
		/* A publisher may have cut the final prompt: supply it. */
		if (console_prompt_at_end(buf, len) == CP_NONE) {
			memcpy(buf + len, "\rpylon>", 7);
			len += 7;
		}
		st = console_frame(buf, len, &fr);
		if (strstr(line, "| partial") != NULL) {
			/* cut at a pager, or ended by a key other than Enter */
			if (st == CF_PROMPT_ONLY)
				fail_msg("%s: partial capture framed as a bare prompt", name);
			partial++;
		} else {
			if (st != CF_OK && st != CF_FAILED)
				fail_msg("%s: complete capture framed as %d", name, st);
			if (st == CF_OK && fr.body_len == 0 && strstr(name, "log") == NULL &&
			    strstr(name, "login") == NULL && strstr(name, "logout") == NULL)
				fail_msg("%s: empty body", name);
			complete++;
		}
		free(buf);
	}
	fclose(idx);
	assert_true(complete > 50);
	assert_true(partial >= 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_wire_shapes),
		cmocka_unit_test(test_echo_forms),
		cmocka_unit_test(test_prompts),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_prompt_only),
		cmocka_unit_test(test_success_forms),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_pager),
		cmocka_unit_test(test_consumed),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_one_mebibyte),
		cmocka_unit_test(test_captures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
