/* fault.h - named fault points (SQLite-style) for the reliability walk. */
#ifndef HVDB_FAULT_H
#define HVDB_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include <hvdb/hvdb.h>
#include <hvdb/testing.h>

struct fault_state {
	uint64_t nth;	/* atomic: the fault point that fails; 0 = none */
	uint64_t count; /* atomic: fault points passed since the last arm */
};

/* calloc(1, size) at fault point (site): NULL when out of memory or when
 * the walk makes this point fail. */
void *fault_zalloc(struct hvdb *hv, enum hvdb_fault_site site, size_t size);

#endif
