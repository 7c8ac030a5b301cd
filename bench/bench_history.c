/* bench_history.c — cost of history_push and alarm_engine_eval for a
 * 16 x 16 stack, and the resident memory of a full history.  Prints
 * figures; asserts nothing.  Each eval figure includes copying the
 * sample (18 KiB) first, because eval adds its alarms to it.  The 24 h
 * figures push a day of samples every 2 s (the default interval). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alarms.h"
#include "core/history.h"

#define T0	1795449600000LL
#define MIB	(1024.0 * 1024.0)

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* VmRSS of this process in bytes, 0 when /proc is not there. */
static double
rss_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	double kb = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %lf kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

static void
fill_stack(struct pt_sample *s, int64_t t, uint32_t seq, const char *proto, int modules,
    int cells)
{
	struct pt_module *m;
	int i, k;
	double x = (seq % 100) / 100.0;

	pt_sample_init(s, proto);
	s->time_ms = t;
	s->seq = seq;
	PT_SET(&s->stack, voltage, PTF_VOLTAGE, 52.1 + x);
	PT_SET(&s->stack, current, PTF_CURRENT, -20 + x);
	PT_SET(&s->stack, power, PTF_POWER, -1040 + x);
	PT_SET(&s->stack, soc, PTF_SOC, 60 + x);
	PT_SET(&s->stack, temp_max, PTF_TEMP_MAX, 24 + x);
	for (i = 0; i < modules; i++) {
		m = pt_sample_module(s, i + 1);
		snprintf(m->barcode, sizeof m->barcode, "PPTBH0%09d", i);
		PT_SET(m, voltage, PTF_VOLTAGE, 52.1 + x);
		PT_SET(m, current, PTF_CURRENT, -1.25 + x);
		PT_SET(m, soc, PTF_SOC, 60 + x);
		PT_SET(m, temp_max, PTF_TEMP_MAX, 24 + x);
		PT_SET(m, temp_min, PTF_TEMP_MIN, 22 + x);
		PT_SET(m, error_code, PTF_ERROR_CODE, 0);
		for (k = 0; k < cells; k++) {
			struct pt_cell *c = pt_module_cell(m, k);
			PT_SET(c, voltage, PTF_VOLTAGE, (float)(3.25 + 0.001 * k + x / 50));
			PT_SET(c, temperature, PTF_TEMPERATURE, (float)(22 + x));
		}
	}
}

static void
fill(struct pt_sample *s, int64_t t, uint32_t seq)
{
	fill_stack(s, t, seq, "lv", 16, 16);
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* What a day of history costs in resident memory: RSS when history is
 * new, after the first EARLY pushes (what bench_rss.sh sees in a live
 * process) and after 24 h. */
#define EARLY	12

struct day_rss {
	double	start, early, end;	/* bytes */
	double	alloc;			/* history_memory at the end */
};

/* 24 h of samples every `every_ms` through history_push, as a running
 * pylontop pushes them: the memory that history holds after a day, and
 * the cost of a push (median, min, max of every push; NULL `t`: not
 * timed). */
static bool
day_run(const char *proto, int modules, int cells, int64_t every_ms, double *t, size_t *nt,
    struct day_rss *r)
{
	struct pt_sample *s = malloc(sizeof *s);
	struct history *h;
	int64_t ms;
	size_t n = 0;
	uint32_t seq = 0;

	if (s == NULL)
		return false;
	r->start = rss_bytes();
	if ((h = history_new()) == NULL) {
		free(s);
		return false;
	}
	for (ms = T0; ms < T0 + 86400000LL; ms += every_ms) {
		double t0;

		fill_stack(s, ms, seq, proto, modules, cells);
		t0 = now_ns();
		history_push(h, s);
		if (t != NULL && n < *nt)
			t[n++] = now_ns() - t0;
		if (++seq == EARLY)
			r->early = rss_bytes();
	}
	r->end = rss_bytes();
	r->alloc = (double)history_memory(h);
	if (nt != NULL)
		*nt = n;
	history_free(h);
	free(s);
	return true;
}

static void
day(const char *what, const char *proto, int modules, int cells, int64_t every_ms)
{
	static double t[86400];
	struct day_rss r;
	size_t n = sizeof t / sizeof t[0];

	if (!day_run(proto, modules, cells, every_ms, t, &n, &r))
		return;
	qsort(t, n, sizeof t[0], cmp_d);
	printf("history 24 h, %s (a push every %.0f s): RSS +%.2f MiB (allocated %.2f MiB; "
	    "+%.2f MiB after the first %d pushes); push median %.0f ns (min %.0f, max %.0f; "
	    "%zu pushes)\n", what, every_ms / 1000.0, (r.end - r.start) / MIB, r.alloc / MIB,
	    (r.end - r.early) / MIB, EARLY, t[n / 2], t[0], t[n - 1], n);
}

/* bench_history --growth PROTO MODULES CELLS: one line, "growth_kib N
 * alloc_kib M": the RSS a history gains from its first EARLY pushes to
 * 24 h (2 s apart), for bench_rss.sh, which adds it to the RSS of a live
 * process after EARLY samples. */
static int
growth(const char *proto, const char *modules, const char *cells)
{
	struct day_rss r;

	if (!day_run(proto, atoi(modules), atoi(cells), 2000, NULL, NULL, &r))
		return 1;
	printf("growth_kib %.0f alloc_kib %.0f\n", (r.end - r.early) / 1024, r.alloc / 1024);
	return 0;
}

int
main(int argc, char **argv)
{
	struct pt_sample *s = malloc(sizeof *s), *work = malloc(sizeof *work);
	struct alarm_config cfg;
	struct alarm_engine *e;
	struct history *h;
	double rss0, rss1, t, ns_push, ns_eval;
	int64_t ms;
	uint32_t seq = 0;
	long n_push = 0;
	int i;

	if (argc == 5 && strcmp(argv[1], "--growth") == 0) {
		free(s);
		free(work);
		return growth(argv[2], argv[3], argv[4]);
	}
	if (s == NULL || work == NULL)
		return 1;
	/* Separate processes would be cleaner; in one process, the day of
	 * the smaller stack goes first so its RSS growth is its own. */
	day("hv 5x15", "hv", 5, 15, 2000);
	day("lv 16x16", "lv", 16, 16, 2000);
	fill(s, T0, 0);
	rss0 = rss_bytes();
	if ((h = history_new()) == NULL)
		return 1;
	/* Fill every resolution over its whole range: one sample every
	 * 10 min for 30 days, every 2 s for the last day, every 250 ms for
	 * the last hour (every seconds bucket, the ring several times). */
	ns_push = 0;
	for (ms = T0; ms < T0 + 30 * 86400000LL; n_push++) {
		fill(s, ms, seq++);
		t = now_ns();
		history_push(h, s);
		ns_push += now_ns() - t;
		ms += ms < T0 + 29 * 86400000LL ? 600000 :
		    ms < T0 + 30 * 86400000LL - 3600000 ? 2000 : 250;
	}
	ns_push /= (double)n_push;
	rss1 = rss_bytes();
	printf("history: 16x16 full: RSS %.1f MiB (allocated %.1f MiB), push %.0f ns "
	    "(%ld pushes)\n", (rss1 - rss0) / MIB, (double)history_memory(h) / MIB, ns_push,
	    n_push);

	alarm_config_defaults(&cfg);
	e = alarm_engine_new(&cfg);
	if (e == NULL)
		return 1;
	fill(s, T0, 0);
	t = now_ns();
	for (i = 0; i < 20000; i++) {
		memcpy(work, s, sizeof *work);
		alarm_engine_eval(e, work, T0 + i);
	}
	printf("alarms: 16x16 healthy: eval %.0f ns per sample\n", (now_ns() - t) / 20000);
	t = now_ns();
	for (i = 0; i < 20000; i++) {
		memcpy(work, s, sizeof *work);
		work->modules[i % 16].cells[i % 7].voltage = (i / 16) % 2 ? 3.70f : 3.30f;
		alarm_engine_eval(e, work, T0 + i);
	}
	ns_eval = (now_ns() - t) / 20000;
	printf("alarms: 16x16 with 7 cells per module flapping: eval %.0f ns per sample\n",
	    ns_eval);
	alarm_engine_free(e);
	history_free(h);
	free(work);
	free(s);
	return 0;
}
