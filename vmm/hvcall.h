/* hvcall.h - the guest-visible Hyper-V interface (SPEC §5, TLFS):
 * CPUID leaves 0x40000000-0x40000005, the guest OS id and hypercall MSRs
 * (through KVM's userspace MSR exits), and a hypercall page whose
 * trampoline exits to the VMM, which decodes the call and runs
 * hvdb_hypercall(). */
#ifndef HVDB_VMM_HVCALL_H
#define HVDB_VMM_HVCALL_H

#include <stdint.h>

#include <hvdb/hvdb.h>

struct kvm_vm;
struct kvm_vcpu;
struct kvm_cpuid_entry2;

#define HV_MSR_GUEST_OS_ID 0x40000000u
#define HV_MSR_HYPERCALL 0x40000001u
/* Partition privilege AccessHypercallMsrs: we always implement them. */
#define HV_PRIVILEGE_ACCESS_HYPERCALL_MSRS (1ull << 5)

/* The hypercall input value (RCX) and parameters, decoded once (STYLE 7). */
struct kvm_hcall {
	uint16_t code;
	bool fast;
	uint16_t var_header; /* 8-byte units */
	bool nested;
	uint16_t rep_count;
	uint16_t rep_start;
	bool reserved_set; /* a RsvdZ bit of RCX is set */
	uint64_t rdx;	   /* input GPA, or the first 8 bytes of a fast input */
	uint64_t r8;	   /* output GPA, or the next 8 bytes */
};

/* Creates vm->hvcall and installs the MSR filter that sends the two
 * Hyper-V MSRs to userspace (when KVM can; else the guest cannot enable
 * hypercalls and a debug line says so). 0 or -errno. */
int kvm_hvcall_create(struct kvm_vm *vm);
void kvm_hvcall_destroy(struct kvm_vm *vm);

/* Replaces the hypervisor leaves in (entries) (KVM's own 0x40000000
 * range) with the Hyper-V ones, privileges from the partition's mask. */
void kvm_hvcall_cpuid(struct kvm_vm *vm, struct kvm_cpuid_entry2 *entries,
		      uint32_t *count, uint32_t max);

/* Exit handlers: KVM_EXIT_X86_RDMSR/WRMSR and the trampoline's IN. */
int kvm_hvcall_rdmsr(struct kvm_vcpu *vcpu);
int kvm_hvcall_wrmsr(struct kvm_vcpu *vcpu);
int kvm_hvcall_exit(struct kvm_vcpu *vcpu);

/* Decodes (rcx, rdx, r8) into (hc). */
void kvm_hvcall_decode(uint64_t rcx, uint64_t rdx, uint64_t r8,
		       struct kvm_hcall *hc);
/* Runs a decoded hypercall from (vm)'s partition: the TLFS checks on the
 * input value and GPA, then hvdb_hypercall(). Returns the HV_STATUS. */
HV_STATUS kvm_hvcall_dispatch(struct kvm_vm *vm, const struct kvm_hcall *hc);

#endif
