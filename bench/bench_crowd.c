/* bench_crowd.c - the crowded GPA of issue 14, part of the match section:
 * N DWORD doorbells of one partition at one GPA with values 0 .. N - 1
 * (virtio-pci with every queue's notify at one address, the queue index as
 * the value), N = 1 .. 65,536. Timed: a write hitting one of them (values
 * drawn uniformly from the crowd, and from 64 of them spread over it:
 * "hot64", the index's cost without the cache misses of touching 65,536
 * doorbells, as in the rest of the section), and a miss of another
 * partition that
 * has doorbells of its own, beside each crowd and in the same world with no
 * crowd at all; and connect + disconnect pairs into the biggest crowd.
 * Every write is checked to hit or miss as it should before anything is
 * timed. */
#include <errno.h>
#include <stdlib.h>

#include "bench.h"

#define CROWD_GPA 0xfee00000ull
#define OTHER_PARTITION (BENCH_PARTITION + 1)
#define OTHER_CONNECTIONS 4096u
#define CROWD_WRITES (1u << 16)
#define CROWD_HOT 64u

static const unsigned crowd_sizes[BENCH_CROWD_SIZES] = { 1, 16, 256, 4096,
							 65536 };

/* One world: the other partition's doorbells, then (values) at the GPA. */
struct crowd_world {
	struct bench_world w;
	/* at the crowd, uniform and hot64; NULL without one */
	struct bench_write *hits[2];
	struct bench_write *misses; /* of the other partition */
};

/* What one cell measures: a stream of writes of one partition. */
struct crowd_ctx {
	struct hvdb *hv;
	uint64_t partition;
	const struct bench_write *writes;
	size_t pos;
	uint64_t sink;
};

static void op_writes(void *ctx, uint64_t iters)
{
	struct crowd_ctx *m = ctx;
	const struct bench_write *wr;
	size_t i = m->pos;
	uint64_t sink = 0;

	while (iters--) {
		wr = &m->writes[i];
		sink += (uint64_t)hvdb_write(m->hv, m->partition, wr->gpa,
					     wr->len, wr->value, NULL);
		if (++i == CROWD_WRITES)
			i = 0;
	}
	m->pos = i;
	m->sink += sink;
}

/* -EIO unless every write of (v) in (partition) gives (want). */
static int check_writes(struct hvdb *hv, uint64_t partition,
			const struct bench_write *v, int want)
{
	for (size_t i = 0; i < CROWD_WRITES; i++)
		if (hvdb_match_lookup(hv, partition, v[i].gpa, v[i].len,
				      v[i].value, NULL) != want)
			return -EIO;
	return 0;
}

/* The other partition's doorbells (the same in every world) and its
 * misses: 8-aligned random GPAs + 4, where none of its doorbells is. */
static int other_build(struct crowd_world *cw)
{
	struct hvdb_partition_config pc;
	struct bench_conn c;
	uint64_t r;

	hvdb_partition_config_init(&pc, OTHER_PARTITION);
	if (hvdb_partition_create(cw->w.hv, &pc, NULL) != HV_STATUS_SUCCESS)
		return -ENOMEM;
	for (uint32_t id = 1; id <= OTHER_CONNECTIONS; id++) {
		bench_world_pick(&cw->w, &c, id);
		if (bench_world_connect_in(&cw->w, OTHER_PARTITION, &c) !=
		    HV_STATUS_SUCCESS)
			return -EIO;
	}
	cw->misses = calloc(CROWD_WRITES, sizeof(*cw->misses));
	if (!cw->misses)
		return -ENOMEM;
	for (size_t i = 0; i < CROWD_WRITES; i++) {
		r = bench_rand(&cw->w.rng);
		cw->misses[i] = (struct bench_write){
			((r >> 8) & 0xffffffff) << 12 | 0x4, r >> 40, 4
		};
	}
	return 0;
}

/* (values) DWORD doorbells at CROWD_GPA and writes hitting them. */
static int crowd_build(struct crowd_world *cw, unsigned values)
{
	struct bench_conn c = { .gpa = CROWD_GPA, .width = 4 };

	for (unsigned v = 0; v < values; v++) {
		c.value = v;
		c.id = v + 1;
		c.port = 1 + v % BENCH_PORTS;
		if (bench_world_connect(&cw->w, &c) != HV_STATUS_SUCCESS)
			return -EIO;
	}
	if (!values)
		return 0;
	for (size_t p = 0; p < 2; p++) {
		/* hot64: every (values / 64)th value */
		unsigned pool = p && values > CROWD_HOT ? CROWD_HOT : values;
		unsigned step = values / pool;

		cw->hits[p] = calloc(CROWD_WRITES, sizeof(*cw->hits[p]));
		if (!cw->hits[p])
			return -ENOMEM;
		for (size_t i = 0; i < CROWD_WRITES; i++)
			cw->hits[p][i] = (struct bench_write){
				CROWD_GPA,
				step * (bench_rand(&cw->w.rng) % pool), 4
			};
	}
	return 0;
}

/* Connect + disconnect pairs into a crowd: DWORD doorbells at CROWD_GPA
 * with values above the crowd's, ids from BENCH_CHURN_ID0. */
struct crowd_churn {
	struct bench_world *w;
	uint32_t k;
	int failed;
};

static void op_churn(void *ctx, uint64_t pairs)
{
	struct crowd_churn *ch = ctx;
	struct bench_conn c = { .gpa = CROWD_GPA, .width = 4, .port = 1 };

	while (pairs--) {
		c.id = BENCH_CHURN_ID0 + ch->k;
		c.value = (1u << 20) + ch->k;
		if (bench_world_connect(ch->w, &c) != HV_STATUS_SUCCESS ||
		    bench_world_disconnect(ch->w, c.id) != HV_STATUS_SUCCESS)
			ch->failed = 1;
		ch->k = (ch->k + 1) & 0xffff;
	}
}

static int world_build(struct crowd_world *cw, unsigned values)
{
	int ret = bench_world_create(&cw->w, 0, 0x63726f7764);

	if (!ret)
		ret = other_build(cw);
	if (!ret)
		ret = crowd_build(cw, values);
	if (!ret)
		ret = check_writes(cw->w.hv, OTHER_PARTITION, cw->misses,
				   HVDB_WRITE_MISS);
	for (size_t p = 0; p < 2 && !ret && values; p++)
		ret = check_writes(cw->w.hv, BENCH_PARTITION, cw->hits[p],
				   HVDB_WRITE_FIRE);
	return ret;
}

/* World 0 has no crowd; world s + 1 has crowd_sizes[s]. */
#define WORLDS (BENCH_CROWD_SIZES + 1)

int bench_crowd_run(const struct bench_config *cfg, struct bench_results *res)
{
	const uint64_t trial_ns = cfg->quick ? 25000000 : 80000000;
	const unsigned trials = cfg->quick ? 9 : 11;
	struct crowd_world cw[WORLDS] = { 0 };
	struct crowd_ctx hit[WORLDS][2] = { 0 }, miss[WORLDS] = { 0 };
	struct bench_cell cells[3 * WORLDS];
	struct bench_crowd_result *out = &res->crowd;
	struct crowd_churn churn = { 0 };
	size_t n = 0;
	int ret = 0;

	for (size_t k = 0; k < WORLDS && !ret; k++)
		ret = world_build(&cw[k], k ? crowd_sizes[k - 1] : 0);
	if (ret)
		goto out;
	/* As in the rest of the section: four warm-up passes per trial. */
	for (size_t k = 0; k < WORLDS; k++) {
		miss[k] = (struct crowd_ctx){ cw[k].w.hv, OTHER_PARTITION,
					      cw[k].misses, 0, 0 };
		cells[n++] = (struct bench_cell){ .fn = op_writes,
						  .ctx = &miss[k],
						  .warmup = 4 * CROWD_WRITES };
		for (size_t p = 0; p < 2 && k; p++) {
			hit[k][p] =
				(struct crowd_ctx){ cw[k].w.hv, BENCH_PARTITION,
						    cw[k].hits[p], 0, 0 };
			cells[n++] =
				(struct bench_cell){ .fn = op_writes,
						     .ctx = &hit[k][p],
						     .warmup =
							     4 * CROWD_WRITES };
		}
	}
	bench_interleave(cells, n, trial_ns, trials);
	churn.w = &cw[WORLDS - 1].w;
	out->churn_pairs_per_sec =
		1e9 / bench_ns_per_op(op_churn, &churn, 4 * trial_ns, trials);
	if (churn.failed) {
		ret = -EIO;
		goto out;
	}
	out->other_connections = OTHER_CONNECTIONS;
	out->other_miss_before_ns = cells[0].ns_per_op;
	for (size_t s = 0; s < BENCH_CROWD_SIZES; s++) {
		out->values[s] = crowd_sizes[s];
		out->other_miss_ns[s] = cells[1 + 3 * s].ns_per_op;
		out->hit_ns[s] = cells[2 + 3 * s].ns_per_op;
		out->hit_hot_ns[s] = cells[3 + 3 * s].ns_per_op;
	}
out:
	for (size_t k = 0; k < WORLDS; k++) {
		free(cw[k].hits[0]);
		free(cw[k].hits[1]);
		free(cw[k].misses);
		bench_world_destroy(&cw[k].w);
	}
	return ret;
}
