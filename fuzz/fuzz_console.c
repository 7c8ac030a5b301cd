/* fuzz_console.c — libFuzzer harness: console framing (console_frame,
 * console_prompt_at_end) and every LV parser over arbitrary bytes.
 * `make fuzz-smoke` builds and runs it (mk/fuzz.am); by hand:
 *     fuzz/bin/fuzz_console -max_len=8192 CORPUS-DIR */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "proto/console_lv.h"

static void
lv_all(const char *body, size_t len, int module)
{
	static const console_parse_fn parsers[] = {
		console_lv_parse_pwr, console_lv_parse_pwr_any, console_lv_parse_pwr_module,
		console_lv_parse_bat, console_lv_parse_stat, console_lv_parse_info,
		console_lv_parse_soh, console_lv_parse_pwrsys,
	};

	fuzz_parsers(parsers, sizeof parsers / sizeof parsers[0], "lv", body, len, module);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_console_answers((const char *)data, size, lv_all);
	return 0;
}
