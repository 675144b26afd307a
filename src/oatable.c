/* oatable.c - the writer side of the RCU-published open-addressing table:
 * inserts, removals with tombstones, replacements, rebuilds. */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "fault.h"
#include "grace.h"
#include "hv.h"
#include "oatable.h"

static struct oatable_slots *slots_new(struct oatable *t, unsigned long n)
{
	struct oatable_slots *s;

	s = fault_zalloc(t->hv, HVDB_FAULT_ALLOC_INDEX,
			 sizeof(*s) + n * sizeof(s->slot[0]));
	if (s)
		s->mask = n - 1;
	return s;
}

static void slots_free_rcu(struct rcu_head *head)
{
	grace_reclaim();
	free(caa_container_of(head, struct oatable_slots, rcu));
	grace_reclaimed();
}

/* Readers load slots with acquire: (v) and what it points to are
 * published by this release store. */
static void slot_publish(struct oatable_slots *s, unsigned long pos,
			 uintptr_t v)
{
	__atomic_store_n(&s->slot[pos], v, __ATOMIC_RELEASE);
}

static uintptr_t slot_value(uint64_t hash, const void *entry)
{
	uintptr_t p = (uintptr_t)entry;

	/* A pointer using the tag bits goes untagged (always compared). */
	if (p & ~OATABLE_PTR_MASK)
		return p;
	return p | oatable_tag(hash) << OATABLE_TAG_SHIFT;
}

/* Puts (v) in the first free slot of its probe chain; returns whether
 * that slot was empty (not a tombstone). */
static int slots_put(struct oatable_slots *s, uint64_t hash, uintptr_t v)
{
	unsigned long pos = (unsigned long)hash & s->mask;
	uintptr_t old;

	while ((old = s->slot[pos]) && old != OATABLE_TOMBSTONE)
		pos = (pos + 1) & s->mask;
	slot_publish(s, pos, v);
	return old == 0;
}

/* The slot of (entry), inserted with (hash), or -1 when it is not there. */
static long slots_find(const struct oatable_slots *s, uint64_t hash,
		       const void *entry)
{
	unsigned long pos = (unsigned long)hash & s->mask;
	uintptr_t v;

	for (;; pos = (pos + 1) & s->mask) {
		v = s->slot[pos];
		if (!v)
			return -1;
		if (v != OATABLE_TOMBSTONE &&
		    (v & OATABLE_PTR_MASK) == (uintptr_t)entry)
			return (long)pos;
	}
}

int oatable_init(struct oatable *t, struct hvdb *hv, oatable_hash_fn hash_of,
		 uint64_t seed)
{
	t->hv = hv;
	t->seed = seed;
	t->census = &t->own;
	t->own = (struct oatable_census){ 0, 0 };
	t->hash_of = hash_of;
	t->slots = slots_new(t, OATABLE_MIN_SLOTS);
	return t->slots ? 0 : -ENOMEM;
}

void oatable_fini(struct oatable *t)
{
	free(t->slots);
	t->slots = NULL;
}

void oatable_move_census(struct oatable *t, struct oatable_census *census)
{
	*census = *t->census;
	t->census = census;
}

unsigned long oatable_count(const struct oatable *t)
{
	return t->census->count;
}

uint64_t oatable_random_seed(void)
{
	struct timespec ts;
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	/* No entropy yet (early boot): still differs per handle and run. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return hv_hash((uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)&ts,
		       (uint64_t)ts.tv_sec);
}

int oatable_reserve(struct oatable *t)
{
	struct oatable_slots *old = t->slots, *s;
	unsigned long n = old->mask + 1;
	uintptr_t v;

	/* At most 3/4 of the slots non-empty, so probe chains end. */
	if ((t->census->used + 1) * 4 <= n * 3)
		return 0;
	/* Rebuild: same size when tombstones filled it, else grow so the
	 * live entries take at most 5/8. */
	while ((t->census->count + 1) * 8 > n * 5)
		n *= 2;
	s = slots_new(t, n);
	if (!s)
		return -ENOMEM;
	for (unsigned long i = 0; i <= old->mask; i++) {
		v = old->slot[i];
		if (v && v != OATABLE_TOMBSTONE)
			slots_put(s,
				  t->hash_of(t, (void *)(v & OATABLE_PTR_MASK)),
				  v);
	}
	t->census->used = t->census->count;
	/* release: readers that load the new array see its slots filled */
	__atomic_store_n(&t->slots, s, __ATOMIC_RELEASE);
	hv_call_rcu(t->hv, &old->rcu, slots_free_rcu);
	return 0;
}

void oatable_insert(struct oatable *t, uint64_t hash, void *entry)
{
	if (slots_put(t->slots, hash, slot_value(hash, entry)))
		t->census->used++;
	t->census->count++;
}

void oatable_replace(struct oatable *t, uint64_t hash, const void *from,
		     void *to)
{
	long pos = slots_find(t->slots, hash, from);

	if (pos >= 0)
		slot_publish(t->slots, (unsigned long)pos,
			     slot_value(hash, to));
}

void oatable_remove(struct oatable *t, uint64_t hash, const void *entry)
{
	struct oatable_slots *s = t->slots;
	long found = slots_find(s, hash, entry);
	unsigned long pos;

	if (found < 0)
		return; /* not there: nothing to undo */
	pos = (unsigned long)found;
	t->census->count--;
	/* No chain runs past an empty successor: this slot and the
	 * tombstones before it can become empty, readers lose nothing. A
	 * removal publishes nothing: relaxed stores. */
	if (s->slot[(pos + 1) & s->mask]) {
		__atomic_store_n(&s->slot[pos], OATABLE_TOMBSTONE,
				 __ATOMIC_RELAXED);
		return;
	}
	do {
		__atomic_store_n(&s->slot[pos], 0, __ATOMIC_RELAXED);
		t->census->used--;
		pos = (pos - 1) & s->mask;
	} while (s->slot[pos] == OATABLE_TOMBSTONE);
}

unsigned long oatable_slot_count(const struct oatable *t)
{
	return t->slots->mask + 1;
}

void *oatable_slot(const struct oatable *t, unsigned long i)
{
	uintptr_t v = t->slots->slot[i];

	return v && v != OATABLE_TOMBSTONE ? (void *)(v & OATABLE_PTR_MASK)
					   : NULL;
}

size_t oatable_entries(const struct oatable *t, void **out, size_t max)
{
	size_t n = 0;
	void *e;

	for (unsigned long i = 0; i < oatable_slot_count(t); i++) {
		e = oatable_slot(t, i);
		if (!e)
			continue;
		if (n < max)
			out[n] = e;
		n++;
	}
	return n;
}
