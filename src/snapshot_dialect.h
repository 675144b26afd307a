/* snapshot_dialect.h - the client-dialect registrations (SPEC §7) of a
 * snapshot document: saved, read and rebuilt like the rest. */
#ifndef HVDB_SNAPSHOT_DIALECT_H
#define HVDB_SNAPSHOT_DIALECT_H

#include <jansson.h>

#include "snapshot.h"

/* Adds the "doorbells" array to (doc) when (hv) has registrations. Called
 * with the dialect lock held. 0 or -ENOMEM. */
int snapshot_dialect_save(struct hvdb *hv, json_t *doc);

/* Reads the optional "doorbells" array of (doc) into (plan). 0 or
 * -EINVAL / -ENOMEM with (err) set. */
int snapshot_dialect_read(json_t *doc, struct snapshot_plan *plan,
			  struct hvdb_snapshot_error *err);

/* Makes the registrations of (plan) live in the new (hv), one new eventfd
 * per eventfd group, set on the live port of each id: after the ports,
 * before their connections (a backend registers the eventfd on connect).
 * 0, -EINVAL (a registration that cannot exist), -ENOMEM. */
int snapshot_dialect_build(struct hvdb *hv, const struct snapshot_plan *plan,
			   struct hvdb_snapshot_error *err);

/* Runs ops->doorbell_restored (if any) on every registration of (hv).
 * 0 or what the hook returned, with (err) set. */
int snapshot_dialect_hooks(struct hvdb *hv,
			   const struct hvdb_snapshot_restore_ops *ops,
			   void *opaque, struct hvdb_snapshot_error *err);

#endif
