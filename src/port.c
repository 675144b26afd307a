/* port.c - HvCallCreatePort / HvCallDeletePort and per-port settings. */
#include <errno.h>
#include <stdlib.h>

#include "connection.h"
#include "grace.h"
#include "partition.h"
#include "port.h"
#include "reason.h"

static int port_key_eq(struct cds_lfht_node *node, const void *key)
{
	struct port *p = caa_container_of(node, struct port, node);

	grace_observe(p); /* published by hvdb_port_create */
	return p->id == *(const HV_PORT_ID *)key;
}

struct port *port_find(struct hvdb *hv, HV_PORT_ID id)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	cds_lfht_lookup(hv->ports, hv_hash(id, 1), port_key_eq, &id, &iter);
	node = cds_lfht_iter_get_node(&iter);
	return node ? caa_container_of(node, struct port, node) : NULL;
}

struct port *port_find_in(struct hvdb *hv, uint64_t partition_id, HV_PORT_ID id)
{
	/* Ports live in the root (SPEC §2); any other partition has none. */
	return partition_id == HVDB_ROOT_PARTITION_ID ? port_find(hv, id)
						      : NULL;
}

static void port_free(struct port *port)
{
	free(port->callback);
	free(port);
}

static void port_free_rcu(struct rcu_head *head)
{
	struct port *port = caa_container_of(head, struct port, rcu);

	grace_reclaim();
	/* No fire can be queueing it now: take it off its ring for good. */
	deliver_port_forget(port);
	port_free(port);
	grace_reclaimed();
}

static void callback_free_rcu(struct rcu_head *head)
{
	grace_reclaim();
	free(caa_container_of(head, struct port_callback, rcu));
	grace_reclaimed();
}

/* SPEC §3 CreatePort, steps 1-7 in order. Called under hv->lock. */
static HV_STATUS port_create_validate(struct hvdb *hv, uint64_t caller,
				      const HV_INPUT_CREATE_PORT *in,
				      enum hvdb_reason *reason)
{
	const uint64_t port_pid = partition_resolve(caller, in->PortPartition);
	const uint64_t conn_pid =
		partition_resolve(caller, in->ConnectionPartition);
	const HV_PORT_INFO *info = &in->PortInfo;
	struct partition *port_partition;

	HV_STATUS status;

	/* §3 CreatePort 1-2: the access rule; both partitions exist (0 = any
	 * connector) */
	status = partition_check_call(hv, caller, port_pid,
				      HV_PRIVILEGE_CREATE_PORT, &port_partition,
				      reason);
	if (status != HV_STATUS_SUCCESS)
		return status;
	if (conn_pid != 0 && !partition_find(hv, conn_pid))
		return reason_refuse(reason, HV_STATUS_INVALID_PARTITION_ID,
				     HVDB_REASON_UNKNOWN_PARTITION);
	/* §3 CreatePort 3: a 24-bit id free in the port partition. Only the
	 * root's ids can be in use: a guest calling on itself must not learn
	 * which ids the root uses (it meets step 5 whatever the id). */
	if (in->PortId & ~HV_PORT_ID_MASK)
		return reason_refuse(reason, HV_STATUS_INVALID_PORT_ID,
				     HVDB_REASON_BAD_PORT_ID);
	if (port_find_in(hv, port_pid, in->PortId))
		return reason_refuse(reason, HV_STATUS_INVALID_PORT_ID,
				     HVDB_REASON_PORT_ID_IN_USE);
	/* §3 CreatePort 4: only doorbell ports are implemented */
	if (info->PortType != HvPortTypeDoorbell)
		return reason_refuse(reason, HV_STATUS_INVALID_PARAMETER,
				     HVDB_REASON_UNSUPPORTED_PORT_TYPE);
	/* §3 CreatePort 5: the root owns every doorbell port */
	if (port_pid != HVDB_ROOT_PARTITION_ID)
		return reason_refuse(reason, HV_STATUS_ACCESS_DENIED,
				     HVDB_REASON_DOORBELL_PORT_REQUIRES_ROOT);
	/* §3 CreatePort 6: reserved, padding and VTL fields are zero */
	if (in->PortVtl || in->MinConnectionVtl || in->Padding ||
	    info->ReservedZ || info->DoorbellPortInfo.ReservedZ)
		return reason_refuse(reason, HV_STATUS_INVALID_PARAMETER,
				     HVDB_REASON_RESERVED_NONZERO);
	/* §3 CreatePort 7: SINT 0 is the hypervisor's; the VP must exist */
	if (info->DoorbellPortInfo.TargetSint == 0 ||
	    info->DoorbellPortInfo.TargetSint >= HV_SYNIC_SINT_COUNT)
		return reason_refuse(reason, HV_STATUS_INVALID_PARAMETER,
				     HVDB_REASON_BAD_SINT);
	if (info->DoorbellPortInfo.TargetVp != HV_ANY_VP &&
	    info->DoorbellPortInfo.TargetVp >= port_partition->vp_count)
		return reason_refuse(reason, HV_STATUS_INVALID_VP_INDEX,
				     HVDB_REASON_BAD_VP);
	return reason_ok(reason);
}

HV_STATUS hvdb_port_create(struct hvdb *hv, uint64_t caller,
			   const HV_INPUT_CREATE_PORT *in,
			   enum hvdb_reason *reason)
{
	enum hvdb_reason unused;
	struct port *port;
	HV_STATUS status;

	if (!reason)
		reason = &unused;
	hv_lock(hv);
	status = port_create_validate(hv, caller, in, reason);
	if (status != HV_STATUS_SUCCESS)
		goto out;
	port = fault_zalloc(hv, HVDB_FAULT_ALLOC_PORT,
			    sizeof(*port) + deliver_stripes_size(hv));
	if (!port) {
		status = reason_refuse(reason, HV_STATUS_INSUFFICIENT_MEMORY,
				       HVDB_REASON_OUT_OF_MEMORY);
		goto out;
	}
	port->id = in->PortId;
	port->type = in->PortInfo.PortType;
	port->target_sint = in->PortInfo.DoorbellPortInfo.TargetSint;
	port->target_vp = in->PortInfo.DoorbellPortInfo.TargetVp;
	port->connection_partition =
		partition_resolve(caller, in->ConnectionPartition);
	port->eventfd = -1;
	port->instance = ++hv->port_instances;
	deliver_port_init(hv, port);
	cds_lfht_node_init(&port->node);
	grace_publish(port);
	cds_lfht_add(hv->ports, hv_hash(port->id, 1), &port->node);
out:
	hv_unlock(hv);
	return status;
}

/* SPEC §3 DeletePort. Called under hv->lock. */
static HV_STATUS port_delete_validate(struct hvdb *hv, uint64_t caller,
				      const HV_INPUT_DELETE_PORT *in,
				      struct port **port,
				      enum hvdb_reason *reason)
{
	const uint64_t port_pid = partition_resolve(caller, in->PortPartition);
	struct partition *port_partition;
	HV_STATUS status;

	/* §3 DeletePort: access rule as CreatePort; the partition exists */
	status = partition_check_call(hv, caller, port_pid,
				      HV_PRIVILEGE_CREATE_PORT, &port_partition,
				      reason);
	if (status != HV_STATUS_SUCCESS)
		return status;
	if (in->Reserved)
		return reason_refuse(reason, HV_STATUS_INVALID_PARAMETER,
				     HVDB_REASON_RESERVED_NONZERO);
	*port = port_find_in(hv, port_pid, in->PortId);
	if (!*port)
		return reason_refuse(reason, HV_STATUS_INVALID_PORT_ID,
				     HVDB_REASON_UNKNOWN_PORT);
	return reason_ok(reason);
}

HV_STATUS hvdb_port_delete(struct hvdb *hv, uint64_t caller,
			   const HV_INPUT_DELETE_PORT *in,
			   enum hvdb_reason *reason)
{
	enum hvdb_reason unused;
	struct port *port = NULL;
	HV_STATUS status;

	if (!reason)
		reason = &unused;
	hv_lock(hv);
	status = port_delete_validate(hv, caller, in, &port, reason);
	if (status == HV_STATUS_SUCCESS) {
		cds_lfht_del(hv->ports, &port->node);
		deliver_port_deleted(port);
		connection_port_deleted(hv, port);
		/* Its connections keep it (deleted) until they go. */
		if (port->connection_count == 0)
			hv_call_rcu(hv, &port->rcu, port_free_rcu);
	}
	hv_unlock(hv);
	return status;
}

void port_put_connection(struct hvdb *hv, struct port *port)
{
	port->connection_count--;
	if (port->connection_count == 0 &&
	    __atomic_load_n(&port->deleted, __ATOMIC_RELAXED))
		hv_call_rcu(hv, &port->rcu, port_free_rcu);
}

int hvdb_port_stats(struct hvdb *hv, HV_PORT_ID port_id,
		    struct hvdb_port_stats *stats)
{
	struct port *port;
	int ret = -ENOENT;

	grace_read_lock();
	port = port_find(hv, port_id);
	if (port) {
		deliver_port_stats(port, stats);
		ret = 0;
	}
	grace_read_unlock();
	return ret;
}

int hvdb_port_set_eventfd(struct hvdb *hv, HV_PORT_ID port_id, int fd)
{
	struct port *port;
	int ret = -ENOENT;

	hv_lock(hv);
	port = port_find(hv, port_id);
	if (port) {
		/* release: a fire that reads (fd) finds it open */
		__atomic_store_n(&port->eventfd, fd < 0 ? -1 : fd,
				 __ATOMIC_RELEASE);
		ret = 0;
	}
	hv_unlock(hv);
	return ret;
}

int hvdb_port_set_callback(struct hvdb *hv, HV_PORT_ID port_id,
			   hvdb_port_callback_fn fn, void *opaque)
{
	struct port_callback *cb = NULL, *old;
	struct port *port;
	int ret = 0;

	if (fn) {
		cb = calloc(1, sizeof(*cb));
		if (!cb)
			return -ENOMEM;
		cb->fn = fn;
		cb->opaque = opaque;
	}
	hv_lock(hv);
	port = port_find(hv, port_id);
	if (!port) {
		free(cb);
		ret = -ENOENT;
	} else {
		old = port->callback;
		grace_assign(port->callback, cb);
		if (old)
			hv_call_rcu(hv, &old->rcu, callback_free_rcu);
	}
	hv_unlock(hv);
	return ret;
}

int hvdb_port_account_offloaded(struct hvdb *hv, HV_PORT_ID port_id,
				uint64_t count)
{
	struct port *port;
	int ret = -ENOENT;

	grace_read_lock();
	port = port_find(hv, port_id);
	if (port && !__atomic_load_n(&port->deleted, __ATOMIC_ACQUIRE)) {
		if (count)
			deliver_fire(hv, port, HVDB_CONNECTION_ID_UNKNOWN,
				     count, true);
		ret = 0;
	}
	grace_read_unlock();
	return ret;
}

void port_destroy_all(struct hvdb *hv)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	struct port *port;

	cds_lfht_first(hv->ports, &iter);
	while ((node = cds_lfht_iter_get_node(&iter))) {
		cds_lfht_next(hv->ports, &iter); /* before the free */
		cds_lfht_del(hv->ports, node);
		port = caa_container_of(node, struct port, node);
		/* Through call_rcu like any other: a callback still running
		 * may walk a ring's waiters, this port among them. */
		hv_call_rcu(hv, &port->rcu, port_free_rcu);
	}
}
