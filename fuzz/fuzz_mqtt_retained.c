/* fuzz_mqtt_retained.c — libFuzzer harness: a retained discovery config
 * read back from the broker (mq_retained_config), and what the sink does
 * with its id (mq_registry_learn).  Input: topic, a NUL, the payload. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sink/mqtt_entity.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mq_registry reg;
	static int learned;
	const uint8_t *nul = memchr(data, 0, size);
	enum mq_discovery_mode mode;
	char *topic, dev[MQ_ID_LEN];
	size_t tlen;

	if (nul == NULL)
		return 0;
	tlen = (size_t)(nul - data);
	if ((topic = malloc(tlen + 1)) == NULL)
		return 0;
	memcpy(topic, data, tlen + 1);
	/* The payload as the library hands it over: its own buffer, exact length. */
	size -= tlen + 1;
	if (learned++ % 64 == 0)
		mq_registry_init(&reg);
	if (mq_retained_config("homeassistant", "pylontop_A1B2", topic,
	    size ? nul + 1 : (const void *)"", size, &mode, dev))
		(void)mq_registry_learn(&reg, dev);
	free(topic);
	return 0;
}
