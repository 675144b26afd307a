/* vm.c - a KVM VM: /dev/kvm, capabilities, guest RAM and memory slots. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hvcall.h"
#include "memory.h"
#include "offload.h"
#include "vcpu.h"
#include "vm.h"

void kvm_vm_debug(struct kvm_vm *vm, const char *fmt, ...)
{
	va_list ap;

	if (!vm->debug)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "hvdb: kvm: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int kvm_vm_fd_ioctl(struct kvm_vm *vm, int fd, unsigned long request, void *arg)
{
	int rc;

	if (hvdb_fault_hit(vm->hv, HVDB_FAULT_KVM_IOCTL))
		return -EIO;
	rc = ioctl(fd, request, arg);
	return rc < 0 ? -errno : rc;
}

int kvm_vm_ioctl(struct kvm_vm *vm, unsigned long request, void *arg)
{
	return kvm_vm_fd_ioctl(vm, vm->vm_fd, request, arg);
}

static int check_cap(struct kvm_vm *vm, long cap)
{
	int rc = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, cap);

	return rc < 0 ? 0 : rc;
}

static void probe_caps(struct kvm_vm *vm)
{
	struct kvm_vm_caps *c = &vm->caps;
	int slots = check_cap(vm, KVM_CAP_NR_MEMSLOTS);

	c->ioeventfd = check_cap(vm, KVM_CAP_IOEVENTFD) > 0;
	c->ioeventfd_any_length =
		check_cap(vm, KVM_CAP_IOEVENTFD_ANY_LENGTH) > 0;
	c->readonly_mem = check_cap(vm, KVM_CAP_READONLY_MEM) > 0;
	c->user_msr = check_cap(vm, KVM_CAP_X86_USER_SPACE_MSR) > 0 &&
		      check_cap(vm, KVM_CAP_X86_MSR_FILTER) > 0;
	/* KVM documents 32 slots when the capability is absent. */
	c->nr_memslots = slots > 0 ? (uint32_t)slots : 32;
	c->max_vcpus = (uint32_t)check_cap(vm, KVM_CAP_MAX_VCPUS);
	if (!c->max_vcpus)
		c->max_vcpus = 4;
	kvm_vm_debug(vm,
		     "caps: ioeventfd %d any-length %d readonly %d "
		     "user-msr %d memslots %u vcpus %u",
		     c->ioeventfd, c->ioeventfd_any_length, c->readonly_mem,
		     c->user_msr, c->nr_memslots, c->max_vcpus);
}

int kvm_vm_create(const struct kvm_vm_config *config, struct kvm_vm **out)
{
	struct kvm_vm *vm;
	int rc;

	if (hvdb_fault_hit(config->hv, HVDB_FAULT_KVM_ALLOC))
		return -ENOMEM;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->hv = config->hv;
	vm->partition = config->partition;
	vm->debug = config->debug || getenv("HVDB_DEBUG");
	vm->vm_fd = -1;
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		rc = errno == ENOENT ? -ENODEV : -errno;
		goto err_free;
	}
	rc = kvm_vm_fd_ioctl(vm, vm->kvm_fd, KVM_GET_API_VERSION, NULL);
	if (rc != KVM_API_VERSION) {
		rc = rc < 0 ? rc : -ENOTSUP;
		goto err_close_kvm;
	}
	rc = kvm_vm_fd_ioctl(vm, vm->kvm_fd, KVM_CREATE_VM, NULL);
	if (rc < 0)
		goto err_close_kvm;
	vm->vm_fd = rc;
	rc = kvm_vm_fd_ioctl(vm, vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (rc < 0)
		goto err_close_vm;
	vm->run_size = (size_t)rc;
	probe_caps(vm);
	rc = -ENOMEM;
	if (hvdb_fault_hit(vm->hv, HVDB_FAULT_KVM_ALLOC))
		goto err_close_vm;
	vm->slot_used = calloc(vm->caps.nr_memslots, 1);
	if (!vm->slot_used)
		goto err_close_vm;
	rc = pthread_mutex_init(&vm->mem_lock, NULL);
	if (rc) {
		rc = -rc;
		goto err_free_slots;
	}
	rc = kvm_offload_create(vm);
	if (rc < 0)
		goto err_mutex;
	rc = kvm_hvcall_create(vm);
	if (rc < 0)
		goto err_offload;
	*out = vm;
	return 0;

err_offload:
	kvm_offload_destroy(vm);
err_mutex:
	pthread_mutex_destroy(&vm->mem_lock);
err_free_slots:
	free(vm->slot_used);
err_close_vm:
	close(vm->vm_fd);
err_close_kvm:
	close(vm->kvm_fd);
err_free:
	free(vm);
	return rc;
}

void kvm_vm_destroy(struct kvm_vm *vm)
{
	if (!vm)
		return;
	for (uint32_t i = 0; i < vm->vcpu_count; i++)
		kvm_vcpu_destroy(vm->vcpu[i]);
	kvm_hvcall_destroy(vm);
	kvm_offload_destroy(vm);
	/* Closing the VM fd drops its slots and ioeventfds. */
	close(vm->vm_fd);
	close(vm->kvm_fd);
	kvm_memory_release(vm);
	pthread_mutex_destroy(&vm->mem_lock);
	free(vm->slot_used);
	free(vm);
}
