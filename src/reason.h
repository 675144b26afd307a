/* reason.h - setting a refusal's status and reason in one step. */
#ifndef HVDB_REASON_H
#define HVDB_REASON_H

#include <hvdb/hvdb.h>

/* Every HV_STATUS_* of hvdef.h, by its name without the prefix: the one
 * list hvdb_status_name() and hvdb_hresult_name() are made from. */
/* clang-format off */
#define REASON_STATUSES(X)                                                     \
	X(SUCCESS) X(INVALID_HYPERCALL_CODE) X(INVALID_HYPERCALL_INPUT)        \
	X(INVALID_ALIGNMENT) X(INVALID_PARAMETER) X(ACCESS_DENIED)             \
	X(INVALID_PARTITION_STATE) X(OPERATION_DENIED)                         \
	X(INSUFFICIENT_MEMORY) X(INVALID_PARTITION_ID) X(INVALID_VP_INDEX)     \
	X(INVALID_PORT_ID) X(INVALID_CONNECTION_ID) X(OBJECT_IN_USE)
/* clang-format on */

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
