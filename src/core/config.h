/* config.h — settings from the config file, the environment and options.
 *
 * Sources, lowest priority first: built-in defaults, the config file
 * (-c FILE, else ./.env, else ~/.config/pylontop/config), then the command
 * line.  The file is `.env`-style KEY=value and accepts the keys existing
 * Python SC0500 bridges use (SERIAL_PORT, BMS_BARCODE, MQTT_BROKER, ...).
 * Secrets come only from the file, the environment or a password file.
 */
#ifndef PT_CONFIG_H
#define PT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/alarms.h"
#include "model/health.h"
#include "sink/mqtt_config.h"

/* pylontop report (issue 13): the site's name and the thresholds of the
 * verdict (pylontop.conf(5); the report states the values it used). */
struct report_config {
	char	site_name[128];		/* SITE_NAME */
	double	spread_degrading_mv;	/* REPORT_SPREAD_DEGRADING_MV, 30 */
	double	spread_failed_mv;	/* REPORT_SPREAD_FAILED_MV, 50 */
	double	load_min_a, load_max_a;	/* REPORT_LOAD_MIN_A 1, REPORT_LOAD_MAX_A 5 */
	double	soc_min, soc_max;	/* REPORT_SOC_MIN 20, REPORT_SOC_MAX 80 */
};

struct pt_config {
	char	device[256];		/* SERIAL_PORT / -d */
	int	baud;			/* 0: dialect default */
	char	protocol[8];		/* auto, lv, hv, sc0500, rs485 */
	char	dialect[12];		/* rs485: auto, pylontech, pace, seplos */
	unsigned rs485_groups;		/* RS485_GROUPS: bit g = Pylontech group g; 0 = auto */
	int	rs485_gap_ms;		/* RS485_GAP_MS: quiet before a request; -1 = auto */
	double	interval_s;		/* 2 */
	char	eol[4];			/* command terminator: "\n" default */
	char	barcode[64];		/* BMS_BARCODE (SC0500 debug mode) */
	bool	force_tbar;
	bool	debug;			/* DEBUG_MODE: verbose log */
	char	csv_path[512];		/* "" = no CSV; strftime pattern; "-" stdout */
	bool	csv_enabled;
	char	record_path[512];	/* RECORD_FILE / --record, "" = none */
	long long record_max_bytes;	/* RECORD_MAX_BYTES, 0 = 64 MiB */
	double	replay_speed;		/* REPLAY_SPEED: 1 as recorded, 0 fastest */
	struct mqtt_config	mqtt;
	struct alarm_config	alarms;
	struct health_config	health;
	struct report_config	report;
	char	source[512];		/* the config file read, "" if none */
	bool	mqtt_enabled_explicit;	/* MQTT_ENABLED / --mqtt / --no-mqtt given */
	/* METRICS_LISTEN / --metrics [ADDR:]PORT: Prometheus /metrics. */
	char	metrics_addr[64];	/* IPv4/IPv6 literal; 127.0.0.1 unless given */
	int	metrics_port;		/* 0 = no metrics server */
};

void	config_defaults(struct pt_config *c);

/* Read a config file.  Unknown keys are warned about on stderr; a bad
 * value returns PT_ERR_CONFIG with "FILE:LINE: KEY: why" in err.
 * A missing file returns PT_ERR_NODEV (the caller decides if that matters). */
int	config_load(struct pt_config *c, const char *path, char *err, size_t errsize);

/* [stack NAME] sections (several stacks, issue 16.1): config_load reads
 * the keys before the first section and skips the sections;
 * config_load_stack reads the keys of [stack NAME] only (after
 * config_load: they win).  config_stack_names lists the names in file
 * order (at most max; 0 when none or the file is unreadable). */
#define CONFIG_STACK_NAME_MAX	32
int	config_load_stack(struct pt_config *c, const char *path, const char *name,
	    char *err, size_t errsize);
int	config_stack_names(const char *path, char (*names)[CONFIG_STACK_NAME_MAX], int max);

/* The file in the current directory that is read without -c. */
#define CONFIG_CWD_FILE		".env"
/* The systemd credential (LoadCredential=) holding the MQTT password,
 * read from $CREDENTIALS_DIRECTORY. */
#define CREDENTIAL_MQTT_PASSWORD	"mqtt_password"

/* The default file, if one exists: ./.env, else ~/.config/pylontop/config.
 * ./.env is taken only when it is ours and nobody else may write to it
 * (else a warning and the next one): a shared directory must not choose
 * our broker.  Returns NULL when none is usable. */
const char *config_default_path(char *buf, size_t size);

/* Apply one KEY=value (shared by the file and options). */
int	config_set(struct pt_config *c, const char *key, const char *value,
	    char *err, size_t errsize);

/* After all sources: defaults that depend on other keys (a configured
 * broker turns publishing on unless MQTT_ENABLED said otherwise; the MQTT
 * port follows TLS). */
void	config_finish(struct pt_config *c);
/* After config_finish: rules between keys (alarm limits in order).  0, or
 * PT_ERR_CONFIG with a one-line message in err. */
int	config_check(const struct pt_config *c, char *err, size_t errsize);

/* Parse "mqtt[s]://[user@]host[:port]" into c->mqtt. */
int	config_set_mqtt_url(struct pt_config *c, const char *url, char *err, size_t errsize);

/* Read the first line of a password file into c->mqtt.password; warns
 * (as ssh does) when group or others may read it. */
int	config_read_password_file(struct pt_config *c, const char *path,
	    char *err, size_t errsize);

#endif
