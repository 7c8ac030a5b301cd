/* session.c — choosing the protocol family of a session. */
#include "autoconfig.h"

#include "core/session.h"

#include <stdlib.h>
#include <string.h>

struct session *
session_new(const struct pt_config *cfg, struct link *link, atomic_int *stop)
{
	struct session *s;

	if (link_is_remote(cfg->device))
		s = remote_session_new(cfg, link);	/* NULL without MQTT */
	else if (strcmp(cfg->protocol, "rs485") == 0)
		s = rs485_session_new(cfg, link);
	else
		s = console_session_new(cfg, link);
	if (s != NULL)
		s->stop = stop;
	return s;
}

void
session_free(struct session *s)
{
	if (s != NULL) {
		free(s->records);
		s->records = NULL;
		s->ops->free(s);
	}
}
