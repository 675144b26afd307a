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

bool bench_goal_met(const struct bench_goal *g)
{
	return g->measured > 0 &&
	       (g->at_most ? g->measured <= g->limit : g->measured >= g->limit);
}

void bench_goals_print(FILE *f, const struct bench_goal *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (g[i].measured <= 0) /* its section did not run */
			fprintf(f, "  %-54s not measured\n", g[i].name);
		else
			fprintf(f, "  %-54s %6.2f %s %.1f  %s\n", g[i].name,
				g[i].measured,
				g[i].at_most ? "<=" : ">=", g[i].limit,
				bench_goal_met(&g[i]) ? "pass" : "FAIL");
}

void bench_goals_json(FILE *f, const struct bench_goal *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f,
			"%s{\"goal\":\"%s\",\"measured\":%.3f,"
			"\"limit\":%.1f,\"at_most\":%s,\"pass\":%s}",
			i ? "," : "", g[i].name, g[i].measured, g[i].limit,
			g[i].at_most ? "true" : "false",
			bench_goal_met(&g[i]) ? "true" : "false");
}

#define MATCH_GOALS 7

/* The goals of the match section (issues 4 and 14), from (res). */
static void match_goals(const struct bench_results *res, struct bench_goal *g)
{
	const struct bench_crowd_result *c = &res->crowd;
	const size_t top = BENCH_CROWD_SIZES - 1;

	g[0] = (struct bench_goal){ "hot64: hvdb at 65,536 / hvdb at 1",
				    ratio(match_cell(res, "hvdb", "hot64",
						     65536),
					  match_cell(res, "hvdb", "hot64", 1)),
				    2.0, true };
	g[1] = (struct bench_goal){
		"hot64: bsearch / hvdb at 65,536",
		ratio(match_cell(res, "bsearch", "hot64", 65536),
		      match_cell(res, "hvdb", "hot64", 65536)),
		3.0, false
	};
	g[2] = (struct bench_goal){
		"uniform: bsearch / hvdb at 65,536",
		ratio(match_cell(res, "bsearch", "uniform", 65536),
		      match_cell(res, "hvdb", "uniform", 65536)),
		2.5, false
	};
	g[3] = (struct bench_goal){ "crowd hot64: hit at 65,536 values / at 1",
				    ratio(c->hit_hot_ns[top], c->hit_hot_ns[0]),
				    BENCH_CROWD_HIT_MAX, true };
	g[4] = (struct bench_goal){
		"crowd uniform: hit at 65,536 values / at 1",
		ratio(c->hit_ns[top], c->hit_ns[0]), BENCH_CROWD_HIT_MAX, true
	};
	g[5] = (struct bench_goal){
		"crowd: other partition's miss beside 65,536 / before",
		ratio(c->other_miss_ns[top], c->other_miss_before_ns),
		BENCH_CROWD_OTHER_MAX, true
	};
	g[6] = (struct bench_goal){
		"crowd: connect+disconnect pairs/s into 65,536 (M)",
		c->churn_pairs_per_sec / 1e6, 1.0, false
	};
}

static void crowd_row(FILE *f, const char *label, const double *ns)
{
	fprintf(f, "\n%-22s", label);
	for (size_t s = 0; s < BENCH_CROWD_SIZES; s++)
		fprintf(f, " %9.1f", ns[s]);
}

static void crowd_table(const struct bench_results *res, FILE *f)
{
	const struct bench_crowd_result *c = &res->crowd;
	struct bench_goal g[MATCH_GOALS];

	fprintf(f,
		"\nmatch, crowded GPA: N DWORD doorbells of one partition at "
		"one GPA, values 0..N-1\n%-22s",
		"values");
	for (size_t s = 0; s < BENCH_CROWD_SIZES; s++)
		fprintf(f, " %9u", c->values[s]);
	crowd_row(f, "hit ns, uniform", c->hit_ns);
	crowd_row(f, "hit ns, hot64", c->hit_hot_ns);
	crowd_row(f, "other partition miss", c->other_miss_ns);
	fprintf(f,
		"\n  (the other partition has %u doorbells; its miss before "
		"any crowd: %.1f ns)\n%-22s %9.3g pairs/s\n\nmatch goals:\n",
		c->other_connections, c->other_miss_before_ns,
		"churn into 65,536", c->churn_pairs_per_sec);
	match_goals(res, g);
	bench_goals_print(f, g, MATCH_GOALS);
}

static void crowd_json(const struct bench_results *res, FILE *f)
{
	const struct bench_crowd_result *c = &res->crowd;
	struct bench_goal g[MATCH_GOALS];

	fprintf(f,
		"\"crowd\":{\"other_connections\":%u,"
		"\"other_miss_before_ns\":%.2f,\"churn_pairs_per_sec\":%.0f,"
		"\"rows\":[",
		c->other_connections, c->other_miss_before_ns,
		c->churn_pairs_per_sec);
	for (size_t s = 0; s < BENCH_CROWD_SIZES; s++)
		fprintf(f,
			"%s{\"values\":%u,\"hit_ns\":%.2f,"
			"\"hit_hot64_ns\":%.2f,\"other_miss_ns\":%.2f}",
			s ? "," : "", c->values[s], c->hit_ns[s],
			c->hit_hot_ns[s], c->other_miss_ns[s]);
	fprintf(f, "]},\"match_goals\":[");
	match_goals(res, g);
	bench_goals_json(f, g, MATCH_GOALS);
	fprintf(f, "],");
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
	crowd_table(res, f);
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
			";\n  on KVM with %u doorbells present: adaptive %.3g "
			"pairs/s, offload-all %.3g (one KVM_IOEVENTFD assign "
			"or "
			"deassign: %.0f us)",
			res->churn_kvm_present, res->churn_kvm_pairs_per_sec,
			res->churn_kvm_all_pairs_per_sec,
			res->churn_kvm_ioctl_ns / 1000);
	fprintf(f, "\nmemory: %.1f heap bytes per connection at %u\n",
		res->memory_bytes_per_connection, res->memory_connections);
	bench_report_kvm_table(res, f);
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
	fprintf(f, "],");
	crowd_json(res, f);
	fprintf(f,
		"\"threads\":{\"1\":%.0f,\"2\":%.0f,\"2_separate\":%.0f,"
		"\"1_per_cpu_second\":%.0f,\"2_per_cpu_second\":%.0f},",
		res->threads_ops[0], res->threads_ops[1],
		res->threads_separate_ops, res->threads_per_cpu_s[0],
		res->threads_per_cpu_s[1]);
	fprintf(f,
		"\"churn\":{\"connections\":%u,\"pairs_per_sec\":%.0f,"
		"\"kvm_pairs_per_sec\":",
		res->churn_connections, res->churn_pairs_per_sec);
	if (res->churn_kvm_pairs_per_sec >= 0)
		fprintf(f,
			"%.0f,\"kvm_policy\":\"adaptive\",\"kvm_present\":%u,"
			"\"kvm_all_pairs_per_sec\":%.0f,\"kvm_ioctl_ns\":%.0f}"
			",",
			res->churn_kvm_pairs_per_sec, res->churn_kvm_present,
			res->churn_kvm_all_pairs_per_sec,
			res->churn_kvm_ioctl_ns);
	else
		fprintf(f, "null},");
	fprintf(f,
		"\"memory\":{\"connections\":%u,"
		"\"bytes_per_connection\":%.1f},",
		res->memory_connections, res->memory_bytes_per_connection);
	bench_report_kvm_json(res, f);
	fprintf(f, "}\n");
}
