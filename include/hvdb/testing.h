/* testing.h - for tests: fault injection (SQLite-style) and, through
 * hvdb/introspect.h, introspection. A VMM never needs it; backends call
 * hvdb_fault_hit() at their own fault points (HVDB_FAULT_BACKEND).
 */
#ifndef HVDB_HVDB_TESTING_H
#define HVDB_HVDB_TESTING_H

#include <hvdb/hvdb.h>
#include <hvdb/introspect.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Fault injection (SQLite-style), for reliability tests.             */
/* ------------------------------------------------------------------ */

/* clang-format off */
#define HVDB_FAULT_SITES(X)                                                    \
	X(ALLOC_PARTITION, "alloc-partition")                                  \
	X(ALLOC_PORT, "alloc-port")                                            \
	X(ALLOC_CONNECTION, "alloc-connection")                                \
	X(BACKEND_ATTACH, "backend-attach")                                    \
	X(BACKEND, "backend")                                                  \
	X(ALLOC_INDEX, "alloc-index")                                          \
	X(ALLOC_DOORBELL, "alloc-doorbell")                                    \
	X(DOORBELL_EVENTFD, "doorbell-eventfd")

#define HVDB_FAULT_ENUM_(e, name) HVDB_FAULT_##e,
enum hvdb_fault_site { HVDB_FAULT_SITES(HVDB_FAULT_ENUM_) HVDB_FAULT_MAX };
#undef HVDB_FAULT_ENUM_
/* clang-format on */

/* Fault injection is per handle and meant for tests: a VMM never needs
 * it. The walk counts every fault point (allocation, backend attach) that
 * (hv) passes, and those of backends and VMMs, which name their own sites
 * (libhvdb-kvm: an eventfd, an ioctl, an allocation) and all pass them as
 * HVDB_FAULT_BACKEND: the core names no backend's concepts. */

/* Stable name of a fault site ("alloc-port"); "?" out of range. */
HVDB_API const char *hvdb_fault_site_name(enum hvdb_fault_site site);
/* Arms the walk: the (nth) (1-based) fault point passed from now on fails
 * (once); 0 disarms. Resets the count. */
HVDB_API void hvdb_fault_arm(struct hvdb *hv, uint64_t nth);
/* Fault points passed since the last arm (so a walk knows when n ran past
 * the last one). */
HVDB_API uint64_t hvdb_fault_count(struct hvdb *hv);
/* Called at every fault point (by libhvdb, and by backends for their own
 * sites): counts it, and returns true when this one must fail. */
HVDB_API bool hvdb_fault_hit(struct hvdb *hv, enum hvdb_fault_site site);

/* Client dialects (<hvdb/dialect.h>): new registrations take doorbell ids
 * up to (max) only, so -ENOSPC / no-free-id can be reached without 2^24
 * registrations. Live ones above it stay. 0, or -EINVAL when (max) is 0
 * or above 0xFFFFFF. Takes the dialect lock. */
HVDB_API int hvdb_doorbell_set_id_limit(struct hvdb *hv, uint32_t max);

#ifdef __cplusplus
}
#endif

#endif /* HVDB_HVDB_TESTING_H */
