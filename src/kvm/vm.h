/* vm.h - one KVM virtual machine running one hvdb guest partition.
 *
 * A VM owns its guest RAM (regions backed by anonymous host memory and
 * mapped with KVM memory slots), its vCPUs, the identity page tables of
 * paging.c, the doorbell offload of offload.c and the Hyper-V interface
 * state of hvcall.c. Everything hangs off struct kvm_vm: two VMs in one
 * process are independent.
 */
#ifndef HVDB_KVM_VM_H
#define HVDB_KVM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hvdb/hvdb.h>

#include "memory.h"
#include "paging.h"

#define KVM_VM_MAX_REGIONS 64u
#define KVM_VM_MAX_VCPUS 64u

struct kvm_vcpu;
struct kvm_offload;
struct kvm_hvcall;

/* A page of partition RAM held read-only because doorbells sit on it. */
struct kvm_ro_page {
	hvdb_gpa_t gpa;
	uint32_t refs; /* connections on the page */
};

/* One range of guest RAM and the memory slots now covering it. */
struct kvm_region {
	hvdb_gpa_t gpa;
	uint64_t size;
	uint8_t *host;
	bool splittable;	/* partition RAM: RAM doorbells may split it */
	struct kvm_ro_page *ro; /* sorted by gpa; under mem_lock */
	size_t ro_count, ro_cap;
	uint32_t *slots; /* slot ids now mapping it; under mem_lock */
	size_t slot_count;
};

/* What KVM offers, probed once at VM creation (STYLE 13). */
struct kvm_vm_caps {
	bool ioeventfd;
	bool ioeventfd_any_length; /* length-0 wildcard ioeventfds */
	bool readonly_mem;
	bool user_msr; /* KVM_CAP_X86_USER_SPACE_MSR and the MSR filter */
	uint32_t nr_memslots;
	uint32_t max_vcpus;
};

struct kvm_vm_config {
	struct hvdb *hv;
	uint64_t partition; /* the hvdb guest partition this VM runs */
	bool debug;	    /* log fallbacks and slot changes to stderr */
};

struct kvm_vm {
	struct hvdb *hv;
	uint64_t partition;
	bool debug;
	int kvm_fd;
	int vm_fd;
	size_t run_size; /* of each vCPU's struct kvm_run mapping */
	struct kvm_vm_caps caps;
	/* Regions are added before any vCPU runs and never removed, so the
	 * MMIO path reads them without a lock. */
	struct kvm_region region[KVM_VM_MAX_REGIONS];
	size_t region_count;
	pthread_mutex_t mem_lock; /* read-only pages and memory slots */
	uint8_t *slot_used;	  /* caps.nr_memslots flags; under mem_lock */
	struct kvm_paging paging;
	struct kvm_vcpu *vcpu[KVM_VM_MAX_VCPUS];
	uint32_t vcpu_count;
	struct kvm_offload *offload;
	struct kvm_hvcall *hvcall;
};

/* Opens /dev/kvm and creates a VM for (config->partition), with its
 * offload backend (not yet registered: see kvm_offload_register) and
 * Hyper-V interface. 0 and *out, or -errno: -ENODEV (or the open error)
 * when /dev/kvm cannot be used. */
int kvm_vm_create(const struct kvm_vm_config *config, struct kvm_vm **out);
/* Destroys vCPUs, slots, memory and fds. The partition's backend must
 * be cleared (or the partition gone) first. NULL is fine. */
void kvm_vm_destroy(struct kvm_vm *vm);

/* ioctl on the VM fd, failing at an armed HVDB_FAULT_KVM_IOCTL point.
 * The result (>= 0) or -errno. */
int kvm_vm_ioctl(struct kvm_vm *vm, unsigned long request, void *arg);
/* The same on any KVM fd (/dev/kvm, a vCPU). */
int kvm_vm_fd_ioctl(struct kvm_vm *vm, int fd, unsigned long request,
		    void *arg);

/* Debug log (to stderr when config.debug or HVDB_DEBUG is set). */
void kvm_vm_debug(struct kvm_vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
