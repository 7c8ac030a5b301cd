/* console_state.c — BMS state words into alarms (console_state.h). */
#include "proto/console_state.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The level of a word that is not normal: the first row whose part it
 * holds, ignoring case; PT_LEVEL_ALARM when none does. */
static const struct {
	const char		*part;	/* lower case */
	enum pt_alarm_level	 level;
} state_levels[] = {
	{ .part = "prot", .level = PT_LEVEL_PROTECT },	/* "Protect", "OverVoltProt" */
	{ .part = "warn", .level = PT_LEVEL_WARNING },	/* "Warning", "LowWarn" */
};

/* `word` (already lower case) holds `part`. */
static bool
holds(const char *word, const char *part)
{
	return strstr(word, part) != NULL;
}

static enum pt_alarm_level
state_level(const char *lower)
{
	size_t i;

	for (i = 0; i < sizeof state_levels / sizeof state_levels[0]; i++)
		if (holds(lower, state_levels[i].part))
			return state_levels[i].level;
	return PT_LEVEL_ALARM;
}

void
console_state_add_once(struct pt_sample *s, enum pt_alarm_level level, int module, int cell,
    const char *name)
{
	int i;

	for (i = 0; i < s->n_alarms; i++) {
		const struct pt_alarm *a = &s->alarms[i];
		if (a->source == PT_ALARM_BMS && a->module == module && a->cell == cell &&
		    strncmp(a->name, name, sizeof a->name - 1) == 0)
			return;
	}
	pt_sample_add_alarm(s, PT_ALARM_BMS, level, module, cell, name, NAN);
}

void
console_state_alarm_cell(struct pt_sample *s, int module, int cell, const char *what,
    struct ct_span word)
{
	char w[PT_WORD_LEN * 2], name[48];
	size_t i;

	if (word.len == 0 || ct_is_dash(word))
		return;
	ct_copy(w, sizeof w, word);
	if (pt_status_is_normal(w))
		return;
	/* snake_case before the duplicate check, so it sees the stored name. */
	for (i = 0; w[i] != '\0'; i++) {
		unsigned char c = (unsigned char)w[i];
		if (c >= 'A' && c <= 'Z')
			w[i] = (char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			w[i] = '_';
	}
	snprintf(name, sizeof name, "%s_%s", what, w);
	console_state_add_once(s, state_level(w), module, cell, name);
}

void
console_state_alarm(struct pt_sample *s, int module, const char *what, struct ct_span word)
{
	console_state_alarm_cell(s, module, -1, what, word);
}

void
console_state_memo_load(struct console_state_memo *memo, struct ct_span w)
{
	char full[PT_WORD_LEN * 2];

	/* Normal as console_state_alarm_cell judges it (its own copy size). */
	ct_copy(full, sizeof full, w);
	memo->w = w;
	memo->normal = w.len == 0 || ct_is_dash(w) || pt_status_is_normal(full);
	memo->has_id = false;
}

uint8_t
console_state_intern_slow(struct pt_sample *s, struct console_state_memo *memo)
{
	char text[PT_WORD_LEN];

	ct_copy(text, sizeof text, memo->w);
	memo->id = pt_sample_word(s, text);
	memo->has_id = true;
	return memo->id;
}

/* Letters, digits, '.', '_', '-' are a state word's bytes; ' ' and '\t'
 * separate tokens. */
#define CS_LETTERS(c)	[c] = CS_WORD, [c + 0x20] = CS_WORD
const unsigned char console_state_byte[256] = {
	[' '] = CS_BLANK, ['\t'] = CS_BLANK,
	['0'] = CS_WORD, ['1'] = CS_WORD, ['2'] = CS_WORD, ['3'] = CS_WORD, ['4'] = CS_WORD,
	['5'] = CS_WORD, ['6'] = CS_WORD, ['7'] = CS_WORD, ['8'] = CS_WORD, ['9'] = CS_WORD,
	['.'] = CS_WORD, ['_'] = CS_WORD, ['-'] = CS_WORD,
	CS_LETTERS('A'), CS_LETTERS('B'), CS_LETTERS('C'), CS_LETTERS('D'), CS_LETTERS('E'),
	CS_LETTERS('F'), CS_LETTERS('G'), CS_LETTERS('H'), CS_LETTERS('I'), CS_LETTERS('J'),
	CS_LETTERS('K'), CS_LETTERS('L'), CS_LETTERS('M'), CS_LETTERS('N'), CS_LETTERS('O'),
	CS_LETTERS('P'), CS_LETTERS('Q'), CS_LETTERS('R'), CS_LETTERS('S'), CS_LETTERS('T'),
	CS_LETTERS('U'), CS_LETTERS('V'), CS_LETTERS('W'), CS_LETTERS('X'), CS_LETTERS('Y'),
	CS_LETTERS('Z'),
};
#undef CS_LETTERS

bool
console_state_is_word(struct ct_span w)
{
	size_t i;

	if (w.len == 0 || w.len >= PT_WORD_LEN * 2)
		return false;
	for (i = 0; i < w.len; i++)
		if (console_state_byte[(unsigned char)w.p[i]] != CS_WORD)
			return false;
	return true;
}
