/* sim_console.c — the Pylontech text console, generated (never parsed):
 * LV module shell, HV controller shell, SC0500 debug mode.  Byte shapes
 * as the real devices send them (docs/console.md §2): echo + LF, "\r@\r\r\n",
 * rows ending CR CR LF but the last (CR LF), the success line, "\r$$\r\n",
 * "\r" + prompt without a line end. */
#include "sim/sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
ob_printf(struct obuf *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, sizeof o->p - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < sizeof o->p - o->len ? (size_t)n : sizeof o->p - o->len - 1;
}

static const char *
prompt(const struct sim *s)
{
	return s->debug ? "pylon_debug>" : s->pytes ? "PYTES>" : "pylon>";
}

/* Table answers: rows end CR CR LF, the last one CR LF. */
static void
begin(struct obuf *o, bool kv)
{
	ob_printf(o, kv ? "\r@\r\n" : "\r@\r\r\n");
}

static void
row(struct obuf *o, bool kv, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (kv)
		ob_printf(o, "\r");
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, sizeof o->p - o->len, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof o->p - o->len)
		o->len += (size_t)n;
	ob_printf(o, kv ? "\r\n" : "\r\r\n");
}

static void
finish(struct sim *s, struct obuf *o, bool ok)
{
	/* The last body row ends CR LF, not CR CR LF. */
	if (o->len >= 3 && memcmp(o->p + o->len - 3, "\r\r\n", 3) == 0) {
		o->p[o->len - 3] = '\r';
		o->p[o->len - 2] = '\n';
		o->len--;
	}
	if (ok)
		ob_printf(o, "\rCommand completed successfully\r\n");
	ob_printf(o, "\r$$\r\n\r%s", prompt(s));
}

static void
failure(struct sim *s, struct obuf *o, const char *text)
{
	begin(o, false);
	row(o, false, "%s", text);
	finish(s, o, false);
}

static void
invalid(struct sim *s, struct obuf *o, const char *usage)
{
	begin(o, false);
	row(o, false, "Invalid command or fail to excute.");
	row(o, false, "Usage:");
	row(o, false, "%s", usage);
	finish(s, o, false);
}

/* The BMS clock: the host's plus --bms-clock-offset (sim_main.c). */
long sim_clock_offset_s;

static void
clock_text(char *buf, size_t size)
{
	time_t t = time(NULL) + sim_clock_offset_s;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
}

static int
mv(double v)
{
	return (int)(v * 1000 + (v < 0 ? -0.5 : 0.5));
}

static const char *
base_state(double current)
{
	return current > 0.2 ? "Charge" : current < -0.2 ? "Dischg" : "Idle";
}

/* The protect fault's state word.  No capture shows a protecting module;
 * "Protect" is what pylontop's parsers rank as a protection (a word with
 * "prot"), and a real module's word for it is not known. */
#define PROTECT_WORD	"Protect"

/* B.V.St: the module's cell-voltage state. */
static const char *
cell_vst(const struct sim_module *m)
{
	return m->protect ? PROTECT_WORD : "Normal";
}

/* A cell's voltage state in bat: the protect fault flags the highest cell. */
static const char *
cell_state(const struct sim *s, const struct sim_module *m, int c)
{
	return c == sim_module_protect_cell(&s->model, m) ? PROTECT_WORD : "Normal";
}

/* ---- LV ------------------------------------------------------------------ */

static int
vmin_mv(const struct sim *s, const struct sim_module *m)
{
	int c, v = 99999;

	for (c = 0; c < s->model.cells; c++)
		if (mv(m->cell_v[c]) < v)
			v = mv(m->cell_v[c]);
	return v;
}

static int
vmax_mv(const struct sim *s, const struct sim_module *m)
{
	int c, v = 0;

	for (c = 0; c < s->model.cells; c++)
		if (mv(m->cell_v[c]) > v)
			v = mv(m->cell_v[c]);
	return v;
}

static void
lv_pwr(struct sim *s, struct obuf *o)
{
	char now[32];
	int i;

	clock_text(now, sizeof now);
	begin(o, false);
	if (s->pwr_layout == 'A')
		row(o, false, "Power Volt   Curr   Tempr  Tlow   Thigh  Vlow   Vhigh  Base.St  "
		    "Volt.St  Curr.St  Temp.St  Coulomb  Time                 B.V.St   B.T.St  ");
	else if (s->pwr_layout == 'C')
		row(o, false, "Power Volt   Curr   Tempr  Tlow   Tlow.Id  Thigh  Thigh.Id Vlow   "
		    "Vlow.Id  Vhigh  Vhigh.Id Base.St  Volt.St  Curr.St  Temp.St  Coulomb  Time"
		    "                 B.V.St   B.T.St   MosTempr M.T.St   SysAlarm.St");
	else
		row(o, false, "Power Volt   Curr   Tempr  Tlow   Thigh  Vlow   Vhigh  Base.St  "
		    "Volt.St  Curr.St  Temp.St  Coulomb  Time                 B.V.St   B.T.St   "
		    "MosTempr M.T.St  ");
	for (i = 0; i < 16; i++) {
		const struct sim_module *m = &s->model.m[i];
		int t = mv(m->temperature);
		char soc[8];

		if (i >= s->model.modules || sim_module_dead(&s->model, i)) {
			row(o, false, "%-5d -      -      -      -      -      -      -      Absent"
			    "   -        -        -        -        -                    -        -"
			    "        ", i + 1);
			continue;
		}
		snprintf(soc, sizeof soc, "%d%%", (int)m->soc);
		if (s->pwr_layout == 'A')
			row(o, false, "%-5d %-6d %-6d %-6d %-6d %-6d %-6d %-6d %-8s Normal   "
			    "Normal   Normal   %-8s %s  %-8s Normal  ", m->id,
			    mv(m->voltage), mv(m->current), t, t - 1500, t - 500, vmin_mv(s, m),
			    vmax_mv(s, m), base_state(m->current), soc, now, cell_vst(m));
		else if (s->pwr_layout == 'C')
			row(o, false, "%-5d %-6d %-6d %-6d %-6d %-8d %-6d %-8d %-6d %-8d %-6d %-8d "
			    "%-8s Normal   Normal   Normal   %-8s %s  %-8s Normal   %-8d "
			    "Normal   Normal", m->id, mv(m->voltage), mv(m->current), t, t - 1500, 0,
			    t - 500, 3, vmin_mv(s, m), s->model.cells / 2, vmax_mv(s, m), 1,
			    base_state(m->current), soc, now, cell_vst(m), t + 1000);
		else
			row(o, false, "%-5d %-6d %-6d %-6d %-6d %-6d %-6d %-6d %-8s Normal   "
			    "Normal   Normal   %-8s %s  %-8s Normal   %-8d Normal  ",
			    m->id, mv(m->voltage), mv(m->current), t, t - 1500, t - 500,
			    vmin_mv(s, m), vmax_mv(s, m), base_state(m->current), soc,
			    now, cell_vst(m), t + 1000);
	}
	finish(s, o, true);
}

static const struct sim_module *
module_arg(struct sim *s, const char *arg)
{
	int n = arg != NULL ? atoi(arg) : 1;

	if (n < 1 || n > s->model.modules || sim_module_dead(&s->model, n - 1))
		return NULL;	/* packdead: like an address nobody has */
	return &s->model.m[n - 1];
}

static void
lv_pwr_n(struct sim *s, struct obuf *o, const struct sim_module *m)
{
	begin(o, true);
	row(o, true, " ----------------------------");
	row(o, true, " Power  %d", m->id);
	row(o, true, "");
	row(o, true, " Voltage         : %-11d mV", mv(m->voltage));
	row(o, true, " Current         : %-11d mA", mv(m->current));
	row(o, true, " Temperature     : %-11d mC", mv(m->temperature));
	row(o, true, " Coulomb         : %-11d %%", (int)m->soc);
	row(o, true, " Total Coulomb   : %-11d mAH", (int)(m->capacity_ah * 1000));
	row(o, true, " Basic Status    : %s", base_state(m->current));
	row(o, true, " Volt Status     : Normal");
	row(o, true, " Current Status  : Normal");
	row(o, true, " Tmpr. Status    : Normal");
	row(o, true, " System Fault    : 0x0");
	row(o, true, " ----------------------------");
	finish(s, o, true);
}

static void
lv_bat(struct sim *s, struct obuf *o, const struct sim_module *m)
{
	int c, mah = (int)(m->soc / 100 * m->capacity_ah * 1000);

	begin(o, false);
	row(o, false, "Battery  Volt     Curr     Tempr    Base State   Volt. State  Curr. State"
	    "  Temp. State  SOC          Coulomb      BAL");
	for (c = 0; c < s->model.cells; c++)
		row(o, false, "%-8d %-8d %-8d %-8d %-12s %-12s Normal       Normal       "
		    "%d%%         %d mAH      %s", c, mv(m->cell_v[c]), mv(m->current),
		    mv(m->cell_t[c]), base_state(m->current), cell_state(s, m, c), (int)m->soc,
		    mah, m->balancing[c] ? "Y" : "N");
	finish(s, o, true);
}

static void
lv_stat(struct sim *s, struct obuf *o, const struct sim_module *m)
{
	int c;

	begin(o, false);
	row(o, false, "Device address           %d", m->id);
	row(o, false, "Charge Cnt.     :        0");
	for (c = 0; c < SC_N; c++) {
		if (c == SC_SOH_PCT)
			row(o, false, "CYCLE Times     :    %5d", m->cycles);
		row(o, false, "%-16s: %8ld", sim_counter_label(c, false), m->rec.v[c]);
	}
	row(o, false, "Pwr Coulomb     : %8d", (int)(m->soc / 100 * m->capacity_ah * 3600000));
	finish(s, o, true);
}

static void
lv_info(struct sim *s, struct obuf *o, const struct sim_module *m)
{
	begin(o, true);
	row(o, true, "Device address      : %d", m->id);
	row(o, true, "Manufacturer        : Pylon");
	row(o, true, "Device name         : %s", s->model.cells == 16 ? "US5000" : "US3000C");
	row(o, true, "Board version       : PHANTOMSAV10R03");
	row(o, true, "Main Soft version   : B69.25.0");
	row(o, true, "Soft  version       : V2.4");
	row(o, true, "Boot  version       : V2.0");
	row(o, true, "Comm version        : V2.0");
	row(o, true, "Release Date        : 23-06-05");
	row(o, true, "Barcode             : %s", m->barcode);
	row(o, true, "");
	row(o, true, "Specification       : 48V/%dAH", (int)m->capacity_ah);
	row(o, true, "Cell Number         : %d", s->model.cells);
	row(o, true, "Max Dischg Curr     : -100000mA");
	row(o, true, "Max Charge Curr     : 100000mA");
	row(o, true, "Console Port rate   : 115200");
	finish(s, o, true);
}

static void
lv_soh(struct sim *s, struct obuf *o, const struct sim_module *m)
{
	int c;

	begin(o, false);
	row(o, false, "Power   %d", m->id);
	row(o, false, "Battery    Voltage    SOHCount   SOHStatus ");
	for (c = 0; c < s->model.cells; c++)
		row(o, false, "%-10d %-10d %-10d Normal    ", c, mv(m->cell_v[c]),
		    m->rec.soh_count[c]);
	finish(s, o, true);
}

/* The event log, newest first, three entries a page as the real
 * firmware pages it (console.md §2, pager). */
static void
event_log(struct sim *s, struct obuf *o)
{
	const struct sim_model *m = &s->model;
	char code[16], when[32];
	const char *text;
	int64_t t;
	int i, shown = 0;

	begin(o, false);
	s->pager_n = s->pager_i = 0;
	for (i = m->log_n - 1; i >= 0; i--, shown++) {
		if (shown > 0 && shown % 3 == 0) {
			if (s->pager_at == 0)
				s->pager_at = o->len;
			else if (s->pager_n < (int)(sizeof s->pager_more / sizeof s->pager_more[0]))
				s->pager_more[s->pager_n++] = o->len;
		}
		sim_log_entry(m, i, &t, code, sizeof code, &text);
		sim_log_time_text(t, when, sizeof when);
		row(o, false, " Index   : %-6d", i);
		row(o, false, " Time    : %s", when);
		row(o, false, " ModID   : BMM");
		row(o, false, " Code    : %s", code);
		row(o, false, " Info    : %s ", text);
	}
	finish(s, o, true);
}

static void
lv_pwrsys(struct sim *s, struct obuf *o)
{
	double sum_i = 0, vmax = 0, vmin = 9;
	int i;

	for (i = 0; i < s->model.modules; i++) {
		sum_i += s->model.m[i].current;
		if (vmax_mv(s, &s->model.m[i]) / 1000.0 > vmax)
			vmax = vmax_mv(s, &s->model.m[i]) / 1000.0;
		if (vmin_mv(s, &s->model.m[i]) / 1000.0 < vmin)
			vmin = vmin_mv(s, &s->model.m[i]) / 1000.0;
	}
	begin(o, true);
	row(o, true, " Power System Information");
	row(o, true, " ---------------------------------");
	row(o, true, " System is %s", sum_i > 0.2 ? "charging" : sum_i < -0.2 ? "discharging" : "idle");
	row(o, true, " Total Num                : %d", s->model.modules);
	row(o, true, " Present Num              : %d", s->model.modules);
	row(o, true, " System Volt              : %-8d mV", mv(s->model.m[0].voltage));
	row(o, true, " System Curr              : %-8d mA", mv(sum_i));
	row(o, true, " System SOC               : %-8d %%", (int)s->model.soc);
	row(o, true, " Highest voltage          : %-8d mV", mv(vmax));
	row(o, true, " Lowest voltage           : %-8d mV", mv(vmin));
	finish(s, o, true);
}

/* getpwr: '#' records (docs/console.md §5.2), for LV debug mode and SC0500. */
static void
getpwr(struct sim *s, struct obuf *o, const struct sim_module *only)
{
	int i, c, first = only != NULL ? only->id - 1 : 0;
	int last = only != NULL ? only->id : s->model.modules;
	double v = only != NULL ? only->voltage : s->model.voltage;
	double cur = only != NULL ? only->current : s->model.current;
	double t = only != NULL ? only->temperature : s->model.temperature;

	begin(o, false);
	row(o, false, "%5d#%7d#%7d#%6d# %s# Normal# Normal# Normal# ", mv(v), mv(cur), mv(t),
	    (int)(s->model.soc / 100 * 50 * 1000), base_state(cur));
	for (i = first; i < last; i++)
		for (c = 0; c < s->model.cells; c++)
			row(o, false, "%5d#%7d# Normal# Normal# ", mv(s->model.m[i].cell_v[c]),
			    mv(s->model.m[i].cell_t[c]));
	row(o, false, "%d# ", 0);
	row(o, false, "%d# ", only != NULL ? only->cycles : s->model.cycles);
	finish(s, o, true);
}

/* ---- HV -------------------------------------------------------------------- */

static void
hv_pwr(struct sim *s, struct obuf *o)
{
	const struct sim_model *m = &s->model;
	char now[32];
	int vmin = 99999, vmax = 0, i;
	bool protecting = false;

	clock_text(now, sizeof now);
	for (i = 0; i < m->modules; i++) {
		protecting |= m->m[i].protect;
		if (vmin_mv(s, &m->m[i]) < vmin)
			vmin = vmin_mv(s, &m->m[i]);
		if (vmax_mv(s, &m->m[i]) > vmax)
			vmax = vmax_mv(s, &m->m[i]);
	}
	begin(o, false);
	row(o, false, "AverageTempr   : %-12d", mv(m->temperature));
	row(o, false, "DC Volt        : %-12d", mv(m->voltage) - 800);
	row(o, false, "Bat Volt       : %-12d", mv(m->voltage));
	row(o, false, "");
	row(o, false, "Volt   Curr   Tempr  BTlow  BThigh BVlow  BVhigh UTlow  UThigh UVlow  "
	    "UVhigh Base.St  Volt.St  Curr.St  Temp.St  CoulombAH                CoulombWH"
	    "              Time                 B.V.St   B.T.St   U.V.St   U.T.St   Err Code");
	row(o, false, "%-6d %-6d %-6d %-6d %-6d %-6d %-6d %-6d %-6d %-6d %-6d %-8s Normal   "
	    "Normal   Normal   %3d%%      %9d mAH  %3d%%     %9d WH %s  %-8s Normal   "
	    "Normal   Normal   0x0", mv(m->voltage) - 300, mv(m->current), mv(m->temperature) + 4000,
	    mv(m->temperature) - 3000, mv(m->temperature) + 1000, vmin, vmax,
	    mv(m->temperature) - 1000, mv(m->temperature) + 1000, mv(m->m[0].voltage) - 200,
	    mv(m->m[0].voltage) + 200, base_state(m->current), (int)m->soc,
	    (int)(m->soc / 100 * 74000), (int)m->soc, (int)(m->soc / 100 * m->voltage * 74),
	    now, protecting ? PROTECT_WORD : "Normal");
	finish(s, o, true);
}

static void
hv_unit(struct sim *s, struct obuf *o)
{
	const struct sim_model *m = &s->model;
	char now[32];
	int i;

	clock_text(now, sizeof now);
	begin(o, false);
	row(o, false, "AverageTempr: %-12d", mv(m->temperature));
	row(o, false, "Index  Volt   Curr   Tempr  AvgTempr BTlow  BThigh BVlow  BVhigh Base.St"
	    "  Volt.St  Temp.St  CoulombAH                CoulombWH               Time");
	for (i = 0; i < m->modules; i++) {
		const struct sim_module *u = &m->m[i];
		row(o, false, "%-6d %-6d %-6d %-6d %-8d %-6d %-6d %-6d %-6d  %-8s %-8s "
		    "Normal   %3d%%       %8d mAH  %3d%%      %8d WH %s ", u->id, mv(u->voltage),
		    mv(m->current), mv(u->temperature), mv(u->temperature) - 500,
		    mv(u->temperature) - 1500, mv(u->temperature) + 500, vmin_mv(s, u),
		    vmax_mv(s, u), base_state(m->current), cell_vst(u), (int)u->soc,
		    (int)(u->soc / 100 * 74000), sim_module_energy_soc(u),
		    (int)(u->soc / 100 * u->voltage * 74),
		    now);
	}
	finish(s, o, true);
}

static void
hv_bat(struct sim *s, struct obuf *o)
{
	const struct sim_model *m = &s->model;
	char now[32];
	int i, c, n = 0;

	clock_text(now, sizeof now);
	begin(o, false);
	row(o, false, "Time: %s ", now);
	row(o, false, "A.Tempr: %-7d", mv(m->temperature));
	row(o, false, "C.Curr : %-7d mA", 37000);
	row(o, false, "D.Curr : %-7d mA", -37000);
	row(o, false, "B.State: %s ", base_state(m->current));
	row(o, false, "BalVolt: 3360");
	row(o, false, "Bat  Volt Curr    Tempr   V.State T.State AH(mAH)       WH(mWH)"
	    "            Bal");
	for (i = 0; i < m->modules; i++)
		for (c = 0; c < m->cells; c++, n++)
			if (!sim_module_cells_answered(m, i))
				/* batfail/packdead: the controller lost this BMU's
				 * cells; it keeps the rows, values unknown. */
				row(o, false, "%-4d -    %-7d -       -       -       -       "
				    "-      -           -        -", n, mv(m->current));
			else
				row(o, false, "%-4d %-4d %-7d %-7d %-7s Normal  %3d%%    %-6d "
				    "%3d%%        %-8d %s", n, mv(m->m[i].cell_v[c]),
				    mv(m->current), mv(m->m[i].cell_t[c]),
				    cell_state(s, &m->m[i], c), (int)m->m[i].soc,
				    (int)(m->m[i].soc / 100 * 74000), (int)m->m[i].soc,
				    (int)(m->m[i].soc / 100 * 74 * 3200),
				    m->m[i].balancing[c] ? "Y" : "N");
	finish(s, o, true);
}

static void
hv_info(struct sim *s, struct obuf *o)
{
	int i;

	begin(o, true);
	row(o, true, "Device address      : 0");
	row(o, true, "Manufacturer        : Pylon");
	row(o, true, "Device name         : CMU_A");
	row(o, true, "Main Soft version   : B52.34.0");
	row(o, true, "Soft  version       : V5.6");
	row(o, true, "Barcode             : %s", s->model.barcode);
	row(o, true, "");
	row(o, true, "Specification       : %dV/74AH", s->model.modules * 48);
	row(o, true, "Cell Number         : %d", s->model.modules * s->model.cells);
	row(o, true, "");
	for (i = s->model.modules - 1; i >= 0; i--) {
		row(o, true, "BMU %d Barcode   ", i);
		row(o, true, "Module:   : %-32s", s->model.m[i].barcode);
		row(o, true, "PCBA:     : H10%017d", 4242 + i);
		row(o, true, "");
	}
	finish(s, o, true);
}

static void
hv_stat(struct sim *s, struct obuf *o)
{
	const struct sim_counters *r = &s->model.rec;
	int c;

	begin(o, false);
	row(o, false, "Device address           0");
	row(o, false, "EvenData Items  :      165");
	for (c = 0; c < SC_N; c++) {
		if (c == SC_SOH_PCT)
			row(o, false, "CYCLE Times     :    %5d", s->model.cycles);
		row(o, false, "%-16s: %8ld", sim_counter_label(c, true), r->v[c]);
	}
	row(o, false, "Pwr Coulomb(mAS): %d", (int)(s->model.soc / 100 * 74 * 3600000.0));
	row(o, false, "ChgCurr 0~0.2C Secs      :  6496484");
	finish(s, o, true);
}

static void
hv_soh(struct sim *s, struct obuf *o)
{
	int i, c, n = 0;

	begin(o, false);
	row(o, false, "Battery    Voltage    SOHCount   SOHStatus ");
	for (i = 0; i < s->model.modules; i++)
		for (c = 0; c < s->model.cells; c++, n++)
			row(o, false, "%-10d %-10d %-10d Normal    ", n,
			    mv(s->model.m[i].cell_v[c]), s->model.rec.soh_count[n]);
	finish(s, o, true);
}

/* Force H2 `bmuinfo k`: the PCBA barcode fills its column and runs into
 * the next label, as on the real controller. */
static void
hv_bmuinfo(struct sim *s, struct obuf *o, const char *arg)
{
	int k = arg != NULL ? atoi(arg) : -1;

	if (k < 0 || k >= s->model.modules) {
		begin(o, false);
		row(o, false, "Command completed unccessfully");
		ob_printf(o, "\r$$\r\n\r%s", prompt(s));
		return;
	}
	begin(o, true);
	row(o, true, "Manufacturer        : Pylon");
	row(o, true, "Device name         : BMU");
	row(o, true, "Board version       : LT30SV20R02");
	row(o, true, "PCBA Barcode        : H10%019dPowerSupply Barcode : %d", 4242 + k,
	    100001 + k);
	row(o, true, "Device Test Time    : 2022-08-15 13:01:%02d", k);
	row(o, true, "Specification       : 74AH");
	row(o, true, "Cell Number         : %d", s->model.cells);
	finish(s, o, true);
}

static void
hv_sysinfo(struct sim *s, struct obuf *o)
{
	begin(o, false);
	row(o, false, " Chg Sug Volt       : %-10d mV", s->model.modules * s->model.cells * 3550);
	row(o, false, " Chg Cut Volt       : %-10d mV", s->model.modules * s->model.cells * 3600);
	row(o, false, " Dsg Cut Volt       : %-10d mV", s->model.modules * s->model.cells * 2900);
	row(o, false, " Max Chg Curr       : %-10d mA", 37000);
	row(o, false, " Max Dsg Curr       : %-10d mA", -37000);
	row(o, false, " Bal Chg Req        : NO        ");
	row(o, false, " Vol High 4         : 3600       mV");
	row(o, false, " Temp Low 3         : -10000    ");
	finish(s, o, true);
}

static void
help(struct sim *s, struct obuf *o)
{
	static const char *const lines[] = {
		"Local command:", "bat        Battery data show", "getpwr     Get power data",
		"help       Help", "info       Device information", "log        Event log",
		"pwr        Power data show", "soh        State of health", "stat       Statistic data",
		"time       System time", "unit       Unit data show", "login      Login",
		"logout     Logout", "config     Config (not in this simulator)",
	};
	size_t i;

	begin(o, false);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		row(o, false, "%s", lines[i]);
		if (i == 6)
			s->pager_at = o->len;	/* the pager stops the output here */
	}
	finish(s, o, true);
}

static void
clock_answer(struct sim *s, struct obuf *o)
{
	char now[32];

	clock_text(now, sizeof now);
	begin(o, true);
	row(o, true, s->hv ? "%s" : "RTC %s", now);
	finish(s, o, true);
}

/* Commands that would change the battery: logged, never obeyed. */
static bool
writing(const char *cmd, const char *arg)
{
	static const char *const w[] = {
		"config", "ctrl", "prot", "shut", "tshut", "trst", "twdg", "updata", "statc",
		"datac", "logc", "eepe", "eepw", "flae", "flaw", "mm", "socw", "soccal",
		"socclr", "soccfg", "tfacsoc", "totalcoul", "emptyvolt", "blocksoc", "setprt",
		"urates", "tmos", "tchgcmd", "tdsgcmd", "trtdoff", "tsleep", "twakeup", NULL,
	};
	int i;

	if (strcmp(cmd, "time") == 0 && arg != NULL)
		return true;
	for (i = 0; w[i] != NULL; i++)
		if (strcmp(cmd, w[i]) == 0)
			return true;
	return false;
}

/* A copy of pylontop's read-only command tables (src/proto/console_*.c):
 * anything else pylontop sends is counted as refused in the state file.
 * `time` with arguments sets the clock. */
static bool
read_only(const char *cmd, const char *arg)
{
	static const char *const ro[] = {
		"pwr", "bat", "stat", "info", "soh", "pwrsys", "unit", "sysinfo", "bmuinfo",
		"getpwr", "login", "log", "time", NULL,
	};
	int i;

	if (strcmp(cmd, "time") == 0 && arg != NULL)
		return false;
	for (i = 0; ro[i] != NULL; i++)
		if (strcmp(cmd, ro[i]) == 0)
			return true;
	return false;
}

void
sim_console_answer(struct sim *s, const char *line, struct obuf *o)
{
	char buf[128], *cmd, *arg, *save = NULL;
	const struct sim_module *m;

	snprintf(buf, sizeof buf, "%s", line);
	ob_printf(o, "%s\n", line);		/* the echo; the terminator comes back as LF */
	cmd = strtok_r(buf, " \t", &save);
	arg = strtok_r(NULL, " \t", &save);
	if (cmd == NULL) {			/* empty line: a fresh prompt */
		ob_printf(o, "\r%s", prompt(s));
		return;
	}
	sim_count_command(&s->model, cmd, read_only(cmd, arg));
	if (writing(cmd, arg)) {
		s->model.write_count++;
		fprintf(stderr, "pylontop-sim: refused a writing command: %s\n", line);
		failure(s, o, "Unknown command - this simulator never changes anything");
		return;
	}
	/* Counted in any mode: tests check that nobody sent them. */
	if (strcmp(cmd, "tbar") == 0)
		s->model.tbar_count++;
	if (strcmp(cmd, "login") == 0)
		s->model.login_count++;
	sim_model_step(&s->model);
	if (strcmp(cmd, "help") == 0)
		help(s, o);
	else if (strcmp(cmd, "time") == 0)
		clock_answer(s, o);
	else if (strcmp(cmd, "login") == 0) {
		if (s->debug) {
			begin(o, false);
			row(o, false, "Quit current mode");
			row(o, false, "Invalid command or fail to excute.");
			finish(s, o, false);
		} else if (arg != NULL && strcmp(arg, "debug") == 0) {
			s->debug = true;
			begin(o, false);
			finish(s, o, true);
		} else
			failure(s, o, "Password error");
	} else if (strcmp(cmd, "logout") == 0) {
		s->debug = false;
		begin(o, false);
		finish(s, o, true);
	} else if (strcmp(cmd, "tbar") == 0 && s->debug) {
		begin(o, false);
		if (arg != NULL && strcmp(arg, s->model.barcode) == 0) {
			row(o, false, "Test result:pass");
			finish(s, o, true);
		} else {
			/* Our choice for a wrong barcode: a failure, nothing written. */
			row(o, false, "Test result:fail");
			finish(s, o, false);
		}
	} else if (strcmp(cmd, "getpwr") == 0 && (s->debug || !s->hv)) {
		if (arg != NULL && (m = module_arg(s, arg)) == NULL)
			invalid(s, o, "Get power data - getpwr [index]");
		else
			getpwr(s, o, s->hv ? NULL : arg != NULL ? m : &s->model.m[0]);
	} else if (s->hv) {
		if (strcmp(cmd, "pwr") == 0)
			hv_pwr(s, o);
		else if (strcmp(cmd, "unit") == 0)
			hv_unit(s, o);
		else if (strcmp(cmd, "bat") == 0)
			hv_bat(s, o);
		else if (strcmp(cmd, "info") == 0)
			hv_info(s, o);
		else if (strcmp(cmd, "stat") == 0)
			hv_stat(s, o);
		else if (strcmp(cmd, "soh") == 0)
			hv_soh(s, o);
		else if (strcmp(cmd, "log") == 0)
			event_log(s, o);
		else if (strcmp(cmd, "sysinfo") == 0)
			hv_sysinfo(s, o);
		else if (strcmp(cmd, "bmuinfo") == 0)
			hv_bmuinfo(s, o, arg);
		else
			goto unknown;
	} else {
		bool has_arg = arg != NULL;

		m = module_arg(s, arg);
		if (strcmp(cmd, "pwr") == 0 && !has_arg)
			lv_pwr(s, o);
		else if (strcmp(cmd, "pwrsys") == 0 && s->debug)
			lv_pwrsys(s, o);
		else if (strcmp(cmd, "log") == 0 && !has_arg)
			event_log(s, o);	/* the console's own module's log */
		else if (strcmp(cmd, "pwr") == 0 || strcmp(cmd, "bat") == 0 ||
		    strcmp(cmd, "stat") == 0 || strcmp(cmd, "info") == 0 ||
		    strcmp(cmd, "soh") == 0) {
			if (m == NULL) {
				snprintf(buf, sizeof buf, "%s data show - %s [pwr][index]", cmd, cmd);
				invalid(s, o, buf);
			} else if ((strcmp(cmd, "bat") == 0 || strcmp(cmd, "soh") == 0) &&
			    !sim_module_cells_answered(&s->model, m->id - 1))
				/* batfail: mman's capture of a module whose cells the
				 * master cannot read (docs/console.md §2.2). */
				failure(s, o, "Command failed");
			else if (strcmp(cmd, "pwr") == 0)
				lv_pwr_n(s, o, m);
			else if (strcmp(cmd, "bat") == 0)
				lv_bat(s, o, m);
			else if (strcmp(cmd, "stat") == 0)
				lv_stat(s, o, m);
			else if (strcmp(cmd, "info") == 0)
				lv_info(s, o, m);
			else
				lv_soh(s, o, m);
		} else
			goto unknown;
	}
	return;
unknown:
	snprintf(buf, sizeof buf, "Unknown command '%s' - try 'help'", cmd);
	failure(s, o, buf);
}
