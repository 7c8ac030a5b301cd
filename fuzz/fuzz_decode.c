/* fuzz_decode.c — libFuzzer harness: the whole `pylontop --decode` path
 * (app_decode_text: console captures of several exchanges, RS485 frame
 * files, with every --protocol), up to the sample and its JSON and CSV.
 * The first byte picks the --protocol; the rest is the file. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "model/sample_csv.h"
#include "model/sample_json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* decode.c's app_decode() prints through once.c; the harness only calls
 * app_decode_text(), so the printer is never reached.  Defined here to
 * link decode.c without the monitor and everything under it. */
void
app_print_sample(const struct pt_sample *s, enum out_format f, bool header)
{
	(void)s, (void)f, (void)header;
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const protocols[] = { "auto", "lv", "hv", "sc0500", "rs485" };
	static struct app_options o;
	static struct pt_sample s;
	char why[300], *buf, *json;
	int failed;

	if (size == 0)
		return 0;
	config_defaults(&o.cfg);
	snprintf(o.cfg.protocol, sizeof o.cfg.protocol, "%s", protocols[data[0] % 5]);
	data++, size--;
	/* As read_file() leaves it: NUL-terminated, room for a prompt. */
	if ((buf = malloc(size + 16)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (app_decode_text(buf, size, "fuzz", &o, &s, &failed, why, sizeof why) > 0 &&
	    (json = sample_to_json(&s, true)) != NULL)
		free(json);
	free(buf);
	return 0;
}
