/* boot.c - one vCPU of the built-in guest in a 4 MiB region of its own. */
#include <errno.h>
#include <string.h>

#include "boot.h"
#include "image.h"
#include "memory.h"
#include "paging.h"
#include "vcpu.h"
#include "vm.h"

#define POOL_PAGES 512u
/* Offsets in the region. */
#define OFF_BOOT 0x0000u
#define OFF_MAILBOX 0x1000u
#define OFF_BENCH 0x2000u
#define OFF_STACK_TOP 0x10000u
#define OFF_IMAGE 0x10000u
#define OFF_TABLE 0x100000u
#define OFF_POOL (BOOT_REGION_SIZE - POOL_PAGES * HVDB_PAGE_SIZE)

_Static_assert(OFF_TABLE + BOOT_TABLE_MAX * sizeof(struct guest_doorbell) <=
		       OFF_POOL,
	       "the bench table fits below the page-table pool");

int boot_one(struct kvm_vm *vm, hvdb_gpa_t base, uint32_t mode,
	     struct boot_one *out)
{
	uint64_t image = (uint64_t)(hvdb_guest_image_end - hvdb_guest_image);
	volatile struct guest_boot *b;
	int rc;

	if (OFF_IMAGE + image > OFF_TABLE)
		return -E2BIG;
	rc = kvm_memory_add_ram(vm, base, BOOT_REGION_SIZE, false);
	if (!rc)
		rc = kvm_paging_init(vm, base + OFF_POOL, POOL_PAGES);
	if (!rc)
		rc = kvm_paging_map(vm, base, OFF_POOL);
	if (rc < 0)
		return rc;
	memcpy(kvm_memory_gpa(vm, base + OFF_IMAGE, image), hvdb_guest_image,
	       image);
	b = kvm_memory_gpa(vm, base + OFF_BOOT, sizeof(*b));
	b->magic = GUEST_BOOT_MAGIC;
	b->mode = mode;
	b->vcpus = 1;
	b->partition = vm->partition;
	b->mailbox = base + OFF_MAILBOX;
	b->bench = base + OFF_BENCH;
	out->base = base;
	out->boot = b;
	out->mb = kvm_memory_gpa(vm, base + OFF_MAILBOX, sizeof(*out->mb));
	out->bench = kvm_memory_gpa(vm, base + OFF_BENCH, sizeof(*out->bench));
	out->table =
		kvm_memory_gpa(vm, base + OFF_TABLE,
			       BOOT_TABLE_MAX * sizeof(struct guest_doorbell));
	out->bench->table = base + OFF_TABLE;
	return kvm_vcpu_create(vm, 0, base + OFF_IMAGE, base + OFF_STACK_TOP,
			       base + OFF_BOOT, base + OFF_MAILBOX, &out->vcpu);
}
