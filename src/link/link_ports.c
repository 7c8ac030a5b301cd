/* link_ports.c — pylontop --list-ports: which adapter is which, and the
 * stable /dev/serial/by-id name to put into the configuration. */
#include "link/link_impl.h"

#include <dirent.h>
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

static const char *
transport_name(enum sp_transport t)
{
	switch (t) {
	case SP_TRANSPORT_USB: return "usb";
	case SP_TRANSPORT_BLUETOOTH: return "bluetooth";
	default: return "native";
	}
}

static void
print_port(FILE *out, struct sp_port *port)
{
	const char *name = sp_get_port_name(port);
	enum sp_transport t = sp_get_port_transport(port);
	char id[PATH_MAX];
	int vid, pid;

	by_id_name(name, id, sizeof id);
	fprintf(out, "%s\n", name);
	fprintf(out, "  transport %s\n", transport_name(t));
	if (t == SP_TRANSPORT_USB) {
		if (sp_get_port_usb_vid_pid(port, &vid, &pid) == SP_OK)
			fprintf(out, "  usb id    %04x:%04x\n", vid, pid);
		fprintf(out, "  maker     %s\n", or_dash(sp_get_port_usb_manufacturer(port)));
		fprintf(out, "  product   %s\n", or_dash(sp_get_port_usb_product(port)));
		fprintf(out, "  serial    %s\n", or_dash(sp_get_port_usb_serial(port)));
	}
	fprintf(out, "  by-id     %s\n", or_dash(id));
	fprintf(out, "  about     %s\n", or_dash(sp_get_port_description(port)));
}

int
link_list_ports(FILE *out)
{
	struct sp_port **ports;
	int i;

	if (sp_list_ports(&ports) != SP_OK) {
		char *msg = sp_last_error_message();

		fprintf(stderr, "pylontop: cannot list serial ports: %s\n", or_dash(msg));
		sp_free_error_message(msg);
		return PT_ERR_IO;
	}
	if (ports[0] == NULL)
		fprintf(out, "no serial ports found (plug in the USB-RS232/RS485 "
		    "adapter; a pty is given as -d /dev/pts/N, a TCP gateway as "
		    "-d tcp://HOST:PORT)\n");
	for (i = 0; ports[i] != NULL; i++)
		print_port(out, ports[i]);
	sp_free_port_list(ports);
	return fflush(out) == 0 ? 0 : PT_ERR_IO;
}
