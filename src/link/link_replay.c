/* link_replay.c — replay:FILE plays a recorded byte stream back, for
 * tests and for looking at a capture through the whole program.  Writes
 * are accepted and dropped; the end of the recording is an unplug
 * (PT_ERR_CLOSED), so the caller's reconnect path runs as it would on a
 * real cable. */
#include "link/link_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"

static int
replay_open(struct link *l)
{
	l->fd = open(l->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (l->fd < 0) {
		link_seterr(l, "%s: cannot open the recording: %s", l->spec,
		    strerror(errno));
		return errno == ENOENT ? PT_ERR_NODEV : errno == EACCES ?
		    PT_ERR_PERM : PT_ERR_IO;
	}
	return 0;
}

static ssize_t
replay_read(struct link *l, void *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = l->fd, .events = POLLIN };
	ssize_t n;
	int rc;

	/* A regular file is always readable; a FIFO may make us wait. */
	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return 0;
	do
		n = read(l->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return n;
	if (n < 0) {
		link_seterr(l, "%s: cannot read the recording: %s", l->spec,
		    strerror(errno));
		return PT_ERR_IO;
	}
	link_seterr(l, "%s: end of the recording", l->spec);
	return PT_ERR_CLOSED;
}

static int
replay_write(struct link *l, const void *buf, size_t len, int timeout_ms)
{
	(void)l;
	(void)buf;
	(void)len;
	(void)timeout_ms;
	return 0;
}

static void
replay_close(struct link *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

const struct link_ops link_replay_ops = {
	.kind = "replay",
	.open = replay_open,
	.read = replay_read,
	.write = replay_write,
	.set_baud = NULL,
	.close = replay_close,
};
