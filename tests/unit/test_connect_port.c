/* test_connect_port.c - SPEC §3 ConnectPort checks 2-14, their order and
 * boundaries (the access rule, check 1, is in test_access.c; the conflict
 * rule of check 13 in detail in test_conflict.c). Every row starts from
 * base_connect_port(): PORT_ID exists, offered to the guest, and root
 * connects CONN_ID at DOORBELL_GPA, DWORD, value 1. */
#include "helpers.h"

#define IN (&c->in.connect)
#define INFO (&c->in.connect.ConnectionInfo)
#define DB (&c->in.connect.ConnectionInfo.DoorbellConnectionInfo)
#define SIZE_(s) HV_DOORBELL_FLAG_TRIGGER_SIZE_##s
#define ANY_VALUE HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE
#define GPA_LIMIT_48 (1ull << 48)
#define PAGE_OFFSET(o) (DOORBELL_GPA + (o))

static const struct guest_opts guest_64_bits = {
	.id = GUEST_ID,
	.vp_count = GUEST_VPS,
	.gpa_bits = 64,
	.connection_limit = HVDB_DEFAULT_CONNECTION_LIMIT,
	.root_vp_count = ROOT_VPS,
};

static const struct guest_opts guest_limit_1 = {
	.id = GUEST_ID,
	.vp_count = GUEST_VPS,
	.gpa_bits = GUEST_GPA_BITS,
	.connection_limit = 1,
	.root_vp_count = ROOT_VPS,
};

static const struct guest_opts guest_limit_2 = {
	.id = GUEST_ID,
	.vp_count = GUEST_VPS,
	.gpa_bits = GUEST_GPA_BITS,
	.connection_limit = 2,
	.root_vp_count = ROOT_VPS,
};

/* SPEC §3: a doorbell may sit inside a RAM range, as WHP allows. */
static const struct hvdb_ram_range guest_ram[] = {
	{ DOORBELL_GPA, 0x100000 },
};

static const struct guest_opts guest_on_ram = {
	.id = GUEST_ID,
	.vp_count = GUEST_VPS,
	.gpa_bits = GUEST_GPA_BITS,
	.connection_limit = HVDB_DEFAULT_CONNECTION_LIMIT,
	.root_vp_count = ROOT_VPS,
	.ram = guest_ram,
	.ram_count = 1,
};

/* Sets the trigger of the call. */
static void trigger(struct hv_call *c, hvdb_gpa_t gpa, uint64_t flags,
		    uint64_t value)
{
	DB->GuestPhysicalAddress = gpa;
	DB->Flags = flags;
	DB->TriggerValue = value;
}

/* Another connection (CONN_ID + 1) on another page, to take up an id or
 * a slot of the connection limit without conflicting. */
MUTATE(other_connection,
       connect_port(g, CONN_ID + 1, PORT_ID, DOORBELL_GPA + 0x10000,
		    DEFAULT_FLAGS, DEFAULT_VALUE))
/* The call's own connection id is already in use (on another page). */
MUTATE(id_in_use, connect_port(g, CONN_ID, PORT_ID, DOORBELL_GPA + 0x10000,
			       DEFAULT_FLAGS, DEFAULT_VALUE))
/* A connection at the call's GPA with the call's exact trigger. */
MUTATE(same_trigger, connect_port(g, CONN_ID + 1, PORT_ID, DOORBELL_GPA,
				  DEFAULT_FLAGS, DEFAULT_VALUE))

/* §3 Connect 2: unknown partitions */
MUTATE(conn_partition_unknown, IN->ConnectionPartition = UNKNOWN_PARTITION_ID)
MUTATE(port_partition_unknown, IN->PortPartition = UNKNOWN_PARTITION_ID)

/* §3 Connect 3: 24-bit id, unique per partition */
MUTATE(id_max, IN->ConnectionId = HV_CONNECTION_ID_MASK)
MUTATE(id_bit24, IN->ConnectionId = HV_CONNECTION_ID_MASK + 1)
MUTATE(id_bit31, IN->ConnectionId = 0x80000000u | CONN_ID)
/* The same id in another partition is another connection. */
MUTATE(id_used_by_other_partition,
       HV_INPUT_CREATE_PORT p = create_port_input(g, PORT_ID + 1);
       HV_INPUT_CONNECT_PORT o = connect_port_input(g, CONN_ID, PORT_ID + 1,
						    DOORBELL_GPA);
       guest_add(g, OTHER_GUEST_ID, 0); p.ConnectionPartition = 0;
       port_create_in(g, ROOT_ID, &p); o.ConnectionPartition = OTHER_GUEST_ID;
       connect_port_in(g, ROOT_ID, &o))

/* §3 Connect 4: the port must exist */
MUTATE(port_unknown, IN->PortId = PORT_ID + 1)
MUTATE(port_id_bit24, IN->PortId = PORT_ID | (HV_PORT_ID_MASK + 1))
MUTATE(port_in_guest_partition, IN->PortPartition = g->id)

/* §3 Connect 5: the port names its connection partition */
MUTATE(port_offered_elsewhere,
       HV_INPUT_CREATE_PORT p = create_port_input(g, PORT_ID + 1);
       guest_add(g, OTHER_GUEST_ID, 0); p.ConnectionPartition = OTHER_GUEST_ID;
       port_create_in(g, ROOT_ID, &p); IN->PortId = PORT_ID + 1)
MUTATE(port_offered_to_any,
       HV_INPUT_CREATE_PORT p = create_port_input(g, PORT_ID + 1);
       p.ConnectionPartition = 0; port_create_in(g, ROOT_ID, &p);
       IN->PortId = PORT_ID + 1)

/* §3 Connect 6: ConnectionInfo.PortType is the port's (4) */
MUTATE(type_0, INFO->PortType = 0)
MUTATE(type_message, INFO->PortType = HvPortTypeMessage)
MUTATE(type_event, INFO->PortType = HvPortTypeEvent)
MUTATE(type_monitor, INFO->PortType = HvPortTypeMonitor)
MUTATE(type_5, INFO->PortType = 5)

/* §3 Connect 7: padding, VTL, reserved; §1 proximity ignored */
MUTATE(info_padding, INFO->Padding = 1)
MUTATE(connection_vtl, IN->ConnectionVtl = 1)
MUTATE(rsvd0, IN->Rsvd0 = 0x80)
MUTATE(rsvd1, IN->Rsvd1 = 1)
MUTATE(reserved, IN->Reserved = 0x80000000u)
MUTATE(proximity, IN->ProximityDomainInfo = 0xFFFFFFFFFFFFFFFFull)

/* §3 Connect 8: Flags bits outside 0x80000007 */
MUTATE(flag_bit3, DB->Flags = SIZE_(DWORD) | 0x8)
MUTATE(flag_bit30, DB->Flags = SIZE_(DWORD) | 0x40000000u)
MUTATE(flag_bit32, DB->Flags = SIZE_(DWORD) | (1ull << 32))
MUTATE(flag_bit63, DB->Flags = SIZE_(DWORD) | (1ull << 63))
MUTATE(flags_all_valid, DB->Flags = HV_DOORBELL_FLAG_VALID_MASK & ~0x3u)

/* §3 Connect 9: size codes 5..7 */
MUTATE(size_5, DB->Flags = 5)
MUTATE(size_6, DB->Flags = 6)
MUTATE(size_7, DB->Flags = 7 | ANY_VALUE)

/* §3 Connect 10: value fits the size unless ANY_VALUE */
MUTATE(byte_ff, trigger(c, DOORBELL_GPA, SIZE_(BYTE), 0xFF))
MUTATE(byte_100, trigger(c, DOORBELL_GPA, SIZE_(BYTE), 0x100))
MUTATE(word_ffff, trigger(c, DOORBELL_GPA, SIZE_(WORD), 0xFFFF))
MUTATE(word_10000, trigger(c, DOORBELL_GPA, SIZE_(WORD), 0x10000))
MUTATE(dword_ffffffff, trigger(c, DOORBELL_GPA, SIZE_(DWORD), 0xFFFFFFFF))
MUTATE(dword_100000000, trigger(c, DOORBELL_GPA, SIZE_(DWORD), 0x100000000ull))
MUTATE(qword_max, trigger(c, DOORBELL_GPA, SIZE_(QWORD), ~0ull))
MUTATE(any_size_max, trigger(c, DOORBELL_GPA, SIZE_(ANY), ~0ull))
MUTATE(byte_any_value_wide,
       trigger(c, DOORBELL_GPA, SIZE_(BYTE) | ANY_VALUE, 0x100))
MUTATE(dword_any_value_wide,
       trigger(c, DOORBELL_GPA, SIZE_(DWORD) | ANY_VALUE, ~0ull))

/* §3 Connect 11: GPA + w <= 2^gpa_bits (w = 1 for SIZE_ANY) */
MUTATE(dword_at_top, trigger(c, GPA_LIMIT_48 - 4, SIZE_(DWORD), 1))
MUTATE(dword_past_top, trigger(c, GPA_LIMIT_48, SIZE_(DWORD), 1))
MUTATE(byte_at_top, trigger(c, GPA_LIMIT_48 - 1, SIZE_(BYTE), 1))
MUTATE(byte_past_top, trigger(c, GPA_LIMIT_48, SIZE_(BYTE), 1))
MUTATE(qword_at_top, trigger(c, GPA_LIMIT_48 - 8, SIZE_(QWORD), 1))
MUTATE(any_at_top, trigger(c, GPA_LIMIT_48 - 1, SIZE_(ANY), 1))
MUTATE(any_past_top, trigger(c, GPA_LIMIT_48, SIZE_(ANY), 1))
MUTATE(far_past_top, trigger(c, 1ull << 63, SIZE_(ANY), 1))
MUTATE(qword_at_top_64, trigger(c, 0ull - 8, SIZE_(QWORD), 1))
MUTATE(byte_at_top_64, trigger(c, ~0ull, SIZE_(BYTE), 1))
MUTATE(any_any_at_top_64, trigger(c, ~0ull, ANY_SIZE_ANY_VALUE, 0))

/* §3 Connect 12: (GPA mod 4096) + w <= 4096 */
MUTATE(byte_4095, trigger(c, PAGE_OFFSET(4095), SIZE_(BYTE), 1))
MUTATE(any_4095, trigger(c, PAGE_OFFSET(4095), SIZE_(ANY), 1))
MUTATE(word_4094, trigger(c, PAGE_OFFSET(4094), SIZE_(WORD), 1))
MUTATE(word_4095, trigger(c, PAGE_OFFSET(4095), SIZE_(WORD), 1))
MUTATE(dword_4092, trigger(c, PAGE_OFFSET(4092), SIZE_(DWORD), 1))
MUTATE(dword_4093, trigger(c, PAGE_OFFSET(4093), SIZE_(DWORD), 1))
MUTATE(qword_4088, trigger(c, PAGE_OFFSET(4088), SIZE_(QWORD), 1))
MUTATE(qword_4089, trigger(c, PAGE_OFFSET(4089), SIZE_(QWORD), 1))
MUTATE(qword_4095, trigger(c, PAGE_OFFSET(4095), SIZE_(QWORD), 1))
MUTATE(dword_unaligned_inside, trigger(c, PAGE_OFFSET(3), SIZE_(DWORD), 1))

/* Order: two checks fail at once, the earlier one decides. */
MUTATE(order_partition_over_id, conn_partition_unknown(g, c); id_bit24(g, c))
MUTATE(order_bad_id_over_port, id_bit24(g, c); port_unknown(g, c))
MUTATE(order_in_use_over_port, id_in_use(g, c); port_unknown(g, c))
MUTATE(order_port_over_type, port_unknown(g, c); type_event(g, c))
MUTATE(order_offered_over_type, port_offered_elsewhere(g, c); type_event(g, c))
MUTATE(order_type_over_padding, type_5(g, c); info_padding(g, c))
MUTATE(order_reserved_over_flags, rsvd1(g, c); flag_bit32(g, c))
MUTATE(order_flags_over_size, DB->Flags = 0x8 | 5)
MUTATE(order_size_over_range, size_6(g, c);
       DB->GuestPhysicalAddress = GPA_LIMIT_48)
MUTATE(order_wide_over_range, trigger(c, GPA_LIMIT_48, SIZE_(BYTE), 0x100))
MUTATE(order_wide_over_page,
       trigger(c, PAGE_OFFSET(4095), SIZE_(WORD), 0x10000))
/* 2^48 - 3 is past the top and crosses a page: range is checked first. */
MUTATE(order_range_over_page, trigger(c, GPA_LIMIT_48 - 3, SIZE_(DWORD), 1))
MUTATE(order_range_over_page_64, trigger(c, 0ull - 4, SIZE_(QWORD), 1))
MUTATE(order_page_over_conflict,
       connect_port(g, CONN_ID + 1, PORT_ID, PAGE_OFFSET(4093),
		    ANY_SIZE_ANY_VALUE, 0);
       trigger(c, PAGE_OFFSET(4093), SIZE_(DWORD), 1))

static const struct call_case connect_cases[] = {
	{ "base call", NULL, NULL, HV_STATUS_SUCCESS, "ok" },
	/* §3 Connect 2 */
	{ "connection partition unknown", NULL, conn_partition_unknown,
	  HV_STATUS_INVALID_PARTITION_ID, "unknown-partition" },
	{ "port partition unknown", NULL, port_partition_unknown,
	  HV_STATUS_INVALID_PARTITION_ID, "unknown-partition" },
	/* §3 Connect 3 */
	{ "id 0xFFFFFF", NULL, id_max, HV_STATUS_SUCCESS, "ok" },
	{ "id 0x1000000", NULL, id_bit24, HV_STATUS_INVALID_CONNECTION_ID,
	  "bad-connection-id" },
	{ "id bit 31", NULL, id_bit31, HV_STATUS_INVALID_CONNECTION_ID,
	  "bad-connection-id" },
	{ "id in use", NULL, id_in_use, HV_STATUS_INVALID_CONNECTION_ID,
	  "connection-id-in-use" },
	{ "id used by another partition", NULL, id_used_by_other_partition,
	  HV_STATUS_SUCCESS, "ok" },
	/* §3 Connect 4 */
	{ "port unknown", NULL, port_unknown, HV_STATUS_INVALID_PORT_ID,
	  "unknown-port" },
	{ "port id with bit 24", NULL, port_id_bit24, HV_STATUS_INVALID_PORT_ID,
	  "unknown-port" },
	{ "port partition is the guest", NULL, port_in_guest_partition,
	  HV_STATUS_INVALID_PORT_ID, "unknown-port" },
	/* §3 Connect 5 */
	{ "port offered to another guest", NULL, port_offered_elsewhere,
	  HV_STATUS_ACCESS_DENIED, "port-not-offered" },
	{ "port offered to any partition", NULL, port_offered_to_any,
	  HV_STATUS_SUCCESS, "ok" },
	/* §3 Connect 6 */
	{ "PortType 0", NULL, type_0, HV_STATUS_INVALID_PARAMETER,
	  "port-type-mismatch" },
	{ "PortType message", NULL, type_message, HV_STATUS_INVALID_PARAMETER,
	  "port-type-mismatch" },
	{ "PortType event", NULL, type_event, HV_STATUS_INVALID_PARAMETER,
	  "port-type-mismatch" },
	{ "PortType monitor", NULL, type_monitor, HV_STATUS_INVALID_PARAMETER,
	  "port-type-mismatch" },
	{ "PortType 5", NULL, type_5, HV_STATUS_INVALID_PARAMETER,
	  "port-type-mismatch" },
	/* §3 Connect 7 */
	{ "ConnectionInfo.Padding", NULL, info_padding,
	  HV_STATUS_INVALID_PARAMETER, "reserved-nonzero" },
	{ "ConnectionVtl", NULL, connection_vtl, HV_STATUS_INVALID_PARAMETER,
	  "reserved-nonzero" },
	{ "Rsvd0", NULL, rsvd0, HV_STATUS_INVALID_PARAMETER,
	  "reserved-nonzero" },
	{ "Rsvd1", NULL, rsvd1, HV_STATUS_INVALID_PARAMETER,
	  "reserved-nonzero" },
	{ "Reserved", NULL, reserved, HV_STATUS_INVALID_PARAMETER,
	  "reserved-nonzero" },
	{ "ProximityDomainInfo ignored", NULL, proximity, HV_STATUS_SUCCESS,
	  "ok" },
	/* §3 Connect 8 */
	{ "flag bit 3", NULL, flag_bit3, HV_STATUS_INVALID_PARAMETER,
	  "reserved-flags" },
	{ "flag bit 30", NULL, flag_bit30, HV_STATUS_INVALID_PARAMETER,
	  "reserved-flags" },
	{ "flag bit 32", NULL, flag_bit32, HV_STATUS_INVALID_PARAMETER,
	  "reserved-flags" },
	{ "flag bit 63", NULL, flag_bit63, HV_STATUS_INVALID_PARAMETER,
	  "reserved-flags" },
	{ "flags 0x80000004 valid", NULL, flags_all_valid, HV_STATUS_SUCCESS,
	  "ok" },
	/* §3 Connect 9 */
	{ "size 5", NULL, size_5, HV_STATUS_INVALID_PARAMETER,
	  "bad-trigger-size" },
	{ "size 6", NULL, size_6, HV_STATUS_INVALID_PARAMETER,
	  "bad-trigger-size" },
	{ "size 7 any value", NULL, size_7, HV_STATUS_INVALID_PARAMETER,
	  "bad-trigger-size" },
	/* §3 Connect 10 */
	{ "BYTE 0xFF", NULL, byte_ff, HV_STATUS_SUCCESS, "ok" },
	{ "BYTE 0x100", NULL, byte_100, HV_STATUS_INVALID_PARAMETER,
	  "value-too-wide" },
	{ "WORD 0xFFFF", NULL, word_ffff, HV_STATUS_SUCCESS, "ok" },
	{ "WORD 0x10000", NULL, word_10000, HV_STATUS_INVALID_PARAMETER,
	  "value-too-wide" },
	{ "DWORD 0xFFFFFFFF", NULL, dword_ffffffff, HV_STATUS_SUCCESS, "ok" },
	{ "DWORD 0x100000000", NULL, dword_100000000,
	  HV_STATUS_INVALID_PARAMETER, "value-too-wide" },
	{ "QWORD ~0", NULL, qword_max, HV_STATUS_SUCCESS, "ok" },
	{ "SIZE_ANY ~0", NULL, any_size_max, HV_STATUS_SUCCESS, "ok" },
	{ "BYTE ANY_VALUE ignores 0x100", NULL, byte_any_value_wide,
	  HV_STATUS_SUCCESS, "ok" },
	{ "DWORD ANY_VALUE ignores ~0", NULL, dword_any_value_wide,
	  HV_STATUS_SUCCESS, "ok" },
	/* §3 Connect 11 */
	{ "DWORD at 2^48-4", NULL, dword_at_top, HV_STATUS_SUCCESS, "ok" },
	{ "DWORD at 2^48", NULL, dword_past_top, HV_STATUS_INVALID_PARAMETER,
	  "gpa-out-of-range" },
	{ "BYTE at 2^48-1", NULL, byte_at_top, HV_STATUS_SUCCESS, "ok" },
	{ "BYTE at 2^48", NULL, byte_past_top, HV_STATUS_INVALID_PARAMETER,
	  "gpa-out-of-range" },
	{ "QWORD at 2^48-8", NULL, qword_at_top, HV_STATUS_SUCCESS, "ok" },
	{ "SIZE_ANY at 2^48-1", NULL, any_at_top, HV_STATUS_SUCCESS, "ok" },
	{ "SIZE_ANY at 2^48", NULL, any_past_top, HV_STATUS_INVALID_PARAMETER,
	  "gpa-out-of-range" },
	{ "SIZE_ANY at 2^63", NULL, far_past_top, HV_STATUS_INVALID_PARAMETER,
	  "gpa-out-of-range" },
	{ "64 bits: QWORD at 2^64-8", &guest_64_bits, qword_at_top_64,
	  HV_STATUS_SUCCESS, "ok" },
	{ "64 bits: BYTE at 2^64-1", &guest_64_bits, byte_at_top_64,
	  HV_STATUS_SUCCESS, "ok" },
	{ "64 bits: SIZE_ANY ANY_VALUE at 2^64-1", &guest_64_bits,
	  any_any_at_top_64, HV_STATUS_SUCCESS, "ok" },
	{ "64 bits: DWORD at 2^48", &guest_64_bits, dword_past_top,
	  HV_STATUS_SUCCESS, "ok" },
	{ "doorbell inside RAM", &guest_on_ram, NULL, HV_STATUS_SUCCESS, "ok" },
	/* §3 Connect 12 */
	{ "BYTE at offset 4095", NULL, byte_4095, HV_STATUS_SUCCESS, "ok" },
	{ "SIZE_ANY at offset 4095", NULL, any_4095, HV_STATUS_SUCCESS, "ok" },
	{ "WORD at offset 4094", NULL, word_4094, HV_STATUS_SUCCESS, "ok" },
	{ "WORD at offset 4095", NULL, word_4095, HV_STATUS_INVALID_PARAMETER,
	  "crosses-page" },
	{ "DWORD at offset 4092", NULL, dword_4092, HV_STATUS_SUCCESS, "ok" },
	{ "DWORD at offset 4093", NULL, dword_4093, HV_STATUS_INVALID_PARAMETER,
	  "crosses-page" },
	{ "QWORD at offset 4088", NULL, qword_4088, HV_STATUS_SUCCESS, "ok" },
	{ "QWORD at offset 4089", NULL, qword_4089, HV_STATUS_INVALID_PARAMETER,
	  "crosses-page" },
	{ "QWORD at offset 4095", NULL, qword_4095, HV_STATUS_INVALID_PARAMETER,
	  "crosses-page" },
	{ "DWORD unaligned inside a page", NULL, dword_unaligned_inside,
	  HV_STATUS_SUCCESS, "ok" },
	/* §3 Connect 13 */
	{ "same trigger at the same GPA", NULL, same_trigger,
	  HV_STATUS_INVALID_PARAMETER, "trigger-conflict" },
	/* §3 Connect 14 */
	{ "limit 1, one connection", &guest_limit_1, other_connection,
	  HV_STATUS_INSUFFICIENT_MEMORY, "connection-limit" },
	{ "limit 2, one connection", &guest_limit_2, other_connection,
	  HV_STATUS_SUCCESS, "ok" },
	/* order */
	{ "unknown partition before bad id", NULL, order_partition_over_id,
	  HV_STATUS_INVALID_PARTITION_ID, "unknown-partition" },
	{ "bad id before unknown port", NULL, order_bad_id_over_port,
	  HV_STATUS_INVALID_CONNECTION_ID, "bad-connection-id" },
	{ "id in use before unknown port", NULL, order_in_use_over_port,
	  HV_STATUS_INVALID_CONNECTION_ID, "connection-id-in-use" },
	{ "unknown port before type", NULL, order_port_over_type,
	  HV_STATUS_INVALID_PORT_ID, "unknown-port" },
	{ "not offered before type", NULL, order_offered_over_type,
	  HV_STATUS_ACCESS_DENIED, "port-not-offered" },
	{ "type before padding", NULL, order_type_over_padding,
	  HV_STATUS_INVALID_PARAMETER, "port-type-mismatch" },
	{ "reserved before flags", NULL, order_reserved_over_flags,
	  HV_STATUS_INVALID_PARAMETER, "reserved-nonzero" },
	{ "reserved flags before size", NULL, order_flags_over_size,
	  HV_STATUS_INVALID_PARAMETER, "reserved-flags" },
	{ "size before range", NULL, order_size_over_range,
	  HV_STATUS_INVALID_PARAMETER, "bad-trigger-size" },
	{ "too wide before range", NULL, order_wide_over_range,
	  HV_STATUS_INVALID_PARAMETER, "value-too-wide" },
	{ "too wide before page", NULL, order_wide_over_page,
	  HV_STATUS_INVALID_PARAMETER, "value-too-wide" },
	{ "range before page", NULL, order_range_over_page,
	  HV_STATUS_INVALID_PARAMETER, "gpa-out-of-range" },
	{ "64 bits: range before page", &guest_64_bits,
	  order_range_over_page_64, HV_STATUS_INVALID_PARAMETER,
	  "gpa-out-of-range" },
	{ "page before conflict", NULL, order_page_over_conflict,
	  HV_STATUS_INVALID_PARAMETER, "crosses-page" },
	{ "conflict before limit", &guest_limit_1, same_trigger,
	  HV_STATUS_INVALID_PARAMETER, "trigger-conflict" },
};

/* SPEC §3 ConnectPort 2-14 with hvdb_port_connect(). */
static void test_connect_port_rules(void **state)
{
	(void)state;
	run_call_cases(connect_cases, ARRAY_SIZE(connect_cases),
		       base_connect_port, CALL_TYPED);
}

/* SPEC §3: the same rules through hvdb_hypercall(HVCALL_CONNECT_PORT). */
static void test_connect_port_rules_raw(void **state)
{
	(void)state;
	run_call_cases(connect_cases, ARRAY_SIZE(connect_cases),
		       base_connect_port, CALL_RAW);
}

/* SPEC §2: a connection shows its identity and ConnectionInfo as given. */
static void test_connect_port_describes_connection(void **state)
{
	struct hvdb_connection_desc d;
	struct hvdb_partition_desc p;
	struct hvdb_port_desc port;
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	port_create(&g, PORT_ID);
	connect_port(&g, 0xABCDEF, PORT_ID, DOORBELL_GPA + 0x18, SIZE_(WORD),
		     0xBEEF);

	assert_true(find_connection_desc(g.hv, GUEST_ID, 0xABCDEF, &d));
	assert_int_equal(d.port_id, PORT_ID);
	assert_false(d.port_deleted);
	assert_int_equal(d.info.PortType, HvPortTypeDoorbell);
	assert_int_equal(d.info.DoorbellConnectionInfo.GuestPhysicalAddress,
			 DOORBELL_GPA + 0x18);
	assert_int_equal(d.info.DoorbellConnectionInfo.Flags, SIZE_(WORD));
	assert_int_equal(d.info.DoorbellConnectionInfo.TriggerValue, 0xBEEF);
	assert_true(find_port_desc(g.hv, PORT_ID, &port));
	assert_int_equal(port.connection_count, 1);
	assert_true(find_partition_desc(g.hv, GUEST_ID, &p));
	assert_int_equal(p.connection_count, 1);
	teardown(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_port_rules),
		cmocka_unit_test(test_connect_port_rules_raw),
		cmocka_unit_test(test_connect_port_describes_connection),
	};

	return cmocka_run_group_tests_name("connect_port", tests, NULL, NULL);
}
