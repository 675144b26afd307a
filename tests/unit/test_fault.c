/* test_fault.c - fault injection (STYLE 19, hvdb.h): hvdb_fault_arm(hv, n)
 * makes the n-th fault point fail. Walking n = 1, 2, ... over a call,
 * every injected failure must refuse the call with INSUFFICIENT_MEMORY and
 * change nothing, and the same call must then succeed once disarmed. */
#include "helpers.h"

#define WALK_LIMIT 64

/* Fresh guest, base(), then per n: arm, call, disarm. Returns how many
 * n made the call fail. (backend) registers a do-nothing backend. */
static unsigned fault_walk(void (*base)(struct guest *, struct hv_call *),
			   const struct hvdb_backend_ops *backend,
			   const char *alt_reason)
{
	enum hvdb_reason reason;
	struct hv_call call;
	struct guest g;
	unsigned n, failed = 0;
	uint64_t passed;
	HV_STATUS st;
	char *before;

	for (n = 1; n < WALK_LIMIT; n++) {
		hv_with_guest(&g);
		if (backend)
			assert_int_equal(hvdb_partition_set_backend(
						 g.hv, GUEST_ID, backend, NULL),
					 0);
		memset(&call, 0, sizeof(call));
		base(&g, &call);
		before = state_digest(g.hv);
		hvdb_fault_arm(g.hv, n);
		st = call_do(&g, &call, CALL_TYPED, &reason);
		passed = hvdb_fault_count(g.hv);
		hvdb_fault_arm(g.hv, 0);
		if (passed < n) {
			/* Ran past the last fault point: nothing failed. */
			assert_status(st, reason, HV_STATUS_SUCCESS, "ok");
			free(before);
			teardown(&g);
			break;
		}
		failed++;
		if (alt_reason && st == HV_STATUS_INSUFFICIENT_MEMORY &&
		    strcmp(hvdb_reason_name(reason), alt_reason) == 0)
			assert_status(st, reason, HV_STATUS_INSUFFICIENT_MEMORY,
				      alt_reason);
		else
			assert_status(st, reason, HV_STATUS_INSUFFICIENT_MEMORY,
				      "out-of-memory");
		assert_state_unchanged(g.hv, before);
		assert_status(call_do(&g, &call, CALL_TYPED, &reason), reason,
			      HV_STATUS_SUCCESS, "ok");
		teardown(&g);
	}
	assert_true(n < WALK_LIMIT);
	return failed;
}

static int nop_attach(void *opaque, const struct hvdb_trigger *t, void **cookie)
{
	(void)opaque;
	(void)t;
	*cookie = NULL;
	return 0;
}

static void nop_detach(void *opaque, const struct hvdb_trigger *t, void *cookie)
{
	(void)opaque;
	(void)t;
	(void)cookie;
}

static const struct hvdb_backend_ops nop_ops = {
	.attach = nop_attach,
	.detach = nop_detach,
};

/* SPEC §3 "a refused call changes nothing" under an injected allocation
 * failure in CreatePort (fault site alloc-port). */
static void test_fault_create_port_walk(void **state)
{
	(void)state;
	assert_true(fault_walk(base_create_port, NULL, NULL) >= 1);
}

/* ... in ConnectPort (fault site alloc-connection). */
static void test_fault_connect_port_walk(void **state)
{
	(void)state;
	assert_true(fault_walk(base_connect_port, NULL, NULL) >= 1);
}

/* ... in ConnectPort with a backend: the backend-attach site may fail
 * too, reported as backend-failure. */
static void test_fault_connect_port_backend_walk(void **state)
{
	(void)state;
	assert_true(fault_walk(base_connect_port, &nop_ops,
			       "backend-failure") >= 1);
}

/* hvdb.h hvdb_partition_create: an allocation failure is
 * INSUFFICIENT_MEMORY out-of-memory and no partition appears. */
static void test_fault_partition_create(void **state)
{
	struct hvdb_partition_config pc;
	enum hvdb_reason reason = HVDB_REASON_NONE;
	struct guest g;
	char *before;

	(void)state;
	hv_with_guest(&g);
	hvdb_partition_config_init(&pc, OTHER_GUEST_ID);
	before = state_digest(g.hv);
	hvdb_fault_arm(g.hv, 1);
	assert_status(hvdb_partition_create(g.hv, &pc, &reason), reason,
		      HV_STATUS_INSUFFICIENT_MEMORY, "out-of-memory");
	hvdb_fault_arm(g.hv, 0);
	assert_state_unchanged(g.hv, before);
	assert_false(hvdb_partition_exists(g.hv, OTHER_GUEST_ID));
	assert_status(hvdb_partition_create(g.hv, &pc, &reason), reason,
		      HV_STATUS_SUCCESS, "ok");
	teardown(&g);
}

/* hvdb.h: the n-th fault point passed after arming fails, only that one;
 * the count says how many passed; 0 disarms. */
static void test_fault_arm_counts(void **state)
{
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	hvdb_fault_arm(g.hv, 2);
	assert_int_equal(hvdb_fault_count(g.hv), 0);
	assert_false(hvdb_fault_hit(g.hv, HVDB_FAULT_ALLOC_PORT));
	assert_true(hvdb_fault_hit(g.hv, HVDB_FAULT_ALLOC_CONNECTION));
	assert_false(hvdb_fault_hit(g.hv, HVDB_FAULT_ALLOC_PORT));
	assert_int_equal(hvdb_fault_count(g.hv), 3);
	hvdb_fault_arm(g.hv, 0);
	assert_false(hvdb_fault_hit(g.hv, HVDB_FAULT_ALLOC_PORT));
	assert_false(hvdb_fault_hit(g.hv, HVDB_FAULT_ALLOC_PORT));
	/* Disarmed, ordinary calls work. */
	port_create(&g, PORT_ID);
	teardown(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_create_port_walk),
		cmocka_unit_test(test_fault_connect_port_walk),
		cmocka_unit_test(test_fault_connect_port_backend_walk),
		cmocka_unit_test(test_fault_partition_create),
		cmocka_unit_test(test_fault_arm_counts),
	};

	return cmocka_run_group_tests_name("fault", tests, NULL, NULL);
}
