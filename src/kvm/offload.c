/* offload.c - the KVM backend: each doorbell connection becomes exactly
 * the ioeventfds its trigger needs, or stays on the MMIO-exit path. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "adaptive.h"
#include "offload.h"
#include "rampage.h"

/* The ioeventfds a trigger needs (SPEC §5): one of its size; SIZE_ANY
 * with a value, one per length 1, 2, 4, 8 the value fits; SIZE_ANY with
 * ANY_VALUE, one length-0 wildcard. Datamatch unless ANY_VALUE. */
unsigned offload_plan(const struct hvdb_trigger *t, int efd,
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

int offload_ioeventfd(struct hvdb_kvm *k, struct kvm_ioeventfd *reg,
		      bool deassign)
{
	struct kvm_ioeventfd r = *reg;
	uint64_t t0 = attach_now_ns();
	int rc;

	if (deassign)
		r.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
	rc = attach_vm_ioctl(k, KVM_IOEVENTFD, &r);
	pthread_mutex_lock(&k->lock);
	if (deassign) {
		k->stats.unregistrations++;
		k->stats.unregister_ns += attach_now_ns() - t0;
	} else {
		k->stats.registrations++;
		k->stats.register_ns += attach_now_ns() - t0;
	}
	pthread_mutex_unlock(&k->lock);
	return rc < 0 ? rc : 0;
}

/* Why (c) cannot be offloaded, or NULL. Called with k->lock held. */
static const char *refusal(struct hvdb_kvm *k, const struct offload_conn *c)
{
	if (k->opt.policy == HVDB_KVM_OFFLOAD_NONE)
		return "offload disabled";
	/* Setting up the exit path costs KVM nothing; maintenance passes
	 * promote it if it proves hot. */
	if (k->opt.policy == HVDB_KVM_OFFLOAD_ADAPTIVE)
		return "adaptive: starts on the exit path";
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
	c->nreg = offload_plan(&c->trigger, c->efd, c->reg);
	for (i = 0; i < c->nreg; i++) {
		rc = offload_ioeventfd(k, &c->reg[i], false);
		if (rc < 0)
			goto err_undo;
	}
	c->path = HVDB_KVM_PATH_IOEVENTFD;
	return;

err_undo:
	why = "KVM_IOEVENTFD refused";
	while (i--)
		if (offload_ioeventfd(k, &c->reg[i], true) < 0)
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

/* Puts (c) in the eventfd table: it signals c->efd. Called with k->lock
 * held. */
static void efd_link(struct hvdb_kvm *k, struct offload_conn *c)
{
	struct offload_conn **b = by_efd(k, c->efd);

	c->next_efd = *b;
	*b = c;
	c->on_efd = true;
}

/* Undoes efd_link, if it was. Called with k->lock held. */
static void efd_unlink(struct hvdb_kvm *k, struct offload_conn *c)
{
	struct offload_conn **p;

	if (!c->on_efd)
		return;
	for (p = by_efd(k, c->efd); *p != c; p = &(*p)->next_efd)
		;
	*p = c->next_efd;
	c->on_efd = false;
}

/* Links (c) into the tables and counts it. Called with k->lock held. */
static void conn_link(struct hvdb_kvm *k, struct offload_conn *c)
{
	struct offload_conn **b = by_id(k, c->trigger.connection_id);

	c->next_id = *b;
	*b = c;
	if (c->path == HVDB_KVM_PATH_IOEVENTFD) {
		efd_link(k, c);
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
	efd_unlink(k, c);
	if (c->path != HVDB_KVM_PATH_IOEVENTFD) {
		k->stats.userspace--;
		return;
	}
	k->stats.offloaded--;
	k->stats.ioeventfds -= c->nreg;
}

void offload_set_kvm(struct hvdb_kvm *k, struct offload_conn *c, int efd,
		     bool owned, const struct kvm_ioeventfd *reg, unsigned n)
{
	c->efd = efd;
	c->efd_owned = owned;
	c->nreg = n;
	memcpy(c->reg, reg, n * sizeof(*reg));
	c->path = HVDB_KVM_PATH_IOEVENTFD;
	efd_link(k, c);
	k->stats.userspace--;
	k->stats.offloaded++;
	k->stats.ioeventfds += n;
}

void offload_set_exit(struct hvdb_kvm *k, struct offload_conn *c)
{
	efd_unlink(k, c);
	if (c->efd_owned)
		close(c->efd);
	k->stats.offloaded--;
	k->stats.ioeventfds -= c->nreg;
	k->stats.userspace++;
	c->efd = -1;
	c->efd_owned = false;
	c->nreg = 0;
	c->path = HVDB_KVM_PATH_EXIT;
}

struct offload_conn *offload_find_id(struct hvdb_kvm *k, HV_CONNECTION_ID id)
{
	struct offload_conn *c;

	for (c = *by_id(k, id); c; c = c->next_id)
		if (c->trigger.connection_id == id)
			break;
	return c;
}

struct offload_conn *offload_find_efd(struct hvdb_kvm *k, int efd)
{
	struct offload_conn *c;

	for (c = *by_efd(k, efd); c; c = c->next_efd)
		if (c->efd == efd)
			break;
	return c;
}

struct offload_conn *offload_next(struct hvdb_kvm *k, struct offload_conn *c)
{
	unsigned b = 0;

	if (c) {
		if (c->next_id)
			return c->next_id;
		b = c->trigger.connection_id % ATTACH_BUCKETS + 1;
	}
	for (; b < ATTACH_BUCKETS; b++)
		if (k->by_id[b])
			return k->by_id[b];
	return NULL;
}

void offload_note_fires(struct hvdb_kvm *k, struct offload_conn *c,
			uint64_t count, uint64_t fired)
{
	k->stats.offloaded_fires += fired;
	k->stats.offloaded_drops += count - fired;
	if (c) {
		c->fires += fired;
		c->drops += count - fired;
	}
}

void offload_deassign(struct hvdb_kvm *k, struct offload_conn *c)
{
	for (unsigned i = 0; i < c->nreg; i++)
		/* Same identity as assigned, plus DEASSIGN. */
		if (offload_ioeventfd(k, &c->reg[i], true) < 0)
			attach_debug(k, "conn %u: deassign %u failed",
				     c->trigger.connection_id, i);
}

/* Moves (c) from its ioeventfds to the exit path: deassigns exactly what
 * was assigned. It stays in the by_efd chain, so signals still pending in
 * its eventfd are accounted (as drops, once its port is deleted). Called
 * under the hvdb lock, without k->lock. */
static void offload_demote(struct hvdb_kvm *k, struct offload_conn *c)
{
	offload_deassign(k, c);
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
	pthread_mutex_lock(&k->change);
	/* First the page: from here on every write to it reaches an
	 * ioeventfd or the MMIO path, never silently RAM. */
	pthread_mutex_lock(&k->lock);
	rc = rampage_ref(k, trigger->gpa, &c->ram_page);
	pthread_mutex_unlock(&k->lock);
	if (rc < 0)
		goto err_free;
	/* Without its exit counter it is never promoted: not an error. */
	if (adaptive_track(k, trigger->connection_id) < 0)
		c->no_promote = true;
	offload_try(k, c);
	pthread_mutex_lock(&k->lock);
	adaptive_baseline(k, c);
	conn_link(k, c);
	pthread_mutex_unlock(&k->lock);
	pthread_mutex_unlock(&k->change);
	*cookie = c;
	return 0;

err_free:
	pthread_mutex_unlock(&k->change);
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
	pthread_mutex_lock(&k->change);
	offload_deassign(k, c);
	pthread_mutex_lock(&k->lock);
	/* The kernel signals no more: what our own eventfd still holds
	 * came before this disconnect returns, and is counted now. */
	adaptive_release(k, c);
	if (c->ram_page)
		rampage_unref(k, c->trigger.gpa);
	conn_unlink(k, c);
	pthread_mutex_unlock(&k->lock);
	pthread_mutex_unlock(&k->change);
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
	/* Not while a maintenance pass moves it. */
	pthread_mutex_lock(&k->change);
	pthread_mutex_lock(&k->lock);
	c->port_deleted = true;
	pthread_mutex_unlock(&k->lock);
	if (c->path == HVDB_KVM_PATH_IOEVENTFD)
		offload_demote(k, c);
	pthread_mutex_unlock(&k->change);
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
	offload_note_fires(k, on_efd == 1 ? first : NULL, count,
			   (uint64_t)fired);
out:
	pthread_mutex_unlock(&k->lock);
	return fired;
}

int offload_connection_get(struct hvdb_kvm *k, HV_CONNECTION_ID id,
			   struct hvdb_kvm_connection *out)
{
	struct offload_conn *c;

	pthread_mutex_lock(&k->lock);
	c = offload_find_id(k, id);
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
