/* mqtt_registry.c — what each device announces (its shape) and which
 * devices were announced: what to (re)announce, mark unavailable or
 * clear as samples come and modules go.  See mqtt_discovery.h. */
#include "sink/mqtt_discovery.h"

#include <stdio.h>
#include <string.h>

/* ---- shapes ---------------------------------------------------------- */

bool
mq_shape_module(struct mq_shape *sh, const struct pt_module *m)
{
	struct mq_shape old = *sh;
	struct pt_cell_stats cs;
	int i;

	sh->valid |= m->valid;
	if (m->n_cells > sh->n_cells)
		sh->n_cells = m->n_cells > PT_MAX_CELLS ? PT_MAX_CELLS : m->n_cells;
	if (m->n_temps > sh->n_temps)
		sh->n_temps = m->n_temps > PT_MAX_TEMPS ? PT_MAX_TEMPS : m->n_temps;
	for (i = 0; i < m->n_cells && i < PT_MAX_CELLS; i++)
		if (PT_HAS(&m->cells[i], PTF_TEMPERATURE))
			sh->cell_temps = true;
	pt_module_cell_stats(m, &cs);
	if (cs.count >= 2)
		sh->spread = true;
	return memcmp(&old, sh, sizeof old) != 0;
}

bool
mq_shape_stack(struct mq_shape *sh, const struct pt_sample *s)
{
	struct mq_shape old = *sh;
	int i;

	sh->valid |= s->stack.valid;
	for (i = 0; i < s->n_modules; i++) {
		struct pt_cell_stats cs;

		pt_module_cell_stats(&s->modules[i], &cs);
		if (cs.count >= 2)
			sh->spread = true;
	}
	return memcmp(&old, sh, sizeof old) != 0;
}

/* ---- registry -------------------------------------------------------- */

void
mq_registry_init(struct mq_registry *r)
{
	memset(r, 0, sizeof *r);
}

void
mq_registry_forget(struct mq_registry *r)
{
	int i;

	r->stack_announced = false;
	for (i = 0; i < r->n; i++) {
		r->k[i].announced = false;
		r->k[i].avail = -1;
	}
}

struct mq_known *
mq_registry_find(struct mq_registry *r, const char *id)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->k[i].id, id) == 0)
			return &r->k[i];
	return NULL;
}

static struct mq_known *
registry_add(struct mq_registry *r, const char *id)
{
	struct mq_known *k;

	if (r->n >= MQ_MAX_KNOWN)
		return NULL;
	k = &r->k[r->n++];
	memset(k, 0, sizeof *k);
	snprintf(k->id, sizeof k->id, "%s", id);
	k->avail = -1;
	return k;
}

bool
mq_registry_learn(struct mq_registry *r, const char *id)
{
	struct mq_known *k;

	if (mq_registry_find(r, id) != NULL || (k = registry_add(r, id)) == NULL)
		return false;
	k->announced = true;	/* its config is on the broker already */
	return true;
}

static int
push(struct mq_action *out, int n, int max, enum mq_verb verb, int module, const char *id)
{
	if (n >= max)
		return n;
	out[n].verb = verb;
	out[n].module = module;
	snprintf(out[n].id, sizeof out[n].id, "%s", id);
	return n + 1;
}

static bool
in_sample(char ids[][MQ_ID_LEN], int n_ids, const char *id)
{
	int i;

	for (i = 0; i < n_ids; i++)
		if (strcmp(ids[i], id) == 0)
			return true;
	return false;
}

/* Missing from this sample: unavailable now, removed when it stays away. */
static int
plan_missing(struct mq_registry *r, int i, int64_t now_ms, int64_t remove_after_ms,
    struct mq_action *out, int n, int max)
{
	struct mq_known *k = &r->k[i];

	if (k->missing++ == 0)
		k->missing_since_ms = now_ms;
	if (k->missing >= MQ_REMOVE_SAMPLES && (!k->seen ||
	    now_ms - k->missing_since_ms >= remove_after_ms)) {
		n = push(out, n, max, MQ_REMOVE, -1, k->id);
		r->k[i] = r->k[--r->n];
		return n;
	}
	if (k->avail != 0) {
		k->avail = 0;
		n = push(out, n, max, MQ_OFFLINE, -1, k->id);
	}
	return n;
}

int
mq_registry_plan(struct mq_registry *r, const struct pt_sample *s, char ids[][MQ_ID_LEN],
    int64_t now_ms, int64_t remove_after_ms, struct mq_action *out, int max)
{
	int i, n = 0, n_mod = s->n_modules < PT_MAX_MODULES ? s->n_modules : PT_MAX_MODULES;

	if (mq_shape_stack(&r->stack, s) || !r->stack_announced) {
		r->stack_announced = true;
		n = push(out, n, max, MQ_ANNOUNCE_STACK, -1, "");
	}
	for (i = 0; i < n_mod; i++) {
		struct mq_known *k = mq_registry_find(r, ids[i]);

		if (k == NULL && (k = registry_add(r, ids[i])) == NULL)
			continue;	/* cannot happen with 16 modules and 48 slots */
		if (mq_shape_module(&k->shape, &s->modules[i]))
			k->announced = false;
		k->seen = true;
		k->missing = 0;
		if (!k->announced) {
			k->announced = true;
			n = push(out, n, max, MQ_ANNOUNCE, i, k->id);
		}
		if (k->avail != 1) {
			k->avail = 1;
			n = push(out, n, max, MQ_ONLINE, i, k->id);
		}
	}
	/* Backwards: a removal moves the last entry into the freed slot. */
	for (i = r->n - 1; i >= 0; i--)
		if (!in_sample(ids, n_mod, r->k[i].id))
			n = plan_missing(r, i, now_ms, remove_after_ms, out, n, max);
	return n;
}
