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
set_str(char *dst, size_t size, const char *key, const char *value, char *err, size_t errsize)
{
	if (strlen(value) >= size)
		return bad(err, errsize, key, value, "is too long");
	strcpy(dst, value);
	return 0;
}

static int
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
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

static int
set_bool(bool *dst, const char *key, const char *value, char *err, size_t errsize)
{
	if (parse_bool(value, dst) != 0)
		return bad(err, errsize, key, value, "is not a yes/no value (use true or false)");
	return 0;
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

/* --record, --replay-speed (pylontop(1), RECORDING FORMAT). */
static int
set_record(struct pt_config *c, const char *key, const char *value, char *err,
    size_t errsize)
{
	if (strcmp(key, "RECORD_FILE") == 0)
		return set_str(c->record_path, sizeof c->record_path, key, value, err, errsize);
	if (strcmp(key, "RECORD_MAX_BYTES") == 0) {
		if (parse_size(value, &c->record_max_bytes) != 0)
			return bad(err, errsize, key, value,
			    "is not a size of at least 4096 bytes (e.g. 64M)");
		return 0;
	}
	if (strcmp(key, "REPLAY_SPEED") == 0) {
		if (parse_seconds(value, 0, 1000, &c->replay_speed) != 0)
			return bad(err, errsize, key, value,
			    "is not a replay speed (1 = as recorded, 0 = as fast as possible)");
		return 0;
	}
	return 1;
}

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

static int
set_core(struct pt_config *c, const char *key, const char *value, char *err, size_t errsize)
{
	static const char *const protocols[] = { "auto", "lv", "hv", "sc0500", "rs485", NULL };
	static const char *const dialects[] = { "auto", "pylontech", "pace", "seplos", NULL };
	long n;

	if (strcmp(key, "SERIAL_PORT") == 0 || strcmp(key, "DEVICE") == 0)
		return set_str(c->device, sizeof c->device, key, value, err, errsize);
	if (strcmp(key, "BAUD") == 0 || strcmp(key, "SERIAL_BAUD") == 0) {
		if (parse_int(value, 300, 4000000, &n) != 0)
			return bad(err, errsize, key, value, "is not a baud rate (e.g. 115200)");
		c->baud = (int)n;
		return 0;
	}
	if (strcmp(key, "PROTOCOL") == 0) {
		if (one_of(value, protocols) != 0)
			return bad(err, errsize, key, value,
			    "is not a protocol (auto, lv, hv, sc0500 or rs485)");
		strcpy(c->protocol, value);
		return 0;
	}
	if (strcmp(key, "DIALECT") == 0) {
		if (one_of(value, dialects) != 0)
			return bad(err, errsize, key, value,
			    "is not an RS485 dialect (auto, pylontech, pace or seplos)");
		strcpy(c->dialect, value);
		return 0;
	}
	if (strcmp(key, "RS485_GROUPS") == 0) {
		if (parse_groups(value, &c->rs485_groups) != 0)
			return bad(err, errsize, key, value,
			    "is not a list of Pylontech groups 0-7 (e.g. 0,1 or 0-3) or auto");
		return 0;
	}
	if (strcmp(key, "RS485_GAP_MS") == 0) {
		if (strcasecmp(value, "auto") == 0)
			n = -1;
		else if (parse_int(value, 0, 2000, &n) != 0)
			return bad(err, errsize, key, value,
			    "is not a gap in milliseconds (0 to 2000) or auto");
		c->rs485_gap_ms = (int)n;
		return 0;
	}
	if (strcmp(key, "INTERVAL") == 0 || strcmp(key, "POLL_INTERVAL") == 0) {
		if (parse_seconds(value, 0.2, 86400, &c->interval_s) != 0)
			return bad(err, errsize, key, value,
			    "is not a poll interval in seconds (0.2 to 86400)");
		return 0;
	}
	if (strcmp(key, "COMMAND_EOL") == 0) {
		if (strcasecmp(value, "lf") == 0)
			strcpy(c->eol, "\n");
		else if (strcasecmp(value, "cr") == 0)
			strcpy(c->eol, "\r");
		else if (strcasecmp(value, "crlf") == 0)
			strcpy(c->eol, "\r\n");
		else
			return bad(err, errsize, key, value, "is not lf, cr or crlf");
		return 0;
	}
	if (strcmp(key, "BMS_BARCODE") == 0)
		return set_str(c->barcode, sizeof c->barcode, key, value, err, errsize);
	if (strcmp(key, "FORCE_TBAR") == 0)
		return set_bool(&c->force_tbar, key, value, err, errsize);
	if (strcmp(key, "DEBUG_MODE") == 0)
		return set_bool(&c->debug, key, value, err, errsize);
	if (strcmp(key, "CSV_FILE") == 0)
		return set_str(c->csv_path, sizeof c->csv_path, key, value, err, errsize);
	if (strcmp(key, "CSV_ENABLED") == 0)
		return set_bool(&c->csv_enabled, key, value, err, errsize);
	return set_record(c, key, value, err, errsize);
}

static int
set_mqtt(struct pt_config *c, const char *key, const char *value, char *err, size_t errsize)
{
	struct mqtt_config *m = &c->mqtt;
	long n;

	if (strcmp(key, "MQTT_BROKER") == 0 || strcmp(key, "MQTT_HOST") == 0) {
		if (strstr(value, "://") != NULL)
			return config_set_mqtt_url(c, value, err, errsize);
		m->configured = value[0] != '\0';
		return set_str(m->host, sizeof m->host, key, value, err, errsize);
	}
	if (strcmp(key, "MQTT_URL") == 0)
		return config_set_mqtt_url(c, value, err, errsize);
	if (strcmp(key, "MQTT_PORT") == 0) {
		if (parse_int(value, 1, 65535, &n) != 0)
			return bad(err, errsize, key, value, "is not a TCP port (1 to 65535)");
		m->port = (int)n;
		return 0;
	}
	if (strcmp(key, "MQTT_USER") == 0 || strcmp(key, "MQTT_USERNAME") == 0)
		return set_str(m->user, sizeof m->user, key, value, err, errsize);
	if (strcmp(key, "MQTT_PASSWORD") == 0) {
		if (strlen(value) >= sizeof m->password)
			return bad(err, errsize, key, "***", "is too long");
		strcpy(m->password, value);
		return 0;
	}
	if (strcmp(key, "MQTT_PASSWORD_FILE") == 0)
		return config_read_password_file(c, value, err, errsize);
	if (strcmp(key, "MQTT_ENABLED") == 0) {
		c->mqtt_enabled_explicit = true;
		return set_bool(&m->enabled, key, value, err, errsize);
	}
	if (strcmp(key, "MQTT_TLS") == 0)
		return set_bool(&m->tls, key, value, err, errsize);
	if (strcmp(key, "MQTT_CAFILE") == 0)
		return set_str(m->cafile, sizeof m->cafile, key, value, err, errsize);
	if (strcmp(key, "MQTT_CAPATH") == 0)
		return set_str(m->capath, sizeof m->capath, key, value, err, errsize);
	if (strcmp(key, "MQTT_CERTFILE") == 0)
		return set_str(m->certfile, sizeof m->certfile, key, value, err, errsize);
	if (strcmp(key, "MQTT_KEYFILE") == 0)
		return set_str(m->keyfile, sizeof m->keyfile, key, value, err, errsize);
	if (strcmp(key, "MQTT_TLS_INSECURE") == 0)
		return set_bool(&m->tls_insecure, key, value, err, errsize);
	if (strcmp(key, "MQTT_CLIENT_ID") == 0)
		return set_str(m->client_id, sizeof m->client_id, key, value, err, errsize);
	if (strcmp(key, "MQTT_BASE_TOPIC") == 0 || strcmp(key, "MQTT_TOPIC") == 0) {
		if (strpbrk(value, "+#") != NULL || value[0] == '/' || value[0] == '\0')
			return bad(err, errsize, key, value,
			    "is not a topic prefix (no '+', '#' or leading '/')");
		return set_str(m->base_topic, sizeof m->base_topic, key, value, err, errsize);
	}
	if (strcmp(key, "HA_DISCOVERY_PREFIX") == 0) {
		if (strpbrk(value, "+# ") != NULL || value[0] == '\0')
			return bad(err, errsize, key, value, "is not a topic prefix");
		return set_str(m->discovery_prefix, sizeof m->discovery_prefix, key, value,
		    err, errsize);
	}
	if (strcmp(key, "HA_DISCOVERY") == 0 || strcmp(key, "MQTT_DISCOVERY") == 0)
		return set_bool(&m->discovery, key, value, err, errsize);
	if (strcmp(key, "MQTT_QOS") == 0) {
		if (parse_int(value, 0, 2, &n) != 0)
			return bad(err, errsize, key, value, "is not a QoS level (0, 1 or 2)");
		m->qos = (int)n;
		return 0;
	}
	if (strcmp(key, "MQTT_RETAIN") == 0)
		return set_bool(&m->retain, key, value, err, errsize);
	if (strcmp(key, "MQTT_INTERVAL") == 0) {
		if (parse_seconds(value, 0, 86400, &m->interval_s) != 0)
			return bad(err, errsize, key, value,
			    "is not an interval in seconds (0 = every sample)");
		return 0;
	}
	if (strcmp(key, "MQTT_KEEPALIVE") == 0) {
		if (parse_int(value, 5, 3600, &n) != 0)
			return bad(err, errsize, key, value, "is not a keepalive in seconds (5 to 3600)");
		m->keepalive_s = (int)n;
		return 0;
	}
	if (strcmp(key, "DEVICE_UNIQUE_ID") == 0)
		return set_str(m->unique_id, sizeof m->unique_id, key, value, err, errsize);
	if (strcmp(key, "DEVICE_NAME") == 0)
		return set_str(m->device_name, sizeof m->device_name, key, value, err, errsize);
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

	if (strcmp(key, "METRICS_LISTEN") != 0)
		return 1;
	if (value[0] == '\0') {
		c->metrics_port = 0;
		return 0;
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
	return 0;
}

/* SITE_NAME and the report's thresholds (pylontop.conf(5)). */
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

	if (strcmp(key, "SITE_NAME") == 0)
		return set_str(c->report.site_name, sizeof c->report.site_name, key, value,
		    err, errsize);
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
		return 0;
	}
	return 1;
}

int
config_set(struct pt_config *c, const char *key, const char *value, char *err, size_t errsize)
{
	int rc;

	err[0] = '\0';
	if ((rc = set_core(c, key, value, err, errsize)) <= 0)
		return rc;
	if ((rc = set_mqtt(c, key, value, err, errsize)) <= 0)
		return rc;
	if ((rc = set_metrics(c, key, value, err, errsize)) <= 0)
		return rc;
	if ((rc = health_config_set(&c->health, key, value, err, errsize)) != 0)
		return rc < 0 ? PT_ERR_CONFIG : 0;
	if ((rc = set_report(c, key, value, err, errsize)) <= 0)
		return rc;
	rc = alarm_config_set(&c->alarms, key, value, err, errsize);
	if (rc < 0)
		return PT_ERR_CONFIG;
	if (rc > 0)
		return 0;
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
