/* main.c - the built-in demo guest: producers that ring doorbells, and
 * the script loop that performs the stores `hvdb run --script` asks for. */
#include <stdbool.h>
#include <stdint.h>

#include <hvdb/hvdef.h>

#include "lib.h"

void guest_main(uint64_t vcpu, uint64_t boot_gpa);

void guest_fail(struct guest_ctx *c, const char *file, int line,
		const char *text, uint64_t a, uint64_t b)
{
	c->mb->file = (uint64_t)file;
	c->mb->line = (uint64_t)line;
	c->mb->text = (uint64_t)text;
	c->mb->args[0] = a;
	c->mb->args[1] = b;
	for (;;)
		guest_report(c, GUEST_UCALL_ASSERT);
}

/* The widths a SIZE_ANY trigger of (value) can be rung with. */
static unsigned any_widths(uint64_t value, bool any_value, uint8_t w[4])
{
	static const uint8_t all[4] = { 1, 2, 4, 8 };
	unsigned n = 0;

	for (unsigned i = 0; i < 4; i++)
		if (any_value || all[i] == 8 || !(value >> (8 * all[i])))
			w[n++] = all[i];
	return n;
}

/* Rings (q) for the (i)th time: a matching store, varying its width and
 * value where the trigger allows. */
static void ring_doorbell(volatile struct guest_queue *q, uint64_t i)
{
	uint64_t size = q->flags & HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK;
	bool any_value = q->flags & HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE;
	uint64_t value = any_value ? i : q->value;
	uint8_t w[4];
	unsigned width;

	if (size == HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY)
		width = w[i % any_widths(q->value, any_value, w)];
	else
		width = 1u << (size - 1);
	if (width < 8)
		value &= (1ull << (8 * width)) - 1;
	guest_store(q->doorbell, width, value);
}

/* After publishing into (r): whether this producer must ring. Always,
 * unless the consumer suppresses notifications; then only when it armed
 * the ring and this producer is the one that takes it back. */
static bool doorbell_wanted(volatile struct guest_boot *b, struct guest_ring *r)
{
	if (!(b->flags & GUEST_FLAG_SUPPRESS))
		return true;
	/* The publish before the load of armed (the consumer fences its
	 * store of armed before looking at the ring): Dekker. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&r->armed, __ATOMIC_RELAXED) &&
	       __atomic_exchange_n(&r->armed, 0, __ATOMIC_SEQ_CST);
}

static void produce(struct guest_ctx *c)
{
	volatile struct guest_boot *b = c->boot;
	volatile struct guest_queue *qt = (void *)b->queue_table;
	uint64_t slots = b->slots;

	for (uint64_t i = 0; i < b->writes; i++) {
		uint64_t qi = (i * b->vcpus + c->vcpu) % b->queues;
		volatile struct guest_queue *q = &qt[qi];
		struct guest_ring *r = (void *)q->ring;
		uint64_t pos =
			__atomic_fetch_add(&r->head, 1, __ATOMIC_RELAXED);
		struct guest_slot *s = &r->slot[pos & (slots - 1)];

		/* Wait for the host to free the slot. */
		while (pos - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) >=
		       slots)
			guest_pause();
		s->vcpu = c->vcpu;
		s->index = (uint32_t)i;
		s->queue = qi;
		s->payload = guest_payload(c->vcpu, (uint32_t)i, qi);
		__atomic_store_n(&s->seq, pos + 1, __ATOMIC_RELEASE);
		__atomic_fetch_add((uint64_t *)&q->sent, 1, __ATOMIC_RELAXED);
		if (!doorbell_wanted(b, r))
			continue;
		__atomic_fetch_add((uint64_t *)&q->doorbells, 1,
				   __ATOMIC_RELAXED);
		ring_doorbell(q, i);
	}
}

/* Bench mode: the doorbell stores of struct guest_bench, at CPL3, one
 * trial per DONE report; the host may change the block and resume. */
static void bench(struct guest_ctx *c, volatile struct guest_bench *gb)
{
	for (;;) {
		volatile struct guest_doorbell *t = (void *)gb->table;
		uint64_t count = gb->count, limit = gb->limit, i = 0, k = 0;

		while (!__atomic_load_n(&gb->stop, __ATOMIC_ACQUIRE) &&
		       (!limit || i < limit)) {
			if (gb->pingpong &&
			    __atomic_load_n(&gb->go, __ATOMIC_ACQUIRE) <= i) {
				guest_pause();
				continue;
			}
			guest_store(t[k].gpa, t[k].len, t[k].value);
			k = k + 1 == count ? 0 : k + 1;
			__atomic_store_n(&gb->done, ++i, __ATOMIC_RELEASE);
		}
		c->mb->args[0] = i;
		guest_report(c, GUEST_UCALL_DONE);
	}
}

/* Script mode: one store per command until the host says exit. */
static uint64_t script(struct guest_ctx *c)
{
	uint64_t n = 0;

	for (;;) {
		guest_report(c, GUEST_UCALL_NEXT);
		if (c->mb->cmd != GUEST_CMD_STORE)
			return n;
		guest_store(c->mb->gpa, c->mb->len, c->mb->value);
		n++;
	}
}

void guest_main(uint64_t vcpu, uint64_t boot_gpa)
{
	volatile struct guest_boot *b = (void *)boot_gpa;
	struct guest_ctx c = {
		.vcpu = (uint32_t)vcpu,
		.boot = b,
		.mb = (volatile struct guest_mailbox *)b->mailbox + vcpu,
	};
	uint64_t done = 0;

	GUEST_ASSERT_EQ(&c, b->magic, GUEST_BOOT_MAGIC);
	if (b->mode == GUEST_MODE_SCRIPT) {
		done = script(&c);
	} else if (b->mode == GUEST_MODE_BENCH) {
		guest_enter_user(); /* as the demo's producers, below */
		bench(&c, (void *)b->bench); /* never returns */
	} else {
		if (b->flags & GUEST_FLAG_CONNECTS) {
			if (vcpu == 0)
				guest_hv_connect(&c);
			while (!__atomic_load_n(&b->go, __ATOMIC_ACQUIRE))
				guest_pause();
		}
		/* The hot loop runs in user mode: a PVM host (KVM guests at
		 * hardware CPL3) emulates every kernel-mode instruction but
		 * runs user mode on the CPU, ~80 us less per doorbell. */
		guest_enter_user();
		produce(&c);
		done = b->writes;
	}
	c.mb->args[0] = done;
	guest_report(&c, GUEST_UCALL_DONE);
}
