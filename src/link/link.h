/* link.h — a byte stream to a battery: serial port, pty, TCP or replay.
 *
 * One small vtable (libmodbus backend style).  The acquisition thread is
 * the only user; nothing here parses.  Error texts name the path and say
 * what to do ("/dev/ttyUSB0: permission denied (add yourself to group
 * dialout)"); they are kept in the link and returned by link_error().
 */
#ifndef PT_LINK_H
#define PT_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct link;

/* The speed of a serial line when none was given (the console's). */
#define LINK_DEFAULT_BAUD	115200
/* link_read_paced() sleeps for at most this many bytes of the line: the
 * kernel's tty input buffer (more would wait in the driver's)... */
#define LINK_PACE_MAX		4096
/* ...and at most this long, whatever the caller's timeout: one wake-up
 * for those 4 KiB at 115200 baud (356 ms; a wake-up costs ~50 us of CPU
 * on a small VM), and still what a stop may have to wait for. */
#define LINK_PACE_SLEEP_MS	400

struct link_ops {
	const char *kind;	/* "serial", "pty", "tcp", "replay" */
	int	(*open)(struct link *l);
	/* > 0 bytes read, 0 on timeout, < 0 pt_err (PT_ERR_CLOSED on unplug/EOF). */
	ssize_t	(*read)(struct link *l, void *buf, size_t len, int timeout_ms);
	/* 0 when all was written, < 0 pt_err. */
	int	(*write)(struct link *l, const void *buf, size_t len, int timeout_ms);
	int	(*set_baud)(struct link *l, int baud);	/* may be NULL */
	void	(*close)(struct link *l);
	void	(*release)(struct link *l);	/* may be NULL: frees priv */
};

struct link_rec;

struct link {
	const struct link_ops *ops;
	char	spec[256];	/* what the user gave: path or tcp://host:port */
	char	path[256];	/* resolved path (symlinks followed) or host:port */
	int	baud;
	int	fd;		/* -1 when closed */
	void	*priv;		/* backend state */
	char	error[512];	/* last error, one line: room for a 255-character path and its hint */
	unsigned opens;		/* successful opens: the next one is a reconnect */
	int	lost_said;	/* "lost" was logged for this open (-v) */
	/* Called before every read and write: the owner publishes what it
	 * counted since the last one (timeouts, unreadable answers), so its
	 * counters move with each exchange, not only with each sample.
	 * NULL by default; link_init clears it. */
	void	(*on_io)(void *ctx);
	void	*on_io_ctx;
	/* --record: every chunk read and written, and the link's events
	 * (link_record.h).  NULL by default; set after link_init. */
	struct link_rec *rec;
	/* Every chunk read ('<') and written ('>'), as the recorder sees
	 * it, for the monitor's raw console ring (core/rawlog.h).  Called on
	 * the link's thread; NULL by default; set after link_init. */
	void	(*on_data)(void *ctx, char dir, const void *buf, size_t len);
	void	*on_data_ctx;
	bool	lost_recorded;	/* "lost" was recorded for this open */
	/* replay:FILE of a recording: 1 = as recorded, 2 = twice as fast,
	 * 0 = as fast as possible.  Set after link_init (it clears it to 1). */
	double	replay_speed;
	/* -d usb:[VID:PID:]SERIAL: the adapter is found by its USB serial
	 * number at every open, whatever ttyUSB number it has now.  Empty
	 * serial: an ordinary path.  vid/pid -1: any. */
	char	usb_serial[64];
	int	usb_vid, usb_pid;
	/* The pace of the line (link_read_paced): when the last write left
	 * (monotonic µs), the bytes read since, and whether they came faster
	 * than the baud (no line behind the link: an unpaced pty, a fast
	 * socket).  Kept by link_write() and link_read(); link_open() clears
	 * them. */
	int64_t	tx_us;
	size_t	rx_since_tx;
	bool	unpaced;
	/* The first read since that write (its bytes and time) and the
	 * last one: how long the answer took to come. */
	size_t	rx_first;
	int64_t	rx_first_us, rx_last_us;
	/* The answer before the last write came at the pace of the line:
	 * the next one will too, so link_read_paced() may wait before its
	 * first byte, once: a device that thinks longer than that is then
	 * waited for by poll (waited_first), so its think time never grows
	 * by a whole wire time per early wake-up. */
	bool	paced, waited_first;
	/* The last paced sleep found nothing to read: the line hands bytes
	 * over in chunks (a pty, a USB adapter), and the next chunk is not
	 * there yet.  The next read waits for it in poll (one wake-up when
	 * it comes), not in one blind sleep of the wire time after another. */
	bool	paced_dry;
	/* clock_mono_ms() when the last write ended and when the last read
	 * ended (with bytes, or silent for its whole timeout): the times
	 * --record writes for them, and the ones a replay gives back
	 * (link_last_write_ms()).  0 = none since link_open(). */
	int64_t	tx_ms, rx_ms;
};

/* Parse a spec and choose the backend: "tcp://host:port", "replay:FILE",
 * "usb:[VID:PID:]SERIAL" (the serial port of that USB adapter, looked up
 * at every open), a pty path (termios), anything else a serial port
 * (libserialport).
 * Does not open.  Returns 0 or PT_ERR_ARG with l->error set. */
int	link_init(struct link *l, const char *spec, int baud);
/* "mqtt://..." or "mqtts://...": a remote view of a stack through a
 * broker (core/session_remote.c).  Its link kind "remote" opens and
 * closes without I/O; the session holds the MQTT connection. */
bool	link_is_remote(const char *spec);
int	link_open(struct link *l);
ssize_t	link_read(struct link *l, void *buf, size_t len, int timeout_ms);
int	link_write(struct link *l, const void *buf, size_t len, int timeout_ms);
/* link_read() for a reader that knows at least `want` more bytes are on
 * their way (the rest of an answer whose size it has seen before).  A
 * line delivers them no faster than its baud, so this first sleeps until
 * it can have carried them — at most LINK_PACE_SLEEP_MS, and at most the
 * time of LINK_PACE_MAX bytes, so the system's input buffer never fills —
 * and then takes what arrived: one wake-up for many bytes, where
 * link_read() wakes for every chunk the line hands over.  want <= 1, a
 * link without a line (replay, remote), bytes since the last write that
 * came faster than its baud, or none yet when the answer before did:
 * link_read() with timeout_ms. */
ssize_t	link_read_paced(struct link *l, void *buf, size_t len, int timeout_ms, size_t want);
/* Microseconds a line at the link's baud (115200 when none was given)
 * needs for `bytes`, 10 bits each (8N1); 0 when the link has no line of
 * its own (replay, remote). */
int64_t	link_wire_us(const struct link *l, size_t bytes);
/* When the last write ended, and the last read (bytes, or a silence of
 * its whole timeout), on clock_mono_ms(): the very stamps --record
 * writes, which a replay of the recording reproduces.  A time measured
 * between two of them is the same live and replayed (not so the time
 * the caller spends around them: waking up, parsing).  0 = none yet. */
int64_t	link_last_write_ms(const struct link *l);
int64_t	link_last_read_ms(const struct link *l);
int	link_set_baud(struct link *l, int baud);
/* Discard input until the line is quiet for `quiet_ms` (max `max_ms`). */
int	link_drain(struct link *l, int quiet_ms, int max_ms);
void	link_close(struct link *l);
const char *link_error(const struct link *l);
const char *link_kind(const struct link *l);
/* Close and free what the backend keeps between opens (a replay's
 * position in its recording).  The link can be opened again. */
void	link_release(struct link *l);

/* replay:FILE.  A recording (LINK_REC_MAGIC header) replays its exchange:
 * each answer is released when the command recorded before it is sent,
 * on the recording's clock (clock.h); a terminal log (prompts and echoed
 * commands, no timestamps) answers each command it has an answer to;
 * anything else is raw bytes, read as they come.
 * True once a recording has been played to its end (no more opens). */
bool	link_replay_finished(const struct link *l);
/* Commands sent that differ from the recording's, and the newest one in
 * words ("replay: sent 'bat 3', recording has 'bat 2' at +12.3 s"). */
unsigned link_replay_mismatches(const struct link *l, char *note, size_t size);
/* A setting from a recording's header ("protocol", "dialect", "interval",
 * "eol", "baud"): 0 and the value, or -1 (no such key, or no recording). */
int	link_replay_setting(const char *path, const char *key, char *out, size_t size);

/* Print every serial port libserialport finds, with USB details and its
 * /dev/serial/by-id name.  Returns 0, or < 0 with a message on stderr. */
int	link_list_ports(FILE *out);

/* One serial port as the system lists it. */
struct link_port {
	char	path[256];		/* /dev/ttyUSB0 */
	int	usb;			/* a USB adapter: the fields below are set */
	int	vid, pid;		/* -1 when unknown */
	char	maker[64];		/* "FTDI" ("" when unknown) */
	char	product[64];		/* "FT232R USB UART" */
	char	serial[64];		/* "A10K3XYZ" */
	char	about[128];		/* the system's description */
};

/* Every serial port: *ports is a malloc'ed array of *n (free() it).
 * 0, or a pt_err with a one-line reason in err. */
int	link_ports(struct link_port **ports, int *n, char *err, size_t errsize);
/* Where link_ports() gets its list: libserialport (sysfs/udev) by
 * default.  Tests point it at a fake list (no udev needed), e.g. to
 * unplug an adapter and plug it back in as another ttyUSB. */
extern int (*link_ports_source)(struct link_port **ports, int *n, char *err,
    size_t errsize);

#endif
