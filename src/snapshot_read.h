/* snapshot_read.h - a snapshot document, checked field by field. */
#ifndef HVDB_SNAPSHOT_READ_H
#define HVDB_SNAPSHOT_READ_H

#include "snapshot.h"

/* Parses (json) of (len) bytes into (plan), checking the format, the
 * version and every field's presence, type and range. 0, or -EBADMSG,
 * -EPROTONOSUPPORT, -EINVAL, -ENOMEM with (err) set; (plan) is empty then.
 * Release a filled plan with snapshot_read_plan_free(). */
int snapshot_read_plan(const char *json, size_t len, struct snapshot_plan *plan,
		       struct hvdb_snapshot_error *err);
void snapshot_read_plan_free(struct snapshot_plan *plan);

#endif
