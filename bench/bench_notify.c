/* bench_notify.c - notifications: the latency from a guest store to the
 * wakeup of a consumer blocked on the port's eventfd, on the offloaded
 * path (KVM_IOEVENTFD, policy all) and on the exit path (policy none,
 * hvdb_kvm_mmio_write signals it); and `hvdb run`'s messages per second
 * with notification suppression and with one doorbell per message.
 *
 * Latency is a ping-pong: the host stamps the time and raises the guest's
 * `go`, the guest (spinning at CPL3) sees it and stores to the doorbell,
 * the host's read() of the eventfd returns. So it includes the guest
 * seeing `go` (one cache line moving between CPUs, well under a us).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bench.h"
#include "bench_vm.h"
#include "demo.h"
#include "vm.h"

#define NOTIFY_GPA 0xD0000000ull
#define PINGS_MAX 4000u
#define ROUNDS 4u
#define RUN_TRIALS_MAX 7u

/* (pings) latencies (ns) of the path (policy) gives, into (ns). 0, 1 when
 * KVM cannot be used, or -errno. */
static int pingpong(enum hvdb_kvm_policy policy, unsigned pings, double *ns)
{
	const struct bench_conn c = { NOTIFY_GPA, 1, 1, 1, 4, false };
	const struct guest_doorbell db = { NOTIFY_GPA, 4, 1 };
	struct bench_world w;
	struct bench_vm b;
	eventfd_t n;
	uint64_t t0;
	int efd = eventfd(0, EFD_CLOEXEC), ret; /* blocking: the consumer */

	ret = bench_world_create(&w, 1, 0x6e6f74);
	if (!ret)
		ret = efd < 0 ? -errno : hvdb_port_set_eventfd(w.hv, 1, efd);
	if (!ret)
		ret = bench_vm_open(&b, w.hv, BENCH_PARTITION, policy, NULL);
	if (ret)
		goto out;
	if (bench_world_connect(&w, &c) != HV_STATUS_SUCCESS)
		ret = -EIO;
	if (!ret)
		ret = bench_vm_table(&b, &db, 1);
	if (!ret)
		ret = bench_vm_start(&b, 0, true);
	for (unsigned i = 0; i < pings && !ret; i++) {
		t0 = bench_now_ns();
		__atomic_store_n(&b.bo.bench->go, i + 1, __ATOMIC_RELEASE);
		if (eventfd_read(efd, &n) < 0 || n != 1)
			ret = -EIO;
		ns[i] = (double)(bench_now_ns() - t0);
	}
	if (b.running && bench_vm_stop(&b) < 0 && !ret)
		ret = -EIO;
	bench_vm_close(&b);
out:
	bench_world_destroy(&w);
	if (efd >= 0)
		close(efd);
	return ret;
}

/* The (q) quantile of (v) (sorted). */
static double quantile(const double *v, size_t n, double q)
{
	return n ? v[(size_t)(q * (double)(n - 1))] : 0;
}

static int latency(const struct bench_config *cfg, struct bench_results *res)
{
	static double ns[2][PINGS_MAX];
	const unsigned per = (cfg->quick ? 1000 : PINGS_MAX) / ROUNDS;
	int ret = 0;

	/* The paths take turns, so a busy spell of the machine hits both. */
	for (unsigned r = 0; r < ROUNDS && !ret; r++)
		for (unsigned p = 0; p < 2 && !ret; p++)
			ret = pingpong(p ? HVDB_KVM_OFFLOAD_NONE
					 : HVDB_KVM_OFFLOAD_ALL,
				       per, &ns[p][r * per]);
	if (ret)
		return ret;
	for (unsigned p = 0; p < 2; p++) {
		(void)bench_median(ns[p], per * ROUNDS); /* sorts */
		for (unsigned i = 0; i < per * ROUNDS; i++)
			ns[p][i] /= 1e3;
	}
	res->notify.offload_p50_us = quantile(ns[0], per * ROUNDS, 0.5);
	res->notify.offload_p99_us = quantile(ns[0], per * ROUNDS, 0.99);
	res->notify.userspace_p50_us = quantile(ns[1], per * ROUNDS, 0.5);
	res->notify.userspace_p99_us = quantile(ns[1], per * ROUNDS, 0.99);
	return 0;
}

/* One `hvdb run` with its defaults but (notify) and (writes) per vCPU:
 * messages per second and doorbells per message. */
static int run_once(enum kvm_demo_notify notify, uint64_t writes, double *mps,
		    double *dpm)
{
	struct kvm_demo_config c;
	struct kvm_demo_result r;
	int rc;

	kvm_demo_config_init(&c);
	c.notify = notify;
	c.writes = writes;
	rc = kvm_demo_run(&c, &r);
	free(r.queue);
	if (rc < 0 || !r.ok) {
		fprintf(stderr, "hvdb: bench: notify: hvdb run: %s\n", r.error);
		return rc < 0 ? rc : -EIO;
	}
	*mps = r.seconds > 0 ? (double)r.messages_received / r.seconds : 0;
	*dpm = (double)r.doorbells / (double)r.messages_received;
	return 0;
}

int bench_notify_run(const struct bench_config *cfg, struct bench_results *res)
{
	const unsigned trials = cfg->quick ? 3 : RUN_TRIALS_MAX;
	double mps[2][RUN_TRIALS_MAX], dpm[2][RUN_TRIALS_MAX];
	int ret = latency(cfg, res);

	if (ret > 0)
		return 0; /* no KVM: skipped */
	/* About half a second each: suppressed runs move ~10x the messages
	 * in the same time. Interleaved. */
	for (unsigned t = 0; t < trials && !ret; t++) {
		ret = run_once(KVM_DEMO_NOTIFY_SUPPRESS,
			       cfg->quick ? 50000 : 200000, &mps[0][t],
			       &dpm[0][t]);
		if (!ret)
			ret = run_once(KVM_DEMO_NOTIFY_ALWAYS,
				       cfg->quick ? 5000 : 20000, &mps[1][t],
				       &dpm[1][t]);
	}
	if (ret)
		return ret;
	res->notify.suppress_mps = bench_median(mps[0], trials);
	res->notify.always_mps = bench_median(mps[1], trials);
	res->notify.suppress_doorbells_per_message =
		bench_median(dpm[0], trials);
	res->notify_ok = true;
	return 0;
}
