/* ring.h - SPEC §4's notification ring of one (VP, SINT), lock-free for
 * the producers (every fire) and for hvdb_ring_pop.
 *
 * A ring holds up to HVDB_RING_SLOTS entries (64-bit values naming a port
 * instance, never 0) in a bounded multi-producer multi-consumer queue:
 * each slot carries a sequence number that says whose turn it is, so a
 * producer claims a slot with one CAS on (tail) and a consumer with one
 * CAS on (head). A producer that finds no room marks the ring full and
 * waits: it pushes its waiter onto (waiting), a stack whose low bit is the
 * full mark, in the same CAS. While the mark is set every producer waits
 * the same way. ring_notify_empty (the consumer drained the ring) takes
 * the stack, clears the mark and queues the waiters, oldest first, as many
 * as fit; if some still do not fit it marks the ring full again.
 *
 * The model ring.pml checks this protocol.
 */
#ifndef HVDB_RING_H
#define HVDB_RING_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <urcu/list.h>

#include <hvdb/hvdb.h>

/* Whatever can wait for room (a port), embedded in it. A waiter is queued
 * at most once at a time: its owner's pending flag says so. */
struct ring_waiter {
	struct ring_waiter *next;  /* in ring->waiting; set before the push */
	struct cds_list_head held; /* in ring->held; under ring->consumer */
	uint64_t entry;		   /* what it queues; fixed */
};

struct ring_slot {
	uint64_t seq;	/* atomic: pos when free for the producer of pos,
			 * pos + 1 when it holds that producer's entry */
	uint64_t entry; /* written by its producer before seq */
};

struct ring {
	uint64_t tail;	   /* atomic: the next position to fill */
	char pad_tail[56]; /* producers and consumers write different lines */
	uint64_t head;	   /* atomic: the next position to take */
	char pad_head[56];
	uintptr_t waiting; /* atomic: a stack of ring_waiter | RING_FULL */
	/* Serialises ring_notify_empty and ring_forget, the only users of
	 * (held); producers and ring_pop never take it. */
	pthread_mutex_t consumer;
	struct cds_list_head held; /* waiters taken off (waiting), oldest
				    * first; under (consumer) */
	struct ring_slot slot[HVDB_RING_SLOTS];
};

/* An empty ring. 0 or -errno. */
int ring_init(struct ring *r);
void ring_fini(struct ring *r);

/* Sets up a waiter that queues (entry). */
void ring_waiter_init(struct ring_waiter *w, uint64_t entry);

/* Queues (w)'s entry, or makes it wait while the ring is full. The caller
 * made sure (w) is not queued already. Lock-free; any thread. */
void ring_queue(struct ring *r, struct ring_waiter *w);

/* Takes the oldest entry: true and *entry, or false when the ring is
 * empty. Lock-free; any thread. */
bool ring_pop(struct ring *r, uint64_t *entry);

/* The consumer drained the ring: queues the waiters, oldest first, as
 * many as fit. Returns how many it queued. */
unsigned ring_notify_empty(struct ring *r);

/* Takes (w) off the ring if it waits there, so its memory can go. Only
 * after no producer can be queueing (w) (a grace period after its owner
 * became unreachable), or to drop it early. */
void ring_forget(struct ring *r, struct ring_waiter *w);

#endif
