/* reason.h - setting a refusal's status and reason in one step. */
#ifndef HVDB_REASON_H
#define HVDB_REASON_H

#include <hvdb/hvdb.h>

/* Every validator ends with `return reason_refuse(reason, STATUS, R)`. */
static inline HV_STATUS reason_refuse(enum hvdb_reason *reason,
				      HV_STATUS status, enum hvdb_reason why)
{
	*reason = why;
	return status;
}

static inline HV_STATUS reason_ok(enum hvdb_reason *reason)
{
	*reason = HVDB_REASON_NONE;
	return HV_STATUS_SUCCESS;
}

#endif
