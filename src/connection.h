/* connection.h - doorbell connections of guest partitions. */
#ifndef HVDB_CONNECTION_H
#define HVDB_CONNECTION_H

#include "hv.h"
#include "match.h"

struct port;

struct connection {
	struct cds_lfht_node gpa_node; /* hv->conn_by_gpa; read under RCU */
	struct cds_lfht_node id_node;  /* hv->conn_by_id; under hv->lock */
	struct match_trigger trigger;  /* identity; fixed once published */
	struct port *port;    /* fixed; the port outlives its connections */
	void *backend_cookie; /* under hv->lock */
	HV_CONNECTION_ID id;
	uint32_t flags; /* Flags as given (only valid bits can be set) */
	uint64_t trigger_value; /* TriggerValue as given */
	struct rcu_head rcu;
};

/* Frees every connection, detaching backends. Only from hvdb_destroy. */
void connection_destroy_all(struct hvdb *hv);

#endif
