/* session_rs485.c — polling packs over RS485 "~" frames, on a serial port
 * or a transparent TCP bridge (no extra framing; docs/rs485.md §1).
 *
 * Conversation rules (§1, §5, §11):
 * - one request outstanding; a reply must start and end within
 *   REPLY_MS (1.5 s, the spec's recommendation for TCP bridges); a quiet
 *   gap between the end of a reply and the next request (RS485_GAP_MS,
 *   by default a few character times: gap_auto_ms()); one retry;
 * - replies are identified by the command sent and INFO byte 1, not by
 *   their ADR (a PACE master answers for every pack with ADR 01);
 * - a damaged reply (checksum, length) is counted in checksum_errors and
 *   never decoded; RTN != 0 is a failure (device_errors) with its meaning;
 * - only commands of the read-only table are sent (the encoder refuses
 *   anything else).
 *
 * Serial default: 9600 baud when --baud is not given (PACE and the
 * Pylontech RS485 port with DIP 1 up); 115200 is as common (Pylontech
 * DIP 1 down): pass --baud 115200.  PYLONTOP_RS485_GAP_MS in the
 * environment overrides RS485_GAP_MS (for tests). */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/session.h"
#include "proto/rs485.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/vlog.h"

#define DEFAULT_BAUD	9600
#define REPLY_MS	1500	/* a whole reply */
#define PROBE_MS	700	/* discovery: a missing pack costs this */
/* The quiet time between a reply and the next request, unless
 * RS485_GAP_MS says otherwise: this many character times at the baud (the
 * 3.5 of Modbus RTU's frame gap, rounded up), and never under GAP_MIN_MS.
 * Enough for the transceivers to turn the bus around; the replies come
 * whole before a request goes out (one request outstanding), so nothing
 * else needs the line quiet.  A fixed 100 ms made 8 packs at 9600 baud
 * take 1.45x their wire time. */
#define GAP_CHARS	4
#define GAP_MIN_MS	2
#define GAP_MAX_MS	2000
#define DAMAGED_MS	200	/* after a damaged frame, wait this long for a good one */
#define READ_STEP_MS	100
#define TRIES		2	/* the request and one retry */
#define BUF_MAX		(2 * RS485_FRAME_MAX)
#define SLOW_CIDS	4

struct rs485_priv {
	int		gap_ms;			/* -1: gap_auto_ms() at identify */
	int		gap_env_ms;		/* PYLONTOP_RS485_GAP_MS, -1 none */
	enum rs485_dialect dl;
	const struct rs485_dialect_info *info;
	uint8_t		ver;			/* VER of our requests */
	int		packs[PT_MAX_MODULES];	/* addresses (Pylontech) or numbers (PACE) */
	int		n_packs;
	int64_t		last_io_ms;		/* end of the last reply, for the gap */
	char		buf[BUF_MAX + 1];
	size_t		len;
	struct rs485_frame frame;
	size_t		reply_len;		/* characters of the last frame received */
	struct pt_diag	diag;
	char		found_note[160];	/* what discovery had to say */
	struct pt_sample last;			/* each pack's last cells, with their time */
	bool		fresh[PT_MAX_MODULES];	/* this poll: the pack's 0x42 answered */
	int		misses[PT_MAX_MODULES];	/* polls in a row without its 0x42 */
	char		silent[160];		/* the silent packs, for the note */
	int64_t		poll_start;		/* monotonic ms of the last poll's start */
	int64_t		poll_sent_ms;		/* this poll's first request left (0: none yet) */
	int64_t		slow_ms;		/* a sample took longer than the interval */
	struct pt_sample cache;			/* slow data: barcodes, firmware, limits */
	bool		have_cache;
};

static struct rs485_priv *
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
gap_auto_ms(int baud)
{
	int ms = (GAP_CHARS * 10 * 1000 + baud - 1) / baud;

	return ms > GAP_MIN_MS ? ms : GAP_MIN_MS;
}

/* Bytes nobody asked for (an echo, a late reply) go before a request. */
static void
drain(struct session *s)
{
	char junk[256];

	while (link_read(s->link, junk, sizeof junk, 0) > 0)
		;
	priv(s)->len = 0;
}

static void
count_damage(struct session *s, int rc)
{
	if (rc == PT_ERR_CHECKSUM)
		s->counters.checksum_errors++;
	else
		s->counters.parse_errors++;
}

/* Wait for one good frame.  0 with p->frame filled; PT_ERR_TIMEOUT; the
 * error of a damaged frame (already counted) when no good one followed
 * it; or a link error (< 0, PT_ERR_CLOSED on unplug).
 * The times are the link's stamps (when the request left, when each read
 * ended: what --record writes), not our clock around them: a replay has
 * only those, and must end its waits after the very reads the live run
 * did.  Every read of READ_STEP_MS moves the read stamp on (bytes, or a
 * silence of its whole timeout), so the wait ends. */
static int
await_reply(struct session *s, int wait_ms)
{
	struct rs485_priv *p = priv(s);
	int64_t now = link_last_write_ms(s->link), end = now + wait_ms;
	size_t start, flen;
	ssize_t got;
	int rc, damaged = 0;

	while (now < end) {
		if (stopped(s))
			return PT_ERR_CLOSED;
		got = link_read(s->link, p->buf + p->len, BUF_MAX - p->len, READ_STEP_MS);
		if (got < 0) {
			snprintf(s->error, sizeof s->error, "%s", link_error(s->link));
			return (int)got;
		}
		if (link_last_read_ms(s->link) > now)
			now = link_last_read_ms(s->link);
		p->len += (size_t)got;
		if (!rs485_find_frame(p->buf, p->len, &start, &flen)) {
			/* Keep only what may still become a frame. */
			memmove(p->buf, p->buf + start, p->len - start);
			p->len -= start;
			if (p->len >= BUF_MAX)
				p->len = 0;
			continue;
		}
		pt_diag_clear(&p->diag);
		p->last_io_ms = now;
		p->reply_len = flen;
		pt_vlog_bytes("rs485 received", p->buf + start, flen);
		rc = rs485_decode(p->buf + start, flen, &p->frame, &p->diag);
		p->len -= start + flen;
		memmove(p->buf, p->buf + start + flen, p->len);
		if (rc == 0)
			return 0;
		/* Damaged: counted now; the good reply may still follow (noise
		 * that looked like a frame), so listen a little longer. */
		count_damage(s, rc);
		damaged = rc;
		if (end > now + DAMAGED_MS)
			end = now + DAMAGED_MS;
	}
	return damaged != 0 ? damaged : PT_ERR_TIMEOUT;
}

/* What -v says of a command: "0x42 analog values". */
static const char *
cid2_name(struct session *s, uint8_t cid2)
{
	const struct rs485_command *c = rs485_command_find(cid2, priv(s)->dl);

	return c != NULL ? c->name : "?";
}

static const char *
target(const struct rs485_priv *p)
{
	return p->dl == RS_PYLONTECH ? "address" : "pack";
}

/* "address 3", "pack 2", or "all packs" for ADR FF (-v lines). */
static const char *
who(const struct rs485_priv *p, uint8_t adr, char *buf, size_t size)
{
	if (adr == RS485_ALL_PACKS)
		snprintf(buf, size, "all packs");
	else
		snprintf(buf, size, "%s %d", target(p), adr);
	return buf;
}

/* -v: one line per answer (or its absence): length, time, verdict. */
static void
vlog_reply(struct session *s, uint8_t adr, uint8_t cid2, int rc, int64_t sent_ms)
{
	struct rs485_priv *p = priv(s);
	/* On the link's stamps (the times -v of a replay says too). */
	long long ms = (long long)((link_last_read_ms(s->link) > sent_ms ?
	    link_last_read_ms(s->link) : clock_mono_ms()) - sent_ms);
	char w[24];

	if (!pt_vlog_on(PT_VLOG_SUMMARY))
		return;
	if (rc == 0 && p->frame.cid2 == 0)
		pt_vlog(PT_VLOG_SUMMARY, "rs485 <- %s, %02X: %zu chars in %lld ms: ok",
		    who(p, adr, w, sizeof w), cid2, p->reply_len, ms);
	else if (rc == 0)
		pt_vlog(PT_VLOG_SUMMARY, "rs485 <- %s, %02X: %zu chars in %lld ms: RTN %02X "
		    "(%s)", who(p, adr, w, sizeof w), cid2, p->reply_len, ms, p->frame.cid2,
		    rs485_rtn_text(p->frame.cid2));
	else if (rc == PT_ERR_TIMEOUT)
		pt_vlog(PT_VLOG_SUMMARY, "rs485 <- %s, %02X: timeout, nothing in %lld ms",
		    who(p, adr, w, sizeof w), cid2, ms);
	else if (rc == PT_ERR_CHECKSUM || rc == PT_ERR_PARSE || rc == PT_ERR_TRUNCATED)
		pt_vlog(PT_VLOG_SUMMARY, "rs485 <- %s, %02X: %zu chars in %lld ms: %s (%s)",
		    who(p, adr, w, sizeof w), cid2, p->reply_len, ms,
		    rc == PT_ERR_CHECKSUM ? "checksum" : "damaged", p->diag.error);
	else
		pt_vlog(PT_VLOG_SUMMARY, "rs485 <- %s, %02X: link error after %lld ms: %s",
		    who(p, adr, w, sizeof w), cid2, ms, link_error(s->link));
}

/* Send one request and wait for its reply, retrying once after a timeout
 * or a damaged reply.  `probe`: discovery, where silence is an answer
 * (not counted, shorter wait, not retried); a damaged reply there still
 * means somebody is at that address, so it is asked again. */
static int
request(struct session *s, uint8_t adr, uint8_t cid2, const uint8_t *info, size_t info_len,
    bool probe)
{
	struct rs485_priv *p = priv(s);
	char out[64];
	int n, tries, rc = PT_ERR_TIMEOUT;
	int64_t wait, sent;
	char w[24];

	n = rs485_encode(out, sizeof out, p->ver, adr, RS485_CID1_BATTERY, cid2, info, info_len);
	if (n < 0) {
		snprintf(s->error, sizeof s->error, "refusing to send command %02X: not a "
		    "read-only command of the RS485 table", cid2);
		return n;
	}
	for (tries = 0; tries < TRIES; tries++) {
		if (probe && rc == PT_ERR_TIMEOUT && tries > 0)
			break;
		if (stopped(s))
			return PT_ERR_CLOSED;
		/* On the replay's clock too (clock.h): a replay does not sleep. */
		wait = p->last_io_ms + p->gap_ms - clock_mono_ms();
		if (wait > 0)
			clock_sleep_until(clock_mono_ms() + (wait > p->gap_ms ? p->gap_ms : wait),
			    s->stop);
		drain(s);
		pt_vlog(PT_VLOG_SUMMARY, "rs485 -> %s (ADR %02X), %02X %s%s%s",
		    who(p, adr, w, sizeof w), adr, cid2, cid2_name(s, cid2),
		    probe ? ", probe" : "", tries > 0 ? ", retry" : "");
		pt_vlog_bytes("rs485 sent", out, (size_t)n);
		sent = clock_mono_ms();
		p->reply_len = 0;
		if ((rc = link_write(s->link, out, (size_t)n, REPLY_MS)) != 0) {
			snprintf(s->error, sizeof s->error, "%s", link_error(s->link));
			vlog_reply(s, adr, cid2, rc, sent);
			return rc;
		}
		/* The link's stamps from here on (await_reply()). */
		sent = link_last_write_ms(s->link);
		if (p->poll_sent_ms == 0)
			p->poll_sent_ms = sent;
		rc = await_reply(s, probe ? PROBE_MS : REPLY_MS);
		p->last_io_ms = link_last_read_ms(s->link) > sent ? link_last_read_ms(s->link) :
		    sent;
		vlog_reply(s, adr, cid2, rc, sent);
		switch (rc) {
		case 0:
			if (p->frame.cid2 == 0)
				return 0;
			s->counters.device_errors++;
			snprintf(s->error, sizeof s->error, "%s %d answered command %02X with "
			    "RTN %02X: %s", target(p), adr, cid2,
			    p->frame.cid2, rs485_rtn_text(p->frame.cid2));
			/* 02/03: the pack got a damaged request; ask again. */
			if (p->frame.cid2 != 0x02 && p->frame.cid2 != 0x03)
				return PT_ERR_DEVICE;
			rc = PT_ERR_DEVICE;
			break;
		case PT_ERR_TIMEOUT:
			if (!probe)
				s->counters.timeouts++;
			snprintf(s->error, sizeof s->error, "no reply from %s %d to command %02X "
			    "within %d ms", target(p), adr, cid2, probe ? PROBE_MS : REPLY_MS);
			break;
		case PT_ERR_CHECKSUM:
		case PT_ERR_PARSE:
		case PT_ERR_TRUNCATED:
			/* counted by await_reply(); never decoded */
			snprintf(s->error, sizeof s->error, "command %02X to %d: %s", cid2, adr,
			    p->diag.error);
			break;
		default:
			return rc;	/* the link: closed, I/O error, stop */
		}
	}
	return rc;
}

static bool
link_lost(int rc)
{
	return rc == PT_ERR_CLOSED || rc == PT_ERR_IO || rc == PT_ERR_NODEV ||
	    rc == PT_ERR_PERM || rc == PT_ERR_REFUSED;
}

/* Ask `pack` for `cid2` (INFO = the pack, as every per-pack command
 * wants) and decode the reply into `out`. */
static int
ask(struct session *s, int pack, uint8_t cid2, bool with_info, struct pt_sample *out)
{
	struct rs485_priv *p = priv(s);
	uint8_t cmd = (uint8_t)pack;
	int rc, named;

	rc = request(s, (uint8_t)pack, cid2, &cmd, with_info ? 1 : 0, false);
	if (rc != 0)
		return rc;
	/* A reply is filed under the pack it names, and that must be the one
	 * asked (a late answer to an earlier request must not land on it). */
	named = rs485_reply_pack(&p->frame, cid2);
	if (with_info && named >= 0 && named != pack) {
		s->counters.parse_errors++;
		snprintf(s->error, sizeof s->error, "%s %d, command %02X: the answer is for %s "
		    "%d; ignored", target(p), pack, cid2, target(p), named);
		pt_vlog(PT_VLOG_SUMMARY, "rs485: %s", s->error);
		return PT_ERR_PARSE;
	}
	pt_diag_clear(&p->diag);
	if ((rc = rs485_parse_reply(&p->frame, p->dl, cid2, pack, out, &p->diag)) != 0) {
		s->counters.parse_errors++;
		snprintf(s->error, sizeof s->error, "%s %d, command %02X: %s",
		    p->dl == RS_PYLONTECH ? "address" : "pack", pack, cid2, p->diag.error);
	}
	return rc;
}

/* ---- discovery ---------------------------------------------------------- */

static void
set_dialect(struct session *s, enum rs485_dialect dl)
{
	struct rs485_priv *p = priv(s);

	p->dl = dl;
	p->info = rs485_dialect_info(dl);
	p->ver = p->info->ver;
}

/* A pack at `adr` answering 0x42 (INFO = adr)?  Silence: false. */
static int
probe_analog(struct session *s, int adr)
{
	uint8_t cmd = (uint8_t)adr;

	return request(s, (uint8_t)adr, 0x42, &cmd, 1, true);
}

/* Pylontech addressing (§5.1): group g's packs are at 0x10 * g + 2 on,
 * 16 addresses per group (0x02-0x11, 0x12-0x21 ...: the next group's
 * master is at + 0x10), groups 0-7 by the master's DIP switches 2-4. */
#define GROUP_PACKS	16
#define GROUPS		8
#define PACE_LAST	15	/* PACE numbers are the 4-bit DIP address */

static int
group_adr(int group, int k)
{
	return 0x10 * group + 2 + k;
}

/* Append to the discovery note (a remark for the user). */
static void
say(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct session *s, const char *fmt, ...)
{
	size_t o = strlen(s->note);
	va_list ap;

	if (o > 0 && o + 2 < sizeof s->note) {
		memcpy(s->note + o, "; ", 3);
		o += 2;
	}
	va_start(ap, fmt);
	vsnprintf(s->note + o, sizeof s->note - o, fmt, ap);
	va_end(ap);
	pt_vlog(PT_VLOG_SUMMARY, "rs485 discovery: %s", s->note + o);
}

/* One group: its addresses in order until the first silence (the link
 * cable numbers packs without gaps).  Packs past the table are counted,
 * not read, and said.  `found`: packs of this group. */
static int
scan_group(struct session *s, int group, int *found)
{
	struct rs485_priv *p = priv(s);
	int k, rc = PT_ERR_TIMEOUT, extra = 0;

	*found = 0;
	for (k = 0; k < GROUP_PACKS; k++) {
		int adr = group_adr(group, k);

		if ((rc = probe_analog(s, adr)) != 0)
			break;
		if (p->n_packs < PT_MAX_MODULES)
			p->packs[p->n_packs++] = adr;
		else if (extra++ == 0)
			say(s, "more than %d packs: from address 0x%02X on not read (pylontop "
			    "shows %d)", PT_MAX_MODULES, adr, PT_MAX_MODULES);
		(*found)++;
	}
	if (link_lost(rc))
		return rc;
	if (extra > 0)
		say(s, "%d pack%s of group %d not read", extra, extra == 1 ? "" : "s", group);
	return 0;
}

/* Pylontech: the groups of RS485_GROUPS, every one of them, saying which
 * are empty; by default ("auto") group 0, then the next while the one
 * before had packs.  What was not scanned is said (-v, and the note when
 * the stack may be bigger than what was found). */
static int
discover_pylontech(struct session *s)
{
	struct rs485_priv *p = priv(s);
	unsigned want = s->cfg->rs485_groups;
	int group, found = 0, rc, last = -1;

	for (group = 0; group < GROUPS; group++) {
		if (want != 0 ? !(want & 1u << group) : group > 0 && found == 0)
			continue;
		if ((rc = scan_group(s, group, &found)) != 0)
			return rc;
		pt_vlog(PT_VLOG_SUMMARY, "rs485 discovery: group %d: %d pack%s (addresses "
		    "0x%02X-0x%02X probed)", group, found, found == 1 ? "" : "s",
		    group_adr(group, 0), group_adr(group, found < GROUP_PACKS ? found :
		    GROUP_PACKS - 1));
		if (found > 0)
			last = group;
		else if (want != 0)
			say(s, "group %d (RS485_GROUPS): no pack at 0x%02X", group,
			    group_adr(group, 0));
	}
	if (want == 0 && last >= 0 && last + 2 < GROUPS)
		pt_vlog(PT_VLOG_SUMMARY, "rs485 discovery: groups %d-%d not scanned (group %d "
		    "is empty; RS485_GROUPS names groups to scan)", last + 2, GROUPS - 1,
		    last + 1);
	return p->n_packs > 0 ? 0 : PT_ERR_TIMEOUT;
}

/* PACE: the pack count from 0x90, numbers 1..n; firmware that under-
 * reports (PylonToMQTT #4) is caught by asking the next numbers too, up
 * to 15 (a 4-bit DIP address). */
static int
discover_pace(struct session *s)
{
	struct rs485_priv *p = priv(s);
	uint8_t all = 0xFF;
	int n = 0, k, rc;

	rc = request(s, 0xFF, 0x90, &all, 1, true);
	if (link_lost(rc))
		return rc;
	pt_diag_clear(&p->diag);
	if (rc != 0 || rs485_parse_pack_count(&p->frame, &n, &p->diag) != 0)
		n = 0;
	if (n > PT_MAX_MODULES)
		say(s, "the master counts %d packs: packs %d-%d not read (pylontop shows %d)",
		    n, PT_MAX_MODULES + 1, n, PT_MAX_MODULES);
	for (k = 1; k <= n && p->n_packs < PT_MAX_MODULES; k++)
		p->packs[p->n_packs++] = k;
	for (k = n + 1; k <= PACE_LAST && p->n_packs < PT_MAX_MODULES; k++) {
		if ((rc = probe_analog(s, k)) != 0)
			break;
		p->packs[p->n_packs++] = k;
	}
	if (link_lost(rc))
		return rc;
	if (n > 0 && p->n_packs > n)
		say(s, "the master counts %d packs, %d answer", n, p->n_packs);
	return p->n_packs > 0 ? 0 : rc;
}

/* Seplos: DIP addresses from 0; probe 0 and 1, then upward. */
static int
discover_seplos(struct session *s)
{
	struct rs485_priv *p = priv(s);
	int a, rc = PT_ERR_TIMEOUT;

	for (a = 0; a < 16 && p->n_packs < PT_MAX_MODULES; a++) {
		if ((rc = probe_analog(s, a)) != 0) {
			if (link_lost(rc))
				return rc;
			if (a == 0)
				continue;
			break;
		}
		p->packs[p->n_packs++] = a;
	}
	return p->n_packs > 0 ? 0 : rc;
}

/* Auto: 0x42 to ADR 2 in VER 20 — a Pylontech master answers VER 20, a
 * PACE stack with a pack 2 answers VER 25 (§3); then 0x90 for a PACE
 * stack without pack 2; then Seplos addresses. */
static int
discover_auto(struct session *s)
{
	struct rs485_priv *p = priv(s);
	int rc;

	set_dialect(s, RS_PYLONTECH);
	rc = probe_analog(s, 2);
	if (link_lost(rc))
		return rc;
	if (rc == 0) {
		pt_diag_clear(&p->diag);
		set_dialect(s, rs485_guess(&p->frame, &p->diag));
		if (p->dl == RS_PYLONTECH)
			return discover_pylontech(s);
		if (p->frame.ver == 0x25)
			return discover_pace(s);
		/* VER 20 with other units: number like the dialect does. */
		return p->dl == RS_SEPLOS ? discover_seplos(s) : discover_pylontech(s);
	}
	set_dialect(s, RS_PACE);
	if ((rc = discover_pace(s)) == 0 || link_lost(rc))
		return rc;
	set_dialect(s, RS_SEPLOS);
	if ((rc = discover_seplos(s)) == 0) {
		pt_diag_clear(&p->diag);
		set_dialect(s, rs485_guess(&p->frame, &p->diag));
	}
	return rc;
}

static int
rs485_identify(struct session *s)
{
	struct rs485_priv *p = priv(s);
	int dl = rs485_dialect_of(s->cfg->dialect), rc;
	int64_t started;

	snprintf(s->protocol, sizeof s->protocol, "rs485");
	if (dl < 0) {
		snprintf(s->error, sizeof s->error, "'%s' is not an RS485 dialect (auto, "
		    "pylontech, pace or seplos)", s->cfg->dialect);
		return PT_ERR_CONFIG;
	}
	/* The link opened at its own default; RS485 packs mostly say 9600.
	 * TCP bridges and replays have no baud rate: nothing to do there. */
	if (s->cfg->baud == 0 && s->link->ops != NULL && s->link->ops->set_baud != NULL) {
		if (link_set_baud(s->link, DEFAULT_BAUD) == 0)
			s->link->baud = DEFAULT_BAUD;
	}
	p->gap_ms = p->gap_env_ms >= 0 ? p->gap_env_ms : s->cfg->rs485_gap_ms >= 0 ?
	    s->cfg->rs485_gap_ms : gap_auto_ms(s->link->baud > 0 ? s->link->baud : DEFAULT_BAUD);
	p->n_packs = 0;
	p->have_cache = false;
	pt_sample_init(&p->last, "rs485");
	memset(p->misses, 0, sizeof p->misses);
	p->poll_start = 0;
	p->slow_ms = 0;
	s->error[0] = '\0';
	s->note[0] = '\0';
	started = clock_mono_ms();
	switch (dl) {
	case RS_PYLONTECH:
		set_dialect(s, RS_PYLONTECH);
		rc = discover_pylontech(s);
		break;
	case RS_PACE:
		set_dialect(s, RS_PACE);
		rc = discover_pace(s);
		break;
	case RS_SEPLOS:
		set_dialect(s, RS_SEPLOS);
		rc = discover_seplos(s);
		break;
	default:
		rc = discover_auto(s);
		break;
	}
	if (rc != 0 || p->n_packs == 0) {
		char why[sizeof s->error];
		snprintf(why, sizeof why, "%s", s->error[0] ? s->error : "silence");
		if (link_lost(rc) || rc == PT_ERR_CLOSED)
			return rc;
		snprintf(s->error, sizeof s->error, "no pack answers RS485 on %s (%s): check the "
		    "A/B wiring, the baud rate (%d; try --baud %d) and --dialect", s->link->spec,
		    why, s->link->baud > 0 ? s->link->baud : DEFAULT_BAUD,
		    s->link->baud == 115200 ? 9600 : 115200);
		return rc != 0 ? rc : PT_ERR_TIMEOUT;
	}
	snprintf(s->dialect, sizeof s->dialect, "%s", p->info->name);
	snprintf(s->model, sizeof s->model, "%s RS485, %d pack%s",
	    p->dl == RS_PACE ? "PACE" : p->dl == RS_SEPLOS ? "Seplos" : "Pylontech",
	    p->n_packs, p->n_packs == 1 ? "" : "s");
	s->modules = p->n_packs;
	s->cells_per_cycle = p->n_packs;
	if (p->dl == RS_PYLONTECH && p->packs[p->n_packs - 1] > group_adr(0, GROUP_PACKS - 1))
		say(s, "packs in more than one group (0x%02X-0x%02X)", p->packs[0],
		    p->packs[p->n_packs - 1]);
	/* Kept for every later note: it stays true while this session lasts. */
	snprintf(p->found_note, sizeof p->found_note, "%s", s->note);
	pt_vlog(PT_VLOG_SUMMARY, "rs485: %s dialect, %d pack%s found in %lld ms at %d baud "
	    "(%d ms between requests)", p->info->name, p->n_packs, p->n_packs == 1 ? "" : "s",
	    (long long)(clock_mono_ms() - started), s->link->baud, p->gap_ms);
	return 0;
}

/* ---- polling ------------------------------------------------------------ */

/* Firmware that answers C1/C2 only for itself (§5.2) gives the master's
 * barcode for every pack: a barcode is one pack's, so a later pack with
 * the master's barcode got the master's identity, not its own.  Its
 * barcode and version stay unknown rather than wrong. */
static void
drop_master_echoes(struct session *s, struct pt_sample *c)
{
	struct rs485_priv *p = priv(s);
	const struct pt_module *master = pt_sample_find_module(c, p->packs[0]);
	int i;

	if (master == NULL || master->barcode[0] == '\0')
		return;
	for (i = 1; i < p->n_packs; i++) {
		struct pt_module *m = pt_sample_find_module(c, p->packs[i]);

		if (m == NULL || strcmp(m->barcode, master->barcode) != 0)
			continue;
		pt_vlog(PT_VLOG_SUMMARY, "rs485: pack %d answered C2 with pack %d's barcode %s: "
		    "the master speaks for itself only; pack %d's identity stays unknown",
		    m->id, master->id, m->barcode, m->id);
		m->barcode[0] = '\0';
		m->firmware[0] = '\0';
	}
}

/* Slow data, asked at start and hourly: identity and limits. */
static int
poll_slow(struct session *s)
{
	struct rs485_priv *p = priv(s);
	struct pt_sample *c = &p->cache;
	int i, k, rc;

	pt_sample_init(c, "rs485");
	if (p->dl == RS_PYLONTECH) {
		/* Through the link cable only the master's 0x51 means anything. */
		rc = ask(s, p->packs[0], 0x51, false, c);
		if (link_lost(rc))
			return rc;
		for (i = 0; i < p->n_packs; i++) {
			static const uint8_t per_pack[] = { 0x93, 0x96, 0x92 };
			for (k = 0; k < (int)sizeof per_pack; k++) {
				rc = ask(s, p->packs[i], per_pack[k], true, c);
				if (link_lost(rc))
					return rc;
			}
		}
	} else if (p->dl == RS_PACE) {
		/* Every pack's barcode and version, asked with ADR = INFO = its
		 * number as PylonToMQTT does; the replies do not name the pack,
		 * so each is filed under the pack asked. */
		for (i = 0; i < p->n_packs; i++) {
			rc = ask(s, p->packs[i], 0xC2, true, c);
			if (!link_lost(rc))
				rc = ask(s, p->packs[i], 0xC1, true, c);
			if (link_lost(rc))
				return rc;
		}
		drop_master_echoes(s, c);
	}
	p->have_cache = true;
	return 0;
}

/* When the last reply's last bytes came, as UTC: the link's stamp (the
 * time --record writes), not our clock after the decoding, which a replay
 * does not have (clock.h, clock_wall_of_mono). */
static int64_t
answer_wall_ms(const struct session *s)
{
	int64_t at = link_last_read_ms(s->link);

	return at > 0 ? clock_wall_of_mono(at) : clock_wall_ms();
}

/* The cycle as measured: from the start of one poll to the next, never
 * less than the configured interval (the freshness rule's cycle_ms).  A
 * poll starts when its first request left (the link's stamp, which a
 * replay gives back). */
static int64_t
measure_cycle(struct session *s, int64_t start)
{
	struct rs485_priv *p = priv(s);
	int64_t interval = (int64_t)(s->cfg->interval_s * 1000), cycle = interval;

	if (p->poll_start > 0 && start - p->poll_start > cycle)
		cycle = start - p->poll_start;
	p->poll_start = start;
	return cycle;
}

/* Cells of this cycle's good answers become the cache; packs that did not
 * answer get the cached cells while they are fresh (model/sample.h, the
 * same rule as the console), then unknown, never repeated as new. */
static void
merge_cells(struct session *s, struct pt_sample *out, int64_t cycle_ms)
{
	struct rs485_priv *p = priv(s);
	int64_t limit = pt_cells_max_age_ms(cycle_ms, 1);
	int i;

	pt_sample_merge_cached(out, &p->last, answer_wall_ms(s), limit);
	for (i = 0; i < p->n_packs; i++) {
		const struct pt_module *m = pt_sample_find_module(out, p->packs[i]);
		struct pt_module *c;

		if (!p->fresh[i] || m == NULL || (c = pt_sample_module(&p->last, m->id)) == NULL)
			continue;
		pt_module_copy_cells(&p->last, c, out, m);
	}
}

/* A pack that stopped answering is said once when it goes silent and once
 * when it is back (-v), and in the note while it lasts. */
static void
say_silent(struct session *s, int i, bool answered, int64_t cycle_ms)
{
	struct rs485_priv *p = priv(s);
	const struct pt_module *c = pt_sample_find_module(&p->last, p->packs[i]);
	int64_t age = c != NULL && c->cells_ms > 0 ? answer_wall_ms(s) - c->cells_ms : -1;
	char since[64] = "never answered";

	if (answered) {
		if (p->misses[i] > 0)
			pt_vlog(PT_VLOG_SUMMARY, "rs485: %s %d answers again after %d silent "
			    "cycle%s", target(p), p->packs[i], p->misses[i],
			    p->misses[i] == 1 ? "" : "s");
		p->misses[i] = 0;
		return;
	}
	if (age >= 0) {
		char iso[40];
		snprintf(since, sizeof since, "last answer %s",
		    clock_iso8601(c->cells_ms, 0, iso, sizeof iso));
	}
	if (p->misses[i]++ == 0)
		pt_vlog(PT_VLOG_SUMMARY, "rs485: %s %d stopped answering (%s): %s; its cells are "
		    "unknown after %.1f s", target(p), p->packs[i], s->error, since,
		    (double)pt_cells_max_age_ms(cycle_ms, 1) / 1000);
	/* No count in it: the note changes when the pack does, not every cycle. */
	snprintf(p->silent + strlen(p->silent), sizeof p->silent - strlen(p->silent),
	    "%s%s %d silent, %s", p->silent[0] ? "; " : "", target(p), p->packs[i], since);
}

static int
rs485_poll(struct session *s, struct pt_sample *out, bool slow)
{
	struct rs485_priv *p = priv(s);
	int i, rc, good = 0, first_err = 0;
	int64_t cycle_ms = (int64_t)(s->cfg->interval_s * 1000), took;
	char was[sizeof s->note];

	snprintf(out->protocol, sizeof out->protocol, "rs485");
	snprintf(out->dialect, sizeof out->dialect, "%s", p->info->name);
	p->silent[0] = '\0';
	p->poll_sent_ms = 0;
	for (i = 0; i < p->n_packs; i++) {
		int pack = p->packs[i];
		struct pt_module *m;

		rc = ask(s, pack, 0x42, true, out);
		if (link_lost(rc) || rc == PT_ERR_CLOSED)
			return rc;
		if (i == 0 && p->poll_sent_ms != 0)
			cycle_ms = measure_cycle(s, p->poll_sent_ms);
		p->fresh[i] = rc == 0;
		say_silent(s, i, rc == 0, cycle_ms);
		if (rc != 0) {
			/* One pack lost: the others still make a sample, and this
			 * one stays in it, its values unknown. */
			if (first_err == 0)
				first_err = rc;
			pt_sample_module(out, pack);
			continue;
		}
		if ((m = pt_sample_find_module(out, pack)) != NULL)
			m->cells_ms = answer_wall_ms(s);
		good++;
		rc = ask(s, pack, 0x44, true, out);
		if (link_lost(rc) || rc == PT_ERR_CLOSED)
			return rc;
	}
	if (good == 0)
		return first_err != 0 ? first_err : PT_ERR_TIMEOUT;
	merge_cells(s, out, cycle_ms);
	took = link_last_read_ms(s->link) - p->poll_sent_ms;
	pt_vlog(PT_VLOG_SUMMARY, "rs485: %d of %d packs read in %lld ms (cycle %lld ms)", good,
	    p->n_packs, (long long)took, (long long)cycle_ms);
	if (slow || !p->have_cache) {
		char keep[sizeof s->error];
		snprintf(keep, sizeof keep, "%s", s->error);
		if ((rc = poll_slow(s)) != 0)
			return rc;
		snprintf(s->error, sizeof s->error, "%s", keep);
	}
	/* Identity and limits from the slow reads (the limits only for a
	 * pack that answered this cycle). */
	if (p->have_cache)
		pt_sample_merge_slow(out, &p->cache);
	s->cycle_ms = cycle_ms;
	snprintf(was, sizeof was, "%s", s->note);
	snprintf(s->note, sizeof s->note, "%s", p->found_note);
	/* A slow line (9600 baud, many packs) makes samples further apart
	 * than asked: say by how much. */
	/* The figure of the first slow sample is kept while samples stay
	 * slow, so the note does not change with every jitter. */
	if (took <= (int64_t)(s->cfg->interval_s * 1000))
		p->slow_ms = 0;
	else if (p->slow_ms == 0)
		p->slow_ms = took;
	if (p->slow_ms > 0)
		snprintf(s->note + strlen(s->note), sizeof s->note - strlen(s->note),
		    "%sa sample of %d packs takes %.1f s%s%.0d%s", s->note[0] ? "; " : "",
		    p->n_packs, (double)p->slow_ms / 1000, s->link->baud > 0 ? " at " : "",
		    s->link->baud, s->link->baud > 0 ? " baud" : "");
	if (good < p->n_packs)
		snprintf(s->note + strlen(s->note), sizeof s->note - strlen(s->note),
		    "%s%d of %d packs answered: %s", s->note[0] ? "; " : "", good, p->n_packs,
		    p->silent);
	/* Said once per change (a pack goes silent, comes back). */
	if (strcmp(was, s->note) != 0)
		s->note_seq++;
	return 0;
}

/* A request the user typed (the raw console view), between polls: its
 * reply is shown raw by the link's tap, never decoded into a sample. */
static int
rs485_user_command(struct session *s, const char *line, char *result, size_t size)
{
	struct rs485_priv *p = priv(s);
	uint8_t cid2, adr, info;
	size_t info_len;
	int rc;

	if (rs485_user_request(line, p->dl, &cid2, &adr, &info, &info_len, result, size) != 0)
		return PT_ERR_REFUSED;
	rc = request(s, adr, cid2, &info, info_len, false);
	if (rc == 0)
		snprintf(result, size, "'%s': answered, %zu characters, RTN 00", line,
		    p->reply_len);
	else
		snprintf(result, size, "'%s': %s", line, s->error);
	return rc;
}

static void
rs485_free(struct session *s)
{
	free(s->priv);
	free(s);
}

static const struct session_ops rs485_ops = {
	.family = "rs485",
	.identify = rs485_identify,
	.poll = rs485_poll,
	.user_command = rs485_user_command,
	.free = rs485_free,
};

struct session *
rs485_session_new(const struct pt_config *cfg, struct link *link)
{
	struct session *s = calloc(1, sizeof *s);
	const char *gap;

	if (s == NULL || (s->priv = calloc(1, sizeof(struct rs485_priv))) == NULL) {
		free(s);
		return NULL;
	}
	s->ops = &rs485_ops;
	s->cfg = cfg;
	s->link = link;
	set_dialect(s, RS_PYLONTECH);
	/* Slow bridges and firmware may want more quiet between requests
	 * (RS485_GAP_MS); tests want a fixed one. */
	gap = getenv("PYLONTOP_RS485_GAP_MS");
	priv(s)->gap_env_ms = gap != NULL && *gap != '\0' ? atoi(gap) : -1;
	if (priv(s)->gap_env_ms > GAP_MAX_MS)
		priv(s)->gap_env_ms = -1;
	priv(s)->gap_ms = priv(s)->gap_env_ms >= 0 ? priv(s)->gap_env_ms :
	    cfg->rs485_gap_ms >= 0 ? cfg->rs485_gap_ms : gap_auto_ms(DEFAULT_BAUD);
	return s;
}
