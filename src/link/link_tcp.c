/* link_tcp.c — serial-to-Ethernet gateways: tcp://HOST:PORT.  No extra
 * framing; a connect timeout, keepalive to notice a dead gateway, and
 * TCP_NODELAY so one short command goes out at once. */
#include "link/link_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/err.h"

#define CONNECT_MS	5000

static int
connect_one(struct link *l, const struct addrinfo *ai)
{
	struct pollfd p;
	socklen_t len = sizeof(int);
	int fd, err = 0, one = 1, idle = 10, intvl = 5, cnt = 3;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    ai->ai_protocol);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
		err = errno;
		close(fd);
		return -err;
	}
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, CONNECT_MS) == 0) {
		close(fd);
		return -ETIMEDOUT;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err != 0) {
		close(fd);
		return -err;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
	l->fd = fd;
	return 0;
}

static int
tcp_open(struct link *l)
{
	struct addrinfo hints, *res, *ai;
	char host[256];
	const char *colon = strrchr(l->path, ':');
	int rc, last = ECONNREFUSED;

	snprintf(host, sizeof host, "%.*s", (int)(colon - l->path), l->path);
	if (host[0] == '[') {	/* [::1] */
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		link_seterr(l, "%s: cannot resolve '%s': %s", l->spec, host, gai_strerror(rc));
		return PT_ERR_NODEV;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		rc = connect_one(l, ai);
		if (rc == 0)
			break;
		last = -rc;
	}
	freeaddrinfo(res);
	if (l->fd >= 0)
		return 0;
	if (last == ETIMEDOUT)
		link_seterr(l, "%s: timed out connecting (is the gateway reachable?)", l->spec);
	else if (last == ECONNREFUSED)
		link_seterr(l, "%s: connection refused (is the gateway's TCP server on "
		    "that port?)", l->spec);
	else
		link_seterr(l, "%s: %s", l->spec, strerror(last));
	return last == ETIMEDOUT ? PT_ERR_TIMEOUT : PT_ERR_NODEV;
}

static void
tcp_close(struct link *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

const struct link_ops link_tcp_ops = {
	.kind = "tcp",
	.open = tcp_open,
	.read = link_fd_read,
	.write = link_fd_write,
	.set_baud = NULL,
	.close = tcp_close,
};
