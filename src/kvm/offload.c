/* offload.c - the KVM backend: each doorbell connection becomes exactly
 * the ioeventfds its trigger needs, or stays on the MMIO-exit path. */
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "memory.h"
#include "offload.h"
#include "vm.h"

#define OFFLOAD_BUCKETS 1024u
#define OFFLOAD_MAX_FDS 4u

/* One attached connection: its match identity and what was registered. */
struct offload_conn {
	struct hvdb_trigger trigger; /* identity, as attached */
	enum kvm_offload_path path;
	int efd;	/* what the ioeventfds signal; -1 on OFFLOAD_NONE */
	bool efd_owned; /* ours (the port had none), closed on detach */
	bool ram_page;	/* holds a read-only reference on its page */
	bool refused;	/* KVM or the fd table said no (not a policy) */
	unsigned nreg;
	struct kvm_ioeventfd reg[OFFLOAD_MAX_FDS]; /* exactly as assigned */
	struct offload_conn *next; /* hash chain; under kvm_offload.lock */
};

struct kvm_offload {
	pthread_mutex_t lock; /* the table and the stats */
	bool enabled;
	uint32_t limit;
	struct kvm_offload_stats stats;
	struct offload_conn *bucket[OFFLOAD_BUCKETS];
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
static int ioeventfd(struct kvm_vm *vm, struct kvm_ioeventfd *reg,
		     bool deassign)
{
	struct kvm_offload *o = vm->offload;
	struct kvm_ioeventfd r = *reg;
	uint64_t t0 = now_ns();
	int rc;

	if (deassign)
		r.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
	rc = kvm_vm_ioctl(vm, KVM_IOEVENTFD, &r);
	pthread_mutex_lock(&o->lock);
	if (deassign) {
		o->stats.unregistrations++;
		o->stats.unregister_ns += now_ns() - t0;
	} else {
		o->stats.registrations++;
		o->stats.register_ns += now_ns() - t0;
	}
	pthread_mutex_unlock(&o->lock);
	return rc < 0 ? rc : 0;
}

/* Why (c) cannot be offloaded, or NULL. */
static const char *refusal(struct kvm_vm *vm, const struct offload_conn *c)
{
	struct kvm_offload *o = vm->offload;

	if (!o->enabled)
		return "offload disabled";
	if (!vm->caps.ioeventfd)
		return "no KVM_CAP_IOEVENTFD";
	if (c->trigger.any_size && c->trigger.any_value &&
	    !vm->caps.ioeventfd_any_length)
		return "no length-0 ioeventfds";
	if (o->stats.offloaded >= o->limit)
		return "offload limit reached";
	return NULL;
}

/* Tries to put (c) on ioeventfds; on any failure undoes what it did and
 * leaves (c) on OFFLOAD_NONE, which is a normal outcome (STYLE 13). */
static void offload_try(struct kvm_vm *vm, struct offload_conn *c)
{
	const char *why = refusal(vm, c);
	unsigned i = 0;
	int rc = 0;

	if (why)
		goto fallback;
	c->efd = c->trigger.eventfd;
	if (c->efd < 0) {
		/* The port has no eventfd: signal one of our own, which
		 * whoever runs the VM drains (kvm_offload_lookup). */
		c->efd = hvdb_fault_hit(vm->hv, HVDB_FAULT_KVM_EVENTFD)
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
		rc = ioeventfd(vm, &c->reg[i], false);
		if (rc < 0)
			goto err_undo;
	}
	c->path = OFFLOAD_KVM;
	return;

err_undo:
	why = "KVM_IOEVENTFD refused";
	while (i--)
		if (ioeventfd(vm, &c->reg[i], true) < 0)
			kvm_vm_debug(vm, "conn %u: undo of ioeventfd %u failed",
				     c->trigger.connection_id, i);
	if (c->efd_owned)
		close(c->efd);
	c->efd = -1;
	c->efd_owned = false;
	c->nreg = 0;
fallback:
	c->refused = rc < 0 || !strcmp(why, "no eventfd");
	kvm_vm_debug(vm, "conn %u stays on the MMIO-exit path: %s (%s)",
		     c->trigger.connection_id, why,
		     rc < 0 ? strerror(-rc) : "-");
}

static struct offload_conn **bucket_of(struct kvm_offload *o,
				       HV_CONNECTION_ID id)
{
	return &o->bucket[id % OFFLOAD_BUCKETS];
}

/* hvdb_backend_ops.attach: called under the hvdb lock. */
static int offload_attach(void *opaque, const struct hvdb_trigger *trigger,
			  void **cookie)
{
	struct kvm_vm *vm = opaque;
	struct kvm_offload *o = vm->offload;
	struct offload_conn *c, **b;
	int rc;

	if (hvdb_fault_hit(vm->hv, HVDB_FAULT_KVM_ALLOC))
		return -ENOMEM;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->trigger = *trigger;
	c->path = OFFLOAD_NONE;
	c->efd = -1;
	/* First the page: from here on every write to it reaches an
	 * ioeventfd or the MMIO path, never silently RAM. */
	rc = kvm_memory_page_ref(vm, trigger->gpa, &c->ram_page);
	if (rc < 0)
		goto err_free;
	offload_try(vm, c);
	pthread_mutex_lock(&o->lock);
	if (c->path == OFFLOAD_KVM) {
		o->stats.offloaded++;
		o->stats.ioeventfds += c->nreg;
	} else {
		o->stats.userspace++;
		o->stats.refused += c->refused;
	}
	b = bucket_of(o, trigger->connection_id);
	c->next = *b;
	*b = c;
	pthread_mutex_unlock(&o->lock);
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
	struct kvm_vm *vm = opaque;
	struct kvm_offload *o = vm->offload;
	struct offload_conn *c = cookie, **p;

	(void)trigger;
	for (unsigned i = 0; i < c->nreg; i++)
		/* Same identity as assigned, plus DEASSIGN. */
		if (ioeventfd(vm, &c->reg[i], true) < 0)
			kvm_vm_debug(vm, "conn %u: deassign %u failed",
				     c->trigger.connection_id, i);
	if (c->ram_page)
		kvm_memory_page_unref(vm, c->trigger.gpa);
	pthread_mutex_lock(&o->lock);
	for (p = bucket_of(o, c->trigger.connection_id); *p != c;
	     p = &(*p)->next)
		;
	*p = c->next;
	if (c->path == OFFLOAD_KVM) {
		o->stats.offloaded--;
		o->stats.ioeventfds -= c->nreg;
	} else {
		o->stats.userspace--;
	}
	pthread_mutex_unlock(&o->lock);
	if (c->efd_owned)
		close(c->efd);
	free(c);
}

static const struct hvdb_backend_ops offload_ops = {
	.attach = offload_attach,
	.detach = offload_detach,
};

int kvm_offload_create(struct kvm_vm *vm)
{
	struct kvm_offload *o;
	int rc;

	if (hvdb_fault_hit(vm->hv, HVDB_FAULT_KVM_ALLOC))
		return -ENOMEM;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	rc = pthread_mutex_init(&o->lock, NULL);
	if (rc) {
		free(o);
		return -rc;
	}
	o->enabled = true;
	o->limit = KVM_OFFLOAD_NO_LIMIT;
	vm->offload = o;
	return 0;
}

void kvm_offload_destroy(struct kvm_vm *vm)
{
	struct kvm_offload *o = vm->offload;

	if (!o)
		return;
	pthread_mutex_destroy(&o->lock);
	free(o);
	vm->offload = NULL;
}

int kvm_offload_register(struct kvm_vm *vm)
{
	return hvdb_partition_set_backend(vm->hv, vm->partition, &offload_ops,
					  vm);
}

void kvm_offload_unregister(struct kvm_vm *vm)
{
	/* Fails only while connections exist; the caller disconnected them,
	 * or is destroying the hypervisor anyway. */
	(void)hvdb_partition_set_backend(vm->hv, vm->partition, NULL, NULL);
}

void kvm_offload_set_enabled(struct kvm_vm *vm, bool enabled)
{
	vm->offload->enabled = enabled;
}

void kvm_offload_set_limit(struct kvm_vm *vm, uint32_t limit)
{
	vm->offload->limit = limit;
}

int kvm_offload_lookup(struct kvm_vm *vm, HV_CONNECTION_ID id,
		       enum kvm_offload_path *path, int *efd)
{
	struct kvm_offload *o = vm->offload;
	struct offload_conn *c;

	pthread_mutex_lock(&o->lock);
	for (c = *bucket_of(o, id); c; c = c->next)
		if (c->trigger.connection_id == id)
			break;
	if (c) {
		*path = c->path;
		*efd = c->efd;
	}
	pthread_mutex_unlock(&o->lock);
	return c ? 0 : -ENOENT;
}

void kvm_offload_get_stats(struct kvm_vm *vm, struct kvm_offload_stats *out)
{
	pthread_mutex_lock(&vm->offload->lock);
	*out = vm->offload->stats;
	pthread_mutex_unlock(&vm->offload->lock);
}

int kvm_offload_account(struct kvm_vm *vm, HV_PORT_ID port, uint64_t count,
			uint64_t *dropped)
{
	int rc = hvdb_port_account_offloaded(vm->hv, port, count);

	/* The port was deleted: its connections still catch their writes
	 * in the kernel, and those are dropped, not fired (SPEC §3). */
	if (rc == -ENOENT) {
		*dropped += count;
		return 0;
	}
	return rc;
}
