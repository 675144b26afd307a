/* demo_threads.c - the demo's threads: one per vCPU running the guest,
 * and consumers that wait on the ports' eventfds and drain the rings. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "demo_priv.h"
#include "vcpu.h"

#define EPOLL_BATCH 64
#define STOP_TAG UINT32_MAX
#define NOTIFY_TAG (UINT32_MAX - 1) /* libhvdb-kvm's eventfds */
/* Suppression: rounds over the rings before arming them and sleeping
 * (a few hundred us; the best of 0 ... 65,536 tried on a 2-CPU host). */
#define POLL_ROUNDS 4096
/* Adaptive policy: maintenance every this many 2 ms ticks, and at the
 * start every WARM_TICKS for WARM_PASSES passes (the hot doorbells
 * in-kernel sooner; there is nothing to demote yet, so no deassign waits
 * for an assign's grace period). */
#define MAINTAIN_TICKS (HVDB_KVM_MAINTAIN_PERIOD_MS / 2)
#define WARM_TICKS 5u
#define WARM_PASSES 10u

/* Consumes every published message of queue (qi); checks each. The
 * messages taken. */
static uint64_t drain_ring(struct demo *d, uint32_t qi)
{
	struct demo_queue *q = &d->q[qi];
	struct guest_ring *r = q->ring;
	uint64_t tail = r->tail, n = 0;

	for (;;) {
		struct guest_slot *s = &r->slot[tail % KVM_DEMO_RING_SLOTS];

		if (__atomic_load_n(&s->seq, __ATOMIC_ACQUIRE) != tail + 1)
			break;
		if (s->queue != qi ||
		    s->payload != guest_payload(s->vcpu, s->index, qi))
			q->bad++;
		tail++;
		n++;
		__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
	}
	q->messages += n;
	__atomic_add_fetch(&d->received, n, __ATOMIC_RELAXED);
	return n;
}

/* Reads the signals of queue (qi)'s eventfd and drains its ring. */
static void serve(struct demo *d, uint32_t qi)
{
	struct demo_queue *q = &d->q[qi];
	int64_t fired;
	eventfd_t n;

	if (eventfd_read(q->efd, &n) == 0) {
		q->notifications += n;
		/* Fires the kernel took on the port's own eventfd (policy
		 * ALL) bypassed the exit path: count them now. -ENOENT: no
		 * ioeventfd signals it, these were exits, counted there. */
		fired = hvdb_kvm_account(d->vm->kvm, q->efd, n);
		if (fired >= 0)
			q->dropped += n - (uint64_t)fired;
		else if (fired != -ENOENT)
			demo_fail(d, "queue %u: accounting failed", qi);
	}
	(void)drain_ring(d, qi);
}

/* hvdb_kvm_poll: (count) in-kernel fires of a promoted connection, on an
 * eventfd of libhvdb-kvm's (adaptive policy), already counted. */
static void fired_kernel(void *opaque, HV_PORT_ID port, HV_CONNECTION_ID conn,
			 uint64_t count)
{
	struct demo *d = opaque;

	(void)conn;
	if (port < 1 || port > d->cfg.queues)
		return;
	d->q[port - 1].notifications += count;
	(void)drain_ring(d, port - 1);
}

/* Reads libhvdb-kvm's ready eventfds (promoted connections). */
static void poll_kernel(struct demo *d)
{
	int64_t rc = hvdb_kvm_poll(d->vm->kvm, fired_kernel, d);

	if (rc < 0)
		demo_fail(d, "hvdb_kvm_poll: %s", strerror((int)-rc));
}

struct consumer {
	struct demo *d;
	uint32_t index;
};

/* Drains every ring of (c): the messages taken. */
static uint64_t drain_mine(struct consumer *c)
{
	uint64_t n = 0;

	for (uint32_t qi = c->index; qi < c->d->cfg.queues;
	     qi += c->d->consumers)
		n += drain_ring(c->d, qi);
	return n;
}

/* Sets (1: wake me) or clears every ring's armed word: an exchange, a
 * full fence before the rings are looked at again (guest_abi.h). */
static void arm(struct consumer *c, uint64_t on)
{
	for (uint32_t qi = c->index; qi < c->d->cfg.queues;
	     qi += c->d->consumers)
		(void)__atomic_exchange_n(&c->d->q[qi].ring->armed, on,
					  __ATOMIC_SEQ_CST);
}

/* Suppression, before sleeping: polls the rings a while, then arms them
 * and looks once more. True when it found messages (do not sleep). */
static bool found_work(struct consumer *c)
{
	for (unsigned i = 0; i < POLL_ROUNDS; i++) {
		if (drain_mine(c))
			return true;
		__builtin_ia32_pause();
	}
	arm(c, 1);
	if (!drain_mine(c))
		return false;
	arm(c, 0);
	return true;
}

static void *consumer_main(void *arg)
{
	struct consumer *c = arg;
	struct demo *d = c->d;
	struct epoll_event ev[EPOLL_BATCH];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	const bool suppress = d->cfg.notify == KVM_DEMO_NOTIFY_SUPPRESS;
	bool stop = false;

	if (ep < 0) {
		demo_fail(d, "epoll_create1: %s", strerror(errno));
		return NULL;
	}
	for (uint32_t qi = c->index; qi < d->cfg.queues; qi += d->consumers) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = qi };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, d->q[qi].efd, &e) < 0)
			demo_fail(d, "epoll_ctl: %s", strerror(errno));
	}
	struct epoll_event se = { .events = EPOLLIN, .data.u32 = STOP_TAG };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, d->stop_efd, &se) < 0)
		demo_fail(d, "epoll_ctl: %s", strerror(errno));
	struct epoll_event ne = { .events = EPOLLIN, .data.u32 = NOTIFY_TAG };
	if (c->index == 0 && epoll_ctl(ep, EPOLL_CTL_ADD,
				       hvdb_kvm_notify_fd(d->vm->kvm), &ne) < 0)
		demo_fail(d, "epoll_ctl: %s", strerror(errno));
	while (!stop) {
		int n;

		if (suppress && found_work(c))
			continue;
		n = epoll_wait(ep, ev, EPOLL_BATCH, -1);
		if (n < 0 && errno != EINTR) {
			demo_fail(d, "epoll_wait: %s", strerror(errno));
			break;
		}
		if (suppress)
			arm(c, 0); /* awake: no doorbells needed */
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u32 == STOP_TAG)
				stop = true;
			else if (ev[i].data.u32 == NOTIFY_TAG)
				poll_kernel(d);
			else
				serve(d, ev[i].data.u32);
		}
	}
	/* The guest is done: take what is left. */
	if (c->index == 0)
		poll_kernel(d);
	for (uint32_t qi = c->index; qi < d->cfg.queues; qi += d->consumers)
		serve(d, qi);
	close(ep);
	return NULL;
}

struct vcpu_arg {
	struct demo *d;
	struct kvm_vcpu *vcpu;
};

/* One guest report: 1 to go on, 0 done, -1 failed. */
static int handle_report(struct demo *d, struct kvm_vcpu *v, int ucall,
			 const struct guest_mailbox *mb)
{
	char why[224];

	switch (ucall) {
	case GUEST_UCALL_DONE:
		return 0;
	case GUEST_UCALL_SYNC:
		if (mb->args[0] == GUEST_SYNC_CONNECTED)
			demo_record_paths(d);
		return 1;
	case GUEST_UCALL_ASSERT:
		kvm_vcpu_describe_assert(v, mb, why, sizeof(why));
		demo_fail(d, "vCPU %u: %s", v->index, why);
		return -1;
	default:
		demo_fail(d, "vCPU %u: unexpected report %d", v->index, ucall);
		return -1;
	}
}

static void *vcpu_main(void *arg)
{
	struct vcpu_arg *a = arg;
	struct guest_mailbox mb;
	int rc;

	do {
		rc = kvm_vcpu_run(a->vcpu, &mb);
		if (rc < 0) {
			if (rc != -ECANCELED)
				demo_fail(a->d, "%s", a->vcpu->error);
			break;
		}
		rc = handle_report(a->d, a->vcpu, rc, &mb);
	} while (rc > 0);
	__atomic_add_fetch(&a->d->vcpus_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void wait_vcpus(struct demo *d)
{
	uint64_t total = d->cfg.writes * d->cfg.vcpus;
	struct timespec tick = { 0, 2 * 1000 * 1000 };
	unsigned n = 0;

	while (__atomic_load_n(&d->vcpus_done, __ATOMIC_ACQUIRE) <
	       d->cfg.vcpus) {
		unsigned every;

		nanosleep(&tick, NULL);
		n++;
		every = n <= WARM_TICKS * WARM_PASSES ? WARM_TICKS
						      : MAINTAIN_TICKS;
		/* The adaptive policy's passes, off the write path. */
		if (n % every == 0 &&
		    d->cfg.policy == HVDB_KVM_OFFLOAD_ADAPTIVE &&
		    hvdb_kvm_maintain(d->vm->kvm) < 0)
			demo_fail(d, "hvdb_kvm_maintain: out of memory");
		/* Progress about every 200 ms. */
		if (d->cfg.progress && n % 100 == 0)
			d->cfg.progress(
				d->cfg.opaque,
				__atomic_load_n(&d->received, __ATOMIC_RELAXED),
				total);
	}
}

int demo_threads_run(struct demo *d)
{
	struct consumer cons[DEMO_CONSUMERS_MAX];
	struct vcpu_arg va[KVM_VM_MAX_VCPUS];
	uint32_t started_c = 0, started_v = 0;
	int rc = 0;

	for (; started_c < d->consumers; started_c++) {
		cons[started_c] = (struct consumer){ d, started_c };
		rc = pthread_create(&d->consumer_thread[started_c], NULL,
				    consumer_main, &cons[started_c]);
		if (rc)
			goto err_threads;
	}
	for (; started_v < d->cfg.vcpus; started_v++) {
		va[started_v] = (struct vcpu_arg){ d, d->vm->vcpu[started_v] };
		rc = pthread_create(&d->vcpu_thread[started_v], NULL, vcpu_main,
				    &va[started_v]);
		if (rc)
			goto err_threads;
		__atomic_store_n(&d->vcpus_started, started_v + 1,
				 __ATOMIC_SEQ_CST);
		/* A failure that did not see this vCPU started: kick it. */
		if (__atomic_load_n(&d->failed, __ATOMIC_SEQ_CST))
			kvm_vcpu_kick(d->vm->vcpu[started_v],
				      d->vcpu_thread[started_v]);
	}
	wait_vcpus(d);
	goto join;

err_threads:
	demo_fail(d, "pthread_create: %s", strerror(rc));
join:
	for (uint32_t i = 0; i < started_v; i++)
		pthread_join(d->vcpu_thread[i], NULL);
	/* eventfd_write on our own eventfd cannot fail below 2^64-1. */
	(void)eventfd_write(d->stop_efd, 1);
	for (uint32_t i = 0; i < started_c; i++)
		pthread_join(d->consumer_thread[i], NULL);
	return rc ? -rc : 0;
}
