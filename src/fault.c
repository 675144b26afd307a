/* fault.c - fault points: the n-th one passed after hvdb_fault_arm fails. */
#include <stdlib.h>

#include "fault.h"
#include "hv.h"

#define FAULT_NAME_(e, name) [HVDB_FAULT_##e] = name,
static const char *const fault_site_names[] = { HVDB_FAULT_SITES(FAULT_NAME_) };
#undef FAULT_NAME_

const char *hvdb_fault_site_name(enum hvdb_fault_site site)
{
	if ((unsigned)site >= HVDB_FAULT_MAX)
		return "?";
	return fault_site_names[site];
}

void hvdb_fault_arm(struct hvdb *hv, uint64_t nth)
{
	__atomic_store_n(&hv->fault.count, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&hv->fault.nth, nth, __ATOMIC_RELAXED);
}

uint64_t hvdb_fault_count(struct hvdb *hv)
{
	return __atomic_load_n(&hv->fault.count, __ATOMIC_RELAXED);
}

bool hvdb_fault_hit(struct hvdb *hv, enum hvdb_fault_site site)
{
	(void)site; /* one sequence over all sites, as SQLite's walk */
	uint64_t n = __atomic_add_fetch(&hv->fault.count, 1, __ATOMIC_RELAXED);
	uint64_t nth = __atomic_load_n(&hv->fault.nth, __ATOMIC_RELAXED);

	return nth != 0 && n == nth;
}

void *fault_zalloc(struct hvdb *hv, enum hvdb_fault_site site, size_t size)
{
	if (hvdb_fault_hit(hv, site))
		return NULL;
	return calloc(1, size);
}
