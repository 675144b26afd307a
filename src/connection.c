/* connection.c - HvCallConnectPort / HvCallDisconnectPort. */
#include <errno.h>
#include <stdlib.h>

#include "connection.h"
#include "conninfo.h"
#include "gpa.h"
#include "grace.h"
#include "partition.h"
#include "port.h"
#include "reason.h"

static uint64_t id_hash(const struct oatable *t, uint64_t partition,
			HV_CONNECTION_ID id)
{
	return hv_hash(t->seed ^ partition, id);
}

static uint64_t id_hash_of(const struct oatable *t, const void *entry)
{
	const struct connection *c = entry;

	return id_hash(t, c->trigger.partition, c->id);
}

int connection_index_init(struct hvdb *hv)
{
	/* Seeded: ids a guest picks cannot share a probe chain, so none can
	 * make the connects of others slow under the lock. */
	return oatable_init(&hv->conn_by_id, hv, id_hash_of,
			    oatable_random_seed());
}

/* Called under hv->lock. */
static struct connection *connection_find(struct hvdb *hv, uint64_t partition,
					  HV_CONNECTION_ID id)
{
	struct oatable_iter it;
	struct connection *c;

	for (c = oatable_first(&hv->conn_by_id,
			       id_hash(&hv->conn_by_id, partition, id), &it);
	     c; c = oatable_next(&it))
		if (c->id == id && c->trigger.partition == partition)
			return c;
	return NULL;
}

/* Everything ConnectPort needs once its checks passed. */
struct connect_plan {
	struct partition *partition;
	struct port *port;
	struct match_trigger trigger;
};

static void trigger_from_info(struct match_trigger *t, uint64_t partition,
			      const HV_CONNECTION_INFO *info)
{
	const uint64_t flags = info->DoorbellConnectionInfo.Flags;
	const int width = hvdb_trigger_size_width(flags);

	t->partition = partition;
	t->gpa = info->DoorbellConnectionInfo.GuestPhysicalAddress;
	t->any_size = width == 0;
	t->width = width > 0 ? (uint8_t)width : 0;
	t->any_value = flags & HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE;
	t->value = info->DoorbellConnectionInfo.TriggerValue;
}

/* SPEC §3 ConnectPort, steps 1-14 in order. Called under hv->lock. */
static HV_STATUS connect_validate(struct hvdb *hv, uint64_t caller,
				  const HV_INPUT_CONNECT_PORT *in,
				  struct connect_plan *plan,
				  enum hvdb_reason *reason)
{
	const uint64_t conn_pid =
		partition_resolve(caller, in->ConnectionPartition);
	const uint64_t port_pid = partition_resolve(caller, in->PortPartition);
	const HV_CONNECTION_INFO *info = &in->ConnectionInfo;
	const hvdb_gpa_t gpa =
		info->DoorbellConnectionInfo.GuestPhysicalAddress;
	const unsigned extent =
		conninfo_extent(info->DoorbellConnectionInfo.Flags);
	enum hvdb_reason bad;

	HV_STATUS status;

	/* §3 Connect 1-2: the access rule; both partitions exist */
	status = partition_check_call(hv, caller, conn_pid,
				      HV_PRIVILEGE_CONNECT_PORT,
				      &plan->partition, reason);
	if (status != HV_STATUS_SUCCESS)
		return status;
	if (!partition_find(hv, port_pid))
		return reason_refuse(reason, HV_STATUS_INVALID_PARTITION_ID,
				     HVDB_REASON_UNKNOWN_PARTITION);
	/* §3 Connect 3: a free 24-bit id in this partition */
	if (in->ConnectionId & ~HV_CONNECTION_ID_MASK)
		return reason_refuse(reason, HV_STATUS_INVALID_CONNECTION_ID,
				     HVDB_REASON_BAD_CONNECTION_ID);
	if (connection_find(hv, conn_pid, in->ConnectionId))
		return reason_refuse(reason, HV_STATUS_INVALID_CONNECTION_ID,
				     HVDB_REASON_CONNECTION_ID_IN_USE);
	/* §3 Connect 4: the port exists (ports live in the root) */
	plan->port = port_find_in(hv, port_pid, in->PortId);
	if (!plan->port)
		return reason_refuse(reason, HV_STATUS_INVALID_PORT_ID,
				     HVDB_REASON_UNKNOWN_PORT);
	/* §3 Connect 5: the port is offered to this partition */
	if (plan->port->connection_partition != 0 &&
	    plan->port->connection_partition != conn_pid)
		return reason_refuse(reason, HV_STATUS_ACCESS_DENIED,
				     HVDB_REASON_PORT_NOT_OFFERED);
	/* §3 Connect 6: the connection is of the port's type */
	if (info->PortType != plan->port->type)
		return reason_refuse(reason, HV_STATUS_INVALID_PARAMETER,
				     HVDB_REASON_PORT_TYPE_MISMATCH);
	/* §3 Connect 7: padding, VTL and reserved fields are zero */
	if (info->Padding || in->ConnectionVtl || in->Rsvd0 || in->Rsvd1 ||
	    in->Reserved)
		return reason_refuse(reason, HV_STATUS_INVALID_PARAMETER,
				     HVDB_REASON_RESERVED_NONZERO);
	/* §3 Connect 8-10: flags, size code, value width */
	bad = conninfo_check_trigger(info);
	if (bad != HVDB_REASON_NONE)
		return reason_refuse(reason, HV_STATUS_INVALID_PARAMETER, bad);
	/* §3 Connect 11: inside the partition's GPA width */
	if (!gpa_range_fits(gpa, extent, plan->partition->gpa_bits))
		return reason_refuse(reason, HV_STATUS_INVALID_PARAMETER,
				     HVDB_REASON_GPA_OUT_OF_RANGE);
	/* §3 Connect 12: no page crossing */
	if (!conninfo_within_page(gpa, extent))
		return reason_refuse(reason, HV_STATUS_INVALID_PARAMETER,
				     HVDB_REASON_CROSSES_PAGE);
	/* §3 Connect 13: no write may match two connections (SPEC §4) */
	trigger_from_info(&plan->trigger, conn_pid, info);
	if (match_conflicts_existing(hv, &plan->trigger))
		return reason_refuse(reason, HV_STATUS_INVALID_PARAMETER,
				     HVDB_REASON_TRIGGER_CONFLICT);
	/* §3 Connect 14: the partition's connection limit */
	if (plan->partition->connection_count >=
	    plan->partition->connection_limit)
		return reason_refuse(reason, HV_STATUS_INSUFFICIENT_MEMORY,
				     HVDB_REASON_CONNECTION_LIMIT);
	return reason_ok(reason);
}

static void backend_trigger(struct hvdb_trigger *bt, const struct connection *c)
{
	bt->partition = c->trigger.partition;
	bt->connection_id = c->id;
	bt->port_id = c->port->id;
	bt->gpa = c->trigger.gpa;
	bt->width = c->trigger.width;
	bt->any_size = c->trigger.any_size;
	bt->any_value = c->trigger.any_value;
	bt->value = c->trigger.any_value ? 0 : c->trigger.value;
	bt->eventfd = __atomic_load_n(&c->port->eventfd, __ATOMIC_RELAXED);
}

/* Lets the partition's backend attach (c). 0 or -errno. */
static int connection_attach(struct hvdb *hv, struct partition *p,
			     struct connection *c)
{
	struct hvdb_trigger bt;

	if (!p->backend)
		return 0;
	if (hvdb_fault_hit(hv, HVDB_FAULT_BACKEND_ATTACH))
		return -ENOMEM;
	backend_trigger(&bt, c);
	return p->backend->attach(p->backend_opaque, &bt, &c->backend_cookie);
}

static void connection_detach(struct partition *p, struct connection *c)
{
	struct hvdb_trigger bt;

	if (!p->backend)
		return;
	backend_trigger(&bt, c);
	p->backend->detach(p->backend_opaque, &bt, c->backend_cookie);
}

HV_STATUS hvdb_port_connect(struct hvdb *hv, uint64_t caller,
			    const HV_INPUT_CONNECT_PORT *in,
			    enum hvdb_reason *reason)
{
	enum hvdb_reason unused;
	struct connect_plan plan;
	struct connection *c;
	HV_STATUS status;

	if (!reason)
		reason = &unused;
	hv_lock(hv);
	status = connect_validate(hv, caller, in, &plan, reason);
	if (status != HV_STATUS_SUCCESS)
		goto out;

	/* Room in both indexes first: inserting can then not fail. */
	if (oatable_reserve(&hv->conn_by_id) ||
	    match_reserve(hv, &plan.trigger))
		c = NULL;
	else
		c = fault_zalloc(hv, HVDB_FAULT_ALLOC_CONNECTION, sizeof(*c));
	if (!c) {
		status = reason_refuse(reason, HV_STATUS_INSUFFICIENT_MEMORY,
				       HVDB_REASON_OUT_OF_MEMORY);
		goto out;
	}
	c->trigger = plan.trigger;
	c->port = plan.port;
	c->id = in->ConnectionId;
	if (connection_attach(hv, plan.partition, c) < 0) {
		free(c);
		status = reason_refuse(reason, HV_STATUS_INSUFFICIENT_MEMORY,
				       HVDB_REASON_BACKEND_FAILURE);
		goto out;
	}

	oatable_insert(&hv->conn_by_id, id_hash_of(&hv->conn_by_id, c), c);
	match_insert(hv, c);
	plan.partition->connection_count++;
	plan.port->connection_count++;
out:
	hv_unlock(hv);
	return status;
}

static void connection_free_rcu(struct rcu_head *head)
{
	grace_reclaim();
	free(caa_container_of(head, struct connection, rcu));
	grace_reclaimed();
}

/* Unindexes (c), detaches its backend and releases its port. Under
 * hv->lock; the caller frees (c) after readers are done with it. */
static void connection_unlink(struct hvdb *hv, struct partition *p,
			      struct connection *c)
{
	match_remove(hv, c);
	oatable_remove(&hv->conn_by_id, id_hash_of(&hv->conn_by_id, c), c);
	connection_detach(p, c);
	p->connection_count--;
	port_put_connection(hv, c->port);
}

/* SPEC §3 DisconnectPort. Called under hv->lock. */
static HV_STATUS disconnect_validate(struct hvdb *hv, uint64_t caller,
				     const HV_INPUT_DISCONNECT_PORT *in,
				     struct partition **p,
				     struct connection **c,
				     enum hvdb_reason *reason)
{
	const uint64_t conn_pid =
		partition_resolve(caller, in->ConnectionPartition);

	HV_STATUS status;

	/* §3 DisconnectPort: access rule as ConnectPort; the partition exists
	 */
	status = partition_check_call(hv, caller, conn_pid,
				      HV_PRIVILEGE_CONNECT_PORT, p, reason);
	if (status != HV_STATUS_SUCCESS)
		return status;
	/* SPEC §1: Flags bit 0 (IsDoorbell) may be 0 or 1; the rest are 0 */
	if (in->Flags & ~HV_DISCONNECT_PORT_FLAG_IS_DOORBELL)
		return reason_refuse(reason, HV_STATUS_INVALID_PARAMETER,
				     HVDB_REASON_RESERVED_NONZERO);
	*c = connection_find(hv, conn_pid, in->ConnectionId);
	if (!*c)
		return reason_refuse(reason, HV_STATUS_INVALID_CONNECTION_ID,
				     HVDB_REASON_UNKNOWN_CONNECTION);
	return reason_ok(reason);
}

HV_STATUS hvdb_port_disconnect(struct hvdb *hv, uint64_t caller,
			       const HV_INPUT_DISCONNECT_PORT *in,
			       enum hvdb_reason *reason)
{
	enum hvdb_reason unused;
	struct partition *p = NULL;
	struct connection *c = NULL;
	HV_STATUS status;

	if (!reason)
		reason = &unused;
	hv_lock(hv);
	status = disconnect_validate(hv, caller, in, &p, &c, reason);
	if (status == HV_STATUS_SUCCESS) {
		connection_unlink(hv, p, c);
		hv_call_rcu(hv, &c->rcu, connection_free_rcu);
	}
	hv_unlock(hv);
	return status;
}

void connection_detach_partition(struct hvdb *hv, struct partition *p)
{
	struct connection *c;

	for (unsigned long i = 0; i < oatable_slot_count(&hv->conn_by_id);
	     i++) {
		c = oatable_slot(&hv->conn_by_id, i);
		if (!c || c->trigger.partition != p->id)
			continue;
		connection_detach(p, c);
		c->backend_cookie = NULL;
	}
}

void connection_port_deleted(struct hvdb *hv, struct port *port)
{
	struct hvdb_trigger bt;
	struct partition *p;
	struct connection *c;

	for (unsigned long i = 0;
	     port->connection_count && i < oatable_slot_count(&hv->conn_by_id);
	     i++) {
		c = oatable_slot(&hv->conn_by_id, i);
		if (!c || c->port != port)
			continue;
		p = partition_find(hv, c->trigger.partition);
		if (!p->backend || !p->backend->port_deleted)
			continue;
		backend_trigger(&bt, c);
		p->backend->port_deleted(p->backend_opaque, &bt,
					 c->backend_cookie);
	}
}

void connection_destroy_all(struct hvdb *hv)
{
	struct connection *c;

	/* Removals never move entries: one pass over the slots sees all. */
	for (unsigned long i = 0; i < oatable_slot_count(&hv->conn_by_id);
	     i++) {
		c = oatable_slot(&hv->conn_by_id, i);
		if (!c)
			continue;
		connection_unlink(hv, partition_find(hv, c->trigger.partition),
				  c);
		free(c);
	}
}
