/* rampage.c - pages of guest RAM held read-only for RAM doorbells,
 * counted here, changed by the VMM's hook (struct hvdb_kvm_memory_ops). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rampage.h"

#define PAGE_MASK_ (~(uint64_t)(HVDB_PAGE_SIZE - 1))

struct rampage {
	hvdb_gpa_t page;
	uint32_t refs; /* connections on the page */
};

/* Index of the first held page >= (page). */
static size_t find(const struct hvdb_kvm *k, hvdb_gpa_t page)
{
	size_t i = 0;

	while (i < k->page_count && k->pages[i].page < page)
		i++;
	return i;
}

/* Room for one more page. 0 or -ENOMEM. */
static int grow(struct hvdb_kvm *k)
{
	struct rampage *grown;

	if (k->page_count < k->page_cap)
		return 0;
	if (attach_fault(k, ATTACH_FAULT_ALLOC))
		return -ENOMEM;
	grown = realloc(k->pages, (k->page_cap * 2 + 4) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	k->pages = grown;
	k->page_cap = k->page_cap * 2 + 4;
	return 0;
}

int rampage_ref(struct hvdb_kvm *k, hvdb_gpa_t gpa, bool *held)
{
	const struct hvdb_kvm_memory_ops *ops = k->opt.memory;
	hvdb_gpa_t page = gpa & PAGE_MASK_;
	size_t i = find(k, page);
	int rc;

	*held = false;
	if (!ops)
		return 0;
	if (i < k->page_count && k->pages[i].page == page) {
		k->pages[i].refs++;
		*held = true;
		return 0;
	}
	rc = grow(k);
	if (rc < 0)
		return rc;
	rc = attach_fault(k, ATTACH_FAULT_MEMORY_HOOK)
		     ? -EIO
		     : ops->set_page_readonly(k->opt.memory_opaque, page, true);
	if (rc <= 0)
		return rc; /* not RAM (0), or the VMM could not (-errno) */
	memmove(&k->pages[i + 1], &k->pages[i],
		(k->page_count - i) * sizeof(*k->pages));
	k->pages[i] = (struct rampage){ .page = page, .refs = 1 };
	k->page_count++;
	k->stats.ram_pages++;
	attach_debug(k, "page %#llx is read-only (RAM doorbell)",
		     (unsigned long long)page);
	*held = true;
	return 0;
}

void rampage_unref(struct hvdb_kvm *k, hvdb_gpa_t gpa)
{
	hvdb_gpa_t page = gpa & PAGE_MASK_;
	size_t i = find(k, page);

	if (i == k->page_count || k->pages[i].page != page ||
	    --k->pages[i].refs)
		return;
	memmove(&k->pages[i], &k->pages[i + 1],
		(--k->page_count - i) * sizeof(*k->pages));
	k->stats.ram_pages--;
	/* The page goes back whatever the hook says: a VMM that cannot
	 * remap it keeps serving its writes as RAM on the exit path. */
	if (k->opt.memory->set_page_readonly(k->opt.memory_opaque, page,
					     false) < 0)
		attach_debug(k, "page %#llx: making it writable failed",
			     (unsigned long long)page);
	else
		attach_debug(k, "page %#llx is ordinary RAM again",
			     (unsigned long long)page);
}
