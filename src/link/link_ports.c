/* link_ports.c — pylontop --list-ports: which adapter is which, and the
 * stable /dev/serial/by-id name to put into the configuration. */
#include "link/link_impl.h"

#include <dirent.h>
#include <stdbool.h>
#include <libserialport.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define BY_ID_DIR	"/dev/serial/by-id"

/* The /dev/serial/by-id name pointing at `path`, "" if none (udev makes
 * them only for USB adapters). */
static void
by_id_name(const char *path, char *out, size_t size)
{
	DIR *d = opendir(BY_ID_DIR);
	struct dirent *e;

	out[0] = '\0';
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char lnk[PATH_MAX], real[PATH_MAX];

		if (e->d_name[0] == '.')
			continue;
		snprintf(lnk, sizeof lnk, "%s/%s", BY_ID_DIR, e->d_name);
		if (realpath(lnk, real) != NULL && strcmp(real, path) == 0) {
			snprintf(out, size, "%s", lnk);
			break;
		}
	}
	closedir(d);
}

static const char *
or_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

static void
copy_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

/* The libserialport list, as link_port rows. */
static int
sp_ports(struct link_port **out, int *n, char *err, size_t errsize)
{
	struct sp_port **ports;
	struct link_port *rows;
	int i, count;

	*out = NULL;
	*n = 0;
	if (sp_list_ports(&ports) != SP_OK) {
		char *msg = sp_last_error_message();

		snprintf(err, errsize, "cannot list serial ports: %s", or_dash(msg));
		sp_free_error_message(msg);
		return PT_ERR_IO;
	}
	for (count = 0; ports[count] != NULL; count++)
		;
	if ((rows = calloc((size_t)count + 1, sizeof *rows)) == NULL) {
		sp_free_port_list(ports);
		snprintf(err, errsize, "cannot list serial ports: out of memory");
		return PT_ERR_NOMEM;
	}
	for (i = 0; i < count; i++) {
		struct link_port *r = &rows[i];
		struct sp_port *p = ports[i];

		copy_text(r->path, sizeof r->path, sp_get_port_name(p));
		copy_text(r->about, sizeof r->about, sp_get_port_description(p));
		r->vid = r->pid = -1;
		r->usb = sp_get_port_transport(p) == SP_TRANSPORT_USB;
		if (!r->usb)
			continue;
		if (sp_get_port_usb_vid_pid(p, &r->vid, &r->pid) != SP_OK)
			r->vid = r->pid = -1;
		copy_text(r->maker, sizeof r->maker, sp_get_port_usb_manufacturer(p));
		copy_text(r->product, sizeof r->product, sp_get_port_usb_product(p));
		copy_text(r->serial, sizeof r->serial, sp_get_port_usb_serial(p));
	}
	sp_free_port_list(ports);
	*out = rows;
	*n = count;
	return 0;
}

int (*link_ports_source)(struct link_port **, int *, char *, size_t) = sp_ports;

int
link_ports(struct link_port **ports, int *n, char *err, size_t errsize)
{
	return link_ports_source(ports, n, err, errsize);
}

static void
print_port(FILE *out, const struct link_port *p)
{
	char id[PATH_MAX];

	by_id_name(p->path, id, sizeof id);
	fprintf(out, "%s\n", p->path);
	fprintf(out, "  transport %s\n", p->usb ? "usb" : "native");
	if (p->usb) {
		if (p->vid >= 0)
			fprintf(out, "  usb id    %04x:%04x\n", p->vid, p->pid);
		fprintf(out, "  maker     %s\n", or_dash(p->maker));
		fprintf(out, "  product   %s\n", or_dash(p->product));
		fprintf(out, "  serial    %s\n", or_dash(p->serial));
	}
	fprintf(out, "  by-id     %s\n", or_dash(id));
	fprintf(out, "  about     %s\n", or_dash(p->about));
}

int
link_list_ports(FILE *out)
{
	struct link_port *ports;
	char err[256];
	int i, n, rc;

	if ((rc = link_ports(&ports, &n, err, sizeof err)) != 0) {
		fprintf(stderr, "pylontop: %s\n", err);
		return rc;
	}
	if (n == 0)
		fprintf(out, "no serial ports found (plug in the USB-RS232/RS485 "
		    "adapter; a pty is given as -d /dev/pts/N, a TCP gateway as "
		    "-d tcp://HOST:PORT)\n");
	for (i = 0; i < n; i++)
		print_port(out, &ports[i]);
	free(ports);
	return fflush(out) == 0 ? 0 : PT_ERR_IO;
}

/* ---- -d usb:[VID:PID:]SERIAL -------------------------------------------- */

static bool
usb_matches(const struct link *l, const struct link_port *p)
{
	return p->usb && strcmp(p->serial, l->usb_serial) == 0 &&
	    (l->usb_vid < 0 || (p->vid == l->usb_vid && p->pid == l->usb_pid));
}

int
link_usb_resolve(struct link *l)
{
	struct link_port *ports;
	char err[256], also[256] = "";
	int i, n, found = -1, matches = 0, rc;

	if ((rc = link_ports(&ports, &n, err, sizeof err)) != 0) {
		link_seterr(l, "%s: %s", l->spec, err);
		return rc;
	}
	for (i = 0; i < n; i++) {
		if (!usb_matches(l, &ports[i]))
			continue;
		if (matches++ == 0)
			found = i;
		else
			snprintf(also + strlen(also), sizeof also - strlen(also), "%s%s",
			    also[0] != '\0' ? ", " : "", ports[i].path);
	}
	if (matches > 0)
		snprintf(l->path, sizeof l->path, "%s", ports[found].path);
	free(ports);
	if (matches == 0) {
		link_seterr(l, "%s: no USB serial adapter with serial number %s is "
		    "plugged in (pylontop --list-ports shows the adapters)", l->spec,
		    l->usb_serial);
		return PT_ERR_NODEV;
	}
	if (matches > 1) {
		/* A multi-port adapter (FT4232H) shares one serial number. */
		link_seterr(l, "%s: %d ports have USB serial number %s (%s, %s); give "
		    "the port's path or a /dev/serial/by-id name instead", l->spec,
		    matches, l->usb_serial, l->path, also);
		l->path[0] = '\0';
		return PT_ERR_ARG;
	}
	return 0;
}
