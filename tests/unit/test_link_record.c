/* test_link_record.c — --record and replay:FILE at the link layer: the
 * escaping, the file a recorder writes and its rotation, a recording
 * played back (answers released as commands are sent, mismatches said,
 * recorded losses and failed opens, its end, its clock), and a terminal
 * log answering the commands it has answers to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "link/link_impl.h"
#include "link/link_record.h"
#include "util/clock.h"
#include "util/err.h"

static void
tmp_name(char *buf, size_t size, const char *what)
{
	snprintf(buf, size, "/tmp/pt-rec-test-%d-%s", (int)getpid(), what);
	unlink(buf);
}

static char *
slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_escape_round_trip(void **state)
{
	char all[256], esc[256 * 4 + 1], back[256];
	size_t n;
	int i;

	(void)state;
	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	n = link_rec_escape(all, sizeof all, esc, sizeof esc);
	assert_int_equal(n, strlen(esc));
	assert_null(strchr(esc, '\n'));		/* one chunk, one line */
	assert_non_null(strstr(esc, "\\t\\n\\x0b\\x0c\\r"));
	assert_non_null(strstr(esc, "\\x00\\x01"));
	assert_non_null(strstr(esc, "\\\\"));
	assert_int_equal(link_rec_unescape(esc, n, back, sizeof back), 256);
	assert_memory_equal(back, all, 256);
	assert_int_equal(link_rec_unescape("\\q", 2, back, sizeof back), -1);
	assert_int_equal(link_rec_unescape("\\x4", 3, back, sizeof back), -1);
	/* One byte needs room for its longest escape. */
	assert_int_equal(link_rec_escape("\n", 1, esc, 5), 2);
	assert_string_equal(esc, "\\n");
}

/* A recording as the recorder writes it. */
static void
write_recording(const char *path)
{
	char err[300];
	struct link_rec *r = link_rec_new(path, 0, "link: /dev/ttyUSB0 (serial)\n"
	    "protocol: lv\ninterval: 1\n", err, sizeof err);

	assert_non_null(r);
	link_rec_event(r, "open", "/dev/ttyUSB0");
	link_rec_data(r, '>', "pwr\n", 4);
	link_rec_data(r, '<', "pwr\r\n@\r\n\x01ok\r\n", 13);
	link_rec_data(r, '>', "bat 1\n", 6);
	link_rec_data(r, '<', "bat 1\r\n", 7);
	link_rec_event(r, "lost", "/dev/ttyUSB0: device disconnected (unplugged?)");
	link_rec_event(r, "close", NULL);
	link_rec_event(r, "open-failed", "/dev/ttyUSB0: no such device");
	link_rec_event(r, "open", "/dev/ttyUSB0");
	link_rec_data(r, '>', "pwr\n", 4);
	link_rec_data(r, '<', "again", 5);
	link_rec_event(r, "close", NULL);
	link_rec_free(r);
}

static void
test_recorder_file(void **state)
{
	char path[96], v[64];
	const char *text;

	(void)state;
	tmp_name(path, sizeof path, "file");
	write_recording(path);
	text = slurp(path);
	assert_memory_equal(text, LINK_REC_MAGIC "\n", strlen(LINK_REC_MAGIC) + 1);
	assert_non_null(strstr(text, "\n# protocol: lv\n"));
	assert_non_null(strstr(text, "\n# start-ms: "));
	assert_non_null(strstr(text, " ! open /dev/ttyUSB0\n"));
	assert_non_null(strstr(text, " > pwr\\n\n"));
	assert_non_null(strstr(text, " < pwr\\r\\n@\\r\\n\\x01ok\\r\\n\n"));
	assert_non_null(strstr(text, " ! lost /dev/ttyUSB0: device disconnected"));
	assert_non_null(strstr(text, "\n+0.0"));
	assert_int_equal(link_replay_setting(path, "protocol", v, sizeof v), 0);
	assert_string_equal(v, "lv");
	assert_int_equal(link_replay_setting(path, "interval", v, sizeof v), 0);
	assert_string_equal(v, "1");
	assert_int_equal(link_replay_setting(path, "dialect", v, sizeof v), -1);
	unlink(path);
}

static void
test_recorder_rotates(void **state)
{
	char path[96], old[110], err[300], chunk[100];
	struct link_rec *r;
	struct stat st;
	int i;

	(void)state;
	tmp_name(path, sizeof path, "rot");
	snprintf(old, sizeof old, "%s.1", path);
	unlink(old);
	memset(chunk, 'x', sizeof chunk);
	r = link_rec_new(path, 8192, "protocol: lv\n", err, sizeof err);
	assert_non_null(r);
	link_rec_event(r, "open", "/dev/pts/9");
	for (i = 0; i < 200; i++)
		link_rec_data(r, '<', chunk, sizeof chunk);
	link_rec_free(r);
	assert_int_equal(stat(old, &st), 0);
	assert_true(st.st_size <= 8192);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= 8192);
	/* The newer file stands alone: header, and the link said open. */
	assert_memory_equal(slurp(path), LINK_REC_MAGIC "\n", strlen(LINK_REC_MAGIC) + 1);
	assert_non_null(strstr(slurp(path), " ! open /dev/pts/9\n"));
	unlink(path);
	unlink(old);
	/* A path we cannot create: the reason, naming the file. */
	assert_null(link_rec_new("/nonexistent-dir/rec", 0, "", err, sizeof err));
	assert_non_null(strstr(err, "/nonexistent-dir/rec: cannot create the recording"));
}

static void
test_replay_recording(void **state)
{
	struct link l;
	char path[96], spec[128], buf[64], note[300];
	int64_t t0;

	(void)state;
	tmp_name(path, sizeof path, "replay");
	write_recording(path);
	snprintf(spec, sizeof spec, "replay:%s", path);
	assert_int_equal(link_init(&l, spec, 0), 0);
	l.replay_speed = 0;
	assert_int_equal(link_open(&l), 0);
	assert_true(clock_is_virtual());
	t0 = clock_mono_ms();
	/* Nothing is released before the recorded command is sent: the
	 * wait passes on the replay clock, not the real one. */
	assert_int_equal(link_read(&l, buf, sizeof buf, 3000), 0);
	assert_true(clock_mono_ms() - t0 >= 3000);
	assert_int_equal(link_write(&l, "pwr\n", 4, 100), 0);
	assert_int_equal(link_read(&l, buf, 5, 100), 5);
	assert_memory_equal(buf, "pwr\r\n", 5);
	assert_int_equal(link_read(&l, buf, sizeof buf, 100), 8);
	assert_memory_equal(buf, "@\r\n\x01ok\r\n", 8);
	assert_int_equal(link_replay_mismatches(&l, note, sizeof note), 0);
	/* Another command than the recorded one: counted and said. */
	assert_int_equal(link_write(&l, "bat 2\n", 6, 100), 0);
	assert_int_equal(link_replay_mismatches(&l, note, sizeof note), 1);
	assert_string_equal(note, "replay: sent 'bat 2', recording has 'bat 1' at +0.0 s");
	assert_int_equal(link_read(&l, buf, sizeof buf, 100), 7);
	/* The recorded unplug is a lost link until it is closed. */
	assert_int_equal(link_read(&l, buf, sizeof buf, 100), PT_ERR_CLOSED);
	assert_string_equal(link_error(&l),
	    "/dev/ttyUSB0: device disconnected (unplugged?) (recorded)");
	assert_int_equal(link_write(&l, "pwr\n", 4, 100), PT_ERR_CLOSED);
	link_close(&l);
	/* The recorded failed open fails again, then the link is back. */
	assert_int_equal(link_open(&l), PT_ERR_NODEV);
	assert_string_equal(link_error(&l), "/dev/ttyUSB0: no such device");
	assert_false(link_replay_finished(&l));
	assert_int_equal(link_open(&l), 0);
	assert_int_equal(link_write(&l, "pwr\n", 4, 100), 0);
	assert_int_equal(link_read(&l, buf, sizeof buf, 100), 5);
	assert_memory_equal(buf, "again", 5);
	/* Its end: the link is gone for good. */
	assert_int_equal(link_read(&l, buf, sizeof buf, 100), PT_ERR_CLOSED);
	assert_true(strstr(link_error(&l), "end of the recording") != NULL);
	link_close(&l);
	assert_int_equal(link_open(&l), PT_ERR_NODEV);
	assert_true(link_replay_finished(&l));
	link_release(&l);
	assert_false(clock_is_virtual());
	unlink(path);
}

/* The link's stamps of its last write and read (what the LV round-robin
 * judges a cycle by) are, in a replay, the recorded times: the ones the
 * live run's link had.  A silence is stamped where it ended. */
static void
test_replay_stamps(void **state)
{
	static const char text[] = LINK_REC_MAGIC "\n# start-ms: 1796433151108\n"
	    "+0.010 ! open /dev/ttyUSB0\n"
	    "+1.050 > pwr\\n\n"
	    "+1.100 < pwr\\r\\n\n"
	    "+1.350 ! timeout 250\n"
	    "+1.410 < @\\r\\n\n"
	    "+2.010 > bat 1\\n\n"
	    "+2.020 ! close\n";
	struct link l;
	char path[96], spec[128], buf[64];
	FILE *f;
	int64_t o;

	(void)state;
	tmp_name(path, sizeof path, "stamps");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	snprintf(spec, sizeof spec, "replay:%s", path);
	assert_int_equal(link_init(&l, spec, 0), 0);
	l.replay_speed = 0;
	assert_int_equal(link_open(&l), 0);
	o = clock_virtual_origin();
	assert_int_equal(link_last_write_ms(&l), 0);
	assert_int_equal(link_last_read_ms(&l), 0);
	assert_int_equal(link_write(&l, "pwr\n", 4, 100), 0);
	assert_int_equal(link_last_write_ms(&l) - o, 1050);
	assert_int_equal(link_read(&l, buf, sizeof buf, 250), 5);
	assert_int_equal(link_last_read_ms(&l) - o, 1100);
	assert_int_equal(link_read(&l, buf, sizeof buf, 250), 0);
	assert_int_equal(link_last_read_ms(&l) - o, 1350);
	assert_int_equal(link_read(&l, buf, sizeof buf, 250), 3);
	assert_int_equal(link_last_read_ms(&l) - o, 1410);
	assert_int_equal(link_write(&l, "bat 1\n", 6, 100), 0);
	assert_int_equal(link_last_write_ms(&l) - o, 2010);
	assert_int_equal(link_last_read_ms(&l) - o, 1410);
	link_release(&l);
	unlink(path);
}

/* Live, the recorder writes the very millisecond the link reports (on a
 * virtual clock here, so the file's text is known). */
static void
test_recorder_stamps_are_the_links(void **state)
{
	struct link l;
	char path[96], err[300], *text;
	int fds[2];
	int64_t o;

	(void)state;
	tmp_name(path, sizeof path, "linkstamps");
	clock_virtual_start(1796433151108, 0);
	o = clock_virtual_origin();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	assert_int_equal(link_init(&l, "tcp://127.0.0.1:1", 0), 0);
	l.fd = fds[1];
	l.rec = link_rec_new(path, 0, "protocol: lv\n", err, sizeof err);
	assert_non_null(l.rec);
	clock_virtual_advance(o + 1234, NULL);
	assert_int_equal(link_write(&l, "pwr\n", 4, 100), 0);
	assert_int_equal(link_last_write_ms(&l) - o, 1234);
	l.fd = fds[0];
	clock_virtual_advance(o + 1300, NULL);
	assert_int_equal(link_read(&l, err, sizeof err, 100), 4);
	assert_int_equal(link_last_read_ms(&l) - o, 1300);
	link_rec_free(l.rec);
	l.rec = NULL;
	clock_virtual_stop();
	close(fds[0]);
	close(fds[1]);
	l.fd = -1;
	text = slurp(path);
	assert_non_null(strstr(text, "\n+1.234 > pwr\\n\n"));
	assert_non_null(strstr(text, "\n+1.300 < pwr\\n\n"));
	unlink(path);
}

static void
test_replay_bad_recording(void **state)
{
	struct link l;
	char path[96], spec[128], want[200];
	FILE *f;

	(void)state;
	tmp_name(path, sizeof path, "bad");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(LINK_REC_MAGIC "\n# protocol: lv\n+0.000 ! open x\n+0.001 ? what\n", f);
	fclose(f);
	snprintf(spec, sizeof spec, "replay:%s", path);
	assert_int_equal(link_init(&l, spec, 0), 0);
	assert_int_equal(link_open(&l), PT_ERR_PARSE);
	snprintf(want, sizeof want, "%s:4: not a line of a recording (want "
	    "'+SECONDS D DATA', D one of > < !)", path);
	assert_string_equal(link_error(&l), want);
	link_release(&l);
	unlink(path);
}

/* What screen -L writes: the console's output, echo included. */
static const char term_log[] =
    "\rpylon>\n"
    "\rpylon>pwr\r\n@\r\r\nPower Volt\r\n1     49905\r\nCommand completed successfully\r\n$$\r\n"
    "\rpylon>bat 1\r\n@\r\r\nBattery  Volt\r\n0        3327\r\n$$\r\n"
    "\rpylon>help\r\n@\r\nno\r\n$$\r\n"
    "\rpylon>";

static void
test_replay_terminal_log(void **state)
{
	struct link l;
	char path[96], spec[128], buf[256], note[300];
	const char *pwr = strstr(term_log, "pwr\r\n");
	const char *bat = strstr(term_log, "bat 1\r\n");
	ssize_t n;
	FILE *f;

	(void)state;
	tmp_name(path, sizeof path, "log");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(term_log, f);
	fclose(f);
	snprintf(spec, sizeof spec, "replay:%s", path);
	assert_int_equal(link_init(&l, spec, 0), 0);
	assert_int_equal(link_open(&l), 0);
	assert_false(clock_is_virtual());
	/* Nothing until a command is sent. */
	assert_int_equal(link_read(&l, buf, sizeof buf, 10), 0);
	assert_int_equal(link_write(&l, "\n", 1, 100), 0);
	assert_int_equal(link_read(&l, buf, sizeof buf, 10), 8);
	assert_memory_equal(buf, "\n\rpylon>", 8);
	/* Each answer when its command is sent, whatever the log's order. */
	assert_int_equal(link_write(&l, "bat 1\n", 6, 100), 0);
	n = link_read(&l, buf, sizeof buf, 10);
	assert_int_equal(n, strstr(bat, "pylon>") + 6 - bat);
	assert_memory_equal(buf, bat, (size_t)n);
	assert_int_equal(link_write(&l, "pwr\n", 4, 100), 0);
	n = link_read(&l, buf, sizeof buf, 10);
	assert_int_equal(n, strstr(pwr, "pylon>") + 6 - pwr);
	assert_memory_equal(buf, pwr, (size_t)n);
	/* And again for the next poll. */
	assert_int_equal(link_write(&l, "pwr\n", 4, 100), 0);
	assert_int_equal(link_read(&l, buf, sizeof buf, 10), n);
	/* A command the log has no answer to: silence, said. */
	assert_int_equal(link_write(&l, "bat 2\n", 6, 100), 0);
	assert_int_equal(link_read(&l, buf, sizeof buf, 10), 0);
	assert_int_equal(link_replay_mismatches(&l, note, sizeof note), 1);
	assert_string_equal(note, "replay: sent 'bat 2', the terminal log has no answer to it");
	link_release(&l);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_round_trip),
		cmocka_unit_test(test_recorder_file),
		cmocka_unit_test(test_recorder_rotates),
		cmocka_unit_test(test_replay_recording),
		cmocka_unit_test(test_replay_stamps),
		cmocka_unit_test(test_recorder_stamps_are_the_links),
		cmocka_unit_test(test_replay_bad_recording),
		cmocka_unit_test(test_replay_terminal_log),
	};

	alarm(30);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
