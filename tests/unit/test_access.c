/* test_access.c - the SPEC §3 access rule, run first by all four calls:
 * the root may act on any partition; a guest only on itself (after
 * resolving HV_PARTITION_ID_SELF) and only holding the call's privilege
 * (CreatePort bit 38 for Create/DeletePort, ConnectPort bit 39 for
 * Connect/DisconnectPort); a guest never on another guest. The access
 * check comes first, so an unprivileged caller learns nothing about other
 * partitions. Each operation has its own table, as the rows that pass the
 * rule go on to different later checks; the mutators are shared. */
#include "helpers.h"

/* The target partition of each call (SPEC §3 access rule). */
static void set_target(struct hv_call *c, uint64_t partition)
{
	switch (c->op) {
	case HV_OP_CREATE_PORT:
		c->in.create.PortPartition = partition;
		break;
	case HV_OP_CONNECT_PORT:
		c->in.connect.ConnectionPartition = partition;
		break;
	case HV_OP_DISCONNECT_PORT:
		c->in.disconnect.ConnectionPartition = partition;
		break;
	case HV_OP_DELETE_PORT:
		c->in.del.PortPartition = partition;
		break;
	}
}

static const struct guest_opts guest_with_other_privileges = {
	.id = GUEST_ID,
	.vp_count = GUEST_VPS,
	.gpa_bits = GUEST_GPA_BITS,
	.privileges = ~(uint64_t)BOTH_PRIVILEGES,
	.connection_limit = HVDB_DEFAULT_CONNECTION_LIMIT,
	.root_vp_count = ROOT_VPS,
};

MUTATE(guest_on_root, c->caller = g->id; set_target(c, ROOT_ID))
MUTATE(guest_on_self, c->caller = g->id; set_target(c, g->id))
MUTATE(guest_on_self_id, c->caller = g->id; set_target(c, HV_PARTITION_ID_SELF))
MUTATE(guest_on_unknown, c->caller = g->id; set_target(c, UNKNOWN_PARTITION_ID))
/* A second guest holding both privileges acts on the first. */
MUTATE(other_guest_on_guest, guest_add(g, OTHER_GUEST_ID, BOTH_PRIVILEGES);
       c->caller = OTHER_GUEST_ID; set_target(c, g->id))
/* A caller id that is no partition holds no privilege. */
MUTATE(unknown_caller, c->caller = UNKNOWN_PARTITION_ID)
MUTATE(root_on_self_id, set_target(c, HV_PARTITION_ID_SELF))

#define DENIED_CREATE HV_STATUS_ACCESS_DENIED, "no-create-port-privilege"
#define DENIED_CONNECT HV_STATUS_ACCESS_DENIED, "no-connect-port-privilege"
#define BOTH (&guest_with_both_privileges)
#define CREATE_ONLY (&guest_with_create_privilege)
#define CONNECT_ONLY (&guest_with_connect_privilege)
#define OTHER_BITS (&guest_with_other_privileges)

/* CreatePort: a guest that passes the rule still meets §3 Create 5. */
static const struct call_case create_access[] = {
	{ "unprivileged guest on itself", NULL, guest_on_self, DENIED_CREATE },
	{ "unprivileged guest on root", NULL, guest_on_root, DENIED_CREATE },
	{ "privileged guest on root", BOTH, guest_on_root, DENIED_CREATE },
	{ "create-privileged guest on itself", CREATE_ONLY, guest_on_self,
	  HV_STATUS_ACCESS_DENIED, "doorbell-port-requires-root" },
	{ "create-privileged guest on SELF", CREATE_ONLY, guest_on_self_id,
	  HV_STATUS_ACCESS_DENIED, "doorbell-port-requires-root" },
	{ "connect-privileged guest on itself", CONNECT_ONLY, guest_on_self,
	  DENIED_CREATE },
	{ "guest with every other bit on itself", OTHER_BITS, guest_on_self,
	  DENIED_CREATE },
	{ "privileged guest on another guest", NULL, other_guest_on_guest,
	  DENIED_CREATE },
	{ "unprivileged guest on unknown partition", NULL, guest_on_unknown,
	  DENIED_CREATE },
	{ "privileged guest on unknown partition", BOTH, guest_on_unknown,
	  DENIED_CREATE },
	{ "unknown caller", NULL, unknown_caller, DENIED_CREATE },
	{ "root on SELF", NULL, root_on_self_id, HV_STATUS_SUCCESS, "ok" },
};

static const struct call_case connect_access[] = {
	{ "unprivileged guest on itself", NULL, guest_on_self, DENIED_CONNECT },
	{ "connect-privileged guest on itself", CONNECT_ONLY, guest_on_self,
	  HV_STATUS_SUCCESS, "ok" },
	{ "connect-privileged guest on SELF", CONNECT_ONLY, guest_on_self_id,
	  HV_STATUS_SUCCESS, "ok" },
	{ "create-privileged guest on itself", CREATE_ONLY, guest_on_self,
	  DENIED_CONNECT },
	{ "guest with every other bit on itself", OTHER_BITS, guest_on_self,
	  DENIED_CONNECT },
	{ "privileged guest on root", BOTH, guest_on_root, DENIED_CONNECT },
	{ "privileged guest on another guest", NULL, other_guest_on_guest,
	  DENIED_CONNECT },
	{ "unprivileged guest on unknown partition", NULL, guest_on_unknown,
	  DENIED_CONNECT },
	{ "privileged guest on unknown partition", BOTH, guest_on_unknown,
	  DENIED_CONNECT },
	{ "unknown caller", NULL, unknown_caller, DENIED_CONNECT },
};

static const struct call_case disconnect_access[] = {
	{ "unprivileged guest on itself", NULL, guest_on_self, DENIED_CONNECT },
	{ "connect-privileged guest on itself", CONNECT_ONLY, guest_on_self,
	  HV_STATUS_SUCCESS, "ok" },
	{ "connect-privileged guest on SELF", CONNECT_ONLY, guest_on_self_id,
	  HV_STATUS_SUCCESS, "ok" },
	{ "create-privileged guest on itself", CREATE_ONLY, guest_on_self,
	  DENIED_CONNECT },
	{ "guest with every other bit on itself", OTHER_BITS, guest_on_self,
	  DENIED_CONNECT },
	{ "privileged guest on root", BOTH, guest_on_root, DENIED_CONNECT },
	{ "privileged guest on another guest", NULL, other_guest_on_guest,
	  DENIED_CONNECT },
	{ "unprivileged guest on unknown partition", NULL, guest_on_unknown,
	  DENIED_CONNECT },
	{ "privileged guest on unknown partition", BOTH, guest_on_unknown,
	  DENIED_CONNECT },
	{ "unknown caller", NULL, unknown_caller, DENIED_CONNECT },
};

/* DeletePort: a guest that passes the rule has no port PORT_ID. */
static const struct call_case delete_access[] = {
	{ "unprivileged guest on itself", NULL, guest_on_self, DENIED_CREATE },
	{ "unprivileged guest on root", NULL, guest_on_root, DENIED_CREATE },
	{ "privileged guest on root", BOTH, guest_on_root, DENIED_CREATE },
	{ "create-privileged guest on itself", CREATE_ONLY, guest_on_self,
	  HV_STATUS_INVALID_PORT_ID, "unknown-port" },
	{ "create-privileged guest on SELF", CREATE_ONLY, guest_on_self_id,
	  HV_STATUS_INVALID_PORT_ID, "unknown-port" },
	{ "connect-privileged guest on itself", CONNECT_ONLY, guest_on_self,
	  DENIED_CREATE },
	{ "guest with every other bit on itself", OTHER_BITS, guest_on_self,
	  DENIED_CREATE },
	{ "privileged guest on another guest", NULL, other_guest_on_guest,
	  DENIED_CREATE },
	{ "unprivileged guest on unknown partition", NULL, guest_on_unknown,
	  DENIED_CREATE },
	{ "privileged guest on unknown partition", BOTH, guest_on_unknown,
	  DENIED_CREATE },
	{ "unknown caller", NULL, unknown_caller, DENIED_CREATE },
	{ "root on SELF", NULL, root_on_self_id, HV_STATUS_SUCCESS, "ok" },
};

/* Runs (cases) through the typed call, then through hvdb_hypercall(): the
 * access rule must hold on both paths. A macro, so a failing row reports
 * the test's line. */
#define run_both_paths(cases, base)                                         \
	do {                                                                \
		run_call_cases(cases, ARRAY_SIZE(cases), base, CALL_TYPED); \
		run_call_cases(cases, ARRAY_SIZE(cases), base, CALL_RAW);   \
	} while (0)

/* SPEC §3 access rule for CreatePort. */
static void test_access_create_port(void **state)
{
	(void)state;
	run_both_paths(create_access, base_create_port);
}

/* SPEC §3 access rule for ConnectPort. */
static void test_access_connect_port(void **state)
{
	(void)state;
	run_both_paths(connect_access, base_connect_port);
}

/* SPEC §3 access rule for DisconnectPort. */
static void test_access_disconnect_port(void **state)
{
	(void)state;
	run_both_paths(disconnect_access, base_disconnect_port);
}

/* SPEC §3 access rule for DeletePort. */
static void test_access_delete_port(void **state)
{
	(void)state;
	run_both_paths(delete_access, base_delete_port);
}

/* SPEC §3: HV_PARTITION_ID_SELF is the caller's partition, so a
 * privileged guest's connection made through SELF lands in the guest. */
static void test_access_self_resolves_to_caller(void **state)
{
	HV_INPUT_CONNECT_PORT in;
	struct hvdb_connection_desc d;
	struct guest g;

	(void)state;
	hv_with_guest_opts(&g, &guest_with_connect_privilege);
	port_create(&g, PORT_ID);
	in = connect_port_input(&g, CONN_ID, PORT_ID, DOORBELL_GPA);
	in.ConnectionPartition = HV_PARTITION_ID_SELF;
	connect_port_in(&g, GUEST_ID, &in);

	assert_true(find_connection_desc(g.hv, GUEST_ID, CONN_ID, &d));
	assert_int_equal(d.partition, GUEST_ID);
	assert_false(find_connection_desc(g.hv, ROOT_ID, CONN_ID, NULL));
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, DEFAULT_VALUE,
		     HVDB_WRITE_FIRE, CONN_ID);
	teardown(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_access_create_port),
		cmocka_unit_test(test_access_connect_port),
		cmocka_unit_test(test_access_disconnect_port),
		cmocka_unit_test(test_access_delete_port),
		cmocka_unit_test(test_access_self_resolves_to_caller),
	};

	return cmocka_run_group_tests_name("access", tests, NULL, NULL);
}
