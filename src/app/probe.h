/* probe.h — pylontop --probe [PORT...]: which port is the battery, at
 * which speed and in which protocol. */
#ifndef PT_PROBE_H
#define PT_PROBE_H

#include "app/app.h"

/* Probe `ports` (all serial ports the system lists when n == 0), each in
 * its own process and at the same time, and print one verdict line per
 * port on stdout.  EXIT_OK when at least one battery answered. */
int	app_probe(const struct app_options *o, char *const *ports, int n);

#endif
