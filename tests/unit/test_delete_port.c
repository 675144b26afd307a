/* test_delete_port.c - SPEC §3 DeletePort after the access rule
 * (test_access.c): unknown partition, unknown port, reserved field (§1),
 * and the order. Every row starts from base_delete_port(): PORT_ID exists
 * and root deletes it. */
#include "helpers.h"

#define IN (&c->in.del)

MUTATE(partition_unknown, IN->PortPartition = UNKNOWN_PARTITION_ID)
MUTATE(port_unknown, IN->PortId = PORT_ID + 1)
MUTATE(port_id_bit24, IN->PortId = PORT_ID | (HV_PORT_ID_MASK + 1))
/* Ports live in the root: the guest partition has no port PORT_ID. */
MUTATE(port_partition_guest, IN->PortPartition = g->id)
MUTATE(root_self, IN->PortPartition = HV_PARTITION_ID_SELF)
/* §1: a non-zero reserved field is INVALID_PARAMETER. */
MUTATE(reserved, IN->Reserved = 1)
MUTATE(already_deleted, delete_port(g, PORT_ID))
/* §3 DeletePort: connections do not keep the port alive. */
MUTATE(with_connections, connect_port(g, CONN_ID, PORT_ID, DOORBELL_GPA,
				      DEFAULT_FLAGS, DEFAULT_VALUE);
       connect_port(g, CONN_ID + 1, PORT_ID, DOORBELL_GPA + 8, DEFAULT_FLAGS,
		    DEFAULT_VALUE))
MUTATE(order_partition_over_port, partition_unknown(g, c); port_unknown(g, c))

static const struct call_case delete_cases[] = {
	{ "base call", NULL, NULL, HV_STATUS_SUCCESS, "ok" },
	{ "partition unknown", NULL, partition_unknown,
	  HV_STATUS_INVALID_PARTITION_ID, "unknown-partition" },
	{ "port unknown", NULL, port_unknown, HV_STATUS_INVALID_PORT_ID,
	  "unknown-port" },
	{ "port id with bit 24", NULL, port_id_bit24, HV_STATUS_INVALID_PORT_ID,
	  "unknown-port" },
	{ "port partition is the guest", NULL, port_partition_guest,
	  HV_STATUS_INVALID_PORT_ID, "unknown-port" },
	{ "root on SELF", NULL, root_self, HV_STATUS_SUCCESS, "ok" },
	{ "Reserved 1", NULL, reserved, HV_STATUS_INVALID_PARAMETER,
	  "reserved-nonzero" },
	{ "already deleted", NULL, already_deleted, HV_STATUS_INVALID_PORT_ID,
	  "unknown-port" },
	{ "with connections", NULL, with_connections, HV_STATUS_SUCCESS, "ok" },
	{ "unknown partition before unknown port", NULL,
	  order_partition_over_port, HV_STATUS_INVALID_PARTITION_ID,
	  "unknown-partition" },
};

/* SPEC §3 DeletePort with hvdb_port_delete(). */
static void test_delete_port_rules(void **state)
{
	(void)state;
	run_call_cases(delete_cases, ARRAY_SIZE(delete_cases), base_delete_port,
		       CALL_TYPED);
}

/* SPEC §3: the same rules through hvdb_hypercall(HVCALL_DELETE_PORT). */
static void test_delete_port_rules_raw(void **state)
{
	(void)state;
	run_call_cases(delete_cases, ARRAY_SIZE(delete_cases), base_delete_port,
		       CALL_RAW);
}

/* SPEC §3 DeletePort: the port is gone (no walk shows it, its stats are
 * -ENOENT) and its id can be created again. */
static void test_delete_port_frees_id(void **state)
{
	struct hvdb_port_stats stats;
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	port_create(&g, PORT_ID);
	delete_port(&g, PORT_ID);

	assert_false(find_port_desc(g.hv, PORT_ID, NULL));
	assert_int_equal(hvdb_port_stats(g.hv, PORT_ID, &stats), -ENOENT);
	port_create(&g, PORT_ID);
	assert_true(find_port_desc(g.hv, PORT_ID, NULL));
	teardown(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delete_port_rules),
		cmocka_unit_test(test_delete_port_rules_raw),
		cmocka_unit_test(test_delete_port_frees_id),
	};

	return cmocka_run_group_tests_name("delete_port", tests, NULL, NULL);
}
