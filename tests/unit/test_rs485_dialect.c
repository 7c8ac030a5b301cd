/* test_rs485_dialect.c — replies into the sample: Pylontech (one pack,
 * eight packs in one reply), PACE, Seplos; units per dialect, the guess,
 * bounds, alarms and status bits, identity replies, and --decode text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rs485_dialect.h"
#include "util/err.h"

static char *
fixture(const char *name, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char path[1024];
	FILE *fp;
	char *buf;
	long n;

	snprintf(path, sizeof path, "%s/tests/fixtures/rs485/%s", top != NULL ? top : "..", name);
	if ((fp = fopen(path, "rb")) == NULL)
		fail_msg("%s: cannot open (run from make check, or set top_srcdir)", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* A reply frame around `info`, built here for the tests. */
static void
mkreply(char *out, size_t size, uint8_t ver, uint8_t adr, uint8_t rtn, const uint8_t *info,
    size_t n)
{
	size_t i, o;

	o = (size_t)snprintf(out, size, "~%02X%02X46%02X%04X", ver, adr, rtn,
	    rs485_length((uint16_t)(n * 2)));
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(out + o, size - o, "%02X", info[i]);
	snprintf(out + o, size - o, "%04X", rs485_checksum(out + 1, o - 1));
}

static struct rs485_frame *
frame_of(const char *text)
{
	static struct rs485_frame f;
	struct pt_diag d;

	pt_diag_clear(&d);
	if (rs485_decode(text, strlen(text), &f, &d) != 0)
		fail_msg("fixture frame does not decode: %s", d.error);
	return &f;
}

static struct pt_sample *
new_sample(void)
{
	struct pt_sample *s = malloc(sizeof *s);

	assert_non_null(s);
	pt_sample_init(s, NULL);
	return s;
}

static const struct pt_alarm *
find_alarm(const struct pt_sample *s, int module, int cell, const char *name)
{
	int i;

	for (i = 0; i < s->n_alarms; i++)
		if (s->alarms[i].module == module && s->alarms[i].cell == cell &&
		    strcmp(s->alarms[i].name, name) == 0)
			return &s->alarms[i];
	return NULL;
}

static void
test_pylontech_one_pack(void **state)
{
	struct pt_sample *s = new_sample();
	struct pt_diag d;
	const struct pt_module *m;
	size_t len;
	char *text = fixture("us2000_analog.txt", &len);

	(void)state;
	pt_diag_clear(&d);
	assert_int_equal(rs485_decode_text(text, len, "auto", s, &d), 0);
	assert_string_equal(s->protocol, "rs485");
	assert_string_equal(s->dialect, "pylontech");
	assert_int_equal(s->n_modules, 1);
	m = &s->modules[0];
	assert_int_equal(m->id, 2);
	assert_int_equal(m->n_cells, 15);
	assert_float_equal(m->cells[0].voltage, 3.226, 1e-6);
	assert_float_equal(m->cells[14].voltage, 3.225, 1e-6);
	assert_float_equal(m->voltage, 48.390, 1e-9);
	assert_true(PT_HAS(m, PTF_CURRENT));
	assert_float_equal(m->current, 0.0, 1e-9);
	assert_float_equal(m->remaining_ah, 6.415, 1e-9);
	assert_float_equal(m->full_ah, 50.0, 1e-9);
	assert_int_equal(m->cycles, 132);
	assert_float_equal(m->soc, 6.415 / 50.0 * 100, 1e-9);
	assert_false(PT_HAS(m, PTF_SOH));	/* no design capacity in Pylontech 0x42 */
	assert_string_equal(m->status, "Idle");
	/* T1 = BMS board; T2..T5 = cells 1-4 ... 13-15. */
	assert_int_equal(m->n_temps, 5);
	assert_float_equal(m->temperature, 20.1, 1e-9);
	assert_float_equal(m->temps[1], 17.0, 1e-5);
	assert_float_equal(m->temps[2], 17.2, 1e-5);
	assert_float_equal(m->temps[4], 18.4, 1e-5);
	/* Group sensors are the pack's sensors, not cell temperatures. */
	assert_false(PT_HAS(&m->cells[0], PTF_TEMPERATURE));
	assert_false(PT_HAS(&m->cells[14], PTF_TEMPERATURE));
	assert_float_equal(m->temp_min, 16.8, 1e-9);
	assert_float_equal(m->temp_max, 18.4, 1e-9);
	assert_int_equal(s->n_alarms, 0);
	free(text);
	free(s);
}

static void
test_pylontech_eight_packs(void **state)
{
	struct pt_sample *s = new_sample();
	struct pt_diag d;
	size_t len;
	char *text = fixture("us3000_all.txt", &len);
	int k;

	(void)state;
	pt_diag_clear(&d);
	assert_int_equal(rs485_decode_text(text, len, "pylontech", s, &d), 0);
	assert_int_equal(s->n_modules, 8);
	for (k = 0; k < 8; k++) {
		const struct pt_module *m = &s->modules[k];
		assert_int_equal(m->id, 2 + k);
		assert_int_equal(m->n_cells, 15);
		assert_float_equal(m->cells[0].voltage, 3.300 + k * 0.010, 1e-6);
		assert_float_equal(m->cells[14].voltage, 3.314 + k * 0.010, 1e-6);
		assert_float_equal(m->current, -1.5 - k, 1e-9);
		/* UD 4: 24-bit capacities in mAh, the FFFF fields ignored */
		assert_float_equal(m->remaining_ah, 37.0 + k, 1e-9);
		assert_float_equal(m->full_ah, 74.0, 1e-9);
		assert_float_equal(m->soc, (37.0 + k) / 74.0 * 100, 1e-9);
		assert_int_equal(m->cycles, 100 + k);
		assert_float_equal(m->temperature, 25.0 + k, 1e-9);
		assert_string_equal(m->status, "Discharge");
	}
	/* The same reply without its request: the layout is found anyway. */
	pt_sample_init(s, NULL);
	assert_int_equal(rs485_decode_text(strchr(strchr(text, '\n') + 1, '\n') + 1,
	    len - (size_t)(strchr(strchr(text, '\n') + 1, '\n') + 1 - text), NULL, s, &d), 0);
	assert_int_equal(s->n_modules, 8);
	assert_int_equal(s->modules[7].id, 9);
	free(text);
	free(s);
}

static void
test_pace_pack(void **state)
{
	struct pt_sample *s = new_sample();
	struct pt_diag d;
	const struct pt_module *m;
	const struct pt_alarm *a;
	size_t len;
	char *text = fixture("pace_pack.txt", &len);
	int i;

	(void)state;
	pt_diag_clear(&d);
	assert_int_equal(rs485_decode_text(text, len, NULL, s, &d), 0);
	assert_string_equal(s->dialect, "pace");
	assert_int_equal(s->n_modules, 1);
	m = &s->modules[0];
	assert_int_equal(m->id, 2);		/* INFO byte 1, not the master's ADR 01 */
	assert_int_equal(m->n_cells, 16);
	assert_float_equal(m->cells[5].voltage, 3.650, 1e-6);
	assert_float_equal(m->current, -12.34, 1e-9);		/* 10 mA */
	assert_float_equal(m->remaining_ah, 80.0, 1e-9);	/* 10 mAh */
	assert_float_equal(m->full_ah, 100.0, 1e-9);
	assert_float_equal(m->design_ah, 105.0, 1e-9);
	assert_float_equal(m->soc, 80.0, 1e-9);			/* remaining / full */
	assert_float_equal(m->soh, 100.0 / 105.0 * 100, 1e-9);
	assert_int_equal(m->cycles, 321);
	/* T1-T4 cell groups (offset 2730), T5 MOSFET, T6 environment */
	assert_int_equal(m->n_temps, 6);
	assert_float_equal(m->temps[0], 20.5, 1e-5);
	assert_float_equal(m->temps[3], 22.0, 1e-5);
	assert_false(PT_HAS(&m->cells[0], PTF_TEMPERATURE));
	assert_false(PT_HAS(&m->cells[15], PTF_TEMPERATURE));
	assert_float_equal(m->mos_temperature, 30.0, 1e-9);
	assert_float_equal(m->temps[5], 18.0, 1e-5);
	assert_float_equal(m->temperature, (20.5 + 21.0 + 21.5 + 22.0) / 4, 1e-9);
	assert_string_equal(m->status, "Discharge");
	assert_string_equal(m->barcode, "PPTBH0210001234");
	/* alarms of 0x44 */
	assert_non_null(a = find_alarm(s, 2, 5, "cell_overvoltage"));
	assert_int_equal(a->level, PT_LEVEL_ALARM);
	assert_float_equal(a->value, 3.650, 1e-6);
	assert_non_null(a = find_alarm(s, 2, -1, "mosfet_overtemperature"));
	assert_float_equal(a->value, 30.0, 1e-5);
	assert_non_null(a = find_alarm(s, 2, -1, "cell_overvoltage"));
	assert_int_equal(a->level, PT_LEVEL_PROTECT);
	assert_non_null(a = find_alarm(s, 2, -1, "ntc_fault"));
	assert_int_equal(a->level, PT_LEVEL_ALARM);
	assert_non_null(a = find_alarm(s, 2, -1, "charge_mosfet_off"));
	assert_int_equal(a->level, PT_LEVEL_INFO);
	assert_null(find_alarm(s, 2, -1, "discharge_mosfet_off"));
	assert_non_null(a = find_alarm(s, 2, -1, "cell_high_voltage"));
	assert_int_equal(a->level, PT_LEVEL_WARNING);
	assert_non_null(find_alarm(s, 2, -1, "mosfet_high_temperature"));
	assert_int_equal(s->n_alarms, 7);
	/* balancing: cells 6 and 9 */
	for (i = 0; i < 16; i++) {
		assert_true(PT_HAS(&m->cells[i], PTF_BALANCING));
		assert_int_equal(m->cells[i].balancing, i == 5 || i == 8);
	}
	assert_string_equal(pt_sample_word_text(s, m->cells[5].voltage_status), "High");
	assert_string_equal(pt_sample_word_text(s, m->cells[0].voltage_status), "Normal");
	free(text);
	free(s);
}

static void
test_seplos(void **state)
{
	struct pt_sample *s = new_sample();
	struct pt_diag d;
	const struct pt_module *m;
	size_t len;
	char *text = fixture("seplos_analog.txt", &len);
	int i;

	(void)state;
	pt_diag_clear(&d);
	assert_int_equal(rs485_decode_text(text, len, "auto", s, &d), 0);
	assert_string_equal(s->dialect, "seplos");
	m = &s->modules[0];
	assert_int_equal(m->id, 1);
	assert_int_equal(m->n_cells, 16);
	assert_float_equal(m->cells[0].voltage, 3.287, 1e-6);
	assert_float_equal(m->current, -6.76, 1e-9);
	assert_float_equal(m->voltage, 52.80, 1e-9);		/* 10 mV */
	assert_float_equal(m->remaining_ah, 133.90, 1e-9);
	assert_float_equal(m->full_ah, 170.00, 1e-9);
	assert_float_equal(m->design_ah, 180.00, 1e-9);
	assert_int_equal(m->cycles, 70);
	assert_float_equal(m->soh, 100.0, 1e-9);
	assert_float_equal(m->soc, 133.90 / 170.00 * 100, 1e-9);
	assert_float_equal(m->temps[0], 25.1, 1e-5);
	assert_false(PT_HAS(&m->cells[0], PTF_TEMPERATURE));
	assert_float_equal(m->temps[4], 25.0, 1e-5);		/* environment */
	assert_float_equal(m->mos_temperature, 24.7, 1e-9);
	/* Forced to pylontech, the same frame decodes nonsense and says so. */
	pt_sample_init(s, NULL);
	pt_diag_clear(&d);
	assert_int_equal(rs485_decode_text(text, len, "pylontech", s, &d), 0);
	for (i = 0; i < d.n_warnings && i < PT_DIAG_MAX; i++)
		if (strstr(d.warnings[i], "is the dialect (pylontech) right?") != NULL)
			break;
	assert_true(i < d.n_warnings);
	free(text);
	free(s);
}

/* One 0x42 INFO, three dialects: only the units change. */
static void
test_units_per_dialect(void **state)
{
	static const uint8_t info[] = { 0x00, 0x01, 0x02, 0x0C, 0xE4, 0x0C, 0xE4,
	    0x01, 0x0B, 0xA5, 0xFF, 0x9C, 0x19, 0xC8, 0x27, 0x10, 0x02, 0x4E, 0x20,
	    0x01, 0x02 };
	struct pt_sample *s = new_sample();
	struct pt_diag d;
	char text[200];
	struct rs485_frame *f;

	(void)state;
	mkreply(text, sizeof text, 0x20, 1, 0, info, sizeof info);
	f = frame_of(text);
	pt_diag_clear(&d);
	assert_int_equal(rs485_parse_analog(f, RS_PYLONTECH, s, &d), 0);
	assert_float_equal(s->modules[0].current, -10.0, 1e-9);	/* -100 x 100 mA */
	assert_float_equal(s->modules[0].voltage, 6.600, 1e-9);
	assert_float_equal(s->modules[0].remaining_ah, 10.0, 1e-9);	/* mAh */
	assert_float_equal(s->modules[0].full_ah, 20.0, 1e-9);
	assert_float_equal(s->modules[0].temps[0], 25.0, 1e-5);	/* 2981 - 2731 */
	assert_int_equal(s->modules[0].cycles, 258);
	pt_sample_init(s, NULL);
	assert_int_equal(rs485_parse_analog(f, RS_PACE, s, &d), 0);
	assert_float_equal(s->modules[0].current, -1.0, 1e-9);	/* 10 mA */
	assert_float_equal(s->modules[0].voltage, 6.600, 1e-9);
	assert_float_equal(s->modules[0].remaining_ah, 100.0, 1e-9);	/* 10 mAh */
	assert_float_equal(s->modules[0].full_ah, 200.0, 1e-9);
	assert_float_equal(s->modules[0].temps[0], 25.1, 1e-5);	/* 2981 - 2730 */
	pt_sample_init(s, NULL);
	assert_int_equal(rs485_parse_analog(f, RS_SEPLOS, s, &d), PT_ERR_TRUNCATED);
	free(s);
}

static void
test_guess(void **state)
{
	/* VER 20, 16 cells of 3.3 V, voltage in mV, 100 Ah in 10 mAh (10000). */
	uint8_t info[60];
	struct pt_diag d;
	char text[300];
	size_t n = 0;
	int i;

	(void)state;
	info[n++] = 0;
	info[n++] = 1;
	info[n++] = 16;
	for (i = 0; i < 16; i++) {
		info[n++] = 0x0C;
		info[n++] = 0xE4;
	}
	info[n++] = 0;
	info[n++] = 0; info[n++] = 0;			/* current */
	info[n++] = 0xCE; info[n++] = 0x40;		/* 52.800 V */
	info[n++] = 0x13; info[n++] = 0x88;		/* remaining 5000 */
	info[n++] = 2;
	info[n++] = 0x27; info[n++] = 0x10;		/* full 10000 */
	info[n++] = 0; info[n++] = 5;
	mkreply(text, sizeof text, 0x20, 1, 0, info, n);
	pt_diag_clear(&d);
	assert_int_equal(rs485_guess(frame_of(text), &d), RS_PACE);
	assert_int_equal(d.n_warnings, 1);
	assert_non_null(strstr(d.warnings[0], "10 mAh"));
	/* 50 Ah in mAh: Pylontech, no warning */
	info[n - 5] = 0xC3; info[n - 4] = 0x50;
	mkreply(text, sizeof text, 0x20, 1, 0, info, n);
	pt_diag_clear(&d);
	assert_int_equal(rs485_guess(frame_of(text), &d), RS_PYLONTECH);
	assert_int_equal(d.n_warnings, 0);
	/* VER 25: PACE whatever the content */
	mkreply(text, sizeof text, 0x25, 1, 0, info, n);
	assert_int_equal(rs485_guess(frame_of(text), &d), RS_PACE);
	/* a voltage that fits nothing: pylontech, with a warning */
	info[3 + 32 + 1 + 2] = 0x10;
	mkreply(text, sizeof text, 0x20, 1, 0, info, n);
	pt_diag_clear(&d);
	assert_int_equal(rs485_guess(frame_of(text), &d), RS_PYLONTECH);
	assert_int_equal(d.n_warnings, 1);
	assert_int_equal(rs485_dialect_of("pace"), RS_PACE);
	assert_int_equal(rs485_dialect_of("auto"), RS_AUTO);
	assert_int_equal(rs485_dialect_of(NULL), RS_AUTO);
	assert_int_equal(rs485_dialect_of("modbus"), -1);
	assert_int_equal(rs485_dialect_info(RS_PACE)->temp_offset, 2730);
	assert_int_equal(rs485_dialect_info(RS_PYLONTECH)->first_pack, 2);
	assert_int_equal(rs485_dialect_info(RS_PACE)->ver, 0x25);
}

/* Counts that do not fit, counts above the caps, every truncation. */
static void
test_bounds(void **state)
{
	static const char us2000[] = "~20024600C06E10020F0C9A0C980C990C980C9A0C9A0C990C9B0C9C"
	    "0C9A0C9B0C9B0C9B0C9B0C99050B740B550B570B530B630000BD06190F02C3500084E545";
	struct rs485_frame f, *g;
	struct pt_sample *s = new_sample();
	struct pt_diag d;
	char text[300];
	size_t n;

	(void)state;
	pt_diag_clear(&d);
	assert_int_equal(rs485_decode(us2000, strlen(us2000), &f, &d), 0);
	for (n = 0; n < f.info_len; n++) {
		mkreply(text, sizeof text, 0x20, 2, 0, f.info, n);
		g = frame_of(text);
		pt_sample_init(s, NULL);
		pt_diag_clear(&d);
		assert_true(rs485_parse_analog_cmd(g, RS_PYLONTECH, 2, s, &d) < 0);
		assert_true(d.error[0] != '\0');
		assert_int_equal(s->n_modules, 0);	/* nothing half-written */
	}
	/* 33 cells, 17 temperatures */
	f.info[2] = 33;
	mkreply(text, sizeof text, 0x20, 2, 0, f.info, f.info_len);
	pt_diag_clear(&d);
	assert_int_equal(rs485_parse_analog(frame_of(text), RS_PYLONTECH, s, &d), PT_ERR_PARSE);
	assert_non_null(strstr(d.error, "33 cells"));
	f.info[2] = 15;
	f.info[3 + 30] = 17;
	mkreply(text, sizeof text, 0x20, 2, 0, f.info, f.info_len);
	assert_int_equal(rs485_parse_analog(frame_of(text), RS_PYLONTECH, s, &d), PT_ERR_PARSE);
	assert_non_null(strstr(d.error, "17 temperatures"));
	/* 20 cells announced in 55 bytes: does not fit (the "temperature
	 * count" is then a cell byte, 0x0C: the tail runs out) */
	f.info[3 + 30] = 5;
	f.info[2] = 20;
	mkreply(text, sizeof text, 0x20, 2, 0, f.info, f.info_len);
	pt_sample_init(s, NULL);
	assert_true(rs485_parse_analog(frame_of(text), RS_PYLONTECH, s, &d) < 0);
	assert_int_equal(s->n_modules, 0);
	/* 26 cells: the cells alone overrun the reply */
	f.info[2] = 26;
	mkreply(text, sizeof text, 0x20, 2, 0, f.info, f.info_len);
	assert_int_equal(rs485_parse_analog(frame_of(text), RS_PYLONTECH, s, &d), PT_ERR_TRUNCATED);
	assert_non_null(strstr(d.error, "26 cells do not fit"));
	/* 0x44: cells that do not fit; 40 cells */
	{
		uint8_t al[] = { 0, 2, 15, 0, 0, 0 };
		mkreply(text, sizeof text, 0x20, 2, 0, al, sizeof al);
		assert_int_equal(rs485_parse_alarm(frame_of(text), RS_PYLONTECH, 2, s, &d),
		    PT_ERR_TRUNCATED);
		al[2] = 40;
		mkreply(text, sizeof text, 0x20, 2, 0, al, sizeof al);
		assert_int_equal(rs485_parse_alarm(frame_of(text), RS_PYLONTECH, 2, s, &d),
		    PT_ERR_PARSE);
	}
	free(s);
}

static void
test_pylontech_alarms(void **state)
{
	uint8_t al[64];
	struct pt_sample *s = new_sample();
	struct pt_diag d;
	const struct pt_alarm *a;
	char text[300];
	size_t n = 0;
	int i;

	(void)state;
	al[n++] = 0x11;
	al[n++] = 3;
	al[n++] = 15;
	for (i = 0; i < 15; i++)
		al[n++] = i == 3 ? 1 : 0;
	al[n++] = 5;
	al[n++] = 2;			/* T1 board above the limit */
	for (i = 0; i < 4; i++)
		al[n++] = 0;
	al[n++] = 0; al[n++] = 0; al[n++] = 0xF0;	/* discharge current: other error */
	al[n++] = 0x01;			/* Status1: module over-voltage */
	al[n++] = 0x0E;			/* Status2: MOSFETs on */
	al[n++] = 0x80;			/* Status3: charging */
	al[n++] = 0x04;			/* Status4: cell 3 failed */
	al[n++] = 0x00;
	al[n++] = 0x00;			/* the extra byte real packs send */
	mkreply(text, sizeof text, 0x20, 3, 0, al, n);
	pt_diag_clear(&d);
	assert_int_equal(rs485_parse_alarm(frame_of(text), RS_PYLONTECH, 3, s, &d), 0);
	assert_int_equal(s->modules[0].id, 3);
	assert_non_null(a = find_alarm(s, 3, 3, "cell_undervoltage"));
	assert_int_equal(a->level, PT_LEVEL_ALARM);
	assert_non_null(find_alarm(s, 3, -1, "board_overtemperature"));
	assert_non_null(find_alarm(s, 3, -1, "discharge_fault"));
	assert_non_null(a = find_alarm(s, 3, -1, "module_overvoltage"));
	assert_int_equal(a->level, PT_LEVEL_PROTECT);
	assert_non_null(find_alarm(s, 3, 2, "cell_failure"));
	assert_null(find_alarm(s, 3, -1, "charge_mosfet_off"));
	assert_int_equal(s->n_alarms, 5);
	assert_string_equal(s->modules[0].status, "Charge");
	assert_string_equal(pt_sample_word_text(s, s->modules[0].cells[3].voltage_status), "Low");
	/* without the five status bytes */
	mkreply(text, sizeof text, 0x20, 3, 0, al, n - 6);
	assert_int_equal(rs485_parse_alarm(frame_of(text), RS_PYLONTECH, 3, s, &d),
	    PT_ERR_TRUNCATED);
	free(s);
}

static void
test_identity_replies(void **state)
{
	static const uint8_t sn[] = { 2, 'H', 'P', 'T', 'C', 'R', '0', '3', '1', '7', '1', '1',
	    '1', '2', '5', '9', '0' };
	static const uint8_t fw[] = { 4, 1, 2, 3, 4, 5 };
	static const uint8_t mf[] = { 'U', 'S', '2', '0', '0', '0', 'C', 0, 0, 0, 1, 7, 'P', 'y',
	    'l', 'o', 'n', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-',
	    '-' };
	struct pt_sample *s = new_sample();
	struct pt_diag d;
	char text[300];
	int count = 0;

	(void)state;
	pt_diag_clear(&d);
	mkreply(text, sizeof text, 0x20, 2, 0, sn, sizeof sn);
	assert_int_equal(rs485_parse_reply(frame_of(text), RS_PYLONTECH, 0x93, 2, s, &d), 0);
	assert_string_equal(s->modules[0].barcode, "HPTCR03171112590");
	mkreply(text, sizeof text, 0x20, 4, 0, fw, sizeof fw);
	assert_int_equal(rs485_parse_reply(frame_of(text), RS_PYLONTECH, 0x96, 4, s, &d), 0);
	assert_string_equal(pt_sample_find_module(s, 4)->firmware, "1.2 (main 3.4.5)");
	mkreply(text, sizeof text, 0x20, 2, 0, mf, sizeof mf);
	assert_int_equal(rs485_parse_reply(frame_of(text), RS_PYLONTECH, 0x51, 2, s, &d), 0);
	assert_string_equal(s->stack.model, "US2000C");
	assert_string_equal(s->stack.firmware, "1.7");
	assert_string_equal(s->modules[0].model, "US2000C");
	/* 0x92 of the spec (§8.2) */
	assert_int_equal(rs485_parse_reply(frame_of("~20024600B014026EF05AA0022BFDD5C0F915"),
	    RS_PYLONTECH, 0x92, 2, s, &d), 0);
	assert_float_equal(s->modules[0].charge_voltage, 28.4, 1e-9);
	assert_float_equal(s->modules[0].charge_limit, 55.5, 1e-9);
	assert_float_equal(s->modules[0].discharge_limit, 55.5, 1e-9);
	assert_null(find_alarm(s, 2, -1, "charge_disabled"));
	/* PACE pack count (§5.2) */
	assert_int_equal(rs485_parse_pack_count(frame_of("~25014600E00205FD32"), &count, &d), 0);
	assert_int_equal(count, 5);
	assert_int_equal(rs485_parse_pack_count(frame_of("~25014600E00200FD37"), &count, &d),
	    PT_ERR_PARSE);
	/* a command without a decoder */
	assert_int_equal(rs485_parse_reply(frame_of("~25014600E00205FD32"), RS_PACE, 0xB1, 1, s,
	    &d), PT_ERR_UNSUPPORTED);
	free(s);
}

static void
test_params(void **state)
{
	/* US5000 0x47 payload of §8.1 */
	static const uint8_t p47[] = { 0x10, 0x0E, 0x42, 0x0B, 0xEA, 0x0A, 0xF0, 0x0D, 0x03, 0x0A,
	    0x47, 0x03, 0xE8, 0xD2, 0xF0, 0xB3, 0xB0, 0xA7, 0xF8, 0x0D, 0x03, 0x0A, 0x47, 0xFC,
	    0x18 };
	struct rs485_params p;
	struct pt_diag d;
	char text[200];

	(void)state;
	pt_diag_clear(&d);
	mkreply(text, sizeof text, 0x20, 2, 0, p47, sizeof p47);
	assert_int_equal(rs485_parse_params(frame_of(text), &p, &d), 0);
	assert_float_equal(p.cell_high_v, 3.65, 1e-9);
	assert_float_equal(p.cell_low_v, 3.05, 1e-9);
	assert_float_equal(p.cell_under_v, 2.80, 1e-9);
	assert_float_equal(p.charge_high_c, 60.0, 1e-9);
	assert_float_equal(p.charge_low_c, -10.0, 1e-9);
	assert_float_equal(p.charge_limit_a, 100.0, 1e-9);
	assert_float_equal(p.module_high_v, 54.0, 1e-9);
	assert_float_equal(p.module_under_v, 43.0, 1e-9);
	assert_float_equal(p.discharge_limit_a, -100.0, 1e-9);
	mkreply(text, sizeof text, 0x20, 2, 0, p47, sizeof p47 - 1);
	assert_int_equal(rs485_parse_params(frame_of(text), &p, &d), PT_ERR_TRUNCATED);
}

static void
test_decode_text_errors(void **state)
{
	static const char rtn[] = "~20024642E00202FD33\n~200246040000FDAE\n";
	static const char bad[] = "# a comment\n\n~20024642E00202FD33\n~20024600C06E10020F0C9A0C"
	    "980C990C980C9A0C9A0C990C9B0C9C0C9A0C9B0C9B0C9B0C9B0C99050B740B550B570B530B630000BD"
	    "06190F02C3500084E546\n";
	static const char only_req[] = "~20024642E00202FD33\r\n";
	struct pt_sample *s = new_sample();
	struct pt_diag d;

	(void)state;
	pt_diag_clear(&d);
	assert_int_equal(rs485_decode_text(rtn, strlen(rtn), NULL, s, &d), PT_ERR_DEVICE);
	assert_non_null(strstr(d.error, "line 2"));
	assert_non_null(strstr(d.error, "command not supported"));
	assert_int_equal(rs485_decode_text(bad, strlen(bad), NULL, s, &d), PT_ERR_CHECKSUM);
	assert_non_null(strstr(d.error, "line 4: checksum wrong"));
	assert_int_equal(s->n_modules, 0);
	assert_int_equal(rs485_decode_text(only_req, strlen(only_req), NULL, s, &d), PT_ERR_PARSE);
	assert_int_equal(rs485_decode_text(only_req, strlen(only_req), "modbus", s, &d),
	    PT_ERR_ARG);
	assert_int_equal(rs485_decode_text("hello\n", 6, NULL, s, &d), PT_ERR_PARSE);
	assert_non_null(strstr(d.error, "line 1"));
	free(s);
}

/* The pack a reply names: INFO[1] of 0x42/0x44, INFO[0] of 0x93; none
 * for PACE's C2 (known only by the request) or an all-packs byte. */
static void
test_reply_pack(void **state)
{
	/* §6.2 US2000 reply to ADR 2 */
	struct rs485_frame *f = frame_of("~20024600C06E10020F0C9A0C980C990C980C9A0C9A0C990C9B"
	    "0C9C0C9A0C9B0C9B0C9B0C9B0C99050B740B550B570B530B630000BD06190F02C3500084E545");

	(void)state;
	assert_int_equal(rs485_reply_pack(f, 0x42), 2);
	assert_int_equal(rs485_reply_pack(f, 0x44), 2);
	assert_int_equal(rs485_reply_pack(f, 0x93), 0x10);	/* INFO[0] is the DATAFLAG here */
	assert_int_equal(rs485_reply_pack(f, 0xC2), -1);
	assert_int_equal(rs485_reply_pack(f, 0x51), -1);
	f->info[1] = RS485_ALL_PACKS;
	assert_int_equal(rs485_reply_pack(f, 0x42), -1);
	f->info[1] = 0;
	assert_int_equal(rs485_reply_pack(f, 0x42), -1);
	f->info_len = 1;
	assert_int_equal(rs485_reply_pack(f, 0x42), -1);
}

/* A PACE (Jakiper) stack's all-packs 0x42 reply pasted without its
 * request: byte 1 is the pack count, every block says UD 2 but carries
 * design capacity and a SOC byte.  Every pack, numbered from 1. */
static void
test_pace_all_packs_lone(void **state)
{
	struct pt_sample *s = new_sample();
	struct pt_diag d;
	size_t len;
	char *text = fixture("pace_all_lone.txt", &len);
	int k;

	(void)state;
	pt_diag_clear(&d);
	assert_int_equal(rs485_decode_text(text, len, NULL, s, &d), 0);
	assert_int_equal(d.n_warnings, 0);
	assert_string_equal(s->dialect, "pace");
	assert_int_equal(s->n_modules, 2);
	for (k = 0; k < 2; k++) {
		const struct pt_module *m = &s->modules[k];
		assert_int_equal(m->id, 1 + k);
		assert_int_equal(m->n_cells, 16);
		assert_float_equal(m->cells[0].voltage, 3.301 + k * 0.050, 1e-6);
		assert_float_equal(m->cells[15].voltage, 3.316 + k * 0.050, 1e-6);
		assert_float_equal(m->current, k == 0 ? -4.5 : -4.6, 1e-9);
		assert_float_equal(m->design_ah, 100.0, 1e-9);
		assert_int_equal(m->cycles, k == 0 ? 99 : 31);
	}
	/* The same with --command "0x42 FF", and with the pack count known. */
	pt_sample_init(s, NULL);
	assert_int_equal(rs485_decode_text_as(text, len, "pace", RS485_CID2_ANALOG,
	    RS485_ALL_PACKS, s, &d), 0);
	assert_int_equal(s->n_modules, 2);
	assert_int_equal(s->modules[1].id, 2);
	assert_float_equal(s->modules[1].full_ah, 102.0, 1e-9);
	free(text);
	free(s);
}

/* A 4-pack all-packs 0x44 reply without its request: with --command 0x44
 * (or found by its blocks filling the reply) alarms of packs 2-5, and no
 * cell voltage at all (read as 0x42 it gave cells of 16 V). */
static void
test_alarm_all_packs_lone(void **state)
{
	struct pt_sample *s = new_sample();
	struct pt_diag d;
	size_t len;
	char *text = fixture("pylon_alarm_all_lone.txt", &len);
	int k, c, pass;

	(void)state;
	for (pass = 0; pass < 3; pass++) {
		pt_sample_init(s, NULL);
		pt_diag_clear(&d);
		if (pass == 0)
			assert_int_equal(rs485_decode_text_as(text, len, NULL, RS485_CID2_ALARM, -1,
			    s, &d), 0);
		else if (pass == 1)
			assert_int_equal(rs485_decode_text_as(text, len, "pylontech",
			    RS485_CID2_ALARM, RS485_ALL_PACKS, s, &d), 0);
		else {
			assert_int_equal(rs485_decode_text(text, len, NULL, s, &d), 0);
			assert_non_null(strstr(d.warnings[0], "--command"));
		}
		assert_int_equal(s->n_modules, 4);
		for (k = 0; k < 4; k++) {
			const struct pt_module *m = &s->modules[k];
			assert_int_equal(m->id, 2 + k);
			assert_false(PT_HAS(m, PTF_VOLTAGE));
			assert_string_equal(m->status, "Discharge");
			assert_int_equal(m->n_cells, 15);
			for (c = 0; c < m->n_cells; c++)
				assert_false(PT_HAS(&m->cells[c], PTF_VOLTAGE));
		}
		assert_non_null(find_alarm(s, 4, 1, "cell_overvoltage"));
		assert_int_equal(s->n_alarms, 1);
	}
	free(text);
	free(s);
}

/* --command for RS485: CID2 and maybe the pack, in hex; only commands
 * pylontop reads. */
static void
test_command_arg(void **state)
{
	static const char *const bad[] = { "", "stat", "0x95", "0x44 2 3", "44 zz", "0x142",
		"0xB2" };
	char why[200];
	int cid2, cmd;
	size_t i;

	(void)state;
	assert_int_equal(rs485_command_arg("0x44", &cid2, &cmd, why, sizeof why), 0);
	assert_int_equal(cid2, 0x44);
	assert_int_equal(cmd, -1);
	assert_int_equal(rs485_command_arg("42 FF", &cid2, &cmd, why, sizeof why), 0);
	assert_int_equal(cid2, RS485_CID2_ANALOG);
	assert_int_equal(cmd, RS485_ALL_PACKS);
	assert_int_equal(rs485_command_arg("0xc2 0x03", &cid2, &cmd, why, sizeof why), 0);
	assert_int_equal(cid2, RS485_CID2_PACE_BARCODE);
	assert_int_equal(cmd, 3);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why[0] = '\0';
		assert_int_equal(rs485_command_arg(bad[i], &cid2, &cmd, why, sizeof why),
		    PT_ERR_ARG);
		assert_non_null(strstr(why, "--command"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pylontech_one_pack),
		cmocka_unit_test(test_pylontech_eight_packs),
		cmocka_unit_test(test_pace_pack),
		cmocka_unit_test(test_seplos),
		cmocka_unit_test(test_units_per_dialect),
		cmocka_unit_test(test_guess),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_pylontech_alarms),
		cmocka_unit_test(test_identity_replies),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_decode_text_errors),
		cmocka_unit_test(test_reply_pack),
		cmocka_unit_test(test_pace_all_packs_lone),
		cmocka_unit_test(test_alarm_all_packs_lone),
		cmocka_unit_test(test_command_arg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
