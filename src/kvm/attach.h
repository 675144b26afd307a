/* attach.h - one hvdb partition attached to one KVM VM: the state that
 * offload.c, rampage.c and attach.c share behind struct hvdb_kvm. */
#ifndef HVDB_KVM_ATTACH_H
#define HVDB_KVM_ATTACH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <hvdb/kvm.h>
#include <hvdb/testing.h>

#define ATTACH_BUCKETS 1024u
/* Exit counters per connection id, in pages of 4,096 ids (adaptive.c). */
#define ATTACH_HITS_PAGE 4096u
#define ATTACH_HITS_PAGES ((HV_CONNECTION_ID_MASK / ATTACH_HITS_PAGE) + 1)

struct offload_conn;
struct rampage;

/* libhvdb-kvm's own fault sites: each passes HVDB_FAULT_BACKEND. */
enum attach_fault_site {
	ATTACH_FAULT_EVENTFD,
	ATTACH_FAULT_IOCTL,
	ATTACH_FAULT_ALLOC,
	ATTACH_FAULT_MEMORY_HOOK,
};

struct hvdb_kvm {
	struct hvdb *hv;
	uint64_t partition;
	int vm_fd;
	struct hvdb_kvm_options opt; /* policy, limit: under lock */
	bool cap_ioeventfd;	     /* probed once at attach (STYLE 13) */
	bool cap_any_length;	     /* length-0 wildcard ioeventfds */
	bool released;		     /* hvdb_destroy removed the backend */
	/* Path changes: attach, detach, maintenance passes and set_path hold
	 * it across their KVM_IOEVENTFD calls (taken before lock). */
	pthread_mutex_t change;
	pthread_mutex_t lock; /* the tables, the pages and the stats */
	struct hvdb_kvm_stats stats;
	uint64_t exit_fires, exit_drops, exit_misses; /* atomic */
	struct offload_conn *by_id[ATTACH_BUCKETS];   /* under lock */
	struct offload_conn *by_efd[ATTACH_BUCKETS];  /* under lock */
	struct rampage *pages; /* sorted by page; under lock */
	size_t page_count, page_cap;
	int epfd; /* hvdb_kvm_notify_fd: the eventfds of promotions */
	uint64_t last_pass_ns; /* under lock */
	/* Exits per connection id (the adaptive policy's rates): pages
	 * published once with a release store, counters added lock-free. */
	uint64_t *hits[ATTACH_HITS_PAGES];
};

/* A fault point of (k) (the reliability walk): true when it must fail. */
bool attach_fault(struct hvdb_kvm *k, enum attach_fault_site site);
/* Debug log to stderr when options.debug or HVDB_DEBUG. */
void attach_debug(struct hvdb_kvm *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* ioctl on the VM fd through fault point ATTACH_FAULT_IOCTL: >= 0 or
 * -errno. */
int attach_vm_ioctl(struct hvdb_kvm *k, unsigned long request, void *arg);
/* CLOCK_MONOTONIC in ns. */
uint64_t attach_now_ns(void);

#endif
