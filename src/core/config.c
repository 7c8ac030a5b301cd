/* config.c — .env-style configuration.
 *
 * KEY=value lines, '#' comments, optional `export `, optional single or
 * double quotes.  The keys of existing Python SC0500 bridges are accepted
 * as they are, so their users can point pylontop at the file they have. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/parse.h"

void
config_defaults(struct pt_config *c)
{
	memset(c, 0, sizeof *c);
	strcpy(c->protocol, "auto");
	strcpy(c->dialect, "auto");
	c->rs485_gap_ms = -1;
	c->interval_s = 2.0;
	strcpy(c->eol, "\n");
	c->replay_speed = 1.0;
	c->csv_enabled = true;
	strcpy(c->mqtt.discovery_prefix, "homeassistant");
	c->mqtt.discovery = true;
	c->mqtt.keepalive_s = 30;
	c->mqtt.qos = 0;
	c->mqtt.retain = false;
	c->mqtt.energy_max_gap_s = 60;
	alarm_config_defaults(&c->alarms);
	health_config_defaults(&c->health);
	c->report = (struct report_config){
		.spread_degrading_mv = 30, .spread_failed_mv = 50,
		.load_min_a = 1, .load_max_a = 5, .soc_min = 20, .soc_max = 80,
	};
}

static int
bad(char *err, size_t errsize, const char *key, const char *value, const char *why)
{
	snprintf(err, errsize, "%s: '%s' %s", key, value, why);
	return PT_ERR_CONFIG;
}

static int
parse_int(const char *v, long lo, long hi, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

static int
parse_seconds(const char *v, double lo, double hi, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || end == v || !isfinite(d))
		return -1;
	if (*end == 's' && end[1] == '\0')
		end++;
	if (*end != '\0' || d < lo || d > hi)
		return -1;
	*out = d;
	return 0;
}

static int
one_of(const char *v, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(v, *list) == 0)
			return 0;
	return -1;
}

/* "64M", "512k", "1G" or bytes. */
static int
parse_size(const char *v, long long *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || n < 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		n *= 1024, end++;
	else if (*end == 'm' || *end == 'M')
		n *= 1024 * 1024, end++;
	else if (*end == 'g' || *end == 'G')
		n *= 1024LL * 1024 * 1024, end++;
	if (*end != '\0' || n < 4096)
		return -1;
	*out = n;
	return 0;
}

/* Every setter below keeps the convention of alarm_config_set() and
 * health_config_set(): 1 = its key, taken; 0 = not its key; PT_ERR_CONFIG
 * = its key with a bad value, the reason in err.  config_set() turns that
 * into its own public answer. */
typedef int setter_fn(struct pt_config *c, const char *key, const char *value,
    char *err, size_t errsize);

/* RS485_GROUPS: "auto", or groups 0-7 as "0,2" / "0-3" (DIP 2-4 of the
 * master, docs/rs485.md §5.1) into a bit mask. */
static int
parse_groups(const char *v, unsigned *mask)
{
	char *end;
	long a, b;

	*mask = 0;
	if (strcmp(v, "auto") == 0 || *v == '\0')
		return 0;
	for (;;) {
		a = b = strtol(v, &end, 10);
		if (end == v)
			return -1;
		if (*end == '-')
			b = strtol(v = end + 1, &end, 10);
		if (end == v || a < 0 || b > 7 || a > b)
			return -1;
		while (a <= b)
			*mask |= 1u << a++;
		if (*end == '\0')
			return 0;
		if (*end != ',')
			return -1;
		v = end + 1;
	}
}

/* 0 -> 1 ("taken"), errors as they are. */
static int
taken(int rc)
{
	return rc == 0 ? 1 : rc;
}

static int
set_protocol(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	static const char *const protocols[] = { "auto", "lv", "hv", "sc0500", "rs485", NULL };

	if (one_of(value, protocols) != 0)
		return bad(err, errsize, key, value,
		    "is not a protocol (auto, lv, hv, sc0500 or rs485)");
	strcpy(c->protocol, value);
	return 1;
}

static int
set_dialect(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	static const char *const dialects[] = { "auto", "pylontech", "pace", "seplos", NULL };

	if (one_of(value, dialects) != 0)
		return bad(err, errsize, key, value,
		    "is not an RS485 dialect (auto, pylontech, pace or seplos)");
	strcpy(c->dialect, value);
	return 1;
}

static int
set_groups(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	if (parse_groups(value, &c->rs485_groups) != 0)
		return bad(err, errsize, key, value,
		    "is not a list of Pylontech groups 0-7 (e.g. 0,1 or 0-3) or auto");
	return 1;
}

/* RS485_GAP_MS: milliseconds, or auto (a few character times, -1). */
static int
set_gap(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	long n;

	if (strcasecmp(value, "auto") == 0)
		n = -1;
	else if (parse_int(value, 0, 2000, &n) != 0)
		return bad(err, errsize, key, value,
		    "is not a gap in milliseconds (0 to 2000) or auto");
	c->rs485_gap_ms = (int)n;
	return 1;
}

static int
set_eol(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	if (strcasecmp(value, "lf") == 0)
		strcpy(c->eol, "\n");
	else if (strcasecmp(value, "cr") == 0)
		strcpy(c->eol, "\r");
	else if (strcasecmp(value, "crlf") == 0)
		strcpy(c->eol, "\r\n");
	else
		return bad(err, errsize, key, value, "is not lf, cr or crlf");
	return 1;
}

/* --record (pylontop(1), RECORDING FORMAT). */
static int
set_record_max(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	if (parse_size(value, &c->record_max_bytes) != 0)
		return bad(err, errsize, key, value,
		    "is not a size of at least 4096 bytes (e.g. 64M)");
	return 1;
}

static int
set_broker(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	if (strstr(value, "://") != NULL)
		return taken(config_set_mqtt_url(c, value, err, errsize));
	if (strlen(value) >= sizeof c->mqtt.host)
		return bad(err, errsize, key, value, "is too long");
	c->mqtt.configured = value[0] != '\0';
	strcpy(c->mqtt.host, value);
	return 1;
}

static int
set_url(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	(void)key;
	return taken(config_set_mqtt_url(c, value, err, errsize));
}

/* The value is a secret: never in a message. */
static int
set_password(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	if (strlen(value) >= sizeof c->mqtt.password)
		return bad(err, errsize, key, "***", "is too long");
	strcpy(c->mqtt.password, value);
	return 1;
}

static int
set_password_file(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	(void)key;
	return taken(config_read_password_file(c, value, err, errsize));
}

static int
set_mqtt_enabled(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	c->mqtt_enabled_explicit = true;
	if (pt_parse_bool(value, &c->mqtt.enabled) != 0)
		return bad(err, errsize, key, value, "is not a yes/no value (use true or false)");
	return 1;
}

static int
set_base_topic(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	if (strpbrk(value, "+#") != NULL || value[0] == '/' || value[0] == '\0')
		return bad(err, errsize, key, value,
		    "is not a topic prefix (no '+', '#' or leading '/')");
	if (strlen(value) >= sizeof c->mqtt.base_topic)
		return bad(err, errsize, key, value, "is too long");
	strcpy(c->mqtt.base_topic, value);
	return 1;
}

static int
set_discovery_prefix(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	if (strpbrk(value, "+# ") != NULL || value[0] == '\0')
		return bad(err, errsize, key, value, "is not a topic prefix");
	if (strlen(value) >= sizeof c->mqtt.discovery_prefix)
		return bad(err, errsize, key, value, "is too long");
	strcpy(c->mqtt.discovery_prefix, value);
	return 1;
}

/* HA_DISCOVERY_MODE: device (one config per device, HA 2024.11 and
 * later) or entity (one per entity, for older Home Assistant). */
static int
set_discovery_mode(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	if (strcasecmp(value, "device") == 0)
		c->mqtt.discovery_mode = 0;
	else if (strcasecmp(value, "entity") == 0)
		c->mqtt.discovery_mode = 1;
	else
		return bad(err, errsize, key, value,
		    "is not a discovery mode (device, or entity for Home Assistant before "
		    "2024.11)");
	return 1;
}

/* MQTT_STATE_FILE: "" keeps nothing; unset, the sink picks the default. */
static int
set_state_file(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	if (strlen(value) >= sizeof c->mqtt.state_file)
		return bad(err, errsize, key, value, "is too long");
	strcpy(c->mqtt.state_file, value);
	c->mqtt.state_file_given = true;
	return 1;
}

/* METRICS_LISTEN=[ADDR:]PORT ("[::1]:9100" for IPv6); "" switches it off.
 * Without an address only this machine can scrape. */
static int
set_metrics(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	const char *given = value, *colon = strrchr(value, ':');
	const char *port = colon != NULL ? colon + 1 : value;
	size_t alen = colon != NULL ? (size_t)(colon - value) : 0;
	long n;

	if (value[0] == '\0') {
		c->metrics_port = 0;
		return 1;
	}
	if (alen >= 2 && value[0] == '[' && value[alen - 1] == ']') {
		value++;
		alen -= 2;
	}
	if (parse_int(port, 1, 65535, &n) != 0 || (colon != NULL && alen == 0) ||
	    alen >= sizeof c->metrics_addr || memchr(value, ' ', alen) != NULL)
		return bad(err, errsize, key, given,
		    "is not [ADDR:]PORT (e.g. 9100, 0.0.0.0:9100 or [::1]:9100)");
	if (colon != NULL) {
		memcpy(c->metrics_addr, value, alen);
		c->metrics_addr[alen] = '\0';
	} else {
		strcpy(c->metrics_addr, "127.0.0.1");
	}
	c->metrics_port = (int)n;
	return 1;
}

/* The key table: a row per key (and its alias), the kind of value, where
 * it goes in struct pt_config, its range and what to say when it is bad.
 * A key whose value needs more than that names its function (KEY_FN). */
enum key_kind { KEY_STR, KEY_BOOL, KEY_INT, KEY_SECONDS, KEY_FN };

struct key_row {
	const char	*key, *alias;
	enum key_kind	 kind;
	size_t		 off, size;	/* the member in struct pt_config */
	double		 lo, hi;	/* KEY_INT, KEY_SECONDS */
	const char	*why;		/* KEY_INT, KEY_SECONDS: after "KEY: 'value' " */
	setter_fn	*fn;		/* KEY_FN */
};

#define AT(member) .off = offsetof(struct pt_config, member), \
	.size = sizeof ((struct pt_config *)0)->member
#define STR(k, a, member)	{ .key = k, .alias = a, .kind = KEY_STR, AT(member) }
#define BOOL(k, a, member)	{ .key = k, .alias = a, .kind = KEY_BOOL, AT(member) }
#define INT(k, member, l, h, w)	{ .key = k, .kind = KEY_INT, AT(member), .lo = l, .hi = h, \
	.why = w }
#define SECS(k, a, member, l, h, w) { .key = k, .alias = a, .kind = KEY_SECONDS, AT(member), \
	.lo = l, .hi = h, .why = w }
#define FN(k, a, f)		{ .key = k, .alias = a, .kind = KEY_FN, .fn = f }

static const struct key_row key_table[] = {
	/* the link */
	STR("SERIAL_PORT", "DEVICE", device),
	INT("BAUD", baud, 300, 4000000, "is not a baud rate (e.g. 115200)"),
	INT("SERIAL_BAUD", baud, 300, 4000000, "is not a baud rate (e.g. 115200)"),
	FN("PROTOCOL", NULL, set_protocol),
	FN("DIALECT", NULL, set_dialect),
	FN("RS485_GROUPS", NULL, set_groups),
	FN("RS485_GAP_MS", NULL, set_gap),
	SECS("INTERVAL", "POLL_INTERVAL", interval_s, 0.2, 86400,
	    "is not a poll interval in seconds (0.2 to 86400)"),
	FN("COMMAND_EOL", NULL, set_eol),
	STR("BMS_BARCODE", NULL, barcode),
	BOOL("FORCE_TBAR", NULL, force_tbar),
	BOOL("DEBUG_MODE", NULL, debug),
	/* CSV and recording */
	STR("CSV_FILE", NULL, csv_path),
	BOOL("CSV_ENABLED", NULL, csv_enabled),
	STR("RECORD_FILE", NULL, record_path),
	FN("RECORD_MAX_BYTES", NULL, set_record_max),
	SECS("REPLAY_SPEED", NULL, replay_speed, 0, 1000,
	    "is not a replay speed (1 = as recorded, 0 = as fast as possible)"),
	/* MQTT */
	FN("MQTT_BROKER", "MQTT_HOST", set_broker),
	FN("MQTT_URL", NULL, set_url),
	INT("MQTT_PORT", mqtt.port, 1, 65535, "is not a TCP port (1 to 65535)"),
	STR("MQTT_USER", "MQTT_USERNAME", mqtt.user),
	FN("MQTT_PASSWORD", NULL, set_password),
	FN("MQTT_PASSWORD_FILE", NULL, set_password_file),
	FN("MQTT_ENABLED", NULL, set_mqtt_enabled),
	BOOL("MQTT_TLS", NULL, mqtt.tls),
	STR("MQTT_CAFILE", NULL, mqtt.cafile),
	STR("MQTT_CAPATH", NULL, mqtt.capath),
	STR("MQTT_CERTFILE", NULL, mqtt.certfile),
	STR("MQTT_KEYFILE", NULL, mqtt.keyfile),
	BOOL("MQTT_TLS_INSECURE", NULL, mqtt.tls_insecure),
	STR("MQTT_CLIENT_ID", NULL, mqtt.client_id),
	FN("MQTT_BASE_TOPIC", "MQTT_TOPIC", set_base_topic),
	FN("HA_DISCOVERY_PREFIX", NULL, set_discovery_prefix),
	BOOL("HA_DISCOVERY", "MQTT_DISCOVERY", mqtt.discovery),
	INT("MQTT_QOS", mqtt.qos, 0, 2, "is not a QoS level (0, 1 or 2)"),
	BOOL("MQTT_RETAIN", NULL, mqtt.retain),
	SECS("MQTT_INTERVAL", NULL, mqtt.interval_s, 0, 86400,
	    "is not an interval in seconds (0 = every sample)"),
	INT("MQTT_KEEPALIVE", mqtt.keepalive_s, 5, 3600,
	    "is not a keepalive in seconds (5 to 3600)"),
	STR("DEVICE_UNIQUE_ID", NULL, mqtt.unique_id),
	STR("DEVICE_NAME", NULL, mqtt.device_name),
	FN("HA_DISCOVERY_MODE", NULL, set_discovery_mode),
	FN("MQTT_STATE_FILE", NULL, set_state_file),
	SECS("ENERGY_MAX_GAP_S", NULL, mqtt.energy_max_gap_s, 1, 86400,
	    "is not a gap in seconds (1 to 86400)"),
	/* the Prometheus endpoint */
	FN("METRICS_LISTEN", NULL, set_metrics),
	/* pylontop report */
	STR("SITE_NAME", NULL, report.site_name),
};

#undef AT
#undef STR
#undef BOOL
#undef INT
#undef SECS
#undef FN

static int
set_row(const struct key_row *r, struct pt_config *c, const char *key, const char *value,
    char *err, size_t errsize)
{
	void *dst = (char *)c + r->off;
	long n;

	switch (r->kind) {
	case KEY_STR:
		if (strlen(value) >= r->size)
			return bad(err, errsize, key, value, "is too long");
		strcpy(dst, value);
		return 1;
	case KEY_BOOL:
		if (pt_parse_bool(value, dst) != 0)
			return bad(err, errsize, key, value,
			    "is not a yes/no value (use true or false)");
		return 1;
	case KEY_INT:
		if (parse_int(value, (long)r->lo, (long)r->hi, &n) != 0)
			return bad(err, errsize, key, value, r->why);
		*(int *)dst = (int)n;
		return 1;
	case KEY_SECONDS:
		if (parse_seconds(value, r->lo, r->hi, dst) != 0)
			return bad(err, errsize, key, value, r->why);
		return 1;
	case KEY_FN:
		return r->fn(c, key, value, err, errsize);
	}
	return 0;
}

static int
set_by_table(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	size_t i;

	for (i = 0; i < sizeof key_table / sizeof key_table[0]; i++)
		if (strcmp(key, key_table[i].key) == 0 ||
		    (key_table[i].alias != NULL && strcmp(key, key_table[i].alias) == 0))
			return set_row(&key_table[i], c, key, value, err, errsize);
	return 0;
}

/* The report's thresholds (pylontop.conf(5)). */
static int
set_report(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	static const struct {
		const char *key;
		size_t	off;
		double	lo, hi;
	} nums[] = {
		{ "REPORT_SPREAD_DEGRADING_MV", offsetof(struct report_config, spread_degrading_mv),
		  0, 1000 },
		{ "REPORT_SPREAD_FAILED_MV", offsetof(struct report_config, spread_failed_mv),
		  0, 1000 },
		{ "REPORT_LOAD_MIN_A", offsetof(struct report_config, load_min_a), 0, 1000 },
		{ "REPORT_LOAD_MAX_A", offsetof(struct report_config, load_max_a), 0, 1000 },
		{ "REPORT_SOC_MIN", offsetof(struct report_config, soc_min), 0, 100 },
		{ "REPORT_SOC_MAX", offsetof(struct report_config, soc_max), 0, 100 },
	};
	char *end;
	double v;
	size_t i;

	for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		if (strcmp(key, nums[i].key) != 0)
			continue;
		errno = 0;
		v = strtod(value, &end);
		if (errno != 0 || end == value || *end != '\0' || v < nums[i].lo ||
		    v > nums[i].hi)
			return bad(err, errsize, key, value, nums[i].hi > 100 ?
			    "is not a number from 0 to 1000" : "is not a percentage (0-100)");
		*(double *)((char *)&c->report + nums[i].off) = v;
		return 1;
	}
	return 0;
}

static int
set_health(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	return health_config_set(&c->health, key, value, err, errsize);
}

static int
set_alarms(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	return alarm_config_set(&c->alarms, key, value, err, errsize);
}

int
config_set(struct pt_config *c, const char *key, const char *value, char *err, size_t errsize)
{
	static setter_fn *const setters[] = { set_by_table, set_report, set_health, set_alarms };
	size_t i;
	int rc;

	err[0] = '\0';
	for (i = 0; i < sizeof setters / sizeof setters[0]; i++) {
		rc = setters[i](c, key, value, err, errsize);
		if (rc < 0)
			return PT_ERR_CONFIG;
		if (rc > 0)
			return 0;
	}
	return 1;	/* unknown key */
}

int
config_set_mqtt_url(struct pt_config *c, const char *url, char *err, size_t errsize)
{
	struct mqtt_config *m = &c->mqtt;
	const char *p, *at, *colon, *end;
	char host[256];
	long port;

	if (strncmp(url, "mqtt://", 7) == 0) {
		p = url + 7;
		m->tls = false;
	} else if (strncmp(url, "mqtts://", 8) == 0) {
		p = url + 8;
		m->tls = true;
	} else
		return bad(err, errsize, "MQTT URL", url,
		    "is not mqtt://[user@]host[:port] or mqtts://...");
	end = p + strcspn(p, "/");
	if (*end == '/' && end[1] != '\0')
		return bad(err, errsize, "MQTT URL", url, "has a path; set MQTT_BASE_TOPIC instead");
	at = memchr(p, '@', (size_t)(end - p));
	if (at != NULL) {
		if (memchr(p, ':', (size_t)(at - p)) != NULL)
			return bad(err, errsize, "MQTT URL", "(hidden)",
			    "holds a password: put it in the config file or --mqtt-password-file");
		if ((size_t)(at - p) >= sizeof m->user)
			return bad(err, errsize, "MQTT URL", url, "has a user name that is too long");
		memcpy(m->user, p, (size_t)(at - p));
		m->user[at - p] = '\0';
		p = at + 1;
	}
	if (*p == '[') {	/* [::1]:1883 */
		const char *rb = memchr(p, ']', (size_t)(end - p));
		if (rb == NULL)
			return bad(err, errsize, "MQTT URL", url, "has an unclosed '['");
		snprintf(host, sizeof host, "%.*s", (int)(rb - p - 1), p + 1);
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		snprintf(host, sizeof host, "%.*s", (int)((colon ? colon : end) - p), p);
	}
	if (host[0] == '\0')
		return bad(err, errsize, "MQTT URL", url, "has no host");
	m->port = 0;
	if (colon != NULL) {
		char num[8];
		snprintf(num, sizeof num, "%.*s", (int)(end - colon - 1), colon + 1);
		if (parse_int(num, 1, 65535, &port) != 0)
			return bad(err, errsize, "MQTT URL", url, "has a bad port (1 to 65535)");
		m->port = (int)port;
	}
	strcpy(m->host, host);
	m->configured = true;
	return 0;
}

/* A secret others can read is no longer a secret: say so, as ssh does
 * for keys, but go on (the file may be on a filesystem without modes). */
static void
warn_if_readable(FILE *f, const char *path)
{
	struct stat st;

	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 044) != 0)
		fprintf(stderr, "pylontop: warning: %s holds the MQTT password and is readable "
		    "by %s (mode %04o); run chmod 600 %s\n", path,
		    (st.st_mode & 004) ? "others" : "the group", (unsigned)(st.st_mode & 07777),
		    path);
}

int
config_read_password_file(struct pt_config *c, const char *path, char *err, size_t errsize)
{
	char line[sizeof c->mqtt.password + 2];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL) {
		snprintf(err, errsize, "%s: cannot read the MQTT password file: %s",
		    path, strerror(errno));
		return PT_ERR_CONFIG;
	}
	warn_if_readable(f, path);
	if (fgets(line, sizeof line, f) == NULL)
		line[0] = '\0';
	fclose(f);
	n = strcspn(line, "\r\n");
	if (n >= sizeof c->mqtt.password) {
		snprintf(err, errsize, "%s: the MQTT password is too long", path);
		return PT_ERR_CONFIG;
	}
	line[n] = '\0';
	strcpy(c->mqtt.password, line);
	explicit_bzero(line, sizeof line);
	return 0;
}

/* Strip blanks, `export `, quotes and an unquoted trailing comment. */
static char *
clean_value(char *v)
{
	size_t n;
	char q;

	while (isspace((unsigned char)*v))
		v++;
	q = *v;
	if (q == '"' || q == '\'') {
		char *close = strrchr(v + 1, q);
		if (close != NULL) {
			*close = '\0';
			return v + 1;
		}
	}
	for (n = 0; v[n] != '\0'; n++)
		if (v[n] == '#' && n > 0 && isspace((unsigned char)v[n - 1])) {
			v[n] = '\0';
			break;
		}
	n = strlen(v);
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		v[--n] = '\0';
	return v;
}

/* "[stack NAME]" (issue 16.1): NAME into name; -1 for another header. */
static int
section_name(const char *line, char *name, size_t size)
{
	int n = 0;

	if (sscanf(line, "[stack %63[A-Za-z0-9_-]]%n", name, &n) != 1 || n == 0 ||
	    strlen(name) >= size)
		return -1;
	while (isspace((unsigned char)line[n]))
		n++;
	return line[n] == '\0' ? 0 : -1;
}

/* The keys before the first section (section NULL), or those of
 * [stack section] only. */
static int
load_part(struct pt_config *c, const char *path, const char *section, char *err,
    size_t errsize)
{
	char line[1024], why[256], name[64];
	FILE *f = fopen(path, "r");
	int lineno = 0, rc = 0;
	bool password = false, in = section == NULL;

	if (f == NULL) {
		snprintf(err, errsize, "%s: cannot read the config file: %s", path, strerror(errno));
		return errno == ENOENT ? PT_ERR_NODEV : PT_ERR_CONFIG;
	}
	snprintf(c->source, sizeof c->source, "%s", path);
	while (fgets(line, sizeof line, f) != NULL) {
		char *key = line, *eq, *value, *k;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errsize, "%s:%d: line too long (over %zu characters)",
			    path, lineno, sizeof line - 2);
			rc = PT_ERR_CONFIG;
			break;
		}
		while (isspace((unsigned char)*key))
			key++;
		if (*key == '#' || *key == '\0')
			continue;
		if (*key == '[') {
			if (section_name(key, name, CONFIG_STACK_NAME_MAX) != 0) {
				snprintf(err, errsize, "%s:%d: expected [stack NAME] (NAME: 1 "
				    "to %d letters, digits, '-' and '_')", path, lineno,
				    CONFIG_STACK_NAME_MAX - 1);
				rc = PT_ERR_CONFIG;
				break;
			}
			in = section != NULL && strcmp(name, section) == 0;
			continue;
		}
		if (!in)
			continue;
		if (strncmp(key, "export ", 7) == 0)
			key += 7;
		eq = strchr(key, '=');
		if (eq == NULL) {
			snprintf(err, errsize, "%s:%d: expected KEY=value", path, lineno);
			rc = PT_ERR_CONFIG;
			break;
		}
		*eq = '\0';
		for (k = eq; k > key && isspace((unsigned char)k[-1]); k--)
			k[-1] = '\0';
		value = clean_value(eq + 1);
		if (strcmp(key, "MQTT_PASSWORD") == 0 && value[0] != '\0')
			password = true;
		rc = config_set(c, key, value, why, sizeof why);
		if (rc == 1) {
			fprintf(stderr, "pylontop: %s:%d: unknown key %s ignored\n",
			    path, lineno, key);
			rc = 0;
		} else if (rc < 0) {
			snprintf(err, errsize, "%s:%d: %s", path, lineno, why);
			break;
		}
	}
	explicit_bzero(line, sizeof line);
	if (password)
		warn_if_readable(f, path);
	fclose(f);
	return rc;
}

int
config_load(struct pt_config *c, const char *path, char *err, size_t errsize)
{
	return load_part(c, path, NULL, err, errsize);
}

int
config_load_stack(struct pt_config *c, const char *path, const char *name, char *err,
    size_t errsize)
{
	return load_part(c, path, name, err, errsize);
}

int
config_stack_names(const char *path, char (*names)[CONFIG_STACK_NAME_MAX], int max)
{
	char line[1024], name[64], *p;
	FILE *f = fopen(path, "r");
	int n = 0, k;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		for (p = line; isspace((unsigned char)*p); p++)
			;
		p[strcspn(p, "\r\n")] = '\0';
		if (*p != '[' || section_name(p, name, CONFIG_STACK_NAME_MAX) != 0)
			continue;	/* config_load says why */
		for (k = 0; k < n && strcmp(names[k], name) != 0; k++)
			;
		if (k == n && n < max)
			snprintf(names[n++], CONFIG_STACK_NAME_MAX, "%s", name);
	}
	explicit_bzero(line, sizeof line);
	fclose(f);
	return n;
}

const char *
config_default_path(char *buf, size_t size)
{
	const char *home = getenv("HOME");
	struct stat st;

	if (stat(CONFIG_CWD_FILE, &st) == 0 && S_ISREG(st.st_mode)) {
		if (st.st_uid != getuid())
			fprintf(stderr, "pylontop: warning: ./%s ignored: it belongs to uid %u, not "
			    "to you; use -c FILE to read it anyway\n", CONFIG_CWD_FILE,
			    (unsigned)st.st_uid);
		else if ((st.st_mode & 022) != 0)
			fprintf(stderr, "pylontop: warning: ./%s ignored: %s may write to it "
			    "(mode %04o); run chmod go-w %s, or use -c FILE\n", CONFIG_CWD_FILE,
			    (st.st_mode & 002) ? "anyone" : "the group",
			    (unsigned)(st.st_mode & 07777), CONFIG_CWD_FILE);
		else {
			snprintf(buf, size, "%s", CONFIG_CWD_FILE);
			return buf;
		}
	}
	if (home != NULL && home[0] != '\0') {
		snprintf(buf, size, "%s/.config/pylontop/config", home);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode))
			return buf;
	}
	return NULL;
}

void
config_finish(struct pt_config *c)
{
	/* As in the SC0500 bridges: a configured broker means "publish",
	 * unless MQTT_ENABLED or --no-mqtt said otherwise. */
	if (!c->mqtt_enabled_explicit)
		c->mqtt.enabled = c->mqtt.configured;
	if (c->mqtt.port == 0)
		c->mqtt.port = c->mqtt.tls ? 8883 : 1883;
	if (c->mqtt.cafile[0] != '\0' || c->mqtt.capath[0] != '\0')
		c->mqtt.tls = true;
}

int
config_check(const struct pt_config *c, char *err, size_t errsize)
{
	const struct report_config *r = &c->report;

	if (r->spread_degrading_mv > r->spread_failed_mv) {
		snprintf(err, errsize, "REPORT_SPREAD_DEGRADING_MV (%g) is above "
		    "REPORT_SPREAD_FAILED_MV (%g): give them in order", r->spread_degrading_mv,
		    r->spread_failed_mv);
		return PT_ERR_CONFIG;
	}
	if (r->load_min_a > r->load_max_a || r->soc_min > r->soc_max) {
		snprintf(err, errsize, "REPORT_LOAD_MIN_A/REPORT_LOAD_MAX_A or "
		    "REPORT_SOC_MIN/REPORT_SOC_MAX are not in order (min above max)");
		return PT_ERR_CONFIG;
	}
	if (alarm_config_check(&c->alarms, err, errsize) != 0)
		return PT_ERR_CONFIG;
	return health_config_check(&c->health, err, errsize);
}
