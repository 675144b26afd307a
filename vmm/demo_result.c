/* demo_result.c - what a finished demo delivered, and whether every
 * message arrived and every doorbell write was delivered exactly once. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "demo_priv.h"
#include "vcpu.h"

/* The first queue whose counts disagree, as a message; false if none. */
static bool queue_mismatch(uint32_t qi, const struct kvm_demo_queue *q,
			   char *why, size_t size)
{
	/* Each doorbell write signalled once and fired once, whichever path
	 * caught it; every message consumed. */
	if (q->notifications == q->doorbells && q->triggers == q->doorbells &&
	    q->messages == q->writes)
		return false;
	snprintf(why, size,
		 "queue %" PRIu32 ": %" PRIu64 " messages sent, %" PRIu64
		 " received; %" PRIu64 " doorbells, %" PRIu64
		 " notifications, %" PRIu64 " triggers",
		 qi, q->writes, q->messages, q->doorbells, q->notifications,
		 q->triggers);
	return true;
}

void demo_result_collect(struct demo *d, struct kvm_demo_result *r)
{
	uint64_t want = d->cfg.writes * d->cfg.vcpus;
	bool mismatch = false;

	for (uint32_t i = 0; i < d->vm->vcpu_count; i++)
		r->misses += d->vm->vcpu[i]->stats.mmio_misses;
	r->queue = calloc(d->cfg.queues, sizeof(*r->queue));
	for (uint32_t i = 0; r->queue && i < d->cfg.queues; i++) {
		struct kvm_demo_queue *q = &r->queue[i];
		struct demo_queue *dq = &d->q[i];
		struct hvdb_port_stats ps = { 0 };

		/* The port exists until teardown. */
		(void)hvdb_port_stats(d->hv, i + 1, &ps);
		struct hvdb_kvm_connection kc = { .size = sizeof(kc) };

		/* Where it ended (the adaptive policy moves connections). */
		q->path = hvdb_kvm_connection_get(d->vm->kvm, i + 1, &kc) == 0
				  ? kc.path
				  : (enum hvdb_kvm_path)dq->path;
		q->writes = dq->gq->sent;
		q->doorbells = dq->gq->doorbells;
		r->doorbells += q->doorbells;
		q->notifications = dq->notifications;
		q->messages = dq->messages;
		q->triggers = ps.triggers;
		r->fired += ps.triggers;
		r->offloaded += ps.offloaded;
		r->userspace += ps.userspace;
		r->messages_sent += q->writes;
		r->messages_received += q->messages;
		r->bad_messages += dq->bad;
		r->dropped += dq->dropped;
		if (q->path == HVDB_KVM_PATH_IOEVENTFD)
			r->offloaded_connections++;
		else
			r->userspace_connections++;
		if (!mismatch)
			mismatch = queue_mismatch(i, q, r->error,
						  sizeof(r->error));
	}
	if (d->failed)
		snprintf(r->error, sizeof(r->error), "%s", d->error);
	else if (!r->queue)
		snprintf(r->error, sizeof(r->error), "out of memory");
	else if (!mismatch &&
		 (r->messages_sent != want || r->messages_received != want))
		snprintf(r->error, sizeof(r->error),
			 "%" PRIu64 " messages sent, %" PRIu64
			 " received, %" PRIu64 " wanted",
			 r->messages_sent, r->messages_received, want);
	else if (!mismatch && r->bad_messages)
		snprintf(r->error, sizeof(r->error),
			 "%" PRIu64 " corrupt messages", r->bad_messages);
	r->ok = !r->error[0];
}
