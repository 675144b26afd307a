/* bench_world.c - the measured world: a hypervisor, one guest partition,
 * BENCH_PORTS ports and connections at random GPAs with mixed flags. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int bench_world_create(struct bench_world *w, size_t cap, uint64_t seed)
{
	struct hvdb_partition_config pc;
	HV_INPUT_CREATE_PORT in = { 0 };

	memset(w, 0, sizeof(*w));
	w->rng = seed;
	w->cap = cap;
	w->conns = calloc(cap ? cap : 1, sizeof(*w->conns));
	w->hv = hvdb_create(NULL);
	if (!w->conns || !w->hv)
		goto err;
	hvdb_partition_config_init(&pc, BENCH_PARTITION);
	pc.connection_limit = HV_CONNECTION_ID_MASK;
	if (hvdb_partition_create(w->hv, &pc, NULL) != HV_STATUS_SUCCESS)
		goto err;
	in.PortPartition = HVDB_ROOT_PARTITION_ID;
	in.PortInfo.PortType = HvPortTypeDoorbell;
	in.PortInfo.DoorbellPortInfo.TargetSint = HV_SYNIC_DOORBELL_SINT_INDEX;
	in.PortInfo.DoorbellPortInfo.TargetVp = HV_ANY_VP;
	for (uint32_t p = 1; p <= BENCH_PORTS; p++) {
		in.PortId = p;
		if (hvdb_port_create(w->hv, HVDB_ROOT_PARTITION_ID, &in,
				     NULL) != HV_STATUS_SUCCESS)
			goto err;
	}
	return 0;
err:
	bench_world_destroy(w);
	return -ENOMEM;
}

void bench_world_destroy(struct bench_world *w)
{
	hvdb_destroy(w->hv);
	free(w->conns);
	memset(w, 0, sizeof(*w));
}

/* A bijection of 32-bit numbers: distinct inputs give distinct pages. */
static uint32_t scramble(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static uint64_t width_mask(unsigned width)
{
	return width >= 8 ? ~0ull : (1ull << (8 * width)) - 1;
}

void bench_world_pick(struct bench_world *w, struct bench_conn *c, uint32_t id)
{
	static const uint8_t widths[] = { 0, 1, 2, 4, 8 };
	uint64_t r = bench_rand(&w->rng);
	unsigned value_width;

	/* Distinct ids give distinct pages below 2^44: no two bench
	 * connections share a GPA, so none conflict. */
	c->gpa = ((uint64_t)scramble(id) << 12) | ((r & 0x1ff) << 3);
	c->id = id;
	c->port = 1 + (uint32_t)((r >> 9) % BENCH_PORTS);
	c->width = widths[(r >> 16) % 5];
	c->any_value = ((r >> 24) & 3) == 0;
	value_width = c->width ? c->width : 1u << ((r >> 28) & 3);
	c->value = c->any_value ? 0 : (r >> 32) & width_mask(value_width);
}

static uint64_t flags_of(const struct bench_conn *c)
{
	uint64_t flags;

	switch (c->width) {
	case 1:
		flags = HV_DOORBELL_FLAG_TRIGGER_SIZE_BYTE;
		break;
	case 2:
		flags = HV_DOORBELL_FLAG_TRIGGER_SIZE_WORD;
		break;
	case 4:
		flags = HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD;
		break;
	case 8:
		flags = HV_DOORBELL_FLAG_TRIGGER_SIZE_QWORD;
		break;
	default:
		flags = HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY;
		break;
	}
	if (c->any_value)
		flags |= HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE;
	return flags;
}

HV_STATUS bench_world_connect(struct bench_world *w, const struct bench_conn *c)
{
	return bench_world_connect_in(w, BENCH_PARTITION, c);
}

HV_STATUS bench_world_connect_in(struct bench_world *w, uint64_t partition,
				 const struct bench_conn *c)
{
	HV_INPUT_CONNECT_PORT in = { 0 };

	in.ConnectionPartition = partition;
	in.ConnectionId = c->id;
	in.PortPartition = HVDB_ROOT_PARTITION_ID;
	in.PortId = c->port;
	in.ConnectionInfo.PortType = HvPortTypeDoorbell;
	in.ConnectionInfo.DoorbellConnectionInfo.GuestPhysicalAddress = c->gpa;
	in.ConnectionInfo.DoorbellConnectionInfo.TriggerValue = c->value;
	in.ConnectionInfo.DoorbellConnectionInfo.Flags = flags_of(c);
	return hvdb_port_connect(w->hv, HVDB_ROOT_PARTITION_ID, &in, NULL);
}

HV_STATUS bench_world_disconnect(struct bench_world *w, uint32_t id)
{
	HV_INPUT_DISCONNECT_PORT in = { 0 };

	in.ConnectionPartition = BENCH_PARTITION;
	in.ConnectionId = id;
	return hvdb_port_disconnect(w->hv, HVDB_ROOT_PARTITION_ID, &in, NULL);
}

int bench_world_fill(struct bench_world *w, size_t n)
{
	struct bench_conn *c;

	if (w->count + n > w->cap)
		return -ENOMEM;
	while (n--) {
		c = &w->conns[w->count];
		bench_world_pick(w, c, (uint32_t)w->count + 1);
		if (bench_world_connect(w, c) != HV_STATUS_SUCCESS)
			return -EIO;
		w->count++;
	}
	return 0;
}

void bench_world_pair(struct bench_churn *c)
{
	struct bench_conn conn;

	bench_world_pick(c->w, &conn, c->id);
	if (bench_world_connect(c->w, &conn) != HV_STATUS_SUCCESS ||
	    bench_world_disconnect(c->w, c->id) != HV_STATUS_SUCCESS)
		c->failed = 1;
	c->id = c->id + 1 < HV_CONNECTION_ID_MASK ? c->id + 1 : BENCH_CHURN_ID0;
}

void bench_world_churn(void *ctx, uint64_t pairs)
{
	while (pairs--)
		bench_world_pair(ctx);
}

void bench_world_hit(uint64_t *rng, const struct bench_conn *c,
		     struct bench_write *out)
{
	uint64_t r = bench_rand(rng);
	unsigned len = c->width;

	/* Any size: a length the value fits, else any length. */
	while (!len) {
		len = 1u << (r & 3);
		r >>= 2;
		if (!c->any_value && (c->value & ~width_mask(len)))
			len = 0;
	}
	out->gpa = c->gpa;
	out->len = len;
	out->value = c->any_value ? (r >> 8) & width_mask(len) : c->value;
}

struct bench_write *bench_world_writes(struct bench_world *w, size_t n,
				       size_t hot)
{
	struct bench_write *v = calloc(n ? n : 1, sizeof(*v));
	size_t pool = hot && hot < w->count ? hot : w->count;
	uint64_t r;

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		r = bench_rand(&w->rng);
		if ((r & 3) == 3 || pool == 0) {
			/* 4 mod 8: no bench connection starts there */
			v[i].gpa = ((r >> 8) & 0xffffffff) << 12 | 0x4;
			v[i].len = 4;
			v[i].value = r >> 40;
			continue;
		}
		bench_world_hit(&w->rng, &w->conns[(r >> 2) % pool], &v[i]);
	}
	return v;
}
