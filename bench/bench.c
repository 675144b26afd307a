/* bench.c - the runner: clocks, medians, calibrated trials, the sections. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int double_cmp(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), double_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Iterations of (c) that take about (trial_ns); warms caches too. */
static uint64_t calibrate(struct bench_cell *c, uint64_t trial_ns)
{
	uint64_t iters = 1, t0, dt;

	/* Grow until a run takes 1/8 of a trial, then scale. */
	for (;;) {
		t0 = bench_now_ns();
		c->fn(c->ctx, iters);
		dt = bench_now_ns() - t0;
		if (dt >= trial_ns / 8 || iters >= (1ull << 40))
			break;
		iters *= 2;
	}
	if (dt)
		iters = (uint64_t)((double)iters * (double)trial_ns /
				   (double)dt);
	return iters ? iters : 1;
}

void bench_interleave(struct bench_cell *cells, size_t n, uint64_t trial_ns,
		      unsigned trials)
{
	double per_op[BENCH_CELLS_MAX][BENCH_TRIALS_MAX];
	uint64_t t0;

	if (trials > BENCH_TRIALS_MAX)
		trials = BENCH_TRIALS_MAX;
	if (n > BENCH_CELLS_MAX)
		n = BENCH_CELLS_MAX;
	for (size_t i = 0; i < n; i++) {
		cells[i].iters = calibrate(&cells[i], trial_ns);
		cells[i].ns_per_op = 0;
	}
	for (unsigned t = 0; t < trials; t++) {
		for (size_t i = 0; i < n; i++) {
			struct bench_cell *c = &cells[i];

			/* Warm up: the previous cell had the caches. */
			c->fn(c->ctx,
			      c->warmup ? c->warmup : c->iters / 16 + 1);
			t0 = bench_now_ns();
			c->fn(c->ctx, c->iters);
			per_op[i][t] = (double)(bench_now_ns() - t0) /
				       (double)c->iters;
		}
	}
	for (size_t i = 0; i < n; i++)
		cells[i].ns_per_op = bench_median(per_op[i], trials);
}

double bench_ns_per_op(bench_op_fn fn, void *ctx, uint64_t trial_ns,
		       unsigned trials)
{
	struct bench_cell cell = { .fn = fn, .ctx = ctx };

	bench_interleave(&cell, 1, trial_ns, trials);
	return cell.ns_per_op;
}

static void progress(const struct bench_config *cfg, const char *what,
		     uint64_t t0)
{
	if (cfg->progress)
		fprintf(cfg->progress, "bench: %s done (%.1f s)\n", what,
			(double)(bench_now_ns() - t0) / 1e9);
}

/* Whether (cfg) asks for section (name). */
static bool wanted(const struct bench_config *cfg, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = cfg->sections; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, name, n))
			return true;
		p = end ? end + 1 : p + len;
	}
	return !cfg->sections;
}

int bench_run(const struct bench_config *cfg, struct bench_results *res)
{
	static const struct {
		const char *name;
		int (*run)(const struct bench_config *, struct bench_results *);
	} sections[] = {
		{ "memory", bench_memory_run }, /* first: a quiet heap */
		{ "match", bench_match_run },
		{ "threads", bench_threads_run },
		{ "churn", bench_churn_run },
		{ "kvm", bench_kvm_run },
		{ "scale", bench_scale_run },
		{ "notify", bench_notify_run },
	};
	uint64_t t0 = bench_now_ns();
	int ret;

	memset(res, 0, sizeof(*res));
	res->churn_kvm_pairs_per_sec = -1;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (!wanted(cfg, sections[i].name))
			continue;
		ret = sections[i].run(cfg, res);
		if (ret < 0) {
			fprintf(stderr, "hvdb: bench: %s: %s\n",
				sections[i].name, strerror(-ret));
			return ret;
		}
		progress(cfg, sections[i].name, t0);
	}
	return 0;
}
