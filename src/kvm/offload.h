/* offload.h - doorbell connections offloaded to KVM ioeventfds (SPEC §5):
 * the backend ops that libhvdb calls on every connect and disconnect of
 * the attached partition. */
#ifndef HVDB_KVM_OFFLOAD_H
#define HVDB_KVM_OFFLOAD_H

#include <linux/kvm.h>

#include <hvdb/backend.h>

#include "attach.h"

#define OFFLOAD_MAX_FDS 4u

/* One attached connection: its match identity and what was registered. */
struct offload_conn {
	struct hvdb_trigger trigger; /* identity, as attached */
	enum hvdb_kvm_path path;
	int efd;	   /* what the ioeventfds signal; -1 on the exit path */
	bool efd_owned;	   /* ours (not the port's), closed on detach */
	bool ram_page;	   /* holds a read-only reference on its page */
	bool refused;	   /* KVM or the fd table said no (not a policy) */
	bool port_deleted; /* its writes are dropped; under lock */
	bool on_efd;	   /* in the by_efd chain: it signalled efd */
	bool no_promote;   /* adaptive: KVM refused it once; under change */
	unsigned nreg;
	struct kvm_ioeventfd reg[OFFLOAD_MAX_FDS]; /* exactly as assigned */
	uint64_t fires, drops; /* offloaded, accounted to it; under lock */
	/* adaptive.c, under lock: exits and in-kernel writes seen by the
	 * last pass, and when it last saw a write. */
	uint64_t seen_exits, seen_kernel, last_write_ns;
	struct offload_conn *next_id;  /* hvdb_kvm.by_id chain */
	struct offload_conn *next_efd; /* hvdb_kvm.by_efd chain */
};

/* The ops hvdb_kvm_attach registers, with the struct hvdb_kvm as opaque. */
extern const struct hvdb_backend_ops offload_ops;

/* hvdb_kvm_account, hvdb_kvm_connection_get: see hvdb/kvm.h. */
int64_t offload_account(struct hvdb_kvm *k, int efd, uint64_t count);
int offload_connection_get(struct hvdb_kvm *k, HV_CONNECTION_ID id,
			   struct hvdb_kvm_connection *out);

/* For adaptive.c. The ioeventfds (trigger) needs, signalling (efd), into
 * (reg); their count. */
unsigned offload_plan(const struct hvdb_trigger *trigger, int efd,
		      struct kvm_ioeventfd reg[OFFLOAD_MAX_FDS]);
/* Assigns or deassigns one ioeventfd, timed into the stats. 0 or -errno.
 * Takes k->lock for the stats: call without it. */
int offload_ioeventfd(struct hvdb_kvm *k, struct kvm_ioeventfd *reg,
		      bool deassign);
/* Deassigns every ioeventfd of (c) exactly as assigned (a failure is
 * logged: the kernel holds nothing else of ours). Call without k->lock. */
void offload_deassign(struct hvdb_kvm *k, struct offload_conn *c);
/* Lookups and the walk over every connection. Called with k->lock held. */
struct offload_conn *offload_find_id(struct hvdb_kvm *k, HV_CONNECTION_ID id);
struct offload_conn *offload_find_efd(struct hvdb_kvm *k, int efd);
struct offload_conn *offload_next(struct hvdb_kvm *k, struct offload_conn *c);
/* (c) now on (n) ioeventfds (reg) signalling (efd), ours when (owned); or
 * back on the exit path (its own eventfd closed). Tables and stats.
 * Called with k->lock held. */
void offload_set_kvm(struct hvdb_kvm *k, struct offload_conn *c, int efd,
		     bool owned, const struct kvm_ioeventfd *reg, unsigned n);
void offload_set_exit(struct hvdb_kvm *k, struct offload_conn *c);
/* Records (count) signals of (c), (fired) of them fires (the rest drops).
 * Called with k->lock held. */
void offload_note_fires(struct hvdb_kvm *k, struct offload_conn *c,
			uint64_t count, uint64_t fired);

#endif
