/* bench_memory.c - heap bytes per connection at 65,536 connections.
 *
 * Measured, not computed: the growth of glibc's in-use heap (mallinfo2:
 * uordblks over every arena plus hblkhd, the mmap()ed blocks such as big
 * index slot arrays) from the moment the ports exist to the moment the
 * connections exist and every deferred free has run (replaced index slot
 * arrays go through call_rcu; cds_lfht resizes, too). It so
 * counts malloc's own chunk headers and rounding, and the index slots.
 */
#include <errno.h>
#include <malloc.h>

#include <urcu-bp.h>

#include "bench.h"

#define MEMORY_CONNECTIONS 65536u

static uint64_t heap_in_use(void)
{
	struct mallinfo2 mi;

	/* Deferred frees and lfht resizes run from call_rcu: let them. */
	rcu_barrier();
	rcu_barrier();
	mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

int bench_memory_run(const struct bench_config *cfg, struct bench_results *res)
{
	struct bench_world w;
	uint64_t before, after;
	int ret;

	(void)cfg;
	ret = bench_world_create(&w, MEMORY_CONNECTIONS, 0x6d656d);
	if (ret)
		return ret;
	before = heap_in_use();
	ret = bench_world_fill(&w, MEMORY_CONNECTIONS);
	if (ret)
		goto out;
	after = heap_in_use();
	res->memory_connections = MEMORY_CONNECTIONS;
	res->memory_bytes_per_connection =
		after > before ? (double)(after - before) / MEMORY_CONNECTIONS
			       : 0;
out:
	bench_world_destroy(&w);
	return ret;
}
