/* match.c - SPEC §4 matching over a GPA-indexed lock-free hash table.
 *
 * Connections are keyed by (partition, GPA) in one cds_lfht; connections
 * at the same GPA are duplicates of one key, so a write costs one hash
 * lookup plus a walk over the few triggers at its exact address, whatever
 * the total number of connections.
 */
#include <errno.h>

#include <urcu/uatomic.h>

#include "connection.h"
#include "conninfo.h"
#include "deliver.h"
#include "match.h"
#include "port.h"

struct match_key {
	uint64_t partition;
	hvdb_gpa_t gpa;
};

static int match_key_eq(struct cds_lfht_node *node, const void *key)
{
	const struct connection *c =
		caa_container_of(node, struct connection, gpa_node);
	const struct match_key *k = key;

	return c->trigger.gpa == k->gpa && c->trigger.partition == k->partition;
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

/* Positions (iter) on the first connection at (partition, gpa). */
static struct connection *first_at(struct hvdb *hv, const struct match_key *k,
				   struct cds_lfht_iter *iter)
{
	struct cds_lfht_node *node;

	cds_lfht_lookup(hv->conn_by_gpa, hv_hash(k->partition, k->gpa),
			match_key_eq, k, iter);
	node = cds_lfht_iter_get_node(iter);
	return node ? caa_container_of(node, struct connection, gpa_node)
		    : NULL;
}

static struct connection *next_at(struct hvdb *hv, const struct match_key *k,
				  struct cds_lfht_iter *iter)
{
	struct cds_lfht_node *node;

	cds_lfht_next_duplicate(hv->conn_by_gpa, match_key_eq, k, iter);
	node = cds_lfht_iter_get_node(iter);
	return node ? caa_container_of(node, struct connection, gpa_node)
		    : NULL;
}

struct connection *match_find(struct hvdb *hv, uint64_t partition,
			      hvdb_gpa_t gpa, unsigned len, uint64_t value)
{
	const struct match_key k = { partition, gpa };
	struct cds_lfht_iter iter;
	struct connection *c;

	for (c = first_at(hv, &k, &iter); c; c = next_at(hv, &k, &iter))
		if (match_trigger_hit(&c->trigger, len, value))
			return c;
	return NULL;
}

bool match_conflicts_existing(struct hvdb *hv, const struct match_trigger *t)
{
	const struct match_key k = { t->partition, t->gpa };
	struct cds_lfht_iter iter;
	struct connection *c;

	for (c = first_at(hv, &k, &iter); c; c = next_at(hv, &k, &iter))
		if (match_triggers_conflict(&c->trigger, t))
			return true;
	return false;
}

void match_insert(struct hvdb *hv, struct connection *c)
{
	cds_lfht_node_init(&c->gpa_node);
	cds_lfht_add(hv->conn_by_gpa,
		     hv_hash(c->trigger.partition, c->trigger.gpa),
		     &c->gpa_node);
}

void match_remove(struct hvdb *hv, struct connection *c)
{
	(void)cds_lfht_del(hv->conn_by_gpa, &c->gpa_node);
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
