/* msgring.h — the last few one-line messages, each with its number, so a
 * reader that looks now and then gets every one once and in order, also
 * those that came and went between two looks (the link's state messages:
 * core/monitor.c fills, --headless prints).  No locking: the owner's. */
#ifndef PT_MSGRING_H
#define PT_MSGRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSGRING_SLOTS	16	/* a reader this far behind loses the oldest */
#define MSGRING_TEXT	512	/* bytes per message, with its NUL */

struct msgring {
	char		text[MSGRING_SLOTS][MSGRING_TEXT];
	uint64_t	count;		/* messages pushed so far */
};

/* Keep `text` (cut to MSGRING_TEXT - 1 bytes) unless it is empty or
 * repeats the last one (a retry loop says it once). */
void	msgring_push(struct msgring *r, const char *text);
/* The next message after number *seq (0 at first) into buf; *seq becomes
 * its number.  False when there is none newer.  A reader that fell more
 * than MSGRING_SLOTS behind gets the oldest kept: *seq jumps, and the
 * caller can say how many it missed. */
bool	msgring_next(const struct msgring *r, uint64_t *seq, char *buf, size_t size);

#endif
