/* sinks.c — the sinks a monitor writes to, built from the config and
 * plugged into monitor_new() (issue 11.2: core names no sink).  A new
 * sink is one more block here and a file in src/sink/. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "core/monitor.h"
#include "link/link.h"
#include "sink/csv.h"
#ifdef HAVE_MQTT
#include "sink/mqtt.h"
#endif
#include "util/err.h"

/* The CSV sink always exists, so that 'l' can start a log at run time
 * under the default name (one per stack); it writes only when a path was
 * configured. */
static int
add_csv(const struct pt_config *c, const char *stack, struct sink *out, size_t *n,
    char *err, size_t errsize)
{
	char def[64];
	const char *path = c->csv_path;
	struct csv_sink *csv;

	snprintf(def, sizeof def, "pylontop-%%Y%%m%%d%s%.32s.csv", stack[0] ? "-" : "", stack);
	if (path[0] == '\0')
		path = def;
	csv = csv_sink_new(path, c->csv_path[0] != '\0' && c->csv_enabled);

	if (csv == NULL) {
		snprintf(err, errsize, "out of memory");
		return PT_ERR_NOMEM;
	}
	out[(*n)++] = csv_sink_as_sink(csv);
	return 0;
}

static int
add_mqtt(const struct pt_config *c, struct sink *out, size_t *n, char *err,
    size_t errsize)
{
#ifdef HAVE_MQTT
	struct mqtt_sink *mq;

	if (!c->mqtt.configured)
		return 0;
	/* A remote view is read-only: it republishes nothing. */
	if (link_is_remote(c->device)) {
		fprintf(stderr, "pylontop: remote view: MQTT publishing is off (a remote "
		    "view only reads)\n");
		return 0;
	}
	if ((mq = mqtt_sink_new(&c->mqtt, err, errsize)) == NULL)
		return PT_ERR_CONFIG;
	out[(*n)++] = mqtt_sink_as_sink(mq);
#else
	(void)out;
	(void)n;
	(void)err;
	(void)errsize;
	if (c->mqtt.configured && c->mqtt.enabled)
		fprintf(stderr, "pylontop: this build has no MQTT support "
		    "(configured --without-mqtt); MQTT settings ignored\n");
#endif
	return 0;
}

int
app_make_sinks(const struct pt_config *c, const char *stack, struct sink *out, size_t max,
    size_t *n, char *err, size_t errsize)
{
	*n = 0;
	if (max < APP_SINKS_MAX) {
		snprintf(err, errsize, "room for %zu sinks, %d needed", max, APP_SINKS_MAX);
		return PT_ERR_ARG;
	}
	if (add_csv(c, stack, out, n, err, errsize) != 0 || add_mqtt(c, out, n, err, errsize) != 0) {
		app_free_sinks(out, *n);
		*n = 0;
		return PT_ERR_CONFIG;
	}
	return 0;
}

#ifdef HAVE_MQTT
/* The MQTT sink's sources of records and health figures (mqtt.h): the
 * monitor's, read by the sink's thread without the monitor's lock. */
static uint64_t
records_cb(void *ctx, struct pt_records *out)
{
	return monitor_records(ctx, out);
}

static void
health_cb(void *ctx, struct health_report *out)
{
	monitor_health(ctx, out);
}
#endif

void
app_bind_sinks(struct monitor *m, const struct sink *s, size_t n)
{
#ifdef HAVE_MQTT
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].ops->name, SINK_MQTT) == 0)
			mqtt_sink_set_sources(s[i].self, &(struct mqtt_sources){
			    .records = records_cb, .health = health_cb, .ctx = m });
#else
	(void)m;
	(void)s;
	(void)n;
#endif
}

void
app_free_sinks(struct sink *s, size_t n)
{
	while (n > 0) {
		n--;
		s[n].ops->free(s[n].self);
	}
}
