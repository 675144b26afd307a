/* deliver.h - what a fire does: counters, eventfd, callback, SynIC ring. */
#ifndef HVDB_DELIVER_H
#define HVDB_DELIVER_H

#include "hv.h"
#include "ring.h"

struct port;

/* Per-port delivery state, embedded in struct port. */
struct deliver_port_state {
	uint64_t offloaded; /* atomic: fires a backend accounted */
	int pending;	    /* atomic: queued on its ring or waiting for room */
	uint32_t stripe_mask;	   /* stripes - 1; fixed */
	struct ring *ring;	   /* its (target VP, SINT) ring; fixed */
	struct ring_waiter waiter; /* queues this port instance's entry */
};

/* Fires through hvdb_write are counted per CPU, in stripes that end
 * struct port: every counter has a 128-byte block of its own, so vCPU
 * threads on different CPUs never write one line, nor the line next to
 * another's (the adjacent-line prefetcher fetches 128-byte pairs; with
 * 64-byte stripes two threads firing one port lost 5-15% to it in the
 * threads bench). deliver_port_stats() sums them, exactly: each fire adds
 * to one stripe. */
struct deliver_stripe {
	char pad[120];	    /* no counter near what precedes it */
	uint64_t userspace; /* atomic: fires through hvdb_write */
};

/* Allocates the (vp, SINT) rings of the root partition and sizes the
 * per-CPU counter stripes of its ports. 0 or -ENOMEM. */
int deliver_rings_create(struct hvdb *hv, uint32_t root_vp_count);

/* Bytes of stripes a port of (hv) ends with. */
size_t deliver_stripes_size(const struct hvdb *hv);
/* Sets up the delivery state of a zeroed new port whose id, target and
 * instance are set. */
void deliver_port_init(struct hvdb *hv, struct port *port);
void deliver_rings_destroy(struct hvdb *hv);

/* Fires (port) for connection (connection_id): count, queue on the ring
 * (unless pending), signal the eventfd (unless offloaded: the kernel did),
 * run the callback. Queueing comes before the signals, so a consumer they
 * wake finds the port on the ring or waiting for room. Takes no lock;
 * under rcu_read_lock. */
void deliver_fire(struct hvdb *hv, struct port *port,
		  HV_CONNECTION_ID connection_id, uint64_t count,
		  bool offloaded);

/* The port is being deleted: mark it so (its writes drop from now on)
 * and take it off its ring's waiting list. Under hv->lock. */
void deliver_port_deleted(struct port *port);

/* The port's memory goes: no ring may refer to it. A grace period after
 * it became unreachable (no fire can still be queueing it). */
void deliver_port_forget(struct port *port);

/* Sum of a port's counters. */
void deliver_port_stats(const struct port *port, struct hvdb_port_stats *out);

/* Sets a port's counters to (stats)'s userspace and offloaded counts
 * (snapshot restore; triggers is their sum). Before the port is in use. */
void deliver_port_set_stats(struct port *port,
			    const struct hvdb_port_stats *stats);

#endif
