/* bench_report.c - the results as a table or as issue 4's JSON object. */
#include <string.h>

#include "bench.h"

static const char *const impls[] = { "hvdb", "bsearch", "linear" };
static const char *const patterns[] = { "uniform", "hot64" };

/* The ns/write of (impl, pattern, n), or a negative value. */
static double match_cell(const struct bench_results *res, const char *impl,
			 const char *pattern, unsigned n)
{
	for (size_t i = 0; i < res->match_count; i++) {
		const struct bench_match_row *r = &res->match[i];

		if (r->connections == n && !strcmp(r->impl, impl) &&
		    !strcmp(r->pattern, pattern))
			return r->ns_per_write;
	}
	return -1;
}

/* The distinct connection counts, in the order measured. */
static size_t match_sizes(const struct bench_results *res, unsigned *out,
			  size_t max)
{
	size_t n = 0, j;

	for (size_t i = 0; i < res->match_count; i++) {
		for (j = 0; j < n && out[j] != res->match[i].connections; j++)
			;
		if (j == n && n < max)
			out[n++] = res->match[i].connections;
	}
	return n;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

void bench_report_table(const struct bench_results *res, FILE *f)
{
	unsigned sizes[BENCH_MATCH_MAX];
	size_t nsizes = match_sizes(res, sizes, BENCH_MATCH_MAX);
	double v;

	fprintf(f, "match: ns per hvdb_write (median), 3/4 hits\n");
	fprintf(f, "%-8s %-8s", "pattern", "impl");
	for (size_t s = 0; s < nsizes; s++)
		fprintf(f, " %9u", sizes[s]);
	fputc('\n', f);
	for (size_t p = 0; p < 2; p++) {
		for (size_t i = 0; i < 3; i++) {
			fprintf(f, "%-8s %-8s", patterns[p], impls[i]);
			for (size_t s = 0; s < nsizes; s++) {
				v = match_cell(res, impls[i], patterns[p],
					       sizes[s]);
				if (v < 0)
					fprintf(f, " %9s", "-");
				else
					fprintf(f, " %9.1f", v);
			}
			fputc('\n', f);
		}
	}
	fprintf(f,
		"\nthreads: writes/s, 1 thread %.3g, 2 threads %.3g "
		"(x%.2f), churn 10,000 pairs/s beside;\n"
		"  control, 2 threads on 2 separate hypervisors %.3g (x%.2f);\n"
		"  per CPU-second a dispatcher got: 1 thread %.3g, 2 threads "
		"%.3g (x%.2f)\n",
		res->threads_ops[0], res->threads_ops[1],
		ratio(res->threads_ops[1], res->threads_ops[0]),
		res->threads_separate_ops,
		ratio(res->threads_separate_ops, res->threads_ops[0]),
		res->threads_per_cpu_s[0], res->threads_per_cpu_s[1],
		ratio(res->threads_per_cpu_s[1], res->threads_per_cpu_s[0]));
	fprintf(f, "churn: %.3g connect+disconnect pairs/s with %u present",
		res->churn_pairs_per_sec, res->churn_connections);
	if (res->churn_kvm_pairs_per_sec >= 0)
		fprintf(f,
			";\n  with KVM offload %.3g pairs/s (one KVM_IOEVENTFD "
			"assign or deassign: %.0f us)",
			res->churn_kvm_pairs_per_sec,
			res->churn_kvm_ioctl_ns / 1000);
	fprintf(f, "\nmemory: %.1f heap bytes per connection at %u\n",
		res->memory_bytes_per_connection, res->memory_connections);
	if (!res->kvm_ok) {
		fprintf(f, "kvm: skipped (no usable /dev/kvm)\n");
		return;
	}
	fprintf(f,
		"kvm: guest doorbell writes/s\n"
		"  raw ioeventfd      %12.0f\n"
		"  hvdb offload       %12.0f (x%.3f of raw)\n"
		"  raw exit           %12.0f\n"
		"  hvdb userspace     %12.0f (x%.3f of raw; offload "
		"x%.2f of it)\n",
		res->kvm.raw_ioeventfd_wps, res->kvm.hvdb_offload_wps,
		ratio(res->kvm.hvdb_offload_wps, res->kvm.raw_ioeventfd_wps),
		res->kvm.raw_exit_wps, res->kvm.hvdb_userspace_wps,
		ratio(res->kvm.hvdb_userspace_wps, res->kvm.raw_exit_wps),
		ratio(res->kvm.hvdb_offload_wps, res->kvm.hvdb_userspace_wps));
}

void bench_report_json(const struct bench_results *res, FILE *f)
{
	fprintf(f, "{\"match\":[");
	for (size_t i = 0; i < res->match_count; i++) {
		const struct bench_match_row *r = &res->match[i];

		fprintf(f,
			"%s{\"impl\":\"%s\",\"pattern\":\"%s\","
			"\"connections\":%u,\"ns_per_write\":%.2f}",
			i ? "," : "", r->impl, r->pattern, r->connections,
			r->ns_per_write);
	}
	fprintf(f,
		"],\"threads\":{\"1\":%.0f,\"2\":%.0f,\"2_separate\":%.0f,"
		"\"1_per_cpu_second\":%.0f,\"2_per_cpu_second\":%.0f},",
		res->threads_ops[0], res->threads_ops[1],
		res->threads_separate_ops, res->threads_per_cpu_s[0],
		res->threads_per_cpu_s[1]);
	fprintf(f,
		"\"churn\":{\"connections\":%u,\"pairs_per_sec\":%.0f,"
		"\"kvm_pairs_per_sec\":",
		res->churn_connections, res->churn_pairs_per_sec);
	if (res->churn_kvm_pairs_per_sec >= 0)
		fprintf(f, "%.0f,\"kvm_ioctl_ns\":%.0f},",
			res->churn_kvm_pairs_per_sec, res->churn_kvm_ioctl_ns);
	else
		fprintf(f, "null},");
	fprintf(f,
		"\"memory\":{\"connections\":%u,"
		"\"bytes_per_connection\":%.1f},",
		res->memory_connections, res->memory_bytes_per_connection);
	if (!res->kvm_ok) {
		fprintf(f, "\"kvm\":null}\n");
		return;
	}
	fprintf(f,
		"\"kvm\":{\"raw_ioeventfd_wps\":%.0f,"
		"\"hvdb_offload_wps\":%.0f,\"raw_exit_wps\":%.0f,"
		"\"hvdb_userspace_wps\":%.0f}}\n",
		res->kvm.raw_ioeventfd_wps, res->kvm.hvdb_offload_wps,
		res->kvm.raw_exit_wps, res->kvm.hvdb_userspace_wps);
}
