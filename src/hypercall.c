/* hypercall.c - the four port calls from raw input bytes: decode, then
 * dispatch (one struct, one switch). */
#include <string.h>

#include "reason.h"

struct hvdb_hcall {
	uint16_t code;
	union {
		HV_INPUT_CREATE_PORT create;
		HV_INPUT_CONNECT_PORT connect;
		HV_INPUT_DISCONNECT_PORT disconnect;
		HV_INPUT_DELETE_PORT delete_port;
	} in;
};

size_t hvdb_hypercall_input_size(uint16_t code)
{
	switch (code) {
	case HVCALL_CREATE_PORT:
		return sizeof(HV_INPUT_CREATE_PORT);
	case HVCALL_CONNECT_PORT:
		return sizeof(HV_INPUT_CONNECT_PORT);
	case HVCALL_DISCONNECT_PORT:
		return sizeof(HV_INPUT_DISCONNECT_PORT);
	case HVCALL_DELETE_PORT:
		return sizeof(HV_INPUT_DELETE_PORT);
	default:
		return 0;
	}
}

HV_STATUS hvdb_hypercall(struct hvdb *hv, uint64_t caller, uint16_t code,
			 const void *input, size_t len,
			 enum hvdb_reason *reason)
{
	const size_t want = hvdb_hypercall_input_size(code);
	enum hvdb_reason unused;
	struct hvdb_hcall call;

	if (!reason)
		reason = &unused;
	if (want == 0)
		return reason_refuse(reason, HV_STATUS_INVALID_HYPERCALL_CODE,
				     HVDB_REASON_UNKNOWN_HYPERCALL_CODE);
	if (len != want || !input)
		return reason_refuse(reason, HV_STATUS_INVALID_HYPERCALL_INPUT,
				     HVDB_REASON_BAD_INPUT_LENGTH);
	/* The input structs are the little-endian ABI layout (hvdef.h). */
	call.code = code;
	memcpy(&call.in, input, len);

	switch (call.code) {
	case HVCALL_CREATE_PORT:
		return hvdb_port_create(hv, caller, &call.in.create, reason);
	case HVCALL_CONNECT_PORT:
		return hvdb_port_connect(hv, caller, &call.in.connect, reason);
	case HVCALL_DISCONNECT_PORT:
		return hvdb_port_disconnect(hv, caller, &call.in.disconnect,
					    reason);
	default: /* HVCALL_DELETE_PORT, the last code with an input size */
		return hvdb_port_delete(hv, caller, &call.in.delete_port,
					reason);
	}
}
