/* match.h - SPEC §4: which connection a write matches; conflicts. */
#ifndef HVDB_MATCH_H
#define HVDB_MATCH_H

#include "hv.h"

/* The match identity of a connection, stated field by field. */
struct match_trigger {
	uint64_t partition;
	hvdb_gpa_t gpa;
	uint64_t value; /* TriggerValue as given; matched unless any_value */
	uint8_t width;	/* 1, 2, 4, 8; meaningful unless any_size */
	bool any_size;
	bool any_value;
};

struct connection;

/* The ConnectPort Flags that gave (t): only valid bits can be set, so the
 * trigger holds all of them. */
static inline uint64_t match_trigger_flags(const struct match_trigger *t)
{
	/* width 1, 2, 4, 8 -> size code 1, 2, 3, 4 */
	uint64_t flags = t->any_size ? HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY
				     : (uint64_t)__builtin_ctz(t->width) + 1;

	return t->any_value ? flags | HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE
			    : flags;
}

/* True when a write of (len) bytes with (value) matches (t); same GPA and
 * partition assumed. */
static inline bool match_trigger_hit(const struct match_trigger *t,
				     unsigned len, uint64_t value)
{
	/* bitwise, not ||/&&: the flags of the connection a write hits are
	 * unpredictable, so branches on them would mispredict */
	return (t->any_size | (t->width == len)) &
	       (t->any_value | (t->value == value));
}

/* SPEC §4: true when some single write could match both (a) and (b), which
 * sit at the same GPA of the same partition. */
bool match_triggers_conflict(const struct match_trigger *a,
			     const struct match_trigger *b);

/* True when (t) conflicts with a connection already indexed: O(1) however
 * many connections share its GPA. Called under hv->lock. */
bool match_conflicts_existing(struct hvdb *hv, const struct match_trigger *t);

/* True when (pred) holds for (t) and some connection already indexed at
 * t's partition and GPA (deleted port or not). Called under hv->lock. */
bool match_any_at(struct hvdb *hv, const struct match_trigger *t,
		  bool (*pred)(const struct match_trigger *existing,
			       const struct match_trigger *t));

/* Sets up the (partition, gpa) index of a new handle. 0 or -ENOMEM. */
int match_index_init(struct hvdb *hv);

/* Index and unindex a connection. Under hv->lock. match_reserve makes
 * room for a connection with trigger (t), which passed the conflict
 * check; after it returns 0, match_insert of that connection cannot fail.
 * 0 or -ENOMEM (what it allocated stays, matching nothing new). */
int match_reserve(struct hvdb *hv, const struct match_trigger *t);
void match_insert(struct hvdb *hv, struct connection *c);
void match_remove(struct hvdb *hv, struct connection *c);

#endif
