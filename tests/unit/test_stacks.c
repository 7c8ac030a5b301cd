/* test_stacks.c — what each of several stacks gets from the shared
 * settings (app/stacks.c, issue 16.1): the name before the extension of
 * the CSV, record and health files, its own MQTT device, nothing derived
 * with one stack, and the names and settings several stacks cannot share
 * refused (METRICS_LISTEN: one server for all, so they must agree). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "app/app.h"

static struct app_options o;

static void
two(const char *a, const char *b)
{
	memset(&o, 0, sizeof o);
	config_defaults(&o.cfg);
	o.n_stacks = 2;
	snprintf(o.stacks[0].name, sizeof o.stacks[0].name, "%s", a);
	snprintf(o.stacks[1].name, sizeof o.stacks[1].name, "%s", b);
	strcpy(o.stacks[0].device, "/dev/ttyUSB0");
	strcpy(o.stacks[1].device, "tcp://192.0.2.10:4001");
}

static void
test_files_named(void **state)
{
	static const char *const cases[][2] = {
		{ "site.csv", "site-hv.csv" },
		{ "/var/log/p/log-%Y%m%d.csv", "/var/log/p/log-%Y%m%d-hv.csv" },
		{ "log", "log-hv" },
		{ "dir.d/log", "dir.d/log-hv" },
		{ "./.hidden", "./.hidden-hv" },
	};
	struct pt_config c;
	char err[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		two("lv", "hv");
		strcpy(o.cfg.csv_path, cases[i][0]);
		strcpy(o.cfg.record_path, cases[i][0]);
		strcpy(o.cfg.health.state_file, cases[i][0]);
		assert_int_equal(app_stacks_check(&o, err, sizeof err), 0);
		assert_int_equal(app_stack_config(&o, 1, &c, err, sizeof err), 0);
		assert_string_equal(c.device, "tcp://192.0.2.10:4001");
		assert_string_equal(c.csv_path, cases[i][1]);
		assert_string_equal(c.record_path, cases[i][1]);
		assert_string_equal(c.health.state_file, cases[i][1]);
	}
}

static void
test_mqtt_device_each(void **state)
{
	struct pt_config c;
	char err[200];

	(void)state;
	two("lv", "hv");
	assert_int_equal(app_stack_config(&o, 0, &c, err, sizeof err), 0);
	assert_string_equal(c.mqtt.unique_id, "lv");
	assert_string_equal(c.mqtt.client_id, "");	/* derived from the id */
	assert_string_equal(c.mqtt.base_topic, "");	/* pylontop/lv */
	assert_string_equal(c.mqtt.device_name, "Pylontech stack lv");
	strcpy(o.cfg.mqtt.unique_id, "site");
	strcpy(o.cfg.mqtt.client_id, "pt");
	strcpy(o.cfg.mqtt.base_topic, "home/battery");
	strcpy(o.cfg.mqtt.device_name, "Garage");
	assert_int_equal(app_stack_config(&o, 1, &c, err, sizeof err), 0);
	assert_string_equal(c.mqtt.unique_id, "site-hv");
	assert_string_equal(c.mqtt.client_id, "pt-hv");
	assert_string_equal(c.mqtt.base_topic, "home/battery/hv");
	assert_string_equal(c.mqtt.device_name, "Garage hv");
}

static void
test_one_stack_unchanged(void **state)
{
	struct pt_config c;
	char err[200];

	(void)state;
	two("lv", "hv");
	o.n_stacks = 1;
	strcpy(o.cfg.csv_path, "site.csv");
	assert_int_equal(app_stacks_check(&o, err, sizeof err), 0);
	assert_int_equal(app_stack_config(&o, 0, &c, err, sizeof err), 0);
	assert_string_equal(c.device, "/dev/ttyUSB0");
	assert_string_equal(c.csv_path, "site.csv");
	assert_string_equal(c.mqtt.unique_id, "");
}

static void
test_refused(void **state)
{
	char err[200];

	(void)state;
	two("lv", "lv");
	assert_int_not_equal(app_stacks_check(&o, err, sizeof err), 0);
	assert_non_null(strstr(err, "given to two stacks"));
	two("lv", "h v");
	assert_int_not_equal(app_stacks_check(&o, err, sizeof err), 0);
	assert_non_null(strstr(err, "letters, digits"));
	two("lv", "hv");
	strcpy(o.cfg.csv_path, "-");
	assert_int_not_equal(app_stacks_check(&o, err, sizeof err), 0);
	assert_non_null(strstr(err, "--csv -"));
	/* One /metrics serves every stack: a shared --metrics is taken, a
	 * [stack] section that moves it is refused. */
	two("lv", "hv");
	o.cfg.metrics_port = 9100;
	assert_int_equal(app_stacks_check(&o, err, sizeof err), 0);
	{
		static struct pt_config moved;

		moved = o.cfg;
		moved.metrics_port = 9101;
		o.stacks[1].cfg = &moved;
		assert_int_not_equal(app_stacks_check(&o, err, sizeof err), 0);
		assert_non_null(strstr(err, "METRICS_LISTEN differs between stacks lv and hv"));
		moved.metrics_port = 9100;
		assert_int_equal(app_stacks_check(&o, err, sizeof err), 0);
	}
	two("lv", "hv");
	strcpy(o.stacks[1].device, "replay:site.rec");
	assert_int_not_equal(app_stacks_check(&o, err, sizeof err), 0);
	assert_non_null(strstr(err, "replay"));
	/* Unnamed stacks are called by their place. */
	two("", "");
	assert_int_equal(app_stacks_check(&o, err, sizeof err), 0);
	assert_string_equal(o.stacks[0].name, "1");
	assert_string_equal(o.stacks[1].name, "2");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_named),
		cmocka_unit_test(test_mqtt_device_each),
		cmocka_unit_test(test_one_stack_unchanged),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
