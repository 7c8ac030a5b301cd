/* test_memory.c — memory is paid for the stack that is there, not for
 * the bounds (issue 12.4).
 *
 *  - The BMS records (1.4 MiB at their bounds) are initialised, filled and
 *    copied touching only the units present: counted in resident pages
 *    (mincore) of an anonymous mapping, which holds no page until written.
 *  - Polling allocates no whole sample: the monitor polls pylontop-sim
 *    (HV 5 x 15 console, 4 RS485 packs) and every malloc/calloc/realloc of a sample's
 *    size or more, made between two samples once identification and the
 *    records round are over, is counted (the link wraps them:
 *    -Wl,--wrap=...).
 *
 * The history's own formula is checked in test_history. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/config.h"
#include "core/monitor.h"
#include "model/records.h"
#include "model/sample.h"
#include "util/clock.h"

#include "test_sim.h"

/* ---- counting big allocations ------------------------------------------ */

void	*__real_malloc(size_t n);
void	*__real_calloc(size_t n, size_t size);
void	*__real_realloc(void *p, size_t n);
void	*__wrap_malloc(size_t n);
void	*__wrap_calloc(size_t n, size_t size);
void	*__wrap_realloc(void *p, size_t n);

static atomic_bool counting;
static atomic_int big_allocs;

static void
count(size_t n)
{
	if (atomic_load(&counting) && n >= sizeof(struct pt_sample))
		atomic_fetch_add(&big_allocs, 1);
}

void *
__wrap_malloc(size_t n)
{
	count(n);
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	count(n * size);
	return __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t n)
{
	count(n);
	return __real_realloc(p, n);
}

/* ---- records: resident pages ------------------------------------------- */

static size_t
page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* A fresh anonymous mapping for one struct pt_records: no page resident. */
static struct pt_records *
map_records(size_t *len)
{
	void *p;

	*len = (sizeof(struct pt_records) + page_size() - 1) / page_size() * page_size();
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	return p;
}

static size_t
resident_bytes(const void *p, size_t len)
{
	size_t pages = len / page_size(), i, n = 0;
	unsigned char *vec = __real_malloc(pages);

	assert_non_null(vec);
	assert_int_equal(mincore((void *)p, len, vec), 0);
	for (i = 0; i < pages; i++)
		n += vec[i] & 1;
	free(vec);
	return n * page_size();
}

#define PAIRS	40	/* counters of `stat` per unit */
#define EVENTS	30	/* log entries per unit */

static void
test_records_touch_used_units(void **state)
{
	static const char answer[] = "Battery  Volt     Curr     Tempr\r\n"
	    "1        3300     -1250    22000\r\n";
	struct pt_records *a, *b;
	size_t len, unit = offsetof(struct pt_rec_unit, raw), want, ra, rb;
	int i, k;

	(void)state;
	a = map_records(&len);
	b = map_records(&len);
	/* An HV round: the controller (unit 0) and 5 BMUs, a few answers
	 * each. */
	pt_records_init(a);
	for (i = 0; i <= 5; i++) {
		struct pt_rec_unit *u = pt_records_unit(a, i, i == 0 ?
		    PT_REC_HV_CONTROLLER : PT_REC_HV_BMU);

		assert_non_null(u);
		snprintf(u->barcode, sizeof u->barcode, "HPTBH0200%06d", i);
		for (k = 0; k < 4; k++)
			pt_rec_keep_raw(u, "stat", answer, sizeof answer - 1, 1000 + k);
		/* Entries are added whole, as the parsers add them. */
		for (k = 0; k < PAIRS; k++)
			u->stat.all[u->stat.n_all++] = (struct pt_rec_pair){ .has_num = true,
			    .num = 100 * i + k };
		for (k = 0; k < EVENTS; k++)
			u->log.ev[u->log.n++] = (struct pt_rec_event){ .index = k, .code = "0x1" };
	}
	pt_records_copy(b, a);
	assert_int_equal(b->n, 6);
	assert_string_equal(b->u[3].barcode, "HPTBH0200000003");
	assert_int_equal(b->u[3].n_raw, 4);
	assert_memory_equal(&b->u[3].raw[b->u[3].raws[2].off], "Battery", 7);
	assert_int_equal(b->u[3].raw_len, a->u[3].raw_len);
	assert_int_equal(b->u[5].raw[b->u[5].raw_len], '\0');
	assert_int_equal(b->u[4].stat.n_all, PAIRS);
	assert_int_equal(b->u[4].stat.all[PAIRS - 1].num, 400 + PAIRS - 1);
	assert_int_equal(b->u[2].log.n, EVENTS);
	assert_int_equal(b->u[2].log.ev[EVENTS - 1].index, EVENTS - 1);
	assert_int_equal(b->u[2].soh.n, 0);

	/* Of each of the 6 units: the entries and answers it holds, and the
	 * pages where each of its 7 parts starts; far below the 1.4 MiB of
	 * the bounds (and the 44 KiB a unit has without its raw text). */
	want = 6 * (PAIRS * sizeof(struct pt_rec_pair) + EVENTS * sizeof(struct pt_rec_event) +
	    4 * sizeof answer + 8 * page_size()) + 2 * page_size();
	assert_true(want < 6 * unit);
	ra = resident_bytes(a, len);
	rb = resident_bytes(b, len);
	print_message("records: %zu bytes at the bounds; resident after init+fill %zu, "
	    "after copy %zu (want <= %zu)\n", sizeof(struct pt_records), ra, rb, want);
	assert_true(ra <= want);
	assert_true(rb <= want);
	munmap(a, len);
	munmap(b, len);
}

/* ---- polling: no whole-sample allocation -------------------------------- */

static uint64_t
samples(struct monitor *m)
{
	struct link_stats ls;

	monitor_link_stats(m, &ls);
	return ls.samples;
}

/* Wait (bounded) until the monitor has taken `n` samples. */
static bool
wait_samples(struct monitor *m, uint64_t n, int64_t ms)
{
	int64_t deadline = clock_mono_ms() + ms;

	while (samples(m) < n && clock_mono_ms() < deadline)
		usleep(20000);
	return samples(m) >= n;
}

/* Poll a simulated stack: no allocation of a whole sample between two
 * samples once identification (and the console's records round) is over. */
static void
poll_allocates_no_sample(const char *protocol, const char *modules, const char *cells,
    bool records)
{
	struct pt_config c;
	struct pt_records *r = __real_malloc(sizeof *r);
	struct monitor *m;
	char err[256];
	int64_t deadline;
	uint64_t from;

	assert_non_null(r);
	atomic_store(&big_allocs, 0);
	if (test_sim_start("memory", (const char *[]){ "--protocol", protocol,
	    "--modules", modules, "--cells", cells, NULL }) != 0) {
		test_sim_stop();
		free(r);
		skip();
	}
	config_defaults(&c);
	snprintf(c.device, sizeof c.device, "%s", test_sim_link);
	snprintf(c.protocol, sizeof c.protocol, "%s", protocol);
	c.interval_s = 0.1;
	c.csv_enabled = false;
	c.csv_path[0] = '\0';
	m = monitor_new(&c, NULL, 0, err, sizeof err);	/* no sinks */
	assert_non_null(m);
	assert_int_equal(monitor_start(m), 0);
	/* Identification, the records round read at start, and a sample. */
	deadline = clock_mono_ms() + 60000;
	while (records && monitor_records(m, r) == 0 && clock_mono_ms() < deadline)
		usleep(50000);
	assert_true(!records || r->n > 0);
	assert_true(wait_samples(m, samples(m) + 2, 30000));

	from = samples(m);
	atomic_store(&counting, true);
	assert_true(wait_samples(m, from + 6, 60000));
	atomic_store(&counting, false);
	print_message("polling %s: %d allocations of %zu bytes or more in %llu samples\n",
	    protocol, atomic_load(&big_allocs), sizeof(struct pt_sample),
	    (unsigned long long)(samples(m) - from));
	assert_int_equal(atomic_load(&big_allocs), 0);

	monitor_stop(m);
	monitor_free(m);
	test_sim_stop();
	free(r);
}

static void
test_console_poll_allocates_no_sample(void **state)
{
	(void)state;
	poll_allocates_no_sample("hv", "5", "15", true);
}

static void
test_rs485_poll_allocates_no_sample(void **state)
{
	(void)state;
	poll_allocates_no_sample("rs485", "4", "16", false);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_touch_used_units),
		cmocka_unit_test_teardown(test_console_poll_allocates_no_sample, test_sim_teardown),
		cmocka_unit_test_teardown(test_rs485_poll_allocates_no_sample, test_sim_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
