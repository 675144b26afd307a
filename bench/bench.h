/* bench.h - `hvdb bench`: the benchmarks of issue 4, their runner and
 * results.
 *
 * Every benchmark runs its competitors side by side in one process and
 * reports the median of repeated trials. Nothing here is a pass/fail test:
 * the numbers are printed and the goals are read off them.
 */
#ifndef HVDB_BENCH_H
#define HVDB_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hvdb/hvdb.h>

/* ------------------------------------------------------------------ */
/* Configuration and results.                                         */
/* ------------------------------------------------------------------ */

struct bench_config {
	bool quick;	/* the whole run in under 30 s */
	FILE *progress; /* one line per section, or NULL */
	/* Comma-separated section names to run (e.g. "kvm,scale"); NULL
	 * runs them all. */
	const char *sections;
};

#define BENCH_MATCH_MAX 32

struct bench_match_row {
	const char *impl;    /* "hvdb", "bsearch", "linear" */
	const char *pattern; /* "uniform", "hot64" */
	unsigned connections;
	double ns_per_write;
};

/* The crowded GPA (issue 14): every doorbell of one partition at one GPA,
 * told apart by value, and another partition beside it. */
#define BENCH_CROWD_SIZES 5
/* Goals: a hit at the biggest crowd costs at most this many times a hit
 * at a crowd of 1; another partition's miss at most this many times what
 * it cost before the crowd. */
#define BENCH_CROWD_HIT_MAX 3.0
#define BENCH_CROWD_OTHER_MAX 1.2

struct bench_crowd_result {
	unsigned values[BENCH_CROWD_SIZES];   /* doorbells at the GPA */
	double hit_ns[BENCH_CROWD_SIZES];     /* ns per write hitting one */
	double hit_hot_ns[BENCH_CROWD_SIZES]; /* ... one of 64 of them */
	/* ns per miss of the other partition beside each crowd, and in the
	 * same world before any crowd */
	double other_miss_ns[BENCH_CROWD_SIZES];
	double other_miss_before_ns;
	unsigned other_connections; /* the other partition's own */
	/* connect + disconnect pairs per second into the biggest crowd */
	double churn_pairs_per_sec;
};

/* Guest doorbell stores per second, the guest in long mode at CPL3. */
struct bench_kvm_result {
	double raw_ioeventfd_wps;  /* raw KVM, one ioeventfd */
	double hvdb_offload_wps;   /* the same ioeventfd from an hvdb attach */
	double raw_exit_wps;	   /* MMIO exit to an empty handler */
	double hvdb_userspace_wps; /* MMIO exit into hvdb_write() */
};

#define BENCH_SCALE_MAX 24

/* N doorbells connected under one offload policy, a hot set of 64 of
 * them driven by guest stores. */
struct bench_scale_row {
	const char *policy; /* "all", "none", "adaptive" */
	unsigned doorbells;
	double setup_seconds; /* connecting all N */
	double hot_wps;	      /* guest stores/s to the hot 64, once warm */
	double warm_seconds;  /* adaptive: until the hot 64 were in-kernel */
};

/* Guest store to consumer wakeup, and the main job's messages/s. */
struct bench_notify_result {
	double offload_p50_us, offload_p99_us;
	double userspace_p50_us, userspace_p99_us;
	double suppress_mps, always_mps; /* hvdb run's messages/s */
	double suppress_doorbells_per_message;
};

/* A goal: (measured) against (limit); met when measured > 0 and on the
 * right side. */
struct bench_goal {
	const char *name;
	double measured;
	double limit;
	bool at_most; /* else at least */
};

struct bench_results {
	struct bench_match_row match[BENCH_MATCH_MAX];
	size_t match_count;
	struct bench_crowd_result crowd; /* part of the match section */
	double threads_ops[2]; /* writes/s with 1 and 2 dispatch threads */
	/* control: 2 threads, each on its own hypervisor (nothing shared) */
	double threads_separate_ops;
	/* writes per CPU-second of one dispatcher, with 1 and 2 threads */
	double threads_per_cpu_s[2];
	unsigned churn_connections;
	double churn_pairs_per_sec;
	/* < 0: not measured (no /dev/kvm). Adaptive policy, with
	 * churn_kvm_present doorbells present; and the same with offload-all,
	 * with the mean KVM_IOEVENTFD (de)assign it took. */
	double churn_kvm_pairs_per_sec;
	unsigned churn_kvm_present;
	double churn_kvm_all_pairs_per_sec;
	double churn_kvm_ioctl_ns;
	unsigned memory_connections;
	double memory_bytes_per_connection;
	bool kvm_ok; /* the kvm section ran */
	struct bench_kvm_result kvm;
	struct bench_scale_row scale[BENCH_SCALE_MAX];
	size_t scale_count;
	bool notify_ok; /* the notify section ran */
	struct bench_notify_result notify;
};

/* Runs every section into (res). 0, or -errno when a section could not
 * set up (the message went to stderr). */
int bench_run(const struct bench_config *cfg, struct bench_results *res);

/* Goals as table lines or JSON array elements (comma-separated). */
bool bench_goal_met(const struct bench_goal *g);
void bench_goals_print(FILE *f, const struct bench_goal *g, size_t n);
void bench_goals_json(FILE *f, const struct bench_goal *g, size_t n);

/* The KVM sections of issue 11 (kvm, scale, notify) and the goals of
 * threads, churn, memory, scale and notify: table and JSON members
 * (bench_report_kvm.c). */
void bench_report_kvm_table(const struct bench_results *res, FILE *f);
void bench_report_kvm_json(const struct bench_results *res, FILE *f);

/* The results as a table, or as the one JSON object of issue 4. */
void bench_report_table(const struct bench_results *res, FILE *f);
void bench_report_json(const struct bench_results *res, FILE *f);

/* ------------------------------------------------------------------ */
/* The runner: clocks, medians, calibrated trials.                    */
/* ------------------------------------------------------------------ */

uint64_t bench_now_ns(void);
/* Median of (n) values; sorts (v) in place. */
double bench_median(double *v, size_t n);

/* Runs (iters) operations and returns nothing; the runner times it. */
typedef void (*bench_op_fn)(void *ctx, uint64_t iters);

#define BENCH_TRIALS_MAX 31
#define BENCH_CELLS_MAX 32

/* One measured thing: (fn) on (ctx), and what the runner learns. */
struct bench_cell {
	bench_op_fn fn;
	void *ctx;
	uint64_t warmup;  /* operations before each trial; 0: iters / 16 */
	uint64_t iters;	  /* per trial, from calibration */
	double ns_per_op; /* the median */
};

/* Sizes a trial of each of the (n) cells (at most BENCH_CELLS_MAX) to
 * about (trial_ns), then runs (trials) rounds of one trial of every cell,
 * so that a slow spell of a shared machine hits all cells alike, and sets
 * each cell's median. */
void bench_interleave(struct bench_cell *cells, size_t n, uint64_t trial_ns,
		      unsigned trials);

/* bench_interleave of one cell: its median ns per operation. */
double bench_ns_per_op(bench_op_fn fn, void *ctx, uint64_t trial_ns,
		       unsigned trials);

/* ------------------------------------------------------------------ */
/* A world to measure: one hypervisor, one guest partition, ports and  */
/* connections at random GPAs with mixed flags.                        */
/* ------------------------------------------------------------------ */

#define BENCH_PARTITION 2ull
#define BENCH_PORTS 64u
/* Connection ids that churn uses: above every id bench_world_fill gives. */
#define BENCH_CHURN_ID0 0x100000u

/* splitmix64: a small seeded generator, state passed explicitly. */
static inline uint64_t bench_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* One connection's trigger as the bench chose it. */
struct bench_conn {
	hvdb_gpa_t gpa;
	uint64_t value; /* meaningful unless any_value */
	uint32_t id;
	uint32_t port;
	uint8_t width; /* 1, 2, 4, 8; 0 when any size */
	bool any_value;
};

/* One guest write. */
struct bench_write {
	hvdb_gpa_t gpa;
	uint64_t value;
	uint32_t len;
};

struct bench_world {
	struct hvdb *hv;
	struct bench_conn *conns;
	size_t count;
	size_t cap;
	uint64_t rng;
};

/* A hypervisor with partition BENCH_PARTITION and BENCH_PORTS ports (ids
 * 1..BENCH_PORTS), room for (cap) connections. 0 or -ENOMEM. */
int bench_world_create(struct bench_world *w, size_t cap, uint64_t seed);
void bench_world_destroy(struct bench_world *w);

/* Picks a fresh random trigger (distinct 8-aligned GPA, mixed size and
 * value flags) with id (id). */
void bench_world_pick(struct bench_world *w, struct bench_conn *c, uint32_t id);
/* ConnectPort / DisconnectPort of (c) in the world's partition. */
HV_STATUS bench_world_connect(struct bench_world *w,
			      const struct bench_conn *c);
HV_STATUS bench_world_disconnect(struct bench_world *w, uint32_t id);
/* ConnectPort of (c) in (partition), which must exist. */
HV_STATUS bench_world_connect_in(struct bench_world *w, uint64_t partition,
				 const struct bench_conn *c);
/* Connects (n) more random connections, recording them. 0 or -EIO. */
int bench_world_fill(struct bench_world *w, size_t n);

/* Connect + disconnect pairs at fresh random triggers, with ids counting
 * up from (id) (wrapping back to BENCH_CHURN_ID0); (failed) is set when
 * a call is refused. */
struct bench_churn {
	struct bench_world *w;
	uint32_t id;
	int failed;
};

/* One pair. */
void bench_world_pair(struct bench_churn *c);
/* (pairs) pairs: a bench_op_fn over a struct bench_churn. */
void bench_world_churn(void *ctx, uint64_t pairs);

/* A write that hits (c). */
void bench_world_hit(uint64_t *rng, const struct bench_conn *c,
		     struct bench_write *out);
/* (n) writes: 3 of 4 hit a connection drawn from the first (hot) of the
 * world's connections (all of them when hot is 0), the rest miss at GPAs
 * no connection uses. Returns NULL when out of memory. */
struct bench_write *bench_world_writes(struct bench_world *w, size_t n,
				       size_t hot);

/* ------------------------------------------------------------------ */
/* The sections.                                                      */
/* ------------------------------------------------------------------ */

int bench_match_run(const struct bench_config *cfg, struct bench_results *res);
/* The crowded-GPA part of the match section. */
int bench_crowd_run(const struct bench_config *cfg, struct bench_results *res);
int bench_threads_run(const struct bench_config *cfg,
		      struct bench_results *res);
int bench_churn_run(const struct bench_config *cfg, struct bench_results *res);
int bench_memory_run(const struct bench_config *cfg, struct bench_results *res);
/* Fills res->kvm and res->churn_kvm_pairs_per_sec; leaves kvm_ok false
 * and returns 0 when /dev/kvm is missing. */
int bench_kvm_run(const struct bench_config *cfg, struct bench_results *res);
/* Issue 11: res->scale (bench_scale.c) and res->notify (bench_notify.c);
 * 0 and nothing when /dev/kvm is missing. */
int bench_scale_run(const struct bench_config *cfg, struct bench_results *res);
int bench_notify_run(const struct bench_config *cfg, struct bench_results *res);

#endif
