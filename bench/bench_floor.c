/* bench_floor.c — the floor under pylontop's CPU per sample: the least a
 * program pays for the same console exchanges with no parsing, history or
 * output at all.  Per "sample" it sends `pwr` and `bat 1`..`bat N` to the
 * simulator on a pty and reads each answer to its prompt, as pylontop
 * does (poll, then read what is there), and reads its own CPU time from
 * /proc/self/schedstat (ns, user and kernel).  Prints the median, min and
 * max per sample.  bench_floor.sh starts the simulator and runs it.
 *
 *   bench_floor PTY MODULES SAMPLES [INTERVAL_MS]
 *
 * With INTERVAL_MS the samples start that far apart, as pylontop's polls
 * do with -i (bench_e2e.sh uses -i 0.2): a sample after a sleep finds
 * colder caches than one straight after another, and costs more.
 *
 * What this costs is the kernel's price of the wake-ups and syscalls a
 * request/answer protocol needs on this machine; pylontop's figure from
 * bench_e2e.sh minus this one is what pylontop itself adds. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PROMPT		"pylon>"
#define ANSWER_MAX	(64 * 1024)
#define WAIT_MS		3000	/* an answer that takes longer: the run failed */
#define SAMPLES_MAX	1000

static long reads;	/* read() calls that returned bytes */

static long long
cpu_ns(void)
{
	FILE *f = fopen("/proc/self/schedstat", "r");
	long long ns = -1;

	if (f != NULL) {
		if (fscanf(f, "%lld", &ns) != 1)
			ns = -1;
		fclose(f);
	}
	return ns;
}

/* Send one command and read its answer to the prompt; 0 or -1. */
static int
exchange(int fd, const char *cmd, char *buf)
{
	size_t len = 0, plen = strlen(PROMPT);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		return -1;
	for (;;) {
		ssize_t n;

		if (poll(&pfd, 1, WAIT_MS) <= 0)
			return -1;
		n = read(fd, buf + len, ANSWER_MAX - 1 - len);
		if (n <= 0 && errno != EAGAIN)
			return -1;
		if (n > 0) {
			len += (size_t)n;
			reads++;
		}
		if (len >= plen && memcmp(buf + len - plen, PROMPT, plen) == 0)
			return 0;
		if (len >= ANSWER_MAX - 1)
			len = 0;	/* keep reading to the prompt */
	}
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	static char buf[ANSWER_MAX];
	long long per[SAMPLES_MAX];
	struct termios t;
	int fd, modules, samples;

	int interval_ms = argc == 5 ? atoi(argv[4]) : 0;
	struct timespec next;

	if (argc < 4 || argc > 5 || interval_ms < 0 || (modules = atoi(argv[2])) < 1 || (samples = atoi(argv[3])) < 1 ||
	    samples > SAMPLES_MAX) {
		fprintf(stderr, "usage: bench_floor PTY MODULES SAMPLES (1..%d) [INTERVAL_MS]\n", SAMPLES_MAX);
		return 2;
	}
	if ((fd = open(argv[1], O_RDWR | O_NOCTTY | O_NONBLOCK)) < 0 || tcgetattr(fd, &t) != 0) {
		fprintf(stderr, "bench_floor: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	cfmakeraw(&t);
	tcsetattr(fd, TCSANOW, &t);
	if (exchange(fd, "\n", buf) != 0) {
		fprintf(stderr, "bench_floor: %s: no prompt\n", argv[1]);
		return 1;
	}
	reads = 0;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (int s = 0; s < samples; s++) {
		long long t0;
		char cmd[32];

		if (interval_ms > 0) {
			next.tv_nsec += (long)interval_ms * 1000000L;
			next.tv_sec += next.tv_nsec / 1000000000L;
			next.tv_nsec %= 1000000000L;
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
		t0 = cpu_ns();

		if (exchange(fd, "pwr\n", buf) != 0)
			return 1;
		for (int m = 1; m <= modules; m++) {
			snprintf(cmd, sizeof cmd, "bat %d\n", m);
			if (exchange(fd, cmd, buf) != 0) {
				fprintf(stderr, "bench_floor: no answer to bat %d\n", m);
				return 1;
			}
		}
		per[s] = cpu_ns() - t0;
	}
	qsort(per, (size_t)samples, sizeof per[0], cmp_ll);
	printf("floor LV %d modules, %d ms apart: CPU per sample median %.3f ms (min %.3f, max %.3f; %d samples) "
	    "for %d exchanges and nothing else, %.1f reads each\n", modules, interval_ms, per[samples / 2] / 1e6,
	    per[0] / 1e6, per[samples - 1] / 1e6, samples, modules + 1,
	    (double)reads / samples / (modules + 1));
	return 0;
}
