/* test_report.c — the service report's verdicts and escaping (issue 13),
 * on samples built here: the cell spread is judged only under the
 * configured load at mid-SOC (degrading / failed by REPORT_SPREAD_*), a
 * spread at rest or at a SOC end is shown but not judged, BMS SOH 0 % and
 * a cell SOH "Abnormal" force failed, and a device string with markup is
 * escaped in report.md and report.html. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "model/health.h"
#include "model/records.h"
#include "export/report.h"

static char dir[] = "/tmp/pt-test-report.XXXXXX";

/* A module `id` with 15 cells at 3.300 V but cell 3 `low_mv` lower. */
static void
module(struct pt_sample *s, int id, double current, double soc, double low_mv)
{
	struct pt_module *m = pt_sample_module(s, id);
	int c;

	PT_SET(m, current, PTF_CURRENT, current);
	PT_SET(m, soc, PTF_SOC, soc);
	snprintf(m->barcode, sizeof m->barcode, "B%d", id);
	m->cells_ms = 1;
	for (c = 0; c < 15; c++) {
		struct pt_cell *cl = pt_module_cell(m, c);

		PT_SET(cl, voltage, PTF_VOLTAGE, (float)(c == 2 ? 3.300 - low_mv / 1000 : 3.300));
	}
}

static char *
slurp(const char *name)
{
	char path[256];
	FILE *f;
	char *buf = calloc(1, 1 << 20);

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(fread(buf, 1, (1 << 20) - 1, f) > 0);
	fclose(f);
	return buf;
}

/* The rack row of module id in report.md ends with its verdict (a
 * failed one is marked " (!)" after it). */
static void
expect_verdict(const char *md, int id, const char *verdict)
{
	char want[64];

	snprintf(want, sizeof want, "| %d | B%d | unknown | unknown | %s", id, id, verdict);
	if (strstr(md, want) == NULL)
		fail_msg("no rack row \"%s\" in report.md", want);
}

static void
test_verdicts(void **state)
{
	struct pt_config cfg;
	struct report_input *in = calloc(1, sizeof *in);
	struct pt_records *rec = calloc(1, sizeof *rec);
	struct pt_sample *s = calloc(1, sizeof *s);
	struct pt_rec_unit *u;
	char why[300], *md, *html;

	(void)state;
	assert_non_null(mkdtemp(dir));
	config_defaults(&cfg);
	pt_sample_init(s, "lv");
	module(s, 2, 3.0, 50, 40);	/* 40 mV under 3 A at 50 %: degrading */
	module(s, 3, -4.0, 60, 60);	/* 60 mV: failed */
	module(s, 4, 0.2, 50, 80);	/* at rest: not judged */
	module(s, 5, 3.0, 95, 80);	/* SOC end: not judged */
	module(s, 6, 3.0, 50, 10);	/* healthy spread, BMS SOH 0 %: failed */
	module(s, 7, 3.0, 50, 10);	/* healthy spread, a cell Abnormal: failed */
	module(s, 8, 3.0, 50, 10);	/* healthy */
	pt_records_init(rec);
	rec->seq = 1;
	u = pt_records_unit(rec, 6, PT_REC_LV_MODULE);
	u->stat.present = true;
	u->stat.soh_pct = 0;
	u = pt_records_unit(rec, 7, PT_REC_LV_MODULE);
	u->soh.present = true;
	u->soh.n = 1;
	u->soh.cells[0] = (struct pt_rec_soh_cell){ .index = 4, .count = 9, .status = "Abnormal" };
	u = pt_records_unit(rec, 8, PT_REC_LV_MODULE);
	u->has_identity = true;
	snprintf(u->barcode, sizeof u->barcode, "B8");
	u->n_ident = 1;
	snprintf(u->ident[0].name, sizeof u->ident[0].name, "Barcode");
	snprintf(u->ident[0].value, sizeof u->ident[0].value, "<script>|*_&x");
	*in = (struct report_input){ .cfg = &cfg, .link = "/dev/x", .protocol = "lv",
	    .last = s, .rec = rec };
	report_observe(in, s);
	assert_int_equal(report_write(in, dir, why, sizeof why), 0);
	md = slurp("report.md");
	html = slurp("report.html");
	expect_verdict(md, 2, "degrading");
	expect_verdict(md, 3, "failed");
	expect_verdict(md, 4, "unknown");
	expect_verdict(md, 5, "unknown");
	expect_verdict(md, 6, "failed");
	expect_verdict(md, 7, "failed");
	expect_verdict(md, 8, "healthy");
	assert_non_null(strstr(md, "BMS SOH is 0 %"));
	assert_non_null(strstr(md, "cell 4: SOH status Abnormal"));
	assert_non_null(strstr(md, "| at rest | 1 | 80 mV |"));
	assert_non_null(strstr(md, "| other | 1 | 80 mV |"));
	/* The hostile identity string: escaped, never raw. */
	assert_non_null(strstr(md, "\\<script\\>\\|\\*\\_\\&x"));
	assert_non_null(strstr(html, "&lt;script&gt;|*_&amp;x"));
	assert_null(strstr(md, "<script>"));
	assert_null(strstr(html, "<script>"));
	/* Configured thresholds move the verdict: 40 mV is healthy below 45. */
	cfg.report.spread_degrading_mv = 45;
	cfg.report.spread_failed_mv = 70;
	free(md);
	assert_int_equal(report_write(in, dir, why, sizeof why), 0);
	md = slurp("report.md");
	expect_verdict(md, 2, "healthy");
	expect_verdict(md, 3, "degrading");
	assert_non_null(strstr(md, "| healthy spread | below 45 mV |"));
	assert_null(strstr(md, "Cell health"));	/* no health figures given */
	free(md);
	/* The health engine's findings, ranked, with their evidence, escaped. */
	{
		struct health_report *hr = calloc(1, sizeof *hr);

		assert_non_null(hr);
		hr->n_findings = 1;
		hr->findings[0] = (struct health_finding){ .module = 3, .cell = 6,
		    .cause = HC_RESISTANCE, .confidence = 0.82 };
		snprintf(hr->findings[0].text, sizeof hr->findings[0].text,
		    "internal resistance 2.1 mOhm vs median 0.9 <b>");
		hr->n_notes = 1;
		snprintf(hr->notes[0], sizeof hr->notes[0], "module 5: 3 of 10 load steps");
		in->health = hr;
		assert_int_equal(report_write(in, dir, why, sizeof why), 0);
		md = slurp("report.md");
		free(html);
		html = slurp("report.html");
		assert_non_null(strstr(md, "Cell health"));
		assert_non_null(strstr(md, "| 3 | 7 | resistance | 82 % | internal resistance 2.1 mOhm"));
		assert_non_null(strstr(md, "Not judged yet: module 5: 3 of 10 load steps"));
		assert_null(strstr(html, "<b>"));
		in->health = NULL;
		free(hr);
		free(md);
	}
	free(html);
	free(in);
	free(rec);
	free(s);
	{
		char cmd[300];

		if (getenv("PT_KEEP") == NULL) snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
