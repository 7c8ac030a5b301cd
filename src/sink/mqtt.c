/* mqtt.c — the MQTT sink: a bounded queue and a network thread we own.
 *
 * libmosquitto 2.0.11 traps (docs/reliability.md §1): connect_async before
 * loop_start never connects when the broker is down at start; a TLS
 * failure ends the library's own loop silently; a refused password is
 * retried every second without a word.  So this thread calls the blocking
 * mosquitto_connect itself and then runs the session loop in steps
 * (mosquitto_loop, which is what loop_forever repeats), so that between
 * steps it can move messages from our queue into the library, notice a
 * stop or a toggle, and refresh the link diagnostics.  When the session
 * ends it backs off with jitter: 1, 2, 4 ... 60 s; refused credentials and
 * TLS failures are said once, in words, and retried every 5 minutes.
 *
 * write() only formats and queues: acquisition and the UI never wait on
 * the network.  The queue is bounded (oldest dropped, counted) and keeps
 * one message per topic (a newer state replaces an older one still
 * waiting), and the library only gets the next batch once it has written
 * the last one — so a frozen broker costs neither memory nor a burst of
 * stale data when it wakes up.  Publishing starts only after the broker
 * accepted the connection (CONNACK), never on a bare TCP connect.
 */
#include "autoconfig.h"

#include "sink/mqtt.h"

#include <cJSON.h>
#include <errno.h>
#include <mosquitto.h>
#if defined(__has_include)
#if __has_include(<mqtt_protocol.h>)
#include <mqtt_protocol.h>		/* CONNACK_* (libmosquitto >= 1.6) */
#define PT_HAVE_CONNACK_NAMES 1
#endif
#endif
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "sink/mqtt_diag.h"
#include "sink/mqtt_discovery.h"
#include "sink/mqtt_entity.h"
#include "sink/mqtt_state.h"
#include "util/clock.h"
#include "util/err.h"

#ifndef PT_HAVE_CONNACK_NAMES
/* MQTT 3.1.1 CONNACK return codes, as libmosquitto >= 1.6 names them. */
enum {
	CONNACK_ACCEPTED = 0,
	CONNACK_REFUSED_PROTOCOL_VERSION = 1,
	CONNACK_REFUSED_IDENTIFIER_REJECTED = 2,
	CONNACK_REFUSED_SERVER_UNAVAILABLE = 3,
	CONNACK_REFUSED_BAD_USERNAME_PASSWORD = 4,
	CONNACK_REFUSED_NOT_AUTHORIZED = 5,
};
#endif

#define QUEUE_MAX		1024
#define BATCH_MAX		64		/* messages handed to the library per step */
#define BACKOFF_MAX_S		60
#define SLOW_RETRY_S		300		/* refused credentials, TLS failures */
#define OFFLINE_FLUSH_MS	1000		/* for "offline" to leave at shutdown */
#define DIAG_PERIOD_MS		15000		/* link diagnostics */
#define REMOVE_AFTER_MS		(10 * 60 * 1000)	/* module gone during a run */
#define BIRTH_JITTER_MS		3000		/* HA restarted: spread the load */
#define EXT_PERIOD_MS		15000		/* records and health figures looked at */
#define SAVE_PERIOD_MS		60000		/* the state file, when something changed */
#define SWITCH_DELAY_MS		2000		/* other mode's configs cleared: announce again */
#define MAX_ENTITY_TOPICS	4096		/* entity mode: configs to clear on removal */

struct msg {
	char	*topic, *payload;
	int	 qos;
	bool	 retain;
};

struct mqtt_sink {
	struct mqtt_config	cfg;
	char			host_name[64];
	pthread_t		thread;
	bool			started;
	pthread_mutex_t		lock;		/* everything below */
	pthread_cond_t		cond;
	int			wake_fd;	/* eventfd: work for the network thread */
	int			batch;		/* > 0: enqueue defers the wake-up... */
	bool			batch_woken;	/* ...to the end of the batch */
	void			(*on_status)(void *);	/* status changed */
	void			*on_status_ctx;
	bool			stop, enabled, exited;
	bool			named;		/* names valid: the stack's identity is known */
	struct mq_names		names;
	struct mq_registry	reg;
	struct mosquitto	*mosq;		/* used by the network thread only */
	bool			connected;	/* CONNACK accepted, not lost since */
	bool			accepted;	/* this session got a CONNACK */
	int			refused;	/* CONNACK refusal that needs the user, or 0 */
	bool			tls_failed;
	bool			resubscribe;	/* a SUBSCRIBE of this session failed */
	char			lib_error[160];	/* the library's last error line */
	int			offline_mid;	/* our "offline" message, until acknowledged */
	bool			offline_acked;
	struct msg		q[QUEUE_MAX];	/* oldest first */
	size_t			q_len;
	uint64_t		written, dropped, errors;
	enum sink_state		state;
	char			text[160];
	int64_t			next_state_ms;	/* --mqtt-interval gate (monotonic) */
	int64_t			last_write_ms;	/* 0: the next gap says nothing (outage) */
	uint64_t		last_reconnects;
	int64_t			announce_at_ms;	/* re-announce from `last` (0: no) */
	int64_t			next_diag_ms;
	bool			have_last;
	struct pt_sample	last;
	struct link_stats	last_ls;
	unsigned		seed;
	/* Energy meters, records and health (mqtt_diag.h, mqtt_state.h). */
	struct energy		energy;
	struct mq_event_marks	marks;
	char			state_path[512];	/* "" = nothing kept */
	bool			state_dirty, state_saveable;
	int64_t			next_save_ms;
	struct mqtt_sources	src;
	uint64_t		rec_seq;
	int64_t			next_ext_ms;	/* 0: now (connect, announce) */
	/* HA_DISCOVERY_MODE=entity: our entity config topics, to clear. */
	char			**etopics;
	size_t			n_etopics;
};

static void
set_status(struct mqtt_sink *m, enum sink_state st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_status(struct mqtt_sink *m, enum sink_state st, const char *fmt, ...)
{
	va_list ap;

	m->state = st;
	va_start(ap, fmt);
	vsnprintf(m->text, sizeof m->text, fmt, ap);
	va_end(ap);
	if (m->on_status != NULL)
		m->on_status(m->on_status_ctx);
}

/* Our own words for the library's codes: 2.0.11's mosquitto_strerror has
 * none for a keepalive timeout ("Unknown error"). */
static const char *
reason(int rc, int err)
{
	switch (rc) {
	case MOSQ_ERR_ERRNO:
		return strerror(err);
	case MOSQ_ERR_KEEPALIVE:
		return "no answer within the keepalive (broker stopped or network down)";
	case MOSQ_ERR_CONN_LOST:
		return "connection lost";
	case MOSQ_ERR_NO_CONN:
		return "not connected";
	case MOSQ_ERR_EAI:
		return "cannot resolve the host name";
	case MOSQ_ERR_TLS:
		return "TLS failure";
	case MOSQ_ERR_PROTOCOL:
		return "protocol error (is it an MQTT broker?)";
	case MOSQ_ERR_CONN_REFUSED:
		return "connection refused by the broker";
	default:
		return mosquitto_strerror(rc);
	}
}

/* ---- the queue (lock held) ------------------------------------------- */

static void
msg_free(struct msg *x)
{
	free(x->topic);
	free(x->payload);
}

static void
queue_remove(struct mqtt_sink *m, size_t i)
{
	msg_free(&m->q[i]);
	memmove(&m->q[i], &m->q[i + 1], (m->q_len - i - 1) * sizeof m->q[0]);
	m->q_len--;
}

static void
queue_clear(struct mqtt_sink *m)
{
	while (m->q_len > 0)
		queue_remove(m, m->q_len - 1);
}

/* Wake the network thread from its poll: a message is queued, the
 * diagnostics are due now, or it must stop or toggle.  It sleeps on its
 * socket and this fd only, so idle costs no periodic wake-up. */
static void
wake(struct mqtt_sink *m)
{
	uint64_t one = 1;

	if (m->wake_fd >= 0 && write(m->wake_fd, &one, sizeof one) < 0) {
		/* EAGAIN: the counter is full, so a wake-up is pending anyway. */
	}
}

/* Queue a message; takes the payload (NULL: allocation failed, counted).
 * A message still waiting for the same topic is replaced — only the
 * newest state or config matters — and the new one goes to the end, so
 * configs stay ahead of the states that follow them. */
static void
enqueue_msg(struct mqtt_sink *m, const char *topic, char *payload, int qos, bool retain,
    bool replace)
{
	struct msg *x;
	size_t i;

	if (payload == NULL) {
		m->errors++;
		return;
	}
	for (i = 0; replace && i < m->q_len; i++)
		if (strcmp(m->q[i].topic, topic) == 0) {
			queue_remove(m, i);
			m->dropped++;
			break;
		}
	if (m->q_len == QUEUE_MAX) {
		queue_remove(m, 0);
		m->dropped++;
	}
	x = &m->q[m->q_len];
	if ((x->topic = strdup(topic)) == NULL) {
		free(payload);
		m->errors++;
		return;
	}
	x->payload = payload;
	x->qos = qos;
	x->retain = retain;
	m->q_len++;
	if (m->batch > 0)
		m->batch_woken = true;
	else
		wake(m);
}

/* The messages of one sample wake the network thread once, at the end
 * (it could not take them before: the lock is held throughout). */
static void
batch_begin(struct mqtt_sink *m)
{
	m->batch++;
}

static void
batch_end(struct mqtt_sink *m)
{
	if (--m->batch == 0 && m->batch_woken) {
		m->batch_woken = false;
		wake(m);
	}
}

static void
enqueue(struct mqtt_sink *m, const char *topic, char *payload, int qos, bool retain)
{
	enqueue_msg(m, topic, payload, qos, retain, true);
}

/* An event: each message counts, none replaces another on its topic. */
static void
enqueue_event(struct mqtt_sink *m, const char *topic, char *payload)
{
	enqueue_msg(m, topic, payload, 1, false, false);
}

static char *
text_dup(const char *s)
{
	return strdup(s);
}

/* ---- from a sample to messages (lock held) --------------------------- */

/* Entity mode: remember a config topic of ours (to clear it when its
 * device goes); known ones once. */
static void
note_entity_topic(struct mqtt_sink *m, const char *topic)
{
	char **grown;
	size_t i;

	for (i = 0; i < m->n_etopics; i++)
		if (strcmp(m->etopics[i], topic) == 0)
			return;
	if (m->n_etopics == MAX_ENTITY_TOPICS ||
	    (grown = realloc(m->etopics, (m->n_etopics + 1) * sizeof *grown)) == NULL)
		return;
	m->etopics = grown;
	if ((m->etopics[m->n_etopics] = strdup(topic)) != NULL)
		m->n_etopics++;
}

/* Entity mode: every config topic of device `id` ("<prefix>/<platform>/
 * <id>/<key>/config") gets its empty retained message. */
static void
clear_entities(struct mqtt_sink *m, const char *id)
{
	size_t i = 0, plen = strlen(m->names.prefix), idlen = strlen(id);

	while (i < m->n_etopics) {
		const char *t = m->etopics[i] + plen + 1, *slash = strchr(t, '/');

		if (slash != NULL && strncmp(slash + 1, id, idlen) == 0 && slash[idlen + 1] == '/') {
			enqueue(m, m->etopics[i], text_dup(""), 1, true);
			free(m->etopics[i]);
			m->etopics[i] = m->etopics[--m->n_etopics];
		} else
			i++;
	}
}

static void
emit_entity(void *ctx, const char *topic, char *payload)
{
	struct mqtt_sink *m = ctx;

	note_entity_topic(m, topic);
	enqueue(m, topic, payload, 1, true);
}

/* A device config of mqtt_discovery.c, with our energy and diagnostic
 * entities added, as one message (device mode) or one per entity. */
static void
announce(struct mqtt_sink *m, const char *topic, char *payload, const char *module_id,
    unsigned what)
{
	payload = mq_ext_config(&m->names, module_id, payload, what);
	if (payload == NULL || m->cfg.discovery_mode == MQ_MODE_DEVICE) {
		enqueue(m, topic, payload, 1, true);
		return;
	}
	if (mq_entity_split(m->names.prefix, payload, emit_entity, m) < 0)
		m->errors++;
	free(payload);
}

static unsigned
ext_of(const struct mq_shape *sh, bool module, const struct pt_sample *s)
{
	unsigned what = 0;

	if ((sh->valid & PTF_POWER) || ((sh->valid & PTF_VOLTAGE) && (sh->valid & PTF_CURRENT)))
		what |= MQ_EXT_ENERGY;
	/* The HV controller has records of its own (unit 0); LV stacks not. */
	if (module || strcmp(s->protocol, "hv") == 0)
		what |= MQ_EXT_DIAG;
	return what;
}

static void
clear_module(struct mqtt_sink *m, const char *id)
{
	char topic[MQ_TOPIC_LEN + MQ_ID_LEN];

	if (m->cfg.discovery && m->cfg.discovery_mode == MQ_MODE_DEVICE) {
		mq_config_topic(&m->names, id, topic, sizeof topic);
		enqueue(m, topic, text_dup(""), 1, true);
	} else if (m->cfg.discovery)
		clear_entities(m, id);
	mq_energy_topic(&m->names, id, topic, sizeof topic);
	enqueue(m, topic, text_dup(""), 1, true);
	mq_diag_topic(&m->names, id, topic, sizeof topic);
	enqueue(m, topic, text_dup(""), 1, true);
	/* Its retained avail and state would be ghosts otherwise. */
	mq_avail_topic(&m->names, id, topic, sizeof topic);
	enqueue(m, topic, text_dup(""), 1, true);
	mq_state_topic(&m->names, id, topic, sizeof topic);
	enqueue(m, topic, text_dup(""), 1, true);
}

static void
do_action(struct mqtt_sink *m, const struct pt_sample *s, const struct mq_action *a)
{
	char topic[MQ_TOPIC_LEN + MQ_ID_LEN];
	struct mq_known *k;

	switch (a->verb) {
	case MQ_ANNOUNCE_STACK:
		if (m->cfg.discovery)
			announce(m, topic, mq_stack_config(&m->names, s, &m->reg.stack, topic,
			    sizeof topic), NULL, ext_of(&m->reg.stack, false, s));
		m->next_ext_ms = 0;	/* the retained diagnostics again */
		break;
	case MQ_ANNOUNCE:
		if (m->cfg.discovery && (k = mq_registry_find(&m->reg, a->id)) != NULL)
			announce(m, topic, mq_module_config(&m->names, &s->modules[a->module],
			    a->id, &k->shape, topic, sizeof topic), a->id,
			    ext_of(&k->shape, true, s));
		m->next_ext_ms = 0;
		break;
	case MQ_ONLINE:
	case MQ_OFFLINE:
		mq_avail_topic(&m->names, a->id, topic, sizeof topic);
		enqueue(m, topic, text_dup(a->verb == MQ_ONLINE ? "online" : "offline"), 1, true);
		break;
	case MQ_REMOVE:
		clear_module(m, a->id);
		break;
	}
}

/* The energy totals: retained, so Home Assistant has them at once after
 * its own restart (a total_increasing sensor must not fall to unknown). */
static void
publish_energy(struct mqtt_sink *m, const struct pt_sample *s, char ids[][MQ_ID_LEN])
{
	char topic[MQ_TOPIC_LEN + MQ_ID_LEN];
	struct energy_meter *e;
	int i;

	mq_energy_topic(&m->names, NULL, topic, sizeof topic);
	enqueue(m, topic, mq_energy_state(&m->energy.stack), m->cfg.qos, true);
	for (i = 0; i < s->n_modules && i < PT_MAX_MODULES; i++)
		if ((e = energy_module(&m->energy, ids[i])) != NULL) {
			mq_energy_topic(&m->names, ids[i], topic, sizeof topic);
			enqueue(m, topic, mq_energy_state(e), m->cfg.qos, true);
		}
}

/* One sample's messages; `ids` from mq_module_ids(). */
static void
publish_sample_ids(struct mqtt_sink *m, const struct pt_sample *s, char ids[][MQ_ID_LEN])
{
	char topic[MQ_TOPIC_LEN + MQ_ID_LEN];
	struct mq_action acts[1 + 2 * PT_MAX_MODULES + MQ_MAX_KNOWN];
	int i, n;

	batch_begin(m);
	n = mq_registry_plan(&m->reg, s, ids, clock_mono_ms(), REMOVE_AFTER_MS, acts,
	    (int)(sizeof acts / sizeof acts[0]));
	for (i = 0; i < n; i++)
		do_action(m, s, &acts[i]);
	enqueue(m, topic, mq_stack_state(&m->names, s, &m->reg.stack, topic, sizeof topic),
	    m->cfg.qos, m->cfg.retain);
	for (i = 0; i < s->n_modules && i < PT_MAX_MODULES; i++) {
		struct mq_known *k = mq_registry_find(&m->reg, ids[i]);

		if (k != NULL)
			enqueue(m, topic, mq_module_state(&m->names, s, &s->modules[i], ids[i],
			    &k->shape, topic, sizeof topic), m->cfg.qos, m->cfg.retain);
	}
	publish_energy(m, s, ids);
	batch_end(m);
}

static void
publish_sample(struct mqtt_sink *m, const struct pt_sample *s)
{
	char ids[PT_MAX_MODULES][MQ_ID_LEN];

	mq_module_ids(&m->names, s, ids);
	publish_sample_ids(m, s, ids);
}

/* ---- libmosquitto callbacks (network thread) ------------------------- */

static void
refusal_text(struct mqtt_sink *m, int rc)
{
	const char *h = m->cfg.host;
	int p = m->cfg.port;

	switch (rc) {
	case CONNACK_REFUSED_BAD_USERNAME_PASSWORD:
	case CONNACK_REFUSED_NOT_AUTHORIZED:
		if (m->cfg.user[0] == '\0')
			set_status(m, SINK_ERROR, "broker %s:%d wants a user name and password "
			    "(not authorised): set MQTT_USER and MQTT_PASSWORD; retrying every "
			    "%d min", h, p, SLOW_RETRY_S / 60);
		else
			set_status(m, SINK_ERROR, "broker %s:%d refused the user name or "
			    "password of '%s' (%s): check MQTT_USER and MQTT_PASSWORD; retrying "
			    "every %d min", h, p, m->cfg.user, rc == CONNACK_REFUSED_BAD_USERNAME_PASSWORD ? "bad user name or "
			    "password" : "not authorised", SLOW_RETRY_S / 60);
		break;
	case CONNACK_REFUSED_IDENTIFIER_REJECTED:
		set_status(m, SINK_ERROR, "broker %s:%d refused the client id: set "
		    "MQTT_CLIENT_ID; retrying every %d min", h, p, SLOW_RETRY_S / 60);
		break;
	default:
		set_status(m, SINK_ERROR, "broker %s:%d refused the connection: %s; retrying "
		    "every %d min", h, p, mosquitto_connack_string(rc), SLOW_RETRY_S / 60);
		break;
	}
}

/* Home Assistant's birth message and our retained configs.  A refused
 * SUBSCRIBE (the library's queue is full, the session just dropped) is
 * tried again by timed_work(): without it a restart of Home Assistant
 * would go unnoticed and modules that are gone would stay announced. */
static void
subscribe(struct mqtt_sink *m, struct mosquitto *mosq)
{
	char birth[MQ_TOPIC_LEN + 16], configs[MQ_TOPIC_LEN + 32], entities[MQ_TOPIC_LEN + 32];
	int rc = MOSQ_ERR_SUCCESS;

	pthread_mutex_lock(&m->lock);
	m->resubscribe = false;
	if (!m->cfg.discovery) {
		pthread_mutex_unlock(&m->lock);
		return;
	}
	snprintf(birth, sizeof birth, "%s/status", m->names.prefix);
	/* Our retained configs from earlier runs: modules that are gone. */
	snprintf(configs, sizeof configs, "%s/device/+/config", m->names.prefix);
	/* ... and per entity (HA_DISCOVERY_MODE=entity), either mode's:
	 * the other mode's are cleared. */
	snprintf(entities, sizeof entities, "%s/+/+/+/config", m->names.prefix);
	pthread_mutex_unlock(&m->lock);
	if ((rc = mosquitto_subscribe(mosq, NULL, birth, 1)) == MOSQ_ERR_SUCCESS)
		rc = mosquitto_subscribe(mosq, NULL, configs, 0);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_subscribe(mosq, NULL, entities, 0);
	if (rc != MOSQ_ERR_SUCCESS) {
		pthread_mutex_lock(&m->lock);
		m->resubscribe = true;
		snprintf(m->lib_error, sizeof m->lib_error, "subscribing to %s: %s", birth,
		    mosquitto_strerror(rc));
		pthread_mutex_unlock(&m->lock);
	}
}

static void
on_connect(struct mosquitto *mosq, void *arg, int rc)
{
	struct mqtt_sink *m = arg;
	char topic[MQ_TOPIC_LEN + 16];

	pthread_mutex_lock(&m->lock);
	if (rc == CONNACK_REFUSED_SERVER_UNAVAILABLE) {	/* an ordinary retry */
		set_status(m, SINK_CONNECTING, "connecting to %s:%d: the broker says it is "
		    "unavailable", m->cfg.host, m->cfg.port);
		pthread_mutex_unlock(&m->lock);
		mosquitto_disconnect(mosq);
		return;
	}
	if (rc != CONNACK_ACCEPTED) {
		m->refused = rc;
		refusal_text(m, rc);
		pthread_mutex_unlock(&m->lock);
		/* Ends this session, or the library knocks again every second. */
		mosquitto_disconnect(mosq);
		return;
	}
	m->connected = m->accepted = true;
	m->refused = 0;
	m->tls_failed = false;
	/* A broker without persistence lost the retained configs; send
	 * everything again, from the newest sample, right now. */
	mq_registry_forget(&m->reg);
	m->announce_at_ms = clock_mono_ms();
	m->next_diag_ms = 0;
	set_status(m, SINK_OK, "connected to %s:%d%s", m->cfg.host, m->cfg.port,
	    m->cfg.tls && m->cfg.tls_insecure ? " (TLS without host name check: "
	    "MQTT_TLS_INSECURE)" : "");
	mq_status_topic(&m->names, topic, sizeof topic);
	pthread_mutex_unlock(&m->lock);
	mosquitto_publish(mosq, NULL, topic, 6, "online", 1, true);
	subscribe(m, mosq);
}

static void
on_disconnect(struct mosquitto *mosq, void *arg, int rc)
{
	struct mqtt_sink *m = arg;
	int err = errno;

	(void)mosq;
	pthread_mutex_lock(&m->lock);
	if (m->connected && rc != MOSQ_ERR_SUCCESS && !m->stop)
		set_status(m, SINK_CONNECTING, "lost %s:%d: %s", m->cfg.host, m->cfg.port,
		    reason(rc, err));
	m->connected = false;
	pthread_mutex_unlock(&m->lock);
}

/* A retained device config naming our stack as via_device: a module an
 * earlier run announced.  Remember it, so it is removed if absent. */
static void
learn_config(struct mqtt_sink *m, const struct mosquitto_message *msg)
{
	enum mq_discovery_mode mode;
	char dev[MQ_ID_LEN];

	if (msg->payloadlen <= 0 || !mq_retained_config(m->names.prefix, m->names.stack_id,
	    msg->topic, msg->payload, (size_t)msg->payloadlen, &mode, dev))
		return;
	if (mode != (enum mq_discovery_mode)m->cfg.discovery_mode) {
		/* HA_DISCOVERY_MODE changed since that run: remove the old
		 * configs (same unique_ids), then announce ours again, so
		 * Home Assistant ends with one entity each, ours. */
		enqueue(m, msg->topic, text_dup(""), 1, true);
		if (m->announce_at_ms == 0)
			m->announce_at_ms = clock_mono_ms() + SWITCH_DELAY_MS;
		return;
	}
	if (mode == MQ_MODE_ENTITY)
		note_entity_topic(m, msg->topic);
	if (strcmp(dev, m->names.stack_id) != 0)
		mq_registry_learn(&m->reg, dev);
}

static void
on_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg)
{
	struct mqtt_sink *m = arg;
	size_t plen = strlen(m->names.prefix);

	(void)mosq;
	if (strncmp(msg->topic, m->names.prefix, plen) != 0)
		return;
	pthread_mutex_lock(&m->lock);
	if (strcmp(msg->topic + plen, "/status") == 0) {
		/* Home Assistant (re)started: announce again, after a little
		 * random delay so many clients do not answer at once. */
		if (msg->payloadlen == 6 && memcmp(msg->payload, "online", 6) == 0 &&
		    m->announce_at_ms == 0)
			m->announce_at_ms = clock_mono_ms() + rand_r(&m->seed) % BIRTH_JITTER_MS;
	} else if (m->cfg.discovery)
		learn_config(m, msg);
	pthread_mutex_unlock(&m->lock);
}

static void
on_publish(struct mosquitto *mosq, void *arg, int mid)
{
	struct mqtt_sink *m = arg;

	(void)mosq;
	pthread_mutex_lock(&m->lock);
	if (mid == m->offline_mid)
		m->offline_acked = true;
	pthread_mutex_unlock(&m->lock);
}

static void
on_log(struct mosquitto *mosq, void *arg, int level, const char *line)
{
	struct mqtt_sink *m = arg;

	(void)mosq;
	if (level != MOSQ_LOG_ERR)
		return;
	pthread_mutex_lock(&m->lock);
	snprintf(m->lib_error, sizeof m->lib_error, "%s", line);
	pthread_mutex_unlock(&m->lock);
}

/* ---- the network thread ---------------------------------------------- */

/* An encrypted client key is not supported: without this callback
 * OpenSSL would ask for its pass phrase on the terminal. */
static int
no_key_password(char *buf, int size, int rwflag, void *userdata)
{
	(void)buf, (void)size, (void)rwflag, (void)userdata;
	return 0;
}

static int
setup_client(struct mqtt_sink *m)
{
	const struct mqtt_config *c = &m->cfg;
	char id[96], topic[MQ_TOPIC_LEN + 16];
	int rc;

	pthread_mutex_lock(&m->lock);
	if (c->client_id[0] != '\0')
		snprintf(id, sizeof id, "%s", c->client_id);
	else
		snprintf(id, sizeof id, "pylontop-%.80s", m->names.stack_id + strlen("pylontop_"));
	mq_status_topic(&m->names, topic, sizeof topic);
	pthread_mutex_unlock(&m->lock);
	if ((m->mosq = mosquitto_new(id, true, m)) == NULL)
		return MOSQ_ERR_NOMEM;
	mosquitto_threaded_set(m->mosq, true);
	mosquitto_connect_callback_set(m->mosq, on_connect);
	mosquitto_disconnect_callback_set(m->mosq, on_disconnect);
	mosquitto_message_callback_set(m->mosq, on_message);
	mosquitto_publish_callback_set(m->mosq, on_publish);
	mosquitto_log_callback_set(m->mosq, on_log);
	mosquitto_will_set(m->mosq, topic, 7, "offline", 1, true);
	/* mqtt_sink_free() zeroes the password under the lock when it gives
	 * up waiting for this thread: read it under the lock too. */
	pthread_mutex_lock(&m->lock);
	if (c->user[0] != '\0')
		mosquitto_username_pw_set(m->mosq, c->user, c->password[0] ? c->password : NULL);
	pthread_mutex_unlock(&m->lock);
	if (!c->tls)
		return 0;
	rc = mosquitto_tls_set(m->mosq, c->cafile[0] ? c->cafile : NULL,
	    c->capath[0] ? c->capath : (c->cafile[0] ? NULL : "/etc/ssl/certs"),
	    c->certfile[0] ? c->certfile : NULL, c->keyfile[0] ? c->keyfile : NULL,
	    no_key_password);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_tls_insecure_set(m->mosq, c->tls_insecure);
	return rc;
}

/* Wait up to `s` seconds (+-20 % jitter), or until stopped or toggled. */
static void
backoff(struct mqtt_sink *m, int s)
{
	struct timespec ts;
	int64_t until;

	pthread_mutex_lock(&m->lock);
	until = clock_mono_ms() + (int64_t)s * 800 + rand_r(&m->seed) % (s * 400 + 1);
	ts.tv_sec = (time_t)(until / 1000);
	ts.tv_nsec = (long)(until % 1000) * 1000000;
	while (!m->stop && m->enabled && clock_mono_ms() < until)
		if (pthread_cond_timedwait(&m->cond, &m->lock, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&m->lock);
}

/* Hand queued messages to the library, a batch at a time, and only when
 * it has written the previous batch: a stalled broker fills our bounded
 * queue, not the library's unbounded one. */
static void
publish_queue(struct mqtt_sink *m)
{
	int i;

	if (mosquitto_want_write(m->mosq))
		return;
	for (i = 0; i < BATCH_MAX; i++) {
		struct msg x;
		int rc;

		pthread_mutex_lock(&m->lock);
		if (m->q_len == 0 || !m->connected) {
			pthread_mutex_unlock(&m->lock);
			return;
		}
		x = m->q[0];
		memmove(&m->q[0], &m->q[1], (m->q_len - 1) * sizeof m->q[0]);
		m->q_len--;
		pthread_mutex_unlock(&m->lock);
		rc = mosquitto_publish(m->mosq, NULL, x.topic, (int)strlen(x.payload), x.payload,
		    x.qos, x.retain);
		pthread_mutex_lock(&m->lock);
		if (rc == MOSQ_ERR_SUCCESS)
			m->written++;
		else
			m->errors++;
		pthread_mutex_unlock(&m->lock);
		msg_free(&x);
	}
}

/* The records unit and the health report of the sample's module i: the
 * unit by the module's number, and only if its barcode (when both have
 * one) is the module's — a figure is about the module it names. */
static const struct pt_rec_unit *
rec_unit_of(const struct pt_records *r, const struct pt_module *mod)
{
	const struct pt_rec_unit *u = r != NULL && r->seq != 0 ? pt_records_find(r, mod->id) : NULL;

	if (u != NULL && u->barcode[0] != '\0' && mod->barcode[0] != '\0' &&
	    strcmp(u->barcode, mod->barcode) != 0)
		return NULL;
	return u;
}

/* Retained diagnostics of every module (and of the HV controller), and
 * BMS log entries not sent before (lock held). */
static void
publish_ext(struct mqtt_sink *m, const struct pt_records *rec,
    const struct health_report *health, bool records_new)
{
	char ids[PT_MAX_MODULES][MQ_ID_LEN], topic[MQ_TOPIC_LEN + MQ_ID_LEN];
	const struct pt_sample *s = &m->last;
	const struct pt_records *r = rec != NULL && rec->seq != 0 ? rec : NULL;
	int idx[PT_REC_MAX_EVENTS], i, k, n;
	bool changed;

	mq_module_ids(&m->names, s, ids);
	for (i = 0; i < s->n_modules && i < PT_MAX_MODULES; i++) {
		const struct pt_rec_unit *u = rec_unit_of(r, &s->modules[i]);

		mq_diag_topic(&m->names, ids[i], topic, sizeof topic);
		enqueue(m, topic, mq_diag_state(u, health != NULL ? health_report_module(
		    health, s->modules[i].id) : NULL), m->cfg.qos, true);
		if (!records_new || u == NULL)
			continue;
		n = mq_new_events(&m->marks, ids[i], &u->log, idx, PT_REC_MAX_EVENTS, &changed);
		m->state_dirty |= changed;
		mq_event_topic(&m->names, ids[i], topic, sizeof topic);
		for (k = 0; k < n; k++)
			enqueue_event(m, topic, mq_event_payload(&u->log.ev[idx[k]], u->id));
	}
	if (strcmp(s->protocol, "hv") == 0) {
		const struct pt_rec_unit *u = r != NULL ? pt_records_find(r, 0) : NULL;

		mq_diag_topic(&m->names, NULL, topic, sizeof topic);
		enqueue(m, topic, mq_diag_state(u, NULL), m->cfg.qos, true);
		if (records_new && u != NULL) {
			n = mq_new_events(&m->marks, m->names.stack_id, &u->log, idx,
			    PT_REC_MAX_EVENTS, &changed);
			m->state_dirty |= changed;
			mq_event_topic(&m->names, NULL, topic, sizeof topic);
			for (k = 0; k < n; k++)
				enqueue_event(m, topic, mq_event_payload(&u->log.ev[idx[k]], 0));
		}
	}
}

/* Every EXT_PERIOD_MS (or at once after an announcement): the records
 * and health figures from their sources, read without our lock (they
 * take the monitor's), then published under it.  The copies live for one
 * round: kept between rounds they held up to 0.7 MiB resident (LV 16x16)
 * for what is published every 15 s; blocks this big are mapped on their
 * own (main.c), so a freed one goes back to the system. */
static void
ext_work(struct mqtt_sink *m, int64_t now)
{
	struct pt_records *rec;
	struct health_report *health;
	bool due, records_new = false;
	uint64_t seq;

	pthread_mutex_lock(&m->lock);
	due = m->connected && m->have_last && m->named && now >= m->next_ext_ms &&
	    (m->src.records != NULL || m->src.health != NULL || m->next_ext_ms == 0);
	/* Until the first records round is in, look every 2 s. */
	if (due)
		m->next_ext_ms = now + (m->src.records != NULL && m->rec_seq == 0 ? 2000 :
		    EXT_PERIOD_MS);
	pthread_mutex_unlock(&m->lock);
	if (!due)
		return;
	rec = m->src.records != NULL ? malloc(sizeof *rec) : NULL;
	health = m->src.health != NULL ? malloc(sizeof *health) : NULL;
	if (rec != NULL) {
		seq = m->src.records(m->src.ctx, rec);
		records_new = seq != 0 && seq != m->rec_seq;
		m->rec_seq = seq;
	}
	if (health != NULL)
		m->src.health(m->src.ctx, health);
	pthread_mutex_lock(&m->lock);
	publish_ext(m, rec, health, records_new);
	pthread_mutex_unlock(&m->lock);
	free(rec);
	free(health);
}

/* The state file, when something changed, at most every SAVE_PERIOD_MS
 * (`force`: at the end).  Written without our lock (a slow disk must not
 * hold up acquisition, which takes it for every sample). */
static void
save_state(struct mqtt_sink *m, bool force)
{
	struct energy e;		/* copies: written without the lock */
	struct mq_event_marks marks;
	int64_t now = clock_mono_ms();
	char err[700];
	bool due;

	pthread_mutex_lock(&m->lock);
	due = m->state_path[0] != '\0' && m->state_saveable && m->state_dirty &&
	    (force || now >= m->next_save_ms);
	if (due) {
		e = m->energy;
		marks = m->marks;
		m->state_dirty = false;
		m->next_save_ms = now + SAVE_PERIOD_MS;
	}
	pthread_mutex_unlock(&m->lock);
	if (due && mqtt_state_save(m->state_path, &e, &marks, err, sizeof err) != 0) {
		pthread_mutex_lock(&m->lock);
		snprintf(m->lib_error, sizeof m->lib_error, "%s", err);
		m->state_dirty = true;
		pthread_mutex_unlock(&m->lock);
		fprintf(stderr, "pylontop: warning: %s\n", err);
	}
}

/* Announcements due (connect, HA birth) and the link diagnostics.  The
 * diagnostics ride on the next wake-up after they are due (a sample, the
 * keepalive, a stale link), never a wake-up of their own. */
static void
timed_work(struct mqtt_sink *m)
{
	int64_t now = clock_mono_ms();
	char topic[MQ_TOPIC_LEN + 16];
	bool resubscribe;

	pthread_mutex_lock(&m->lock);
	resubscribe = m->connected && m->resubscribe;
	pthread_mutex_unlock(&m->lock);
	if (resubscribe)
		subscribe(m, m->mosq);
	ext_work(m, now);
	save_state(m, false);
	pthread_mutex_lock(&m->lock);
	if (m->connected && m->announce_at_ms != 0 && now >= m->announce_at_ms) {
		m->announce_at_ms = 0;
		mq_registry_forget(&m->reg);
		if (m->have_last)
			publish_sample(m, &m->last);
	}
	if (m->connected && now >= m->next_diag_ms) {
		m->next_diag_ms = now + DIAG_PERIOD_MS;
		enqueue(m, topic, mq_link_state(&m->names, &m->last_ls, clock_wall_ms(), topic,
		    sizeof topic), m->cfg.qos, m->cfg.retain);
	}
	pthread_mutex_unlock(&m->lock);
}

/* Clean end of a session: "offline" (retained; the broker sends the will
 * only when a client vanishes), acknowledged, then DISCONNECT; never
 * longer than OFFLINE_FLUSH_MS, even when the broker is frozen. */
static void
say_offline(struct mqtt_sink *m)
{
	char topic[MQ_TOPIC_LEN + 16];
	int64_t until = clock_mono_ms() + OFFLINE_FLUSH_MS;
	bool connected, acked = true;
	int mid = 0;

	pthread_mutex_lock(&m->lock);
	connected = m->connected;
	mq_status_topic(&m->names, topic, sizeof topic);
	m->offline_acked = false;
	pthread_mutex_unlock(&m->lock);
	if (connected && mosquitto_publish(m->mosq, &mid, topic, 7, "offline", 1, true) ==
	    MOSQ_ERR_SUCCESS) {
		pthread_mutex_lock(&m->lock);
		m->offline_mid = mid;
		pthread_mutex_unlock(&m->lock);
		acked = false;
	}
	while (!acked && clock_mono_ms() < until) {
		if (mosquitto_loop(m->mosq, 50, 1) != MOSQ_ERR_SUCCESS)
			break;
		pthread_mutex_lock(&m->lock);
		acked = m->offline_acked;
		pthread_mutex_unlock(&m->lock);
	}
	mosquitto_disconnect(m->mosq);
	while (clock_mono_ms() < until && mosquitto_want_write(m->mosq))
		if (mosquitto_loop(m->mosq, 50, 1) != MOSQ_ERR_SUCCESS)
			break;
	pthread_mutex_lock(&m->lock);
	m->connected = false;
	pthread_mutex_unlock(&m->lock);
}

/* When the thread must look again without being woken (lock held): the
 * keepalive (`last_out` is our last write) or a pending announcement. */
static int64_t
next_due_ms(const struct mqtt_sink *m, int64_t last_out)
{
	int64_t due = last_out + (int64_t)m->cfg.keepalive_s * 1000;

	if (m->connected && m->announce_at_ms != 0 && m->announce_at_ms < due)
		due = m->announce_at_ms;
	return due;
}

/* Sleep on the broker's socket and the wake fd until one of them has
 * something or the next timed duty is due; then let the library read,
 * write and check its keepalive.  Replaces mosquitto_loop(100 ms), which
 * woke ten times a second with nothing to do. */
static int
serve_once(struct mqtt_sink *m, int64_t *last_out)
{
	struct pollfd pfd[2];
	int64_t now, due;
	uint64_t n;
	int rc, sock = mosquitto_socket(m->mosq), timeout;

	if (sock < 0)
		return MOSQ_ERR_NO_CONN;
	pthread_mutex_lock(&m->lock);
	due = next_due_ms(m, *last_out);
	pthread_mutex_unlock(&m->lock);
	now = clock_mono_ms();
	timeout = due <= now ? 0 : due - now > INT32_MAX ? INT32_MAX : (int)(due - now);
	pfd[0] = (struct pollfd){ .fd = sock,
	    .events = POLLIN | (mosquitto_want_write(m->mosq) ? POLLOUT : 0) };
	pfd[1] = (struct pollfd){ .fd = m->wake_fd, .events = POLLIN };
	if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
		return MOSQ_ERR_ERRNO;
	if (pfd[1].revents & POLLIN)
		(void)!read(m->wake_fd, &n, sizeof n);
	if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
		if ((rc = mosquitto_loop_read(m->mosq, 1)) != MOSQ_ERR_SUCCESS)
			return rc;
	}
	if ((pfd[0].revents & POLLOUT) && mosquitto_want_write(m->mosq)) {
		if ((rc = mosquitto_loop_write(m->mosq, 1)) != MOSQ_ERR_SUCCESS)
			return rc;
		*last_out = clock_mono_ms();
	}
	/* The keepalive: a PINGREQ is queued (written at the next turn) or
	 * an unanswered one ends the session. */
	if ((rc = mosquitto_loop_misc(m->mosq)) != MOSQ_ERR_SUCCESS)
		return rc;
	if (clock_mono_ms() >= *last_out + (int64_t)m->cfg.keepalive_s * 1000)
		*last_out = clock_mono_ms();
	return MOSQ_ERR_SUCCESS;
}

/* One connected session, until it fails, or we stop or are toggled off. */
static int
run_session(struct mqtt_sink *m)
{
	int64_t last_out = clock_mono_ms();

	for (;;) {
		bool stop, enabled;
		int rc;

		pthread_mutex_lock(&m->lock);
		stop = m->stop;
		enabled = m->enabled;
		pthread_mutex_unlock(&m->lock);
		if (stop || !enabled) {
			say_offline(m);
			return MOSQ_ERR_SUCCESS;
		}
		timed_work(m);
		publish_queue(m);
		if ((rc = serve_once(m, &last_out)) != MOSQ_ERR_SUCCESS)
			return rc;
	}
}

/* After a session or a failed connect: say why, pick the wait. */
static int
next_wait(struct mqtt_sink *m, int rc, int err, int *delay)
{
	const struct mqtt_config *c = &m->cfg;
	int wait;

	if (!m->enabled || m->stop)
		return 0;
	if (m->accepted)
		*delay = 1;	/* it worked: start the back-off from the bottom */
	if (m->refused != 0)
		return SLOW_RETRY_S;
	if (rc == MOSQ_ERR_TLS) {
		/* OpenSSL's own words are the end of the library's last error
		 * line: "...:certificate verify failed". */
		const char *detail = strrchr(m->lib_error, ':');

		m->tls_failed = true;
		set_status(m, SINK_ERROR, "TLS with %s:%d failed: %s (check MQTT_CAFILE and the "
		    "host name in the broker's certificate); retry in %d min", c->host, c->port,
		    detail != NULL && detail[1] != '\0' ? detail + 1 : "handshake",
		    SLOW_RETRY_S / 60);
		return SLOW_RETRY_S;
	}
	if (!m->accepted) {
		/* With TLS, OpenSSL often knows more ("certificate required"). */
		const char *detail = c->tls ? strrchr(m->lib_error, ':') : NULL;

		set_status(m, SINK_CONNECTING, "connecting to %s:%d: %s%s%s%s", c->host, c->port,
		    reason(rc, err), detail != NULL ? " (TLS: " : "", detail != NULL ? detail + 1 :
		    "", detail != NULL ? ")" : "");
	}
	wait = *delay;
	*delay = *delay * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : *delay * 2;
	return wait;
}

/* Until enabled and named; false when stopping. */
static bool
wait_until_wanted(struct mqtt_sink *m)
{
	bool go;

	pthread_mutex_lock(&m->lock);
	while (!m->stop && !(m->enabled && m->named)) {
		if (m->enabled)
			set_status(m, SINK_CONNECTING, "waiting for the first sample, which "
			    "names the stack (or set DEVICE_UNIQUE_ID)");
		pthread_cond_wait(&m->cond, &m->lock);
	}
	go = !m->stop;
	if (go && m->refused == 0 && !m->tls_failed)
		set_status(m, SINK_CONNECTING, "connecting to %s:%d", m->cfg.host, m->cfg.port);
	m->accepted = false;
	pthread_mutex_unlock(&m->lock);
	return go;
}

static void *
net_main(void *arg)
{
	struct mqtt_sink *m = arg;
	int delay = 1;

	while (wait_until_wanted(m)) {
		int rc, err, wait;

		if ((rc = setup_client(m)) != MOSQ_ERR_SUCCESS) {
			pthread_mutex_lock(&m->lock);
			set_status(m, SINK_ERROR, "MQTT client set-up failed: %s; retrying "
			    "every %d min", mosquitto_strerror(rc), SLOW_RETRY_S / 60);
			pthread_mutex_unlock(&m->lock);
			if (m->mosq != NULL)
				mosquitto_destroy(m->mosq);
			m->mosq = NULL;
			backoff(m, SLOW_RETRY_S);
			continue;
		}
		pthread_mutex_lock(&m->lock);
		m->lib_error[0] = '\0';
		pthread_mutex_unlock(&m->lock);
		errno = 0;
		rc = mosquitto_connect(m->mosq, m->cfg.host, m->cfg.port, m->cfg.keepalive_s);
		err = errno;
		if (rc == MOSQ_ERR_SUCCESS)
			rc = run_session(m);
		else
			err = errno ? errno : err;
		/* A new client for the next session: libmosquitto would send
		 * this one's unacknowledged QoS 1 messages again after the
		 * reconnect — an old "offline" after our "online", stale
		 * states — and we want one fresh snapshot instead. */
		mosquitto_destroy(m->mosq);
		m->mosq = NULL;
		pthread_mutex_lock(&m->lock);
		m->connected = false;
		wait = next_wait(m, rc, err, &delay);
		pthread_mutex_unlock(&m->lock);
		if (wait > 0)
			backoff(m, wait);
	}
	pthread_mutex_lock(&m->lock);
	m->exited = true;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

/* ---- the sink interface (acquisition and UI threads) ----------------- */

/* The identity and the expiry, from the first sample on (lock held). */
static void
name_and_expire(struct mqtt_sink *m, const struct pt_sample *s, const struct link_stats *ls)
{
	double interval = m->cfg.interval_s;
	int64_t now = clock_mono_ms();
	int expire;

	if (!m->named) {
		char ident[MQ_ID_LEN];

		mq_stack_ident(&m->cfg, s, m->host_name, ident, sizeof ident);
		mq_names_init(&m->names, &m->cfg, ident);
		m->named = true;
		pthread_cond_broadcast(&m->cond);
	}
	/* Samples come every interval_s, or slower on a slow line: expire
	 * after three of whichever is longest, and never shrink it (each
	 * change re-announces everything). */
	if (ls != NULL && ls->interval_s > interval)
		interval = ls->interval_s;
	/* A gap across an outage (stale, reconnect) is no sample interval. */
	if (m->last_write_ms > 0 && (ls == NULL || ls->reconnects == m->last_reconnects) &&
	    (double)(now - m->last_write_ms) / 1000.0 > interval)
		interval = (double)(now - m->last_write_ms) / 1000.0;
	m->last_write_ms = now;
	m->last_reconnects = ls != NULL ? ls->reconnects : 0;
	expire = mq_expire_after(interval);
	if (expire > m->names.expire_s) {
		m->names.expire_s = expire;
		mq_registry_forget(&m->reg);
	}
}

/* Every sample counts, whatever MQTT_INTERVAL publishes (lock held). */
static void
feed_energy(struct mqtt_sink *m, const struct pt_sample *s, char ids[][MQ_ID_LEN])
{
	_Static_assert(MQ_ID_LEN == ENERGY_ID_LEN, "one device id length");
	energy_feed(&m->energy, s, (const char (*)[ENERGY_ID_LEN])ids);
	m->state_dirty = true;
}

static int
mqtt_write(void *self, const struct pt_sample *s, const struct link_stats *ls)
{
	struct mqtt_sink *m = self;
	int64_t now = clock_mono_ms();
	char ids[PT_MAX_MODULES][MQ_ID_LEN];

	pthread_mutex_lock(&m->lock);
	if (!m->enabled) {
		energy_gap_all(&m->energy);	/* not counted while off */
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	/* Ids come from barcodes: on a slow line they arrive over the first
	 * cycles after every (re)identification, and a module published
	 * before them would appear under a position name (a second device in
	 * Home Assistant).  Publish nothing until they are in; expire_after
	 * and the availability topic cover the pause. */
	if (ls != NULL && ls->identity_pending) {
		energy_gap_all(&m->energy);
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	m->last = *s;
	m->have_last = true;
	if (ls != NULL)
		m->last_ls = *ls;
	name_and_expire(m, s, ls);
	mq_module_ids(&m->names, s, ids);	/* names are set: once for both */
	feed_energy(m, s, ids);
	/* --mqtt-interval: a quarter second early is on time (samples jitter). */
	if (m->cfg.interval_s > 0 && now < m->next_state_ms) {
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	m->next_state_ms = now + (int64_t)(m->cfg.interval_s * 1000) - 250;
	publish_sample_ids(m, s, ids);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

/* No sample for a while: the entities expire by themselves (expire_after);
 * the link diagnostics say why, at once. */
static void
mqtt_stale(void *self, const struct link_stats *ls)
{
	struct mqtt_sink *m = self;

	pthread_mutex_lock(&m->lock);
	if (ls != NULL)
		m->last_ls = *ls;
	m->next_diag_ms = 0;
	m->last_write_ms = 0;
	energy_gap_all(&m->energy);	/* a stale link is a gap, never bridged */
	wake(m);
	pthread_mutex_unlock(&m->lock);
}

static void
mqtt_set_enabled(void *self, bool on)
{
	struct mqtt_sink *m = self;

	pthread_mutex_lock(&m->lock);
	if (m->enabled != on) {
		m->enabled = on;
		/* Off: what waits is old by the time we are back on. */
		queue_clear(m);
		mq_registry_forget(&m->reg);
		m->refused = 0;
		m->tls_failed = false;
		if (on)
			set_status(m, SINK_CONNECTING, "connecting to %s:%d", m->cfg.host,
			    m->cfg.port);
		else
			set_status(m, SINK_OFF, "off");
	}
	pthread_cond_broadcast(&m->cond);
	wake(m);
	pthread_mutex_unlock(&m->lock);
}

static void
mqtt_status(void *self, struct sink_status *st)
{
	struct mqtt_sink *m = self;

	memset(st, 0, sizeof *st);
	pthread_mutex_lock(&m->lock);
	st->state = m->enabled ? m->state : SINK_OFF;
	snprintf(st->text, sizeof st->text, "%s", m->enabled ? m->text : "off");
	st->written = m->written;
	st->dropped = m->dropped;
	st->errors = m->errors;
	st->queued = m->q_len;
	pthread_mutex_unlock(&m->lock);
}

static int
mqtt_start(void *self, void (*on_status)(void *ctx), void *ctx)
{
	mqtt_sink_on_status(self, on_status, ctx);
	return mqtt_sink_start(self);
}

/* "offline", disconnect, join: at most MQTT_FREE_DEADLINE_MS. */
static void
mqtt_free(void *self)
{
	mqtt_sink_free(self, MQTT_FREE_DEADLINE_MS);
}

static const struct sink_ops mqtt_ops = {
	.name = SINK_MQTT,
	.write = mqtt_write,
	.stale = mqtt_stale,
	.set_enabled = mqtt_set_enabled,
	.status = mqtt_status,
	.start = mqtt_start,
	.free = mqtt_free,
};

static void
lib_init(void)
{
	mosquitto_lib_init();
}

/* Files named in the config must be readable now, not at the first
 * connect attempt minutes later. */
static int
check_files(const struct mqtt_config *c, char *err, size_t errsize)
{
	const struct { const char *key, *path; } f[] = {
		{ "MQTT_CAFILE", c->cafile }, { "MQTT_CAPATH", c->capath },
		{ "MQTT_CERTFILE", c->certfile }, { "MQTT_KEYFILE", c->keyfile },
	};
	size_t i;

	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		if (f[i].path[0] != '\0' && access(f[i].path, R_OK) != 0) {
			snprintf(err, errsize, "%s %s: %s", f[i].key, f[i].path, strerror(errno));
			return PT_ERR_CONFIG;
		}
	if ((c->certfile[0] == '\0') != (c->keyfile[0] == '\0')) {
		snprintf(err, errsize, "MQTT_CERTFILE and MQTT_KEYFILE go together: set both "
		    "or neither");
		return PT_ERR_CONFIG;
	}
	return 0;
}

/* MQTT_STATE_FILE (or its default): the energy totals and the log
 * entries sent.  A damaged file is said in one line, moved aside, and
 * the totals start from 0 (mqtt_state.h). */
static void
load_state(struct mqtt_sink *m)
{
	char why[700];
	int rc;

	energy_init(&m->energy, m->cfg.energy_max_gap_s);
	if (m->cfg.state_file_given)
		snprintf(m->state_path, sizeof m->state_path, "%s", m->cfg.state_file);
	else
		mqtt_state_default_path(m->state_path, sizeof m->state_path);
	if (m->state_path[0] == '\0')
		return;
	rc = mqtt_state_load(m->state_path, &m->energy, &m->marks, why, sizeof why);
	m->state_saveable = rc >= -1;
	if (rc < 0)
		fprintf(stderr, "pylontop: warning: %s\n", why);
}

void
mqtt_sink_set_sources(struct mqtt_sink *m, const struct mqtt_sources *src)
{
	m->src = *src;
}

struct mqtt_sink *
mqtt_sink_new(const struct mqtt_config *c, char *err, size_t errsize)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_condattr_t ca;
	struct mqtt_sink *m;

	if (c->host[0] == '\0') {
		snprintf(err, errsize, "MQTT: no broker (set MQTT_BROKER or --mqtt URL)");
		return NULL;
	}
	if (mq_check_topics(c, err, errsize) != 0 || (c->tls && check_files(c, err, errsize) != 0))
		return NULL;
	pthread_once(&once, lib_init);
	if ((m = calloc(1, sizeof *m)) == NULL) {
		snprintf(err, errsize, "MQTT: out of memory");
		return NULL;
	}
	m->cfg = *c;
	if (m->cfg.port == 0)
		m->cfg.port = m->cfg.tls ? 8883 : 1883;
	if (m->cfg.keepalive_s < 5)
		m->cfg.keepalive_s = 30;
	if (gethostname(m->host_name, sizeof m->host_name - 1) != 0)
		m->host_name[0] = '\0';
	mq_registry_init(&m->reg);
	load_state(m);
	if (c->unique_id[0] != '\0') {
		mq_names_init(&m->names, &m->cfg, c->unique_id);
		m->named = true;
	}
	m->enabled = c->enabled;
	m->state = c->enabled ? SINK_CONNECTING : SINK_OFF;
	snprintf(m->text, sizeof m->text, c->enabled ? "connecting to %s:%d" : "off",
	    m->cfg.host, m->cfg.port);
	m->seed = (unsigned)(clock_mono_ms() ^ (getpid() << 16));
	if ((m->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		snprintf(err, errsize, "MQTT: cannot make an eventfd: %s", strerror(errno));
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cond, &ca);
	pthread_condattr_destroy(&ca);
	return m;
}

void
mqtt_sink_on_status(struct mqtt_sink *m, void (*fn)(void *), void *ctx)
{
	m->on_status = fn;
	m->on_status_ctx = ctx;
}

int
mqtt_sink_start(struct mqtt_sink *m)
{
	sigset_t all, old;
	int rc;

	/* Signals belong to the main thread (it owns the self-pipe). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&m->thread, NULL, net_main, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return PT_ERR_NOMEM;
	m->started = true;
	return 0;
}

struct sink
mqtt_sink_as_sink(struct mqtt_sink *m)
{
	return (struct sink){ &mqtt_ops, m };
}

void
mqtt_sink_free(struct mqtt_sink *m, int deadline_ms)
{
	int64_t until;
	struct timespec ts;

	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = true;
	pthread_cond_broadcast(&m->cond);
	wake(m);
	if (m->started) {
		/* A connect to a black-holed host blocks in the kernel for
		 * minutes: wait until the deadline, then leave the thread (and
		 * this memory, which it still uses) to the ending process. */
		until = clock_mono_ms() + deadline_ms;
		ts.tv_sec = (time_t)(until / 1000);
		ts.tv_nsec = (long)(until % 1000) * 1000000;
		while (!m->exited)
			if (pthread_cond_timedwait(&m->cond, &m->lock, &ts) == ETIMEDOUT)
				break;
		if (!m->exited) {
			explicit_bzero(m->cfg.password, sizeof m->cfg.password);
			pthread_mutex_unlock(&m->lock);
			pthread_detach(m->thread);
			return;
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (m->started)
		pthread_join(m->thread, NULL);
	save_state(m, true);
	if (m->mosq != NULL)
		mosquitto_destroy(m->mosq);
	queue_clear(m);
	while (m->n_etopics > 0)
		free(m->etopics[--m->n_etopics]);
	free(m->etopics);
	explicit_bzero(m->cfg.password, sizeof m->cfg.password);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	close(m->wake_fd);
	free(m);
}

bool
mqtt_tls_supported(void)
{
	struct mosquitto *mq;
	bool ok;

	mosquitto_lib_init();
	if ((mq = mosquitto_new(NULL, true, NULL)) == NULL)
		return false;
	/* Without TLS support every TLS setter answers NOT_SUPPORTED. */
	ok = mosquitto_tls_insecure_set(mq, false) != MOSQ_ERR_NOT_SUPPORTED;
	mosquitto_destroy(mq);
	mosquitto_lib_cleanup();
	return ok;
}
