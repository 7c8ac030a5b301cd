/* link_replay.c — replay:FILE plays a recorded byte stream back, for
 * tests and for looking at a capture through the whole program.  Writes
 * are accepted and dropped; the end of the file is an unplug. */
#include "link/link_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "util/err.h"

static int
replay_open(struct link *l)
{
	l->fd = open(l->path, O_RDONLY | O_CLOEXEC);
	return l->fd < 0 ? link_errno(l, l->spec, errno) : 0;
}

static ssize_t
replay_read(struct link *l, void *buf, size_t len, int timeout_ms)
{
	ssize_t n = read(l->fd, buf, len);

	(void)timeout_ms;
	if (n > 0)
		return n;
	link_seterr(l, "%s: end of the recording", l->spec);
	return PT_ERR_CLOSED;
}

static int
replay_write(struct link *l, const void *buf, size_t len, int timeout_ms)
{
	(void)l; (void)buf; (void)len; (void)timeout_ms;
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
