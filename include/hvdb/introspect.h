/* introspect.h - walks over every partition, port and connection of a
 * hypervisor, for snapshots, tests and tools.
 */
#ifndef HVDB_HVDB_INTROSPECT_H
#define HVDB_HVDB_INTROSPECT_H

#include <hvdb/hvdb.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Introspection (snapshots, tests, tools).                           */
/* ------------------------------------------------------------------ */

struct hvdb_partition_desc {
	uint64_t id;
	uint32_t vp_count;
	uint32_t gpa_bits;
	uint64_t privileges;
	uint32_t connection_limit;
	uint32_t connection_count;
	const struct hvdb_ram_range *ram; /* valid during the callback */
	size_t ram_count;
};

/* Fills (config) so that hvdb_partition_create() makes a partition like
 * the one (desc) describes (id, VPs, GPA width, privileges, connection
 * limit, RAM). (config->ram) points into (desc): use it while that is
 * valid. Pure. */
HVDB_API void
hvdb_partition_config_from_desc(struct hvdb_partition_config *config,
				const struct hvdb_partition_desc *desc);

struct hvdb_port_desc {
	HV_PORT_ID id;
	uint64_t connection_partition;
	uint32_t target_sint;
	uint32_t target_vp;
	uint32_t port_type;
	struct hvdb_port_stats stats;
	uint32_t connection_count;
};

struct hvdb_connection_desc {
	uint64_t partition;
	HV_CONNECTION_ID id;
	HV_PORT_ID port_id;
	bool port_deleted; /* its port was deleted: writes are dropped */
	HV_CONNECTION_INFO info;
};

/* Visit every partition (by id), live port (by id) or connection (by
 * partition, then id) in ascending order. A callback returning non-zero
 * stops the walk and that value is returned; otherwise 0, or -ENOMEM
 * before any callback ran. The descriptions are valid only during the
 * callback. Takes the handle's lock: callbacks must not call functions
 * that take it (every mutating call), or they deadlock. */
HVDB_API int hvdb_partition_foreach(
	struct hvdb *hv,
	int (*fn)(void *opaque, const struct hvdb_partition_desc *),
	void *opaque);
HVDB_API int hvdb_port_foreach(struct hvdb *hv,
			       int (*fn)(void *opaque,
					 const struct hvdb_port_desc *),
			       void *opaque);
HVDB_API int hvdb_connection_foreach(
	struct hvdb *hv,
	int (*fn)(void *opaque, const struct hvdb_connection_desc *),
	void *opaque);

#ifdef __cplusplus
}
#endif

#endif /* HVDB_HVDB_INTROSPECT_H */
