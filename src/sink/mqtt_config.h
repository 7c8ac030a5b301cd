/* mqtt_config.h — the MQTT sink's settings (core/config.c reads them from
 * the config file and the options; the sink and the remote view use them). */
#ifndef PT_MQTT_CONFIG_H
#define PT_MQTT_CONFIG_H

#include <stdbool.h>

struct mqtt_config {
	bool	enabled;		/* publish now (toggled at run time) */
	bool	configured;		/* a broker is known */
	char	host[256];
	int	port;			/* 0: 1883, or 8883 with TLS */
	bool	tls;
	char	user[128];
	char	password[256];		/* never logged, never on argv */
	char	cafile[512], capath[512], certfile[512], keyfile[512];
	bool	tls_insecure;		/* skip hostname verification */
	char	client_id[64];		/* "" -> pylontop-<unique_id> */
	char	base_topic[128];	/* "" -> pylontop/<unique_id> */
	char	discovery_prefix[64];	/* homeassistant */
	bool	discovery;		/* send HA discovery (default on) */
	int	qos;			/* state messages */
	bool	retain;			/* state messages */
	double	interval_s;		/* 0: every sample */
	int	keepalive_s;		/* 30 */
	char	unique_id[64];		/* DEVICE_UNIQUE_ID, "" -> from barcode */
	char	device_name[64];	/* DEVICE_NAME, "" -> "Pylontech stack" */
	int	discovery_mode;		/* HA_DISCOVERY_MODE: 0 device (HA 2024.11+), 1 entity */
	char	state_file[512];	/* MQTT_STATE_FILE: energy totals, log entries sent */
	bool	state_file_given;	/* else the default under the state directory */
	double	energy_max_gap_s;	/* ENERGY_MAX_GAP_S: longer gaps are not counted (60) */
};

#endif
