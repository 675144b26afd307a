/* bench_report_kvm.c - the KVM sections of issue 11 (kvm, scale, notify)
 * and the goals of threads, churn, memory, scale and notify, as a table
 * and as members of the JSON object. */
#include <string.h>

#include "bench.h"

#define OTHER_GOALS 8

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/* The scale row of (policy) at (n) doorbells, or NULL. */
static const struct bench_scale_row *scale_row(const struct bench_results *res,
					       const char *policy, unsigned n)
{
	for (size_t i = 0; i < res->scale_count; i++)
		if (res->scale[i].doorbells == n &&
		    !strcmp(res->scale[i].policy, policy))
			return &res->scale[i];
	return NULL;
}

static unsigned scale_largest(const struct bench_results *res)
{
	unsigned n = 0;

	for (size_t i = 0; i < res->scale_count; i++)
		if (res->scale[i].doorbells > n)
			n = res->scale[i].doorbells;
	return n;
}

/* The goals of issue 4 beyond the match section, and of issue 11 (the KVM
 * ones only when the kvm sections ran). Their count. */
static size_t other_goals(const struct bench_results *res, struct bench_goal *g)
{
	const unsigned n = scale_largest(res);
	const struct bench_scale_row *all = scale_row(res, "all", n),
				     *ad = scale_row(res, "adaptive", n);
	size_t k = 0;

	g[k++] = (struct bench_goal){
		"threads: 2 / 1",
		ratio(res->threads_ops[1], res->threads_ops[0]), 1.8, false
	};
	g[k++] = (struct bench_goal){ "churn: pairs/s, 65,536 present (M)",
				      res->churn_pairs_per_sec / 1e6, 1.0,
				      false };
	g[k++] = (struct bench_goal){ "memory: bytes per connection",
				      res->memory_bytes_per_connection, 128,
				      true };
	if (all && ad) {
		g[k++] = (struct bench_goal){
			"scale: setup all / adaptive at the largest N",
			ratio(all->setup_seconds, ad->setup_seconds), 20, false
		};
		g[k++] = (struct bench_goal){
			"scale: hot-64 stores/s adaptive / all, warm",
			ratio(ad->hot_wps, all->hot_wps), 0.9, false
		};
		g[k++] = (struct bench_goal){ "scale: adaptive warm after (s)",
					      ad->warm_seconds, 1.0, true };
	}
	if (res->kvm_ok)
		g[k++] =
			(struct bench_goal){ "churn, KVM adaptive: pairs/s (k)",
					     res->churn_kvm_pairs_per_sec / 1e3,
					     10, false };
	if (res->notify_ok)
		g[k++] = (struct bench_goal){
			"notify: hvdb run messages/s suppressed / always",
			ratio(res->notify.suppress_mps, res->notify.always_mps),
			20, false
		};
	return k;
}

static void scale_table(const struct bench_results *res, FILE *f)
{
	fprintf(f,
		"scale: N doorbells connected, then guest stores to a hot "
		"64\n  %-9s %9s %12s %12s %8s\n",
		"policy", "doorbells", "setup s", "hot wps", "warm s");
	for (size_t i = 0; i < res->scale_count; i++) {
		const struct bench_scale_row *r = &res->scale[i];

		fprintf(f, "  %-9s %9u %12.4f %12.0f", r->policy, r->doorbells,
			r->setup_seconds, r->hot_wps);
		if (r->warm_seconds >= 0)
			fprintf(f, " %8.3f\n", r->warm_seconds);
		else
			fprintf(f, " %8s\n", "-");
	}
}

static void notify_table(const struct bench_results *res, FILE *f)
{
	const struct bench_notify_result *n = &res->notify;

	fprintf(f,
		"notify: guest store to consumer wakeup, us: offloaded p50 "
		"%.1f p99 %.1f; exit path p50 %.1f p99 %.1f\n"
		"  hvdb run messages/s: suppressed %.0f (%.4f doorbells per "
		"message), one doorbell each %.0f (x%.1f)\n",
		n->offload_p50_us, n->offload_p99_us, n->userspace_p50_us,
		n->userspace_p99_us, n->suppress_mps,
		n->suppress_doorbells_per_message, n->always_mps,
		ratio(n->suppress_mps, n->always_mps));
}

void bench_report_kvm_table(const struct bench_results *res, FILE *f)
{
	struct bench_goal g[OTHER_GOALS];

	if (!res->kvm_ok)
		fprintf(f, "kvm: not run (no usable /dev/kvm, or not asked)\n");
	else
		fprintf(f,
			"kvm: guest doorbell stores/s, long mode, CPL3\n"
			"  raw ioeventfd      %12.0f\n"
			"  hvdb offload       %12.0f\n"
			"  raw exit           %12.0f\n"
			"  hvdb exit path     %12.0f\n",
			res->kvm.raw_ioeventfd_wps, res->kvm.hvdb_offload_wps,
			res->kvm.raw_exit_wps, res->kvm.hvdb_userspace_wps);
	if (res->scale_count)
		scale_table(res, f);
	if (res->notify_ok)
		notify_table(res, f);
	fprintf(f, "\ngoals:\n");
	bench_goals_print(f, g, other_goals(res, g));
}

void bench_report_kvm_json(const struct bench_results *res, FILE *f)
{
	const struct bench_notify_result *n = &res->notify;
	struct bench_goal g[OTHER_GOALS];

	if (!res->kvm_ok)
		fprintf(f, "\"kvm\":null,");
	else
		fprintf(f,
			"\"kvm\":{\"guest\":\"long-mode-cpl3\","
			"\"raw_ioeventfd_wps\":%.0f,"
			"\"hvdb_offload_wps\":%.0f,\"raw_exit_wps\":%.0f,"
			"\"hvdb_userspace_wps\":%.0f},",
			res->kvm.raw_ioeventfd_wps, res->kvm.hvdb_offload_wps,
			res->kvm.raw_exit_wps, res->kvm.hvdb_userspace_wps);
	fprintf(f, "\"scale\":[");
	for (size_t i = 0; i < res->scale_count; i++) {
		const struct bench_scale_row *r = &res->scale[i];

		fprintf(f,
			"%s{\"policy\":\"%s\",\"doorbells\":%u,"
			"\"setup_seconds\":%.6f,\"hot_wps\":%.0f",
			i ? "," : "", r->policy, r->doorbells, r->setup_seconds,
			r->hot_wps);
		if (r->warm_seconds >= 0)
			fprintf(f, ",\"warm_seconds\":%.3f", r->warm_seconds);
		fprintf(f, "}");
	}
	fprintf(f, "],");
	if (res->notify_ok)
		fprintf(f,
			"\"notify\":{\"latency_us\":{\"offload\":{\"p50\":%.2f,"
			"\"p99\":%.2f},\"userspace\":{\"p50\":%.2f,\"p99\":%."
			"2f}},"
			"\"suppress_mps\":%.0f,\"always_mps\":%.0f,"
			"\"suppress_doorbells_per_message\":%.5f},",
			n->offload_p50_us, n->offload_p99_us,
			n->userspace_p50_us, n->userspace_p99_us,
			n->suppress_mps, n->always_mps,
			n->suppress_doorbells_per_message);
	else
		fprintf(f, "\"notify\":null,");
	fprintf(f, "\"goals\":[");
	bench_goals_json(f, g, other_goals(res, g));
	fprintf(f, "]");
}
