/* test_link_counters.c — the link counters the front ends see
 * (monitor_link_stats) move with every exchange, not only when a poll
 * ends (issue 9.2): a device that goes silent in the middle of a poll
 * shows its first timeout while the poll is still trying.
 *
 * The test sits between the monitor and the simulator: the monitor's
 * link is a pty the test owns, the bytes go on to pylontop-sim --pty,
 * until the first 'bat' command; from then on nothing is passed on
 * (the device is silent) and no sample can complete. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/monitor.h"
#include "util/clock.h"

#include "test_sim.h"

/* The session gives up on an answer after 3 s of silence (IDLE_MS in
 * session_console.c); the counter must show it within 2 s (a loaded
 * machine), still before the next timeout (another 3 s) ends the poll. */
#define ANSWER_IDLE_MS	3000
#define PUBLISH_MS	2000

static void
raw(int fd)
{
	struct termios t;

	assert_int_equal(tcgetattr(fd, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(fd, TCSANOW, &t), 0);
}

static void
test_timeouts_move_while_silent(void **state)
{
	struct pt_config c;
	struct monitor *m;
	struct link_stats ls;
	char err[256], name[64], buf[4096], seen[16] = "";
	int master, slave, dev;
	int64_t silent_at = 0, moved_at = 0, deadline;
	uint64_t first = 0;

	(void)state;
	if (test_sim_start("counters", (const char *[]){ "--protocol", "lv", "--modules", "3",
	    "--cells", "15", NULL }) != 0) {
		test_sim_stop();
		skip();
	}
	dev = open(test_sim_link, O_RDWR | O_NOCTTY);
	assert_true(dev >= 0);
	raw(dev);
	assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
	raw(slave);

	config_defaults(&c);
	snprintf(c.device, sizeof c.device, "%s", name);
	snprintf(c.protocol, sizeof c.protocol, "lv");
	c.interval_s = 1;
	c.csv_enabled = false;
	c.csv_path[0] = '\0';
	m = monitor_new(&c, NULL, 0, err, sizeof err);	/* no sinks */
	assert_non_null(m);
	assert_int_equal(monitor_start(m), 0);

	deadline = clock_mono_ms() + 30000;
	while (clock_mono_ms() < deadline && moved_at == 0) {
		struct pollfd p[2] = { { .fd = master, .events = POLLIN },
		    { .fd = dev, .events = POLLIN } };
		ssize_t n;

		poll(p, 2, 50);
		if (p[0].revents & POLLIN) {
			n = read(master, buf, sizeof buf);
			for (ssize_t i = 0; silent_at == 0 && i < n; i++) {
				/* The last 3 bytes sent: is it 'bat'? */
				memmove(seen, seen + 1, 2);
				seen[2] = buf[i];
				seen[3] = '\0';
				if (strcmp(seen, "bat") == 0)
					silent_at = clock_mono_ms();
			}
			if (silent_at == 0 && n > 0)
				assert_int_equal(write(dev, buf, (size_t)n), n);
		}
		if (p[1].revents & POLLIN) {
			n = read(dev, buf, sizeof buf);
			if (silent_at == 0 && n > 0)
				assert_int_equal(write(master, buf, (size_t)n), n);
		}
		monitor_link_stats(m, &ls);
		if (silent_at == 0) {
			first = ls.timeouts;	/* identify may have counted some */
			continue;
		}
		if (ls.timeouts > first) {
			moved_at = clock_mono_ms();
			assert_int_equal(ls.samples, 0);	/* no sample completed */
			assert_int_equal(ls.timeouts, first + 1);	/* one lost so far */
		}
		if (clock_mono_ms() - silent_at > ANSWER_IDLE_MS + PUBLISH_MS)
			break;
	}
	monitor_stop(m);
	monitor_free(m);
	close(master);
	close(slave);
	close(dev);
	test_sim_stop();
	assert_true(silent_at > 0);	/* the poll got as far as 'bat' */
	/* Seen before the poll gives up (which on main was the first time
	 * the counter moved). */
	if (moved_at == 0)
		fail_msg("timeouts still %llu %lld ms after the device went silent",
		    (unsigned long long)first, (long long)(clock_mono_ms() - silent_at));
	assert_true(moved_at - silent_at < ANSWER_IDLE_MS + PUBLISH_MS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeouts_move_while_silent),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
