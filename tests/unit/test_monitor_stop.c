/* test_monitor_stop.c — a sample read whole is delivered, even when the
 * stop comes while it is being parsed.
 *
 * Its answers are already in a --record file: a replay of the recording
 * gives that sample, so a live run that dropped it wrote one CSV row less
 * than its own replay (CI saw it in replay_clock.sh, on a loaded machine:
 * SIGTERM between the last answer and the end of the poll).  A stop that
 * cuts a poll short (the session returns an error) delivers nothing.
 *
 * The monitor is linked here with a session of this file's own
 * (session_new, session_free: the two functions of core/session.c), whose
 * poll sets the stop flag itself, at the one moment that matters, and
 * returns what the test asks for.  The link is a pseudo-terminal nobody
 * answers on: the fake session never reads it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/monitor.h"
#include "core/session.h"
#include "util/clock.h"
#include "util/err.h"

/* What the fake session's poll does the time it is called. */
static int	poll_rc;	/* 0: a whole sample; else how the poll failed */
static int	polls;

static int
fake_identify(struct session *s)
{
	snprintf(s->protocol, sizeof s->protocol, "lv");
	s->modules = 1;
	return 0;
}

static int
fake_poll(struct session *s, struct pt_sample *out, bool slow)
{
	(void)slow;
	polls++;
	if (poll_rc == 0) {
		out->n_modules = 1;
		out->modules[0].id = 1;
	}
	/* The stop arrives now: after the answers, before the monitor
	 * looks at the result. */
	*s->stop = 1;
	if (poll_rc != 0)
		snprintf(s->error, sizeof s->error, "stopped");
	return poll_rc;
}

static void
fake_free(struct session *s)
{
	free(s);
}

static const struct session_ops fake_ops = {
	.family = "console",
	.identify = fake_identify,
	.poll = fake_poll,
	.free = fake_free,
};

struct session *
session_new(const struct pt_config *cfg, struct link *link, atomic_int *stop)
{
	struct session *s = calloc(1, sizeof *s);

	if (s == NULL)
		return NULL;
	s->ops = &fake_ops;
	s->cfg = cfg;
	s->link = link;
	s->stop = stop;
	return s;
}

void
session_free(struct session *s)
{
	if (s != NULL)
		s->ops->free(s);
}

/* Run the monitor on a pty until its thread ends; the samples it
 * delivered. */
static uint64_t
run_once(int rc)
{
	struct pt_config c;
	struct monitor *m;
	struct link_stats ls;
	char err[256];
	int master;
	int64_t deadline;

	poll_rc = rc;
	polls = 0;
	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	config_defaults(&c);
	snprintf(c.device, sizeof c.device, "%s", ptsname(master));
	snprintf(c.protocol, sizeof c.protocol, "lv");
	c.interval_s = 1;
	c.csv_enabled = false;
	c.csv_path[0] = '\0';
	m = monitor_new(&c, NULL, 0, err, sizeof err);
	assert_non_null(m);
	assert_int_equal(monitor_start(m), 0);
	/* The thread ends by itself: the poll set the stop flag. */
	deadline = clock_mono_ms() + 10000;
	do {
		usleep(20000);
		monitor_link_stats(m, &ls);
	} while (ls.state != LINK_STOPPED && clock_mono_ms() < deadline);
	assert_int_equal(ls.state, LINK_STOPPED);
	monitor_stop(m);
	monitor_link_stats(m, &ls);
	monitor_free(m);
	close(master);
	assert_int_equal(polls, 1);
	return ls.samples;
}

static void
test_whole_sample_delivered_when_stopped(void **state)
{
	(void)state;
	assert_int_equal(run_once(0), 1);
}

static void
test_cut_poll_delivers_nothing(void **state)
{
	(void)state;
	assert_int_equal(run_once(PT_ERR_CLOSED), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_sample_delivered_when_stopped),
		cmocka_unit_test(test_cut_poll_delivers_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
