/* script.h - `hvdb run --script`: each guest partition of a scenario as
 * its own KVM VM, and each `write` as a real guest store where one
 * instruction can make it.
 */
#ifndef HVDB_VMM_SCRIPT_H
#define HVDB_VMM_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>

#include <hvdb/hvdb.h>

struct kvm_script;
struct kvm_vm;

struct kvm_script_config {
	struct hvdb *hv;
	bool offload;
	uint32_t offload_limit; /* HVDB_KVM_NO_LIMIT for none */
	bool debug;
};

struct kvm_script_stats {
	uint64_t stores;	  /* writes done by a guest store instruction */
	uint64_t injected;	  /* writes injected into the MMIO path */
	uint64_t offloaded_fires; /* caught by an ioeventfd in the kernel */
	uint64_t offloaded_drops; /* ... whose port was deleted */
};

int kvm_script_create(const struct kvm_script_config *config,
		      struct kvm_script **out);
/* Destroy after hvdb_destroy() of the hypervisor (which detaches). */
void kvm_script_destroy(struct kvm_script *s);

/* Names [gpa, gpa+size) as used by the scenario: the VMM keeps its own
 * code, stacks and page tables away from it. Call before the first
 * partition. 0 or -ENOMEM. */
int kvm_script_avoid(struct kvm_script *s, hvdb_gpa_t gpa, uint64_t size);

/* A guest partition was created in (hv) (the run's hypervisor, or one a
 * `restore` is building): gives it a VM with its RAM, the offload backend,
 * and one vCPU of the built-in guest waiting for stores.
 * 0 or -errno (-ENODEV without /dev/kvm). */
int kvm_script_partition(struct kvm_script *s, struct hvdb *hv,
			 const struct hvdb_partition_config *config);

/* The run acts on (hv) from now on (after a `restore`, or a refused one):
 * destroys the VMs of every other hypervisor, which must already be
 * destroyed (so their backends are detached). */
void kvm_script_use_hv(struct kvm_script *s, struct hvdb *hv);

/* Performs a `write`: a guest store of (len) bytes when a store can make
 * it, else injected into the MMIO path (*injected set). Returns the enum
 * hvdb_write_result with (out) filled, or -errno. */
int kvm_script_write(struct kvm_script *s, uint64_t partition, hvdb_gpa_t gpa,
		     unsigned len, uint64_t value,
		     struct hvdb_write_outcome *out, bool *injected);

void kvm_script_get_stats(struct kvm_script *s, struct kvm_script_stats *out);
/* The VM of guest (partition), or NULL (tests look inside it). */
struct kvm_vm *kvm_script_vm(struct kvm_script *s, uint64_t partition);

/* Why the last call failed, or "". */
const char *kvm_script_error(struct kvm_script *s);

#endif
