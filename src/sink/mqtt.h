/* mqtt.h — MQTT publisher with Home Assistant discovery.
 *
 * Runs libmosquitto in a thread of its own (mosquitto_threaded_set; its
 * own connect / loop_forever / back-off; see docs/reliability.md §1).  write()
 * only formats and enqueues (bounded queue, oldest dropped and counted),
 * so acquisition and the TUI never wait on the network.
 */
#ifndef PT_MQTT_H
#define PT_MQTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sink/mqtt_config.h"
#include "sink/sink.h"

struct mqtt_sink;

/* Create (does not connect yet).  NULL with err set on bad settings. */
/* Whether this libmosquitto was built with TLS (mqtts:// works). */
bool	mqtt_tls_supported(void);

struct mqtt_sink *mqtt_sink_new(const struct mqtt_config *c, char *err, size_t errsize);
/* Call fn(ctx) whenever the status text changes (from the network
 * thread): a front end that sleeps until something happens learns of
 * "lost ..." at once instead of polling for it.  Before the start. */
void	mqtt_sink_on_status(struct mqtt_sink *m, void (*fn)(void *), void *ctx);
/* Where the BMS's records and the cell health figures come from (issue
 * 13, 15): called from the network thread every 15 s, without the
 * sink's lock.  records() copies the latest round and returns its
 * sequence number (0: none yet).  Either may be NULL.  Before the start. */
struct pt_records;
struct health_report;
struct mqtt_sources {
	uint64_t (*records)(void *ctx, struct pt_records *out);
	void	(*health)(void *ctx, struct health_report *out);
	void	*ctx;
};
void	mqtt_sink_set_sources(struct mqtt_sink *m, const struct mqtt_sources *src);
/* Start the network thread (connects when enabled). */
int	mqtt_sink_start(struct mqtt_sink *m);
/* The generic sink view of it (sink.h; its free() is mqtt_sink_free). */
struct sink mqtt_sink_as_sink(struct mqtt_sink *m);
/* Stop: publish "offline", disconnect, join; never longer than deadline
 * (the monitor gives MQTT_FREE_DEADLINE_MS). */
#define MQTT_FREE_DEADLINE_MS	3000
/* Stop: publish "offline", disconnect, join; never longer than deadline. */
void	mqtt_sink_free(struct mqtt_sink *m, int deadline_ms);

#endif
