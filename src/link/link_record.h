/* link_record.h — --record FILE: the whole exchange with the device, as
 * the link saw it, in a text file that replay:FILE plays back.
 *
 * One line per chunk read or written, with the time since the recording
 * started, the direction and the bytes escaped (pylontop(1), RECORDING
 * FORMAT):
 *
 *	+12.345 > pwr\n
 *	+12.389 < pwr\r\n@\r\r\nPower Volt ...
 *	+40.002 ! lost /dev/ttyUSB0: device disconnected (unplugged?)
 *
 * after a header of "# key: value" lines.  Recorded at the link layer, so
 * every protocol and every front end is covered.  Only bytes that cross
 * the link are written: no MQTT credential ever does.
 */
#ifndef PT_LINK_RECORD_H
#define PT_LINK_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINK_REC_MAGIC		"# pylontop recording 1"
#define LINK_REC_MAX_DEFAULT	(64LL * 1024 * 1024)

struct link_rec;

/* Create FILE (truncating it) and write the header: LINK_REC_MAGIC, then
 * `header` (lines "key: value\n", each written with a "# " in front),
 * the date and start-ms.  FILE is rotated to FILE.1 when it would grow
 * past max_bytes (0: the default).  NULL with err set ("FILE: why"). */
struct link_rec *link_rec_new(const char *path, long long max_bytes, const char *header,
	    char *err, size_t errsize);
void	link_rec_free(struct link_rec *r);
/* Pause or resume (a UI key); a paused recorder writes nothing, and the
 * gap is marked in the file.  Thread-safe. */
void	link_rec_set_enabled(struct link_rec *r, bool on);
bool	link_rec_enabled(struct link_rec *r);
/* The link's traffic: dir '>' sent, '<' received. */
void	link_rec_data(struct link_rec *r, char dir, const void *buf, size_t len);
/* A link event: "open", "open-failed", "lost", "close", "baud";
 * `text` may be NULL. */
void	link_rec_event(struct link_rec *r, const char *what, const char *text);
/* The same, stamped with a clock_mono_ms() the caller took (and keeps:
 * link_last_write_ms(), link_last_read_ms()), so what the link reports
 * and what the file says are the very same millisecond. */
void	link_rec_data_at(struct link_rec *r, char dir, const void *buf, size_t len,
	    int64_t mono);
void	link_rec_event_at(struct link_rec *r, const char *what, const char *text,
	    int64_t mono);
/* The last write error ("" when none), for the status line. */
const char *link_rec_error(struct link_rec *r);

/* The escaping of the format: \\ \r \n \t and \xNN for other bytes below
 * 0x20 or above 0x7e.  Returns the length written (without the NUL). */
size_t	link_rec_escape(const void *buf, size_t len, char *out, size_t outsize);
/* How many bytes from the start of buf that escaping leaves as they are
 * (printable, not a backslash): a reader can copy them in one go. */
size_t	link_rec_plain(const void *buf, size_t len);
/* The reverse; returns the byte count, or -1 on a bad escape. */
long	link_rec_unescape(const char *text, size_t len, char *out, size_t outsize);

#endif
