/* bench_match.c - ns per write for hvdb and two baselines written here: a
 * sorted array searched by bisection (how KVM's kvm_io_bus finds a
 * device) and a linear scan, over the same connections and writes. */
#include <errno.h>
#include <stdlib.h>

#include "bench.h"

#define MATCH_WRITES (1u << 16)
#define MATCH_HOT 64u

/* A baseline's device: the trigger, as KVM's struct _ioeventfd holds it. */
struct base_dev {
	uint64_t value;
	uint32_t port;
	uint8_t width; /* 0: any size */
	bool any_value;
};

/* A baseline's bus entry, as KVM's struct kvm_io_range. */
struct base_range {
	hvdb_gpa_t addr;
	uint32_t len;
	const struct base_dev *dev;
};

/* One size: its world and the baselines' bus over the same connections. */
struct match_size {
	struct bench_world w;
	struct base_range *ranges; /* sorted by addr */
	struct base_dev *devs;
	uint64_t counters[BENCH_PORTS + 1]; /* baselines' fire: one add */
};

/* What one cell measures: a size with a write pattern. */
struct match_ctx {
	struct hvdb *hv;
	struct match_size *size;
	const struct base_range *ranges;
	size_t count;
	struct bench_write *writes;
	size_t pos;
	uint64_t sink;
};

static bool dev_hit(const struct base_dev *d, const struct bench_write *wr)
{
	return (!d->width || d->width == wr->len) &&
	       (d->any_value || d->value == wr->value);
}

static void base_fire(struct match_ctx *m, const struct base_dev *d)
{
	__atomic_fetch_add(&m->size->counters[d->port], 1, __ATOMIC_SEQ_CST);
}

/* Walks (iters) writes of the cell's stream from where its last call
 * stopped, adding what (step) returns for each to the sink. Always inlined
 * with a constant (step), so each op times its own loop with no call in it:
 * gcc 12 emits the same code as for the loops written out by hand. */
static inline __attribute__((always_inline)) void
walk_writes(void *ctx, uint64_t iters,
	    uint64_t (*step)(struct match_ctx *m, const struct bench_write *wr))
{
	struct match_ctx *m = ctx;
	size_t i = m->pos;
	uint64_t sink = 0;

	while (iters--) {
		sink += step(m, &m->writes[i]);
		if (++i == MATCH_WRITES)
			i = 0;
	}
	m->pos = i;
	m->sink += sink;
}

static uint64_t hvdb_step(struct match_ctx *m, const struct bench_write *wr)
{
	return (uint64_t)hvdb_write(m->hv, BENCH_PARTITION, wr->gpa, wr->len,
				    wr->value, NULL);
}

/* First range whose addr is >= (gpa), by bisection. */
static size_t lower_bound(const struct base_range *r, size_t n, hvdb_gpa_t gpa)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].addr < gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* 1 when a device took the write, else 0. */
static uint64_t bsearch_step(struct match_ctx *m, const struct bench_write *wr)
{
	size_t k = lower_bound(m->ranges, m->count, wr->gpa);
	uint64_t took = 0;

	/* As kvm_io_bus_write: every device from the first hit on */
	for (; k < m->count && m->ranges[k].addr == wr->gpa; k++) {
		if (dev_hit(m->ranges[k].dev, wr)) {
			base_fire(m, m->ranges[k].dev);
			took++;
			break;
		}
	}
	return took;
}

/* 1 when a device took the write, else 0. */
static uint64_t linear_step(struct match_ctx *m, const struct bench_write *wr)
{
	uint64_t took = 0;

	for (size_t k = 0; k < m->count; k++) {
		if (m->ranges[k].addr == wr->gpa &&
		    dev_hit(m->ranges[k].dev, wr)) {
			base_fire(m, m->ranges[k].dev);
			took++;
			break;
		}
	}
	return took;
}

static void op_hvdb(void *ctx, uint64_t iters)
{
	walk_writes(ctx, iters, hvdb_step);
}

static void op_bsearch(void *ctx, uint64_t iters)
{
	walk_writes(ctx, iters, bsearch_step);
}

static void op_linear(void *ctx, uint64_t iters)
{
	walk_writes(ctx, iters, linear_step);
}

static int range_cmp(const void *a, const void *b)
{
	const struct base_range *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

/* The baselines' bus over the world's connections. */
static int bus_build(struct match_size *ms)
{
	const struct bench_world *w = &ms->w;

	ms->ranges = calloc(w->count, sizeof(*ms->ranges));
	ms->devs = calloc(w->count, sizeof(*ms->devs));
	if (!ms->ranges || !ms->devs)
		return -ENOMEM;
	for (size_t k = 0; k < w->count; k++) {
		const struct bench_conn *c = &w->conns[k];

		ms->devs[k] = (struct base_dev){ c->value, c->port, c->width,
						 c->any_value };
		ms->ranges[k] =
			(struct base_range){ c->gpa, c->width ? c->width : 8,
					     &ms->devs[k] };
	}
	qsort(ms->ranges, w->count, sizeof(*ms->ranges), range_cmp);
	return 0;
}

static const unsigned sizes[] = { 1, 16, 256, 4096, 65536 };
static const char *const patterns[] = { "uniform", "hot64" };
static const char *const impls[] = { "hvdb", "bsearch", "linear" };
static const bench_op_fn impl_ops[] = { op_hvdb, op_bsearch, op_linear };

#define MATCH_SIZES (sizeof(sizes) / sizeof(sizes[0]))

/* The sizes' worlds, buses and write streams; 0 or -errno. */
static int sizes_build(struct match_size *ms, struct match_ctx (*ctx)[2])
{
	int ret;

	for (size_t s = 0; s < MATCH_SIZES; s++) {
		ret = bench_world_create(&ms[s].w, sizes[s], 0x6d61746368 + s);
		if (!ret)
			ret = bench_world_fill(&ms[s].w, sizes[s]);
		if (!ret)
			ret = bus_build(&ms[s]);
		if (ret)
			return ret;
		for (size_t p = 0; p < 2; p++) {
			ctx[s][p] = (struct match_ctx){
				.hv = ms[s].w.hv,
				.size = &ms[s],
				.ranges = ms[s].ranges,
				.count = sizes[s],
				.writes = bench_world_writes(&ms[s].w,
							     MATCH_WRITES,
							     p ? MATCH_HOT : 0),
			};
			if (!ctx[s][p].writes)
				return -ENOMEM;
		}
	}
	return 0;
}

int bench_match_run(const struct bench_config *cfg, struct bench_results *res)
{
	const uint64_t trial_ns = cfg->quick ? 25000000 : 80000000;
	const unsigned trials = cfg->quick ? 9 : 11;
	struct match_size ms[MATCH_SIZES] = { 0 };
	struct match_ctx ctx[MATCH_SIZES][2] = { 0 };
	struct bench_cell cells[BENCH_CELLS_MAX];
	struct bench_match_row rows[BENCH_CELLS_MAX];
	size_t n = 0;
	int ret;

	ret = sizes_build(ms, ctx);
	if (ret)
		goto out;
	for (size_t s = 0; s < MATCH_SIZES; s++) {
		for (size_t p = 0; p < 2; p++) {
			for (size_t i = 0; i < 3; i++) {
				/* A scan of 65,536 takes ~30 us a write. */
				if (i == 2 && cfg->quick && sizes[s] > 4096)
					continue;
				/* hvdb and bsearch warm up on four passes
				 * over the writes before each trial: steady
				 * state, not the misses the previous cell
				 * left (one pass is not enough at 65,536) */
				cells[n] = (struct bench_cell){
					.fn = impl_ops[i],
					.ctx = &ctx[s][p],
					.warmup = i < 2 ? 4 * MATCH_WRITES : 0,
				};
				rows[n++] = (struct bench_match_row){
					impls[i], patterns[p], sizes[s], 0
				};
			}
		}
	}
	/* Every cell, round-robin: ratios between cells survive noise. */
	bench_interleave(cells, n, trial_ns, trials);
	for (size_t i = 0; i < n && res->match_count < BENCH_MATCH_MAX; i++) {
		rows[i].ns_per_write = cells[i].ns_per_op;
		res->match[res->match_count++] = rows[i];
	}
out:
	for (size_t s = 0; s < MATCH_SIZES; s++) {
		free(ctx[s][0].writes);
		free(ctx[s][1].writes);
		free(ms[s].ranges);
		free(ms[s].devs);
		bench_world_destroy(&ms[s].w);
	}
	/* The crowded GPA, once the worlds above are gone. */
	return ret ? ret : bench_crowd_run(cfg, res);
}
