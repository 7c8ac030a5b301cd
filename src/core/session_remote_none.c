/* session_remote_none.c — a build without MQTT (configure --without-mqtt)
 * has no remote view: main() refuses mqtt:// devices before a session is
 * made, so this is never reached with one.  (The MQTT build links
 * session_remote.c instead: mk/mqtt.am.) */
#include "core/session.h"

struct session *
remote_session_new(const struct pt_config *cfg, struct link *link)
{
	(void)cfg;
	(void)link;
	return NULL;
}
