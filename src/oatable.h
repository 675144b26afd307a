/* oatable.h - an open-addressing hash table of tagged pointers whose slot
 * array is published under RCU: readers take no lock, writers serialise
 * on one lock (hv->lock).
 *
 * Why not cds_lfht here: a lookup in cds_lfht walks a split-ordered list
 * (bucket node, then each node before ours, then the next node to learn
 * there is no duplicate), a dependent cache miss per step, and it only
 * grows once chains average 8. Here a lookup reads one slot (usually one
 * cache line) and dereferences only entries whose 16-bit hash tag
 * matches. Reclamation stays liburcu's: a replaced slot array and removed
 * entries go through call_rcu.
 *
 * Slots hold 0 (empty), OATABLE_TOMBSTONE (removed, keeps probe chains
 * whole) or an entry pointer with the top 16 bits of its hash in bits
 * 48-63 (a pointer with any of those bits set is stored untagged, tag 0,
 * and always compared). Entries may share a hash: a lookup visits every
 * candidate. The table keeps at most 3/4 of its slots non-empty. Entries
 * are opaque non-NULL values other than OATABLE_TOMBSTONE: a user may set
 * the low bits of its (aligned) pointers to tell kinds apart.
 *
 * Publication is C11-style (__atomic, so ThreadSanitizer sees it): an
 * entry and a slot array are fully written before a release store makes
 * them reachable, and readers load slots and the array pointer with
 * acquire. src/oatable.pml models this protocol.
 */
#ifndef HVDB_OATABLE_H
#define HVDB_OATABLE_H

#include <stddef.h>
#include <stdint.h>

#include <urcu-bp.h>

#define OATABLE_TOMBSTONE ((uintptr_t)1)
#define OATABLE_TAG_SHIFT 48
#define OATABLE_PTR_MASK (((uintptr_t)1 << OATABLE_TAG_SHIFT) - 1)
/* A fresh table takes this many inserts before it needs oatable_reserve. */
#define OATABLE_MIN_SLOTS 16ul
#define OATABLE_FRESH_ROOM (OATABLE_MIN_SLOTS * 3 / 4)

struct oatable_slots {
	unsigned long mask; /* slot count - 1; a power of two minus 1 */
	struct rcu_head rcu;
	uintptr_t slot[];
};

struct hvdb;
struct oatable;

/* The hash an entry was inserted with, for rebuilds. */
typedef uint64_t (*oatable_hash_fn)(const struct oatable *t, const void *entry);

/* What writers store to on every insert and removal. */
struct oatable_census {
	unsigned long count; /* live entries; under the writer lock */
	unsigned long used;  /* live entries + tombstones; same */
};

/* Readers use (slots) and (seed) only: nothing here but (own) changes
 * between rebuilds. A table that lookups on other CPUs read keeps its
 * census elsewhere (oatable_move_census), away from the line they read,
 * and sits between pads (see struct hvdb). */
struct oatable {
	struct oatable_slots *slots; /* RCU-published; replaced by rebuilds */
	uint64_t seed;		     /* mixed into every key's hash; fixed */
	oatable_hash_fn hash_of;     /* for rebuilds */
	struct hvdb *hv; /* slot arrays come from fault point alloc-index */
	struct oatable_census *census; /* &own unless moved */
	struct oatable_census own;
};

/* An empty table of (hv) hashing entries with (hash_of), keyed with
 * (seed). 0 or -ENOMEM. */
int oatable_init(struct oatable *t, struct hvdb *hv, oatable_hash_fn hash_of,
		 uint64_t seed);
/* Keeps the census of the (empty) table at (census) from now on. */
void oatable_move_census(struct oatable *t, struct oatable_census *census);
/* Live entries. Writer lock. */
unsigned long oatable_count(const struct oatable *t);
/* Frees the slots (not the entries). No reader may be running. */
void oatable_fini(struct oatable *t);
/* A seed no guest can predict (getrandom), so no guest can choose keys
 * that share a probe chain. */
uint64_t oatable_random_seed(void);

/* Makes room for one more insert, rebuilding into a fresh slot array
 * when needed. 0 or -ENOMEM (the table is unchanged). Writer lock. */
int oatable_reserve(struct oatable *t);
/* Adds (entry), fully initialised, with (hash). Needs a successful
 * oatable_reserve since the last insert (or a fresh table with fewer than
 * OATABLE_FRESH_ROOM entries). Writer lock. */
void oatable_insert(struct oatable *t, uint64_t hash, void *entry);
/* Removes (entry), inserted with (hash). Readers may still see it until a
 * grace period passes. Writer lock. */
void oatable_remove(struct oatable *t, uint64_t hash, const void *entry);
/* Puts (to), fully initialised and of the same (hash), in the slot of
 * (from): a reader sees one or the other, never neither. Writer lock. */
void oatable_replace(struct oatable *t, uint64_t hash, const void *from,
		     void *to);
/* Copies up to (max) live entries to (out); returns how many there are.
 * Writer lock. */
size_t oatable_entries(const struct oatable *t, void **out, size_t max);
/* Walks under the writer lock: slot (i) of oatable_slot_count() holds
 * the returned entry, or NULL. Only oatable_reserve moves entries, so a
 * walk may remove entries as it goes. */
unsigned long oatable_slot_count(const struct oatable *t);
void *oatable_slot(const struct oatable *t, unsigned long i);

/* A lookup in progress. */
struct oatable_iter {
	const struct oatable_slots *s;
	unsigned long pos;
	uintptr_t tag;
};

static inline uintptr_t oatable_tag(uint64_t hash)
{
	uintptr_t tag = (uintptr_t)(hash >> OATABLE_TAG_SHIFT);

	return tag ? tag : 1; /* tag 0 means "untagged" */
}

/* The next candidate entry of the lookup, or NULL at its end. */
static inline void *oatable_next(struct oatable_iter *it)
{
	uintptr_t s, tag;

	for (;;) {
		/* acquire: pairs with the release that published the
		 * entry, so its fields are initialised when we read them */
		s = __atomic_load_n(&it->s->slot[it->pos], __ATOMIC_ACQUIRE);
		it->pos = (it->pos + 1) & it->s->mask;
		if (!s)
			return NULL;
		tag = s >> OATABLE_TAG_SHIFT;
		if (s == OATABLE_TOMBSTONE || (tag && tag != it->tag))
			continue;
		return (void *)(s & OATABLE_PTR_MASK);
	}
}

/* Starts a lookup of (hash): the first candidate entry, or NULL. Under
 * rcu_read_lock (or the writer lock); the caller compares keys. */
static inline void *oatable_first(const struct oatable *t, uint64_t hash,
				  struct oatable_iter *it)
{
	it->s = __atomic_load_n(&t->slots, __ATOMIC_ACQUIRE);
	it->pos = (unsigned long)hash & it->s->mask;
	it->tag = oatable_tag(hash);
	return oatable_next(it);
}

#endif
