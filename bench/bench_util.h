/* bench_util.h — what the parse benches share: real answers to parse and
 * honest figures.
 *
 * Inputs: a capture from ../shared/protocols/captures (SHARED_DIR) when
 * present, else the project's own fixture; the figure names the file.
 * Figures: every call is timed on its own (CLOCK_MONOTONIC, ~25 ns of
 * overhead), the sample is reset between calls outside the timed part,
 * and the median, min and max of BENCH_ROUNDS calls are printed — the
 * median is what a reader compares; max shows the machine's noise. */
#ifndef PT_BENCH_UTIL_H
#define PT_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/console_frame.h"

#define BENCH_ROUNDS	2001

struct bench_input {
	char	*buf;		/* the whole file */
	size_t	 len;
	char	 path[512];	/* what was read, for the figure */
	size_t	 body_off, body_len;	/* the answer's body (console_frame) */
	size_t	 ans_off, ans_len;	/* from the echo to the prompt */
};

static inline double
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline char *
bench_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The answer to `cmd` in a recorded session: from the last "PROMPT>cmd"
 * echo on, framed by the product's framer. */
static inline int
bench_frame(struct bench_input *in, const char *cmd)
{
	struct console_frame fr;
	size_t n = strlen(cmd), i, start = 0;
	int found = 0;

	for (i = 1; i + n <= in->len; i++)
		if (in->buf[i - 1] == '>' && memcmp(in->buf + i, cmd, n) == 0 &&
		    (in->buf[i + n] == '\r' || in->buf[i + n] == '\n')) {
			start = i;
			found = 1;
		}
	if (!found || console_frame(in->buf + start, in->len - start, &fr) != CF_OK)
		return -1;
	in->ans_off = start;
	in->ans_len = fr.consumed;
	in->body_off = start + fr.body_off;
	in->body_len = fr.body_len;
	return 0;
}

/* Load the capture `capture` (SHARED_DIR/protocols/captures) or else the
 * fixture `fixture` (top_srcdir/tests/fixtures/console); 0 on success. */
static inline int
bench_load(struct bench_input *in, const char *capture, const char *fixture, const char *cmd)
{
	const char *shared = getenv("SHARED_DIR"), *top = getenv("top_srcdir");

	memset(in, 0, sizeof *in);
	if (capture != NULL && shared != NULL && shared[0] != '\0') {
		snprintf(in->path, sizeof in->path, "%s/protocols/captures/%s", shared, capture);
		if ((in->buf = bench_slurp(in->path, &in->len)) != NULL &&
		    bench_frame(in, cmd) == 0)
			return 0;
		free(in->buf);
		in->buf = NULL;
	}
	if (fixture == NULL) {
		printf("bench: no capture %s (SHARED_DIR): skipped\n", capture);
		return -1;
	}
	snprintf(in->path, sizeof in->path, "%s/tests/fixtures/console/%s",
	    top != NULL && top[0] != '\0' ? top : ".", fixture);
	if ((in->buf = bench_slurp(in->path, &in->len)) == NULL || bench_frame(in, cmd) != 0) {
		printf("bench: cannot read or frame %s (%s)\n", in->path, cmd);
		return -1;
	}
	return 0;
}

static inline const char *
bench_file(const struct bench_input *in)
{
	const char *s = strrchr(in->path, '/');

	return s != NULL ? s + 1 : in->path;
}

static inline int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct bench_stat {
	double	med, min, max;
};

/* Median, min and max of t[0..n) (sorted in place). */
static inline struct bench_stat
bench_stat(double *t, size_t n)
{
	qsort(t, n, sizeof *t, bench_cmp);
	return (struct bench_stat){ .med = t[n / 2], .min = t[0], .max = t[n - 1] };
}

#endif
