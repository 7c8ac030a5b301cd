/* test_console_records.c — the records parsers (console_records.h) on
 * every real capture of stat/soh/log/time/info/bmuinfo/sysinfo in
 * ../shared (skipped when absent), with the values a person reads from
 * the text, and on fixtures of layouts no capture shows yet (unit
 * suffixes, labels with symbols, a wider second block, soh with other
 * columns, a value running into the next field). */
#include "autoconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/records.h"
#include "proto/console_frame.h"
#include "proto/console_records.h"
#include "util/err.h"

#include "console_hv_testutil.h"

static struct pt_records *R;
static struct pt_diag D;

static int
setup(void **state)
{
	(void)state;
	if (R == NULL && (R = malloc(sizeof *R)) == NULL)
		return -1;
	pt_records_init(R);
	pt_diag_clear(&D);
	return 0;
}

/* Frame a recorded answer with the product's framer (skipping leading
 * bare prompts, as the session does) and parse it as `cmd arg`.
 * Returns the parser's result; -100 when the file is absent (skip). */
static int
feed(const char *file, bool capture, enum console_dialect dl, const char *cmd, int arg,
    enum console_frame_state want)
{
	size_t len, off = 0;
	char *buf = capture ? tu_capture(file, &len) : tu_fixture(file, &len);
	struct console_frame fr;
	enum console_frame_state st;
	int rc;

	if (buf == NULL)
		return -100;
	for (;;) {
		st = console_frame(buf + off, len - off, &fr);
		if (st != CF_PROMPT_ONLY)
			break;
		off += fr.consumed;
	}
	assert_int_equal(st, want);
	if (st != CF_OK) {
		free(buf);
		return PT_ERR_DEVICE;
	}
	rc = console_rec_parse(dl, cmd, arg, 1, buf + off + fr.body_off, fr.body_len,
	    1700000000000LL, R, &D);
	free(buf);
	return rc;
}

#define FEED_OR_SKIP(...) do { \
	int rc_ = feed(__VA_ARGS__); \
	if (rc_ == -100) { skip(); return; } \
	assert_int_equal(rc_, 0); \
} while (0)

static const struct pt_rec_pair *
pair(const struct pt_rec_pair *p, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			return &p[i];
	fail_msg("no pair '%s'", name);
	return NULL;
}

static const struct pt_rec_unit *
unit(int id)
{
	const struct pt_rec_unit *u = pt_records_find(R, id);

	assert_non_null(u);
	return u;
}

/* ---- stat ---- */

static void
stat_us2000c(void **state)
{
	const struct pt_rec_stat *st;

	(void)state;
	FEED_OR_SKIP("US2000C-B67.5_stat_1.txt", true, CD_LV, "stat", -1, CF_OK);
	st = &unit(1)->stat;	/* "Device address 1" */
	assert_true(st->present);
	assert_int_equal(st->cycles, 666);
	assert_int_equal(st->charge_times, 26076);
	assert_int_equal(st->soh_pct, 93);
	assert_int_equal(st->shutdowns, 3256);
	assert_int_equal(st->bhv, 25);
	assert_int_equal(st->bov, 0);
	assert_int_equal(st->coc, 0);
	assert_int_equal(st->ot, 0);
	assert_true(fabs(st->remain_ah - 158824440 / 3600000.0) < 1e-6);
	assert_true(st->full_ah < 0);
	assert_int_equal(st->n_all, 50);	/* every "Label : value" line */
	assert_int_equal(pair(st->all, st->n_all, "Reset Times")->num, 35);
	assert_int_equal(pair(st->all, st->n_all, "HT@0.5C Cnt")->num, 0);
	assert_int_equal(pair(st->all, st->n_all, "Input OV Times")->num, 6);
	assert_int_equal(pair(st->all, st->n_all, "Dsg Cap")->num, 33318354);
}

static void
stat_us3000a_no_soh(void **state)
{
	const struct pt_rec_stat *st;

	(void)state;
	FEED_OR_SKIP("US3000A-B65.6_stat-1_1.txt", true, CD_LV, "stat", 1, CF_OK);
	st = &unit(1)->stat;
	assert_int_equal(st->cycles, 0);
	assert_int_equal(st->charge_times, 9);
	assert_int_equal(st->soh_pct, PT_REC_NONE);	/* this firmware has no SOH line */
	assert_int_equal(pair(st->all, st->n_all, "MiscData Items")->num, 126);
	assert_int_equal(pair(st->all, st->n_all, "Reset Times")->num, 3);
}

static void
stat_us5000(void **state)
{
	const struct pt_rec_stat *st;

	(void)state;
	FEED_OR_SKIP("US5000stack-B69.16_stat-1_1.txt", true, CD_LV, "stat", 1, CF_OK);
	st = &unit(1)->stat;
	assert_int_equal(st->cycles, 108);
	assert_int_equal(st->charge_times, 11345);
	assert_int_equal(st->soh_pct, 100);
	assert_int_equal(st->shutdowns, 1);
	assert_int_equal(pair(st->all, st->n_all, "Idle Times")->num, 12836);
}

static void
stat_sc_cmua(void **state)
{
	const struct pt_rec_stat *st;

	(void)state;
	FEED_OR_SKIP("SC-CMUA-B52.34_stat_1.txt", true, CD_HV, "stat", -1, CF_OK);
	st = &unit(0)->stat;
	assert_int_equal(unit(0)->kind, PT_REC_HV_CONTROLLER);
	assert_int_equal(st->cycles, 203);
	assert_int_equal(st->charge_times, 33757);
	assert_int_equal(st->bhv, 141);
	assert_int_equal(st->soh_pct, 99);		/* "SOH Percent" */
	assert_int_equal(st->ot, 0);			/* "Bat OT Times" */
	assert_true(fabs(st->remain_ah - 18648000 / 3600000.0) < 1e-6);	/* (mAS) */
	assert_int_equal(pair(st->all, st->n_all, "SOH Times")->num, 851);
	assert_int_equal(pair(st->all, st->n_all, "Bat CoulWatt(mWH)")->num, 16576000);
	assert_int_equal(pair(st->all, st->n_all, "Min.Dsg Cap(WH)")->num, 226);
	assert_int_equal(pair(st->all, st->n_all, "EvenData Items")->num, 165);
}

static void
stat_force_h2_second_block(void **state)
{
	const struct pt_rec_stat *st;

	(void)state;
	FEED_OR_SKIP("ForceH2-B52.26_stat_1.txt", true, CD_HV, "stat", -1, CF_OK);
	st = &unit(0)->stat;
	assert_int_equal(st->cycles, 142);
	assert_int_equal(st->charge_times, 35981);
	assert_int_equal(st->soh_pct, 100);
	assert_int_equal(st->shutdowns, 1);
	assert_int_equal(st->bhv, 122);
	assert_int_equal(pair(st->all, st->n_all, "Bat SHUT Times")->num, 0);
	assert_int_equal(pair(st->all, st->n_all, "His.Chg Capl(mWH)")->num, 551);
	assert_int_equal(pair(st->all, st->n_all, "ChgCurr 0~0.2C Secs")->num, 6496484);
	assert_int_equal(pair(st->all, st->n_all, "Soc 20~60% Secs")->num, 15303464);
	assert_int_equal(pair(st->all, st->n_all, "FlashFail Times")->num, 0);
	assert_int_equal(st->n_all, 78);
}

static void
stat_pytes_refused(void **state)
{
	int rc;

	(void)state;
	/* This Pytes firmware answers `stat 1` with a usage text: a failure
	 * the framer sees, never counters. */
	rc = feed("PytesEBOX48100VD-V1.10_stat-1_1.txt", true, CD_LV, "stat", 1, CF_FAILED);
	if (rc == -100)
		skip();
	assert_int_equal(rc, PT_ERR_DEVICE);
}

static void
stat_new_firmware_fixture(void **state)
{
	const struct pt_rec_stat *st;

	(void)state;
	FEED_OR_SKIP("records/lv_stat_newfw.txt", false, CD_LV, "stat", 2, CF_OK);
	st = &unit(2)->stat;
	assert_int_equal(st->cycles, 666);
	assert_int_equal(st->coc, 3);
	assert_int_equal(st->sc, 1);
	assert_int_equal(st->bov, 2);
	assert_int_equal(st->ot, 9);		/* COT 4 + DOT 5 */
	assert_int_equal(st->ut, 7);		/* CUT 0 + DUT 7 */
	assert_int_equal(st->shutdowns, 12);
	assert_int_equal(st->soh_pct, 88);
	assert_true(fabs(st->remain_ah - 158824 / 3600.0) < 1e-6);	/* (AS) */
	assert_true(fabs(st->full_ah - 99.0) < 1e-9);			/* (mAH) */
	/* A value that fills its column, glued to the colon. */
	assert_int_equal(pair(st->all, st->n_all, "Dsg Cap(mAH)")->num, 12345678901LL);
	assert_int_equal(pair(st->all, st->n_all, "Cell#7 Max(mV)")->num, 3650);
	assert_int_equal(pair(st->all, st->n_all, "New Counter X")->num, 42);
	assert_int_equal(pair(st->all, st->n_all, "Soc 60% above Secs")->num, 13361906);
}

static void
stat_rejects_text(void **state)
{
	struct pt_rec_stat st;
	const char *junk = "Battery  Volt  Curr\n1  3300  0\n";

	(void)state;
	assert_int_equal(console_rec_stat(junk, strlen(junk), &st, NULL, &D), PT_ERR_PARSE);
	assert_non_null(strstr(D.error, "stat"));
}

/* ---- soh ---- */

static void
soh_us5000(void **state)
{
	const struct pt_rec_soh *sh;

	(void)state;
	FEED_OR_SKIP("US5000stack-B69.16_soh-1_1.txt", true, CD_LV, "soh", 1, CF_OK);
	sh = &unit(1)->soh;
	assert_int_equal(sh->via, 1);
	assert_int_equal(sh->n, 15);
	assert_int_equal(sh->cells[14].index, 14);
	assert_int_equal(sh->cells[14].voltage_mv, 3330);
	assert_int_equal(sh->cells[14].count, 0);
	assert_string_equal(sh->cells[14].status, "Normal");
}

static void
soh_hv(void **state)
{
	const struct pt_rec_soh *sh;

	(void)state;
	FEED_OR_SKIP("SC-CMUA-B52.34_soh_1.txt", true, CD_HV, "soh", -1, CF_OK);
	sh = &unit(0)->soh;
	assert_int_equal(sh->n, 75);
	assert_int_equal(sh->cells[0].count, 85);
	assert_int_equal(sh->cells[7].count, 1082);
	assert_int_equal(sh->cells[72].count, 330);
	assert_int_equal(sh->cells[35].voltage_mv, 3098);
	pt_records_init(R);
	FEED_OR_SKIP("ForceH2-B52.26_soh_1.txt", true, CD_HV, "soh", -1, CF_OK);
	assert_int_equal(unit(0)->soh.n, 120);
	assert_int_equal(unit(0)->soh.cells[119].voltage_mv, 3372);
}

static void
soh_other_columns_fixture(void **state)
{
	const struct pt_rec_soh *sh;

	(void)state;
	FEED_OR_SKIP("records/lv_soh_othercols.txt", false, CD_LV, "soh", 3, CF_OK);
	sh = &unit(3)->soh;
	assert_int_equal(sh->via, 3);
	assert_int_equal(sh->n, 3);
	assert_int_equal(sh->cells[1].count, 12);
	assert_int_equal(sh->cells[1].voltage_mv, 3330);
	/* The count fills its column and runs into the status. */
	assert_int_equal(sh->cells[2].count, 1234567890);
	assert_string_equal(sh->cells[2].status, "Abnormal");
}

static void
soh_rejects_without_columns(void **state)
{
	struct pt_rec_soh sh;
	const char *t = "Battery  Volt  Curr\n0  3300  0\n";

	(void)state;
	assert_int_equal(console_rec_soh(t, strlen(t), &sh, &D), PT_ERR_PARSE);
}

/* ---- log ---- */

static void
log_us5000_pager(void **state)
{
	const struct pt_rec_log *lg;

	(void)state;
	FEED_OR_SKIP("US5000stack-B69.16_log_1.txt", true, CD_LV, "log", -1, CF_OK);
	lg = &unit(1)->log;	/* the console's own module */
	assert_int_equal(lg->n, 32);	/* across 10 pager stops */
	assert_false(lg->truncated);
	assert_int_equal(lg->ev[0].index, 31);
	assert_string_equal(lg->ev[0].time, "23-09-16 11:43:09");
	assert_string_equal(lg->ev[0].module, "BMM");
	assert_string_equal(lg->ev[0].code, "2c50");
	assert_string_equal(lg->ev[0].text, "The device start charging.");
	assert_int_equal(lg->ev[22].index, 9);
	assert_string_equal(lg->ev[22].text, "The coulomb of device is low.");
	assert_int_equal(lg->ev[31].index, 0);
	assert_string_equal(lg->ev[31].time, "23-09-16 08:55:33");
}

static void
log_hv(void **state)
{
	const struct pt_rec_log *lg;

	(void)state;
	FEED_OR_SKIP("ForceH2-B52.26_log_1.txt", true, CD_HV, "log", -1, CF_OK);
	lg = &unit(0)->log;
	assert_int_equal(lg->n, 20);
	assert_int_equal(lg->ev[3].index, 16);
	assert_string_equal(lg->ev[3].code, "8c8b");
	assert_string_equal(lg->ev[3].time, "23-10-05 10:12:45");
	pt_records_init(R);
	FEED_OR_SKIP("SC-CMUA-B52.34_log_1.txt", true, CD_HV, "log", -1, CF_OK);
	lg = &unit(0)->log;
	assert_int_equal(lg->n, 20);
	assert_string_equal(lg->ev[7].code, "83dd");
	assert_string_equal(lg->ev[19].time, "23-11-11 13:33:50");
}

/* A log longer than the bound stops there and says so. */
static void
log_bounded(void **state)
{
	size_t cap = (PT_REC_MAX_EVENTS + 10) * 120, len = 0;
	char *t = malloc(cap);
	int i;

	(void)state;
	assert_non_null(t);
	for (i = PT_REC_MAX_EVENTS + 9; i >= 0; i--)
		len += (size_t)snprintf(t + len, cap - len, " Index   : %d\n Time    : 23-09-16 "
		    "11:43:09\n ModID   : BMM\n Code    : 0\n Info    : x\n", i);
	assert_int_equal(console_rec_log(t, len, &R->u[0].log, &D), 0);
	assert_int_equal(R->u[0].log.n, PT_REC_MAX_EVENTS);
	assert_true(R->u[0].log.truncated);
	free(t);
}

/* ---- time ---- */

static void
time_captures(void **state)
{
	static const struct { const char *file; enum console_dialect dl; int id; const char *t; }
	cases[] = {
		{ "US2000C-B67.5_time_1.txt", CD_LV, 1, "2026-07-17 01:40:48" },
		{ "US5000stack-B69.16_time_1.txt", CD_LV, 1, "2023-09-28 20:11:40" },
		{ "ForceH2-B52.26_time_1.txt", CD_HV, 0, "2023-10-05 14:30:18" },
		{ "SC-CMUA-B52.34_time_1.txt", CD_HV, 0, "2023-11-12 09:22:21" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pt_records_init(R);
		FEED_OR_SKIP(cases[i].file, true, cases[i].dl, "time", -1, CF_OK);
		assert_true(unit(cases[i].id)->clock.present);
		assert_string_equal(unit(cases[i].id)->clock.text, cases[i].t);
		assert_int_equal(unit(cases[i].id)->clock.host_ms, 1700000000000LL);
	}
}

static void
clock_offset(void **state)
{
	double off;
	time_t now = 1700000000;
	struct tm tm;
	char text[32];

	(void)state;
	localtime_r(&now, &tm);
	tm.tm_sec += 125;
	mktime(&tm);
	strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
	assert_true(pt_rec_clock_offset(text, (int64_t)now * 1000, &off));
	assert_true(fabs(off - 125) < 0.01);
	assert_false(pt_rec_clock_offset("Test result:pass", 0, &off));
}

/* ---- info, bmuinfo, sysinfo ---- */

static void
info_lv(void **state)
{
	const struct pt_rec_unit *u;

	(void)state;
	FEED_OR_SKIP("US2000C-B67.5_info_1.txt", true, CD_LV, "info", -1, CF_OK);
	u = unit(1);
	assert_int_equal(u->address, 1);
	assert_string_equal(u->model, "US2000C");
	assert_string_equal(u->main_soft, "B67.5.0");
	assert_string_equal(u->soft, "V1.7");
	assert_string_equal(u->release_date, "20-12-11");
	assert_string_equal(u->specification, "48V/50AH");
	assert_int_equal(u->cells, 15);
	assert_string_equal(pair(u->ident, u->n_ident, "Max Dischg Curr")->value, "-90000mA");
	FEED_OR_SKIP("US3000A-B65.6_info-2_1.txt", true, CD_LV, "info", 2, CF_OK);
	assert_string_equal(unit(2)->barcode, "PPTAH01234567890");
	assert_string_equal(unit(2)->board_version, "PHANTOMSAV10R03");
	FEED_OR_SKIP("US5000stack-B69.16_info-3_1.txt", true, CD_LV, "info", 3, CF_OK);
	assert_string_equal(unit(3)->model, "US2KBPL");
	assert_string_equal(unit(3)->main_soft, "B67.9.0");
	assert_string_equal(unit(3)->release_date, "21-04-29");
	FEED_OR_SKIP("US5000stack-B69.16_info-1_1.txt", true, CD_LV, "info", 1, CF_OK);
	assert_string_equal(pair(unit(1)->ident, unit(1)->n_ident, "Board")->value, "NF4.E3");
	pt_records_init(R);
	FEED_OR_SKIP("PytesEBOX4850P-V1.3_info-1_1.txt", true, CD_LV, "info", 1, CF_OK);
	assert_string_equal(unit(1)->manufacturer, "PYTES");
	assert_string_equal(unit(1)->model, "E-BOX-4850P");
	assert_string_equal(unit(1)->main_soft, "SPBMS15SPH2111V1.3.19");
}

static void
info_hv_bmu_blocks(void **state)
{
	(void)state;
	FEED_OR_SKIP("SC-CMUA-B52.34_info_1.txt", true, CD_HV, "info", -1, CF_OK);
	assert_string_equal(unit(0)->model, "CMU_A");
	assert_string_equal(unit(0)->barcode, "H225xxxxxxxxxx54");
	assert_string_equal(unit(0)->pcba_barcode, "H100xxxxxxxTxxxxxxxx70");
	assert_int_equal(unit(0)->cells, 75);
	assert_string_equal(unit(1)->barcode, "P22xxxxxxxxxxx83");	/* BMU 0 */
	assert_string_equal(unit(1)->pcba_barcode, "H10xxxxxxxxTxxxxxxxx00");
	assert_string_equal(unit(5)->barcode, "P22xxxxxxxxxxx77");	/* BMU 4 */
	assert_int_equal(unit(5)->kind, PT_REC_HV_BMU);
	pt_records_init(R);
	/* Force H2: two pairs per line, "Unit n" from 1. */
	FEED_OR_SKIP("ForceH2-B52.26_info_1.txt", true, CD_HV, "info", -1, CF_OK);
	assert_string_equal(unit(0)->pcba_barcode, "Axxxxxxxxxxxxxxxxxxxx6");
	assert_string_equal(unit(0)->barcode, "Yxxxxxxxxxxxxxx3");
	assert_string_equal(unit(0)->release_date, "21-06-18");
	assert_string_equal(unit(1)->barcode, "Yxxxxxxxxxxxxxx2");
	assert_string_equal(unit(1)->pcba_barcode, "Axxxxxxxxxxxxxxxxxxxx5");
	assert_string_equal(unit(3)->barcode, "Yxxxxxxxxxxxxxx1");
}

static void
bmuinfo_run_in(void **state)
{
	const struct pt_rec_unit *u;

	(void)state;
	FEED_OR_SKIP("ForceH2-B52.26_bmuinfo-0_1.txt", true, CD_HV, "bmuinfo", 0, CF_OK);
	u = unit(1);
	assert_int_equal(u->kind, PT_REC_HV_BMU);
	assert_string_equal(u->model, "BMU");
	assert_string_equal(u->board_version, "LT30SV20R02");
	/* The PCBA barcode fills its column and runs into the next label. */
	assert_string_equal(u->pcba_barcode, "Axxxxxxxxxxxxxxxxxxxx1");
	assert_string_equal(pair(u->ident, u->n_ident, "PowerSupply Barcode")->value, "100001");
	assert_string_equal(u->release_date, "2022-08-15 13:01:51");	/* Device Test Time */
	assert_string_equal(u->specification, "37AH");
	assert_int_equal(u->cells, 30);
	FEED_OR_SKIP("records/hv_bmuinfo_runin.txt", false, CD_HV, "bmuinfo", 1, CF_OK);
	assert_string_equal(unit(2)->pcba_barcode, "A123456789012345678901");
	/* bmuinfo 3 of a 3-BMU string: the device's failure, no identity. */
	if (feed("ForceH2-B52.26_bmuinfo-4_1.txt", true, CD_HV, "bmuinfo", 3, CF_FAILED) == -100)
		skip();
}

static void
sysinfo_hv(void **state)
{
	const struct pt_rec_unit *u;

	(void)state;
	FEED_OR_SKIP("ForceH2-B52.26_sysinfo_1.txt", true, CD_HV, "sysinfo", -1, CF_OK);
	u = unit(0);
	assert_int_equal(u->n_sysinfo, 47);
	assert_string_equal(pair(u->sysinfo, u->n_sysinfo, "Chg Sug Volt")->value, "426000 mV");
	assert_int_equal(pair(u->sysinfo, u->n_sysinfo, "Max Dsg Curr")->num, -18500);
	assert_string_equal(pair(u->sysinfo, u->n_sysinfo, "Bal Chg Req")->value, "Yes");
	assert_int_equal(pair(u->sysinfo, u->n_sysinfo, "Temp Low 3")->num, -10000);
	pt_records_init(R);
	FEED_OR_SKIP("SC-CMUA-B52.34_sysinfo_1.txt", true, CD_HV, "sysinfo", -1, CF_OK);
	assert_int_equal(pair(unit(0)->sysinfo, unit(0)->n_sysinfo, "Chg Cut Volt")->num, 270000);
}

static void
raw_kept(void **state)
{
	const struct pt_rec_unit *u;

	(void)state;
	FEED_OR_SKIP("records/lv_stat_newfw.txt", false, CD_LV, "stat", 2, CF_OK);
	u = unit(2);
	assert_int_equal(u->n_raw, 1);
	assert_string_equal(u->raws[0].command, "stat 2");
	assert_non_null(strstr(u->raw, "CYCLE Times     :      666\n"));
	assert_null(strchr(u->raw, '\r'));
	/* The evidence, in JSON on request only. */
	{
		char *with = pt_records_to_json(R, true), *without = pt_records_to_json(R, false);

		assert_non_null(with);
		assert_non_null(without);
		assert_non_null(strstr(with, "\"command\":\"stat 2\""));
		assert_non_null(strstr(with, "CYCLE Times     :      666\\n"));
		assert_null(strstr(without, "\"raw\""));
		free(with);
		free(without);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(stat_us2000c, setup),
		cmocka_unit_test_setup(stat_us3000a_no_soh, setup),
		cmocka_unit_test_setup(stat_us5000, setup),
		cmocka_unit_test_setup(stat_sc_cmua, setup),
		cmocka_unit_test_setup(stat_force_h2_second_block, setup),
		cmocka_unit_test_setup(stat_pytes_refused, setup),
		cmocka_unit_test_setup(stat_new_firmware_fixture, setup),
		cmocka_unit_test_setup(stat_rejects_text, setup),
		cmocka_unit_test_setup(soh_us5000, setup),
		cmocka_unit_test_setup(soh_hv, setup),
		cmocka_unit_test_setup(soh_other_columns_fixture, setup),
		cmocka_unit_test_setup(soh_rejects_without_columns, setup),
		cmocka_unit_test_setup(log_us5000_pager, setup),
		cmocka_unit_test_setup(log_hv, setup),
		cmocka_unit_test_setup(log_bounded, setup),
		cmocka_unit_test_setup(time_captures, setup),
		cmocka_unit_test_setup(clock_offset, setup),
		cmocka_unit_test_setup(info_lv, setup),
		cmocka_unit_test_setup(info_hv_bmu_blocks, setup),
		cmocka_unit_test_setup(bmuinfo_run_in, setup),
		cmocka_unit_test_setup(sysinfo_hv, setup),
		cmocka_unit_test_setup(raw_kept, setup),
	};
	int rc;

	(void)tu_body;
	rc = cmocka_run_group_tests(tests, NULL, NULL);

	free(R);
	return rc;
}
