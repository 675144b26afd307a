/* test_lifecycle.c - SPEC §3 DisconnectPort/DeletePort lifecycles:
 * what stays, what goes, what is reusable, and the connection limit. */
#include "helpers.h"

#define SIZE_(s) HV_DOORBELL_FLAG_TRIGGER_SIZE_##s

/* The port and one DWORD connection of value 1 at DOORBELL_GPA. */
static void guest_with_connection(struct guest *g)
{
	hv_with_guest(g);
	port_create(g, PORT_ID);
	connect_port(g, CONN_ID, PORT_ID, DOORBELL_GPA, SIZE_(DWORD), 1);
}

/* SPEC §3 DisconnectPort: afterwards no write matches it and its id is
 * free; the freed trigger no longer conflicts. */
static void test_lifecycle_disconnect_frees_id_and_trigger(void **state)
{
	struct guest g;

	(void)state;
	guest_with_connection(&g);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE,
		     CONN_ID);
	disconnect_port(&g, CONN_ID);

	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_MISS, 0);
	assert_int_equal(port_stats(&g, PORT_ID).triggers, 1);
	/* The same id and the same trigger are free again. */
	connect_port(&g, CONN_ID, PORT_ID, DOORBELL_GPA, SIZE_(DWORD), 1);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE,
		     CONN_ID);
	disconnect_port(&g, CONN_ID);
	/* A wildcard that would have conflicted is accepted now. */
	connect_port(&g, CONN_ID + 1, PORT_ID, DOORBELL_GPA, ANY_SIZE_ANY_VALUE,
		     0);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE,
		     CONN_ID + 1);
	teardown(&g);
}

/* SPEC §3 DeletePort: connections keep ids and triggers, show
 * port_deleted, and their matching writes are dropped (not counted, not
 * a miss); the port's stats are -ENOENT. */
static void test_lifecycle_delete_port_keeps_connections(void **state)
{
	struct hvdb_connection_desc d;
	struct hvdb_write_outcome out;
	struct hvdb_port_stats stats;
	HV_PORT_ID popped;
	struct guest g;

	(void)state;
	guest_with_connection(&g);
	delete_port(&g, PORT_ID);

	assert_true(find_connection_desc(g.hv, GUEST_ID, CONN_ID, &d));
	assert_true(d.port_deleted);
	assert_int_equal(d.port_id, PORT_ID);
	assert_int_equal(d.info.DoorbellConnectionInfo.GuestPhysicalAddress,
			 DOORBELL_GPA);
	assert_int_equal(hvdb_write(g.hv, GUEST_ID, DOORBELL_GPA, 4, 1, &out),
			 HVDB_WRITE_DROPPED);
	assert_int_equal(out.connection_id, CONN_ID);
	assert_int_equal(hvdb_port_stats(g.hv, PORT_ID, &stats), -ENOENT);
	/* Dropped: nothing is queued for the consumer. */
	assert_int_equal(
		hvdb_ring_pop(g.hv, 0, HV_SYNIC_DOORBELL_SINT_INDEX, &popped),
		0);
	/* Other writes still miss. */
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 2, HVDB_WRITE_MISS, 0);
	teardown(&g);
}

/* SPEC §3 DeletePort: the orphaned connection still holds its id and
 * still counts for conflicts until it is disconnected. */
static void test_lifecycle_deleted_port_connection_still_conflicts(void **state)
{
	HV_INPUT_CONNECT_PORT in;
	enum hvdb_reason reason;
	struct guest g;

	(void)state;
	guest_with_connection(&g);
	delete_port(&g, PORT_ID);
	port_create(&g, PORT_ID + 1);

	in = connect_port_input(&g, CONN_ID + 1, PORT_ID + 1, DOORBELL_GPA);
	assert_status(try_connect_port(&g, ROOT_ID, &in, &reason), reason,
		      HV_STATUS_INVALID_PARAMETER, "trigger-conflict");
	in = connect_port_input(&g, CONN_ID, PORT_ID + 1, DOORBELL_GPA + 0x100);
	assert_status(try_connect_port(&g, ROOT_ID, &in, &reason), reason,
		      HV_STATUS_INVALID_CONNECTION_ID, "connection-id-in-use");

	disconnect_port(&g, CONN_ID);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_MISS, 0);
	connect_port(&g, CONN_ID + 1, PORT_ID + 1, DOORBELL_GPA, SIZE_(DWORD),
		     1);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE,
		     CONN_ID + 1);
	teardown(&g);
}

/* SPEC §3 DeletePort: a port created later with the same id is a new
 * port; old connections never re-attach to it. */
static void test_lifecycle_new_port_same_id_is_new(void **state)
{
	struct hvdb_connection_desc d;
	struct hvdb_port_desc port;
	struct guest g;

	(void)state;
	guest_with_connection(&g);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE,
		     CONN_ID);
	delete_port(&g, PORT_ID);
	port_create(&g, PORT_ID);

	assert_true(find_port_desc(g.hv, PORT_ID, &port));
	assert_int_equal(port.connection_count, 0);
	assert_int_equal(port.stats.triggers, 0);
	assert_true(find_connection_desc(g.hv, GUEST_ID, CONN_ID, &d));
	assert_true(d.port_deleted);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_DROPPED,
		     CONN_ID);
	assert_int_equal(port_stats(&g, PORT_ID).triggers, 0);
	/* A new connection to the new port fires it. */
	connect_port(&g, CONN_ID + 1, PORT_ID, DOORBELL_GPA + 4, SIZE_(DWORD),
		     1);
	assert_write(&g, GUEST_ID, DOORBELL_GPA + 4, 4, 1, HVDB_WRITE_FIRE,
		     CONN_ID + 1);
	assert_int_equal(port_stats(&g, PORT_ID).triggers, 1);
	teardown(&g);
}

/* SPEC §3 Connect 4: a deleted port is unknown to new connections. */
static void test_lifecycle_connect_to_deleted_port(void **state)
{
	HV_INPUT_CONNECT_PORT in;
	enum hvdb_reason reason;
	struct guest g;
	char *before;

	(void)state;
	hv_with_guest(&g);
	port_create(&g, PORT_ID);
	delete_port(&g, PORT_ID);

	in = connect_port_input(&g, CONN_ID, PORT_ID, DOORBELL_GPA);
	before = state_digest(g.hv);
	assert_status(try_connect_port(&g, ROOT_ID, &in, &reason), reason,
		      HV_STATUS_INVALID_PORT_ID, "unknown-port");
	assert_state_unchanged(g.hv, before);
	teardown(&g);
}

/* SPEC §3 Connect 14: the partition's connection limit counts live
 * connections; disconnecting one makes room again. */
static void test_lifecycle_connection_limit(void **state)
{
	struct guest_opts opts = guest_opts_default();
	struct hvdb_partition_desc p;
	HV_INPUT_CONNECT_PORT in;
	enum hvdb_reason reason;
	struct guest g;

	(void)state;
	opts.connection_limit = 2;
	hv_with_guest_opts(&g, &opts);
	port_create(&g, PORT_ID);
	connect_port(&g, 1, PORT_ID, DOORBELL_GPA, SIZE_(DWORD), 1);
	connect_port(&g, 2, PORT_ID, DOORBELL_GPA + 8, SIZE_(DWORD), 1);

	in = connect_port_input(&g, 3, PORT_ID, DOORBELL_GPA + 16);
	assert_status(try_connect_port(&g, ROOT_ID, &in, &reason), reason,
		      HV_STATUS_INSUFFICIENT_MEMORY, "connection-limit");
	assert_true(find_partition_desc(g.hv, GUEST_ID, &p));
	assert_int_equal(p.connection_limit, 2);
	assert_int_equal(p.connection_count, 2);
	disconnect_port(&g, 1);
	connect_port_in(&g, ROOT_ID, &in);
	assert_true(find_partition_desc(g.hv, GUEST_ID, &p));
	assert_int_equal(p.connection_count, 2);
	teardown(&g);
}

/* SPEC §2: many connections may share a port; the port counts them and
 * every one fires it. */
static void test_lifecycle_connections_share_port(void **state)
{
	struct hvdb_port_desc port;
	struct guest g;
	unsigned i;

	(void)state;
	hv_with_guest(&g);
	port_create(&g, PORT_ID);
	for (i = 1; i <= 4; i++)
		connect_port(&g, i, PORT_ID, DOORBELL_GPA + 8 * i, SIZE_(BYTE),
			     i);
	assert_true(find_port_desc(g.hv, PORT_ID, &port));
	assert_int_equal(port.connection_count, 4);
	for (i = 1; i <= 4; i++)
		assert_write(&g, GUEST_ID, DOORBELL_GPA + 8 * i, 1, i,
			     HVDB_WRITE_FIRE, i);
	assert_int_equal(port_stats(&g, PORT_ID).triggers, 4);
	disconnect_port(&g, 2);
	assert_true(find_port_desc(g.hv, PORT_ID, &port));
	assert_int_equal(port.connection_count, 3);
	teardown(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_lifecycle_disconnect_frees_id_and_trigger),
		cmocka_unit_test(test_lifecycle_delete_port_keeps_connections),
		cmocka_unit_test(
			test_lifecycle_deleted_port_connection_still_conflicts),
		cmocka_unit_test(test_lifecycle_new_port_same_id_is_new),
		cmocka_unit_test(test_lifecycle_connect_to_deleted_port),
		cmocka_unit_test(test_lifecycle_connection_limit),
		cmocka_unit_test(test_lifecycle_connections_share_port),
	};

	return cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL);
}
