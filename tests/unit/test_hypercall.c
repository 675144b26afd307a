/* test_hypercall.c - SPEC §3 raw hypercalls: hvdb_hypercall() takes the
 * four calls as the little-endian input bytes of SPEC §1. Wrong length is
 * INVALID_HYPERCALL_INPUT bad-input-length, an unknown code is
 * INVALID_HYPERCALL_CODE unknown-hypercall-code. (Every rule of each call
 * also runs through this path in the test_<call>_port tables.) */
#include "helpers.h"

#define SIZE_(s) HV_DOORBELL_FLAG_TRIGGER_SIZE_##s

/* Issues (call) as raw bytes by (caller) of (len) bytes. */
static HV_STATUS raw(struct guest *g, const struct hv_call *call, size_t len,
		     enum hvdb_reason *reason)
{
	uint8_t buf[96];

	memset(buf, 0, sizeof(buf));
	call_encode(call, buf);
	*reason = HVDB_REASON_NONE;
	return hvdb_hypercall(g->hv, call->caller, call_op_code(call->op), buf,
			      len, reason);
}

/* Issues (call) with its exact length and asserts success. */
static void raw_ok(struct guest *g, const struct hv_call *call)
{
	uint8_t buf[96];
	enum hvdb_reason reason;

	assert_status(raw(g, call, call_encode(call, buf), &reason), reason,
		      HV_STATUS_SUCCESS, "ok");
}

/* SPEC §1/§3: each of the four codes with correct bytes succeeds; the
 * fields arrive little-endian at their offsets. */
static void test_hypercall_each_code_succeeds(void **state)
{
	struct hvdb_connection_desc d;
	struct hvdb_port_desc port;
	struct hv_call call;
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	base_create_port(&g, &call);
	call.in.create.PortId = 0xABCDEF;
	call.in.create.PortInfo.DoorbellPortInfo.TargetSint = 0xE;
	raw_ok(&g, &call);
	assert_true(find_port_desc(g.hv, 0xABCDEF, &port));
	assert_int_equal(port.target_sint, 0xE);
	assert_int_equal(port.connection_partition, GUEST_ID);

	call.op = HV_OP_CONNECT_PORT;
	call.in.connect = connect_port_input(&g, 0x123456, 0xABCDEF,
					     0x0000123456789000ull);
	call.in.connect.ConnectionInfo.DoorbellConnectionInfo.Flags =
		SIZE_(QWORD);
	call.in.connect.ConnectionInfo.DoorbellConnectionInfo.TriggerValue =
		0x1122334455667788ull;
	raw_ok(&g, &call);
	assert_true(find_connection_desc(g.hv, GUEST_ID, 0x123456, &d));
	assert_int_equal(d.port_id, 0xABCDEF);
	assert_int_equal(d.info.DoorbellConnectionInfo.GuestPhysicalAddress,
			 0x0000123456789000ull);
	assert_write(&g, GUEST_ID, 0x0000123456789000ull, 8,
		     0x1122334455667788ull, HVDB_WRITE_FIRE, 0x123456);

	call.op = HV_OP_DISCONNECT_PORT;
	call.in.disconnect = disconnect_port_input(&g, 0x123456);
	raw_ok(&g, &call);
	assert_false(find_connection_desc(g.hv, GUEST_ID, 0x123456, NULL));

	call.op = HV_OP_DELETE_PORT;
	call.in.del = delete_port_input(0xABCDEF);
	raw_ok(&g, &call);
	assert_false(find_port_desc(g.hv, 0xABCDEF, NULL));
	teardown(&g);
}

/* SPEC §3: (len) other than the input size of the code is refused with
 * INVALID_HYPERCALL_INPUT bad-input-length and changes nothing. */
static void test_hypercall_wrong_length(void **state)
{
	static void (*const bases[])(struct guest *, struct hv_call *) = {
		base_create_port,
		base_connect_port,
		base_disconnect_port,
		base_delete_port,
	};
	static const size_t lens[] = { 0,  1,  8,  15, 17, 24,
				       32, 55, 57, 71, 73, 96 };
	uint8_t buf[96];
	enum hvdb_reason reason;
	struct hv_call call;
	struct guest g;
	size_t i, j, right;
	char *before;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bases); i++) {
		hv_with_guest(&g);
		bases[i](&g, &call);
		right = call_encode(&call, buf);
		for (j = 0; j < ARRAY_SIZE(lens); j++) {
			if (lens[j] == right)
				continue;
			before = state_digest(g.hv);
			assert_status(raw(&g, &call, lens[j], &reason), reason,
				      HV_STATUS_INVALID_HYPERCALL_INPUT,
				      "bad-input-length");
			assert_state_unchanged(g.hv, before);
		}
		raw_ok(&g, &call);
		teardown(&g);
	}
}

/* SPEC §3: a code that is not one of the four port calls is
 * INVALID_HYPERCALL_CODE unknown-hypercall-code, whatever the length. */
static void test_hypercall_unknown_code(void **state)
{
	static const uint16_t codes[] = { 0x0000, 0x0001, 0x0057, 0x0059,
					  0x005A, 0x005C, 0x0094, 0x0097,
					  0x0158, 0xFFFF };
	static const size_t lens[] = { 0, 16, 56, 72 };
	uint8_t buf[72];
	enum hvdb_reason reason;
	struct guest g;
	size_t i, j;
	char *before;

	(void)state;
	hv_with_guest(&g);
	port_create(&g, PORT_ID);
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < ARRAY_SIZE(codes); i++) {
		for (j = 0; j < ARRAY_SIZE(lens); j++) {
			before = state_digest(g.hv);
			reason = HVDB_REASON_NONE;
			assert_status(hvdb_hypercall(g.hv, ROOT_ID, codes[i],
						     buf, lens[j], &reason),
				      reason, HV_STATUS_INVALID_HYPERCALL_CODE,
				      "unknown-hypercall-code");
			assert_state_unchanged(g.hv, before);
		}
	}
	teardown(&g);
}

/* SPEC §1/§3: HV_PARTITION_ID_SELF in the raw bytes is the caller's
 * partition: the root's for a port, the guest's for its connection. */
static void test_hypercall_self_honoured(void **state)
{
	struct hv_call call;
	struct guest g;

	(void)state;
	hv_with_guest_opts(&g, &guest_with_connect_privilege);
	base_create_port(&g, &call);
	call.in.create.PortPartition = HV_PARTITION_ID_SELF;
	raw_ok(&g, &call);
	assert_true(find_port_desc(g.hv, PORT_ID, NULL));

	call.op = HV_OP_CONNECT_PORT;
	call.caller = GUEST_ID;
	call.in.connect =
		connect_port_input(&g, CONN_ID, PORT_ID, DOORBELL_GPA);
	call.in.connect.ConnectionPartition = HV_PARTITION_ID_SELF;
	raw_ok(&g, &call);
	assert_true(find_connection_desc(g.hv, GUEST_ID, CONN_ID, NULL));

	call.op = HV_OP_DISCONNECT_PORT;
	call.in.disconnect = disconnect_port_input(&g, CONN_ID);
	call.in.disconnect.ConnectionPartition = HV_PARTITION_ID_SELF;
	raw_ok(&g, &call);
	assert_false(find_connection_desc(g.hv, GUEST_ID, CONN_ID, NULL));
	teardown(&g);
}

/* SPEC §1: DisconnectPort Flags bit 0 (IsDoorbell) may be 0 or 1; each of
 * bits 1-31 is reserved: INVALID_PARAMETER reserved-nonzero. */
static void test_hypercall_disconnect_flags(void **state)
{
	enum hvdb_reason reason;
	struct hv_call call;
	struct guest g;
	unsigned bit;
	uint8_t buf[16];
	char *before;

	(void)state;
	hv_with_guest(&g);
	base_disconnect_port(&g, &call);
	for (bit = 1; bit < 32; bit++) {
		call.in.disconnect.Flags = 1u << bit;
		before = state_digest(g.hv);
		assert_status(raw(&g, &call, 16, &reason), reason,
			      HV_STATUS_INVALID_PARAMETER, "reserved-nonzero");
		call.in.disconnect.Flags |= HV_DISCONNECT_PORT_FLAG_IS_DOORBELL;
		assert_status(raw(&g, &call, 16, &reason), reason,
			      HV_STATUS_INVALID_PARAMETER, "reserved-nonzero");
		assert_state_unchanged(g.hv, before);
	}
	call.in.disconnect.Flags = HV_DISCONNECT_PORT_FLAG_IS_DOORBELL;
	assert_int_equal(call_encode(&call, buf), 16);
	raw_ok(&g, &call);
	assert_false(find_connection_desc(g.hv, GUEST_ID, CONN_ID, NULL));
	teardown(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hypercall_each_code_succeeds),
		cmocka_unit_test(test_hypercall_wrong_length),
		cmocka_unit_test(test_hypercall_unknown_code),
		cmocka_unit_test(test_hypercall_self_honoured),
		cmocka_unit_test(test_hypercall_disconnect_flags),
	};

	return cmocka_run_group_tests_name("hypercall", tests, NULL, NULL);
}
