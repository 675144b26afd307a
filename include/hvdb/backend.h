/* backend.h - for backend authors: the hooks through which libhvdb lets a
 * backend (e.g. libhvdb-kvm, hvdb/kvm.h) catch the writes of each
 * connection itself, and the call that counts the fires it saw. A VMM
 * that only calls hvdb_write() on its MMIO exits never needs this header.
 */
#ifndef HVDB_HVDB_BACKEND_H
#define HVDB_HVDB_BACKEND_H

#include <hvdb/hvdb.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Backends (e.g. KVM): attach each connection's trigger.             */
/* ------------------------------------------------------------------ */

/* The match identity of one connection, as a backend sees it. */
struct hvdb_trigger {
	uint64_t partition;
	HV_CONNECTION_ID connection_id;
	HV_PORT_ID port_id;
	hvdb_gpa_t gpa;
	uint32_t width; /* 1, 2, 4, 8; 0 when any_size */
	bool any_size;
	bool any_value;
	uint64_t value; /* meaningful unless any_value */
	int eventfd;	/* the port's eventfd at connect time, or -1 */
};

struct hvdb_backend_ops {
	/* Called under the handle's lock after every check passed, before the
	 * connection is visible. Returns 0 (the trigger is attached, offloaded
	 * or not, *cookie is the backend's), or -errno to refuse the connect
	 * with HV_STATUS_INSUFFICIENT_MEMORY. */
	int (*attach)(void *opaque, const struct hvdb_trigger *trigger,
		      void **cookie);
	/* Undoes exactly what attach did. Called under the handle's lock. */
	void (*detach)(void *opaque, const struct hvdb_trigger *trigger,
		       void *cookie);
	/* Optional (may be NULL): the port of this attached connection was
	 * deleted (SPEC §3 DeletePort). The connection stays attached until
	 * it is disconnected, but every write it catches from now on is
	 * dropped, not fired: a backend that counts fires for it must count
	 * them as dropped, even after a new port takes the same id. Called
	 * under the handle's lock, after the port left every lookup. */
	void (*port_deleted)(void *opaque, const struct hvdb_trigger *trigger,
			     void *cookie);
	/* Optional (may be NULL): the backend is no longer set on the
	 * partition, because hvdb_destroy() removed it after detaching every
	 * connection. Called once, under the handle's lock; not called when
	 * hvdb_partition_set_backend() clears it (its caller knows). */
	void (*release)(void *opaque);
};

/* Registers (ops) for the connections of (partition), which must have
 * none yet: from then on every connect calls ops->attach and every
 * disconnect (and hvdb_destroy()) calls ops->detach, under the handle's
 * lock, with (opaque). (ops) and (opaque) are kept, not copied: they must
 * outlive the partition's connections. 0; -ENOENT unknown partition,
 * -EBUSY connections exist or a backend is already set, -EINVAL ops
 * without attach or detach. NULL ops clears it, also while connections
 * exist: each is detached first and stays, caught by hvdb_write() alone.
 * Takes the handle's lock. */
HVDB_API int hvdb_partition_set_backend(struct hvdb *hv, uint64_t partition,
					const struct hvdb_backend_ops *ops,
					void *opaque);

/* Counts (count) fires that a backend saw happen without hvdb_write (e.g.
 * the value read from a KVM ioeventfd's eventfd): the offloaded counter,
 * one callback call (with HVDB_CONNECTION_ID_UNKNOWN) and the ring, but
 * not the eventfd, which the kernel already signalled. (count) 0 does
 * nothing. 0, or -ENOENT when no such live port (fires of a deleted port
 * are dropped). Lock-free; any thread. */
HVDB_API int hvdb_port_account_offloaded(struct hvdb *hv, HV_PORT_ID port_id,
					 uint64_t count);

#ifdef __cplusplus
}
#endif

#endif /* HVDB_HVDB_BACKEND_H */
