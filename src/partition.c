/* partition.c - partitions: creation, lookup and the TLFS access rule. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "connection.h"
#include "gpa.h"
#include "grace.h"
#include "partition.h"
#include "reason.h"

static int partition_key_eq(struct cds_lfht_node *node, const void *key)
{
	struct partition *p = caa_container_of(node, struct partition, node);

	grace_observe(p); /* published by partition_publish */
	return p->id == *(const uint64_t *)key;
}

struct partition *partition_find(struct hvdb *hv, uint64_t id)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	cds_lfht_lookup(hv->partitions, hv_hash(id, 0), partition_key_eq, &id,
			&iter);
	node = cds_lfht_iter_get_node(&iter);
	return node ? caa_container_of(node, struct partition, node) : NULL;
}

bool hvdb_partition_exists(struct hvdb *hv, uint64_t id)
{
	bool found;

	grace_read_lock();
	found = partition_find(hv, id) != NULL;
	grace_read_unlock();
	return found;
}

static bool may_access(struct hvdb *hv, uint64_t caller, uint64_t target,
		       uint64_t privilege)
{
	struct partition *self;

	if (caller == HVDB_ROOT_PARTITION_ID)
		return true; /* the root is the parent of every guest */
	if (caller != target)
		return false;
	self = partition_find(hv, caller);
	return self && (self->privileges & privilege);
}

HV_STATUS partition_check_call(struct hvdb *hv, uint64_t caller,
			       uint64_t target, uint64_t privilege,
			       struct partition **found,
			       enum hvdb_reason *reason)
{
	/* §3 step 1: the access rule, before anything is revealed */
	if (!may_access(hv, caller, target, privilege))
		return reason_refuse(
			reason, HV_STATUS_ACCESS_DENIED,
			privilege == HV_PRIVILEGE_CREATE_PORT
				? HVDB_REASON_NO_CREATE_PORT_PRIVILEGE
				: HVDB_REASON_NO_CONNECT_PORT_PRIVILEGE);
	/* §3 step 2: the target partition exists */
	*found = partition_find(hv, target);
	if (!*found)
		return reason_refuse(reason, HV_STATUS_INVALID_PARTITION_ID,
				     HVDB_REASON_UNKNOWN_PARTITION);
	return reason_ok(reason);
}

void hvdb_partition_config_init(struct hvdb_partition_config *config,
				uint64_t id)
{
	memset(config, 0, sizeof(*config));
	config->id = id;
	config->vp_count = 1;
	config->gpa_bits = HVDB_DEFAULT_GPA_BITS;
	config->connection_limit = HVDB_DEFAULT_CONNECTION_LIMIT;
}

static bool ram_ranges_overlap(const struct hvdb_ram_range *a,
			       const struct hvdb_ram_range *b)
{
	/* Both ranges were checked to have a last byte. */
	return a->start <= b->start + (b->size - 1) &&
	       b->start <= a->start + (a->size - 1);
}

void hvdb_partition_config_from_desc(struct hvdb_partition_config *config,
				     const struct hvdb_partition_desc *desc)
{
	hvdb_partition_config_init(config, desc->id);
	config->vp_count = desc->vp_count;
	config->gpa_bits = desc->gpa_bits;
	config->privileges = desc->privileges;
	config->connection_limit = desc->connection_limit;
	config->ram = desc->ram;
	config->ram_count = desc->ram_count;
}

static bool config_valid(const struct hvdb_partition_config *c)
{
	if (c->id == 0 || c->id == HV_PARTITION_ID_SELF)
		return false;
	if (c->vp_count == 0 || c->vp_count == HV_ANY_VP)
		return false;
	if (c->gpa_bits < 12 || c->gpa_bits > 64)
		return false;
	if (c->ram_count && !c->ram)
		return false;
	for (size_t i = 0; i < c->ram_count; i++) {
		if (!gpa_range_fits(c->ram[i].start, c->ram[i].size,
				    c->gpa_bits))
			return false;
		for (size_t j = 0; j < i; j++)
			if (ram_ranges_overlap(&c->ram[i], &c->ram[j]))
				return false;
	}
	return true;
}

static void partition_free(struct partition *p)
{
	if (p->backend && p->backend->release)
		p->backend->release(p->backend_opaque);
	free(p->ram);
	free(p);
}

/* Builds a partition from a valid config; NULL when out of memory. */
static struct partition *partition_alloc(struct hvdb *hv,
					 const struct hvdb_partition_config *c)
{
	struct partition *p;

	p = fault_zalloc(hv, HVDB_FAULT_ALLOC_PARTITION, sizeof(*p));
	if (!p)
		return NULL;
	if (c->ram_count) {
		p->ram = fault_zalloc(hv, HVDB_FAULT_ALLOC_PARTITION,
				      c->ram_count * sizeof(*p->ram));
		if (!p->ram) {
			free(p);
			return NULL;
		}
		memcpy(p->ram, c->ram, c->ram_count * sizeof(*p->ram));
	}
	p->id = c->id;
	p->vp_count = c->vp_count;
	p->gpa_bits = c->gpa_bits;
	p->privileges = c->privileges;
	p->connection_limit = c->connection_limit
				      ? c->connection_limit
				      : HVDB_DEFAULT_CONNECTION_LIMIT;
	p->ram_count = c->ram_count;
	return p;
}

static void partition_publish(struct hvdb *hv, struct partition *p)
{
	cds_lfht_node_init(&p->node);
	grace_publish(p);
	cds_lfht_add(hv->partitions, hv_hash(p->id, 0), &p->node);
}

HV_STATUS hvdb_partition_create(struct hvdb *hv,
				const struct hvdb_partition_config *config,
				enum hvdb_reason *reason)
{
	enum hvdb_reason unused;
	struct partition *p;
	HV_STATUS status;

	if (!reason)
		reason = &unused;
	hv_lock(hv);
	if (!config_valid(config)) {
		status = reason_refuse(reason, HV_STATUS_INVALID_PARAMETER,
				       HVDB_REASON_BAD_PARTITION_CONFIG);
		goto out;
	}
	if (partition_find(hv, config->id)) {
		status = reason_refuse(reason, HV_STATUS_INVALID_PARTITION_ID,
				       HVDB_REASON_PARTITION_EXISTS);
		goto out;
	}
	p = partition_alloc(hv, config);
	if (!p) {
		status = reason_refuse(reason, HV_STATUS_INSUFFICIENT_MEMORY,
				       HVDB_REASON_OUT_OF_MEMORY);
		goto out;
	}
	partition_publish(hv, p);
	status = reason_ok(reason);
out:
	hv_unlock(hv);
	return status;
}

int partition_create_root(struct hvdb *hv, uint32_t vp_count)
{
	struct hvdb_partition_config c;
	struct partition *p;

	hvdb_partition_config_init(&c, HVDB_ROOT_PARTITION_ID);
	c.vp_count = vp_count;
	c.privileges = ~0ull;
	p = partition_alloc(hv, &c);
	if (!p)
		return -ENOMEM;
	partition_publish(hv, p);
	return 0;
}

int hvdb_partition_set_backend(struct hvdb *hv, uint64_t partition,
			       const struct hvdb_backend_ops *ops, void *opaque)
{
	struct partition *p;
	int ret = 0;

	if (ops && (!ops->attach || !ops->detach))
		return -EINVAL;
	hv_lock(hv);
	p = partition_find(hv, partition);
	if (!p)
		ret = -ENOENT;
	else if (ops && (p->connection_count || p->backend))
		ret = -EBUSY;
	else {
		if (!ops && p->backend)
			connection_detach_partition(hv, p);
		p->backend = ops;
		p->backend_opaque = ops ? opaque : NULL;
	}
	hv_unlock(hv);
	return ret;
}

void partition_destroy_all(struct hvdb *hv)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	cds_lfht_first(hv->partitions, &iter);
	while ((node = cds_lfht_iter_get_node(&iter))) {
		cds_lfht_next(hv->partitions, &iter); /* before the free */
		cds_lfht_del(hv->partitions, node);
		partition_free(caa_container_of(node, struct partition, node));
	}
}
