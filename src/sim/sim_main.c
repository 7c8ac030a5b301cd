/* sim_main.c — pylontop-sim: options, serving a pty or TCP, pacing,
 * the pager, scripted faults, and the state file tests compare with. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sim/sim.h"
#include "sim/sim_rs485.h"

enum fault_kind { F_SILENCE, F_GARBAGE, F_TRUNCATE, F_SLOW, F_UNPLUG, F_BADCRC, F_N };

static struct {
	bool	on[F_N];
	double	silence_s, slow_ms, unplug_after, unplug_back;
	unsigned every;
	/* Per module (index M-1): batfail, and packdead's delay (<0 none). */
	bool	batfail[SIM_MAX_MODULES];
	double	batfail_after[SIM_MAX_MODULES];	/* batfail:M:AFTER, s (0 from the start) */
	double	packdead_after[SIM_MAX_MODULES];
	int	drift_cell[SIM_MAX_MODULES];	/* 1-based; 0 none */
	double	drift_mv_s[SIM_MAX_MODULES];
	bool	overtemp[SIM_MAX_MODULES], protect[SIM_MAX_MODULES];
	double	overtemp_c[SIM_MAX_MODULES];
	int	max_cell;	/* the highest C a drift fault names */
	int	max_module;	/* the highest M a per-module fault names */
} faults = { .every = 5 };

/* Per-cell physics (--profile, --time-scale, --soc, --weak-cell). */
#define MAX_WEAK	8
static struct {
	enum sim_profile profile;
	double	time_scale, soc;
	int	n_weak;
	struct { int module, cell; double ir, cap; } weak[MAX_WEAK];
} phys = { .profile = SIM_PROFILE_SINE, .time_scale = 1, .soc = 50 };

static volatile sig_atomic_t quit;
static const char *pty_link, *state_path;
static int state_log = -1;	/* --state-log FILE, append-only */
static char protocol[8] = "lv";
static int baud, port, master = -1, slave = -1, listener = -1, client = -1;
static double silent_until, started;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: pylontop-sim (--pty LINK | --tcp PORT) [OPTION]...\n"
"Answer like a Pylontech battery stack, for tests and pylontop --demo.\n"
"\n"
"  --pty LINK            create a pseudo-terminal and the symlink LINK to it\n"
"  --tcp PORT            listen on 127.0.0.1:PORT (one client at a time)\n"
"  --protocol P          lv (default), hv, sc0500 or rs485\n"
"  --dialect D           rs485: pylontech (default) or pace\n"
"  --group-size N        rs485 pylontech: packs per group (1-16, default 16; group g\n"
"                        starts at address 0x10*g+2)\n"
"  --modules N           modules / BMUs / packs (LV 1-16, HV 1-8; default 3 LV, 5 HV)\n"
"  --cells N             cells per module (default 15; HV 15 or 24)\n"
"  --pwr-layout A|B|C    LV pwr table layout (default B)\n"
"  --prompt pytes        answer as a Pytes clone (PYTES> prompt)\n"
"  --barcode CODE        controller barcode (HV, SC0500)\n"
"  --baud N              pace output like a line at N baud (default: unpaced)\n"
"  --seed N              vary the values deterministically\n"
"  --state FILE          write the true values as JSON after every answer\n"
"  --state-log FILE      append each answer's true values (UTC ms, JSON; '=' when\n"
"                        unchanged) to FILE before the answer is sent\n"
"  --bms-clock-offset S  the BMS clock runs S seconds ahead of the host (time, log)\n"
"  --log-entries N       event log entries `log` pages through (default 40)\n"
"  --fault F             silence[:S], garbage, truncate, slow:MS, unplug:AFTER:BACK,\n"
"                        badcrc (rs485), batfail:M[:AFTER], packdead:M[:AFTER]; may\n"
"                        be repeated.  batfail:M: from AFTER s on (default 0) every\n"
"                        read of module M's cells fails\n"
"                        (LV 'bat M'/'soh M' answer 'Command failed', HV 'bat' rows\n"
"                        of BMU M show '-', RS485 0x42 for pack M is not answered).\n"
"                        packdead:M: from AFTER s on (default 0) module M answers\n"
"                        nothing (RS485: no reply at its address; LV: 'Absent' in\n"
"                        pwr, its commands rejected; HV: its bat rows show '-').\n"
"                        drift:M:C:MV_PER_S: cell C (1-based) of module M drifts by\n"
"                        MV_PER_S mV per second (signed; 2.000-4.200 V).\n"
"                        overtemp:M:DEGC: module M is held at DEGC degC.\n"
"                        protect:M: module M's BMS reports cell over-voltage\n"
"                        protection (LV/HV 'Protect' words, on its highest cell\n"
"                        too; Pylontech 0x44 Status1 bit 0, PACE protect 1 bit 0)\n"
"  --profile P           load profile: sine (default: the old 15-minute cycle with a\n"
"                        fixed weak cell), or per-cell physics with rest (no\n"
"                        current), steps (levels -35..35 A held 120 s, around\n"
"                        the start SOC) or cycle (levels of 0-35 A, discharging\n"
"                        to 12 %% SOC, charging to 92 %%): cell V = OCV(SOC of\n"
"                        that cell) + I x R of that cell; --state gives each\n"
"                        cell's r_mohm, capacity_ah and soc\n"
"  --time-scale X        physics: the simulated clock runs X times faster (1-3600)\n"
"  --soc N               physics: the cells' SOC at the start (default 50)\n"
"  --weak-cell M:C:IRx:CAPx  physics: cell C of module M has IRx times the\n"
"                        resistance and CAPx times the capacity (may be repeated)\n"
"  --fault-every N       garbage/truncate/badcrc/silence hit every Nth answer (default 5)\n"
"  -h, --help, -V, --version\n");
}

/* A module number 1..SIM_MAX_MODULES at p; -1 if there is none. */
static int
module_number(const char *p, char **end)
{
	long n = strtol(p, end, 10);

	if (*end == p || n < 1 || n > SIM_MAX_MODULES)
		return -1;
	if (n > faults.max_module)
		faults.max_module = (int)n;
	return (int)n;
}

/* "M" or "M:AFTER" (seconds >= 0, default 0): the module, or -1. */
static int
module_after(const char *p, double *after)
{
	char *end;
	int mod = module_number(p, &end);

	if (mod < 0)
		return -1;
	*after = 0;
	if (*end == ':') {
		const char *a = end + 1;

		*after = strtod(a, &end);
		if (end == a || *after < 0)
			return -1;
	}
	return *end == '\0' ? mod : -1;
}

static int
parse_fault(const char *f)
{
	char *end;
	double after;
	int mod;

	if (strncmp(f, "silence", 7) == 0) {
		faults.on[F_SILENCE] = true;
		faults.silence_s = f[7] == ':' ? atof(f + 8) : 1e9;
	} else if (strcmp(f, "garbage") == 0)
		faults.on[F_GARBAGE] = true;
	else if (strcmp(f, "truncate") == 0)
		faults.on[F_TRUNCATE] = true;
	else if (strcmp(f, "badcrc") == 0)
		faults.on[F_BADCRC] = true;
	else if (strncmp(f, "slow:", 5) == 0) {
		faults.on[F_SLOW] = true;
		faults.slow_ms = atof(f + 5);
	} else if (strncmp(f, "batfail:", 8) == 0) {
		if ((mod = module_after(f + 8, &after)) < 0)
			return -1;
		faults.batfail[mod - 1] = true;
		faults.batfail_after[mod - 1] = after;
	} else if (strncmp(f, "packdead:", 9) == 0) {
		if ((mod = module_after(f + 9, &after)) < 0)
			return -1;
		faults.packdead_after[mod - 1] = after;
	} else if (strncmp(f, "drift:", 6) == 0) {
		long cell;
		const char *p;

		if ((mod = module_number(f + 6, &end)) < 0 || *end != ':')
			return -1;
		p = end + 1;
		cell = strtol(p, &end, 10);
		if (end == p || cell < 1 || cell > SIM_MAX_CELLS || *end != ':')
			return -1;
		p = end + 1;
		faults.drift_mv_s[mod - 1] = strtod(p, &end);
		if (end == p || *end != '\0' || fabs(faults.drift_mv_s[mod - 1]) > 1000)
			return -1;
		faults.drift_cell[mod - 1] = (int)cell;
		if (cell > faults.max_cell)
			faults.max_cell = (int)cell;
	} else if (strncmp(f, "overtemp:", 9) == 0) {
		const char *p;

		if ((mod = module_number(f + 9, &end)) < 0 || *end != ':')
			return -1;
		p = end + 1;
		faults.overtemp_c[mod - 1] = strtod(p, &end);
		if (end == p || *end != '\0' || faults.overtemp_c[mod - 1] < -40 ||
		    faults.overtemp_c[mod - 1] > 120)
			return -1;
		faults.overtemp[mod - 1] = true;
	} else if (strncmp(f, "protect:", 8) == 0) {
		if ((mod = module_number(f + 8, &end)) < 0 || *end != '\0')
			return -1;
		faults.protect[mod - 1] = true;
	} else if (strncmp(f, "unplug:", 7) == 0 &&
	    sscanf(f + 7, "%lf:%lf", &faults.unplug_after, &faults.unplug_back) == 2)
		faults.on[F_UNPLUG] = true;
	else
		return -1;
	return 0;
}

static int
parse_profile(const char *v)
{
	static const char *const names[] = { "sine", "rest", "cycle", "steps" };
	static const enum sim_profile ids[] = { SIM_PROFILE_SINE, SIM_PROFILE_REST,
		SIM_PROFILE_CYCLE, SIM_PROFILE_STEPS };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(v, names[i]) == 0) {
			phys.profile = ids[i];
			return 0;
		}
	return -1;
}

/* --weak-cell M:C:IRx:CAPx */
static int
parse_weak(const char *v)
{
	int mod, cell, used = 0;
	double ir, cap;

	if (phys.n_weak >= MAX_WEAK ||
	    sscanf(v, "%d:%d:%lf:%lf%n", &mod, &cell, &ir, &cap, &used) != 4 ||
	    v[used] != '\0' || mod < 1 || mod > SIM_MAX_MODULES || cell < 1 ||
	    cell > SIM_MAX_CELLS || ir <= 0 || ir > 100 || cap <= 0 || cap > 10)
		return -1;
	phys.weak[phys.n_weak].module = mod;
	phys.weak[phys.n_weak].cell = cell;
	phys.weak[phys.n_weak].ir = ir;
	phys.weak[phys.n_weak++].cap = cap;
	if (mod > faults.max_module)
		faults.max_module = mod;
	if (cell > faults.max_cell)
		faults.max_cell = cell;
	return 0;
}

static int
open_pty(void)
{
	struct termios t;

	if (openpty(&master, &slave, NULL, NULL, NULL) != 0)
		return -1;
	if (tcgetattr(slave, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(slave, TCSANOW, &t);
	}
	fcntl(master, F_SETFD, FD_CLOEXEC);
	fcntl(slave, F_SETFD, FD_CLOEXEC);
	unlink(pty_link);
	if (symlink(ttyname(slave), pty_link) != 0) {
		fprintf(stderr, "pylontop-sim: cannot create %s: %s\n", pty_link, strerror(errno));
		return -1;
	}
	return 0;
}

static void
close_pty(void)
{
	if (master >= 0)
		close(master);
	if (slave >= 0)
		close(slave);
	master = slave = -1;
	unlink(pty_link);
}

static int
open_listener(void)
{
	struct sockaddr_in a;
	int one = 1;

	listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(listener, (struct sockaddr *)&a, sizeof a) != 0 || listen(listener, 1) != 0) {
		fprintf(stderr, "pylontop-sim: cannot listen on 127.0.0.1:%d: %s\n", port,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
io_fd(void)
{
	return pty_link != NULL ? master : client;
}

/* Sleep until `t` on the monotonic clock (absolute: no drift). */
static void
sleep_until_s(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !quit)
		;
}

/* Write like a real line: 10 bits per byte at --baud, on an absolute
 * schedule — each chunk leaves when the line would have finished the
 * bytes before it, so the per-sleep overshoot does not add up (relative
 * sleeps made a 0.70 s answer take 0.80 s). */
static void
send_bytes(const char *p, size_t len)
{
	static double line_free;	/* when the UART's last byte is out */
	size_t chunk = baud > 0 ? 32 : len;

	if (baud > 0 && line_free < now_s())
		line_free = now_s();	/* the line was idle: start now */

	while (len > 0 && !quit) {
		size_t n = len < chunk ? len : chunk;
		ssize_t w = write(io_fd(), p, n);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				sleep_s(0.001);
				continue;
			}
			return;
		}
		p += w;
		len -= (size_t)w;
		if (baud > 0) {
			line_free += (double)w * 10.0 / baud;
			sleep_until_s(line_free);
		}
	}
}

static bool
hit(enum fault_kind k, struct sim *s)
{
	return faults.on[k] && faults.every > 0 && s->answers % faults.every == 0;
}

/* --state-log: the state this answer is made of, appended before its
 * first byte goes out, so every answer has its truth even when the
 * simulator is killed right after (polling the --state file misses
 * states that were on disk for only a few ms).  One line per answer:
 * "UTC_MS<TAB>JSON", or "UTC_MS<TAB>=" when nothing but the time and the
 * command count changed since this process's previous line.  One write()
 * per line on an O_APPEND file: a restarted simulator appends to it. */
static void
log_state(const struct sim *s)
{
	static char *last;
	static size_t last_len;
	struct timespec ts;
	char *buf = NULL, head[32];
	size_t len = 0, off = 0, key_at, key_end;
	FILE *f;
	const char *k, *e;

	if (state_log < 0 || (f = open_memstream(&buf, &len)) == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(f, "%lld\t", (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	key_at = (size_t)ftell(f);
	sim_model_print_state(&s->model, f, protocol);
	if (fclose(f) != 0) {
		free(buf);
		return;
	}
	/* The comparison key: from step_ms (time_ms is the write's time) up
	 * to the count of commands, which every answer changes. */
	k = strstr(buf + key_at, "\"step_ms\"");
	e = k != NULL ? strstr(k, ",\"commands\":") : NULL;
	key_at = k != NULL ? (size_t)(k - buf) : key_at;
	key_end = e != NULL ? (size_t)(e - buf) : len;
	if (last != NULL && last_len == key_end - key_at &&
	    memcmp(last, buf + key_at, last_len) == 0) {
		len = (size_t)snprintf(head, sizeof head, "%.*s=\n",
		    (int)(strchr(buf, '\t') - buf + 1), buf);
		memcpy(buf, head, len);
	} else {
		free(last);
		last_len = key_end - key_at;
		if ((last = malloc(last_len)) != NULL)
			memcpy(last, buf + key_at, last_len);
	}
	while (off < len) {
		ssize_t w = write(state_log, buf + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	free(buf);
}

/* Send an answer through the faults; the pager stops it once. */
static void
deliver(struct sim *s, struct obuf *o, char *pending, size_t *plen)
{
	static const char pager[] = "Press [Enter] to be continued,other key to exit";
	size_t len = o->len;

	s->answers++;
	if (faults.on[F_SLOW])
		sleep_s(faults.slow_ms / 1000.0);
	if (hit(F_SILENCE, s)) {
		silent_until = now_s() + faults.silence_s;
		return;
	}
	log_state(s);
	if (hit(F_TRUNCATE, s))
		len = len / 2;
	if (hit(F_GARBAGE, s) && len > 10) {
		size_t i, at = (size_t)rand() % (len - 5);
		for (i = 0; i < 4; i++)
			o->p[at + i] = (char)(rand() & 0xff);
	}
	if (s->pager_at > 0 && s->pager_at < len) {
		send_bytes(o->p, s->pager_at);
		send_bytes(pager, sizeof pager - 1);
		memmove(pending, o->p + s->pager_at, len - s->pager_at);
		*plen = len - s->pager_at;
		s->pager_base = s->pager_at;
		s->pager_at = 0;
		return;
	}
	send_bytes(o->p, len);
	if (state_path != NULL)
		sim_model_write_state(&s->model, state_path, protocol);
}

/* A long answer (`log`) stops at every page: send the next page and
 * the pager line; false when the rest is the last page. */
static bool
next_page(struct sim *s, char *pending, size_t *plen)
{
	static const char pager[] = "Press [Enter] to be continued,other key to exit";
	size_t k;

	if (s->pager_i >= s->pager_n || s->pager_more[s->pager_i] <= s->pager_base ||
	    s->pager_more[s->pager_i] - s->pager_base >= *plen)
		return false;
	k = s->pager_more[s->pager_i++] - s->pager_base;
	send_bytes(pending, k);
	send_bytes(pager, sizeof pager - 1);
	memmove(pending, pending + k, *plen - k);
	*plen -= k;
	s->pager_base += k;
	return true;
}

static void
console_input(struct sim *s, const char *buf, size_t n, char *line, size_t *ll,
    char *pending, size_t *plen, bool *last_cr)
{
	static struct obuf o;
	size_t i;

	for (i = 0; i < n; i++) {
		char c = buf[i];

		if (*plen > 0) {	/* the pager waits for a key */
			if (c == '\r' || c == '\n') {
				send_bytes("\r\r                                                  \r\r",
				    54);
				if (next_page(s, pending, plen)) {
					*last_cr = c == '\r';
					continue;
				}
				send_bytes(pending, *plen);
				if (state_path != NULL)
					sim_model_write_state(&s->model, state_path, protocol);
			} else {
				o.len = 0;
				ob_printf(&o, "\r\n\r$$\r\n\r%s", s->debug ? "pylon_debug>" : "pylon>");
				send_bytes(o.p, o.len);
			}
			*plen = 0;
			*last_cr = c == '\r';
			continue;
		}
		if (c == '\n' && *last_cr) {	/* CR LF is one terminator */
			*last_cr = false;
			continue;
		}
		*last_cr = c == '\r';
		if (c == '\r' || c == '\n') {
			line[*ll] = '\0';
			if (now_s() >= silent_until) {
				o.len = 0;
				s->pager_at = 0;
				s->pager_n = s->pager_i = 0;
				sim_console_answer(s, line, &o);
				deliver(s, &o, pending, plen);
			}
			*ll = 0;
		} else if (*ll < 120 && (unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
			line[(*ll)++] = c;
	}
}

static void
rs485_input(struct sim *s, const char *buf, size_t n, char *frame, size_t *fl)
{
	static struct obuf o;
	size_t i;

	for (i = 0; i < n; i++) {
		if (buf[i] == '~')
			*fl = 0;
		if (*fl < 4000)
			frame[(*fl)++] = buf[i];
		if (buf[i] != '\r' || frame[0] != '~')
			continue;
		s->bad_checksum = hit(F_BADCRC, s);
		o.len = sim_rs485_respond(&s->model, s->dialect, frame, *fl, o.p, sizeof o.p,
		    s->bad_checksum);
		*fl = 0;
		if (o.len > 0 && now_s() >= silent_until)
			deliver(s, &o, NULL, &(size_t){ 0 });
		else {
			s->answers++;
			/* No reply (batfail, packdead, nobody there) is news too. */
			if (state_path != NULL)
				sim_model_write_state(&s->model, state_path, protocol);
		}
	}
}

static void
serve(struct sim *s)
{
	static char line[128], pending[65536], frame[4096];
	size_t ll = 0, plen = 0, fl = 0;
	bool last_cr = false, unplugged = false;
	double unplug_at = started + faults.unplug_after, back_at = 0;
	char buf[4096];

	while (!quit) {
		struct pollfd p[2];
		int n = 0, timeout = 200;
		ssize_t r;

		if (faults.on[F_UNPLUG] && !unplugged && now_s() >= unplug_at) {
			fprintf(stderr, "pylontop-sim: unplugged\n");
			close_pty();
			unplugged = true;
			back_at = now_s() + faults.unplug_back;
		}
		if (unplugged) {
			if (now_s() >= back_at) {
				if (open_pty() != 0)
					return;
				fprintf(stderr, "pylontop-sim: plugged in again\n");
				unplugged = false;
				unplug_at = 1e18;
			}
			sleep_s(0.05);
			continue;
		}
		if (pty_link == NULL && client < 0) {
			p[n].fd = listener;
			p[n++].events = POLLIN;
		} else {
			p[n].fd = io_fd();
			p[n++].events = POLLIN;
		}
		if (poll(p, (nfds_t)n, timeout) <= 0)
			continue;
		if (pty_link == NULL && client < 0) {
			client = accept(listener, NULL, NULL);
			ll = plen = fl = 0;
			s->debug = false;
			continue;
		}
		r = read(io_fd(), buf, sizeof buf);
		if (r <= 0) {
			if (pty_link == NULL) {
				close(client);
				client = -1;
			} else
				sleep_s(0.05);	/* no client on the pty side */
			continue;
		}
		if (strcmp(protocol, "rs485") == 0)
			rs485_input(s, buf, (size_t)r, frame, &fl);
		else
			console_input(s, buf, (size_t)r, line, &ll, pending, &plen, &last_cr);
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pty", required_argument, NULL, 'P' }, { "tcp", required_argument, NULL, 'T' },
		{ "protocol", required_argument, NULL, 'p' }, { "dialect", required_argument, NULL, 'D' },
		{ "modules", required_argument, NULL, 'm' }, { "cells", required_argument, NULL, 'c' },
		{ "pwr-layout", required_argument, NULL, 'L' }, { "prompt", required_argument, NULL, 'R' },
		{ "barcode", required_argument, NULL, 'B' }, { "baud", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, 's' }, { "state", required_argument, NULL, 'S' },
		{ "state-log", required_argument, NULL, 'J' },
		{ "fault", required_argument, NULL, 'f' }, { "fault-every", required_argument, NULL, 'e' },
		{ "group-size", required_argument, NULL, 'G' },
		{ "profile", required_argument, NULL, 'O' },
		{ "time-scale", required_argument, NULL, 'X' },
		{ "soc", required_argument, NULL, 'C' },
		{ "weak-cell", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ "bms-clock-offset", required_argument, NULL, 'K' },
		{ "log-entries", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	static struct sim s;
	const char *barcode = "PPTAH0240012345";
	int ch, modules = 0, cells = 0, log_entries = -1, group_size = SIM_RS485_GROUP_MAX;
	long clock_offset = 0;
	unsigned seed = 1;
	struct sigaction sa;

	for (ch = 0; ch < SIM_MAX_MODULES; ch++)
		faults.packdead_after[ch] = -1;
	s.pwr_layout = 'B';
	snprintf(s.dialect, sizeof s.dialect, "pylontech");
	while ((ch = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'P': pty_link = optarg; break;
		case 'T': port = atoi(optarg); break;
		case 'p':
			if (strcmp(optarg, "lv") && strcmp(optarg, "hv") && strcmp(optarg, "sc0500") &&
			    strcmp(optarg, "rs485")) {
				fprintf(stderr, "pylontop-sim: --protocol: '%s' is not lv, hv, sc0500 "
				    "or rs485\n", optarg);
				return 2;
			}
			snprintf(protocol, sizeof protocol, "%s", optarg);
			break;
		case 'D': snprintf(s.dialect, sizeof s.dialect, "%s", optarg); break;
		case 'm': modules = atoi(optarg); break;
		case 'c': cells = atoi(optarg); break;
		case 'L': s.pwr_layout = optarg[0]; break;
		case 'R': s.pytes = strcasecmp(optarg, "pytes") == 0; break;
		case 'B': barcode = optarg; break;
		case 'b': baud = atoi(optarg); break;
		case 's': seed = (unsigned)atoi(optarg); break;
		case 'S': state_path = optarg; break;
		case 'J':
			state_log = open(optarg, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
			if (state_log < 0) {
				fprintf(stderr, "pylontop-sim: --state-log: cannot open %s: %s\n",
				    optarg, strerror(errno));
				return 2;
			}
			break;
		case 'f':
			if (parse_fault(optarg) != 0) {
				fprintf(stderr, "pylontop-sim: --fault: '%s' is not silence[:S], "
				    "garbage, truncate, slow:MS, unplug:AFTER:BACK, badcrc, "
				    "batfail:M[:AFTER], packdead:M[:AFTER], drift:M:C:MV_PER_S, "
				    "overtemp:M:DEGC or protect:M (M 1-%d)\n", optarg,
				    SIM_MAX_MODULES);
				return 2;
			}
			break;
		case 'e': faults.every = (unsigned)atoi(optarg); break;
		case 'K': clock_offset = atol(optarg); break;
		case 'N':
			log_entries = atoi(optarg);
			if (log_entries < 0 || log_entries > SIM_LOG_MAX) {
				fprintf(stderr, "pylontop-sim: --log-entries: '%s' is not 0-%d\n",
				    optarg, SIM_LOG_MAX);
				return 2;
			}
			break;
		case 'G': group_size = atoi(optarg); break;
		case 'O':
			if (parse_profile(optarg) != 0) {
				fprintf(stderr, "pylontop-sim: --profile: '%s' is not sine, rest, "
				    "cycle or steps\n", optarg);
				return 2;
			}
			break;
		case 'X': {
			char *end;
			phys.time_scale = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || phys.time_scale < 1 ||
			    phys.time_scale > 3600) {
				fprintf(stderr, "pylontop-sim: --time-scale: '%s' is not a factor "
				    "from 1 to 3600\n", optarg);
				return 2;
			}
			break;
		}
		case 'C': {
			char *end;
			phys.soc = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || phys.soc < 0 || phys.soc > 100) {
				fprintf(stderr, "pylontop-sim: --soc: '%s' is not a SOC from 0 to "
				    "100 %%\n", optarg);
				return 2;
			}
			break;
		}
		case 'W':
			if (parse_weak(optarg) != 0) {
				fprintf(stderr, "pylontop-sim: --weak-cell: '%s' is not M:C:IRx:CAPx "
				    "(e.g. 2:7:2.0:1.0; M 1-%d, C 1-%d, at most %d)\n", optarg,
				    SIM_MAX_MODULES, SIM_MAX_CELLS, MAX_WEAK);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("pylontop-sim %s\n", PACKAGE_VERSION); return 0;
		default: return 2;
		}
	}
	s.hv = strcmp(protocol, "hv") == 0 || strcmp(protocol, "sc0500") == 0;
	if (modules == 0)
		modules = s.hv ? 5 : 3;
	if (cells == 0)
		cells = strcmp(protocol, "rs485") == 0 ? 16 : 15;
	if ((pty_link == NULL) == (port == 0) || modules < 1 || modules > (s.hv ? 8 : 16) ||
	    cells < 1 || cells > (s.hv ? 24 : 16) || group_size < 1 ||
	    group_size > SIM_RS485_GROUP_MAX ||
	    (s.pwr_layout != 'A' && s.pwr_layout != 'B' && s.pwr_layout != 'C')) {
		fprintf(stderr, "pylontop-sim: give --pty LINK or --tcp PORT; modules 1-%d, "
		    "cells 1-%d, --group-size 1-16 (try --help)\n", s.hv ? 8 : 16, s.hv ? 24 : 16);
		return 2;
	}
	if (faults.max_module > modules || faults.max_cell > cells) {
		fprintf(stderr, "pylontop-sim: --fault names module %d cell %d, but there are "
		    "%d modules of %d cells (give --modules, --cells)\n", faults.max_module,
		    faults.max_cell, modules, cells);
		return 2;
	}
	srand(seed);
	sim_model_init(&s.model, modules, cells, barcode, seed);
	s.model.clock_offset_s = sim_clock_offset_s = clock_offset;
	if (log_entries >= 0)
		s.model.log_n = log_entries;
	/* The log ends an hour before the start, on the BMS clock. */
	s.model.log_t0 = (int64_t)time(NULL) + clock_offset - s.model.log_n * 617L - 3600;
	if (strcmp(protocol, "rs485") == 0)
		sim_rs485_number(&s.model, s.dialect, group_size);
	started = now_s();
	for (ch = 0; ch < modules; ch++) {
		s.model.m[ch].batfail = faults.batfail[ch];
		s.model.m[ch].batfail_at = started + faults.batfail_after[ch];
		if (faults.packdead_after[ch] >= 0)
			s.model.m[ch].dead_at = started + faults.packdead_after[ch];
		s.model.m[ch].drift_cell = faults.drift_cell[ch] - 1;
		s.model.m[ch].drift_v_per_s = faults.drift_mv_s[ch] / 1000.0;
		s.model.m[ch].overtemp = faults.overtemp[ch];
		s.model.m[ch].overtemp_c = faults.overtemp_c[ch];
		s.model.m[ch].protect = faults.protect[ch];
	}
	if ((phys.n_weak > 0 || phys.time_scale != 1 || phys.soc != 50) &&
	    phys.profile == SIM_PROFILE_SINE) {
		fprintf(stderr, "pylontop-sim: --weak-cell, --time-scale and --soc need a "
		    "physical --profile (rest, cycle or steps)\n");
		return 2;
	}
	sim_model_physics(&s.model, phys.profile, phys.time_scale, phys.soc);
	for (ch = 0; ch < phys.n_weak; ch++)
		sim_model_weaken(&s.model, phys.weak[ch].module - 1, phys.weak[ch].cell - 1,
		    phys.weak[ch].ir, phys.weak[ch].cap);
	sim_model_step_now(&s.model);	/* the faults show from the first answer */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pty_link != NULL ? open_pty() != 0 : open_listener() != 0)
		return 1;
	if (state_path != NULL)
		sim_model_write_state(&s.model, state_path, protocol);
	fprintf(stderr, "pylontop-sim: %s, %d modules x %d cells on %s%s\n", protocol, modules,
	    cells, pty_link != NULL ? pty_link : "tcp port", pty_link != NULL ? "" : "");
	serve(&s);
	if (pty_link != NULL)
		close_pty();
	if (listener >= 0)
		close(listener);
	return 0;
}
