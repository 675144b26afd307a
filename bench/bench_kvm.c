/* bench_kvm.c - guest doorbell writes per second on KVM: a raw ioeventfd,
 * the same doorbell offloaded by hvdoorbell's KVM backend (src/kvm), a raw
 * MMIO exit to an empty handler, the same exit into hvdb_write(); and
 * connect + disconnect pairs per second with the KVM offload on.
 *
 * The guest is 17 bytes of real-mode code: store the word 1 at GPA
 * KVM_DOORBELL (N times), then HLT. Only one page at GPA 0 is memory, so
 * every store is MMIO: KVM matches it against an ioeventfd in the kernel
 * or exits to us. All four variants run in one VM, made by kvm_vm_create()
 * with the offload backend registered on its partition: the raw ones
 * register their ioeventfd with a bare KVM_IOEVENTFD and handle exits in
 * an empty function, so no hvdoorbell code is on their path. (Two VMs
 * differ by a few percent from one another, whatever runs in them.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "bench.h"
#include <hvdb/kvm.h>
#include <hvdb/backend.h>
#include "vm.h"

#define KVM_DOORBELL 0x10000ull /* ds = 0x1000, offset 0 */
#define KVM_DOORBELL_VALUE 1u
#define KVM_CHURN_PRESENT 65536u
#define KVM_TRIALS_MAX 41u

/* The guest on one vCPU of a VM. */
struct kb_guest {
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;
};

/* mov ecx, N; 1: mov word [0], 1; dec ecx; jnz 1b; hlt */
static const uint8_t guest_code[] = {
	0x66, 0xb9, 0,	  0,	0,    0,    /* mov ecx, imm32 (patched) */
	0xc7, 0x06, 0x00, 0x00, 0x01, 0x00, /* mov word [0], 1 */
	0x66, 0x49,			    /* dec ecx */
	0x75, 0xf6,			    /* jnz -10 */
	0xf4,				    /* hlt */
};

static void guest_close(struct kb_guest *g)
{
	if (g->run)
		munmap(g->run, g->run_size);
	if (g->mem)
		munmap(g->mem, 4096);
	if (g->vcpu_fd >= 0)
		close(g->vcpu_fd);
}

/* Adds the code page (slot 0 at GPA 0) and a real-mode vCPU to (vm_fd).
 * 0 or -errno. */
static int guest_setup(struct kb_guest *g, int kvm_fd, int vm_fd)
{
	struct kvm_userspace_memory_region slot = { 0 };
	struct kvm_sregs sregs;
	int size;

	g->vm_fd = vm_fd;
	g->mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED) {
		g->mem = NULL;
		return -ENOMEM;
	}
	memcpy(g->mem, guest_code, sizeof(guest_code));
	slot.memory_size = 4096;
	slot.userspace_addr = (uintptr_t)g->mem;
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return -errno;
	g->vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (g->vcpu_fd < 0 || size <= 0)
		return -errno;
	g->run_size = (size_t)size;
	g->run = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      g->vcpu_fd, 0);
	if (g->run == MAP_FAILED) {
		g->run = NULL;
		return -errno;
	}
	if (ioctl(g->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds.base = KVM_DOORBELL;
	sregs.ds.selector = KVM_DOORBELL >> 4;
	return ioctl(g->vcpu_fd, KVM_SET_SREGS, &sregs) < 0 ? -errno : 0;
}

/* Called on each MMIO write exit. */
typedef void (*kb_mmio_fn)(void *ctx, uint64_t gpa, unsigned len,
			   uint64_t value);

/* Runs the guest for (n) doorbell writes; writes per second, or -errno. */
static double guest_run(struct kb_guest *g, uint32_t n, kb_mmio_fn fn,
			void *ctx)
{
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	uint64_t t0, value;

	memcpy(g->mem + 2, &n, sizeof(n));
	if (ioctl(g->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	t0 = bench_now_ns();
	for (;;) {
		if (ioctl(g->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (g->run->exit_reason == KVM_EXIT_HLT)
			break;
		if (g->run->exit_reason != KVM_EXIT_MMIO ||
		    !g->run->mmio.is_write || g->run->mmio.len > 8)
			return -EIO;
		value = 0;
		memcpy(&value, g->run->mmio.data, g->run->mmio.len);
		fn(ctx, g->run->mmio.phys_addr, g->run->mmio.len, value);
	}
	return (double)n * 1e9 / (double)(bench_now_ns() - t0);
}

static void mmio_empty(void *ctx, uint64_t gpa, unsigned len, uint64_t value)
{
	(void)ctx;
	(void)gpa;
	(void)len;
	(void)value;
}

static void mmio_hvdb(void *ctx, uint64_t gpa, unsigned len, uint64_t value)
{
	/* Userspace path: match; a miss would be ordinary MMIO. */
	(void)hvdb_write(ctx, BENCH_PARTITION, gpa, len, value, NULL);
}

/* Drains (efd): the writes the kernel matched. */
static uint64_t drain(int efd)
{
	eventfd_t count = 0;

	return eventfd_read(efd, &count) == 0 ? count : 0;
}

/* Everything the section measures with. */
struct kvm_bench {
	struct kb_guest g;    /* in the VM of (vm) */
	struct bench_world w; /* its partition runs on (vm) */
	struct kvm_vm *vm;
	int efd; /* every port's eventfd */
};

static void kb_close(struct kvm_bench *k)
{
	guest_close(&k->g);
	/* The hypervisor first: it detaches what is left through the
	 * backend, whose VM must still be there. */
	bench_world_destroy(&k->w);
	kvm_vm_destroy(k->vm);
	if (k->efd >= 0)
		close(k->efd);
}

/* 0, 1 when KVM cannot be used here (said on stderr), or -errno. */
static int kb_open(struct kvm_bench *k)
{
	struct kvm_vm_config vc = { 0 };
	int ret;

	memset(k, 0, sizeof(*k));
	k->g.vcpu_fd = k->efd = -1;
	k->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (k->efd < 0)
		return -errno;
	ret = bench_world_create(&k->w, KVM_CHURN_PRESENT, 0x6b766d);
	for (uint32_t p = 1; p <= BENCH_PORTS && !ret; p++)
		ret = hvdb_port_set_eventfd(k->w.hv, p, k->efd);
	if (ret)
		return ret;
	vc.hv = k->w.hv;
	vc.partition = BENCH_PARTITION;
	ret = kvm_vm_create(&vc, &k->vm);
	/* No /dev/kvm, or a VM cannot be made: the section is skipped */
	if (ret) {
		fprintf(stderr, "hvdb: bench: kvm skipped: %s\n",
			strerror(-ret));
		return 1;
	}
	ret = kvm_vm_attach(k->vm, HVDB_KVM_OFFLOAD_ALL, HVDB_KVM_NO_LIMIT);
	if (!ret)
		ret = guest_setup(&k->g, k->vm->kvm_fd, k->vm->vm_fd);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Writes per second.                                                 */
/* ------------------------------------------------------------------ */

/* Offload on or off for connections made from now on. */
static void kb_offload(struct kvm_bench *k, bool on)
{
	/* Fails only for an unknown policy. */
	(void)hvdb_kvm_set_policy(k->vm->kvm, on ? HVDB_KVM_OFFLOAD_ALL
						 : HVDB_KVM_OFFLOAD_NONE);
}

static void kb_stats(struct kvm_bench *k, struct hvdb_kvm_stats *os)
{
	os->size = sizeof(*os);
	/* Fails only for a bad size. */
	(void)hvdb_kvm_get_stats(k->vm->kvm, os);
}

enum kb_variant { RAW_IOEVENTFD, HVDB_OFFLOAD, RAW_EXIT, HVDB_USERSPACE };

/* The doorbell as a raw KVM ioeventfd. */
static int raw_ioeventfd(struct kvm_bench *k, bool assign)
{
	struct kvm_ioeventfd io = {
		.datamatch = KVM_DOORBELL_VALUE,
		.addr = KVM_DOORBELL,
		.len = 2,
		.fd = k->efd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return ioctl(k->g.vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

/* The doorbell as an hvdb connection (WORD, value 1, port 1), offloaded
 * or not as the backend is set. */
static int hvdb_doorbell(struct kvm_bench *k, bool connect)
{
	const struct bench_conn c = {
		.gpa = KVM_DOORBELL,
		.value = KVM_DOORBELL_VALUE,
		.id = 1,
		.port = 1,
		.width = 2,
	};
	HV_STATUS st = connect ? bench_world_connect(&k->w, &c)
			       : bench_world_disconnect(&k->w, c.id);

	return st == HV_STATUS_SUCCESS ? 0 : -EIO;
}

/* Sets up (v), runs (n) writes, checks each fired once, tears down. */
static double kb_variant(struct kvm_bench *k, enum kb_variant v, uint32_t n)
{
	const bool hvdb = v == HVDB_OFFLOAD || v == HVDB_USERSPACE;
	struct hvdb_kvm_stats os;
	struct hvdb_port_stats before, after;
	uint64_t kernel_fires;
	double wps;

	(void)drain(k->efd);
	/* Like the empty raw handler, the userspace path signals nothing:
	 * it matches and counts (an eventfd_write would add a syscall). */
	if (hvdb_port_set_eventfd(k->w.hv, 1,
				  v == HVDB_USERSPACE ? -1 : k->efd) ||
	    hvdb_port_stats(k->w.hv, 1, &before))
		return -EIO;
	kb_offload(k, v == HVDB_OFFLOAD);
	if ((v == RAW_IOEVENTFD && raw_ioeventfd(k, true)) ||
	    (hvdb && hvdb_doorbell(k, true)))
		return -EIO;
	kb_stats(k, &os);
	if (v == HVDB_OFFLOAD && os.offloaded != 1)
		return -EIO;
	wps = guest_run(&k->g, n, v == HVDB_USERSPACE ? mmio_hvdb : mmio_empty,
			k->w.hv);
	kernel_fires = drain(k->efd);
	if (v == HVDB_OFFLOAD)
		(void)hvdb_port_account_offloaded(k->w.hv, 1, kernel_fires);
	if ((v == RAW_IOEVENTFD && raw_ioeventfd(k, false)) ||
	    (hvdb && hvdb_doorbell(k, false)))
		return -EIO;
	/* Every write fired exactly once, in the kernel or in hvdb. */
	if ((v == RAW_IOEVENTFD || v == HVDB_OFFLOAD) && kernel_fires != n)
		return -EIO;
	if (hvdb_port_stats(k->w.hv, 1, &after) ||
	    (v == HVDB_USERSPACE && after.userspace - before.userspace != n))
		return -EIO;
	return wps;
}

static int kb_writes(const struct bench_config *cfg, struct kvm_bench *k,
		     struct bench_results *res)
{
	/* Many short trials (tens of ms): the median then skips the ones a
	 * burst of other work on the machine hit */
	const unsigned trials = cfg->quick ? 15 : KVM_TRIALS_MAX;
	const uint32_t n = cfg->quick ? 4000 : 10000;
	double wps[4][KVM_TRIALS_MAX];

	/* Interleaved, so drift hits every variant alike. */
	for (unsigned t = 0; t < trials; t++) {
		for (unsigned v = 0; v < 4; v++) {
			wps[v][t] = kb_variant(k, v, n);
			if (wps[v][t] < 0)
				return (int)wps[v][t];
		}
	}
	res->kvm.raw_ioeventfd_wps = bench_median(wps[RAW_IOEVENTFD], trials);
	res->kvm.hvdb_offload_wps = bench_median(wps[HVDB_OFFLOAD], trials);
	res->kvm.raw_exit_wps = bench_median(wps[RAW_EXIT], trials);
	res->kvm.hvdb_userspace_wps = bench_median(wps[HVDB_USERSPACE], trials);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Churn with offload on.                                             */
/* ------------------------------------------------------------------ */

static int kb_churn(const struct bench_config *cfg, struct kvm_bench *k,
		    struct bench_results *res)
{
	struct bench_churn c = { .w = &k->w, .id = BENCH_CHURN_ID0 };
	struct hvdb_kvm_stats os;
	double ns;
	int ret;

	/* The present ones stay in software (KVM's bus holds ~1000). */
	kb_offload(k, false);
	ret = bench_world_fill(&k->w, KVM_CHURN_PRESENT);
	if (ret)
		return ret;
	kb_offload(k, true);
	ns = bench_ns_per_op(bench_world_churn, &c,
			     cfg->quick ? 50000000 : 300000000,
			     cfg->quick ? 3 : 7);
	kb_offload(k, false);
	kb_stats(k, &os);
	if (c.failed || os.offloaded != 0 || os.registrations == 0)
		return -EIO;
	res->churn_kvm_pairs_per_sec = ns > 0 ? 1e9 / ns : 0;
	/* What KVM_IOEVENTFD itself took, as the backend timed it. */
	res->churn_kvm_ioctl_ns =
		(double)(os.register_ns + os.unregister_ns) /
		(double)(os.registrations + os.unregistrations);
	return 0;
}

int bench_kvm_run(const struct bench_config *cfg, struct bench_results *res)
{
	struct kvm_bench k;
	int ret = kb_open(&k);

	if (ret > 0) { /* skipped: "kvm": null */
		kb_close(&k);
		return 0;
	}
	if (!ret)
		ret = kb_writes(cfg, &k, res);
	if (!ret)
		ret = kb_churn(cfg, &k, res);
	if (!ret)
		res->kvm_ok = true;
	kb_close(&k);
	return ret;
}
