/* fuzz_reset.c - undo every port and connection through the API. */
#include <stdlib.h>

#include "fuzz_input.h"
#include "fuzz_reset.h"

struct undo {
	uint64_t *partition;
	uint32_t *id;
	size_t n, cap;
};

static void push(struct undo *u, uint64_t partition, uint32_t id)
{
	if (u->n == u->cap) {
		u->cap = u->cap ? 2 * u->cap : 64;
		u->partition =
			realloc(u->partition, u->cap * sizeof(*u->partition));
		u->id = realloc(u->id, u->cap * sizeof(*u->id));
		FUZZ_CHECK(u->partition && u->id, "out of memory");
	}
	u->partition[u->n] = partition;
	u->id[u->n++] = id;
}

static int collect_connection(void *opaque,
			      const struct hvdb_connection_desc *c)
{
	push(opaque, c->partition, c->id);
	return 0;
}

static int collect_port(void *opaque, const struct hvdb_port_desc *p)
{
	push(opaque, 1, p->id);
	return 0;
}

static int count_partition(void *opaque, const struct hvdb_partition_desc *p)
{
	(void)p;
	++*(size_t *)opaque;
	return 0;
}

size_t fuzz_reset(struct hvdb *hv)
{
	HV_INPUT_DISCONNECT_PORT dis = { 0 };
	HV_INPUT_DELETE_PORT del = { .PortPartition = 1 };
	struct undo u = { 0 };
	size_t partitions = 0;
	HV_STATUS s;

	/* the walks hold the lock: collect first, undo after */
	FUZZ_CHECK(hvdb_connection_foreach(hv, collect_connection, &u) == 0,
		   "walk");
	for (size_t i = 0; i < u.n; i++) {
		dis.ConnectionPartition = u.partition[i];
		dis.ConnectionId = u.id[i];
		s = hvdb_port_disconnect(hv, 1, &dis, NULL);
		FUZZ_CHECK(s == 0, "reset: disconnect %u: %s", u.id[i],
			   hvdb_status_name(s));
	}
	u.n = 0;
	FUZZ_CHECK(hvdb_port_foreach(hv, collect_port, &u) == 0, "walk");
	for (size_t i = 0; i < u.n; i++) {
		del.PortId = u.id[i];
		s = hvdb_port_delete(hv, 1, &del, NULL);
		FUZZ_CHECK(s == 0, "reset: delete port %u: %s", u.id[i],
			   hvdb_status_name(s));
	}
	free(u.partition);
	free(u.id);
	FUZZ_CHECK(hvdb_partition_foreach(hv, count_partition, &partitions) ==
			   0,
		   "walk");
	return partitions;
}
