/* probe.c — pylontop --probe: the connection doctor.
 *
 * For each port, what a technician would try, read-only and bounded in
 * time: an empty line to the console at 115200 and at 9600, then the
 * RS485 analog request (0x42, from the read-only table, through the
 * encoder that refuses anything else) at 9600, 19200 and 115200 in each
 * dialect, and last the 1200-baud console wake-up (docs/console.md §1.1; it
 * comes last because on an RS485 bus it is a frame some packs would not
 * ignore).  A short look first ("is anybody there, and what does it
 * say?"); when a prompt or a frame comes, the session's own identify()
 * runs over the link at that speed and one slow poll names the modules
 * and the firmware: no protocol code of its own here.
 *
 * Ports are probed at the same time, each in a child process with its
 * own deadline, so a silent port costs its budget once, not once per
 * port.  A port another program holds is named (the link layer finds
 * the holder) and not touched. */
#include "autoconfig.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/probe.h"
#include "core/session.h"
#include "link/link.h"
#include "proto/console_frame.h"
#include "proto/rs485.h"
#include "util/clock.h"
#include "util/err.h"

#define PORT_BUDGET_S	8	/* a port's probe stops itself after this */
#define KILL_AFTER_MS	((PORT_BUDGET_S + 2) * 1000)	/* then it is killed */
#define CONSOLE_LOOK_MS	500	/* an empty line is answered at once */
#define RS485_LOOK_MS	400	/* a 0x42 reply at 9600 takes ~200 ms */
#define LOOK_STEP_MS	50
#define HEARD_MAX	2048
#define VERDICT_MAX	768

static const int console_bauds[] = { 115200, 9600 };
static const int rs485_bauds[] = { 9600, 19200, 115200 };
static const enum rs485_dialect rs485_dialects[] = { RS_PYLONTECH, RS_PACE, RS_SEPLOS };

#define N_OF(a)	(sizeof (a) / sizeof (a)[0])

/* What came back after one thing was sent. */
enum heard {
	HEARD_NOTHING,
	HEARD_ECHO,	/* only what we sent */
	HEARD_BYTES,	/* something, but no prompt / no good frame */
	HEARD_PROMPT,	/* a console prompt */
	HEARD_FRAME,	/* a good "~" frame that is not our own */
	HEARD_LOST,	/* the link failed */
};

/* The two kinds of device the probe looks for. */
enum kind { KIND_CONSOLE, KIND_RS485, KIND_COUNT };

static const struct kind_info {
	const char	*name;		/* in the verdict */
	const char	*protocol;	/* identify()'s, once it answered */
	enum heard	 answer;	/* what such a device answers */
	int		 look_ms;
	const int	*bauds;		/* the speeds tried, in their order */
	size_t		 n_bauds;
} kinds[KIND_COUNT] = {
	[KIND_CONSOLE] = { .name = "console", .protocol = "auto", .answer = HEARD_PROMPT,
	    .look_ms = CONSOLE_LOOK_MS, .bauds = console_bauds, .n_bauds = N_OF(console_bauds) },
	[KIND_RS485] = { .name = "RS485", .protocol = "rs485", .answer = HEARD_FRAME,
	    .look_ms = RS485_LOOK_MS, .bauds = rs485_bauds, .n_bauds = N_OF(rs485_bauds) },
};

struct probe {
	struct link	 link;
	struct pt_config cfg;
	atomic_int	*stop;
	int		 baud;		/* the speed of the current look */
	bool		 echo;		/* an echo was seen */
	unsigned	 bytes[KIND_COUNT];	/* bit i: bytes without sense at kinds[].bauds[i] */
	char		 why[320];	/* a prompt or frame, but identify() failed */
	struct rs485_frame frame;	/* the last frame heard */
};

static atomic_int probe_stop;

static void
on_alarm(int sig)
{
	(void)sig;
	probe_stop = 1;
}

/* The bit of `baud` in a table of speeds. */
static unsigned
speed_bit(const int *bauds, size_t n, int baud)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (bauds[i] == baud)
			return 1u << i;
	return 0;
}

/* "console 115200/9600, RS485 9600/19200" from the bits. */
static void
speeds_text(const struct probe *p, char *out, size_t size)
{
	size_t k, i, used = 0;

	out[0] = '\0';
	for (k = 0; k < KIND_COUNT; k++) {
		const char *sep = used > 0 ? ", " : "";

		for (i = 0; i < kinds[k].n_bauds && used < size; i++) {
			if ((p->bytes[k] & (1u << i)) == 0)
				continue;
			used += (size_t)snprintf(out + used, size - used, "%s%s%s%d",
			    sep, sep[0] == '/' ? "" : kinds[k].name, sep[0] == '/' ? "" : " ",
			    kinds[k].bauds[i]);
			sep = "/";
		}
	}
}

/* Send `out` and listen for up to `wait_ms`: what came back, besides an
 * echo of what was sent (half-duplex adapters and bridged wires). */
static enum heard
look(struct probe *p, const char *out, size_t out_len, bool rs485, int wait_ms)
{
	char buf[HEARD_MAX + 1];
	size_t len = 0, echo = 0, start, flen;
	int64_t end;
	struct pt_diag d;

	while (link_read(&p->link, buf, sizeof buf - 1, 0) > 0)
		;			/* old bytes are not an answer */
	if (link_write(&p->link, out, out_len, 1000) != 0)
		return HEARD_LOST;
	end = clock_mono_ms() + wait_ms;
	while (clock_mono_ms() < end && !*p->stop && len < HEARD_MAX) {
		ssize_t n = link_read(&p->link, buf + len, HEARD_MAX - len, LOOK_STEP_MS);

		if (n < 0)
			return HEARD_LOST;
		len += (size_t)n;
		/* The leading part equal to what we sent is an echo. */
		echo = len < out_len ? len : out_len;
		if (memcmp(buf, out, echo) != 0)
			echo = 0;
		if (!rs485 && console_prompt_at_end(buf + echo, len - echo) != CP_NONE)
			return HEARD_PROMPT;
		if (rs485 && rs485_find_frame(buf + echo, len - echo, &start, &flen)) {
			pt_diag_clear(&d);
			if (rs485_decode(buf + echo + start, flen, &p->frame, &d) == 0)
				return HEARD_FRAME;
		}
	}
	if (len == 0)
		return HEARD_NOTHING;
	if (echo == len) {
		p->echo = true;
		return HEARD_ECHO;
	}
	return HEARD_BYTES;
}

/* A TCP gateway has its own speed: the tries run over it unchanged. */
static int
set_speed(struct probe *p, int baud)
{
	p->baud = baud;
	p->link.baud = baud;
	if (p->link.ops->set_baud == NULL)
		return 0;
	return link_set_baud(&p->link, baud);
}

/* "115200 8N1", or "via TCP" where the gateway sets the speed. */
static void
speed_words(const struct link *l, int baud, char *out, size_t size)
{
	if (l->ops->set_baud == NULL)
		snprintf(out, size, "via %s", strcmp(link_kind(l), "tcp") == 0 ? "TCP" :
		    link_kind(l));
	else
		snprintf(out, size, "%d 8N1", baud);
}

/* "Pylontech LV console, 115200 8N1, 4 modules, firmware B69.25". */
static void
describe(const struct session *s, const struct pt_sample *smp, bool polled, int baud,
    char *out, size_t size)
{
	char name[64], speed[32];
	const char *fw = "";
	bool rs485 = strcmp(s->protocol, "rs485") == 0;

	if (rs485)
		snprintf(name, sizeof name, "%.*s (%s dialect)", (int)strcspn(s->model, ","),
		    s->model, s->dialect);
	else if (strcmp(s->protocol, "lv") == 0)
		snprintf(name, sizeof name, "%s LV console",
		    strstr(s->model, "Pytes") != NULL ? "Pytes" : "Pylontech");
	else
		snprintf(name, sizeof name, "Pylontech HV console (%s)", s->model);
	if (polled)
		fw = smp->stack.firmware[0] != '\0' ? smp->stack.firmware :
		    smp->n_modules > 0 ? smp->modules[0].firmware : "";
	speed_words(s->link, baud, speed, sizeof speed);
	snprintf(out, size, "%s, %s, %d %s%s, firmware %s", name, speed, s->modules,
	    rs485 ? "pack" : "module", s->modules == 1 ? "" : "s",
	    fw[0] != '\0' ? fw : "unknown");
}

/* A prompt or a frame came: let the session identify what is there.
 * 1 found (verdict in out), 0 not (p->why says what failed), < 0 the
 * link failed. */
static int
identify(struct probe *p, const char *protocol, char *out, size_t size)
{
	struct pt_config cfg = p->cfg;
	struct session *s;
	struct pt_sample *smp;
	int rc, found = 0;
	char what[96];

	snprintf(cfg.protocol, sizeof cfg.protocol, "%s", protocol);
	snprintf(cfg.dialect, sizeof cfg.dialect, "auto");
	cfg.baud = p->baud;
	cfg.force_tbar = false;
	if ((smp = malloc(sizeof *smp)) == NULL)
		return PT_ERR_NOMEM;
	if ((s = session_new(&cfg, &p->link, p->stop)) == NULL) {
		free(smp);
		return PT_ERR_NOMEM;
	}
	rc = s->ops->identify(s);
	if (rc == 0) {
		/* Identity and firmware come with a slow poll; the deadline
		 * may cut it short: then the firmware is unknown, not guessed. */
		pt_sample_init(smp, s->protocol);
		describe(s, smp, s->ops->poll(s, smp, true) == 0, p->baud, out, size);
		found = 1;
	} else {
		if (strcmp(protocol, "rs485") == 0)
			snprintf(what, sizeof what, "RS485 frames from ADR %02X at %d baud",
			    p->frame.adr, p->baud);
		else
			snprintf(what, sizeof what, "a console prompt at %d baud", p->baud);
		if (p->why[0] == '\0')
			snprintf(p->why, sizeof p->why, "%s, but %s", what,
			    s->error[0] != '\0' ? s->error : pt_strerror(rc));
		found = rc == PT_ERR_CLOSED && !*p->stop ? rc : 0;
	}
	session_free(s);
	free(smp);
	return found;
}

/* Send `req` and look for a device of that kind: identify it when it
 * answers, note bytes without sense at this speed for the verdict. */
static int
try_kind(struct probe *p, enum kind k, const char *req, size_t len, char *out, size_t size)
{
	const struct kind_info *ki = &kinds[k];
	enum heard heard = look(p, req, len, k == KIND_RS485, ki->look_ms);

	if (heard == ki->answer)
		return identify(p, ki->protocol, out, size);
	if (heard == HEARD_BYTES)
		p->bytes[k] |= speed_bit(ki->bauds, ki->n_bauds, p->baud);
	return heard == HEARD_LOST ? PT_ERR_CLOSED : 0;
}

static int
try_console(struct probe *p, char *out, size_t size)
{
	char line[8];

	snprintf(line, sizeof line, "%s", p->cfg.eol);
	return try_kind(p, KIND_CONSOLE, line, strlen(line), out, size);
}

static int
try_rs485(struct probe *p, enum rs485_dialect dl, char *out, size_t size)
{
	const struct rs485_dialect_info *info = rs485_dialect_info(dl);
	uint8_t adr = info->first_pack;
	char req[64];
	int n;

	/* The encoder refuses anything that is not a read-only command. */
	n = rs485_encode(req, sizeof req, info->ver, adr, RS485_CID1_BATTERY, 0x42, &adr, 1);
	if (n < 0)
		return n;
	return try_kind(p, KIND_RS485, req, (size_t)n, out, size);
}

/* The tries in their order; 1 found, 0 not, < 0 the link failed. */
static int
probe_link(struct probe *p, char *out, size_t size)
{
	size_t i, k;
	int rc;

	for (i = 0; i < N_OF(console_bauds); i++) {
		if (*p->stop || set_speed(p, console_bauds[i]) != 0)
			return 0;
		if ((rc = try_console(p, out, size)) != 0)
			return rc;
	}
	for (i = 0; i < N_OF(rs485_bauds); i++) {
		if (*p->stop || set_speed(p, rs485_bauds[i]) != 0)
			return 0;
		for (k = 0; k < N_OF(rs485_dialects); k++) {
			if (*p->stop)
				return 0;
			if ((rc = try_rs485(p, rs485_dialects[k], out, size)) != 0)
				return rc;
		}
	}
	/* Last resort: an LV console asleep after a full power-off. */
	if (*p->stop || set_speed(p, 115200) != 0)
		return 0;
	if (console_send_wake(&p->link, p->stop) != 0)
		return 0;
	return try_console(p, out, size);
}

/* When nothing was found: what was heard, and the likely cause. */
static void
explain(const struct probe *p, char *out, size_t size)
{
	char at[160];

	speeds_text(p, at, sizeof at);
	if (p->why[0] != '\0')
		snprintf(out, size, "no battery identified: %s", p->why);
	else if (at[0] != '\0')
		snprintf(out, size, "bytes but no prompt and no valid frame (at %s): another "
		    "speed, a damaged line, or not a battery port?", at);
	else if (p->echo)
		snprintf(out, size, "echo only: everything sent came back and nothing "
		    "else: RX and TX bridged (a loopback, or an RS485 adapter with no "
		    "battery on the bus)?");
	else
		snprintf(out, size, "nothing received (tried console 115200 and 9600, "
		    "RS485 9600/19200/115200 as pylontech, pace and seplos, then the "
		    "1200-baud console wake-up): check the cable (Console or RS485 "
		    "port?), the adapter and that the battery is on");
	if (*p->stop && strlen(out) + 40 < size)
		snprintf(out + strlen(out), size - strlen(out), " (stopped after %d s, "
		    "not every try was made)", PORT_BUDGET_S);
}

/* The error of the link without its leading "<spec>: ". */
static const char *
link_words(const struct link *l)
{
	const char *e = link_error(l);
	size_t n = strlen(l->spec);

	return strncmp(e, l->spec, n) == 0 && strncmp(e + n, ": ", 2) == 0 ? e + n + 2 : e;
}

/* One port, in the child: the verdict into `out`; 1 found, 0 not. */
static int
probe_port(const struct app_options *o, const char *spec, char *out, size_t size)
{
	struct probe *p = calloc(1, sizeof *p);
	int rc;

	if (p == NULL) {
		snprintf(out, size, "out of memory");
		return 0;
	}
	p->cfg = o->cfg;
	p->stop = &probe_stop;
	if (link_init(&p->link, spec, 115200) != 0 || link_open(&p->link) != 0) {
		rc = strstr(link_error(&p->link), "busy") != NULL;
		snprintf(out, size, "%s%s", link_words(&p->link), rc ? "; not probed" : "");
		free(p);
		return 0;
	}
	rc = probe_link(p, out, size);
	if (rc < 0)
		snprintf(out, size, "lost during the probe: %s", link_words(&p->link));
	else if (rc == 0)
		explain(p, out, size);
	link_close(&p->link);
	free(p);
	return rc > 0;
}

/* "(FTDI FT232R USB UART, serial A10K3XYZ)" from the port list, or
 * "(pty /dev/pts/4)" for what the list does not know. */
static void
port_label(const char *spec, const struct link_port *ports, int n, char *out, size_t size)
{
	char real[PATH_MAX];
	const char *path = realpath(spec, real) != NULL ? real : spec;
	int i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		const struct link_port *pt = &ports[i];

		if (strcmp(pt->path, path) != 0 && strcmp(pt->path, spec) != 0)
			continue;
		if (pt->usb)
			snprintf(out, size, " (%s%s%s, serial %s)", pt->maker,
			    pt->maker[0] != '\0' && pt->product[0] != '\0' ? " " : "",
			    pt->product[0] != '\0' || pt->maker[0] != '\0' ? pt->product : "USB",
			    pt->serial[0] != '\0' ? pt->serial : "none");
		else
			snprintf(out, size, " (%s)", pt->about[0] != '\0' ? pt->about : "native");
		return;
	}
	if (strncmp(path, "/dev/pts/", 9) == 0)
		snprintf(out, size, strcmp(path, spec) != 0 ? " (pty %s)" : " (pty)", path);
}

struct child {
	pid_t	pid;
	int	fd;
	char	verdict[VERDICT_MAX];
	size_t	len;
	bool	done;
};

static pid_t
start_child(const struct app_options *o, const char *spec, int *fd)
{
	int pv[2];
	pid_t pid;

	if (pipe(pv) != 0)
		return -1;
	fflush(NULL);
	if ((pid = fork()) < 0) {
		close(pv[0]);
		close(pv[1]);
		return -1;
	}
	if (pid == 0) {
		char out[VERDICT_MAX];
		struct sigaction sa = { .sa_handler = on_alarm };
		int found;

		close(pv[0]);
		sigaction(SIGALRM, &sa, NULL);
		alarm(PORT_BUDGET_S);
		found = probe_port(o, spec, out, sizeof out);
		if (write(pv[1], out, strlen(out)) < 0)
			_exit(2);
		_exit(found ? 0 : 1);
	}
	close(pv[1]);
	*fd = pv[0];
	return pid;
}

/* Read every child's verdict until all are done or the deadline. */
static void
collect(struct child *c, int n)
{
	int64_t deadline = clock_mono_ms() + KILL_AFTER_MS;
	struct pollfd pf[n > 0 ? n : 1];
	int i, open = 0;

	for (i = 0; i < n; i++)
		open += !c[i].done;
	while (open > 0) {
		int k = 0, left = (int)(deadline - clock_mono_ms());

		if (left <= 0)
			break;
		for (i = 0; i < n; i++)
			pf[i] = (struct pollfd){ .fd = c[i].done ? -1 : c[i].fd, .events = POLLIN };
		if ((k = poll(pf, (nfds_t)n, left)) < 0 && errno != EINTR)
			break;
		for (i = 0; i < n && k > 0; i++) {
			ssize_t r;

			if (c[i].done || pf[i].revents == 0)
				continue;
			r = read(c[i].fd, c[i].verdict + c[i].len, sizeof c[i].verdict - 1 - c[i].len);
			if (r > 0 && c[i].len + (size_t)r < sizeof c[i].verdict - 1) {
				c[i].len += (size_t)r;
				continue;
			}
			c[i].done = true;
			open--;
		}
	}
}

int
app_probe(const struct app_options *o, char *const *ports, int n)
{
	struct link_port *list = NULL;
	struct child *c;
	char err[256], label[256];
	char **names = NULL;
	int i, n_list = 0, found = 0;

	/* The port list names the adapters (and is the default set). */
	if (link_ports(&list, &n_list, err, sizeof err) != 0) {
		if (n == 0) {
			fprintf(stderr, "pylontop: --probe: %s\n", err);
			return EXIT_RUNTIME;
		}
		n_list = 0;
	}
	if (n == 0) {
		if (n_list == 0) {
			printf("no serial ports found (plug in the USB-RS232/RS485 adapter, or "
			    "name the ports: pylontop --probe /dev/ttyUSB0 ...)\n");
			free(list);
			return EXIT_RUNTIME;
		}
		if ((names = calloc((size_t)n_list, sizeof *names)) == NULL) {
			free(list);
			return EXIT_RUNTIME;
		}
		for (i = 0; i < n_list; i++)
			names[i] = list[i].path;
		ports = names;
		n = n_list;
	}
	if ((c = calloc((size_t)n, sizeof *c)) == NULL) {
		free(names);
		free(list);
		return EXIT_RUNTIME;
	}
	for (i = 0; i < n; i++) {
		c[i].fd = -1;
		c[i].pid = start_child(o, ports[i], &c[i].fd);
		if (c[i].pid < 0) {
			snprintf(c[i].verdict, sizeof c[i].verdict, "cannot start a probe: %s",
			    strerror(errno));
			c[i].done = true;
		}
	}
	collect(c, n);
	for (i = 0; i < n; i++) {
		int st = 0;

		if (c[i].pid > 0) {
			if (!c[i].done) {
				kill(c[i].pid, SIGKILL);
				snprintf(c[i].verdict, sizeof c[i].verdict, "the probe did not "
				    "finish within %d s (a hung adapter or driver?)",
				    KILL_AFTER_MS / 1000);
			}
			waitpid(c[i].pid, &st, 0);
			if (c[i].done && WIFEXITED(st) && WEXITSTATUS(st) == 0)
				found++;
			if (c[i].done && c[i].len == 0)
				snprintf(c[i].verdict, sizeof c[i].verdict, "the probe failed");
		}
		if (c[i].fd >= 0)
			close(c[i].fd);
		port_label(ports[i], list, n_list, label, sizeof label);
		printf("%s%s: %s\n", ports[i], label, c[i].verdict);
	}
	fflush(stdout);
	free(c);
	free(names);
	free(list);
	return found > 0 ? EXIT_OK : EXIT_RUNTIME;
}
