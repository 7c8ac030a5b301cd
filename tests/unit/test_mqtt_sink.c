/* test_mqtt_sink.c — the MQTT sink without a real broker: write() never
 * waits, the queue stays bounded while nobody listens, the status says
 * why it is not connected, a refused password is said once and not
 * retried every second, toggling, bad settings, and shutdown on time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sink/mqtt.h"
#include "util/clock.h"

static struct mqtt_config cfg;

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

	while (!r->stop) {
		struct pollfd p = { r->fd, POLLIN, 0 };
		char buf[512];
		int c;

		if (poll(&p, 1, 100) <= 0)
			continue;
		if ((c = accept(r->fd, NULL, NULL)) < 0)
			continue;
		r->connects++;
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
	assert_int_equal(r.connects, 1);
	k.ops->status(k.self, &st);
	assert_int_equal(st.state, SINK_ERROR);
	mqtt_sink_free(m, 1000);
	r.stop = 1;
	pthread_join(r.thread, NULL);
	close(r.fd);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
