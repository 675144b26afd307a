/* partition.h - partitions and the TLFS access rule. */
#ifndef HVDB_PARTITION_H
#define HVDB_PARTITION_H

#include "hv.h"

struct partition {
	struct cds_lfht_node node; /* in hv->partitions */
	uint64_t id;
	uint32_t vp_count;
	uint32_t gpa_bits;
	uint64_t privileges;
	uint32_t connection_limit;
	uint32_t connection_count; /* under hv->lock */
	struct hvdb_ram_range *ram;
	size_t ram_count;
	const struct hvdb_backend_ops *backend; /* under hv->lock */
	void *backend_opaque;
};

/* The partition (id), or NULL. Called under hv->lock or rcu_read_lock. */
struct partition *partition_find(struct hvdb *hv, uint64_t id);

/* Resolves HV_PARTITION_ID_SELF to (caller). */
static inline uint64_t partition_resolve(uint64_t caller, uint64_t id)
{
	return id == HV_PARTITION_ID_SELF ? caller : id;
}

/* SPEC §3 steps 1-2 of every port call: the access rule (the caller is the
 * root, or is (target) itself holding the privilege) on (target) for
 * (privilege) (HV_PRIVILEGE_CREATE_PORT or _CONNECT_PORT, which also names
 * the refusal), then that (target) exists, returned in *found. Called
 * under hv->lock. */
HV_STATUS partition_check_call(struct hvdb *hv, uint64_t caller,
			       uint64_t target, uint64_t privilege,
			       struct partition **found,
			       enum hvdb_reason *reason);

/* Creates the root partition (id 1, every privilege). 0 or -ENOMEM. */
int partition_create_root(struct hvdb *hv, uint32_t vp_count);

/* Frees every partition. Only from hvdb_destroy. */
void partition_destroy_all(struct hvdb *hv);

#endif
