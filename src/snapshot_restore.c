/* snapshot_restore.c - build a new hypervisor from a snapshot document.
 *
 * The document is read into a plan (snapshot_read.c), then built through
 * the public calls, so every object passes the same SPEC §3 checks as
 * when it was first made and backends attach as usual: the checks are
 * the consistency rules, written once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "port.h"
#include "snapshot.h"
#include "snapshot_dialect.h"
#include "snapshot_read.h"

struct build {
	const struct snapshot_plan *plan;
	const struct hvdb_snapshot_restore_ops *ops; /* may be NULL */
	void *opaque;
	struct hvdb *hv;
	struct hvdb_snapshot_error *err;
};

/* A refused public call: say which entry and why, in SPEC §3 names. */
static int refused(struct build *b, const char *what, size_t i, uint64_t a,
		   uint32_t c, HV_STATUS status, enum hvdb_reason reason)
{
	const char *name = hvdb_status_name(status);

	if (status == HV_STATUS_INSUFFICIENT_MEMORY &&
	    reason != HVDB_REASON_CONNECTION_LIMIT)
		return snapshot_fail(b->err, -ENOMEM, "%s[%zu]: out of memory",
				     what, i);
	return snapshot_fail(b->err, -EINVAL,
			     "%s[%zu] (0x%" PRIx64 ":%" PRIu32 "): %s %s", what,
			     i, a, c, name ? name : "HV_STATUS_?",
			     hvdb_reason_name(reason));
}

static int hook_failed(struct build *b, const char *what, size_t i, int ret)
{
	char buf[64];

	/* A hook must return -errno; anything else still abandons. */
	if (ret > 0)
		ret = -ECANCELED;
	return snapshot_fail(b->err, ret, "%s[%zu]: restore hook failed: %s",
			     what, i, snapshot_errno_text(-ret, buf));
}

static int build_partitions(struct build *b)
{
	const struct snapshot_plan *plan = b->plan;

	for (size_t i = 0; i < plan->partition_count; i++) {
		const struct hvdb_partition_desc *d = &plan->partitions[i].desc;
		struct hvdb_partition_config c;
		enum hvdb_reason reason;
		HV_STATUS status;
		int ret;

		/* hvdb_create() made the root, as the document has it */
		if (d->id != HVDB_ROOT_PARTITION_ID) {
			hvdb_partition_config_from_desc(&c, d);
			status = hvdb_partition_create(b->hv, &c, &reason);
			if (status != HV_STATUS_SUCCESS)
				return refused(b, "partitions", i, d->id, 0,
					       status, reason);
		}
		if (b->ops && b->ops->partition_restored) {
			ret = b->ops->partition_restored(b->opaque, b->hv, d);
			if (ret)
				return hook_failed(b, "partitions", i, ret);
		}
	}
	return 0;
}

/* Connects connection (i) of the plan, as the root on the root's port. */
static int build_connection(struct build *b, size_t i)
{
	const struct hvdb_connection_desc *d = &b->plan->connections[i];
	HV_INPUT_CONNECT_PORT in = {
		.ConnectionPartition = d->partition,
		.ConnectionId = d->id,
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = d->port_id,
		.ConnectionInfo = d->info,
	};
	enum hvdb_reason reason;
	HV_STATUS status;

	status = hvdb_port_connect(b->hv, HVDB_ROOT_PARTITION_ID, &in, &reason);
	if (status != HV_STATUS_SUCCESS)
		return refused(b, "connections", i, d->partition, d->id, status,
			       reason);
	return 0;
}

static int by_port_id(const void *a, const void *b, void *arg)
{
	const struct hvdb_connection_desc *c = arg;
	HV_PORT_ID x = c[*(const size_t *)a].port_id;
	HV_PORT_ID y = c[*(const size_t *)b].port_id;

	return (x > y) - (x < y);
}

/* Creates port (id) the way a deleted one is recreated: open to any
 * partition, since only its id and being deleted can be observed. */
static HV_STATUS create_stand_in_port(struct hvdb *hv, HV_PORT_ID id,
				      enum hvdb_reason *reason)
{
	HV_INPUT_CREATE_PORT in = {
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = id,
		.PortInfo.PortType = HvPortTypeDoorbell,
		.PortInfo.DoorbellPortInfo.TargetSint =
			HV_SYNIC_DOORBELL_SINT_INDEX,
		.PortInfo.DoorbellPortInfo.TargetVp = HV_ANY_VP,
	};

	return hvdb_port_create(hv, HVDB_ROOT_PARTITION_ID, &in, reason);
}

/* The connections whose port was deleted: per port id, create the port,
 * connect them, delete it (SPEC §3 DeletePort: they stay, writes drop).
 * Before the live ports, which may have reused the id. */
static int build_deleted_port_connections(struct build *b)
{
	const struct snapshot_plan *plan = b->plan;
	HV_INPUT_DELETE_PORT del = { .PortPartition = HVDB_ROOT_PARTITION_ID };
	enum hvdb_reason reason;
	size_t n = 0, i, j;
	HV_STATUS status;
	size_t *idx;
	int ret = 0;

	idx = malloc((plan->connection_count + 1) * sizeof(*idx));
	if (!idx)
		return snapshot_fail(b->err, -ENOMEM, "out of memory");
	for (i = 0; i < plan->connection_count; i++)
		if (plan->connections[i].port_deleted)
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), by_port_id, plan->connections);
	for (i = 0; i < n && ret == 0; i = j) {
		del.PortId = plan->connections[idx[i]].port_id;
		status = create_stand_in_port(b->hv, del.PortId, &reason);
		if (status != HV_STATUS_SUCCESS) {
			ret = refused(b, "connections", idx[i],
				      plan->connections[idx[i]].partition,
				      plan->connections[idx[i]].id, status,
				      reason);
			break;
		}
		for (j = i; j < n && ret == 0 &&
			    plan->connections[idx[j]].port_id == del.PortId;
		     j++)
			ret = build_connection(b, idx[j]);
		status = hvdb_port_delete(b->hv, HVDB_ROOT_PARTITION_ID, &del,
					  &reason);
		/* The port was just made by the root: only an id the
		 * create refused could fail here, and that returned above. */
		if (ret == 0 && status != HV_STATUS_SUCCESS)
			ret = snapshot_fail(b->err, -EINVAL,
					    "deleting stand-in port %" PRIu32,
					    del.PortId);
	}
	free(idx);
	return ret;
}

static int build_ports(struct build *b)
{
	const struct snapshot_plan *plan = b->plan;

	for (size_t i = 0; i < plan->port_count; i++) {
		const struct hvdb_port_desc *d = &plan->ports[i];
		HV_INPUT_CREATE_PORT in = {
			.PortPartition = HVDB_ROOT_PARTITION_ID,
			.PortId = d->id,
			.ConnectionPartition = d->connection_partition,
			.PortInfo.PortType = d->port_type,
			.PortInfo.DoorbellPortInfo.TargetSint = d->target_sint,
			.PortInfo.DoorbellPortInfo.TargetVp = d->target_vp,
		};
		enum hvdb_reason reason;
		HV_STATUS status;
		int ret;

		status = hvdb_port_create(b->hv, HVDB_ROOT_PARTITION_ID, &in,
					  &reason);
		if (status != HV_STATUS_SUCCESS)
			return refused(b, "ports", i, HVDB_ROOT_PARTITION_ID,
				       d->id, status, reason);
		/* Not yet visible to any writer: nothing races the set. */
		hv_lock(b->hv);
		deliver_port_set_stats(port_find(b->hv, d->id), &d->stats);
		hv_unlock(b->hv);
		if (b->ops && b->ops->port_restored) {
			ret = b->ops->port_restored(b->opaque, b->hv, d);
			if (ret)
				return hook_failed(b, "ports", i, ret);
		}
	}
	return 0;
}

static int build_live_connections(struct build *b)
{
	for (size_t i = 0; i < b->plan->connection_count; i++) {
		int ret;

		if (b->plan->connections[i].port_deleted)
			continue;
		ret = build_connection(b, i);
		if (ret)
			return ret;
	}
	return 0;
}

/* Builds (plan) into a new handle in *out; on failure destroys what it
 * built and leaves *out alone. */
static int build(const struct snapshot_plan *plan,
		 const struct hvdb_snapshot_restore_ops *ops, void *opaque,
		 struct hvdb **out, struct hvdb_snapshot_error *err)
{
	const struct hvdb_config config = { .root_vp_count =
						    plan->root_vp_count };
	struct build b = { plan, ops, opaque, NULL, err };
	int ret;

	b.hv = hvdb_create(&config);
	if (!b.hv)
		return snapshot_fail(err, -ENOMEM, "out of memory");
	ret = build_partitions(&b);
	if (ret == 0)
		ret = build_deleted_port_connections(&b);
	if (ret == 0)
		ret = build_ports(&b);
	if (ret == 0)
		ret = snapshot_dialect_build(b.hv, plan, err);
	if (ret == 0)
		ret = build_live_connections(&b);
	if (ret == 0)
		ret = snapshot_dialect_hooks(b.hv, ops, opaque, err);
	if (ret) {
		hvdb_destroy(b.hv);
		return ret;
	}
	*out = b.hv;
	return 0;
}

int hvdb_snapshot_restore(const char *json, size_t len,
			  const struct hvdb_snapshot_restore_ops *ops,
			  void *opaque, struct hvdb **out,
			  struct hvdb_snapshot_error *err)
{
	struct snapshot_plan plan;
	struct hvdb *dry;
	int ret;

	snapshot_error_clear(err);
	*out = NULL;
	ret = snapshot_read_plan(json, len, &plan, err);
	if (ret)
		return ret;
	ret = 0;
	/* A hook's effects are the VMM's: let only a good document reach it. */
	if (ops && (ops->partition_restored || ops->port_restored ||
		    ops->doorbell_restored)) {
		ret = build(&plan, NULL, NULL, &dry, err);
		if (ret == 0)
			hvdb_destroy(dry);
	}
	if (ret == 0)
		ret = build(&plan, ops, opaque, out, err);
	snapshot_read_plan_free(&plan);
	return ret;
}

int hvdb_snapshot_restore_file(FILE *f,
			       const struct hvdb_snapshot_restore_ops *ops,
			       void *opaque, struct hvdb **out,
			       struct hvdb_snapshot_error *err)
{
	/* One byte past the limit tells "too large" from "exactly" */
	const size_t most = (size_t)HVDB_SNAPSHOT_FILE_MAX + 1;
	size_t len = 0, cap = 0, n;
	char *buf = NULL, *grown, *nul = NULL;
	char errbuf[64];
	int ret;

	*out = NULL;
	do {
		if (cap - len < 4096 && cap < most) {
			cap = cap ? cap * 2 : 65536;
			cap = cap < most ? cap : most;
			grown = realloc(buf, cap);
			if (!grown) {
				free(buf);
				return snapshot_fail(err, -ENOMEM,
						     "out of memory");
			}
			buf = grown;
		}
		n = fread(buf + len, 1, cap - len, f);
		/* JSON text has no NUL byte: /dev/zero is refused at once */
		nul = memchr(buf + len, '\0', n);
		len += n;
	} while (n > 0 && !nul);
	if (nul)
		ret = snapshot_fail(err, -EBADMSG,
				    "not a JSON document: a NUL byte at offset "
				    "%zu",
				    (size_t)(nul - buf));
	else if (len == most)
		ret = snapshot_fail(err, -EFBIG,
				    "larger than %u bytes, the most a snapshot "
				    "file may have",
				    HVDB_SNAPSHOT_FILE_MAX);
	else if (ferror(f))
		ret = snapshot_fail(err, -EIO, "reading the snapshot: %s",
				    snapshot_errno_text(errno, errbuf));
	else
		ret = hvdb_snapshot_restore(buf, len, ops, opaque, out, err);
	free(buf);
	return ret;
}
