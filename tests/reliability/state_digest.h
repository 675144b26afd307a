/* state_digest.h - everything the introspection API shows about a
 * hypervisor, rendered into bytes, so a harness can prove that a refused
 * call changed nothing (SPEC §3) by comparing two renderings.
 *
 * Shared by the reliability tests and the fuzz targets.
 */
#ifndef HVDB_TESTS_RELIABILITY_STATE_DIGEST_H
#define HVDB_TESTS_RELIABILITY_STATE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hvdb/hvdb.h>
#include <hvdb/introspect.h>

struct state_digest {
	uint8_t *bytes; /* malloc'd; NULL when empty */
	size_t len;
	size_t cap;
	bool failed; /* out of memory or a foreach failed */
	/* Counts of what was rendered, for reports. */
	size_t partitions, ports, connections;
};

/* Renders every partition, live port (with its counters) and connection
 * of (hv) into (d), which must be zeroed or freed before. Takes the
 * handle's lock through the foreach walks. false when it failed. */
bool state_digest_take(struct hvdb *hv, struct state_digest *d);

/* True when both renderings succeeded and are byte for byte equal. */
bool state_digest_equal(const struct state_digest *a,
			const struct state_digest *b);

void state_digest_free(struct state_digest *d);

#endif
