/* draw.c — colours, glyphs that degrade (UTF-8, the terminal's line set,
 * ASCII), sanitised text, bars.  Every string the views draw goes through
 * tui_text(), which lets only printable ASCII reach the terminal: device
 * text is already clean in the sample, this is the second fence. */
#include "tui/tui_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"

struct role_style {
	short	fg, bg;		/* -1: the terminal's default */
	attr_t	color_attr;	/* added to the pair */
	attr_t	mono_attr;	/* without colours */
};

static const struct role_style styles[TR_COUNT] = {
	[TR_NORMAL]	 = { -1, -1, 0, 0 },
	[TR_TITLE]	 = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[TR_HEAD]	 = { COLOR_CYAN, -1, 0, A_UNDERLINE },
	[TR_DIM]	 = { -1, -1, A_DIM, A_DIM },
	[TR_GOOD]	 = { COLOR_GREEN, -1, 0, 0 },
	[TR_WARN]	 = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[TR_BAD]	 = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[TR_LIMIT]	 = { COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD },
	[TR_COLD]	 = { COLOR_BLUE, -1, A_BOLD, A_UNDERLINE },
	[TR_BAR]	 = { COLOR_GREEN, -1, 0, 0 },
	[TR_CHART]	 = { COLOR_CYAN, -1, 0, 0 },
	[TR_TAB]	 = { -1, -1, 0, 0 },
	[TR_TAB_ON]	 = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
	[TR_STATUS]	 = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
	[TR_STATUS_WARN] = { COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE | A_BOLD },
	[TR_STATUS_BAD]	 = { COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD | A_UNDERLINE },
};

void
tui_colors_init(struct tui *t)
{
	short fg, bg, defaults = 0;
	int r;

	t->color = !t->opt.no_color && has_colors();
	if (t->color && start_color() == ERR)
		t->color = false;
	if (t->color)
		defaults = use_default_colors() == OK;
	for (r = 0; r < TR_COUNT; r++) {
		if (!t->color) {
			t->attr[r] = styles[r].mono_attr;
			continue;
		}
		fg = styles[r].fg;
		bg = styles[r].bg;
		/* The terminal's own colours are pair 0: a pair of its own
		 * would look the same but differ from A_NORMAL text next to
		 * it, a colour switch on each side on the wire. */
		if (defaults && fg < 0 && bg < 0) {
			t->attr[r] = styles[r].color_attr;
			continue;
		}
		if (!defaults) {
			fg = fg < 0 ? COLOR_WHITE : fg;
			bg = bg < 0 ? COLOR_BLACK : bg;
		}
		if (r + 1 >= COLOR_PAIRS || init_pair((short)(r + 1), fg, bg) == ERR) {
			t->attr[r] = styles[r].mono_attr;
			continue;
		}
		t->attr[r] = COLOR_PAIR(r + 1) | styles[r].color_attr;
	}
}

attr_t
tui_role_attr(struct tui *t, enum tui_role r)
{
	return (unsigned)r < TR_COUNT ? t->attr[r] : 0;
}

void
tui_role(struct tui *t, enum tui_role r)
{
	attrset(tui_role_attr(t, r));
}

/* Clip a field to the screen; false when nothing of it is visible. */
static bool
clip(int y, int *x, int *width)
{
	if (y < 0 || y >= LINES || *width <= 0 || *x >= COLS)
		return false;
	if (*x < 0) {
		*width += *x;
		*x = 0;
	}
	if (*x + *width > COLS)
		*width = COLS - *x;
	return *width > 0;
}

int
tui_text(int y, int x, int width, const char *s)
{
	char buf[512];
	int i;

	if (s == NULL || !clip(y, &x, &width))
		return 0;
	if (width >= (int)sizeof buf)
		width = (int)sizeof buf - 1;
	for (i = 0; i < width && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[i] = '\0';
	mvaddnstr(y, x, buf, i);
	return i;
}

int
tui_printf(int y, int x, int width, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return tui_text(y, x, width, buf);
}

int
tui_text_right(int y, int x, int width, const char *s)
{
	int len = (int)strlen(s);

	if (len > width)
		return tui_text(y, x, width, s);
	return tui_text(y, x + width - len, len, s);
}

int
tui_text_tail(struct tui *t, int y, int x, int width, const char *s)
{
	int len = (int)strlen(s);

	if (len <= width || width < 4)
		return tui_text(y, x, width, s);
	tui_glyph(t, y, x, G_ELLIPSIS);
	return 1 + tui_text(y, x + 1, width - 1, s + len - (width - 1));
}

void
tui_blank(int y, int x, int width)
{
	if (clip(y, &x, &width))
		mvhline(y, x, ' ', width);
}

void
tui_hline(struct tui *t, int y, int x, int width)
{
	if (!clip(y, &x, &width))
		return;
	/* In UTF-8 the Unicode line, not the alternate character set: the
	 * same picture, and screen captures read as text. */
	if (t->glyphs == TG_UTF8)
		mvhline_set(y, x, WACS_HLINE, width);
	else
		mvhline(y, x, t->glyphs == TG_ASCII ? '-' : ACS_HLINE, width);
}

void
tui_tee(struct tui *t, int y, int x, bool down)
{
	int w = 1;

	if (!clip(y, &x, &w))
		return;
	if (t->glyphs == TG_UTF8)
		mvadd_wch(y, x, down ? WACS_TTEE : WACS_RTEE);
	else if (t->glyphs == TG_ACS)
		mvaddch(y, x, down ? ACS_TTEE : ACS_RTEE);
	else
		mvaddch(y, x, '+');
}

void
tui_glyph(struct tui *t, int y, int x, enum tui_glyph g)
{
	static const char *const utf8[G_COUNT] = {
		[G_UP] = "\xe2\x96\xb2", [G_DOWN] = "\xe2\x96\xbc", [G_BALANCE] = "\xe2\x89\x88",
		[G_MORE_UP] = "\xe2\x86\x91", [G_MORE_DOWN] = "\xe2\x86\x93",
		[G_ELLIPSIS] = "\xe2\x80\xa6",
	};
	static const char ascii[G_COUNT] = {
		[G_UP] = '^', [G_DOWN] = 'v', [G_BALANCE] = '*', [G_MORE_UP] = '^',
		[G_MORE_DOWN] = 'v', [G_ELLIPSIS] = '~',
	};
	int w = 1;

	if ((unsigned)g >= G_COUNT || !clip(y, &x, &w))
		return;
	if (t->glyphs == TG_UTF8)
		mvaddstr(y, x, utf8[g]);
	else if (t->glyphs == TG_ACS && g == G_UP)
		mvaddch(y, x, ACS_UARROW);
	else if (t->glyphs == TG_ACS && g == G_DOWN)
		mvaddch(y, x, ACS_DARROW);
	else
		mvaddch(y, x, (chtype)(unsigned char)ascii[g]);
}

void
tui_bar(struct tui *t, int y, int x, int width, double fraction, enum tui_role r)
{
	static const char *const eighths[8] = {
		"", "\xe2\x96\x8f", "\xe2\x96\x8e", "\xe2\x96\x8d", "\xe2\x96\x8c",
		"\xe2\x96\x8b", "\xe2\x96\x8a", "\xe2\x96\x89",
	};
	int inner = width - 2, full, part, i;
	double cells;

	if (inner < 1 || y < 0 || y >= LINES || x < 0 || x + width > COLS)
		return;
	if (!isfinite(fraction))
		fraction = 0;
	fraction = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
	cells = fraction * inner;
	full = (int)cells;
	part = t->glyphs == TG_UTF8 ? (int)((cells - full) * 8) : 0;
	attrset(A_NORMAL);
	mvaddch(y, x, '[');
	mvhline(y, x + 1, ' ', inner);
	attrset(tui_role_attr(t, r));
	for (i = 0; i < full && i < inner; i++) {
		if (t->glyphs == TG_UTF8)
			mvaddstr(y, x + 1 + i, "\xe2\x96\x88");
		else
			mvaddch(y, x + 1 + i, t->glyphs == TG_ACS ? ACS_CKBOARD : '#');
	}
	if (part > 0 && full < inner)
		mvaddstr(y, x + 1 + full, eighths[part]);
	attrset(A_NORMAL);
	mvaddch(y, x + width - 1, ']');
}

void
tui_title(struct tui *t, int y, int x, int width, const char *text)
{
	int n;

	tui_role(t, TR_TITLE);
	n = tui_text(y, x, width, text);
	tui_role(t, TR_DIM);
	if (width - n - 1 > 0)
		tui_hline(t, y, x + n + 1, width - n - 1);
	attrset(A_NORMAL);
}

void
tui_num(char *buf, size_t size, uint32_t valid, uint32_t bit, double v, int decimals)
{
	if ((valid & bit) != 0 && isfinite(v))
		snprintf(buf, size, "%.*f", decimals, v);
	else
		snprintf(buf, size, "-");
}

void
tui_clock(char *buf, size_t size, int64_t utc_ms, int64_t now_ms)
{
	time_t when = (time_t)(utc_ms / 1000), now = (time_t)(now_ms / 1000);
	struct tm a, b;

	if (utc_ms <= 0 || localtime_r(&when, &a) == NULL || localtime_r(&now, &b) == NULL) {
		snprintf(buf, size, "-");
		return;
	}
	if (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday)
		strftime(buf, size, "%H:%M:%S", &a);
	else
		strftime(buf, size, "%m-%d %H:%M", &a);
}

enum tui_role
tui_band_role(enum alarm_band b, enum tui_role normal)
{
	switch (b) {
	case BAND_COLD: return TR_COLD;
	case BAND_WARN: return TR_WARN;
	case BAND_ALARM: return TR_BAD;
	case BAND_LIMIT: return TR_LIMIT;
	default: return normal;
	}
}

char
tui_band_mark(enum alarm_band b)
{
	switch (b) {
	case BAND_COLD: return '_';
	case BAND_WARN: return '!';
	case BAND_ALARM: case BAND_LIMIT: return '#';
	default: return ' ';
	}
}

void
tui_dim(int y, int x, int rows, int width)
{
	int r, c;

	for (r = y; r < y + rows && r < LINES; r++)
		for (c = x; c < x + width && c < COLS; c++) {
			chtype ch = mvinch(r, c);

			mvchgat(r, c, 1, (ch & A_ATTRIBUTES & ~A_COLOR) | A_DIM,
			    (short)PAIR_NUMBER(ch & A_COLOR), NULL);
		}
}

void
tui_old_text(struct tui *t, char *buf, size_t size)
{
	char when[24], age[32];

	tui_clock(when, sizeof when, t->sample->time_ms, clock_wall_ms());
	tui_age_text(age, sizeof age, t->old_age_ms);
	snprintf(buf, size, TUI_OLD_MARK " old: last sample %s, %s ago", when, age);
}

int
tui_wrap(int y, int x1, int w1, int x, int width, int max_lines, const char *msg)
{
	static char lines[TUI_MESSAGE_LINES * 4][LAYOUT_LINE_MAX];
	int n, i;

	if (max_lines > (int)(sizeof lines / sizeof lines[0]))
		max_lines = (int)(sizeof lines / sizeof lines[0]);
	n = layout_wrap(msg, w1, width, max_lines, lines);
	for (i = 0; i < n; i++)
		tui_text(y + i, i == 0 ? x1 : x, i == 0 ? w1 : width, lines[i]);
	return n;
}

bool
tui_weakest(struct tui *t, struct weakest *w)
{
	return t->have_sample && layout_weakest(t->sample, w);
}
