/* sample_csv.h — one CSV row per sample, with a matching header.
 *
 * The columns are fixed by a layout taken from a sample (which modules,
 * how many cells, whether cells have temperatures), so that a module whose
 * cells were not read in one cycle gives empty cells, not a new header.
 * Columns: time (ISO 8601 UTC), protocol, stack values, alarm names, then
 * for each module its values, the age of its cells (mNN_cells_age_s, s
 * since the device gave them; empty when never read), its own temperature
 * sensors (m01_t1_C ..., RS485 packs), and one column per cell voltage (and
 * cell temperature where the device gives one).  Units are in the column names
 * (stack_voltage_V, m01_c07_V).  Unknown values are empty; text is quoted
 * and guarded against formula injection (util/sanitize.h); numbers use
 * '.' whatever the locale. */
#ifndef PT_SAMPLE_CSV_H
#define PT_SAMPLE_CSV_H

#include <stdbool.h>

#include "model/sample.h"

struct csv_layout {
	int	n_modules;
	int	module_id[PT_MAX_MODULES];
	int	n_cells[PT_MAX_MODULES];
	bool	cell_temps[PT_MAX_MODULES];
	int	n_temps[PT_MAX_MODULES];	/* the module's own sensors (RS485 T1..) */
};

void	csv_layout_from_sample(struct csv_layout *l, const struct pt_sample *s);
/* malloc'ed lines without the trailing newline; NULL on allocation failure. */
char	*sample_csv_header(const struct csv_layout *l);
char	*sample_csv_row(const struct csv_layout *l, const struct pt_sample *s);

#endif
