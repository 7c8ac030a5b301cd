/* console_cmd.c — looking commands up in the dialect tables, and checking
 * what a user types before anything is sent. */
#include "proto/console_cmd.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

const struct console_cmd console_common_cmds[] = {
	{ .name = "help", .dialects = CD_LV | CD_HV | CD_SC0500, .module_arg = false,
	  .read_only = true, .parse = NULL, .summary = "the console's list of commands" },
	{ .name = NULL },
};

static const struct console_cmd *
table_of(enum console_dialect d)
{
	switch (d) {
	case CD_LV: return console_lv_cmds;
	case CD_HV: return console_hv_cmds;
	case CD_SC0500: return console_sc0500_cmds;
	}
	return NULL;
}

static const struct console_cmd *
find_in(const struct console_cmd *t, const char *name)
{
	for (; t != NULL && t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

const struct console_cmd *
console_cmd_find(enum console_dialect d, const char *name)
{
	return find_in(table_of(d), name);
}

/* The words of a typed line: at most 3 (the third means too many). */
static int
split_words(const char *line, char w[3][64])
{
	int n = 0;
	size_t k;

	while (*line != '\0' && n < 3) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0')
			break;
		for (k = 0; *line != '\0' && *line != ' ' && *line != '\t'; line++)
			if (k + 1 < sizeof w[n])
				w[n][k++] = *line;
		w[n++][k] = '\0';
	}
	return n;
}

static int
refuse(char *why, size_t size, const char *fmt, const char *a)
{
	snprintf(why, size, fmt, a);
	return PT_ERR_REFUSED;
}

int
console_cmd_check_user(enum console_dialect d, const char *line,
    const struct console_cmd **cmd, char *arg, size_t argsize, char *why, size_t whysize)
{
	char w[3][64] = { "", "", "" };
	const struct console_cmd *c;
	const unsigned char *p;
	int n = split_words(line, w);
	long v;

	*cmd = NULL;
	arg[0] = '\0';
	for (p = (const unsigned char *)line; *p != '\0'; p++)
		if (!isprint(*p) && *p != '\t')
			return refuse(why, whysize, "%s", "refused: the line has control "
			    "characters; nothing sent");
	if (n == 0)
		return refuse(why, whysize, "%s", "nothing typed; nothing sent");
	c = console_cmd_find(d, w[0]);
	if (c == NULL)
		c = find_in(console_common_cmds, w[0]);
	if (c == NULL && d == CD_SC0500)
		c = console_cmd_find(CD_HV, w[0]);
	if (c == NULL)
		return refuse(why, whysize, "refused: '%s' is not in this dialect's table of "
		    "read-only commands; nothing sent", w[0]);
	if (!c->read_only)
		return refuse(why, whysize, "refused: '%s' may change the battery (it is not "
		    "read-only); nothing sent", w[0]);
	if (c->parse == NULL && strcmp(c->name, "help") != 0)
		return refuse(why, whysize, "refused: '%s' changes the console's mode (the "
		    "session sends it itself when needed); nothing sent", w[0]);
	if (n > 2 || (n == 2 && !c->module_arg)) {
		snprintf(why, whysize, "refused: '%s' takes %s; nothing sent", c->name,
		    c->module_arg ? "one module number at most" : "no argument");
		return PT_ERR_REFUSED;
	}
	if (n == 2) {
		char *end;

		v = strtol(w[1], &end, 10);
		if (*end != '\0' || end == w[1] || v < 0 || v > 255)
			return refuse(why, whysize, "refused: '%s' is not a module number "
			    "(0 to 255); nothing sent", w[1]);
		snprintf(arg, argsize, "%ld", v);
	}
	*cmd = c;
	return 0;
}
