/* oatable.c - the writer side of the RCU-published open-addressing table:
 * inserts, removals with tombstones, rebuilds. */
#include <errno.h>
#include <stdlib.h>

#include "fault.h"
#include "oatable.h"

#define OATABLE_MIN_SLOTS 16ul

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
	free(caa_container_of(head, struct oatable_slots, rcu));
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
	/* readers must see the entry initialised before they see it */
	cmm_smp_wmb();
	CMM_STORE_SHARED(s->slot[pos], v);
	return old == 0;
}

int oatable_init(struct oatable *t, struct hvdb *hv,
		 uint64_t (*hash_of)(const void *))
{
	t->hv = hv;
	t->slots = slots_new(t, OATABLE_MIN_SLOTS);
	t->count = 0;
	t->used = 0;
	t->hash_of = hash_of;
	return t->slots ? 0 : -ENOMEM;
}

void oatable_fini(struct oatable *t)
{
	free(t->slots);
	t->slots = NULL;
}

int oatable_reserve(struct oatable *t)
{
	struct oatable_slots *old = t->slots, *s;
	unsigned long n = old->mask + 1;
	uintptr_t v;

	/* At most 3/4 of the slots non-empty, so probe chains end. */
	if ((t->used + 1) * 4 <= n * 3)
		return 0;
	/* Rebuild: same size when tombstones filled it, else grow so the
	 * live entries take at most 5/8. */
	while ((t->count + 1) * 8 > n * 5)
		n *= 2;
	s = slots_new(t, n);
	if (!s)
		return -ENOMEM;
	for (unsigned long i = 0; i <= old->mask; i++) {
		v = old->slot[i];
		if (v && v != OATABLE_TOMBSTONE)
			slots_put(s, t->hash_of((void *)(v & OATABLE_PTR_MASK)),
				  v);
	}
	t->used = t->count;
	rcu_assign_pointer(t->slots, s);
	call_rcu(&old->rcu, slots_free_rcu);
	return 0;
}

void oatable_insert(struct oatable *t, uint64_t hash, void *entry)
{
	if (slots_put(t->slots, hash, slot_value(hash, entry)))
		t->used++;
	t->count++;
}

void oatable_remove(struct oatable *t, uint64_t hash, const void *entry)
{
	struct oatable_slots *s = t->slots;
	unsigned long pos = (unsigned long)hash & s->mask;
	uintptr_t v;

	for (;; pos = (pos + 1) & s->mask) {
		v = s->slot[pos];
		if (!v)
			return; /* not there: nothing to undo */
		if (v != OATABLE_TOMBSTONE &&
		    (v & OATABLE_PTR_MASK) == (uintptr_t)entry)
			break;
	}
	t->count--;
	/* No chain runs past an empty successor: this slot and the
	 * tombstones before it can become empty, readers lose nothing. */
	if (s->slot[(pos + 1) & s->mask]) {
		CMM_STORE_SHARED(s->slot[pos], OATABLE_TOMBSTONE);
		return;
	}
	do {
		CMM_STORE_SHARED(s->slot[pos], 0);
		t->used--;
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
