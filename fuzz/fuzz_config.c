/* fuzz_config.c — libFuzzer harness: the config file parser
 * (config_load), the MQTT password file and the mqtt[s]:// URL, over
 * arbitrary bytes.  The parsers read files, so each input is written to
 * one private temporary file first (removed at exit). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void
remove_file(void)
{
	unlink(path);
}

static int
write_input(const uint8_t *data, size_t size)
{
	FILE *f;
	int fd;

	if (path[0] == '\0') {
		const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(path, sizeof path, "%s/pylontop-fuzz-config.XXXXXX", dir);
		if ((fd = mkstemp(path)) < 0)
			abort();
		close(fd);
		atexit(remove_file);
	}
	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	if (size > 0 && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pt_config c;
	char err[512], *text;

	if (write_input(data, size) != 0)
		return 0;
	config_defaults(&c);
	if (config_load(&c, path, err, sizeof err) == 0)
		config_finish(&c);
	config_defaults(&c);
	(void)config_read_password_file(&c, path, err, sizeof err);
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	config_defaults(&c);
	(void)config_set_mqtt_url(&c, text, err, sizeof err);
	free(text);
	return 0;
}
