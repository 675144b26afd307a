/* dialect.c - the registrations both client dialects share (SPEC §7):
 * records, the lowest-free doorbell id, and the SPEC §3 calls that make
 * and unmake one doorbell. Eventfds are dialect_eventfd.c, the walk
 * dialect_walk.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dialect.h"
#include "hv.h"
#include "partition.h"
#include "port.h"
#include "reason.h"

int dialect_init(struct hvdb *hv)
{
	struct dialect_state *d = &hv->dialects;

	memset(d, 0, sizeof(*d));
	d->hint = 1;
	d->id_max = HVDB_DOORBELL_ID_MAX;
	return pthread_mutex_init(&d->lock, NULL) ? -ENOMEM : 0;
}

void dialect_fini(struct hvdb *hv)
{
	struct dialect_state *d = &hv->dialects;

	for (uint32_t i = 0; i < d->cap; i++) {
		if (!d->by_id[i])
			continue;
		/* Nothing can be writing: hvdb_destroy's contract. */
		(void)close(d->by_id[i]->eventfd);
		free(d->by_id[i]);
	}
	free(d->by_id);
	free(d->buckets);
	pthread_mutex_destroy(&d->lock);
}

void dialect_lock(struct hvdb *hv)
{
	pthread_mutex_lock(&hv->dialects.lock);
}

void dialect_unlock(struct hvdb *hv)
{
	pthread_mutex_unlock(&hv->dialects.lock);
}

/* ---- ids and records ---- */

static bool id_held(const struct dialect_state *d, uint32_t id)
{
	return id < d->cap && d->by_id[id];
}

/* The lowest id that is neither held nor a live root port (SPEC §7), or
 * 0 when none is free. Under the dialect lock. */
static uint32_t id_lowest_free(struct hvdb *hv)
{
	struct dialect_state *d = &hv->dialects;
	uint32_t id;
	bool port;

	while (id_held(d, d->hint))
		d->hint++;
	for (id = d->hint; id <= d->id_max; id++) {
		if (id_held(d, id))
			continue;
		hv_lock(hv);
		port = port_find(hv, id) != NULL;
		hv_unlock(hv);
		if (!port)
			return id;
	}
	return 0;
}

int hvdb_doorbell_set_id_limit(struct hvdb *hv, uint32_t max)
{
	if (max == 0 || max > HVDB_DOORBELL_ID_MAX)
		return -EINVAL;
	dialect_lock(hv);
	hv->dialects.id_max = max;
	dialect_unlock(hv);
	return 0;
}

/* Room for id (id) in by_id. 0 or -ENOMEM. */
static int id_reserve(struct hvdb *hv, uint32_t id)
{
	struct dialect_state *d = &hv->dialects;
	struct dialect_record **grown;
	uint32_t cap = d->cap ? d->cap : 64;

	if (id < d->cap)
		return 0;
	while (cap <= id)
		cap *= 2;
	grown = realloc(d->by_id, cap * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	memset(grown + d->cap, 0, (cap - d->cap) * sizeof(*grown));
	d->by_id = grown;
	d->cap = cap;
	return 0;
}

static hvdb_gpa_t record_gpa(const struct dialect_record *rec)
{
	return rec->dialect == HVDB_DIALECT_IOEVENTFD ? rec->ioeventfd.addr
						      : rec->whp.GuestAddress;
}

static struct dialect_record **bucket(struct dialect_state *d,
				      uint64_t partition, hvdb_gpa_t gpa)
{
	return &d->buckets[hv_hash(partition, gpa) & (d->bucket_count - 1)];
}

/* Twice the buckets once there are twice as many records: chains stay
 * short. Out of memory keeps the old table (longer chains, same
 * answers). */
static void buckets_grow(struct dialect_state *d)
{
	uint32_t n = d->bucket_count ? d->bucket_count * 2 : 64;
	struct dialect_record **old = d->buckets, *rec, *next;
	uint32_t old_count = d->bucket_count;

	if (d->bucket_count && d->count < 2 * d->bucket_count)
		return;
	d->buckets = calloc(n, sizeof(*d->buckets));
	if (!d->buckets) {
		d->buckets = old;
		return;
	}
	d->bucket_count = n;
	for (uint32_t i = 0; i < old_count; i++)
		for (rec = old[i]; rec; rec = next) {
			struct dialect_record **b =
				bucket(d, rec->partition, record_gpa(rec));

			next = rec->next_at;
			rec->next_at = *b;
			*b = rec;
		}
	free(old);
}

/* 0, or -ENOMEM when not even the first bucket table can be had. */
static int record_reserve(struct hvdb *hv)
{
	buckets_grow(&hv->dialects);
	return hv->dialects.bucket_count ? 0 : -ENOMEM;
}

/* After record_reserve(): cannot fail. */
static void record_insert(struct hvdb *hv, struct dialect_record *rec)
{
	struct dialect_state *d = &hv->dialects;
	struct dialect_record **b = bucket(d, rec->partition, record_gpa(rec));

	rec->next_at = *b;
	*b = rec;
	d->by_id[rec->id] = rec;
	d->count++;
}

static void record_remove(struct hvdb *hv, struct dialect_record *rec)
{
	struct dialect_state *d = &hv->dialects;
	struct dialect_record **p = bucket(d, rec->partition, record_gpa(rec));

	while (*p != rec)
		p = &(*p)->next_at;
	*p = rec->next_at;
	d->by_id[rec->id] = NULL;
	d->count--;
	if (rec->id < d->hint)
		d->hint = rec->id;
}

struct dialect_record *
dialect_find(struct hvdb *hv, enum hvdb_dialect dialect, uint64_t partition,
	     hvdb_gpa_t gpa,
	     bool (*pred)(const struct dialect_record *rec, const void *arg),
	     const void *arg)
{
	struct dialect_state *d = &hv->dialects;
	struct dialect_record *rec, *found = NULL;

	if (!d->bucket_count)
		return NULL;
	/* Several can match only when raw calls took a WHP registration's
	 * connection away (WHP's conflict rule looks at connections, not
	 * records): the lowest id, the one registered first, is the answer,
	 * whatever order the bucket holds them in. */
	for (rec = *bucket(d, partition, gpa); rec; rec = rec->next_at)
		if (rec->dialect == dialect && rec->partition == partition &&
		    record_gpa(rec) == gpa && pred(rec, arg) &&
		    (!found || rec->id < found->id))
			found = rec;
	return found;
}

/* ---- making and unmaking a doorbell ---- */

bool dialect_partition_known(struct hvdb *hv, uint64_t partition)
{
	if (partition == 0 || partition == HVDB_ROOT_PARTITION_ID ||
	    partition == HV_PARTITION_ID_SELF)
		return false;
	return hvdb_partition_exists(hv, partition);
}

/* F_DUPFD_CLOEXEC at the doorbell-eventfd fault point: the fd, or -1. */
static int eventfd_dup(struct hvdb *hv, int fd)
{
	if (hvdb_fault_hit(hv, HVDB_FAULT_DOORBELL_EVENTFD))
		return -1;
	return fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

static void port_delete_quietly(struct hvdb *hv, uint32_t id)
{
	HV_INPUT_DELETE_PORT del = { .PortPartition = HVDB_ROOT_PARTITION_ID,
				     .PortId = id };

	/* SPEC §7: unregistering ignores the result (a raw delete-port may
	 * have been first). */
	(void)hvdb_port_delete(hv, HVDB_ROOT_PARTITION_ID, &del, NULL);
}

HV_STATUS dialect_register(struct hvdb *hv, const struct dialect_request *req,
			   uint32_t *id, enum hvdb_reason *reason)
{
	const uint64_t partition = req->rec.partition;
	HV_INPUT_CREATE_PORT create = {
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.ConnectionPartition = partition,
		.PortInfo.PortType = HvPortTypeDoorbell,
		.PortInfo.DoorbellPortInfo.TargetSint =
			HV_SYNIC_DOORBELL_SINT_INDEX,
		.PortInfo.DoorbellPortInfo.TargetVp = HV_ANY_VP,
	};
	HV_INPUT_CONNECT_PORT connect = {
		.ConnectionPartition = partition,
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.ConnectionInfo = req->info,
	};
	struct dialect_record *rec;
	HV_STATUS status;

	/* §7.1 6 / §7.2 6: the lowest free id */
	create.PortId = id_lowest_free(hv);
	if (create.PortId == 0)
		return reason_refuse(reason, HV_STATUS_INSUFFICIENT_MEMORY,
				     HVDB_REASON_NO_FREE_ID);
	/* §7 common rules: "at the step that calls §3" */
	if (!dialect_partition_known(hv, partition))
		return reason_refuse(reason, HV_STATUS_INVALID_PARTITION_ID,
				     HVDB_REASON_UNKNOWN_PARTITION);
	rec = fault_zalloc(hv, HVDB_FAULT_ALLOC_DOORBELL, sizeof(*rec));
	if (!rec || id_reserve(hv, create.PortId) || record_reserve(hv))
		goto err_alloc;
	*rec = req->rec;
	rec->id = create.PortId;
	rec->eventfd = eventfd_dup(hv, req->fd);
	if (rec->eventfd < 0)
		goto err_alloc;

	status = hvdb_port_create(hv, HVDB_ROOT_PARTITION_ID, &create, reason);
	if (status != HV_STATUS_SUCCESS)
		goto err_create;
	/* Before the connect, so a backend registers it (KVM_IOEVENTFD). */
	(void)hvdb_port_set_eventfd(hv, rec->id, rec->eventfd); /* it exists */
	connect.ConnectionId = rec->id;
	connect.PortId = rec->id;
	status =
		hvdb_port_connect(hv, HVDB_ROOT_PARTITION_ID, &connect, reason);
	if (status != HV_STATUS_SUCCESS)
		goto err_connect;
	record_insert(hv, rec);
	*id = rec->id;
	return HV_STATUS_SUCCESS;

err_connect:
	/* It never had a connection: no write can be signalling it. */
	port_delete_quietly(hv, rec->id);
err_create:
	(void)close(rec->eventfd); /* ours, never used by anyone else */
	free(rec);
	return status;
err_alloc:
	free(rec);
	return reason_refuse(reason, HV_STATUS_INSUFFICIENT_MEMORY,
			     HVDB_REASON_OUT_OF_MEMORY);
}

void dialect_unregister(struct hvdb *hv, struct dialect_record *rec)
{
	HV_INPUT_DISCONNECT_PORT disconnect = {
		.ConnectionPartition = rec->partition,
		.ConnectionId = rec->id,
		.Flags = HV_DISCONNECT_PORT_FLAG_IS_DOORBELL,
	};

	/* SPEC §7: both results ignored (raw calls may have been first) */
	(void)hvdb_port_disconnect(hv, HVDB_ROOT_PARTITION_ID, &disconnect,
				   NULL);
	port_delete_quietly(hv, rec->id);
	dialect_eventfd_close_later(rec->eventfd);
	record_remove(hv, rec);
	free(rec);
}

int dialect_restore_record(struct hvdb *hv, const struct dialect_record *rec)
{
	struct dialect_record *copy;

	if (rec->id == 0 || rec->id > HVDB_DOORBELL_ID_MAX ||
	    id_held(&hv->dialects, rec->id)) {
		(void)close(rec->eventfd);
		return -EINVAL;
	}
	copy = fault_zalloc(hv, HVDB_FAULT_ALLOC_DOORBELL, sizeof(*copy));
	if (!copy || id_reserve(hv, rec->id) || record_reserve(hv)) {
		free(copy);
		(void)close(rec->eventfd);
		return -ENOMEM;
	}
	*copy = *rec;
	/* -ENOENT: its port was deleted by a raw call; nothing to signal */
	(void)hvdb_port_set_eventfd(hv, rec->id, rec->eventfd);
	record_insert(hv, copy);
	return 0;
}

/* ---- shared pieces of the two dialects ---- */

void dialect_conninfo(HV_CONNECTION_INFO *info, hvdb_gpa_t gpa, uint32_t width,
		      bool any_value, uint64_t value)
{
	/* width 0, 1, 2, 4, 8 -> size code 0, 1, 2, 3, 4 */
	uint64_t flags = width ? (uint64_t)__builtin_ctz(width) + 1 : 0;

	memset(info, 0, sizeof(*info));
	info->PortType = HvPortTypeDoorbell;
	info->DoorbellConnectionInfo.GuestPhysicalAddress = gpa;
	info->DoorbellConnectionInfo.TriggerValue = any_value ? 0 : value;
	info->DoorbellConnectionInfo.Flags =
		any_value ? flags | HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE : flags;
}

bool dialect_width_ok(uint64_t width, bool allow_zero)
{
	return (width == 0 && allow_zero) || width == 1 || width == 2 ||
	       width == 4 || width == 8;
}
