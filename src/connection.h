/* connection.h - doorbell connections of guest partitions. */
#ifndef HVDB_CONNECTION_H
#define HVDB_CONNECTION_H

#include "hv.h"
#include "match.h"

struct port;

/* Indexed by pointer from hv->conn_by_gpa (read under RCU) and
 * hv->conn_by_id (under hv->lock), so it carries no index nodes. The
 * ConnectPort Flags and TriggerValue are kept in (trigger): see
 * match_trigger_flags(). 72 bytes. */
struct connection {
	struct match_trigger trigger; /* identity; fixed once published */
	struct port *port;    /* fixed; the port outlives its connections */
	void *backend_cookie; /* under hv->lock */
	HV_CONNECTION_ID id;
	struct rcu_head rcu;
};

/* Sets up the (partition, id) index of a new handle. 0 or -ENOMEM. */
int connection_index_init(struct hvdb *hv);

/* Detaches every connection of (p) from its backend (which is being
 * cleared); the connections stay. Called under hv->lock. */
struct partition;
void connection_detach_partition(struct hvdb *hv, struct partition *p);

/* Tells the backends of (port)'s connections that it was deleted. Called
 * under hv->lock. */
void connection_port_deleted(struct hvdb *hv, struct port *port);

/* Frees every connection, detaching backends. Only from hvdb_destroy. */
void connection_destroy_all(struct hvdb *hv);

#endif
