/* sample_csv.h — one CSV row per sample, with a matching header.
 *
 * Columns: time (ISO 8601 UTC), stack values, then for each module its
 * values and one column per cell voltage (and cell temperature when the
 * sample has them).  Units are in the column names (stack_voltage_V,
 * m01_c07_V).  Unknown values are empty cells; text is quoted and guarded
 * against formula injection (util/sanitize.h).  Numbers use '.' whatever
 * the locale. */
#ifndef PT_SAMPLE_CSV_H
#define PT_SAMPLE_CSV_H

#include "model/sample.h"

/* malloc'ed lines without the trailing newline; NULL on allocation failure. */
char	*sample_csv_header(const struct pt_sample *s);
char	*sample_csv_row(const struct pt_sample *s);

#endif
