/* boot.h - one vCPU of the built-in guest in a VMM region of its own: the
 * layout that `hvdb run --script`, the bench and the KVM tests share. */
#ifndef HVDB_VMM_BOOT_H
#define HVDB_VMM_BOOT_H

#include <stdint.h>

#include <hvdb/hvdb.h>

#include "guest_abi.h"

#define BOOT_REGION_SIZE (4ull << 20)
/* Bench mode: room for this many doorbells in the region's table. */
#define BOOT_TABLE_MAX 4096u

struct kvm_vm;
struct kvm_vcpu;

/* What boot_one() made, with host pointers into the region. */
struct boot_one {
	hvdb_gpa_t base;
	struct kvm_vcpu *vcpu;
	volatile struct guest_boot *boot;
	volatile struct guest_mailbox *mb;
	/* GUEST_MODE_BENCH: the loop's control block and its doorbells. */
	volatile struct guest_bench *bench;
	volatile struct guest_doorbell *table;
};

/* Backs [base, base + BOOT_REGION_SIZE) with RAM (not splittable), maps
 * it, copies the guest image there, fills its boot page for (mode) and
 * creates vCPU 0 of (vm), which will run it from its first instruction.
 * (base) must be 2 MiB-aligned and free. 0, or -E2BIG (image too big),
 * or the -errno of the step that failed. */
int boot_one(struct kvm_vm *vm, hvdb_gpa_t base, uint32_t mode,
	     struct boot_one *out);

#endif
