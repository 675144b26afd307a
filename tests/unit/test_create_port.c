/* test_create_port.c - SPEC §3 CreatePort checks 2-7, their order and
 * boundaries (the access rule, check 1, is in test_access.c). Every row
 * starts from base_create_port(): root creates PORT_ID offered to the
 * guest, SINT 5, VP 0. */
#include "helpers.h"

#define IN (&c->in.create)
#define DOORBELL (&c->in.create.PortInfo.DoorbellPortInfo)

/* Setup shared by rows: another port already holds the id. */
MUTATE(existing_port, port_create(g, IN->PortId))

/* §3 Create 2: unknown port partition / connection partition */
MUTATE(port_partition_unknown, IN->PortPartition = UNKNOWN_PARTITION_ID)
MUTATE(conn_partition_unknown, IN->ConnectionPartition = UNKNOWN_PARTITION_ID)
MUTATE(conn_partition_any, IN->ConnectionPartition = 0)
MUTATE(conn_partition_other_guest, guest_add(g, OTHER_GUEST_ID, 0);
       IN->ConnectionPartition = OTHER_GUEST_ID)

/* §3 Create 3: 24-bit port id */
MUTATE(id_max, IN->PortId = HV_PORT_ID_MASK)
MUTATE(id_bit24, IN->PortId = HV_PORT_ID_MASK + 1)
MUTATE(id_bit31, IN->PortId = 0x80000000u | PORT_ID)

/* §3 Create 4: only HvPortTypeDoorbell */
MUTATE(type_message, IN->PortInfo.PortType = HvPortTypeMessage)
MUTATE(type_event, IN->PortInfo.PortType = HvPortTypeEvent)
MUTATE(type_monitor, IN->PortInfo.PortType = HvPortTypeMonitor)
MUTATE(type_zero, IN->PortInfo.PortType = 0)
MUTATE(type_five, IN->PortInfo.PortType = 5)

/* §3 Create 5: the port partition must be the root */
MUTATE(port_partition_guest, IN->PortPartition = g->id)
MUTATE(guest_creates_on_self, c->caller = g->id;
       IN->PortPartition = HV_PARTITION_ID_SELF)
/* §3 Create 3 looks in the port partition: the root's ids are not "in
 * use" in a guest, so a guest learns nothing about them (issue 14). */
MUTATE(guest_creates_on_self_root_id, existing_port(g, c);
       guest_creates_on_self(g, c))
MUTATE(guest_creates_on_self_bad_id, guest_creates_on_self(g, c);
       id_bit24(g, c))

/* §3 Create 6: reserved, padding and VTL fields; §1 proximity ignored */
MUTATE(port_vtl, IN->PortVtl = 1)
MUTATE(min_connection_vtl, IN->MinConnectionVtl = 1)
MUTATE(padding, IN->Padding = 0x8000)
MUTATE(port_info_reserved, IN->PortInfo.ReservedZ = 1)
MUTATE(doorbell_reserved, DOORBELL->ReservedZ = 1ull << 63)
MUTATE(proximity, IN->ProximityDomainInfo = 0xFFFFFFFFFFFFFFFFull)

/* §3 Create 7: SINT 1..15; VP HV_ANY_VP or below the port partition's
 * VP count. The root has ROOT_VPS > GUEST_VPS, so checking the wrong
 * partition shows. */
MUTATE(sint0, DOORBELL->TargetSint = 0)
MUTATE(sint1, DOORBELL->TargetSint = 1)
MUTATE(sint15, DOORBELL->TargetSint = 15)
MUTATE(sint16, DOORBELL->TargetSint = HV_SYNIC_SINT_COUNT)
MUTATE(sint_huge, DOORBELL->TargetSint = 0xFFFFFFFFu)
MUTATE(vp_any, DOORBELL->TargetVp = HV_ANY_VP)
MUTATE(vp_last_of_root, DOORBELL->TargetVp = ROOT_VPS - 1)
MUTATE(vp_count_of_root, DOORBELL->TargetVp = ROOT_VPS)
MUTATE(vp_any_minus_one, DOORBELL->TargetVp = HV_ANY_VP - 1)

/* Order: two checks fail at once, the earlier one decides. */
MUTATE(order_partition_over_id, port_partition_unknown(g, c); id_bit24(g, c))
MUTATE(order_conn_partition_over_in_use, existing_port(g, c);
       conn_partition_unknown(g, c))
MUTATE(order_bad_id_over_type, id_bit24(g, c); type_event(g, c))
MUTATE(order_in_use_over_type, existing_port(g, c); type_event(g, c))
MUTATE(order_type_over_root, port_partition_guest(g, c); type_message(g, c))
MUTATE(order_root_over_reserved, port_partition_guest(g, c); port_vtl(g, c))
MUTATE(order_reserved_over_sint, doorbell_reserved(g, c); sint0(g, c))
MUTATE(order_sint_over_vp, sint16(g, c); vp_count_of_root(g, c))

static const struct call_case create_cases[] = {
	{ "base call", NULL, NULL, HV_STATUS_SUCCESS, "ok" },
	/* §3 Create 2 */
	{ "port partition unknown", NULL, port_partition_unknown,
	  HV_STATUS_INVALID_PARTITION_ID, "unknown-partition" },
	{ "connection partition unknown", NULL, conn_partition_unknown,
	  HV_STATUS_INVALID_PARTITION_ID, "unknown-partition" },
	{ "connection partition 0 (any)", NULL, conn_partition_any,
	  HV_STATUS_SUCCESS, "ok" },
	{ "connection partition another guest", NULL,
	  conn_partition_other_guest, HV_STATUS_SUCCESS, "ok" },
	/* §3 Create 3 */
	{ "port id 0xFFFFFF", NULL, id_max, HV_STATUS_SUCCESS, "ok" },
	{ "port id 0x1000000", NULL, id_bit24, HV_STATUS_INVALID_PORT_ID,
	  "bad-port-id" },
	{ "port id bit 31", NULL, id_bit31, HV_STATUS_INVALID_PORT_ID,
	  "bad-port-id" },
	{ "port id in use", NULL, existing_port, HV_STATUS_INVALID_PORT_ID,
	  "port-id-in-use" },
	/* §3 Create 4 */
	{ "type message", NULL, type_message, HV_STATUS_INVALID_PARAMETER,
	  "unsupported-port-type" },
	{ "type event", NULL, type_event, HV_STATUS_INVALID_PARAMETER,
	  "unsupported-port-type" },
	{ "type monitor", NULL, type_monitor, HV_STATUS_INVALID_PARAMETER,
	  "unsupported-port-type" },
	{ "type 0", NULL, type_zero, HV_STATUS_INVALID_PARAMETER,
	  "unsupported-port-type" },
	{ "type 5", NULL, type_five, HV_STATUS_INVALID_PARAMETER,
	  "unsupported-port-type" },
	/* §3 Create 5 */
	{ "root creates in a guest", NULL, port_partition_guest,
	  HV_STATUS_ACCESS_DENIED, "doorbell-port-requires-root" },
	{ "privileged guest creates on SELF", &guest_with_both_privileges,
	  guest_creates_on_self, HV_STATUS_ACCESS_DENIED,
	  "doorbell-port-requires-root" },
	{ "privileged guest on SELF, an id the root uses",
	  &guest_with_both_privileges, guest_creates_on_self_root_id,
	  HV_STATUS_ACCESS_DENIED, "doorbell-port-requires-root" },
	{ "privileged guest on SELF, reserved id bits",
	  &guest_with_both_privileges, guest_creates_on_self_bad_id,
	  HV_STATUS_INVALID_PORT_ID, "bad-port-id" },
	/* §3 Create 6 */
	{ "PortVtl 1", NULL, port_vtl, HV_STATUS_INVALID_PARAMETER,
	  "reserved-nonzero" },
	{ "MinConnectionVtl 1", NULL, min_connection_vtl,
	  HV_STATUS_INVALID_PARAMETER, "reserved-nonzero" },
	{ "Padding", NULL, padding, HV_STATUS_INVALID_PARAMETER,
	  "reserved-nonzero" },
	{ "PortInfo.ReservedZ", NULL, port_info_reserved,
	  HV_STATUS_INVALID_PARAMETER, "reserved-nonzero" },
	{ "DoorbellPortInfo.ReservedZ", NULL, doorbell_reserved,
	  HV_STATUS_INVALID_PARAMETER, "reserved-nonzero" },
	{ "ProximityDomainInfo ignored", NULL, proximity, HV_STATUS_SUCCESS,
	  "ok" },
	/* §3 Create 7 */
	{ "sint 0", NULL, sint0, HV_STATUS_INVALID_PARAMETER, "bad-sint" },
	{ "sint 1", NULL, sint1, HV_STATUS_SUCCESS, "ok" },
	{ "sint 15", NULL, sint15, HV_STATUS_SUCCESS, "ok" },
	{ "sint 16", NULL, sint16, HV_STATUS_INVALID_PARAMETER, "bad-sint" },
	{ "sint 0xFFFFFFFF", NULL, sint_huge, HV_STATUS_INVALID_PARAMETER,
	  "bad-sint" },
	{ "vp HV_ANY_VP", NULL, vp_any, HV_STATUS_SUCCESS, "ok" },
	{ "vp root vp_count-1", NULL, vp_last_of_root, HV_STATUS_SUCCESS,
	  "ok" },
	{ "vp root vp_count", NULL, vp_count_of_root,
	  HV_STATUS_INVALID_VP_INDEX, "bad-vp" },
	{ "vp 0xFFFFFFFE", NULL, vp_any_minus_one, HV_STATUS_INVALID_VP_INDEX,
	  "bad-vp" },
	/* order */
	{ "unknown partition before bad id", NULL, order_partition_over_id,
	  HV_STATUS_INVALID_PARTITION_ID, "unknown-partition" },
	{ "unknown conn partition before id in use", NULL,
	  order_conn_partition_over_in_use, HV_STATUS_INVALID_PARTITION_ID,
	  "unknown-partition" },
	{ "bad id before type", NULL, order_bad_id_over_type,
	  HV_STATUS_INVALID_PORT_ID, "bad-port-id" },
	{ "id in use before type", NULL, order_in_use_over_type,
	  HV_STATUS_INVALID_PORT_ID, "port-id-in-use" },
	{ "type before requires-root", NULL, order_type_over_root,
	  HV_STATUS_INVALID_PARAMETER, "unsupported-port-type" },
	{ "requires-root before reserved", NULL, order_root_over_reserved,
	  HV_STATUS_ACCESS_DENIED, "doorbell-port-requires-root" },
	{ "reserved before sint", NULL, order_reserved_over_sint,
	  HV_STATUS_INVALID_PARAMETER, "reserved-nonzero" },
	{ "sint before vp", NULL, order_sint_over_vp,
	  HV_STATUS_INVALID_PARAMETER, "bad-sint" },
};

/* SPEC §3 CreatePort 2-7 with hvdb_port_create(). */
static void test_create_port_rules(void **state)
{
	(void)state;
	run_call_cases(create_cases, ARRAY_SIZE(create_cases), base_create_port,
		       CALL_TYPED);
}

/* SPEC §3: the same rules through hvdb_hypercall(HVCALL_CREATE_PORT). */
static void test_create_port_rules_raw(void **state)
{
	(void)state;
	run_call_cases(create_cases, ARRAY_SIZE(create_cases), base_create_port,
		       CALL_RAW);
}

/* SPEC §2: a created port shows its identity in hvdb_port_foreach. */
static void test_create_port_describes_port(void **state)
{
	HV_INPUT_CREATE_PORT in;
	struct hvdb_port_desc d;
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	in = create_port_input(&g, 0x123456);
	in.PortInfo.DoorbellPortInfo.TargetSint = 7;
	in.PortInfo.DoorbellPortInfo.TargetVp = HV_ANY_VP;
	port_create_in(&g, ROOT_ID, &in);

	assert_true(find_port_desc(g.hv, 0x123456, &d));
	assert_int_equal(d.connection_partition, GUEST_ID);
	assert_int_equal(d.target_sint, 7);
	assert_int_equal(d.target_vp, HV_ANY_VP);
	assert_int_equal(d.port_type, HvPortTypeDoorbell);
	assert_int_equal(d.connection_count, 0);
	assert_int_equal(d.stats.triggers, 0);
	teardown(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_port_rules),
		cmocka_unit_test(test_create_port_rules_raw),
		cmocka_unit_test(test_create_port_describes_port),
	};

	return cmocka_run_group_tests_name("create_port", tests, NULL, NULL);
}
