/* match.c - SPEC §4 matching over a GPA-indexed lock-free hash table.
 *
 * The GPA index (hv->conn_by_gpa, an RCU-published open-addressing table,
 * oatable.h) holds one entry per (partition, GPA) in use: the connection
 * there, or, once two or more share that GPA, their crowd. A crowd keeps
 * its ANY_VALUE members in four slots by width (at most one per width can
 * coexist, SPEC §4) and its value-specific ones in a table of its own,
 * keyed by value. So a write costs one probe of the GPA index, plus in a
 * crowd a slot read and one probe by value: never a scan of the GPA, and
 * however many connections one GPA holds, the GPA index (which every
 * partition's writes probe) holds one entry for it. Hashes are keyed with
 * a random seed per table, so no guest can choose GPAs or values that
 * share a probe chain.
 */
#include <errno.h>
#include <stdlib.h>

#include "connection.h"
#include "conninfo.h"
#include "deliver.h"
#include "fault.h"
#include "grace.h"
#include "match.h"
#include "port.h"

/* Sizes 1, 2, 4, 8 bytes and ANY; widths 1, 2, 4, 8 as classes 0..3. */
#define SIZE_CLASSES 5
#define SIZE_CLASS_ANY 4
#define FIT_CLASSES 4

/* Every connection at one (partition, GPA), once there are two or more
 * (one, after a reservation whose ConnectPort then failed). */
struct match_crowd {
	/* Only partition and gpa are set: what a GPA index entry starts
	 * with, be it a connection or a crowd. Fixed. */
	struct match_trigger key;
	/* ANY_VALUE members by width class; an ANY-size one conflicts with
	 * every other connection, so it is never in a crowd. RCU-published */
	struct connection *any_value[FIT_CLASSES];
	struct oatable by_value; /* value-specific members, keyed by value */
	uint32_t members;	 /* under hv->lock */
	/* Value-specific members by size class and by the narrowest width
	 * class their value fits: all the conflict check of an ANY_VALUE
	 * newcomer needs to know of them (SPEC §4). Under hv->lock. */
	uint32_t specific[SIZE_CLASSES][FIT_CLASSES];
	struct rcu_head rcu;
};

/* GPA index entries: a connection, or a crowd with this bit set. */
#define CROWD_BIT ((uintptr_t)1)

static bool is_crowd(const void *e)
{
	return (uintptr_t)e & CROWD_BIT;
}

static struct match_crowd *crowd_of(const void *e)
{
	return (struct match_crowd *)((uintptr_t)e & ~CROWD_BIT);
}

/* The (partition, gpa) an entry starts with: a connection's trigger or a
 * crowd's key, each the first member of its struct. */
static const struct match_trigger *key_of(const void *e)
{
	return (const struct match_trigger *)((uintptr_t)e & ~CROWD_BIT);
}

static uint64_t gpa_hash(const struct oatable *t, uint64_t partition,
			 hvdb_gpa_t gpa)
{
	return hv_hash(t->seed ^ partition, gpa);
}

static uint64_t gpa_hash_of(const struct oatable *t, const void *entry)
{
	return gpa_hash(t, key_of(entry)->partition, key_of(entry)->gpa);
}

static uint64_t value_hash(const struct oatable *t, uint64_t value)
{
	return hv_hash(t->seed, value);
}

static uint64_t value_hash_of(const struct oatable *t, const void *entry)
{
	return value_hash(t, ((const struct connection *)entry)->trigger.value);
}

int match_index_init(struct hvdb *hv)
{
	return oatable_init(&hv->conn_by_gpa, hv, gpa_hash_of,
			    oatable_random_seed());
}

bool match_triggers_conflict(const struct match_trigger *a,
			     const struct match_trigger *b)
{
	for (unsigned len = 1; len <= 8; len++) {
		if ((!a->any_size && a->width != len) ||
		    (!b->any_size && b->width != len))
			continue;
		if (a->any_value && b->any_value)
			return true;
		/* One value-specific side: its value must fit this length. */
		if (a->any_value || b->any_value) {
			uint64_t v = a->any_value ? b->value : a->value;

			if (conninfo_value_fits(v, len))
				return true;
			continue;
		}
		if (a->value == b->value && conninfo_value_fits(a->value, len))
			return true;
	}
	return false;
}

/* The GPA index entry at (partition, gpa), or NULL. Under rcu_read_lock
 * or hv->lock. */
static inline void *entry_at(struct hvdb *hv, uint64_t partition,
			     hvdb_gpa_t gpa)
{
	const struct oatable *t = &hv->conn_by_gpa;
	struct oatable_iter it;
	void *e;

	for (e = oatable_first(t, gpa_hash(t, partition, gpa), &it); e;
	     e = oatable_next(&it))
		if (key_of(e)->gpa == gpa && key_of(e)->partition == partition)
			return e;
	return NULL;
}

/* The member of (cr) that a write of (len) bytes with (value) matches,
 * or NULL. Under rcu_read_lock. */
static inline struct connection *crowd_find(const struct match_crowd *cr,
					    unsigned len, uint64_t value)
{
	struct oatable_iter it;
	struct connection *c;

	if (!(len & (len - 1))) {
		c = __atomic_load_n(&cr->any_value[__builtin_ctz(len)],
				    __ATOMIC_ACQUIRE);
		if (c)
			return c;
	}
	for (c = oatable_first(&cr->by_value, value_hash(&cr->by_value, value),
			       &it);
	     c; c = oatable_next(&it))
		if (match_trigger_hit(&c->trigger, len, value))
			return c;
	return NULL;
}

/* The connection at (partition, gpa) that the write matches, or NULL.
 * Called under rcu_read_lock. */
static inline struct connection *match_find(struct hvdb *hv, uint64_t partition,
					    hvdb_gpa_t gpa, unsigned len,
					    uint64_t value)
{
	void *e = entry_at(hv, partition, gpa);
	struct connection *c = e;

	if (!e)
		return NULL;
	if (is_crowd(e))
		return crowd_find(crowd_of(e), len, value);
	return match_trigger_hit(&c->trigger, len, value) ? c : NULL;
}

static unsigned size_class(const struct match_trigger *t)
{
	return t->any_size ? SIZE_CLASS_ANY : (unsigned)__builtin_ctz(t->width);
}

/* The narrowest of 1, 2, 4, 8 bytes that (value) fits, as a class. */
static unsigned fit_class(uint64_t value)
{
	unsigned f = 0;

	while (f < FIT_CLASSES - 1 && !conninfo_value_fits(value, 1u << f))
		f++;
	return f;
}

/* A value-specific trigger of size class (s) whose value is of fit class
 * (f): whether it conflicts with an ANY_VALUE trigger depends on nothing
 * else (SPEC §4: only which lengths the value fits). */
static struct match_trigger specific_class_trigger(unsigned s, unsigned f)
{
	return (struct match_trigger){
		.value = f ? 1ull << (8u << (f - 1)) : 0,
		.width = s == SIZE_CLASS_ANY ? 0 : (uint8_t)(1u << s),
		.any_size = s == SIZE_CLASS_ANY,
	};
}

/* SPEC §4 conflicts of (t) with the members of (cr). Under hv->lock. */
static bool crowd_conflicts(const struct match_crowd *cr,
			    const struct match_trigger *t)
{
	struct oatable_iter it;
	struct connection *c;
	struct match_trigger rep;

	for (unsigned k = 0; k < FIT_CLASSES; k++)
		if (cr->any_value[k] &&
		    match_triggers_conflict(&cr->any_value[k]->trigger, t))
			return true;
	/* Value-specific pairs conflict only on equal values. */
	if (!t->any_value) {
		for (c = oatable_first(&cr->by_value,
				       value_hash(&cr->by_value, t->value),
				       &it);
		     c; c = oatable_next(&it))
			if (match_triggers_conflict(&c->trigger, t))
				return true;
		return false;
	}
	for (unsigned s = 0; s < SIZE_CLASSES; s++) {
		for (unsigned f = 0; f < FIT_CLASSES; f++) {
			rep = specific_class_trigger(s, f);
			if (cr->specific[s][f] &&
			    match_triggers_conflict(&rep, t))
				return true;
		}
	}
	return false;
}

bool match_conflicts_existing(struct hvdb *hv, const struct match_trigger *t)
{
	void *e = entry_at(hv, t->partition, t->gpa);

	if (!e)
		return false;
	if (is_crowd(e))
		return crowd_conflicts(crowd_of(e), t);
	return match_triggers_conflict(key_of(e), t);
}

bool match_any_at(struct hvdb *hv, const struct match_trigger *t,
		  bool (*pred)(const struct match_trigger *existing,
			       const struct match_trigger *t))
{
	void *e = entry_at(hv, t->partition, t->gpa);
	struct match_crowd *cr;
	struct connection *c;

	if (!e)
		return false;
	if (!is_crowd(e))
		return pred(key_of(e), t);
	/* Every member: a walk, for callers off the write path. */
	cr = crowd_of(e);
	for (unsigned k = 0; k < FIT_CLASSES; k++)
		if (cr->any_value[k] && pred(&cr->any_value[k]->trigger, t))
			return true;
	for (unsigned long i = 0; i < oatable_slot_count(&cr->by_value); i++) {
		c = oatable_slot(&cr->by_value, i);
		if (c && pred(&c->trigger, t))
			return true;
	}
	return false;
}

/* Adds (c) to (cr), with room made. Under hv->lock. */
static void crowd_add(struct match_crowd *cr, struct connection *c)
{
	const struct match_trigger *t = &c->trigger;

	cr->members++;
	if (t->any_value) {
		/* release: readers see (c) initialised */
		__atomic_store_n(&cr->any_value[__builtin_ctz(t->width)], c,
				 __ATOMIC_RELEASE);
		return;
	}
	cr->specific[size_class(t)][fit_class(t->value)]++;
	oatable_insert(&cr->by_value, value_hash(&cr->by_value, t->value), c);
}

static void crowd_del(struct match_crowd *cr, struct connection *c)
{
	const struct match_trigger *t = &c->trigger;

	cr->members--;
	if (t->any_value) {
		__atomic_store_n(&cr->any_value[__builtin_ctz(t->width)], NULL,
				 __ATOMIC_RELAXED);
		return;
	}
	cr->specific[size_class(t)][fit_class(t->value)]--;
	oatable_remove(&cr->by_value, value_hash(&cr->by_value, t->value), c);
}

/* Some member of (cr), or NULL when it has none. Under hv->lock. */
static struct connection *crowd_some_member(const struct match_crowd *cr)
{
	void *c = NULL;

	for (unsigned k = 0; k < FIT_CLASSES; k++)
		if (cr->any_value[k])
			return cr->any_value[k];
	return oatable_entries(&cr->by_value, &c, 1) ? c : NULL;
}

static void crowd_free(struct match_crowd *cr)
{
	oatable_fini(&cr->by_value);
	free(cr);
}

static void crowd_free_rcu(struct rcu_head *head)
{
	grace_reclaim();
	crowd_free(caa_container_of(head, struct match_crowd, rcu));
	grace_reclaimed();
}

/* A crowd holding (c), which sits alone at its GPA, or NULL when out of
 * memory. Under hv->lock. */
static struct match_crowd *crowd_new(struct hvdb *hv, struct connection *c)
{
	struct match_crowd *cr;

	cr = fault_zalloc(hv, HVDB_FAULT_ALLOC_INDEX, sizeof(*cr));
	if (!cr)
		return NULL;
	cr->key.partition = c->trigger.partition;
	cr->key.gpa = c->trigger.gpa;
	/* The GPA's own hash seeds its value table: keyed per crowd. */
	if (oatable_init(&cr->by_value, hv, value_hash_of,
			 gpa_hash_of(&hv->conn_by_gpa, c))) {
		free(cr);
		return NULL;
	}
	crowd_add(cr, c); /* a fresh table has room */
	return cr;
}

int match_reserve(struct hvdb *hv, const struct match_trigger *t)
{
	void *e = entry_at(hv, t->partition, t->gpa);
	struct match_crowd *cr;

	if (!e)
		return oatable_reserve(&hv->conn_by_gpa);
	if (!is_crowd(e)) {
		/* The GPA's second connection: its first moves into a crowd
		 * that readers then find in its place. */
		cr = crowd_new(hv, e);
		if (!cr)
			return -ENOMEM;
		oatable_replace(&hv->conn_by_gpa,
				gpa_hash_of(&hv->conn_by_gpa, e), e,
				(void *)((uintptr_t)cr | CROWD_BIT));
		e = cr;
	}
	cr = crowd_of(e);
	return t->any_value ? 0 : oatable_reserve(&cr->by_value);
}

void match_insert(struct hvdb *hv, struct connection *c)
{
	struct oatable *t = &hv->conn_by_gpa;
	void *e = entry_at(hv, c->trigger.partition, c->trigger.gpa);

	/* match_reserve made a crowd of any connection already there */
	if (e)
		crowd_add(crowd_of(e), c);
	else
		oatable_insert(t, gpa_hash_of(t, c), c);
}

void match_remove(struct hvdb *hv, struct connection *c)
{
	struct oatable *t = &hv->conn_by_gpa;
	void *e = entry_at(hv, c->trigger.partition, c->trigger.gpa);
	struct match_crowd *cr;
	struct connection *rest;

	if (!e)
		return;
	if (!is_crowd(e)) {
		oatable_remove(t, gpa_hash_of(t, c), c);
		return;
	}
	cr = crowd_of(e);
	crowd_del(cr, c);
	if (cr->members > 1)
		return;
	/* Down to one (or none): it goes back in the crowd's place. Readers
	 * still in the crowd find it there until the grace period ends. */
	rest = crowd_some_member(cr);
	if (rest)
		oatable_replace(t, gpa_hash_of(t, e), e, rest);
	else
		oatable_remove(t, gpa_hash_of(t, e), e);
	hv_call_rcu(hv, &cr->rcu, crowd_free_rcu);
}

static bool write_valid(unsigned len, uint64_t value)
{
	return len >= 1 && len <= 8 && conninfo_value_fits(value, len);
}

/* What a write does, without doing it. Under rcu_read_lock. */
static int write_resolve(struct hvdb *hv, uint64_t partition, hvdb_gpa_t gpa,
			 unsigned len, uint64_t value,
			 struct connection **matched)
{
	struct connection *c = match_find(hv, partition, gpa, len, value);

	*matched = c;
	if (!c)
		return HVDB_WRITE_MISS;
	/* SPEC §3 DeletePort: a connection to a deleted port drops writes */
	return __atomic_load_n(&c->port->deleted, __ATOMIC_ACQUIRE)
		       ? HVDB_WRITE_DROPPED
		       : HVDB_WRITE_FIRE;
}

static void outcome_fill(struct hvdb_write_outcome *out,
			 const struct connection *c)
{
	if (!out)
		return;
	out->connection_id = c->id;
	out->port_id = c->port->id;
	out->port_partition = HVDB_ROOT_PARTITION_ID;
}

/* A write, resolved and (when deliver) delivered. */
static inline int write_dispatch(struct hvdb *hv, uint64_t partition,
				 hvdb_gpa_t gpa, unsigned len, uint64_t value,
				 struct hvdb_write_outcome *out, bool deliver)
{
	struct connection *c;
	int result;

	if (!write_valid(len, value))
		return -EINVAL;
	grace_read_lock();
	result = write_resolve(hv, partition, gpa, len, value, &c);
	if (c)
		outcome_fill(out, c);
	if (deliver && result == HVDB_WRITE_FIRE)
		deliver_fire(hv, c->port, c->id, 1, false);
	grace_read_unlock();
	return result;
}

int hvdb_match_lookup(struct hvdb *hv, uint64_t partition, hvdb_gpa_t gpa,
		      unsigned len, uint64_t value,
		      struct hvdb_write_outcome *out)
{
	return write_dispatch(hv, partition, gpa, len, value, out, false);
}

int hvdb_write(struct hvdb *hv, uint64_t partition, hvdb_gpa_t gpa,
	       unsigned len, uint64_t value, struct hvdb_write_outcome *out)
{
	return write_dispatch(hv, partition, gpa, len, value, out, true);
}
