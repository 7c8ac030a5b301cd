/* json_fast.c — cJSON_PrintUnformatted() without printf (see json_fast.h).
 *
 * A number is what cJSON's print_number writes: "null" when not finite,
 * else "%1.15g" (or "%1.17g" when 15 digits do not read back); cJSON
 * 1.7.16 and later print "%d" of valueint when that is the value, which
 * differs only for -0: which one is linked is asked once.  The fast path covers a value that is the
 * nearest double to a decimal D = N / 10^k with N < 10^15 and D >= 1e-4:
 * then D has at most 15 significant digits and the value is within half a
 * unit of the 15th, so "%1.15g" rounds it to D exactly, writes it in fixed
 * notation without trailing zeros, and it reads back.  Anything else goes
 * through cJSON's own printf steps. */
#include "util/json_fast.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fixed.h"

enum {
	JSON_FAST_MAX_SCALE = 15,	/* decimals tried for a number */
	JSON_NUM_LEN = 32,
};
#define JSON_FAST_MAX_N 1e15		/* N below: at most 15 digits */
#define JSON_FAST_MIN 1e-4		/* "%g" switches to exponents below */

/* Growing is the rare path, out of line: room() is asked for every
 * byte and member written. */
static bool
grow(struct pt_jbuf *b, size_t need)
{
	char *np;

	b->cap = b->cap * 2 + need + 256;
	if ((np = realloc(b->p, b->cap)) == NULL) {
		b->failed = true;
		return false;
	}
	b->p = np;
	return true;
}

static inline bool
room(struct pt_jbuf *b, size_t need)
{
	if (b->failed)
		return false;
	if (b->cap - b->len > need)
		return true;
	return grow(b, need);
}

static inline void
put(struct pt_jbuf *b, const char *s, size_t n)
{
	if (!room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static inline void
putc_(struct pt_jbuf *b, char c)
{
	if (room(b, 1))
		b->p[b->len++] = c;
}

/* Digits of n, least significant last, into the end of tmp; returns start. */
static char *
digits(char *end, uint64_t n)
{
	do {
		*--end = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	return end;
}

/* cJSON's compare_double */
static bool
close_enough(double a, double b)
{
	double max = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

	return fabs(a - b) <= max * DBL_EPSILON;
}

static pthread_once_t zero_once = PTHREAD_ONCE_INIT;
static const char *neg_zero = "-0";

/* How the linked cJSON prints -0 ("-0" by "%1.15g", "0" by "%d"). */
static void
ask_neg_zero(void)
{
	cJSON *z = cJSON_CreateNumber(-0.0);
	char *t = z != NULL ? cJSON_PrintUnformatted(z) : NULL;

	if (t != NULL && strcmp(t, "0") == 0)
		neg_zero = "0";
	free(t);
	cJSON_Delete(z);
}

/* The shortest decimal N / 10^k (k <= 15) whose nearest double is a. */
static bool
short_decimal(double a, uint64_t *n, int *k)
{
	int i;

	if (!(a >= JSON_FAST_MIN && a < JSON_FAST_MAX_N))
		return false;
	for (i = 0; i <= JSON_FAST_MAX_SCALE; i++) {
		double p = pt_pow10(i), c = nearbyint(a * p);

		if (c >= JSON_FAST_MAX_N)
			return false;
		if (c / p == a) {
			*n = (uint64_t)c;
			*k = i;
			return true;
		}
	}
	return false;
}

static void
number(struct pt_jbuf *b, double d)
{
	double test = 0.0;
	char tmp[JSON_NUM_LEN], *e = tmp + sizeof tmp, *q;
	uint64_t n;
	int k, len;

	if (isnan(d) || isinf(d)) {
		put(b, "null", 4);
		return;
	}
	if (d == 0) {
		if (signbit(d)) {
			pthread_once(&zero_once, ask_neg_zero);
			put(b, neg_zero, strlen(neg_zero));
		} else
			putc_(b, '0');
		return;
	}
	if (short_decimal(fabs(d), &n, &k)) {
		uint64_t p = (uint64_t)pt_pow10(k), ip = n / p, fp = n % p;
		int i;

		q = e;
		if (fp != 0) {
			while (fp % 10 == 0) {	/* %g drops trailing zeros */
				fp /= 10;
				k--;
			}
			for (i = 0; i < k; i++) {
				*--q = (char)('0' + fp % 10);
				fp /= 10;
			}
			*--q = '.';
		}
		q = digits(q, ip);
		if (d < 0)
			*--q = '-';
		put(b, q, (size_t)(e - q));
		return;
	}
	len = snprintf(tmp, sizeof tmp, "%1.15g", d);
	if (sscanf(tmp, "%lg", &test) != 1 || !close_enough(test, d))
		len = snprintf(tmp, sizeof tmp, "%1.17g", d);
	if (len < 0 || len > 25) {	/* cJSON's number buffer is 26 bytes */
		b->failed = true;
		return;
	}
	put(b, tmp, (size_t)len);
}

static void
string(struct pt_jbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	const unsigned char *run;

	putc_(b, '"');
	if (s == NULL) {
		putc_(b, '"');
		return;
	}
	for (p = run = (const unsigned char *)s; *p != '\0'; p++) {
		char esc = 0;

		/* Most bytes need no escape: one compare chain, no switch. */
		if (*p >= 32 && *p != '"' && *p != '\\')
			continue;

		switch (*p) {
		case '"': esc = '"'; break;
		case '\\': esc = '\\'; break;
		case '\b': esc = 'b'; break;
		case '\f': esc = 'f'; break;
		case '\n': esc = 'n'; break;
		case '\r': esc = 'r'; break;
		case '\t': esc = 't'; break;
		default:
			if (*p >= 32)
				continue;
		}
		put(b, (const char *)run, (size_t)(p - run));
		run = p + 1;
		if (esc != 0) {
			char two[2] = { '\\', esc };

			put(b, two, 2);
		} else {
			char six[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };

			put(b, six, 6);
		}
	}
	put(b, (const char *)run, (size_t)(p - run));
	putc_(b, '"');
}

static void value(struct pt_jbuf *b, const cJSON *item);

static void
children(struct pt_jbuf *b, const cJSON *item, bool keys, char open, char close)
{
	const cJSON *c;

	putc_(b, open);
	for (c = item->child; c != NULL && !b->failed; c = c->next) {
		if (keys) {
			string(b, c->string);
			putc_(b, ':');
		}
		value(b, c);
		if (c->next != NULL)
			putc_(b, ',');
	}
	putc_(b, close);
}

static void
value(struct pt_jbuf *b, const cJSON *item)
{
	switch (item->type & 0xFF) {
	case cJSON_NULL:
		put(b, "null", 4);
		break;
	case cJSON_False:
		put(b, "false", 5);
		break;
	case cJSON_True:
		put(b, "true", 4);
		break;
	case cJSON_Number:
		number(b, item->valuedouble);
		break;
	case cJSON_Raw:
		if (item->valuestring == NULL)
			b->failed = true;
		else
			put(b, item->valuestring, strlen(item->valuestring));
		break;
	case cJSON_String:
		string(b, item->valuestring);
		break;
	case cJSON_Array:
		children(b, item, false, '[', ']');
		break;
	case cJSON_Object:
		children(b, item, true, '{', '}');
		break;
	default:
		b->failed = true;
	}
}

char *
pt_json_print(const cJSON *item)
{
	struct pt_jbuf b = { .p = NULL };

	if (item == NULL)
		return NULL;
	value(&b, item);
	if (room(&b, 0))
		b.p[b.len] = '\0';
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* ---- the same bytes, written as the payload is walked ------------------- */

/* Before a member: the comma when it is not the first, and its key. */
static void
member(struct pt_jw *w, const char *key)
{
	struct pt_jbuf *b = &w->b;
	uint32_t bit = 1u << (w->depth & 31);

	if (w->more & bit)
		putc_(b, ',');
	w->more |= bit;
	if (key != NULL) {
		string(b, key);
		putc_(b, ':');
	}
}

void
pt_jw_open(struct pt_jw *w, const char *key, char open)
{
	if (w->depth > 0)
		member(w, key);
	putc_(&w->b, open);
	w->depth++;
	w->more &= ~(1u << (w->depth & 31));
}

void
pt_jw_close(struct pt_jw *w, char close)
{
	putc_(&w->b, close);
	w->depth--;
}

void
pt_jw_num(struct pt_jw *w, const char *key, double v)
{
	member(w, key);
	number(&w->b, v);
}

void
pt_jw_null(struct pt_jw *w, const char *key)
{
	member(w, key);
	put(&w->b, "null", 4);
}

void
pt_jw_bool(struct pt_jw *w, const char *key, bool v)
{
	member(w, key);
	if (v)
		put(&w->b, "true", 4);
	else
		put(&w->b, "false", 5);
}

void
pt_jw_str(struct pt_jw *w, const char *key, const char *text)
{
	/* cJSON adds no item for a NULL string. */
	if (text == NULL)
		return;
	member(w, key);
	string(&w->b, text);
}

char *
pt_jw_finish(struct pt_jw *w)
{
	struct pt_jbuf *b = &w->b;

	if (room(b, 0))
		b->p[b->len] = '\0';
	if (b->failed || w->depth != 0) {
		free(b->p);
		b->p = NULL;
		return NULL;
	}
	return b->p;
}
