/* memory.c - guest RAM: regions, memory slots, read-only doorbell pages
 * and the checked accessor. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "memory.h"
#include "vm.h"

#define PAGE_MASK_ (~(uint64_t)(HVDB_PAGE_SIZE - 1))

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

static struct kvm_region *region_of(struct kvm_vm *vm, hvdb_gpa_t gpa)
{
	for (size_t i = 0; i < vm->region_count; i++)
		if (gpa >= vm->region[i].gpa &&
		    gpa - vm->region[i].gpa < vm->region[i].size)
			return &vm->region[i];
	return NULL;
}

bool kvm_memory_is_partition_ram(struct kvm_vm *vm, hvdb_gpa_t gpa)
{
	struct kvm_region *r = region_of(vm, gpa);

	return r && r->splittable;
}

bool kvm_memory_page_is_readonly(struct kvm_vm *vm, hvdb_gpa_t gpa)
{
	struct kvm_region *r = region_of(vm, gpa);
	bool ro = false;

	if (!r)
		return false;
	pthread_mutex_lock(&vm->mem_lock);
	for (size_t i = 0; i < r->ro_count; i++)
		ro |= r->ro[i].gpa == (gpa & PAGE_MASK_);
	pthread_mutex_unlock(&vm->mem_lock);
	return ro;
}

/* Maps [gpa, gpa+size) of (r) with a new slot. Called with mem_lock held. */
static int slot_add(struct kvm_vm *vm, struct kvm_region *r, hvdb_gpa_t gpa,
		    uint64_t size, bool readonly)
{
	struct kvm_userspace_memory_region m = {
		.flags = readonly ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr =
			(uint64_t)(uintptr_t)(r->host + (gpa - r->gpa)),
	};
	uint32_t id;
	int rc;

	for (id = 0; id < vm->caps.nr_memslots && vm->slot_used[id]; id++)
		;
	if (id == vm->caps.nr_memslots)
		return -ENOSPC;
	m.slot = id;
	rc = kvm_vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &m);
	if (rc < 0)
		return rc;
	vm->slot_used[id] = 1;
	r->slots[r->slot_count++] = id;
	return 0;
}

/* Deletes every slot of (r). Called with mem_lock held. */
static void slots_drop(struct kvm_vm *vm, struct kvm_region *r)
{
	struct kvm_userspace_memory_region m = { 0 };

	while (r->slot_count) {
		m.slot = r->slots[--r->slot_count];
		/* Deleting a slot that exists only fails on a broken VM;
		 * nothing better to do than forget it. */
		if (kvm_vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &m) < 0)
			kvm_vm_debug(vm, "slot %u: delete failed", m.slot);
		vm->slot_used[m.slot] = 0;
	}
}

/* Maps (r) again as runs of ordinary and read-only slots. While this runs,
 * guest accesses to (r) exit as MMIO and mmio.c serves them from the
 * backing memory, so the guest sees no gap. Called with mem_lock held. */
static int region_layout(struct kvm_vm *vm, struct kvm_region *r)
{
	hvdb_gpa_t at = r->gpa, end = r->gpa + r->size;
	size_t i = 0;
	int rc;

	slots_drop(vm, r);
	while (at < end) {
		hvdb_gpa_t ro_start = i < r->ro_count ? r->ro[i].gpa : end;
		hvdb_gpa_t ro_end = ro_start;

		if (at < ro_start) {
			rc = slot_add(vm, r, at, ro_start - at, false);
			if (rc < 0)
				return rc;
		}
		while (i < r->ro_count && r->ro[i].gpa == ro_end) {
			ro_end += HVDB_PAGE_SIZE;
			i++;
		}
		if (ro_end > ro_start) {
			rc = slot_add(vm, r, ro_start, ro_end - ro_start, true);
			if (rc < 0)
				return rc;
		}
		at = ro_end > ro_start ? ro_end : end;
	}
	return 0;
}

int kvm_memory_add_ram(struct kvm_vm *vm, hvdb_gpa_t gpa, uint64_t size,
		       bool splittable)
{
	struct kvm_region *r = &vm->region[vm->region_count];
	uint64_t end;
	int rc;

	if (!size || (gpa | size) & ~PAGE_MASK_ ||
	    __builtin_add_overflow(gpa, size, &end))
		return -EINVAL;
	for (size_t i = 0; i < vm->region_count; i++)
		if (gpa < vm->region[i].gpa + vm->region[i].size &&
		    vm->region[i].gpa < end)
			return -EINVAL;
	if (vm->region_count == KVM_VM_MAX_REGIONS)
		return -ENOSPC;
	if (hvdb_fault_hit(vm->hv, HVDB_FAULT_KVM_ALLOC))
		return -ENOMEM;
	r->host = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->host == MAP_FAILED)
		return -ENOMEM;
	/* A region never needs more slots than one per page run plus one. */
	r->slots = calloc(size / HVDB_PAGE_SIZE + 1, sizeof(*r->slots));
	if (!r->slots) {
		rc = -ENOMEM;
		goto err_unmap;
	}
	r->gpa = gpa;
	r->size = size;
	r->splittable = splittable;
	pthread_mutex_lock(&vm->mem_lock);
	rc = region_layout(vm, r);
	pthread_mutex_unlock(&vm->mem_lock);
	if (rc < 0)
		goto err_free_slots;
	vm->region_count++;
	return 0;

err_free_slots:
	free(r->slots);
err_unmap:
	munmap(r->host, size);
	memset(r, 0, sizeof(*r));
	return rc;
}

/* Index of the first read-only page >= (page) in (r). */
static size_t ro_find(const struct kvm_region *r, hvdb_gpa_t page)
{
	size_t i = 0;

	while (i < r->ro_count && r->ro[i].gpa < page)
		i++;
	return i;
}

int kvm_memory_page_ref(struct kvm_vm *vm, hvdb_gpa_t gpa, bool *held)
{
	struct kvm_region *r = region_of(vm, gpa);
	hvdb_gpa_t page = gpa & PAGE_MASK_;
	struct kvm_ro_page *grown;
	size_t i;
	int rc = 0;

	*held = false;
	if (!r || !r->splittable)
		return 0;
	if (!vm->caps.readonly_mem)
		return -ENOTSUP;
	pthread_mutex_lock(&vm->mem_lock);
	i = ro_find(r, page);
	if (i < r->ro_count && r->ro[i].gpa == page) {
		r->ro[i].refs++;
		goto out_held;
	}
	if (r->ro_count == r->ro_cap) {
		rc = -ENOMEM;
		if (hvdb_fault_hit(vm->hv, HVDB_FAULT_KVM_ALLOC))
			goto out;
		grown = realloc(r->ro, (r->ro_cap * 2 + 4) * sizeof(*grown));
		if (!grown)
			goto out;
		r->ro = grown;
		r->ro_cap = r->ro_cap * 2 + 4;
	}
	memmove(&r->ro[i + 1], &r->ro[i], (r->ro_count - i) * sizeof(*r->ro));
	r->ro[i] = (struct kvm_ro_page){ .gpa = page, .refs = 1 };
	r->ro_count++;
	rc = region_layout(vm, r);
	if (rc < 0) {
		memmove(&r->ro[i], &r->ro[i + 1],
			(--r->ro_count - i) * sizeof(*r->ro));
		/* Best effort: an unmapped stretch still behaves as RAM
		 * through the MMIO path. */
		if (region_layout(vm, r) < 0)
			kvm_vm_debug(vm, "region %#llx: relayout failed",
				     (unsigned long long)r->gpa);
		goto out;
	}
	kvm_vm_debug(vm, "page %#llx is read-only (RAM doorbell)",
		     (unsigned long long)page);
out_held:
	*held = true;
out:
	pthread_mutex_unlock(&vm->mem_lock);
	return rc;
}

void kvm_memory_page_unref(struct kvm_vm *vm, hvdb_gpa_t gpa)
{
	struct kvm_region *r = region_of(vm, gpa);
	hvdb_gpa_t page = gpa & PAGE_MASK_;
	size_t i;

	if (!r)
		return;
	pthread_mutex_lock(&vm->mem_lock);
	i = ro_find(r, page);
	if (i < r->ro_count && r->ro[i].gpa == page && !--r->ro[i].refs) {
		memmove(&r->ro[i], &r->ro[i + 1],
			(--r->ro_count - i) * sizeof(*r->ro));
		if (region_layout(vm, r) < 0)
			kvm_vm_debug(vm, "region %#llx: relayout failed",
				     (unsigned long long)r->gpa);
		else
			kvm_vm_debug(vm, "page %#llx is ordinary RAM again",
				     (unsigned long long)page);
	}
	pthread_mutex_unlock(&vm->mem_lock);
}

void kvm_memory_release(struct kvm_vm *vm)
{
	for (size_t i = 0; i < vm->region_count; i++) {
		struct kvm_region *r = &vm->region[i];

		munmap(r->host, r->size);
		free(r->ro);
		free(r->slots);
	}
	vm->region_count = 0;
}
