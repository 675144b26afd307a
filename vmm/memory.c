/* memory.c - guest RAM of the demo VM: regions and the checked accessor;
 * libhvdb-kvm's slot table maps them. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <hvdb/kvm.h>
#include <hvdb/testing.h>

#include "memory.h"
#include "vm.h"

void *kvm_memory_gpa(struct kvm_vm *vm, hvdb_gpa_t gpa, uint64_t len)
{
	uint64_t end;

	if (__builtin_add_overflow(gpa, len, &end))
		return NULL;
	for (size_t i = 0; i < vm->region_count; i++) {
		struct kvm_region *r = &vm->region[i];

		if (gpa >= r->gpa && end <= r->gpa + r->size)
			return r->host + (gpa - r->gpa);
	}
	return NULL;
}

int kvm_memory_add_ram(struct kvm_vm *vm, hvdb_gpa_t gpa, uint64_t size,
		       bool splittable)
{
	struct kvm_region *r = &vm->region[vm->region_count];
	int rc;

	if (vm->region_count == KVM_VM_MAX_REGIONS)
		return -ENOSPC;
	if (!size || size % HVDB_PAGE_SIZE)
		return -EINVAL;
	if (hvdb_fault_hit(vm->hv, HVDB_FAULT_BACKEND))
		return -ENOMEM;
	r->host = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->host == MAP_FAILED)
		return -ENOMEM;
	/* The slot table checks alignment, overflow and overlap. */
	rc = hvdb_kvm_slots_add(vm->slots, gpa, size, r->host, !splittable);
	if (rc < 0) {
		munmap(r->host, size);
		memset(r, 0, sizeof(*r));
		return rc;
	}
	r->gpa = gpa;
	r->size = size;
	vm->region_count++;
	return 0;
}

void kvm_memory_release(struct kvm_vm *vm)
{
	for (size_t i = 0; i < vm->region_count; i++)
		munmap(vm->region[i].host, vm->region[i].size);
	vm->region_count = 0;
}
