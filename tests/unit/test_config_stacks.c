/* test_config_stacks.c — [stack NAME] sections of the config file
 * (several stacks, issue 16.1): the top part alone by config_load, each
 * section's keys on top of it by config_load_stack, the names in file
 * order, and a header that is not [stack NAME] refused with its line. */
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

	strcpy(path, "/tmp/pt-test-config-stacks.XXXXXX");
	close(mkstemp(path));
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static const char two_stacks[] =
    "INTERVAL=5\n"
    "MQTT_BROKER=192.0.2.5\n"
    "CSV_FILE=site.csv\n"
    "\n"
    "[stack lv]\n"
    "SERIAL_PORT=/dev/ttyUSB0\n"
    "PROTOCOL=lv\n"
    "  [stack hv-1]  \n"
    "SERIAL_PORT=tcp://192.0.2.10:4001\n"
    "INTERVAL=10\n";

static void
test_top_part_only(void **state)
{
	struct pt_config c;
	char err[300];

	(void)state;
	write_file(two_stacks);
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof err), 0);
	assert_string_equal(c.device, "");		/* the sections' keys are not read */
	assert_string_equal(c.protocol, "auto");
	assert_true(c.interval_s == 5.0);
	assert_string_equal(c.mqtt.host, "192.0.2.5");
	unlink(path);
}

static void
test_section_on_top(void **state)
{
	struct pt_config c;
	char err[300];

	(void)state;
	write_file(two_stacks);
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof err), 0);
	assert_int_equal(config_load_stack(&c, path, "hv-1", err, sizeof err), 0);
	assert_string_equal(c.device, "tcp://192.0.2.10:4001");
	assert_true(c.interval_s == 10.0);		/* the section wins */
	assert_string_equal(c.protocol, "auto");	/* lv's PROTOCOL is not hv-1's */
	assert_string_equal(c.csv_path, "site.csv");	/* the top part stays */
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof err), 0);
	assert_int_equal(config_load_stack(&c, path, "lv", err, sizeof err), 0);
	assert_string_equal(c.device, "/dev/ttyUSB0");
	assert_string_equal(c.protocol, "lv");
	assert_true(c.interval_s == 5.0);
	unlink(path);
}

static void
test_names(void **state)
{
	char names[4][CONFIG_STACK_NAME_MAX];

	(void)state;
	write_file(two_stacks);
	assert_int_equal(config_stack_names(path, names, 4), 2);
	assert_string_equal(names[0], "lv");
	assert_string_equal(names[1], "hv-1");
	unlink(path);
	write_file("SERIAL_PORT=/dev/ttyUSB0\n");
	assert_int_equal(config_stack_names(path, names, 4), 0);
	unlink(path);
}

static void
test_bad_header(void **state)
{
	static const char *const bad[] = {
		"[stack]\n", "[stack a b]\n", "[stack a/b]\n", "[site lv]\n", "[stack lv\n",
		"[stack a_name_of_thirty_two_letters_xyz]\n",	/* too long for the UI, files */
	};
	struct pt_config c;
	char err[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[64];

		snprintf(text, sizeof text, "INTERVAL=5\n%s", bad[i]);
		write_file(text);
		config_defaults(&c);
		assert_int_equal(config_load(&c, path, err, sizeof err), PT_ERR_CONFIG);
		assert_non_null(strstr(err, ":2: expected [stack NAME]"));
		unlink(path);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_top_part_only),
		cmocka_unit_test(test_section_on_top),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_bad_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
