/* msgring.c — see msgring.h. */
#include "util/msgring.h"

#include <stdio.h>
#include <string.h>

void
msgring_push(struct msgring *r, const char *text)
{
	const char *last = r->text[(r->count + MSGRING_SLOTS - 1) % MSGRING_SLOTS];

	if (text[0] == '\0' || (r->count > 0 && strncmp(last, text, MSGRING_TEXT - 1) == 0))
		return;
	snprintf(r->text[r->count % MSGRING_SLOTS], MSGRING_TEXT, "%s", text);
	r->count++;
}

bool
msgring_next(const struct msgring *r, uint64_t *seq, char *buf, size_t size)
{
	if (r->count > MSGRING_SLOTS && *seq < r->count - MSGRING_SLOTS)
		*seq = r->count - MSGRING_SLOTS;
	if (*seq >= r->count)
		return false;
	snprintf(buf, size, "%s", r->text[(*seq)++ % MSGRING_SLOTS]);
	return true;
}
