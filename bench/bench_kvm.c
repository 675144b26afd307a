/* bench_kvm.c - guest doorbell stores per second on KVM, the guest in long
 * mode storing at CPL3 (the bench loop of the built-in guest, as `hvdb
 * run`'s producers), so every store pays the guest's world switch: a raw
 * ioeventfd, the same doorbell offloaded by libhvdb-kvm, a raw MMIO exit
 * to an empty handler, the same exit into hvdb_kvm_mmio_write(). All four
 * in one VM, interleaved; every store is checked to have fired once.
 * And connect + disconnect pairs per second on KVM with 4,096 doorbells
 * present: the adaptive policy against offload-all.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "bench.h"
#include "bench_vm.h"
#include "vm.h"

#define KVM_DOORBELL 0xD0000000ull
#define KVM_DOORBELL_VALUE 1u
#define KVM_CHURN_PRESENT 4096u
#define KVM_CHURN_HOT 64u
#define KVM_TRIALS_MAX 41u

/* Everything the section measures with. */
struct kvm_bench {
	struct bench_world w; /* its partition runs on (b) */
	struct bench_vm b;
	int efd; /* every port's eventfd */
};

static void kb_close(struct kvm_bench *k)
{
	/* The hypervisor first: it detaches what is left through the
	 * backend, whose VM must still be there. */
	bench_world_destroy(&k->w);
	bench_vm_close(&k->b);
	if (k->efd >= 0)
		close(k->efd);
}

/* A world of (present) connections' room on a VM under (policy). 0, 1
 * when KVM cannot be used here, or -errno. */
static int kb_open(struct kvm_bench *k, enum hvdb_kvm_policy policy,
		   size_t present)
{
	int ret;

	memset(k, 0, sizeof(*k));
	k->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (k->efd < 0)
		return -errno;
	ret = bench_world_create(&k->w, present ? present : 1, 0x6b766d);
	for (uint32_t p = 1; p <= BENCH_PORTS && !ret; p++)
		ret = hvdb_port_set_eventfd(k->w.hv, p, k->efd);
	if (!ret)
		ret = bench_vm_open(&k->b, k->w.hv, BENCH_PARTITION, policy,
				    NULL);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Stores per second.                                                 */
/* ------------------------------------------------------------------ */

enum kb_variant { RAW_IOEVENTFD, HVDB_OFFLOAD, RAW_EXIT, HVDB_USERSPACE };

static void mmio_empty(void *ctx, uint64_t gpa, const void *data, unsigned len)
{
	(void)ctx;
	(void)gpa;
	(void)data;
	(void)len;
}

static void mmio_hvdb(void *ctx, uint64_t gpa, const void *data, unsigned len)
{
	struct kvm_bench *k = ctx;

	(void)hvdb_kvm_mmio_write(k->b.vm->kvm, gpa, data, len, NULL);
}

/* The doorbell as a raw KVM ioeventfd. */
static int raw_ioeventfd(struct kvm_bench *k, bool assign)
{
	struct kvm_ioeventfd io = {
		.datamatch = KVM_DOORBELL_VALUE,
		.addr = KVM_DOORBELL,
		.len = 4,
		.fd = k->efd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return ioctl(k->b.vm->vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

/* The doorbell as an hvdb connection (DWORD, value 1, port 1), on the
 * path the policy gives it. */
static int hvdb_doorbell(struct kvm_bench *k, bool connect)
{
	const struct bench_conn c = {
		.gpa = KVM_DOORBELL,
		.value = KVM_DOORBELL_VALUE,
		.id = 1,
		.port = 1,
		.width = 4,
	};
	HV_STATUS st = connect ? bench_world_connect(&k->w, &c)
			       : bench_world_disconnect(&k->w, c.id);

	return st == HV_STATUS_SUCCESS ? 0 : -EIO;
}

/* Drains (efd): the stores the kernel matched. */
static uint64_t drain(int efd)
{
	eventfd_t count = 0;

	return eventfd_read(efd, &count) == 0 ? count : 0;
}

/* Sets up (v), runs (n) stores, checks each fired once, tears down. */
static double kb_variant(struct kvm_bench *k, enum kb_variant v, uint32_t n)
{
	const bool hvdb = v == HVDB_OFFLOAD || v == HVDB_USERSPACE;
	struct hvdb_port_stats before, after;
	uint64_t kernel_fires, t0, dt;
	int rc;

	(void)drain(k->efd);
	/* Like the empty raw handler, the exit path signals nothing: it
	 * matches and counts (an eventfd_write would add a syscall). */
	if (hvdb_port_set_eventfd(k->w.hv, 1,
				  v == HVDB_USERSPACE ? -1 : k->efd) ||
	    hvdb_port_stats(k->w.hv, 1, &before) ||
	    hvdb_kvm_set_policy(k->b.vm->kvm, v == HVDB_OFFLOAD
						      ? HVDB_KVM_OFFLOAD_ALL
						      : HVDB_KVM_OFFLOAD_NONE))
		return -EIO;
	if ((v == RAW_IOEVENTFD && raw_ioeventfd(k, true)) ||
	    (hvdb && hvdb_doorbell(k, true)))
		return -EIO;
	k->b.fn = hvdb ? mmio_hvdb : mmio_empty;
	k->b.ctx = k;
	t0 = bench_now_ns();
	rc = bench_vm_run(&k->b, n, false);
	dt = bench_now_ns() - t0;
	kernel_fires = drain(k->efd);
	if (v == HVDB_OFFLOAD &&
	    hvdb_kvm_account(k->b.vm->kvm, k->efd, kernel_fires) < 0)
		return -EIO;
	if (rc < 0 || (v == RAW_IOEVENTFD && raw_ioeventfd(k, false)) ||
	    (hvdb && hvdb_doorbell(k, false)))
		return rc < 0 ? rc : -EIO;
	/* Every store fired exactly once, in the kernel or in hvdb. */
	if ((v == RAW_IOEVENTFD || v == HVDB_OFFLOAD) && kernel_fires != n)
		return -EIO;
	if (hvdb_port_stats(k->w.hv, 1, &after) ||
	    (hvdb && after.triggers - before.triggers != n))
		return -EIO;
	return (double)n * 1e9 / (double)dt;
}

static int kb_stores(const struct bench_config *cfg, struct kvm_bench *k,
		     struct bench_results *res)
{
	/* Many short trials (tens of ms): the median then skips the ones a
	 * burst of other work on the machine hit */
	const unsigned trials = cfg->quick ? 9 : KVM_TRIALS_MAX;
	const uint32_t n = cfg->quick ? 2000 : 5000;
	const struct guest_doorbell db = { KVM_DOORBELL, 4,
					   KVM_DOORBELL_VALUE };
	double wps[4][KVM_TRIALS_MAX];
	int rc = bench_vm_table(&k->b, &db, 1);

	/* Interleaved, so drift hits every variant alike. */
	for (unsigned t = 0; t < trials && !rc; t++) {
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
	return rc;
}

/* ------------------------------------------------------------------ */
/* Churn on KVM with doorbells present.                               */
/* ------------------------------------------------------------------ */

/* Pairs per second on a world of KVM_CHURN_PRESENT doorbells connected
 * under (policy); the first KVM_CHURN_HOT of them in-kernel under the
 * adaptive policy (as a warm hot set would be). Also the mean
 * KVM_IOEVENTFD call. */
static int kb_churn(const struct bench_config *cfg, enum hvdb_kvm_policy policy,
		    double *pairs_per_sec, double *ioctl_ns)
{
	struct hvdb_kvm_stats st = { .size = sizeof(st) };
	struct bench_churn c = { .id = BENCH_CHURN_ID0 };
	struct kvm_bench k;
	double ns;
	int ret = kb_open(&k, policy, KVM_CHURN_PRESENT);

	if (!ret)
		ret = bench_world_fill(&k.w, KVM_CHURN_PRESENT);
	for (uint32_t i = 0;
	     !ret && policy == HVDB_KVM_OFFLOAD_ADAPTIVE && i < KVM_CHURN_HOT;
	     i++)
		ret = hvdb_kvm_set_path(k.b.vm->kvm, k.w.conns[i].id,
					HVDB_KVM_PATH_IOEVENTFD);
	if (ret) {
		kb_close(&k);
		return ret;
	}
	c.w = &k.w;
	ns = bench_ns_per_op(bench_world_churn, &c,
			     policy == HVDB_KVM_OFFLOAD_ADAPTIVE
				     ? (cfg->quick ? 50000000 : 200000000)
				     : (cfg->quick ? 100000000 : 300000000),
			     cfg->quick ? 3 : 5);
	(void)hvdb_kvm_get_stats(k.b.vm->kvm, &st);
	kb_close(&k);
	if (c.failed)
		return -EIO;
	*pairs_per_sec = ns > 0 ? 1e9 / ns : 0;
	*ioctl_ns = st.registrations + st.unregistrations
			    ? (double)(st.register_ns + st.unregister_ns) /
				      (double)(st.registrations +
					       st.unregistrations)
			    : 0;
	return 0;
}

int bench_kvm_run(const struct bench_config *cfg, struct bench_results *res)
{
	struct kvm_bench k;
	double unused;
	int ret = kb_open(&k, HVDB_KVM_OFFLOAD_ALL, 1);

	if (ret > 0) { /* skipped: "kvm": null */
		kb_close(&k);
		return 0;
	}
	if (!ret)
		ret = kb_stores(cfg, &k, res);
	kb_close(&k);
	res->churn_kvm_present = KVM_CHURN_PRESENT;
	if (!ret)
		ret = kb_churn(cfg, HVDB_KVM_OFFLOAD_ADAPTIVE,
			       &res->churn_kvm_pairs_per_sec, &unused);
	if (!ret)
		ret = kb_churn(cfg, HVDB_KVM_OFFLOAD_ALL,
			       &res->churn_kvm_all_pairs_per_sec,
			       &res->churn_kvm_ioctl_ns);
	if (!ret)
		res->kvm_ok = true;
	return ret;
}
