/* snap.c - random states and sameness checks for the snapshot tests. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap.h"

/* ---- random numbers ---- */

uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

uint64_t rng_value(struct rng *r, unsigned len)
{
	uint64_t v = rng_next(r);

	/* small values often, so value-specific triggers get hit */
	if (rng_below(r, 2))
		v &= 0xff;
	if (len == 0 || len >= 8)
		return v;
	return v & ((1ull << (8 * len)) - 1);
}

/* ---- the pools a random state draws from ---- */

/* Few ids and addresses, so ids get reused and triggers meet at a GPA. */
static const uint64_t partition_pool[] = {
	1, 2, 3, 1000, 0x123456789ull, 0xFFFFFFFFFFFFFFFEull
};
static const HV_PORT_ID
	port_pool[] = { 1,  2,	      3,	5,	  8,
			13, 0x123456, 0xFFFFFF, 0x1000000 /* reserved bits */ };
static const hvdb_gpa_t page_pool[] = { 0x1000, 0x2000, 0x100000, 0xFFFFF000ull,
					0xFFFFFFFFFFFFF000ull };
static const hvdb_gpa_t offset_pool[] = { 0, 1, 4, 0x10, 0xFF8, 0xFFC, 0xFFF };
static const unsigned len_pool[] = { 1, 2, 4, 8 };

#define PICK(r, pool) (pool)[rng_below(r, ARRAY_SIZE(pool))]

static uint64_t pick_partition(struct rng *r)
{
	/* mostly existing guests and the root, sometimes SELF or unknown */
	switch (rng_below(r, 20)) {
	case 0:
		return HV_PARTITION_ID_SELF;
	case 1:
		return 99;
	default:
		return PICK(r, partition_pool);
	}
}

static uint64_t pick_caller(struct rng *r)
{
	return rng_below(r, 4) ? HVDB_ROOT_PARTITION_ID
			       : PICK(r, partition_pool);
}

static hvdb_gpa_t pick_gpa(struct rng *r)
{
	return PICK(r, page_pool) + PICK(r, offset_pool);
}

/* ---- random operations ---- */

static void status_text(struct op_result *out, const char *op, HV_STATUS st,
			enum hvdb_reason reason)
{
	snprintf(out->text, sizeof(out->text), "%s: 0x%x %s", op, st,
		 hvdb_reason_name(reason));
}

static void op_port(struct hvdb *hv, struct rng *r, struct op_result *out)
{
	HV_INPUT_CREATE_PORT in = {
		.PortPartition = rng_below(r, 10) ? HVDB_ROOT_PARTITION_ID
						  : pick_partition(r),
		.PortId = PICK(r, port_pool),
		.ConnectionPartition = rng_below(r, 2) ? 0 : pick_partition(r),
		.PortInfo.PortType = HvPortTypeDoorbell,
		.PortInfo.DoorbellPortInfo.TargetSint =
			(uint32_t)rng_below(r, 17),
		.PortInfo.DoorbellPortInfo.TargetVp =
			rng_below(r, 3) ? (uint32_t)rng_below(r, 5) : HV_ANY_VP,
	};
	enum hvdb_reason reason;
	HV_STATUS st;

	st = hvdb_port_create(hv, pick_caller(r), &in, &reason);
	status_text(out, "port", st, reason);
}

static void op_connect(struct hvdb *hv, struct rng *r, struct op_result *out)
{
	uint64_t size =
		rng_below(r, 11) ? rng_below(r, 5) : 5 + rng_below(r, 3);
	bool any_value = rng_below(r, 10) < 3;
	unsigned width = size >= 1 && size <= 4 ? 1u << (size - 1) : 0;
	HV_INPUT_CONNECT_PORT in = {
		.ConnectionPartition = pick_partition(r),
		.ConnectionId = (uint32_t)rng_below(r, 40),
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = PICK(r, port_pool),
		.ConnectionInfo.PortType = HvPortTypeDoorbell,
		.ConnectionInfo.DoorbellConnectionInfo.GuestPhysicalAddress =
			pick_gpa(r),
		.ConnectionInfo.DoorbellConnectionInfo.Flags =
			size |
			(any_value ? HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE : 0),
	};
	enum hvdb_reason reason;
	HV_STATUS st;

	/* ANY_VALUE keeps whatever TriggerValue was given: save it too */
	in.ConnectionInfo.DoorbellConnectionInfo.TriggerValue =
		rng_below(r, 8) ? rng_value(r, width) : rng_next(r);
	if (rng_below(r, 30) == 0)
		in.ConnectionId = 0xFFFFFF;
	st = hvdb_port_connect(hv, pick_caller(r), &in, &reason);
	status_text(out, "connect", st, reason);
}

static void op_disconnect(struct hvdb *hv, struct rng *r, struct op_result *out)
{
	HV_INPUT_DISCONNECT_PORT in = {
		.ConnectionPartition = pick_partition(r),
		.ConnectionId = (uint32_t)rng_below(r, 40),
	};
	enum hvdb_reason reason;
	HV_STATUS st;

	st = hvdb_port_disconnect(hv, pick_caller(r), &in, &reason);
	status_text(out, "disconnect", st, reason);
}

static void op_delete(struct hvdb *hv, struct rng *r, struct op_result *out)
{
	HV_INPUT_DELETE_PORT in = {
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = PICK(r, port_pool),
	};
	enum hvdb_reason reason;
	HV_STATUS st;

	st = hvdb_port_delete(hv, pick_caller(r), &in, &reason);
	status_text(out, "delete", st, reason);
}

static void op_write(struct hvdb *hv, struct rng *r, struct op_result *out)
{
	struct hvdb_write_outcome o = { 0 };
	unsigned len = PICK(r, len_pool);
	int rc = hvdb_write(hv, pick_partition(r), pick_gpa(r), len,
			    rng_value(r, len), &o);

	snprintf(out->text, sizeof(out->text),
		 "write: %d conn=%" PRIu32 " port=%" PRIu64 ":%" PRIu32, rc,
		 o.connection_id, o.port_partition, o.port_id);
}

static void op_offload(struct hvdb *hv, struct rng *r, struct op_result *out)
{
	uint64_t count = rng_below(r, 4) ? rng_below(r, 5) : 1ull << 40;

	snprintf(out->text, sizeof(out->text), "offload: %d",
		 hvdb_port_account_offloaded(hv, PICK(r, port_pool), count));
}

void random_op(struct hvdb *hv, struct rng *r, struct op_result *out)
{
	uint64_t pick = rng_below(r, 100);

	if (pick < 40)
		op_connect(hv, r, out);
	else if (pick < 55)
		op_port(hv, r, out);
	else if (pick < 75)
		op_write(hv, r, out);
	else if (pick < 84)
		op_delete(hv, r, out);
	else if (pick < 94)
		op_disconnect(hv, r, out);
	else
		op_offload(hv, r, out);
}

/* ---- random states ---- */

static void add_guest(struct hvdb *hv, struct rng *r, uint64_t id,
		      struct state_stats *stats)
{
	static const uint32_t gpa_bits[] = { 32, 36, 48, 52, 64 };
	static const uint32_t limits[] = { HVDB_DEFAULT_CONNECTION_LIMIT, 3, 8,
					   64, UINT32_MAX };
	struct hvdb_ram_range ram[2] = {
		{ 0x100000, 0x1000 * (1 + rng_below(r, 16)) },
		{ 0x4000000, 0x200000 },
	};
	struct hvdb_partition_config c;

	hvdb_partition_config_init(&c, id);
	c.vp_count = 1 + (uint32_t)rng_below(r, 8);
	c.gpa_bits = PICK(r, gpa_bits);
	c.privileges = rng_below(r, 2) ? BOTH_PRIVILEGES : rng_next(r);
	c.connection_limit = PICK(r, limits);
	c.ram = ram;
	c.ram_count = (size_t)rng_below(r, 3);
	if (hvdb_partition_create(hv, &c, NULL) == HV_STATUS_SUCCESS &&
	    c.ram_count)
		stats->ram_partitions++;
}

static int count_port(void *opaque, const struct hvdb_port_desc *d)
{
	struct state_stats *stats = opaque;

	stats->live_ports++;
	if (d->stats.triggers)
		stats->counted_ports++;
	return 0;
}

static int count_connection(void *opaque, const struct hvdb_connection_desc *d)
{
	struct state_stats *stats = opaque;

	stats->connections++;
	if (d->port_deleted)
		stats->deleted_port_connections++;
	return 0;
}

struct hvdb *random_state(uint64_t seed, struct state_stats *stats)
{
	struct hvdb_config config;
	struct state_stats unused;
	struct op_result res;
	struct rng r = { seed };
	struct hvdb *hv;
	unsigned n;

	if (!stats)
		stats = &unused;
	memset(stats, 0, sizeof(*stats));
	config.root_vp_count = 1 + (uint32_t)rng_below(&r, 4);
	hv = hvdb_create(&config);
	assert_non_null(hv);
	for (size_t i = 1; i < ARRAY_SIZE(partition_pool); i++)
		if (rng_below(&r, 4))
			add_guest(hv, &r, partition_pool[i], stats);
	n = 20 + (unsigned)rng_below(&r, 300);
	for (unsigned i = 0; i < n; i++)
		random_op(hv, &r, &res);
	assert_int_equal(hvdb_port_foreach(hv, count_port, stats), 0);
	assert_int_equal(hvdb_connection_foreach(hv, count_connection, stats),
			 0);
	return hv;
}

/* ---- digests and comparisons ---- */

static int digest_partition(void *opaque, const struct hvdb_partition_desc *d)
{
	FILE *f = opaque;

	fprintf(f,
		"partition 0x%" PRIx64 " vps=%" PRIu32 " bits=%" PRIu32
		" priv=0x%" PRIx64 " limit=%" PRIu32 " count=%" PRIu32,
		d->id, d->vp_count, d->gpa_bits, d->privileges,
		d->connection_limit, d->connection_count);
	for (size_t i = 0; i < d->ram_count; i++)
		fprintf(f, " ram=0x%" PRIx64 "+0x%" PRIx64, d->ram[i].start,
			d->ram[i].size);
	fputc('\n', f);
	return 0;
}

static int digest_port(void *opaque, const struct hvdb_port_desc *d)
{
	fprintf(opaque,
		"port %" PRIu32 " conn-partition=0x%" PRIx64 " sint=%" PRIu32
		" vp=0x%" PRIx32 " type=%" PRIu32 " triggers=%" PRIu64
		" userspace=%" PRIu64 " offloaded=%" PRIu64 " count=%" PRIu32
		"\n",
		d->id, d->connection_partition, d->target_sint, d->target_vp,
		d->port_type, d->stats.triggers, d->stats.userspace,
		d->stats.offloaded, d->connection_count);
	return 0;
}

static int digest_connection(void *opaque, const struct hvdb_connection_desc *d)
{
	fprintf(opaque,
		"connection 0x%" PRIx64 ":%" PRIu32 " port=%" PRIu32
		" deleted=%d type=%" PRIu32 " pad=%" PRIu32 " gpa=0x%" PRIx64
		" value=0x%" PRIx64 " flags=0x%" PRIx64 "\n",
		d->partition, d->id, d->port_id, d->port_deleted,
		d->info.PortType, d->info.Padding,
		d->info.DoorbellConnectionInfo.GuestPhysicalAddress,
		d->info.DoorbellConnectionInfo.TriggerValue,
		d->info.DoorbellConnectionInfo.Flags);
	return 0;
}

char *state_digest(struct hvdb *hv)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	assert_non_null(f);
	assert_int_equal(hvdb_partition_foreach(hv, digest_partition, f), 0);
	assert_int_equal(hvdb_port_foreach(hv, digest_port, f), 0);
	assert_int_equal(hvdb_connection_foreach(hv, digest_connection, f), 0);
	fclose(f);
	return text;
}

void assert_same_text_at(const char *what, const char *want, const char *got,
			 const char *file, int line)
{
	if (strcmp(want, got) == 0)
		return;
	print_error("%s:%d: %s differs\n--- want\n%s\n--- got\n%s\n", file,
		    line, what, want, got);
	_fail(file, line);
}

char *save_at(struct hvdb *hv, size_t *len, const char *file, int line)
{
	struct hvdb_snapshot_error err;
	char *json = NULL;
	int rc = hvdb_snapshot_save(hv, &json, len, &err);

	if (rc || !json) {
		print_error("%s:%d: save: %d %s\n", file, line, rc,
			    err.message);
		_fail(file, line);
	}
	return json;
}

struct hvdb *save_restore_at(struct hvdb *hv, const char *file, int line)
{
	struct hvdb_snapshot_error err;
	struct hvdb *out = NULL;
	size_t len;
	char *json = save_at(hv, &len, file, line);
	int rc = hvdb_snapshot_restore(json, len, NULL, NULL, &out, &err);

	if (rc || !out) {
		print_error("%s:%d: restore: wanted 0, got %d: %s\n%s", file,
			    line, rc, err.message, json);
		free(json);
		_fail(file, line);
	}
	free(json);
	return out;
}

int try_restore(const char *json, size_t len, struct hvdb **out,
		struct hvdb_snapshot_error *err)
{
	int rc;

	*out = (struct hvdb *)(uintptr_t)1; /* must be overwritten */
	rc = hvdb_snapshot_restore(json, len, NULL, NULL, out, err);
	assert_int_equal(err->code, rc);
	if (rc) {
		assert_null(*out);
		assert_true(err->message[0] != '\0');
	} else {
		assert_non_null(*out);
	}
	return rc;
}

struct gpas {
	uint64_t partition[4096];
	hvdb_gpa_t gpa[4096];
	uint64_t value[4096];
	size_t n;
};

static int collect_gpa(void *opaque, const struct hvdb_connection_desc *d)
{
	struct gpas *g = opaque;

	if (g->n < ARRAY_SIZE(g->gpa)) {
		g->partition[g->n] = d->partition;
		g->gpa[g->n] =
			d->info.DoorbellConnectionInfo.GuestPhysicalAddress;
		g->value[g->n] = d->info.DoorbellConnectionInfo.TriggerValue;
		g->n++;
	}
	return 0;
}

static void same_lookup(struct hvdb *a, struct hvdb *b, uint64_t partition,
			hvdb_gpa_t gpa, unsigned len, uint64_t value,
			const char *file, int line)
{
	struct hvdb_write_outcome oa = { 0 }, ob = { 0 };
	int ra = hvdb_match_lookup(a, partition, gpa, len, value, &oa);
	int rb = hvdb_match_lookup(b, partition, gpa, len, value, &ob);

	if (ra == rb && oa.connection_id == ob.connection_id &&
	    oa.port_id == ob.port_id && oa.port_partition == ob.port_partition)
		return;
	print_error("%s:%d: lookup 0x%" PRIx64 ":0x%" PRIx64 " len %u value "
		    "0x%" PRIx64 ": want %d conn %" PRIu32 " port %" PRIu32
		    ", got %d conn %" PRIu32 " port %" PRIu32 "\n",
		    file, line, partition, gpa, len, value, ra,
		    oa.connection_id, oa.port_id, rb, ob.connection_id,
		    ob.port_id);
	_fail(file, line);
}

void assert_same_lookups_at(struct hvdb *a, struct hvdb *b, struct rng *r,
			    const char *file, int line)
{
	struct gpas *g = calloc(1, sizeof(*g));
	char *da = state_digest(a), *db = state_digest(b);

	assert_same_text_at("state", da, db, file, line);
	free(da);
	free(db);
	assert_non_null(g);
	assert_int_equal(hvdb_connection_foreach(a, collect_gpa, g), 0);
	for (size_t i = 0; i < g->n; i++) {
		for (size_t l = 0; l < ARRAY_SIZE(len_pool); l++) {
			unsigned len = len_pool[l];
			uint64_t mask =
				len == 8 ? ~0ull : (1ull << (8 * len)) - 1;
			const uint64_t values[] = { g->value[i] & mask, 0, 1,
						    mask, rng_value(r, len) };

			for (size_t v = 0; v < ARRAY_SIZE(values); v++) {
				same_lookup(a, b, g->partition[i], g->gpa[i],
					    len, values[v], file, line);
				/* neighbours: overlapping is not matching */
				same_lookup(a, b, g->partition[i],
					    g->gpa[i] + 1, len, values[v], file,
					    line);
				same_lookup(a, b, g->partition[i],
					    g->gpa[i] - 1, len, values[v], file,
					    line);
			}
		}
	}
	for (unsigned i = 0; i < 200; i++) {
		unsigned len = PICK(r, len_pool);
		hvdb_gpa_t gpa = rng_below(r, 2) ? pick_gpa(r) : rng_next(r);

		same_lookup(a, b, pick_partition(r), gpa, len,
			    rng_value(r, len), file, line);
	}
	free(g);
}

void assert_same_future_at(struct hvdb *a, struct hvdb *b, uint64_t seed,
			   unsigned n, const char *file, int line)
{
	struct rng ra = { seed }, rb = { seed };
	struct op_result oa, ob;
	char *da, *db;

	for (unsigned i = 0; i < n; i++) {
		random_op(a, &ra, &oa);
		random_op(b, &rb, &ob);
		assert_same_text_at("operation outcome", oa.text, ob.text, file,
				    line);
	}
	da = state_digest(a);
	db = state_digest(b);
	assert_same_text_at("state after the same operations", da, db, file,
			    line);
	free(da);
	free(db);
}
