/* decode.c — pylontop --decode FILE: what pylontop makes of a recorded
 * answer.  Technicians use it to check their firmware's output; the
 * tests use it on every capture.
 *
 * The file may hold one console answer or several exchanges (captures of
 * terminal sessions), with or without CRs, echo and prompt; or RS485
 * frames, one per line.  stdout gets the sample JSON and nothing else;
 * messages go to stderr.  Exit 0 when something decoded, 2 otherwise. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "model/records.h"
#include "model/sample_json.h"
#include "proto/console_cmd.h"
#include "proto/console_frame.h"
#include "proto/console_records.h"
#include "proto/console_text.h"
#include "proto/rs485.h"
#include "util/err.h"

#define MAX_FILE	(8u << 20)

static int
fail(const char *path, const char *fmt, const char *arg)
{
	fprintf(stderr, "pylontop: %s: ", path);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

/* Read the whole file; refuse what cannot be a console capture. */
static char *
read_file(const char *path, size_t *len, int *rc)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 65536, n = 0, bad = 0, i;
	char *buf;

	*rc = EXIT_USAGE;
	if (f == NULL) {
		/* A file that cannot be opened is a file failure (1), not bad
		 * input (2): the README's exit statuses. */
		fail(path, "cannot read: %s", strerror(errno));
		*rc = EXIT_RUNTIME;
		return NULL;
	}
	buf = malloc(cap + 16);
	while (buf != NULL) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0 || n > MAX_FILE)
			break;
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 16);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (f != stdin)
		fclose(f);
	if (buf == NULL) {
		fail(path, "%s", "out of memory");
		return NULL;
	}
	if (n > MAX_FILE) {
		fail(path, "%s", "is larger than 8 MiB: not one recorded answer");
		goto bad;
	}
	if (n == 0) {
		fail(path, "%s", "is empty: expected a recorded console answer or RS485 frames");
		goto bad;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == 0 || (c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c >= 0x80)
			bad++;
	}
	if (bad * 20 > n || memchr(buf, 0, n < 4096 ? n : 4096) != NULL) {
		fail(path, "%s", "looks binary, not a recorded console answer (text with "
		    "'pylon>' prompts) or RS485 '~' frames");
		goto bad;
	}
	buf[n] = '\0';
	*len = n;
	*rc = 0;
	return buf;
bad:
	free(buf);
	return NULL;
}

/* The first line that is not blank or a '#' comment starts with '~'. */
static bool
is_rs485(const char *buf, size_t len)
{
	size_t i = 0;

	for (;;) {
		while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
		    buf[i] == '\n'))
			i++;
		if (i >= len || buf[i] != '#')
			break;
		while (i < len && buf[i] != '\n')
			i++;
	}
	return i < len && buf[i] == '~';
}

/* Which dialect tables to try, in order, for a --protocol value. */
static int
dialect_order(const char *protocol, enum console_dialect *out)
{
	if (strcmp(protocol, "lv") == 0) {
		out[0] = CD_LV; out[1] = CD_SC0500;
		return 2;
	}
	if (strcmp(protocol, "hv") == 0) {
		out[0] = CD_HV; out[1] = CD_SC0500;
		return 2;
	}
	if (strcmp(protocol, "sc0500") == 0) {
		out[0] = CD_SC0500; out[1] = CD_HV; out[2] = CD_LV;
		return 3;
	}
	out[0] = CD_LV; out[1] = CD_HV; out[2] = CD_SC0500;
	return 3;
}

static const char *
dialect_protocol(enum console_dialect d)
{
	return d == CD_LV ? "lv" : d == CD_HV ? "hv" : "sc0500";
}

/* Command name and argument from the echo line ("bat 1", "pwr"). */
static bool
command_of(struct ct_span echo, char *name, size_t size, int *arg)
{
	struct ct_span tok[4];
	long n;
	int count;

	*arg = 0;
	count = ct_tokens(echo, tok, 4, NULL);
	if (count == 0)
		return false;
	ct_copy(name, size, tok[0]);
	if (count >= 2 && ct_long(tok[1], &n) && n >= 0 && n < 1000)
		*arg = (int)n;
	return true;
}

struct decode_state {
	const char	*path;
	const struct app_options *o;
	struct pt_sample sample;
	int		 decoded, failed;
	char		 last_error[300];
	struct pt_records *records;	/* stat/soh/log/time/info/bmuinfo/sysinfo */
};

/* Parse one framed answer with the first dialect whose parser takes it
 * cleanly (fewest warnings).  Returns 0 or a pt_err. */
static int
parse_answer(struct decode_state *st, const char *cmdname, int arg,
    const char *body, size_t len)
{
	enum console_dialect order[3];
	const struct console_cmd *best = NULL;
	struct pt_diag d, best_d;
	struct pt_sample *trial = malloc(sizeof *trial), *best_s = NULL;
	struct console_ctx ctx = { .module = arg };
	int i, n = dialect_order(st->o->cfg.protocol, order), known = 0, rc = PT_ERR_UNSUPPORTED;

	if (trial == NULL)
		return PT_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		const struct console_cmd *c = console_cmd_find(order[i], cmdname);

		if (c == NULL || c->parse == NULL)
			continue;
		known++;
		*trial = st->sample;
		pt_diag_clear(&d);
		if (c->parse(body, len, &ctx, trial, &d) != 0) {
			if (best == NULL)
				snprintf(st->last_error, sizeof st->last_error, "%s", d.error);
			continue;
		}
		if (best == NULL || d.n_warnings < best_d.n_warnings) {
			if (best_s == NULL && (best_s = malloc(sizeof *best_s)) == NULL)
				break;
			best = c;
			best_d = d;
			*best_s = *trial;
			snprintf(best_s->protocol, sizeof best_s->protocol, "%s",
			    dialect_protocol(order[i]));
			if (d.n_warnings == 0)
				break;
		}
	}
	if (best != NULL) {
		st->sample = *best_s;
		for (i = 0; i < best_d.n_warnings && i < PT_DIAG_MAX; i++)
			fprintf(stderr, "pylontop: %s: %s: warning: %s\n", st->path, cmdname,
			    best_d.warnings[i]);
		rc = 0;
	} else if (known == 0)
		snprintf(st->last_error, sizeof st->last_error,
		    "pylontop does not decode '%s' answers (it reads pwr, bat, unit, info, "
		    "stat, soh, pwrsys, getpwr, log, time, bmuinfo, sysinfo)", cmdname);
	else
		rc = PT_ERR_PARSE;
	free(best_s);
	free(trial);
	return rc;
}

/* Guess the command of an answer whose echo is missing. */
static const char *
guess_command(const char *body, size_t len)
{
	struct ct_lines it;
	struct ct_span line;

	ct_lines_init(&it, body, len);
	while (ct_next_line(&it, &line)) {
		if (ct_starts(line, "Power ") && ct_contains(line, "Volt"))
			return "pwr";
		if (ct_starts(line, "Battery ") || ct_starts(line, "Bat "))
			return "bat";
		if (ct_contains(line, "#"))
			return "getpwr";
		if (ct_starts(line, "Index "))
			return "unit";
		if (ct_starts(line, "Device address"))
			return ct_contains(line, ":") ? "info" : "stat";
		if (ct_contains(line, "Power System Information"))
			return "pwrsys";
	}
	return NULL;
}

/* The BMS records of an answer (console_records.h), besides its sample
 * values: which dialect's unit numbering, from --protocol, else from the
 * sample parser that took it, else from the command. */
static bool
records_of(struct decode_state *st, const char *name, int arg, const char *body, size_t len)
{
	const char *proto = st->o->cfg.protocol;
	enum console_dialect dl = CD_LV;
	struct pt_diag d;

	if (!console_rec_is_command(name) || st->records == NULL)
		return false;
	if (strcmp(proto, "hv") == 0 || strcmp(proto, "sc0500") == 0 ||
	    (strcmp(proto, "lv") != 0 && (strcmp(st->sample.protocol, "hv") == 0 ||
	    strcmp(name, "bmuinfo") == 0 || strcmp(name, "sysinfo") == 0)))
		dl = CD_HV;
	pt_diag_clear(&d);
	if (console_rec_parse(dl, name, arg > 0 || strcmp(name, "bmuinfo") == 0 ? arg : -1, 1,
	    body, len, 0, st->records, &d) != 0) {
		snprintf(st->last_error, sizeof st->last_error, "%s", d.error);
		return false;
	}
	return true;
}

/* One answer body: its sample values and its records.  login, logout,
 * tbar...: no data, but not an error either. */
static void
one_body(struct decode_state *st, const char *name, int arg, const char *body, size_t len)
{
	bool sample = parse_answer(st, name, arg, body, len) == 0;
	bool records = records_of(st, name, arg, body, len);

	if (sample || records)
		st->decoded++;
	else
		st->failed++;
}

static void
one_answer(struct decode_state *st, const char *buf, const struct console_frame *fr)
{
	struct ct_span echo = { buf + fr->echo_off, fr->echo_len };
	char name[32] = "";
	const char *cmd = NULL;
	int arg = 0;

	if (st->o->decode_command != NULL) {
		struct ct_span c = { st->o->decode_command, strlen(st->o->decode_command) };
		command_of(c, name, sizeof name, &arg);
	} else if (command_of(echo, name, sizeof name, &arg))
		;
	else if ((cmd = guess_command(buf + fr->body_off, fr->body_len)) != NULL)
		snprintf(name, sizeof name, "%s", cmd);
	if (fr->state == CF_FAILED) {
		char why[200];
		struct ct_span f = { buf + fr->fail_off, fr->fail_len };
		ct_copy(why, sizeof why, f);
		snprintf(st->last_error, sizeof st->last_error,
		    "the device answered '%s' with a failure: %s", name[0] ? name : "?", why);
		st->failed++;
		return;
	}
	if (name[0] == '\0') {
		snprintf(st->last_error, sizeof st->last_error,
		    "cannot tell which command produced this answer: give --command");
		st->failed++;
		return;
	}
	one_body(st, name, arg, buf + fr->body_off, fr->body_len);
}

static bool
has_dollars(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (buf[i] == '$' && buf[i + 1] == '$')
			return true;
	return false;
}

static int
decode_console(struct decode_state *st, char *buf, size_t len)
{
	struct console_frame fr;
	size_t off = 0;
	int frames = 0;

	/* No "$$" at all: a bare table as forum posts carry it (no echo,
	 * '@', '$$' or prompt), or a truncated answer.  Decoded only when
	 * the user says which command printed it. */
	if (!has_dollars(buf, len)) {
		char name[32] = "";
		int arg = 0;
		struct ct_span c;

		if (st->o->decode_command == NULL) {
			snprintf(st->last_error, sizeof st->last_error, "%s", "no '$$' end marker: "
			    "possibly truncated; if it is a bare table (pasted without the "
			    "command, '@', '$$' and prompt), say which command printed it "
			    "with --command CMD");
			return 0;
		}
		c = (struct ct_span){ st->o->decode_command, strlen(st->o->decode_command) };
		command_of(c, name, sizeof name, &arg);
		one_body(st, name, arg, buf, len);
		return 0;
	}
	/* A capture often ends without the final prompt: supply it, so the
	 * framer can see the end of the last answer. */
	if (console_prompt_at_end(buf, len) == CP_NONE) {
		memcpy(buf + len, "\rpylon>", 7);
		len += 7;
	}
	while (off < len) {
		enum console_frame_state s = console_frame(buf + off, len - off, &fr);

		if (s == CF_INCOMPLETE || s == CF_PAGER || fr.consumed == 0) {
			if (frames == 0 || s == CF_PAGER)
				snprintf(st->last_error, sizeof st->last_error, "%s",
				    s == CF_PAGER ? "truncated: the capture stops at the pager "
				    "('Press [Enter] to be continued')" :
				    "truncated or not a console answer: no '$$' end marker "
				    "followed by a prompt");
			if (s == CF_PAGER)
				st->failed++;
			break;
		}
		if (s == CF_OK || s == CF_FAILED) {
			one_answer(st, buf + off, &fr);
			frames++;
		}
		off += fr.consumed;
	}
	return 0;
}

/* RS485 frames: --command names the request of replies without theirs. */
static void
decode_rs485(struct decode_state *st, const char *buf, size_t len)
{
	const struct app_options *o = st->o;
	int cid2 = -1, cmd = RS485_CMD_UNKNOWN;
	struct pt_diag d;

	pt_diag_clear(&d);
	if (o->decode_command != NULL && rs485_command_arg(o->decode_command, &cid2, &cmd,
	    st->last_error, sizeof st->last_error) != 0)
		return;
	if (rs485_decode_text_as(buf, len, o->cfg.dialect, cid2, cmd, &st->sample, &d) == 0)
		st->decoded++;
	else
		snprintf(st->last_error, sizeof st->last_error, "%s", d.error);
	for (int i = 0; i < d.n_warnings && i < PT_DIAG_MAX; i++)
		fprintf(stderr, "pylontop: %s: warning: %s\n", st->path, d.warnings[i]);
}

/* The sample JSON with a "records" member when records were decoded
 * (the sample contract is unchanged).  Rewrites json in place when it
 * can, else returns it as it was. */
static const char *
with_records(char *json, const struct pt_records *r)
{
	static char *out;
	cJSON *o, *rj;
	char *text;

	if (r == NULL || r->n == 0 || (text = pt_records_to_json(r, false)) == NULL)
		return json;
	o = cJSON_Parse(json);
	rj = cJSON_Parse(text);
	free(text);
	if (o == NULL || rj == NULL) {
		cJSON_Delete(o);
		cJSON_Delete(rj);
		return json;
	}
	cJSON_AddItemToObject(o, "records", rj);
	free(out);
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out != NULL ? out : json;
}

/* app_decode_text(), with the records of the answers in *records (NULL:
 * not kept). */
static int
decode_text(char *buf, size_t len, const char *path, const struct app_options *o,
    struct pt_sample *out, int *failed, char *why, size_t whysize, struct pt_records *records)
{
	struct decode_state *st;
	int decoded;

	*failed = 0;
	if ((st = calloc(1, sizeof *st)) == NULL) {
		snprintf(why, whysize, "%s", "out of memory");
		return 0;
	}
	st->path = path;
	st->o = o;
	st->records = records;
	pt_sample_init(&st->sample, NULL);
	if (strcmp(o->cfg.protocol, "rs485") == 0 ||
	    (strcmp(o->cfg.protocol, "auto") == 0 && is_rs485(buf, len)))
		decode_rs485(st, buf, len);
	else
		decode_console(st, buf, len);
	snprintf(why, whysize, "%s", st->last_error[0] ? st->last_error : "nothing to decode");
	if (st->decoded > 0) {
		/* Power from V x I, extremes from the cells: implied by the answer. */
		pt_sample_derive(&st->sample);
		*out = st->sample;
	}
	*failed = st->failed;
	decoded = st->decoded;
	free(st);
	return decoded;
}

int
app_decode_text(char *buf, size_t len, const char *path, const struct app_options *o,
    struct pt_sample *out, int *failed, char *why, size_t whysize)
{
	/* The records parsers run too (a fuzzer reaches them). */
	struct pt_records *r = malloc(sizeof *r);
	int n;

	if (r != NULL)
		pt_records_init(r);
	n = decode_text(buf, len, path, o, out, failed, why, whysize, r);
	free(r);
	return n;
}

int
app_decode(const char *path, const struct app_options *o)
{
	struct pt_sample *s;
	struct pt_records *r;
	size_t len = 0;
	char *buf, *json, why[300];
	int rc, failed;

	buf = read_file(path, &len, &rc);
	if (buf == NULL)
		return rc;
	s = malloc(sizeof *s);
	r = malloc(sizeof *r);
	if (s == NULL || r == NULL) {
		free(buf);
		free(s);
		free(r);
		return fail(path, "%s", "out of memory");
	}
	pt_records_init(r);
	if (decode_text(buf, len, path, o, s, &failed, why, sizeof why, r) == 0) {
		free(buf);
		free(s);
		free(r);
		return fail(path, "%s", why);
	}
	free(buf);
	if (failed > 0)
		fprintf(stderr, "pylontop: %s: warning: %d answer%s not decoded: %s\n", path,
		    failed, failed == 1 ? "" : "s", why);
	if (o->format_set && o->format != FMT_JSON)
		app_print_sample(s, o->format, true);
	else if ((json = sample_to_json(s, true)) != NULL) {
		puts(with_records(json, r));
		free(json);
	}
	free(s);
	free(r);
	return EXIT_OK;
}
