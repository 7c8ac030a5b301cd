/* link_tcp.c — serial-to-Ethernet gateways: tcp://HOST:PORT.
 *
 * No extra framing.  A connect timeout so a switched-off gateway does
 * not hold us for the kernel's two minutes of SYN retries; keepalive and
 * TCP_USER_TIMEOUT so a gateway that rebooted (half-open connection) is
 * noticed within about 25 s even when we are only listening; TCP_NODELAY
 * so a short command goes out at once. */
#include "link/link_impl.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/err.h"

#define TCP_CONNECT_MS		5000
#define TCP_KEEPIDLE_S		10
#define TCP_KEEPINTVL_S		5
#define TCP_KEEPCNT_N		3

static void
tcp_tune(int fd)
{
	int one = 1, idle = TCP_KEEPIDLE_S, intvl = TCP_KEEPINTVL_S;
	int cnt = TCP_KEEPCNT_N;
	unsigned user_ms = (TCP_KEEPIDLE_S + TCP_KEEPINTVL_S * TCP_KEEPCNT_N) * 1000;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
#ifdef TCP_USER_TIMEOUT
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_ms, sizeof user_ms);
#else
	(void)user_ms;
#endif
}

/* Returns a connected socket, or -errno. */
static int
connect_one(const struct addrinfo *ai, int64_t deadline)
{
	socklen_t len = sizeof(int);
	int fd, err = 0;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    ai->ai_protocol);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
		err = errno;
		close(fd);
		return -err;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int64_t left = deadline - clock_mono_ms();
		int rc = left > 0 ? poll(&p, 1, (int)left) : 0;

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0) {
			err = rc == 0 ? ETIMEDOUT : errno;
			close(fd);
			return -err;
		}
		break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err != 0) {
		close(fd);
		return -err;
	}
	tcp_tune(fd);
	return fd;
}

static int
tcp_fail(struct link *l, int e)
{
	switch (e) {
	case ETIMEDOUT:
		link_seterr(l, "%s: timed out connecting after %d s (is the gateway "
		    "switched on and reachable?)", l->spec, TCP_CONNECT_MS / 1000);
		return PT_ERR_TIMEOUT;
	case ECONNREFUSED:
		link_seterr(l, "%s: connection refused (is the gateway's TCP server "
		    "listening on that port?)", l->spec);
		return PT_ERR_NODEV;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
		link_seterr(l, "%s: host unreachable (check the address and the "
		    "network)", l->spec);
		return PT_ERR_NODEV;
	case EACCES:
	case EPERM:
		link_seterr(l, "%s: connection not permitted (a firewall rule?)", l->spec);
		return PT_ERR_PERM;
	default:
		link_seterr(l, "%s: cannot connect: %s", l->spec, strerror(e));
		return PT_ERR_IO;
	}
}

static int
tcp_open(struct link *l)
{
	struct addrinfo hints, *res, *ai;
	char host[256];
	const char *colon = strrchr(l->path, ':');
	int64_t deadline;
	int rc, last = ECONNREFUSED;

	snprintf(host, sizeof host, "%.*s", (int)(colon - l->path), l->path);
	if (host[0] == '[') {	/* [::1]:8899 */
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		link_seterr(l, "%s: cannot resolve host '%s': %s", l->spec, host,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return PT_ERR_NODEV;
	}
	/* One deadline for all addresses: the user waits at most 5 s. */
	deadline = clock_mono_ms() + TCP_CONNECT_MS;
	for (ai = res; ai != NULL && l->fd < 0; ai = ai->ai_next) {
		rc = connect_one(ai, deadline);
		if (rc >= 0)
			l->fd = rc;
		else
			last = -rc;
	}
	freeaddrinfo(res);
	return l->fd >= 0 ? 0 : tcp_fail(l, last);
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
