/* main.c — options, configuration, and the choice of front end.
 *
 * Only main() turns errors into exit statuses: 0 ok, 1 runtime failure,
 * 2 usage or bad input. */
#include "autoconfig.h"

#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>	/* mallopt */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "util/vlog.h"
#include "link/link.h"
#include "util/err.h"
#include "app/probe.h"
#include "pt_git.h"
#ifdef HAVE_MQTT
#include "sink/mqtt.h"
#include "core/session.h"
#endif

/* malloc maps blocks of this size and up on their own (see main()). */
#define PT_MMAP_THRESHOLD	(64 * 1024)

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: pylontop [OPTION]...\n"
"       pylontop report [DIR] [OPTION]...\n"
"Monitor a Pylontech battery stack: terminal UI, CSV log, MQTT/Home Assistant.\n"
"\n"
"Device:\n"
"  -d, --device PATH|tcp://HOST:PORT|usb:[VID:PID:]SERIAL|replay:FILE\n"
"                        serial port, pty, serial-to-Ethernet gateway, or the USB\n"
"                        adapter with that serial number (SERIAL_PORT);\n"
"                        replay:FILE plays a --record file or a terminal log back\n"
"      --name NAME       name the stack of the -d before it.  Each -d adds a\n"
"                        stack (up to 8; own thread, history, alarms); with\n"
"                        several, files (CSV, --record, HEALTH_STATE_FILE) get\n"
"                        -NAME before the extension and each stack is its own\n"
"                        MQTT device (DEVICE_UNIQUE_ID-NAME, else NAME); in the\n"
"                        UI, S shows the next stack; --metrics serves all,\n"
"                        labelled stack=\"NAME\"; --once, --records and\n"
"                        --format json/text print each stack's, named (JSON\n"
"                        \"stack_name\"); report writes a report per stack\n"
"                        into DIR-NAME\n"
"  -d mqtt[s]://BROKER[:PORT]/PREFIX/STACK\n"
"                        remote view: the states another pylontop publishes\n"
"                        there (read-only; TLS and user from the MQTT settings)\n"
"      --list-remote mqtt[s]://BROKER[:PORT]/PREFIX\n"
"                        list the stacks published under PREFIX and exit\n"
"  -b, --baud N          line speed (console 115200, RS485 9600 by default)\n"
"  -p, --protocol P      auto, lv, hv, sc0500 or rs485 (default auto: console)\n"
"      --dialect D       RS485 dialect: auto, pylontech, pace, seplos\n"
"  -i, --interval S      seconds between samples (default 2)\n"
"      --barcode CODE    SC0500 debug mode: controller barcode (BMS_BARCODE)\n"
"      --force-tbar      send tbar even if the barcode differs from the device's\n"
"      --eol lf|cr|crlf  command terminator (default lf)\n"
"      --list-ports      list serial ports with USB details and exit\n"
"      --record FILE     record every byte exchanged with the device (RECORD_FILE)\n"
"      --replay-speed X  for -d replay:FILE: 1 as recorded (default), 0 as fast\n"
"                        as possible (REPLAY_SPEED)\n"
"      --probe [PORT]... find which port is the battery, at which speed and in\n"
"                        which protocol (read-only; default: every port) and exit\n"
"\n"
"Modes (default: the terminal UI; one mode at a time, --demo goes with\n"
"--once or --headless):\n"
"      --once            read one complete sample, print it, exit\n"
"                        (Ctrl-C: exit 130, nothing printed)\n"
"      --records         read the BMS's own records (identity, counters, cell SOH,\n"
"                        event log, clock offset) of every module, print, exit\n"
"  report [DIR]          write a service report of the stack into DIR (default\n"
"                        pylontop-report-DATE-TIME): report.md, report.html and\n"
"                        raw/ with every answer verbatim; read-only, a few cycles;\n"
"                        several stacks: one report each, in DIR-NAME\n"
"  -f, --format F        text, json or csv (for --once, --headless, --decode;\n"
"                        --records: text or json)\n"
"      --headless        run without UI until SIGTERM (for systemd); SIGHUP\n"
"                        re-opens the CSV file and re-reads alarm thresholds\n"
"  -n, --count N         stop after N samples (--headless)\n"
"      --demo[=stacks]   monitor the built-in simulator (pylontop-sim); without\n"
"                        a terminal: print three samples; =stacks: two stacks,\n"
"                        lv (LV 4x15) and hv (HV 5x15), as with two -d --name\n"
"      --decode FILE     decode one recorded console answer or RS485 frames\n"
"      --command CMD     with --decode: the command that produced FILE (RS485:\n"
"                        CID2 [PACK] in hex, e.g. 0x44 or '0x42 FF')\n"
"\n"
"Outputs:\n"
"      --csv FILE        log samples to FILE (strftime patterns rotate; - = stdout)\n"
"      --no-csv          start with CSV logging off (the UI's 'l' turns it on)\n"
"      --mqtt URL        publish to mqtt[s]://[user@]host[:port] (HA discovery needs\n"
"                        HA 2024.11+; HA_DISCOVERY_MODE=entity for older)\n"
"      --no-mqtt         do not publish (even if the config names a broker)\n"
"      --mqtt-password-file FILE\n"
"                        read the MQTT password from FILE (mode 600; never on argv)\n"
"      --metrics [ADDR:]PORT\n"
"                        serve Prometheus metrics at http://ADDR:PORT/metrics\n"
"                        (ADDR default 127.0.0.1; METRICS_LISTEN)\n"
"\n"
"Display:\n"
"      --ascii           no UTF-8 glyphs\n"
"      --no-color        no colours (also: NO_COLOR set in the environment)\n"
"      --bell            ring the terminal bell on new alarms\n"
"\n"
"  -c, --config FILE     config file (default ./.env if yours and not writable by\n"
"                        others, then ~/.config/pylontop/config)\n"
"  -v, --verbose         name the config file; log every command sent and a\n"
"                        summary of every answer to stderr; -vv adds the raw\n"
"                        bytes, escaped\n"
"  -h, --help            this help\n"
"  -V, --version         version\n"
"\n"
"Exit status: 0 ok, 1 the device or a file failed, 2 bad options, config or input,\n"
"130/143 --once stopped by SIGINT/SIGTERM.\n"
"See pylontop(1) and pylontop.conf(5).\n");
}

/* Version, the commit it was built from, and the optional parts built in
 * (a bug report needs all three). */
static void
print_version(FILE *f)
{
#ifdef PT_GIT_COMMIT
	fprintf(f, "pylontop %s (git %s)\n", PACKAGE_VERSION, PT_GIT_COMMIT);
#else
	fprintf(f, "pylontop %s\n", PACKAGE_VERSION);
#endif
	fprintf(f, "built with: MQTT %s, TLS %s, TUI %s, metrics %s\n",
#ifdef HAVE_MQTT
	    "yes", mqtt_tls_supported() ? "yes" : "no (libmosquitto without TLS)",
#else
	    "no", "no",
#endif
#ifdef HAVE_TUI
	    "yes (ncursesw)",
#else
	    "no",
#endif
#ifdef HAVE_METRICS
	    "yes (libmicrohttpd, loaded by --metrics)"
#else
	    "no"
#endif
	    );
}

enum {
	OPT_DIALECT = 256, OPT_BARCODE, OPT_FORCE_TBAR, OPT_EOL, OPT_LIST_PORTS,
	OPT_ONCE, OPT_HEADLESS, OPT_DEMO, OPT_DECODE, OPT_COMMAND, OPT_CSV,
	OPT_NO_CSV, OPT_MQTT, OPT_NO_MQTT, OPT_MQTT_PWFILE, OPT_ASCII,
	OPT_NO_COLOR, OPT_BELL, OPT_PROBE, OPT_RECORD, OPT_REPLAY_SPEED, OPT_METRICS,
	OPT_RECORDS, OPT_LIST_REMOTE, OPT_NAME,
};

static const struct option longopts[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "baud", required_argument, NULL, 'b' },
	{ "protocol", required_argument, NULL, 'p' },
	{ "dialect", required_argument, NULL, OPT_DIALECT },
	{ "interval", required_argument, NULL, 'i' },
	{ "barcode", required_argument, NULL, OPT_BARCODE },
	{ "force-tbar", no_argument, NULL, OPT_FORCE_TBAR },
	{ "eol", required_argument, NULL, OPT_EOL },
	{ "list-ports", no_argument, NULL, OPT_LIST_PORTS },
	{ "list-remote", required_argument, NULL, OPT_LIST_REMOTE },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "replay-speed", required_argument, NULL, OPT_REPLAY_SPEED },
	{ "probe", no_argument, NULL, OPT_PROBE },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "records", no_argument, NULL, OPT_RECORDS },
	{ "format", required_argument, NULL, 'f' },
	{ "headless", no_argument, NULL, OPT_HEADLESS },
	{ "count", required_argument, NULL, 'n' },
	{ "demo", optional_argument, NULL, OPT_DEMO },
	{ "decode", required_argument, NULL, OPT_DECODE },
	{ "command", required_argument, NULL, OPT_COMMAND },
	{ "csv", required_argument, NULL, OPT_CSV },
	{ "no-csv", no_argument, NULL, OPT_NO_CSV },
	{ "mqtt", required_argument, NULL, OPT_MQTT },
	{ "no-mqtt", no_argument, NULL, OPT_NO_MQTT },
	{ "mqtt-password-file", required_argument, NULL, OPT_MQTT_PWFILE },
	{ "ascii", no_argument, NULL, OPT_ASCII },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "no-colour", no_argument, NULL, OPT_NO_COLOR },
	{ "bell", no_argument, NULL, OPT_BELL },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* ":" first: a missing value is told apart from an unknown option. */
static const char shortopts[] = ":d:b:p:i:f:n:c:vhV";

/* The modes given; some combine (--demo with --once or --headless). */
struct modes {
	bool	once, headless, demo, decode, list, probe, records;
	bool	demo_stacks;		/* --demo=stacks: an LV and an HV simulator */
	bool	report;			/* `pylontop report [DIR]` */
	const char *report_dir;		/* NULL: pylontop-report-DATE-TIME */
	const char *list_remote;	/* --list-remote URL */
};

/* Where the MQTT broker and password came from.  Two levels: the user's
 * own settings (command line, -c FILE, ~/.config, the environment, a
 * systemd credential) and ./.env, which depends on the directory one
 * happens to be in.  A password is never sent to a broker named by a
 * less trusted source than the password's own. */
enum trust { TRUST_NONE, TRUST_CWD, TRUST_USER };

struct origin {
	enum trust	trust;
	char		what[560];
};

struct origins {
	struct origin	broker, password;
	struct origin	file;		/* the config file read */
	bool		pwfile_option;	/* --mqtt-password-file given */
};

static void
set_origin(struct origin *o, enum trust t, const char *what)
{
	o->trust = t;
	snprintf(o->what, sizeof o->what, "%s", what);
}

static int
die_usage(const char *fmt, const char *arg)
{
	fputs("pylontop: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("; try 'pylontop --help'\n", stderr);
	return EXIT_USAGE;
}

/* An option that is also a config key: same checks, same messages. */
static int
set_key(struct app_options *o, const char *opt, const char *key, const char *value)
{
	char err[300];

	if (config_set(&o->cfg, key, value, err, sizeof err) != 0) {
		fprintf(stderr, "pylontop: %s: %s\n", opt, err);
		return EXIT_USAGE;
	}
	return 0;
}

/* -d: the device of a new stack (several -d: several stacks, app/stacks.c). */
static int
add_stack(struct app_options *o, const char *dev)
{
	int rc = set_key(o, "--device", "SERIAL_PORT", dev);

	if (rc != 0)
		return rc;
	if (o->n_stacks == APP_STACKS_MAX)
		return die_usage("-d: at most %s stacks in one instance", "8");
	snprintf(o->stacks[o->n_stacks++].device, sizeof o->stacks[0].device, "%s", dev);
	return 0;
}

/* --name: names the stack of the -d before it. */
static int
name_stack(struct app_options *o, const char *name)
{
	if (o->n_stacks == 0)
		return die_usage("--name '%s' goes after the -d of the stack it names", name);
	snprintf(o->stacks[o->n_stacks - 1].name, sizeof o->stacks[0].name, "%.*s",
	    (int)sizeof o->stacks[0].name - 1, name);
	if (strlen(name) >= sizeof o->stacks[0].name)
		return die_usage("--name '%s': at most 31 characters", name);
	return 0;
}

/* First pass: only -c, so the file is read before options override it. */
static int
load_config(int argc, char **argv, struct app_options *o, struct origins *org)
{
	const char *path = NULL;
	char buf[512], err[600], what[600];
	enum trust t = TRUST_USER;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
		else if (strncmp(argv[i], "-c", 2) == 0 && argv[i][2] != '\0')
			path = argv[i] + 2;
		else if (strcmp(argv[i], "--") == 0)
			break;
	}
	if (path == NULL) {
		path = config_default_path(buf, sizeof buf);
		if (path != NULL && strcmp(path, CONFIG_CWD_FILE) == 0)
			t = TRUST_CWD;
	}
	if (path == NULL)
		return 0;
	rc = config_load(&o->cfg, path, err, sizeof err);
	if (rc != 0) {
		fprintf(stderr, "pylontop: %s\n", err);
		return EXIT_USAGE;
	}
	snprintf(o->config_path, sizeof o->config_path, "%s", path);
	snprintf(what, sizeof what, t == TRUST_CWD ? "./%s in the current directory" : "%s",
	    path);
	set_origin(&org->file, t, what);
	if (o->cfg.mqtt.configured)
		set_origin(&org->broker, t, what);
	if (o->cfg.mqtt.password[0] != '\0')
		set_origin(&org->password, t, what);
	return 0;
}

/* getopt's own messages are off (opterr = 0) so that every usage error
 * is one line ending in the same hint. */
static int
bad_option(int ch, char **argv)
{
	const char *arg = argv[optind - 1];
	bool is_long = strncmp(arg, "--", 2) == 0 &&
	    (ch == ':' || optopt == 0 || optopt >= 256 || strchr(arg, '=') != NULL);
	char name[64];

	if (is_long)
		snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
	else
		snprintf(name, sizeof name, "-%c", optopt > 0 && optopt < 256 ? optopt : '?');
	if (ch == ':')
		return die_usage("option '%s' needs a value", name);
	if (is_long && optopt != 0)
		return die_usage("option '%s' takes no value", name);
	return die_usage("unknown option '%s'", name);
}

static int
parse_options(int argc, char **argv, struct app_options *o, struct modes *md,
    const char **decode_path, struct origins *org)
{
	char *end, what[600];
	int ch, rc = 0;

	opterr = 0;
	while (rc == 0 && (ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': rc = add_stack(o, optarg); break;
		case OPT_NAME: rc = name_stack(o, optarg); break;
		case 'b': rc = set_key(o, "--baud", "BAUD", optarg); break;
		case 'p': rc = set_key(o, "--protocol", "PROTOCOL", optarg); break;
		case OPT_DIALECT: rc = set_key(o, "--dialect", "DIALECT", optarg); break;
		case 'i': rc = set_key(o, "--interval", "INTERVAL", optarg); break;
		case OPT_BARCODE: rc = set_key(o, "--barcode", "BMS_BARCODE", optarg); break;
		case OPT_FORCE_TBAR: o->cfg.force_tbar = true; break;
		case OPT_EOL: rc = set_key(o, "--eol", "COMMAND_EOL", optarg); break;
		case OPT_LIST_PORTS: md->list = true; break;
		case OPT_LIST_REMOTE: md->list_remote = optarg; break;
		case OPT_RECORD: rc = set_key(o, "--record", "RECORD_FILE", optarg); break;
		case OPT_REPLAY_SPEED:
			rc = set_key(o, "--replay-speed", "REPLAY_SPEED", optarg);
			break;
		case OPT_PROBE: md->probe = true; break;
		case OPT_ONCE: md->once = true; break;
		case OPT_RECORDS: md->records = true; break;
		case OPT_HEADLESS: md->headless = true; break;
		case OPT_DEMO:
			md->demo = true;
			if (optarg != NULL && strcmp(optarg, "stacks") == 0)
				md->demo_stacks = true;
			else if (optarg != NULL)
				rc = die_usage("--demo=%s: give --demo (one simulated stack) or "
				    "--demo=stacks (two: LV and HV)", optarg);
			break;
		case OPT_DECODE: md->decode = true; *decode_path = optarg; break;
		case OPT_COMMAND: o->decode_command = optarg; break;
		case 'f':
			o->format_set = true;
			if (strcmp(optarg, "text") == 0)
				o->format = FMT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o->format = FMT_JSON;
			else if (strcmp(optarg, "csv") == 0)
				o->format = FMT_CSV;
			else
				rc = die_usage("--format: '%s' is not text, json or csv", optarg);
			break;
		case 'n':
			o->count = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || o->count < 1)
				rc = die_usage("--count: '%s' is not a positive number", optarg);
			break;
		case OPT_CSV:
			rc = set_key(o, "--csv", "CSV_FILE", optarg);
			o->cfg.csv_enabled = true;
			break;
		case OPT_NO_CSV: o->cfg.csv_enabled = false; break;
		case OPT_MQTT:
			if ((rc = set_key(o, "--mqtt", "MQTT_URL", optarg)) == 0) {
				o->cfg.mqtt.enabled = true;
				o->cfg.mqtt_enabled_explicit = true;
				set_origin(&org->broker, TRUST_USER, "--mqtt");
			}
			break;
		case OPT_NO_MQTT:
			o->cfg.mqtt.enabled = false;
			o->cfg.mqtt_enabled_explicit = true;
			break;
		case OPT_MQTT_PWFILE:
			rc = set_key(o, "--mqtt-password-file", "MQTT_PASSWORD_FILE", optarg);
			snprintf(what, sizeof what, "%s (--mqtt-password-file)", optarg);
			set_origin(&org->password, TRUST_USER, what);
			org->pwfile_option = true;
			break;
		case OPT_ASCII: o->ascii = true; break;
		case OPT_NO_COLOR: o->no_color = true; break;
		case OPT_BELL: o->bell = true; break;
		case OPT_METRICS: rc = set_key(o, "--metrics", "METRICS_LISTEN", optarg); break;
		case 'c': break;	/* read in the first pass */
		case 'v': o->verbose = true; o->cfg.debug = true; o->vlevel++; break;
		case 'h': usage(stdout); exit(EXIT_OK);
		case 'V': print_version(stdout); exit(EXIT_OK);
		default: return bad_option(ch, argv);
		}
	}
	/* `report [DIR]`: a command word, then at most a directory. */
	if (rc == 0 && optind < argc && !md->probe && strcmp(argv[optind], "report") == 0) {
		md->report = true;
		if (++optind < argc)
			md->report_dir = argv[optind++];
	}
	/* --probe takes the ports to probe as arguments. */
	if (rc == 0 && optind < argc && !md->probe)
		rc = die_usage("unexpected argument '%s'", argv[optind]);
	return rc;
}

/* The modes about ports, files or one simulator, not about stacks: one
 * line naming the mode and what to give instead. */
static int
several_stacks(const struct modes *md, const struct app_options *o)
{
	const char *what = md->probe ? "--probe tries ports, not stacks: name the ports "
	    "to try (pylontop --probe /dev/ttyUSB0 /dev/ttyUSB1)" :
	    md->decode ? "--decode reads a file, not a stack: give no -d" :
	    md->demo ? "--demo runs its own simulated stack: give no -d (--demo=stacks "
	    "runs two)" :
	    md->list ? "--list-ports lists ports, not stacks: give no -d" :
	    "--list-remote lists a broker's stacks: give no -d";
	char line[300];

	snprintf(line, sizeof line, "several stacks (-d given %d times): %s", o->n_stacks, what);
	return die_usage("%s", line);
}

/* One line for what cannot go together; --demo is a device, so it goes
 * with --once and --headless. */
static int
check_modes(const struct modes *md, const struct app_options *o)
{
	static const char conflict[] = "%s cannot be combined";

	if (md->list_remote != NULL && (md->list || md->once || md->headless || md->demo ||
	    md->decode || md->probe || md->records || md->report))
		return die_usage(conflict, "--list-remote and another mode");
	if (md->list && (md->once || md->headless || md->demo || md->decode || md->probe))
		return die_usage(conflict, "--list-ports and another mode");
	if (md->probe && (md->once || md->headless || md->demo || md->decode))
		return die_usage(conflict, "--probe and another mode");
	if (md->decode && (md->once || md->headless || md->demo))
		return die_usage(conflict, md->once ? "--decode and --once" :
		    md->headless ? "--decode and --headless" : "--decode and --demo");
	if (md->once && md->headless)
		return die_usage(conflict, "--once and --headless");
	if (md->records && (md->once || md->headless || md->demo || md->decode || md->list ||
	    md->probe))
		return die_usage(conflict, "--records and another mode");
	if (md->report && (md->once || md->headless || md->demo || md->decode || md->list ||
	    md->probe || md->records))
		return die_usage(conflict, "report and another mode");
	if (o->decode_command != NULL && !md->decode)
		return die_usage("%s goes with --decode FILE", "--command");
	if (o->count > 0 && md->once)
		return die_usage("%s is for --headless and --demo; --once reads one sample",
		    "--count");
	if (o->n_stacks > 1 && (md->probe || md->decode || md->demo || md->list ||
	    md->list_remote != NULL))
		return several_stacks(md, o);
	/* Each stack has its own columns: one CSV on stdout cannot hold
	 * them (--records and report say their own formats). */
	if (o->n_stacks > 1 && o->format_set && o->format == FMT_CSV && !md->records &&
	    !md->report)
		return die_usage("%s: with several stacks give --format json or text (each "
		    "sample names its stack), or --csv FILE (a FILE-NAME.csv per stack)",
		    "--format csv");
	return 0;
}

/* The stacks' names and what several stacks cannot share. */
static int
check_stacks(struct app_options *o)
{
	char err[300];

	if (app_stacks_check(o, err, sizeof err) == 0)
		return 0;
	fprintf(stderr, "pylontop: %s; try 'pylontop --help'\n", err);
	return EXIT_USAGE;
}
/* Secrets may come from the environment or a systemd credential too
 * (never from argv).  The credential (LoadCredential=mqtt_password:...)
 * wins over the config file; --mqtt-password-file wins over both; the
 * environment only fills in a password nothing else gave. */
static int
apply_env(struct pt_config *c, struct origins *org)
{
	const char *v, *dir = getenv("CREDENTIALS_DIRECTORY");
	char path[600], err[700], before[sizeof c->mqtt.password];

	if ((v = getenv("MQTT_USER")) != NULL && c->mqtt.user[0] == '\0')
		snprintf(c->mqtt.user, sizeof c->mqtt.user, "%s", v);
	if (dir != NULL && dir[0] != '\0' && !org->pwfile_option) {
		snprintf(path, sizeof path, "%s/%s", dir, CREDENTIAL_MQTT_PASSWORD);
		if (access(path, F_OK) == 0) {
			memcpy(before, c->mqtt.password, sizeof before);
			if (config_read_password_file(c, path, err, sizeof err) != 0) {
				explicit_bzero(before, sizeof before);
				fprintf(stderr, "pylontop: %s\n", err);
				return EXIT_USAGE;
			}
			/* An empty credential (a unit that needs none) changes nothing. */
			if (c->mqtt.password[0] == '\0')
				memcpy(c->mqtt.password, before, sizeof before);
			else
				set_origin(&org->password, TRUST_USER, "the systemd credential "
				    CREDENTIAL_MQTT_PASSWORD);
			explicit_bzero(before, sizeof before);
		}
	}
	if ((v = getenv("MQTT_PASSWORD")) != NULL && v[0] != '\0' && c->mqtt.password[0] == '\0') {
		snprintf(c->mqtt.password, sizeof c->mqtt.password, "%s", v);
		set_origin(&org->password, TRUST_USER, "the environment (MQTT_PASSWORD)");
	}
	return 0;
}

/* A password goes only to a broker named by a source at least as trusted
 * as the password's own: MQTT_PASSWORD in the environment is not sent to
 * a broker that some ./.env in the current directory names. */
static void
check_secret_trust(struct pt_config *c, const struct origins *org)
{
	if (c->mqtt.password[0] == '\0' || !c->mqtt.configured)
		return;
	if (org->broker.trust >= org->password.trust)
		return;
	fprintf(stderr, "pylontop: warning: the MQTT password from %s is not sent to %s, a "
	    "broker named by %s; give the broker with --mqtt or -c FILE, or put the password "
	    "in that file\n", org->password.what, c->mqtt.host, org->broker.what);
	explicit_bzero(c->mqtt.password, sizeof c->mqtt.password);
}

/* Which file the settings came from: always in headless mode (the
 * journal of a service), with -v in the others. */
static void
say_config(const struct app_options *o, const struct origins *org, bool always)
{
	if (!always && o->vlevel == 0)
		return;
	fprintf(stderr, "pylontop: config file: %s%s%s\n",
	    o->config_path[0] ? o->config_path : "none (defaults and options)",
	    o->cfg.mqtt.password[0] ? "; MQTT password from " : "",
	    o->cfg.mqtt.password[0] ? org->password.what : "");
}

/* Rules between keys, once the file and the options are all read. */
static int
check_config(const struct pt_config *c)
{
	char err[300];

	if (config_check(c, err, sizeof err) == 0)
		return 0;
	fprintf(stderr, "pylontop: %s%s%s\n", c->source[0] != '\0' ? c->source : "",
	    c->source[0] != '\0' ? ": " : "", err);
	return EXIT_USAGE;
}

static int check_config(const struct pt_config *c);
static int apply_env(struct pt_config *c, struct origins *org);
static void check_secret_trust(struct pt_config *c, const struct origins *org);

/* One [stack NAME] section's settings: defaults, the file's top part,
 * the section, then the options and the environment, as for one stack. */
static int
section_config(int argc, char **argv, const struct app_options *o, const char *name,
    const struct origins *org0, struct pt_config *out)
{
	struct app_options *t = calloc(1, sizeof *t);
	struct origins org = *org0;
	struct modes md = { 0 };
	const char *dp = NULL;
	char err[600];
	int rc = EXIT_USAGE;

	if (t == NULL)
		return EXIT_RUNTIME;
	config_defaults(&t->cfg);
	if (config_load(&t->cfg, o->config_path, err, sizeof err) != 0 ||
	    config_load_stack(&t->cfg, o->config_path, name, err, sizeof err) != 0) {
		fprintf(stderr, "pylontop: %s\n", err);
		goto out;
	}
	if (t->cfg.mqtt.configured && org.broker.trust == TRUST_NONE)
		org.broker = org.file;
	optind = 0;	/* the same options again, on top of this stack's file keys */
	if (parse_options(argc, argv, t, &md, &dp, &org) != 0 ||
	    apply_env(&t->cfg, &org) != 0)
		goto out;
	config_finish(&t->cfg);
	if (check_config(&t->cfg) != 0)
		goto out;
	check_secret_trust(&t->cfg, &org);
	if (t->cfg.device[0] == '\0') {
		fprintf(stderr, "pylontop: %s: [stack %s] names no device: give it SERIAL_PORT\n",
		    o->config_path, name);
		goto out;
	}
	*out = t->cfg;
	rc = 0;
out:
	explicit_bzero(t, sizeof *t);
	free(t);
	return rc;
}

/* [stack NAME] sections in the config file: a stack each, unless -d was
 * given (the command line's stacks win, and that is said). */
static int
stacks_from_sections(int argc, char **argv, struct app_options *o, const struct origins *org)
{
	char names[APP_STACKS_MAX + 1][CONFIG_STACK_NAME_MAX];
	int n, i, rc;

	if (o->config_path[0] == '\0' ||
	    (n = config_stack_names(o->config_path, names, APP_STACKS_MAX + 1)) == 0)
		return 0;
	if (o->n_stacks > 0) {
		fprintf(stderr, "pylontop: -d given: the [stack] sections of %s are not used\n",
		    o->config_path);
		return 0;
	}
	if (n > APP_STACKS_MAX)
		return die_usage("%s: more than 8 [stack] sections", o->config_path);
	for (i = 0; i < n; i++) {
		struct app_stack *s = &o->stacks[i];

		if ((s->cfg = malloc(sizeof *s->cfg)) == NULL)
			return EXIT_RUNTIME;
		if ((rc = section_config(argc, argv, o, names[i], org, s->cfg)) != 0)
			return rc;
		snprintf(s->name, sizeof s->name, "%s", names[i]);
		snprintf(s->device, sizeof s->device, "%s", s->cfg->device);
		o->n_stacks = i + 1;
	}
	/* One section: it is the whole config, in every mode. */
	if (n == 1)
		o->cfg = *o->stacks[0].cfg;
	snprintf(o->cfg.device, sizeof o->cfg.device, "%s", o->stacks[0].device);
	return 0;
}

int
main(int argc, char **argv)
{
	struct app_options o;
	struct modes md = { 0 };
	struct origins org;
	const char *decode_path = NULL;
	const char *nc;
	int rc;

#ifdef M_ARENA_MAX
	/* One malloc arena for every thread: the acquisition and MQTT
	 * threads allocate little and rarely, and an arena of their own kept
	 * 0.2-0.5 MiB resident each (issue 12.4). */
	mallopt(M_ARENA_MAX, 1);
#endif
#ifdef M_MMAP_THRESHOLD
	/* Blocks from PT_MMAP_THRESHOLD up are mapped on their own: the
	 * buffers sized by the bounds and made once (records, history tiers,
	 * whole samples, health) are then resident only where written, and a
	 * freed one goes back to the system at once.  glibc's moving threshold
	 * rose to 1 MiB after the first big free and put them in the heap,
	 * where calloc clears (so touches) all of it and holes stay resident:
	 * 0.8 MiB more of HV 5x15 (issue 12).  Per-sample blocks are smaller. */
	mallopt(M_MMAP_THRESHOLD, PT_MMAP_THRESHOLD);
#endif
	memset(&o, 0, sizeof o);
	memset(&org, 0, sizeof org);
	config_defaults(&o.cfg);
	if ((rc = load_config(argc, argv, &o, &org)) != 0)
		return rc;
	if ((rc = parse_options(argc, argv, &o, &md, &decode_path, &org)) != 0)
		return rc;
	if ((rc = stacks_from_sections(argc, argv, &o, &org)) != 0)
		return rc;
	if ((rc = check_modes(&md, &o)) != 0)
		return rc;
	if ((rc = apply_env(&o.cfg, &org)) != 0)
		return rc;
	config_finish(&o.cfg);
	if ((rc = check_config(&o.cfg)) != 0)
		return rc;
	if ((rc = check_stacks(&o)) != 0)
		return rc;
	check_secret_trust(&o.cfg, &org);
	pt_vlog_set_level(o.vlevel > 0 ? o.vlevel : o.cfg.debug ? PT_VLOG_SUMMARY : 0);
	nc = getenv("NO_COLOR");
	if (nc != NULL && nc[0] != '\0')
		o.no_color = true;

	if (md.list)
		return link_list_ports(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
	if (md.list_remote != NULL || link_is_remote(o.cfg.device)) {
#ifdef HAVE_MQTT
		char err[600];

		if (md.list_remote != NULL) {
			rc = remote_list(&o.cfg, md.list_remote, stdout, err, sizeof err);
			if (rc != 0)
				fprintf(stderr, "pylontop: %s\n", err);
			return rc == 0 ? EXIT_OK : rc == PT_ERR_ARG ? EXIT_USAGE : EXIT_RUNTIME;
		}
		if (remote_check(&o.cfg, o.cfg.device, err, sizeof err) != 0) {
			fprintf(stderr, "pylontop: %s\n", err);
			return EXIT_USAGE;
		}
		for (int i = 0; i < o.n_stacks; i++)
			if (link_is_remote(o.stacks[i].device) &&
			    remote_check(&o.cfg, o.stacks[i].device, err, sizeof err) != 0) {
				fprintf(stderr, "pylontop: %s: %s\n", o.stacks[i].name, err);
				return EXIT_USAGE;
			}
#else
		fprintf(stderr, "pylontop: %s: this build has no MQTT support (configured "
		    "--without-mqtt), so no remote view\n", md.list_remote != NULL ?
		    md.list_remote : o.cfg.device);
		return EXIT_USAGE;
#endif
	}
	if (md.probe)
		return app_probe(&o, argv + optind, argc - optind);
	if (md.decode)
		return app_decode(decode_path, &o);
	say_config(&o, &org, md.headless);
	if (md.demo)
		return app_demo(&o, argv[0], md.once ? DEMO_ONCE : md.headless ? DEMO_HEADLESS :
		    DEMO_AUTO, md.demo_stacks);
	if (o.cfg.device[0] == '\0') {
		fprintf(stderr, "pylontop: no device: give -d PATH (e.g. -d /dev/ttyUSB0 or "
		    "-d tcp://192.0.2.10:4001), set SERIAL_PORT in the config file, or try "
		    "pylontop --demo\n");
		return EXIT_USAGE;
	}
	if (md.once)
		return app_once(&o);
	if (md.records)
		return app_records(&o);
	if (md.report)
		return app_report(&o, md.report_dir);
	if (md.headless)
		return app_headless(&o);
	return app_interactive(&o);
}
