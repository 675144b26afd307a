/* doorbells.h - the setup the ring and lock tests share: root ports on
 * one SINT, each with one catch-all connection of a guest. */
#ifndef HVDB_TESTS_RELIABILITY_DOORBELLS_H
#define HVDB_TESTS_RELIABILITY_DOORBELLS_H

#include <hvdb/hvdb.h>

/* A handle with guest partition (guest), 1 VP, defaults otherwise.
 * Asserts success. */
struct hvdb *doorbells_hv(uint64_t guest);

/* Root port (id) on (sint) of VP 0, and connection (id) of (guest) to it
 * at (gpa), any size and any value. Asserts success. */
void doorbells_add(struct hvdb *hv, uint64_t guest, HV_PORT_ID id,
		   uint32_t sint, uint64_t gpa);

#endif
