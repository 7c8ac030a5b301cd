/* signals.c — self-pipe signal handling. */
#include "util/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int pipefd[2] = { -1, -1 };
/* A lock-free atomic: safe to set in the handler, and read by the
 * acquisition code of --once without a data race. */
static atomic_int quit_sig;
static volatile sig_atomic_t winch;
static volatile sig_atomic_t hup;
static void (*hup_fn)(void *);
static void *hup_arg;
static bool hup_tty_check;

static void
on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (sig == SIGWINCH)
		winch = 1;
	else if (sig == SIGHUP)
		hup = 1;
	else if (quit_sig == 0)
		quit_sig = sig;
	if (pipefd[1] != -1)
		(void)!write(pipefd[1], &c, 1);
	errno = saved;
}

int
sig_install(void)
{
	struct sigaction sa;
	int i, sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGWINCH };

	if (pipefd[0] == -1) {
		if (pipe(pipefd) != 0)
			return -1;
		for (i = 0; i < 2; i++) {
			fcntl(pipefd[i], F_SETFL, fcntl(pipefd[i], F_GETFL) | O_NONBLOCK);
			fcntl(pipefd[i], F_SETFD, FD_CLOEXEC);
		}
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

int
sig_fd(void)
{
	return pipefd[0];
}

int
sig_quit(void)
{
	/* A hung-up terminal fails TCGETS (EIO), so isatty() says no. */
	if (quit_sig == 0 && hup && hup_tty_check && !isatty(STDIN_FILENO))
		quit_sig = SIGHUP;
	return quit_sig;
}

atomic_int *
sig_quit_flag(void)
{
	return &quit_sig;
}

int
sig_take_winch(void)
{
	if (winch) {
		winch = 0;
		return 1;
	}
	return 0;
}

void
sig_take(void)
{
	char buf[64];

	if (pipefd[0] != -1)
		while (read(pipefd[0], buf, sizeof buf) > 0)
			;
	if (hup && sig_quit() == 0) {
		hup = 0;
		if (hup_fn != NULL)
			hup_fn(hup_arg);
	}
}

void
sig_on_hup(void (*fn)(void *arg), void *arg)
{
	hup_fn = fn;
	hup_arg = arg;
}

void
sig_hup_quits_without_tty(bool on)
{
	hup_tty_check = on;
}
