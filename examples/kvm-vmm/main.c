/* main.c - a minimal KVM VMM whose guest doorbells libhvdb owns.
 *
 * One VM from raw /dev/kvm ioctls: a page of RAM at GPA 0 holding 16-bit
 * real-mode code that stores to two doorbells in the unbacked (MMIO) range:
 *   port 1 <- a 2-byte write of 1 at 0xf000: the backend ops below hand it
 *             to a KVM ioeventfd on the port's eventfd (never leaves KVM);
 *   port 2 <- a write of any size of 0x42 at 0xf010: left on the exit path,
 *             KVM_EXIT_MMIO -> hvdb_write() fires it.
 * Exits 0 when both ports fired once, 77 without a usable /dev/kvm.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hvdb/hvdb.h>
#include <hvdb/backend.h>

#define GUEST 2u
#define RAM_SIZE 0x1000u
#define EXIT_SKIP 77 /* "skipped", as ctest and automake read it */

static const uint8_t guest_code[] = {
	0xc7, 0x06, 0x00, 0xf0, 0x01, 0x00, /* mov word [0xf000], 1: port 1 */
	0xc7, 0x06, 0x00, 0xf0, 0x02, 0x00, /* mov word [0xf000], 2: miss */
	0xc6, 0x06, 0x10, 0xf0, 0x42, /* mov byte [0xf010], 0x42: port 2 */
	0xf4,			      /* hlt */
};

struct vmm {
	int kvm, vm, vcpu, efd;
	struct kvm_run *run;
	struct hvdb *hv;
	unsigned offloaded; /* connections on an ioeventfd */
};

static int fail(const char *what)
{
	fprintf(stderr, "kvm-vmm: %s: %s\n", what, strerror(errno));
	return -1;
}

/* (De)assigns the ioeventfd that matches exactly what (t) matches. */
static int ioeventfd(struct vmm *vmm, const struct hvdb_trigger *t, __u32 flags)
{
	struct kvm_ioeventfd io = { .addr = t->gpa,
				    .len = t->width,
				    .fd = t->eventfd,
				    .datamatch = t->value,
				    .flags = flags };

	if (!t->any_value)
		io.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
	return ioctl(vmm->vm, KVM_IOEVENTFD, &io);
}

/* Backend attach, under libhvdb's lock before the connection is visible:
 * size-specific triggers of a port with an eventfd go to KVM; the rest,
 * and whatever KVM refuses, stay on the exit path (same semantics). */
static int vmm_attach(void *opaque, const struct hvdb_trigger *t, void **cookie)
{
	struct vmm *vmm = opaque;

	*cookie = NULL;
	if (t->any_size || t->eventfd < 0 || ioeventfd(vmm, t, 0) < 0)
		return 0;
	*cookie = vmm; /* non-NULL: detach has an ioeventfd to remove */
	vmm->offloaded++;
	return 0;
}

static void vmm_detach(void *opaque, const struct hvdb_trigger *t, void *cookie)
{
	if (cookie && ioeventfd(opaque, t, KVM_IOEVENTFD_FLAG_DEASSIGN) < 0)
		fail("KVM_IOEVENTFD deassign");
}

static const struct hvdb_backend_ops vmm_backend = { vmm_attach, vmm_detach };

static void on_fire(void *opaque, HV_PORT_ID port, HV_CONNECTION_ID conn)
{
	(void)opaque;
	if (conn == HVDB_CONNECTION_ID_UNKNOWN)
		printf("port %" PRIu32 " fired in the kernel (ioeventfd)\n",
		       port);
	else
		printf("port %" PRIu32 " fired by connection %" PRIu32
		       " (MMIO exit)\n",
		       port, conn);
}

/* One VM with RAM at GPA 0 and one vCPU in real mode at 0000:0000. */
static int vm_create(struct vmm *vmm)
{
	struct kvm_userspace_memory_region mem = { .memory_size = RAM_SIZE };
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	struct kvm_sregs sregs;
	void *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int size;

	vmm->vm = ioctl(vmm->kvm, KVM_CREATE_VM, 0);
	if (vmm->vm < 0 || ram == MAP_FAILED)
		return fail("KVM_CREATE_VM");
	memcpy(ram, guest_code, sizeof(guest_code));
	mem.userspace_addr = (uintptr_t)ram;
	if (ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &mem) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	vmm->vcpu = ioctl(vmm->vm, KVM_CREATE_VCPU, 0);
	size = ioctl(vmm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vmm->vcpu < 0 || size < 0)
		return fail("KVM_CREATE_VCPU");
	vmm->run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
			vmm->vcpu, 0);
	if (vmm->run == MAP_FAILED || ioctl(vmm->vcpu, KVM_GET_SREGS, &sregs))
		return fail("vCPU state");
	sregs.cs.base = sregs.cs.selector = 0;
	if (ioctl(vmm->vcpu, KVM_SET_SREGS, &sregs) ||
	    ioctl(vmm->vcpu, KVM_SET_REGS, &regs))
		return fail("KVM_SET_SREGS/REGS");
	return 0;
}

/* Root port (id) for the guest, with eventfd (efd) or -1, and guest
 * connection (id) to it: (flags, value) at (gpa). */
static HV_STATUS doorbell_add(struct vmm *vmm, uint32_t id, hvdb_gpa_t gpa,
			      uint64_t value, uint64_t flags, int efd,
			      enum hvdb_reason *why)
{
	HV_INPUT_CREATE_PORT port = { .PortPartition = HVDB_ROOT_PARTITION_ID,
				      .PortId = id,
				      .ConnectionPartition = GUEST,
				      .PortInfo.PortType = HvPortTypeDoorbell,
				      .PortInfo.DoorbellPortInfo = {
					      .TargetSint = 5,
					      .TargetVp = HV_ANY_VP } };
	HV_INPUT_CONNECT_PORT conn = {
		.ConnectionPartition = GUEST,
		.ConnectionId = id,
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = id,
		.ConnectionInfo.PortType = HvPortTypeDoorbell,
		.ConnectionInfo.DoorbellConnectionInfo = { gpa, value, flags }
	};
	HV_STATUS st =
		hvdb_port_create(vmm->hv, HVDB_ROOT_PARTITION_ID, &port, why);

	/* The eventfd goes on the port before connecting: attach uses it. */
	if (!st && (hvdb_port_set_callback(vmm->hv, id, on_fire, NULL) ||
		    hvdb_port_set_eventfd(vmm->hv, id, efd)))
		st = HV_STATUS_INVALID_PORT_ID;
	return st ? st
		  : hvdb_port_connect(vmm->hv, HVDB_ROOT_PARTITION_ID, &conn,
				      why);
}

/* The guest partition with its RAM and our backend, and two doorbells. */
static int doorbells_create(struct vmm *vmm)
{
	struct hvdb_ram_range ram = { 0, RAM_SIZE };
	enum hvdb_reason why = HVDB_REASON_NONE;
	struct hvdb_partition_config pc;
	HV_STATUS st;

	hvdb_partition_config_init(&pc, GUEST);
	pc.ram = &ram;
	pc.ram_count = 1;
	st = hvdb_partition_create(vmm->hv, &pc, &why);
	if (!st &&
	    hvdb_partition_set_backend(vmm->hv, GUEST, &vmm_backend, vmm))
		return fail("hvdb_partition_set_backend");
	if (!st)
		st = doorbell_add(vmm, 1, 0xf000, 1,
				  HV_DOORBELL_FLAG_TRIGGER_SIZE_WORD, vmm->efd,
				  &why);
	if (!st)
		st = doorbell_add(vmm, 2, 0xf010, 0x42,
				  HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY, -1, &why);
	if (st)
		fprintf(stderr, "kvm-vmm: %s %s\n", hvdb_status_name(st),
			hvdb_reason_name(why));
	else
		printf("%u of 2 doorbells offloaded to KVM\n", vmm->offloaded);
	return st ? -1 : 0;
}

/* KVM_EXIT_MMIO: a guest access KVM did not take. Writes go to libhvdb. */
static void mmio_exit(struct vmm *vmm)
{
	uint64_t value = 0;

	if (!vmm->run->mmio.is_write) {
		memset(vmm->run->mmio.data, 0xff, sizeof(vmm->run->mmio.data));
		return;
	}
	memcpy(&value, vmm->run->mmio.data, vmm->run->mmio.len); /* x86: LE */
	if (hvdb_write(vmm->hv, GUEST, vmm->run->mmio.phys_addr,
		       vmm->run->mmio.len, value, NULL) == HVDB_WRITE_MISS)
		printf("miss: %u-byte write of 0x%" PRIx64 " at 0x%llx is "
		       "ordinary MMIO\n",
		       vmm->run->mmio.len, value,
		       (unsigned long long)vmm->run->mmio.phys_addr);
}

/* The vCPU loop: one call per exit reason, until the guest halts. */
static int vcpu_run(struct vmm *vmm)
{
	for (;;) {
		if (ioctl(vmm->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			return fail("KVM_RUN");
		}
		switch (vmm->run->exit_reason) {
		case KVM_EXIT_MMIO:
			mmio_exit(vmm);
			break;
		case KVM_EXIT_HLT:
			return 0;
		default:
			fprintf(stderr, "kvm-vmm: unexpected exit %u\n",
				vmm->run->exit_reason);
			return -1;
		}
	}
}

int main(void)
{
	struct vmm vmm = { .vm = -1, .vcpu = -1 };
	struct hvdb_port_stats s1, s2;
	uint64_t kicks = 0;

	vmm.kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vmm.kvm < 0) {
		printf("kvm-vmm: skipped: /dev/kvm: %s\n", strerror(errno));
		return EXIT_SKIP;
	}
	vmm.hv = hvdb_create(NULL);
	vmm.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!vmm.hv || vmm.efd < 0 || vm_create(&vmm) ||
	    doorbells_create(&vmm) || vcpu_run(&vmm))
		return 1;
	/* A real VMM waits on the eventfd in a thread (epoll); the guest has
	 * halted here, so read what KVM signalled and tell libhvdb. */
	if (read(vmm.efd, &kicks, sizeof(kicks)) < 0 && errno != EAGAIN)
		return fail("read eventfd");
	if (vmm.offloaded && kicks &&
	    hvdb_port_account_offloaded(vmm.hv, 1, kicks))
		return 1;
	if (hvdb_port_stats(vmm.hv, 1, &s1) || hvdb_port_stats(vmm.hv, 2, &s2))
		return 1;
	printf("port 1: %" PRIu64 " trigger(s), %" PRIu64 " offloaded\n"
	       "port 2: %" PRIu64 " trigger(s), %" PRIu64 " offloaded\n",
	       s1.triggers, s1.offloaded, s2.triggers, s2.offloaded);
	hvdb_destroy(vmm.hv); /* detaches the ioeventfds, before the VM goes */
	close(vmm.vcpu);
	close(vmm.vm);
	close(vmm.kvm);
	close(vmm.efd);
	return s1.triggers == 1 && s2.triggers == 1 ? 0 : 1;
}
