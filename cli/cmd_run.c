/* cmd_run.c - `hvdb run`: the built-in guest on KVM ringing doorbells,
 * or (--script) a scenario with every guest partition as a KVM VM. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <hvdb/hvdb.h>

#include "commands.h"
#include "demo.h"
#include "parse.h"
#include "scenario.h"
#include "run_script.h"

#define CLI_EXIT_NO_KVM 3
/* Queues listed one per line in the human summary; the rest are summed. */
#define SUMMARY_QUEUES 32u

struct run_opts {
	struct kvm_demo_config demo;
	bool json;
	const char *script;
	const char *demo_only; /* an option given that --script does not use */
};

static int print_json(const struct run_opts *o,
		      const struct kvm_demo_result *r);

/* A run that failed before it had results: "hvdb: run: <why>" on stderr
 * and, with --json, the object hvdb(1) promises, its counters zero and
 * "ok": false with "error". Returns (status). */
static int run_failed(const struct run_opts *o, int status, const char *fmt,
		      ...) __attribute__((format(printf, 3, 4)));
static int run_failed(const struct run_opts *o, int status, const char *fmt,
		      ...)
{
	struct kvm_demo_result r = { .ok = false };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r.error, sizeof(r.error), fmt, ap);
	va_end(ap);
	fprintf(stderr, "hvdb: run: %s\n", r.error);
	if (o->json)
		(void)print_json(o, &r); /* the exit status says it failed */
	return status;
}

static int no_kvm(const struct run_opts *o, const char *why)
{
	return run_failed(o, CLI_EXIT_NO_KVM,
			  "KVM is not available (/dev/kvm: %s); `hvdb run` "
			  "needs a Linux host with KVM",
			  why);
}

/* Raises the soft open-file limit toward (want), at most to the hard
 * limit. Returns the limit now in force (RLIM_INFINITY for none). */
static rlim_t raise_fd_limit(uint64_t want)
{
	struct rlimit lim;

	if (getrlimit(RLIMIT_NOFILE, &lim))
		return RLIM_INFINITY; /* nothing to go by: let the run say */
	if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < want) {
		lim.rlim_cur =
			lim.rlim_max != RLIM_INFINITY && lim.rlim_max < want
				? lim.rlim_max
				: (rlim_t)want;
		/* on failure the old limit stays, and is what we report */
		(void)setrlimit(RLIMIT_NOFILE, &lim);
		(void)getrlimit(RLIMIT_NOFILE, &lim);
	}
	return lim.rlim_cur;
}

/* Open files the demo needs: one eventfd per queue, the vCPUs, the VM,
 * /dev/kvm, epoll and stdio; the adaptive policy gives hot queues an
 * eventfd of their own (or leaves them on the exit path when it cannot).
 * Raises the soft limit toward what it wants; 0, or the failure when even
 * the hard limit is below the need (KVM would fail one queue in, after
 * registering the others: tens of seconds for 50,000). */
static int fd_budget(const struct run_opts *o)
{
	const struct kvm_demo_config *c = &o->demo;
	uint64_t need = (uint64_t)c->queues + c->vcpus + 64;
	rlim_t limit = raise_fd_limit(need + c->queues);

	if (limit != RLIM_INFINITY && limit < need)
		return run_failed(o, CLI_EXIT_FAIL,
				  "--queues %u needs at least %" PRIu64
				  " open files (an eventfd per queue), but "
				  "the limit is %llu (ulimit -n): raise it or "
				  "use fewer queues",
				  c->queues, need, (unsigned long long)limit);
	return 0;
}

static const char *path_name(enum hvdb_kvm_path path)
{
	return path == HVDB_KVM_PATH_IOEVENTFD ? "ioeventfd" : "mmio-exit";
}

static void progress(void *opaque, uint64_t received, uint64_t total)
{
	(void)opaque;
	fprintf(stderr, "\r  %" PRIu64 "/%" PRIu64 " messages (%.0f%%)",
		received, total,
		total ? 100.0 * (double)received / (double)total : 100.0);
	fflush(stderr);
}

static double rate(uint64_t n, double seconds)
{
	return seconds > 0 ? (double)n / seconds : 0;
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0;
}

static const char *const policy_names[] = {
	[HVDB_KVM_OFFLOAD_ALL] = "all",
	[HVDB_KVM_OFFLOAD_NONE] = "none",
	[HVDB_KVM_OFFLOAD_ADAPTIVE] = "adaptive",
};

static const char *const notify_names[] = {
	[KVM_DEMO_NOTIFY_SUPPRESS] = "suppress",
	[KVM_DEMO_NOTIFY_ALWAYS] = "always",
};

static const char *policy_name(enum hvdb_kvm_policy p)
{
	return policy_names[p];
}

static const char *notify_name(enum kvm_demo_notify n)
{
	return notify_names[n];
}

/* The index of (arg) among the (n) (names) of option --(name) into
 * *out: 0, or the usage error (*out 0). */
static int choice(const char *name, const char *const *names, size_t n,
		  const char *arg, uint64_t *out)
{
	for (*out = 0; *out < n; (*out)++)
		if (!strcmp(names[*out], arg))
			return 0;
	*out = 0;
	return commands_usage_error("run", "bad value '%s' for --%s", arg,
				    name);
}

static void print_cost(const struct hvdb_kvm_stats *o)
{
	printf("ioeventfds: %" PRIu64 " registered (%.1f us each), %" PRIu64
	       " unregistered (%.1f us each), %" PRIu64 " refused by KVM\n",
	       o->registrations,
	       o->registrations
		       ? (double)o->register_ns / 1e3 / (double)o->registrations
		       : 0.0,
	       o->unregistrations,
	       o->unregistrations ? (double)o->unregister_ns / 1e3 /
					    (double)o->unregistrations
				  : 0.0,
	       o->refused);
}

static void print_human(const struct run_opts *o,
			const struct kvm_demo_result *r)
{
	const struct kvm_demo_config *c = &o->demo;
	uint32_t listed =
		c->queues < SUMMARY_QUEUES ? c->queues : SUMMARY_QUEUES;

	printf("hvdb run: %u vCPUs, %u queues, %" PRIu64
	       " messages per vCPU, offload %s, notify %s%s%s: "
	       "%s\n",
	       c->vcpus, c->queues, c->writes, policy_name(c->policy),
	       notify_name(c->notify),
	       c->ram_doorbells ? ", RAM doorbells" : "",
	       c->guest_connects ? ", guest connects" : "",
	       r->ok ? "ok" : "FAILED");
	printf("%6s  %-9s  %10s  %10s  %12s  %12s  %8s\n", "queue", "path",
	       "messages", "doorbells", "messages/s", "doorbells/s", "db/msg");
	for (uint32_t i = 0; r->queue && i < listed; i++) {
		const struct kvm_demo_queue *q = &r->queue[i];

		printf("%6u  %-9s  %10" PRIu64 "  %10" PRIu64
		       "  %12.0f  %12.0f  %8.4f\n",
		       i, path_name(q->path), q->messages, q->doorbells,
		       rate(q->messages, r->seconds),
		       rate(q->doorbells, r->seconds),
		       ratio(q->doorbells, q->messages));
	}
	if (listed < c->queues)
		printf("   ...  (%u more queues)\n", c->queues - listed);
	printf("total: %" PRIu64 " messages in %.3f s (%.0f/s), %" PRIu64
	       " doorbell writes (%.0f/s, %.4f per message): %" PRIu64
	       " fired (%" PRIu64 " offloaded, %" PRIu64 " userspace), %" PRIu64
	       " misses\n",
	       r->messages_received, r->seconds,
	       rate(r->messages_received, r->seconds), r->doorbells,
	       rate(r->doorbells, r->seconds),
	       ratio(r->doorbells, r->messages_received), r->fired,
	       r->offloaded, r->userspace, r->misses);
	printf("messages: %" PRIu64 " sent, %" PRIu64 " received\n",
	       r->messages_sent, r->messages_received);
	printf("connections: %u offloaded, %u userspace\n",
	       r->offloaded_connections, r->userspace_connections);
	print_cost(&r->offload);
	if (!r->ok)
		printf("error: %s\n", r->error);
}

/* messages/s, doorbells/s and doorbells per message of (messages,
 * doorbells) in (seconds), as three keys of (obj). */
static int json_rates(json_t *obj, uint64_t messages, uint64_t doorbells,
		      double seconds)
{
	return json_object_set_new(obj, "messages_per_sec",
				   json_real(rate(messages, seconds))) ||
			       json_object_set_new(
				       obj, "doorbells_per_sec",
				       json_real(rate(doorbells, seconds))) ||
			       json_object_set_new(
				       obj, "doorbells_per_message",
				       json_real(ratio(doorbells, messages)))
		       ? -ENOMEM
		       : 0;
}

/* The keys of issue 11: doorbells, notify, offload_policy, the rates,
 * and each queue (per_queue: "queues" stays the count). 0 or -ENOMEM. */
static int json_add_rates(json_t *obj, const struct run_opts *o,
			  const struct kvm_demo_result *r)
{
	json_t *queues = json_array();

	if (!queues || json_object_set_new(obj, "per_queue", queues) ||
	    json_object_set_new(obj, "doorbells",
				json_integer((json_int_t)r->doorbells)) ||
	    json_object_set_new(obj, "notify",
				json_string(notify_name(o->demo.notify))) ||
	    json_object_set_new(obj, "offload_policy",
				json_string(policy_name(o->demo.policy))) ||
	    json_rates(obj, r->messages_received, r->doorbells, r->seconds))
		return -ENOMEM;
	for (uint32_t i = 0; r->queue && i < o->demo.queues; i++) {
		const struct kvm_demo_queue *q = &r->queue[i];
		json_t *e = json_pack("{s:I, s:s, s:I, s:I, s:I}", "queue",
				      (json_int_t)i, "path", path_name(q->path),
				      "messages", (json_int_t)q->messages,
				      "doorbells", (json_int_t)q->doorbells,
				      "notifications",
				      (json_int_t)q->notifications);

		if (!e || json_array_append_new(queues, e) ||
		    json_rates(e, q->messages, q->doorbells, r->seconds))
			return -ENOMEM;
	}
	return 0;
}

static int print_json(const struct run_opts *o, const struct kvm_demo_result *r)
{
	const struct kvm_demo_config *c = &o->demo;
	json_t *obj = json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, "
		"s:b, s:I, s:f, s:f}",
		"vcpus", (json_int_t)c->vcpus, "queues", (json_int_t)c->queues,
		"writes", (json_int_t)c->writes, "fired", (json_int_t)r->fired,
		"offloaded", (json_int_t)r->offloaded, "userspace",
		(json_int_t)r->userspace, "misses", (json_int_t)r->misses,
		"messages_sent", (json_int_t)r->messages_sent,
		"messages_received", (json_int_t)r->messages_received,
		"offloaded_connections", (json_int_t)r->offloaded_connections,
		"userspace_connections", (json_int_t)r->userspace_connections,
		"seconds", r->seconds, "ok", r->ok, "ioeventfds_registered",
		(json_int_t)r->offload.registrations, "register_us",
		r->offload.registrations
			? (double)r->offload.register_ns / 1e3 /
				  (double)r->offload.registrations
			: 0.0,
		"unregister_us",
		r->offload.unregistrations
			? (double)r->offload.unregister_ns / 1e3 /
				  (double)r->offload.unregistrations
			: 0.0);
	int rc;

	if (!obj)
		return -ENOMEM;
	if (json_add_rates(obj, o, r) < 0 ||
	    (!r->ok &&
	     json_object_set_new(obj, "error", json_string(r->error))))
		rc = -ENOMEM;
	else
		rc = json_dumpf(obj, stdout, JSON_INDENT(2)) ? -EIO : 0;
	json_decref(obj);
	putchar('\n');
	return rc;
}

/* A progress line redraws itself with "\r\033[K": only on a terminal
 * that can do it. */
static bool progress_wanted(const struct run_opts *o)
{
	const char *term = getenv("TERM");

	return !o->json && isatty(STDERR_FILENO) && term &&
	       strcmp(term, "dumb") != 0;
}

static int run_demo(struct run_opts *o)
{
	struct kvm_demo_result r;
	int rc = fd_budget(o);

	if (rc)
		return rc;
	if (progress_wanted(o))
		o->demo.progress = progress;
	rc = kvm_demo_run(&o->demo, &r);
	if (o->demo.progress)
		fputs("\r\033[K", stderr);
	/* Only cmd_run's /dev/kvm pre-check says "no KVM" (exit 3): an error
	 * after it, whatever its errno, is a failure of the run. */
	if (rc < 0) {
		free(r.queue);
		return run_failed(o, CLI_EXIT_FAIL, "%s", r.error);
	}
	rc = o->json ? print_json(o, &r) : (print_human(o, &r), 0);
	free(r.queue);
	if (rc < 0)
		return CLI_EXIT_FAIL;
	return r.ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int number(const char *name, const char *arg, uint64_t max,
		  uint64_t *out)
{
	if (parse_u64(arg, PARSE_DEC_OR_HEX, out) < 0 || *out > max)
		return commands_usage_error("run", "bad value '%s' for --%s",
					    arg, name);
	return 0;
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option options[] = {
		{ "vcpus", required_argument, NULL, 'c' },
		{ "queues", required_argument, NULL, 'q' },
		{ "writes", required_argument, NULL, 'w' },
		{ "no-offload", no_argument, NULL, 'n' },
		{ "offload-policy", required_argument, NULL, 'p' },
		{ "notify", required_argument, NULL, 'N' },
		{ "offload-limit", required_argument, NULL, 'l' },
		{ "ram-doorbells", no_argument, NULL, 'r' },
		{ "guest-connects", no_argument, NULL, 'g' },
		{ "json", no_argument, NULL, 'j' },
		{ "script", required_argument, NULL, 's' },
		{ "debug", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c, idx = 0, rc = 0;

	kvm_demo_config_init(&o->demo);
	while (!rc && (c = getopt_long(argc, argv, ":", options, &idx)) != -1) {
		/* what shapes the demo, which --script does not run */
		if (c && strchr("cqwNrgj", c))
			o->demo_only = options[idx].name;
		switch (c) {
		case 'c':
			rc = number("vcpus", optarg, 64, &v);
			o->demo.vcpus = (uint32_t)v;
			break;
		case 'q':
			rc = number("queues", optarg, HV_PORT_ID_MASK, &v);
			o->demo.queues = (uint32_t)v;
			break;
		case 'w':
			rc = number("writes", optarg, UINT32_MAX,
				    &o->demo.writes);
			break;
		case 'l':
			rc = number("offload-limit", optarg, UINT32_MAX - 1,
				    &v);
			o->demo.offload_limit = (uint32_t)v;
			break;
		case 'n':
			o->demo.policy = HVDB_KVM_OFFLOAD_NONE;
			break;
		case 'p':
			rc = choice("offload-policy", policy_names, 3, optarg,
				    &v);
			o->demo.policy = (enum hvdb_kvm_policy)v;
			if (v == HVDB_KVM_OFFLOAD_ADAPTIVE)
				o->demo_only = "offload-policy adaptive";
			break;
		case 'N':
			rc = choice("notify", notify_names, 2, optarg, &v);
			o->demo.notify = (enum kvm_demo_notify)v;
			break;
		case 'r':
			o->demo.ram_doorbells = true;
			break;
		case 'g':
			o->demo.guest_connects = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 's':
			o->script = optarg;
			break;
		case 'd':
			o->demo.debug = true;
			break;
		default:
			return commands_option_error(argv[0], c, argv);
		}
	}
	/* Refused, not ignored: a user who asks for them expects them. */
	if (!rc && o->script && o->demo_only)
		rc = commands_usage_error(argv[0],
					  "--%s is not used with --script (the "
					  "scenario's partitions run instead "
					  "of the demo)",
					  o->demo_only);
	if (!rc && optind != argc)
		rc = commands_usage_error(argv[0], "unexpected argument '%s'",
					  argv[optind]);
	if (!rc && (!o->demo.vcpus || !o->demo.queues))
		rc = commands_usage_error(argv[0], "--vcpus and --queues must "
						   "be at least 1");
	return rc;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	int rc = parse_opts(argc, argv, &o);
	FILE *kvm;

	if (rc)
		return rc;
	kvm = fopen("/dev/kvm", "r+");
	if (!kvm)
		return no_kvm(&o, strerror(errno));
	fclose(kvm);
	if (o.script) {
		/* A VM per partition, with its fds: no limit below the
		 * library's but the system's. */
		(void)raise_fd_limit(UINT64_MAX);
		struct run_script_config rc_ = {
			.path = o.script,
			.offload = o.demo.policy != HVDB_KVM_OFFLOAD_NONE,
			.offload_limit = o.demo.offload_limit,
			.debug = o.demo.debug,
		};

		return run_script(&rc_);
	}
	return run_demo(&o);
}
