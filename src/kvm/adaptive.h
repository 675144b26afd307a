/* adaptive.h - the ADAPTIVE offload policy: exit counters, maintenance
 * passes, promotions and demotions, and the eventfds they own. */
#ifndef HVDB_KVM_ADAPTIVE_H
#define HVDB_KVM_ADAPTIVE_H

#include "offload.h"

/* A pass sooner than this after the previous one does nothing. */
#define ADAPTIVE_MIN_PERIOD_NS 10000000ull

/* Gives connection id (id) an exit counter (once per 4,096 ids). Called
 * under the hvdb lock (attach). 0 or -ENOMEM. */
int adaptive_track(struct hvdb_kvm *k, HV_CONNECTION_ID id);
/* One exit of connection (id): lock-free, from hvdb_kvm_mmio_write. */
void adaptive_count_exit(struct hvdb_kvm *k, HV_CONNECTION_ID id);
/* A new connection's rates start now. Called with k->lock held. */
void adaptive_baseline(struct hvdb_kvm *k, struct offload_conn *c);
/* Before (c) leaves its own eventfd (its ioeventfds already deassigned):
 * counts what the eventfd still holds and takes it out of the notify fd.
 * Nothing for an eventfd that is not ours. Called with k->lock held. */
void adaptive_release(struct hvdb_kvm *k, struct offload_conn *c);

/* hvdb_kvm_maintain, hvdb_kvm_poll, hvdb_kvm_set_path: see hvdb/kvm.h. */
int adaptive_maintain(struct hvdb_kvm *k);
int64_t adaptive_poll(struct hvdb_kvm *k, hvdb_kvm_fired_fn fn, void *opaque);
int adaptive_set_path(struct hvdb_kvm *k, HV_CONNECTION_ID id,
		      enum hvdb_kvm_path path);

#endif
