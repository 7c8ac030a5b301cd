/* sink.c — names for sink and link states. */
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

const char *
link_state_name(enum link_state s)
{
	switch (s) {
	case LINK_IDLE: return "idle";
	case LINK_CONNECTING: return "connecting";
	case LINK_IDENTIFYING: return "identifying";
	case LINK_POLLING: return "polling";
	case LINK_WAITING: return "reconnecting";
	case LINK_STOPPED: return "stopped";
	}
	return "?";
}
