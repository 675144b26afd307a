/* introspect.h - ordered walks over the objects of a handle. */
#ifndef HVDB_INTROSPECT_H
#define HVDB_INTROSPECT_H

#include "hv.h"

struct introspect_walkers {
	int (*partition)(void *opaque, const struct hvdb_partition_desc *d);
	int (*port)(void *opaque, const struct hvdb_port_desc *d);
	int (*connection)(void *opaque, const struct hvdb_connection_desc *d);
};

/* The three hvdb_*_foreach walks (partitions, live ports, connections, in
 * that order) under one hold of hv->lock, so they see one state. All three
 * callbacks are required. A callback returning non-zero stops the walk and
 * that value is returned; -ENOMEM when out of memory; otherwise 0. */
int introspect_walk_all(struct hvdb *hv, const struct introspect_walkers *w,
			void *opaque);

#endif
