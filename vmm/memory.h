/* memory.h - guest RAM of the demo VM: regions of anonymous host memory,
 * mapped through libhvdb-kvm's slot table (hvdb_kvm_slots, which also
 * splits them for RAM doorbells), and the one checked accessor (STYLE 8).
 */
#ifndef HVDB_VMM_MEMORY_H
#define HVDB_VMM_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include <hvdb/hvdb.h>

struct kvm_vm;

/* Adds [gpa, gpa+size) of guest RAM (page-aligned) backed by zeroed host
 * memory. (splittable) marks partition RAM that may hold RAM doorbells.
 * 0, -EINVAL (unaligned, overflow, overlap), -ENOSPC, -ENOMEM, or the
 * KVM error. Call before any vCPU runs. */
int kvm_memory_add_ram(struct kvm_vm *vm, hvdb_gpa_t gpa, uint64_t size,
		       bool splittable);

/* The one way the host reaches guest memory: a host pointer to
 * [gpa, gpa+len) when that lies inside one RAM region, else NULL
 * (overflow-checked). */
void *kvm_memory_gpa(struct kvm_vm *vm, hvdb_gpa_t gpa, uint64_t len);
/* Unmaps and frees every region (VM teardown). */
void kvm_memory_release(struct kvm_vm *vm);

#endif
