/* rawlog.h — the raw console ring: what crossed the link, as lines of
 * escaped text, for the UI's Console view.
 *
 * The acquisition thread appends every chunk the link reads or writes
 * (link.on_data) and its own remarks (a typed command refused, its
 * answer's verdict); the UI copies lines out under the ring's lock.
 * Bounded: the newest RAWLOG_LINES lines of at most RAWLOG_LINE_MAX - 1
 * characters (a longer line continues on the next one); older lines are
 * dropped.  Bytes are escaped as in a recording (link_rec_escape: \r \n
 * \t \\ \xNN) and a line ends after each escaped \n.
 */
#ifndef PT_RAWLOG_H
#define PT_RAWLOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RAWLOG_LINES	1000
#define RAWLOG_LINE_MAX	240

struct rawlog_line {
	int64_t	time_ms;	/* wall clock (the recording's in a replay) */
	char	dir;		/* '>' sent, '<' received, '#' remark */
	bool	user;		/* part of a command the user typed */
	char	text[RAWLOG_LINE_MAX];
};

struct rawlog {
	pthread_mutex_t		lock;
	struct rawlog_line	*lines;		/* RAWLOG_LINES, a ring */
	size_t			head, count;	/* next slot, lines held */
	bool			open;		/* the newest line may grow */
	size_t			open_len;	/* its characters (no strlen per byte) */
	uint64_t		seq;		/* bumped by every change */
	uint64_t		dropped;	/* lines that fell off the ring */
	bool			user;		/* chunks now belong to a typed command */
};

int	rawlog_init(struct rawlog *r);
void	rawlog_destroy(struct rawlog *r);
/* A chunk of the link's traffic. */
void	rawlog_data(struct rawlog *r, char dir, const void *buf, size_t len, int64_t now_ms);
/* A remark of ours on a line of its own. */
void	rawlog_note(struct rawlog *r, int64_t now_ms, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Mark what follows as the exchange of a typed command (or not). */
void	rawlog_set_user(struct rawlog *r, bool on);
/* Copy the newest `max` lines, oldest first; returns the count.  *seq
 * (may be NULL) gets the change counter. */
size_t	rawlog_copy(struct rawlog *r, struct rawlog_line *out, size_t max, uint64_t *seq);
uint64_t rawlog_seq(struct rawlog *r);

#endif
