/* snapshot.h - snapshot documents: what a document is read into. */
#ifndef HVDB_SNAPSHOT_H
#define HVDB_SNAPSHOT_H

#include <hvdb/hvdb.h>
#include <hvdb/snapshot.h>

#include "dialect.h"

struct snapshot_partition {
	struct hvdb_partition_desc desc; /* .ram points to (ram) */
	struct hvdb_ram_range *ram;	 /* owned */
};

/* A document with every field checked for type and range, in document
 * order. Consistency (ids, references, triggers) is left to the SPEC §3
 * checks that building it runs. */
struct snapshot_plan {
	struct snapshot_partition *partitions;
	size_t partition_count;
	struct hvdb_port_desc *ports; /* connection_count unused */
	size_t port_count;
	struct hvdb_connection_desc *connections;
	size_t connection_count;
	struct snapshot_doorbell *doorbells; /* snapshot_dialect.c */
	size_t doorbell_count;
	uint32_t root_vp_count;
};

/* A client-dialect registration of a document (SPEC §7). */
struct snapshot_doorbell {
	struct dialect_record rec; /* .eventfd unused */
	uint32_t eventfd_group;	   /* < doorbell_count */
};

/* Sets (err) (may be NULL) to (code) and the formatted message; returns
 * (code). */
int snapshot_fail(struct hvdb_snapshot_error *err, int code, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));

/* Empties (err) (may be NULL): every public call starts with it. */
void snapshot_error_clear(struct hvdb_snapshot_error *err);

/* strerror() for a library that may run on any thread: (code) > 0. */
const char *snapshot_errno_text(int code, char buf[64]);

#endif
