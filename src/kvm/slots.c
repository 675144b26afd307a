/* slots.c - hvdb_kvm_slots: a ready memory hook for RAM doorbells, for a
 * VMM that hands libhvdb-kvm its RAM and a range of memory slot ids. Each
 * range is mapped as runs of ordinary and KVM_MEM_READONLY slots. */
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <hvdb/kvm.h>

#define PAGE_MASK_ (~(uint64_t)(HVDB_PAGE_SIZE - 1))

/* One range of guest RAM and the memory slots now covering it. */
struct slots_range {
	hvdb_gpa_t gpa;
	uint64_t size;
	uint8_t *host;
	bool fixed;	/* never split: no RAM doorbells here */
	hvdb_gpa_t *ro; /* read-only pages, sorted */
	size_t ro_count, ro_cap;
	uint32_t *slots; /* slot ids now mapping it */
	size_t slot_count;
};

struct hvdb_kvm_slots {
	int vm_fd;
	bool readonly_mem; /* KVM_CAP_READONLY_MEM */
	uint32_t first, count;
	pthread_mutex_t lock; /* everything below */
	uint8_t *slot_used;   /* [count] */
	struct slots_range *range;
	size_t range_count, range_cap;
};

static int vm_ioctl(struct hvdb_kvm_slots *s, unsigned long req, void *arg)
{
	return ioctl(s->vm_fd, req, arg) < 0 ? -errno : 0;
}

int hvdb_kvm_slots_create(int vm_fd, uint32_t first, uint32_t count,
			  struct hvdb_kvm_slots **out)
{
	struct hvdb_kvm_slots *s;
	int n;

	if (vm_fd < 0)
		return -EINVAL;
	if (!count) {
		n = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
		/* KVM documents 32 slots when the capability is absent. */
		n = n > 0 ? n : 32;
		if ((uint32_t)n <= first)
			return -EINVAL;
		count = (uint32_t)n - first;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->slot_used = calloc(count, 1);
	if (!s->slot_used || pthread_mutex_init(&s->lock, NULL)) {
		free(s->slot_used);
		free(s);
		return -ENOMEM;
	}
	s->vm_fd = vm_fd;
	s->first = first;
	s->count = count;
	s->readonly_mem =
		ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0;
	*out = s;
	return 0;
}

void hvdb_kvm_slots_destroy(struct hvdb_kvm_slots *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->range_count; i++) {
		free(s->range[i].ro);
		free(s->range[i].slots);
	}
	free(s->range);
	free(s->slot_used);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* Maps [gpa, gpa+size) of (r) with a new slot. Called with the lock. */
static int slot_add(struct hvdb_kvm_slots *s, struct slots_range *r,
		    hvdb_gpa_t gpa, uint64_t size, bool readonly)
{
	struct kvm_userspace_memory_region m = {
		.flags = readonly ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr =
			(uint64_t)(uintptr_t)(r->host + (gpa - r->gpa)),
	};
	uint32_t i;
	int rc;

	for (i = 0; i < s->count && s->slot_used[i]; i++)
		;
	if (i == s->count)
		return -ENOSPC;
	m.slot = s->first + i;
	rc = vm_ioctl(s, KVM_SET_USER_MEMORY_REGION, &m);
	if (rc < 0)
		return rc;
	s->slot_used[i] = 1;
	r->slots[r->slot_count++] = m.slot;
	return 0;
}

/* Deletes every slot of (r). Called with the lock. */
static void slots_drop(struct hvdb_kvm_slots *s, struct slots_range *r)
{
	struct kvm_userspace_memory_region m = { 0 };

	while (r->slot_count) {
		m.slot = r->slots[--r->slot_count];
		/* Deleting a slot that exists only fails on a broken VM;
		 * nothing better to do than forget it. */
		(void)vm_ioctl(s, KVM_SET_USER_MEMORY_REGION, &m);
		s->slot_used[m.slot - s->first] = 0;
	}
}

/* Maps (r) again as runs of ordinary and read-only slots. While this runs,
 * guest accesses to (r) exit as MMIO and the VMM serves them from the
 * backing memory, so the guest sees no gap. Called with the lock. */
static int layout(struct hvdb_kvm_slots *s, struct slots_range *r)
{
	hvdb_gpa_t at = r->gpa, end = r->gpa + r->size;
	size_t i = 0;
	int rc;

	slots_drop(s, r);
	while (at < end) {
		hvdb_gpa_t ro_start = i < r->ro_count ? r->ro[i] : end;
		hvdb_gpa_t ro_end = ro_start;

		if (at < ro_start) {
			rc = slot_add(s, r, at, ro_start - at, false);
			if (rc < 0)
				return rc;
		}
		while (i < r->ro_count && r->ro[i] == ro_end) {
			ro_end += HVDB_PAGE_SIZE;
			i++;
		}
		if (ro_end > ro_start) {
			rc = slot_add(s, r, ro_start, ro_end - ro_start, true);
			if (rc < 0)
				return rc;
		}
		at = ro_end > ro_start ? ro_end : end;
	}
	return 0;
}

/* Room for one more range. Called with the lock. 0 or -ENOMEM. */
static int ranges_grow(struct hvdb_kvm_slots *s)
{
	struct slots_range *grown;

	if (s->range_count < s->range_cap)
		return 0;
	grown = realloc(s->range, (s->range_cap * 2 + 4) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->range = grown;
	s->range_cap = s->range_cap * 2 + 4;
	return 0;
}

int hvdb_kvm_slots_add(struct hvdb_kvm_slots *s, hvdb_gpa_t gpa, uint64_t size,
		       void *host, bool fixed)
{
	struct slots_range *r;
	uint64_t end;
	int rc;

	if (!size || (gpa | size | (uintptr_t)host) & ~PAGE_MASK_ ||
	    __builtin_add_overflow(gpa, size, &end))
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	rc = -EINVAL;
	for (size_t i = 0; i < s->range_count; i++)
		if (gpa < s->range[i].gpa + s->range[i].size &&
		    s->range[i].gpa < end)
			goto out;
	rc = ranges_grow(s);
	if (rc < 0)
		goto out;
	r = &s->range[s->range_count];
	memset(r, 0, sizeof(*r));
	/* A range never needs more slots than one per page run plus one. */
	r->slots = calloc(size / HVDB_PAGE_SIZE + 1, sizeof(*r->slots));
	rc = -ENOMEM;
	if (!r->slots)
		goto out;
	r->gpa = gpa;
	r->size = size;
	r->host = host;
	r->fixed = fixed;
	rc = layout(s, r);
	if (rc < 0) {
		slots_drop(s, r);
		free(r->slots);
		goto out;
	}
	s->range_count++;
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static struct slots_range *range_of(struct hvdb_kvm_slots *s, hvdb_gpa_t gpa)
{
	for (size_t i = 0; i < s->range_count; i++)
		if (gpa >= s->range[i].gpa &&
		    gpa - s->range[i].gpa < s->range[i].size)
			return &s->range[i];
	return NULL;
}

/* Index of the first read-only page >= (page) in (r). */
static size_t ro_find(const struct slots_range *r, hvdb_gpa_t page)
{
	size_t i = 0;

	while (i < r->ro_count && r->ro[i] < page)
		i++;
	return i;
}

/* Adds (page) at (i) of r->ro. Called with the lock. 0 or -ENOMEM. */
static int ro_insert(struct slots_range *r, size_t i, hvdb_gpa_t page)
{
	hvdb_gpa_t *grown;

	if (r->ro_count == r->ro_cap) {
		grown = realloc(r->ro, (r->ro_cap * 2 + 4) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		r->ro = grown;
		r->ro_cap = r->ro_cap * 2 + 4;
	}
	memmove(&r->ro[i + 1], &r->ro[i], (r->ro_count - i) * sizeof(*r->ro));
	r->ro[i] = page;
	r->ro_count++;
	return 0;
}

static void ro_remove(struct slots_range *r, size_t i)
{
	memmove(&r->ro[i], &r->ro[i + 1], (--r->ro_count - i) * sizeof(*r->ro));
}

/* struct hvdb_kvm_memory_ops.set_page_readonly for a slot table. */
static int slots_set_page_readonly(void *opaque, hvdb_gpa_t page, bool readonly)
{
	struct hvdb_kvm_slots *s = opaque;
	struct slots_range *r;
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	r = range_of(s, page);
	if (!r || r->fixed)
		goto out;
	rc = -ENOTSUP;
	if (!s->readonly_mem)
		goto out;
	i = ro_find(r, page);
	if ((i < r->ro_count && r->ro[i] == page) == readonly) {
		rc = 1; /* already so */
		goto out;
	}
	if (readonly) {
		rc = ro_insert(r, i, page);
		if (rc < 0)
			goto out;
	} else {
		ro_remove(r, i);
	}
	rc = layout(s, r);
	if (rc < 0 && readonly) {
		ro_remove(r, i);
		/* Best effort: an unmapped stretch still behaves as RAM
		 * through the MMIO path. */
		(void)layout(s, r);
	}
	rc = rc < 0 ? rc : 1;
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static const struct hvdb_kvm_memory_ops slots_ops = {
	.set_page_readonly = slots_set_page_readonly,
};

const struct hvdb_kvm_memory_ops *hvdb_kvm_slots_ops(void)
{
	return &slots_ops;
}

bool hvdb_kvm_slots_page_is_readonly(struct hvdb_kvm_slots *s, hvdb_gpa_t gpa)
{
	struct slots_range *r;
	bool ro = false;
	size_t i;

	pthread_mutex_lock(&s->lock);
	r = range_of(s, gpa);
	if (r) {
		i = ro_find(r, gpa & PAGE_MASK_);
		ro = i < r->ro_count && r->ro[i] == (gpa & PAGE_MASK_);
	}
	pthread_mutex_unlock(&s->lock);
	return ro;
}
