/* fault.c - fault points: the n-th one passed after hvdb_fault_arm fails. */
#include <stdlib.h>

#include <urcu/uatomic.h>

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
	uatomic_set(&hv->fault.count, 0);
	uatomic_set(&hv->fault.nth, nth);
}

uint64_t hvdb_fault_count(struct hvdb *hv)
{
	return uatomic_read(&hv->fault.count);
}

bool hvdb_fault_hit(struct hvdb *hv, enum hvdb_fault_site site)
{
	(void)site; /* one sequence over all sites, as SQLite's walk */
	uint64_t n = uatomic_add_return(&hv->fault.count, 1);
	uint64_t nth = uatomic_read(&hv->fault.nth);

	return nth != 0 && n == nth;
}

void *fault_zalloc(struct hvdb *hv, enum hvdb_fault_site site, size_t size)
{
	if (hvdb_fault_hit(hv, site))
		return NULL;
	return calloc(1, size);
}
