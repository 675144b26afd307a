/* bench_scale.c - N doorbells (N = 1,024 ... 65,536; one DWORD ioeventfd
 * each when offloaded) connected under each offload policy, then guest
 * stores to a hot set of 64 of them: seconds to connect all N, and the
 * hot set's stores per second once warm (the adaptive policy: once its
 * maintenance passes, run every HVDB_KVM_MAINTAIN_PERIOD_MS as a VMM
 * would, have put the hot 64 in-kernel; the time that took is reported).
 * The three policies' worlds are set up side by side (each once: offload-
 * all takes minutes at 65,536), then their hot-set windows take turns,
 * 5 rounds (--quick 3); the medians are kept.
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
#define SCALE_TRIALS_MAX 5u /* hot-set windows per policy */
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

/* One policy's world at one size: its hypervisor, ports and VM. */
struct scale_world {
	struct bench_world w;
	struct bench_vm b;
	int efd[BENCH_PORTS];
	bool open;
};

static void world_close(struct scale_world *sw)
{
	if (sw->open)
		bench_vm_close(&sw->b);
	bench_world_destroy(&sw->w);
	for (uint32_t i = 0; i < BENCH_PORTS; i++)
		if (sw->efd[i] >= 0)
			close(sw->efd[i]);
}

/* Policy (p)'s world with (n) doorbells connected (timed into (row)), the
 * guest's table on the hot 64, warmed up (the adaptive policy: until the
 * hot 64 are in-kernel, timed) and stopped. 0, 1 when KVM cannot be
 * used, or -errno. */
static int world_up(struct scale_world *sw, unsigned p, unsigned n,
		    struct bench_scale_row *row)
{
	struct guest_doorbell hot[SCALE_HOT];
	uint64_t t0;
	int ret;

	memset(sw, 0, sizeof(*sw));
	ret = bench_world_create(&sw->w, 1, 0x7363616c65);
	for (uint32_t i = 0; i < BENCH_PORTS; i++) {
		sw->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (!ret)
			ret = sw->efd[i] < 0
				      ? -errno
				      : hvdb_port_set_eventfd(sw->w.hv, i + 1,
							      sw->efd[i]);
	}
	if (!ret)
		ret = bench_vm_open(&sw->b, sw->w.hv, BENCH_PARTITION,
				    policies[p], NULL);
	sw->open = ret == 0;
	if (ret)
		return ret;
	t0 = bench_now_ns();
	for (uint32_t i = 0; i < n && !ret; i++) {
		struct bench_conn c = doorbell(i);

		if (bench_world_connect(&sw->w, &c) != HV_STATUS_SUCCESS)
			ret = -EIO;
	}
	row->policy = policy_names[p];
	row->doorbells = n;
	row->setup_seconds = (double)(bench_now_ns() - t0) / 1e9;
	for (uint32_t j = 0; j < SCALE_HOT; j++) {
		struct bench_conn c = doorbell(j * (n / SCALE_HOT));

		hot[j] = (struct guest_doorbell){ c.gpa, 4, c.value };
	}
	if (!ret)
		ret = bench_vm_table(&sw->b, hot, SCALE_HOT);
	if (!ret)
		ret = bench_vm_start(&sw->b, 0, false);
	if (ret)
		return ret;
	t0 = bench_now_ns();
	row->warm_seconds = -1;
	if (policies[p] == HVDB_KVM_OFFLOAD_ADAPTIVE) {
		tend(&sw->b, sw->efd, WARM_CAP_NS, hot_in_kernel);
		row->warm_seconds = (double)(bench_now_ns() - t0) / 1e9;
	}
	return bench_vm_stop(&sw->b);
}

/* One window of the guest storing to the hot 64 of (sw): stores/s. */
static double hot_window(struct scale_world *sw, uint64_t ns, int *ret)
{
	uint64_t t0, d0;
	double wps;

	*ret = bench_vm_start(&sw->b, 0, false);
	if (*ret)
		return 0;
	tend(&sw->b, sw->efd, 100000000, NULL); /* settle */
	d0 = bench_vm_done(&sw->b);
	t0 = bench_now_ns();
	tend(&sw->b, sw->efd, ns, NULL);
	wps = (double)(bench_vm_done(&sw->b) - d0) * 1e9 /
	      (double)(bench_now_ns() - t0);
	*ret = bench_vm_stop(&sw->b);
	return wps;
}

/* The rows of (n): the three worlds up side by side, then the hot-set
 * windows taking turns (rounds x policies), medians. */
static int scale_size(const struct bench_config *cfg, unsigned n,
		      struct bench_results *res)
{
	const unsigned rounds = cfg->quick ? 3 : SCALE_TRIALS_MAX;
	const uint64_t window = cfg->quick ? 200000000 : 500000000;
	static struct scale_world sw[SCALE_POLICIES];
	double wps[SCALE_POLICIES][SCALE_TRIALS_MAX];
	struct bench_scale_row row[SCALE_POLICIES];
	unsigned up = 0;
	int ret = 0;

	memset(row, 0, sizeof(row));
	for (; up < SCALE_POLICIES && !ret; up++)
		ret = world_up(&sw[up], up, n, &row[up]);
	for (unsigned r = 0; r < rounds && !ret; r++)
		for (unsigned p = 0; p < SCALE_POLICIES && !ret; p++)
			wps[p][r] = hot_window(&sw[p], window, &ret);
	for (unsigned p = 0; p < up; p++)
		world_close(&sw[p]);
	for (unsigned p = 0; p < SCALE_POLICIES && !ret; p++) {
		if (res->scale_count == BENCH_SCALE_MAX)
			return -ENOSPC;
		row[p].hot_wps = bench_median(wps[p], rounds);
		res->scale[res->scale_count++] = row[p];
		if (cfg->progress)
			fprintf(cfg->progress,
				"bench: scale %s %u: setup %.3f s, hot %.0f "
				"stores/s\n",
				row[p].policy, n, row[p].setup_seconds,
				row[p].hot_wps);
	}
	return ret;
}

int bench_scale_run(const struct bench_config *cfg, struct bench_results *res)
{
	static const unsigned full[] = { 1024, 4096, 16384, 65536 };
	static const unsigned quick[] = { 1024, 4096 };
	const unsigned *sizes = cfg->quick ? quick : full;
	size_t count = cfg->quick ? 2 : 4;
	int ret = 0;

	for (size_t i = 0; i < count && !ret; i++)
		ret = scale_size(cfg, sizes[i], res);
	return ret > 0 ? 0 : ret; /* > 0: no KVM, the section is skipped */
}
