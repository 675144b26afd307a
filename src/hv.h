/* hv.h - the hypervisor handle every libhvdb object hangs off. */
#ifndef HVDB_HV_H
#define HVDB_HV_H

#include <pthread.h>
#include <stdbool.h>

#include <urcu-bp.h>
#include <urcu/rculfhash.h>

#include <hvdb/backend.h>
#include <hvdb/hvdb.h>
#include <hvdb/testing.h>

#include "dialect.h"
#include "fault.h"
#include "oatable.h"

struct ring;

/* Twice a cache line: the adjacent-line prefetcher moves pairs. */
#define HV_PAD 128

struct hvdb {
	/* Serialises every mutation; readers (writes, lookups) take none. */
	pthread_mutex_t lock;
	struct cds_lfht *partitions; /* id -> struct partition; RCU */
	struct cds_lfht *ports;	     /* live port id -> struct port; RCU */
	/* Every write reads conn_by_gpa's slot pointer and seed; writers
	 * store to the lock above and the table's counts on every connect.
	 * The pads keep what lookups read off the lines other tables and
	 * the lock share, and off their 128-byte prefetch pairs. */
	char pad_before[HV_PAD];
	/* (partition, gpa) -> the one connection there, or the crowd of
	 * them (match.c); read under RCU, written under lock */
	struct oatable conn_by_gpa;
	char pad_after[HV_PAD];
	/* conn_by_gpa's count and used, which every connect stores to */
	struct oatable_census gpa_census;
	/* (partition, connection id) -> struct connection; under lock */
	struct oatable conn_by_id;
	struct ring *rings;	 /* root_vp_count * 16, fixed */
	uint64_t port_instances; /* ports ever created; under lock */
	uint32_t stripe_mask;	 /* per-CPU counter stripes of a port - 1 */
	uint32_t root_vp_count;
	/* hv_call_rcu() ran: hvdb_destroy must wait for the callbacks.
	 * Under lock. */
	bool rcu_pending;
	struct fault_state fault;
	struct dialect_state dialects; /* SPEC §7 registrations */
};

/* 64-bit mix (splitmix64 finaliser) for hash table keys. */
static inline unsigned long hv_hash(uint64_t a, uint64_t b)
{
	uint64_t x = a * 0x9E3779B97F4A7C15ull ^ b;

	x ^= x >> 30;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 27;
	x *= 0x94D049BB133111EBull;
	x ^= x >> 31;
	return (unsigned long)x;
}

/* call_rcu(head, fn) for memory of (hv): hvdb_destroy() then waits for
 * it. Every deferred free of libhvdb goes through here (a bare call_rcu
 * could still be pending when hvdb_destroy returns). Under hv->lock. */
void hv_call_rcu(struct hvdb *hv, struct rcu_head *head,
		 void (*fn)(struct rcu_head *head));

/* Locks the handle for a mutation; hv_unlock ends it. */
void hv_lock(struct hvdb *hv);
void hv_unlock(struct hvdb *hv);

#endif
