/* test_rs485_session.c — the RS485 session against the simulator's RS485
 * part, through a link of this test's own (no pty, no sockets): discovery
 * of 1 and 8 packs in both dialects and auto, values equal to the model,
 * barcodes, alarms, bad checksums counted and never shown, only read-only
 * commands on the wire, stop and unplug. */
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

#include "core/session.h"
#include "proto/rs485.h"
#include "sim/sim_rs485.h"
#include "util/err.h"

/* The far end: a simulated stack behind a byte pipe. */
struct fake {
	struct sim_model model;
	const char	*dialect;
	char		 pending[8192];
	size_t		 plen, at;
	unsigned	 replies;
	unsigned	 bad_every;	/* spoil every Nth reply's checksum, 0 never */
	bool		 noise;		/* bytes of noise before each reply */
	bool		 noise_frame;	/* ... that look like a (short) frame */
	bool		 unplugged;
	int		 requests;
	int		 refused_seen;	/* requests outside the dialect's read-only table */
	enum rs485_dialect expect;	/* the dialect whose table requests must come from */
};

static ssize_t
fake_read(struct link *l, void *buf, size_t len, int timeout_ms)
{
	struct fake *f = l->priv;
	size_t n;

	if (f->unplugged)
		return PT_ERR_CLOSED;
	if (f->at >= f->plen) {
		/* Silence: let a little time pass, as a real read would. */
		struct timespec ts = { 0, (long)(timeout_ms < 5 ? timeout_ms : 5) * 1000000L };
		nanosleep(&ts, NULL);
		return 0;
	}
	/* Dribble the reply in small pieces: the framer must cope. */
	n = f->plen - f->at < 37 ? f->plen - f->at : 37;
	if (n > len)
		n = len;
	memcpy(buf, f->pending + f->at, n);
	f->at += n;
	return (ssize_t)n;
}

static int
fake_write(struct link *l, const void *buf, size_t len, int timeout_ms)
{
	struct fake *f = l->priv;
	struct rs485_frame fr;
	struct pt_diag d;
	size_t o = 0;
	int bad;

	(void)timeout_ms;
	if (f->unplugged)
		return PT_ERR_CLOSED;
	f->requests++;
	pt_diag_clear(&d);
	if (rs485_decode(buf, len, &fr, &d) != 0 ||
	    rs485_command_find(fr.cid2, f->expect) == NULL)
		f->refused_seen++;
	if (f->noise)
		o = (size_t)snprintf(f->pending, sizeof f->pending, f->noise_frame ?
		    "\x11noise~20\r" : "\x11noise~20");
	f->replies++;
	bad = f->bad_every != 0 && f->replies % f->bad_every == 0;
	o += sim_rs485_respond(&f->model, f->dialect, buf, len, f->pending + o,
	    sizeof f->pending - o, bad);
	f->plen = o;
	f->at = 0;
	return 0;
}

static int
fake_open(struct link *l)
{
	l->fd = 0;
	return 0;
}

static void
fake_close(struct link *l)
{
	l->fd = -1;
}

static const struct link_ops fake_ops = {
	.kind = "fake", .open = fake_open, .read = fake_read, .write = fake_write,
	.set_baud = NULL, .close = fake_close,
};

struct rig {
	struct fake	 fake;
	struct link	 link;
	struct pt_config cfg;
	struct session	*s;
	struct pt_sample sample;
	atomic_int	 stop;
};

static struct rig *
rig_new(const char *sim_dialect, int packs, const char *dialect, enum rs485_dialect expect)
{
	struct rig *r = calloc(1, sizeof *r);

	assert_non_null(r);
	sim_model_init(&r->fake.model, packs, 16, "", 7);
	sim_rs485_number(&r->fake.model, sim_dialect, SIM_RS485_GROUP_MAX);
	r->fake.dialect = sim_dialect;
	r->fake.expect = expect;
	r->link.ops = &fake_ops;
	r->link.priv = &r->fake;
	snprintf(r->link.spec, sizeof r->link.spec, "fake:%s", sim_dialect);
	fake_open(&r->link);
	config_defaults(&r->cfg);
	snprintf(r->cfg.protocol, sizeof r->cfg.protocol, "rs485");
	snprintf(r->cfg.dialect, sizeof r->cfg.dialect, "%s", dialect);
	r->s = session_new(&r->cfg, &r->link, &r->stop);
	assert_non_null(r->s);
	return r;
}

static void
rig_free(struct rig *r)
{
	session_free(r->s);
	free(r);
}

static int
poll_once(struct rig *r, bool slow)
{
	pt_sample_init(&r->sample, r->s->protocol);
	return r->s->ops->poll(r->s, &r->sample, slow);
}

/* Every module equals the model's pack, in wire order. */
static void
check_values(struct rig *r, int first_id)
{
	const struct sim_model *m = &r->fake.model;
	int k, c;

	assert_int_equal(r->sample.n_modules, m->modules);
	for (k = 0; k < m->modules; k++) {
		const struct pt_module *mod = &r->sample.modules[k];
		const struct sim_module *want = &m->m[k];
		assert_int_equal(mod->id, first_id + k);
		assert_int_equal(mod->n_cells, 16);
		double sum = 0;
		/* The model moves every second, during the poll too: values
		 * within its step, and each reply consistent in itself. */
		for (c = 0; c < 16; c++) {
			assert_float_equal(mod->cells[c].voltage, want->cell_v[c], 0.02);
			sum += mod->cells[c].voltage;
		}
		assert_float_equal(mod->voltage, sum, 1e-6);
		assert_float_equal(mod->voltage, want->voltage, 0.3);
		assert_float_equal(mod->soc, want->soc, 1.0);
		assert_true(PT_HAS(mod, PTF_CURRENT));
		assert_float_equal(mod->current, want->current, 1.0);
		assert_int_equal(mod->cycles, want->cycles);
		assert_float_equal(mod->full_ah, want->capacity_ah, 1e-6);
	}
}

static void
run_dialect(const char *sim, const char *dialect, enum rs485_dialect expect, int packs)
{
	struct rig *r = rig_new(sim, packs, dialect, expect);
	int first = strcmp(sim, "pace") == 0 ? 1 : 2, k;

	assert_int_equal(r->s->ops->identify(r->s), 0);
	assert_string_equal(r->s->protocol, "rs485");
	assert_string_equal(r->s->dialect, sim);
	assert_int_equal(r->s->modules, packs);
	assert_int_equal(poll_once(r, true), 0);
	assert_string_equal(r->sample.protocol, "rs485");
	assert_string_equal(r->sample.dialect, sim);
	check_values(r, first);
	/* Every pack's barcode and firmware under its own number (0x93/0x96,
	 * 0xC2/0xC1); the simulator gives each pack its own firmware. */
	for (k = 0; k < packs; k++) {
		const struct sim_module *want = &r->fake.model.m[k];
		const struct pt_module *got = pt_sample_find_module(&r->sample, want->id);

		assert_non_null(got);
		assert_string_equal(got->barcode, want->barcode);
		assert_true(got->firmware[0] != '\0');
		if (k > 0)
			assert_string_not_equal(got->firmware, r->sample.modules[0].firmware);
		assert_false(PT_HAS(&got->cells[0], PTF_TEMPERATURE));
	}
	if (first == 2) {
		assert_string_equal(r->sample.stack.model, "US3000C");
		assert_float_equal(r->sample.modules[0].charge_limit, 37.0, 1e-9);
	} else
		assert_string_equal(r->sample.modules[0].firmware, "P16S100A-1B470-1.04");
	/* A fast poll keeps the slow data. */
	assert_int_equal(poll_once(r, false), 0);
	assert_string_equal(r->sample.modules[0].barcode, r->fake.model.m[0].barcode);
	assert_int_equal(r->fake.refused_seen, 0);
	assert_int_equal(r->fake.model.write_count, 0);
	assert_int_equal(r->s->counters.checksum_errors, 0);
	assert_int_equal(r->s->counters.timeouts, 0);
	rig_free(r);
}

static void
test_pylontech_1(void **state)
{
	(void)state;
	run_dialect("pylontech", "pylontech", RS_PYLONTECH, 1);
}

static void
test_pylontech_8(void **state)
{
	(void)state;
	run_dialect("pylontech", "pylontech", RS_PYLONTECH, 8);
}

static void
test_pace_1(void **state)
{
	(void)state;
	run_dialect("pace", "pace", RS_PACE, 1);
}

static void
test_pace_8(void **state)
{
	(void)state;
	run_dialect("pace", "pace", RS_PACE, 8);
}

static void
test_auto(void **state)
{
	(void)state;
	/* Auto sends from every table; what it may send is any read-only code. */
	run_dialect("pylontech", "auto", RS_AUTO, 3);
	run_dialect("pace", "auto", RS_AUTO, 3);
	run_dialect("pace", "", RS_AUTO, 1);
}

static void
test_bad_checksums(void **state)
{
	struct rig *r = rig_new("pylontech", 4, "pylontech", RS_PYLONTECH);
	int i;

	(void)state;
	r->fake.noise = true;
	r->fake.bad_every = 3;
	/* Discovery too: a damaged reply means a pack is there. */
	assert_int_equal(r->s->ops->identify(r->s), 0);
	assert_int_equal(r->s->modules, 4);
	for (i = 0; i < 3; i++) {
		assert_int_equal(poll_once(r, i == 0), 0);
		check_values(r, 2);	/* the retry brought good data */
	}
	assert_true(r->s->counters.checksum_errors >= 4);
	assert_int_equal(r->s->counters.parse_errors, 0);
	/* Noise that ends like a frame: counted, and the reply after it used. */
	r->fake.noise_frame = true;
	r->fake.bad_every = 0;
	assert_int_equal(poll_once(r, false), 0);
	check_values(r, 2);
	assert_int_equal(r->s->counters.parse_errors, 8);
	rig_free(r);
}

static void
test_alarms(void **state)
{
	struct rig *r = rig_new("pace", 3, "pace", RS_PACE);
	const struct pt_alarm *a = NULL;
	int i;

	(void)state;
	r->fake.model.m[1].protect = true;
	assert_int_equal(r->s->ops->identify(r->s), 0);
	assert_int_equal(poll_once(r, false), 0);
	for (i = 0; i < r->sample.n_alarms; i++)
		if (strcmp(r->sample.alarms[i].name, "cell_overvoltage") == 0)
			a = &r->sample.alarms[i];
	assert_non_null(a);
	assert_int_equal(a->module, 2);
	assert_int_equal(a->level, PT_LEVEL_PROTECT);
	assert_int_equal(a->source, PT_ALARM_BMS);
	rig_free(r);
	r = rig_new("pylontech", 2, "pylontech", RS_PYLONTECH);
	r->fake.model.m[0].protect = true;
	assert_int_equal(r->s->ops->identify(r->s), 0);
	assert_int_equal(poll_once(r, false), 0);
	/* The protect fault flags the cell too; the module bit is there. */
	a = NULL;
	for (i = 0; i < r->sample.n_alarms; i++)
		if (strcmp(r->sample.alarms[i].name, "module_overvoltage") == 0)
			a = &r->sample.alarms[i];
	assert_non_null(a);
	assert_int_equal(a->module, 2);
	rig_free(r);
}

static void
test_nobody(void **state)
{
	/* PACE packs, but the user said pylontech: silence at ADR 2 (VER 20
	 * requests are taken by SOK firmware, so use a stack of one pack). */
	struct rig *r = rig_new("pace", 1, "seplos", RS_SEPLOS);

	(void)state;
	r->fake.model.modules = 0;
	assert_int_equal(r->s->ops->identify(r->s), PT_ERR_TIMEOUT);
	assert_non_null(strstr(r->s->error, "no pack answers"));
	assert_non_null(strstr(r->s->error, "--baud"));
	rig_free(r);
	r = rig_new("pace", 1, "modbus", RS_AUTO);
	assert_int_equal(r->s->ops->identify(r->s), PT_ERR_CONFIG);
	rig_free(r);
}

static void
test_stop_and_unplug(void **state)
{
	struct rig *r = rig_new("pylontech", 2, "pylontech", RS_PYLONTECH);

	(void)state;
	assert_int_equal(r->s->ops->identify(r->s), 0);
	r->stop = 1;
	assert_int_equal(poll_once(r, false), PT_ERR_CLOSED);
	r->stop = 0;
	r->fake.unplugged = true;
	assert_int_equal(poll_once(r, false), PT_ERR_CLOSED);
	rig_free(r);
}

/* One pack goes silent: the others still make a sample, and it says so. */
static void
test_one_pack_lost(void **state)
{
	struct rig *r = rig_new("pylontech", 3, "pylontech", RS_PYLONTECH);
	const struct pt_module *m;
	int64_t read_ms;
	char barcode[PT_TEXT_LEN];

	(void)state;
	assert_int_equal(r->s->ops->identify(r->s), 0);
	assert_int_equal(poll_once(r, true), 0);
	m = pt_sample_find_module(&r->sample, 4);
	assert_non_null(m);
	read_ms = m->cells_ms;
	assert_true(read_ms > 0);
	snprintf(barcode, sizeof barcode, "%s", m->barcode);
	r->fake.model.modules = 2;	/* ADR 4 stops answering */
	assert_int_equal(poll_once(r, false), 0);
	/* It stays, under its own identity, with its values unknown; its
	 * cells keep the time they were read (young: within their limit). */
	assert_int_equal(r->sample.n_modules, 3);
	m = pt_sample_find_module(&r->sample, 4);
	assert_non_null(m);
	assert_string_equal(m->barcode, barcode);
	assert_false(PT_HAS(m, PTF_VOLTAGE));
	assert_false(PT_HAS(m, PTF_SOC));
	assert_false(PT_HAS(m, PTF_CHARGE_LIMIT));
	assert_int_equal(m->cells_ms, read_ms);
	assert_true(pt_sample_find_module(&r->sample, 3)->cells_ms > read_ms - 1);
	assert_non_null(strstr(r->s->note, "2 of 3 packs"));
	assert_non_null(strstr(r->s->note, "address 4 silent"));
	assert_int_equal(r->s->counters.timeouts, 2);	/* the request and its retry */
	rig_free(r);
}

/* PACE firmware that answers C2 for the master whatever pack is named:
 * pack 2 would carry the master's barcode; it stays unknown instead. */
static void
test_pace_master_echo(void **state)
{
	struct rig *r = rig_new("pace", 3, "pace", RS_PACE);
	const struct pt_module *m;

	(void)state;
	memcpy(r->fake.model.m[1].barcode, r->fake.model.m[0].barcode,
	    sizeof r->fake.model.m[1].barcode);
	assert_int_equal(r->s->ops->identify(r->s), 0);
	assert_int_equal(poll_once(r, true), 0);
	m = pt_sample_find_module(&r->sample, 1);
	assert_string_equal(m->barcode, r->fake.model.m[0].barcode);
	m = pt_sample_find_module(&r->sample, 2);
	assert_string_equal(m->barcode, "");
	assert_string_equal(m->firmware, "");
	m = pt_sample_find_module(&r->sample, 3);
	assert_string_equal(m->barcode, r->fake.model.m[2].barcode);
	rig_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pylontech_1),
		cmocka_unit_test(test_pylontech_8),
		cmocka_unit_test(test_pace_1),
		cmocka_unit_test(test_pace_8),
		cmocka_unit_test(test_auto),
		cmocka_unit_test(test_bad_checksums),
		cmocka_unit_test(test_alarms),
		cmocka_unit_test(test_nobody),
		cmocka_unit_test(test_stop_and_unplug),
		cmocka_unit_test(test_one_pack_lost),
		cmocka_unit_test(test_pace_master_echo),
	};
	/* No quiet time between requests: nothing shares this bus. */
	setenv("PYLONTOP_RS485_GAP_MS", "0", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
