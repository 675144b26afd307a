/* attach.c - the public face of libhvdb-kvm: attach a partition to a VM,
 * options, statistics, the exit path and accounting. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <hvdb/testing.h>
#include <hvdb/backend.h>

#include "adaptive.h"
#include "attach.h"
#include "offload.h"

static const char *const fault_site_names[] = {
	[ATTACH_FAULT_EVENTFD] = "kvm-eventfd",
	[ATTACH_FAULT_IOCTL] = "kvm-ioctl",
	[ATTACH_FAULT_ALLOC] = "kvm-alloc",
	[ATTACH_FAULT_MEMORY_HOOK] = "kvm-memory-hook",
};

bool attach_fault(struct hvdb_kvm *k, enum attach_fault_site site)
{
	if (!hvdb_fault_hit(k->hv, HVDB_FAULT_BACKEND))
		return false;
	attach_debug(k, "fault injected at %s", fault_site_names[site]);
	return true;
}

void attach_debug(struct hvdb_kvm *k, const char *fmt, ...)
{
	va_list ap;

	if (!k->opt.debug)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "hvdb: kvm: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int attach_vm_ioctl(struct hvdb_kvm *k, unsigned long request, void *arg)
{
	int rc;

	if (attach_fault(k, ATTACH_FAULT_IOCTL))
		return -EIO;
	rc = ioctl(k->vm_fd, request, arg);
	return rc < 0 ? -errno : rc;
}

uint64_t attach_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The adaptive knobs left 0 take their defaults (hvdb/kvm.h). */
static void adaptive_defaults(struct hvdb_kvm_options *o)
{
	if (!o->adaptive_max_ioeventfds)
		o->adaptive_max_ioeventfds = 256;
	if (!o->adaptive_promote_wps)
		o->adaptive_promote_wps = 50;
	if (!o->adaptive_pass_budget_us)
		o->adaptive_pass_budget_us = 2000;
	if (!o->adaptive_idle_ms)
		o->adaptive_idle_ms = 2000;
}

void hvdb_kvm_options_init(struct hvdb_kvm_options *o)
{
	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	o->policy = HVDB_KVM_OFFLOAD_ALL;
	o->offload_limit = HVDB_KVM_NO_LIMIT;
	adaptive_defaults(o);
}

static bool policy_known(enum hvdb_kvm_policy p)
{
	return p == HVDB_KVM_OFFLOAD_ALL || p == HVDB_KVM_OFFLOAD_NONE ||
	       p == HVDB_KVM_OFFLOAD_ADAPTIVE;
}

/* Copies (in) of in->size bytes over the defaults. 0 or -EINVAL. */
static int options_take(struct hvdb_kvm_options *o,
			const struct hvdb_kvm_options *in)
{
	const unsigned char *extra = (const unsigned char *)in + sizeof(*o);

	hvdb_kvm_options_init(o);
	if (!in)
		return 0;
	if (in->size <
	    offsetof(struct hvdb_kvm_options, policy) + sizeof(in->policy))
		return -EINVAL;
	/* A newer caller's fields we do not know must be zero. */
	for (size_t i = sizeof(*o); i < in->size; i++)
		if (extra[i - sizeof(*o)])
			return -EINVAL;
	memcpy(o, in, in->size < sizeof(*o) ? in->size : sizeof(*o));
	o->size = sizeof(*o);
	adaptive_defaults(o);
	if (!policy_known(o->policy))
		return -EINVAL;
	if (o->memory && !o->memory->set_page_readonly)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(o->reserved) / sizeof(o->reserved[0]);
	     i++)
		if (o->reserved[i])
			return -EINVAL;
	if (getenv("HVDB_DEBUG"))
		o->debug = true;
	return 0;
}

static bool check_cap(int vm_fd, long cap)
{
	return ioctl(vm_fd, KVM_CHECK_EXTENSION, cap) > 0;
}

int hvdb_kvm_attach(struct hvdb *hv, uint64_t partition, int vm_fd,
		    const struct hvdb_kvm_options *options,
		    struct hvdb_kvm **out)
{
	struct hvdb_kvm_options opt;
	struct hvdb_kvm *k;
	int rc;

	rc = options_take(&opt, options);
	if (rc < 0 || vm_fd < 0)
		return -EINVAL;
	if (hvdb_fault_hit(hv, HVDB_FAULT_BACKEND))
		return -ENOMEM;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->hv = hv;
	k->partition = partition;
	k->vm_fd = vm_fd;
	k->opt = opt;
	k->stats.size = sizeof(k->stats);
	k->cap_ioeventfd = check_cap(vm_fd, KVM_CAP_IOEVENTFD);
	k->cap_any_length = check_cap(vm_fd, KVM_CAP_IOEVENTFD_ANY_LENGTH);
	attach_debug(k, "partition %#llx: ioeventfd %d any-length %d",
		     (unsigned long long)partition, k->cap_ioeventfd,
		     k->cap_any_length);
	k->last_pass_ns = attach_now_ns();
	k->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (k->epfd < 0) {
		rc = -errno;
		goto err_free;
	}
	rc = pthread_mutex_init(&k->lock, NULL);
	if (rc) {
		rc = -rc;
		goto err_epoll;
	}
	rc = pthread_mutex_init(&k->change, NULL);
	if (rc) {
		rc = -rc;
		goto err_mutex;
	}
	rc = hvdb_partition_set_backend(hv, partition, &offload_ops, k);
	if (rc < 0)
		goto err_change;
	*out = k;
	return 0;

err_change:
	pthread_mutex_destroy(&k->change);
err_mutex:
	pthread_mutex_destroy(&k->lock);
err_epoll:
	close(k->epfd);
err_free:
	free(k);
	return rc;
}

void hvdb_kvm_detach(struct hvdb_kvm *k)
{
	if (!k)
		return;
	/* Clearing the backend detaches every connection (ioeventfds, pages)
	 * through offload_ops.detach; after hvdb_destroy nothing is left. */
	if (!k->released &&
	    hvdb_partition_set_backend(k->hv, k->partition, NULL, NULL) < 0)
		attach_debug(k, "partition %#llx: clearing the backend failed",
			     (unsigned long long)k->partition);
	pthread_mutex_destroy(&k->change);
	pthread_mutex_destroy(&k->lock);
	close(k->epfd);
	for (size_t i = 0; i < ATTACH_HITS_PAGES; i++)
		free(k->hits[i]);
	free(k->pages);
	free(k);
}

int hvdb_kvm_set_policy(struct hvdb_kvm *k, enum hvdb_kvm_policy policy)
{
	if (!policy_known(policy))
		return -EINVAL;
	pthread_mutex_lock(&k->lock);
	k->opt.policy = policy;
	pthread_mutex_unlock(&k->lock);
	return 0;
}

void hvdb_kvm_set_offload_limit(struct hvdb_kvm *k, uint32_t limit)
{
	pthread_mutex_lock(&k->lock);
	k->opt.offload_limit = limit;
	pthread_mutex_unlock(&k->lock);
}

int hvdb_kvm_mmio_write(struct hvdb_kvm *k, hvdb_gpa_t gpa, const void *data,
			uint32_t len, struct hvdb_write_outcome *out)
{
	const uint8_t *b = data;
	struct hvdb_write_outcome o;
	uint64_t value = 0;
	int rc;

	if (len < 1 || len > 8)
		return -EINVAL;
	for (uint32_t i = len; i--;)
		value = (value << 8) | b[i];
	rc = hvdb_write(k->hv, k->partition, gpa, len, value, &o);
	switch (rc) {
	case HVDB_WRITE_FIRE:
		__atomic_add_fetch(&k->exit_fires, 1, __ATOMIC_RELAXED);
		adaptive_count_exit(k, o.connection_id);
		break;
	case HVDB_WRITE_DROPPED:
		__atomic_add_fetch(&k->exit_drops, 1, __ATOMIC_RELAXED);
		adaptive_count_exit(k, o.connection_id);
		break;
	case HVDB_WRITE_MISS:
		__atomic_add_fetch(&k->exit_misses, 1, __ATOMIC_RELAXED);
		break;
	default:
		break;
	}
	if (out && (rc == HVDB_WRITE_FIRE || rc == HVDB_WRITE_DROPPED))
		*out = o;
	return rc;
}

int hvdb_kvm_maintain(struct hvdb_kvm *k)
{
	return adaptive_maintain(k);
}

int hvdb_kvm_notify_fd(struct hvdb_kvm *k)
{
	return k->epfd;
}

int64_t hvdb_kvm_poll(struct hvdb_kvm *k, hvdb_kvm_fired_fn fn, void *opaque)
{
	return adaptive_poll(k, fn, opaque);
}

int hvdb_kvm_set_path(struct hvdb_kvm *k, HV_CONNECTION_ID id,
		      enum hvdb_kvm_path path)
{
	if (path != HVDB_KVM_PATH_EXIT && path != HVDB_KVM_PATH_IOEVENTFD)
		return -EINVAL;
	return adaptive_set_path(k, id, path);
}

int64_t hvdb_kvm_account(struct hvdb_kvm *k, int eventfd, uint64_t count)
{
	return offload_account(k, eventfd, count);
}

int hvdb_kvm_get_stats(struct hvdb_kvm *k, struct hvdb_kvm_stats *stats)
{
	struct hvdb_kvm_stats s;
	uint32_t size = stats->size;

	if (size <
	    offsetof(struct hvdb_kvm_stats, ram_pages) + sizeof(s.ram_pages))
		return -EINVAL;
	pthread_mutex_lock(&k->lock);
	s = k->stats;
	pthread_mutex_unlock(&k->lock);
	s.exit_fires = __atomic_load_n(&k->exit_fires, __ATOMIC_RELAXED);
	s.exit_drops = __atomic_load_n(&k->exit_drops, __ATOMIC_RELAXED);
	s.exit_misses = __atomic_load_n(&k->exit_misses, __ATOMIC_RELAXED);
	memcpy(stats, &s, size < sizeof(s) ? size : sizeof(s));
	stats->size = size;
	return 0;
}

int hvdb_kvm_connection_get(struct hvdb_kvm *k, HV_CONNECTION_ID id,
			    struct hvdb_kvm_connection *out)
{
	struct hvdb_kvm_connection c = { .size = sizeof(c) };
	uint32_t size = out->size;
	int rc;

	if (size <
	    offsetof(struct hvdb_kvm_connection, eventfd) + sizeof(c.eventfd))
		return -EINVAL;
	rc = offload_connection_get(k, id, &c);
	if (rc < 0)
		return rc;
	memcpy(out, &c, size < sizeof(c) ? size : sizeof(c));
	out->size = size;
	return 0;
}
