/* grace.h - liburcu as libhvdb uses it, with the ordering an RCU grace
 * period gives spelled out for ThreadSanitizer.
 *
 * liburcu 0.13 is opaque to TSan: its barriers are inline asm and a grace
 * period is membarrier/futex traffic in an uninstrumented library. So
 * libhvdb publishes and reads RCU pointers with C11 __atomic release and
 * acquire (which TSan sees, and which cost x86 nothing over liburcu's
 * own), and in a TSan build the grace period itself is modelled: every
 * reader releases one token when it leaves its read section; whoever
 * waited for a grace period (synchronize, the first line of a call_rcu
 * callback) acquires it; callbacks release it when done, for rcu_barrier.
 * The model is a little stronger than RCU (a reader that began after the
 * grace period started also orders before the reclaimer) but readers
 * never acquire, so races between readers, or between a reader and a
 * writer that did not wait, stay visible.
 *
 * Objects published through liburcu's hash tables (cds_lfht, whose code
 * TSan does not see) take grace_publish() before they are added and
 * grace_observe() when a lookup finds them.
 */
#ifndef HVDB_GRACE_H
#define HVDB_GRACE_H

#include <urcu-bp.h>

#if defined(__SANITIZE_THREAD__)
#define HVDB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HVDB_TSAN 1
#endif
#endif

#ifdef HVDB_TSAN
#include <sanitizer/tsan_interface.h>

/* The token readers release; only its address is used. */
extern char grace_token;

static inline void grace_release_token(void)
{
	__tsan_release(&grace_token);
}

static inline void grace_acquire_token(void)
{
	__tsan_acquire(&grace_token);
}

static inline void grace_publish(void *obj)
{
	__tsan_release(obj);
}

static inline void grace_observe(void *obj)
{
	__tsan_acquire(obj);
}
#else
static inline void grace_release_token(void)
{
}

static inline void grace_acquire_token(void)
{
}

static inline void grace_publish(void *obj)
{
	(void)obj;
}

static inline void grace_observe(void *obj)
{
	(void)obj;
}
#endif

/* Enters a read section (rcu_read_lock). */
static inline void grace_read_lock(void)
{
	rcu_read_lock();
}

/* Leaves a read section: what it read orders before the next grace
 * period's end. */
static inline void grace_read_unlock(void)
{
	grace_release_token();
	rcu_read_unlock();
}

/* Waits for every read section running now to end (synchronize_rcu). */
static inline void grace_wait(void)
{
	synchronize_rcu();
	grace_acquire_token();
}

/* Waits for every call_rcu callback queued so far (rcu_barrier): what
 * they did orders before what follows. */
static inline void grace_barrier(void)
{
	rcu_barrier();
	grace_acquire_token();
}

/* The first line of every call_rcu callback: a grace period has passed. */
static inline void grace_reclaim(void)
{
	grace_acquire_token();
}

/* The last line of every call_rcu callback, for grace_barrier(). */
static inline void grace_reclaimed(void)
{
	grace_release_token();
}

/* Publishes (value) at (*slot) for readers (rcu_assign_pointer). */
#define grace_assign(slot, value) \
	__atomic_store_n(&(slot), (value), __ATOMIC_RELEASE)

/* Reads an RCU-published pointer (rcu_dereference). */
#define grace_deref(slot) __atomic_load_n(&(slot), __ATOMIC_ACQUIRE)

#endif
