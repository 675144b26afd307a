/* demo.h - `hvdb run`: the built-in guest on KVM, producers in every vCPU
 * publishing messages into rings and ringing their doorbells (once per
 * message, or only when the consumer sleeps), host consumers on the
 * ports' eventfds.
 */
#ifndef HVDB_VMM_DEMO_H
#define HVDB_VMM_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include <hvdb/kvm.h>

#define KVM_DEMO_PARTITION 2u
/* A ring holds what the producers make while its consumer wakes up (tens
 * of us, ms on a busy host): with suppression, 1,024 slots kept producers
 * waiting (1.1-2.9 M messages/s here), 8,192 did not (2.9-8.2 M). */
#define KVM_DEMO_RING_SLOTS 8192u
/* Where the demo puts things (guest-physical). */
#define KVM_DEMO_VMM_GPA 0x00100000ull
#define KVM_DEMO_RINGS_GPA 0x10000000ull
#define KVM_DEMO_RAM_DOORBELLS_GPA 0x20000000ull
#define KVM_DEMO_MMIO_DOORBELLS_GPA 0xD0000000ull
#define KVM_DEMO_DOORBELL_STRIDE 8u

/* When the guest's producers ring a queue's doorbell. */
enum kvm_demo_notify {
	/* Only when the queue's consumer announced that it goes to sleep
	 * (struct guest_ring.armed), as virtio's event index. */
	KVM_DEMO_NOTIFY_SUPPRESS = 0,
	KVM_DEMO_NOTIFY_ALWAYS = 1, /* once per message */
};

struct kvm_demo_config {
	uint32_t vcpus;		     /* 1..KVM_VM_MAX_VCPUS */
	uint32_t queues;	     /* >= 1 */
	uint64_t writes;	     /* messages per vCPU */
	enum hvdb_kvm_policy policy; /* which doorbells go to ioeventfds */
	enum kvm_demo_notify notify;
	uint32_t offload_limit; /* HVDB_KVM_NO_LIMIT for none */
	bool ram_doorbells;	/* doorbells inside guest RAM */
	bool guest_connects;	/* the guest connects through hypercalls */
	bool debug;
	/* Called about every 200 ms from the calling thread (may be NULL). */
	void (*progress)(void *opaque, uint64_t received, uint64_t total);
	void *opaque;
};

struct kvm_demo_queue {
	enum hvdb_kvm_path path; /* at the end of the run */
	uint64_t writes;	 /* messages the guest published */
	uint64_t doorbells;	 /* doorbell writes the guest made */
	uint64_t notifications;	 /* eventfd signals read */
	uint64_t messages;	 /* ring messages consumed */
	uint64_t triggers;	 /* the port's trigger counter */
};

struct kvm_demo_result {
	bool ok; /* every message received, every write delivered once */
	double seconds;
	uint64_t fired, offloaded, userspace, misses, dropped;
	uint64_t messages_sent, messages_received, bad_messages;
	uint64_t doorbells; /* doorbell writes the guest made */
	uint32_t offloaded_connections, userspace_connections;
	struct hvdb_kvm_stats offload; /* incl. register/unregister cost */
	struct kvm_demo_queue *queue;  /* [queues]; free() it */
	char error[256];	       /* why not ok */
};

/* Fills (config) with the defaults of `hvdb run`. */
void kvm_demo_config_init(struct kvm_demo_config *config);
/* Boots the built-in guest and runs the demo. 0 when it ran (result->ok
 * says whether everything was delivered exactly once), -ENODEV without a
 * usable /dev/kvm, other -errno on failure (result->error says why). */
int kvm_demo_run(const struct kvm_demo_config *config,
		 struct kvm_demo_result *result);

#endif
