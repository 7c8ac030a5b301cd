/* console_hv_testutil.h — what test_console_hv.c and
 * test_console_sc0500.c share: reading fixture and capture files, and
 * cutting the body out of a recorded answer.
 *
 * The body cutter is not the product's framer (console_frame.c has its
 * own tests): it is just enough for these files, so the parser tests do
 * not depend on another module.  Body = after the '@' line, or after the
 * echo when '@' is missing, up to the success line. */
#ifndef CONSOLE_HV_TESTUTIL_H
#define CONSOLE_HV_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PT_TOP_SRCDIR
#define PT_TOP_SRCDIR "."
#endif

/* Whole file, NUL-terminated; NULL when it cannot be read. */
static char *
tu_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static char *
tu_fixture(const char *name, size_t *len)
{
	char path[1024];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof path, "%s/tests/fixtures/console/%s",
	    top != NULL && top[0] != '\0' ? top : PT_TOP_SRCDIR, name);
	return tu_slurp(path, len);
}

/* A capture of ../shared, or NULL (the caller skips) when there is none. */
static char *
tu_capture(const char *name, size_t *len)
{
	char path[1024];
	const char *dir = getenv("SHARED_DIR");

	if (dir == NULL || dir[0] == '\0')
		return NULL;
	snprintf(path, sizeof path, "%s/protocols/captures/%s", dir, name);
	return tu_slurp(path, len);
}

/* Body of the answer to `cmd` in buf: *off and *blen.  False when the
 * echo or the success line is missing. */
static bool
tu_body(const char *buf, size_t len, const char *cmd, size_t *off, size_t *blen)
{
	size_t i = 0, n = strlen(cmd), k;
	int state = 0;		/* 0 looking for the echo, 1 just after it, 2 body */

	*off = *blen = 0;
	while (i < len) {
		size_t start, end;

		while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
			i++;
		start = i;
		while (i < len && buf[i] != '\r' && buf[i] != '\n')
			i++;
		end = i;
		if (state == 0) {
			for (k = start; k + n <= end; k++)
				if (memcmp(buf + k, cmd, n) == 0 &&
				    (k == start || buf[k - 1] == '>')) {
					state = 1;
					*off = end;
					break;
				}
			continue;
		}
		if (state == 1) {
			state = 2;
			if (end - start == 1 && buf[start] == '@') {
				*off = end;
				continue;
			}
		}
		if (end - start >= 17 && memcmp(buf + start, "Command completed", 17) == 0) {
			*blen = start - *off;
			return true;
		}
	}
	return false;
}

#endif
