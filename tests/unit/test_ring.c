/* test_ring.c - SPEC §4 notification rings: each fire queues the port id
 * on the (target VP, SINT) ring of the root; a pending port is not queued
 * twice; 63 slots; when full, further ports stay pending until the
 * consumer drains the ring and calls hvdb_ring_notify_empty; no fire is
 * lost. HV_ANY_VP ports use VP 0. */
#include "helpers.h"

#define SINT HV_SYNIC_DOORBELL_SINT_INDEX
#define SIZE_(s) HV_DOORBELL_FLAG_TRIGGER_SIZE_##s

/* Root port (id) targeting (vp, sint), with connection (id) at its own
 * GPA of the guest. */
static void port_on_ring(struct guest *g, HV_PORT_ID id, uint32_t vp,
			 uint32_t sint)
{
	HV_INPUT_CREATE_PORT in = create_port_input(g, id);

	in.PortInfo.DoorbellPortInfo.TargetVp = vp;
	in.PortInfo.DoorbellPortInfo.TargetSint = sint;
	port_create_in(g, ROOT_ID, &in);
	connect_port(g, id, id, DOORBELL_GPA + 8 * id, SIZE_(BYTE), 1);
}

static void fire(struct guest *g, HV_PORT_ID id)
{
	assert_write(g, GUEST_ID, DOORBELL_GPA + 8 * id, 1, 1, HVDB_WRITE_FIRE,
		     id);
}

/* Pops one id from (vp, sint); -1 when the ring is empty. */
static int64_t pop(struct guest *g, uint32_t vp, uint32_t sint)
{
	HV_PORT_ID id = 0;
	int rc = hvdb_ring_pop(g->hv, vp, sint, &id);

	assert_true(rc == 0 || rc == 1);
	return rc == 1 ? (int64_t)id : -1;
}

/* SPEC §4: a fire queues the port on its (VP, SINT) ring and nowhere
 * else; HV_ANY_VP queues on VP 0. */
static void test_ring_queues_on_target(void **state)
{
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	port_on_ring(&g, 1, 1, SINT);
	port_on_ring(&g, 2, 0, 6);
	port_on_ring(&g, 3, HV_ANY_VP, SINT);
	fire(&g, 1);
	fire(&g, 2);
	fire(&g, 3);

	assert_int_equal(pop(&g, 1, SINT), 1);
	assert_int_equal(pop(&g, 1, SINT), -1);
	assert_int_equal(pop(&g, 0, 6), 2);
	assert_int_equal(pop(&g, 0, 6), -1);
	assert_int_equal(pop(&g, 0, SINT), 3);
	assert_int_equal(pop(&g, 0, SINT), -1);
	assert_int_equal(pop(&g, 2, SINT), -1);
	teardown(&g);
}

/* SPEC §4: a pending port is not queued twice; once taken, a new fire
 * queues it again. Pops come oldest first. */
static void test_ring_coalesces_and_is_fifo(void **state)
{
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	port_on_ring(&g, 1, 0, SINT);
	port_on_ring(&g, 2, 0, SINT);
	port_on_ring(&g, 3, 0, SINT);
	fire(&g, 3);
	fire(&g, 1);
	fire(&g, 3);
	fire(&g, 2);
	fire(&g, 1);

	assert_int_equal(pop(&g, 0, SINT), 3);
	assert_int_equal(pop(&g, 0, SINT), 1);
	assert_int_equal(pop(&g, 0, SINT), 2);
	assert_int_equal(pop(&g, 0, SINT), -1);
	fire(&g, 3);
	assert_int_equal(pop(&g, 0, SINT), 3);
	assert_int_equal(port_stats(&g, 3).triggers, 3);
	teardown(&g);
}

/* SPEC §4: the ring has 63 slots. Firing more ports fills it; the rest
 * stay pending (not lost, not queued twice) until the consumer drains the
 * ring and says it is empty; then they are queued. */
static void test_ring_full_holds_back_until_empty(void **state)
{
	enum { PORTS = HVDB_RING_SLOTS + 7 };
	bool seen[PORTS + 1] = { false };
	struct guest g;
	int64_t id;
	unsigned i, held = 0;

	(void)state;
	hv_with_guest(&g);
	for (i = 1; i <= PORTS; i++)
		port_on_ring(&g, i, 0, SINT);
	for (i = 1; i <= PORTS; i++) {
		fire(&g, i);
		fire(&g, i);
	}
	for (i = 1; i <= HVDB_RING_SLOTS; i++)
		assert_int_equal(pop(&g, 0, SINT), i);
	assert_int_equal(pop(&g, 0, SINT), -1);

	assert_int_equal(hvdb_ring_notify_empty(g.hv, 0, SINT), 0);
	while ((id = pop(&g, 0, SINT)) != -1) {
		assert_true(id > HVDB_RING_SLOTS && id <= PORTS);
		assert_false(seen[id]);
		seen[id] = true;
		held++;
	}
	assert_int_equal(held, PORTS - HVDB_RING_SLOTS);
	for (i = 1; i <= PORTS; i++)
		assert_int_equal(port_stats(&g, i).triggers, 2);
	teardown(&g);
}

/* hvdb.h: account_offloaded fires queue the port like userspace fires. */
static void test_ring_offloaded_fires_queue(void **state)
{
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	port_on_ring(&g, 5, 1, 9);
	assert_int_equal(hvdb_port_account_offloaded(g.hv, 5, 3), 0);
	assert_int_equal(pop(&g, 1, 9), 5);
	assert_int_equal(pop(&g, 1, 9), -1);
	teardown(&g);
}

/* hvdb.h: a VP beyond the root's or a SINT beyond 15 is -EINVAL. */
static void test_ring_bad_vp_or_sint(void **state)
{
	HV_PORT_ID id;
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	assert_int_equal(hvdb_ring_pop(g.hv, ROOT_VPS, SINT, &id), -EINVAL);
	assert_int_equal(hvdb_ring_pop(g.hv, 0, HV_SYNIC_SINT_COUNT, &id),
			 -EINVAL);
	assert_int_equal(hvdb_ring_notify_empty(g.hv, ROOT_VPS, SINT), -EINVAL);
	assert_int_equal(hvdb_ring_notify_empty(g.hv, 0, HV_SYNIC_SINT_COUNT),
			 -EINVAL);
	assert_int_equal(hvdb_ring_pop(g.hv, ROOT_VPS - 1, 15, &id), 0);
	assert_int_equal(hvdb_ring_notify_empty(g.hv, ROOT_VPS - 1, 15), 0);
	teardown(&g);
}

/* Issue 13: a ring entry names a port instance. A port deleted while
 * queued leaves a late entry; a new port with its id starts clean: the
 * late entry is dropped, not handed out as the new port, and does not
 * clear the new port's pending flag (which would queue it twice). */
static void test_ring_new_port_with_old_id_starts_clean(void **state)
{
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	port_on_ring(&g, 1, 0, SINT);
	fire(&g, 1);
	delete_port(&g, 1);
	port_create(&g, 1);
	connect_port(&g, 2, 1, DOORBELL_GPA + 0x100, SIZE_(BYTE), 1);
	assert_write(&g, GUEST_ID, DOORBELL_GPA + 0x100, 1, 1, HVDB_WRITE_FIRE,
		     2);
	assert_write(&g, GUEST_ID, DOORBELL_GPA + 0x100, 1, 1, HVDB_WRITE_FIRE,
		     2);

	assert_int_equal(pop(&g, 0, SINT), 1);
	assert_int_equal(pop(&g, 0, SINT), -1);
	assert_write(&g, GUEST_ID, DOORBELL_GPA + 0x100, 1, 1, HVDB_WRITE_FIRE,
		     2);
	assert_int_equal(pop(&g, 0, SINT), 1);
	assert_int_equal(pop(&g, 0, SINT), -1);
	assert_int_equal(port_stats(&g, 1).triggers, 3);
	teardown(&g);
}

/* Issue 13: a port deleted while held back by a full ring is never
 * handed out, even after its memory went (its connection went too); a
 * new port with its id that waits in turn is queued once. */
static void test_ring_deleted_waiting_port_is_dropped(void **state)
{
	enum { LAST = HVDB_RING_SLOTS + 1 };
	struct guest g;
	unsigned i;

	(void)state;
	hv_with_guest(&g);
	for (i = 1; i <= LAST; i++) {
		port_on_ring(&g, i, 0, SINT);
		fire(&g, i);
	}
	delete_port(&g, LAST);
	disconnect_port(&g, LAST);
	hvdb_synchronize(g.hv);
	port_create(&g, LAST);
	connect_port(&g, LAST, LAST, DOORBELL_GPA + 8 * LAST, SIZE_(BYTE), 1);
	fire(&g, LAST);

	for (i = 1; i <= HVDB_RING_SLOTS; i++)
		assert_int_equal(pop(&g, 0, SINT), i);
	assert_int_equal(pop(&g, 0, SINT), -1);
	assert_int_equal(hvdb_ring_notify_empty(g.hv, 0, SINT), 0);
	assert_int_equal(pop(&g, 0, SINT), LAST);
	assert_int_equal(pop(&g, 0, SINT), -1);
	teardown(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_queues_on_target),
		cmocka_unit_test(test_ring_coalesces_and_is_fifo),
		cmocka_unit_test(test_ring_full_holds_back_until_empty),
		cmocka_unit_test(test_ring_offloaded_fires_queue),
		cmocka_unit_test(test_ring_bad_vp_or_sint),
		cmocka_unit_test(test_ring_new_port_with_old_id_starts_clean),
		cmocka_unit_test(test_ring_deleted_waiting_port_is_dropped),
	};

	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
