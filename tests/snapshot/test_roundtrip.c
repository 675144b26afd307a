/* test_roundtrip.c - restore(save(x)) behaves like x for every write.
 *
 * Property test over random states (seeded, so a failing seed replays):
 * same introspection, the same document when saved again, the same
 * answer to every lookup on every connection GPA and to random misses,
 * and the same outcome for the same operations afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap.h"

#define SEEDS 300u
#define FUTURE_OPS 200u

/* SPEC §2-§4 through a snapshot: a random state and its restored copy
 * are indistinguishable now and after the same future. */
static void test_random_states_round_trip(void **state)
{
	struct state_stats sum = { 0 }, s;

	(void)state;
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct hvdb *x = random_state(seed, &s);
		struct hvdb *y = save_restore(x);
		struct rng r = { seed ^ 0xABCDEFull };
		char *jx = save(x, NULL), *jy = save(y, NULL);

		assert_same_text("document saved again", jx, jy);
		assert_same_lookups(x, y, &r);
		assert_same_future(x, y, seed * 7919, FUTURE_OPS);
		free(jx);
		free(jy);
		hvdb_destroy(x);
		hvdb_destroy(y);
		sum.connections += s.connections;
		sum.deleted_port_connections += s.deleted_port_connections;
		sum.live_ports += s.live_ports;
		sum.ram_partitions += s.ram_partitions;
		sum.counted_ports += s.counted_ports;
	}
	print_message(
		"%u states: %u connections (%u of deleted ports), "
		"%u live ports (%u with counts), %u partitions with RAM\n",
		SEEDS, sum.connections, sum.deleted_port_connections,
		sum.live_ports, sum.counted_ports, sum.ram_partitions);
	/* the property means little unless the states cover each case */
	assert_true(sum.connections > SEEDS);
	assert_true(sum.deleted_port_connections > SEEDS / 10);
	assert_true(sum.counted_ports > SEEDS / 10);
	assert_true(sum.ram_partitions > SEEDS / 10);
}

/* A fresh hypervisor (only the root) round-trips. */
static void test_empty_hypervisor(void **state)
{
	struct hvdb *x = hvdb_create(NULL), *y;
	struct rng r = { 1 };

	(void)state;
	y = save_restore(x);
	assert_same_lookups(x, y, &r);
	assert_same_future(x, y, 42, 100);
	hvdb_destroy(x);
	hvdb_destroy(y);
}

/* SPEC §3 DeletePort: a port deleted twice under one id, with a live
 * port of that id again, keeps each connection's fate. */
static void test_deleted_and_reused_port_id(void **state)
{
	HV_INPUT_CREATE_PORT port = {
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = 9,
		.PortInfo.PortType = HvPortTypeDoorbell,
		.PortInfo.DoorbellPortInfo.TargetSint = 7,
	};
	HV_INPUT_DELETE_PORT del = { HVDB_ROOT_PARTITION_ID, 9, 0 };
	HV_INPUT_CONNECT_PORT conn = {
		.ConnectionPartition = HVDB_ROOT_PARTITION_ID,
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = 9,
		.ConnectionInfo.PortType = HvPortTypeDoorbell,
		.ConnectionInfo.DoorbellConnectionInfo.GuestPhysicalAddress =
			0x5000,
		.ConnectionInfo.DoorbellConnectionInfo.Flags =
			HV_DOORBELL_FLAG_TRIGGER_SIZE_BYTE,
	};
	struct hvdb_write_outcome o;
	struct hvdb *x = hvdb_create(NULL), *y;
	struct rng r = { 9 };

	(void)state;
	for (uint32_t gen = 0; gen < 3; gen++) {
		assert_int_equal(hvdb_port_create(x, 1, &port, NULL), 0);
		conn.ConnectionId = gen;
		conn.ConnectionInfo.DoorbellConnectionInfo.TriggerValue = gen;
		assert_int_equal(hvdb_port_connect(x, 1, &conn, NULL), 0);
		if (gen < 2)
			assert_int_equal(hvdb_port_delete(x, 1, &del, NULL), 0);
	}
	assert_int_equal(hvdb_write(x, 1, 0x5000, 1, 2, &o), HVDB_WRITE_FIRE);
	y = save_restore(x);
	assert_int_equal(hvdb_write(y, 1, 0x5000, 1, 0, &o),
			 HVDB_WRITE_DROPPED);
	assert_int_equal(hvdb_write(y, 1, 0x5000, 1, 1, &o),
			 HVDB_WRITE_DROPPED);
	assert_int_equal(hvdb_write(y, 1, 0x5000, 1, 2, &o), HVDB_WRITE_FIRE);
	assert_int_equal(o.connection_id, 2);
	assert_int_equal(hvdb_write(x, 1, 0x5000, 1, 2, &o), HVDB_WRITE_FIRE);
	assert_same_lookups(x, y, &r);
	hvdb_destroy(x);
	hvdb_destroy(y);
}

/* Not preserved, by design: the notification rings start empty, and a
 * fire after restore queues the port again. */
static void test_rings_start_empty(void **state)
{
	HV_INPUT_CREATE_PORT port = {
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = 4,
		.PortInfo.PortType = HvPortTypeDoorbell,
		.PortInfo.DoorbellPortInfo.TargetSint = 5,
	};
	HV_INPUT_CONNECT_PORT conn = {
		.ConnectionPartition = HVDB_ROOT_PARTITION_ID,
		.ConnectionId = 1,
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = 4,
		.ConnectionInfo.PortType = HvPortTypeDoorbell,
		.ConnectionInfo.DoorbellConnectionInfo.GuestPhysicalAddress =
			0x1000,
		.ConnectionInfo.DoorbellConnectionInfo.Flags =
			HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE,
	};
	struct hvdb *x = hvdb_create(NULL), *y;
	struct hvdb_port_stats st;
	HV_PORT_ID id;

	(void)state;
	assert_int_equal(hvdb_port_create(x, 1, &port, NULL), 0);
	assert_int_equal(hvdb_port_connect(x, 1, &conn, NULL), 0);
	assert_int_equal(hvdb_write(x, 1, 0x1000, 4, 7, NULL), HVDB_WRITE_FIRE);
	y = save_restore(x);
	assert_int_equal(hvdb_ring_pop(y, 0, 5, &id), 0);
	assert_int_equal(hvdb_port_stats(y, 4, &st), 0);
	assert_int_equal(st.triggers, 1);
	assert_int_equal(hvdb_write(y, 1, 0x1000, 2, 7, NULL), HVDB_WRITE_FIRE);
	assert_int_equal(hvdb_ring_pop(y, 0, 5, &id), 1);
	assert_int_equal(id, 4);
	assert_int_equal(hvdb_port_stats(y, 4, &st), 0);
	assert_int_equal(st.triggers, 2);
	hvdb_destroy(x);
	hvdb_destroy(y);
}

/* The FILE variants carry the same document. */
static void test_file_round_trip(void **state)
{
	struct hvdb_snapshot_error err;
	struct hvdb *x = random_state(77, NULL), *y = NULL;
	struct rng r = { 77 };
	FILE *f = tmpfile();

	(void)state;
	assert_non_null(f);
	assert_int_equal(hvdb_snapshot_save_file(x, f, &err), 0);
	rewind(f);
	assert_int_equal(hvdb_snapshot_restore_file(f, NULL, NULL, &y, &err),
			 0);
	fclose(f);
	assert_same_lookups(x, y, &r);
	hvdb_destroy(x);
	hvdb_destroy(y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_states_round_trip),
		cmocka_unit_test(test_empty_hypervisor),
		cmocka_unit_test(test_deleted_and_reused_port_id),
		cmocka_unit_test(test_rings_start_empty),
		cmocka_unit_test(test_file_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
