/* demo.c — pylontop --demo: the whole real path without hardware.
 *
 * Starts pylontop-sim on a private pseudo-terminal and monitors it like a
 * real stack: the TUI on a terminal, a few text samples otherwise (so the
 * README's first command also finishes in CI). */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"

#define DEMO_SAMPLES	3

static bool
executable(const char *path)
{
	return access(path, X_OK) == 0;
}

/* Beside our own binary, then the installed libexec dir, then PATH. */
static bool
find_sim(const char *argv0, char *out, size_t size)
{
	char self[PATH_MAX], *slash, *path, *dir, *save = NULL;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			snprintf(out, size, "%.*s/pylontop-sim", (int)(slash - self), self);
			if (executable(out))
				return true;
		}
	}
	if ((slash = strrchr(argv0, '/')) != NULL) {
		snprintf(out, size, "%.*s/pylontop-sim", (int)(slash - argv0), argv0);
		if (executable(out))
			return true;
	}
	snprintf(out, size, "%s/pylontop-sim", PT_LIBEXECDIR);
	if (executable(out))
		return true;
	if ((path = getenv("PATH")) == NULL || (path = strdup(path)) == NULL)
		return false;
	for (dir = strtok_r(path, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, size, "%s/pylontop-sim", dir);
		if (executable(out)) {
			free(path);
			return true;
		}
	}
	free(path);
	return false;
}

/* One simulated stack: what it is, and where it runs. */
struct demo_sim {
	const char	*name;		/* the stack's --name with --demo=stacks */
	const char	*protocol;
	const char	*modules, *cells;
	char		 link[PATH_MAX], log[PATH_MAX];
	pid_t		 pid;
};

static pid_t
start_sim(const char *sim, const struct demo_sim *d)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			close(fd);
		}
		/* The simulator must not outlive us, however we end. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		setpgid(0, 0);
		execl(sim, sim, "--pty", d->link, "--protocol", d->protocol, "--modules",
		    d->modules, "--cells", d->cells, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static bool
wait_for_link(const char *link, pid_t pid)
{
	struct timespec ts = { 0, 50 * 1000000 };
	int i, status;

	for (i = 0; i < 100; i++) {
		if (access(link, F_OK) == 0)
			return true;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return false;
		nanosleep(&ts, NULL);
	}
	return false;
}

/* The simulators started, each on its link; false (and said) when one
 * did not come up: those that did are left for stop_sims(). */
static bool
start_sims(const char *sim, const char *dir, struct demo_sim *d, int n)
{
	for (int i = 0; i < n; i++) {
		if (n == 1) {
			snprintf(d[i].link, sizeof d[i].link, "%s/battery", dir);
			snprintf(d[i].log, sizeof d[i].log, "%s/sim.log", dir);
		} else {
			snprintf(d[i].link, sizeof d[i].link, "%s/battery-%s", dir, d[i].name);
			snprintf(d[i].log, sizeof d[i].log, "%s/sim-%s.log", dir, d[i].name);
		}
		d[i].pid = start_sim(sim, &d[i]);
		if (d[i].pid < 0 || !wait_for_link(d[i].link, d[i].pid)) {
			fprintf(stderr, "pylontop: the simulator %s did not start (see %s)\n",
			    sim, d[i].log);
			return false;
		}
	}
	return true;
}

static void
stop_sims(struct demo_sim *d, int n)
{
	int status;

	for (int i = 0; i < n; i++) {
		if (d[i].pid > 0) {
			kill(-d[i].pid, SIGTERM);
			kill(d[i].pid, SIGTERM);
			waitpid(d[i].pid, &status, 0);
		}
		if (d[i].link[0] != '\0')
			unlink(d[i].link);
		if (d[i].log[0] != '\0')
			unlink(d[i].log);
	}
}

/* --demo=stacks: the simulators as the stacks of two -d --name; each
 * stack finds its console protocol itself (-p auto). */
static void
use_as_stacks(struct app_options *o, const struct demo_sim *d, int n)
{
	for (int i = 0; i < n; i++) {
		struct app_stack *s = &o->stacks[i];

		snprintf(s->name, sizeof s->name, "%s", d[i].name);
		snprintf(s->device, sizeof s->device, "%s", d[i].link);
		s->cfg = NULL;
	}
	o->n_stacks = n;
	snprintf(o->cfg.protocol, sizeof o->cfg.protocol, "auto");
}

int
app_demo(struct app_options *o, const char *argv0, enum demo_run run, bool stacks)
{
	char sim[PATH_MAX], dir[] = "/tmp/pylontop-demo.XXXXXX";
	const char *protocol = strcmp(o->cfg.protocol, "auto") == 0 ? "lv" : o->cfg.protocol;
	struct demo_sim d[2] = {
		{ .name = "lv", .protocol = protocol, .modules = "4", .cells = "15" },
		{ .name = "hv", .protocol = "hv", .modules = "5", .cells = "15" },
	};
	int n = stacks ? 2 : 1, rc;

	if (stacks)
		d[0].protocol = "lv";
	if (!find_sim(argv0, sim, sizeof sim)) {
		fprintf(stderr, "pylontop: --demo needs pylontop-sim (beside pylontop, in %s, "
		    "or on PATH); build it with 'make'\n", PT_LIBEXECDIR);
		return EXIT_RUNTIME;
	}
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "pylontop: cannot make a directory in /tmp: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	if (!start_sims(sim, dir, d, n)) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	snprintf(o->cfg.device, sizeof o->cfg.device, "%s", d[0].link);
	snprintf(o->cfg.protocol, sizeof o->cfg.protocol, "%s", protocol);
	if (stacks)
		use_as_stacks(o, d, n);
	if (run == DEMO_ONCE)
		rc = app_once(o);
	else if (run == DEMO_HEADLESS)
		rc = app_headless(o);
	else if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		rc = app_interactive(o);
	else {
		/* No terminal (a script, CI): print a few samples and finish.
		 * format_set: the headless loop prints only when it is set. */
		if (o->count == 0)
			o->count = DEMO_SAMPLES;
		if (!o->format_set)
			o->format = FMT_TEXT;
		o->format_set = true;
		if (stacks)
			fprintf(stderr, "pylontop: demo: no terminal for the UI; printing %ld "
			    "sample%s of each simulated stack, lv on %s and hv on %s\n", o->count,
			    o->count == 1 ? "" : "s", d[0].link, d[1].link);
		else
			fprintf(stderr, "pylontop: demo: no terminal for the UI; printing %ld "
			    "sample%s of the simulated stack on %s\n", o->count,
			    o->count == 1 ? "" : "s", d[0].link);
		rc = app_headless(o);
	}
out:
	stop_sims(d, n);
	rmdir(dir);
	return rc;
}
