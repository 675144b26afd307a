/* mmio.c - MMIO exits: doorbell writes that KVM did not take in kernel. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#include "memory.h"
#include "mmio.h"
#include "vcpu.h"
#include "vm.h"

static uint64_t le_value(const uint8_t *data, unsigned len)
{
	uint64_t v = 0;

	for (unsigned i = len; i--;)
		v = (v << 8) | data[i];
	return v;
}

/* A write that matched nothing: RAM keeps it, MMIO has no device. */
static void miss(struct kvm_vcpu *vcpu, hvdb_gpa_t gpa, unsigned len,
		 uint64_t value)
{
	uint8_t *ram = kvm_memory_gpa(vcpu->vm, gpa, len);

	vcpu->stats.mmio_misses++;
	if (!ram)
		return;
	for (unsigned i = 0; i < len; i++)
		ram[i] = (uint8_t)(value >> (8 * i));
	vcpu->stats.ram_writes++;
}

int kvm_mmio_inject_write(struct kvm_vcpu *vcpu, hvdb_gpa_t gpa, unsigned len,
			  uint64_t value, struct hvdb_write_outcome *out)
{
	struct hvdb_write_outcome o = { 0 };
	int rc;

	rc = hvdb_write(vcpu->vm->hv, vcpu->vm->partition, gpa, len, value, &o);
	vcpu->mmio_writes++;
	vcpu->last_result = rc;
	vcpu->last_outcome = o;
	switch (rc) {
	case HVDB_WRITE_FIRE:
		vcpu->stats.mmio_fires++;
		break;
	case HVDB_WRITE_DROPPED:
		vcpu->stats.mmio_dropped++;
		break;
	case HVDB_WRITE_MISS:
		miss(vcpu, gpa, len, value);
		break;
	default:
		snprintf(vcpu->error, sizeof(vcpu->error),
			 "vCPU %u: hvdb_write(%#llx, %u): %s", vcpu->index,
			 (unsigned long long)gpa, len, strerror(-rc));
		return rc < 0 ? rc : -EPROTO;
	}
	if (out)
		*out = o;
	return rc;
}

int kvm_mmio_exit(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	hvdb_gpa_t gpa = run->mmio.phys_addr;
	unsigned len = run->mmio.len;
	const uint8_t *ram;
	int rc;

	if (len < 1 || len > 8) {
		snprintf(vcpu->error, sizeof(vcpu->error),
			 "vCPU %u: MMIO of %u bytes at %#llx", vcpu->index, len,
			 (unsigned long long)gpa);
		return -EPROTO;
	}
	if (!run->mmio.is_write) {
		ram = kvm_memory_gpa(vcpu->vm, gpa, len);
		if (ram)
			memcpy(run->mmio.data, ram, len);
		else
			memset(run->mmio.data, 0xFF, len);
		return 0;
	}
	rc = kvm_mmio_inject_write(vcpu, gpa, len,
				   le_value(run->mmio.data, len), NULL);
	return rc < 0 ? rc : 0;
}
