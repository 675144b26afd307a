/* bench_kvm.c - guest doorbell writes per second on KVM: a raw ioeventfd,
 * the same ioeventfd registered by an hvdb backend attach, a raw MMIO exit
 * to an empty handler, the same exit into hvdb_write(); and connect +
 * disconnect pairs per second with KVM offload on.
 *
 * The guest is 17 bytes of real-mode code: store the word 1 at GPA
 * BENCH_KVM_DOORBELL (N times), then HLT. Only slot 0 (one page at GPA 0)
 * is memory, so every store is MMIO: KVM either matches it against an
 * ioeventfd in the kernel or exits to us.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "bench.h"

#define KVM_DOORBELL 0x10000ull /* ds = 0x1000, offset 0 */
#define KVM_DOORBELL_VALUE 1u
#define KVM_CHURN_PRESENT 65536u
#define KVM_CHURN_ID0 0x100000u

struct kvm_bench {
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;
	int efd;
	bool offload; /* the backend registers ioeventfds (else falls back) */
	unsigned ioeventfds; /* registered now */
};

/* mov ecx, N; 1: mov word [0], 1; dec ecx; jnz 1b; hlt */
static const uint8_t guest_code[] = {
	0x66, 0xb9, 0,	  0,	0,    0,    /* mov ecx, imm32 (patched) */
	0xc7, 0x06, 0x00, 0x00, 0x01, 0x00, /* mov word [0], 1 */
	0x66, 0x49,			    /* dec ecx */
	0x75, 0xf6,			    /* jnz -10 */
	0xf4,				    /* hlt */
};

static void kb_close(struct kvm_bench *k)
{
	if (k->run)
		munmap(k->run, k->run_size);
	if (k->mem)
		munmap(k->mem, 4096);
	if (k->efd >= 0)
		close(k->efd);
	if (k->vcpu_fd >= 0)
		close(k->vcpu_fd);
	if (k->vm_fd >= 0)
		close(k->vm_fd);
	if (k->kvm_fd >= 0)
		close(k->kvm_fd);
}

/* A VM with one page of code at GPA 0 and one real-mode vCPU. 0, -ENODEV
 * without a usable /dev/kvm, or -errno. */
static int kb_open(struct kvm_bench *k)
{
	struct kvm_userspace_memory_region slot = { 0 };
	struct kvm_sregs sregs;
	int size;

	memset(k, 0, sizeof(*k));
	k->kvm_fd = k->vm_fd = k->vcpu_fd = k->efd = -1;
	k->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (k->kvm_fd < 0)
		return -ENODEV;
	k->vm_fd = ioctl(k->kvm_fd, KVM_CREATE_VM, 0);
	if (k->vm_fd < 0)
		return -ENODEV;
	k->mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (k->mem == MAP_FAILED) {
		k->mem = NULL;
		return -ENOMEM;
	}
	memcpy(k->mem, guest_code, sizeof(guest_code));
	slot.memory_size = 4096;
	slot.userspace_addr = (uintptr_t)k->mem;
	if (ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return -errno;
	k->vcpu_fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, 0);
	size = ioctl(k->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k->vcpu_fd < 0 || size <= 0)
		return -errno;
	k->run_size = (size_t)size;
	k->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      k->vcpu_fd, 0);
	if (k->run == MAP_FAILED) {
		k->run = NULL;
		return -errno;
	}
	if (ioctl(k->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds.base = KVM_DOORBELL;
	sregs.ds.selector = KVM_DOORBELL >> 4;
	if (ioctl(k->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;
	k->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return k->efd < 0 ? -errno : 0;
}

/* Called on each MMIO write exit. */
typedef void (*kb_mmio_fn)(void *ctx, uint64_t gpa, unsigned len,
			   uint64_t value);

/* Runs the guest for (n) doorbell writes; writes per second, or -errno. */
static double kb_run(struct kvm_bench *k, uint32_t n, kb_mmio_fn fn, void *ctx)
{
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	uint64_t t0, value;

	memcpy(k->mem + 2, &n, sizeof(n));
	if (ioctl(k->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	t0 = bench_now_ns();
	for (;;) {
		if (ioctl(k->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k->run->exit_reason == KVM_EXIT_HLT)
			break;
		if (k->run->exit_reason != KVM_EXIT_MMIO ||
		    !k->run->mmio.is_write || k->run->mmio.len > 8)
			return -EIO;
		value = 0;
		memcpy(&value, k->run->mmio.data, k->run->mmio.len);
		fn(ctx, k->run->mmio.phys_addr, k->run->mmio.len, value);
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

/* Drains the eventfd: the writes the kernel matched. */
static uint64_t kb_drain(struct kvm_bench *k)
{
	eventfd_t count = 0;

	return eventfd_read(k->efd, &count) == 0 ? count : 0;
}

/* ------------------------------------------------------------------ */
/* An hvdb backend that offloads to KVM_IOEVENTFD (SPEC §5 mapping).   */
/* ------------------------------------------------------------------ */

struct kb_cookie {
	unsigned count;
	struct kvm_ioeventfd io[4];
};

static int kb_attach(void *opaque, const struct hvdb_trigger *t, void **cookie)
{
	static const uint32_t lens[] = { 1, 2, 4, 8 };
	struct kvm_bench *k = opaque;
	struct kb_cookie *ck;
	struct kvm_ioeventfd io = { .addr = t->gpa, .fd = t->eventfd };

	*cookie = NULL;
	if (!k->offload || t->eventfd < 0)
		return 0; /* the userspace path serves it */
	ck = calloc(1, sizeof(*ck));
	if (!ck)
		return -ENOMEM;
	if (!t->any_value) {
		io.flags = KVM_IOEVENTFD_FLAG_DATAMATCH;
		io.datamatch = t->value;
	}
	if (!t->any_size) {
		io.len = t->width;
		ck->io[ck->count++] = io;
	} else if (t->any_value) {
		io.len = 0; /* wildcard */
		ck->io[ck->count++] = io;
	} else {
		for (unsigned i = 0; i < 4; i++) {
			if (lens[i] < 8 && (t->value >> (8 * lens[i])))
				continue;
			io.len = lens[i];
			ck->io[ck->count++] = io;
		}
	}
	for (unsigned i = 0; i < ck->count; i++) {
		if (ioctl(k->vm_fd, KVM_IOEVENTFD, &ck->io[i]) < 0) {
			/* Fall back for the whole trigger (SPEC §5). */
			while (i--) {
				ck->io[i].flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
				(void)ioctl(k->vm_fd, KVM_IOEVENTFD,
					    &ck->io[i]);
			}
			free(ck);
			return 0;
		}
	}
	k->ioeventfds += ck->count;
	*cookie = ck;
	return 0;
}

static void kb_detach(void *opaque, const struct hvdb_trigger *t, void *cookie)
{
	struct kvm_bench *k = opaque;
	struct kb_cookie *ck = cookie;

	(void)t;
	if (!ck)
		return;
	for (unsigned i = 0; i < ck->count; i++) {
		ck->io[i].flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
		/* Undoing what attach did cannot fail but for a bug. */
		(void)ioctl(k->vm_fd, KVM_IOEVENTFD, &ck->io[i]);
	}
	k->ioeventfds -= ck->count;
	free(ck);
}

static const struct hvdb_backend_ops kb_ops = {
	.attach = kb_attach,
	.detach = kb_detach,
};

/* A world whose partition offloads through (k), every port signalling
 * k->efd. */
static int kb_world(struct kvm_bench *k, struct bench_world *w, size_t cap,
		    uint64_t seed)
{
	int ret = bench_world_create(w, cap, seed);

	if (ret)
		return ret;
	for (uint32_t p = 1; p <= BENCH_PORTS && !ret; p++)
		ret = hvdb_port_set_eventfd(w->hv, p, k->efd);
	if (!ret)
		ret = hvdb_partition_set_backend(w->hv, BENCH_PARTITION,
						 &kb_ops, k);
	if (ret)
		bench_world_destroy(w);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Writes per second.                                                 */
/* ------------------------------------------------------------------ */

enum kb_variant { RAW_IOEVENTFD, HVDB_OFFLOAD, RAW_EXIT, HVDB_USERSPACE };

static double kb_variant(struct kvm_bench *k, struct bench_world *w,
			 enum kb_variant v, uint32_t n)
{
	const struct bench_conn doorbell = {
		.gpa = KVM_DOORBELL,
		.value = KVM_DOORBELL_VALUE,
		.id = 1,
		.port = 1,
		.width = 2,
	};
	struct kvm_ioeventfd io = {
		.datamatch = KVM_DOORBELL_VALUE,
		.addr = KVM_DOORBELL,
		.len = 2,
		.fd = k->efd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};
	struct hvdb_port_stats before, after;
	uint64_t kernel_fires;
	double wps;

	(void)kb_drain(k);
	/* Like the empty raw handler, the userspace path signals nothing:
	 * it matches and counts (an eventfd_write would add a syscall). */
	if (hvdb_port_set_eventfd(w->hv, doorbell.port,
				  v == HVDB_USERSPACE ? -1 : k->efd) ||
	    hvdb_port_stats(w->hv, doorbell.port, &before))
		return -EIO;
	if (v == RAW_IOEVENTFD && ioctl(k->vm_fd, KVM_IOEVENTFD, &io) < 0)
		return -errno;
	k->offload = v == HVDB_OFFLOAD;
	if ((v == HVDB_OFFLOAD || v == HVDB_USERSPACE) &&
	    bench_world_connect(w, &doorbell) != HV_STATUS_SUCCESS)
		return -EIO;
	if (v == HVDB_OFFLOAD && k->ioeventfds != 1)
		return -EIO;
	wps = kb_run(k, n, v == HVDB_USERSPACE ? mmio_hvdb : mmio_empty, w->hv);
	kernel_fires = kb_drain(k);
	if (v == HVDB_OFFLOAD)
		(void)hvdb_port_account_offloaded(w->hv, doorbell.port,
						  kernel_fires);
	if (v == RAW_IOEVENTFD) {
		io.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
		(void)ioctl(k->vm_fd, KVM_IOEVENTFD, &io);
	}
	if ((v == HVDB_OFFLOAD || v == HVDB_USERSPACE) &&
	    bench_world_disconnect(w, doorbell.id) != HV_STATUS_SUCCESS)
		return -EIO;
	/* Every write fired exactly once, in the kernel or in hvdb. */
	if ((v == RAW_IOEVENTFD || v == HVDB_OFFLOAD) && kernel_fires != n)
		return -EIO;
	if (hvdb_port_stats(w->hv, doorbell.port, &after) ||
	    (v == HVDB_USERSPACE && after.userspace - before.userspace != n))
		return -EIO;
	return wps;
}

static int kb_writes(const struct bench_config *cfg, struct kvm_bench *k,
		     struct bench_results *res)
{
	const unsigned trials = cfg->quick ? 3 : 7;
	const uint32_t n = cfg->quick ? 20000 : 100000;
	double wps[4][16];
	struct bench_world w;
	int ret;

	ret = kb_world(k, &w, 1, 0x6b766d);
	if (ret)
		return ret;
	/* Interleaved, so drift hits every variant alike. */
	for (unsigned t = 0; t < trials; t++) {
		for (unsigned v = 0; v < 4; v++) {
			wps[v][t] = kb_variant(k, &w, v, n);
			if (wps[v][t] < 0) {
				ret = (int)wps[v][t];
				goto out;
			}
		}
	}
	res->kvm.raw_ioeventfd_wps = bench_median(wps[RAW_IOEVENTFD], trials);
	res->kvm.hvdb_offload_wps = bench_median(wps[HVDB_OFFLOAD], trials);
	res->kvm.raw_exit_wps = bench_median(wps[RAW_EXIT], trials);
	res->kvm.hvdb_userspace_wps = bench_median(wps[HVDB_USERSPACE], trials);
out:
	bench_world_destroy(&w);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Churn with offload on.                                             */
/* ------------------------------------------------------------------ */

struct kb_churn {
	struct bench_world *w;
	uint32_t id;
	int failed;
};

static void op_kvm_pair(void *ctx, uint64_t iters)
{
	struct kb_churn *c = ctx;
	struct bench_conn conn;

	while (iters--) {
		bench_world_pick(c->w, &conn, c->id);
		if (bench_world_connect(c->w, &conn) != HV_STATUS_SUCCESS ||
		    bench_world_disconnect(c->w, c->id) != HV_STATUS_SUCCESS)
			c->failed = 1;
		c->id = c->id + 1 < HV_CONNECTION_ID_MASK ? c->id + 1
							  : KVM_CHURN_ID0;
	}
}

static int kb_churn(const struct bench_config *cfg, struct kvm_bench *k,
		    struct bench_results *res)
{
	struct kb_churn c = { .id = KVM_CHURN_ID0 };
	struct bench_world w;
	double ns;
	int ret;

	ret = kb_world(k, &w, KVM_CHURN_PRESENT, 0x6b636875);
	if (ret)
		return ret;
	/* The present ones stay in software (KVM's bus holds ~1000). */
	k->offload = false;
	ret = bench_world_fill(&w, KVM_CHURN_PRESENT);
	if (ret)
		goto out;
	k->offload = true;
	c.w = &w;
	ns = bench_ns_per_op(op_kvm_pair, &c, cfg->quick ? 50000000 : 300000000,
			     cfg->quick ? 3 : 7);
	k->offload = false;
	if (c.failed || k->ioeventfds != 0) {
		ret = -EIO;
		goto out;
	}
	res->churn_kvm_pairs_per_sec = ns > 0 ? 1e9 / ns : 0;
out:
	bench_world_destroy(&w);
	return ret;
}

int bench_kvm_run(const struct bench_config *cfg, struct bench_results *res)
{
	struct kvm_bench k;
	int ret = kb_open(&k);

	if (ret == -ENODEV) {
		kb_close(&k);
		return 0; /* "kvm": null */
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
