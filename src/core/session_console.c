/* session_console.c — the Pylontech text console (LV, HV, SC0500 debug).
 *
 * Conversation rules (docs/console.md §1-§2): one command in flight; input is
 * drained before each command; an answer is complete when the framer has
 * seen "$$" and a prompt; the pager is answered with CR; an inactivity
 * timeout of 3 s and a cap of 15 s per answer, 32 KiB at most.
 *
 * Every command sent comes from a dialect table (proto/console_cmd.h).
 * The only entry that is not read-only, SC0500 `tbar`, is sent once per
 * connection, only after the controller's own barcode was read with
 * `info` and found equal to the configured one (or --force-tbar).
 *
 * Per poll: the fast reads (LV pwr + bat of this cycle's modules; HV pwr,
 * unit, bat; SC0500 getpwr), then the slow ones that fit the interval
 * (identity and counters, see slow_reads()).  Cells are stamped with the
 * time the device gave them; cells of a module not read in this cycle
 * come from the cache only within their freshness limit (sample.h).
 * With -v every command sent and every answer's verdict is logged.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/session.h"
#include "proto/console_cmd.h"
#include "proto/console_frame.h"
#include "proto/console_records.h"
#include "proto/console_sc0500.h"
#include "proto/console_text.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/vlog.h"

#define BUF_MAX		(32 * 1024)
#define IDLE_MS		3000
#define CAP_MS		15000
#define PROMPT_WAIT_MS	1500
#define READ_STEP_MS	250
/* Round-robin grows back by one module when one more fits into the
 * interval with this share to spare (4 = a quarter): no flapping. */
#define RR_GROW_SPARE	4
/* Slow reads of one round: LV info + stat per module. */
#define SLOW_MAX	(2 * PT_MAX_MODULES)
/* A records round: LV info, stat, soh per module + log + time; HV six
 * stack-wide commands + bmuinfo per BMU. */
#define REC_MAX		(3 * PT_MAX_MODULES + 8)
/* A paged answer (the event log) is left with "other key" after this
 * many pages or once this much arrived: the bound is said. */
#define REC_PAGES_MAX	64
#define REC_BYTES_MAX	(24 * 1024)
/* Answer sizes remembered for pacing the reads (expect_bytes()): every
 * command line of a records round, with room to spare. */
#define EXPECT_MAX	(REC_MAX + 16)

/* The 1200-baud wake frame of docs/console.md §1.1 (an RS232 protocol frame
 * that only switches the console on; it changes no battery setting). */
static const char wake_frame[] = "~20014682C0048520FCC3\r";

struct console_priv {
	char			buf[BUF_MAX + 64];
	size_t			len;
	enum console_dialect	dialect;
	enum console_prompt	prompt;
	int			ids[PT_MAX_MODULES];	/* modules present, wire order */
	int			n_ids;
	int			rr_next;		/* round-robin start for cells */
	int			per_cycle;		/* modules whose cells are read per poll */
	bool			tbar_done;
	struct pt_sample	cache;			/* identity, cells of round-robin modules */
	struct pt_sample	cache_next;		/* save_cache's scratch: no malloc per poll */
	struct pt_diag		diag;
	int64_t			poll_start_ms;		/* mono, start of the previous poll */
	bool			polled;			/* a poll of this connection completed */
	/* The slow round (identity and counters), interleaved over cycles:
	 * the next entry to read, -1 when no round is pending. */
	int			slow_next;
	/* The records round (issue 13): planned commands, the next one, -1
	 * when no round is pending. */
	struct { char cmd[12]; int arg; } rec_plan[REC_MAX];
	int			rec_n, rec_next;
	/* exchange(): leave a pager after REC_PAGES_MAX pages (records only);
	 * pager_cut says it did. */
	bool			pager_bounded, pager_cut;
	/* The answer exchange() got last, for the -v summary. */
	char			ans_line[96];
	size_t			ans_bytes;
	int64_t			ans_ms;
	int64_t			sent_ms;		/* its command left: link_last_write_ms() */
	int64_t			poll_sent_ms;		/* the poll's first command left (0: none yet) */
	bool			verdict_later;		/* run() says it after parsing */
	/* The size of the last answer to each command line ("bat 3"), for
	 * link_read_paced(): most of the next one is on its way once it
	 * starts.  An answer that stopped at a pager waits for us: 0. */
	struct { char line[24]; size_t bytes; } expect[EXPECT_MAX];
	int			n_expect, expect_next;
};

static struct console_priv *
priv(struct session *s)
{
	return s->priv;
}

static bool
stopped(struct session *s)
{
	return s->stop != NULL && *s->stop;
}

static int
session_fail(struct session *s, int err, const char *fmt, const char *arg)
{
	snprintf(s->error, sizeof s->error, fmt, arg);
	return err;
}

/* Tell a watching UI what is going on (session.h). */
static void
progress(struct session *s, const char *phase, const char *command, size_t bytes)
{
	struct session_progress *pg = &s->progress;

	if (phase != NULL)
		snprintf(pg->phase, sizeof pg->phase, "%s", phase);
	if (command == NULL)
		command = "";
	/* Said at every read of an answer: the command only changes once. */
	if (strncmp(pg->command, command, sizeof pg->command - 1) != 0) {
		snprintf(pg->command, sizeof pg->command, "%s", command);
		pg->module = strchr(command, ' ') != NULL ? atoi(strchr(command, ' ') + 1) : 0;
	}
	pg->bytes = bytes;
	if (s->progress_fn != NULL)
		s->progress_fn(s->progress_arg, pg);
}

static void
progress_steps(struct session *s, const char *phase, int step, int steps)
{
	snprintf(s->progress.phase, sizeof s->progress.phase, "%s", phase);
	s->progress.step = step;
	s->progress.steps = steps;
	progress(s, NULL, NULL, 0);
}

/* -v: one line per answer: command, bytes, time, verdict. */
static void
say_answer(struct session *s, const char *verdict, const char *why)
{
	struct console_priv *p = s->priv;

	pt_vlog(PT_VLOG_SUMMARY, "console: answer to '%s': %zu bytes, %lld ms, %s%s%s",
	    p->ans_line, p->ans_bytes, (long long)p->ans_ms, verdict,
	    why != NULL && why[0] ? ": " : "", why != NULL ? why : "");
}

/* Discard whatever the device sent that nobody asked for. */
static void
drain(struct session *s)
{
	char junk[512];

	while (link_read(s->link, junk, sizeof junk, 0) > 0)
		;
	priv(s)->len = 0;
}

static int
send_line(struct session *s, const char *text)
{
	char line[128];
	int rc;

	snprintf(line, sizeof line, "%s%s", text, s->cfg->eol);
	rc = link_write(s->link, line, strlen(line), 2000);
	if (rc != 0)
		snprintf(s->error, sizeof s->error, "%s", link_error(s->link));
	return rc;
}

/* Read what arrives within `wait_ms`, after waiting for the line to carry
 * `want` bytes when it is paced (link_read_paced); returns bytes read or
 * a pt_err. */
static ssize_t
read_more(struct session *s, int wait_ms, size_t want)
{
	struct console_priv *p = priv(s);
	ssize_t n;

	if (p->len >= BUF_MAX)
		return PT_ERR_PARSE;
	n = link_read_paced(s->link, p->buf + p->len, BUF_MAX - p->len, wait_ms, want);
	if (n > 0)
		p->len += (size_t)n;
	else if (n < 0)
		snprintf(s->error, sizeof s->error, "%s", link_error(s->link));
	return n;
}

/* Send an empty line and wait for a prompt (docs/console.md §1.2). */
static int
probe_prompt(struct session *s)
{
	struct console_priv *p = priv(s);
	int64_t start, end;
	int rc;

	drain(s);
	snprintf(p->ans_line, sizeof p->ans_line, "%s", "");
	p->ans_bytes = 0;
	pt_vlog(PT_VLOG_SUMMARY, "console: sent '' (an empty line: is a prompt there?)");
	progress(s, NULL, "(empty line)", 0);
	if ((rc = send_line(s, "")) != 0)
		return rc;
	start = clock_mono_ms();
	end = start + PROMPT_WAIT_MS;
	while (clock_mono_ms() < end && !stopped(s)) {
		ssize_t n = read_more(s, READ_STEP_MS, 0);
		if (n < 0)
			return (int)n;
		p->ans_bytes += (size_t)n;
		p->ans_ms = clock_mono_ms() - start;
		p->prompt = console_prompt_at_end(p->buf, p->len);
		if (p->prompt != CP_NONE) {
			say_answer(s, "ok", "a prompt");
			return 0;
		}
		if (p->len >= BUF_MAX)
			p->len = 0;
	}
	p->ans_ms = clock_mono_ms() - start;
	say_answer(s, "timeout", "no prompt");
	return PT_ERR_TIMEOUT;
}

/* Is `name` in the table of the session's dialect (or the tables it may
 * borrow from)?  Nothing else is ever written to the device. */
static const struct console_cmd *
lookup(struct session *s, const char *name)
{
	enum console_dialect d = priv(s)->dialect;
	const struct console_cmd *c = console_cmd_find(d, name);

	if (c == NULL && d == CD_SC0500)
		c = console_cmd_find(CD_HV, name);
	if (c == NULL && d == CD_LV && strcmp(name, "getpwr") == 0)
		c = console_cmd_find(CD_SC0500, name);
	return c;
}

/* The echo names our command, or is missing: this answer is ours. */
static bool
echo_matches(const char *buf, const struct console_frame *fr, const char *name)
{
	struct ct_span echo = { buf + fr->echo_off, fr->echo_len }, tok[2];

	if (fr->echo_len == 0)
		return true;
	if (ct_tokens(echo, tok, 2, NULL) == 0)
		return true;
	return ct_eq(tok[0], name);
}

/* The size of the last answer to `line`, else to the same command with
 * another argument ("bat 2" for "bat 3"); 0 when unknown. */
static size_t
expect_bytes(const struct console_priv *p, const char *line)
{
	size_t name = strcspn(line, " "), guess = 0;
	int i;

	for (i = 0; i < p->n_expect; i++) {
		const char *e = p->expect[i].line;

		if (strcmp(e, line) == 0)
			return p->expect[i].bytes;
		if (guess == 0 && strncmp(e, line, name) == 0 && (e[name] == ' ' ||
		    e[name] == '\0'))
			guess = p->expect[i].bytes;
	}
	return guess;
}

static void
expect_remember(struct console_priv *p, const char *line, size_t bytes)
{
	int i;

	for (i = 0; i < p->n_expect; i++)
		if (strcmp(p->expect[i].line, line) == 0)
			break;
	if (i == p->n_expect) {
		if (p->n_expect < EXPECT_MAX)
			p->n_expect++;
		else {
			i = p->expect_next;	/* full: the oldest entry goes */
			p->expect_next = (p->expect_next + 1) % EXPECT_MAX;
		}
		snprintf(p->expect[i].line, sizeof p->expect[i].line, "%s", line);
	}
	p->expect[i].bytes = bytes;
}

/* Bytes of this answer the line is still to carry, if it is as long as
 * the last one: the sleeps end when all of it can be there, prompt
 * included, so the last read finds the prompt (an answer a few bytes
 * shorter is found late by their wire time, 0.1 ms a byte at 115200
 * baud; a longer one is read as it comes once this is 0). */
static size_t
pace_want(size_t expected, size_t got)
{
	return expected > got ? expected - got : 0;
}

/*
 * One command, one answer.  On return 0 fr describes a complete answer in
 * p->buf; PT_ERR_DEVICE: the device refused (s->error has its words).
 */
static int
exchange(struct session *s, const struct console_cmd *cmd, const char *arg, bool allow_write,
    struct console_frame *fr)
{
	struct console_priv *p = priv(s);
	char line[96];
	int64_t start, last, now;
	size_t pager_done = 0, expected, scanned = 0;
	int rc, pages = 0;
	bool paged = false;	/* the device waited for us at a pager */

	p->pager_cut = false;
	if (cmd == NULL || (!cmd->read_only && !allow_write))
		return session_fail(s, PT_ERR_REFUSED, "refusing to send a command that is not "
		    "in the read-only table%s", "");
	/* `time` reads the BMS clock; with arguments it would set it. */
	if (strcmp(cmd->name, "time") == 0 && arg != NULL && arg[0] != '\0')
		return session_fail(s, PT_ERR_REFUSED, "%s", "refusing 'time' with arguments: "
		    "it would set the BMS clock");
	if (arg != NULL && arg[0] != '\0')
		snprintf(line, sizeof line, "%s %s", cmd->name, arg);
	else
		snprintf(line, sizeof line, "%s", cmd->name);
	drain(s);
	snprintf(p->ans_line, sizeof p->ans_line, "%s", line);
	p->ans_bytes = 0;
	p->ans_ms = 0;
	pt_vlog(PT_VLOG_SUMMARY, "console: sent '%s'", line);
	progress(s, NULL, line, 0);
	if ((rc = send_line(s, line)) != 0) {
		say_answer(s, "not sent", s->error);
		return rc;
	}
	p->sent_ms = link_last_write_ms(s->link);
	if (p->poll_sent_ms == 0)
		p->poll_sent_ms = p->sent_ms;
	expected = expect_bytes(p, line);
	/* The timeouts are judged on the link's stamps where it has them
	 * (a replay has only those), else on our clock. */
	start = last = now = p->sent_ms;
	for (;;) {
		enum console_frame_state st = CF_INCOMPLETE;
		ssize_t n;

		if (stopped(s))
			return session_fail(s, PT_ERR_CLOSED, "%s", "stopped");
		n = read_more(s, READ_STEP_MS, pace_want(expected, p->ans_bytes));
		now = link_last_read_ms(s->link) > now ? link_last_read_ms(s->link) :
		    clock_mono_ms();
		p->ans_ms = now - start;
		if (n < 0) {
			if (n == PT_ERR_PARSE) {
				say_answer(s, "unreadable", "longer than 32 KiB");
				return session_fail(s, PT_ERR_PARSE,
				    "the answer to '%s' is longer than 32 KiB", line);
			}
			say_answer(s, "link error", s->error);
			return (int)n;
		}
		if (n > 0) {
			last = now;
			p->ans_bytes += (size_t)n;
			progress(s, NULL, line, p->ans_bytes);
		}
		/* The verdict was "incomplete" up to `scanned`: only new bytes
		 * with a prompt or a pager in them can change it. */
		if (console_frame_may_change(p->buf, p->len, scanned))
			st = console_frame(p->buf, p->len, fr);
		scanned = p->len;
		if (st == CF_PAGER && fr->pager_end > pager_done && p->pager_bounded &&
		    (++pages > REC_PAGES_MAX || p->len > REC_BYTES_MAX)) {
			/* "other key to exit": the device ends the answer here. */
			pager_done = fr->pager_end;
			p->pager_cut = true;
			paged = true;
			expected = 0;
			pt_vlog(PT_VLOG_SUMMARY, "console: sent 'q' (the answer to '%s' reached "
			    "its bound of %d pages / %d KiB)", line, REC_PAGES_MAX,
			    REC_BYTES_MAX / 1024);
			if (link_write(s->link, "q", 1, 1000) != 0)
				return session_fail(s, PT_ERR_IO, "%s", link_error(s->link));
		} else if (st == CF_PAGER && fr->pager_end > pager_done) {
			pager_done = fr->pager_end;
			paged = true;
			expected = 0;
			pt_vlog(PT_VLOG_SUMMARY, "console: sent CR (the pager of '%s' asks to "
			    "continue)", line);
			if (link_write(s->link, "\r", 1, 1000) != 0)
				return session_fail(s, PT_ERR_IO, "%s", link_error(s->link));
		} else if (st == CF_PROMPT_ONLY ||
		    ((st == CF_OK || st == CF_FAILED) && !echo_matches(p->buf, fr, cmd->name))) {
			/* A stale prompt or someone else's answer: drop it. */
			memmove(p->buf, p->buf + fr->consumed, p->len - fr->consumed);
			p->len -= fr->consumed;
			pager_done = 0;
			scanned = 0;
			continue;
		} else if (st == CF_OK) {
			p->prompt = fr->prompt;
			expect_remember(p, line, paged ? 0 : p->ans_bytes);
			if (!p->verdict_later)
				say_answer(s, "ok", NULL);
			return 0;
		} else if (st == CF_FAILED && p->pager_cut) {
			/* Left at the bound: no success line, the body is ours. */
			p->prompt = fr->prompt;
			say_answer(s, "ok", "cut at the bound");
			return 0;
		} else if (st == CF_FAILED) {
			char why[160];
			struct ct_span f = { p->buf + fr->fail_off, fr->fail_len };

			p->prompt = fr->prompt;
			expect_remember(p, line, paged ? 0 : p->ans_bytes);
			ct_copy(why, sizeof why, f);
			s->counters.device_errors++;
			snprintf(s->error, sizeof s->error, "'%s' failed: %s", line, why);
			say_answer(s, "refused by the device", why);
			return PT_ERR_DEVICE;
		}
		if (now - last > IDLE_MS || now - start > CAP_MS) {
			say_answer(s, "timeout", p->len == 0 ? "the device is silent" :
			    "no end of answer");
			s->counters.timeouts++;
			snprintf(s->error, sizeof s->error, "no complete answer to '%s' within %d s%s",
			    line, (int)((now - start) / 1000),
			    p->len == 0 ? " (the device is silent)" : "");
			return PT_ERR_TIMEOUT;
		}
	}
}

/* The device answered with cells of module `id` (0: of every module in
 * the answer): they are new as of now.  A module whose rows were all
 * unknown ("-") was not answered for. */
static void
stamp_cells(struct pt_sample *out, int id, int64_t now)
{
	int i, j;

	for (i = 0; i < out->n_modules; i++) {
		struct pt_module *m = &out->modules[i];

		if ((id > 0 && m->id != id) || m->cells_ms != 0)
			continue;
		for (j = 0; j < m->n_cells; j++)
			if (PT_HAS(&m->cells[j], PTF_VOLTAGE)) {
				m->cells_ms = now;
				break;
			}
	}
}

/* When the last answer's last bytes came, as UTC: the link's stamp (the
 * time --record writes), not our clock after the parsing, which a replay
 * does not have (clock.h, clock_wall_of_mono). */
static int64_t
answer_wall_ms(const struct session *s)
{
	int64_t at = link_last_read_ms(s->link);

	return at > 0 ? clock_wall_of_mono(at) : clock_wall_ms();
}

/* Send a command and parse its answer into `out`. */
static int
run(struct session *s, const char *name, int arg, struct pt_sample *out)
{
	struct console_priv *p = priv(s);
	const struct console_cmd *c = lookup(s, name);
	struct console_ctx ctx = { .module = arg };
	struct console_frame fr;
	char num[16] = "";
	int rc;

	if (c == NULL)
		return session_fail(s, PT_ERR_UNSUPPORTED, "'%s' is not a command of this dialect",
		    name);
	if (arg > 0 && c->module_arg)
		snprintf(num, sizeof num, "%d", arg);
	p->verdict_later = true;
	rc = exchange(s, c, num, false, &fr);
	p->verdict_later = false;
	if (rc != 0)
		return rc;
	if (c->parse == NULL || out == NULL) {
		say_answer(s, "ok", NULL);
		return 0;
	}
	pt_diag_clear(&p->diag);
	rc = c->parse(p->buf + fr.body_off, fr.body_len, &ctx, out, &p->diag);
	if (rc != 0) {
		s->counters.parse_errors++;
		snprintf(s->error, sizeof s->error, "cannot read the answer to '%s%s%.0d': %s",
		    name, arg > 0 ? " " : "", arg, p->diag.error);
		say_answer(s, "unreadable", p->diag.error);
		return rc;
	}
	say_answer(s, "ok", NULL);
	if (strcmp(name, "bat") == 0 || strcmp(name, "getpwr") == 0)
		stamp_cells(out, c->module_arg ? arg : 0, answer_wall_ms(s));
	return 0;
}

/* LV `pwr` starts with a "Power Volt ..." header; HV `pwr` has string
 * extremes (BVlow/BTlow) and no per-address rows. */
static enum console_dialect
detect_dialect(const char *body, size_t len)
{
	struct ct_lines it;
	struct ct_span line;

	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (ct_starts(line, "Power") && ct_contains(line, "Volt"))
			return CD_LV;
		if (ct_contains(line, "BVlow") || ct_contains(line, "BTlow") ||
		    ct_contains(line, "AverageTempr"))
			return CD_HV;
	}
	return 0;
}

int
console_send_wake(struct link *l, atomic_int *stop)
{
	int64_t t;

	if (link_set_baud(l, 1200) != 0)
		return PT_ERR_UNSUPPORTED;
	pt_vlog(PT_VLOG_SUMMARY, "console: sent the 1200-baud wake frame (no prompt at "
	    "%d baud)", l->baud > 0 ? l->baud : 115200);
	link_write(l, wake_frame, sizeof wake_frame - 1, 1000);
	t = clock_mono_ms() + 500;
	clock_sleep_until(t, stop);
	link_set_baud(l, l->baud > 0 ? l->baud : 115200);
	t = clock_mono_ms() + 500;
	clock_sleep_until(t, stop);
	return 0;
}

static int
wake(struct session *s)
{
	int rc = probe_prompt(s);

	if (rc != PT_ERR_TIMEOUT || stopped(s))
		return rc;
	/* LV modules after a full power-off listen only after the 1200-baud
	 * wake frame; once, never in a loop.  Serial ports only. */
	if (console_send_wake(s->link, s->stop) == 0)
		rc = probe_prompt(s);
	if (rc == PT_ERR_TIMEOUT)
		rc = probe_prompt(s);
	if (rc == PT_ERR_TIMEOUT) {
		s->counters.timeouts++;
		snprintf(s->error, sizeof s->error, "no prompt from the console on %s: check "
		    "that it is the battery's Console port (RJ45 pins 3/6/8), the speed "
		    "(115200 8N1) and that the battery is on", s->link->path);
	}
	return rc;
}

static void
remember_modules(struct session *s, const struct pt_sample *smp)
{
	struct console_priv *p = priv(s);
	int i;

	p->n_ids = 0;
	for (i = 0; i < smp->n_modules && i < PT_MAX_MODULES; i++)
		p->ids[p->n_ids++] = smp->modules[i].id;
	s->modules = p->n_ids;
	if (p->per_cycle <= 0 || p->per_cycle > p->n_ids)
		p->per_cycle = p->n_ids;
	s->cells_per_cycle = p->per_cycle;
}

/* SC0500 debug mode: login, then the guarded tbar (docs/console.md §5.3). */
static int
enter_debug(struct session *s)
{
	struct console_priv *p = priv(s);
	struct console_frame fr;
	const struct console_cmd *tbar = console_cmd_find(CD_SC0500, "tbar");
	const struct console_cmd *login = console_cmd_find(CD_SC0500, "login");
	const char *device_code = p->cache.stack.barcode;
	const char *code = s->cfg->barcode[0] ? s->cfg->barcode : device_code;
	int rc;

	if (tbar == NULL || login == NULL)
		return session_fail(s, PT_ERR_UNSUPPORTED, "%s", "no SC0500 debug commands");

	if (device_code[0] == '\0' && !s->cfg->force_tbar)
		return session_fail(s, PT_ERR_REFUSED, "%s", "SC0500 debug mode: 'info' shows "
		    "no controller barcode, so tbar is not sent (it may write the barcode "
		    "register); use --protocol hv for user-mode polling");
	if (s->cfg->barcode[0] && strcmp(s->cfg->barcode, device_code) != 0 &&
	    !s->cfg->force_tbar) {
		snprintf(s->error, sizeof s->error, "refusing tbar: BMS_BARCODE '%s' differs "
		    "from the controller's barcode '%s' ('info'); on some firmware tbar writes "
		    "the barcode register. Fix BMS_BARCODE or use --force-tbar",
		    s->cfg->barcode, device_code);
		return PT_ERR_REFUSED;
	}
	if (p->prompt != CP_PYLON_DEBUG) {
		/* login changes the console's mode, not the battery. */
		rc = exchange(s, login, "debug", false, &fr);
		if (rc != 0 && rc != PT_ERR_DEVICE)
			return rc;
		if (p->prompt != CP_PYLON_DEBUG)
			return session_fail(s, PT_ERR_DEVICE, "%s", "'login debug' did not give "
			    "the pylon_debug> prompt");
	}
	if (p->tbar_done)
		return 0;
	/* Exactly once per connection, never with another value. */
	p->tbar_done = true;
	if (code[0] == '\0')
		return session_fail(s, PT_ERR_REFUSED, "%s", "no barcode for tbar: set BMS_BARCODE");
	rc = exchange(s, tbar, code, true, &fr);
	if (rc != 0) {
		char why[sizeof s->error];
		snprintf(why, sizeof why, "%s", s->error);
		return session_fail(s, rc, "tbar was not accepted: %s", why);
	}
	pt_diag_clear(&p->diag);
	if (console_sc0500_check_tbar(p->buf + fr.body_off, fr.body_len, &p->diag) != 0)
		return session_fail(s, PT_ERR_DEVICE, "tbar was not accepted: %s", p->diag.error);
	return 0;
}

/* Cycles it takes to read every module's cells once. */
static int
cycles_per_round(const struct console_priv *p)
{
	if (p->dialect != CD_LV || p->per_cycle <= 0 || p->n_ids == 0)
		return 1;
	return (p->n_ids + p->per_cycle - 1) / p->per_cycle;
}

/* Identity from the cache; cells of modules not read in this cycle
 * (round-robin, a lost answer) only while within their freshness limit
 * (pt_sample_merge_cached, sample.h), with their own read time. */
static void
merge_cache(struct session *s, struct pt_sample *out, struct pt_sample *cache)
{
	int64_t max_age = pt_cells_max_age_ms(s->cycle_ms, cycles_per_round(priv(s)));
	int dropped;

	/* Identity and slow data survive between polls (they are read once
	 * an hour, or interleaved over the first cycles). */
	pt_sample_merge_slow(out, cache);
	dropped = pt_sample_merge_cached(out, cache, answer_wall_ms(s), max_age);
	if (dropped > 0)
		pt_vlog(PT_VLOG_SUMMARY, "console: cells of %d module%s older than %.1f s: "
		    "unknown, not repeated", dropped, dropped == 1 ? "" : "s",
		    (double)max_age / 1000.0);
}

/* Remember identity and cells (with their read time) for the next polls. */
static void
save_cache(struct pt_sample *cache, struct pt_sample *fresh, const struct pt_sample *out)
{
	int i;

	pt_sample_init(fresh, out->protocol);
	fresh->stack = out->stack;
	for (i = 0; i < out->n_modules; i++) {
		const struct pt_module *m = &out->modules[i];
		const struct pt_module *old = pt_sample_find_module(cache, m->id);
		struct pt_module *f = pt_sample_module(fresh, m->id);

		if (f == NULL)
			break;
		*f = *m;
		f->n_cells = 0;
		f->cells_ms = 0;
		if (old != NULL)
			pt_module_merge_slow(f, old);
		if (m->cells_ms != 0)
			pt_module_copy_cells(fresh, f, out, m);
		else if (old != NULL && old->cells_ms != 0)
			pt_module_copy_cells(fresh, f, cache, old);
	}
	if (cache->stack.model[0] && !fresh->stack.model[0])
		memcpy(fresh->stack.model, cache->stack.model, sizeof fresh->stack.model);
	if (cache->stack.barcode[0] && !fresh->stack.barcode[0])
		memcpy(fresh->stack.barcode, cache->stack.barcode, sizeof fresh->stack.barcode);
	*cache = *fresh;
}

static void
set_note(struct session *s, const char *text)
{
	if (strcmp(s->note, text) == 0)
		return;
	snprintf(s->note, sizeof s->note, "%s", text);
	s->note_seq++;
	if (text[0] != '\0')
		pt_vlog(PT_VLOG_SUMMARY, "console: %s", text);
}

/* The wire may be too slow to read every module's cells each interval:
 * read fewer per cycle, round-robin; grow back by one module per cycle
 * when one more fits with a share to spare.  Every change is said
 * (s->note, note_seq, -v).  The times are the link's stamps (poll_lv()),
 * so a replay of a recording takes the decisions the live run took. */
static void
adapt_round_robin(struct session *s, int64_t elapsed_ms, int64_t cells_ms, int cells_read)
{
	struct console_priv *p = priv(s);
	int64_t budget = (int64_t)(s->cfg->interval_s * 1000);
	int before = p->per_cycle;
	char text[sizeof s->note];

	if (p->n_ids == 0 || p->per_cycle == 0 || budget <= 0 || cells_read <= 0)
		return;
	if (elapsed_ms > budget && p->per_cycle > 1) {
		int64_t per_module = cells_ms / cells_read + 1;
		int64_t room = budget - (elapsed_ms - cells_ms);
		int n = room > 0 ? (int)(room / per_module) : 1;

		if (n < 1)
			n = 1;
		if (n < p->per_cycle)
			p->per_cycle = n;
	} else if (elapsed_ms <= budget && p->per_cycle < p->n_ids) {
		int64_t per_module = cells_ms / cells_read + 1;
		int64_t need = (elapsed_ms - cells_ms) + (p->per_cycle + 1) * per_module;

		if (need + need / RR_GROW_SPARE <= budget)
			p->per_cycle++;
	}
	s->cells_per_cycle = p->per_cycle;
	if (p->per_cycle == before)
		return;
	if (p->per_cycle < before)
		snprintf(text, sizeof text, "cells of %d of %d modules per cycle, round-robin "
		    "(the line is too slow for all in %g s)", p->per_cycle, p->n_ids,
		    s->cfg->interval_s);
	else if (p->per_cycle < p->n_ids)
		snprintf(text, sizeof text, "cells of %d of %d modules per cycle, round-robin "
		    "(growing back: the line is faster again)", p->per_cycle, p->n_ids);
	else
		snprintf(text, sizeof text, "cells of all %d modules every cycle again "
		    "(round-robin off: the line keeps up)", p->n_ids);
	s->note_is_event = p->per_cycle == p->n_ids;
	set_note(s, text);
}

/* One entry of the slow round: its command and module (0 = none). */
static int
slow_entries(const struct console_priv *p)
{
	if (p->dialect == CD_LV)
		return 2 * p->n_ids;
	if (p->dialect == CD_HV)
		return 2;
	return 0;
}

static void
slow_entry(const struct console_priv *p, int k, const char **cmd, int *arg)
{
	int half = slow_entries(p) / 2;

	/* Every module's `info` first, then the counters: on a slow line
	 * the barcodes (what MQTT and the UI name modules by) are complete
	 * after half the round. */
	*cmd = k < half ? "info" : "stat";
	*arg = p->dialect == CD_LV ? p->ids[k % (half > 0 ? half : 1)] : 0;
}

/* The slow reads (identity, counters) of a round: all at once for
 * --once; otherwise as many as fit in what is left of the interval (the
 * last answer's time is the estimate), so on a slow line the first sample
 * comes first and the identity follows over the next cycles, at least
 * one read per later poll.  Identity and counters are extras: old
 * firmware rejects some, a lost answer is counted; only a dead line stops
 * the poll. */
/* How long this poll has taken and how long the last answer took, on
 * the link's stamps (the times --record writes, which a replay gives
 * back), so that a replay decides what fits in the interval as the live
 * run did (see poll_lv()).  t0, our own clock at the poll's start, is
 * what is left when the poll has sent nothing yet. */
static int64_t
poll_elapsed(struct session *s, int64_t t0)
{
	const struct console_priv *p = priv(s);

	if (p->poll_sent_ms == 0)
		return clock_mono_ms() - t0;
	return link_last_read_ms(s->link) - p->poll_sent_ms;
}

static int64_t
answer_ms(struct session *s)
{
	return link_last_read_ms(s->link) - priv(s)->sent_ms;
}

static int
slow_reads(struct session *s, struct pt_sample *out, int64_t t0)
{
	struct console_priv *p = priv(s);
	int64_t budget = (int64_t)(s->cfg->interval_s * 1000), last_ms = answer_ms(s);
	int n = slow_entries(p), done = 0, rc;

	if (p->slow_next < 0)
		return 0;
	while (p->slow_next < n) {
		const char *cmd;
		int arg;

		if (!s->all_at_once && (done > 0 || !p->polled) &&
		    poll_elapsed(s, t0) + last_ms > budget)
			return 0;
		slow_entry(p, p->slow_next, &cmd, &arg);
		progress_steps(s, "identity", p->slow_next, n);
		p->slow_next++;
		done++;
		rc = run(s, cmd, arg, out);
		if (rc == PT_ERR_CLOSED || rc == PT_ERR_IO)
			return rc;
		last_ms = answer_ms(s);
		/* The barcodes are in once every `info` was asked (the first
		 * half); the counters that follow name nothing. */
		if (p->slow_next >= n / 2)
			s->identity_pending = false;
	}
	p->slow_next = -1;
	s->identity_pending = false;
	progress_steps(s, "polling", 0, 0);
	return 0;
}

/* ---- the records round (issue 13) ------------------------------------ */

static void
rec_add(struct console_priv *p, const char *cmd, int arg)
{
	if (p->rec_n >= REC_MAX)
		return;
	snprintf(p->rec_plan[p->rec_n].cmd, sizeof p->rec_plan[0].cmd, "%s", cmd);
	p->rec_plan[p->rec_n++].arg = arg;
}

/* What a round reads: LV per module `info N`, `stat N`, `soh N`, then
 * `log` and `time` of the console's own module (the firmware's `log`
 * takes no module, and `time` with arguments SETS the clock); HV the
 * controller's `info`, `stat`, `soh`, `log`, `time`, `sysinfo`, then
 * `bmuinfo k` per BMU (Force H2; other controllers refuse it, said per
 * unit).  Returns false when this dialect has no records. */
static bool
records_plan(struct session *s)
{
	struct console_priv *p = priv(s);
	static const char *const hv[] = { "info", "stat", "soh", "log", "time", "sysinfo" };
	size_t k;
	int i;

	p->rec_n = 0;
	if (p->dialect == CD_LV) {
		for (i = 0; i < p->n_ids; i++) {
			rec_add(p, "info", p->ids[i]);
			rec_add(p, "stat", p->ids[i]);
			rec_add(p, "soh", p->ids[i]);
		}
		rec_add(p, "log", -1);
		rec_add(p, "time", -1);
	} else if (p->dialect == CD_HV) {
		for (k = 0; k < sizeof hv / sizeof hv[0]; k++)
			rec_add(p, hv[k], -1);
		for (i = 0; i < p->n_ids; i++)
			rec_add(p, "bmuinfo", i);
	} else
		return false;
	return true;
}

/* One records command: its answer parsed into s->records; a refusal or
 * an unreadable answer is said in the unit and counted, not fatal. */
static int
record_one(struct session *s, const char *name, int arg)
{
	struct console_priv *p = priv(s);
	const struct console_cmd *c = lookup(s, name);
	struct pt_records *r = s->records;
	struct console_frame fr;
	char num[16] = "";
	int self = p->n_ids > 0 ? p->ids[0] : 1, rc;

	r->commands++;
	if (c == NULL || !c->read_only)
		return session_fail(s, PT_ERR_REFUSED, "'%s' is not a read-only command here",
		    name);
	if (arg >= 0)
		snprintf(num, sizeof num, "%d", arg);
	p->pager_bounded = true;
	p->verdict_later = true;
	rc = exchange(s, c, num, false, &fr);
	p->verdict_later = false;
	p->pager_bounded = false;
	if (rc != 0) {
		struct pt_rec_unit *u = pt_records_unit(r, p->dialect == CD_LV ?
		    (arg > 0 ? arg : self) : strcmp(name, "bmuinfo") == 0 ? arg + 1 : 0,
		    p->dialect == CD_LV ? PT_REC_LV_MODULE : strcmp(name, "bmuinfo") == 0 ?
		    PT_REC_HV_BMU : PT_REC_HV_CONTROLLER);

		r->failed++;
		if (u != NULL) {
			size_t used = strlen(u->errors);
			snprintf(u->errors + used, sizeof u->errors - used, "%s%s%s%s: %s",
			    used ? "; " : "", name, num[0] ? " " : "", num, s->error);
		}
		if (rc != PT_ERR_CLOSED && rc != PT_ERR_IO)
			say_answer(s, rc == PT_ERR_DEVICE ? "refused by the device" : "failed",
			    s->error);
		return rc;
	}
	pt_diag_clear(&p->diag);
	rc = console_rec_parse(p->dialect, name, arg, self, p->buf + fr.body_off, fr.body_len,
	    clock_wall_ms(), r, &p->diag);
	if (rc != 0) {
		r->failed++;
		s->counters.parse_errors++;
		say_answer(s, "unreadable", p->diag.error);
		return 0;
	}
	if (p->pager_cut && strcmp(name, "log") == 0) {
		struct pt_rec_unit *u = pt_records_unit(r, p->dialect == CD_LV ? self : 0, 0);
		if (u != NULL)
			u->log.truncated = true;
	}
	say_answer(s, "ok", p->pager_cut ? "cut at the bound" : NULL);
	return 0;
}

/* Start a round when one is asked for and none is running. */
static void
records_start(struct session *s)
{
	struct console_priv *p = priv(s);

	if (!s->records_request || p->rec_next >= 0)
		return;
	s->records_request = false;
	if (s->records == NULL && (s->records = malloc(sizeof *s->records)) == NULL)
		return;
	if (!records_plan(s))
		return;
	pt_records_init(s->records);
	snprintf(s->records->protocol, sizeof s->records->protocol, "%s", s->protocol);
	s->records->started_ms = clock_wall_ms();
	p->rec_next = 0;
	s->records_busy = true;
}

/* The records round goes after the identity reads, with the same budget
 * (slow_reads()): on a slow line it spreads over cycles and live values
 * keep flowing; --records (all_at_once) reads it in one go. */
static int
records_reads(struct session *s, int64_t t0)
{
	struct console_priv *p = priv(s);
	int64_t budget = (int64_t)(s->cfg->interval_s * 1000), last_ms = answer_ms(s);
	int done = 0, rc;

	if (p->rec_next < 0 || p->slow_next >= 0)
		return 0;
	while (p->rec_next < p->rec_n) {
		if (!s->all_at_once && done > 0 && poll_elapsed(s, t0) + last_ms > budget)
			return 0;
		progress_steps(s, "records", p->rec_next, p->rec_n);
		rc = record_one(s, p->rec_plan[p->rec_next].cmd, p->rec_plan[p->rec_next].arg);
		p->rec_next++;
		done++;
		if (rc == PT_ERR_CLOSED || rc == PT_ERR_IO)
			return rc;
		/* A controller without `bmuinfo` (only Force H2 has it) refuses
		 * the first: do not ask for every BMU. */
		if (rc == PT_ERR_DEVICE && strcmp(p->rec_plan[p->rec_next - 1].cmd, "bmuinfo") == 0)
			while (p->rec_next < p->rec_n &&
			    strcmp(p->rec_plan[p->rec_next].cmd, "bmuinfo") == 0)
				p->rec_next++;
		last_ms = answer_ms(s);
	}
	p->rec_next = -1;
	s->records->done_ms = clock_wall_ms();
	s->records->complete = true;
	s->records->seq = ++s->records_seq;
	s->records_busy = false;
	progress_steps(s, "polling", 0, 0);
	return 0;
}

static int
poll_lv(struct session *s, struct pt_sample *out)
{
	struct console_priv *p = priv(s);
	int64_t t0, t1, end;
	int i, rc, lost, read;

	if ((rc = run(s, "pwr", 0, out)) != 0)
		return rc;
	/* The cycle is judged from when `pwr` left to when the last answer's
	 * last bytes came (t1: those of `pwr`), as the link stamped them: the
	 * times --record writes.  Our own clock around them (the wake-up
	 * before, the parsing after) is not in a recording, and a replay
	 * judged on it could read other modules than the live run did. */
	t0 = p->sent_ms;
	t1 = link_last_read_ms(s->link);
	remember_modules(s, out);
	if (p->n_ids == 0)
		return session_fail(s, PT_ERR_PARSE, "%s", "'pwr' lists no module: is this "
		    "the master battery (address 1)?");
	for (i = 0, lost = 0, read = 0; i < p->per_cycle; i++) {
		int id = p->ids[(p->rr_next + i) % p->n_ids];
		rc = run(s, "bat", id, out);
		if (rc == PT_ERR_CLOSED || rc == PT_ERR_IO)
			return rc;
		/* One module's cells lost (counted) is no reason to drop the
		 * sample: its cells come from the previous read while fresh
		 * enough.  Two answers lost in a row is a line in trouble. */
		if (rc == PT_ERR_TIMEOUT && ++lost >= 2)
			return rc;
		if (rc == 0)
			lost = 0;
		read++;
	}
	p->rr_next = (p->rr_next + p->per_cycle) % p->n_ids;
	end = link_last_read_ms(s->link);
	adapt_round_robin(s, end - t0, end - t1, read);
	return 0;
}

static int
poll_hv(struct session *s, struct pt_sample *out)
{
	int rc;

	if ((rc = run(s, "pwr", 0, out)) != 0)
		return rc;
	if ((rc = run(s, "unit", 0, out)) != 0)
		return rc;
	remember_modules(s, out);
	return run(s, "bat", 0, out);
}

/* The measured cycle: from the previous poll's start to this one's,
 * never less than the interval (session.h).  A poll starts when its
 * first command left (the link's stamp, which a replay gives back). */
static void
measure_cycle(struct session *s, int64_t t0)
{
	struct console_priv *p = priv(s);
	int64_t interval = (int64_t)(s->cfg->interval_s * 1000);

	if (p->poll_start_ms > 0)
		s->cycle_ms = t0 - p->poll_start_ms > interval ? t0 - p->poll_start_ms : interval;
	p->poll_start_ms = t0;
}

static int
console_poll(struct session *s, struct pt_sample *out, bool slow)
{
	struct console_priv *p = priv(s);
	int64_t t0 = clock_mono_ms(), interval = (int64_t)(s->cfg->interval_s * 1000);
	int rc;

	s->error[0] = '\0';
	p->poll_sent_ms = 0;
	progress(s, "polling", NULL, 0);
	if (slow)
		p->slow_next = 0;
	switch (p->dialect) {
	case CD_LV:
		rc = poll_lv(s, out);
		break;
	case CD_HV:
		rc = poll_hv(s, out);
		break;
	default:
		rc = run(s, "getpwr", 0, out);
		if (rc == 0)
			remember_modules(s, out);
		break;
	}
	if (p->poll_sent_ms != 0)
		measure_cycle(s, p->poll_sent_ms);
	if (rc == 0)
		rc = slow_reads(s, out, t0);
	if (rc == 0) {
		records_start(s);
		rc = records_reads(s, t0);
	}
	if (rc != 0)
		return rc;
	if (s->cycle_ms == 0)
		s->cycle_ms = poll_elapsed(s, t0) > interval ? poll_elapsed(s, t0) : interval;
	merge_cache(s, out, &p->cache);
	save_cache(&p->cache, &p->cache_next, out);
	p->polled = true;
	progress(s, NULL, NULL, 0);
	return 0;
}

static int
identify_dialect(struct session *s, struct pt_sample *tmp)
{
	struct console_priv *p = priv(s);
	const char *want = s->cfg->protocol;
	const struct console_cmd *pwr = console_cmd_find(CD_LV, "pwr");
	struct console_frame fr;
	int rc;

	if (strcmp(want, "lv") == 0 || p->prompt == CP_PYTES)
		p->dialect = CD_LV;
	else if (strcmp(want, "hv") == 0)
		p->dialect = CD_HV;
	else if (strcmp(want, "sc0500") == 0)
		p->dialect = CD_SC0500;
	else {
		/* Both dialects answer `pwr`, in different shapes. */
		if ((rc = exchange(s, pwr, NULL, false, &fr)) != 0)
			return rc;
		p->dialect = detect_dialect(p->buf + fr.body_off, fr.body_len);
		if (p->dialect == 0)
			return session_fail(s, PT_ERR_UNSUPPORTED, "%s", "the answer to 'pwr' is "
			    "neither the LV module table nor the HV stack summary; give "
			    "--protocol lv, hv or sc0500");
	}
	pt_sample_init(tmp, NULL);
	return 0;
}

static int
console_identify(struct session *s)
{
	struct console_priv *p = priv(s);
	struct pt_sample *tmp = malloc(sizeof *tmp);
	int rc;

	if (tmp == NULL)
		return session_fail(s, PT_ERR_NOMEM, "%s", "out of memory");
	p->slow_next = -1;
	p->rec_next = -1;
	s->records_busy = false;
	p->polled = false;
	p->poll_start_ms = 0;
	s->identity_pending = true;	/* until slow_reads() has done one round */
	s->cycle_ms = 0;
	progress_steps(s, "waking", 0, 0);
	if ((rc = wake(s)) != 0)
		goto out;
	progress_steps(s, "identifying", 0, 0);
	if ((rc = identify_dialect(s, tmp)) != 0)
		goto out;
	pt_sample_init(&p->cache, NULL);
	switch (p->dialect) {
	case CD_LV:
		strcpy(s->protocol, "lv");
		if ((rc = run(s, "pwr", 0, tmp)) != 0)
			goto out;
		remember_modules(s, tmp);
		if (p->n_ids == 0) {
			rc = session_fail(s, PT_ERR_PARSE, "%s", "'pwr' lists no module: is this "
			    "the master battery (address 1)?");
			goto out;
		}
		snprintf(s->model, sizeof s->model, "%s", p->prompt == CP_PYTES ?
		    "Pytes LV stack" : "Pylontech LV stack");
		break;
	case CD_HV:
		strcpy(s->protocol, "hv");
		if ((rc = run(s, "info", 0, tmp)) != 0 && rc != PT_ERR_DEVICE && rc != PT_ERR_PARSE)
			goto out;
		if ((rc = run(s, "unit", 0, tmp)) != 0)
			goto out;
		remember_modules(s, tmp);
		save_cache(&p->cache, &p->cache_next, tmp);
		snprintf(s->model, sizeof s->model, "%s", tmp->stack.model[0] ?
		    tmp->stack.model : "Pylontech HV controller");
		break;
	default:
		strcpy(s->protocol, "sc0500");
		/* User-mode `info` first: the barcode tbar must match. */
		if ((rc = run(s, "info", 0, tmp)) != 0)
			goto out;
		/* Its "BMU k Barcode" blocks count the modules (getpwr does
		 * not say; "found CMU_A, 0 modules" was wrong). */
		remember_modules(s, tmp);
		save_cache(&p->cache, &p->cache_next, tmp);
		if ((rc = enter_debug(s)) != 0)
			goto out;
		snprintf(s->model, sizeof s->model, "%s", tmp->stack.model[0] ?
		    tmp->stack.model : "SC0500 (debug mode)");
		break;
	}
	rc = 0;
	progress_steps(s, "polling", 0, 0);
out:
	free(tmp);
	return rc;
}

static int
console_user_command(struct session *s, const char *line, char *result, size_t size)
{
	struct console_priv *p = priv(s);
	const struct console_cmd *c;
	struct console_frame fr;
	char arg[16];
	int rc;

	/* The same check as the monitor's, here too: this is what sends. */
	if (console_cmd_check_user(p->dialect, line, &c, arg, sizeof arg, result, size) != 0)
		return PT_ERR_REFUSED;
	rc = exchange(s, c, arg, false, &fr);
	if (rc == 0)
		snprintf(result, size, "'%s': answered, %zu bytes in %lld ms", line,
		    p->ans_bytes, (long long)p->ans_ms);
	else
		snprintf(result, size, "'%s': %s", line, s->error);
	return rc;
}

static void
console_free(struct session *s)
{
	free(s->priv);
	free(s);
}

static const struct session_ops console_ops = {
	.family = "console",
	.identify = console_identify,
	.poll = console_poll,
	.user_command = console_user_command,
	.free = console_free,
};

struct session *
console_session_new(const struct pt_config *cfg, struct link *link)
{
	struct session *s = calloc(1, sizeof *s);

	if (s == NULL || (s->priv = calloc(1, sizeof(struct console_priv))) == NULL) {
		free(s);
		return NULL;
	}
	s->ops = &console_ops;
	s->cfg = cfg;
	s->link = link;
	((struct console_priv *)s->priv)->slow_next = -1;
	((struct console_priv *)s->priv)->rec_next = -1;
	return s;
}
