/* test_rs485_vectors.c — every frame of the JSON files in
 * $SHARED_DIR/protocols/vectors
 * (real frames from public captures and documents, docs/rs485.md §11a)
 * through the codec and the dialect decoders, compared with the expected
 * values stored there.  Skips, saying why, when the folder is absent. */
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

#include "proto/rs485_dialect.h"
#include "util/err.h"

struct tally {
	int	frames, requests, built, refused, decoded, rejected, skipped;
};

static struct tally tally;
static char where[160];		/* file/id of the frame being checked */

static double
num(const cJSON *o, const char *key, bool *have)
{
	const cJSON *x = cJSON_GetObjectItem(o, key);

	*have = cJSON_IsNumber(x);
	return *have ? x->valuedouble : NAN;
}

static void
near(const char *what, double got, const cJSON *o, const char *key, double tol)
{
	bool have;
	double want = num(o, key, &have);

	if (have && !(fabs(got - want) <= tol))
		fail_msg("%s: %s %.4f, expected %.4f", where, what, got, want);
}

static unsigned
hexbyte(const char *p)
{
	unsigned v = 0;

	sscanf(p, "%2x", &v);
	return v;
}

/* The request as fields: encode it and compare, or see it refused. */
static void
check_build(const cJSON *fr, const char *request)
{
	const cJSON *b = cJSON_GetObjectItem(fr, "build");
	uint8_t info[64];
	const char *hex;
	char out[160];
	size_t n, i;
	int rc, cid2;

	if (b == NULL)
		return;
	hex = cJSON_GetObjectItem(b, "info")->valuestring;
	n = strlen(hex) / 2;
	for (i = 0; i < n && i < sizeof info; i++)
		info[i] = (uint8_t)hexbyte(hex + 2 * i);
	cid2 = (int)hexbyte(cJSON_GetObjectItem(b, "cid2")->valuestring);
	rc = rs485_encode(out, sizeof out, (uint8_t)hexbyte(cJSON_GetObjectItem(b, "ver")->valuestring),
	    (uint8_t)hexbyte(cJSON_GetObjectItem(b, "adr")->valuestring),
	    (uint8_t)hexbyte(cJSON_GetObjectItem(b, "cid1")->valuestring), (uint8_t)cid2, info, n);
	if (rs485_command_find((uint8_t)cid2, RS_AUTO) == NULL) {
		if (rc != PT_ERR_REFUSED)
			fail_msg("%s: command %02X was not refused", where, cid2);
		tally.refused++;
		return;
	}
	if (rc < 0 || strncmp(out, request, strlen(request)) != 0 || out[strlen(request)] != '\r')
		fail_msg("%s: built %s, expected %s", where, out, request);
	tally.built++;
}

static void
compare_module(const cJSON *em, const struct pt_module *m)
{
	const cJSON *x, *t;
	int i = 0;

	if (m == NULL)
		fail_msg("%s: module missing", where);
	if ((x = cJSON_GetObjectItem(em, "cell_count")) != NULL && m->n_cells != x->valueint)
		fail_msg("%s: %d cells, expected %d", where, m->n_cells, x->valueint);
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(em, "cell_mv")) {
		if (i >= m->n_cells || fabs(m->cells[i].voltage * 1000 - x->valuedouble) > 0.01)
			fail_msg("%s: cell %d %.4f V, expected %g mV", where, i + 1,
			    i < m->n_cells ? m->cells[i].voltage : -1.0, x->valuedouble);
		i++;
	}
	if (i > 0 && i != m->n_cells)
		fail_msg("%s: %d cells, expected %d", where, m->n_cells, i);
	near("voltage", m->voltage, em, "voltage_v", 1e-6);
	near("current", m->current, em, "current_a", 1e-6);
	near("remaining", m->remaining_ah, em, "remaining_ah", 1e-6);
	near("full", m->full_ah, em, "full_ah", 1e-6);
	near("full", m->full_ah, em, "total_ah", 1e-6);
	near("cycles", (double)m->cycles, em, "cycles", 0);
	if (cJSON_GetObjectItem(em, "design_ah") != NULL) {
		if (!PT_HAS(m, PTF_DESIGN_AH))
			fail_msg("%s: no design capacity", where);
		near("design", m->design_ah, em, "design_ah", 1e-6);
	}
	if ((x = cJSON_GetObjectItem(em, "temp_count")) != NULL && m->n_temps != x->valueint &&
	    m->n_temps != PT_MAX_TEMPS)
		fail_msg("%s: %d temperatures, expected %d", where, m->n_temps, x->valueint);
	i = 0;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(em, "temp_c")) {
		if (i < m->n_temps && fabs(m->temps[i] - t->valuedouble) > 1e-4)
			fail_msg("%s: temperature %d %.2f, expected %g", where, i + 1, m->temps[i],
			    t->valuedouble);
		i++;
	}
	/* SOC is remaining / full, never / design (§6.1, §9.3). */
	if (PT_HAS(m, PTF_FULL_AH) && m->full_ah > 0) {
		double soc = m->remaining_ah / m->full_ah * 100;
		if (fabs(m->soc - (soc > 100 ? 100 : soc)) > 1e-9)
			fail_msg("%s: SOC %.3f is not remaining / full", where, m->soc);
	}
}

static void
check_analog(const cJSON *exp, const struct pt_sample *s, const struct rs485_frame *f)
{
	const cJSON *mods = cJSON_GetObjectItem(exp, "modules"), *em;
	int k = 0;

	if (mods == NULL) {
		compare_module(exp, s->n_modules == 1 ? &s->modules[0] : NULL);
		if (s->modules[0].id != f->info[1])
			fail_msg("%s: pack id %d, expected %d", where, s->modules[0].id, f->info[1]);
		return;
	}
	if (cJSON_GetArraySize(mods) != s->n_modules)
		fail_msg("%s: %d packs, expected %d", where, s->n_modules, cJSON_GetArraySize(mods));
	cJSON_ArrayForEach(em, mods) {
		compare_module(em, &s->modules[k]);
		k++;
	}
}

static bool
has_alarm(const struct pt_sample *s, int cell, const char *name)
{
	int i;

	for (i = 0; i < s->n_alarms; i++)
		if (s->alarms[i].cell == cell && (name == NULL || strcmp(s->alarms[i].name, name) == 0))
			return true;
	return false;
}

static void
check_alarm(const cJSON *exp, const struct pt_sample *s)
{
	const struct pt_module *m = s->n_modules == 1 ? &s->modules[0] : NULL;
	const cJSON *x;
	int i = 0, nonzero = 0;
	bool have;
	unsigned ins, b1, b2;

	if (m == NULL)
		fail_msg("%s: no module", where);
	near("pack", m->id, exp, "command_value", 0);
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(exp, "cell_state")) {
		static const char *const word[] = { "Normal", "Low", "High" };
		const char *w = pt_sample_word_text(s, m->cells[i].voltage_status);
		if (x->valueint <= 2 && strcmp(w, word[x->valueint]) != 0)
			fail_msg("%s: cell %d status %s, expected state %d", where, i + 1, w,
			    x->valueint);
		if ((x->valueint != 0) != has_alarm(s, i, NULL))
			fail_msg("%s: cell %d state %d and its alarm disagree", where, i + 1,
			    x->valueint);
		nonzero += x->valueint != 0;
		i++;
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(exp, "temp_state"))
		nonzero += x->valueint != 0;
	if (s->n_alarms < nonzero)
		fail_msg("%s: %d alarms for %d non-normal states", where, s->n_alarms, nonzero);
	ins = (unsigned)num(exp, "instruction_state", &have);
	if (have) {
		if (has_alarm(s, -1, "charge_mosfet_off") != !(ins & 2) ||
		    has_alarm(s, -1, "discharge_mosfet_off") != !(ins & 4))
			fail_msg("%s: MOSFET states of instruction byte %02X wrong", where, ins);
	}
	b1 = (unsigned)num(exp, "balance_state1", &have);
	b2 = (unsigned)num(exp, "balance_state2", &have);
	for (i = 0; have && i < m->n_cells && i < 16; i++)
		if (m->cells[i].balancing != (((i < 8 ? b1 >> i : b2 >> (i - 8)) & 1) != 0))
			fail_msg("%s: balancing of cell %d wrong", where, i + 1);
	if (num(exp, "protect_state1", &have) == 0 && num(exp, "fault_state", &have) == 0 &&
	    num(exp, "warn_state1", &have) == 0 && num(exp, "warn_state2", &have) == 0 &&
	    nonzero == 0) {
		for (i = 0; i < s->n_alarms; i++)
			if (s->alarms[i].level > PT_LEVEL_INFO)
				fail_msg("%s: alarm %s on a quiet pack", where, s->alarms[i].name);
	}
}

static void
check_text(const cJSON *exp, const struct pt_sample *s, uint8_t cid2)
{
	const char *want = cJSON_GetObjectItem(exp, "text")->valuestring;
	const struct pt_module *m = s->n_modules == 1 ? &s->modules[0] : NULL;
	char trimmed[64];
	size_t n;

	if (m == NULL)
		fail_msg("%s: no module", where);
	/* 0xC2: the barcode is the first 20 characters, padding trimmed. */
	n = strlen(want) < 20 ? strlen(want) : 20;
	while (n > 0 && want[n - 1] == ' ')
		n--;
	snprintf(trimmed, sizeof trimmed, "%.*s", (int)n, want);
	if (strcmp(cid2 == 0xC2 ? m->barcode : m->firmware, trimmed) != 0)
		fail_msg("%s: text '%s', expected '%s'", where, cid2 == 0xC2 ? m->barcode :
		    m->firmware, trimmed);
}

static void
check_decoded(const char *kind, const cJSON *exp, const struct pt_sample *s,
    const struct rs485_frame *f, uint8_t cid2)
{
	const struct pt_module *m = s->n_modules > 0 ? &s->modules[0] : NULL;

	if (strcmp(kind, "pylon_analog") == 0 || strcmp(kind, "pace_analog") == 0)
		check_analog(exp, s, f);
	else if (strcmp(kind, "pace_alarm") == 0)
		check_alarm(exp, s);
	else if (strcmp(kind, "ascii") == 0)
		check_text(exp, s, cid2);
	else if (strcmp(kind, "pace_capacity") == 0) {
		near("remaining", m->remaining_ah, exp, "remaining_ah", 1e-6);
		near("full", m->full_ah, exp, "full_ah", 1e-6);
		near("design", m->design_ah, exp, "design_ah", 1e-6);
	} else if (strcmp(kind, "pace_pack_count") == 0)
		near("pack count", s->stack.module_count, exp, "pack_count", 0);
	else if (strcmp(kind, "pylon_management") == 0) {
		near("charge voltage", m->charge_voltage, exp, "charge_voltage_limit_v", 1e-6);
		near("charge limit", m->charge_limit, exp, "charge_current_limit_a", 1e-6);
		near("discharge limit", -m->discharge_limit, exp, "discharge_current_limit_a", 1e-6);
		if (has_alarm(s, -1, "charge_disabled") == cJSON_IsTrue(cJSON_GetObjectItem(exp,
		    "charge_enable")))
			fail_msg("%s: charge enable flag wrong", where);
		if (has_alarm(s, -1, "discharge_disabled") == cJSON_IsTrue(cJSON_GetObjectItem(exp,
		    "discharge_enable")))
			fail_msg("%s: discharge enable flag wrong", where);
	}
}

static enum rs485_dialect
dialect_for(const char *kind, const struct rs485_frame *f)
{
	if (strncmp(kind, "pace", 4) == 0)
		return RS_PACE;
	if (strncmp(kind, "pylon", 5) == 0)
		return RS_PYLONTECH;
	return f->ver == 0x25 ? RS_PACE : RS_PYLONTECH;
}

static void
one_frame(const char *file, const cJSON *fr, struct pt_sample *s)
{
	const cJSON *req = cJSON_GetObjectItem(fr, "request");
	const cJSON *resp = cJSON_GetObjectItem(fr, "response");
	const cJSON *dec = cJSON_GetObjectItem(fr, "decode");
	const cJSON *bad = cJSON_GetObjectItem(fr, "expect_bad_checksum");
	const char *kind = cJSON_IsString(dec) ? dec->valuestring : "none";
	static struct rs485_frame rq, f;
	char fixed[1200];
	struct pt_diag d;
	uint8_t cid2 = 0;
	int cmd = RS485_CMD_UNKNOWN, rc;
	size_t n;

	snprintf(where, sizeof where, "%s/%s", file, cJSON_GetObjectItem(fr, "id")->valuestring);
	tally.frames++;
	pt_diag_clear(&d);
	if (cJSON_IsString(req)) {
		if (rs485_decode(req->valuestring, strlen(req->valuestring), &rq, &d) != 0)
			fail_msg("%s: request: %s", where, d.error);
		cid2 = rq.cid2;
		cmd = rq.info_len >= 1 ? rq.info[0] : RS485_CMD_UNKNOWN;
		tally.requests++;
		check_build(fr, req->valuestring);
		/* A write seen in a capture (0x99): pylontop must refuse to send it. */
		if (cJSON_GetObjectItem(fr, "build") == NULL &&
		    rs485_command_find(cid2, RS_AUTO) == NULL) {
			char out[64];
			if (rs485_encode(out, sizeof out, rq.ver, rq.adr, rq.cid1, cid2, rq.info,
			    rq.info_len) != PT_ERR_REFUSED)
				fail_msg("%s: command %02X was not refused", where, cid2);
			tally.refused++;
		}
	}
	if (!cJSON_IsString(resp))
		return;
	if (cid2 == 0 && strcmp(kind, "pace_alarm") == 0)
		cid2 = 0x44;
	if (cid2 == 0 && strstr(kind, "analog") != NULL)
		cid2 = 0x42;
	n = strlen(resp->valuestring);
	rc = rs485_decode_reply(resp->valuestring, n, &f, &d);
	if (bad != NULL && cJSON_IsTrue(cJSON_GetObjectItem(bad, "response"))) {
		if (rc != PT_ERR_CHECKSUM)
			fail_msg("%s: a known-bad checksum was accepted", where);
		tally.rejected++;
		/* The content itself is good: with its checksum put right it
		 * must decode to the document's own values. */
		snprintf(fixed, sizeof fixed, "%.*s%04X", (int)n - 4, resp->valuestring,
		    rs485_checksum(resp->valuestring + 1, n - 5));
		rc = rs485_decode_reply(fixed, strlen(fixed), &f, &d);
	}
	if (rc != 0)
		fail_msg("%s: %s", where, d.error);
	if (strcmp(kind, "none") == 0 || cid2 == 0)
		return;
	pt_sample_init(s, NULL);
	pt_diag_clear(&d);
	rc = rs485_parse_reply(&f, dialect_for(kind, &f), cid2, cmd, s, &d);
	if (rc == PT_ERR_UNSUPPORTED) {
		/* 0xB1 date/time: pylontop does not read the clock. */
		print_message("  %s: %s (skipped)\n", where, d.error);
		tally.skipped++;
		return;
	}
	if (rc != 0)
		fail_msg("%s: %s", where, d.error);
	check_decoded(kind, cJSON_GetObjectItem(fr, "expected"), s, &f, cid2);
	tally.decoded++;
}

static void
checksum_examples(const cJSON *root)
{
	const cJSON *e, *x;

	cJSON_ArrayForEach(e, cJSON_GetObjectItem(root, "checksum_examples")) {
		if ((x = cJSON_GetObjectItem(e, "body")) != NULL) {
			unsigned want = 0;
			sscanf(cJSON_GetObjectItem(e, "chksum")->valuestring, "%x", &want);
			assert_int_equal(rs485_checksum(x->valuestring, strlen(x->valuestring)), want);
		} else {
			unsigned want = 0;
			sscanf(cJSON_GetObjectItem(e, "length")->valuestring, "%x", &want);
			assert_int_equal(rs485_length((uint16_t)cJSON_GetObjectItem(e,
			    "lenid")->valueint), want);
		}
		tally.frames++;
	}
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *text;
	long n;

	if (fp == NULL)
		fail_msg("%s: cannot open", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	text = calloc(1, (size_t)n + 1);
	if (fread(text, 1, (size_t)n, fp) != (size_t)n)
		fail_msg("%s: short read", path);
	fclose(fp);
	return text;
}

static void
test_shared_vectors(void **state)
{
	const char *shared = getenv("SHARED_DIR");
	struct pt_sample *s = malloc(sizeof *s);
	char dir[600], path[900];
	struct dirent *e;
	DIR *dp;
	int files = 0;

	(void)state;
	snprintf(dir, sizeof dir, "%s/protocols/vectors", shared != NULL ? shared : "../shared");
	if ((dp = opendir(dir)) == NULL) {
		print_message("SKIP: %s not found (set SHARED_DIR to the shared folder)\n", dir);
		free(s);
		skip();
	}
	while ((e = readdir(dp)) != NULL) {
		const cJSON *fr;
		cJSON *root;
		char *text;

		if (strlen(e->d_name) < 6 || strcmp(e->d_name + strlen(e->d_name) - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		text = slurp(path);
		if ((root = cJSON_Parse(text)) == NULL)
			fail_msg("%s: not JSON", path);
		checksum_examples(root);
		cJSON_ArrayForEach(fr, cJSON_GetObjectItem(root, "frames"))
			one_frame(e->d_name, fr, s);
		cJSON_Delete(root);
		free(text);
		files++;
	}
	closedir(dp);
	free(s);
	print_message("vectors: %d files, %d frames/examples, %d requests (%d rebuilt, %d "
	    "refused), %d replies decoded and compared, %d bad checksums rejected, %d skipped\n",
	    files, tally.frames, tally.requests, tally.built, tally.refused, tally.decoded,
	    tally.rejected, tally.skipped);
	assert_true(files >= 7);
	assert_true(tally.decoded >= 25);
	assert_true(tally.rejected >= 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
