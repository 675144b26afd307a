/* hv.c - the hypervisor handle: creation, teardown, the writer lock. */
#include <errno.h>
#include <stdlib.h>

#include "connection.h"
#include "deliver.h"
#include "grace.h"
#include "match.h"
#include "hv.h"
#include "partition.h"
#include "port.h"

/* Small start, automatic growth: the lookup cost stays flat as tables
 * grow from 1 to 100,000s of entries. */
#define HV_TABLE_INIT 64

void hv_lock(struct hvdb *hv)
{
	pthread_mutex_lock(&hv->lock);
	/* lfht lookups must run inside a read-side section, writers too */
	grace_read_lock();
}

void hv_unlock(struct hvdb *hv)
{
	grace_read_unlock();
	pthread_mutex_unlock(&hv->lock);
}

void hv_call_rcu(struct hvdb *hv, struct rcu_head *head,
		 void (*fn)(struct rcu_head *head))
{
	hv->rcu_pending = true;
	call_rcu(head, fn);
}

static struct cds_lfht *table_new(void)
{
	return cds_lfht_new(HV_TABLE_INIT, HV_TABLE_INIT, 0,
			    CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
}

static void table_destroy(struct cds_lfht *ht)
{
	/* Only fails on a non-empty table; teardown emptied each one. */
	if (ht)
		(void)cds_lfht_destroy(ht, NULL);
}

struct hvdb *hvdb_create(const struct hvdb_config *config)
{
	uint32_t root_vps =
		config && config->root_vp_count ? config->root_vp_count : 1;
	struct hvdb *hv;

	if (root_vps > HVDB_ROOT_VP_MAX) {
		errno = EINVAL;
		return NULL;
	}
	hv = calloc(1, sizeof(*hv));
	if (!hv)
		return NULL;
	if (pthread_mutex_init(&hv->lock, NULL))
		goto err_mutex;
	if (dialect_init(hv))
		goto err_dialect;
	hv->root_vp_count = root_vps;
	hv->partitions = table_new();
	hv->ports = table_new();
	if (!hv->partitions || !hv->ports || match_index_init(hv) ||
	    connection_index_init(hv))
		goto err_tables;
	if (deliver_rings_create(hv, root_vps))
		goto err_tables;
	hv_lock(hv);
	if (partition_create_root(hv, root_vps)) {
		hv_unlock(hv);
		goto err_root;
	}
	hv_unlock(hv);
	return hv;

err_root:
	deliver_rings_destroy(hv);
err_tables:
	table_destroy(hv->partitions);
	table_destroy(hv->ports);
	oatable_fini(&hv->conn_by_gpa);
	oatable_fini(&hv->conn_by_id);
	dialect_fini(hv);
err_dialect:
	pthread_mutex_destroy(&hv->lock);
err_mutex:
	free(hv);
	errno = ENOMEM;
	return NULL;
}

void hvdb_destroy(struct hvdb *hv)
{
	if (!hv)
		return;
	hv_lock(hv);
	connection_destroy_all(hv); /* deleted ports go with their last */
	port_destroy_all(hv);
	partition_destroy_all(hv);
	hv_unlock(hv);
	/* Run the reclamation (hv) queued before its tables go. Only then:
	 * rcu_barrier() waits for liburcu's call_rcu worker, which sleeps
	 * 10 ms to batch, once any handle in the process has used it. */
	if (hv->rcu_pending)
		grace_barrier();
	table_destroy(hv->partitions);
	table_destroy(hv->ports);
	oatable_fini(&hv->conn_by_gpa);
	oatable_fini(&hv->conn_by_id);
	deliver_rings_destroy(hv);
	dialect_fini(hv); /* the registrations' eventfds: after every write */
	pthread_mutex_destroy(&hv->lock);
	free(hv);
}

void hvdb_synchronize(struct hvdb *hv)
{
	(void)hv; /* one RCU domain serves every handle */
	grace_wait();
}
