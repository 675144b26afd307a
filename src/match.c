/* match.c - SPEC §4 matching over a GPA-indexed lock-free hash table.
 *
 * Connections are keyed by (partition, GPA) in one RCU-published
 * open-addressing table (oatable.h); connections at the same GPA share a
 * key, so a write costs one hash probe plus a look at the few triggers at
 * its exact address, whatever the total number of connections.
 */
#include <errno.h>

#include <urcu/uatomic.h>

#include "connection.h"
#include "conninfo.h"
#include "deliver.h"
#include "match.h"
#include "port.h"

static uint64_t gpa_hash(uint64_t partition, hvdb_gpa_t gpa)
{
	return hv_hash(partition, gpa);
}

static uint64_t gpa_hash_of(const void *entry)
{
	const struct connection *c = entry;

	return gpa_hash(c->trigger.partition, c->trigger.gpa);
}

int match_index_init(struct hvdb *hv)
{
	return oatable_init(&hv->conn_by_gpa, hv, gpa_hash_of);
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

/* The next connection at (partition, gpa) of the lookup (it). */
static inline struct connection *next_at(struct oatable_iter *it,
					 struct connection *c,
					 uint64_t partition, hvdb_gpa_t gpa)
{
	for (; c; c = oatable_next(it))
		if (c->trigger.gpa == gpa && c->trigger.partition == partition)
			return c;
	return NULL;
}

/* The first connection at (partition, gpa); next_at() gives the rest. */
static inline struct connection *first_at(struct hvdb *hv,
					  struct oatable_iter *it,
					  uint64_t partition, hvdb_gpa_t gpa)
{
	struct connection *c =
		oatable_first(&hv->conn_by_gpa, gpa_hash(partition, gpa), it);

	return next_at(it, c, partition, gpa);
}

/* The connection at (partition, gpa) that the write matches, or NULL.
 * Called under rcu_read_lock. */
static inline struct connection *match_find(struct hvdb *hv, uint64_t partition,
					    hvdb_gpa_t gpa, unsigned len,
					    uint64_t value)
{
	struct oatable_iter it;
	struct connection *c;

	for (c = first_at(hv, &it, partition, gpa); c;
	     c = next_at(&it, oatable_next(&it), partition, gpa))
		if (match_trigger_hit(&c->trigger, len, value))
			return c;
	return NULL;
}

bool match_conflicts_existing(struct hvdb *hv, const struct match_trigger *t)
{
	struct oatable_iter it;
	struct connection *c;

	for (c = first_at(hv, &it, t->partition, t->gpa); c;
	     c = next_at(&it, oatable_next(&it), t->partition, t->gpa))
		if (match_triggers_conflict(&c->trigger, t))
			return true;
	return false;
}

int match_reserve(struct hvdb *hv)
{
	return oatable_reserve(&hv->conn_by_gpa);
}

void match_insert(struct hvdb *hv, struct connection *c)
{
	oatable_insert(&hv->conn_by_gpa, gpa_hash_of(c), c);
}

void match_remove(struct hvdb *hv, struct connection *c)
{
	oatable_remove(&hv->conn_by_gpa, gpa_hash_of(c), c);
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
	return uatomic_read(&c->port->deleted) ? HVDB_WRITE_DROPPED
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
	rcu_read_lock();
	result = write_resolve(hv, partition, gpa, len, value, &c);
	if (c)
		outcome_fill(out, c);
	if (deliver && result == HVDB_WRITE_FIRE)
		deliver_fire(hv, c->port, c->id, 1, false);
	rcu_read_unlock();
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
