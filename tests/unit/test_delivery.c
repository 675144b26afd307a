/* test_delivery.c - SPEC §4 firing: the port's trigger counter grows by
 * one, its eventfd is signalled once, its callback runs with the port and
 * connection ids; misses and drops deliver nothing. Offloaded fires
 * (hvdb_port_account_offloaded) count too, without the eventfd. */
#include "helpers.h"

#include <sys/eventfd.h>
#include <unistd.h>

#define SIZE_(s) HV_DOORBELL_FLAG_TRIGGER_SIZE_##s

struct fired {
	unsigned calls;
	HV_PORT_ID port_id;
	HV_CONNECTION_ID connection_id;
};

static void record_fire(void *opaque, HV_PORT_ID port_id,
			HV_CONNECTION_ID connection_id)
{
	struct fired *f = opaque;

	f->calls++;
	f->port_id = port_id;
	f->connection_id = connection_id;
}

/* The eventfd counter, drained; 0 when it was not signalled. */
static uint64_t eventfd_take(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v)) {
		assert_int_equal(errno, EAGAIN);
		return 0;
	}
	return v;
}

static int new_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	if (fd < 0)
		fail_msg("eventfd: %s", strerror(errno));
	return fd;
}

/* A guest with port PORT_ID, both of its listeners set (a new eventfd,
 * returned, and record_fire(f)) and connection CONN_ID on it at
 * DOORBELL_GPA, DWORD, value 1. The caller closes the eventfd after
 * teardown(). */
static int watched_port_up(struct guest *g, struct fired *f)
{
	int fd = new_eventfd();

	hv_with_guest(g);
	port_create(g, PORT_ID);
	assert_int_equal(hvdb_port_set_eventfd(g->hv, PORT_ID, fd), 0);
	assert_int_equal(hvdb_port_set_callback(g->hv, PORT_ID, record_fire, f),
			 0);
	connect_port(g, CONN_ID, PORT_ID, DOORBELL_GPA, SIZE_(DWORD), 1);
	return fd;
}

/* SPEC §4: each fire adds one to its port's counter only; misses add
 * nothing; stats split userspace and offloaded fires. */
static void test_delivery_counts_per_port(void **state)
{
	struct hvdb_port_stats s;
	struct guest g;
	int i;

	(void)state;
	hv_with_guest(&g);
	port_create(&g, 1);
	port_create(&g, 2);
	connect_port(&g, 10, 1, DOORBELL_GPA, SIZE_(DWORD), 1);
	connect_port(&g, 20, 2, DOORBELL_GPA + 8, SIZE_(DWORD), 1);
	for (i = 0; i < 3; i++)
		assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE,
			     10);
	assert_write(&g, GUEST_ID, DOORBELL_GPA + 8, 4, 1, HVDB_WRITE_FIRE, 20);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 2, HVDB_WRITE_MISS, 0);

	s = port_stats(&g, 1);
	assert_int_equal(s.triggers, 3);
	assert_int_equal(s.userspace, 3);
	assert_int_equal(s.offloaded, 0);
	assert_int_equal(port_stats(&g, 2).triggers, 1);
	teardown(&g);
}

/* SPEC §4: the port's eventfd is signalled once per fire, not on a miss,
 * and not after it is cleared with -1. */
static void test_delivery_eventfd_once_per_fire(void **state)
{
	struct guest g;
	int fd = new_eventfd();

	(void)state;
	hv_with_guest(&g);
	port_create(&g, PORT_ID);
	assert_int_equal(hvdb_port_set_eventfd(g.hv, PORT_ID, fd), 0);
	connect_port(&g, CONN_ID, PORT_ID, DOORBELL_GPA, SIZE_(DWORD), 1);

	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE,
		     CONN_ID);
	assert_int_equal(eventfd_take(fd), 1);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE,
		     CONN_ID);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE,
		     CONN_ID);
	assert_int_equal(eventfd_take(fd), 2);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 7, HVDB_WRITE_MISS, 0);
	assert_int_equal(eventfd_take(fd), 0);
	assert_int_equal(hvdb_port_set_eventfd(g.hv, PORT_ID, -1), 0);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE,
		     CONN_ID);
	assert_int_equal(eventfd_take(fd), 0);
	teardown(&g);
	close(fd);
}

/* SPEC §4: the callback runs once per fire with the port id and the
 * firing connection's id. */
static void test_delivery_callback_ids(void **state)
{
	struct fired f = { 0 };
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	port_create(&g, 0x42);
	assert_int_equal(hvdb_port_set_callback(g.hv, 0x42, record_fire, &f),
			 0);
	connect_port(&g, 0x77, 0x42, DOORBELL_GPA, SIZE_(BYTE), 3);
	connect_port(&g, 0x78, 0x42, DOORBELL_GPA + 1, SIZE_(BYTE), 3);

	assert_write(&g, GUEST_ID, DOORBELL_GPA, 1, 3, HVDB_WRITE_FIRE, 0x77);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.port_id, 0x42);
	assert_int_equal(f.connection_id, 0x77);
	assert_write(&g, GUEST_ID, DOORBELL_GPA + 1, 1, 3, HVDB_WRITE_FIRE,
		     0x78);
	assert_int_equal(f.calls, 2);
	assert_int_equal(f.connection_id, 0x78);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 1, 4, HVDB_WRITE_MISS, 0);
	assert_int_equal(f.calls, 2);
	assert_int_equal(hvdb_port_set_callback(g.hv, 0x42, NULL, NULL), 0);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 1, 3, HVDB_WRITE_FIRE, 0x77);
	assert_int_equal(f.calls, 2);
	teardown(&g);
}

/* SPEC §3 DeletePort: a dropped write notifies nothing: no eventfd, no
 * callback (the callback and eventfd belonged to the deleted port). */
static void test_delivery_dropped_notifies_nothing(void **state)
{
	struct fired f = { 0 };
	struct guest g;
	int fd;

	(void)state;
	fd = watched_port_up(&g, &f);
	delete_port(&g, PORT_ID);

	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_DROPPED,
		     CONN_ID);
	assert_int_equal(eventfd_take(fd), 0);
	assert_int_equal(f.calls, 0);
	teardown(&g);
	close(fd);
}

/* hvdb.h: account_offloaded counts fires a backend saw: triggers and
 * offloaded grow by (count), the callback runs with
 * HVDB_CONNECTION_ID_UNKNOWN, the eventfd is not signalled again. */
static void test_delivery_account_offloaded(void **state)
{
	struct hvdb_port_stats s;
	struct fired f = { 0 };
	struct guest g;
	int fd;

	(void)state;
	fd = watched_port_up(&g, &f);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE,
		     CONN_ID);
	assert_int_equal(eventfd_take(fd), 1);

	assert_int_equal(hvdb_port_account_offloaded(g.hv, PORT_ID, 5), 0);
	s = port_stats(&g, PORT_ID);
	assert_int_equal(s.triggers, 6);
	assert_int_equal(s.userspace, 1);
	assert_int_equal(s.offloaded, 5);
	assert_true(f.calls >= 2);
	assert_int_equal(f.port_id, PORT_ID);
	assert_int_equal(f.connection_id, HVDB_CONNECTION_ID_UNKNOWN);
	assert_int_equal(eventfd_take(fd), 0);
	teardown(&g);
	close(fd);
}

/* hvdb.h: the per-port calls on a port that does not exist are -ENOENT. */
static void test_delivery_unknown_port_enoent(void **state)
{
	struct hvdb_port_stats s;
	struct fired f = { 0 };
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	port_create(&g, PORT_ID);
	assert_int_equal(hvdb_port_stats(g.hv, PORT_ID + 1, &s), -ENOENT);
	assert_int_equal(hvdb_port_set_eventfd(g.hv, PORT_ID + 1, -1), -ENOENT);
	assert_int_equal(
		hvdb_port_set_callback(g.hv, PORT_ID + 1, record_fire, &f),
		-ENOENT);
	assert_int_equal(hvdb_port_account_offloaded(g.hv, PORT_ID + 1, 1),
			 -ENOENT);
	assert_int_equal(f.calls, 0);
	teardown(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delivery_counts_per_port),
		cmocka_unit_test(test_delivery_eventfd_once_per_fire),
		cmocka_unit_test(test_delivery_callback_ids),
		cmocka_unit_test(test_delivery_dropped_notifies_nothing),
		cmocka_unit_test(test_delivery_account_offloaded),
		cmocka_unit_test(test_delivery_unknown_port_enoent),
	};

	return cmocka_run_group_tests_name("delivery", tests, NULL, NULL);
}
