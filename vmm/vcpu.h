/* vcpu.h - one vCPU of a KVM VM: long-mode setup and the run loop. */
#ifndef HVDB_VMM_VCPU_H
#define HVDB_VMM_VCPU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <hvdb/hvdb.h>

#include "guest_abi.h"

struct kvm_vm;
struct kvm_run;

/* Exit counters of one vCPU; only its own thread writes them. */
struct kvm_vcpu_stats {
	uint64_t exits;
	uint64_t mmio_fires;   /* MMIO writes that fired through hvdb_write */
	uint64_t mmio_dropped; /* ... that matched a deleted port */
	uint64_t mmio_misses;  /* ... that matched nothing */
	uint64_t ram_writes;   /* misses performed on guest RAM */
	uint64_t hypercalls;
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	uint32_t index;
	int fd;
	struct kvm_run *run;
	hvdb_gpa_t mailbox; /* GPA of its struct guest_mailbox */
	struct kvm_vcpu_stats stats;
	/* The last MMIO write handed to hvdb_write(), for callers that need
	 * to know which path a store took (hvdb run --script). */
	uint64_t mmio_writes;
	int last_result;
	struct hvdb_write_outcome last_outcome;
	bool stop; /* kvm_vcpu_kick: leave kvm_vcpu_run at the next exit */
	char error[256]; /* why kvm_vcpu_run failed */
};

/* Creates vCPU (index) of (vm) in 64-bit mode with the guest's CPUID
 * (host leaves plus the Hyper-V leaves of hvcall.c), entering at (rip)
 * with RSP (rsp), RDI (index), RSI (arg), paging on CR3 = the PML4 of
 * paging.c. Adds it to vm->vcpu[]. 0 or -errno. */
int kvm_vcpu_create(struct kvm_vm *vm, uint32_t index, uint64_t rip,
		    uint64_t rsp, uint64_t arg, hvdb_gpa_t mailbox,
		    struct kvm_vcpu **out);
void kvm_vcpu_destroy(struct kvm_vcpu *vcpu);

/* Runs (vcpu) until the guest reports: returns the enum guest_ucall (> 0)
 * with the mailbox copied to (mb), or -errno with vcpu->error saying why
 * (unhandled exit with its reason and RIP, ioctl failure). Call from one
 * thread at a time per vCPU. */
int kvm_vcpu_run(struct kvm_vcpu *vcpu, struct guest_mailbox *mb);

/* "file:line: expr (a=0x.., b=0x..)" for a GUEST_UCALL_ASSERT report. */
void kvm_vcpu_describe_assert(struct kvm_vcpu *vcpu,
			      const struct guest_mailbox *mb, char *buf,
			      size_t size);

/* Asks kvm_vcpu_run of (vcpu), running on (thread), to return
 * -ECANCELED: sets stop and interrupts KVM_RUN with SIGUSR1, for which
 * kvm_vcpu_kick installs a handler that does nothing. */
void kvm_vcpu_kick(struct kvm_vcpu *vcpu, pthread_t thread);

/* ioctl on the vCPU fd (see kvm_vm_fd_ioctl). */
int kvm_vcpu_ioctl(struct kvm_vcpu *vcpu, unsigned long request, void *arg);

#endif
