/* monitor.c — the acquisition thread and what it feeds.
 *
 * One thread owns the link and the protocol session: connect, identify,
 * poll every interval, and on failure (one retry) reconnect with a back-off
 * of 1, 2, 4 ... 30 s.  Each sample goes through the alarm engine into the
 * history and the sinks, then a byte on a pipe wakes the front end.
 * Between polls the thread sleeps on a condition variable (monotonic
 * clock), so an idle monitor uses no CPU and stops at once when asked.
 */
#include "autoconfig.h"

#include "core/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rawlog.h"
#include "core/session.h"
#include "core/stale.h"
#include "link/link.h"
#include "link/link_record.h"
#include "proto/console_cmd.h"
#include "proto/rs485.h"
#include "pt_git.h"
#include "util/clock.h"
#include "util/msgring.h"
#include "util/err.h"

#define BACKOFF_MAX_S	30
#define SLOW_EVERY_MS	(3600 * 1000)
#define MAX_LINK_EVENTS	64
/* How often the health estimates are written to their state file. */
#define HEALTH_SAVE_EVERY_MS	(300 * 1000)
/* The raw console view is woken at most this often by the link's chunks
 * (it catches up with the rest by itself: monitor_raw_seq()). */
#define RAW_NOTIFY_MS	50

struct monitor {
	struct pt_config	 cfg;
	struct history		*hist;
	struct alarm_engine	*alarms;
	struct sink		 sinks[MONITOR_SINKS_MAX];	/* built by the front end */
	size_t			 n_sinks;
	struct link		 link;
	struct session		*live;		/* the session using the link */
	struct link_rec		*rec;		/* --record, NULL without */
	unsigned		 mismatches;	/* replay mismatches said so far */

	pthread_t		 thread;
	bool			 running;
	/* Set by monitor_stop() (under the lock, for the cond), read by
	 * the acquisition thread and its session without it: atomic. */
	atomic_int		 stop;
	pthread_mutex_t		 lock;		/* stats, cond */
	pthread_cond_t		 cond;
	struct link_stats	 stats;
	uint32_t		 seq;
	bool			 stale;
	struct stale_rule	 rule;		/* measured cycles (under lock) */
	struct link_event	 ev[MAX_LINK_EVENTS];	/* ring, under lock */
	size_t			 ev_head, ev_count;
	struct msgring		 said;	/* every state message (monitor_next_message), under lock */
	int			 wake[2];
	struct pt_sample	 work;		/* the sample being built */
	/* The BMS's own records (issue 13): asked for at start and by
	 * monitor_request_records(); the latest complete round, under lock. */
	bool			 records_wanted;
	struct pt_records	*records;
	/* The step in flight as the session said it, under lock; put in
	 * words (stats.progress) only when somebody reads the stats: the
	 * session says it at every read, dozens of times a sample. */
	struct session_progress	 progress;
	int64_t			 progress_notified_ms;	/* on_progress's last wake-up */
	struct health		*health;	/* cell health (issue 15), under health_lock */
	pthread_mutex_t		 health_lock;
	int64_t			 health_saved_ms;

	/* The raw console view: the link's traffic (rawlog.h), and one
	 * command the user typed, run between polls (under lock). */
	struct rawlog		 raw;
	atomic_bool		 raw_watch;	/* the view is on screen */
	atomic_bool		 raw_off;	/* nothing can show the ring: skip it */
	int64_t			 raw_notified_ms;
	char			 user_cmd[128];
	bool			 user_pending;
};

/* Write the health estimates (atomically) so a restart keeps them. */
static void
health_persist(struct monitor *m)
{
	char err[600];

	if (m->health == NULL || m->cfg.health.state_file[0] == '\0')
		return;
	pthread_mutex_lock(&m->health_lock);
	if (health_save(m->health, m->cfg.health.state_file, err, sizeof err) != 0)
		fprintf(stderr, "pylontop: %s\n", err);
	pthread_mutex_unlock(&m->health_lock);
}

static void
health_feed_sample(struct monitor *m, const struct pt_sample *s, int64_t now)
{
	if (m->health == NULL)
		return;
	pthread_mutex_lock(&m->health_lock);
	health_feed(m->health, s);
	pthread_mutex_unlock(&m->health_lock);
	if (m->health_saved_ms == 0)
		m->health_saved_ms = now;
	if (now - m->health_saved_ms >= HEALTH_SAVE_EVERY_MS) {
		m->health_saved_ms = now;
		health_persist(m);
	}
}

void
monitor_health(struct monitor *m, struct health_report *out)
{
	if (m->health == NULL) {
		memset(out, 0, sizeof *out);
		return;
	}
	pthread_mutex_lock(&m->health_lock);
	health_report(m->health, out);
	pthread_mutex_unlock(&m->health_lock);
}

static void
notify(struct monitor *m)
{
	char c = 1;

	(void)!write(m->wake[1], &c, 1);
}

/* For a sink's own thread (MQTT): its status changed. */
static void
notify_cb(void *ctx)
{
	notify(ctx);
}

static void
set_state(struct monitor *m, enum link_state st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_state(struct monitor *m, enum link_state st, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&m->lock);
	if (m->stats.state != st)
		m->stats.state_since_ms = clock_wall_ms();
	m->stats.state = st;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(m->stats.message, sizeof m->stats.message, fmt, ap);
		va_end(ap);
		msgring_push(&m->said, m->stats.message);
	}
	pthread_mutex_unlock(&m->lock);
	notify(m);
}

/* Something happened to the link: into the log beside the alarms.  The
 * same text twice in a row (a retry loop) is logged once. */
static void
link_event(struct monitor *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
link_event(struct monitor *m, const char *fmt, ...)
{
	struct link_event ev = { .time_ms = clock_wall_ms() };
	const struct link_event *prev;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ev.text, sizeof ev.text, fmt, ap);
	va_end(ap);
	rawlog_note(&m->raw, ev.time_ms, "%s", ev.text);
	pthread_mutex_lock(&m->lock);
	prev = &m->ev[(m->ev_head + MAX_LINK_EVENTS - 1) % MAX_LINK_EVENTS];
	if (m->ev_count == 0 || strcmp(prev->text, ev.text) != 0) {
		m->ev[m->ev_head] = ev;
		m->ev_head = (m->ev_head + 1) % MAX_LINK_EVENTS;
		if (m->ev_count < MAX_LINK_EVENTS)
			m->ev_count++;
	}
	pthread_mutex_unlock(&m->lock);
}

/* Sleep until the monotonic deadline or until stopped. */
static void
wait_until(struct monitor *m, int64_t deadline_ms)
{
	struct timespec ts;

	/* A replay runs on the recording's clock (clock.h). */
	if (clock_is_virtual()) {
		clock_sleep_until(deadline_ms, &m->stop);
		return;
	}
	ts.tv_sec = (time_t)(deadline_ms / 1000);
	ts.tv_nsec = (long)(deadline_ms % 1000) * 1000000;
	pthread_mutex_lock(&m->lock);
	while (!m->stop && !m->user_pending && clock_mono_ms() < deadline_ms)
		if (pthread_cond_timedwait(&m->cond, &m->lock, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&m->lock);
}

static void
sinks_write(struct monitor *m, const struct pt_sample *s)
{
	struct link_stats ls;
	size_t i;

	/* A replay sought back: the outputs had this stretch already. */
	if (clock_virtual_replayed())
		return;
	monitor_link_stats(m, &ls);
	for (i = 0; i < m->n_sinks; i++)
		m->sinks[i].ops->write(m->sinks[i].self, s, &ls);
}

/* The path every sample takes. */
static void
deliver(struct monitor *m, struct pt_sample *s)
{
	int64_t now = clock_wall_ms();

	if (s->time_ms == 0)
		s->time_ms = now;
	pt_sample_derive(s);
	alarm_engine_stale(m->alarms, false, 0, now);
	alarm_engine_eval(m->alarms, s, now);
	history_push(m->hist, s);
	health_feed_sample(m, s, now);
	pthread_mutex_lock(&m->lock);
	m->stats.samples++;
	m->stats.last_sample_ms = s->time_ms;
	stale_rule_sample(&m->rule, s->time_ms);
	m->stats.cycle_ms = stale_rule_cycle_ms(&m->rule);
	m->stats.stale_after_ms = stale_rule_limit_ms(&m->rule, m->cfg.interval_s,
	    m->cfg.alarms.stale_after_s);
	m->stale = false;
	pthread_mutex_unlock(&m->lock);
	sinks_write(m, s);
	notify(m);
}

/* No fresh sample for longer than the measured cycle allows (stale.h):
 * say so everywhere, invent nothing. */
static void
check_stale(struct monitor *m)
{
	struct link_stats ls;
	int64_t now = clock_wall_ms();
	double age;

	monitor_link_stats(m, &ls);
	if (ls.last_sample_ms == 0)
		return;
	age = (double)(now - ls.last_sample_ms) / 1000.0;
	if (now - ls.last_sample_ms <= ls.stale_after_ms || m->stale)
		return;
	m->stale = true;
	alarm_engine_stale(m->alarms, true, age, now);
	for (size_t i = 0; i < m->n_sinks && !clock_virtual_replayed(); i++)
		if (m->sinks[i].ops->stale != NULL)
			m->sinks[i].ops->stale(m->sinks[i].self, &ls);
	notify(m);
}

/* True when a counter moved. */
static bool
copy_counters(struct monitor *m, const struct session *s)
{
	bool moved;

	pthread_mutex_lock(&m->lock);
	moved = m->stats.timeouts != s->counters.timeouts ||
	    m->stats.parse_errors != s->counters.parse_errors ||
	    m->stats.checksum_errors != s->counters.checksum_errors ||
	    m->stats.device_errors != s->counters.device_errors;
	m->stats.timeouts = s->counters.timeouts;
	m->stats.parse_errors = s->counters.parse_errors;
	m->stats.checksum_errors = s->counters.checksum_errors;
	m->stats.device_errors = s->counters.device_errors;
	pthread_mutex_unlock(&m->lock);
	return moved;
}

/* link.on_io, before every read and write: what the session counted in
 * the exchanges so far is published at once, so the counters move while
 * the device is silent, not only when a whole poll or identify ends. */
static void
publish_counters(void *ctx)
{
	struct monitor *m = ctx;

	if (m->live != NULL && copy_counters(m, m->live))
		notify(m);
}

/* A replay that sent other commands than the recording did: say the
 * newest difference in the status (and in the -v log). */
static void
say_mismatch(struct monitor *m)
{
	char note[300];
	unsigned n = link_replay_mismatches(&m->link, note, sizeof note);
	enum link_state st;

	if (n == m->mismatches)
		return;
	m->mismatches = n;
	pthread_mutex_lock(&m->lock);
	st = m->stats.state;
	pthread_mutex_unlock(&m->lock);
	set_state(m, st, "%s (%u mismatch%s)", note, n, n == 1 ? "" : "es");
}

static void update_identity(struct monitor *m, const struct session *s);

/* Hand a pending records request to the session (it reads them
 * interleaved with polling, never every poll). */
static void
records_ask(struct monitor *m, struct session *s)
{
	pthread_mutex_lock(&m->lock);
	if (m->records_wanted && !s->records_busy) {
		s->records_request = true;
		m->records_wanted = false;
	}
	pthread_mutex_unlock(&m->lock);
}

/* A round is complete: keep it for the readers. */
static void
records_take(struct monitor *m, const struct session *s)
{
	if (s->records == NULL || m->records == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	pt_records_copy(m->records, s->records);
	pthread_mutex_unlock(&m->lock);
	notify(m);
}

/* link.on_data: every chunk into the raw console ring; the view, when it
 * is on screen, is woken (not more often than RAW_NOTIFY_MS). */
static void
on_link_data(void *ctx, char dir, const void *buf, size_t len)
{
	struct monitor *m = ctx;
	int64_t now;

	if (atomic_load_explicit(&m->raw_off, memory_order_relaxed))
		return;
	now = clock_mono_ms();
	rawlog_data(&m->raw, dir, buf, len, clock_wall_ms());
	if (atomic_load(&m->raw_watch) && now - m->raw_notified_ms >= RAW_NOTIFY_MS) {
		m->raw_notified_ms = now;
		notify(m);
	}
}

/* The command the user typed, if one waits: run now, between polls (the
 * acquisition pauses: a gap in the samples, never a value from it).
 * False when none was waiting. */
static bool
run_user_command(struct monitor *m, struct session *s)
{
	char line[sizeof m->user_cmd], result[400];
	int rc;

	pthread_mutex_lock(&m->lock);
	if (!m->user_pending) {
		pthread_mutex_unlock(&m->lock);
		return false;
	}
	snprintf(line, sizeof line, "%s", m->user_cmd);
	pthread_mutex_unlock(&m->lock);
	if (s->ops->user_command == NULL) {
		rc = PT_ERR_REFUSED;
		snprintf(result, sizeof result, "'%s': refused: %s takes no typed commands; "
		    "nothing sent", line, s->ops->family);
	} else {
		rawlog_set_user(&m->raw, true);
		rc = s->ops->user_command(s, line, result, sizeof result);
		rawlog_set_user(&m->raw, false);
		copy_counters(m, s);
	}
	rawlog_note(&m->raw, clock_wall_ms(), "%s%s", rc == PT_ERR_REFUSED ? "typed " : "",
	    result);
	pthread_mutex_lock(&m->lock);
	m->user_pending = false;
	pthread_mutex_unlock(&m->lock);
	notify(m);
	return true;
}

/* The link went away with a typed command still waiting: say so. */
static void
drop_user_command(struct monitor *m, const char *why)
{
	char line[sizeof m->user_cmd];
	bool had;

	pthread_mutex_lock(&m->lock);
	had = m->user_pending;
	m->user_pending = false;
	snprintf(line, sizeof line, "%s", m->user_cmd);
	pthread_mutex_unlock(&m->lock);
	if (had)
		rawlog_note(&m->raw, clock_wall_ms(), "typed '%s': not sent: %s", line, why);
}

/* The session's remark changed (round-robin on or off, packs missing):
 * show it in the status line and log it with its time. */
static void
note_changed(struct monitor *m, const struct session *s)
{
	char old[sizeof m->stats.note];

	pthread_mutex_lock(&m->lock);
	snprintf(old, sizeof old, "%s", m->stats.note);
	snprintf(m->stats.note, sizeof m->stats.note, "%s", s->note);
	m->stats.cells_per_cycle = s->cells_per_cycle;
	pthread_mutex_unlock(&m->lock);
	if (strcmp(old, s->note) == 0)
		return;
	if (s->note[0] != '\0')
		link_event(m, "%s", s->note);
	else
		link_event(m, "no longer: %s", old);
}

/* session.progress_fn, on the acquisition thread after every step and
 * chunk: the step in flight, for the UI while it waits for a first sample
 * (a slow line can take half a minute).  The front end is woken at most
 * 4 times a second, and only until the first sample. */
static void
on_progress(void *arg, const struct session_progress *p)
{
	struct monitor *m = arg;
	int64_t now = clock_mono_ms();
	bool wake;

	pthread_mutex_lock(&m->lock);
	m->progress = *p;
	wake = m->seq == 0 && now - m->progress_notified_ms >= 250;
	if (wake)
		m->progress_notified_ms = now;
	pthread_mutex_unlock(&m->lock);
	if (wake)
		notify(m);
}

/* stats.progress from the step in flight: "identity: info 3, 412 bytes
 * (3/16)"; "" before the session said anything. */
static void
progress_text(char *buf, size_t size, const struct session_progress *p)
{
	char steps[24] = "";

	if (p->steps > 0)
		snprintf(steps, sizeof steps, " (%d/%d)", p->step, p->steps);
	if (p->command[0] != '\0')
		snprintf(buf, size, "%s: %s, %zu bytes%s", p->phase, p->command, p->bytes, steps);
	else
		snprintf(buf, size, "%s%s", p->phase, steps);
}

/* A polled sample is as of the poll's last answer: the link's stamp (the
 * time --record writes), so that a replay, on the recording's clock,
 * gives the live run's sample times; our own clock after the parsing
 * would be a little later live than replayed, now and then across a
 * second.  A self-paced session with no time of its own: now. */
static int64_t
sample_time(const struct session *s)
{
	int64_t at = s->self_paced || s->link == NULL ? 0 : link_last_read_ms(s->link);

	return at > 0 ? clock_wall_of_mono(at) : clock_wall_ms();
}

/* Poll until the session fails twice in a row or we are stopped. */
static void
poll_loop(struct monitor *m, struct session *s)
{
	int64_t interval = (int64_t)(m->cfg.interval_s * 1000), next = clock_mono_ms();
	int64_t last_slow = -SLOW_EVERY_MS;
	int failures = 0;
	bool silent = false;	/* a self-paced session timed out since the last sample */
	unsigned note_seq = s->note_seq;

	while (!m->stop) {
		bool slow = clock_mono_ms() - last_slow >= SLOW_EVERY_MS;
		uint64_t rec_seq = s->records_seq;
		int rc;

		records_ask(m, s);
		pt_sample_init(&m->work, s->protocol);
		pt_copy_text(m->work.dialect, sizeof m->work.dialect, s->dialect,
		    strlen(s->dialect));
		rc = s->ops->poll(s, &m->work, slow);
		copy_counters(m, s);
		if (s->records_seq != rec_seq)
			records_take(m, s);
		say_mismatch(m);
		/* A sample read whole is delivered even when the stop came
		 * while it was parsed: its answers are in the recording, and
		 * a replay of it gives this row too. */
		if (m->stop && rc != 0)
			break;
		if (rc == 0) {
			if (slow)
				last_slow = clock_mono_ms();
			m->work.seq = ++m->seq;
			if (!s->self_paced || m->work.time_ms == 0)
				m->work.time_ms = sample_time(s);
			pthread_mutex_lock(&m->lock);
			m->stats.identity_pending = s->identity_pending;
			pthread_mutex_unlock(&m->lock);
			deliver(m, &m->work);
			note_changed(m, s);
			/* Every change of the note (round-robin on, growing
			 * back, off) is said once. */
			if (failures > 0 || silent || m->stats.state != LINK_POLLING ||
			    s->note_seq != note_seq) {
				/* A standing note (round-robin on) is restated
				 * when polling resumes; one that told of a change
				 * (round-robin off) only when it is new. */
				bool say = s->note[0] != '\0' &&
				    (s->note_seq != note_seq || !s->note_is_event);

				note_seq = s->note_seq;
				update_identity(m, s);
				set_state(m, LINK_POLLING, "polling %s%s%s",
				    s->protocol, say ? ": " : "", say ? s->note : "");
			}
			failures = 0;
			silent = false;
		} else {
			check_stale(m);
			set_state(m, LINK_POLLING, "poll failed: %s", s->error);
			/* A remote site that is silent: keep listening. */
			if (s->self_paced && rc == PT_ERR_TIMEOUT) {
				silent = true;
				continue;
			}
			/* One retry at once, then give up on this connection. */
			if (rc == PT_ERR_CLOSED || ++failures >= 2)
				return;
			continue;
		}
		if (s->self_paced)
			continue;
		next += interval;
		if (next < clock_mono_ms())
			next = clock_mono_ms() + interval;
		do
			wait_until(m, next);
		while (!m->stop && run_user_command(m, s));
	}
}

static void
update_identity(struct monitor *m, const struct session *s)
{
	pthread_mutex_lock(&m->lock);
	snprintf(m->stats.protocol, sizeof m->stats.protocol, "%s", s->protocol);
	snprintf(m->stats.dialect, sizeof m->stats.dialect, "%s", s->dialect);
	snprintf(m->stats.model, sizeof m->stats.model, "%s", s->model);
	m->stats.modules = s->modules;
	m->stats.cells_per_cycle = s->cells_per_cycle;
	pthread_mutex_unlock(&m->lock);
}

static void *
acquire_main(void *arg)
{
	struct monitor *m = arg;
	int backoff = 1;
	bool ended = false;
	bool reconnecting = false;

	while (!m->stop) {
		struct session *s;
		char why[sizeof m->stats.message] = "";	/* said with the retry */
		int rc;

		set_state(m, LINK_CONNECTING, "opening %s", m->cfg.device);
		rc = link_open(&m->link);
		if (rc == 0) {
			s = session_new(&m->cfg, &m->link, &m->stop);
			if (s == NULL) {
				set_state(m, LINK_STOPPED, "out of memory");
				link_close(&m->link);
				break;
			}
			/* Counters are for the whole run, across reconnects. */
			pthread_mutex_lock(&m->lock);
			s->counters = (struct session_counters){ m->stats.timeouts,
			    m->stats.parse_errors, m->stats.checksum_errors,
			    m->stats.device_errors };
			pthread_mutex_unlock(&m->lock);
			m->live = s;
			s->progress_fn = on_progress;
			s->progress_arg = m;
			set_state(m, LINK_IDENTIFYING, "identifying the device on %s",
			    m->link.path);
			rc = s->ops->identify(s);
			copy_counters(m, s);
			say_mismatch(m);
			if (rc == 0) {
				update_identity(m, s);
				set_state(m, LINK_POLLING, "found %s%s%s, %d module%s%s%s",
				    s->model[0] ? s->model : s->protocol,
				    s->dialect[0] ? " / " : "", s->dialect,
				    s->modules, s->modules == 1 ? "" : "s",
				    s->note[0] ? "; " : "", s->note);
				link_event(m, "identified: %s", m->stats.message + 6);
				note_changed(m, s);
				backoff = 1;
				reconnecting = false;
				poll_loop(m, s);
				pthread_mutex_lock(&m->lock);
				stale_rule_break(&m->rule);
				pthread_mutex_unlock(&m->lock);
				if (!m->stop) {
					snprintf(why, sizeof why, "lost %s: %s",
					    m->cfg.device, s->error);
					link_event(m, "lost %s: %s", m->cfg.device, s->error);
				}
			} else if (!m->stop) {
				snprintf(why, sizeof why, "%s: %s", m->cfg.device, s->error);
				link_event(m, "not identified: %s", s->error);
			}
			drop_user_command(m, "the link was lost");
			m->live = NULL;
			if (s->records_busy || s->records_request) {
				pthread_mutex_lock(&m->lock);
				m->records_wanted = true;	/* the round was cut */
				pthread_mutex_unlock(&m->lock);
			}
			session_free(s);
			link_close(&m->link);
			if (link_replay_finished(&m->link)) {
				if (why[0] != '\0')
					set_state(m, LINK_WAITING, "%s", why);
				ended = true;
				break;
			}
		} else if (link_replay_finished(&m->link)) {
			/* The end, or a file that is no recording after all. */
			ended = strstr(link_error(&m->link), "end of the recording") != NULL;
			if (!ended) {
				pthread_mutex_lock(&m->lock);
				m->stats.failed = true;
				pthread_mutex_unlock(&m->lock);
				set_state(m, LINK_STOPPED, "%s", link_error(&m->link));
			}
			break;
		} else {
			snprintf(why, sizeof why, "%s", link_error(&m->link));
			link_event(m, "cannot open: %s", link_error(&m->link));
		}
		if (m->stop)
			break;
		if (!reconnecting)	/* once per outage, not per attempt */
			link_event(m, "reconnecting (at most every %d s)", BACKOFF_MAX_S);
		reconnecting = true;
		pthread_mutex_lock(&m->lock);
		m->stats.reconnects++;
		pthread_mutex_unlock(&m->lock);
		/* One message, with its retry: said once (monitor_next_message).
		 * Before check_stale(): the sinks told of staleness get the
		 * link as waiting, not as still polling. */
		set_state(m, LINK_WAITING, "%.*s; retrying in %d s",
		    (int)(sizeof why - 24), why, backoff);
		check_stale(m);
		wait_until(m, clock_mono_ms() + backoff * 1000);
		backoff = backoff * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : backoff * 2;
	}
	if (ended && m->mismatches > 0) {
		char note[300];

		link_replay_mismatches(&m->link, note, sizeof note);
		set_state(m, LINK_STOPPED, "end of the recording: %u command%s differed "
		    "from it; the last: %s", m->mismatches, m->mismatches == 1 ? "" : "s",
		    note);
	} else if (ended)
		set_state(m, LINK_STOPPED, "end of the recording");
	else if (m->stats.state != LINK_STOPPED)
		set_state(m, LINK_STOPPED, "stopped");
	return NULL;
}

/* Take the front end's sinks (issue 11.2: plugged in, not named here). */
static int
take_sinks(struct monitor *m, const struct sink *sinks, size_t n, char *err,
    size_t errsize)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (m->n_sinks == MONITOR_SINKS_MAX) {
			snprintf(err, errsize, "more than %d sinks", MONITOR_SINKS_MAX);
			return PT_ERR_ARG;
		}
		m->sinks[m->n_sinks++] = sinks[i];
	}
	return 0;
}

/* A recording replays with the settings it was made with, where the
 * user left ours at their defaults: the same commands are then sent. */
void
monitor_replay_settings(struct pt_config *c)
{
	char v[64], e[160];
	double d;

	if (strncmp(c->device, "replay:", 7) != 0)
		return;
	if (strcmp(c->protocol, "auto") == 0 &&
	    link_replay_setting(c->device + 7, "protocol", v, sizeof v) == 0)
		config_set(c, "PROTOCOL", v, e, sizeof e);
	if (strcmp(c->dialect, "auto") == 0 &&
	    link_replay_setting(c->device + 7, "dialect", v, sizeof v) == 0)
		config_set(c, "DIALECT", v, e, sizeof e);
	if (strcmp(c->eol, "\n") == 0 &&
	    link_replay_setting(c->device + 7, "eol", v, sizeof v) == 0)
		config_set(c, "COMMAND_EOL", v, e, sizeof e);
	if (c->interval_s == 2.0 &&
	    link_replay_setting(c->device + 7, "interval", v, sizeof v) == 0 &&
	    sscanf(v, "%lf", &d) == 1 && d >= 0.2)
		c->interval_s = d;
}

static const char *
eol_name(const char *eol)
{
	return strcmp(eol, "\r") == 0 ? "cr" : strcmp(eol, "\r\n") == 0 ? "crlf" : "lf";
}

int
monitor_record_start(const struct pt_config *c, struct link *l, struct link_rec **out,
    char *err, size_t errsize)
{
	char header[1024];

	*out = NULL;
	if (c->record_path[0] == '\0')
		return 0;
	snprintf(header, sizeof header,
	    "pylontop: %s%s%s\n"
	    "link: %s (%s %s)\n"
	    "protocol: %s\n"
	    "dialect: %s\n"
	    "baud: %d\n"
	    "interval: %g\n"
	    "eol: %s\n",
	    PACKAGE_VERSION,
#ifdef PT_GIT_COMMIT
	    " git ", PT_GIT_COMMIT,
#else
	    "", "",
#endif
	    c->device, link_kind(l), l->path, c->protocol, c->dialect,
	    c->baud, c->interval_s, eol_name(c->eol));
	*out = link_rec_new(c->record_path, c->record_max_bytes, header, err, errsize);
	if (*out == NULL)
		return PT_ERR_IO;
	l->rec = *out;
	return 0;
}

struct monitor *
monitor_new(const struct pt_config *c, const struct sink *sinks, size_t n_sinks,
    char *err, size_t errsize)
{
	struct monitor *m = calloc(1, sizeof *m);
	pthread_condattr_t ca;
	int i;

	if (m == NULL) {
		snprintf(err, errsize, "out of memory");
		for (size_t k = 0; k < n_sinks; k++)
			sinks[k].ops->free(sinks[k].self);
		return NULL;
	}
	m->cfg = *c;
	monitor_replay_settings(&m->cfg);
	m->wake[0] = m->wake[1] = -1;
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->health_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cond, &ca);
	pthread_condattr_destroy(&ca);
	/* From here on monitor_free() frees the sinks taken. */
	if (take_sinks(m, sinks, n_sinks, err, errsize) != 0) {
		for (size_t k = m->n_sinks; k < n_sinks; k++)
			sinks[k].ops->free(sinks[k].self);
		goto fail;
	}
	if (pipe(m->wake) != 0) {
		snprintf(err, errsize, "cannot create a pipe: %s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < 2; i++) {
		fcntl(m->wake[i], F_SETFL, fcntl(m->wake[i], F_GETFL) | O_NONBLOCK);
		fcntl(m->wake[i], F_SETFD, FD_CLOEXEC);
	}
	if (rawlog_init(&m->raw) != 0) {
		snprintf(err, errsize, "out of memory for the raw console");
		goto fail;
	}
	m->hist = history_new();
	m->alarms = alarm_engine_new(&m->cfg.alarms);
	m->health = health_new(&m->cfg.health);
	if (m->hist == NULL || m->alarms == NULL || m->health == NULL) {
		snprintf(err, errsize, "out of memory for the history");
		goto fail;
	}
	if (c->health.state_file[0] != '\0' && access(c->health.state_file, F_OK) == 0) {
		char why[600];
		if (health_load(m->health, c->health.state_file, why, sizeof why) != 0)
			fprintf(stderr, "pylontop: %s\n", why);
	}
	snprintf(m->stats.device, sizeof m->stats.device, "%s", c->device);
	m->stats.interval_s = c->interval_s;
	m->stats.stale_after_ms = stale_rule_limit_ms(&m->rule, c->interval_s,
	    c->alarms.stale_after_s);
	if (c->device[0] != '\0') {
		if (link_init(&m->link, c->device, c->baud) != 0) {
			snprintf(err, errsize, "%s", link_error(&m->link));
			goto fail;
		}
		snprintf(m->stats.kind, sizeof m->stats.kind, "%s", link_kind(&m->link));
		m->link.on_io = publish_counters;
		m->link.on_io_ctx = m;
		m->link.on_data = on_link_data;
		m->link.on_data_ctx = m;
		m->link.replay_speed = m->cfg.replay_speed;
		if (monitor_record_start(&m->cfg, &m->link, &m->rec, err, errsize) != 0)
			goto fail;
	}
	/* The records are read once at start, then on request. */
	if ((m->records = malloc(sizeof *m->records)) != NULL)
		pt_records_init(m->records);
	m->records_wanted = m->records != NULL;
	return m;
fail:
	monitor_free(m);
	return NULL;
}

int
monitor_start(struct monitor *m)
{
	for (size_t i = 0; i < m->n_sinks; i++)
		if (m->sinks[i].ops->start != NULL &&
		    m->sinks[i].ops->start(m->sinks[i].self, notify_cb, m) != 0)
			fprintf(stderr, "pylontop: cannot start the %s thread\n",
			    m->sinks[i].ops->name);
	if (m->cfg.device[0] == '\0')
		return 0;	/* no device (tests, bench): no thread */
	m->stop = 0;
	if (pthread_create(&m->thread, NULL, acquire_main, m) != 0)
		return PT_ERR_NOMEM;
	m->running = true;
	return 0;
}

void
monitor_stop(struct monitor *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = 1;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	if (m->running) {
		pthread_join(m->thread, NULL);
		m->running = false;
	}
	/* Held rows written (or counted lost) and the file synced, so that
	 * the front end can read the final CSV status before exiting. */
	for (size_t i = 0; i < m->n_sinks; i++)
		if (m->sinks[i].ops->close != NULL)
			m->sinks[i].ops->close(m->sinks[i].self);
	health_persist(m);
}

void
monitor_free(struct monitor *m)
{
	if (m == NULL)
		return;
	monitor_stop(m);
	if (m->link.ops != NULL)
		link_release(&m->link);
	link_rec_free(m->rec);
	/* In reverse: the sinks went in as the front end listed them. */
	while (m->n_sinks > 0) {
		const struct sink *k = &m->sinks[--m->n_sinks];

		k->ops->free(k->self);
	}
	if (m->alarms != NULL)
		alarm_engine_free(m->alarms);
	health_free(m->health);
	if (m->hist != NULL)
		history_free(m->hist);
	free(m->records);
	if (m->wake[0] != -1)
		close(m->wake[0]);
	if (m->wake[1] != -1)
		close(m->wake[1]);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->health_lock);
	rawlog_destroy(&m->raw);
	explicit_bzero(&m->cfg.mqtt.password, sizeof m->cfg.mqtt.password);
	free(m);
}

int
monitor_fd(struct monitor *m)
{
	return m->wake[0];
}

void
monitor_drain_fd(struct monitor *m)
{
	char buf[64];

	while (read(m->wake[0], buf, sizeof buf) > 0)
		;
}

void
monitor_link_stats(struct monitor *m, struct link_stats *out)
{
	pthread_mutex_lock(&m->lock);
	*out = m->stats;
	progress_text(out->progress, sizeof out->progress, &m->progress);
	pthread_mutex_unlock(&m->lock);
}

size_t
monitor_link_events(struct monitor *m, struct link_event *out, size_t max)
{
	size_t n, i;

	pthread_mutex_lock(&m->lock);
	n = m->ev_count < max ? m->ev_count : max;
	for (i = 0; i < n; i++)
		out[i] = m->ev[(m->ev_head + MAX_LINK_EVENTS - 1 - i) % MAX_LINK_EVENTS];
	pthread_mutex_unlock(&m->lock);
	return n;
}

bool
monitor_next_message(struct monitor *m, uint64_t *seq, char *buf, size_t size)
{
	bool any;

	pthread_mutex_lock(&m->lock);
	any = msgring_next(&m->said, seq, buf, size);
	pthread_mutex_unlock(&m->lock);
	return any;
}

struct history *
monitor_history(struct monitor *m)
{
	return m->hist;
}

struct alarm_engine *
monitor_alarms(struct monitor *m)
{
	return m->alarms;
}

const struct pt_config *
monitor_config(struct monitor *m)
{
	return &m->cfg;
}

/* The sink called `name`, NULL when there is none. */
static const struct sink *
sink_named(struct monitor *m, const char *name)
{
	for (size_t i = 0; i < m->n_sinks; i++)
		if (strcmp(m->sinks[i].ops->name, name) == 0)
			return &m->sinks[i];
	return NULL;
}

void
monitor_sink_enable(struct monitor *m, const char *name, bool on)
{
	const struct sink *k = sink_named(m, name);

	if (k != NULL)
		k->ops->set_enabled(k->self, on);
	notify(m);
}

bool
monitor_set_record(struct monitor *m, bool on)
{
	if (m->rec == NULL)
		return false;
	link_rec_set_enabled(m->rec, on);
	notify(m);
	return true;
}

bool
monitor_recording(struct monitor *m)
{
	return link_rec_enabled(m->rec);
}

bool
monitor_has_sink(struct monitor *m, const char *name)
{
	return sink_named(m, name) != NULL;
}

void
monitor_reopen_logs(struct monitor *m)
{
	for (size_t i = 0; i < m->n_sinks; i++)
		if (m->sinks[i].ops->reopen != NULL)
			m->sinks[i].ops->reopen(m->sinks[i].self);
	notify(m);
}

void
monitor_set_alarms(struct monitor *m, const struct alarm_config *c)
{
	struct alarm_config a = *c;

	a.stale_after_s = m->cfg.alarms.stale_after_s;
	alarm_engine_set_config(m->alarms, &a);
	m->cfg.alarms = a;
	notify(m);
}

void
monitor_sink_status(struct monitor *m, const char *name, struct sink_status *st)
{
	const struct sink *k = sink_named(m, name);

	memset(st, 0, sizeof *st);
	if (k == NULL)
		sink_status_absent(name, st);
	else
		k->ops->status(k->self, st);
}

void
monitor_request_records(struct monitor *m)
{
	pthread_mutex_lock(&m->lock);
	m->records_wanted = true;
	pthread_mutex_unlock(&m->lock);
	/* The acquisition thread hands it to the session at its next poll. */
}

uint64_t
monitor_records(struct monitor *m, struct pt_records *out)
{
	uint64_t seq = 0;

	pthread_mutex_lock(&m->lock);
	if (m->records != NULL) {
		pt_records_copy(out, m->records);
		seq = m->records->seq;
	} else
		pt_records_init(out);
	pthread_mutex_unlock(&m->lock);
	return seq;
}

/* ---- the raw console view --------------------------------------------- */

size_t
monitor_raw_lines(struct monitor *m, struct rawlog_line *out, size_t max, uint64_t *seq)
{
	return rawlog_copy(&m->raw, out, max, seq);
}

uint64_t
monitor_raw_seq(struct monitor *m)
{
	return rawlog_seq(&m->raw);
}

void
monitor_raw_watch(struct monitor *m, bool on)
{
	atomic_store(&m->raw_watch, on);
}

void
monitor_raw_off(struct monitor *m)
{
	atomic_store(&m->raw_off, true);
}

static enum console_dialect
console_dialect_of(const char *protocol)
{
	if (strcmp(protocol, "lv") == 0)
		return CD_LV;
	if (strcmp(protocol, "hv") == 0)
		return CD_HV;
	if (strcmp(protocol, "sc0500") == 0)
		return CD_SC0500;
	return 0;
}

bool	monitor_is_replay(struct monitor *m);

/* Why a typed line cannot be sent now (0 when it can); under m->lock. */
static int
user_command_check(struct monitor *m, const char *line, char *why, size_t size)
{
	const struct console_cmd *c;
	enum console_dialect d;
	char arg[16];

	if (monitor_is_replay(m)) {
		snprintf(why, size, "refused: a replay sends nothing to a device (the "
		    "recording answers only what was recorded); nothing sent");
		return PT_ERR_REFUSED;
	}
	if (m->stats.state != LINK_POLLING || m->stats.protocol[0] == '\0') {
		snprintf(why, size, "not sent: no device identified yet (%s); try again "
		    "when it is polling", link_state_name(m->stats.state));
		return PT_ERR_REFUSED;
	}
	if (strcmp(m->stats.protocol, "rs485") == 0) {
		uint8_t cid2, adr, info;
		size_t info_len;
		int dl = rs485_dialect_of(m->stats.dialect);

		if (rs485_user_request(line, dl < 0 ? RS_AUTO : (enum rs485_dialect)dl, &cid2,
		    &adr, &info, &info_len, why, size) != 0)
			return PT_ERR_REFUSED;
	} else if ((d = console_dialect_of(m->stats.protocol)) == 0) {
		snprintf(why, size, "refused: no table of commands for protocol %s; "
		    "nothing sent", m->stats.protocol);
		return PT_ERR_REFUSED;
	} else if (console_cmd_check_user(d, line, &c, arg, sizeof arg, why, size) != 0)
		return PT_ERR_REFUSED;
	if (m->user_pending) {
		snprintf(why, size, "not sent: '%s' is still waiting its turn (one at a "
		    "time)", m->user_cmd);
		return PT_ERR_BUSY;
	}
	return 0;
}

int
monitor_send_user_command(struct monitor *m, const char *line, char *err, size_t errsize)
{
	char why[300];
	int rc;

	pthread_mutex_lock(&m->lock);
	rc = user_command_check(m, line, why, sizeof why);
	if (rc == 0) {
		snprintf(m->user_cmd, sizeof m->user_cmd, "%s", line);
		m->user_pending = true;
		pthread_cond_broadcast(&m->cond);
	}
	pthread_mutex_unlock(&m->lock);
	if (rc != 0) {
		snprintf(err, errsize, "'%s': %s", line, why);
		rawlog_note(&m->raw, clock_wall_ms(), "typed %s", err);
	} else
		rawlog_note(&m->raw, clock_wall_ms(), "typed '%s': sent between polls "
		    "(polling pauses while it runs)", line);
	notify(m);
	return rc;
}

/* ---- replay controls -------------------------------------------------- */

bool
monitor_is_replay(struct monitor *m)
{
	/* The config, not the link: the acquisition thread changes that. */
	return strncmp(m->cfg.device, "replay:", 7) == 0;
}
