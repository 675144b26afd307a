/* bench_vm.c - the built-in guest's bench loop on a VM of the demo VMM,
 * with a KVM_RUN loop of its own so that a bench may handle the exits
 * itself (an empty handler: what KVM alone costs). */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "bench.h"
#include "bench_vm.h"
#include "paging.h"
#include "vcpu.h"
#include "vm.h"

#define REGION_GPA 0x40000000ull

static int run_loop(struct bench_vm *b);

static void mmio_hvdb(void *ctx, uint64_t gpa, const void *data, unsigned len)
{
	struct bench_vm *b = ctx;

	/* A miss is ordinary MMIO with no device: the write vanishes. */
	(void)hvdb_kvm_mmio_write(b->vm->kvm, gpa, data, len, NULL);
}

int bench_vm_open(struct bench_vm *b, struct hvdb *hv, uint64_t partition,
		  enum hvdb_kvm_policy policy,
		  const struct hvdb_kvm_options *opt)
{
	struct kvm_vm_config vc = { .hv = hv, .partition = partition };
	struct hvdb_kvm_options o;
	int rc;

	memset(b, 0, sizeof(*b));
	rc = kvm_vm_create(&vc, &b->vm);
	if (rc < 0) {
		fprintf(stderr, "hvdb: bench: kvm skipped: %s\n",
			strerror(-rc));
		return 1;
	}
	if (opt)
		o = *opt;
	else
		hvdb_kvm_options_init(&o);
	o.policy = policy;
	o.memory = hvdb_kvm_slots_ops();
	o.memory_opaque = b->vm->slots;
	rc = hvdb_kvm_attach(hv, partition, b->vm->vm_fd, &o, &b->vm->kvm);
	if (!rc)
		rc = boot_one(b->vm, REGION_GPA, GUEST_MODE_BENCH, &b->bo);
	b->fn = mmio_hvdb;
	b->ctx = b;
	/* The boot, to the end of a first trial without stores. */
	b->bo.bench->stop = 1;
	if (!rc)
		rc = run_loop(b);
	return rc;
}

void bench_vm_close(struct bench_vm *b)
{
	if (b->running)
		(void)bench_vm_stop(b);
	kvm_vm_destroy(b->vm);
	memset(b, 0, sizeof(*b));
}

int bench_vm_table(struct bench_vm *b, const struct guest_doorbell *t,
		   uint32_t n)
{
	int rc = 0;

	if (n > BOOT_TABLE_MAX)
		return -E2BIG;
	for (uint32_t i = 0; i < n && !rc; i++) {
		b->bo.table[i] = t[i];
		rc = kvm_paging_map(b->vm, t[i].gpa, t[i].len);
	}
	b->bo.bench->count = n;
	return rc;
}

static int report(struct bench_vm *b)
{
	struct kvm_run *run = b->bo.vcpu->run;

	if (run->io.port != GUEST_PORT_REPORT ||
	    run->io.direction != KVM_EXIT_IO_OUT)
		return 1; /* no other device */
	return b->bo.mb->ucall == GUEST_UCALL_DONE ? 0 : -EPROTO;
}

/* A trial as the control block says, to its DONE report. */
static void trial(struct bench_vm *b, uint64_t limit, bool pingpong)
{
	volatile struct guest_bench *gb = b->bo.bench;

	gb->limit = limit;
	gb->pingpong = pingpong;
	gb->go = 0;
	gb->done = 0;
	gb->stop = 0;
}

/* Runs the guest to its next DONE report. 0 or -errno. */
static int run_loop(struct bench_vm *b)
{
	struct kvm_run *run = b->bo.vcpu->run;
	int rc;

	for (;;) {
		if (ioctl(b->bo.vcpu->fd, KVM_RUN, NULL) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_MMIO:
			if (run->mmio.is_write && run->mmio.len <= 8)
				b->fn(b->ctx, run->mmio.phys_addr,
				      run->mmio.data, run->mmio.len);
			break;
		case KVM_EXIT_IO:
			rc = report(b);
			if (rc <= 0)
				return rc;
			break;
		case KVM_EXIT_INTR:
			break;
		default:
			return -EIO;
		}
	}
}

int bench_vm_run(struct bench_vm *b, uint64_t limit, bool pingpong)
{
	trial(b, limit, pingpong);
	return run_loop(b);
}

static void *vcpu_main(void *arg)
{
	struct bench_vm *b = arg;

	b->rc = run_loop(b);
	return NULL;
}

int bench_vm_start(struct bench_vm *b, uint64_t limit, bool pingpong)
{
	int rc;

	trial(b, limit, pingpong);
	rc = pthread_create(&b->thread, NULL, vcpu_main, b);
	b->running = rc == 0;
	return -rc;
}

int bench_vm_stop(struct bench_vm *b)
{
	__atomic_store_n(&b->bo.bench->stop, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&b->bo.bench->go, UINT64_MAX, __ATOMIC_RELEASE);
	pthread_join(b->thread, NULL);
	b->running = false;
	return b->rc;
}

uint64_t bench_vm_done(struct bench_vm *b)
{
	return __atomic_load_n(&b->bo.bench->done, __ATOMIC_ACQUIRE);
}
