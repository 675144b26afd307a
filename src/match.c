/* match.c - SPEC §4 matching over a GPA-indexed lock-free hash table.
 *
 * The GPA index (hv->conn_by_gpa, an RCU-published open-addressing table,
 * oatable.h) holds one entry per (partition, GPA) in use: the connection
 * there, or, once two or more share that GPA, their crowd (crowd.h). So a
 * write costs one probe of the GPA index, plus in a crowd a slot read and
 * one probe by value: never a scan of the GPA, and
 * however many connections one GPA holds, the GPA index (which every
 * partition's writes probe) holds one entry for it. Hashes are keyed with
 * a random seed per table, so no guest can choose GPAs or values that
 * share a probe chain.
 */
#include <errno.h>
#include <stdlib.h>

#include "connection.h"
#include "conninfo.h"
#include "crowd.h"
#include "deliver.h"
#include "grace.h"
#include "match.h"
#include "port.h"

/* GPA index entries: a connection, or a crowd with this bit set. */
#define CROWD_BIT ((uintptr_t)1)

static bool is_crowd(const void *e)
{
	return (uintptr_t)e & CROWD_BIT;
}

static struct crowd *as_crowd(const void *e)
{
	return (struct crowd *)((uintptr_t)e & ~CROWD_BIT);
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

int match_index_init(struct hvdb *hv)
{
	int ret = oatable_init(&hv->conn_by_gpa, hv, gpa_hash_of,
			       oatable_random_seed());

	/* off the line every write reads (hv.h) */
	oatable_move_census(&hv->conn_by_gpa, &hv->gpa_census);
	return ret;
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
		return crowd_find(as_crowd(e), len, value);
	return match_trigger_hit(&c->trigger, len, value) ? c : NULL;
}

bool match_conflicts_existing(struct hvdb *hv, const struct match_trigger *t)
{
	void *e = entry_at(hv, t->partition, t->gpa);

	if (!e)
		return false;
	if (is_crowd(e))
		return crowd_conflicts(as_crowd(e), t);
	return match_triggers_conflict(key_of(e), t);
}

bool match_any_at(struct hvdb *hv, const struct match_trigger *t,
		  bool (*pred)(const struct match_trigger *existing,
			       const struct match_trigger *t))
{
	void *e = entry_at(hv, t->partition, t->gpa);

	if (!e)
		return false;
	if (!is_crowd(e))
		return pred(key_of(e), t);
	return crowd_any(as_crowd(e), t, pred);
}

int match_reserve(struct hvdb *hv, const struct match_trigger *t)
{
	void *e = entry_at(hv, t->partition, t->gpa);
	struct crowd *cr;

	if (!e)
		return oatable_reserve(&hv->conn_by_gpa);
	if (!is_crowd(e)) {
		/* The GPA's second connection: its first moves into a crowd
		 * that readers then find in its place. */
		/* The GPA's own hash seeds its value table: keyed per crowd. */
		cr = crowd_new(hv, e, gpa_hash_of(&hv->conn_by_gpa, e));
		if (!cr)
			return -ENOMEM;
		oatable_replace(&hv->conn_by_gpa,
				gpa_hash_of(&hv->conn_by_gpa, e), e,
				(void *)((uintptr_t)cr | CROWD_BIT));
		e = cr;
	}
	return crowd_reserve(as_crowd(e), t);
}

void match_insert(struct hvdb *hv, struct connection *c)
{
	struct oatable *t = &hv->conn_by_gpa;
	void *e = entry_at(hv, c->trigger.partition, c->trigger.gpa);

	/* match_reserve made a crowd of any connection already there */
	if (e)
		crowd_add(as_crowd(e), c);
	else
		oatable_insert(t, gpa_hash_of(t, c), c);
}

void match_remove(struct hvdb *hv, struct connection *c)
{
	struct oatable *t = &hv->conn_by_gpa;
	void *e = entry_at(hv, c->trigger.partition, c->trigger.gpa);
	struct crowd *cr;
	struct connection *rest;

	if (!e)
		return;
	if (!is_crowd(e)) {
		oatable_remove(t, gpa_hash_of(t, c), c);
		return;
	}
	cr = as_crowd(e);
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
	crowd_retire(hv, cr);
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
