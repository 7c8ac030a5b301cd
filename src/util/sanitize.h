/* sanitize.h — make untrusted (device) text safe for one destination.
 *
 * Device strings can hold anything a bad cable produces.  pt_copy_text()
 * (model/sample.h) already reduces them to printable ASCII when they are
 * parsed; these functions add the rules of each destination on top. */
#ifndef PT_SANITIZE_H
#define PT_SANITIZE_H

#include <stddef.h>

/* Printable ASCII only: controls, DEL and bytes >= 0x80 become '?';
 * leading/trailing blanks dropped.  Always NUL-terminates (size > 0).
 * Returns the length written. */
size_t	san_text(char *dst, size_t size, const char *src, size_t len);

/* MQTT topic level / Home Assistant id: [a-z0-9_-] only (lower-cased,
 * other bytes become '_'), never empty ("unknown"). */
size_t	san_topic(char *dst, size_t size, const char *src);

/* One CSV field: quoted when it holds a comma, quote, CR/LF or blank;
 * quotes doubled; a text starting with = + - @ TAB CR gets a leading '
 * (spreadsheet formula injection).  Returns the length written, or the
 * length needed when it does not fit (like snprintf). */
size_t	san_csv_field(char *dst, size_t size, const char *src);

#endif
