/* fuzz_console.c — libFuzzer harness: console_frame() and every LV
 * parser over arbitrary bytes.  Build with --enable-fuzzing (clang);
 * run: fuzz/fuzz_console -max_len=8192 corpus/ */
#include <stddef.h>
#include <stdint.h>

#include "proto/console_frame.h"
#include "proto/console_lv.h"
#include "util/diag.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const console_parse_fn parsers[] = {
		console_lv_parse_pwr, console_lv_parse_pwr_any, console_lv_parse_pwr_module,
		console_lv_parse_bat, console_lv_parse_stat, console_lv_parse_info,
		console_lv_parse_soh, console_lv_parse_pwrsys,
	};
	static struct pt_sample s;
	const char *buf = (const char *)data;
	struct console_ctx ctx = { .module = size > 0 ? data[0] % 18 : 0 };
	struct console_frame fr;
	struct pt_diag d;
	size_t i;

	(void)console_prompt_at_end(buf, size);
	if (console_frame(buf, size, &fr) == CF_OK) {
		/* the body as the session would hand it over */
		buf += fr.body_off;
		size = fr.body_len;
	}
	for (i = 0; i < sizeof parsers / sizeof parsers[0]; i++) {
		pt_sample_init(&s, "lv");
		pt_diag_clear(&d);
		(void)parsers[i](buf, size, &ctx, &s, &d);
	}
	return 0;
}
