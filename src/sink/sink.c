/* sink.c — names of the sink states. */
#include "sink/sink.h"

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
