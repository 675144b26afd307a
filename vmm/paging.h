/* paging.h - identity-mapped 4-level page tables for a guest.
 *
 * The tables live in a pool of guest RAM pages that the VMM reserves;
 * pages are mapped on demand (VA == GPA), 4 KiB at a time, so every page
 * the guest touches is mapped and nothing else is.
 */
#ifndef HVDB_VMM_PAGING_H
#define HVDB_VMM_PAGING_H

#include <stdint.h>

#include <hvdb/hvdb.h>

/* Identity mapping covers the canonical lower half of 4-level paging. */
#define KVM_PAGING_VA_LIMIT (1ull << 47)

struct kvm_vm;

struct kvm_paging {
	hvdb_gpa_t pool; /* GPA of the first pool page: the PML4 */
	uint32_t pool_pages;
	uint32_t used;
};

/* Uses (pages) zeroed pages of guest RAM at (pool) for the tables; the
 * first becomes the PML4 (CR3). 0 or -EINVAL when the pool is not RAM. */
int kvm_paging_init(struct kvm_vm *vm, hvdb_gpa_t pool, uint32_t pages);
/* Maps every page of [gpa, gpa+size) to itself, writable and reachable
 * from user mode (the demo guest produces at CPL3). Call while no
 * vCPU runs, or for pages no vCPU uses yet (adding mappings needs no TLB
 * flush). 0, -ERANGE beyond KVM_PAGING_VA_LIMIT, -ENOSPC pool exhausted. */
int kvm_paging_map(struct kvm_vm *vm, hvdb_gpa_t gpa, uint64_t size);
/* True when (gpa, len) can be reached by a guest store (mappable). */
bool kvm_paging_reachable(hvdb_gpa_t gpa, uint64_t len);

#endif
