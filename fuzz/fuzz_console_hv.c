/* fuzz_console_hv.c — libFuzzer harness: the HV controller console
 * parsers (SC-series CMU, Force H2) over framed answers.  `unit` runs
 * first on the shared sample, so `bat`/`soh` also split cells by the
 * module count it found, as in a real poll. */
#include "fuzz_util.h"
#include "proto/console_hv.h"

static void
hv_all(const char *body, size_t len, int module)
{
	static const console_parse_fn parsers[] = {
		console_hv_parse_unit, console_hv_parse_pwr, console_hv_parse_bat,
		console_hv_parse_info, console_hv_parse_stat, console_hv_parse_soh,
		console_hv_parse_sysinfo, console_hv_parse_bmuinfo,
	};

	fuzz_parsers(parsers, sizeof parsers / sizeof parsers[0], "hv", body, len, module);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_console_answers((const char *)data, size, hv_all);
	return 0;
}
