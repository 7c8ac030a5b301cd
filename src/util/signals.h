/* signals.h — signals as events: handlers only set a flag and write a
 * byte to a self-pipe, so poll() loops in the UI and the headless mode
 * wake up.  SIGPIPE is ignored. */
#ifndef PT_SIGNALS_H
#define PT_SIGNALS_H

/* Install handlers for SIGTERM, SIGINT, SIGHUP (quit) and SIGWINCH. */
int	sig_install(void);
/* Readable when a signal arrived; sig_take() drains it. */
int	sig_fd(void);
/* The quit signal received (SIGTERM/SIGINT/SIGHUP), 0 if none. */
int	sig_quit(void);
/* True once per SIGWINCH. */
int	sig_take_winch(void);
void	sig_take(void);

#endif
