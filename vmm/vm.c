/* vm.c - a KVM VM of the demo VMM: /dev/kvm, capabilities, the slot
 * table and the libhvdb-kvm attachment. */
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

#include <hvdb/testing.h>

#include "hvcall.h"
#include "memory.h"
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

	if (hvdb_fault_hit(vm->hv, HVDB_FAULT_BACKEND))
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

	c->user_msr = check_cap(vm, KVM_CAP_X86_USER_SPACE_MSR) > 0 &&
		      check_cap(vm, KVM_CAP_X86_MSR_FILTER) > 0;
	c->max_vcpus = (uint32_t)check_cap(vm, KVM_CAP_MAX_VCPUS);
	if (!c->max_vcpus)
		c->max_vcpus = 4;
	kvm_vm_debug(vm, "caps: user-msr %d vcpus %u", c->user_msr,
		     c->max_vcpus);
}

int kvm_vm_create(const struct kvm_vm_config *config, struct kvm_vm **out)
{
	struct kvm_vm *vm;
	int rc;

	if (hvdb_fault_hit(config->hv, HVDB_FAULT_BACKEND))
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
	if (hvdb_fault_hit(vm->hv, HVDB_FAULT_BACKEND))
		goto err_close_vm;
	/* The demo uses no slot of its own: the table may take them all. */
	rc = hvdb_kvm_slots_create(vm->vm_fd, 0, 0, &vm->slots);
	if (rc < 0)
		goto err_close_vm;
	rc = kvm_hvcall_create(vm);
	if (rc < 0)
		goto err_slots;
	*out = vm;
	return 0;

err_slots:
	hvdb_kvm_slots_destroy(vm->slots);
err_close_vm:
	close(vm->vm_fd);
err_close_kvm:
	close(vm->kvm_fd);
err_free:
	free(vm);
	return rc;
}

int kvm_vm_attach(struct kvm_vm *vm, enum hvdb_kvm_policy policy,
		  uint32_t limit)
{
	struct hvdb_kvm_options o;

	hvdb_kvm_options_init(&o);
	o.policy = policy;
	o.offload_limit = limit;
	o.debug = vm->debug;
	o.memory = hvdb_kvm_slots_ops();
	o.memory_opaque = vm->slots;
	return hvdb_kvm_attach(vm->hv, vm->partition, vm->vm_fd, &o, &vm->kvm);
}

void kvm_vm_destroy(struct kvm_vm *vm)
{
	if (!vm)
		return;
	/* Before the VM fd goes: it removes what it registered. */
	hvdb_kvm_detach(vm->kvm);
	for (uint32_t i = 0; i < vm->vcpu_count; i++)
		kvm_vcpu_destroy(vm->vcpu[i]);
	kvm_hvcall_destroy(vm);
	/* Closing the VM fd drops its slots. */
	close(vm->vm_fd);
	close(vm->kvm_fd);
	hvdb_kvm_slots_destroy(vm->slots);
	kvm_memory_release(vm);
	free(vm);
}
