/* crowd.c - the members of a crowded GPA: adding, removing, conflicts by
 * value and by class counts, reclamation. */
#include <errno.h>
#include <stdlib.h>

#include "conninfo.h"
#include "crowd.h"
#include "fault.h"
#include "grace.h"

static uint64_t value_hash_of(const struct oatable *t, const void *entry)
{
	return crowd_value_hash(
		t, ((const struct connection *)entry)->trigger.value);
}

static unsigned size_class(const struct match_trigger *t)
{
	return t->any_size ? CROWD_SIZE_ANY : (unsigned)__builtin_ctz(t->width);
}

/* The narrowest of 1, 2, 4, 8 bytes that (value) fits, as a class. */
static unsigned fit_class(uint64_t value)
{
	unsigned f = 0;

	while (f < CROWD_WIDTH_CLASSES - 1 &&
	       !conninfo_value_fits(value, 1u << f))
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
		.width = s == CROWD_SIZE_ANY ? 0 : (uint8_t)(1u << s),
		.any_size = s == CROWD_SIZE_ANY,
	};
}

struct connection *crowd_find(const struct crowd *cr, unsigned len,
			      uint64_t value)
{
	struct oatable_iter it;
	struct connection *c;

	if (!(len & (len - 1))) {
		c = __atomic_load_n(&cr->any_value[__builtin_ctz(len)],
				    __ATOMIC_ACQUIRE);
		if (c)
			return c;
	}
	for (c = oatable_first(&cr->by_value,
			       crowd_value_hash(&cr->by_value, value), &it);
	     c; c = oatable_next(&it))
		if (match_trigger_hit(&c->trigger, len, value))
			return c;
	return NULL;
}

bool crowd_conflicts(const struct crowd *cr, const struct match_trigger *t)
{
	struct oatable_iter it;
	struct connection *c;
	struct match_trigger rep;

	for (unsigned k = 0; k < CROWD_WIDTH_CLASSES; k++)
		if (cr->any_value[k] &&
		    match_triggers_conflict(&cr->any_value[k]->trigger, t))
			return true;
	/* Value-specific pairs conflict only on equal values. */
	if (!t->any_value) {
		for (c = oatable_first(
			     &cr->by_value,
			     crowd_value_hash(&cr->by_value, t->value), &it);
		     c; c = oatable_next(&it))
			if (match_triggers_conflict(&c->trigger, t))
				return true;
		return false;
	}
	for (unsigned s = 0; s < CROWD_SIZE_CLASSES; s++) {
		for (unsigned f = 0; f < CROWD_WIDTH_CLASSES; f++) {
			rep = specific_class_trigger(s, f);
			if (cr->specific[s][f] &&
			    match_triggers_conflict(&rep, t))
				return true;
		}
	}
	return false;
}

bool crowd_any(const struct crowd *cr, const struct match_trigger *t,
	       bool (*pred)(const struct match_trigger *existing,
			    const struct match_trigger *t))
{
	struct connection *c;

	for (unsigned k = 0; k < CROWD_WIDTH_CLASSES; k++)
		if (cr->any_value[k] && pred(&cr->any_value[k]->trigger, t))
			return true;
	for (unsigned long i = 0; i < oatable_slot_count(&cr->by_value); i++) {
		c = oatable_slot(&cr->by_value, i);
		if (c && pred(&c->trigger, t))
			return true;
	}
	return false;
}

int crowd_reserve(struct crowd *cr, const struct match_trigger *t)
{
	return t->any_value ? 0 : oatable_reserve(&cr->by_value);
}

void crowd_add(struct crowd *cr, struct connection *c)
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
	oatable_insert(&cr->by_value, crowd_value_hash(&cr->by_value, t->value),
		       c);
}

void crowd_del(struct crowd *cr, struct connection *c)
{
	const struct match_trigger *t = &c->trigger;

	cr->members--;
	if (t->any_value) {
		__atomic_store_n(&cr->any_value[__builtin_ctz(t->width)], NULL,
				 __ATOMIC_RELAXED);
		return;
	}
	cr->specific[size_class(t)][fit_class(t->value)]--;
	oatable_remove(&cr->by_value, crowd_value_hash(&cr->by_value, t->value),
		       c);
}

struct connection *crowd_some_member(const struct crowd *cr)
{
	void *c = NULL;

	for (unsigned k = 0; k < CROWD_WIDTH_CLASSES; k++)
		if (cr->any_value[k])
			return cr->any_value[k];
	return oatable_entries(&cr->by_value, &c, 1) ? c : NULL;
}

static void crowd_free(struct crowd *cr)
{
	oatable_fini(&cr->by_value);
	free(cr);
}

static void crowd_free_rcu(struct rcu_head *head)
{
	grace_reclaim();
	crowd_free(caa_container_of(head, struct crowd, rcu));
	grace_reclaimed();
}

void crowd_retire(struct hvdb *hv, struct crowd *cr)
{
	hv_call_rcu(hv, &cr->rcu, crowd_free_rcu);
}

struct crowd *crowd_new(struct hvdb *hv, struct connection *c, uint64_t seed)
{
	struct crowd *cr;

	cr = fault_zalloc(hv, HVDB_FAULT_ALLOC_INDEX, sizeof(*cr));
	if (!cr)
		return NULL;
	cr->key.partition = c->trigger.partition;
	cr->key.gpa = c->trigger.gpa;
	if (oatable_init(&cr->by_value, hv, value_hash_of, seed)) {
		free(cr);
		return NULL;
	}
	crowd_add(cr, c); /* a fresh table has room */
	return cr;
}
