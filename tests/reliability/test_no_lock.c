/* test_no_lock.c - hvdb.h, libhvdb(3) and SPEC §5: the write path takes
 * no lock. This program defines pthread's lock calls itself, so every
 * lock taken in the process (libhvdb linked in statically, liburcu's
 * shared libraries, libc's callers) goes through them; they count the
 * locks a thread takes while it is inside a call under test, then call
 * the real ones.
 *
 * Under test: hvdb_write (fire with eventfd and callback, miss, drop, a
 * fire that finds the ring full), hvdb_match_lookup, hvdb_port_stats,
 * hvdb_port_account_offloaded, hvdb_ring_pop. Each runs after the thread's
 * first read section: liburcu-bp registers a thread once, under its own
 * mutex. The check checks itself: hvdb_ring_notify_empty and
 * hvdb_port_set_eventfd do take locks, and must be counted.
 *
 * Not built with sanitizers, whose runtimes define these calls too. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include <hvdb/backend.h>
#include <hvdb/hvdb.h>

#include "doorbells.h"

static _Thread_local bool watching;
static atomic_uint locks_taken;

static void counted(void)
{
	if (watching)
		atomic_fetch_add(&locks_taken, 1);
}

static void *real(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (!fn)
		abort(); /* no test without the real call */
	return fn;
}

/* (name)(type *), counted, then the real one. */
#define COUNTED_LOCK(name, type)                           \
	int name(type *l)                                  \
	{                                                  \
		static int (*fn)(type *);                  \
                                                           \
		counted();                                 \
		if (!fn)                                   \
			fn = (int (*)(type *))real(#name); \
		return fn(l);                              \
	}

COUNTED_LOCK(pthread_mutex_lock, pthread_mutex_t)
COUNTED_LOCK(pthread_mutex_trylock, pthread_mutex_t)
COUNTED_LOCK(pthread_rwlock_rdlock, pthread_rwlock_t)
COUNTED_LOCK(pthread_rwlock_wrlock, pthread_rwlock_t)
COUNTED_LOCK(pthread_spin_lock, pthread_spinlock_t)

#define GUEST 2ull
#define SINT 5u
#define GPA 0x100000ull
#define PORTS (HVDB_RING_SLOTS + 2) /* the last ones find the ring full */
#define GONE (PORTS + 1)	    /* a deleted port, its connection kept */

static unsigned callbacks;

static void on_fire(void *opaque, HV_PORT_ID port, HV_CONNECTION_ID conn)
{
	(void)opaque;
	(void)port;
	(void)conn;
	callbacks++;
}

static struct hvdb *hv_with_ports(int efd)
{
	HV_INPUT_DELETE_PORT del = { .PortPartition = 1, .PortId = GONE };
	struct hvdb *hv = doorbells_hv(GUEST);

	for (HV_PORT_ID id = 1; id <= GONE; id++)
		doorbells_add(hv, GUEST, id, SINT, GPA + 8 * id);
	assert_int_equal(hvdb_port_set_eventfd(hv, 1, efd), 0);
	assert_int_equal(hvdb_port_set_callback(hv, 1, on_fire, NULL), 0);
	assert_int_equal(hvdb_port_delete(hv, 1, &del, NULL), 0);
	return hv;
}

/* Every lock-free call of the write and delivery paths, as a VMM's vCPU
 * and consumer threads make them. */
static void write_paths(struct hvdb *hv)
{
	struct hvdb_write_outcome out;
	struct hvdb_port_stats st;
	HV_PORT_ID id;

	for (HV_PORT_ID p = 1; p <= PORTS; p++) /* fills the ring */
		assert_int_equal(hvdb_write(hv, GUEST, GPA + 8 * p, 4, p, &out),
				 HVDB_WRITE_FIRE);
	assert_int_equal(hvdb_write(hv, GUEST, GPA + 8 * 1, 1, 7, &out),
			 HVDB_WRITE_FIRE); /* pending: coalesced */
	assert_int_equal(hvdb_write(hv, GUEST, GPA + 8 * GONE, 1, 0, &out),
			 HVDB_WRITE_DROPPED);
	assert_int_equal(hvdb_write(hv, GUEST, GPA + 4, 1, 0, &out),
			 HVDB_WRITE_MISS);
	assert_int_equal(hvdb_match_lookup(hv, GUEST, GPA + 8, 4, 1, &out),
			 HVDB_WRITE_FIRE);
	assert_int_equal(hvdb_port_stats(hv, 1, &st), 0);
	assert_int_equal(hvdb_port_account_offloaded(hv, 2, 3), 0);
	assert_int_equal(hvdb_port_account_offloaded(hv, GONE, 3), -ENOENT);
	for (unsigned i = 0; i < HVDB_RING_SLOTS; i++)
		assert_int_equal(hvdb_ring_pop(hv, 0, SINT, &id), 1);
	assert_int_equal(hvdb_ring_pop(hv, 0, SINT, &id), 0);
	/* popped: the next fire queues again (the ring is marked full, so
	 * it waits) */
	assert_int_equal(hvdb_write(hv, GUEST, GPA + 8 * 1, 1, 7, &out),
			 HVDB_WRITE_FIRE);
}

/* SPEC §5 and hvdb.h: readers (writes, lookups, stats, offloaded
 * accounting, ring pops) take no lock. */
static void test_write_path_takes_no_lock(void **state)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct hvdb_port_stats st;
	struct hvdb *hv;

	(void)state;
	assert_true(efd >= 0);
	hv = hv_with_ports(efd);
	assert_int_equal(hvdb_port_stats(hv, 1, &st), 0); /* registers */

	watching = true;
	write_paths(hv);
	watching = false;
	assert_int_equal(atomic_load(&locks_taken), 0);
	assert_int_equal(callbacks, 3);
	assert_int_equal(hvdb_port_stats(hv, 1, &st), 0);
	assert_int_equal(st.triggers, 3);

	/* The interposer sees libhvdb's locks: these two take one each. */
	watching = true;
	assert_int_equal(hvdb_ring_notify_empty(hv, 0, SINT), 0);
	assert_int_equal(hvdb_port_set_eventfd(hv, 1, -1), 0);
	watching = false;
	assert_int_equal(atomic_load(&locks_taken), 2);
	hvdb_destroy(hv);
	close(efd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_path_takes_no_lock),
	};

	return cmocka_run_group_tests_name("no_lock", tests, NULL, NULL);
}
