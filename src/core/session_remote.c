/* session_remote.c — a remote view: -d mqtt[s]://broker[:port]/BASE.
 *
 * The samples a pylontop publishes under BASE (sink/mqtt.c: BASE/state,
 * BASE/module/<id>/state, BASE/status) are turned back into struct
 * pt_sample values and handed to the monitor as if a device had answered:
 * history, alarms, UI and CSV work unchanged.  The link is of kind
 * "remote" (link_is_remote()): it opens without I/O; this session holds
 * the MQTT connection and drives libmosquitto in steps on the acquisition
 * thread, so there is no extra thread.
 *
 * One sample = one stack state and the module states with the same
 * "seq" (the site publishes them in that order).  A set is complete when
 * "modules" module states arrived, or SET_WAIT_MS after its stack state
 * (a module state lost on the way: the module is missing, never old).
 *
 * Read-only: no will, no birth, no discovery, no publish; only our own
 * connection (CONNECT, SUBSCRIBE, PINGREQ, DISCONNECT).  The client id is
 * our own ("pylontop-view-<host>-<pid>"), never MQTT_CLIENT_ID, so a view
 * started with the site's config cannot throw the site off the broker.
 */
#include "autoconfig.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <mosquitto.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/session.h"
#include "sink/mqtt_discovery.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/vlog.h"

#define STEP_MS		100		/* one mosquitto_loop step */
#define SET_WAIT_MS	2000		/* modules of a set after its stack state */
#define FIRST_WAIT_MS	15000		/* identify: the first complete set */
#define LIST_WAIT_MS	2500		/* --list-remote: retained topics */
#define KEEPALIVE_S	30
#define CONNECT_MS	10000		/* TCP connect and CONNACK */

struct remote {
	struct mqtt_config	mc;
	char			base[MQ_TOPIC_LEN];
	struct mosquitto	*mosq;
	bool			connected;
	int			refused;	/* CONNACK code, 0 = accepted */
	struct pt_sample	*pend;		/* being assembled */
	bool			pend_open;
	int			pend_want, pend_got;
	int64_t			pend_mono;	/* when its stack state came */
	struct pt_sample	*ready;		/* complete, not yet returned */
	bool			have_ready;
	int64_t			last_time_ms;	/* site time of the last set returned */
	int64_t			last_gap_ms;	/* between the last two sets */
	int64_t			last_rx_mono;
	bool			offline, offline_said;
};

static struct remote *
priv(struct session *s)
{
	return s->priv;
}

/* ---- the address ------------------------------------------------------ */

/* "mqtt[s]://[user@]host[:port]/PATH": the broker into *mc (TLS files,
 * user and password of the MQTT sink's config are kept) and PATH into
 * path.  `what` names PATH in messages. */
static int
parse_url(const struct pt_config *cfg, const char *url, const char *what,
    struct mqtt_config *mc, char *path, size_t size, char *err, size_t errsize)
{
	struct pt_config *tmp = malloc(sizeof *tmp);
	const char *p = url + (strncmp(url, "mqtts://", 8) == 0 ? 8 : 7);
	const char *slash = strchr(p, '/');
	char head[300];
	int rc;

	if (tmp == NULL) {
		snprintf(err, errsize, "out of memory");
		return PT_ERR_NOMEM;
	}
	if (slash == NULL || slash[1] == '\0') {
		snprintf(err, errsize, "%s: no %s after the broker (e.g. mqtt://broker/pylontop/%s)",
		    url, what, strcmp(what, "PREFIX/STACK") == 0 ? "rack1" : "");
		free(tmp);
		return PT_ERR_ARG;
	}
	*tmp = *cfg;
	snprintf(head, sizeof head, "%.*s", (int)(slash - url), url);
	rc = config_set_mqtt_url(tmp, head, err, errsize);
	*mc = tmp->mqtt;
	explicit_bzero(tmp, sizeof *tmp);
	free(tmp);
	if (rc != 0)
		return PT_ERR_ARG;
	if (mc->port == 0)
		mc->port = mc->tls ? 8883 : 1883;
	snprintf(path, size, "%s", slash + 1);
	while (strlen(path) > 0 && path[strlen(path) - 1] == '/')
		path[strlen(path) - 1] = '\0';
	if (path[0] == '\0' || strpbrk(path, "+#") != NULL) {
		snprintf(err, errsize, "%s: the %s '%s' is empty or holds a wildcard", url, what,
		    path);
		return PT_ERR_ARG;
	}
	return 0;
}

/* ---- from JSON states to a sample ------------------------------------- */

static double
num(const cJSON *o, const char *key, double dflt)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(x) && isfinite(x->valuedouble) ? x->valuedouble : dflt;
}

/* An integer from the broker's (untrusted) bytes: `dflt` unless a number
 * within [lo, hi] (a cast of an out-of-range double is undefined). */
static double
inum(const cJSON *o, const char *key, double dflt, double lo, double hi)
{
	double v = num(o, key, dflt);

	return v >= lo && v <= hi ? v : dflt;
}

#define MAX_MS	9e15	/* year 287000: any real UTC ms */

static void
text(const cJSON *o, const char *key, char *dst, size_t size)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsString(x))
		pt_copy_text(dst, size, x->valuestring, strlen(x->valuestring));
}

static void
finish_set(struct remote *r)
{
	if (!r->pend_open)
		return;
	r->pend_open = false;
	memcpy(r->ready, r->pend, sizeof *r->ready);
	r->have_ready = true;
}

/* BASE/state: a new set begins (an unfinished one is delivered as is). */
static void
stack_state(struct remote *r, const cJSON *o)
{
	struct pt_sample *s = r->pend;
	const cJSON *list, *a;
	char proto[sizeof s->protocol] = "";

	finish_set(r);
	text(o, "protocol", proto, sizeof proto);
	pt_sample_init(s, proto[0] ? proto : "mqtt");
	text(o, "dialect", s->dialect, sizeof s->dialect);
	s->time_ms = (int64_t)inum(o, "time_ms", 0, 0, MAX_MS);
	if (s->time_ms <= 0)
		s->time_ms = clock_wall_ms();	/* a site too old to say it */
	s->seq = (uint32_t)inum(o, "seq", 0, 0, UINT32_MAX);
	mq_read_values(o, &s->stack, true);
	text(o, "status", s->stack.status, sizeof s->stack.status);
	text(o, "model", s->stack.model, sizeof s->stack.model);
	text(o, "barcode", s->stack.barcode, sizeof s->stack.barcode);
	text(o, "firmware", s->stack.firmware, sizeof s->stack.firmware);
	/* The BMS's own alarms; thresholds and staleness are this view's
	 * alarm engine's business (its config), so they are not copied. */
	list = cJSON_GetObjectItemCaseSensitive(o, "alarm_list");
	cJSON_ArrayForEach(a, list) {
		char name[32] = "";
		struct pt_alarm *al;

		if (inum(a, "source", -1, 0, 255) != PT_ALARM_BMS)
			continue;
		text(a, "name", name, sizeof name);
		al = pt_sample_add_alarm(s, PT_ALARM_BMS, (enum pt_alarm_level)inum(a, "level",
		    PT_LEVEL_ALARM, PT_LEVEL_INFO, PT_LEVEL_PROTECT), (int)inum(a, "module", 0, 0,
		    PT_MAX_MODULES * 16), (int)inum(a, "cell", -1, -1, PT_MAX_CELLS - 1), name,
		    num(a, "value", NAN));
		if (al != NULL)
			al->since_ms = (int64_t)inum(a, "since_ms", 0, 0, MAX_MS);
	}
	r->pend_want = (int)inum(o, "modules", 0, 0, PT_MAX_MODULES);
	r->pend_got = 0;
	r->pend_open = true;
	r->pend_mono = clock_mono_ms();
	if (r->pend_want <= 0)
		finish_set(r);
}

/* A cell value from the broker: a number no cell can exceed, else unknown
 * (1e300 would be inf as a float, and set alarms off as a value). */
static bool
cell_num(const cJSON *x, float *out)
{
	if (!cJSON_IsNumber(x) || !(fabs(x->valuedouble) < 1e6))
		return false;
	*out = (float)x->valuedouble;
	return true;
}

static void
cells(struct pt_sample *s, struct pt_module *m, const cJSON *o)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "cell_voltages");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "cell_temperatures");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "cell_balancing");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "cell_socs");
	const cJSON *vs = cJSON_GetObjectItemCaseSensitive(o, "cell_voltage_status");
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, "cell_temperature_status");
	int i, n = (int)inum(o, "cells", cJSON_GetArraySize(v), 0, PT_MAX_CELLS);
	double age = num(o, "cells_age", NAN);

	for (i = 0; i < n && i < PT_MAX_CELLS; i++) {
		struct pt_cell *cell = pt_module_cell(m, i);
		const cJSON *x;
		float f;

		if (cell == NULL)
			break;
		if (cell_num(cJSON_GetArrayItem(v, i), &f))
			PT_SET(cell, voltage, PTF_VOLTAGE, f);
		if (cell_num(cJSON_GetArrayItem(t, i), &f))
			PT_SET(cell, temperature, PTF_TEMPERATURE, f);
		if (cJSON_IsBool(x = cJSON_GetArrayItem(b, i)))
			PT_SET(cell, balancing, PTF_BALANCING, cJSON_IsTrue(x));
		if (cell_num(cJSON_GetArrayItem(c, i), &f))
			PT_SET(cell, soc, PTF_SOC, f);
		if (cJSON_IsString(x = cJSON_GetArrayItem(vs, i)))
			cell->voltage_status = pt_sample_word(s, x->valuestring);
		if (cJSON_IsString(x = cJSON_GetArrayItem(ts, i)))
			cell->temperature_status = pt_sample_word(s, x->valuestring);
	}
	/* The cells keep the time they were read at the site. */
	m->cells_ms = isfinite(age) && age >= 0 && age < 1e9 && m->n_cells > 0 ?
	    s->time_ms - (int64_t)(age * 1000) : 0;
}

/* BASE/module/<id>/state of the set being assembled. */
static void
module_state(struct remote *r, const cJSON *o)
{
	struct pt_sample *s = r->pend;
	struct pt_module *m;
	const cJSON *t, *x;
	int i;

	if (!r->pend_open || (uint32_t)inum(o, "seq", 0, 0, UINT32_MAX) != s->seq ||
	    (m = pt_sample_module(s, (int)inum(o, "id", 0, 0, 65535))) == NULL)
		return;		/* an older set's, or a retained ghost */
	text(o, "barcode", m->barcode, sizeof m->barcode);
	text(o, "model", m->model, sizeof m->model);
	text(o, "firmware", m->firmware, sizeof m->firmware);
	mq_read_values(o, m, false);
	if (PT_HAS(m, PTF_VOLTAGE) && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o,
	    "voltage_derived")))
		m->valid |= PTF_VOLTAGE_DERIVED;
	text(o, "status", m->status, sizeof m->status);
	t = cJSON_GetObjectItemCaseSensitive(o, "temperatures");
	i = 0;
	cJSON_ArrayForEach(x, t) {
		if (i >= PT_MAX_TEMPS)
			break;
		float f;

		m->temps[i++] = cell_num(x, &f) ? f : NAN;
	}
	m->n_temps = i;
	cells(s, m, o);
	if (++r->pend_got >= r->pend_want)
		finish_set(r);
}

static void
on_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg)
{
	struct session *s = arg;
	struct remote *r = priv(s);
	size_t blen = strlen(r->base);
	const char *rest;
	cJSON *o;

	(void)mosq;
	if (strncmp(msg->topic, r->base, blen) != 0 || msg->topic[blen] != '/')
		return;
	rest = msg->topic + blen;
	if (strcmp(rest, "/status") == 0) {
		bool off = msg->payloadlen == 7 && memcmp(msg->payload, "offline", 7) == 0;

		if (off && !r->offline)
			r->offline_said = false;
		r->offline = off;
		return;
	}
	if (msg->payloadlen <= 0 || (o = cJSON_ParseWithLength(msg->payload,
	    (size_t)msg->payloadlen)) == NULL) {
		if (msg->payloadlen > 0)
			s->counters.parse_errors++;
		return;		/* an empty retained message clears a topic */
	}
	r->last_rx_mono = clock_mono_ms();
	if (strcmp(rest, "/state") == 0)
		stack_state(r, o);
	else if (strncmp(rest, "/module/", 8) == 0 && strlen(rest) > 14 &&
	    strcmp(rest + strlen(rest) - 6, "/state") == 0)
		module_state(r, o);
	cJSON_Delete(o);
}

static void
on_connect(struct mosquitto *mosq, void *arg, int rc)
{
	struct remote *r = priv(arg);

	(void)mosq;
	r->refused = rc;
	r->connected = rc == 0;
}

/* ---- the connection ----------------------------------------------------- */

static int
no_key_password(char *buf, int size, int rwflag, void *userdata)
{
	(void)buf, (void)size, (void)rwflag, (void)userdata;
	return 0;
}

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void
lib_init(void)
{
	mosquitto_lib_init();
}

static struct mosquitto *
new_client(const struct mqtt_config *c, void *arg, char *err, size_t errsize)
{
	char id[96], host[48] = "";
	struct mosquitto *mq;
	int rc = MOSQ_ERR_SUCCESS;

	pthread_once(&lib_once, lib_init);
	gethostname(host, sizeof host - 1);
	snprintf(id, sizeof id, "pylontop-view-%.40s-%ld", host, (long)getpid());
	if ((mq = mosquitto_new(id, true, arg)) == NULL) {
		snprintf(err, errsize, "out of memory for the MQTT client");
		return NULL;
	}
	if (c->user[0] != '\0')
		mosquitto_username_pw_set(mq, c->user, c->password[0] ? c->password : NULL);
	if (c->tls) {
		rc = mosquitto_tls_set(mq, c->cafile[0] ? c->cafile : NULL,
		    c->capath[0] ? c->capath : (c->cafile[0] ? NULL : "/etc/ssl/certs"),
		    c->certfile[0] ? c->certfile : NULL, c->keyfile[0] ? c->keyfile : NULL,
		    no_key_password);
		if (rc == MOSQ_ERR_SUCCESS)
			rc = mosquitto_tls_insecure_set(mq, c->tls_insecure);
	}
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, errsize, "MQTT TLS set-up: %s (check MQTT_CAFILE, MQTT_CERTFILE, "
		    "MQTT_KEYFILE)", mosquitto_strerror(rc));
		mosquitto_destroy(mq);
		return NULL;
	}
	return mq;
}

/* Connect and wait for the CONNACK (the library's loop runs the callback).
 * The TCP connect is non-blocking (connect_async, then our own loop
 * steps), so a black-holed broker neither holds a stop request nor
 * takes longer than CONNECT_MS. */
static int
connect_broker(struct mosquitto *mq, const struct mqtt_config *c, bool *connected,
    int *refused, atomic_int *stop, char *err, size_t errsize)
{
	int64_t until = clock_mono_ms() + CONNECT_MS;
	int rc, e = 0;

	*refused = -1;
	errno = 0;
	if ((rc = mosquitto_connect_async(mq, c->host, c->port, KEEPALIVE_S)) !=
	    MOSQ_ERR_SUCCESS) {
		snprintf(err, errsize, "cannot connect to the broker %s:%d: %s", c->host, c->port,
		    rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		return PT_ERR_IO;
	}
	rc = MOSQ_ERR_SUCCESS;
	while (*refused < 0 && (stop == NULL || !*stop)) {
		if (clock_mono_ms() >= until) {
			rc = MOSQ_ERR_ERRNO;
			e = ETIMEDOUT;
			break;
		}
		errno = 0;
		if ((rc = mosquitto_loop(mq, STEP_MS, 1)) != MOSQ_ERR_SUCCESS) {
			e = errno;
			break;
		}
	}
	if (*refused == 0 && *connected)
		return 0;
	if (*refused > 0)
		snprintf(err, errsize, "the broker %s:%d refused the connection: %s (check "
		    "MQTT_USER and MQTT_PASSWORD)", c->host, c->port,
		    mosquitto_connack_string(*refused));
	else
		snprintf(err, errsize, "cannot connect to the broker %s:%d: %s", c->host,
		    c->port, rc == MOSQ_ERR_ERRNO && e != 0 ? strerror(e) :
		    rc == MOSQ_ERR_SUCCESS ? "stopped" : mosquitto_strerror(rc));
	return PT_ERR_IO;
}

/* One loop step; PT_ERR_CLOSED (with s->error) when the broker is gone. */
static int
step(struct session *s)
{
	struct remote *r = priv(s);
	int rc;

	if (*s->stop) {
		snprintf(s->error, sizeof s->error, "stopped");
		return PT_ERR_CLOSED;
	}
	rc = mosquitto_loop(r->mosq, STEP_MS, 1);
	if (rc != MOSQ_ERR_SUCCESS || !r->connected) {
		snprintf(s->error, sizeof s->error, "lost the broker %s:%d: %s", r->mc.host,
		    r->mc.port, rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		return PT_ERR_CLOSED;
	}
	if (r->pend_open && clock_mono_ms() - r->pend_mono > SET_WAIT_MS)
		finish_set(r);
	return 0;
}

/* ---- the session --------------------------------------------------------- */

static int
remote_identify(struct session *s)
{
	struct remote *r = priv(s);
	char topic[MQ_TOPIC_LEN + 32];
	const char *subs[] = { "status", "state", "module/+/state" };
	int64_t until;
	size_t i;
	int rc;

	if (r->base[0] == '\0')
		return PT_ERR_ARG;	/* the address was refused: s->error says why */
	snprintf(s->progress.phase, sizeof s->progress.phase, "subscribing");
	if (s->progress_fn != NULL)
		s->progress_fn(s->progress_arg, &s->progress);
	if ((r->mosq = new_client(&r->mc, s, s->error, sizeof s->error)) == NULL)
		return PT_ERR_CONFIG;
	mosquitto_connect_callback_set(r->mosq, on_connect);
	mosquitto_message_callback_set(r->mosq, on_message);
	if ((rc = connect_broker(r->mosq, &r->mc, &r->connected, &r->refused, s->stop,
	    s->error, sizeof s->error)) != 0)
		return rc;
	for (i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		snprintf(topic, sizeof topic, "%s/%s", r->base, subs[i]);
		if ((rc = mosquitto_subscribe(r->mosq, NULL, topic, 0)) != MOSQ_ERR_SUCCESS) {
			snprintf(s->error, sizeof s->error, "subscribing to %s: %s", topic,
			    mosquitto_strerror(rc));
			return PT_ERR_IO;
		}
	}
	pt_vlog(PT_VLOG_SUMMARY, "remote: subscribed to %s/# on %s:%d", r->base, r->mc.host,
	    r->mc.port);
	snprintf(s->progress.phase, sizeof s->progress.phase, "waiting");
	if (s->progress_fn != NULL)
		s->progress_fn(s->progress_arg, &s->progress);
	until = clock_mono_ms() + FIRST_WAIT_MS;
	while (!r->have_ready) {
		if ((rc = step(s)) != 0)
			return rc;
		if (clock_mono_ms() >= until) {
			snprintf(s->error, sizeof s->error, "no state on %s/state from %s:%d within "
			    "%d s%s: is a pylontop publishing there? (pylontop --list-remote "
			    "mqtt://%s:%d/PREFIX lists the stacks)", r->base, r->mc.host, r->mc.port,
			    FIRST_WAIT_MS / 1000, r->offline ? " (its status says offline)" : "",
			    r->mc.host, r->mc.port);
			return PT_ERR_TIMEOUT;
		}
	}
	snprintf(s->protocol, sizeof s->protocol, "%s", r->ready->protocol);
	snprintf(s->dialect, sizeof s->dialect, "%s", r->ready->dialect);
	snprintf(s->model, sizeof s->model, "%s", r->ready->stack.model[0] ?
	    r->ready->stack.model : "remote stack");
	s->modules = r->ready->n_modules;
	snprintf(s->note, sizeof s->note, "remote view of %s", r->base);
	return 0;
}

/* The next complete set.  Silence is PT_ERR_TIMEOUT after a cycle and a
 * second (the monitor keeps listening and its stale rule decides), an
 * "offline" from the site at once, once. */
static int
remote_poll(struct session *s, struct pt_sample *out, bool slow)
{
	struct remote *r = priv(s);
	int64_t wait = (int64_t)(s->cfg->interval_s * 1000), until;
	int rc;

	(void)slow;
	if (r->last_gap_ms > wait)
		wait = r->last_gap_ms;
	until = clock_mono_ms() + wait + 1000;
	for (;;) {
		if (r->have_ready) {
			r->have_ready = false;
			if (r->ready->time_ms <= r->last_time_ms)
				continue;	/* the same set again (retained) */
			if (r->last_time_ms > 0)
				r->last_gap_ms = r->ready->time_ms - r->last_time_ms;
			r->last_time_ms = r->ready->time_ms;
			memcpy(out, r->ready, sizeof *out);
			s->modules = out->n_modules;
			return 0;
		}
		if (r->offline && !r->offline_said) {
			r->offline_said = true;
			snprintf(s->error, sizeof s->error, "the site's pylontop went offline "
			    "(%s/status)", r->base);
			return PT_ERR_TIMEOUT;
		}
		if ((rc = step(s)) != 0)
			return rc;
		if (clock_mono_ms() >= until) {
			s->counters.timeouts++;
			snprintf(s->error, sizeof s->error, "no new state on %s/state for %.0f s%s",
			    r->base, (double)(clock_mono_ms() - r->last_rx_mono) / 1000.0,
			    r->offline ? "; the site's pylontop is offline" : "");
			return PT_ERR_TIMEOUT;
		}
	}
}

static void
remote_free(struct session *s)
{
	struct remote *r = priv(s);

	if (r != NULL) {
		if (r->mosq != NULL) {
			mosquitto_disconnect(r->mosq);
			mosquitto_destroy(r->mosq);
		}
		explicit_bzero(r->mc.password, sizeof r->mc.password);
		free(r->pend);
		free(r->ready);
		free(r);
	}
	free(s);
}

static const struct session_ops remote_ops = {
	.family = "remote",
	.identify = remote_identify,
	.poll = remote_poll,
	.free = remote_free,
};

struct session *
remote_session_new(const struct pt_config *cfg, struct link *link)
{
	struct session *s = calloc(1, sizeof *s);
	struct remote *r = calloc(1, sizeof *r);

	if (s == NULL || r == NULL || (r->pend = calloc(1, sizeof *r->pend)) == NULL ||
	    (r->ready = calloc(1, sizeof *r->ready)) == NULL) {
		if (r != NULL) {
			free(r->pend);
			free(r);
		}
		free(s);
		return NULL;
	}
	s->ops = &remote_ops;
	s->link = link;
	s->cfg = cfg;
	s->priv = r;
	s->self_paced = true;
	snprintf(s->protocol, sizeof s->protocol, "mqtt");
	if (parse_url(cfg, cfg->device, "PREFIX/STACK", &r->mc, r->base, sizeof r->base,
	    s->error, sizeof s->error) != 0)
		r->base[0] = '\0';
	return s;
}

int
remote_check(const struct pt_config *cfg, const char *url, char *err, size_t errsize)
{
	struct mqtt_config mc;
	char base[MQ_TOPIC_LEN];
	int rc = parse_url(cfg, url, "PREFIX/STACK", &mc, base, sizeof base, err, errsize);

	explicit_bzero(&mc, sizeof mc);
	return rc;
}

/* ---- --list-remote ---------------------------------------------------- */

#define LIST_MAX	64

struct seen {
	char	name[MQ_TOPIC_LEN];
	char	status[16];
	char	time[40];
	int	modules;
};

struct lister {
	char		prefix[MQ_TOPIC_LEN];
	struct seen	v[LIST_MAX];
	int		n;
	bool		connected;
	int		refused;
};

static struct seen *
seen(struct lister *l, const char *name)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	if (l->n == LIST_MAX)
		return NULL;
	memset(&l->v[l->n], 0, sizeof l->v[0]);
	l->v[l->n].modules = -1;
	snprintf(l->v[l->n].name, sizeof l->v[0].name, "%s", name);
	return &l->v[l->n++];
}

static void
list_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg)
{
	struct lister *l = arg;
	size_t plen = strlen(l->prefix);
	const char *name, *slash;
	char stack[MQ_TOPIC_LEN];
	struct seen *v;

	(void)mosq;
	if (strncmp(msg->topic, l->prefix, plen) != 0 || msg->topic[plen] != '/' ||
	    msg->payloadlen <= 0)
		return;
	name = msg->topic + plen + 1;
	if ((slash = strchr(name, '/')) == NULL)
		return;
	snprintf(stack, sizeof stack, "%.*s", (int)(slash - name), name);
	if ((v = seen(l, stack)) == NULL)
		return;
	if (strcmp(slash, "/status") == 0)
		snprintf(v->status, sizeof v->status, "%.*s", msg->payloadlen < 15 ?
		    msg->payloadlen : 15, (const char *)msg->payload);
	else if (strcmp(slash, "/state") == 0) {
		cJSON *o = cJSON_ParseWithLength(msg->payload, (size_t)msg->payloadlen);

		if (o != NULL) {
			text(o, "time", v->time, sizeof v->time);
			v->modules = (int)inum(o, "modules", -1, 0, PT_MAX_MODULES);
			cJSON_Delete(o);
		}
	}
}

static void
list_connect(struct mosquitto *mosq, void *arg, int rc)
{
	struct lister *l = arg;

	(void)mosq;
	l->refused = rc;
	l->connected = rc == 0;
}

int
remote_list(const struct pt_config *cfg, const char *url, FILE *out, char *err,
    size_t errsize)
{
	struct lister *l = calloc(1, sizeof *l);
	struct mqtt_config mc;
	char topic[MQ_TOPIC_LEN + 16], spec[300];
	struct mosquitto *mq = NULL;
	int64_t until;
	int i, rc;

	memset(&mc, 0, sizeof mc);
	if (l == NULL) {
		snprintf(err, errsize, "out of memory");
		return PT_ERR_NOMEM;
	}
	if (!link_is_remote(url)) {
		snprintf(err, errsize, "--list-remote %s: expected mqtt://broker[:port]/PREFIX "
		    "or mqtts://...", url);
		rc = PT_ERR_ARG;
		goto out;
	}
	if ((rc = parse_url(cfg, url, "PREFIX", &mc, l->prefix, sizeof l->prefix, err,
	    errsize)) != 0)
		goto out;
	if ((mq = new_client(&mc, l, err, errsize)) == NULL) {
		rc = PT_ERR_CONFIG;
		goto out;
	}
	mosquitto_connect_callback_set(mq, list_connect);
	mosquitto_message_callback_set(mq, list_message);
	if ((rc = connect_broker(mq, &mc, &l->connected, &l->refused, NULL, err, errsize)) != 0)
		goto out;
	snprintf(topic, sizeof topic, "%s/+/status", l->prefix);
	mosquitto_subscribe(mq, NULL, topic, 0);
	snprintf(topic, sizeof topic, "%s/+/state", l->prefix);
	mosquitto_subscribe(mq, NULL, topic, 0);
	until = clock_mono_ms() + LIST_WAIT_MS;
	while (clock_mono_ms() < until)
		if (mosquitto_loop(mq, STEP_MS, 1) != MOSQ_ERR_SUCCESS)
			break;
	snprintf(spec, sizeof spec, "%.*s", (int)(strstr(url, "://") + 3 - url), url);
	if (l->n == 0)
		fprintf(out, "no stacks under %s on %s:%d (a pylontop publishing there has a "
		    "retained %s/<stack>/status)\n", l->prefix, mc.host, mc.port, l->prefix);
	for (i = 0; i < l->n; i++) {
		const struct seen *v = &l->v[i];

		fprintf(out, "%s\t%s\t", v->name, v->status[0] ? v->status : "unknown");
		if (v->modules >= 0)
			fprintf(out, "%d modules\t", v->modules);
		else
			fprintf(out, "-\t");
		fprintf(out, "%s\t%s%s:%d/%s/%s\n", v->time[0] ? v->time : "-", spec, mc.host,
		    mc.port, l->prefix, v->name);
	}
	rc = fflush(out) == 0 ? 0 : PT_ERR_IO;
	if (rc != 0)
		snprintf(err, errsize, "cannot write the list");
out:
	if (mq != NULL) {
		mosquitto_disconnect(mq);
		mosquitto_destroy(mq);
	}
	explicit_bzero(&mc, sizeof mc);
	free(l);
	return rc;
}
