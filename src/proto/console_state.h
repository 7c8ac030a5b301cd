/* console_state.h — a BMS state word becomes an alarm: the one rule every
 * console parser (LV, HV, SC0500 getpwr) uses.
 *
 * A state word that is not normal (pt_status_is_normal(): "Normal",
 * "Idle", "Charge", ...) becomes a PT_ALARM_BMS alarm named
 * "<what>_<word>", the word lower-cased with every character other than
 * a letter or digit turned into '_' (so "Low" under "cell_voltage" is
 * cell_voltage_low).  An empty word or "-" (no value) makes none.
 *
 * Level, by the first row of console_state.c's table whose part the word
 * holds (ignoring case): "prot" PT_LEVEL_PROTECT, "warn" PT_LEVEL_WARNING,
 * anything else PT_LEVEL_ALARM.
 *
 * The same alarm (module, cell, name) is added once per sample: `pwr`
 * and `pwr N` (LV), or `pwr` and `unit` (HV), report the same states.
 * The <what> stems of each dialect are in console_lv.h and console_hv.h.
 */
#ifndef PT_CONSOLE_STATE_H
#define PT_CONSOLE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/sample.h"
#include "proto/console_text.h"

/* The alarm of `word` for module `module` (0 = stack), cell `cell`
 * (0-based within the module) or -1. */
void	console_state_alarm_cell(struct pt_sample *s, int module, int cell, const char *what,
	    struct ct_span word);
/* The same without a cell. */
void	console_state_alarm(struct pt_sample *s, int module, const char *what,
	    struct ct_span word);

/* Add the BMS alarm `name` (already snake_case, as stored) unless the
 * sample has it. */
void	console_state_add_once(struct pt_sample *s, enum pt_alarm_level level, int module,
	    int cell, const char *name);

/* A memo of the last state word of one column and what it came to, so
 * that a string of 75 "Normal" cells judges (and interns) the word once,
 * not 75 times.  One memo per column, new for each answer: zeroed, or
 * { .end = body + len }. */
struct console_state_memo {
	struct ct_span	w;
	bool		normal;		/* pt_status_is_normal, or empty / "-" */
	bool		has_id;
	uint8_t		id;		/* pt_sample_word of w, when has_id */
	/* Optional: the end of the answer the words lie in.  Set, it lets a
	 * word of up to 8 bytes be compared in one 8-byte load. */
	const char	*end;
};

/* Point the memo at `w` (judging it) unless it holds the same bytes. */
void	console_state_memo_load(struct console_state_memo *memo, struct ct_span w);
uint8_t	console_state_intern_slow(struct pt_sample *s, struct console_state_memo *memo);

static inline void
console_state_memo_at(struct console_state_memo *memo, struct ct_span w)
{
	size_t i;

	if (w.len == memo->w.len && w.len > 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (w.len <= 8 && memo->end != NULL && w.p + 8 <= memo->end &&
		    memo->w.p + 8 <= memo->end) {
			uint64_t a, b, mask = w.len == 8 ? ~(uint64_t)0 :
			    ((uint64_t)1 << (8 * w.len)) - 1;

			memcpy(&a, w.p, 8);
			memcpy(&b, memo->w.p, 8);
			if (((a ^ b) & mask) == 0)
				return;
			console_state_memo_load(memo, w);
			return;
		}
#endif
		for (i = 0; i < w.len && w.p[i] == memo->w.p[i]; i++)
			;
		if (i == w.len)
			return;
	}
	console_state_memo_load(memo, w);
}

/* Is `w` normal (no alarm)?  Empty and "-" are. */
static inline bool
console_state_normal(struct console_state_memo *memo, struct ct_span w)
{
	console_state_memo_at(memo, w);
	return memo->normal;
}

/* `w`'s index among the sample's words (pt_sample_word). */
static inline uint8_t
console_state_intern(struct pt_sample *s, struct console_state_memo *memo, struct ct_span w)
{
	console_state_memo_at(memo, w);
	return memo->has_id ? memo->id : console_state_intern_slow(s, memo);
}

/* The alarm of `w` (as console_state_alarm_cell), judged by the memo. */
static inline void
console_state_alarm_memo(struct pt_sample *s, struct console_state_memo *memo, int module,
    int cell, const char *what, struct ct_span w)
{
	if (!console_state_normal(memo, w))
		console_state_alarm_cell(s, module, cell, what, w);
}

/* A cell's state word: its word index, and its alarm unless normal. */
static inline uint8_t
console_state_word(struct pt_sample *s, struct console_state_memo *memo, struct ct_span w,
    int module, int cell, const char *what)
{
	uint8_t id = console_state_intern(s, memo, w);

	console_state_alarm_memo(s, memo, module, cell, what, w);
	return id;
}

/* A state word as the consoles print them: letters, digits, '.', '_',
 * '-' (so a NUL or a line-noise byte in a state column rejects the row). */
bool	console_state_is_word(struct ct_span w);

/* Its byte classes, for a reader that checks a word while it splits the
 * line (one pass): CS_WORD a byte of a state word, CS_BLANK a separator,
 * 0 anything else. */
enum { CS_OTHER = 0, CS_WORD = 1, CS_BLANK = 2 };
extern const unsigned char console_state_byte[256];

/* The last word a column held that was found good: the next row's word,
 * when it is the same (as the 75 "Normal" of a string mostly are), is
 * known good from one 8-byte compare, not judged byte by byte again.
 * Zeroed for each answer. */
struct console_state_seen {
	uint64_t	bytes;		/* the word's bytes, zero-padded */
	uint64_t	mask;		/* its len bytes */
	size_t		len;		/* 1..7; 0: none yet */
};

/* The next token of a row, checked as a state word in the same pass:
 * false at the end of the line (w->len 0); *ok says whether it is one.
 * `seen` (may be NULL) is the column's last good word. */
static CT_INLINE bool
console_state_next_word(struct ct_cur *c, struct ct_span *w, bool *ok,
    struct console_state_seen *seen)
{
	const char *p = ct_cur_skip(c, c->p), *start = p;
	unsigned cls, all = CS_WORD;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (seen != NULL && seen->len > 0 && c->lim - p >= 8) {
		uint64_t x;

		memcpy(&x, p, 8);
		/* The same bytes, then a space (a tab, or the line's end: the
		 * byte by byte way). */
		if ((x & seen->mask) == seen->bytes && p[seen->len] == ' ' &&
		    p + seen->len <= c->end) {
			c->p = p + seen->len;
			w->p = start;
			w->len = seen->len;
			*ok = true;
			return true;
		}
	}
#endif
	while (p < c->end && (cls = console_state_byte[(unsigned char)*p]) != CS_BLANK) {
		all &= cls;
		p++;
	}
	c->p = p;
	w->p = start;
	w->len = (size_t)(p - start);
	*ok = all == CS_WORD && w->len < PT_WORD_LEN * 2;
	if (seen != NULL && *ok && w->len < 8) {
		seen->bytes = 0;
		seen->mask = ((uint64_t)1 << (8 * w->len)) - 1;
		memcpy(&seen->bytes, start, w->len);
		seen->len = w->len;
	}
	return w->len > 0;
}

#endif
