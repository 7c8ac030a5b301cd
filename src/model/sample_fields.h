/* sample_fields.h — one row per field of a sample, for every output.
 *
 * A row says where a field lives (stack, module, cell: an offset checked
 * against the member's type at compile time, or a function for a value
 * worked out from others), its validity bit, unit and decimals, and where
 * it shows: the JSON contract, CSV columns, the --once text, Home
 * Assistant (MQTT discovery and state), history's series and Prometheus.
 * The JSON, CSV and text serialisers, the MQTT payloads, the Prometheus
 * exposition and history read this table, so adding a field is one row
 * here plus the parser lines that fill it (HACKING.md, "Adding a sample
 * field").
 *
 * Every output rounds a number to the row's `decimals`: the JSON, the
 * MQTT state, CSV and the text agree to the digit.
 */
#ifndef PT_SAMPLE_FIELDS_H
#define PT_SAMPLE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/sample.h"

/* Where a value lives; bits, so a row can name several. */
enum pt_scope {
	PT_SCOPE_STACK	= 1u << 0,	/* struct pt_stack */
	PT_SCOPE_MODULE	= 1u << 1,	/* struct pt_module */
	PT_SCOPE_CELL	= 1u << 2,	/* struct pt_cell */
};

enum pt_ftype {
	PT_FT_NONE = 0,		/* the row has no member in this scope */
	PT_FT_DOUBLE,
	PT_FT_FLOAT,
	PT_FT_LONG,
	PT_FT_INT,
	PT_FT_TEXT,		/* char array, NUL-terminated, "" = unknown */
};

/* A member of a scope's struct: offset + 1 (0 = none) and its type. */
struct pt_floc {
	uint16_t	off1;
	uint8_t		type;		/* enum pt_ftype */
};

/* A member of struct `st`: its offset and, from its declared type, how
 * to read it; a member of any other type does not compile. */
#define PT_AT(st, m)	{ .off1 = offsetof(struct st, m) + 1,			\
			  .type = _Generic(((struct st *)0)->m,		\
				double: PT_FT_DOUBLE, float: PT_FT_FLOAT,	\
				long: PT_FT_LONG, int: PT_FT_INT,		\
				char *: PT_FT_TEXT) }

/* A position in an ordered layout (CSV columns, text lines, Prometheus
 * families), 1-based in each scope; 0 = not in that layout.  Positions of
 * a layout and scope run 1, 2, 3 ... without a gap (test_sample_fields
 * checks it).  Only the Prometheus layout has cells. */
struct pt_fpos {
	uint8_t		stack, module, cell;
};

/* Prometheus's view of a field (sink/metrics.c).  A number is the gauge
 * pylontop_<stack|module|cell>_<name>, its value times `scale` (base
 * units: % to a 0..1 ratio, Ah and Wh to coulombs and joules); a text is
 * the label <name> of pylontop_<stack|module>_info.  Where it shows and
 * in which order says the row's `metric_pos`. */
struct pt_fmetric {
	const char	*name;
	const char	*help;		/* numbers: HELP text of the stack and module
					 * gauges; the cell's reads "Cell <help>" */
	double		 scale;
};

/* Home Assistant's view of a field (MQTT discovery). */
struct pt_fha {
	uint8_t		 scopes;	/* devices with this entity: stack and/or modules */
	const char	*dclass;	/* device_class, NULL = none */
	const char	*sclass;	/* state_class, NULL = none */
	int		 display;	/* suggested_display_precision, -1 = none */
	bool		 diagnostic;	/* entity_category "diagnostic" */
};

struct pt_field_def {
	const char	*key;		/* JSON and MQTT state key, HA unique_id suffix */
	const char	*name;		/* display name (HA entity) */
	const char	*label;		/* --once text label of a stack line */
	uint32_t	 bit;		/* validity bit (PTF_*); 0 for computed values */
	struct pt_floc	 stack, module, cell;
	/* A value worked out from others (NAN when unknown) for the scopes
	 * in `computed`; obj is the pt_stack or pt_module. */
	double		(*get)(const struct pt_sample *s, enum pt_scope scope, const void *obj);
	uint8_t		 computed;
	const char	*unit;		/* ASCII: V, A, W, C, %, Ah, Wh, mV, s; "" = none */
	int		 decimals;	/* every output rounds to this */
	uint8_t		 contract;	/* scopes whose JSON always has it (null if unknown) */
	uint8_t		 json;		/* scopes whose JSON has it when known */
	const char	*csv;		/* column name after "stack_" / "mNN_" */
	struct pt_fpos	 csv_pos;
	struct pt_fpos	 text_pos;	/* stack: a line; module: a column of the table */
	const char	*text_head;	/* module table: column heading ... */
	int		 text_width;	/* ... and width */
	struct pt_fha	 ha;
	struct pt_fpos	 history;	/* 1-based series of history's stack/module groups */
	struct pt_fmetric metric;	/* Prometheus (see struct pt_fmetric) ... */
	struct pt_fpos	 metric_pos;	/* ... a family (number) or _info label (text) */
};

extern const struct pt_field_def pt_fields[];
extern const size_t pt_n_fields;

enum pt_layout { PT_LAYOUT_CSV, PT_LAYOUT_TEXT, PT_LAYOUT_METRICS };

/* The row at position `pos` (1-based) of a layout in a scope, NULL past
 * the last: for (pos = 1; (f = ...) != NULL; pos++). */
const struct pt_field_def *pt_field_at(enum pt_layout layout, enum pt_scope scope, int pos);
/* A row's position in a layout and scope, 0 when not in it. */
int	pt_field_pos(const struct pt_field_def *f, enum pt_layout layout, enum pt_scope scope);
/* The row with this key, NULL if none. */
const struct pt_field_def *pt_field_by_key(const char *key);

/* True when the row has a value in this scope (a member or computed). */
bool	pt_field_in(const struct pt_field_def *f, enum pt_scope scope);
/* The number, when known and finite (obj: pt_stack, pt_module or
 * pt_cell as `scope` says; s: the sample, for computed values). */
bool	pt_field_number(const struct pt_field_def *f, const struct pt_sample *s,
	    enum pt_scope scope, const void *obj, double *out);
/* The text of a PT_FT_TEXT member, "" when unknown or not text. */
const char *pt_field_text(const struct pt_field_def *f, enum pt_scope scope, const void *obj);
bool	pt_field_is_text(const struct pt_field_def *f, enum pt_scope scope);
/* Store a number read back (MQTT remote view) and set the bit; false
 * when the row has no numeric member there. */
bool	pt_field_store(const struct pt_field_def *f, enum pt_scope scope, void *obj, double v);

/* Round to the row's decimals; a value that rounds to zero is +0 (a sign
 * on nothing, -0.04 W, reads as a discharge). */
double	pt_field_round(const struct pt_field_def *f, double v);

#endif
