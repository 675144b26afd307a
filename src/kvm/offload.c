/* offload.c - the KVM backend: each doorbell connection becomes exactly
 * the ioeventfds its trigger needs, or stays on the MMIO-exit path. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "offload.h"
#include "rampage.h"

#define OFFLOAD_MAX_FDS 4u

/* One attached connection: its match identity and what was registered. */
struct offload_conn {
	struct hvdb_trigger trigger; /* identity, as attached */
	enum hvdb_kvm_path path;
	int efd;	   /* what the ioeventfds signal; -1 on the exit path */
	bool efd_owned;	   /* ours (the port had none), closed on detach */
	bool ram_page;	   /* holds a read-only reference on its page */
	bool refused;	   /* KVM or the fd table said no (not a policy) */
	bool port_deleted; /* its writes are dropped; under lock */
	bool on_efd;	   /* in the by_efd chain: it signalled efd */
	unsigned nreg;
	struct kvm_ioeventfd reg[OFFLOAD_MAX_FDS]; /* exactly as assigned */
	uint64_t fires, drops; /* offloaded, accounted to it; under lock */
	struct offload_conn *next_id;  /* hvdb_kvm.by_id chain */
	struct offload_conn *next_efd; /* hvdb_kvm.by_efd chain */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The ioeventfds a trigger needs (SPEC §5): one of its size; SIZE_ANY
 * with a value, one per length 1, 2, 4, 8 the value fits; SIZE_ANY with
 * ANY_VALUE, one length-0 wildcard. Datamatch unless ANY_VALUE. */
static unsigned plan(const struct hvdb_trigger *t, int efd,
		     struct kvm_ioeventfd reg[OFFLOAD_MAX_FDS])
{
	static const uint32_t widths[] = { 1, 2, 4, 8 };
	unsigned n = 0;

	memset(reg, 0, sizeof(*reg) * OFFLOAD_MAX_FDS);
	for (unsigned i = 0; i < 4; i++) {
		uint32_t w = widths[i];

		if (t->any_size && t->any_value) {
			w = 0;
		} else if (t->any_size) {
			if (w < 8 && t->value >> (8 * w))
				continue;
		} else if (w != t->width) {
			continue;
		}
		reg[n].addr = t->gpa;
		reg[n].len = w;
		reg[n].fd = efd;
		reg[n].datamatch = t->any_value ? 0 : t->value;
		reg[n].flags = t->any_value ? 0 : KVM_IOEVENTFD_FLAG_DATAMATCH;
		n++;
		if (!w)
			break;
	}
	return n;
}

/* Assigns or deassigns one ioeventfd, timing it. 0 or -errno. */
static int ioeventfd(struct hvdb_kvm *k, struct kvm_ioeventfd *reg,
		     bool deassign)
{
	struct kvm_ioeventfd r = *reg;
	uint64_t t0 = now_ns();
	int rc;

	if (deassign)
		r.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
	rc = attach_vm_ioctl(k, KVM_IOEVENTFD, &r);
	pthread_mutex_lock(&k->lock);
	if (deassign) {
		k->stats.unregistrations++;
		k->stats.unregister_ns += now_ns() - t0;
	} else {
		k->stats.registrations++;
		k->stats.register_ns += now_ns() - t0;
	}
	pthread_mutex_unlock(&k->lock);
	return rc < 0 ? rc : 0;
}

/* Why (c) cannot be offloaded, or NULL. Called with k->lock held. */
static const char *refusal(struct hvdb_kvm *k, const struct offload_conn *c)
{
	if (k->opt.policy == HVDB_KVM_OFFLOAD_NONE)
		return "offload disabled";
	if (!k->cap_ioeventfd)
		return "no KVM_CAP_IOEVENTFD";
	if (c->trigger.any_size && c->trigger.any_value && !k->cap_any_length)
		return "no length-0 ioeventfds";
	if (k->stats.offloaded >= k->opt.offload_limit)
		return "offload limit reached";
	return NULL;
}

/* Tries to put (c) on ioeventfds; on any failure undoes what it did and
 * leaves (c) on the exit path, which is a normal outcome (STYLE 13). */
static void offload_try(struct hvdb_kvm *k, struct offload_conn *c)
{
	const char *why;
	unsigned i = 0;
	int rc = 0;

	pthread_mutex_lock(&k->lock);
	why = refusal(k, c);
	pthread_mutex_unlock(&k->lock);
	if (why)
		goto fallback;
	c->efd = c->trigger.eventfd;
	if (c->efd < 0) {
		/* The port has no eventfd: signal one of our own, which
		 * whoever runs the VM drains (hvdb_kvm_connection_get). */
		c->efd = attach_fault(k, ATTACH_FAULT_EVENTFD)
				 ? -1
				 : eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (c->efd < 0) {
			why = "no eventfd";
			goto fallback;
		}
		c->efd_owned = true;
	}
	c->nreg = plan(&c->trigger, c->efd, c->reg);
	for (i = 0; i < c->nreg; i++) {
		rc = ioeventfd(k, &c->reg[i], false);
		if (rc < 0)
			goto err_undo;
	}
	c->path = HVDB_KVM_PATH_IOEVENTFD;
	return;

err_undo:
	why = "KVM_IOEVENTFD refused";
	while (i--)
		if (ioeventfd(k, &c->reg[i], true) < 0)
			attach_debug(k, "conn %u: undo of ioeventfd %u failed",
				     c->trigger.connection_id, i);
	if (c->efd_owned)
		close(c->efd);
	c->efd = -1;
	c->efd_owned = false;
	c->nreg = 0;
fallback:
	c->refused = rc < 0 || !strcmp(why, "no eventfd");
	attach_debug(k, "conn %u stays on the MMIO-exit path: %s (%s)",
		     c->trigger.connection_id, why,
		     rc < 0 ? strerror(-rc) : "-");
}

static struct offload_conn **by_id(struct hvdb_kvm *k, HV_CONNECTION_ID id)
{
	return &k->by_id[id % ATTACH_BUCKETS];
}

static struct offload_conn **by_efd(struct hvdb_kvm *k, int efd)
{
	return &k->by_efd[(unsigned)efd % ATTACH_BUCKETS];
}

/* Links (c) into the tables and counts it. Called with k->lock held. */
static void conn_link(struct hvdb_kvm *k, struct offload_conn *c)
{
	struct offload_conn **b = by_id(k, c->trigger.connection_id);

	c->next_id = *b;
	*b = c;
	if (c->path == HVDB_KVM_PATH_IOEVENTFD) {
		b = by_efd(k, c->efd);
		c->next_efd = *b;
		*b = c;
		c->on_efd = true;
		k->stats.offloaded++;
		k->stats.ioeventfds += c->nreg;
	} else {
		k->stats.userspace++;
		k->stats.refused += c->refused;
	}
}

/* Undoes conn_link. Called with k->lock held. */
static void conn_unlink(struct hvdb_kvm *k, struct offload_conn *c)
{
	struct offload_conn **p;

	for (p = by_id(k, c->trigger.connection_id); *p != c;
	     p = &(*p)->next_id)
		;
	*p = c->next_id;
	if (c->on_efd) {
		for (p = by_efd(k, c->efd); *p != c; p = &(*p)->next_efd)
			;
		*p = c->next_efd;
	}
	if (c->path != HVDB_KVM_PATH_IOEVENTFD) {
		k->stats.userspace--;
		return;
	}
	k->stats.offloaded--;
	k->stats.ioeventfds -= c->nreg;
}

/* Moves (c) from its ioeventfds to the exit path: deassigns exactly what
 * was assigned. It stays in the by_efd chain, so signals still pending in
 * its eventfd are accounted (as drops, once its port is deleted). Called
 * under the hvdb lock, without k->lock. */
static void offload_demote(struct hvdb_kvm *k, struct offload_conn *c)
{
	for (unsigned i = 0; i < c->nreg; i++)
		if (ioeventfd(k, &c->reg[i], true) < 0)
			attach_debug(k, "conn %u: deassign %u failed",
				     c->trigger.connection_id, i);
	pthread_mutex_lock(&k->lock);
	k->stats.offloaded--;
	k->stats.ioeventfds -= c->nreg;
	k->stats.userspace++;
	c->path = HVDB_KVM_PATH_EXIT;
	c->nreg = 0;
	pthread_mutex_unlock(&k->lock);
}

/* hvdb_backend_ops.attach: called under the hvdb lock. */
static int offload_attach(void *opaque, const struct hvdb_trigger *trigger,
			  void **cookie)
{
	struct hvdb_kvm *k = opaque;
	struct offload_conn *c;
	int rc;

	if (attach_fault(k, ATTACH_FAULT_ALLOC))
		return -ENOMEM;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->trigger = *trigger;
	c->path = HVDB_KVM_PATH_EXIT;
	c->efd = -1;
	/* First the page: from here on every write to it reaches an
	 * ioeventfd or the MMIO path, never silently RAM. */
	pthread_mutex_lock(&k->lock);
	rc = rampage_ref(k, trigger->gpa, &c->ram_page);
	pthread_mutex_unlock(&k->lock);
	if (rc < 0)
		goto err_free;
	offload_try(k, c);
	pthread_mutex_lock(&k->lock);
	conn_link(k, c);
	pthread_mutex_unlock(&k->lock);
	*cookie = c;
	return 0;

err_free:
	free(c);
	return rc;
}

/* hvdb_backend_ops.detach: undoes exactly what attach did. */
static void offload_detach(void *opaque, const struct hvdb_trigger *trigger,
			   void *cookie)
{
	struct hvdb_kvm *k = opaque;
	struct offload_conn *c = cookie;

	(void)trigger;
	for (unsigned i = 0; i < c->nreg; i++)
		/* Same identity as assigned, plus DEASSIGN. */
		if (ioeventfd(k, &c->reg[i], true) < 0)
			attach_debug(k, "conn %u: deassign %u failed",
				     c->trigger.connection_id, i);
	pthread_mutex_lock(&k->lock);
	if (c->ram_page)
		rampage_unref(k, c->trigger.gpa);
	conn_unlink(k, c);
	pthread_mutex_unlock(&k->lock);
	if (c->efd_owned)
		close(c->efd);
	free(c);
}

/* hvdb_backend_ops.port_deleted (called under the hvdb lock): from now
 * on its writes are drops, even when a new port takes the id. They leave
 * the kernel for the exit path, where hvdb_write drops them (SPEC §3),
 * and the port's old eventfd, which its owner may now close or reuse, is
 * no longer signalled. */
static void offload_port_deleted(void *opaque,
				 const struct hvdb_trigger *trigger,
				 void *cookie)
{
	struct hvdb_kvm *k = opaque;
	struct offload_conn *c = cookie;

	(void)trigger;
	pthread_mutex_lock(&k->lock);
	c->port_deleted = true;
	pthread_mutex_unlock(&k->lock);
	if (c->path == HVDB_KVM_PATH_IOEVENTFD)
		offload_demote(k, c);
}

/* hvdb_backend_ops.release: hvdb_destroy took the backend away. */
static void offload_release(void *opaque)
{
	struct hvdb_kvm *k = opaque;

	k->released = true;
}

const struct hvdb_backend_ops offload_ops = {
	.attach = offload_attach,
	.detach = offload_detach,
	.port_deleted = offload_port_deleted,
	.release = offload_release,
};

/* Counts (count) offloaded fires of the connections signalling (efd): to
 * the live port of the first that has one, dropped when every one's port
 * was deleted. Holding the lock makes a DeletePort wait (its port_deleted
 * call takes it), so a port id reused meanwhile never gets them. */
int64_t offload_account(struct hvdb_kvm *k, int efd, uint64_t count)
{
	struct offload_conn *c, *live = NULL, *first = NULL;
	unsigned on_efd = 0;
	int64_t fired = 0;
	int rc;

	pthread_mutex_lock(&k->lock);
	for (c = *by_efd(k, efd); c; c = c->next_efd) {
		if (c->efd != efd)
			continue;
		first = on_efd++ ? first : c;
		if (!c->port_deleted && !live)
			live = c;
	}
	if (!first) {
		fired = -ENOENT;
		goto out;
	}
	if (live) {
		rc = hvdb_port_account_offloaded(k->hv, live->trigger.port_id,
						 count);
		/* -ENOENT: the port left the lookups, and its port_deleted
		 * call waits for our lock: these are drops (SPEC §3). */
		if (rc < 0 && rc != -ENOENT) {
			fired = rc;
			goto out;
		}
		fired = rc < 0 ? 0 : (int64_t)count;
	}
	k->stats.offloaded_fires += (uint64_t)fired;
	k->stats.offloaded_drops += count - (uint64_t)fired;
	if (on_efd == 1) {
		first->fires += (uint64_t)fired;
		first->drops += count - (uint64_t)fired;
	}
out:
	pthread_mutex_unlock(&k->lock);
	return fired;
}

int offload_connection_get(struct hvdb_kvm *k, HV_CONNECTION_ID id,
			   struct hvdb_kvm_connection *out)
{
	struct offload_conn *c;

	pthread_mutex_lock(&k->lock);
	for (c = *by_id(k, id); c; c = c->next_id)
		if (c->trigger.connection_id == id)
			break;
	if (c) {
		out->path = c->path;
		out->eventfd = c->path == HVDB_KVM_PATH_IOEVENTFD ? c->efd : -1;
		out->ioeventfds = c->nreg;
		out->ram_page = c->ram_page;
		out->port_deleted = c->port_deleted;
		out->offloaded_fires = c->fires;
		out->offloaded_drops = c->drops;
	}
	pthread_mutex_unlock(&k->lock);
	return c ? 0 : -ENOENT;
}
