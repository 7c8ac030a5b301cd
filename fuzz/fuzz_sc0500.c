/* fuzz_sc0500.c — libFuzzer harness: the debug-mode console (`getpwr`
 * records, the `login debug` and `tbar` answers).  getpwr runs after an
 * HV `bat` on the same sample too, for the "split like bat" rule. */
#include "fuzz_util.h"
#include "proto/console_hv.h"
#include "proto/console_sc0500.h"

static void
sc_all(const char *body, size_t len, int module)
{
	static const console_parse_fn parsers[] = {
		console_sc0500_parse_getpwr, console_hv_parse_bat, console_sc0500_parse_getpwr,
	};
	struct pt_diag d;

	fuzz_parsers(parsers, sizeof parsers / sizeof parsers[0], "sc0500", body, len, module);
	pt_diag_clear(&d);
	(void)console_sc0500_check_login(body, len, &d);
	pt_diag_clear(&d);
	(void)console_sc0500_check_tbar(body, len, &d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_console_answers((const char *)data, size, sc_all);
	return 0;
}
