/* session_rs485.c — polling packs over RS485 "~" frames (serial or a TCP
 * bridge, no extra framing).  One request outstanding; a reply must come
 * within 1 s (the spec's peers use 0.5-2 s); one retry; bad checksums are
 * counted and never shown as data. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/session.h"
#include "proto/rs485.h"
#include "util/clock.h"
#include "util/err.h"

#define REPLY_MS	1000
#define BUF_MAX		8192

struct rs485_priv {
	enum rs485_dialect dl;
	uint8_t		ver;
	int		packs[PT_MAX_MODULES];	/* addresses (Pylontech) or numbers (PACE) */
	int		n_packs;
	char		buf[BUF_MAX];
	size_t		len;
	struct rs485_frame frame;
	struct pt_diag	diag;
	struct pt_sample barcodes;	/* from 0x93 / 0xC2 */
};

static struct rs485_priv *
priv(struct session *s)
{
	return s->priv;
}

/* Send one request and wait for its reply frame. */
static int
request(struct session *s, uint8_t adr, uint8_t cid2, const uint8_t *info, size_t info_len)
{
	struct rs485_priv *p = priv(s);
	char out[64];
	int64_t end;
	int n, tries, rc = PT_ERR_TIMEOUT;

	n = rs485_encode(out, sizeof out, p->ver, adr, 0x46, cid2, info, info_len);
	if (n < 0) {
		snprintf(s->error, sizeof s->error, "refusing to send command %02X: not in the "
		    "read-only table", cid2);
		return n;
	}
	for (tries = 0; tries < 2; tries++) {
		char junk[256];

		while (link_read(s->link, junk, sizeof junk, 0) > 0)
			;
		p->len = 0;
		if ((rc = link_write(s->link, out, (size_t)n, 1000)) != 0) {
			snprintf(s->error, sizeof s->error, "%s", link_error(s->link));
			return rc;
		}
		rc = PT_ERR_TIMEOUT;	/* until a reply says otherwise */
		end = clock_mono_ms() + REPLY_MS;
		while (clock_mono_ms() < end) {
			size_t start, flen;
			ssize_t got;

			if (s->stop != NULL && *s->stop)
				return PT_ERR_CLOSED;
			got = link_read(s->link, p->buf + p->len, BUF_MAX - p->len - 1, 100);
			if (got < 0) {
				snprintf(s->error, sizeof s->error, "%s", link_error(s->link));
				return (int)got;
			}
			p->len += (size_t)got;
			if (!rs485_find_frame(p->buf, p->len, &start, &flen)) {
				if (p->len >= BUF_MAX - 1)
					p->len = 0;
				continue;
			}
			pt_diag_clear(&p->diag);
			rc = rs485_decode(p->buf + start, flen, &p->frame, &p->diag);
			if (rc == PT_ERR_CHECKSUM)
				s->counters.checksum_errors++;
			else if (rc != 0)
				s->counters.parse_errors++;
			else if (p->frame.cid2 != 0) {
				s->counters.device_errors++;
				snprintf(s->error, sizeof s->error, "pack %d answered command %02X "
				    "with RTN %02X: %s", adr, cid2, p->frame.cid2,
				    rs485_rtn_text(p->frame.cid2));
				return PT_ERR_DEVICE;
			} else
				return 0;
			snprintf(s->error, sizeof s->error, "command %02X to pack %d: %s", cid2,
			    adr, p->diag.error);
			break;	/* a damaged reply: ask again */
		}
		if (rc == PT_ERR_TIMEOUT) {
			s->counters.timeouts++;
			snprintf(s->error, sizeof s->error, "no reply from pack %d to command %02X "
			    "within %d ms", adr, cid2, REPLY_MS);
		}
	}
	return rc;
}

static uint8_t
adr_of(struct session *s, int pack)
{
	/* Pylontech: ADR = pack address; PACE: ADR = pack number too. */
	(void)s;
	return (uint8_t)pack;
}

static int
analog(struct session *s, int pack, struct pt_sample *out)
{
	struct rs485_priv *p = priv(s);
	uint8_t cmd = (uint8_t)pack;
	int rc = request(s, adr_of(s, pack), 0x42, &cmd, 1);

	if (rc != 0)
		return rc;
	pt_diag_clear(&p->diag);
	if ((rc = rs485_parse_analog(&p->frame, p->dl, out, &p->diag)) != 0) {
		s->counters.parse_errors++;
		snprintf(s->error, sizeof s->error, "pack %d: %s", pack, p->diag.error);
	}
	return rc;
}

static int
rs485_identify(struct session *s)
{
	struct rs485_priv *p = priv(s);
	struct pt_sample *tmp = malloc(sizeof *tmp);
	int a, rc = PT_ERR_TIMEOUT;

	if (tmp == NULL)
		return PT_ERR_NOMEM;
	strcpy(s->protocol, "rs485");
	p->dl = rs485_dialect_of(s->cfg->dialect) < 0 ? RS_AUTO : (enum rs485_dialect)rs485_dialect_of(s->cfg->dialect);
	p->n_packs = 0;
	if (p->dl == RS_AUTO || p->dl == RS_PACE) {
		uint8_t all = 0xFF;
		p->ver = 0x25;
		rc = request(s, 0xFF, 0x90, &all, 1);
		if (rc == 0 && p->frame.info_len >= 1) {
			int n = p->frame.info[0], i;
			p->dl = RS_PACE;
			if (n < 1 || n > PT_MAX_MODULES)
				n = 1;
			for (i = 0; i < n; i++)
				p->packs[p->n_packs++] = i + 1;
		} else if (p->dl == RS_PACE) {
			snprintf(s->error + strlen(s->error), sizeof s->error - strlen(s->error),
			    " (PACE pack count, 0x90)");
			free(tmp);
			return rc;
		}
	}
	if (p->n_packs == 0) {
		/* Pylontech: the master is ADR 2, slaves 3, 4 ... stop at the
		 * first pack that does not answer. */
		uint64_t timeouts = s->counters.timeouts;

		p->ver = 0x20;
		if (p->dl == RS_AUTO)
			p->dl = RS_PYLONTECH;
		for (a = 2; a < 2 + PT_MAX_MODULES; a++) {
			pt_sample_init(tmp, NULL);
			rc = analog(s, a, tmp);
			if (rc == PT_ERR_CLOSED || rc == PT_ERR_IO)
				break;
			if (rc != 0)
				break;
			if (a == 2 && s->cfg->dialect[0] && strcmp(s->cfg->dialect, "auto") == 0)
				p->dl = rs485_guess(&p->frame, NULL);
			p->packs[p->n_packs++] = a;
		}
		/* The silence after the last pack is how discovery ends. */
		if (p->n_packs > 0)
			s->counters.timeouts = timeouts;
	}
	free(tmp);
	if (p->n_packs == 0) {
		char why[sizeof s->error];
		snprintf(why, sizeof why, "%s", s->error);
		snprintf(s->error, sizeof s->error, "no pack answers on %s (%s): check A/B "
		    "wiring, the baud rate (%d) and the dialect", s->link->spec, why,
		    s->link->baud);
		return rc != 0 ? rc : PT_ERR_TIMEOUT;
	}
	snprintf(s->dialect, sizeof s->dialect, "%s", rs485_dialect_name(p->dl));
	snprintf(s->model, sizeof s->model, "%s RS485",
	    p->dl == RS_PACE ? "PACE" : p->dl == RS_SEPLOS ? "Seplos" : "Pylontech");
	s->modules = p->n_packs;
	s->cells_per_cycle = p->n_packs;
	pt_sample_init(&p->barcodes, NULL);
	return 0;
}

static int
rs485_poll(struct session *s, struct pt_sample *out, bool slow)
{
	struct rs485_priv *p = priv(s);
	int i, rc;

	for (i = 0; i < p->n_packs; i++) {
		int pack = p->packs[i];
		uint8_t cmd = (uint8_t)pack;
		struct pt_module *m, *b;

		if ((rc = analog(s, pack, out)) != 0)
			return rc;
		rc = request(s, adr_of(s, pack), 0x44, &cmd, 1);
		if (rc == PT_ERR_CLOSED || rc == PT_ERR_IO)
			return rc;
		if (rc == 0) {
			pt_diag_clear(&p->diag);
			if (rs485_parse_alarm(&p->frame, p->dl, pack, out, &p->diag) != 0)
				s->counters.parse_errors++;
		}
		if (slow) {
			uint8_t cid2 = p->dl == RS_PACE ? 0xC2 : 0x93;
			rc = request(s, adr_of(s, pack), cid2, &cmd, 1);
			if (rc == PT_ERR_CLOSED || rc == PT_ERR_IO)
				return rc;
			pt_diag_clear(&p->diag);
			if (rc == 0)
				rs485_parse_serial(&p->frame, cid2, pack, &p->barcodes, &p->diag);
		}
		m = pt_sample_find_module(out, pack);
		b = pt_sample_find_module(&p->barcodes, pack);
		if (m != NULL && b != NULL && b->barcode[0] != '\0')
			memcpy(m->barcode, b->barcode, sizeof m->barcode);
	}
	return 0;
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
	.free = rs485_free,
};

struct session *
rs485_session_new(const struct pt_config *cfg, struct link *link)
{
	struct session *s = calloc(1, sizeof *s);

	if (s == NULL || (s->priv = calloc(1, sizeof(struct rs485_priv))) == NULL) {
		free(s);
		return NULL;
	}
	s->ops = &rs485_ops;
	s->cfg = cfg;
	s->link = link;
	/* RS485 packs talk at 9600 unless told otherwise. */
	if (link->baud == 0)
		link->baud = 9600;
	return s;
}
