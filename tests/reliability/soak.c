/* soak.c - long runs that must leave the process as they found it: open
 * files, threads, heap and RSS flat (issue 14, item 6).
 *
 *   soak stress SECONDS [ROUNDS]
 *     SECONDS of mixed load on one long-lived hypervisor, in ROUNDS
 *     (default 6) rounds: two threads write, one connects and
 *     disconnects, one deletes and re-creates ports (each with an eventfd
 *     of its own), one assigns and deassigns MSHV_IOEVENTFD doorbells
 *     (each on a fresh eventfd the library duplicates), one saves
 *     snapshots and restores every eighth into a hypervisor it destroys.
 *     After each round the threads are joined and what they made is
 *     undone; the process is then measured. Round 1 is the warm-up.
 *   soak run COUNT [WRITES]
 *     `hvdb run` (the built-in guest on KVM, 2 vCPUs, 4 queues, WRITES
 *     messages per vCPU, default 20000) COUNT times in this process;
 *     measured after the 10th run (warm-up) and after the last. Exit 77
 *     without /dev/kvm.
 *
 * Flat means: the same number of open files and of threads as after the
 * warm-up, heap in use (malloc's count, or ASan's) within HEAP_SLACK of
 * it (the precise leak check), RSS (after malloc_trim; not under ASan,
 * whose quarantine and caches are most of it) within RSS_SLACK_PCT percent plus
 * RSS_SLACK_KB (coarse: cached thread stacks and allocator caches move it by
 * several MiB between rounds with no trend). Prints the figures; exit 0 when
 * flat, 1 when not, 2 on bad arguments.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <hvdb/dialect.h>
#include <hvdb/hvdb.h>
#include <hvdb/snapshot.h>

#include "demo.h"

/* liburcu-bp's rcu_barrier: libhvdb defers frees and closes through
 * call_rcu, so a measurement waits for them. */
void urcu_bp_barrier(void);

#if defined(__SANITIZE_ADDRESS__)
#define SOAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SOAK_ASAN 1
#endif
#endif
#ifdef SOAK_ASAN
#include <sanitizer/allocator_interface.h>
/* A small quarantine keeps a long soak under ASan to tens of MiB. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=16";
}
#endif

#define HEAP_SLACK (1u << 20)
#define RSS_SLACK_PCT 50
#define RSS_SLACK_KB 16384
#define SLOTS 64
#define PORTS 4
#define DIALECT_SLOTS 16
/* Port and connection ids far above the dialect's, which take the lowest
 * free ids from 1 (SPEC §7). */
#define ID_BASE 0x100000u
#define SLOT_GPA 0x100000ull
#define DIALECT_GPA 0x300000ull

struct usage {
	long fds, threads, rss_kb;
	size_t heap;
};

static long count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = -1; /* the directory's own fd */

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* A "Key:   N" line of /proc/self/status. */
static long status_field(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			v = strtol(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

/* The thread count once exits have settled: a thread pthread_join()
 * has returned for is still counted until the kernel reaps it, which
 * under load takes a while. Stable for 50 ms, or after 2 s. */
static long settled_threads(void)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	long v = status_field("Threads"), w;
	int same = 0;

	for (int i = 0; i < 200 && same < 5; i++) {
		nanosleep(&tick, NULL);
		w = status_field("Threads");
		same = w == v ? same + 1 : 0;
		v = w;
	}
	return v;
}

static size_t heap_in_use(void)
{
#ifdef SOAK_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

static void measure(struct usage *u)
{
#ifndef SOAK_ASAN
	/* RSS of what is in use: free memory malloc keeps (per-thread
	 * arenas of the round's threads) goes back first */
	(void)malloc_trim(0);
#endif
	u->fds = count_fds();
	u->threads = settled_threads();
	u->rss_kb = status_field("VmRSS");
	u->heap = heap_in_use();
}

static void print_usage(const char *when, const struct usage *u)
{
	printf("  %-8s fds %ld, threads %ld, heap %zu bytes, RSS %ld KiB\n",
	       when, u->fds, u->threads, u->heap, u->rss_kb);
}

/* Whether (end) is flat against (warm); says why not. */
static bool flat(const struct usage *warm, const struct usage *end)
{
	bool ok = true;

	if (end->fds != warm->fds) {
		printf("  NOT FLAT: open files %ld -> %ld\n", warm->fds,
		       end->fds);
		ok = false;
	}
	if (end->threads != warm->threads) {
		printf("  NOT FLAT: threads %ld -> %ld\n", warm->threads,
		       end->threads);
		ok = false;
	}
	if (end->heap > warm->heap + HEAP_SLACK) {
		printf("  NOT FLAT: heap %zu -> %zu bytes (slack %u)\n",
		       warm->heap, end->heap, HEAP_SLACK);
		ok = false;
	}
#ifndef SOAK_ASAN
	/* Under ASan RSS measures ASan (quarantine, per-thread allocator
	 * caches, shadow pages), not the program: its heap count above is
	 * the check there. */
	if (end->rss_kb >
	    warm->rss_kb + warm->rss_kb * RSS_SLACK_PCT / 100 + RSS_SLACK_KB) {
		printf("  NOT FLAT: RSS %ld -> %ld KiB (slack %d%% + %d KiB)\n",
		       warm->rss_kb, end->rss_kb, RSS_SLACK_PCT, RSS_SLACK_KB);
		ok = false;
	}
#endif
	return ok;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static unsigned rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

/* ---- stress ---- */

struct soak {
	struct hvdb *hv;
	atomic_bool stop;
	atomic_ulong writes, fires, connects, disconnects, port_cycles,
		dialect_cycles, snapshots, restores, failures;
	/* owned by the churn thread during a round, by main between */
	bool connected[2][SLOTS];
	int port_efd[PORTS];		/* porter's, -1 when none */
	int dialect_efd[DIALECT_SLOTS]; /* dialect's, -1 when free */
};

static void fail(struct soak *s, const char *what, long got)
{
	/* the first few say what went wrong; the count says how often */
	if (atomic_fetch_add(&s->failures, 1) < 10)
		fprintf(stderr, "soak: %s: %ld\n", what, got);
}

static void *writer(void *arg)
{
	struct soak *s = arg;
	unsigned seed = (unsigned)(uintptr_t)&seed;
	unsigned long n = 0, fired = 0;
	int rc;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		unsigned r = rnd(&seed);

		rc = hvdb_write(s->hv, 2 + (r & 1), SLOT_GPA + 8 * (r % SLOTS),
				4, r % 3, NULL);
		fired += rc == HVDB_WRITE_FIRE;
		n++;
	}
	atomic_fetch_add(&s->writes, n);
	atomic_fetch_add(&s->fires, fired);
	return NULL;
}

static HV_STATUS connect_slot(struct soak *s, unsigned p, unsigned slot,
			      unsigned port)
{
	HV_INPUT_CONNECT_PORT in = {
		.ConnectionPartition = 2 + p,
		.ConnectionId = ID_BASE + slot,
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = ID_BASE + port,
		.ConnectionInfo.PortType = HvPortTypeDoorbell,
		.ConnectionInfo.DoorbellConnectionInfo = {
			.GuestPhysicalAddress = SLOT_GPA + 8 * slot,
			.TriggerValue = slot % 3,
			.Flags = HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD,
		},
	};

	return hvdb_port_connect(s->hv, HVDB_ROOT_PARTITION_ID, &in, NULL);
}

static void disconnect_slot(struct soak *s, unsigned p, unsigned slot)
{
	HV_INPUT_DISCONNECT_PORT in = { .ConnectionPartition = 2 + p,
					.ConnectionId = ID_BASE + slot };
	HV_STATUS st =
		hvdb_port_disconnect(s->hv, HVDB_ROOT_PARTITION_ID, &in, NULL);

	if (st != HV_STATUS_SUCCESS)
		fail(s, "disconnect", st);
	s->connected[p][slot] = false;
	atomic_fetch_add(&s->disconnects, 1);
}

static void *churner(void *arg)
{
	struct soak *s = arg;
	unsigned seed = 7;
	HV_STATUS st;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		unsigned r = rnd(&seed), p = r & 1, slot = (r >> 1) % SLOTS;

		if (s->connected[p][slot]) {
			disconnect_slot(s, p, slot);
			continue;
		}
		/* the port may be between delete and re-create: unknown-port */
		st = connect_slot(s, p, slot, 1 + (r >> 8) % PORTS);
		if (st == HV_STATUS_SUCCESS) {
			s->connected[p][slot] = true;
			atomic_fetch_add(&s->connects, 1);
		} else if (st != HV_STATUS_INVALID_PORT_ID) {
			fail(s, "connect", st);
		}
	}
	return NULL;
}

/* Creates port (id), offered to any partition, with a fresh eventfd. */
static void port_up(struct soak *s, HV_PORT_ID id)
{
	HV_INPUT_CREATE_PORT in = {
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = ID_BASE + id,
		.PortInfo.PortType = HvPortTypeDoorbell,
		.PortInfo.DoorbellPortInfo.TargetSint = 5,
		.PortInfo.DoorbellPortInfo.TargetVp = HV_ANY_VP,
	};
	HV_STATUS st =
		hvdb_port_create(s->hv, HVDB_ROOT_PARTITION_ID, &in, NULL);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (st != HV_STATUS_SUCCESS || efd < 0 ||
	    hvdb_port_set_eventfd(s->hv, ID_BASE + id, efd) < 0)
		fail(s, "port create", st);
	s->port_efd[id - 1] = efd;
}

/* Deletes port (id) and, once no write can still signal it, closes its
 * eventfd. */
static void port_down(struct soak *s, HV_PORT_ID id)
{
	HV_INPUT_DELETE_PORT in = { .PortPartition = HVDB_ROOT_PARTITION_ID,
				    .PortId = ID_BASE + id };
	HV_STATUS st =
		hvdb_port_delete(s->hv, HVDB_ROOT_PARTITION_ID, &in, NULL);

	if (st != HV_STATUS_SUCCESS)
		fail(s, "port delete", st);
	hvdb_synchronize(s->hv);
	close(s->port_efd[id - 1]);
	s->port_efd[id - 1] = -1;
}

static void *porter(void *arg)
{
	struct soak *s = arg;
	unsigned seed = 11;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		HV_PORT_ID id = 1 + rnd(&seed) % PORTS;

		port_down(s, id);
		port_up(s, id);
		atomic_fetch_add(&s->port_cycles, 1);
	}
	return NULL;
}

static int dialect_call(struct soak *s, unsigned slot, bool deassign)
{
	struct mshv_user_ioeventfd a = {
		.datamatch = slot,
		.addr = DIALECT_GPA + 8 * slot,
		.len = 4,
		.fd = s->dialect_efd[slot],
		.flags = MSHV_IOEVENTFD_FLAG_DATAMATCH |
			 (deassign ? MSHV_IOEVENTFD_FLAG_DEASSIGN : 0),
	};

	return hvdb_ioeventfd(s->hv, 3, &a, NULL, NULL);
}

/* Deassigns dialect doorbell (slot) and closes our eventfd. */
static void dialect_down(struct soak *s, unsigned slot)
{
	int rc = dialect_call(s, slot, true);

	if (rc)
		fail(s, "deassign", rc);
	close(s->dialect_efd[slot]);
	s->dialect_efd[slot] = -1;
}

static void *dialect(void *arg)
{
	struct soak *s = arg;
	unsigned seed = 13;
	int rc;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		unsigned slot = rnd(&seed) % DIALECT_SLOTS;

		if (s->dialect_efd[slot] >= 0) {
			dialect_down(s, slot);
			atomic_fetch_add(&s->dialect_cycles, 1);
			continue;
		}
		s->dialect_efd[slot] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		rc = dialect_call(s, slot, false);
		if (rc) {
			fail(s, "assign", rc);
			close(s->dialect_efd[slot]);
			s->dialect_efd[slot] = -1;
		}
	}
	return NULL;
}

static void *snapshotter(void *arg)
{
	struct soak *s = arg;
	unsigned long n = 0;
	struct hvdb *copy;
	size_t len;
	char *json;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		if (hvdb_snapshot_save(s->hv, &json, &len, NULL)) {
			fail(s, "snapshot", 0);
			continue;
		}
		if (++n % 8 == 0) {
			if (hvdb_snapshot_restore(json, len, NULL, NULL, &copy,
						  NULL))
				fail(s, "restore", 0);
			else
				hvdb_destroy(copy);
			atomic_fetch_add(&s->restores, 1);
		}
		free(json);
	}
	atomic_fetch_add(&s->snapshots, n);
	return NULL;
}

/* One round of (seconds); afterwards only the ports remain. */
static int round_run(struct soak *s, double seconds)
{
	void *(*const fns[])(void *) = { writer, writer,  churner,
					 porter, dialect, snapshotter };
	pthread_t t[sizeof(fns) / sizeof(fns[0])];
	struct timespec ts = { (time_t)seconds,
			       (long)((seconds - (time_t)seconds) * 1e9) };
	size_t started = 0;

	atomic_store(&s->stop, false);
	for (; started < sizeof(fns) / sizeof(fns[0]); started++)
		if (pthread_create(&t[started], NULL, fns[started], s))
			break;
	nanosleep(&ts, NULL);
	atomic_store(&s->stop, true);
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	for (unsigned p = 0; p < 2; p++)
		for (unsigned slot = 0; slot < SLOTS; slot++)
			if (s->connected[p][slot])
				disconnect_slot(s, p, slot);
	for (unsigned slot = 0; slot < DIALECT_SLOTS; slot++)
		if (s->dialect_efd[slot] >= 0)
			dialect_down(s, slot);
	/* every deferred free and the dialect's delayed eventfd closes
	 * (call_rcu callbacks) have run before anything is measured */
	hvdb_synchronize(s->hv);
	urcu_bp_barrier();
	return started == sizeof(fns) / sizeof(fns[0]) ? 0 : -1;
}

static int stress(double seconds, unsigned rounds)
{
	struct soak s = { .hv = hvdb_create(NULL) };
	struct usage warm, u;
	struct hvdb_partition_config pc;
	double t0 = now();
	bool ok = true;

	if (!s.hv || rounds < 2)
		return 2;
	for (unsigned slot = 0; slot < DIALECT_SLOTS; slot++)
		s.dialect_efd[slot] = -1;
	for (uint64_t id = 2; id <= 3; id++) {
		hvdb_partition_config_init(&pc, id);
		if (hvdb_partition_create(s.hv, &pc, NULL))
			return 1;
	}
	for (HV_PORT_ID id = 1; id <= PORTS; id++)
		port_up(&s, id);
	printf("soak stress: %.0f s in %u rounds\n", seconds, rounds);
	for (unsigned r = 1; r <= rounds; r++) {
		if (round_run(&s, seconds / rounds))
			return 1;
		measure(&u);
		if (getenv("SOAK_VERBOSE"))
			print_usage("round", &u);
		if (r == 1) {
			warm = u;
			print_usage("warm-up", &u);
		} else {
			ok &= flat(&warm, &u);
		}
	}
	print_usage("end", &u);
	printf("  %.1f s: %lu writes (%lu fired), %lu connects, %lu "
	       "disconnects, %lu port delete+create, %lu ioeventfd "
	       "assign+deassign, %lu snapshots (%lu restored), %lu "
	       "failures\n",
	       now() - t0, s.writes, s.fires, s.connects, s.disconnects,
	       s.port_cycles, s.dialect_cycles, s.snapshots, s.restores,
	       s.failures);
	for (HV_PORT_ID id = 1; id <= PORTS; id++)
		port_down(&s, id);
	hvdb_destroy(s.hv);
	ok &= s.failures == 0;
	printf("soak stress: %s\n", ok ? "flat" : "FAILED");
	return ok ? 0 : 1;
}

/* ---- run ---- */

static int run(unsigned count, uint64_t writes)
{
	struct kvm_demo_config c;
	struct kvm_demo_result r;
	struct usage warm = { 0 }, u;
	unsigned long messages = 0;
	double t0 = now();
	int rc;

	if (count < 11)
		return 2;
	kvm_demo_config_init(&c);
	c.writes = writes;
	printf("soak run: hvdb run (%u vCPUs, %u queues, %llu messages per "
	       "vCPU) %u times\n",
	       c.vcpus, c.queues, (unsigned long long)writes, count);
	for (unsigned i = 1; i <= count; i++) {
		rc = kvm_demo_run(&c, &r);
		free(r.queue);
		if (rc == -ENODEV) {
			printf("soak run: skipped: no usable /dev/kvm\n");
			return 77;
		}
		if (rc < 0 || !r.ok) {
			printf("soak run: run %u failed: %s\n", i, r.error);
			return 1;
		}
		messages += r.messages_received;
		if (i == 10) {
			measure(&warm);
			print_usage("warm-up", &warm);
		}
	}
	measure(&u);
	print_usage("end", &u);
	printf("  %.1f s, %lu messages received, every run ok\n", now() - t0,
	       messages);
	rc = flat(&warm, &u);
	printf("soak run: %s\n", rc ? "flat" : "FAILED");
	return rc ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "stress"))
		return stress(atof(argv[2]),
			      argc > 3 ? (unsigned)atoi(argv[3]) : 6);
	if (argc >= 3 && !strcmp(argv[1], "run"))
		return run((unsigned)atoi(argv[2]),
			   argc > 3 ? strtoull(argv[3], NULL, 0) : 20000);
	fprintf(stderr,
		"usage: %s stress SECONDS [ROUNDS] | run COUNT "
		"[WRITES]\n",
		argv[0]);
	return 2;
}
