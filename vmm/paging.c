/* paging.c - on-demand identity page tables in a pool of guest RAM. */
#include <errno.h>
#include <stdbool.h>

#include "paging.h"
#include "memory.h"
#include "vm.h"

#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_US 0x4ull /* user mode may access: the guest produces at CPL3 */
#define PTE_A 0x20ull
#define PTE_D 0x40ull
#define PTE_ADDR 0x000FFFFFFFFFF000ull
#define PAGE_MASK_ (~(uint64_t)(HVDB_PAGE_SIZE - 1))

int kvm_paging_init(struct kvm_vm *vm, hvdb_gpa_t pool, uint32_t pages)
{
	if (!pages ||
	    !kvm_memory_gpa(vm, pool, (uint64_t)pages * HVDB_PAGE_SIZE))
		return -EINVAL;
	vm->paging.pool = pool;
	vm->paging.pool_pages = pages;
	vm->paging.used = 1; /* the PML4 */
	return 0;
}

bool kvm_paging_reachable(hvdb_gpa_t gpa, uint64_t len)
{
	uint64_t end;

	return len && !__builtin_add_overflow(gpa, len, &end) &&
	       end <= KVM_PAGING_VA_LIMIT;
}

/* The entry of the next level for (gpa) in (table), allocated from the
 * pool when absent. NULL when the pool is exhausted. */
static uint64_t *next_table(struct kvm_vm *vm, uint64_t *entry)
{
	struct kvm_paging *pg = &vm->paging;
	hvdb_gpa_t table;

	if (!(*entry & PTE_P)) {
		if (pg->used == pg->pool_pages)
			return NULL;
		table = pg->pool + (uint64_t)pg->used++ * HVDB_PAGE_SIZE;
		*entry = table | PTE_P | PTE_RW | PTE_US | PTE_A;
	}
	return kvm_memory_gpa(vm, *entry & PTE_ADDR, HVDB_PAGE_SIZE);
}

static int map_page(struct kvm_vm *vm, hvdb_gpa_t gpa)
{
	uint64_t *table = kvm_memory_gpa(vm, vm->paging.pool, HVDB_PAGE_SIZE);

	for (int shift = 39; shift > 12; shift -= 9) {
		table = next_table(vm, &table[(gpa >> shift) & 511]);
		if (!table)
			return -ENOSPC;
	}
	table[(gpa >> 12) & 511] =
		gpa | PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D;
	return 0;
}

int kvm_paging_map(struct kvm_vm *vm, hvdb_gpa_t gpa, uint64_t size)
{
	hvdb_gpa_t page;
	int rc;

	if (!kvm_paging_reachable(gpa, size))
		return -ERANGE;
	for (page = gpa & PAGE_MASK_; page < gpa + size;
	     page += HVDB_PAGE_SIZE) {
		rc = map_page(vm, page);
		if (rc < 0)
			return rc;
	}
	return 0;
}
