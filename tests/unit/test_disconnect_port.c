/* test_disconnect_port.c - SPEC §3 DisconnectPort after the access rule
 * (test_access.c): unknown partition, unknown connection, the Flags word
 * of §1, and the order. Every row starts from base_disconnect_port():
 * PORT_ID and CONN_ID exist and root disconnects CONN_ID. */
#include "helpers.h"

#define IN (&c->in.disconnect)

MUTATE(partition_unknown, IN->ConnectionPartition = UNKNOWN_PARTITION_ID)
MUTATE(id_unknown, IN->ConnectionId = CONN_ID + 1)
MUTATE(id_bit24, IN->ConnectionId = CONN_ID | (HV_CONNECTION_ID_MASK + 1))
/* Connection CONN_ID + 1 exists, but in another partition. */
MUTATE(id_of_other_partition,
       HV_INPUT_CREATE_PORT p = create_port_input(g, PORT_ID + 1);
       HV_INPUT_CONNECT_PORT o = connect_port_input(g, CONN_ID + 1, PORT_ID + 1,
						    DOORBELL_GPA);
       guest_add(g, OTHER_GUEST_ID, 0); p.ConnectionPartition = OTHER_GUEST_ID;
       port_create_in(g, ROOT_ID, &p); o.ConnectionPartition = OTHER_GUEST_ID;
       connect_port_in(g, ROOT_ID, &o); IN->ConnectionId = CONN_ID + 1)
/* SELF names the caller's partition: the root has no connection. */
MUTATE(root_self, IN->ConnectionPartition = HV_PARTITION_ID_SELF)
/* §1: Flags bit 0 IsDoorbell is 0 or 1; bits 1-31 reserved. */
MUTATE(flag_is_doorbell, IN->Flags = HV_DISCONNECT_PORT_FLAG_IS_DOORBELL)
MUTATE(flag_bit1, IN->Flags = 0x2)
MUTATE(flag_bit31_and_0, IN->Flags = 0x80000001u)
/* §3 DeletePort: a connection of a deleted port stays until disconnected. */
MUTATE(port_deleted, delete_port(g, PORT_ID))
MUTATE(order_partition_over_id, partition_unknown(g, c); id_unknown(g, c))

static const struct call_case disconnect_cases[] = {
	{ "base call", NULL, NULL, HV_STATUS_SUCCESS, "ok" },
	{ "partition unknown", NULL, partition_unknown,
	  HV_STATUS_INVALID_PARTITION_ID, "unknown-partition" },
	{ "id unknown", NULL, id_unknown, HV_STATUS_INVALID_CONNECTION_ID,
	  "unknown-connection" },
	{ "id with bit 24", NULL, id_bit24, HV_STATUS_INVALID_CONNECTION_ID,
	  "unknown-connection" },
	{ "id of another partition", NULL, id_of_other_partition,
	  HV_STATUS_INVALID_CONNECTION_ID, "unknown-connection" },
	{ "root on SELF", NULL, root_self, HV_STATUS_INVALID_CONNECTION_ID,
	  "unknown-connection" },
	{ "Flags IsDoorbell", NULL, flag_is_doorbell, HV_STATUS_SUCCESS, "ok" },
	{ "Flags bit 1", NULL, flag_bit1, HV_STATUS_INVALID_PARAMETER,
	  "reserved-nonzero" },
	{ "Flags bits 31 and 0", NULL, flag_bit31_and_0,
	  HV_STATUS_INVALID_PARAMETER, "reserved-nonzero" },
	{ "port deleted", NULL, port_deleted, HV_STATUS_SUCCESS, "ok" },
	{ "unknown partition before unknown id", NULL, order_partition_over_id,
	  HV_STATUS_INVALID_PARTITION_ID, "unknown-partition" },
};

/* SPEC §3 DisconnectPort with hvdb_port_disconnect(). */
static void test_disconnect_port_rules(void **state)
{
	(void)state;
	run_call_cases(disconnect_cases, ARRAY_SIZE(disconnect_cases),
		       base_disconnect_port, CALL_TYPED);
}

/* SPEC §3: the same rules through hvdb_hypercall(HVCALL_DISCONNECT_PORT). */
static void test_disconnect_port_rules_raw(void **state)
{
	(void)state;
	run_call_cases(disconnect_cases, ARRAY_SIZE(disconnect_cases),
		       base_disconnect_port, CALL_RAW);
}

/* SPEC §3 DisconnectPort: after success the connection is gone from the
 * partition and its port, and disconnecting it again is unknown. */
static void test_disconnect_port_removes_connection(void **state)
{
	HV_INPUT_DISCONNECT_PORT in;
	struct hvdb_partition_desc p;
	struct hvdb_port_desc port;
	enum hvdb_reason reason;
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	port_create(&g, PORT_ID);
	connect_port(&g, CONN_ID, PORT_ID, DOORBELL_GPA, DEFAULT_FLAGS,
		     DEFAULT_VALUE);
	disconnect_port(&g, CONN_ID);

	assert_false(find_connection_desc(g.hv, GUEST_ID, CONN_ID, NULL));
	assert_true(find_port_desc(g.hv, PORT_ID, &port));
	assert_int_equal(port.connection_count, 0);
	assert_true(find_partition_desc(g.hv, GUEST_ID, &p));
	assert_int_equal(p.connection_count, 0);
	in = disconnect_port_input(&g, CONN_ID);
	assert_status(try_disconnect_port(&g, ROOT_ID, &in, &reason), reason,
		      HV_STATUS_INVALID_CONNECTION_ID, "unknown-connection");
	teardown(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disconnect_port_rules),
		cmocka_unit_test(test_disconnect_port_rules_raw),
		cmocka_unit_test(test_disconnect_port_removes_connection),
	};

	return cmocka_run_group_tests_name("disconnect_port", tests, NULL,
					   NULL);
}
