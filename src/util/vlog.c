/* vlog.c — the -v / -vv trace (see vlog.h). */
#include "util/vlog.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "util/clock.h"
#include "util/sanitize.h"

static atomic_int vlog_level;

void
pt_vlog_set_level(int level)
{
	atomic_store(&vlog_level, level < 0 ? 0 : level);
}

int
pt_vlog_level(void)
{
	return atomic_load_explicit(&vlog_level, memory_order_relaxed);
}

void
pt_vlog(int level, const char *fmt, ...)
{
	char raw[512], line[512];
	int64_t t = clock_mono_ms();
	va_list ap;

	if (!pt_vlog_on(level))
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	san_text(line, sizeof line, raw, strlen(raw));
	fprintf(stderr, "pylontop: [%lld.%03lld] %s\n", (long long)(t / 1000),
	    (long long)(t % 1000), line);
}

void
pt_vlog_bytes(const char *tag, const void *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = buf;
	char out[1024];
	size_t i, o = 0;

	if (!pt_vlog_on(PT_VLOG_BYTES))
		return;
	for (i = 0; i < len && o + 5 < sizeof out; i++) {
		unsigned char c = p[i];

		if (c == '\r' || c == '\n' || c == '\\') {
			out[o++] = '\\';
			out[o++] = c == '\r' ? 'r' : c == '\n' ? 'n' : '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	fprintf(stderr, "pylontop: %s %zu bytes: %s%s\n", tag, len, out,
	    i < len ? "..." : "");
}
