/* memory.h - guest RAM of a VM: regions, memory slots, read-only pages
 * for RAM doorbells, and the one checked accessor (STYLE 8). */
#ifndef HVDB_KVM_MEMORY_H
#define HVDB_KVM_MEMORY_H

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
/* True when (gpa) is guest RAM of the partition (a splittable region). */
bool kvm_memory_is_partition_ram(struct kvm_vm *vm, hvdb_gpa_t gpa);

/* RAM doorbells (SPEC §5): takes a reference on the page of (gpa) and
 * makes it KVM_MEM_READONLY on the first one, so that its writes exit as
 * MMIO. Sets *held when the page is partition RAM (the reference must be
 * dropped with kvm_memory_page_unref), leaves it false otherwise. 0 or
 * -errno (nothing held then). */
int kvm_memory_page_ref(struct kvm_vm *vm, hvdb_gpa_t gpa, bool *held);
/* Drops the reference; the last one restores an ordinary slot. */
void kvm_memory_page_unref(struct kvm_vm *vm, hvdb_gpa_t gpa);
/* True while the page of (gpa) is held read-only. */
bool kvm_memory_page_is_readonly(struct kvm_vm *vm, hvdb_gpa_t gpa);
/* Unmaps and frees every region (VM teardown). */
void kvm_memory_release(struct kvm_vm *vm);

#endif
