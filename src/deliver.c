/* deliver.c - a fire: counters, eventfd, callback and the SynIC event ring.
 *
 * Each (VP, SINT) of the root has a ring (ring.h) of SPEC §4: 63 slots; a
 * pending port is queued once; when the ring fills it is marked full and
 * further ports wait (still pending) until the consumer says it drained
 * the ring. No fire is lost: the counters always count it. A ring entry
 * names a port instance (id and creation number), so the late entry of a
 * deleted port is dropped, never taken for a new port with its id.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/sysinfo.h>

#include "deliver.h"
#include "grace.h"
#include "port.h"

/* An entry: the port id in bits 0-23, the low 40 bits of the port's
 * instance (hv->port_instances when it was created; never 0) above. */
#define ENTRY_ID_BITS 24

static uint64_t entry_of(const struct port *port)
{
	return port->instance << ENTRY_ID_BITS | port->id;
}

static HV_PORT_ID entry_id(uint64_t entry)
{
	return (HV_PORT_ID)(entry & HV_PORT_ID_MASK);
}

/* Counter stripes per port: one per CPU, a power of two, at most this
 * (2 KiB a port); beyond it CPUs share stripes, as cpu % stripes. */
#define DELIVER_STRIPES_MAX 16u

int deliver_rings_create(struct hvdb *hv, uint32_t root_vp_count)
{
	size_t n = (size_t)root_vp_count * HV_SYNIC_SINT_COUNT;
	int cpus = get_nprocs_conf();
	uint32_t stripes = 1;

	while (stripes < DELIVER_STRIPES_MAX && stripes < (uint32_t)cpus)
		stripes *= 2;
	hv->stripe_mask = stripes - 1;

	hv->rings = calloc(n, sizeof(*hv->rings));
	if (!hv->rings)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (ring_init(&hv->rings[i])) {
			while (i--)
				ring_fini(&hv->rings[i]);
			free(hv->rings);
			hv->rings = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

size_t deliver_stripes_size(const struct hvdb *hv)
{
	return ((size_t)hv->stripe_mask + 1) * sizeof(struct deliver_stripe);
}

static struct ring *ring_of_port(struct hvdb *hv, const struct port *port);

void deliver_port_init(struct hvdb *hv, struct port *port)
{
	port->deliver.stripe_mask = hv->stripe_mask;
	port->deliver.ring = ring_of_port(hv, port);
	ring_waiter_init(&port->deliver.waiter, entry_of(port));
}

/* The stripe of the CPU this thread runs on (glibc reads it from rseq).
 * A thread moving CPUs at the wrong moment only shares a line. */
static struct deliver_stripe *stripe_here(struct port *port)
{
	int cpu = sched_getcpu();

	return &port->stripe[(uint32_t)(cpu < 0 ? 0 : cpu) &
			     port->deliver.stripe_mask];
}

void deliver_rings_destroy(struct hvdb *hv)
{
	size_t n = (size_t)hv->root_vp_count * HV_SYNIC_SINT_COUNT;

	for (size_t i = 0; hv->rings && i < n; i++)
		ring_fini(&hv->rings[i]);
	free(hv->rings);
	hv->rings = NULL;
}

static struct ring *ring_get(struct hvdb *hv, uint32_t vp, uint32_t sint)
{
	if (vp >= hv->root_vp_count || sint >= HV_SYNIC_SINT_COUNT)
		return NULL;
	return &hv->rings[(size_t)vp * HV_SYNIC_SINT_COUNT + sint];
}

static struct ring *ring_of_port(struct hvdb *hv, const struct port *port)
{
	/* SPEC §4: HV_ANY_VP ports use the ring of VP 0 */
	uint32_t vp = port->target_vp == HV_ANY_VP ? 0 : port->target_vp;

	return ring_get(hv, vp, port->target_sint);
}

void deliver_fire(struct hvdb *hv, struct port *port,
		  HV_CONNECTION_ID connection_id, uint64_t count,
		  bool offloaded)
{
	struct port_callback *cb;
	int fd;

	(void)hv;
	if (offloaded)
		__atomic_fetch_add(&port->deliver.offloaded, count,
				   __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&stripe_here(port)->userspace, count,
				   __ATOMIC_RELAXED);
	/* A pending port is queued once (coalescing, SPEC §4). Reading
	 * first keeps a busy port's line shared instead of written by every
	 * fire; reading 1 is the exchange returning 1 at that instant. A
	 * deleted port is never queued: it could wait on its ring forever. */
	if (!__atomic_load_n(&port->deliver.pending, __ATOMIC_RELAXED) &&
	    !__atomic_exchange_n(&port->deliver.pending, 1, __ATOMIC_ACQ_REL) &&
	    !__atomic_load_n(&port->deleted, __ATOMIC_ACQUIRE))
		ring_queue(port->deliver.ring, &port->deliver.waiter);
	if (!offloaded) {
		/* acquire: the fd was opened before it was set */
		fd = __atomic_load_n(&port->eventfd, __ATOMIC_ACQUIRE);
		/* A full eventfd counter (EAGAIN) still wakes the reader. */
		if (fd >= 0)
			(void)eventfd_write(fd, count);
	}
	cb = grace_deref(port->callback);
	if (cb)
		cb->fn(cb->opaque, port->id, connection_id);
}

void deliver_port_deleted(struct port *port)
{
	__atomic_store_n(&port->deleted, 1, __ATOMIC_RELEASE);
	ring_forget(port->deliver.ring, &port->deliver.waiter);
}

void deliver_port_forget(struct port *port)
{
	ring_forget(port->deliver.ring, &port->deliver.waiter);
}

void deliver_port_stats(const struct port *port, struct hvdb_port_stats *out)
{
	out->userspace = 0;
	for (uint32_t i = 0; i <= port->deliver.stripe_mask; i++)
		out->userspace += __atomic_load_n(&port->stripe[i].userspace,
						  __ATOMIC_RELAXED);
	out->offloaded =
		__atomic_load_n(&port->deliver.offloaded, __ATOMIC_RELAXED);
	out->triggers = out->userspace + out->offloaded;
}

void deliver_port_set_stats(struct port *port,
			    const struct hvdb_port_stats *stats)
{
	for (uint32_t i = 1; i <= port->deliver.stripe_mask; i++)
		__atomic_store_n(&port->stripe[i].userspace, 0,
				 __ATOMIC_RELAXED);
	__atomic_store_n(&port->stripe[0].userspace, stats->userspace,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&port->deliver.offloaded, stats->offloaded,
			 __ATOMIC_RELAXED);
}

/* Takes (entry)'s port off its ring: true when that port instance is
 * still live (its pending flag is cleared), false for the late entry of a
 * deleted port. */
static bool entry_take(struct hvdb *hv, uint64_t entry)
{
	struct port *port;
	bool live;

	grace_read_lock();
	port = port_find(hv, entry_id(entry));
	live = port && entry_of(port) == entry;
	/* Taken: the port may be queued again by its next fire. */
	if (live)
		__atomic_store_n(&port->deliver.pending, 0, __ATOMIC_RELEASE);
	grace_read_unlock();
	return live;
}

int hvdb_ring_pop(struct hvdb *hv, uint32_t vp, uint32_t sint,
		  HV_PORT_ID *port_id)
{
	struct ring *ring = ring_get(hv, vp, sint);
	uint64_t entry;

	if (!ring)
		return -EINVAL;
	do {
		if (!ring_pop(ring, &entry))
			return 0;
	} while (!entry_take(hv, entry));
	*port_id = entry_id(entry);
	return 1;
}

int hvdb_ring_notify_empty(struct hvdb *hv, uint32_t vp, uint32_t sint)
{
	struct ring *ring = ring_get(hv, vp, sint);

	if (!ring)
		return -EINVAL;
	(void)ring_notify_empty(ring);
	return 0;
}
