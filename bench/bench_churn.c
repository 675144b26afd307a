/* bench_churn.c - connect + disconnect pairs per second with 65,536
 * connections present, in the software engine. (The same with KVM
 * offload on is measured in bench_kvm.c.) */
#include <errno.h>

#include "bench.h"

#define CHURN_PRESENT 65536u

struct churn_ctx {
	struct bench_world *w;
	uint32_t id;
	int failed;
};

static void op_pair(void *ctx, uint64_t iters)
{
	struct churn_ctx *c = ctx;
	struct bench_conn conn;

	while (iters--) {
		bench_world_pick(c->w, &conn, c->id);
		if (bench_world_connect(c->w, &conn) != HV_STATUS_SUCCESS ||
		    bench_world_disconnect(c->w, c->id) != HV_STATUS_SUCCESS)
			c->failed = 1;
		c->id = c->id + 1 < HV_CONNECTION_ID_MASK ? c->id + 1
							  : BENCH_CHURN_ID0;
	}
}

int bench_churn_run(const struct bench_config *cfg, struct bench_results *res)
{
	struct churn_ctx c = { .id = BENCH_CHURN_ID0 };
	struct bench_world w;
	double ns;
	int ret;

	ret = bench_world_create(&w, CHURN_PRESENT, 0x636875726e);
	if (ret)
		return ret;
	ret = bench_world_fill(&w, CHURN_PRESENT);
	if (ret)
		goto out;
	c.w = &w;
	ns = bench_ns_per_op(op_pair, &c, cfg->quick ? 100000000 : 400000000,
			     cfg->quick ? 5 : 9);
	if (c.failed) {
		ret = -EIO;
		goto out;
	}
	res->churn_connections = CHURN_PRESENT;
	res->churn_pairs_per_sec = ns > 0 ? 1e9 / ns : 0;
out:
	bench_world_destroy(&w);
	return ret;
}
