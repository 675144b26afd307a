/* mmio.h - MMIO exits: the userspace doorbell path (SPEC §4, §5). */
#ifndef HVDB_VMM_MMIO_H
#define HVDB_VMM_MMIO_H

#include <stdint.h>

#include <hvdb/hvdb.h>

struct kvm_vcpu;

/* Handles the KVM_EXIT_MMIO in vcpu->run. A write goes to hvdb_write()
 * first; a miss is an ordinary MMIO write (dropped: there is no device),
 * or, on guest RAM (a read-only doorbell page, or a slot being remapped),
 * is performed on the backing memory. Reads of RAM come from the backing
 * memory, other reads return all ones. 0, or -errno to stop the vCPU. */
int kvm_mmio_exit(struct kvm_vcpu *vcpu);

/* The same path for a write that no guest instruction can make (length
 * 3, 5, 6 or 7, or an address a store cannot reach): as if it had exited
 * from (vcpu). Returns the enum hvdb_write_result, or -errno. */
int kvm_mmio_inject_write(struct kvm_vcpu *vcpu, hvdb_gpa_t gpa, unsigned len,
			  uint64_t value, struct hvdb_write_outcome *out);

#endif
