/* sink.c — names of the sink states. */
#include "autoconfig.h"

#include "sink/sink.h"

#include <stdio.h>
#include <string.h>

const char *
sink_state_name(enum sink_state s)
{
	switch (s) {
	case SINK_OFF: return "off";
	case SINK_OK: return "on";
	case SINK_CONNECTING: return "connecting";
	case SINK_ERROR: return "error";
	}
	return "?";
}

void
sink_status_absent(const char *name, struct sink_status *st)
{
	memset(st, 0, sizeof *st);
	st->state = SINK_OFF;
	snprintf(st->text, sizeof st->text, "not configured");
#ifndef HAVE_MQTT
	if (strcmp(name, SINK_MQTT) == 0)
		snprintf(st->text, sizeof st->text, "not built in");
#else
	(void)name;
#endif
}
