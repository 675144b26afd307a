/* main.c - a minimal KVM VMM whose guest doorbells libhvdb-kvm owns.
 *
 * One VM from raw /dev/kvm ioctls, its RAM mapped through libhvdb-kvm's
 * slot table: a code page at GPA 0 (16-bit real mode) and a data page at
 * 0x2000. The guest stores once to each doorbell, then halts:
 *   port 1  word == 1            at 0xf000  in the kernel (ioeventfd)
 *   port 2  dword, any value     at 0xf010  in the kernel
 *   port 3  any size, == 0x42    at 0xf020  in the kernel (4 ioeventfds)
 *   port 4  any size, any value  at 0xf030  in the kernel (length 0)
 *   port 5  dword == 5 on RAM    at 0x2000  in the kernel; its page is
 *           read-only, so the store of 9 beside it exits and lands in RAM
 *   port 6  byte == 1            at 0xf040  deleted: the write is dropped
 *   port 7  word == 2            at 0xf050  the exit path (policy NONE)
 * Exits 0 when ports 1-5 and 7 fired once each and 6 dropped its write,
 * 77 without a usable /dev/kvm.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hvdb/hvdb.h>
#include <hvdb/kvm.h>

#define GUEST 2u
#define PAGE 0x1000u
#define CHECK(x) check((x) >= 0, #x, __LINE__)

static const uint8_t code[] = {
	0xc7, 0x06, 0x00, 0xf0, 0x01, 0x00, /* mov word [0xf000], 1 */
	0x66, 0xc7, 0x06, 0x10, 0xf0, 0x78, 0x56, 0x34, 0x12, /* dword */
	0xc6, 0x06, 0x20, 0xf0, 0x42,			      /* byte */
	0xc7, 0x06, 0x30, 0xf0, 0x07, 0x00,		      /* word */
	0x66, 0xc7, 0x06, 0x00, 0x20, 0x05, 0x00, 0x00, 0x00, /* [0x2000] */
	0x66, 0xc7, 0x06, 0x04, 0x20, 0x09, 0x00, 0x00, 0x00, /* [0x2004] */
	0xc6, 0x06, 0x40, 0xf0, 0x01,			      /* port 6 */
	0xc7, 0x06, 0x50, 0xf0, 0x02, 0x00,		      /* port 7 */
	0xf4,						      /* hlt */
};

static const struct {
	hvdb_gpa_t gpa;
	uint64_t value, flags;
} doorbell[8] = {
	[1] = { 0xf000, 1, HV_DOORBELL_FLAG_TRIGGER_SIZE_WORD },
	[2] = { 0xf010, 0,
		HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD |
			HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE },
	[3] = { 0xf020, 0x42, HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY },
	[4] = { 0xf030, 0,
		HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY |
			HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE },
	[5] = { 0x2000, 5, HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD },
	[6] = { 0xf040, 1, HV_DOORBELL_FLAG_TRIGGER_SIZE_BYTE },
	[7] = { 0xf050, 2, HV_DOORBELL_FLAG_TRIGGER_SIZE_WORD },
};

static int check(int ok, const char *what, int line)
{
	if (!ok) {
		fprintf(stderr, "kvm-vmm:%d: %s failed\n", line, what);
		exit(1);
	}
	return 0;
}

static void *page(void)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	check(p != MAP_FAILED, "mmap", __LINE__);
	return p;
}

/* Root port (id) with eventfd (efd), and guest connection (id) to it. */
static void doorbell_add(struct hvdb *hv, uint32_t id, int efd)
{
	HV_INPUT_CREATE_PORT port = {
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = id,
		.ConnectionPartition = GUEST,
		.PortInfo.PortType = HvPortTypeDoorbell,
		.PortInfo.DoorbellPortInfo = { .TargetSint = 5,
					       .TargetVp = HV_ANY_VP },
	};
	HV_INPUT_CONNECT_PORT conn = {
		.ConnectionPartition = GUEST,
		.ConnectionId = id,
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = id,
		.ConnectionInfo.PortType = HvPortTypeDoorbell,
		.ConnectionInfo.DoorbellConnectionInfo = { doorbell[id].gpa,
							   doorbell[id].value,
							   doorbell[id].flags },
	};

	check(!hvdb_port_create(hv, HVDB_ROOT_PARTITION_ID, &port, NULL),
	      "CreatePort", __LINE__);
	/* The eventfd goes on the port before connecting: attach uses it. */
	CHECK(hvdb_port_set_eventfd(hv, id, efd));
	check(!hvdb_port_connect(hv, HVDB_ROOT_PARTITION_ID, &conn, NULL),
	      "ConnectPort", __LINE__);
}

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, vcpu, efd[8];
	struct hvdb_partition_config pc;
	struct hvdb_kvm_options opt;
	struct hvdb_kvm_stats st = { .size = sizeof(st) };
	struct hvdb_port_stats ps;
	struct hvdb_kvm_slots *slots;
	struct hvdb_kvm *k;
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	struct kvm_sregs sregs;
	struct kvm_run *run;
	struct hvdb *hv = hvdb_create(NULL);
	uint8_t *code_page = page(), *ram = page();
	HV_INPUT_DELETE_PORT del = { .PortPartition = 1, .PortId = 6 };
	eventfd_t n;
	int fired = 0;

	if (kvm < 0) {
		printf("kvm-vmm: skipped: no usable /dev/kvm\n");
		return 77;
	}
	CHECK(vm = ioctl(kvm, KVM_CREATE_VM, 0));
	memcpy(code_page, code, sizeof(code));
	/* The VMM hands its RAM to the slot table; the code page is fixed. */
	CHECK(hvdb_kvm_slots_create(vm, 0, 0, &slots));
	CHECK(hvdb_kvm_slots_add(slots, 0, PAGE, code_page, true));
	CHECK(hvdb_kvm_slots_add(slots, 0x2000, PAGE, ram, false));
	hvdb_partition_config_init(&pc, GUEST);
	check(hv && !hvdb_partition_create(hv, &pc, NULL), "partition",
	      __LINE__);
	hvdb_kvm_options_init(&opt);
	opt.memory = hvdb_kvm_slots_ops();
	opt.memory_opaque = slots;
	CHECK(hvdb_kvm_attach(hv, GUEST, vm, &opt, &k));
	for (uint32_t id = 1; id <= 7; id++) {
		CHECK(efd[id] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
		if (id == 7) /* this one stays on the exit path */
			CHECK(hvdb_kvm_set_policy(k, HVDB_KVM_OFFLOAD_NONE));
		doorbell_add(hv, id, efd[id]);
	}
	check(!hvdb_port_delete(hv, HVDB_ROOT_PARTITION_ID, &del, NULL),
	      "DeletePort", __LINE__);

	/* One vCPU in real mode at 0000:0000, run until it halts. */
	CHECK(vcpu = ioctl(vm, KVM_CREATE_VCPU, 0));
	run = mmap(NULL, (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0),
		   PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	check(run != MAP_FAILED, "mmap kvm_run", __LINE__);
	CHECK(ioctl(vcpu, KVM_GET_SREGS, &sregs));
	sregs.cs.base = sregs.cs.selector = 0;
	CHECK(ioctl(vcpu, KVM_SET_SREGS, &sregs));
	CHECK(ioctl(vcpu, KVM_SET_REGS, &regs));
	while (CHECK(ioctl(vcpu, KVM_RUN, 0)) == 0 &&
	       run->exit_reason == KVM_EXIT_MMIO) {
		/* The exit path: a write libhvdb-kvm does not take is ours,
		 * here RAM (the read-only doorbell page) or nothing. */
		if (run->mmio.is_write &&
		    hvdb_kvm_mmio_write(k, run->mmio.phys_addr, run->mmio.data,
					run->mmio.len,
					NULL) == HVDB_WRITE_MISS &&
		    run->mmio.phys_addr - 0x2000 < PAGE)
			memcpy(ram + (run->mmio.phys_addr - 0x2000),
			       run->mmio.data, run->mmio.len);
	}
	check(run->exit_reason == KVM_EXIT_HLT, "the guest's hlt", __LINE__);

	/* What the kernel signalled: a real VMM reads it in a thread. */
	for (uint32_t id = 1; id <= 7; id++) {
		if (eventfd_read(efd[id], &n) == 0 && id != 7)
			CHECK(hvdb_kvm_account(k, efd[id], n));
		if (id != 6 && !hvdb_port_stats(hv, id, &ps))
			fired += ps.triggers == 1;
		printf("port %u: %s\n", id,
		       id == 6 ? "deleted"
			       : (ps.offloaded ? "fired in the kernel"
					       : "fired on an MMIO exit"));
	}
	CHECK(hvdb_kvm_get_stats(k, &st));
	printf("%u connections on ioeventfds, %u on the exit path; exits: "
	       "%llu fired, %llu dropped, %llu missed; RAM at 0x2004: %u\n",
	       st.offloaded, st.userspace, (unsigned long long)st.exit_fires,
	       (unsigned long long)st.exit_drops,
	       (unsigned long long)st.exit_misses, ram[4]);
	hvdb_kvm_detach(k); /* before the VM fd goes */
	hvdb_destroy(hv);
	hvdb_kvm_slots_destroy(slots);
	close(vcpu);
	close(vm);
	close(kvm);
	return fired == 6 && st.exit_drops == 1 && ram[4] == 9 ? 0 : 1;
}
