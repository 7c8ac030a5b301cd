/* test_sim.h — pylontop-sim on a pty for the unit tests that run a whole
 * monitor against it (test_memory, test_monitor_records,
 * test_link_counters).  Include after cmocka.h; one simulator per test
 * program at a time.
 *
 *	if (test_sim_start("memory", (const char *[]){ "--protocol", "hv",
 *	    NULL }) != 0) { test_sim_stop(); skip(); }
 *	... c.device = test_sim_link ...
 *	test_sim_stop();	(or test_sim_teardown as the cmocka teardown)
 *
 * The simulator dies with the test program (PR_SET_PDEATHSIG), so a
 * crashed or killed test never leaves one behind. */
#ifndef PT_TEST_SIM_H
#define PT_TEST_SIM_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_SIM_ARGS_MAX	24

static pid_t test_sim_pid = -1;
static char test_sim_link[128];

/* Start `pylontop-sim --pty LINK ARGS...` (ARGS NULL-terminated, its
 * output to /dev/null); LINK is /tmp/pt-TAG-PID.  0 once the pty is
 * there (at most 5 s); -1 when the simulator is not built or did not
 * come up: the caller stops it and skips. */
static int
test_sim_start(const char *tag, const char *const *args)
{
	const char *path = getenv("PYLONTOP_SIM");
	const char *argv[TEST_SIM_ARGS_MAX + 4];
	int i, n = 0;

	if (path == NULL || path[0] == '\0')
		path = "./pylontop-sim";
	if (access(path, X_OK) != 0)
		return -1;
	snprintf(test_sim_link, sizeof test_sim_link, "/tmp/pt-%s-%d", tag, (int)getpid());
	unlink(test_sim_link);
	argv[n++] = path;
	argv[n++] = "--pty";
	argv[n++] = test_sim_link;
	for (i = 0; args[i] != NULL && i < TEST_SIM_ARGS_MAX; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	test_sim_pid = fork();
	assert_true(test_sim_pid >= 0);
	if (test_sim_pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(null, 1);
		dup2(null, 2);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	for (i = 0; i < 100 && access(test_sim_link, F_OK) != 0; i++)
		usleep(50 * 1000);
	return access(test_sim_link, F_OK) == 0 ? 0 : -1;
}

static void
test_sim_stop(void)
{
	int status;

	if (test_sim_pid > 0) {
		kill(test_sim_pid, SIGTERM);
		waitpid(test_sim_pid, &status, 0);
	}
	test_sim_pid = -1;
	unlink(test_sim_link);
}

/* As a cmocka teardown: runs even when an assertion failed. */
static int
test_sim_teardown(void **state)
{
	(void)state;
	test_sim_stop();
	return 0;
}

#endif
