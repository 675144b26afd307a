/* bench_threads.c - dispatch throughput with 1 and 2 threads writing the
 * same connections while a third connects and disconnects 10,000 pairs a
 * second. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

#define THREADS_CONNECTIONS 4096u
#define THREADS_WRITES (1u << 14)
#define THREADS_CHURN_PER_MS 10u /* 10,000 pairs/s */
#define THREADS_TRIALS_MAX 25u

struct dispatcher {
	pthread_t thread;
	int cpu; /* pinned there, as VMMs pin vCPU threads; -1: not */
	struct hvdb *hv;
	struct bench_write *writes;
	const int *stop;
	uint64_t ops;
	uint64_t cpu_ns; /* CPU time the thread got while dispatching */
};

struct churner {
	pthread_t thread;
	/* copies sharing the hypervisors, own rng; each gets the rate */
	struct bench_world world[2];
	struct bench_churn churn[2];
	unsigned worlds;
	const int *stop;
};

/* The (i)th CPU this process may run on, or -1. */
static int allowed_cpu(unsigned i)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set) && i-- == 0)
			return cpu;
	return -1;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *dispatch_main(void *arg)
{
	struct dispatcher *d = arg;
	uint64_t ops = 0, cpu0;
	size_t i = 0;
	cpu_set_t set;

	/* Two dispatchers on one CPU measure the scheduler, not hvdb. */
	if (d->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(d->cpu, &set);
		(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	cpu0 = thread_cpu_ns();

	while (!__atomic_load_n(d->stop, __ATOMIC_RELAXED)) {
		/* 256 writes between looks at the flag */
		for (unsigned k = 0; k < 256; k++) {
			const struct bench_write *wr = &d->writes[i];

			(void)hvdb_write(d->hv, BENCH_PARTITION, wr->gpa,
					 wr->len, wr->value, NULL);
			i = (i + 1) & (THREADS_WRITES - 1);
		}
		ops += 256;
	}
	d->ops = ops;
	d->cpu_ns = thread_cpu_ns() - cpu0;
	return NULL;
}

static void timespec_add_ms(struct timespec *ts, long ms)
{
	ts->tv_nsec += ms * 1000000L;
	while (ts->tv_nsec >= 1000000000L) {
		ts->tv_nsec -= 1000000000L;
		ts->tv_sec++;
	}
}

static void *churn_main(void *arg)
{
	struct churner *c = arg;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!__atomic_load_n(c->stop, __ATOMIC_RELAXED)) {
		for (unsigned i = 0; i < c->worlds; i++)
			bench_world_churn(&c->churn[i], THREADS_CHURN_PER_MS);
		timespec_add_ms(&next, 1);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return NULL;
}

/* Writes per second of (n) dispatchers over (duration_ns), dispatcher i
 * writing to (hvs)[i], with the churner beside them churning each
 * distinct hypervisor at the full rate; < 0 on failure. (*per_cpu_s) is
 * the writes per CPU-second a dispatcher did: what other processes on
 * the machine take away does not change it, contention would. */
static double trial(struct bench_world *w, struct hvdb **hvs,
		    struct bench_write **streams, unsigned n,
		    uint64_t duration_ns, uint64_t seed, double *per_cpu_s)
{
	uint64_t cpu_ns = 0;
	struct dispatcher d[2];
	struct churner c = { 0 };
	struct timespec ts;
	uint64_t t0, dt, ops = 0;
	int stop = 0;
	unsigned started = 0;

	c.world[0] = *w;
	c.world[0].rng = seed;
	c.worlds = 1;
	if (n == 2 && hvs[1] != hvs[0]) {
		c.world[1] = c.world[0];
		c.world[1].hv = hvs[1];
		c.worlds = 2;
	}
	for (unsigned i = 0; i < c.worlds; i++)
		c.churn[i] =
			(struct bench_churn){ &c.world[i], BENCH_CHURN_ID0, 0 };
	c.stop = &stop;
	if (pthread_create(&c.thread, NULL, churn_main, &c))
		return -1;
	t0 = bench_now_ns();
	for (; started < n; started++) {
		d[started] = (struct dispatcher){ .hv = hvs[started],
						  .cpu = allowed_cpu(started),
						  .writes = streams[started],
						  .stop = &stop };
		if (pthread_create(&d[started].thread, NULL, dispatch_main,
				   &d[started]))
			break;
	}
	ts.tv_sec = (time_t)(duration_ns / 1000000000ull);
	ts.tv_nsec = (long)(duration_ns % 1000000000ull);
	nanosleep(&ts, NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < started; i++) {
		pthread_join(d[i].thread, NULL);
		ops += d[i].ops;
		cpu_ns += d[i].cpu_ns;
	}
	dt = bench_now_ns() - t0;
	pthread_join(c.thread, NULL);
	if (started < n || c.churn[0].failed || c.churn[1].failed)
		return -1;
	*per_cpu_s = cpu_ns ? (double)ops * 1e9 / (double)cpu_ns : 0;
	return (double)ops * 1e9 / (double)dt;
}

enum threads_kind { ONE, TWO, TWO_SEPARATE, THREADS_KINDS };

int bench_threads_run(const struct bench_config *cfg, struct bench_results *res)
{
	/* Many short trials: the median skips those a burst of other work
	 * on the machine hit */
	const uint64_t duration = cfg->quick ? 100000000ull : 200000000ull;
	const unsigned trials = cfg->quick ? 9 : THREADS_TRIALS_MAX;
	double ops[THREADS_KINDS][THREADS_TRIALS_MAX];
	double per_cpu[THREADS_KINDS][THREADS_TRIALS_MAX];
	struct bench_write *streams[2] = { NULL, NULL };
	struct bench_world w, twin;
	struct hvdb *shared[2], *separate[2];
	int ret;

	/* The twin holds the same connections (same seed) in a hypervisor
	 * of its own: two threads that share nothing are the control. */
	ret = bench_world_create(&w, THREADS_CONNECTIONS, 0x746872656164);
	if (!ret)
		ret = bench_world_create(&twin, THREADS_CONNECTIONS,
					 0x746872656164);
	if (ret)
		return ret;
	ret = bench_world_fill(&w, THREADS_CONNECTIONS);
	if (!ret)
		ret = bench_world_fill(&twin, THREADS_CONNECTIONS);
	if (ret)
		goto out;
	/* Each thread its own stream over all the connections. */
	for (unsigned i = 0; i < 2; i++) {
		streams[i] = bench_world_writes(&w, THREADS_WRITES, 0);
		if (!streams[i]) {
			ret = -ENOMEM;
			goto out;
		}
	}
	shared[0] = shared[1] = separate[0] = w.hv;
	separate[1] = twin.hv;
	for (unsigned t = 0; t < trials; t++) {
		for (unsigned k = 0; k < THREADS_KINDS; k++) {
			ops[k][t] = trial(
				&w, k == TWO_SEPARATE ? separate : shared,
				streams, k == ONE ? 1 : 2, duration,
				0x6368 + t * THREADS_KINDS + k, &per_cpu[k][t]);
			if (ops[k][t] < 0) {
				ret = -EIO;
				goto out;
			}
		}
	}
	res->threads_ops[0] = bench_median(ops[ONE], trials);
	res->threads_ops[1] = bench_median(ops[TWO], trials);
	res->threads_separate_ops = bench_median(ops[TWO_SEPARATE], trials);
	res->threads_per_cpu_s[0] = bench_median(per_cpu[ONE], trials);
	res->threads_per_cpu_s[1] = bench_median(per_cpu[TWO], trials);
out:
	free(streams[0]);
	free(streams[1]);
	bench_world_destroy(&twin);
	bench_world_destroy(&w);
	return ret;
}
