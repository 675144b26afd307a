/* vcpu.c - vCPU creation in 64-bit mode and the run loop. */
#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hvdb/testing.h>

#include "hvcall.h"
#include "memory.h"
#include "mmio.h"
#include "vcpu.h"
#include "vm.h"

#define CR0_LONG 0x80050033ull /* PE MP ET NE WP PG */
#define CR4_LONG 0x620ull      /* PAE OSFXSR OSXMMEXCPT */
#define EFER_LONG 0x500ull     /* LME LMA */
#define SEL_CODE 0x10
#define SEL_DATA 0x18
#define CPUID_MAX_ENTRIES 256

int kvm_vcpu_ioctl(struct kvm_vcpu *vcpu, unsigned long request, void *arg)
{
	return kvm_vm_fd_ioctl(vcpu->vm, vcpu->fd, request, arg);
}

static int set_cpuid(struct kvm_vcpu *vcpu)
{
	struct kvm_cpuid2 *c;
	int rc;

	c = calloc(1, sizeof(*c) + CPUID_MAX_ENTRIES * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;
	c->nent = CPUID_MAX_ENTRIES;
	rc = kvm_vm_fd_ioctl(vcpu->vm, vcpu->vm->kvm_fd,
			     KVM_GET_SUPPORTED_CPUID, c);
	if (rc >= 0) {
		kvm_hvcall_cpuid(vcpu->vm, c->entries, &c->nent,
				 CPUID_MAX_ENTRIES);
		rc = kvm_vcpu_ioctl(vcpu, KVM_SET_CPUID2, c);
	}
	free(c);
	return rc;
}

static int set_long_mode(struct kvm_vcpu *vcpu, uint64_t rip, uint64_t rsp,
			 uint64_t arg)
{
	struct kvm_segment code = {
		.limit = 0xFFFFFFFF,
		.selector = SEL_CODE,
		.type = 11,
		.present = 1,
		.s = 1,
		.l = 1,
		.g = 1,
	};
	struct kvm_segment data = code;
	struct kvm_regs regs = {
		.rip = rip,
		.rsp = rsp,
		.rdi = vcpu->index,
		.rsi = arg,
		.rflags = 2,
	};
	struct kvm_sregs sregs;
	int rc;

	rc = kvm_vcpu_ioctl(vcpu, KVM_GET_SREGS, &sregs);
	if (rc < 0)
		return rc;
	data.selector = SEL_DATA;
	data.type = 3;
	data.l = 0;
	data.db = 1;
	sregs.cs = code;
	sregs.ss = data;
	/* No data segment is ever loaded: null selectors, as 64-bit code
	 * runs with (and a PVM host insists on). */
	memset(&data, 0, sizeof(data));
	data.unusable = 1;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = data;
	sregs.cr0 = CR0_LONG;
	sregs.cr4 = CR4_LONG;
	sregs.efer = EFER_LONG;
	sregs.cr3 = vcpu->vm->paging.pool;
	rc = kvm_vcpu_ioctl(vcpu, KVM_SET_SREGS, &sregs);
	if (rc < 0)
		return rc;
	return kvm_vcpu_ioctl(vcpu, KVM_SET_REGS, &regs);
}

int kvm_vcpu_create(struct kvm_vm *vm, uint32_t index, uint64_t rip,
		    uint64_t rsp, uint64_t arg, hvdb_gpa_t mailbox,
		    struct kvm_vcpu **out)
{
	struct kvm_vcpu *vcpu;
	int rc;

	if (vm->vcpu_count == KVM_VM_MAX_VCPUS ||
	    vm->vcpu_count >= vm->caps.max_vcpus)
		return -ENOSPC;
	if (hvdb_fault_hit(vm->hv, HVDB_FAULT_BACKEND))
		return -ENOMEM;
	vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->index = index;
	vcpu->mailbox = mailbox;
	rc = kvm_vm_ioctl(vm, KVM_CREATE_VCPU, (void *)(uintptr_t)index);
	if (rc < 0)
		goto err_free;
	vcpu->fd = rc;
	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		rc = -errno;
		goto err_close;
	}
	rc = set_cpuid(vcpu);
	if (rc < 0)
		goto err_unmap;
	rc = set_long_mode(vcpu, rip, rsp, arg);
	if (rc < 0)
		goto err_unmap;
	vm->vcpu[vm->vcpu_count++] = vcpu;
	*out = vcpu;
	return 0;

err_unmap:
	munmap(vcpu->run, vm->run_size);
err_close:
	close(vcpu->fd);
err_free:
	free(vcpu);
	return rc;
}

void kvm_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	if (!vcpu)
		return;
	munmap(vcpu->run, vcpu->vm->run_size);
	close(vcpu->fd);
	free(vcpu);
}

static const char *exit_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN (triple fault)",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "?";
}

/* Stops the loop on an exit we do not handle, naming it and the RIP. */
static int unhandled_exit(struct kvm_vcpu *vcpu)
{
	struct kvm_regs regs = { 0 };
	uint32_t reason = vcpu->run->exit_reason;

	/* Best effort: the RIP only decorates the message. */
	(void)ioctl(vcpu->fd, KVM_GET_REGS, &regs);
	snprintf(vcpu->error, sizeof(vcpu->error),
		 "vCPU %u: unhandled exit %s (%u) at RIP %#llx", vcpu->index,
		 exit_name(reason), reason, (unsigned long long)regs.rip);
	return -EPROTO;
}

/* The guest reported through its mailbox. */
static int report(struct kvm_vcpu *vcpu, struct guest_mailbox *mb)
{
	const struct guest_mailbox *g =
		kvm_memory_gpa(vcpu->vm, vcpu->mailbox, sizeof(*g));

	if (!g || !g->ucall) {
		snprintf(vcpu->error, sizeof(vcpu->error),
			 "vCPU %u: report without a mailbox", vcpu->index);
		return -EPROTO;
	}
	*mb = *g;
	return (int)g->ucall;
}

static int io_exit(struct kvm_vcpu *vcpu, struct guest_mailbox *mb)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	if (run->io.port == GUEST_PORT_REPORT &&
	    run->io.direction == KVM_EXIT_IO_OUT)
		return report(vcpu, mb);
	if (run->io.port == GUEST_PORT_HCALL &&
	    run->io.direction == KVM_EXIT_IO_IN)
		return kvm_hvcall_exit(vcpu);
	/* No other device: reads float high, writes vanish. */
	if (run->io.direction == KVM_EXIT_IO_IN)
		memset(data, 0xFF, (size_t)run->io.size * run->io.count);
	return 0;
}

int kvm_vcpu_run(struct kvm_vcpu *vcpu, struct guest_mailbox *mb)
{
	int rc;

	for (;;) {
		if (__atomic_load_n(&vcpu->stop, __ATOMIC_ACQUIRE)) {
			snprintf(vcpu->error, sizeof(vcpu->error),
				 "vCPU %u: stopped", vcpu->index);
			return -ECANCELED;
		}
		/* Not a fault point: KVM_RUN is the hot path, not setup. */
		if (ioctl(vcpu->fd, KVM_RUN, NULL) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			rc = -errno;
			snprintf(vcpu->error, sizeof(vcpu->error),
				 "vCPU %u: KVM_RUN: %s", vcpu->index,
				 strerror(errno));
			return rc;
		}
		vcpu->stats.exits++;
		switch (vcpu->run->exit_reason) {
		case KVM_EXIT_MMIO:
			rc = kvm_mmio_exit(vcpu);
			break;
		case KVM_EXIT_IO:
			rc = io_exit(vcpu, mb);
			break;
		case KVM_EXIT_X86_RDMSR:
			rc = kvm_hvcall_rdmsr(vcpu);
			break;
		case KVM_EXIT_X86_WRMSR:
			rc = kvm_hvcall_wrmsr(vcpu);
			break;
		case KVM_EXIT_INTR:
			rc = 0;
			break;
		default:
			rc = unhandled_exit(vcpu);
			break;
		}
		if (rc)
			return rc;
	}
}

static void kick_handler(int sig)
{
	(void)sig; /* only there to interrupt KVM_RUN */
}

void kvm_vcpu_kick(struct kvm_vcpu *vcpu, pthread_t thread)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	__atomic_store_n(&vcpu->stop, true, __ATOMIC_RELEASE);
	/* immediate_exit covers a kick just before KVM_RUN; the signal a
	 * vCPU spinning inside the guest. */
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_RELEASE);
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGUSR1, &sa, NULL);
	(void)pthread_kill(thread, SIGUSR1);
}

/* Copies the guest string at (gpa) into (buf), bounded. */
static void guest_string(struct kvm_vcpu *vcpu, uint64_t gpa, char *buf,
			 size_t size)
{
	size_t i;

	for (i = 0; i + 1 < size; i++) {
		const char *c = kvm_memory_gpa(vcpu->vm, gpa + i, 1);

		if (!c || !*c)
			break;
		buf[i] = *c;
	}
	buf[i] = '\0';
}

void kvm_vcpu_describe_assert(struct kvm_vcpu *vcpu,
			      const struct guest_mailbox *mb, char *buf,
			      size_t size)
{
	char file[64], text[96];

	guest_string(vcpu, mb->file, file, sizeof(file));
	guest_string(vcpu, mb->text, text, sizeof(text));
	snprintf(buf, size, "guest %s:%llu: %s (%#llx vs %#llx)", file,
		 (unsigned long long)mb->line, text,
		 (unsigned long long)mb->args[0],
		 (unsigned long long)mb->args[1]);
}
