/* link_stats.c — names of the link states. */
#include "link/link_stats.h"

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
