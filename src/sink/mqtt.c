/* mqtt.c — the MQTT sink: a bounded queue and a network thread we own.
 *
 * libmosquitto 2.0.11 traps (reliability.md §1): connect_async before
 * loop_start never connects when the broker is down at start, and a TLS
 * failure ends the library's own loop silently.  So this thread calls
 * the blocking mosquitto_connect itself, runs mosquitto_loop in steps,
 * and backs off with jitter: 1, 2, 4 ... 60 s; refused credentials and
 * TLS failures are said once and retried every 5 minutes.  write() only
 * formats and queues (oldest dropped, counted): acquisition and the UI
 * never wait on the network.
 */
#include "autoconfig.h"

#include "sink/mqtt.h"

#include <errno.h>
#include <stdarg.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sink/mqtt_discovery.h"
#include "util/clock.h"
#include "util/err.h"

#define QUEUE_MAX	1024
#define SLOW_RETRY_S	300
#define MAX_KNOWN	PT_MAX_MODULES

struct msg {
	char	*topic, *payload;
	int	 qos;
	bool	 retain;
};

struct mqtt_sink {
	struct mqtt_config	cfg;
	struct mq_names		names;
	pthread_t		thread;
	bool			started;
	pthread_mutex_t		lock;
	pthread_cond_t		cond;
	bool			stop, enabled;
	struct mosquitto	*mosq;
	bool			connected;	/* CONNACK accepted */
	bool			refused;	/* credentials refused */
	struct msg		q[QUEUE_MAX];
	size_t			q_head, q_len;
	uint64_t		written, dropped, errors;
	char			text[160];
	enum sink_state		state;
	int64_t			last_state_ms;
	char			known[MAX_KNOWN][MQ_ID_LEN];	/* announced modules */
	int			n_known;
	int			shape;		/* modules x cells last announced */
	bool			announced;
	bool			exited;		/* the network thread has ended */
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
}

/* Queue a message (takes ownership of payload).  Caller holds the lock. */
static void
enqueue(struct mqtt_sink *m, const char *topic, char *payload, int qos, bool retain)
{
	struct msg *slot;

	if (payload == NULL)
		return;
	if (m->q_len == QUEUE_MAX) {
		struct msg *old = &m->q[m->q_head];
		free(old->topic);
		free(old->payload);
		m->q_head = (m->q_head + 1) % QUEUE_MAX;
		m->q_len--;
		m->dropped++;
	}
	slot = &m->q[(m->q_head + m->q_len) % QUEUE_MAX];
	slot->topic = strdup(topic);
	slot->payload = payload;
	slot->qos = qos;
	slot->retain = retain;
	m->q_len++;
	pthread_cond_signal(&m->cond);
}

static void
on_connect(struct mosquitto *mosq, void *arg, int rc)
{
	struct mqtt_sink *m = arg;
	char topic[MQ_TOPIC_LEN + 16];

	pthread_mutex_lock(&m->lock);
	if (rc != 0) {
		m->refused = true;
		set_status(m, SINK_ERROR, "broker %s:%d refused the connection: %s", m->cfg.host,
		    m->cfg.port, mosquitto_connack_string(rc));
		pthread_mutex_unlock(&m->lock);
		mosquitto_disconnect(mosq);	/* ends our loop: back off */
		return;
	}
	m->connected = true;
	m->refused = false;
	/* A broker without persistence lost the retained configs: announce
	 * everything again with the next sample. */
	m->announced = false;
	m->n_known = 0;
	set_status(m, SINK_OK, "connected to %s:%d", m->cfg.host, m->cfg.port);
	pthread_mutex_unlock(&m->lock);
	snprintf(topic, sizeof topic, "%s/status", m->names.base);
	mosquitto_publish(mosq, NULL, topic, 6, "online", 1, true);
	snprintf(topic, sizeof topic, "%s/status", m->names.prefix);
	mosquitto_subscribe(mosq, NULL, topic, 0);
}

static void
on_disconnect(struct mosquitto *mosq, void *arg, int rc)
{
	struct mqtt_sink *m = arg;

	(void)mosq;
	pthread_mutex_lock(&m->lock);
	m->connected = false;
	if (rc != 0 && !m->refused && !m->stop)
		set_status(m, SINK_CONNECTING, "lost %s:%d: %s", m->cfg.host, m->cfg.port,
		    mosquitto_strerror(rc));
	pthread_mutex_unlock(&m->lock);
}

/* Home Assistant restarted: announce everything again. */
static void
on_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg)
{
	struct mqtt_sink *m = arg;

	(void)mosq;
	if (msg->payloadlen == 6 && memcmp(msg->payload, "online", 6) == 0) {
		pthread_mutex_lock(&m->lock);
		m->announced = false;
		m->n_known = 0;
		pthread_mutex_unlock(&m->lock);
	}
}

static int
setup_client(struct mqtt_sink *m, char *err, size_t errsize)
{
	char topic[MQ_TOPIC_LEN + 16], id[96];
	int rc;

	snprintf(id, sizeof id, "%s", m->cfg.client_id[0] ? m->cfg.client_id : m->names.stack_id);
	m->mosq = mosquitto_new(id, true, m);
	if (m->mosq == NULL) {
		snprintf(err, errsize, "MQTT: cannot create a client: %s", strerror(errno));
		return PT_ERR_NOMEM;
	}
	mosquitto_threaded_set(m->mosq, true);
	mosquitto_connect_callback_set(m->mosq, on_connect);
	mosquitto_disconnect_callback_set(m->mosq, on_disconnect);
	mosquitto_message_callback_set(m->mosq, on_message);
	snprintf(topic, sizeof topic, "%s/status", m->names.base);
	mosquitto_will_set(m->mosq, topic, 7, "offline", 1, true);
	if (m->cfg.user[0] != '\0')
		mosquitto_username_pw_set(m->mosq, m->cfg.user,
		    m->cfg.password[0] ? m->cfg.password : NULL);
	if (m->cfg.tls) {
		rc = mosquitto_tls_set(m->mosq, m->cfg.cafile[0] ? m->cfg.cafile : NULL,
		    m->cfg.capath[0] ? m->cfg.capath : (m->cfg.cafile[0] ? NULL : "/etc/ssl/certs"),
		    m->cfg.certfile[0] ? m->cfg.certfile : NULL,
		    m->cfg.keyfile[0] ? m->cfg.keyfile : NULL, NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			snprintf(err, errsize, "MQTT TLS settings: %s (check MQTT_CAFILE, "
			    "MQTT_CERTFILE, MQTT_KEYFILE)", mosquitto_strerror(rc));
			return PT_ERR_CONFIG;
		}
		mosquitto_tls_insecure_set(m->mosq, m->cfg.tls_insecure);
	}
	return 0;
}

/* Wait up to `s` seconds (jittered), or until stopped or toggled. */
static void
backoff(struct mqtt_sink *m, int s)
{
	struct timespec ts;
	int64_t until = clock_mono_ms() + s * 1000 + rand() % 1000;

	pthread_mutex_lock(&m->lock);
	ts.tv_sec = (time_t)(until / 1000);
	ts.tv_nsec = (long)(until % 1000) * 1000000;
	while (!m->stop && m->enabled && clock_mono_ms() < until)
		if (pthread_cond_timedwait(&m->cond, &m->lock, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&m->lock);
}

static void
publish_queue(struct mqtt_sink *m)
{
	for (;;) {
		struct msg msg;
		int rc;

		pthread_mutex_lock(&m->lock);
		if (m->q_len == 0 || !m->connected) {
			pthread_mutex_unlock(&m->lock);
			return;
		}
		msg = m->q[m->q_head];
		m->q_head = (m->q_head + 1) % QUEUE_MAX;
		m->q_len--;
		pthread_mutex_unlock(&m->lock);
		rc = mosquitto_publish(m->mosq, NULL, msg.topic, (int)strlen(msg.payload),
		    msg.payload, msg.qos, msg.retain);
		pthread_mutex_lock(&m->lock);
		if (rc == MOSQ_ERR_SUCCESS)
			m->written++;
		else
			m->errors++;
		pthread_mutex_unlock(&m->lock);
		free(msg.topic);
		free(msg.payload);
	}
}

static void
say_offline(struct mqtt_sink *m)
{
	char topic[MQ_TOPIC_LEN + 16];
	int64_t until = clock_mono_ms() + 1000;

	snprintf(topic, sizeof topic, "%s/status", m->names.base);
	mosquitto_publish(m->mosq, NULL, topic, 7, "offline", 1, true);
	/* Give it a moment to leave, never long. */
	while (clock_mono_ms() < until && mosquitto_want_write(m->mosq))
		if (mosquitto_loop(m->mosq, 50, 1) != MOSQ_ERR_SUCCESS)
			break;
	mosquitto_disconnect(m->mosq);
	mosquitto_loop(m->mosq, 50, 1);
}

static void *
net_main(void *arg)
{
	struct mqtt_sink *m = arg;
	int delay = 1;

	for (;;) {
		int rc;
		bool stop, enabled;

		pthread_mutex_lock(&m->lock);
		while (!m->stop && !m->enabled)
			pthread_cond_wait(&m->cond, &m->lock);
		stop = m->stop;
		set_status(m, SINK_CONNECTING, "connecting to %s:%d", m->cfg.host, m->cfg.port);
		pthread_mutex_unlock(&m->lock);
		if (stop)
			break;
		rc = mosquitto_connect(m->mosq, m->cfg.host, m->cfg.port, m->cfg.keepalive_s);
		if (rc != MOSQ_ERR_SUCCESS) {
			pthread_mutex_lock(&m->lock);
			if (rc == MOSQ_ERR_TLS)
				set_status(m, SINK_ERROR, "TLS with %s:%d failed (certificate not "
				    "trusted, or wrong host name?); retrying in %d s", m->cfg.host,
				    m->cfg.port, SLOW_RETRY_S);
			else
				set_status(m, SINK_CONNECTING, "connecting to %s:%d: %s; retrying in %d s",
				    m->cfg.host, m->cfg.port, rc == MOSQ_ERR_ERRNO ? strerror(errno) :
				    mosquitto_strerror(rc), delay);
			pthread_mutex_unlock(&m->lock);
			backoff(m, rc == MOSQ_ERR_TLS ? SLOW_RETRY_S : delay);
			delay = delay * 2 > 60 ? 60 : delay * 2;
			continue;
		}
		for (;;) {
			pthread_mutex_lock(&m->lock);
			stop = m->stop;
			enabled = m->enabled;
			pthread_mutex_unlock(&m->lock);
			if (stop || !enabled) {
				say_offline(m);
				pthread_mutex_lock(&m->lock);
				m->connected = false;
				if (!enabled)
					set_status(m, SINK_OFF, "off");
				pthread_mutex_unlock(&m->lock);
				break;
			}
			publish_queue(m);
			rc = mosquitto_loop(m->mosq, 100, 1);
			if (rc != MOSQ_ERR_SUCCESS)
				break;
		}
		pthread_mutex_lock(&m->lock);
		stop = m->stop;
		if (rc == MOSQ_ERR_TLS) {
			/* The handshake failed: the library says nothing more. */
			m->connected = false;
			m->refused = true;
			set_status(m, SINK_ERROR, "TLS with %s:%d failed (certificate not trusted, "
			    "or wrong host name?); retrying in %d s", m->cfg.host, m->cfg.port,
			    SLOW_RETRY_S);
		} else if (m->connected) {
			m->connected = false;
			set_status(m, SINK_CONNECTING, "lost %s:%d: %s", m->cfg.host, m->cfg.port,
			    mosquitto_strerror(rc));
		} else if (!m->refused && m->state != SINK_OFF && strncmp(m->text, "lost", 4) != 0)
			set_status(m, SINK_CONNECTING, "connecting to %s:%d: %s", m->cfg.host,
			    m->cfg.port, rc == MOSQ_ERR_ERRNO ? strerror(errno) :
			    mosquitto_strerror(rc));
		if (m->refused)
			delay = SLOW_RETRY_S;
		else if (m->state != SINK_OFF)
			delay = 1;
		pthread_mutex_unlock(&m->lock);
		if (stop)
			break;
		backoff(m, delay);
		if (!m->refused)
			delay = delay * 2 > 60 ? 60 : delay * 2;
	}
	pthread_mutex_lock(&m->lock);
	m->exited = true;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

/* ---- the sink interface (acquisition thread) ------------------------- */

static bool
known(struct mqtt_sink *m, const char *id)
{
	int i;

	for (i = 0; i < m->n_known; i++)
		if (strcmp(m->known[i], id) == 0)
			return true;
	return false;
}

static void
announce(struct mqtt_sink *m, const struct pt_sample *s, int expire)
{
	char topic[MQ_TOPIC_LEN + 32], ids[MAX_KNOWN][MQ_ID_LEN];
	int i, n = 0, j;

	enqueue(m, topic, mq_stack_config(&m->names, s, expire, topic, sizeof topic), 1, true);
	for (i = 0; i < s->n_modules && n < MAX_KNOWN; i++) {
		mq_module_id(&m->names, &s->modules[i], ids[n], MQ_ID_LEN);
		enqueue(m, topic, mq_module_config(&m->names, s, &s->modules[i], expire, topic,
		    sizeof topic), 1, true);
		n++;
	}
	/* Modules that are gone: an empty retained config removes them. */
	for (i = 0; i < m->n_known; i++) {
		bool still = false;
		for (j = 0; j < n; j++)
			still |= strcmp(m->known[i], ids[j]) == 0;
		if (!still) {
			char *empty = calloc(1, 1);
			mq_module_config_topic(&m->names, m->known[i], topic, sizeof topic);
			enqueue(m, topic, empty, 1, true);
		}
	}
	memcpy(m->known, ids, sizeof ids);
	m->n_known = n;
	m->announced = true;
}

static int
shape_of(const struct pt_sample *s)
{
	int i, shape = s->n_modules * 1000;

	for (i = 0; i < s->n_modules; i++)
		shape += s->modules[i].n_cells * (i + 1);
	return shape;
}

static int
mqtt_write(void *self, const struct pt_sample *s, const struct link_stats *ls)
{
	struct mqtt_sink *m = self;
	int64_t now = clock_wall_ms();
	int expire = (int)(3 * (ls != NULL && ls->interval_s > 0 ? ls->interval_s : 2) +
	    (m->cfg.interval_s > 0 ? 3 * m->cfg.interval_s : 0));
	char topic[MQ_TOPIC_LEN + 32];
	int i;
	bool changed = false;

	if (expire < 30)
		expire = 30;
	pthread_mutex_lock(&m->lock);
	if (!m->enabled) {
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	if (m->cfg.interval_s > 0 && now - m->last_state_ms < (int64_t)(m->cfg.interval_s * 1000)) {
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	m->last_state_ms = now;
	for (i = 0; i < s->n_modules; i++) {
		char id[MQ_ID_LEN];
		mq_module_id(&m->names, &s->modules[i], id, sizeof id);
		changed |= !known(m, id);
	}
	if (m->cfg.discovery && (!m->announced || changed || shape_of(s) != m->shape)) {
		announce(m, s, expire);
		m->shape = shape_of(s);
	}
	enqueue(m, topic, mq_stack_state(&m->names, s, ls, now, topic, sizeof topic),
	    m->cfg.qos, m->cfg.retain);
	for (i = 0; i < s->n_modules; i++)
		enqueue(m, topic, mq_module_state(&m->names, s, &s->modules[i], topic, sizeof topic),
		    m->cfg.qos, m->cfg.retain);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static void
mqtt_set_enabled(void *self, bool on)
{
	struct mqtt_sink *m = self;

	pthread_mutex_lock(&m->lock);
	m->enabled = on;
	if (on)
		m->announced = false;
	else
		set_status(m, SINK_OFF, "off");
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

static void
mqtt_status(void *self, struct sink_status *st)
{
	struct mqtt_sink *m = self;

	pthread_mutex_lock(&m->lock);
	memset(st, 0, sizeof *st);
	st->state = m->enabled ? m->state : SINK_OFF;
	snprintf(st->text, sizeof st->text, "%s", m->enabled ? m->text : "off");
	st->written = m->written;
	st->dropped = m->dropped;
	st->errors = m->errors;
	st->queued = m->q_len;
	pthread_mutex_unlock(&m->lock);
}

static void
mqtt_close(void *self)
{
	(void)self;
}

static const struct sink_ops mqtt_ops = {
	.name = "mqtt",
	.write = mqtt_write,
	.stale = NULL,		/* expire_after makes stale entities unavailable */
	.set_enabled = mqtt_set_enabled,
	.status = mqtt_status,
	.close = mqtt_close,
};

struct mqtt_sink *
mqtt_sink_new(const struct mqtt_config *c, char *err, size_t errsize)
{
	struct mqtt_sink *m;
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, (void (*)(void))mosquitto_lib_init);
	if ((m = calloc(1, sizeof *m)) == NULL) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	m->cfg = *c;
	if (m->cfg.port == 0)
		m->cfg.port = m->cfg.tls ? 8883 : 1883;
	if (m->cfg.keepalive_s < 5)
		m->cfg.keepalive_s = 30;
	mq_names_init(&m->names, c);
	m->enabled = c->enabled;
	m->state = c->enabled ? SINK_CONNECTING : SINK_OFF;
	snprintf(m->text, sizeof m->text, c->enabled ? "connecting to %s:%d" : "off",
	    m->cfg.host, m->cfg.port);
	pthread_mutex_init(&m->lock, NULL);
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&m->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	srand((unsigned)(clock_mono_ms() ^ getpid()));
	if (setup_client(m, err, errsize) != 0) {
		mqtt_sink_free(m, 0);
		return NULL;
	}
	return m;
}

int
mqtt_sink_start(struct mqtt_sink *m)
{
	if (pthread_create(&m->thread, NULL, net_main, m) != 0)
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
	size_t i;

	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = true;
	pthread_cond_broadcast(&m->cond);
	if (m->started) {
		/* A connect to an unreachable host blocks in the kernel: wait
		 * for the thread until the deadline, then leave it behind. */
		int64_t until = clock_mono_ms() + deadline_ms;
		struct timespec ts = { (time_t)(until / 1000), (long)(until % 1000) * 1000000 };

		while (!m->exited)
			if (pthread_cond_timedwait(&m->cond, &m->lock, &ts) == ETIMEDOUT)
				break;
		if (!m->exited) {
			pthread_mutex_unlock(&m->lock);
			pthread_detach(m->thread);
			return;		/* the process is ending: the thread goes with it */
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (m->started)
		pthread_join(m->thread, NULL);
	if (m->mosq != NULL)
		mosquitto_destroy(m->mosq);
	for (i = 0; i < m->q_len; i++) {
		free(m->q[(m->q_head + i) % QUEUE_MAX].topic);
		free(m->q[(m->q_head + i) % QUEUE_MAX].payload);
	}
	explicit_bzero(m->cfg.password, sizeof m->cfg.password);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
