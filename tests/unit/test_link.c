/* test_link.c — the byte streams: pty read/write/timeout/unplug, the
 * exclusive lock, TCP, replay, spec errors and their messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "link/link.h"
#include "util/err.h"

static void
test_pty_roundtrip_timeout_unplug(void **state)
{
	struct link l;
	char name[64], lnk[64], buf[64];
	int master, slave;
	ssize_t n;

	(void)state;
	assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
	{
		struct termios t;
		tcgetattr(slave, &t);
		cfmakeraw(&t);
		tcsetattr(slave, TCSANOW, &t);
	}
	/* Through a symlink, as pylontop-sim and socat make them. */
	snprintf(lnk, sizeof lnk, "/tmp/pt-link-test-%d", (int)getpid());
	unlink(lnk);
	assert_int_equal(symlink(name, lnk), 0);
	assert_int_equal(link_init(&l, lnk, 0), 0);
	assert_string_equal(link_kind(&l), "pty");
	assert_string_equal(l.path, name);
	assert_int_equal(link_open(&l), 0);
	assert_int_equal(link_write(&l, "pwr\n", 4, 1000), 0);
	n = read(master, buf, sizeof buf);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "pwr\n", 4);
	assert_int_equal(write(master, "pylon>", 6), 6);
	n = link_read(&l, buf, sizeof buf, 1000);
	assert_int_equal(n, 6);
	/* Nothing more: a timeout is 0, not an error. */
	assert_int_equal(link_read(&l, buf, sizeof buf, 50), 0);
	/* Unplug: the other side goes away. */
	close(master);
	close(slave);
	n = link_read(&l, buf, sizeof buf, 500);
	assert_int_equal(n, PT_ERR_CLOSED);
	assert_non_null(strstr(link_error(&l), "unplugged"));
	link_close(&l);
	unlink(lnk);
}

static void
test_second_open_is_busy(void **state)
{
	struct link a, b;
	char name[64];
	int master, slave;

	(void)state;
	assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
	assert_int_equal(link_init(&a, name, 0), 0);
	assert_int_equal(link_open(&a), 0);
	assert_int_equal(link_init(&b, name, 0), 0);
	assert_int_equal(link_open(&b), PT_ERR_BUSY);
	assert_non_null(strstr(link_error(&b), "busy"));
	link_close(&a);
	assert_int_equal(link_open(&b), 0);	/* free again */
	link_close(&b);
	close(master);
	close(slave);
}

static void
test_tcp(void **state)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	struct link l;
	char spec[64], buf[16];
	int srv, cli;

	(void)state;
	srv = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(srv, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(srv, 1), 0);
	getsockname(srv, (struct sockaddr *)&sa, &len);
	snprintf(spec, sizeof spec, "tcp://127.0.0.1:%d", ntohs(sa.sin_port));
	assert_int_equal(link_init(&l, spec, 0), 0);
	assert_string_equal(link_kind(&l), "tcp");
	assert_int_equal(link_open(&l), 0);
	cli = accept(srv, NULL, NULL);
	assert_true(cli >= 0);
	assert_int_equal(write(cli, "~2001\r", 6), 6);
	assert_int_equal(link_read(&l, buf, sizeof buf, 1000), 6);
	assert_int_equal(link_write(&l, "x", 1, 1000), 0);
	assert_int_equal(read(cli, buf, 1), 1);
	close(cli);		/* the gateway drops us */
	assert_int_equal(link_read(&l, buf, sizeof buf, 1000), PT_ERR_CLOSED);
	link_close(&l);
	/* Nobody listens any more: refused, said in words. */
	close(srv);
	assert_int_equal(link_init(&l, spec, 0), 0);
	assert_int_not_equal(link_open(&l), 0);
	assert_non_null(strstr(link_error(&l), "connection refused"));
}

static void
test_specs_and_messages(void **state)
{
	struct link l;
	char path[64];
	FILE *f;
	char buf[16];

	(void)state;
	assert_int_equal(link_init(&l, "tcp://host", 0), PT_ERR_ARG);
	assert_non_null(strstr(link_error(&l), "tcp://HOST:PORT"));
	assert_int_equal(link_init(&l, "tcp://host:99999", 0), PT_ERR_ARG);
	assert_int_equal(link_init(&l, "/dev/nonexistent-pylontop", 0), 0);
	assert_int_equal(link_open(&l), PT_ERR_NODEV);
	assert_non_null(strstr(link_error(&l), "/dev/nonexistent-pylontop: no such device"));
	/* replay: plays a file back, then it is "unplugged". */
	snprintf(path, sizeof path, "/tmp/pt-replay-%d", (int)getpid());
	f = fopen(path, "w");
	fputs("pylon>", f);
	fclose(f);
	{
		char spec[80];
		snprintf(spec, sizeof spec, "replay:%s", path);
		assert_int_equal(link_init(&l, spec, 0), 0);
	}
	assert_int_equal(link_open(&l), 0);
	assert_int_equal(link_write(&l, "pwr\n", 4, 100), 0);
	assert_int_equal(link_read(&l, buf, sizeof buf, 100), 6);
	assert_int_equal(link_read(&l, buf, sizeof buf, 100), PT_ERR_CLOSED);
	link_close(&l);
	unlink(path);
}

static void
test_list_ports(void **state)
{
	FILE *f = tmpfile();

	(void)state;
	assert_int_equal(link_list_ports(f), 0);
	fclose(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pty_roundtrip_timeout_unplug),
		cmocka_unit_test(test_second_open_is_busy),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_specs_and_messages),
		cmocka_unit_test(test_list_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
