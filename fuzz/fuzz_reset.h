/* fuzz_reset.h - bring a hypervisor back to no ports and no connections.
 *
 * Fuzz targets keep one hypervisor from input to input: hvdb_destroy()
 * waits for an RCU grace period (liburcu-bp's call_rcu worker sleeps 10 ms
 * per batch), which costs more than most runs.
 */
#ifndef HVDB_FUZZ_RESET_H
#define HVDB_FUZZ_RESET_H

#include <hvdb/hvdb.h>
#include <hvdb/introspect.h>

/* Disconnects every connection and deletes every port of (hv) through the
 * API, as the root; aborts if the library refuses. Partitions stay.
 * Returns how many partitions (hv) has. */
size_t fuzz_reset(struct hvdb *hv);

#endif
