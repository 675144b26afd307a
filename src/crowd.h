/* crowd.h - every connection at one (partition, GPA) once two or more share
 * it (SPEC §4 lets value-distinct doorbells do so: virtio-pci puts every
 * queue's notify at one address). The GPA index (match.c) holds the crowd
 * in place of a connection. ANY_VALUE members sit in four slots by width
 * (SPEC §4 lets at most one per width coexist), value-specific ones in a
 * table of the crowd's own keyed by value, so a write costs a slot read and
 * one probe by value, and a conflict check is O(1) however big the crowd.
 */
#ifndef HVDB_CROWD_H
#define HVDB_CROWD_H

#include "connection.h"
#include "match.h"

/* Sizes 1, 2, 4, 8 bytes and ANY as classes 0..4; widths 1, 2, 4, 8 as
 * classes 0..3. */
#define CROWD_SIZE_CLASSES 5
#define CROWD_SIZE_ANY 4
#define CROWD_WIDTH_CLASSES 4

/* A crowd has two or more members (one, after a reservation whose
 * ConnectPort then failed). */
struct crowd {
	/* Only partition and gpa are set: what a GPA index entry starts
	 * with, be it a connection or a crowd. Fixed. */
	struct match_trigger key;
	/* ANY_VALUE members by width class; an ANY-size one conflicts with
	 * every other connection, so it is never in a crowd. RCU-published */
	struct connection *any_value[CROWD_WIDTH_CLASSES];
	struct oatable by_value; /* value-specific members, keyed by value */
	uint32_t members;	 /* under hv->lock */
	/* Value-specific members by size class and by the narrowest width
	 * class their value fits: all the conflict check of an ANY_VALUE
	 * newcomer needs to know of them (SPEC §4). Under hv->lock. */
	uint32_t specific[CROWD_SIZE_CLASSES][CROWD_WIDTH_CLASSES];
	struct rcu_head rcu;
};

static inline uint64_t crowd_value_hash(const struct oatable *t, uint64_t value)
{
	return hv_hash(t->seed, value);
}

/* The member of (cr) that a write of (len) bytes with (value) matches,
 * or NULL. Under rcu_read_lock. Not inline: it keeps the write path of
 * the GPAs with one doorbell (the common case) free of calls. */
struct connection *crowd_find(const struct crowd *cr, unsigned len,
			      uint64_t value);

/* A crowd holding (c), which sits alone at its GPA, its value table keyed
 * with (seed); NULL when out of memory (fault site alloc-index). Under
 * hv->lock. */
struct crowd *crowd_new(struct hvdb *hv, struct connection *c, uint64_t seed);
/* Makes room for a member with trigger (t): after 0, crowd_add of it cannot
 * fail. 0 or -ENOMEM. Under hv->lock. */
int crowd_reserve(struct crowd *cr, const struct match_trigger *t);
/* Adds (c), with room made; removes (c), a member. Under hv->lock. */
void crowd_add(struct crowd *cr, struct connection *c);
void crowd_del(struct crowd *cr, struct connection *c);
/* SPEC §4: whether (t) conflicts with a member. O(1). Under hv->lock. */
bool crowd_conflicts(const struct crowd *cr, const struct match_trigger *t);
/* Whether (pred) holds for (t) and some member: a walk of every member,
 * for callers off the write path. Under hv->lock. */
bool crowd_any(const struct crowd *cr, const struct match_trigger *t,
	       bool (*pred)(const struct match_trigger *existing,
			    const struct match_trigger *t));
/* Some member, or NULL when it has none. Under hv->lock. */
struct connection *crowd_some_member(const struct crowd *cr);
/* Frees (cr), which no index holds any more, after a grace period (its
 * members are not freed). Under hv->lock. */
void crowd_retire(struct hvdb *hv, struct crowd *cr);

#endif
