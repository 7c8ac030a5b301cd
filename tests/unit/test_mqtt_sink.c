/* test_mqtt_sink.c — the MQTT sink without a real broker: write() never
 * waits, the queue stays bounded while nobody listens, the status says
 * why it is not connected, a refused password is said once and not
 * retried every second, toggling, bad settings, and shutdown on time; a
 * refused SUBSCRIBE is retried. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mosquitto.h>

#include "sink/mqtt.h"
#include "util/clock.h"

static struct mqtt_config cfg;

/* Linked with -Wl,--wrap=mosquitto_subscribe: the next `fail_subscribes`
 * SUBSCRIBEs fail as when the library cannot queue them. */
int	__real_mosquitto_subscribe(struct mosquitto *mosq, int *mid, const char *sub, int qos);
int	__wrap_mosquitto_subscribe(struct mosquitto *mosq, int *mid, const char *sub, int qos);
static atomic_int fail_subscribes;

int
__wrap_mosquitto_subscribe(struct mosquitto *mosq, int *mid, const char *sub, int qos)
{
	if (atomic_load(&fail_subscribes) > 0) {
		atomic_fetch_sub(&fail_subscribes, 1);
		return MOSQ_ERR_NOMEM;
	}
	return __real_mosquitto_subscribe(mosq, mid, sub, qos);
}

/* A port on 127.0.0.1 where nothing listens. */
static int
closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static void
config(int port, const char *unique_id, bool enabled)
{
	memset(&cfg, 0, sizeof cfg);
	strcpy(cfg.host, "127.0.0.1");
	cfg.port = port;
	cfg.enabled = cfg.configured = enabled;
	cfg.discovery = true;
	cfg.keepalive_s = 30;
	cfg.state_file_given = true;	/* "": no MQTT state file (not in ~) */
	strcpy(cfg.discovery_prefix, "homeassistant");
	snprintf(cfg.unique_id, sizeof cfg.unique_id, "%s", unique_id);
}

static struct pt_sample *
sample(void)
{
	struct pt_sample *s = calloc(1, sizeof *s);
	int i, j;

	pt_sample_init(s, "lv");
	s->time_ms = clock_wall_ms();
	PT_SET(&s->stack, voltage, PTF_VOLTAGE, 49.1);
	for (i = 1; i <= 3; i++) {
		struct pt_module *m = pt_sample_module(s, i);

		snprintf(m->barcode, sizeof m->barcode, "BC%d", i);
		PT_SET(m, voltage, PTF_VOLTAGE, 49.1);
		for (j = 0; j < 15; j++)
			PT_SET(pt_module_cell(m, j), voltage, PTF_VOLTAGE, 3.3f);
	}
	return s;
}

static bool
wait_status(struct sink *k, enum sink_state want, const char *text, int ms,
    struct sink_status *st)
{
	int64_t until = clock_mono_ms() + ms;

	do {
		k->ops->status(k->self, st);
		if (st->state == want && (text == NULL || strstr(st->text, text) != NULL))
			return true;
		usleep(20000);
	} while (clock_mono_ms() < until);
	return false;
}

static void
test_no_broker(void **state)
{
	struct sink_status st;
	struct mqtt_sink *m;
	struct pt_sample *s = sample();
	struct link_stats ls = { .interval_s = 1 };
	char err[200], want[64];
	int64_t t0;
	int port = closed_port(), i;
	struct sink k;

	(void)state;
	config(port, "rack1", true);
	m = mqtt_sink_new(&cfg, err, sizeof err);
	assert_non_null(m);
	k = mqtt_sink_as_sink(m);
	assert_int_equal(mqtt_sink_start(m), 0);
	snprintf(want, sizeof want, "connecting to 127.0.0.1:%d: Connection refused", port);
	if (!wait_status(&k, SINK_CONNECTING, want, 3000, &st))
		fail_msg("status '%s'", st.text);
	/* Nobody listens: write() returns at once and the queue keeps one
	 * message per topic (configs, avail, states), dropping the rest. */
	t0 = clock_mono_ms();
	for (i = 0; i < 2000; i++) {
		s->seq = (uint32_t)i;
		assert_int_equal(k.ops->write(k.self, s, &ls), 0);
	}
	assert_true(clock_mono_ms() - t0 < 5000);
	k.ops->status(k.self, &st);
	assert_int_equal(st.written, 0);
	assert_true(st.queued <= 16);
	assert_true(st.queued >= 8);	/* 4 configs, 3 avail, 4 states */
	assert_true(st.dropped >= 1999 * 4);
	t0 = clock_mono_ms();
	mqtt_sink_free(m, 2000);
	assert_true(clock_mono_ms() - t0 < 1000);
	free(s);
}

static void
test_waits_for_the_first_sample(void **state)
{
	struct sink_status st;
	struct mqtt_sink *m;
	struct pt_sample *s = sample();
	struct sink k;
	char err[200];

	(void)state;
	config(closed_port(), "", true);
	m = mqtt_sink_new(&cfg, err, sizeof err);
	assert_non_null(m);
	k = mqtt_sink_as_sink(m);
	mqtt_sink_start(m);
	if (!wait_status(&k, SINK_CONNECTING, "waiting for the first sample", 2000, &st))
		fail_msg("status '%s'", st.text);
	k.ops->write(k.self, s, NULL);
	if (!wait_status(&k, SINK_CONNECTING, "Connection refused", 3000, &st))
		fail_msg("status '%s'", st.text);
	mqtt_sink_free(m, 1000);
	free(s);
}

static void
test_toggle(void **state)
{
	struct sink_status st;
	struct mqtt_sink *m;
	struct pt_sample *s = sample();
	struct sink k;
	char err[200];

	(void)state;
	config(closed_port(), "rack1", false);
	m = mqtt_sink_new(&cfg, err, sizeof err);
	k = mqtt_sink_as_sink(m);
	mqtt_sink_start(m);
	k.ops->write(k.self, s, NULL);
	k.ops->status(k.self, &st);
	assert_int_equal(st.state, SINK_OFF);
	assert_string_equal(st.text, "off");
	assert_int_equal(st.queued, 0);
	k.ops->set_enabled(k.self, true);
	if (!wait_status(&k, SINK_CONNECTING, "Connection refused", 3000, &st))
		fail_msg("status '%s'", st.text);
	k.ops->write(k.self, s, NULL);
	k.ops->status(k.self, &st);
	assert_true(st.queued > 0);
	k.ops->set_enabled(k.self, false);
	k.ops->status(k.self, &st);
	assert_int_equal(st.state, SINK_OFF);
	assert_int_equal(st.queued, 0);	/* old news by the time it is back on */
	mqtt_sink_free(m, 1000);
	free(s);
}

static void
test_bad_settings(void **state)
{
	char err[200];

	(void)state;
	config(1883, "x", true);
	strcpy(cfg.base_topic, "a/#");
	assert_null(mqtt_sink_new(&cfg, err, sizeof err));
	assert_non_null(strstr(err, "MQTT_BASE_TOPIC"));
	config(8883, "x", true);
	cfg.tls = true;
	strcpy(cfg.cafile, "/nonexistent/ca.crt");
	assert_null(mqtt_sink_new(&cfg, err, sizeof err));
	assert_non_null(strstr(err, "MQTT_CAFILE /nonexistent/ca.crt"));
	config(8883, "x", true);
	cfg.tls = true;
	strcpy(cfg.certfile, "/etc/hostname");
	assert_null(mqtt_sink_new(&cfg, err, sizeof err));
	assert_non_null(strstr(err, "MQTT_KEYFILE"));
}

/* ---- a broker that says "not authorised" to everyone ----------------- */

struct refuser {
	int		fd;
	int		port;
	int		connects;
	volatile int	stop;
	pthread_t	thread;
};

static void *
refuser_main(void *arg)
{
	struct refuser *r = arg;
	static const unsigned char connack[] = { 0x20, 0x02, 0x00, 0x05 };

	while (!__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST)) {
		struct pollfd p = { r->fd, POLLIN, 0 };
		char buf[512];
		int c;

		if (poll(&p, 1, 100) <= 0)
			continue;
		if ((c = accept(r->fd, NULL, NULL)) < 0)
			continue;
		__atomic_add_fetch(&r->connects, 1, __ATOMIC_SEQ_CST);
		p.fd = c;
		if (poll(&p, 1, 2000) > 0 && read(c, buf, sizeof buf) > 0)
			(void)!write(c, connack, sizeof connack);
		usleep(100000);
		close(c);
	}
	return NULL;
}

static void
refuser_start(struct refuser *r)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;

	memset(r, 0, sizeof *r);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(r->fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(r->fd, 4), 0);
	getsockname(r->fd, (struct sockaddr *)&a, &len);
	r->port = ntohs(a.sin_port);
	pthread_create(&r->thread, NULL, refuser_main, r);
}

static void
test_refused_password(void **state)
{
	struct sink_status st;
	struct refuser r;
	struct mqtt_sink *m;
	struct sink k;
	char err[200], want[96];

	(void)state;
	refuser_start(&r);
	config(r.port, "rack1", true);
	strcpy(cfg.user, "ha");
	strcpy(cfg.password, "Sup3r-Secret");
	m = mqtt_sink_new(&cfg, err, sizeof err);
	k = mqtt_sink_as_sink(m);
	mqtt_sink_start(m);
	snprintf(want, sizeof want, "broker 127.0.0.1:%d refused the user name or password",
	    r.port);
	if (!wait_status(&k, SINK_ERROR, want, 3000, &st))
		fail_msg("status '%s'", st.text);
	assert_null(strstr(st.text, "Sup3r-Secret"));
	assert_non_null(strstr(st.text, "'ha'"));
	/* libmosquitto alone would knock again every second. */
	sleep(3);
	assert_int_equal(__atomic_load_n(&r.connects, __ATOMIC_SEQ_CST), 1);
	k.ops->status(k.self, &st);
	assert_int_equal(st.state, SINK_ERROR);
	mqtt_sink_free(m, 1000);
	__atomic_store_n(&r.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(r.thread, NULL);
	close(r.fd);
}

/* ---- a real mosquitto, when there is one --------------------------- */

static pid_t broker_pid = -1;
static char broker_dir[64];

/* Also after a failed assertion: no broker and no directory left behind. */
static int
broker_teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (broker_pid > 0) {
		kill(broker_pid, SIGCONT);
		kill(broker_pid, SIGTERM);
		waitpid(broker_pid, NULL, 0);
		broker_pid = -1;
	}
	if (broker_dir[0] != '\0') {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", broker_dir);
		if (system(cmd) != 0)
			return -1;
		broker_dir[0] = '\0';
	}
	return 0;
}

static pid_t
broker_start(int port, char *dir)
{
	const char *bin = getenv("MOSQUITTO_BIN");
	char conf[128];
	FILE *f;
	pid_t pid;
	int64_t until;

	if (bin == NULL || bin[0] == '\0')
		bin = "/usr/sbin/mosquitto";
	if (access(bin, X_OK) != 0 || system("command -v mosquitto_sub >/dev/null") != 0)
		return -1;
	strcpy(dir, "/tmp/pt-mqtt-sink.XXXXXX");
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);	/* mosquitto started by root reads it as another user */
	snprintf(conf, sizeof conf, "%s/m.conf", dir);
	f = fopen(conf, "w");
	fprintf(f, "listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n", port);
	fclose(f);
	chmod(conf, 0644);
	snprintf(broker_dir, sizeof broker_dir, "%s", dir);
	if ((pid = fork()) == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL ||
		    freopen("/dev/null", "w", stderr) == NULL)
			_exit(126);
		execl(bin, bin, "-c", conf, (char *)NULL);
		_exit(127);
	}
	until = clock_mono_ms() + 5000;
	while (clock_mono_ms() < until) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
		int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
		close(fd);
		if (ok)
			return broker_pid = pid;
		usleep(50000);
	}
	fail_msg("mosquitto did not start");
	return -1;
}

/* The retained payload of a topic ("" when none). */
static void
retained(int port, const char *topic, char *out, size_t size)
{
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof cmd, "mosquitto_sub -h 127.0.0.1 -p %d -t '%s' --retained-only "
	    "-C 1 -W 2 2>/dev/null", port, topic);
	out[0] = '\0';
	assert_non_null(p = popen(cmd, "r"));
	if (fgets(out, (int)size, p) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

static bool
wait_retained(int port, const char *topic, const char *want)
{
	char got[64];
	int i;

	for (i = 0; i < 10; i++) {
		retained(port, topic, got, sizeof got);
		if (strcmp(got, want) == 0)
			return true;
		usleep(200000);
	}
	print_message("%s: retained '%s', want '%s'\n", topic, got, want);
	return false;
}

/* The TUI's 'm': off says "offline" and disconnects, on comes back; then
 * a frozen broker does not hold up the shutdown past its deadline. */
static void
test_toggle_with_broker(void **state)
{
	struct sink_status st;
	struct mqtt_sink *m;
	struct pt_sample *s = sample();
	struct link_stats ls = { .interval_s = 1 };
	char err[200], dir[64];
	int port = closed_port();
	int64_t t0;
	pid_t b;
	struct sink k;
	uint64_t written;
	char *big;

	(void)state;
	if ((b = broker_start(port, dir)) < 0) {
		free(s);
		skip();
	}
	config(port, "toggle", true);
	m = mqtt_sink_new(&cfg, err, sizeof err);
	k = mqtt_sink_as_sink(m);
	mqtt_sink_start(m);
	if (!wait_status(&k, SINK_OK, "connected to 127.0.0.1", 3000, &st))
		fail_msg("status '%s'", st.text);
	k.ops->write(k.self, s, &ls);
	assert_true(wait_retained(port, "pylontop/toggle/status", "online"));
	usleep(300000);
	k.ops->status(k.self, &st);
	assert_int_equal(st.queued, 0);
	assert_true(st.written >= 4 + 3 + 4);	/* configs, avail, states */
	big = malloc(65536);
	retained(port, "homeassistant/device/pylontop_toggle/config", big, 65536);
	assert_non_null(strstr(big, "\"link_errors\":{"));
	free(big);

	k.ops->set_enabled(k.self, false);
	assert_true(wait_retained(port, "pylontop/toggle/status", "offline"));
	k.ops->status(k.self, &st);
	assert_int_equal(st.state, SINK_OFF);
	written = st.written;
	k.ops->write(k.self, s, &ls);
	k.ops->status(k.self, &st);
	assert_int_equal(st.queued, 0);

	k.ops->set_enabled(k.self, true);
	if (!wait_status(&k, SINK_OK, "connected", 3000, &st))
		fail_msg("status '%s'", st.text);
	assert_true(wait_retained(port, "pylontop/toggle/status", "online"));
	k.ops->write(k.self, s, &ls);
	usleep(300000);
	k.ops->status(k.self, &st);
	assert_true(st.written > written);

	kill(b, SIGSTOP);
	k.ops->write(k.self, s, &ls);
	t0 = clock_mono_ms();
	mqtt_sink_free(m, 2000);
	assert_true(clock_mono_ms() - t0 < 2500);
	free(s);
}

/* A refused SUBSCRIBE is tried again: the retained config of a module an
 * earlier run announced is still read back, and that module removed
 * (issue 10.11: the results were not checked, so it stayed for ever). */
static void
test_subscribe_retried(void **state)
{
	struct sink_status st;
	struct mqtt_sink *m;
	struct pt_sample *s = sample();
	struct link_stats ls = { .interval_s = 1 };
	char err[200], dir[64], cmd[256], got[64] = "";
	const char *gone = "homeassistant/device/pylontop_subfail_gone/config";
	int port = closed_port(), i;
	struct sink k;

	(void)state;
	if (broker_start(port, dir) < 0) {
		free(s);
		skip();
	}
	snprintf(cmd, sizeof cmd, "mosquitto_pub -h 127.0.0.1 -p %d -r -t '%s' -m "
	    "'{\"device\":{\"identifiers\":[\"pylontop_subfail_gone\"],"
	    "\"via_device\":\"pylontop_subfail\"}}'", port, gone);
	assert_int_equal(system(cmd), 0);
	retained(port, gone, got, sizeof got);
	assert_true(got[0] != '\0');
	config(port, "subfail", true);
	atomic_store(&fail_subscribes, 2);
	m = mqtt_sink_new(&cfg, err, sizeof err);
	k = mqtt_sink_as_sink(m);
	mqtt_sink_start(m);
	if (!wait_status(&k, SINK_OK, "connected to 127.0.0.1", 3000, &st))
		fail_msg("status '%s'", st.text);
	for (i = 0; i < 3 * 4; i++) {
		s->time_ms = clock_wall_ms();
		k.ops->write(k.self, s, &ls);
		usleep(250000);
	}
	assert_int_equal(atomic_load(&fail_subscribes), 0);
	assert_true(wait_retained(port, gone, ""));
	mqtt_sink_free(m, 2000);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_broker),
		cmocka_unit_test(test_waits_for_the_first_sample),
		cmocka_unit_test(test_toggle),
		cmocka_unit_test(test_bad_settings),
		cmocka_unit_test(test_refused_password),
		cmocka_unit_test_teardown(test_toggle_with_broker, broker_teardown),
		cmocka_unit_test_teardown(test_subscribe_retried, broker_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
