/* test_hostile.c - one test per libhvdb finding of issue 14 ("isolation
 * and hostile input"), each named after what a hostile or careless caller
 * could do before the fix.
 *
 * The program is linked with -Wl,--wrap=urcu_bp_barrier (liburcu-bp's
 * rcu_barrier), so it can count the barriers hvdb_destroy() waits for
 * without timing anything.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <hvdb/hvdb.h>

#define GUEST 2
#define ROOT_PORT 7 /* a port id the root uses */

void __real_urcu_bp_barrier(void);
void __wrap_urcu_bp_barrier(void);

static unsigned barriers;

void __wrap_urcu_bp_barrier(void)
{
	barriers++;
	__real_urcu_bp_barrier();
}

static HV_INPUT_CREATE_PORT create_input(uint64_t port_partition, HV_PORT_ID id)
{
	HV_INPUT_CREATE_PORT in = {
		.PortPartition = port_partition,
		.PortId = id,
		.ConnectionPartition = GUEST,
		.PortInfo.PortType = HvPortTypeDoorbell,
		.PortInfo.DoorbellPortInfo.TargetSint = 5,
		.PortInfo.DoorbellPortInfo.TargetVp = HV_ANY_VP,
	};

	return in;
}

/* A hypervisor with guest GUEST holding CreatePort and ConnectPort, and
 * root port ROOT_PORT offered to it. */
static struct hvdb *hv_with_privileged_guest(void)
{
	struct hvdb *hv = hvdb_create(NULL);
	struct hvdb_partition_config pc;
	HV_INPUT_CREATE_PORT in =
		create_input(HVDB_ROOT_PARTITION_ID, ROOT_PORT);

	assert_non_null(hv);
	hvdb_partition_config_init(&pc, GUEST);
	pc.privileges = HV_PRIVILEGE_CREATE_PORT | HV_PRIVILEGE_CONNECT_PORT;
	assert_int_equal(hvdb_partition_create(hv, &pc, NULL),
			 HV_STATUS_SUCCESS);
	assert_int_equal(
		hvdb_port_create(hv, HVDB_ROOT_PARTITION_ID, &in, NULL),
		HV_STATUS_SUCCESS);
	return hv;
}

static void assert_reason(HV_STATUS got, enum hvdb_reason why, HV_STATUS want,
			  const char *want_reason)
{
	if (got != want || strcmp(hvdb_reason_name(why), want_reason))
		fail_msg("wanted %s %s, got %s %s", hvdb_status_name(want),
			 want_reason, hvdb_status_name(got),
			 hvdb_reason_name(why));
}

/* Finding: "a guest learns the root's port ids". A guest with CreatePort
 * calling on itself got port-id-in-use for an id the root uses and
 * doorbell-port-requires-root for a free one. SPEC §3 CreatePort 3 looks
 * in the port partition, which for a guest holds no ports: every valid id
 * answers doorbell-port-requires-root, typed and raw. */
static void guest_learns_root_port_ids(void **state)
{
	struct hvdb *hv = hv_with_privileged_guest();
	const HV_PORT_ID ids[] = { ROOT_PORT, ROOT_PORT + 1 };
	HV_INPUT_CREATE_PORT in;
	enum hvdb_reason why;
	HV_STATUS st;

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		in = create_input(HV_PARTITION_ID_SELF, ids[i]);
		st = hvdb_port_create(hv, GUEST, &in, &why);
		assert_reason(st, why, HV_STATUS_ACCESS_DENIED,
			      "doorbell-port-requires-root");
		st = hvdb_hypercall(hv, GUEST, HVCALL_CREATE_PORT, &in,
				    sizeof(in), &why);
		assert_reason(st, why, HV_STATUS_ACCESS_DENIED,
			      "doorbell-port-requires-root");
	}
	/* the root still finds its own id in use */
	in = create_input(HVDB_ROOT_PARTITION_ID, ROOT_PORT);
	st = hvdb_port_create(hv, HVDB_ROOT_PARTITION_ID, &in, &why);
	assert_reason(st, why, HV_STATUS_INVALID_PORT_ID, "port-id-in-use");
	hvdb_destroy(hv);
}

/* Finding: "hvdb_create accepts a million root VPs (5 GB)". The root's
 * VP count sizes its rings: above HVDB_ROOT_VP_MAX, hvdb_create refuses
 * with EINVAL before allocating anything. */
static void create_accepts_a_million_root_vps(void **state)
{
	const uint32_t refused[] = { HVDB_ROOT_VP_MAX + 1, 1000000,
				     HV_ANY_VP - 1, HV_ANY_VP };
	struct hvdb_config config = { .root_vp_count = HVDB_ROOT_VP_MAX };
	struct hvdb *hv;

	(void)state;
	hv = hvdb_create(&config); /* the limit itself works */
	assert_non_null(hv);
	hvdb_destroy(hv);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		config.root_vp_count = refused[i];
		errno = 0;
		assert_null(hvdb_create(&config));
		assert_int_equal(errno, EINVAL);
	}
}

/* Finding: "hvdb_destroy costs ~10 ms even when empty". It ran
 * rcu_barrier(), which waits for liburcu's call_rcu worker (a 10 ms
 * batching sleep) as soon as any handle in the process has used it. Now
 * it waits only for reclamation its own handle queued. */
static void destroy_of_empty_handle_waits_for_rcu_barrier(void **state)
{
	HV_INPUT_DELETE_PORT del = { .PortPartition = HVDB_ROOT_PARTITION_ID,
				     .PortId = ROOT_PORT };
	struct hvdb *busy = hv_with_privileged_guest();
	struct hvdb *hv;

	(void)state;
	/* another handle starts the call_rcu worker */
	assert_int_equal(
		hvdb_port_delete(busy, HVDB_ROOT_PARTITION_ID, &del, NULL),
		HV_STATUS_SUCCESS);
	barriers = 0;
	hv = hvdb_create(NULL);
	assert_non_null(hv);
	hvdb_destroy(hv);
	assert_int_equal(barriers, 0);
	/* populated but nothing reclaimed: still no wait */
	hv = hv_with_privileged_guest();
	hvdb_destroy(hv);
	assert_int_equal(barriers, 0);
	/* the handle that queued a free waits for it */
	hvdb_destroy(busy);
	assert_int_equal(barriers, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guest_learns_root_port_ids),
		cmocka_unit_test(create_accepts_a_million_root_vps),
		cmocka_unit_test(destroy_of_empty_handle_waits_for_rcu_barrier),
	};

	return cmocka_run_group_tests_name("hostile", tests, NULL, NULL);
}
