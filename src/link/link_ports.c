/* link_ports.c — pylontop --list-ports: which adapter is which. */
#include "link/link_impl.h"

#include <dirent.h>
#include <libserialport.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The /dev/serial/by-id name pointing at `path`, "" if none. */
static void
by_id(const char *path, char *out, size_t size)
{
	const char *dir = "/dev/serial/by-id";
	DIR *d = opendir(dir);
	struct dirent *e;

	out[0] = '\0';
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char link[PATH_MAX], real[PATH_MAX];
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
		if (realpath(link, real) != NULL && strcmp(real, path) == 0) {
			snprintf(out, size, "%s", link);
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

int
link_list_ports(FILE *out)
{
	struct sp_port **ports;
	int i, vid, pid;

	if (sp_list_ports(&ports) != SP_OK) {
		char *msg = sp_last_error_message();
		fprintf(stderr, "pylontop: cannot list serial ports: %s\n", or_dash(msg));
		sp_free_error_message(msg);
		return -1;
	}
	if (ports[0] == NULL)
		fprintf(out, "No serial ports found. Plug in the USB-RS232/RS485 adapter; "
		    "a TCP gateway is given as -d tcp://HOST:PORT.\n");
	for (i = 0; ports[i] != NULL; i++) {
		const char *name = sp_get_port_name(ports[i]);
		char id[PATH_MAX];

		by_id(name, id, sizeof id);
		fprintf(out, "%s\n", name);
		if (sp_get_port_transport(ports[i]) == SP_TRANSPORT_USB &&
		    sp_get_port_usb_vid_pid(ports[i], &vid, &pid) == SP_OK)
			fprintf(out, "  usb       %04x:%04x\n", vid, pid);
		fprintf(out, "  maker     %s\n", or_dash(sp_get_port_usb_manufacturer(ports[i])));
		fprintf(out, "  product   %s\n", or_dash(sp_get_port_usb_product(ports[i])));
		fprintf(out, "  serial    %s\n", or_dash(sp_get_port_usb_serial(ports[i])));
		fprintf(out, "  by-id     %s\n", or_dash(id));
		fprintf(out, "  about     %s\n", or_dash(sp_get_port_description(ports[i])));
	}
	sp_free_port_list(ports);
	return 0;
}
