/* health_json.c — health figures into the JSON sample (see health_json.h). */
#include "model/health_json.h"

#include <math.h>

static void
add_num(cJSON *o, const char *key, double v, double scale)
{
	if (isnan(v))
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, round(v * scale) / scale);
}

static cJSON *
cell_json(const struct health_cell_report *cr)
{
	cJSON *o = cJSON_CreateObject(), *dev, *band;
	int b, k;

	add_num(o, "ir_mohm", cr->ir_mohm, 1000);
	add_num(o, "ir_spread_mohm", cr->ir_spread_mohm, 1000);
	add_num(o, "ir_ratio", cr->ir_ratio, 1000);
	cJSON_AddNumberToObject(o, "ir_steps", cr->ir_steps_total);
	dev = cJSON_AddObjectToObject(o, "deviation_mv");
	for (b = 0; b < HBAND_N; b++) {
		band = cJSON_AddObjectToObject(dev, health_band_name((enum health_band)b));
		for (k = 0; k < HB_N; k++)
			add_num(band, health_bin_name((enum health_bin)k), cr->dev_mv[b][k], 10);
	}
	add_num(o, "drift_mv_per_day", cr->drift_mv_day, 100);
	cJSON_AddNumberToObject(o, "drift_span_days", cr->drift_span_days);
	add_num(o, "balancing_share_hour", cr->bal_hour, 1000);
	add_num(o, "balancing_share_day", cr->bal_day, 1000);
	return o;
}

void
health_json_add(cJSON *root, const struct pt_sample *s, const struct health_report *r)
{
	cJSON *h = cJSON_CreateObject(), *arr, *mods, *mod, *cells, *cell;
	int i, c;

	arr = cJSON_AddArrayToObject(h, "findings");
	for (i = 0; i < r->n_findings; i++) {
		const struct health_finding *f = &r->findings[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "module", f->module);
		cJSON_AddNumberToObject(o, "cell", f->cell + 1);
		cJSON_AddStringToObject(o, "cause", health_cause_name(f->cause));
		cJSON_AddNumberToObject(o, "confidence", round(f->confidence * 100) / 100);
		cJSON_AddStringToObject(o, "text", f->text);
		cJSON_AddItemToArray(arr, o);
	}
	arr = cJSON_AddArrayToObject(h, "notes");
	for (i = 0; i < r->n_notes; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(r->notes[i]));
	cJSON_AddItemToObject(root, "health", h);
	mods = cJSON_GetObjectItemCaseSensitive(root, "modules");
	for (i = 0; i < s->n_modules && mods != NULL; i++) {
		const struct health_module_report *mr = health_report_module(r, s->modules[i].id);
		if ((mod = cJSON_GetArrayItem(mods, i)) == NULL)
			break;
		if (mr == NULL) {
			cJSON_AddNullToObject(mod, "health");
			continue;
		}
		h = cJSON_AddObjectToObject(mod, "health");
		add_num(h, "ir_median_mohm", mr->ir_median_mohm, 1000);
		cJSON_AddNumberToObject(h, "load_steps_min", mr->steps_min);
		cJSON_AddNumberToObject(h, "steps_rejected", mr->rejected);
		cells = cJSON_GetObjectItemCaseSensitive(mod, "cells");
		for (c = 0; c < s->modules[i].n_cells; c++) {
			if ((cell = cJSON_GetArrayItem(cells, c)) == NULL)
				break;
			if (c < mr->n_cells)
				cJSON_AddItemToObject(cell, "health", cell_json(&mr->cells[c]));
			else
				cJSON_AddNullToObject(cell, "health");
		}
	}
}
