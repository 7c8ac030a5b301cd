/* signals.h — signals as events: handlers only set a flag and write a
 * byte to a self-pipe, so poll() loops in the UI and the headless mode
 * wake up.  SIGPIPE is ignored (a closed stdout shows as EPIPE).
 *
 * SIGTERM and SIGINT quit.  SIGHUP does not: it asks for the log files to
 * be re-opened and the config re-read (sig_on_hup), so a HUP sent by
 * logrotate or `systemctl reload` never stops a service.  In the UI
 * (sig_hup_quits_without_tty) a HUP whose terminal is gone still quits:
 * that is the dropped ssh session. */
#ifndef PT_SIGNALS_H
#define PT_SIGNALS_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

/* Install handlers for SIGTERM, SIGINT, SIGHUP and SIGWINCH. */
int	sig_install(void);
/* Readable when a signal arrived; sig_take() drains it. */
int	sig_fd(void);
/* The quit signal received (SIGTERM/SIGINT; SIGHUP with the terminal
 * gone when sig_hup_quits_without_tty), 0 if none. */
int	sig_quit(void);
/* The same flag for code that polls an `atomic_int *stop` (a session
 * run synchronously by --once): set by the handler itself. */
atomic_int *sig_quit_flag(void);
/* True once per SIGWINCH. */
int	sig_take_winch(void);
/* Drain the self-pipe; runs the SIGHUP callback (in the caller's thread,
 * not in the handler) when a HUP arrived. */
void	sig_take(void);
/* What SIGHUP does; NULL: nothing (it is still not a quit signal). */
void	sig_on_hup(void (*fn)(void *arg), void *arg);
/* The UI: a SIGHUP while standard input is no longer a terminal quits. */
void	sig_hup_quits_without_tty(bool on);

#endif
