/* reason.c - names of statuses and reasons, from the one list in hvdb.h. */
#include <hvdb/hvdb.h>

#include "reason.h"

#define REASON_NAME_(e, name, msg) [HVDB_REASON_##e] = name,
static const char *const reason_names[] = { HVDB_REASONS(REASON_NAME_) };
#undef REASON_NAME_

#define REASON_MSG_(e, name, msg) [HVDB_REASON_##e] = msg,
static const char *const reason_messages[] = { HVDB_REASONS(REASON_MSG_) };
#undef REASON_MSG_

const char *hvdb_reason_name(enum hvdb_reason reason)
{
	if ((unsigned)reason >= HVDB_REASON_MAX)
		return "?";
	return reason_names[reason];
}

const char *hvdb_reason_message(enum hvdb_reason reason)
{
	if ((unsigned)reason >= HVDB_REASON_MAX)
		return "?";
	return reason_messages[reason];
}

#define STATUS_ROW_(s) { HV_STATUS_##s, "HV_STATUS_" #s },
static const struct {
	HV_STATUS status;
	const char *name;
} status_names[] = { REASON_STATUSES(STATUS_ROW_) };
#undef STATUS_ROW_

const char *hvdb_status_name(HV_STATUS status)
{
	for (unsigned i = 0; i < sizeof(status_names) / sizeof(status_names[0]);
	     i++)
		if (status_names[i].status == status)
			return status_names[i].name;
	return NULL;
}
