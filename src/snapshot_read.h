/* snapshot_read.h - a snapshot document, checked field by field. */
#ifndef HVDB_SNAPSHOT_READ_H
#define HVDB_SNAPSHOT_READ_H

#include <jansson.h>

#include "snapshot.h"

/* Parses (json) of (len) bytes into (plan), checking the format, the
 * version and every field's presence, type and range. 0, or -EBADMSG,
 * -EPROTONOSUPPORT, -EINVAL, -ENOMEM with (err) set; (plan) is empty then.
 * Release a filled plan with snapshot_read_plan_free(). */
int snapshot_read_plan(const char *json, size_t len, struct snapshot_plan *plan,
		       struct hvdb_snapshot_error *err);
void snapshot_read_plan_free(struct snapshot_plan *plan);

/* Field readers: each checks (key) of object (obj), named (where) in
 * messages, and returns 0 or -EINVAL with (err) set. u64: a "0x..."
 * string; partition id: one that is not 0x0 or all ones; u32: an integer
 * in min..max; object: an object with no key outside (keys). */
int snapshot_read_u64(json_t *obj, const char *where, const char *key,
		      uint64_t *out, struct hvdb_snapshot_error *err);
int snapshot_read_partition_id(json_t *obj, const char *where, const char *key,
			       uint64_t *out, struct hvdb_snapshot_error *err);
int snapshot_read_u32(json_t *obj, const char *where, const char *key,
		      uint32_t min, uint32_t max, uint32_t *out,
		      struct hvdb_snapshot_error *err);
int snapshot_read_object(json_t *obj, const char *where,
			 const char *const *keys, size_t nkeys,
			 struct hvdb_snapshot_error *err);

#endif
