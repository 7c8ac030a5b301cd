/* link_impl.h — what the link backends share (not for other layers). */
#ifndef PT_LINK_IMPL_H
#define PT_LINK_IMPL_H

#include "link/link.h"

extern const struct link_ops link_serial_ops;
extern const struct link_ops link_pty_ops;
extern const struct link_ops link_tcp_ops;
extern const struct link_ops link_replay_ops;

void	link_seterr(struct link *l, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Set l->error to "<l->spec>: <cause in words>" for an errno from
 * opening or configuring a device; returns the matching pt_err. */
int	link_errno(struct link *l, int e);
/* Open a terminal device for a backend: O_NONBLOCK, no controlling tty,
 * close-on-exec, then an exclusive flock.  Refuses a symlinked pty that
 * is younger than its symlink (a re-used /dev/pts/N), and a device that
 * another process has open without a lock (it would share our bytes).
 * Returns the fd, or a pt_err with l->error set ("busy: held by PID N
 * (name)" when locked, "busy: also open in PID N (name), ..." when
 * read alongside). */
int	link_tty_open(struct link *l);
/* -d usb:...: set l->path to the port of the USB adapter l->usb_* names,
 * from the port list of this moment.  0, or a pt_err with l->error set
 * (not plugged in; several ports with that serial number). */
int	link_usb_resolve(struct link *l);
/* poll()-based read and write on l->fd, shared by pty, serial and tcp. */
ssize_t	link_fd_read(struct link *l, void *buf, size_t len, int timeout_ms);
int	link_fd_write(struct link *l, const void *buf, size_t len, int timeout_ms);

#endif
