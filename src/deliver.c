/* deliver.c - a fire: counters, eventfd, callback and the SynIC event ring.
 *
 * The ring models the SynIC event ring of SPEC §4: 63 slots of port ids; a
 * pending port is queued once; when the ring fills it is marked full and
 * further ports wait (still pending) until the consumer says it drained
 * the ring. No fire is lost: the counters always count it.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/sysinfo.h>

#include <urcu/uatomic.h>

#include "deliver.h"
#include "port.h"

struct deliver_ring {
	pthread_mutex_t lock; /* the ring is short; fires rarely contend */
	HV_PORT_ID slots[HVDB_RING_SLOTS];
	unsigned head; /* oldest entry */
	unsigned count;
	bool full; /* marked full: new ports wait until notify_empty */
	struct cds_list_head waiting; /* ports waiting for room */
};

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
		pthread_mutex_init(&hv->rings[i].lock, NULL);
		CDS_INIT_LIST_HEAD(&hv->rings[i].waiting);
	}
	return 0;
}

size_t deliver_stripes_size(const struct hvdb *hv)
{
	return ((size_t)hv->stripe_mask + 1) * sizeof(struct deliver_stripe);
}

void deliver_port_init(const struct hvdb *hv, struct port *port)
{
	port->deliver.stripe_mask = hv->stripe_mask;
	CDS_INIT_LIST_HEAD(&port->deliver.waiting);
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
		pthread_mutex_destroy(&hv->rings[i].lock);
	free(hv->rings);
	hv->rings = NULL;
}

static struct deliver_ring *ring_get(struct hvdb *hv, uint32_t vp,
				     uint32_t sint)
{
	if (vp >= hv->root_vp_count || sint >= HV_SYNIC_SINT_COUNT)
		return NULL;
	return &hv->rings[(size_t)vp * HV_SYNIC_SINT_COUNT + sint];
}

static struct deliver_ring *ring_of_port(struct hvdb *hv,
					 const struct port *port)
{
	/* SPEC §4: HV_ANY_VP ports use the ring of VP 0 */
	uint32_t vp = port->target_vp == HV_ANY_VP ? 0 : port->target_vp;

	return ring_get(hv, vp, port->target_sint);
}

/* Called with ring->lock held. */
static bool ring_push(struct deliver_ring *ring, HV_PORT_ID id)
{
	if (ring->full || ring->count == HVDB_RING_SLOTS) {
		ring->full = true;
		return false;
	}
	ring->slots[(ring->head + ring->count) % HVDB_RING_SLOTS] = id;
	ring->count++;
	return true;
}

static void ring_queue(struct hvdb *hv, struct port *port)
{
	struct deliver_ring *ring = ring_of_port(hv, port);

	pthread_mutex_lock(&ring->lock);
	/* DeletePort marks the port under this lock: a deleted port must not
	 * wait here, where nothing would take it off again. */
	if (!uatomic_read(&port->deleted) && !ring_push(ring, port->id))
		cds_list_add_tail(&port->deliver.waiting, &ring->waiting);
	pthread_mutex_unlock(&ring->lock);
}

void deliver_fire(struct hvdb *hv, struct port *port,
		  HV_CONNECTION_ID connection_id, uint64_t count,
		  bool offloaded)
{
	struct port_callback *cb;
	int fd;

	if (offloaded) {
		uatomic_add(&port->deliver.offloaded, count);
	} else {
		uatomic_add(&stripe_here(port)->userspace, count);
		fd = uatomic_read(&port->eventfd);
		/* A full eventfd counter (EAGAIN) still wakes the reader. */
		if (fd >= 0)
			(void)eventfd_write(fd, count);
	}
	cb = rcu_dereference(port->callback);
	if (cb)
		cb->fn(cb->opaque, port->id, connection_id);
	/* A pending port is queued once (coalescing, SPEC §4). Reading
	 * first keeps a busy port's line shared instead of written by every
	 * fire; reading 1 is the xchg returning 1 at that instant. */
	if (!uatomic_read(&port->deliver.pending) &&
	    uatomic_xchg(&port->deliver.pending, 1) == 0)
		ring_queue(hv, port);
}

void deliver_port_deleted(struct hvdb *hv, struct port *port)
{
	struct deliver_ring *ring = ring_of_port(hv, port);

	pthread_mutex_lock(&ring->lock);
	uatomic_set(&port->deleted, 1);
	if (!cds_list_empty(&port->deliver.waiting))
		cds_list_del_init(&port->deliver.waiting);
	pthread_mutex_unlock(&ring->lock);
}

void deliver_port_stats(const struct port *port, struct hvdb_port_stats *out)
{
	out->userspace = 0;
	for (uint32_t i = 0; i <= port->deliver.stripe_mask; i++)
		out->userspace += uatomic_read(&port->stripe[i].userspace);
	out->offloaded = uatomic_read(&port->deliver.offloaded);
	out->triggers = out->userspace + out->offloaded;
}

void deliver_port_set_stats(struct port *port,
			    const struct hvdb_port_stats *stats)
{
	for (uint32_t i = 1; i <= port->deliver.stripe_mask; i++)
		uatomic_set(&port->stripe[i].userspace, 0);
	uatomic_set(&port->stripe[0].userspace, stats->userspace);
	uatomic_set(&port->deliver.offloaded, stats->offloaded);
}

int hvdb_ring_pop(struct hvdb *hv, uint32_t vp, uint32_t sint,
		  HV_PORT_ID *port_id)
{
	struct deliver_ring *ring = ring_get(hv, vp, sint);
	struct port *port;
	HV_PORT_ID id;

	if (!ring)
		return -EINVAL;
	pthread_mutex_lock(&ring->lock);
	if (ring->count == 0) {
		pthread_mutex_unlock(&ring->lock);
		return 0;
	}
	id = ring->slots[ring->head];
	ring->head = (ring->head + 1) % HVDB_RING_SLOTS;
	ring->count--;
	pthread_mutex_unlock(&ring->lock);

	/* Taken: the port may be queued again by its next fire. */
	rcu_read_lock();
	port = port_find(hv, id);
	if (port)
		uatomic_set(&port->deliver.pending, 0);
	rcu_read_unlock();
	*port_id = id;
	return 1;
}

int hvdb_ring_notify_empty(struct hvdb *hv, uint32_t vp, uint32_t sint)
{
	struct deliver_ring *ring = ring_get(hv, vp, sint);
	struct port *port, *tmp;

	if (!ring)
		return -EINVAL;
	pthread_mutex_lock(&ring->lock);
	ring->full = false;
	cds_list_for_each_entry_safe (port, tmp, &ring->waiting,
				      deliver.waiting) {
		if (!ring_push(ring, port->id))
			break;
		cds_list_del_init(&port->deliver.waiting);
	}
	pthread_mutex_unlock(&ring->lock);
	return 0;
}
