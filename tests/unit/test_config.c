/* test_config.c — the .env-style config file and option values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "util/err.h"

static char path[64];

static void
write_file(const char *text)
{
	FILE *f;

	strcpy(path, "/tmp/pt-test-config.XXXXXX");
	close(mkstemp(path));
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void
test_bridge_env_file(void **state)
{
	struct pt_config c;
	char err[300];

	(void)state;
	/* What an existing Python SC0500 bridge's .env looks like. */
	write_file("# SC0500 bridge\n"
	    "SERIAL_PORT=/dev/ttyUSB0\n"
	    "BMS_BARCODE=\"PPTAH0123456789\"\n"
	    "MQTT_BROKER=192.0.2.5\n"
	    "MQTT_PORT=1884\n"
	    "MQTT_USER='ha'\n"
	    "MQTT_PASSWORD=s3cr#t\n"
	    "export HA_DISCOVERY_PREFIX=homeassistant\n"
	    "DEVICE_UNIQUE_ID=rack1   # inline comment\n"
	    "DEVICE_NAME=Garage battery\n"
	    "DEBUG_MODE=false\n");
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof err), 0);
	config_finish(&c);
	assert_string_equal(c.device, "/dev/ttyUSB0");
	assert_string_equal(c.barcode, "PPTAH0123456789");
	assert_string_equal(c.mqtt.host, "192.0.2.5");
	assert_int_equal(c.mqtt.port, 1884);
	assert_string_equal(c.mqtt.user, "ha");
	/* '#' without a blank before it is part of the value. */
	assert_string_equal(c.mqtt.password, "s3cr#t");
	assert_string_equal(c.mqtt.unique_id, "rack1");
	assert_string_equal(c.mqtt.device_name, "Garage battery");
	/* A configured broker turns publishing on, as in the bridges. */
	assert_true(c.mqtt.enabled);
	unlink(path);
}

static void
test_mqtt_enabled_false(void **state)
{
	struct pt_config c;
	char err[300];

	(void)state;
	write_file("MQTT_BROKER=localhost\nMQTT_ENABLED=false\n");
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof err), 0);
	config_finish(&c);
	assert_false(c.mqtt.enabled);
	assert_int_equal(c.mqtt.port, 1883);
	unlink(path);
}

static void
expect_bad(const char *text, const char *needle)
{
	struct pt_config c;
	char err[300];

	write_file(text);
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof err), PT_ERR_CONFIG);
	if (strstr(err, needle) == NULL)
		fail_msg("'%s' not in '%s'", needle, err);
	assert_non_null(strstr(err, path));
	unlink(path);
}

static void
test_bad_values(void **state)
{
	(void)state;
	expect_bad("INTERVAL=0\n", ":1: INTERVAL: '0'");
	expect_bad("\nINTERVAL=fast\n", ":2: INTERVAL: 'fast'");
	expect_bad("BAUD=115k\n", "BAUD: '115k' is not a baud rate");
	expect_bad("PROTOCOL=modbus\n", "PROTOCOL: 'modbus'");
	expect_bad("DIALECT=jk\n", "DIALECT");
	expect_bad("MQTT_PORT=70000\n", "MQTT_PORT");
	expect_bad("MQTT_QOS=3\n", "MQTT_QOS");
	expect_bad("MQTT_RETAIN=maybe\n", "MQTT_RETAIN");
	expect_bad("MQTT_BASE_TOPIC=a/+/b\n", "MQTT_BASE_TOPIC");
	expect_bad("COMMAND_EOL=nl\n", "COMMAND_EOL");
	expect_bad("just some words\n", ":1: expected KEY=value");
	expect_bad("MQTT_PASSWORD_FILE=/nonexistent/pw\n", "cannot read the MQTT password file");
	expect_bad("HA_DISCOVERY_MODE=devices\n",
	    "HA_DISCOVERY_MODE: 'devices' is not a discovery mode (device, or entity");
	expect_bad("ENERGY_MAX_GAP_S=0\n", "ENERGY_MAX_GAP_S: '0' is not a gap in seconds");
	expect_bad("ALARM_BELL=maybe\n", "ALARM_BELL: 'maybe' is not a yes/no value");
	expect_bad("FORCE_TBAR=maybe\n", "FORCE_TBAR: 'maybe' is not a yes/no value");
}

/* The key table: aliases, kinds, the one yes/no reading for every key,
 * the new MQTT keys and their defaults. */
static void
test_key_table(void **state)
{
	struct pt_config c;
	char err[300];

	(void)state;
	write_file("SERIAL_BAUD=9600\nPOLL_INTERVAL=2.5s\nMQTT_HOST=broker\n"
	    "MQTT_USERNAME=u\nMQTT_TOPIC=site/bat\nMQTT_DISCOVERY=Off\nMQTT_TLS=YES\n"
	    "ALARM_BELL=On\nCSV_ENABLED=0\nMQTT_KEEPALIVE=60\nHA_DISCOVERY_MODE=Entity\n"
	    "MQTT_STATE_FILE=/var/tmp/x.json\nENERGY_MAX_GAP_S=90\nRS485_GROUPS=0-2\n");
	config_defaults(&c);
	assert_int_equal(c.mqtt.discovery_mode, 0);
	assert_false(c.mqtt.state_file_given);
	assert_true(c.mqtt.energy_max_gap_s == 60);
	assert_int_equal(config_load(&c, path, err, sizeof err), 0);
	unlink(path);
	assert_int_equal(c.baud, 9600);
	assert_true(c.interval_s == 2.5);
	assert_string_equal(c.mqtt.host, "broker");
	assert_true(c.mqtt.configured);
	assert_string_equal(c.mqtt.user, "u");
	assert_string_equal(c.mqtt.base_topic, "site/bat");
	assert_false(c.mqtt.discovery);
	assert_true(c.mqtt.tls);
	assert_true(c.alarms.bell);
	assert_false(c.csv_enabled);
	assert_int_equal(c.mqtt.keepalive_s, 60);
	assert_int_equal(c.mqtt.discovery_mode, 1);
	assert_string_equal(c.mqtt.state_file, "/var/tmp/x.json");
	assert_true(c.mqtt.state_file_given);
	assert_true(c.mqtt.energy_max_gap_s == 90);
	assert_int_equal(c.rs485_groups, 7u);
	/* Empty: nothing kept, which is not "unset". */
	assert_int_equal(config_set(&c, "MQTT_STATE_FILE", "", err, sizeof err), 0);
	assert_true(c.mqtt.state_file_given && c.mqtt.state_file[0] == '\0');
	assert_int_equal(config_set(&c, "NO_SUCH_KEY", "1", err, sizeof err), 1);
}

static void
test_password_not_in_message(void **state)
{
	struct pt_config c;
	char err[300];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set_mqtt_url(&c, "mqtt://u:hunter2@h", err, sizeof err),
	    PT_ERR_CONFIG);
	assert_null(strstr(err, "hunter2"));
}

static void
test_mqtt_url(void **state)
{
	struct pt_config c;
	char err[300];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set_mqtt_url(&c, "mqtts://bob@broker.lan:8884", err, sizeof err), 0);
	assert_true(c.mqtt.tls);
	assert_string_equal(c.mqtt.user, "bob");
	assert_string_equal(c.mqtt.host, "broker.lan");
	assert_int_equal(c.mqtt.port, 8884);
	config_defaults(&c);
	assert_int_equal(config_set_mqtt_url(&c, "mqtt://[::1]", err, sizeof err), 0);
	assert_string_equal(c.mqtt.host, "::1");
	config_finish(&c);
	assert_int_equal(c.mqtt.port, 1883);
	assert_int_equal(config_set_mqtt_url(&c, "http://x", err, sizeof err), PT_ERR_CONFIG);
	assert_int_equal(config_set_mqtt_url(&c, "mqtt://h:0", err, sizeof err), PT_ERR_CONFIG);
	assert_int_equal(config_set_mqtt_url(&c, "mqtt://", err, sizeof err), PT_ERR_CONFIG);
}

static void
test_unknown_key_is_not_fatal(void **state)
{
	struct pt_config c;
	char err[300];

	(void)state;
	write_file("SOMETHING_ELSE=1\nINTERVAL=5\n");
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof err), 0);
	assert_true(c.interval_s == 5.0);
	unlink(path);
	config_defaults(&c);
	assert_int_equal(config_load(&c, "/nonexistent/pylontop.conf", err, sizeof err),
	    PT_ERR_NODEV);
}

/* Issue 9.11: the order of the lines does not matter; the rule between
 * the alarm limits holds for the final values, checked after loading. */
static void
test_alarm_limits_any_order(void **state)
{
	static const char *const ok[] = {
		"ALARM_CELL_V_LOW=3.65\nALARM_CELL_V_HIGH=3.70\n",
		"ALARM_CELL_V_HIGH=3.70\nALARM_CELL_V_LOW=3.65\n",
	};
	struct pt_config c;
	char err[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		write_file(ok[i]);
		config_defaults(&c);
		assert_int_equal(config_load(&c, path, err, sizeof err), 0);
		config_finish(&c);
		assert_int_equal(config_check(&c, err, sizeof err), 0);
		assert_float_equal(c.alarms.cell_v_low, 3.65, 1e-12);
		assert_float_equal(c.alarms.cell_v_high, 3.70, 1e-12);
		unlink(path);
	}
	/* Wrong final values are caught whatever the order. */
	write_file("ALARM_CELL_V_HIGH=3.40\nALARM_CELL_V_LOW=3.50\n");
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof err), 0);
	config_finish(&c);
	assert_int_equal(config_check(&c, err, sizeof err), PT_ERR_CONFIG);
	assert_non_null(strstr(err, "ALARM_CELL_V_LOW (3.500 V) is not below ALARM_CELL_V_HIGH"));
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alarm_limits_any_order),
		cmocka_unit_test(test_bridge_env_file),
		cmocka_unit_test(test_mqtt_enabled_false),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_key_table),
		cmocka_unit_test(test_password_not_in_message),
		cmocka_unit_test(test_mqtt_url),
		cmocka_unit_test(test_unknown_key_is_not_fatal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
