/* vm.h - one KVM virtual machine of the demo VMM running one hvdb guest
 * partition.
 *
 * A VM owns its guest RAM (regions backed by anonymous host memory and
 * mapped by libhvdb-kvm's slot table), its vCPUs, the identity page tables
 * of paging.c, its libhvdb-kvm attachment (the doorbell offload) and the
 * Hyper-V interface state of hvcall.c. Everything hangs off struct kvm_vm:
 * two VMs in one process are independent. Like any VMM, it uses only the
 * installed headers of libhvdb and libhvdb-kvm.
 */
#ifndef HVDB_VMM_VM_H
#define HVDB_VMM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hvdb/hvdb.h>
#include <hvdb/testing.h>
#include <hvdb/kvm.h>

#include "memory.h"
#include "paging.h"

#define KVM_VM_MAX_REGIONS 64u
#define KVM_VM_MAX_VCPUS 64u

struct kvm_vcpu;
struct kvm_hvcall;

/* One range of guest RAM (its slots are libhvdb-kvm's). */
struct kvm_region {
	hvdb_gpa_t gpa;
	uint64_t size;
	uint8_t *host;
};

/* What KVM offers the VMM, probed once at VM creation (STYLE 13); the
 * doorbell capabilities are libhvdb-kvm's business. */
struct kvm_vm_caps {
	bool user_msr; /* KVM_CAP_X86_USER_SPACE_MSR and the MSR filter */
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
	struct hvdb_kvm_slots *slots; /* every memory slot of the VM */
	struct kvm_paging paging;
	struct kvm_vcpu *vcpu[KVM_VM_MAX_VCPUS];
	uint32_t vcpu_count;
	struct hvdb_kvm *kvm; /* the partition's doorbells; NULL until
			       * kvm_vm_attach */
	struct kvm_hvcall *hvcall;
};

/* Opens /dev/kvm and creates a VM for (config->partition), with its slot
 * table and Hyper-V interface. 0 and *out, or -errno: -ENODEV (or the
 * open error) when /dev/kvm cannot be used. */
int kvm_vm_create(const struct kvm_vm_config *config, struct kvm_vm **out);
/* Attaches the partition's doorbells to the VM (hvdb_kvm_attach) with
 * offload (policy), at most (limit) connections offloaded
 * (HVDB_KVM_NO_LIMIT), RAM doorbells through the slot table. 0 or its
 * -errno. */
int kvm_vm_attach(struct kvm_vm *vm, enum hvdb_kvm_policy policy,
		  uint32_t limit);
/* Detaches (hvdb_kvm_detach: before or after hvdb_destroy), destroys
 * vCPUs, memory and fds. NULL is fine. */
void kvm_vm_destroy(struct kvm_vm *vm);

/* ioctl on the VM fd, failing at an armed fault point (HVDB_FAULT_BACKEND).
 * The result (>= 0) or -errno. */
int kvm_vm_ioctl(struct kvm_vm *vm, unsigned long request, void *arg);
/* The same on any KVM fd (/dev/kvm, a vCPU). */
int kvm_vm_fd_ioctl(struct kvm_vm *vm, int fd, unsigned long request,
		    void *arg);

/* Debug log (to stderr when config.debug or HVDB_DEBUG is set). */
void kvm_vm_debug(struct kvm_vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
