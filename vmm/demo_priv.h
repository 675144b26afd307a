/* demo_priv.h - state of one `hvdb run` demo, shared by demo.c (setup,
 * results) and demo_threads.c (vCPU and consumer threads). */
#ifndef HVDB_VMM_DEMO_PRIV_H
#define HVDB_VMM_DEMO_PRIV_H

#include <pthread.h>

#include "demo.h"
#include "guest_abi.h"
#include "vm.h"

#define DEMO_CONSUMERS_MAX 4u

/* Host-side view of one queue. */
struct demo_queue {
	struct guest_ring *ring;	 /* host pointer */
	volatile struct guest_queue *gq; /* host pointer into the table */
	int efd;			 /* the port's eventfd */
	int path; /* enum hvdb_kvm_path, atomic once the guest runs */
	uint64_t notifications; /* consumer-owned */
	uint64_t messages;	/* consumer-owned */
	uint64_t bad;		/* consumer-owned */
	uint64_t dropped;	/* consumer-owned */
};

struct demo {
	struct kvm_demo_config cfg;
	struct hvdb *hv;
	struct kvm_vm *vm;
	struct demo_queue *q;
	volatile struct guest_boot *boot;
	hvdb_gpa_t doorbells; /* GPA of queue 0's doorbell */
	uint32_t consumers;
	int stop_efd; /* tells consumers to drain and leave */
	pthread_t vcpu_thread[KVM_VM_MAX_VCPUS];
	pthread_t consumer_thread[DEMO_CONSUMERS_MAX];
	uint64_t received;	/* atomic: messages consumed so far */
	uint32_t vcpus_started; /* atomic: threads demo_fail may kick */
	uint32_t vcpus_done;	/* atomic */
	int failed;		/* atomic: first failure wins the message */
	char error[256];
};

/* Records a failure (the first one's message is kept) and stops every
 * vCPU. */
void demo_fail(struct demo *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Records each queue's path (after connects). */
void demo_record_paths(struct demo *d);
/* Starts the consumers, then the vCPUs; waits for the vCPUs, then stops
 * and joins the consumers. 0 or -errno (d->error set). */
int demo_threads_run(struct demo *d);
/* Fills (r) from the finished run and decides r->ok. */
void demo_result_collect(struct demo *d, struct kvm_demo_result *r);

#endif
