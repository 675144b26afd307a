/* bench_scale.c - N doorbells (N = 1,024 ... 65,536; one DWORD ioeventfd
 * each when offloaded) connected under each offload policy, then guest
 * stores to a hot set of 64 of them: seconds to connect all N, and the
 * hot set's stores per second once warm (the adaptive policy: once its
 * maintenance passes, run every HVDB_KVM_MAINTAIN_PERIOD_MS as a VMM
 * would, have put the hot 64 in-kernel; the time that took is reported).
 * Policies are interleaved trial by trial; the medians are kept.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench_vm.h"
#include "vm.h"

#define SCALE_HOT 64u
#define SCALE_GPA 0xD0000000ull
#define SCALE_TRIALS_MAX 5u
#define SCALE_POLICIES 3u
#define WARM_CAP_NS 2000000000ull /* give up waiting for the hot set */

static const enum hvdb_kvm_policy policies[SCALE_POLICIES] = {
	HVDB_KVM_OFFLOAD_ALL,
	HVDB_KVM_OFFLOAD_NONE,
	HVDB_KVM_OFFLOAD_ADAPTIVE,
};
static const char *const policy_names[SCALE_POLICIES] = { "all", "none",
							  "adaptive" };

/* Doorbell (i) of a scale world. */
static struct bench_conn doorbell(uint32_t i)
{
	return (struct bench_conn){
		.gpa = SCALE_GPA + 8ull * i,
		.value = i + 1,
		.id = i + 1,
		.port = 1 + i % BENCH_PORTS,
		.width = 4,
	};
}

static void sleep_ns(uint64_t ns)
{
	struct timespec t = { (time_t)(ns / 1000000000u),
			      (long)(ns % 1000000000u) };

	nanosleep(&t, NULL);
}

/* What a VMM does while the guest runs, for (ns), under every policy
 * alike: reads the ports' eventfds (accounting what the kernel caught on
 * them) and the library's, and runs a maintenance pass every period.
 * Returns when (until) says so, or after (ns). */
static void tend(struct bench_vm *b, const int *efd, uint64_t ns,
		 bool (*until)(struct bench_vm *b))
{
	const uint64_t period = HVDB_KVM_MAINTAIN_PERIOD_MS * 1000000ull;
	uint64_t t0 = bench_now_ns(), last = t0;
	eventfd_t n;

	while (bench_now_ns() - t0 < ns && !(until && until(b))) {
		sleep_ns(5000000);
		for (uint32_t i = 0; i < BENCH_PORTS; i++)
			if (eventfd_read(efd[i], &n) == 0)
				(void)hvdb_kvm_account(b->vm->kvm, efd[i], n);
		(void)hvdb_kvm_poll(b->vm->kvm, NULL, NULL);
		if (bench_now_ns() - last >= period) {
			(void)hvdb_kvm_maintain(b->vm->kvm);
			last = bench_now_ns();
		}
	}
}

static bool hot_in_kernel(struct bench_vm *b)
{
	struct hvdb_kvm_stats st = { .size = sizeof(st) };

	return hvdb_kvm_get_stats(b->vm->kvm, &st) == 0 &&
	       st.offloaded >= SCALE_HOT;
}

/* One trial of (policy) at (n) doorbells into (row). 0, 1 when KVM
 * cannot be used, or -errno. */
static int scale_trial(const struct bench_config *cfg, unsigned p, unsigned n,
		       struct bench_scale_row *row)
{
	struct guest_doorbell hot[SCALE_HOT];
	struct bench_world w;
	struct bench_vm b;
	int efd[BENCH_PORTS], ret;
	uint64_t t0, d0;

	ret = bench_world_create(&w, 1, 0x7363616c65);
	for (uint32_t i = 0; i < BENCH_PORTS; i++) {
		efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (!ret)
			ret = efd[i] < 0 ? -errno
					 : hvdb_port_set_eventfd(w.hv, i + 1,
								 efd[i]);
	}
	if (!ret)
		ret = bench_vm_open(&b, w.hv, BENCH_PARTITION, policies[p],
				    NULL);
	if (ret)
		goto out;
	t0 = bench_now_ns();
	for (uint32_t i = 0; i < n && !ret; i++) {
		struct bench_conn c = doorbell(i);

		if (bench_world_connect(&w, &c) != HV_STATUS_SUCCESS)
			ret = -EIO;
	}
	row->setup_seconds = (double)(bench_now_ns() - t0) / 1e9;
	for (uint32_t j = 0; j < SCALE_HOT && !ret; j++) {
		struct bench_conn c = doorbell(j * (n / SCALE_HOT));

		hot[j] = (struct guest_doorbell){ c.gpa, 4, c.value };
	}
	if (!ret)
		ret = bench_vm_table(&b, hot, SCALE_HOT);
	if (!ret)
		ret = bench_vm_start(&b, 0, false);
	if (ret)
		goto out_vm;
	t0 = bench_now_ns();
	row->warm_seconds = -1;
	if (policies[p] == HVDB_KVM_OFFLOAD_ADAPTIVE) {
		tend(&b, efd, WARM_CAP_NS, hot_in_kernel);
		row->warm_seconds = (double)(bench_now_ns() - t0) / 1e9;
	}
	tend(&b, efd, 100000000, NULL); /* settle */
	d0 = bench_vm_done(&b);
	t0 = bench_now_ns();
	tend(&b, efd, cfg->quick ? 300000000 : 700000000, NULL);
	row->hot_wps = (double)(bench_vm_done(&b) - d0) * 1e9 /
		       (double)(bench_now_ns() - t0);
	ret = bench_vm_stop(&b);
out_vm:
	bench_vm_close(&b);
out:
	bench_world_destroy(&w);
	for (uint32_t i = 0; i < BENCH_PORTS; i++)
		if (efd[i] >= 0)
			close(efd[i]);
	row->policy = policy_names[p];
	row->doorbells = n;
	return ret;
}

/* The rows of (n): policies interleaved trial by trial, medians. */
static int scale_size(const struct bench_config *cfg, unsigned n,
		      unsigned trials, struct bench_results *res)
{
	double setup[SCALE_POLICIES][SCALE_TRIALS_MAX];
	double wps[SCALE_POLICIES][SCALE_TRIALS_MAX];
	double warm[SCALE_POLICIES][SCALE_TRIALS_MAX];
	struct bench_scale_row r = { 0 };
	int ret;

	for (unsigned t = 0; t < trials; t++) {
		for (unsigned p = 0; p < SCALE_POLICIES; p++) {
			ret = scale_trial(cfg, p, n, &r);
			if (ret)
				return ret;
			setup[p][t] = r.setup_seconds;
			wps[p][t] = r.hot_wps;
			warm[p][t] = r.warm_seconds;
		}
	}
	for (unsigned p = 0; p < SCALE_POLICIES; p++) {
		if (res->scale_count == BENCH_SCALE_MAX)
			return -ENOSPC;
		res->scale[res->scale_count++] = (struct bench_scale_row){
			.policy = policy_names[p],
			.doorbells = n,
			.setup_seconds = bench_median(setup[p], trials),
			.hot_wps = bench_median(wps[p], trials),
			.warm_seconds = bench_median(warm[p], trials),
		};
		if (cfg->progress)
			fprintf(cfg->progress,
				"bench: scale %s %u: setup %.3f s, hot %.0f "
				"stores/s\n",
				policy_names[p], n,
				res->scale[res->scale_count - 1].setup_seconds,
				res->scale[res->scale_count - 1].hot_wps);
	}
	return 0;
}

int bench_scale_run(const struct bench_config *cfg, struct bench_results *res)
{
	static const unsigned full[] = { 1024, 4096, 16384, 65536 };
	static const unsigned quick[] = { 1024, 4096 };
	const unsigned *sizes = cfg->quick ? quick : full;
	size_t count = cfg->quick ? 2 : 4;
	int ret = 0;

	for (size_t i = 0; i < count && ret <= 0; i++)
		/* 65,536 offloaded take a minute to register: one trial */
		ret = scale_size(cfg, sizes[i],
				 cfg->quick ? 1 : (sizes[i] >= 65536 ? 1 : 3),
				 res);
	return ret > 0 ? 0 : ret; /* > 0: no KVM, the section is skipped */
}
