/* snap.h - helpers of the snapshot tests: random states, digests, and
 * "behaves the same" checks between two hypervisors.
 *
 * Layers as in tests/unit (STYLE 15): save_restore() asserts success,
 * try_restore() returns the code and fills the error.
 */
#ifndef HVDB_TESTS_SNAPSHOT_SNAP_H
#define HVDB_TESTS_SNAPSHOT_SNAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <hvdb/hvdb.h>
#include <hvdb/backend.h>
#include <hvdb/snapshot.h>
#include <hvdb/testing.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BOTH_PRIVILEGES (HV_PRIVILEGE_CREATE_PORT | HV_PRIVILEGE_CONNECT_PORT)

/* splitmix64: one stream per seed, so a failing seed replays. */
struct rng {
	uint64_t state;
};

uint64_t rng_next(struct rng *r);
/* Uniform in [0, n), n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* A value that fits (len) bytes; 0 for len 0 means any 64-bit value. */
uint64_t rng_value(struct rng *r, unsigned len);

/* What one random operation did, to compare two hypervisors step by step. */
struct op_result {
	char text[160];
};

/* Counts of what random_state() built, to prove the states are varied. */
struct state_stats {
	unsigned connections;
	unsigned deleted_port_connections;
	unsigned live_ports;
	unsigned ram_partitions;
	unsigned counted_ports; /* live ports with non-zero counters */
};

/* A hypervisor in a random state of seed (seed): guests with RAM,
 * privileges and limits; ports (some deleted, some ids reused);
 * connections of every flag mix; counters from writes and offloads. */
struct hvdb *random_state(uint64_t seed, struct state_stats *stats);

/* One random operation (create/connect/disconnect/delete/write/offload)
 * on (hv); the same (r) state on two equal hypervisors gives the same
 * operation. */
void random_op(struct hvdb *hv, struct rng *r, struct op_result *out);

/* Everything the introspection API shows, one line per object. */
char *state_digest(struct hvdb *hv);

/* save, asserting success; the caller frees. */
char *save_at(struct hvdb *hv, size_t *len, const char *file, int line);
#define save(hv, len) save_at(hv, len, __FILE__, __LINE__)

/* restore(save(hv)), asserting success. */
struct hvdb *save_restore_at(struct hvdb *hv, const char *file, int line);
#define save_restore(hv) save_restore_at(hv, __FILE__, __LINE__)

/* Restores (json); returns the code. On failure asserts that *out stayed
 * NULL and that err.code is the code. */
int try_restore(const char *json, size_t len, struct hvdb **out,
		struct hvdb_snapshot_error *err);

/* Requires (a) and (b) to show the same state and answer every lookup on
 * every connection GPA (lengths 1, 2, 4, 8; its value, neighbours, random
 * values) and random misses the same way. */
void assert_same_lookups_at(struct hvdb *a, struct hvdb *b, struct rng *r,
			    const char *file, int line);
#define assert_same_lookups(a, b, r) \
	assert_same_lookups_at(a, b, r, __FILE__, __LINE__)

/* Runs (n) random operations, the same on (a) and (b), requiring the same
 * outcome for each and the same state after. */
void assert_same_future_at(struct hvdb *a, struct hvdb *b, uint64_t seed,
			   unsigned n, const char *file, int line);
#define assert_same_future(a, b, seed, n) \
	assert_same_future_at(a, b, seed, n, __FILE__, __LINE__)

/* Fails at file:line showing both texts when they differ. */
void assert_same_text_at(const char *what, const char *want, const char *got,
			 const char *file, int line);
#define assert_same_text(what, want, got) \
	assert_same_text_at(what, want, got, __FILE__, __LINE__)

#endif
