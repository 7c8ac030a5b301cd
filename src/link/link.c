/* link.c — choosing a backend, and what every descriptor-based backend
 * shares: reads and writes with poll() timeouts, unplug detection, the
 * exclusive lock and the name of whoever holds it. */
#include "link/link_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"

void
link_seterr(struct link *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->error, sizeof l->error, fmt, ap);
	va_end(ap);
}

int
link_errno(struct link *l, const char *what, int e)
{
	switch (e) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		link_seterr(l, "%s: no such device (is the adapter plugged in? try "
		    "pylontop --list-ports)", what);
		return PT_ERR_NODEV;
	case EACCES:
	case EPERM:
		link_seterr(l, "%s: permission denied (add yourself to group dialout: "
		    "sudo adduser $USER dialout, then log in again)", what);
		return PT_ERR_PERM;
	case EBUSY:
		link_seterr(l, "%s: busy: another program has the port open", what);
		return PT_ERR_BUSY;
	default:
		link_seterr(l, "%s: %s", what, strerror(e));
		return PT_ERR_IO;
	}
}

static bool
is_pty(const char *path)
{
	struct stat st;

	if (strncmp(path, "/dev/pts/", 9) == 0 || strcmp(path, "/dev/ptmx") == 0)
		return true;
	/* Unix98 pty slaves: majors 136-143. */
	return stat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
	    major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143;
}

int
link_init(struct link *l, const char *spec, int baud)
{
	char real[PATH_MAX];

	memset(l, 0, sizeof *l);
	l->fd = -1;
	l->baud = baud;
	snprintf(l->spec, sizeof l->spec, "%s", spec);
	if (strncmp(spec, "tcp://", 6) == 0) {
		const char *colon = strrchr(spec + 6, ':');
		char *end;
		long port;

		if (colon == NULL || colon == spec + 6 || colon[1] == '\0') {
			link_seterr(l, "%s: expected tcp://HOST:PORT", spec);
			return PT_ERR_ARG;
		}
		port = strtol(colon + 1, &end, 10);
		if (*end != '\0' || port < 1 || port > 65535) {
			link_seterr(l, "%s: '%s' is not a TCP port (1 to 65535)", spec, colon + 1);
			return PT_ERR_ARG;
		}
		snprintf(l->path, sizeof l->path, "%s", spec + 6);
		l->ops = &link_tcp_ops;
		return 0;
	}
	if (strncmp(spec, "replay:", 7) == 0) {
		snprintf(l->path, sizeof l->path, "%s", spec + 7);
		l->ops = &link_replay_ops;
		return 0;
	}
	if (spec[0] == '\0') {
		link_seterr(l, "no device given");
		return PT_ERR_ARG;
	}
	/* /dev/serial/by-id/... are symlinks: libserialport 0.1.1 wants the
	 * real node.  A missing path is reported when opening. */
	if (realpath(spec, real) != NULL)
		snprintf(l->path, sizeof l->path, "%s", real);
	else
		snprintf(l->path, sizeof l->path, "%s", spec);
	l->ops = is_pty(l->path) ? &link_pty_ops : &link_serial_ops;
	return 0;
}

int
link_open(struct link *l)
{
	char real[PATH_MAX];

	l->error[0] = '\0';
	/* The symlink may point elsewhere after a replug: resolve again. */
	if (l->ops != &link_tcp_ops && l->ops != &link_replay_ops &&
	    realpath(l->spec, real) != NULL)
		snprintf(l->path, sizeof l->path, "%s", real);
	return l->ops->open(l);
}

ssize_t
link_read(struct link *l, void *buf, size_t len, int timeout_ms)
{
	if (l->fd < 0 && l->ops != &link_replay_ops) {
		link_seterr(l, "%s: not open", l->spec);
		return PT_ERR_CLOSED;
	}
	return l->ops->read(l, buf, len, timeout_ms);
}

int
link_write(struct link *l, const void *buf, size_t len, int timeout_ms)
{
	if (l->fd < 0 && l->ops != &link_replay_ops) {
		link_seterr(l, "%s: not open", l->spec);
		return PT_ERR_CLOSED;
	}
	return l->ops->write(l, buf, len, timeout_ms);
}

int
link_set_baud(struct link *l, int baud)
{
	if (l->ops->set_baud == NULL)
		return PT_ERR_UNSUPPORTED;
	return l->ops->set_baud(l, baud);
}

int
link_drain(struct link *l, int quiet_ms, int max_ms)
{
	char junk[512];
	struct timespec t0, t;
	ssize_t n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		n = link_read(l, junk, sizeof junk, quiet_ms);
		if (n <= 0)
			return n < 0 ? (int)n : 0;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > max_ms)
			return 0;
	}
}

void
link_close(struct link *l)
{
	if (l->ops != NULL && (l->fd >= 0 || l->priv != NULL))
		l->ops->close(l);
	l->fd = -1;
}

const char *
link_error(const struct link *l)
{
	return l->error[0] ? l->error : "no error";
}

const char *
link_kind(const struct link *l)
{
	return l->ops != NULL ? l->ops->kind : "";
}

/* ---- shared by the descriptor backends -------------------------------- */

ssize_t
link_fd_read(struct link *l, void *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = l->fd, .events = POLLIN };
	ssize_t n;
	int rc;

	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return link_errno(l, l->spec, errno);
	if (rc == 0)
		return 0;
	n = read(l->fd, buf, len);
	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	/* EOF, EIO or ENXIO after POLLHUP: the cable, adapter or peer is gone. */
	link_seterr(l, "%s: %s", l->spec, n == 0 ? "closed by the other side (unplugged?)" :
	    errno == EIO || errno == ENXIO ? "device disappeared (unplugged?)" : strerror(errno));
	return PT_ERR_CLOSED;
}

int
link_fd_write(struct link *l, const void *buf, size_t len, int timeout_ms)
{
	const char *p = buf;

	while (len > 0) {
		struct pollfd pf = { .fd = l->fd, .events = POLLOUT };
		ssize_t n;
		int rc = poll(&pf, 1, timeout_ms);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0) {
			link_seterr(l, "%s: write timed out (flow control? wrong port?)", l->spec);
			return PT_ERR_TIMEOUT;
		}
		n = write(l->fd, p, len);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			link_seterr(l, "%s: %s", l->spec, errno == EIO || errno == ENXIO ||
			    errno == EPIPE ? "device disappeared (unplugged?)" : strerror(errno));
			return PT_ERR_CLOSED;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The process holding a flock on the file, from /proc/locks. */
static pid_t
lock_holder(const char *path)
{
	struct stat st;
	char line[256];
	FILE *f;
	pid_t found = 0;

	if (stat(path, &st) != 0 || (f = fopen("/proc/locks", "r")) == NULL)
		return 0;
	while (found == 0 && fgets(line, sizeof line, f) != NULL) {
		unsigned maj, min;
		unsigned long ino;
		int pid;
		char kind[16];

		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%lu", kind, &pid, &maj, &min,
		    &ino) == 5 && strcmp(kind, "FLOCK") == 0 && ino == st.st_ino &&
		    makedev(maj, min) == st.st_dev && pid != getpid())
			found = (pid_t)pid;
	}
	fclose(f);
	return found;
}

/* The process (not us) that has `path` open, for the "busy" message:
 * the one holding the lock, else any that has it open. */
static pid_t
holder_of(const char *path, char *comm, size_t size)
{
	DIR *proc;
	struct dirent *e;
	pid_t self = getpid(), found = lock_holder(path);

	if (found > 0)
		goto name;
	if ((proc = opendir("/proc")) == NULL)
		return 0;
	while (found == 0 && (e = readdir(proc)) != NULL) {
		char dir[300], link[PATH_MAX], fdpath[600];
		struct dirent *f;
		DIR *fds;
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid <= 0 || pid == self)
			continue;
		snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
		if ((fds = opendir(dir)) == NULL)
			continue;
		while ((f = readdir(fds)) != NULL) {
			ssize_t n;
			snprintf(fdpath, sizeof fdpath, "%s/%s", dir, f->d_name);
			n = readlink(fdpath, link, sizeof link - 1);
			if (n > 0) {
				link[n] = '\0';
				if (strcmp(link, path) == 0) {
					found = pid;
					break;
				}
			}
		}
		closedir(fds);
	}
	closedir(proc);
name:
	if (found > 0) {
		char cpath[64];
		FILE *fc;
		snprintf(cpath, sizeof cpath, "/proc/%d/comm", (int)found);
		comm[0] = '\0';
		if ((fc = fopen(cpath, "r")) != NULL) {
			if (fgets(comm, (int)size, fc) != NULL)
				comm[strcspn(comm, "\n")] = '\0';
			fclose(fc);
		}
	}
	return found;
}

int
link_fd_lock(struct link *l)
{
	char comm[64];
	pid_t pid;

	if (flock(l->fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return 0;	/* no flock here: nothing to say */
	pid = holder_of(l->path, comm, sizeof comm);
	if (pid > 0)
		link_seterr(l, "%s: busy: held by PID %d (%s); stop it or use another port",
		    l->spec, (int)pid, comm[0] ? comm : "?");
	else
		link_seterr(l, "%s: busy: another program holds the port", l->spec);
	return PT_ERR_BUSY;
}
