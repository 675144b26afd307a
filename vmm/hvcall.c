/* hvcall.c - the Hyper-V interface a guest sees: CPUID leaves, the guest
 * OS id and hypercall MSRs, and the hypercall page's exits. */
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <hvdb/testing.h>
#include <hvdb/introspect.h>

#include "guest_abi.h"
#include "hvcall.h"
#include "memory.h"
#include "vcpu.h"
#include "vm.h"

#define HV_CPUID_FIRST 0x40000000u
#define HV_CPUID_LAST 0x40000005u
#define HV_HYPERCALL_ENABLE 0x1ull
#define HV_HYPERCALL_LOCKED 0x2ull
#define HV_HYPERCALL_GPA_MASK (~0xFFFull)
/* RsvdZ bits of the hypercall input value: 27-30, 44-47, 60-63. */
#define HV_HCALL_RESERVED 0xF000F00078000000ull

/* Per-partition state: the MSRs are partition-wide in the TLFS. */
struct kvm_hvcall {
	pthread_mutex_t lock; /* the two MSRs */
	uint64_t guest_os_id;
	uint64_t hypercall;
};

/* `in eax, GUEST_PORT_HCALL; ret`: the status comes back in EAX. */
static const uint8_t trampoline[] = { 0xE5, GUEST_PORT_HCALL, 0xC3 };

static int install_msr_filter(struct kvm_vm *vm)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { KVM_MSR_EXIT_REASON_FILTER },
	};
	/* A clear bit denies in kernel, i.e. exits to us. */
	uint8_t deny_both = 0;
	struct kvm_msr_filter filter = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges = { {
			.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			.nmsrs = 2,
			.base = HV_MSR_GUEST_OS_ID,
			.bitmap = &deny_both,
		} },
	};
	int rc;

	rc = kvm_vm_ioctl(vm, KVM_ENABLE_CAP, &cap);
	if (rc < 0)
		return rc;
	return kvm_vm_ioctl(vm, KVM_X86_SET_MSR_FILTER, &filter);
}

int kvm_hvcall_create(struct kvm_vm *vm)
{
	struct kvm_hvcall *h;
	int rc;

	if (hvdb_fault_hit(vm->hv, HVDB_FAULT_BACKEND))
		return -ENOMEM;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	rc = pthread_mutex_init(&h->lock, NULL);
	if (rc) {
		free(h);
		return -rc;
	}
	vm->hvcall = h;
	rc = vm->caps.user_msr ? install_msr_filter(vm) : -ENOTSUP;
	if (rc < 0)
		kvm_vm_debug(vm,
			     "no userspace MSR exits (%s): the guest cannot "
			     "enable hypercalls",
			     strerror(-rc));
	return 0;
}

void kvm_hvcall_destroy(struct kvm_vm *vm)
{
	if (!vm->hvcall)
		return;
	pthread_mutex_destroy(&vm->hvcall->lock);
	free(vm->hvcall);
	vm->hvcall = NULL;
}

static int privileges_of(void *opaque, const struct hvdb_partition_desc *d)
{
	uint64_t *want = opaque;

	if (d->id != want[0])
		return 0;
	want[1] = d->privileges;
	return 1;
}

void kvm_hvcall_cpuid(struct kvm_vm *vm, struct kvm_cpuid_entry2 *entries,
		      uint32_t *count, uint32_t max)
{
	uint64_t q[2] = { vm->partition, 0 };
	uint64_t priv;
	uint32_t n = 0;

	/* hvdb_partition_foreach fails only by our callback's return. */
	(void)hvdb_partition_foreach(vm->hv, privileges_of, q);
	priv = q[1] | HV_PRIVILEGE_ACCESS_HYPERCALL_MSRS;
	for (uint32_t i = 0; i < *count; i++)
		if (entries[i].function < HV_CPUID_FIRST ||
		    entries[i].function > HV_CPUID_FIRST + 0xFF)
			entries[n++] = entries[i];
	for (uint32_t leaf = HV_CPUID_FIRST; leaf <= HV_CPUID_LAST && n < max;
	     leaf++) {
		struct kvm_cpuid_entry2 *e = &entries[n++];

		memset(e, 0, sizeof(*e));
		e->function = leaf;
		switch (leaf) {
		case HV_CPUID_FIRST: /* max leaf, "Microsoft Hv" */
			e->eax = HV_CPUID_LAST;
			memcpy(&e->ebx, "Micr", 4);
			memcpy(&e->ecx, "osof", 4);
			memcpy(&e->edx, "t Hv", 4);
			break;
		case HV_CPUID_FIRST + 1: /* interface "Hv#1" */
			memcpy(&e->eax, "Hv#1", 4);
			break;
		case HV_CPUID_FIRST + 2: /* version 10.0 */
			e->ebx = 0x000A0000;
			break;
		case HV_CPUID_FIRST + 3: /* partition privilege mask */
			e->eax = (uint32_t)priv;
			e->ebx = (uint32_t)(priv >> 32);
			break;
		default: /* no recommendations, no limits */
			break;
		}
	}
	*count = n;
}

int kvm_hvcall_rdmsr(struct kvm_vcpu *vcpu)
{
	struct kvm_hvcall *h = vcpu->vm->hvcall;
	struct kvm_run *run = vcpu->run;

	pthread_mutex_lock(&h->lock);
	run->msr.error = 0;
	if (run->msr.index == HV_MSR_GUEST_OS_ID)
		run->msr.data = h->guest_os_id;
	else if (run->msr.index == HV_MSR_HYPERCALL)
		run->msr.data = h->hypercall;
	else
		run->msr.error = 1; /* #GP */
	pthread_mutex_unlock(&h->lock);
	return 0;
}

/* Writes the trampoline into the page at (gpa). false when not RAM. */
static bool install_page(struct kvm_vm *vm, uint64_t gpa)
{
	uint8_t *page = kvm_memory_gpa(vm, gpa, HVDB_PAGE_SIZE);

	if (!page)
		return false;
	memset(page, 0xCC, HVDB_PAGE_SIZE); /* int3 past the trampoline */
	memcpy(page, trampoline, sizeof(trampoline));
	return true;
}

/* HV_X64_MSR_HYPERCALL (TLFS): ignored once locked; cannot be enabled
 * before the guest OS id is set; the page must be guest RAM (#GP). */
static void write_hypercall_msr(struct kvm_vm *vm, struct kvm_hvcall *h,
				struct kvm_run *run)
{
	uint64_t v =
		run->msr.data & (HV_HYPERCALL_GPA_MASK | HV_HYPERCALL_ENABLE |
				 HV_HYPERCALL_LOCKED);

	if (h->hypercall & HV_HYPERCALL_LOCKED)
		return;
	if (!h->guest_os_id)
		v &= ~HV_HYPERCALL_ENABLE;
	if ((v & HV_HYPERCALL_ENABLE) &&
	    !install_page(vm, v & HV_HYPERCALL_GPA_MASK)) {
		run->msr.error = 1;
		return;
	}
	h->hypercall = v;
}

int kvm_hvcall_wrmsr(struct kvm_vcpu *vcpu)
{
	struct kvm_hvcall *h = vcpu->vm->hvcall;
	struct kvm_run *run = vcpu->run;

	pthread_mutex_lock(&h->lock);
	run->msr.error = 0;
	if (run->msr.index == HV_MSR_GUEST_OS_ID) {
		h->guest_os_id = run->msr.data;
		/* TLFS: a zero OS id disables the hypercall page. */
		if (!h->guest_os_id)
			h->hypercall &= ~HV_HYPERCALL_ENABLE;
	} else if (run->msr.index == HV_MSR_HYPERCALL) {
		write_hypercall_msr(vcpu->vm, h, run);
	} else {
		run->msr.error = 1;
	}
	pthread_mutex_unlock(&h->lock);
	return 0;
}

void kvm_hvcall_decode(uint64_t rcx, uint64_t rdx, uint64_t r8,
		       struct kvm_hcall *hc)
{
	hc->code = (uint16_t)rcx;
	hc->fast = (rcx >> 16) & 1;
	hc->var_header = (rcx >> 17) & 0x3FF;
	hc->nested = (rcx >> 31) & 1;
	hc->rep_count = (rcx >> 32) & 0xFFF;
	hc->rep_start = (rcx >> 48) & 0xFFF;
	hc->reserved_set = (rcx & HV_HCALL_RESERVED) != 0;
	hc->rdx = rdx;
	hc->r8 = r8;
}

HV_STATUS kvm_hvcall_dispatch(struct kvm_vm *vm, const struct kvm_hcall *hc)
{
	size_t len = hvdb_hypercall_input_size(hc->code);
	uint8_t in[sizeof(HV_INPUT_CONNECT_PORT)];
	const void *src;

	if (!len)
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	/* None of the port calls is a rep call or has a variable header. */
	if (hc->reserved_set || hc->var_header || hc->nested || hc->rep_count ||
	    hc->rep_start)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (hc->fast) {
		/* Fast calls carry 16 bytes: Disconnect and Delete only. */
		if (len != 2 * sizeof(uint64_t))
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		memcpy(in, &hc->rdx, sizeof(hc->rdx));
		memcpy(in + sizeof(hc->rdx), &hc->r8, sizeof(hc->r8));
	} else {
		/* TLFS: 8-byte aligned, and within one page. */
		if (hc->rdx & 7 || (hc->rdx & 0xFFF) + len > HVDB_PAGE_SIZE)
			return HV_STATUS_INVALID_ALIGNMENT;
		src = kvm_memory_gpa(vm, hc->rdx, len);
		if (!src)
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		memcpy(in, src, len);
	}
	return hvdb_hypercall(vm->hv, vm->partition, hc->code, in, len, NULL);
}

static bool page_enabled(struct kvm_hvcall *h)
{
	bool on;

	pthread_mutex_lock(&h->lock);
	on = h->hypercall & HV_HYPERCALL_ENABLE;
	pthread_mutex_unlock(&h->lock);
	return on;
}

int kvm_hvcall_exit(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	struct kvm_regs regs;
	struct kvm_hcall hc;
	uint32_t status;
	int rc;

	/* The port is the hypercall page's: until the guest enables the page
	 * (TLFS: no hypercalls before), it answers as no device does, with
	 * all ones, and calls nothing. */
	if (!page_enabled(vcpu->vm->hvcall)) {
		memset(data, 0xFF, (size_t)run->io.size * run->io.count);
		return 0;
	}
	rc = kvm_vcpu_ioctl(vcpu, KVM_GET_REGS, &regs);
	if (rc < 0)
		return rc;
	kvm_hvcall_decode(regs.rcx, regs.rdx, regs.r8, &hc);
	status = kvm_hvcall_dispatch(vcpu->vm, &hc);
	vcpu->stats.hypercalls++;
	/* `in eax` zero-extends: RAX = status, reps completed 0. */
	memset(data, 0, run->io.size);
	memcpy(data, &status, run->io.size < 4 ? run->io.size : 4);
	return 0;
}
