/* test_ring_race.c - SPEC §4's notification ring under concurrent
 * producers and consumers: more ports than slots on one ring, producer
 * threads firing them through hvdb_write, consumer threads popping and
 * saying the ring is empty. Checked, by counts only:
 * - no duplicate: a port is never taken more often than it was fired;
 * - nothing lost: once the producers stop and a consumer drains the ring
 *   (pop until empty, notify-empty, again until nothing comes), no port
 *   is left pending: firing each once more queues each exactly once;
 * - every fire counted: the triggers counters equal the fires.
 * Under ThreadSanitizer (.ci/sanitizers.sh) it also checks the ring's
 * memory ordering. Runs RING_RACE_WRITES writes per producer (default
 * 200000). */
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <pthread.h>
#include <sched.h>
#include <cmocka.h>

#include <hvdb/hvdb.h>

#include "doorbells.h"

#define GUEST 2ull
#define SINT 5u
#define PORTS (2 * HVDB_RING_SLOTS + 10)
#define GPA 0x100000ull
#define PRODUCERS 2
#define CONSUMERS 2

struct race {
	struct hvdb *hv;
	unsigned long writes; /* per producer */
	atomic_uint_fast64_t fires[PORTS + 1];
	atomic_uint_fast64_t pops[PORTS + 1];
	atomic_uint_fast64_t signals; /* the consumers' wake-up, an eventfd */
	atomic_uint_fast64_t duplicates;
	atomic_int producers_left;
};

struct worker {
	struct race *r;
	unsigned seed;
	pthread_t thread;
};

static void take(struct race *r, HV_PORT_ID id)
{
	uint64_t pops;

	if (id < 1 || id > PORTS) {
		atomic_fetch_add(&r->duplicates, 1);
		return;
	}
	pops = atomic_fetch_add(&r->pops[id], 1) + 1;
	if (pops > atomic_load(&r->fires[id]))
		atomic_fetch_add(&r->duplicates, 1);
}

/* Pops until the ring is empty; how many it took. */
static unsigned pop_all(struct race *r)
{
	HV_PORT_ID id;
	unsigned n = 0;

	while (hvdb_ring_pop(r->hv, 0, SINT, &id) == 1) {
		take(r, id);
		n++;
	}
	return n;
}

/* A consumer's drain: until notify-empty brings nothing more. */
static void drain(struct race *r)
{
	do {
		pop_all(r);
		assert_int_equal(hvdb_ring_notify_empty(r->hv, 0, SINT), 0);
	} while (pop_all(r));
}

static void *produce(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;
	HV_PORT_ID id;

	for (unsigned long i = 0; i < r->writes; i++) {
		id = 1 + rand_r(&w->seed) % PORTS;
		/* Relaxed: the test adds no ordering between producers,
		 * so TSan sees only the ring's. */
		atomic_fetch_add_explicit(&r->fires[id], 1,
					  memory_order_relaxed);
		if (hvdb_write(r->hv, GUEST, GPA + 8 * id, 4, i & 0xFFFF,
			       NULL) != HVDB_WRITE_FIRE)
			atomic_fetch_add(&r->duplicates, 1 << 20);
		/* the signal comes after the fire, as a port's eventfd */
		atomic_fetch_add_explicit(&r->signals, 1, memory_order_relaxed);
	}
	atomic_fetch_sub(&r->producers_left, 1);
	return NULL;
}

static void *consume(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;

	while (atomic_load(&r->producers_left) || atomic_load(&r->signals)) {
		if (!atomic_exchange(&r->signals, 0)) {
			sched_yield();
			continue;
		}
		drain(r);
	}
	return NULL;
}

static void setup_ports(struct race *r)
{
	r->hv = doorbells_hv(GUEST);
	for (HV_PORT_ID id = 1; id <= PORTS; id++)
		doorbells_add(r->hv, GUEST, id, SINT, GPA + 8 * id);
}

static unsigned long writes_per_producer(void)
{
	const char *env = getenv("RING_RACE_WRITES");
	unsigned long n = env ? strtoul(env, NULL, 0) : 0;

	return n ? n : 200000;
}

/* SPEC §4 under concurrency: no duplicate, nothing lost, all counted. */
static void ring_race_producers_consumers(void **state)
{
	static struct race r; /* big: keep it off the stack */
	struct worker p[PRODUCERS], c[CONSUMERS];
	struct hvdb_port_stats st;
	uint64_t fired = 0, taken = 0;

	(void)state;
	r.writes = writes_per_producer();
	setup_ports(&r);
	atomic_store(&r.producers_left, PRODUCERS);
	for (unsigned i = 0; i < CONSUMERS; i++) {
		c[i] = (struct worker){ .r = &r, .seed = i };
		assert_int_equal(
			pthread_create(&c[i].thread, NULL, consume, &c[i]), 0);
	}
	for (unsigned i = 0; i < PRODUCERS; i++) {
		p[i] = (struct worker){ .r = &r, .seed = 100 + i };
		assert_int_equal(
			pthread_create(&p[i].thread, NULL, produce, &p[i]), 0);
	}
	for (unsigned i = 0; i < PRODUCERS; i++)
		pthread_join(p[i].thread, NULL);
	for (unsigned i = 0; i < CONSUMERS; i++)
		pthread_join(c[i].thread, NULL);
	assert_int_equal(atomic_load(&r.duplicates), 0);

	/* Quiet now: one more fire of each port queues each once. */
	drain(&r);
	for (HV_PORT_ID id = 1; id <= PORTS; id++) {
		assert_int_equal(hvdb_port_stats(r.hv, id, &st), 0);
		assert_int_equal(st.triggers, atomic_load(&r.fires[id]));
		fired += st.triggers;
		taken += atomic_load(&r.pops[id]);
		atomic_store(&r.pops[id], 0);
		atomic_store(&r.fires[id], 1);
		assert_int_equal(
			hvdb_write(r.hv, GUEST, GPA + 8 * id, 1, 0, NULL),
			HVDB_WRITE_FIRE);
	}
	assert_int_equal(fired, (uint64_t)PRODUCERS * r.writes);
	print_message("ring_race: %llu fires of %u ports, %llu pops\n",
		      (unsigned long long)fired, PORTS,
		      (unsigned long long)taken);
	drain(&r);
	for (HV_PORT_ID id = 1; id <= PORTS; id++)
		assert_int_equal(atomic_load(&r.pops[id]), 1);
	assert_int_equal(atomic_load(&r.duplicates), 0);
	hvdb_destroy(r.hv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ring_race_producers_consumers),
	};

	return cmocka_run_group_tests_name("ring_race", tests, NULL, NULL);
}
