/* ring.c - the SynIC event ring of SPEC §4 (ring.h says how it works). */
#include <errno.h>

#include "ring.h"

#define RING_FULL ((uintptr_t)1)

/* With one slot "holds the entry of pos" and "free for pos + 1" would be
 * the same sequence number (ring.pml finds the overwrite). */
_Static_assert(HVDB_RING_SLOTS >= 2, "the slot protocol needs two slots");

int ring_init(struct ring *r)
{
	__atomic_store_n(&r->tail, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&r->head, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&r->waiting, 0, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < HVDB_RING_SLOTS; i++)
		__atomic_store_n(&r->slot[i].seq, i, __ATOMIC_RELAXED);
	CDS_INIT_LIST_HEAD(&r->held);
	return -pthread_mutex_init(&r->consumer, NULL);
}

void ring_fini(struct ring *r)
{
	pthread_mutex_destroy(&r->consumer);
}

void ring_waiter_init(struct ring_waiter *w, uint64_t entry)
{
	w->next = NULL;
	CDS_INIT_LIST_HEAD(&w->held);
	w->entry = entry;
}

/* Claims the slot at (*cursor) (r->tail for producers, r->head for
 * consumers) once its sequence number is that position + (turn_of): 0
 * when a producer may fill it, 1 when a consumer may take it. Returns the
 * slot and its position in *pos, or NULL when the slot at the cursor is
 * not ready (full for producers, empty for consumers). */
static struct ring_slot *slot_claim(struct ring *r, uint64_t *cursor,
				    uint64_t turn_of, uint64_t *pos)
{
	uint64_t at = __atomic_load_n(cursor, __ATOMIC_RELAXED);
	struct ring_slot *s;
	int64_t turn;

	for (;;) {
		s = &r->slot[at % HVDB_RING_SLOTS];
		turn = (int64_t)(__atomic_load_n(&s->seq, __ATOMIC_ACQUIRE) -
				 (at + turn_of));
		if (turn < 0)
			return NULL; /* the other side of (at) is not done */
		if (turn == 0 && __atomic_compare_exchange_n(
					 cursor, &at, at + 1, true,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			break;
		if (turn > 0) /* someone on this side took (at) */
			at = __atomic_load_n(cursor, __ATOMIC_RELAXED);
	}
	*pos = at;
	return s;
}

/* Puts (entry) in the next free slot: false when there is none. */
static bool slots_push(struct ring *r, uint64_t entry)
{
	uint64_t pos;
	struct ring_slot *s = slot_claim(r, &r->tail, 0, &pos);

	if (!s)
		return false;
	__atomic_store_n(&s->entry, entry, __ATOMIC_RELAXED);
	__atomic_store_n(&s->seq, pos + 1, __ATOMIC_RELEASE);
	return true;
}

bool ring_pop(struct ring *r, uint64_t *entry)
{
	uint64_t pos;
	struct ring_slot *s = slot_claim(r, &r->head, 1, &pos);

	if (!s)
		return false;
	*entry = __atomic_load_n(&s->entry, __ATOMIC_RELAXED);
	/* free for the producer of the position one lap later */
	__atomic_store_n(&s->seq, pos + HVDB_RING_SLOTS, __ATOMIC_RELEASE);
	return true;
}

void ring_queue(struct ring *r, struct ring_waiter *w)
{
	uintptr_t old = __atomic_load_n(&r->waiting, __ATOMIC_ACQUIRE);

	for (;;) {
		/* Not marked full: try a slot. A full ring is marked by the
		 * first producer that waits, in the CAS below. */
		if (!(old & RING_FULL) && slots_push(r, w->entry))
			return;
		w->next = (struct ring_waiter *)(old & ~RING_FULL);
		if (__atomic_compare_exchange_n(
			    &r->waiting, &old, (uintptr_t)w | RING_FULL, false,
			    __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
			return;
	}
}

/* Moves the stack (top) to the end of (held), oldest first. Under
 * r->consumer. */
static void held_append(struct ring *r, uintptr_t top)
{
	struct ring_waiter *w = (struct ring_waiter *)(top & ~RING_FULL);
	struct cds_list_head *at = r->held.prev; /* the stack is newest first */

	for (; w; w = w->next)
		cds_list_add(&w->held, at);
}

unsigned ring_notify_empty(struct ring *r)
{
	struct ring_waiter *w;
	unsigned queued = 0;

	pthread_mutex_lock(&r->consumer);
	held_append(r, __atomic_exchange_n(&r->waiting, 0, __ATOMIC_ACQ_REL));
	while (!cds_list_empty(&r->held)) {
		w = cds_list_first_entry(&r->held, struct ring_waiter, held);
		/* Off the list first: once queued it may be popped and wait
		 * again before this loop goes on. */
		cds_list_del_init(&w->held);
		if (!slots_push(r, w->entry)) {
			cds_list_add(&w->held, &r->held);
			/* Still no room: new fires wait behind these. */
			__atomic_fetch_or(&r->waiting, RING_FULL,
					  __ATOMIC_RELEASE);
			break;
		}
		queued++;
	}
	pthread_mutex_unlock(&r->consumer);
	return queued;
}

void ring_forget(struct ring *r, struct ring_waiter *w)
{
	uintptr_t old = __atomic_load_n(&r->waiting, __ATOMIC_ACQUIRE);

	pthread_mutex_lock(&r->consumer);
	/* Take the stack (keeping the mark) so (w) is findable in (held). */
	while (!__atomic_compare_exchange_n(&r->waiting, &old, old & RING_FULL,
					    false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE))
		;
	held_append(r, old);
	if (!cds_list_empty(&w->held))
		cds_list_del_init(&w->held);
	pthread_mutex_unlock(&r->consumer);
}
