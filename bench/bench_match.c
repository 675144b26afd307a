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

struct match_ctx {
	struct hvdb *hv;
	const struct bench_write *writes;
	size_t pos;
	struct base_range *ranges; /* sorted by addr */
	struct base_dev *devs;
	size_t count;
	uint64_t counters[BENCH_PORTS + 1]; /* baselines' fire: one add */
	uint64_t sink;
};

static bool dev_hit(const struct base_dev *d, const struct bench_write *wr)
{
	return (!d->width || d->width == wr->len) &&
	       (d->any_value || d->value == wr->value);
}

static void base_fire(struct match_ctx *m, const struct base_dev *d)
{
	__atomic_fetch_add(&m->counters[d->port], 1, __ATOMIC_SEQ_CST);
}

static void op_hvdb(void *ctx, uint64_t iters)
{
	struct match_ctx *m = ctx;
	size_t i = m->pos;
	uint64_t sink = 0;

	while (iters--) {
		const struct bench_write *wr = &m->writes[i];

		sink += (uint64_t)hvdb_write(m->hv, BENCH_PARTITION, wr->gpa,
					     wr->len, wr->value, NULL);
		if (++i == MATCH_WRITES)
			i = 0;
	}
	m->pos = i;
	m->sink += sink;
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

static void op_bsearch(void *ctx, uint64_t iters)
{
	struct match_ctx *m = ctx;
	size_t i = m->pos;
	uint64_t sink = 0;

	while (iters--) {
		const struct bench_write *wr = &m->writes[i];
		size_t k = lower_bound(m->ranges, m->count, wr->gpa);

		/* As kvm_io_bus_write: every device from the first hit on */
		for (; k < m->count && m->ranges[k].addr == wr->gpa; k++) {
			if (dev_hit(m->ranges[k].dev, wr)) {
				base_fire(m, m->ranges[k].dev);
				sink++;
				break;
			}
		}
		if (++i == MATCH_WRITES)
			i = 0;
	}
	m->pos = i;
	m->sink += sink;
}

static void op_linear(void *ctx, uint64_t iters)
{
	struct match_ctx *m = ctx;
	size_t i = m->pos;
	uint64_t sink = 0;

	while (iters--) {
		const struct bench_write *wr = &m->writes[i];

		for (size_t k = 0; k < m->count; k++) {
			if (m->ranges[k].addr == wr->gpa &&
			    dev_hit(m->ranges[k].dev, wr)) {
				base_fire(m, m->ranges[k].dev);
				sink++;
				break;
			}
		}
		if (++i == MATCH_WRITES)
			i = 0;
	}
	m->pos = i;
	m->sink += sink;
}

static int range_cmp(const void *a, const void *b)
{
	const struct base_range *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

/* The baselines' bus over the world's connections. */
static int bus_build(struct match_ctx *m, const struct bench_world *w)
{
	free(m->ranges);
	free(m->devs);
	m->count = w->count;
	m->ranges = calloc(w->count, sizeof(*m->ranges));
	m->devs = calloc(w->count, sizeof(*m->devs));
	if (!m->ranges || !m->devs)
		return -ENOMEM;
	for (size_t k = 0; k < w->count; k++) {
		const struct bench_conn *c = &w->conns[k];

		m->devs[k] = (struct base_dev){ c->value, c->port, c->width,
						c->any_value };
		m->ranges[k] =
			(struct base_range){ c->gpa, c->width ? c->width : 8,
					     &m->devs[k] };
	}
	qsort(m->ranges, w->count, sizeof(*m->ranges), range_cmp);
	return 0;
}

static void row_add(struct bench_results *res, const char *impl,
		    const char *pattern, unsigned n, double ns)
{
	if (res->match_count < BENCH_MATCH_MAX)
		res->match[res->match_count++] =
			(struct bench_match_row){ impl, pattern, n, ns };
}

int bench_match_run(const struct bench_config *cfg, struct bench_results *res)
{
	static const unsigned sizes[] = { 1, 16, 256, 4096, 65536 };
	static const char *const patterns[] = { "uniform", "hot64" };
	const uint64_t trial_ns = cfg->quick ? 15000000 : 100000000;
	const unsigned trials = cfg->quick ? 5 : 11;
	struct match_ctx m = { 0 };
	struct bench_world w;
	struct bench_write *writes;
	int ret;

	ret = bench_world_create(&w, 65536, 0x6d61746368);
	if (ret)
		return ret;
	m.hv = w.hv;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		ret = bench_world_fill(&w, sizes[s] - w.count);
		if (!ret)
			ret = bus_build(&m, &w);
		if (ret)
			goto out;
		for (size_t p = 0; p < 2; p++) {
			writes = bench_world_writes(&w, MATCH_WRITES,
						    p ? MATCH_HOT : 0);
			if (!writes) {
				ret = -ENOMEM;
				goto out;
			}
			m.writes = writes;
			m.pos = 0;
			row_add(res, "hvdb", patterns[p], sizes[s],
				bench_ns_per_op(op_hvdb, &m, trial_ns, trials));
			m.pos = 0;
			row_add(res, "bsearch", patterns[p], sizes[s],
				bench_ns_per_op(op_bsearch, &m, trial_ns,
						trials));
			/* A full scan of 65,536 takes ~30 us a write. */
			if (!cfg->quick || sizes[s] <= 4096) {
				m.pos = 0;
				row_add(res, "linear", patterns[p], sizes[s],
					bench_ns_per_op(op_linear, &m, trial_ns,
							trials));
			}
			free(writes);
		}
	}
out:
	free(m.ranges);
	free(m.devs);
	bench_world_destroy(&w);
	return ret;
}
