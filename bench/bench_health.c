/* bench_health.c — CPU cost of health_feed per sample for a 16 x 16
 * stack with a load step every other sample (the loop's own cost of
 * setting 17 times per sample is included) (the dearest case: every
 * cell takes a step), and of health_report.  Median of repeated runs.
 * Prints figures; asserts nothing (the budget is 5 us per sample). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/health.h"

#define T0		1795449600000LL
#define MODULES		16
#define CELLS		16
#define SAMPLES		4000
#define RUNS		7

static double
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
make(struct pt_sample *s, int k)
{
	double amps = k % 2 ? -25.0 : 5.0;
	int i, c;

	pt_sample_init(s, "rs485");
	s->time_ms = T0 + (int64_t)k * 1000;
	for (i = 0; i < MODULES; i++) {
		struct pt_module *m = pt_sample_module(s, i + 1);
		snprintf(m->barcode, sizeof m->barcode, "PPTBH%08d", i);
		PT_SET(m, current, PTF_CURRENT, amps);
		PT_SET(m, soc, PTF_SOC, 50.0);
		PT_SET(m, temperature, PTF_TEMPERATURE, 25.0);
		m->cells_ms = s->time_ms;
		for (c = 0; c < CELLS; c++) {
			struct pt_cell *pc = pt_module_cell(m, c);
			PT_SET(pc, voltage, PTF_VOLTAGE, (float)(3.3 + amps * 0.0008 + c * 0.0001));
			PT_SET(pc, balancing, PTF_BALANCING, false);
		}
	}
}

int
main(void)
{
	static struct pt_sample s[2];
	struct health_config cfg;
	struct health_report *r = malloc(sizeof *r);
	double feed[RUNS], rep[RUNS];
	int run, k;

	health_config_defaults(&cfg);
	for (run = 0; run < RUNS; run++) {
		struct health *h = health_new(&cfg);
		double t0, t;

		make(&s[0], 0);
		make(&s[1], 1);
		t0 = cpu_ns();
		for (k = 0; k < SAMPLES; k++) {
			/* Only the times change between the two templates. */
			struct pt_sample *p = &s[k % 2];
			int i;
			p->time_ms = T0 + (int64_t)k * 1000;
			for (i = 0; i < MODULES; i++)
				p->modules[i].cells_ms = p->time_ms;
			health_feed(h, p);
		}
		t = cpu_ns() - t0;
		feed[run] = t / SAMPLES / 1000.0;
		t0 = cpu_ns();
		health_report(h, r);
		rep[run] = (cpu_ns() - t0) / 1000.0;
		health_free(h);
	}
	qsort(feed, RUNS, sizeof feed[0], cmp);
	qsort(rep, RUNS, sizeof rep[0], cmp);
	printf("health_feed, %d x %d cells: %.2f us per sample (median of %d runs of %d)\n",
	    MODULES, CELLS, feed[RUNS / 2], RUNS, SAMPLES);
	printf("health_report, %d x %d cells: %.1f us (median of %d)\n", MODULES, CELLS,
	    rep[RUNS / 2], RUNS);
	free(r);
	return 0;
}
