/* introspect.c - ordered walks over partitions, ports and connections,
 * for snapshots, tests and tools. */
#include <errno.h>
#include <stdlib.h>

#include "connection.h"
#include "introspect.h"
#include "partition.h"
#include "port.h"

/* Collects the entries of (ht) as pointers to the structs holding (node)
 * at (offset). Called under hv->lock. NULL with *count 0 for an empty
 * table; NULL with *count > 0 when out of memory. */
static void **table_collect(struct cds_lfht *ht, size_t offset, size_t *count)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;
	unsigned long approx;
	long split;
	size_t n = 0;
	void **all;

	cds_lfht_count_nodes(ht, &split, &approx, &split);
	*count = approx;
	if (approx == 0)
		return NULL;
	all = malloc(approx * sizeof(*all));
	if (!all)
		return NULL;
	cds_lfht_for_each (ht, &iter, node) {
		if (n == approx)
			break;
		all[n++] = (char *)node - offset;
	}
	*count = n;
	return all;
}

static int partition_cmp(const void *a, const void *b)
{
	const struct partition *x = *(void *const *)a, *y = *(void *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

static int port_cmp(const void *a, const void *b)
{
	const struct port *x = *(void *const *)a, *y = *(void *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

static int connection_cmp(const void *a, const void *b)
{
	const struct connection *x = *(void *const *)a, *y = *(void *const *)b;

	if (x->trigger.partition != y->trigger.partition)
		return (x->trigger.partition > y->trigger.partition) -
		       (x->trigger.partition < y->trigger.partition);
	return (x->id > y->id) - (x->id < y->id);
}

typedef int (*visit_fn)(void *opaque, const void *item, void *walk_fn,
			void *walk_opaque);

/* Sorts the (n) entries in (all) with (cmp), visits each and frees (all).
 * (all) NULL with (n) > 0 means out of memory. Called under hv->lock. */
static int sorted_walk(struct hvdb *hv, void **all, size_t n,
		       int (*cmp)(const void *, const void *), visit_fn visit,
		       void *walk_fn, void *walk_opaque)
{
	int ret = 0;

	if (!all && n)
		return -ENOMEM;
	/* an empty table has no array: qsort's base must not be NULL */
	if (n > 1)
		qsort(all, n, sizeof(*all), cmp);
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = visit(hv, all[i], walk_fn, walk_opaque);
	free(all);
	return ret;
}

/* Sorts the entries of (ht) with (cmp) and visits each. Called under
 * hv->lock. */
static int table_walk(struct hvdb *hv, struct cds_lfht *ht, size_t offset,
		      int (*cmp)(const void *, const void *), visit_fn visit,
		      void *walk_fn, void *walk_opaque)
{
	size_t n;
	void **all = table_collect(ht, offset, &n);

	return sorted_walk(hv, all, n, cmp, visit, walk_fn, walk_opaque);
}

static int visit_partition(void *opaque, const void *item, void *walk_fn,
			   void *walk_opaque)
{
	int (*fn)(void *, const struct hvdb_partition_desc *) = walk_fn;
	const struct partition *p = item;
	struct hvdb_partition_desc d = {
		.id = p->id,
		.vp_count = p->vp_count,
		.gpa_bits = p->gpa_bits,
		.privileges = p->privileges,
		.connection_limit = p->connection_limit,
		.connection_count = p->connection_count,
		.ram = p->ram,
		.ram_count = p->ram_count,
	};

	(void)opaque;
	return fn(walk_opaque, &d);
}

static int visit_port(void *opaque, const void *item, void *walk_fn,
		      void *walk_opaque)
{
	int (*fn)(void *, const struct hvdb_port_desc *) = walk_fn;
	const struct port *port = item;
	struct hvdb_port_desc d = {
		.id = port->id,
		.connection_partition = port->connection_partition,
		.target_sint = port->target_sint,
		.target_vp = port->target_vp,
		.port_type = port->type,
		.connection_count = port->connection_count,
	};

	(void)opaque;
	deliver_port_stats(port, &d.stats);
	return fn(walk_opaque, &d);
}

static int visit_connection(void *opaque, const void *item, void *walk_fn,
			    void *walk_opaque)
{
	int (*fn)(void *, const struct hvdb_connection_desc *) = walk_fn;
	const struct connection *c = item;
	struct hvdb_connection_desc d = {
		.partition = c->trigger.partition,
		.id = c->id,
		.port_id = c->port->id,
		.port_deleted =
			__atomic_load_n(&c->port->deleted, __ATOMIC_RELAXED),
	};

	(void)opaque;
	d.info.PortType = c->port->type;
	d.info.DoorbellConnectionInfo.GuestPhysicalAddress = c->trigger.gpa;
	d.info.DoorbellConnectionInfo.TriggerValue = c->trigger.value;
	d.info.DoorbellConnectionInfo.Flags = match_trigger_flags(&c->trigger);
	return fn(walk_opaque, &d);
}

static int walk_partitions(struct hvdb *hv,
			   int (*fn)(void *,
				     const struct hvdb_partition_desc *),
			   void *opaque)
{
	return table_walk(hv, hv->partitions, offsetof(struct partition, node),
			  partition_cmp, visit_partition, (void *)fn, opaque);
}

static int walk_ports(struct hvdb *hv,
		      int (*fn)(void *, const struct hvdb_port_desc *),
		      void *opaque)
{
	return table_walk(hv, hv->ports, offsetof(struct port, node), port_cmp,
			  visit_port, (void *)fn, opaque);
}

static int walk_connections(struct hvdb *hv,
			    int (*fn)(void *,
				      const struct hvdb_connection_desc *),
			    void *opaque)
{
	size_t n = oatable_count(&hv->conn_by_id);
	void **all = n ? malloc(n * sizeof(*all)) : NULL;

	if (all)
		n = oatable_entries(&hv->conn_by_id, all, n);
	return sorted_walk(hv, all, n, connection_cmp, visit_connection,
			   (void *)fn, opaque);
}

int hvdb_partition_foreach(struct hvdb *hv,
			   int (*fn)(void *,
				     const struct hvdb_partition_desc *),
			   void *opaque)
{
	int ret;

	hv_lock(hv);
	ret = walk_partitions(hv, fn, opaque);
	hv_unlock(hv);
	return ret;
}

int hvdb_port_foreach(struct hvdb *hv,
		      int (*fn)(void *, const struct hvdb_port_desc *),
		      void *opaque)
{
	int ret;

	hv_lock(hv);
	ret = walk_ports(hv, fn, opaque);
	hv_unlock(hv);
	return ret;
}

int hvdb_connection_foreach(struct hvdb *hv,
			    int (*fn)(void *,
				      const struct hvdb_connection_desc *),
			    void *opaque)
{
	int ret;

	hv_lock(hv);
	ret = walk_connections(hv, fn, opaque);
	hv_unlock(hv);
	return ret;
}

int introspect_walk_all(struct hvdb *hv, const struct introspect_walkers *w,
			void *opaque)
{
	int ret;

	/* One lock hold: no mutation lands between the three walks. */
	hv_lock(hv);
	ret = walk_partitions(hv, w->partition, opaque);
	if (ret == 0)
		ret = walk_ports(hv, w->port, opaque);
	if (ret == 0)
		ret = walk_connections(hv, w->connection, opaque);
	hv_unlock(hv);
	return ret;
}
