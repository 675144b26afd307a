/* mmio.c - MMIO exits of the demo VMM: doorbell writes that KVM did not
 * take in the kernel go to libhvdb-kvm's exit path first. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#include "memory.h"
#include "mmio.h"
#include "vcpu.h"
#include "vm.h"

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

/* A write of (len) little-endian bytes (data) at (gpa): the exit path. */
static int mmio_write(struct kvm_vcpu *vcpu, hvdb_gpa_t gpa,
		      const uint8_t *data, unsigned len,
		      struct hvdb_write_outcome *out)
{
	struct hvdb_write_outcome o = { 0 };
	uint64_t value = 0;
	int rc;

	for (unsigned i = len; i--;)
		value = (value << 8) | data[i];
	rc = hvdb_kvm_mmio_write(vcpu->vm->kvm, gpa, data, len, &o);
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

int kvm_mmio_inject_write(struct kvm_vcpu *vcpu, hvdb_gpa_t gpa, unsigned len,
			  uint64_t value, struct hvdb_write_outcome *out)
{
	uint8_t data[8];

	if (len < 1 || len > 8)
		return -EINVAL;
	for (unsigned i = 0; i < len; i++)
		data[i] = (uint8_t)(value >> (8 * i));
	return mmio_write(vcpu, gpa, data, len, out);
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
	rc = mmio_write(vcpu, gpa, run->mmio.data, len, NULL);
	return rc < 0 ? rc : 0;
}
