/* layout.c — sizing and number rules of the TUI, kept free of curses so
 * tests/unit/test_tui_layout.c can pin them down. */
#include "tui/layout.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/sample.h"

#define LABEL_W		4	/* "%3d " module id */
#define MEAN_W		6	/* "3.288 " module mean, deviation rows */
#define SPREAD_W	6	/* " 100mV" / " 4.5C" */

struct candidate {
	enum grid_format format;
	int	gap;
};

static const struct candidate absolute[] = {
	{ GF_VOLTS, 1 }, { GF_VOLTS, 0 }, { GF_MILLIVOLTS, 1 }, { GF_MILLIVOLTS, 0 },
};
static const struct candidate deviation[] = {
	{ GF_DEVIATION, 1 }, { GF_DEVIATION, 0 },
};
static const struct candidate temperature[] = {
	{ GF_TEMP1, 1 }, { GF_TEMP1, 0 }, { GF_TEMP0, 1 }, { GF_TEMP0, 0 },
};

static int
value_width(const struct grid_need *need, enum grid_format f)
{
	switch (f) {
	case GF_VOLTS:
		return 5;
	case GF_MILLIVOLTS:
		return 4;
	case GF_DEVIATION:
		return need->dev_w > 2 ? need->dev_w : 2;
	case GF_TEMP1:
		return need->temp1_w > 3 ? need->temp1_w : 4;
	case GF_TEMP0:
		return 3;
	}
	return 5;
}

/* Lay out one candidate; false when not one cell fits a line. */
static bool
try_candidate(const struct grid_need *need, const struct candidate *c, struct grid_layout *l)
{
	int room, max_per_line, n = need->max_cells > 0 ? need->max_cells : 1;

	l->format = c->format;
	l->gap = c->gap;
	l->value_w = value_width(need, c->format);
	l->cell_w = c->gap + l->value_w + 1;
	l->label_w = LABEL_W + (c->format == GF_DEVIATION ? MEAN_W : 0);
	l->spread_w = SPREAD_W;
	room = need->cols - l->label_w - l->spread_w;
	max_per_line = room / l->cell_w;
	if (max_per_line < 1)
		return false;
	l->lines_per_module = (n + max_per_line - 1) / max_per_line;
	/* Even lines: 8 + 7 reads better than 10 + 5. */
	l->per_line = (n + l->lines_per_module - 1) / l->lines_per_module;
	l->total_lines = need->modules * l->lines_per_module;
	l->fits = l->total_lines <= need->rows;
	return true;
}

/* The first candidate of a list that fits (on one line per module when
 * `one_line`); false when none does. */
static bool
first_fit(const struct grid_need *need, const struct candidate *list, size_t n, bool one_line,
    struct grid_layout *out)
{
	struct grid_layout l;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!try_candidate(need, &list[i], &l) || !l.fits)
			continue;
		if (one_line && l.lines_per_module != 1)
			continue;
		*out = l;
		return true;
	}
	return false;
}

/* The candidate needing the fewest lines (earliest on ties). */
static bool
fewest_lines(const struct grid_need *need, const struct candidate *list, size_t n,
    struct grid_layout *best, bool have)
{
	struct grid_layout l;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!try_candidate(need, &list[i], &l))
			continue;
		if (!have || l.total_lines < best->total_lines) {
			*best = l;
			have = true;
		}
	}
	return have;
}

#define N(a)	(sizeof (a) / sizeof (a)[0])

bool
layout_grid(const struct grid_need *need, struct grid_layout *out)
{
	const struct candidate *first = absolute;
	size_t nfirst = N(absolute);
	bool abs_ok = need->mode != GRID_DEVIATION, dev_ok = need->mode != GRID_ABSOLUTE;
	bool have = false;

	if (need->temps) {
		first = temperature;
		nfirst = N(temperature);
		dev_ok = false;
		abs_ok = true;
	}
	/* Absolute values whenever they all fit; mV from the mean when only
	 * that puts the whole stack on one screen (16 x 16 in 80 x 24). */
	if (abs_ok && (first_fit(need, first, nfirst, true, out) ||
	    first_fit(need, first, nfirst, false, out)))
		return true;
	if (dev_ok && (first_fit(need, deviation, N(deviation), true, out) ||
	    first_fit(need, deviation, N(deviation), false, out)))
		return true;
	if (abs_ok)
		have = fewest_lines(need, first, nfirst, out, have);
	if (dev_ok && need->mode == GRID_DEVIATION)
		have = fewest_lines(need, deviation, N(deviation), out, have);
	return have;
}

double
layout_tick_step(double lo, double hi, int want, int *decimals)
{
	double range = hi - lo, raw, mag, f, step;
	int d;

	if (want < 1)
		want = 1;
	if (!(range > 0) || !isfinite(range))
		range = fabs(hi) > 0 ? fabs(hi) * 0.01 : 1;
	raw = range / want;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
	d = (int)-floor(log10(step) + 1e-9);
	if (decimals != NULL)
		*decimals = d > 0 ? (d > 6 ? 6 : d) : 0;
	return step;
}

int64_t
layout_time_step(int64_t min_ms)
{
	static const int64_t steps[] = {
		1000, 2000, 5000, 10000, 15000, 30000,
		60000, 120000, 300000, 600000, 900000, 1800000,
		3600000, 7200000, 10800000, 21600000, 43200000,
		86400000, 172800000, 604800000,
	};
	size_t i;

	for (i = 0; i < N(steps); i++)
		if (steps[i] >= min_ms)
			return steps[i];
	return steps[N(steps) - 1];
}

int64_t
layout_age(char *buf, size_t size, int64_t age_ms)
{
	int64_t s, unit;

	if (age_ms < 0)
		age_ms = 0;	/* clocks of two threads: never "-1s" */
	s = age_ms / 1000;
	if (s < 120) {
		snprintf(buf, size, "%llds", (long long)s);
		unit = 1000;
	} else if (s < 3600) {
		snprintf(buf, size, "%lldm", (long long)(s / 60));
		unit = 60000;
	} else if (s < 48 * 3600) {
		snprintf(buf, size, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
		unit = 60000;
	} else {
		snprintf(buf, size, "%lldd%02lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
		unit = 3600000;
	}
	return unit - age_ms % unit;
}

/* ---- the weak cell ---------------------------------------------------------- */

static bool
module_mean(const struct pt_module *m, double *mean, double *lo, double *hi)
{
	double sum = 0;
	int c, n = 0;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (c = 0; c < m->n_cells && c < PT_MAX_CELLS; c++) {
		if (!PT_HAS(&m->cells[c], PTF_VOLTAGE))
			continue;
		sum += m->cells[c].voltage;
		*lo = fmin(*lo, m->cells[c].voltage);
		*hi = fmax(*hi, m->cells[c].voltage);
		n++;
	}
	*mean = n > 0 ? sum / n : NAN;
	return n >= 2;
}

bool
layout_weakest(const struct pt_sample *s, struct weakest *w)
{
	double mean, lo, hi, v;
	int k, c;
	bool any = false;

	*w = (struct weakest){ .lo_mod = -1, .lo_cell = -1, .hi_mod = -1, .hi_cell = -1,
	    .spread_mod = -1, .weak_mod = -1, .weak_cell = -1, .lo_v = INFINITY,
	    .hi_v = -INFINITY, .spread = -1 };
	for (k = 0; k < s->n_modules && k < PT_MAX_MODULES; k++) {
		const struct pt_module *m = &s->modules[k];

		if (!module_mean(m, &mean, &lo, &hi))
			continue;
		any = true;
		if (hi - lo > w->spread) {
			w->spread = hi - lo;
			w->spread_mod = k;
		}
		for (c = 0; c < m->n_cells && c < PT_MAX_CELLS; c++) {
			if (!PT_HAS(&m->cells[c], PTF_VOLTAGE))
				continue;
			v = m->cells[c].voltage;
			if (v < w->lo_v) {
				w->lo_v = v;
				w->lo_mod = k;
				w->lo_cell = c;
			}
			if (v > w->hi_v) {
				w->hi_v = v;
				w->hi_mod = k;
				w->hi_cell = c;
			}
			if (w->weak_mod < 0 || fabs(v - mean) > fabs(w->weak_dev)) {
				w->weak_dev = v - mean;
				w->weak_mod = k;
				w->weak_cell = c;
			}
		}
	}
	return any;
}

/* ---- wrapping messages -------------------------------------------------------- */

/* Greedy word wrap; a word longer than a line is split.  Writes at most
 * `max` lines, returns how many the whole text needs. */
static int
wrap_words(const char *p, int first_w, int width, int max, char out[][LAYOUT_LINE_MAX])
{
	int n = 0;

	while (*p == ' ')
		p++;
	while (*p != '\0') {
		int w = n == 0 ? first_w : width, len = (int)strlen(p), take, i;

		if (w < 1)
			w = 1;
		if (w >= LAYOUT_LINE_MAX)
			w = LAYOUT_LINE_MAX - 1;
		take = len;
		if (len > w) {
			for (i = w; i > 0 && p[i] != ' '; i--)
				;
			take = i > 0 ? i : w;
		}
		if (n < max) {
			int t = take;

			while (t > 0 && p[t - 1] == ' ')
				t--;
			memcpy(out[n], p, (size_t)t);
			out[n][t] = '\0';
		}
		n++;
		p += take;
		while (*p == ' ')
			p++;
	}
	if (n == 0 && max > 0)
		out[0][0] = '\0';
	return n == 0 ? 1 : n;
}

int
layout_hint(const char *msg)
{
	const char *open = strrchr(msg, '('), *semi = NULL, *p;

	if (open != NULL && strchr(open, ')') != NULL)
		return (int)(open - msg);
	for (p = msg; (p = strstr(p, "; ")) != NULL; p += 2)
		semi = p;
	return semi != NULL ? (int)(semi - msg) + 2 : -1;
}

/* The candidate text: the first k characters of msg, "...", the hint
 * (from index h; none when h < 0). */
static void
candidate(char *buf, size_t size, const char *msg, int k, int h)
{
	while (k > 0 && msg[k - 1] == ' ')
		k--;
	snprintf(buf, size, "%.*s...%s%s", k, msg, h >= 0 ? " " : "", h >= 0 ? msg + h : "");
}

/* The longest start (up to `len` characters) that fits with the hint,
 * -1 when not even none does. */
static int
longest_start(const char *msg, int len, int h, int first_w, int width, int max_lines,
    char out[][LAYOUT_LINE_MAX])
{
	char cand[LAYOUT_LINE_MAX * 2];
	int k, best = -1, word;

	for (k = len; k >= 0 && best < 0; k--) {
		candidate(cand, sizeof cand, msg, k, h);
		if (wrap_words(cand, first_w, width, max_lines, out) <= max_lines)
			best = k;
	}
	if (best <= 0)
		return best;
	/* Cut between words when that costs little (a path has none). */
	for (word = best; word > 0 && msg[word] != ' ' && msg[word - 1] != ' '; word--)
		;
	return best - word <= 12 ? word : best;
}

int
layout_wrap(const char *msg, int first_width, int width, int max_lines,
    char out[][LAYOUT_LINE_MAX])
{
	char cand[LAYOUT_LINE_MAX * 2];
	int n, h, k;
	int len = (int)strlen(msg);

	if (max_lines < 1)
		return 0;
	if (len >= LAYOUT_LINE_MAX)
		len = LAYOUT_LINE_MAX - 1;
	n = wrap_words(msg, first_width, width, max_lines, out);
	if (n <= max_lines)
		return n;
	/* Too long: keep the start (what happened) as far as it goes, then
	 * "...", then the hint (what to do) whole.  Without a hint, or when
	 * the hint alone is too long, keep the start and cut the end. */
	h = layout_hint(msg);
	k = h >= 0 ? longest_start(msg, h, h, first_width, width, max_lines, out) : -1;
	if (k < 0) {
		h = -1;
		k = longest_start(msg, len, -1, first_width, width, max_lines, out);
	}
	if (k < 0)
		k = 0;
	candidate(cand, sizeof cand, msg, k, h);
	n = wrap_words(cand, first_width, width, max_lines, out);
	return n < max_lines ? n : max_lines;
}
