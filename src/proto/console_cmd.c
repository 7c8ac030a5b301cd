/* console_cmd.c — looking commands up in the dialect tables. */
#include "proto/console_cmd.h"

#include <string.h>

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

const struct console_cmd *
console_cmd_find(enum console_dialect d, const char *name)
{
	const struct console_cmd *t = table_of(d);

	for (; t != NULL && t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}
