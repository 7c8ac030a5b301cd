/* test_rs485.c — "~" frames: checksums, every check, the framer, the
 * dialect decoders, and every vector of ../shared/protocols/vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rs485.h"
#include "util/err.h"

/* A real US2000 reply (rs485-binary.md §6.2), written out by hand here. */
static const char us2000[] = "~20024600C06E10020F0C9A0C980C990C980C9A0C9A0C990C9B0C9C0C9A0C9B"
    "0C9B0C9B0C9B0C99050B740B550B570B530B630000BD06190F02C3500084E545";

static void
test_checksum_examples(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(rs485_checksum("20024642E00202", 14), 0xFD33);
	assert_int_equal(rs485_checksum("25FF4690E002FF", 14), 0xFCD7);
	assert_int_equal(rs485_checksum("1203400356ABCEFE", 16), 0xFC72);
	assert_int_equal(rs485_length(0x012), 0xD012);
	assert_int_equal(rs485_length(0x002), 0xE002);
	assert_int_equal(rs485_length(0x04C), 0x004C);
	assert_int_equal(rs485_length(0x07A), 0xF07A);
	assert_int_equal(rs485_length(0x1DC), 0x61DC);
	assert_int_equal(rs485_length(0), 0);
	assert_int_equal(rs485_encode(out, sizeof out, 0x20, 2, 0x46, 0x42,
	    (const uint8_t[]){ 2 }, 1), 20);
	assert_string_equal(out, "~20024642E00202FD33\r");
}

static void
test_writes_refused(void **state)
{
	static const uint8_t never[] = { 0x94, 0x95, 0x99, 0x9A, 0x9B, 0x82 };
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof never; i++)
		assert_int_equal(rs485_encode(out, sizeof out, 0x20, 2, 0x46, never[i], NULL, 0),
		    PT_ERR_REFUSED);
}

static void
test_every_check(void **state)
{
	struct rs485_frame f;
	struct pt_diag d;
	char buf[300];

	(void)state;
	pt_diag_clear(&d);
	assert_int_equal(rs485_decode(us2000, strlen(us2000), &f, &d), 0);
	assert_int_equal(f.info_len, 55);
	/* lower-case hex is accepted (its checksum is over the characters sent) */
	snprintf(buf, sizeof buf, "%.*s", (int)strlen(us2000) - 4, us2000);
	for (char *p = buf; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	snprintf(buf + strlen(buf), 8, "%04x", rs485_checksum(buf + 1, strlen(buf) - 1));
	assert_int_equal(rs485_decode(buf, strlen(buf), &f, &d), 0);
	/* checksum */
	snprintf(buf, sizeof buf, "%s", us2000);
	buf[strlen(buf) - 1] = '6';
	assert_int_equal(rs485_decode(buf, strlen(buf), &f, &d), PT_ERR_CHECKSUM);
	/* LCHKSUM */
	snprintf(buf, sizeof buf, "%s", us2000);
	buf[9] = 'D';
	assert_int_equal(rs485_decode(buf, strlen(buf), &f, &d), PT_ERR_CHECKSUM);
	/* LENID longer than the INFO received */
	assert_int_equal(rs485_decode(us2000, strlen(us2000) - 6, &f, &d) < 0, 1);
	/* not hex, odd length, no SOI, too short */
	snprintf(buf, sizeof buf, "%s", us2000);
	buf[20] = 'G';
	assert_int_equal(rs485_decode(buf, strlen(buf), &f, &d), PT_ERR_PARSE);
	assert_int_equal(rs485_decode(us2000 + 1, strlen(us2000) - 1, &f, &d), PT_ERR_PARSE);
	assert_int_equal(rs485_decode("~2002", 5, &f, &d), PT_ERR_TRUNCATED);
	/* RTN != 0 decodes; the caller treats it as a failure with a meaning */
	assert_int_equal(rs485_decode("~200246040000FDAE", 17, &f, &d), 0);
	assert_int_equal(f.cid2, 4);
	assert_string_equal(rs485_rtn_text(4), "command not supported");
}

static void
test_framer_in_noise(void **state)
{
	char buf[512];
	size_t start, len;

	(void)state;
	snprintf(buf, sizeof buf, "\x01garbage~20024~cut%s\rtrailing", us2000);
	assert_true(rs485_find_frame(buf, strlen(buf), &start, &len));
	assert_int_equal(len, strlen(us2000) + 1);
	assert_memory_equal(buf + start, us2000, strlen(us2000));
	assert_false(rs485_find_frame("no frame here", 13, &start, &len));
}

static void
test_us2000_values(void **state)
{
	struct rs485_frame f;
	struct pt_sample *s = calloc(1, sizeof *s);
	struct pt_diag d;
	const struct pt_module *m;

	(void)state;
	pt_diag_clear(&d);
	pt_sample_init(s, "rs485");
	assert_int_equal(rs485_decode(us2000, strlen(us2000), &f, &d), 0);
	assert_int_equal(rs485_guess(&f), RS_PYLONTECH);
	assert_int_equal(rs485_parse_analog(&f, RS_PYLONTECH, s, &d), 0);
	m = pt_sample_find_module(s, 2);
	assert_non_null(m);
	assert_int_equal(m->n_cells, 15);
	assert_float_equal(m->cells[0].voltage, 3.226, 1e-6);
	assert_float_equal(m->voltage, 48.390, 1e-9);
	assert_float_equal(m->current, 0, 1e-9);
	assert_float_equal(m->remaining_ah, 6.415, 1e-9);
	assert_float_equal(m->full_ah, 50.0, 1e-9);
	assert_int_equal(m->cycles, 132);
	assert_float_equal(m->soc, 6.415 / 50 * 100, 1e-6);	/* remaining / full */
	assert_int_equal(m->n_temps, 5);
	assert_float_equal(m->temps[0], 20.1, 1e-4);
	assert_float_equal(m->temperature, 20.1, 1e-4);
	free(s);
}

/* ---- ../shared/protocols/vectors -------------------------------------- */

static cJSON *
expected_of(const cJSON *fr)
{
	const cJSON *e = cJSON_GetObjectItem(fr, "expected");

	if (cJSON_IsString(e))
		return cJSON_Parse(e->valuestring);
	return e != NULL ? cJSON_Duplicate(e, 1) : NULL;
}

static void
compare_module(const char *id, const cJSON *em, const struct pt_module *m, int *checked)
{
	const cJSON *mv = cJSON_GetObjectItem(em, "cell_mv"), *x;
	int i = 0;

	if (m == NULL)
		fail_msg("%s: module missing", id);
	cJSON_ArrayForEach(x, mv) {
		if (fabs(m->cells[i].voltage * 1000 - x->valuedouble) > 0.5)
			fail_msg("%s: cell %d %.3f != %g mV", id, i + 1, m->cells[i].voltage,
			    x->valuedouble);
		i++;
	}
	if ((x = cJSON_GetObjectItem(em, "voltage_v")) && fabs(m->voltage - x->valuedouble) > 1e-6)
		fail_msg("%s: voltage %.3f != %g", id, m->voltage, x->valuedouble);
	if ((x = cJSON_GetObjectItem(em, "current_a")) && fabs(m->current - x->valuedouble) > 1e-6)
		fail_msg("%s: current %.3f != %g", id, m->current, x->valuedouble);
	if ((x = cJSON_GetObjectItem(em, "remaining_ah")) &&
	    fabs(m->remaining_ah - x->valuedouble) > 1e-6)
		fail_msg("%s: remaining %.3f != %g", id, m->remaining_ah, x->valuedouble);
	if (((x = cJSON_GetObjectItem(em, "full_ah")) || (x = cJSON_GetObjectItem(em, "total_ah"))) &&
	    fabs(m->full_ah - x->valuedouble) > 1e-6)
		fail_msg("%s: full %.3f != %g", id, m->full_ah, x->valuedouble);
	if ((x = cJSON_GetObjectItem(em, "cycles")) && m->cycles != (long)x->valuedouble)
		fail_msg("%s: cycles %ld != %g", id, m->cycles, x->valuedouble);
	if ((x = cJSON_GetObjectItem(em, "temp_c")) != NULL) {
		const cJSON *t;
		i = 0;
		cJSON_ArrayForEach(t, x) {
			if (i < m->n_temps && fabs(m->temps[i] - t->valuedouble) > 0.051)
				fail_msg("%s: temp %d %.1f != %g", id, i + 1, m->temps[i], t->valuedouble);
			i++;
		}
	}
	(*checked)++;
}

static void
one_vector(const char *file, const cJSON *fr, int *checked)
{
	const char *id = cJSON_GetObjectItem(fr, "id")->valuestring;
	const cJSON *resp = cJSON_GetObjectItem(fr, "response");
	const cJSON *dec = cJSON_GetObjectItem(fr, "decode");
	const cJSON *bad = cJSON_GetObjectItem(fr, "expect_bad_checksum");
	struct pt_sample *s = calloc(1, sizeof *s);
	struct rs485_frame f;
	struct pt_diag d;
	cJSON *exp, *mods, *em;
	enum rs485_dialect dl;
	int rc, k = 0;

	pt_diag_clear(&d);
	pt_sample_init(s, "rs485");
	if (!cJSON_IsString(resp)) {
		free(s);
		return;
	}
	rc = rs485_decode(resp->valuestring, strlen(resp->valuestring), &f, &d);
	if (bad != NULL && cJSON_IsTrue(cJSON_GetObjectItem(bad, "response"))) {
		if (rc != PT_ERR_CHECKSUM)
			fail_msg("%s/%s: a known-bad checksum was accepted", file, id);
		(*checked)++;
		free(s);
		return;
	}
	if (rc != 0)
		fail_msg("%s/%s: %s", file, id, d.error);
	if (!cJSON_IsString(dec) || (strcmp(dec->valuestring, "pylon_analog") != 0 &&
	    strcmp(dec->valuestring, "pace_analog") != 0)) {
		free(s);
		return;
	}
	dl = strcmp(dec->valuestring, "pace_analog") == 0 ? RS_PACE : RS_PYLONTECH;
	if (rs485_parse_analog(&f, dl, s, &d) != 0)
		fail_msg("%s/%s: %s", file, id, d.error);
	exp = expected_of(fr);
	mods = cJSON_GetObjectItem(exp, "modules");
	if (mods != NULL)
		cJSON_ArrayForEach(em, mods)
			compare_module(id, em, k < s->n_modules ? &s->modules[k++] : NULL, checked);
	else
		compare_module(id, exp, s->n_modules > 0 ? &s->modules[0] : NULL, checked);
	cJSON_Delete(exp);
	free(s);
}

static void
test_shared_vectors(void **state)
{
	const char *shared = getenv("SHARED_DIR");
	char dir[600], path[900];
	struct dirent *e;
	DIR *dp;
	int checked = 0;

	(void)state;
	snprintf(dir, sizeof dir, "%s/protocols/vectors", shared ? shared : "../shared");
	if ((dp = opendir(dir)) == NULL) {
		print_message("SKIP: %s not found (set SHARED_DIR)\n", dir);
		skip();
	}
	while ((e = readdir(dp)) != NULL) {
		FILE *f;
		char *text;
		long n;
		cJSON *root, *fr;

		if (strstr(e->d_name, ".json") == NULL)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		rewind(f);
		text = calloc(1, (size_t)n + 1);
		if (fread(text, 1, (size_t)n, f) != (size_t)n)
			fail_msg("%s: short read", path);
		fclose(f);
		root = cJSON_Parse(text);
		assert_non_null(root);
		cJSON_ArrayForEach(fr, cJSON_GetObjectItem(root, "frames"))
			one_vector(e->d_name, fr, &checked);
		cJSON_Delete(root);
		free(text);
	}
	closedir(dp);
	print_message("vectors: %d decodes compared\n", checked);
	assert_true(checked >= 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_examples),
		cmocka_unit_test(test_writes_refused),
		cmocka_unit_test(test_every_check),
		cmocka_unit_test(test_framer_in_noise),
		cmocka_unit_test(test_us2000_values),
		cmocka_unit_test(test_shared_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
