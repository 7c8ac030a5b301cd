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
/* Set l->error from errno for `what`; returns the pt_err. */
int	link_errno(struct link *l, const char *what, int e);
ssize_t	link_fd_read(struct link *l, void *buf, size_t len, int timeout_ms);
int	link_fd_write(struct link *l, const void *buf, size_t len, int timeout_ms);
/* Exclusive lock on l->fd; PT_ERR_BUSY naming the holder. */
int	link_fd_lock(struct link *l);

#endif
