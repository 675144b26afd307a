/* bench_churn.c - connect + disconnect pairs per second with 65,536
 * connections present, in the software engine. (The same with KVM
 * offload on is measured in bench_kvm.c.) */
#include <errno.h>

#include "bench.h"

#define CHURN_PRESENT 65536u

int bench_churn_run(const struct bench_config *cfg, struct bench_results *res)
{
	struct bench_churn c = { .id = BENCH_CHURN_ID0 };
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
	ns = bench_ns_per_op(bench_world_churn, &c,
			     cfg->quick ? 100000000 : 400000000,
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
