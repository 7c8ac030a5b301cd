/* metrics_http.c — serve metrics_render() at /metrics with libmicrohttpd.
 *
 * One internal polling thread of libmicrohttpd answers every scrape; it
 * copies the link counters, the newest sample and the latched alarms
 * through the monitor's locked snapshot functions and renders them.  It
 * never waits on the device: a scrape during a slow poll still answers at
 * once, with the sample's age.  The listening socket is made here, so a
 * port in use or a bad address gets a precise one-line error.
 *
 * libmicrohttpd is opened with dlopen() when a server starts, not linked:
 * linked, it and its TLS stack (GnuTLS, nettle, gmp, p11-kit, libunistring)
 * were 2.4 MiB resident in every pylontop, --metrics or not (issue 12).
 * configure still finds its header and checks its version; a machine
 * without the library gets a one-line error when --metrics is asked for. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "export/metrics.h"

#ifdef HAVE_METRICS

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/monitor.h"
#include "util/clock.h"

#define METRICS_MAX_ALARMS	512	/* alarms.c keeps at most this many latched */
#define METRICS_CONN_LIMIT	16	/* scrapers at once; more wait */
#define METRICS_CONN_TIMEOUT_S	10	/* an idle keep-alive connection is closed */
#define METRICS_BACKLOG		16
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
/* The ABI of the header configure checked (>= 0.9.71) is soname 12. */
#define MHD_SONAME		"libmicrohttpd.so.12"
#define MHD_PACKAGE		"libmicrohttpd12"

/* The functions used, typed by the header's own prototypes. */
static struct {
	__typeof__(MHD_start_daemon)			*start_daemon;
	__typeof__(MHD_stop_daemon)			*stop_daemon;
	__typeof__(MHD_create_response_from_buffer)	*create_response_from_buffer;
	__typeof__(MHD_add_response_header)		*add_response_header;
	__typeof__(MHD_queue_response)			*queue_response;
	__typeof__(MHD_destroy_response)		*destroy_response;
} mhd;

static const struct {
	const char	*name;
	void		**slot;
} mhd_symbols[] = {
	{ .name = "MHD_start_daemon", .slot = (void **)&mhd.start_daemon },
	{ .name = "MHD_stop_daemon", .slot = (void **)&mhd.stop_daemon },
	{ .name = "MHD_create_response_from_buffer",
	  .slot = (void **)&mhd.create_response_from_buffer },
	{ .name = "MHD_add_response_header", .slot = (void **)&mhd.add_response_header },
	{ .name = "MHD_queue_response", .slot = (void **)&mhd.queue_response },
	{ .name = "MHD_destroy_response", .slot = (void **)&mhd.destroy_response },
};

/* Open libmicrohttpd once (servers start from the main thread only); it
 * stays loaded.  0, or -1 with the reason in err. */
static int
mhd_load(char *err, size_t errsize)
{
	void *lib;

	if (mhd.start_daemon != NULL)
		return 0;
	if ((lib = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errsize, "--metrics needs %s: apt install %s", MHD_PACKAGE,
		    MHD_PACKAGE);
		return -1;
	}
	for (size_t i = 0; i < sizeof mhd_symbols / sizeof mhd_symbols[0]; i++) {
		if ((*mhd_symbols[i].slot = dlsym(lib, mhd_symbols[i].name)) == NULL) {
			snprintf(err, errsize, "--metrics: %s has no %s: install %s >= 0.9.71",
			    MHD_SONAME, mhd_symbols[i].name, MHD_PACKAGE);
			mhd.start_daemon = NULL;
			return -1;
		}
	}
	return 0;
}

/* One stack's monitor and, for one scrape, its copied snapshots. */
struct metrics_stack {
	struct monitor		*mon;
	char			name[256];
	/* Scratch for one scrape: only the one polling thread uses it. */
	struct pt_sample	sample;
	struct link_stats	link;
	struct alarm_state	alarms[METRICS_MAX_ALARMS];
};

struct metrics_server {
	struct MHD_Daemon	*daemon;
	int			n;
	struct metrics_stack	*stacks;	/* [n] */
	struct metrics_input	in[METRICS_STACKS_MAX];
};

static struct MHD_Response *
text_response(const char *text)
{
	struct MHD_Response *r = mhd.create_response_from_buffer(strlen(text), (void *)text,
	    MHD_RESPMEM_PERSISTENT);

	if (r != NULL)
		mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	return r;
}

static enum MHD_Result
queue_text(struct MHD_Connection *c, unsigned int status, const char *text)
{
	struct MHD_Response *r = text_response(text);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		mhd.add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = mhd.queue_response(c, status, r);
	mhd.destroy_response(r);
	return rc;
}

/* Copy one stack's snapshots into its scratch. */
static void
snapshot(struct metrics_stack *st, struct metrics_input *in, int64_t now_ms)
{
	*in = (struct metrics_input){ .stack = st->name, .link = &st->link,
	    .alarms = st->alarms, .now_ms = now_ms };
	monitor_link_stats(st->mon, &st->link);
	if (history_latest(monitor_history(st->mon), &st->sample))
		in->sample = &st->sample;
	in->n_alarms = alarm_engine_active(monitor_alarms(st->mon), st->alarms,
	    METRICS_MAX_ALARMS);
}

/* Copy the snapshots and render them into a buffer libmicrohttpd frees. */
static enum MHD_Result
queue_metrics(struct metrics_server *s, struct MHD_Connection *c)
{
	struct metrics_buf b = { 0 };
	struct MHD_Response *r;
	enum MHD_Result rc;
	int64_t now_ms = clock_wall_ms();	/* one "now" for every stack's ages */

	for (int i = 0; i < s->n; i++)
		snapshot(&s->stacks[i], &s->in[i], now_ms);
	if (metrics_render_stacks(s->in, (size_t)s->n, &b) != 0) {
		metrics_buf_free(&b);
		return queue_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	r = mhd.create_response_from_buffer(b.len, b.p, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		metrics_buf_free(&b);
		return MHD_NO;
	}
	mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CONTENT_TYPE);
	rc = mhd.queue_response(c, MHD_HTTP_OK, r);
	mhd.destroy_response(r);
	return rc;
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return queue_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
	if (strcmp(url, "/metrics") == 0)
		return queue_metrics(cls, c);
	if (strcmp(url, "/") == 0)
		return queue_text(c, MHD_HTTP_OK, "pylontop: the metrics are at /metrics\n");
	return queue_text(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
}

/* A listening TCP socket on addr:port, or -1 with the reason in err. */
static int
listen_on(const char *addr, int port, char *err, size_t errsize)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
	    .sin6_port = htons((uint16_t)port) };
	struct sockaddr *sa;
	socklen_t len;
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &a4.sin_addr) == 1) {
		sa = (struct sockaddr *)&a4;
		len = sizeof a4;
	} else if (inet_pton(AF_INET6, addr, &a6.sin6_addr) == 1) {
		sa = (struct sockaddr *)&a6;
		len = sizeof a6;
	} else {
		snprintf(err, errsize, "metrics: '%s' is not an IPv4 or IPv6 address "
		    "(METRICS_LISTEN / --metrics [ADDR:]PORT)", addr);
		return -1;
	}
	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errsize, "metrics: socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, sa, len) != 0 || listen(fd, METRICS_BACKLOG) != 0) {
		snprintf(err, errsize, "metrics: cannot listen on %s%s%s:%d: %s (choose another "
		    "port with --metrics or METRICS_LISTEN)", sa->sa_family == AF_INET6 ? "[" : "",
		    addr, sa->sa_family == AF_INET6 ? "]" : "", port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
server_free(struct metrics_server *s)
{
	free(s->stacks);
	free(s);
}

struct metrics_server *
metrics_server_start_stacks(struct monitor *const *m, const char *const *stack, int n,
    const char *addr, int port, char *err, size_t errsize)
{
	struct metrics_server *s;
	int fd;

	if (n < 1 || n > METRICS_STACKS_MAX) {
		snprintf(err, errsize, "metrics: %d stacks; one server serves 1 to %d", n,
		    METRICS_STACKS_MAX);
		return NULL;
	}
	if (mhd_load(err, errsize) != 0 || (fd = listen_on(addr, port, err, errsize)) < 0)
		return NULL;
	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->stacks = calloc((size_t)n, sizeof *s->stacks)) == NULL) {
		snprintf(err, errsize, "metrics: out of memory");
		free(s);
		close(fd);
		return NULL;
	}
	s->n = n;
	for (int i = 0; i < n; i++) {
		s->stacks[i].mon = m[i];
		snprintf(s->stacks[i].name, sizeof s->stacks[i].name, "%s", stack[i]);
	}
	s->daemon = mhd.start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
	    0, NULL, NULL, answer, s,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONN_LIMIT,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_CONN_TIMEOUT_S,
	    MHD_OPTION_END);
	if (s->daemon == NULL) {
		snprintf(err, errsize, "metrics: libmicrohttpd could not start its thread");
		close(fd);
		server_free(s);
		return NULL;
	}
	return s;
}

struct metrics_server *
metrics_server_start(struct monitor *m, const char *stack, const char *addr, int port,
    char *err, size_t errsize)
{
	return metrics_server_start_stacks(&m, &stack, 1, addr, port, err, errsize);
}

void
metrics_server_stop(struct metrics_server *s)
{
	if (s == NULL)
		return;
	mhd.stop_daemon(s->daemon);	/* joins the thread, closes the sockets */
	server_free(s);
}

#else	/* !HAVE_METRICS */

struct metrics_server *
metrics_server_start_stacks(struct monitor *const *m, const char *const *stack, int n,
    const char *addr, int port, char *err, size_t errsize)
{
	(void)m;
	(void)stack;
	(void)n;
	return metrics_server_start(NULL, NULL, addr, port, err, errsize);
}

struct metrics_server *
metrics_server_start(struct monitor *m, const char *stack, const char *addr, int port,
    char *err, size_t errsize)
{
	(void)m;
	(void)stack;
	(void)addr;
	(void)port;
	snprintf(err, errsize, "metrics: this build has no metrics server (configured "
	    "--without-metrics); install libmicrohttpd-dev and rebuild");
	return NULL;
}

void
metrics_server_stop(struct metrics_server *s)
{
	(void)s;
}

#endif
