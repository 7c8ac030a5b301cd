/* test_probe.c — pylontop --probe without arguments probes the ports of
 * the port list and names each by its USB identity; the list is faked
 * (link_ports_source), the ports are ptys.  A port held locked is named
 * with its holder and not written to.  (The verdicts against the
 * simulator are in tests/integration/probe.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <termios.h>
#include <unistd.h>

#include "app/probe.h"
#include "link/link.h"

static char pty_name[64];

static int
fake_source(struct link_port **ports, int *n, char *err, size_t errsize)
{
	(void)err;
	(void)errsize;
	*ports = calloc(1, sizeof **ports);
	assert_non_null(*ports);
	snprintf((*ports)->path, sizeof (*ports)->path, "%s", pty_name);
	(*ports)->usb = 1;
	(*ports)->vid = 0x0403;
	(*ports)->pid = 0x6001;
	snprintf((*ports)->maker, sizeof (*ports)->maker, "FTDI");
	snprintf((*ports)->product, sizeof (*ports)->product, "FT232R USB UART");
	snprintf((*ports)->serial, sizeof (*ports)->serial, "A10K3XYZ");
	*n = 1;
	return 0;
}

/* Run app_probe with stdout into a buffer; its exit status. */
static int
probe_into(char *out, size_t size)
{
	struct app_options o;
	FILE *f = tmpfile();
	int saved, rc;
	size_t n;

	assert_non_null(f);
	memset(&o, 0, sizeof o);
	config_defaults(&o.cfg);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fileno(f), STDOUT_FILENO);
	rc = app_probe(&o, NULL, 0);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
	return rc;
}

static void
test_default_ports_named_by_usb_identity(void **state)
{
	int master, slave, lockfd;
	struct termios t;
	struct pollfd pf;
	char out[1024], want[512];

	(void)state;
	assert_int_equal(openpty(&master, &slave, pty_name, NULL, NULL), 0);
	assert_int_equal(tcgetattr(slave, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(slave, TCSANOW, &t), 0);
	link_ports_source = fake_source;

	/* Held locked by us: the probe (a child) names us, touches nothing. */
	lockfd = open(pty_name, O_RDWR | O_NOCTTY);
	assert_true(lockfd >= 0);
	assert_int_equal(flock(lockfd, LOCK_EX | LOCK_NB), 0);
	assert_int_equal(probe_into(out, sizeof out), EXIT_RUNTIME);
	snprintf(want, sizeof want, "%s (FTDI FT232R USB UART, serial A10K3XYZ): busy: "
	    "held by PID %d (", pty_name, (int)getpid());
	if (strncmp(out, want, strlen(want)) != 0)
		fail_msg("got: %s", out);
	assert_non_null(strstr(out, "); not probed\n"));
	pf = (struct pollfd){ .fd = master, .events = POLLIN };
	assert_int_equal(poll(&pf, 1, 0), 0);
	close(lockfd);
	close(slave);
	close(master);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_ports_named_by_usb_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
