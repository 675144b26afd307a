/* state_digest.c - render the hypervisor's visible state into bytes. */
#include <stdlib.h>
#include <string.h>

#include <hvdb/dialect.h>

#include "state_digest.h"

static void put(struct state_digest *d, const void *p, size_t n)
{
	uint8_t *grown;
	size_t cap;

	if (d->failed)
		return;
	if (d->len + n > d->cap) {
		cap = d->cap ? d->cap : 256;
		while (cap < d->len + n)
			cap *= 2;
		grown = realloc(d->bytes, cap);
		if (!grown) {
			d->failed = true;
			return;
		}
		d->bytes = grown;
		d->cap = cap;
	}
	memcpy(d->bytes + d->len, p, n);
	d->len += n;
}

/* Field by field, so struct padding never enters the rendering. */
static void put64(struct state_digest *d, uint64_t v)
{
	put(d, &v, sizeof(v));
}

static int put_partition(void *opaque, const struct hvdb_partition_desc *p)
{
	struct state_digest *d = opaque;

	put64(d, 'P');
	put64(d, p->id);
	put64(d, p->vp_count);
	put64(d, p->gpa_bits);
	put64(d, p->privileges);
	put64(d, p->connection_limit);
	put64(d, p->connection_count);
	put64(d, p->ram_count);
	for (size_t i = 0; i < p->ram_count; i++) {
		put64(d, p->ram[i].start);
		put64(d, p->ram[i].size);
	}
	d->partitions++;
	return 0;
}

static int put_port(void *opaque, const struct hvdb_port_desc *p)
{
	struct state_digest *d = opaque;

	put64(d, 'O');
	put64(d, p->id);
	put64(d, p->connection_partition);
	put64(d, p->target_sint);
	put64(d, p->target_vp);
	put64(d, p->port_type);
	put64(d, p->stats.triggers);
	put64(d, p->stats.userspace);
	put64(d, p->stats.offloaded);
	put64(d, p->connection_count);
	d->ports++;
	return 0;
}

static int put_connection(void *opaque, const struct hvdb_connection_desc *c)
{
	struct state_digest *d = opaque;

	put64(d, 'C');
	put64(d, c->partition);
	put64(d, c->id);
	put64(d, c->port_id);
	put64(d, c->port_deleted);
	put64(d, c->info.PortType);
	put64(d, c->info.Padding);
	put64(d, c->info.DoorbellConnectionInfo.GuestPhysicalAddress);
	put64(d, c->info.DoorbellConnectionInfo.TriggerValue);
	put64(d, c->info.DoorbellConnectionInfo.Flags);
	d->connections++;
	return 0;
}

/* A client-dialect registration (SPEC §7): a refused call must not leave
 * one behind, nor hold its id. */
static int put_doorbell(void *opaque, const struct hvdb_doorbell_desc *b)
{
	struct state_digest *d = opaque;
	bool io = b->dialect == HVDB_DIALECT_IOEVENTFD;

	put64(d, 'D');
	put64(d, b->dialect);
	put64(d, b->partition);
	put64(d, b->id);
	put64(d, io ? b->ioeventfd.addr : b->whp.GuestAddress);
	put64(d, io ? b->ioeventfd.datamatch : b->whp.Value);
	put64(d, io ? b->ioeventfd.len : b->whp.Length);
	put64(d, io ? b->ioeventfd.flags : b->whp.MatchFlags);
	put64(d, b->eventfd_group);
	return 0;
}

bool state_digest_take(struct hvdb *hv, struct state_digest *d)
{
	memset(d, 0, sizeof(*d));
	if (hvdb_partition_foreach(hv, put_partition, d) ||
	    hvdb_port_foreach(hv, put_port, d) ||
	    hvdb_connection_foreach(hv, put_connection, d) ||
	    hvdb_doorbell_foreach(hv, put_doorbell, d))
		d->failed = true;
	return !d->failed;
}

bool state_digest_equal(const struct state_digest *a,
			const struct state_digest *b)
{
	if (a->failed || b->failed || a->len != b->len)
		return false;
	return a->len == 0 || memcmp(a->bytes, b->bytes, a->len) == 0;
}

void state_digest_free(struct state_digest *d)
{
	free(d->bytes);
	memset(d, 0, sizeof(*d));
}
