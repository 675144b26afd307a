/* snapshot.h - save and restore the whole state of a hypervisor as one
 * JSON document (live migration).
 */
#ifndef HVDB_HVDB_SNAPSHOT_H
#define HVDB_HVDB_SNAPSHOT_H

#include <stdio.h>

#include <hvdb/hvdb.h>
#include <hvdb/introspect.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Snapshots: save and restore the whole state (live migration).      */
/* ------------------------------------------------------------------ */
/*
 * A snapshot is one JSON object (UTF-8, jansson):
 *
 *   { "format": "hvdoorbell-snapshot", "version": 1,
 *     "partitions": [ { "id", "vp_count", "gpa_bits", "privileges",
 *                       "connection_limit", "ram": [ { "start", "size" } ] } ],
 *     "ports": [ { "id", "type", "target_sint", "target_vp",
 *                  "connection_partition",
 *                  "triggers", "userspace", "offloaded" } ],
 *     "connections": [ { "partition", "id", "port_id", "port_deleted",
 *                        "gpa", "value", "flags" } ] }
 *
 * Every 64-bit quantity (partition ids, privileges, RAM ranges, GPAs,
 * TriggerValue, Flags, counters) is a string "0x" + 1..16 hex digits, as
 * JSON numbers are not exact past 2^53 for many readers; 32-bit ones are
 * JSON integers. "ports" lists live ports; a connection whose port was
 * deleted says "port_deleted": true and keeps its "port_id". The root
 * partition (id 0x1) is listed like the others. Entries are saved in the
 * order of the hvdb_*_foreach walks, compact, one entry per line (so
 * snapshots diff well); any order and any JSON layout restores. Unknown
 * keys are refused: a field nobody reads would be silently lost.
 *
 * Preserved exactly: every partition (id, VP count, GPA width, privileges,
 * connection limit, RAM ranges in order), every live port (id, type,
 * target SINT and VP, connection partition, trigger counters), every
 * connection (partition, id, port id, GPA, TriggerValue and Flags as
 * given, whether its port was deleted), so every write matches, fires,
 * drops or misses as before. Not preserved: the notification rings (restored
 * empty, no port pending), port eventfds and callbacks and partition
 * backends (process-local: set them again, see the restore hooks), the
 * fault-injection state, and what a deleted port was (its SINT, VP and
 * counters can no longer be observed).
 */

#define HVDB_SNAPSHOT_FORMAT "hvdoorbell-snapshot"
#define HVDB_SNAPSHOT_VERSION 1
#define HVDB_SNAPSHOT_MESSAGE_MAX 192

/* A registration of a client dialect (<hvdb/dialect.h>). */
struct hvdb_doorbell_desc;

/* Why a snapshot call failed. (code) is the -errno it returned:
 *  -EBADMSG          not a JSON document: truncated or corrupted
 *  -EPROTONOSUPPORT  not an hvdoorbell snapshot, or a version other than
 *                    HVDB_SNAPSHOT_VERSION
 *  -EINVAL           a field missing, unknown, of the wrong type or out of
 *                    range, or an inconsistent state (duplicate ids, an
 *                    unknown partition or port, conflicting triggers, ...:
 *                    the message names the entry and the SPEC §3 reason)
 *  -ENOMEM           out of memory
 *  -EFBIG            the FILE is larger than HVDB_SNAPSHOT_FILE_MAX
 *  -EIO              reading or writing the FILE failed
 *  other             what a restore hook returned
 * (message) names the entry and what is wrong with it. */
struct hvdb_snapshot_error {
	int code;
	char message[HVDB_SNAPSHOT_MESSAGE_MAX];
};

/* Saves the state of (hv) as a snapshot document into a new NUL-terminated
 * string *json (release it with free()) of *len bytes ((len) may be NULL),
 * ending with a newline. Takes the handle's lock once, so the document is
 * one state of every partition, port and connection; counters are read
 * without stopping concurrent writes (pause the vCPUs for an exact
 * migration). (err) may be NULL. Returns 0, -ENOMEM. */
HVDB_API int hvdb_snapshot_save(struct hvdb *hv, char **json, size_t *len,
				struct hvdb_snapshot_error *err);
/* As hvdb_snapshot_save, written to (f). Returns 0, -ENOMEM or -EIO. */
HVDB_API int hvdb_snapshot_save_file(struct hvdb *hv, FILE *f,
				     struct hvdb_snapshot_error *err);

/* Optional hooks run while a restore builds the new hypervisor (hv), so a
 * VMM re-creates what is process-local before connections come back
 * through the normal connect path (which attaches backends, e.g. KVM
 * ioeventfds). Each returns 0, or -errno to abandon the restore. */
struct hvdb_snapshot_restore_ops {
	/* After partition (d) was created, root included, before any port or
	 * connection: e.g. hvdb_partition_set_backend(). May be NULL. */
	int (*partition_restored)(void *opaque, struct hvdb *hv,
				  const struct hvdb_partition_desc *d);
	/* After live port (d) was created with its counters, before any
	 * connection: e.g. hvdb_port_set_eventfd(). May be NULL. */
	int (*port_restored)(void *opaque, struct hvdb *hv,
			     const struct hvdb_port_desc *d);
	/* After every port and connection, for each client-dialect
	 * registration (<hvdb/dialect.h>) in id order: (d->eventfd) is the
	 * eventfd the restore made for its group (dup it to keep it). May
	 * be NULL. */
	int (*doorbell_restored)(void *opaque, struct hvdb *hv,
				 const struct hvdb_doorbell_desc *d);
};

/* Builds a new hypervisor from the snapshot document (json) of (len) bytes
 * (no NUL needed) and returns it in *out: the whole state of the snapshot,
 * nothing else (the root's VP count comes from the document). Partitions
 * are created first, then connections whose port was deleted (through a
 * port of that id that is then deleted), then live ports, then their
 * connections; every object goes through the checks of SPEC §3, so an
 * inconsistent document is refused like the call that would build it.
 * (ops) and (opaque) may be NULL. With hooks, the document is first built
 * once without them, so a refused document never reaches a hook.
 * On failure *out is NULL and nothing is left behind: a partly built
 * hypervisor is destroyed (detaching any backend a hook set). (err) may be
 * NULL. Returns 0 or a code of struct hvdb_snapshot_error. */
HVDB_API int hvdb_snapshot_restore(const char *json, size_t len,
				   const struct hvdb_snapshot_restore_ops *ops,
				   void *opaque, struct hvdb **out,
				   struct hvdb_snapshot_error *err);
/* The most bytes hvdb_snapshot_restore_file() reads: 256 MiB, about
 * 1.9 million connections (a saved connection takes 110 to 150 bytes), so
 * an endless or hostile FILE costs bounded memory and time. */
#define HVDB_SNAPSHOT_FILE_MAX (256u << 20)

/* As hvdb_snapshot_restore, reading (f) to its end. Refuses, before
 * building anything, a FILE with a NUL byte (-EBADMSG: JSON has none, so
 * /dev/zero fails at once) or of more than HVDB_SNAPSHOT_FILE_MAX bytes
 * (-EFBIG). */
HVDB_API int
hvdb_snapshot_restore_file(FILE *f, const struct hvdb_snapshot_restore_ops *ops,
			   void *opaque, struct hvdb **out,
			   struct hvdb_snapshot_error *err);

#ifdef __cplusplus
}
#endif

#endif /* HVDB_HVDB_SNAPSHOT_H */
