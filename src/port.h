/* port.h - doorbell ports of the root partition. */
#ifndef HVDB_PORT_H
#define HVDB_PORT_H

#include <urcu/list.h>

#include "deliver.h"
#include "hv.h"

struct port_callback {
	hvdb_port_callback_fn fn;
	void *opaque;
	struct rcu_head rcu;
};

struct port {
	struct cds_lfht_node node; /* in hv->ports while live */
	struct rcu_head rcu;
	HV_PORT_ID id;
	uint32_t type;
	uint32_t target_sint;
	uint32_t target_vp;	       /* an index or HV_ANY_VP */
	uint64_t connection_partition; /* 0 = any partition */
	uint32_t connection_count;     /* under hv->lock */
	uint64_t instance; /* hv->port_instances at creation; fixed */
	int deleted;	   /* atomic; set once by DeletePort */
	int eventfd;	   /* atomic; -1 when none */
	struct port_callback *callback;	   /* RCU-published */
	struct deliver_port_state deliver; /* counters and ring membership */
	/* deliver.stripe_mask + 1 per-CPU counters (deliver.h), allocated
	 * with the port */
	struct deliver_stripe stripe[];
};

/* The live port (id), or NULL. Under hv->lock or rcu_read_lock. */
struct port *port_find(struct hvdb *hv, HV_PORT_ID id);
/* The live port (id) of partition (partition_id), or NULL: ports live in
 * the root, any other partition has none. Under hv->lock or
 * rcu_read_lock. */
struct port *port_find_in(struct hvdb *hv, uint64_t partition_id,
			  HV_PORT_ID id);

/* A connection to (port) goes: the last one frees a deleted port.
 * Called under hv->lock. */
void port_put_connection(struct hvdb *hv, struct port *port);

/* Frees every port (through call_rcu: wait with grace_barrier). Only
 * from hvdb_destroy, after all connections. */
void port_destroy_all(struct hvdb *hv);

#endif
