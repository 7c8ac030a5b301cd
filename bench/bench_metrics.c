/* bench_metrics.c — CPU of one /metrics scrape of a 16 x 16 LV stack
 * (issue 16.3: at most 1 ms).  A real monitor (no device: the sample is
 * pushed into its history, so no acquisition thread runs) and the real libmicrohttpd
 * server; this thread scrapes it over TCP.  The server's CPU is the
 * process CPU minus this thread's, so the client's reads are not counted.
 * Median of REPEATS runs of SCRAPES scrapes.  Prints figures; asserts
 * nothing (the budget line says whether it holds). */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/monitor.h"
#include "export/metrics.h"
#include "util/clock.h"

#define SCRAPES		200
#define REPEATS		7
#define BUDGET_MS	1.0

static double
cpu_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
fill(struct pt_sample *s)
{
	pt_sample_init(s, "lv");
	s->time_ms = clock_wall_ms();
	PT_SET(&s->stack, voltage, PTF_VOLTAGE, 52.1);
	PT_SET(&s->stack, current, PTF_CURRENT, -20.5);
	PT_SET(&s->stack, soc, PTF_SOC, 61.0);
	for (int i = 0; i < 16; i++) {
		struct pt_module *m = pt_sample_module(s, i + 1);

		snprintf(m->barcode, sizeof m->barcode, "PPTBH0%09d", i);
		snprintf(m->model, sizeof m->model, "US3000C");
		PT_SET(m, voltage, PTF_VOLTAGE, 52.1 + i * 0.01);
		PT_SET(m, current, PTF_CURRENT, -1.25);
		PT_SET(m, temperature, PTF_TEMPERATURE, 24.1);
		PT_SET(m, soc, PTF_SOC, 61.0);
		PT_SET(m, soh, PTF_SOH, 98.0);
		PT_SET(m, cycles, PTF_CYCLES, 300L);
		m->cells_ms = s->time_ms;
		for (int k = 0; k < 16; k++) {
			struct pt_cell *c = pt_module_cell(m, k);

			PT_SET(c, voltage, PTF_VOLTAGE, 3.25f + (float)k * 0.001f);
			PT_SET(c, temperature, PTF_TEMPERATURE, 22.5f);
			PT_SET(c, soc, PTF_SOC, 61.0f);
			PT_SET(c, balancing, PTF_BALANCING, false);
		}
	}
}

/* One GET /metrics on a fresh connection; the body size, -1 on error. */
static long
scrape(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	static char buf[64 * 1024];
	long total = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof buf)) > 0)
		total += n;
	close(fd);
	return total;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(void)
{
	struct pt_config cfg;
	struct pt_sample *s = malloc(sizeof *s);
	struct monitor *m;
	struct metrics_server *srv = NULL;
	double runs[REPEATS];
	char err[300];
	long size = 0;
	int port = 0;

	config_defaults(&cfg);
	if (s == NULL || (m = monitor_new(&cfg, NULL, 0, err, sizeof err)) == NULL) {
		fprintf(stderr, "bench_metrics: %s\n", s == NULL ? "out of memory" : err);
		return 1;
	}
	fill(s);
	pt_sample_derive(s);
	history_push(monitor_history(m), s);
	srand((unsigned)getpid());
	for (int i = 0; i < 20 && srv == NULL; i++) {
		port = 30000 + rand() % 20000;
		srv = metrics_server_start(m, "bench", "127.0.0.1", port, err, sizeof err);
	}
	if (srv == NULL) {
		fprintf(stderr, "bench_metrics: %s\n", err);
		return 1;
	}
	for (int r = 0; r < REPEATS; r++) {
		double p0 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID), t0 = cpu_ms(CLOCK_THREAD_CPUTIME_ID);

		for (int i = 0; i < SCRAPES; i++)
			if ((size = scrape(port)) <= 0) {
				fprintf(stderr, "bench_metrics: scrape failed\n");
				return 1;
			}
		runs[r] = ((cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - p0) -
		    (cpu_ms(CLOCK_THREAD_CPUTIME_ID) - t0)) / SCRAPES;
	}
	qsort(runs, REPEATS, sizeof runs[0], cmp_double);
	printf("metrics scrape, 16 modules x 16 cells: %ld bytes (with headers)\n", size);
	printf("  server CPU per scrape: median %.3f ms (min %.3f, max %.3f; %d runs x %d)\n",
	    runs[REPEATS / 2], runs[0], runs[REPEATS - 1], REPEATS, SCRAPES);
	printf("  budget %.1f ms: %s\n", BUDGET_MS, runs[REPEATS / 2] <= BUDGET_MS ? "met" : "EXCEEDED");
	metrics_server_stop(srv);
	monitor_free(m);
	free(s);
	return 0;
}
