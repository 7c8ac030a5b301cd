/* mqtt_state.c — see mqtt_state.h. */
#include "sink/mqtt_state.h"

#include "sink/mqtt_config.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_MAX_BYTES		(1024 * 1024)	/* ours is a few KiB */

static cJSON *
meter_json(const struct energy_meter *m)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "charged_kwh", m->charged_kwh);
	cJSON_AddNumberToObject(o, "discharged_kwh", m->discharged_kwh);
	return o;
}

/* A total must be a finite number >= 0; false otherwise. */
static bool
meter_from(struct energy_meter *m, const cJSON *o)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "charged_kwh");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "discharged_kwh");

	if (!cJSON_IsNumber(c) || !cJSON_IsNumber(d) || !isfinite(c->valuedouble) ||
	    !isfinite(d->valuedouble) || c->valuedouble < 0 || d->valuedouble < 0)
		return false;
	memset(m, 0, sizeof *m);
	m->charged_kwh = c->valuedouble;
	m->discharged_kwh = d->valuedouble;
	return true;
}

/* The whole file or nothing: one bad total makes it damaged. */
static const char *
parse_state(const char *text, struct energy *e, struct mq_event_marks *marks)
{
	cJSON *root = cJSON_Parse(text), *en, *mods, *x;
	const cJSON *v;
	struct energy tmp;
	const char *why = NULL;

	if (!cJSON_IsObject(root)) {
		why = "not JSON";
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (!cJSON_IsNumber(v) || v->valueint != MQTT_STATE_VERSION) {
		why = "not version 1 of pylontop's MQTT state";
		goto out;
	}
	energy_init(&tmp, e != NULL ? e->max_gap_s : 0);
	en = cJSON_GetObjectItemCaseSensitive(root, "energy");
	if (!cJSON_IsObject(en) || !meter_from(&tmp.stack,
	    cJSON_GetObjectItemCaseSensitive(en, "stack"))) {
		why = "no valid energy.stack totals";
		goto out;
	}
	mods = cJSON_GetObjectItemCaseSensitive(en, "modules");
	cJSON_ArrayForEach(x, mods) {
		struct energy_meter *m;

		if (x->string == NULL || strlen(x->string) >= ENERGY_ID_LEN ||
		    (m = energy_module(&tmp, x->string)) == NULL)
			continue;
		if (!meter_from(m, x)) {
			why = "a module's energy totals are not numbers >= 0";
			goto out;
		}
	}
	if (e != NULL)
		*e = tmp;
	if (marks != NULL)
		mq_event_marks_from_json(marks, cJSON_GetObjectItemCaseSensitive(root, "events"));
out:
	cJSON_Delete(root);
	return why;
}

static char *
read_all(const char *path, int *err_no)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL) {
		*err_no = errno;
		return NULL;
	}
	if ((buf = malloc(STATE_MAX_BYTES + 1)) == NULL) {
		fclose(f);
		*err_no = ENOMEM;
		return NULL;
	}
	n = fread(buf, 1, STATE_MAX_BYTES + 1, f);
	*err_no = ferror(f) ? EIO : 0;
	fclose(f);
	if (*err_no != 0 || n > STATE_MAX_BYTES) {
		*err_no = *err_no ? *err_no : EFBIG;
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

int
mqtt_state_load(const char *path, struct energy *e, struct mq_event_marks *marks, char *err,
    size_t errsize)
{
	char bad[600];
	const char *why;
	char *text;
	int err_no;

	if (e != NULL)
		energy_init(e, e->max_gap_s);
	if (marks != NULL)
		memset(marks, 0, sizeof *marks);
	if ((text = read_all(path, &err_no)) == NULL) {
		if (err_no == ENOENT)
			return 1;
		if (err_no != EFBIG) {
			snprintf(err, errsize, "%s: cannot read the MQTT state file: %s; energy "
			    "totals start from 0 and are not saved over it", path,
			    strerror(err_no));
			return -2;
		}
		why = "larger than 1 MiB";
	} else {
		why = parse_state(text, e, marks);
		free(text);
	}
	if (why == NULL)
		return 0;
	/* Keep the damaged file for whoever wants to look at it: moved, so
	 * the next save does not overwrite it. */
	snprintf(bad, sizeof bad, "%s.bad", path);
	if (rename(path, bad) == 0)
		snprintf(err, errsize, "%s is damaged (%s): moved to %s; energy totals start "
		    "from 0", path, why, bad);
	else {
		snprintf(err, errsize, "%s is damaged (%s) and cannot be moved aside (%s); "
		    "energy totals start from 0 and are not saved until it is removed", path,
		    why, strerror(errno));
		return -2;
	}
	return -1;
}

static int
write_all(int fd, const char *text)
{
	size_t len = strlen(text), off = 0;
	ssize_t w;

	while (off < len) {
		if ((w = write(fd, text + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/* mkdir -p of the file's directory (~/.local/state may not exist yet). */
static void
make_parent(const char *path)
{
	char dir[600], *p;

	snprintf(dir, sizeof dir, "%s", path);
	if ((p = strrchr(dir, '/')) == NULL || p == dir)
		return;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++)
		if (*p == '/') {
			*p = '\0';
			(void)mkdir(dir, 0755);
			*p = '/';
		}
	(void)mkdir(dir, 0755);
}

static void
sync_dir(const char *path)
{
	char dir[600];
	int fd;

	snprintf(dir, sizeof dir, "%s", path);
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int
mqtt_state_save(const char *path, const struct energy *e, const struct mq_event_marks *marks,
    char *err, size_t errsize)
{
	cJSON *root = cJSON_CreateObject(), *en, *mods;
	char tmp[600], *text;
	int fd, i, rc = 0;

	cJSON_AddNumberToObject(root, "version", MQTT_STATE_VERSION);
	en = cJSON_AddObjectToObject(root, "energy");
	cJSON_AddItemToObject(en, "stack", meter_json(&e->stack));
	mods = cJSON_AddObjectToObject(en, "modules");
	for (i = 0; i < e->n; i++)
		cJSON_AddItemToObject(mods, e->mod[i].id, meter_json(&e->mod[i].m));
	if (marks != NULL)
		cJSON_AddItemToObject(root, "events", mq_event_marks_to_json(marks));
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (text == NULL) {
		snprintf(err, errsize, "%s: out of memory", path);
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	make_parent(path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		snprintf(err, errsize, "cannot write the MQTT state file %s: %s", tmp,
		    strerror(errno));
		free(text);
		return -1;
	}
	if (write_all(fd, text) != 0 || write_all(fd, "\n") != 0 || fsync(fd) != 0) {
		snprintf(err, errsize, "cannot write the MQTT state file %s: %s", tmp,
		    strerror(errno));
		rc = -1;
	}
	if (close(fd) != 0 && rc == 0) {
		snprintf(err, errsize, "cannot write the MQTT state file %s: %s", tmp,
		    strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		snprintf(err, errsize, "cannot replace the MQTT state file %s: %s", path,
		    strerror(errno));
		rc = -1;
	}
	if (rc != 0)
		unlink(tmp);
	else
		sync_dir(path);
	free(text);
	return rc;
}

void
mqtt_state_json_add(cJSON *root, const struct mqtt_config *c)
{
	char path[512], *text;
	const char *why;
	struct energy *e = calloc(1, sizeof *e);
	cJSON *o, *mods;
	int err_no, i;

	if (c->state_file_given)
		snprintf(path, sizeof path, "%s", c->state_file);
	else
		mqtt_state_default_path(path, sizeof path);
	text = path[0] != '\0' && e != NULL ? read_all(path, &err_no) : NULL;
	if (text == NULL) {
		if (path[0] != '\0' && e != NULL && err_no != ENOENT)
			fprintf(stderr, "pylontop: %s: cannot read the MQTT state file: %s\n", path,
			    strerror(err_no));
		cJSON_AddNullToObject(root, "energy");
		free(e);
		return;
	}
	energy_init(e, 0);
	why = parse_state(text, e, NULL);
	free(text);
	if (why != NULL) {
		fprintf(stderr, "pylontop: %s is damaged (%s): no energy totals\n", path, why);
		cJSON_AddNullToObject(root, "energy");
		free(e);
		return;
	}
	o = cJSON_AddObjectToObject(root, "energy");
	cJSON_AddStringToObject(o, "file", path);
	cJSON_AddItemToObject(o, "stack", meter_json(&e->stack));
	mods = cJSON_AddObjectToObject(o, "modules");
	for (i = 0; i < e->n; i++)
		cJSON_AddItemToObject(mods, e->mod[i].id, meter_json(&e->mod[i].m));
	free(e);
}

void
mqtt_state_default_path(char *out, size_t size)
{
	const char *sd = getenv("STATE_DIRECTORY"), *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	size_t n;

	out[0] = '\0';
	if (sd != NULL && sd[0] != '\0') {
		/* systemd: several directories are ':'-separated; the first. */
		n = strcspn(sd, ":");
		snprintf(out, size, "%.*s/mqtt-state.json", (int)n, sd);
	} else if (xdg != NULL && xdg[0] == '/')
		snprintf(out, size, "%s/pylontop/mqtt-state.json", xdg);
	else if (home != NULL && home[0] == '/')
		snprintf(out, size, "%s/.local/state/pylontop/mqtt-state.json", home);
}
