/* fixed.c — "%.*f" without printf (see fixed.h).
 *
 * v * 10^d is split exactly into p + r (p = the rounded product, r =
 * fma(v, 10^d, -p), exact while nothing underflows).  With p < 2^50 the
 * spacing of doubles near p is at most 2^-3, so p - floor(p) is exact and
 * a multiple of that spacing, and |r| is at most half of it: the exact
 * fraction is above, below or on one half exactly when p's is, and on a
 * tie r's sign decides; an exact tie goes to even, like printf. */
#include "util/fixed.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const double pow10_table[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

enum {
	FIXED_MAX_DECIMALS = 9,		/* fast path: 10^d and N fit easily */
	FIXED_BUF_NEED = 32,		/* sign, 16 digits, point, 9, NUL */
};
#define FIXED_MAX_SCALED 1125899906842624.0	/* 2^50 */

double
pt_pow10(int d)
{
	if (d >= 0 && d < (int)(sizeof pow10_table / sizeof pow10_table[0]))
		return pow10_table[d];
	return pow(10, d);
}

/* round-half-even(|v| * k) exactly, k = 10^d; false when out of range */
static int
scaled(double a, double k, uint64_t *out)
{
	double p = a * k, f, frac, r;
	uint64_t n;

	if (!(p < FIXED_MAX_SCALED))
		return 0;
	f = floor(p);
	frac = p - f;
	n = (uint64_t)f;
	if (frac > 0.5)
		n++;
	else if (frac == 0.5) {
		r = fma(a, k, -p);
		if (r > 0 || (r == 0 && (n & 1)))
			n++;
	}
	*out = n;
	return 1;
}

int
pt_fmt_fixed(char *buf, size_t size, double v, int decimals)
{
	char tmp[FIXED_BUF_NEED], *e = tmp + sizeof tmp, *q = e;
	uint64_t n, ip, fp;
	double a = fabs(v);
	int i, len;

	if (size < FIXED_BUF_NEED || decimals < 0 || decimals > FIXED_MAX_DECIMALS ||
	    !isfinite(v) || !scaled(a, pow10_table[decimals], &n))
		return snprintf(buf, size, "%.*f", decimals, v);
	ip = n;
	fp = 0;
	if (decimals > 0) {
		uint64_t k = (uint64_t)pow10_table[decimals];

		ip = n / k;
		fp = n % k;
		for (i = 0; i < decimals; i++) {
			*--q = (char)('0' + fp % 10);
			fp /= 10;
		}
		*--q = '.';
	}
	do {
		*--q = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip > 0);
	if (signbit(v))
		*--q = '-';
	len = (int)(e - q);
	memcpy(buf, q, (size_t)len);
	buf[len] = '\0';
	return len;
}
