/* sanitize.c — destination rules for untrusted text. */
#include "util/sanitize.h"

#include <ctype.h>
#include <string.h>

static int
printable(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

size_t
san_text(char *dst, size_t size, const char *src, size_t len)
{
	size_t i = 0, o = 0;

	if (size == 0)
		return 0;
	while (i < len && (src[i] == ' ' || src[i] == '\t'))
		i++;
	for (; i < len && src[i] != '\0' && o + 1 < size; i++)
		dst[o++] = printable((unsigned char)src[i]) ? src[i] : '?';
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
	return o;
}

size_t
san_topic(char *dst, size_t size, const char *src)
{
	size_t o = 0;

	if (size == 0)
		return 0;
	for (; src != NULL && *src != '\0' && o + 1 < size; src++) {
		unsigned char c = (unsigned char)*src;
		if (isalnum(c) && c < 0x80)
			dst[o++] = (char)tolower(c);
		else if (c == '-' || c == '_')
			dst[o++] = (char)c;
		else
			dst[o++] = '_';
	}
	dst[o] = '\0';
	if (o == 0) {
		strncpy(dst, "unknown", size - 1);
		dst[size - 1] = '\0';
		o = strlen(dst);
	}
	return o;
}

size_t
san_csv_field(char *dst, size_t size, const char *src)
{
	size_t need = 0, o = 0;
	int quote = 0, guard = 0;
	const char *p;

	for (p = src; *p != '\0'; p++)
		if (*p == ',' || *p == '"' || *p == '\r' || *p == '\n' || *p == ' ' || *p == ';')
			quote = 1;
	if (*src == '=' || *src == '+' || *src == '-' || *src == '@' ||
	    *src == '\t' || *src == '\r')
		guard = quote = 1;

#define PUT(c) do { if (o + 1 < size) dst[o++] = (c); need++; } while (0)
	if (quote)
		PUT('"');
	if (guard)
		PUT('\'');
	for (p = src; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			PUT('"');
		PUT(printable(c) ? (char)c : '?');
	}
	if (quote)
		PUT('"');
#undef PUT
	if (size > 0)
		dst[o < size ? o : size - 1] = '\0';
	return need;
}
