/* test_hostile.c - one test per libhvdb finding of issue 14 ("isolation
 * and hostile input"), each named after what a hostile or careless caller
 * could do before the fix.
 *
 * The program is linked with -Wl,--wrap=urcu_bp_barrier (liburcu-bp's
 * rcu_barrier), so it can count the barriers hvdb_destroy() waits for
 * without timing anything.
 */
#include "helpers.h"

#define ROOT_PORT 7 /* a port id the root uses */

void __real_urcu_bp_barrier(void);
void __wrap_urcu_bp_barrier(void);

static unsigned barriers;

void __wrap_urcu_bp_barrier(void)
{
	barriers++;
	__real_urcu_bp_barrier();
}

/* The guest holds CreatePort and ConnectPort; the root uses ROOT_PORT. */
static void hv_with_privileged_guest(struct guest *g)
{
	hv_with_guest_opts(g, &guest_with_both_privileges);
	port_create(g, ROOT_PORT);
}

/* Finding: "a guest learns the root's port ids". A guest with CreatePort
 * calling on itself got port-id-in-use for an id the root uses and
 * doorbell-port-requires-root for a free one. SPEC §3 CreatePort 3 looks
 * in the port partition, which for a guest holds no ports: every valid id
 * answers doorbell-port-requires-root, typed and raw. */
static void guest_learns_root_port_ids(void **state)
{
	const HV_PORT_ID ids[] = { ROOT_PORT, ROOT_PORT + 1 };
	HV_INPUT_CREATE_PORT in;
	enum hvdb_reason why;
	struct guest g;

	(void)state;
	hv_with_privileged_guest(&g);
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		in = create_port_input(&g, ids[i]);
		in.PortPartition = HV_PARTITION_ID_SELF;
		assert_status(hvdb_port_create(g.hv, g.id, &in, &why), why,
			      HV_STATUS_ACCESS_DENIED,
			      "doorbell-port-requires-root");
		assert_status(hvdb_hypercall(g.hv, g.id, HVCALL_CREATE_PORT,
					     &in, sizeof(in), &why),
			      why, HV_STATUS_ACCESS_DENIED,
			      "doorbell-port-requires-root");
	}
	/* the root still finds its own id in use */
	in = create_port_input(&g, ROOT_PORT);
	assert_status(hvdb_port_create(g.hv, ROOT_ID, &in, &why), why,
		      HV_STATUS_INVALID_PORT_ID, "port-id-in-use");
	teardown(&g);
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
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
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
	struct guest busy, g;
	struct hvdb *hv;

	(void)state;
	/* another handle starts the call_rcu worker */
	hv_with_privileged_guest(&busy);
	delete_port(&busy, ROOT_PORT);
	barriers = 0;
	hv = hvdb_create(NULL);
	assert_non_null(hv);
	hvdb_destroy(hv);
	assert_int_equal(barriers, 0);
	/* a guest partition but nothing to reclaim: still no wait (ports
	 * are freed through call_rcu, so a handle with ports waits) */
	hv_with_guest(&g);
	teardown(&g);
	assert_int_equal(barriers, 0);
	/* the handle that queued a free waits for it */
	teardown(&busy);
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
