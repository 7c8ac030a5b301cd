/* test_energy.c — the energy meters (sink/energy.c), their state file
 * (sink/mqtt_state.c), the BMS log dedupe and the per-entity discovery
 * of HA_DISCOVERY_MODE=entity (sink/mqtt_diag.c, sink/mqtt_entity.c):
 * trapezoid and sign, a zero crossing split, gaps never bridged, totals
 * across a restart, a damaged file said and kept, log entries sent once,
 * the same unique_ids in both discovery modes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink/energy.h"
#include "sink/mqtt_diag.h"
#include "sink/mqtt_discovery.h"
#include "sink/mqtt_entity.h"
#include "sink/mqtt_state.h"

#define T0	1796400000000LL		/* some UTC ms */
#define EPS	1e-9

/* 1 kW charging for one hour in 1 s steps: 1 kWh charged, 0 discharged. */
static void
test_constant_power(void **state)
{
	struct energy_meter m = { 0 };
	int i;

	(void)state;
	for (i = 0; i <= 3600; i++)
		energy_meter_add(&m, T0 + i * 1000LL, 1000.0, 60);
	assert_true(fabs(m.charged_kwh - 1.0) < EPS);
	assert_true(m.discharged_kwh == 0);
	/* Discharging (negative power) goes to the other total. */
	for (i = 1; i <= 1800; i++)
		energy_meter_add(&m, T0 + 3600000LL + i * 1000LL, -2000.0, 60);
	assert_true(fabs(m.charged_kwh - 1.0) < 1e-3);	/* the crossing step */
	assert_true(m.discharged_kwh > 0.99 && m.discharged_kwh < 1.0 + 1e-9);
}

/* A ramp from +1000 W to -1000 W over 10 s crosses zero in the middle:
 * 5 s x 1000 W / 2 each way, not 0 net in one total. */
static void
test_zero_crossing_split(void **state)
{
	struct energy_meter m = { 0 };
	double half = 1000.0 * 5 / 2 / 3600 / 1000;	/* kWh */

	(void)state;
	energy_meter_add(&m, T0, 1000.0, 60);
	energy_meter_add(&m, T0 + 10000, -1000.0, 60);
	assert_true(fabs(m.charged_kwh - half) < EPS);
	assert_true(fabs(m.discharged_kwh - half) < EPS);
}

/* A gap longer than the bound, a clock going back, a non-finite power
 * and an explicit gap: nothing of those intervals is counted. */
static void
test_gaps_not_bridged(void **state)
{
	struct energy_meter m = { 0 };

	(void)state;
	energy_meter_add(&m, T0, 3600.0, 60);
	energy_meter_add(&m, T0 + 61000, 3600.0, 60);	/* 61 s > 60 s */
	assert_true(m.charged_kwh == 0);
	energy_meter_add(&m, T0 + 62000, 3600.0, 60);	/* 1 s: 1 Wh */
	assert_true(fabs(m.charged_kwh - 0.001) < EPS);
	energy_meter_add(&m, T0 + 50000, 3600.0, 60);	/* clock went back */
	assert_true(fabs(m.charged_kwh - 0.001) < EPS);
	energy_meter_add(&m, T0 + 51000, NAN, 60);	/* unknown power */
	energy_meter_add(&m, T0 + 52000, 3600.0, 60);
	assert_true(fabs(m.charged_kwh - 0.001) < EPS);
	energy_meter_gap(&m);				/* stale link */
	energy_meter_add(&m, T0 + 53000, 3600.0, 60);
	assert_true(fabs(m.charged_kwh - 0.001) < EPS);
	energy_meter_add(&m, T0 + 54000, 3600.0, 60);
	assert_true(fabs(m.charged_kwh - 0.002) < EPS);
}

static struct pt_sample *
sample(int n, int64_t t, double amps)
{
	struct pt_sample *s = calloc(1, sizeof *s);
	int i;

	s->time_ms = t;
	s->n_modules = n;
	for (i = 0; i < n; i++) {
		s->modules[i].id = i + 1;
		PT_SET(&s->modules[i], voltage, PTF_VOLTAGE, 50.0);
		PT_SET(&s->modules[i], current, PTF_CURRENT, amps);
	}
	PT_SET(&s->stack, power, PTF_POWER, 50.0 * amps * n);
	return s;
}

/* Modules by their id; one missing from a sample is not bridged over. */
static void
test_feed_by_module_id(void **state)
{
	char ids[3][ENERGY_ID_LEN] = { "pylontech_a", "pylontech_b", "pylontech_c" };
	struct energy e;
	struct pt_sample *s;
	int k;

	(void)state;
	energy_init(&e, 60);
	for (k = 0; k <= 10; k++) {
		s = sample(k == 5 ? 2 : 3, T0 + k * 1000LL, -72.0);	/* module c absent at 5 */
		energy_feed(&e, s, (const char (*)[ENERGY_ID_LEN])ids);
		free(s);
	}
	/* 3600 W discharge: 1 Wh a second; c misses 4->5 and 5->6. */
	assert_true(fabs(energy_module(&e, "pylontech_a")->discharged_kwh - 0.010) < EPS);
	assert_true(fabs(energy_module(&e, "pylontech_c")->discharged_kwh - 0.008) < EPS);
	assert_true(energy_module(&e, "pylontech_a")->charged_kwh == 0);
	/* The stack: 3 Wh/s, 2 Wh/s while c was absent (trapezoids 2.5). */
	assert_true(fabs(e.stack.discharged_kwh - 0.029) < EPS);
}

static char path[256], dir[64];

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/pt-test-energy.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sub/mqtt-state.json", dir);
	return 0;
}

static int
teardown_dir(void **state)
{
	char p[320];

	(void)state;
	snprintf(p, sizeof p, "%s/sub/mqtt-state.json", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/sub/mqtt-state.json.bad", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/sub", dir);
	rmdir(p);
	rmdir(dir);
	return 0;
}

/* Saved, then loaded by a new run: the same totals, no temp file left;
 * a missing file is no error. */
static void
test_state_roundtrip(void **state)
{
	struct energy e, back;
	struct mq_event_marks marks, mback;
	char err[800], tmp[300];
	struct stat st;

	(void)state;
	energy_init(&back, 60);
	assert_int_equal(mqtt_state_load(path, &back, &mback, err, sizeof err), 1);
	energy_init(&e, 60);
	e.stack.charged_kwh = 12.3456;
	e.stack.discharged_kwh = 7.5;
	energy_module(&e, "pylontech_x")->charged_kwh = 1.25;
	memset(&marks, 0, sizeof marks);
	marks.n = 1;
	strcpy(marks.u[0].id, "pylontech_x");
	marks.u[0].n = 2;
	marks.u[0].fp[0] = 0xdeadbeef;
	marks.u[0].fp[1] = 7;
	assert_int_equal(mqtt_state_save(path, &e, &marks, err, sizeof err), 0);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	assert_int_not_equal(stat(tmp, &st), 0);
	assert_int_equal(mqtt_state_load(path, &back, &mback, err, sizeof err), 0);
	assert_true(back.stack.charged_kwh == 12.3456 && back.stack.discharged_kwh == 7.5);
	assert_true(energy_module(&back, "pylontech_x")->charged_kwh == 1.25);
	assert_false(back.stack.have_last);	/* a restart is a gap */
	assert_int_equal(mback.n, 1);
	assert_int_equal(mback.u[0].n, 2);
	assert_true(mback.u[0].fp[0] == 0xdeadbeef && mback.u[0].fp[1] == 7);
}

/* A damaged file: one line naming it and what is wrong, moved to .bad
 * (kept, not overwritten), totals from 0. */
static void
test_state_damaged(void **state)
{
	static const char *const bad[] = {
		"{\"version\":1,\"energy\":{\"stack\":{\"charged_kwh\":\"x\"",
		"[1,2,3]",
		"{\"version\":2,\"energy\":{\"stack\":{\"charged_kwh\":1,\"discharged_kwh\":1}}}",
		"{\"version\":1,\"energy\":{\"stack\":{\"charged_kwh\":-1,\"discharged_kwh\":1}}}",
	};
	char err[800], badpath[300], text[200];
	struct energy e;
	size_t i;
	FILE *f;

	(void)state;
	snprintf(badpath, sizeof badpath, "%s.bad", path);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		mkdir(dir, 0755);
		snprintf(text, sizeof text, "%s/sub", dir);
		mkdir(text, 0755);
		assert_non_null(f = fopen(path, "w"));
		fputs(bad[i], f);
		fclose(f);
		energy_init(&e, 60);
		e.stack.charged_kwh = 99;
		assert_int_equal(mqtt_state_load(path, &e, NULL, err, sizeof err), -1);
		assert_true(e.stack.charged_kwh == 0);
		assert_non_null(strstr(err, path));
		assert_non_null(strstr(err, "damaged"));
		assert_non_null(strstr(err, badpath));
		assert_null(strchr(err, '\n'));
		assert_non_null(f = fopen(badpath, "r"));
		assert_non_null(fgets(text, sizeof text, f));
		fclose(f);
		assert_int_equal(strncmp(text, bad[i], strlen(text)), 0);
		assert_int_not_equal(access(path, F_OK), 0);
	}
}

static struct pt_rec_log *
log_of(int n, int first)
{
	struct pt_rec_log *l = calloc(1, sizeof *l);
	int i;

	l->present = true;
	l->n = n;
	for (i = 0; i < n; i++) {
		l->ev[i].index = first + n - 1 - i;	/* newest first */
		snprintf(l->ev[i].time, sizeof l->ev[i].time, "26-12-04 10:%02d:00",
		    first + n - 1 - i);
		strcpy(l->ev[i].module, "BMM");
		strcpy(l->ev[i].code, "2c48");
		strcpy(l->ev[i].text, "The device start charging.");
	}
	return l;
}

/* The first look only notes the log; later entries go out once; after a
 * restart (marks through JSON) nothing is sent again. */
static void
test_events_once(void **state)
{
	struct mq_event_marks marks, back;
	struct pt_rec_log *l5 = log_of(5, 0), *l7 = log_of(7, 0);
	int idx[PT_REC_MAX_EVENTS];
	bool changed;
	cJSON *j;

	(void)state;
	memset(&marks, 0, sizeof marks);
	assert_int_equal(mq_new_events(&marks, "pylontech_a", l5, idx, 128, &changed), 0);
	assert_true(changed);
	assert_int_equal(mq_new_events(&marks, "pylontech_a", l5, idx, 128, &changed), 0);
	assert_false(changed);
	assert_int_equal(mq_new_events(&marks, "pylontech_a", l7, idx, 128, &changed), 2);
	assert_int_equal(l7->ev[idx[0]].index, 6);
	assert_int_equal(l7->ev[idx[1]].index, 5);
	j = mq_event_marks_to_json(&marks);
	mq_event_marks_from_json(&back, j);
	cJSON_Delete(j);
	assert_int_equal(mq_new_events(&back, "pylontech_a", l7, idx, 128, &changed), 0);
	/* Another module's log is its own. */
	assert_int_equal(mq_new_events(&back, "pylontech_b", l7, idx, 128, &changed), 0);
	free(l5);
	free(l7);
}

struct got {
	int	n;
	char	topic[64][256];
	char	*payload[64];
};

static void
collect(void *ctx, const char *topic, char *payload)
{
	struct got *g = ctx;

	assert_true(g->n < 64);
	snprintf(g->topic[g->n], sizeof g->topic[g->n], "%s", topic);
	g->payload[g->n++] = payload;
}

/* Every component of a device config becomes one entity config with the
 * same unique_id, the device's state topic, device and availability; the
 * extension entities included.  mq_retained_config tells ours (and which
 * mode) from others'. */
static void
test_entity_mode_same_ids(void **state)
{
	struct mqtt_config cfg = { .discovery = true };
	struct mq_names names;
	struct mq_shape sh = { 0 };
	struct pt_sample *s = sample(1, T0, 10);
	char topic[300], dev[MQ_ID_LEN], *dev_cfg;
	enum mq_discovery_mode mode;
	cJSON *root, *cmps, *c;
	struct got g = { 0 };
	int i, n = 0;

	(void)state;
	strcpy(cfg.discovery_prefix, "homeassistant");
	mq_names_init(&names, &cfg, "rack1");
	strcpy(s->modules[0].barcode, "PPTBH02400012345");
	mq_shape_module(&sh, &s->modules[0]);
	dev_cfg = mq_module_config(&names, &s->modules[0], "pylontech_x", &sh, topic,
	    sizeof topic);
	dev_cfg = mq_ext_config(&names, "pylontech_x", dev_cfg, MQ_EXT_ENERGY | MQ_EXT_DIAG);
	assert_true(mq_retained_config("homeassistant", names.stack_id, topic, dev_cfg,
	    strlen(dev_cfg), &mode, dev));
	assert_int_equal(mode, MQ_MODE_DEVICE);
	assert_string_equal(dev, "pylontech_x");
	root = cJSON_Parse(dev_cfg);
	cmps = cJSON_GetObjectItem(root, "components");
	assert_int_equal(mq_entity_split("homeassistant", dev_cfg, collect, &g),
	    cJSON_GetArraySize(cmps));
	assert_non_null(cJSON_GetObjectItem(cmps, "energy_charged"));
	assert_non_null(cJSON_GetObjectItem(cmps, "bms_cycles"));
	cJSON_ArrayForEach(c, cmps) {
		char want[300];
		cJSON *e;

		snprintf(want, sizeof want, "homeassistant/%s/pylontech_x/%s/config",
		    cJSON_GetObjectItem(c, "platform")->valuestring, c->string);
		for (i = 0; i < g.n && strcmp(g.topic[i], want) != 0; i++)
			;
		assert_true(i < g.n);
		e = cJSON_Parse(g.payload[i]);
		assert_string_equal(cJSON_GetObjectItem(e, "unique_id")->valuestring,
		    cJSON_GetObjectItem(c, "unique_id")->valuestring);
		assert_null(cJSON_GetObjectItem(e, "platform"));
		assert_non_null(cJSON_GetObjectItem(e, "state_topic"));
		assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(e,
		    "device"), "identifiers"), 0)->valuestring, "pylontech_x");
		assert_non_null(cJSON_GetObjectItem(e, "availability"));
		assert_true(mq_retained_config("homeassistant", names.stack_id, g.topic[i],
		    g.payload[i], strlen(g.payload[i]), &mode, dev));
		assert_int_equal(mode, MQ_MODE_ENTITY);
		assert_string_equal(dev, "pylontech_x");
		cJSON_Delete(e);
		n++;
	}
	assert_int_equal(n, g.n);
	/* Someone else's config, and a malformed one, are not ours. */
	assert_false(mq_retained_config("homeassistant", names.stack_id,
	    "homeassistant/sensor/pylontech_x/voltage/config",
	    "{\"device\":{\"identifiers\":[\"pylontech_x\"],\"via_device\":\"other\"}}", 62,
	    &mode, dev));
	assert_false(mq_retained_config("homeassistant", names.stack_id,
	    "homeassistant/sensor/zigbee_lamp/power/config", "{}", 2, &mode, dev));
	assert_false(mq_retained_config("homeassistant", names.stack_id,
	    "homeassistant/sensor/pylontech_x/a/b/config", "{}", 2, &mode, dev));
	for (i = 0; i < g.n; i++)
		free(g.payload[i]);
	cJSON_Delete(root);
	free(dev_cfg);
	free(s);
}

/* The weakest cell by resistance ratio; null figures while unknown. */
static void
test_diag_state(void **state)
{
	struct health_module_report *h = calloc(1, sizeof *h);
	struct pt_rec_unit *u = calloc(1, sizeof *u);
	double ratio, dev;
	cJSON *o;
	char *text;
	int c, b, k;

	(void)state;
	text = mq_diag_state(NULL, NULL);
	o = cJSON_Parse(text);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "bms_soh")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "weakest_cell")));
	cJSON_Delete(o);
	free(text);
	h->n_cells = 4;
	for (c = 0; c < 4; c++) {
		h->cells[c].ir_ratio = c == 2 ? 2.1 : c == 3 ? NAN : 1.0;
		for (b = 0; b < HBAND_N; b++)
			for (k = 0; k < HB_N; k++)
				h->cells[c].dev_mv[b][k] = NAN;
	}
	h->cells[2].dev_mv[HBAND_MID][HB_MODERATE_DIS] = -38.0;
	assert_int_equal(mq_weakest_cell(h, &ratio, &dev), 2);
	assert_true(ratio == 2.1 && dev == -38.0);
	u->stat.present = true;
	u->stat.soh_pct = 97;
	u->stat.cycles = 312;
	u->clock.present = u->clock.has_offset = true;
	u->clock.offset_s = -3600.4;
	text = mq_diag_state(u, h);
	o = cJSON_Parse(text);
	assert_int_equal(cJSON_GetObjectItem(o, "bms_soh")->valueint, 97);
	assert_int_equal(cJSON_GetObjectItem(o, "bms_cycles")->valueint, 312);
	assert_true(cJSON_GetObjectItem(o, "bms_clock_offset")->valuedouble == -3600);
	assert_int_equal(cJSON_GetObjectItem(o, "weakest_cell")->valueint, 3);
	assert_true(cJSON_GetObjectItem(o, "weakest_cell_ir_ratio")->valuedouble == 2.1);
	assert_true(cJSON_GetObjectItem(o, "weakest_cell_load_deviation")->valuedouble == -38);
	cJSON_Delete(o);
	free(text);
	free(h);
	free(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constant_power),
		cmocka_unit_test(test_zero_crossing_split),
		cmocka_unit_test(test_gaps_not_bridged),
		cmocka_unit_test(test_feed_by_module_id),
		cmocka_unit_test_setup_teardown(test_state_roundtrip, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_state_damaged, setup_dir, teardown_dir),
		cmocka_unit_test(test_events_once),
		cmocka_unit_test(test_entity_mode_same_ids),
		cmocka_unit_test(test_diag_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
