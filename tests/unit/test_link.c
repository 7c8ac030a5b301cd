/* test_link.c — the byte streams: pty read/write/timeouts/unplug through
 * a symlink, the exclusive lock and who holds it, TCP against a loopback
 * listener, replay files, spec parsing, the error texts users see.
 * Every wait is bounded; only 127.0.0.1 is used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "link/link_impl.h"
#include "util/err.h"

struct pty {
	int	master;
	int	slave;		/* kept open, as pylontop-sim does */
	char	name[64];
};

static void
pty_make(struct pty *p)
{
	struct termios t;

	assert_int_equal(openpty(&p->master, &p->slave, p->name, NULL, NULL), 0);
	assert_int_equal(tcgetattr(p->slave, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(p->slave, TCSANOW, &t), 0);
}

static void
pty_free(struct pty *p)
{
	if (p->master >= 0)
		close(p->master);
	if (p->slave >= 0)
		close(p->slave);
	p->master = p->slave = -1;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
tmp_name(char *buf, size_t size, const char *what)
{
	snprintf(buf, size, "/tmp/pt-link-test-%d-%s", (int)getpid(), what);
	unlink(buf);
}

/* ---- pty -------------------------------------------------------------- */

static void
test_pty_symlink_read_write_timeout(void **state)
{
	struct pty p;
	struct link l;
	struct timespec t0;
	char lnk[96], buf[64];
	long ms;

	(void)state;
	pty_make(&p);
	/* Through a symlink, as pylontop-sim --pty and socat link= make them. */
	tmp_name(lnk, sizeof lnk, "sym");
	assert_int_equal(symlink(p.name, lnk), 0);
	assert_int_equal(link_init(&l, lnk, 0), 0);
	assert_string_equal(link_kind(&l), "pty");
	assert_string_equal(l.spec, lnk);
	assert_string_equal(l.path, p.name);
	assert_int_equal(l.fd, -1);
	assert_int_equal(link_open(&l), 0);
	assert_true(l.fd >= 0);
	assert_true((fcntl(l.fd, F_GETFD) & FD_CLOEXEC) != 0);

	assert_int_equal(link_write(&l, "pwr\n", 4, 1000), 0);
	assert_int_equal(read(p.master, buf, sizeof buf), 4);
	assert_memory_equal(buf, "pwr\n", 4);

	assert_int_equal(write(p.master, "@\r\r\n$$\r\n\rpylon>", 14), 14);
	assert_int_equal(link_read(&l, buf, 5, 1000), 5);	/* bounded by len */
	assert_memory_equal(buf, "@\r\r\n$", 5);
	assert_int_equal(link_read(&l, buf, sizeof buf, 1000), 9);
	assert_memory_equal(buf, "$\r\n\rpylon>", 9);

	/* Nothing more: a timeout is 0, not an error, and it waits. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(link_read(&l, buf, sizeof buf, 100), 0);
	ms = ms_since(&t0);
	assert_true(ms >= 90);
	assert_true(ms < 1000);
	/* Zero timeout polls once. */
	assert_int_equal(link_read(&l, buf, sizeof buf, 0), 0);

	link_close(&l);
	assert_int_equal(l.fd, -1);
	link_close(&l);				/* twice is harmless */
	assert_int_equal(link_read(&l, buf, sizeof buf, 10), PT_ERR_CLOSED);
	assert_non_null(strstr(link_error(&l), "not open"));
	unlink(lnk);
	pty_free(&p);
}

/* A pty link at 115200 baud that has sent "bat" and takes its answer at
 * the line's pace (as after an answer that came paced). */
static void
paced_open(struct pty *p, struct link *l)
{
	char echo[8];

	pty_make(p);
	assert_int_equal(link_init(l, p->name, 115200), 0);
	assert_int_equal(link_open(l), 0);
	assert_int_equal(link_write(l, "bat\n", 4, 1000), 0);
	assert_int_equal(read(p->master, echo, sizeof echo), 4);
	l->paced = true;
}

/* The device's side: `n` bytes of `out` written after `delay_ms`, by a
 * child (waitpid it). */
static pid_t
write_later(int master, const char *out, size_t n, int delay_ms)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		usleep((useconds_t)delay_ms * 1000);
		_exit(write(master, out, n) == (ssize_t)n ? 0 : 1);
	}
	return pid;
}

/* A paced line whose device thinks longer than the answer's wire time:
 * link_read_paced() sleeps the wire time once before the first byte,
 * then waits for it by poll.  It used to sleep the whole wire time
 * again and again, so the answer was taken up to a wire time late
 * (a 400 ms think at 174 ms of wire: read at 522 ms). */
static void
test_paced_think_time(void **state)
{
	enum { ANSWER = 2000, THINK_MS = 400 };
	struct pty p;
	struct link l;
	struct timespec t0;
	static char buf[ANSWER + 64], out[ANSWER];
	size_t got = 0;
	long ms;
	pid_t pid;

	(void)state;
	paced_open(&p, &l);
	memset(out, 'x', sizeof out);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = write_later(p.master, out, sizeof out, THINK_MS);
	while (got < ANSWER && ms_since(&t0) < 3000) {
		ssize_t n = link_read_paced(&l, buf, sizeof buf, 1000, ANSWER - got);

		assert_true(n >= 0);
		got += (size_t)n;
	}
	ms = ms_since(&t0);
	waitpid(pid, NULL, 0);
	print_message("answer after a %d ms think read at %ld ms\n", THINK_MS, ms);
	assert_int_equal(got, ANSWER);
	assert_true(ms < THINK_MS + 100);
	link_close(&l);
	pty_free(&p);
}

/* A paced line that hands the answer over in chunks (a pty, a USB
 * adapter), with a pause between two: a sleep of the wire time that finds
 * nothing is followed by a wait in poll, woken when the next chunk comes.
 * It used to sleep the wire time of the bytes still expected again and
 * again, waking for nothing (27 times in a 100 ms pause, for 42 bytes). */
static void
test_paced_chunk_pause(void **state)
{
	enum { CHUNK = 32, PAUSE_MS = 100, WANT = 2 * CHUNK + 10 };
	struct pty p;
	struct link l;
	struct timespec t0;
	static char buf[256], out[CHUNK];
	size_t got = 0;
	int dry = 0;
	pid_t pid;

	(void)state;
	paced_open(&p, &l);
	memset(out, 'x', sizeof out);
	assert_int_equal(write(p.master, out, CHUNK), CHUNK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = write_later(p.master, out, CHUNK, PAUSE_MS);
	while (got < 2 * CHUNK && ms_since(&t0) < 3000) {
		ssize_t n = link_read_paced(&l, buf, sizeof buf, 1000, WANT - got);

		assert_true(n >= 0);
		dry += n == 0;
		got += (size_t)n;
	}
	waitpid(pid, NULL, 0);
	print_message("2 chunks %d ms apart: %d reads found nothing\n", PAUSE_MS, dry);
	assert_int_equal(got, 2 * CHUNK);
	assert_true(dry <= 2);
	link_close(&l);
	pty_free(&p);
}

static void
test_pty_unplug(void **state)
{
	struct pty p;
	struct link l;
	struct timespec t0;
	char buf[64], want[128];

	(void)state;
	pty_make(&p);
	assert_int_equal(link_init(&l, p.name, 0), 0);
	assert_int_equal(link_open(&l), 0);
	assert_int_equal(write(p.master, "ab", 2), 2);
	assert_int_equal(link_read(&l, buf, sizeof buf, 1000), 2);

	/* The other side goes away (socat killed, USB adapter pulled):
	 * found at once, not after the timeout, and said in words. */
	close(p.master);
	p.master = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(link_read(&l, buf, sizeof buf, 5000), PT_ERR_CLOSED);
	assert_true(ms_since(&t0) < 1000);
	snprintf(want, sizeof want, "%s: device disconnected (unplugged?)", p.name);
	assert_string_equal(link_error(&l), want);
	/* Keeps saying so, without blocking. */
	assert_int_equal(link_read(&l, buf, sizeof buf, 5000), PT_ERR_CLOSED);
	assert_int_equal(link_write(&l, "x", 1, 1000), PT_ERR_CLOSED);
	assert_string_equal(link_error(&l), want);
	link_close(&l);
	pty_free(&p);
}

static void
test_pty_write_timeout(void **state)
{
	static char big[1 << 20];
	struct pty p;
	struct link l;
	struct timespec t0;
	long ms;

	(void)state;
	pty_make(&p);
	assert_int_equal(link_init(&l, p.name, 0), 0);
	assert_int_equal(link_open(&l), 0);
	/* Nobody reads the master: the pty buffer fills, the write gives up. */
	memset(big, 'x', sizeof big);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(link_write(&l, big, sizeof big, 200), PT_ERR_TIMEOUT);
	ms = ms_since(&t0);
	assert_true(ms >= 190);
	assert_true(ms < 2000);
	assert_non_null(strstr(link_error(&l), "write timed out"));
	link_close(&l);
	pty_free(&p);
}

static void
test_pty_baud(void **state)
{
	struct pty p;
	struct link l;
	struct termios t;

	(void)state;
	pty_make(&p);
	assert_int_equal(link_init(&l, p.name, 9600), 0);
	assert_int_equal(link_open(&l), 0);
	assert_int_equal(tcgetattr(p.slave, &t), 0);
	assert_int_equal(cfgetospeed(&t), B9600);
	assert_int_equal(t.c_lflag & (ECHO | ICANON), 0);	/* raw */
	assert_int_equal(link_set_baud(&l, 1200), 0);
	assert_int_equal(tcgetattr(p.slave, &t), 0);
	assert_int_equal(cfgetospeed(&t), B1200);
	assert_int_equal(link_set_baud(&l, 12345), PT_ERR_ARG);
	assert_non_null(strstr(link_error(&l), "unsupported baud rate 12345"));
	link_close(&l);
	/* Default 115200. */
	assert_int_equal(link_init(&l, p.name, 0), 0);
	assert_int_equal(link_open(&l), 0);
	assert_int_equal(tcgetattr(p.slave, &t), 0);
	assert_int_equal(cfgetospeed(&t), B115200);
	link_close(&l);
	pty_free(&p);
}

/* The simulator may start after pylontop: the backend is chosen at open. */
static void
test_pty_appears_later(void **state)
{
	struct pty p;
	struct link l;
	char lnk[96], want[256];

	(void)state;
	tmp_name(lnk, sizeof lnk, "later");
	assert_int_equal(link_init(&l, lnk, 0), 0);
	assert_int_equal(link_open(&l), PT_ERR_NODEV);
	snprintf(want, sizeof want, "%s: no such device (is the adapter plugged in? "
	    "try pylontop --list-ports)", lnk);
	assert_string_equal(link_error(&l), want);

	pty_make(&p);
	assert_int_equal(symlink(p.name, lnk), 0);
	assert_int_equal(link_open(&l), 0);
	assert_string_equal(link_kind(&l), "pty");
	assert_string_equal(l.path, p.name);
	assert_string_equal(link_error(&l), "no error");
	link_close(&l);

	/* Replugged elsewhere: the same symlink now names another pty. */
	{
		struct pty q;

		pty_make(&q);
		unlink(lnk);
		assert_int_equal(symlink(q.name, lnk), 0);
		assert_int_equal(link_open(&l), 0);
		assert_string_equal(l.path, q.name);
		link_close(&l);
		pty_free(&q);
	}
	unlink(lnk);
	pty_free(&p);
}

/* ---- the exclusive lock ----------------------------------------------- */

static void
test_busy_names_own_pid(void **state)
{
	struct pty p;
	struct link a, b;
	char want[256];

	(void)state;
	pty_make(&p);
	assert_int_equal(link_init(&a, p.name, 0), 0);
	assert_int_equal(link_open(&a), 0);
	assert_int_equal(link_init(&b, p.name, 0), 0);
	assert_int_equal(link_open(&b), PT_ERR_BUSY);
	assert_int_equal(b.fd, -1);
	/* The test's own slave fd is open too: the lock holder wins. */
	snprintf(want, sizeof want, "%s: busy: held by PID %d (", p.name, (int)getpid());
	assert_memory_equal(link_error(&b), want, strlen(want));
	assert_non_null(strstr(link_error(&b), "test_link)"));
	link_close(&a);
	assert_int_equal(link_open(&b), 0);	/* free again */
	link_close(&b);
	pty_free(&p);
}

static void
test_busy_names_other_process(void **state)
{
	struct pty p;
	struct link l;
	char want[256], c;
	int up[2], down[2], status;
	pid_t child;

	(void)state;
	pty_make(&p);
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct link cl;
		char r;

		alarm(10);		/* never outlive a failed parent for long */
		close(up[0]);
		close(down[1]);
		r = link_init(&cl, p.name, 0) == 0 && link_open(&cl) == 0 ? 'y' : 'n';
		(void)!write(up[1], &r, 1);
		(void)!read(down[0], &r, 1);	/* EOF when the parent is done */
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	assert_int_equal(read(up[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	assert_int_equal(link_init(&l, p.name, 0), 0);
	assert_int_equal(link_open(&l), PT_ERR_BUSY);
	snprintf(want, sizeof want, "%s: busy: held by PID %d (test_link)", p.name,
	    (int)child);
	assert_string_equal(link_error(&l), want);
	close(down[1]);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(link_open(&l), 0);	/* the lock went with it */
	link_close(&l);
	close(up[0]);
	pty_free(&p);
}

/* A program that reads the port without locking it (socat -u
 * OPEN:port,rdonly -, a forgotten screen) would take half our answers:
 * pylontop refuses and names it, instead of "no complete answer" later.
 * The real socat when installed, else a child that opens it the same way. */
static pid_t
start_reader(struct pty *p)
{
	const char *dev = p->name;
	char arg[128];
	pid_t child;

	snprintf(arg, sizeof arg, "OPEN:%s,rdonly", dev);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int null = open("/dev/null", O_WRONLY);

		alarm(10);
		/* Only the port, as when started from a shell: not our master. */
		close(p->master);
		close(p->slave);
		dup2(null, 1);
		dup2(null, 2);
		execlp("socat", "socat", "-u", arg, "-", (char *)NULL);
		if (open(dev, O_RDONLY | O_NOCTTY) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	return child;
}

static void
test_busy_names_reader_without_lock(void **state)
{
	struct pty p;
	struct link l;
	char want[256];
	int status, tries, rc = 0;
	pid_t child;

	(void)state;
	pty_make(&p);
	child = start_reader(&p);
	assert_int_equal(link_init(&l, p.name, 0), 0);
	/* The reader needs a moment to open the port. */
	for (tries = 0; tries < 40; tries++) {
		if ((rc = link_open(&l)) == PT_ERR_BUSY)
			break;
		link_close(&l);
		usleep(50 * 1000);
	}
	assert_int_equal(rc, PT_ERR_BUSY);
	assert_int_equal(l.fd, -1);
	snprintf(want, sizeof want, "%s: busy: also open in PID %d (", p.name, (int)child);
	assert_memory_equal(link_error(&l), want, strlen(want));
	assert_non_null(strstr(link_error(&l), "; stop it or use another port"));
	kill(child, SIGTERM);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(link_open(&l), 0);	/* gone: free again */
	link_close(&l);
	pty_free(&p);
}

/* The program that made the pty (pylontop-sim, socat PTY) keeps the
 * slave open beside the master: it is the other end, not a reader. */
static void
test_pty_creator_is_not_a_reader(void **state)
{
	struct link l;
	char name[64] = "";
	int up[2], down[2], status;
	pid_t child;

	(void)state;
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct pty c;
		char r;

		alarm(10);
		close(up[0]);
		close(down[1]);
		pty_make(&c);
		(void)!write(up[1], c.name, sizeof c.name);
		(void)!read(down[0], &r, 1);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	assert_int_equal(read(up[0], name, sizeof name), (ssize_t)sizeof name);
	assert_int_equal(link_init(&l, name, 0), 0);
	assert_int_equal(link_open(&l), 0);
	link_close(&l);
	close(down[1]);
	assert_int_equal(waitpid(child, &status, 0), child);
	close(up[0]);
}

/* The maker of a pty symlink was killed; its /dev/pts/N went to another
 * program's new pty.  Following the old link would lock that program's
 * terminal: refused, said in words. */
static void
test_stale_pty_symlink(void **state)
{
	struct pty a, b, spare[32];
	struct link l;
	char lnk[96], old[64];
	int n = 0, fd;

	(void)state;
	pty_make(&a);
	tmp_name(lnk, sizeof lnk, "stale");
	assert_int_equal(symlink(a.name, lnk), 0);
	snprintf(old, sizeof old, "%s", a.name);
	pty_free(&a);			/* its maker is gone, the link stays */
	usleep(30 * 1000);		/* past the timestamp granularity */
	/* The kernel gives the lowest free number: get `old` again (other
	 * tests may take a number meanwhile: keep trying a few). */
	for (;;) {
		pty_make(&b);
		if (strcmp(b.name, old) == 0 || n == 32)
			break;
		spare[n++] = b;
	}
	while (n > 0)
		pty_free(&spare[--n]);
	if (strcmp(b.name, old) != 0) {
		pty_free(&b);
		unlink(lnk);
		skip();
	}
	assert_int_equal(link_init(&l, lnk, 0), 0);
	assert_int_equal(link_open(&l), PT_ERR_NODEV);
	assert_int_equal(l.fd, -1);
	assert_non_null(strstr(link_error(&l), "stale link"));
	assert_non_null(strstr(link_error(&l), old));
	/* Not locked behind the other program's back. */
	fd = open(old, O_RDWR | O_NOCTTY | O_NONBLOCK);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
	/* Its maker comes back and links it anew: accepted. */
	unlink(lnk);
	assert_int_equal(symlink(b.name, lnk), 0);
	assert_int_equal(link_open(&l), 0);
	link_close(&l);
	unlink(lnk);
	pty_free(&b);
}

/* ---- TCP -------------------------------------------------------------- */

static int
listen_loopback(int *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(srv >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(srv, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(srv, 1), 0);
	assert_int_equal(getsockname(srv, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return srv;
}

static int
sockopt(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof v;

	assert_int_equal(getsockopt(fd, level, name, &v, &len), 0);
	return v;
}

static void
test_tcp(void **state)
{
	struct link l;
	struct timespec t0;
	char spec[64], buf[16], want[128];
	int srv, cli, port, i, rc;

	(void)state;
	srv = listen_loopback(&port);
	snprintf(spec, sizeof spec, "tcp://127.0.0.1:%d", port);
	assert_int_equal(link_init(&l, spec, 0), 0);
	assert_string_equal(link_kind(&l), "tcp");
	assert_int_equal(link_open(&l), 0);
	cli = accept(srv, NULL, NULL);
	assert_true(cli >= 0);

	assert_int_equal(sockopt(l.fd, IPPROTO_TCP, TCP_NODELAY), 1);
	assert_int_equal(sockopt(l.fd, SOL_SOCKET, SO_KEEPALIVE), 1);
	assert_int_equal(sockopt(l.fd, IPPROTO_TCP, TCP_KEEPIDLE), 10);
	assert_int_equal(sockopt(l.fd, IPPROTO_TCP, TCP_KEEPINTVL), 5);
	assert_int_equal(sockopt(l.fd, IPPROTO_TCP, TCP_KEEPCNT), 3);

	assert_int_equal(write(cli, "~20014A42\r", 10), 10);
	assert_int_equal(link_read(&l, buf, sizeof buf, 1000), 10);
	assert_memory_equal(buf, "~20014A42\r", 10);
	assert_int_equal(link_write(&l, "pwr\r", 4, 1000), 0);
	assert_int_equal(read(cli, buf, 4), 4);
	assert_memory_equal(buf, "pwr\r", 4);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(link_read(&l, buf, sizeof buf, 50), 0);
	assert_true(ms_since(&t0) >= 45);
	assert_int_equal(link_set_baud(&l, 9600), PT_ERR_UNSUPPORTED);

	close(cli);		/* the gateway drops us */
	assert_int_equal(link_read(&l, buf, sizeof buf, 1000), PT_ERR_CLOSED);
	snprintf(want, sizeof want, "%s: connection closed by the gateway", spec);
	assert_string_equal(link_error(&l), want);
	/* Writing on: an error (the RST may take one write), never SIGPIPE. */
	for (i = 0, rc = 0; i < 20 && rc == 0; i++) {
		rc = link_write(&l, "x", 1, 100);
		if (rc == 0)
			usleep(10000);
	}
	assert_int_equal(rc, PT_ERR_CLOSED);
	link_close(&l);

	/* Nobody listens any more: refused, said in words. */
	close(srv);
	assert_int_equal(link_init(&l, spec, 0), 0);
	assert_int_equal(link_open(&l), PT_ERR_NODEV);
	assert_int_equal(l.fd, -1);
	snprintf(want, sizeof want, "%s: connection refused (is the gateway's TCP "
	    "server listening on that port?)", spec);
	assert_string_equal(link_error(&l), want);
}

/* ---- replay ----------------------------------------------------------- */

static void
test_replay(void **state)
{
	struct link l;
	char path[96], spec[128], buf[8], want[160];
	FILE *f;

	(void)state;
	tmp_name(path, sizeof path, "replay");
	f = fopen(path, "w");
	assert_non_null(f);
	/* No console prompt in it: raw bytes (a log with prompts is a
	 * terminal log, test_link_record.c). */
	fputs("pwr\r\n@\r\r\n$$ END", f);
	fclose(f);
	snprintf(spec, sizeof spec, "replay:%s", path);
	assert_int_equal(link_init(&l, spec, 0), 0);
	assert_string_equal(link_kind(&l), "replay");
	assert_string_equal(l.path, path);
	assert_int_equal(link_open(&l), 0);
	assert_int_equal(link_write(&l, "pwr\r", 4, 100), 0);	/* dropped */
	assert_int_equal(link_read(&l, buf, sizeof buf, 100), 8);
	assert_memory_equal(buf, "pwr\r\n@\r\r", 8);
	assert_int_equal(link_read(&l, buf, sizeof buf, 100), 7);
	assert_memory_equal(buf, "\n$$ END", 7);
	assert_int_equal(link_read(&l, buf, sizeof buf, 100), PT_ERR_CLOSED);
	snprintf(want, sizeof want, "%s: end of the recording", spec);
	assert_string_equal(link_error(&l), want);
	assert_int_equal(link_set_baud(&l, 9600), PT_ERR_UNSUPPORTED);
	link_close(&l);
	/* Again from the start after a reopen. */
	assert_int_equal(link_open(&l), 0);
	assert_int_equal(link_read(&l, buf, 3, 100), 3);
	assert_memory_equal(buf, "pwr", 3);
	link_close(&l);
	unlink(path);

	assert_int_equal(link_open(&l), PT_ERR_NODEV);
	assert_non_null(strstr(link_error(&l), "cannot open the recording"));
	/* A file that is gone does not come back by waiting: the replay is
	 * over (the monitor stops instead of retrying), also after a close. */
	assert_true(link_replay_finished(&l));
	link_close(&l);
	assert_true(link_replay_finished(&l));
	assert_int_equal(link_open(&l), PT_ERR_IO);
	link_release(&l);
}

/* ---- drain ------------------------------------------------------------ */

static void
test_drain(void **state)
{
	struct pty p;
	struct link l;
	char buf[16];

	(void)state;
	pty_make(&p);
	assert_int_equal(link_init(&l, p.name, 0), 0);
	assert_int_equal(link_open(&l), 0);
	assert_int_equal(write(p.master, "garbage\x01\xff", 9), 9);
	assert_int_equal(link_drain(&l, 50, 1000), 0);
	assert_int_equal(link_read(&l, buf, sizeof buf, 20), 0);
	/* Nothing to drain: returns after the quiet time. */
	assert_int_equal(link_drain(&l, 20, 1000), 0);
	close(p.master);
	p.master = -1;
	assert_int_equal(link_drain(&l, 50, 1000), PT_ERR_CLOSED);
	link_close(&l);
	pty_free(&p);
}

/* ---- specs and messages ----------------------------------------------- */

static void
test_specs(void **state)
{
	struct link l;
	char longspec[300];

	(void)state;
	assert_int_equal(link_init(&l, "tcp://gateway", 0), PT_ERR_ARG);
	assert_string_equal(link_error(&l), "tcp://gateway: missing port (expected "
	    "tcp://HOST:PORT, e.g. tcp://192.168.1.50:8899)");
	assert_int_equal(link_init(&l, "tcp://gateway:", 0), PT_ERR_ARG);
	assert_non_null(strstr(link_error(&l), "missing port"));
	assert_int_equal(link_init(&l, "tcp://[::1]", 0), PT_ERR_ARG);
	assert_non_null(strstr(link_error(&l), "missing port"));
	assert_int_equal(link_init(&l, "tcp://:8899", 0), PT_ERR_ARG);
	assert_string_equal(link_error(&l),
	    "tcp://:8899: missing host (expected tcp://HOST:PORT)");
	assert_int_equal(link_init(&l, "tcp://h:99999", 0), PT_ERR_ARG);
	assert_string_equal(link_error(&l),
	    "tcp://h:99999: '99999' is not a TCP port (1 to 65535)");
	assert_int_equal(link_init(&l, "tcp://h:0", 0), PT_ERR_ARG);
	assert_int_equal(link_init(&l, "tcp://h:88a", 0), PT_ERR_ARG);
	assert_int_equal(link_init(&l, "tcp://192.168.1.50:8899", 0), 0);
	assert_string_equal(l.path, "192.168.1.50:8899");
	assert_int_equal(link_init(&l, "tcp://[::1]:8899", 0), 0);
	assert_string_equal(link_kind(&l), "tcp");
	assert_int_equal(link_init(&l, "replay:", 0), PT_ERR_ARG);
	assert_int_equal(link_init(&l, "", 0), PT_ERR_ARG);
	assert_non_null(strstr(link_error(&l), "no device given"));
	memset(longspec, 'a', sizeof longspec - 1);
	longspec[sizeof longspec - 1] = '\0';
	assert_int_equal(link_init(&l, longspec, 0), PT_ERR_ARG);
	assert_non_null(strstr(link_error(&l), "too long"));

	/* A path that is not there: a serial port, no such device on open. */
	assert_int_equal(link_init(&l, "/dev/ttyUSB-pylontop-none", 0), 0);
	assert_string_equal(link_kind(&l), "serial");
	assert_int_equal(link_open(&l), PT_ERR_NODEV);
	assert_string_equal(link_error(&l), "/dev/ttyUSB-pylontop-none: no such "
	    "device (is the adapter plugged in? try pylontop --list-ports)");
	/* A regular file is not a port. */
	assert_int_equal(link_init(&l, "/proc/self/status", 0), 0);
	assert_int_equal(link_open(&l), PT_ERR_ARG);
	assert_string_equal(link_error(&l),
	    "/proc/self/status: not a serial port (try pylontop --list-ports)");
	/* Never opened: read and write say so. */
	assert_int_equal(link_init(&l, "/dev/ttyUSB-pylontop-none", 0), 0);
	assert_int_equal(link_write(&l, "x", 1, 10), PT_ERR_CLOSED);
}

/* errno → pt_err and the words, including those a root test run cannot
 * provoke (permission denied). */
static void
test_errno_messages(void **state)
{
	struct link l;

	(void)state;
	assert_int_equal(link_init(&l, "/dev/ttyUSB0", 0), 0);
	assert_int_equal(link_errno(&l, EACCES), PT_ERR_PERM);
	assert_string_equal(link_error(&l), "/dev/ttyUSB0: permission denied "
	    "(add yourself to group dialout and log in again)");
	assert_int_equal(link_errno(&l, EPERM), PT_ERR_PERM);
	assert_int_equal(link_errno(&l, ENOENT), PT_ERR_NODEV);
	assert_int_equal(link_errno(&l, ENODEV), PT_ERR_NODEV);
	assert_int_equal(link_errno(&l, ENXIO), PT_ERR_NODEV);
	assert_string_equal(link_error(&l), "/dev/ttyUSB0: no such device (is the "
	    "adapter plugged in? try pylontop --list-ports)");
	assert_int_equal(link_errno(&l, EBUSY), PT_ERR_BUSY);
	assert_string_equal(link_error(&l),
	    "/dev/ttyUSB0: busy: another program has the port open");
	assert_int_equal(link_errno(&l, EIO), PT_ERR_IO);
	assert_int_equal(link_errno(&l, ENOTTY), PT_ERR_ARG);
	assert_int_equal(link_errno(&l, EROFS), PT_ERR_IO);
	assert_non_null(strstr(link_error(&l), "/dev/ttyUSB0: "));
}

static void
test_list_ports(void **state)
{
	char out[8192];
	size_t n;
	FILE *f = tmpfile();

	(void)state;
	assert_non_null(f);
	assert_int_equal(link_list_ports(f), 0);
	rewind(f);
	n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	fclose(f);
	/* Either the ports, each with its by-id line, or a clear "none". */
	assert_true(n > 0);
	if (strncmp(out, "no serial ports found", 21) != 0) {
		assert_int_equal(out[0], '/');
		assert_non_null(strstr(out, "  by-id     "));
	}
}

/* ---- -d usb:SERIAL, with a fake port list (no udev) ------------------- */

static struct link_port fake_ports[4];
static int fake_n;

static int
fake_source(struct link_port **ports, int *n, char *err, size_t errsize)
{
	(void)err;
	(void)errsize;
	*ports = calloc((size_t)fake_n + 1, sizeof **ports);
	assert_non_null(*ports);
	memcpy(*ports, fake_ports, (size_t)fake_n * sizeof **ports);
	*n = fake_n;
	return 0;
}

static void
fake_port(int i, const char *path, int vid, int pid, const char *serial)
{
	struct link_port *p = &fake_ports[i];

	memset(p, 0, sizeof *p);
	snprintf(p->path, sizeof p->path, "%s", path);
	p->usb = serial != NULL;
	p->vid = vid;
	p->pid = pid;
	snprintf(p->maker, sizeof p->maker, "FTDI");
	snprintf(p->product, sizeof p->product, "FT232R USB UART");
	snprintf(p->serial, sizeof p->serial, "%s", serial != NULL ? serial : "");
}

/* The adapter is found by its serial number, and after an unplug the
 * same spec re-attaches to it under its new name; another adapter with
 * another serial number is never taken instead. */
static void
test_usb_serial_reattach(void **state)
{
	struct pty a, b, other;
	struct link l;
	char buf[16];
	int (*saved)(struct link_port **, int *, char *, size_t) = link_ports_source;

	(void)state;
	pty_make(&a);
	pty_make(&b);
	pty_make(&other);
	link_ports_source = fake_source;
	fake_port(0, other.name, 0x1a86, 0x7523, "OTHER1");
	fake_port(1, a.name, 0x0403, 0x6001, "A10K3XYZ");
	fake_port(2, "/dev/ttyS0", -1, -1, NULL);
	fake_n = 3;

	assert_int_equal(link_init(&l, "usb:A10K3XYZ", 0), 0);
	assert_string_equal(l.spec, "usb:A10K3XYZ");
	assert_int_equal(link_open(&l), 0);
	assert_string_equal(l.path, a.name);
	assert_int_equal(write(a.master, "pylon>", 6), 6);
	assert_int_equal(link_read(&l, buf, sizeof buf, 1000), 6);

	/* Unplugged: the port is gone from the list, the link is lost. */
	pty_free(&a);
	fake_n = 1;
	assert_int_equal(link_read(&l, buf, sizeof buf, 1000), PT_ERR_CLOSED);
	assert_int_equal(link_open(&l), PT_ERR_NODEV);
	assert_string_equal(link_error(&l), "usb:A10K3XYZ: no USB serial adapter with "
	    "serial number A10K3XYZ is plugged in (pylontop --list-ports shows the "
	    "adapters)");
	assert_int_equal(l.fd, -1);

	/* Back under another name: the same link finds it there. */
	fake_port(1, b.name, 0x0403, 0x6001, "A10K3XYZ");
	fake_n = 2;
	assert_int_equal(link_open(&l), 0);
	assert_string_equal(l.path, b.name);
	assert_int_equal(write(b.master, "pylon>", 6), 6);
	assert_int_equal(link_read(&l, buf, sizeof buf, 1000), 6);
	assert_int_equal(link_write(&l, "\n", 1, 1000), 0);
	assert_int_equal(read(b.master, buf, sizeof buf), 1);
	link_close(&l);

	/* VID:PID must match too when given. */
	assert_int_equal(link_init(&l, "usb:0403:6001:A10K3XYZ", 0), 0);
	assert_int_equal(l.usb_vid, 0x0403);
	assert_int_equal(l.usb_pid, 0x6001);
	assert_int_equal(link_open(&l), 0);
	assert_string_equal(l.path, b.name);
	link_close(&l);
	assert_int_equal(link_init(&l, "usb:1a86:7523:A10K3XYZ", 0), 0);
	assert_int_equal(link_open(&l), PT_ERR_NODEV);

	/* Two ports with one serial number (a multi-port adapter): refused. */
	fake_port(2, other.name, 0x0403, 0x6001, "A10K3XYZ");
	fake_n = 3;
	assert_int_equal(link_init(&l, "usb:A10K3XYZ", 0), 0);
	assert_int_equal(link_open(&l), PT_ERR_ARG);
	assert_non_null(strstr(link_error(&l), "2 ports have USB serial number A10K3XYZ"));
	assert_non_null(strstr(link_error(&l), b.name));
	assert_non_null(strstr(link_error(&l), other.name));

	/* Bad specs say what is expected. */
	assert_int_equal(link_init(&l, "usb:", 0), PT_ERR_ARG);
	assert_non_null(strstr(link_error(&l), "usb:: missing serial number (expected "
	    "usb:SERIAL or usb:VID:PID:SERIAL"));
	assert_int_equal(link_init(&l, "usb:0403:6001:", 0), PT_ERR_ARG);

	/* --list-ports prints the same list. */
	{
		FILE *f = tmpfile();
		char out[2048];
		size_t n;

		assert_non_null(f);
		assert_int_equal(link_list_ports(f), 0);
		rewind(f);
		n = fread(out, 1, sizeof out - 1, f);
		out[n] = '\0';
		fclose(f);
		assert_non_null(strstr(out, "  serial    A10K3XYZ\n"));
		assert_non_null(strstr(out, "  usb id    0403:6001\n"));
	}
	link_ports_source = saved;
	pty_free(&b);
	pty_free(&other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pty_symlink_read_write_timeout),
		cmocka_unit_test(test_paced_think_time),
		cmocka_unit_test(test_paced_chunk_pause),
		cmocka_unit_test(test_pty_unplug),
		cmocka_unit_test(test_pty_write_timeout),
		cmocka_unit_test(test_pty_baud),
		cmocka_unit_test(test_pty_appears_later),
		cmocka_unit_test(test_busy_names_own_pid),
		cmocka_unit_test(test_busy_names_other_process),
		cmocka_unit_test(test_busy_names_reader_without_lock),
		cmocka_unit_test(test_pty_creator_is_not_a_reader),
		cmocka_unit_test(test_stale_pty_symlink),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_specs),
		cmocka_unit_test(test_errno_messages),
		cmocka_unit_test(test_list_ports),
		cmocka_unit_test(test_usb_serial_reattach),
	};

	alarm(60);	/* a hang fails the test instead of the build */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
