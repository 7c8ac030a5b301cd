/* monitor.h — the running program: acquisition thread, history, alarms
 * and sinks, as the front ends (TUI, headless, --once) see it.
 *
 * The acquisition thread owns the link and the protocol session.  For
 * each complete sample it runs the alarm engine, pushes the sample into
 * the history, hands it to the sinks and makes monitor_fd() readable.
 * Front ends only read snapshots through these functions; they never
 * touch the device.  The sinks (sink/sink.h) are built by the front end
 * (app/sinks.c) and plugged in: the monitor knows them by name only.
 */
#ifndef PT_MONITOR_H
#define PT_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/alarms.h"
#include "core/config.h"
#include "model/health.h"
#include "core/history.h"
#include "link/link_stats.h"
#include "model/records.h"
#include "sink/sink.h"

struct monitor;
struct link;
struct link_rec;

#define MONITOR_SINKS_MAX	8

/* Build everything from the config (no thread yet); the monitor owns the
 * n sinks from now on (freed by monitor_free, or here on failure).  NULL
 * with err set. */
struct monitor *monitor_new(const struct pt_config *c, const struct sink *sinks,
	    size_t n, char *err, size_t errsize);
/* Start acquisition and the sinks' own threads (MQTT). */
int	monitor_start(struct monitor *m);
/* Stop acquisition, close the sinks (CSV rows held written and synced). */
void	monitor_stop(struct monitor *m);
/* monitor_stop, then free the sinks (MQTT: "offline", join) and the rest. */
void	monitor_free(struct monitor *m);

/* A descriptor that becomes readable when a sample lands or the link
 * state changes; monitor_drain_fd() empties it.  For poll() in the UI. */
int	monitor_fd(struct monitor *m);
void	monitor_drain_fd(struct monitor *m);

void	monitor_link_stats(struct monitor *m, struct link_stats *out);
/* The link's state messages (link_stats.message), each once and in
 * order, however quickly they follow one another: msgring_next() on the
 * monitor's ring (util/msgring.h). */
bool	monitor_next_message(struct monitor *m, uint64_t *seq, char *buf, size_t size);
/* Link events (lost, reconnecting, identified, round-robin on/off),
 * newest first; returns the count copied. */
size_t	monitor_link_events(struct monitor *m, struct link_event *out, size_t max);
struct history *monitor_history(struct monitor *m);
struct alarm_engine *monitor_alarms(struct monitor *m);
const struct pt_config *monitor_config(struct monitor *m);
/* The cell health figures and findings now (issue 15). */
void	monitor_health(struct monitor *m, struct health_report *out);

/* The sinks by name (SINK_CSV, SINK_MQTT): the run-time toggles ('l',
 * 'm'), whether one is plugged in, and its status for the status line
 * (sink_status_absent() when there is none). */
void	monitor_sink_enable(struct monitor *m, const char *name, bool on);
bool	monitor_has_sink(struct monitor *m, const char *name);
void	monitor_sink_status(struct monitor *m, const char *name, struct sink_status *st);
/* --record: pause or resume the recording (false: none configured). */
bool	monitor_set_record(struct monitor *m, bool on);
bool	monitor_recording(struct monitor *m);	/* recording now */
/* SIGHUP: every sink re-opens what it writes to (CSV: the next row
 * opens its path again, for log rotation; a failing file is retried). */
void	monitor_reopen_logs(struct monitor *m);
/* SIGHUP: new alarm thresholds for the engine and the views.  The stale
 * limit (ALARM_STALE_S) is kept: the acquisition thread reads it. */
void	monitor_set_alarms(struct monitor *m, const struct alarm_config *c);

/* For front ends that open a link themselves (--once): a replay:FILE of
 * a recording takes its protocol, dialect, eol and interval from the
 * recording where c has the defaults; --record FILE starts a recorder on
 * l (*out NULL when none is configured; link_rec_free it after the link
 * is closed).  0, or < 0 with err set. */
void	monitor_replay_settings(struct pt_config *c);
int	monitor_record_start(const struct pt_config *c, struct link *l,
	    struct link_rec **out, char *err, size_t errsize);

/* The raw console view (core/rawlog.h): the newest `max` lines of the
 * link's traffic, oldest first (*seq: the ring's change counter);
 * monitor_raw_seq() alone, to see whether there is more to draw; `watch`
 * while the view is on screen, so that chunks wake monitor_fd(). */
struct rawlog_line;
size_t	monitor_raw_lines(struct monitor *m, struct rawlog_line *out, size_t max,
	    uint64_t *seq);
uint64_t monitor_raw_seq(struct monitor *m);
void	monitor_raw_watch(struct monitor *m, bool on);
/* No UI will ever show the ring (--headless): the link's chunks are not
 * escaped into it (a tenth of the work per sample). */
void	monitor_raw_off(struct monitor *m);
/* A command line the user typed: checked now against the dialect's
 * read-only table (console_cmd_check_user); when allowed, queued to the
 * acquisition thread, which runs it between two polls (the samples show
 * a gap, never a value from it) and notes the verdict in the raw ring.
 * 0 queued; PT_ERR_REFUSED or PT_ERR_BUSY with the reason in err
 * (nothing is sent).  RS485: "CID2 ADR" in hex, read-only codes of the
 * dialect's table only (rs485_user_request).  Replays take none. */
int	monitor_send_user_command(struct monitor *m, const char *line, char *err,
	    size_t errsize);
/* The device is a replay:FILE (its clock: util/clock.h). */
bool	monitor_is_replay(struct monitor *m);

/* The BMS's own records (issue 13): ask for a round (read interleaved
 * with polling; a round is also read at start), and copy the latest
 * complete round into *out.  Returns its sequence number, 0 when none
 * was read yet (out is then empty).  RS485 links have no records. */
void	monitor_request_records(struct monitor *m);
uint64_t monitor_records(struct monitor *m, struct pt_records *out);

#endif
