/* link.c — choosing a backend, and what every descriptor-based backend
 * shares: reads and writes with poll() timeouts, unplug detection, the
 * exclusive lock and the name of whoever holds it or reads alongside,
 * stale pty symlinks, and the -v / -vv trace of the link. */
#include "link/link_impl.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "link/link_record.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/vlog.h"

void
link_seterr(struct link *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->error, sizeof l->error, fmt, ap);
	va_end(ap);
}

int
link_errno(struct link *l, int e)
{
	switch (e) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		link_seterr(l, "%s: no such device (is the adapter plugged in? "
		    "try pylontop --list-ports)", l->spec);
		return PT_ERR_NODEV;
	case EACCES:
	case EPERM:
		link_seterr(l, "%s: permission denied (add yourself to group dialout "
		    "and log in again)", l->spec);
		return PT_ERR_PERM;
	case EBUSY:
		link_seterr(l, "%s: busy: another program has the port open", l->spec);
		return PT_ERR_BUSY;
	case ENOTTY:
	case EISDIR:
		link_seterr(l, "%s: not a serial port (try pylontop --list-ports)", l->spec);
		return PT_ERR_ARG;
	case EIO:
		link_seterr(l, "%s: input/output error (adapter unplugged or broken?)",
		    l->spec);
		return PT_ERR_IO;
	case ENOMEM:
		link_seterr(l, "%s: out of memory", l->spec);
		return PT_ERR_NOMEM;
	default:
		link_seterr(l, "%s: %s", l->spec, strerror(e));
		return PT_ERR_IO;
	}
}

/* ---- choosing a backend ----------------------------------------------- */

/* Ptys (socat, ser2net, pylontop-sim) and terminals that sysfs does not
 * list cannot be opened by libserialport, which looks every port up
 * under /sys/class/tty: those go through plain termios. */
static const struct link_ops *
tty_backend(const char *path)
{
	char sys[PATH_MAX];
	const char *base;
	struct stat st;

	if (strncmp(path, "/dev/pts/", 9) == 0 || strcmp(path, "/dev/ptmx") == 0)
		return &link_pty_ops;
	if (stat(path, &st) != 0 || !S_ISCHR(st.st_mode))
		return &link_serial_ops;	/* the open will say what is wrong */
	/* Unix98 pty slaves have majors 136-143; /dev/ptmx is 5:2. */
	if ((major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143) ||
	    (major(st.st_rdev) == 5 && minor(st.st_rdev) == 2))
		return &link_pty_ops;
	base = strrchr(path, '/');
	snprintf(sys, sizeof sys, "/sys/class/tty/%s", base != NULL ? base + 1 : path);
	if (access(sys, F_OK) != 0)
		return &link_pty_ops;
	return &link_serial_ops;
}

/* Follow symlinks (/dev/serial/by-id/..., socat's link=) to the device
 * node: libserialport 0.1.1 cannot.  Done at every open, because the
 * link may point elsewhere after a replug or a simulator restart. */
static int
resolve_device(struct link *l)
{
	char real[PATH_MAX], name[sizeof l->path];
	int rc = 0;

	/* usb:SERIAL: whichever ttyUSB the adapter has now (a replug may
	 * have given it another number). */
	if (l->usb_serial[0] != '\0' && (rc = link_usb_resolve(l)) != 0)
		l->path[0] = '\0';
	snprintf(name, sizeof name, "%s", l->usb_serial[0] != '\0' ? l->path : l->spec);
	if (name[0] != '\0' && realpath(name, real) != NULL && strlen(real) < sizeof l->path)
		snprintf(l->path, sizeof l->path, "%s", real);
	else
		snprintf(l->path, sizeof l->path, "%s", name);
	l->ops = tty_backend(l->path);
	return rc;
}

static bool
hex4(const char *p)
{
	int i;

	for (i = 0; i < 4; i++)
		if (!isxdigit((unsigned char)p[i]))
			return false;
	return true;
}

/* usb:SERIAL or usb:VID:PID:SERIAL (hex ids, as lsusb shows them). */
static int
init_usb(struct link *l, const char *spec)
{
	const char *rest = spec + 4;

	l->usb_vid = l->usb_pid = -1;
	if (strlen(rest) >= 10 && hex4(rest) && rest[4] == ':' && hex4(rest + 5) &&
	    rest[9] == ':') {
		l->usb_vid = (int)strtol(rest, NULL, 16);
		l->usb_pid = (int)strtol(rest + 5, NULL, 16);
		rest += 10;
	}
	if (rest[0] == '\0' || strlen(rest) >= sizeof l->usb_serial) {
		link_seterr(l, "%s: %s (expected usb:SERIAL or usb:VID:PID:SERIAL, e.g. "
		    "usb:A10K3XYZ or usb:0403:6001:A10K3XYZ; pylontop --list-ports shows "
		    "the serial numbers)", spec, rest[0] == '\0' ? "missing serial number" :
		    "serial number too long");
		return PT_ERR_ARG;
	}
	snprintf(l->usb_serial, sizeof l->usb_serial, "%s", rest);
	/* Not plugged in yet is no error here: link_open() says so. */
	resolve_device(l);
	return 0;
}

static int
init_tcp(struct link *l, const char *spec)
{
	const char *hostport = spec + 6, *colon = strrchr(hostport, ':');
	char *end;
	long port;

	if (colon == NULL || colon[1] == '\0' ||
	    (hostport[0] == '[' && colon[-1] != ']')) {
		link_seterr(l, "%s: missing port (expected tcp://HOST:PORT, e.g. "
		    "tcp://192.168.1.50:8899)", spec);
		return PT_ERR_ARG;
	}
	if (colon == hostport || (hostport[0] == '[' && colon == hostport + 2)) {
		link_seterr(l, "%s: missing host (expected tcp://HOST:PORT)", spec);
		return PT_ERR_ARG;
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || errno != 0 || port < 1 || port > 65535) {
		link_seterr(l, "%s: '%s' is not a TCP port (1 to 65535)", spec, colon + 1);
		return PT_ERR_ARG;
	}
	snprintf(l->path, sizeof l->path, "%s", hostport);
	l->ops = &link_tcp_ops;
	return 0;
}

/* -d mqtt[s]://broker/BASE: a remote view (core/session_remote.c).  No
 * byte stream: the session holds its own MQTT connection, so this kind
 * only gives the monitor something to open and close, and refuses bytes. */
static int
remote_open(struct link *l)
{
	(void)l;
	return 0;
}

static ssize_t
remote_read(struct link *l, void *buf, size_t len, int timeout_ms)
{
	(void)buf, (void)len, (void)timeout_ms;
	link_seterr(l, "%s: a remote view reads MQTT states, not bytes", l->spec);
	return PT_ERR_UNSUPPORTED;
}

static int
remote_write(struct link *l, const void *buf, size_t len, int timeout_ms)
{
	(void)buf, (void)len, (void)timeout_ms;
	link_seterr(l, "%s: a remote view is read-only", l->spec);
	return PT_ERR_UNSUPPORTED;
}

static void
remote_close(struct link *l)
{
	(void)l;
}

static const struct link_ops link_remote_ops = {
	.kind = "remote",
	.open = remote_open,
	.read = remote_read,
	.write = remote_write,
	.close = remote_close,
};

bool
link_is_remote(const char *spec)
{
	return spec != NULL && (strncmp(spec, "mqtt://", 7) == 0 ||
	    strncmp(spec, "mqtts://", 8) == 0);
}

int
link_init(struct link *l, const char *spec, int baud)
{
	memset(l, 0, sizeof *l);
	l->fd = -1;
	l->replay_speed = 1.0;
	l->baud = baud;
	if (spec == NULL || spec[0] == '\0') {
		link_seterr(l, "no device given (use -d PATH or -d tcp://HOST:PORT; "
		    "pylontop --list-ports shows the serial ports)");
		return PT_ERR_ARG;
	}
	if (strlen(spec) >= sizeof l->spec) {
		link_seterr(l, "device name too long (at most %zu characters)",
		    sizeof l->spec - 1);
		return PT_ERR_ARG;
	}
	snprintf(l->spec, sizeof l->spec, "%s", spec);
	if (baud < 0) {
		link_seterr(l, "%s: bad baud rate %d", spec, baud);
		return PT_ERR_ARG;
	}
	if (strncmp(spec, "tcp://", 6) == 0)
		return init_tcp(l, spec);
	if (link_is_remote(spec)) {
		snprintf(l->path, sizeof l->path, "%s", spec);
		l->ops = &link_remote_ops;
		return 0;
	}
	if (strncmp(spec, "replay:", 7) == 0) {
		if (spec[7] == '\0') {
			link_seterr(l, "%s: missing file (expected replay:FILE)", spec);
			return PT_ERR_ARG;
		}
		snprintf(l->path, sizeof l->path, "%s", spec + 7);
		l->ops = &link_replay_ops;
		return 0;
	}
	if (strncmp(spec, "usb:", 4) == 0)
		return init_usb(l, spec);
	resolve_device(l);
	return 0;
}

static bool
is_device(const struct link *l)
{
	return l->ops != &link_tcp_ops && l->ops != &link_replay_ops &&
	    l->ops != &link_remote_ops;
}

int
link_open(struct link *l)
{
	int rc;

	if (l->ops == NULL) {
		link_seterr(l, "link not initialised");
		return PT_ERR_ARG;
	}
	link_close(l);
	l->error[0] = '\0';
	l->lost_said = 0;
	l->tx_us = 0;
	l->tx_ms = l->rx_ms = 0;
	l->rx_since_tx = 0;
	l->unpaced = l->paced = l->waited_first = l->paced_dry = false;
	l->lost_recorded = false;
	if (is_device(l) && (rc = resolve_device(l)) != 0) {
		pt_vlog(PT_VLOG_SUMMARY, "link: cannot open: %s", link_error(l));
		link_rec_event(l->rec, "open-failed", link_error(l));
		return rc;
	}
	pt_vlog(PT_VLOG_SUMMARY, "link: %s %s (%s%s%s)", l->opens > 0 ?
	    "reconnecting to" : "opening", l->spec, link_kind(l),
	    strcmp(l->spec, l->path) != 0 ? " " : "",
	    strcmp(l->spec, l->path) != 0 ? l->path : "");
	rc = l->ops->open(l);
	if (rc == 0) {
		l->opens++;
		pt_vlog(PT_VLOG_SUMMARY, "link: opened %s", l->path);
		link_rec_event(l->rec, "open", l->path);
	} else {
		pt_vlog(PT_VLOG_SUMMARY, "link: cannot open: %s", link_error(l));
		link_rec_event(l->rec, "open-failed", link_error(l));
	}
	return rc;
}

/* A lost link is said once per open, not at every read that follows. */
static void
vlog_failure(struct link *l, ssize_t rc, const char *what)
{
	if (rc == PT_ERR_CLOSED && !l->lost_recorded) {
		link_rec_event(l->rec, "lost", link_error(l));
		l->lost_recorded = true;
	}
	if (!pt_vlog_on(PT_VLOG_SUMMARY))
		return;
	if (rc == PT_ERR_CLOSED) {
		if (!l->lost_said)
			pt_vlog(PT_VLOG_SUMMARY, "link: lost: %s", link_error(l));
		l->lost_said = 1;
	} else
		pt_vlog(PT_VLOG_SUMMARY, "link: %s failed: %s", what, link_error(l));
}

/* ---- the pace of the line --------------------------------------------- */

/* Real time, not clock_mono_ms(): a replay's virtual clock does not pace
 * a line (and a replay has none: link_wire_us() is 0 there). */
static int64_t
mono_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

int64_t
link_wire_us(const struct link *l, size_t bytes)
{
	int baud = l->baud > 0 ? l->baud : LINK_DEFAULT_BAUD;

	if (l->ops == NULL || l->ops == &link_replay_ops || l->ops == &link_remote_ops)
		return 0;
	/* 10 bits a byte: start, 8 data, stop. */
	return (int64_t)bytes * 10 * 1000000 / baud;
}

/* Bytes that came faster than the baud allows since our last write (by
 * more than an eighth and 64 bytes of slack) have no line behind them:
 * an unpaced simulator, a socket that had them buffered.  Waiting for the
 * line would only add latency there, until the next write. */
#define PACE_SLACK_BYTES	64

static void
count_rx(struct link *l, size_t n)
{
	int64_t wire, now;

	if (l->tx_us == 0 || (wire = link_wire_us(l, l->rx_since_tx + n)) == 0) {
		l->rx_since_tx += n;
		return;
	}
	now = mono_us();
	if (l->rx_since_tx == 0) {
		l->rx_first = n;
		l->rx_first_us = now;
	}
	l->rx_last_us = now;
	l->rx_since_tx += n;
	if (wire > (now - l->tx_us) * 9 / 8 + link_wire_us(l, PACE_SLACK_BYTES))
		l->unpaced = true;
}

/* At a write: did the answer before it come at the pace of the line?
 * Its bytes after the first read must have taken (about) their wire
 * time: a device that thinks and then pours out its answer at once (a
 * simulator without --baud) did not.  Too few bytes after the first
 * read to tell: the verdict before stands. */
static void
judge_pace(struct link *l)
{
	size_t rest = l->rx_since_tx - l->rx_first;

	if (l->unpaced)
		l->paced = false;
	else if (l->rx_since_tx >= PACE_SLACK_BYTES && rest >= PACE_SLACK_BYTES)
		l->paced = (l->rx_last_us - l->rx_first_us) * 4 >= link_wire_us(l, rest) * 3;
}

ssize_t
link_read_paced(struct link *l, void *buf, size_t len, int timeout_ms, size_t want)
{
	int64_t wait;
	struct timespec ts;
	ssize_t n;

	/* Before the answer's first bytes, a line paces them if it paced
	 * the answer before, once: when they are not there after that
	 * sleep, the device is still thinking and poll waits for them (a
	 * second blind sleep would add up to a whole wire time).  Within
	 * the answer likewise after a sleep that found nothing (paced_dry). */
	if (want <= 1 || l->unpaced || (l->rx_since_tx == 0 && (!l->paced || l->waited_first)) ||
	    timeout_ms <= 0 || l->fd < 0 || l->paced_dry) {
		l->paced_dry = false;
		return link_read(l, buf, len, timeout_ms);
	}
	if (l->rx_since_tx == 0)
		l->waited_first = true;
	if ((wait = link_wire_us(l, want < LINK_PACE_MAX ? want : LINK_PACE_MAX)) == 0)
		return link_read(l, buf, len, timeout_ms);
	if (wait > (int64_t)LINK_PACE_SLEEP_MS * 1000)
		wait = (int64_t)LINK_PACE_SLEEP_MS * 1000;
	ts.tv_sec = (time_t)(wait / 1000000);
	ts.tv_nsec = (long)(wait % 1000000) * 1000;
	/* Not cut short by a stop (the signal goes to the main thread): the
	 * caller looks at its stop flag after this read, so a stop waits at
	 * most LINK_PACE_SLEEP_MS. */
	nanosleep(&ts, NULL);
	n = link_read(l, buf, len, 0);
	l->paced_dry = n == 0;
	return n;
}

ssize_t
link_read(struct link *l, void *buf, size_t len, int timeout_ms)
{
	ssize_t n;

	if (l->ops == NULL || l->fd < 0) {
		link_seterr(l, "%s: not open", l->spec);
		return PT_ERR_CLOSED;
	}
	if (l->on_io != NULL)
		l->on_io(l->on_io_ctx);
	if (len == 0)
		return 0;
	n = l->ops->read(l, buf, len, timeout_ms);
	if (n > 0 || (n == 0 && timeout_ms > 0))
		l->rx_ms = clock_mono_ms();
	if (n == 0 && timeout_ms > 0 && l->rec != NULL) {
		/* Silence is part of the exchange: a replay waits as long. */
		char ms[16];

		snprintf(ms, sizeof ms, "%d", timeout_ms);
		link_rec_event_at(l->rec, "timeout", ms, l->rx_ms);
	}
	if (n > 0) {
		count_rx(l, (size_t)n);
		pt_vlog_bytes("rx", buf, (size_t)n);
		link_rec_data_at(l->rec, '<', buf, (size_t)n, l->rx_ms);
		if (l->on_data != NULL)
			l->on_data(l->on_data_ctx, '<', buf, (size_t)n);
	}
	else if (n < 0)
		vlog_failure(l, n, "read");
	return n;
}

int
link_write(struct link *l, const void *buf, size_t len, int timeout_ms)
{
	int rc;

	if (l->ops == NULL || l->fd < 0) {
		link_seterr(l, "%s: not open", l->spec);
		return PT_ERR_CLOSED;
	}
	if (l->on_io != NULL)
		l->on_io(l->on_io_ctx);
	rc = l->ops->write(l, buf, len, timeout_ms);
	if (rc == 0) {
		/* What is read from now on is the answer to this. */
		judge_pace(l);
		l->tx_us = mono_us();
		l->tx_ms = clock_mono_ms();
		l->rx_since_tx = 0;
		l->unpaced = false;
		l->waited_first = l->paced_dry = false;
		pt_vlog_bytes("tx", buf, len);
		link_rec_data_at(l->rec, '>', buf, len, l->tx_ms);
		if (l->on_data != NULL)
			l->on_data(l->on_data_ctx, '>', buf, len);
	}
	else
		vlog_failure(l, rc, "write");
	return rc;
}

int64_t
link_last_write_ms(const struct link *l)
{
	return l->tx_ms;
}

int64_t
link_last_read_ms(const struct link *l)
{
	return l->rx_ms;
}

int
link_set_baud(struct link *l, int baud)
{
	int rc;

	if (l->ops == NULL || l->ops->set_baud == NULL) {
		link_seterr(l, "%s: the baud rate is not set over %s", l->spec,
		    link_kind(l)[0] != '\0' ? link_kind(l) : "this link");
		return PT_ERR_UNSUPPORTED;
	}
	if (l->fd < 0) {
		link_seterr(l, "%s: not open", l->spec);
		return PT_ERR_CLOSED;
	}
	rc = l->ops->set_baud(l, baud);
	if (rc == 0 && l->rec != NULL) {
		char n[16];

		snprintf(n, sizeof n, "%d", baud);
		link_rec_event(l->rec, "baud", n);
	}
	return rc;
}

int
link_drain(struct link *l, int quiet_ms, int max_ms)
{
	char junk[512];
	int64_t end = clock_mono_ms() + max_ms;
	ssize_t n;

	for (;;) {
		int64_t left = end - clock_mono_ms();

		if (left <= 0)
			return 0;
		n = link_read(l, junk, sizeof junk, left < quiet_ms ? (int)left : quiet_ms);
		if (n <= 0)
			return (int)n;
	}
}

void
link_close(struct link *l)
{
	if (l->ops != NULL && (l->fd >= 0 || l->priv != NULL)) {
		if (l->fd >= 0)
			link_rec_event(l->rec, "close", NULL);
		l->ops->close(l);
		pt_vlog(PT_VLOG_SUMMARY, "link: closed %s", l->spec);
	}
	l->fd = -1;
}

void
link_release(struct link *l)
{
	link_close(l);
	if (l->ops != NULL && l->ops->release != NULL)
		l->ops->release(l);
}

const char *
link_error(const struct link *l)
{
	return l->error[0] != '\0' ? l->error : "no error";
}

const char *
link_kind(const struct link *l)
{
	return l->ops != NULL ? l->ops->kind : "";
}

/* ---- reads and writes with timeouts ----------------------------------- */

static int
ms_left(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - clock_mono_ms();
	return left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* The words for a link that went away, different for a cable and a
 * socket because the user's fix is different. */
static ssize_t
link_gone(struct link *l, ssize_t n, int e)
{
	bool tcp = l->ops == &link_tcp_ops;

	if (tcp && n < 0 && e == ECONNRESET)
		link_seterr(l, "%s: connection reset by peer (gateway restarted, or "
		    "another client took it?)", l->spec);
	else if (tcp && n < 0 && e == ETIMEDOUT)
		link_seterr(l, "%s: connection timed out (gateway unreachable)", l->spec);
	else if (tcp)
		link_seterr(l, "%s: connection closed by the gateway", l->spec);
	else if (n == 0 || e == EIO || e == ENXIO || e == ENODEV || e == EAGAIN)
		link_seterr(l, "%s: device disconnected (unplugged?)", l->spec);
	else
		link_seterr(l, "%s: read: %s", l->spec, strerror(e));
	return PT_ERR_CLOSED;
}

ssize_t
link_fd_read(struct link *l, void *buf, size_t len, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : clock_mono_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = l->fd, .events = POLLIN };
		ssize_t n;
		int rc = poll(&p, 1, ms_left(deadline));

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			link_seterr(l, "%s: poll: %s", l->spec, strerror(errno));
			return PT_ERR_IO;
		}
		if (rc == 0)
			return 0;
		n = read(l->fd, buf, len);
		if (n > 0)
			return n;
		/* Readable with nothing to read, yet not hung up: spurious. */
		if (n < 0 && (errno == EAGAIN || errno == EINTR) &&
		    (p.revents & (POLLHUP | POLLERR)) == 0) {
			if (ms_left(deadline) == 0)
				return 0;
			continue;
		}
		/* EOF after POLLIN/POLLHUP, EIO, ENXIO: cable, adapter or peer
		 * is gone.  Reading on would only spin. */
		return link_gone(l, n, n < 0 ? errno : 0);
	}
}

int
link_fd_write(struct link *l, const void *buf, size_t len, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : clock_mono_ms() + timeout_ms;
	const char *p = buf;
	/* A command fits the output buffer nearly always: write at once,
	 * and wait for room only when there was none. */
	bool full = false;

	while (len > 0) {
		ssize_t n;

		if (full) {
			struct pollfd pf = { .fd = l->fd, .events = POLLOUT };
			int rc = poll(&pf, 1, ms_left(deadline));

			if (rc < 0 && errno == EINTR)
				continue;
			if (rc < 0) {
				link_seterr(l, "%s: poll: %s", l->spec, strerror(errno));
				return PT_ERR_IO;
			}
			if (rc == 0) {
				link_seterr(l, "%s: write timed out (nobody reading: flow "
				    "control, wrong port or a stalled gateway?)", l->spec);
				return PT_ERR_TIMEOUT;
			}
		}
		/* MSG_NOSIGNAL: a dropped gateway is an error, not SIGPIPE. */
		if (l->ops == &link_tcp_ops)
			n = send(l->fd, p, len, MSG_NOSIGNAL);
		else
			n = write(l->fd, p, len);
		full = n < 0 && errno == EAGAIN;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno == EIO || errno == ENXIO || errno == ENODEV ||
			    errno == EPIPE || errno == ECONNRESET || errno == ETIMEDOUT)
				return (int)link_gone(l, -1, errno);
			link_seterr(l, "%s: write: %s", l->spec, strerror(errno));
			return PT_ERR_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- the exclusive lock, and who holds it ----------------------------- */

/* The process holding a flock on the device, from /proc/locks: exact,
 * even when others (a simulator keeping its pty open) have it open too. */
static pid_t
lock_holder(const struct stat *st)
{
	char line[256];
	FILE *f;
	pid_t found = 0;

	if ((f = fopen("/proc/locks", "re")) == NULL)
		return 0;
	while (found == 0 && fgets(line, sizeof line, f) != NULL) {
		unsigned maj, min;
		unsigned long ino;
		int pid;
		char kind[16];

		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%lu", kind, &pid, &maj,
		    &min, &ino) == 5 && strcmp(kind, "FLOCK") == 0 &&
		    ino == st->st_ino && makedev(maj, min) == st->st_dev && pid > 0)
			found = (pid_t)pid;
	}
	fclose(f);
	return found;
}

/* Is `pid` the creator of the pty `pts` (it holds the master side)?
 * Linux 4.14+ names the pty of a ptmx descriptor in fdinfo "tty-index";
 * without it any ptmx holder may be the creator: not blamed. */
static bool
holds_master(pid_t pid, const char *fd, int pts)
{
	char path[96], line[128];
	FILE *f;
	int idx = -1;

	snprintf(path, sizeof path, "/proc/%d/fdinfo/%s", (int)pid, fd);
	if ((f = fopen(path, "re")) == NULL)
		return true;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "tty-index: %d", &idx) == 1)
			break;
	fclose(f);
	return idx < 0 || idx == pts;
}

/* Does `pid` have the device open other than as the creator of its pty?
 * Each descriptor's target is compared by device number, not by name:
 * /dev/serial/by-id and other aliases of one node agree there.  A child
 * that inherited the creator's master counts as the creator too. */
static bool
pid_reads_device(pid_t pid, const struct stat *dev, int pts)
{
	char dir[64], fdpath[128], target[PATH_MAX];
	struct dirent *e;
	DIR *fds;
	bool opened = false, creator = false;

	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
	if ((fds = opendir(dir)) == NULL)
		return false;	/* gone, or another user's (not root) */
	while ((e = readdir(fds)) != NULL) {
		struct stat st;
		ssize_t n;

		snprintf(fdpath, sizeof fdpath, "%s/%s", dir, e->d_name);
		n = readlink(fdpath, target, sizeof target - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		/* Device nodes only: a stat() of a file on a hung network
		 * mount would hang us; sockets and pipes are no ttys. */
		if (strncmp(target, "/dev/", 5) != 0)
			continue;
		if (pts >= 0 && (strcmp(target, "/dev/ptmx") == 0 ||
		    strcmp(target, "/dev/pts/ptmx") == 0))
			creator = creator || holds_master(pid, e->d_name, pts);
		else if (stat(fdpath, &st) == 0 && S_ISCHR(st.st_mode) &&
		    st.st_rdev == dev->st_rdev)
			opened = true;
	}
	closedir(fds);
	return opened && !creator;
}

/* Unix98 pty slave: its number, else -1. */
static int
pts_number(const struct stat *dev)
{
	if (!S_ISCHR(dev->st_mode) || major(dev->st_rdev) < 136 ||
	    major(dev->st_rdev) > 143)
		return -1;
	return (int)((major(dev->st_rdev) - 136) * 256 + minor(dev->st_rdev));
}

/* Another process with the device open: scan /proc/<pid>/fd.  Ourselves
 * and the program that made the pty (pylontop-sim, socat PTY keep the
 * slave open too) do not count. */
static pid_t
opener_of(const struct stat *dev)
{
	struct dirent *e;
	DIR *proc;
	pid_t found = 0, self = getpid();
	int pts = pts_number(dev);

	if ((proc = opendir("/proc")) == NULL)
		return 0;
	while (found == 0 && (e = readdir(proc)) != NULL) {
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid > 0 && pid != self && pid_reads_device(pid, dev, pts))
			found = pid;
	}
	closedir(proc);
	return found;
}

static void
comm_of(pid_t pid, char *comm, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(comm, size, "?");
	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return;
	if (fgets(comm, (int)size, f) != NULL)
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
}

/* "busy: held by PID N (name)".  Our own descriptor must be closed
 * already, so the /proc scan cannot find ourselves by mistake. */
static int
link_busy(struct link *l)
{
	struct stat st;
	char comm[64];
	pid_t pid = 0;

	if (stat(l->path, &st) == 0) {
		pid = lock_holder(&st);
		if (pid == 0)
			pid = opener_of(&st);
	}
	if (pid > 0) {
		comm_of(pid, comm, sizeof comm);
		link_seterr(l, "%s: busy: held by PID %d (%s)", l->spec, (int)pid, comm);
	} else
		link_seterr(l, "%s: busy: another program has the port open", l->spec);
	return PT_ERR_BUSY;
}

/* Our lock keeps other pylontops out, but not a program that opens the
 * port without locking (socat -u OPEN:port,rdonly, a screen left
 * running, ModemManager probing).  Two readers of one tty share its bytes
 * at random, so each answer arrives torn: we refuse, and name the other
 * reader, rather than report "no complete answer" later.  Checked after
 * taking the lock, so a pylontop that starts meanwhile waits for us. */
static int
other_reader(struct link *l, int fd)
{
	struct stat st;
	char comm[64];
	pid_t pid;

	if (fstat(fd, &st) != 0 || (pid = opener_of(&st)) == 0)
		return 0;
	comm_of(pid, comm, sizeof comm);
	link_seterr(l, "%s: busy: also open in PID %d (%s), which would take "
	    "the answers; stop it or use another port", l->spec, (int)pid, comm);
	return PT_ERR_BUSY;
}

/* The last symlink on the way from `spec` to the device, lstat'ed into
 * *lst.  false when `spec` is no symlink. */
static bool
last_symlink(const char *spec, struct stat *lst)
{
	char cur[PATH_MAX], target[PATH_MAX], next[PATH_MAX];
	bool found = false;
	int hops;

	snprintf(cur, sizeof cur, "%s", spec);
	for (hops = 0; hops < 40; hops++) {
		struct stat st;
		const char *slash;
		ssize_t n;

		if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
			break;
		*lst = st;
		found = true;
		if ((n = readlink(cur, target, sizeof target - 1)) <= 0)
			break;
		target[n] = '\0';
		slash = strrchr(cur, '/');
		if (target[0] == '/' || slash == NULL)
			snprintf(next, sizeof next, "%s", target);
		else
			snprintf(next, sizeof next, "%.*s/%s", (int)(slash - cur), cur,
			    target);
		snprintf(cur, sizeof cur, "%s", next);
	}
	return found;
}

static int
ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	return a->tv_nsec < b->tv_nsec ? -1 : a->tv_nsec > b->tv_nsec;
}

/* A symlink to /dev/pts/N (pylontop-sim --pty, socat link=) outlives its
 * maker when that is killed; the kernel then hands N to the next pty,
 * maybe someone's shell.  A pty is created before its symlink, and its
 * ctime is its creation (reads and writes change only mtime/atime), so
 * a pty younger than the link is not the one the link was made for. */
static int
stale_pty_link(struct link *l)
{
	struct stat lst, dev;

	if (stat(l->path, &dev) != 0 || pts_number(&dev) < 0 ||
	    !last_symlink(l->spec, &lst) || ts_cmp(&dev.st_ctim, &lst.st_ctim) <= 0)
		return 0;
	link_seterr(l, "%s: stale link: %s was created after it, for another "
	    "program (the one that made the link is gone); restart it or remove "
	    "the link", l->spec, l->path);
	return PT_ERR_NODEV;
}

int
link_tty_open(struct link *l)
{
	int fd, rc;

	if ((rc = stale_pty_link(l)) != 0)
		return rc;
	fd = open(l->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == EBUSY ? link_busy(l) : link_errno(l, errno);
	if (!isatty(fd)) {
		close(fd);
		return link_errno(l, ENOTTY);
	}
	/* Another error (no lock support on this file system) leaves the
	 * port usable, only unguarded. */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
		close(fd);
		return link_busy(l);
	}
	if ((rc = other_reader(l, fd)) != 0) {
		close(fd);
		return rc;
	}
	return fd;
}
