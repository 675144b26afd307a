/* test_backend.c - hvdb_partition_set_backend (SPEC §5 through hvdb.h):
 * attach sees each connection's match identity after every check passed;
 * detach undoes it with the same cookie; an attach failure refuses the
 * connect with INSUFFICIENT_MEMORY and changes nothing. */
#include "helpers.h"

#include <sys/eventfd.h>
#include <unistd.h>

#define SIZE_(s) HV_DOORBELL_FLAG_TRIGGER_SIZE_##s
#define ANY_VALUE HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE
#define MAX_CALLS 8

/* A recording backend. */
struct fake {
	int fail; /* errno attach returns, 0 to succeed */
	unsigned attaches, detaches;
	struct hvdb_trigger attached[MAX_CALLS], detached[MAX_CALLS];
	void *cookie_out[MAX_CALLS], *cookie_in[MAX_CALLS];
	char cookies[MAX_CALLS];
	unsigned port_deletes, releases;
	HV_CONNECTION_ID deleted_conn[MAX_CALLS];
	void *deleted_cookie[MAX_CALLS];
};

static int fake_attach(void *opaque, const struct hvdb_trigger *t,
		       void **cookie)
{
	struct fake *f = opaque;

	if (f->fail)
		return -f->fail;
	assert_true(f->attaches < MAX_CALLS);
	f->attached[f->attaches] = *t;
	*cookie = &f->cookies[f->attaches];
	f->cookie_out[f->attaches] = *cookie;
	f->attaches++;
	return 0;
}

static void fake_detach(void *opaque, const struct hvdb_trigger *t,
			void *cookie)
{
	struct fake *f = opaque;

	assert_true(f->detaches < MAX_CALLS);
	f->detached[f->detaches] = *t;
	f->cookie_in[f->detaches] = cookie;
	f->detaches++;
}

static void fake_port_deleted(void *opaque, const struct hvdb_trigger *t,
			      void *cookie)
{
	struct fake *f = opaque;

	assert_true(f->port_deletes < MAX_CALLS);
	f->deleted_conn[f->port_deletes] = t->connection_id;
	f->deleted_cookie[f->port_deletes] = cookie;
	f->port_deletes++;
}

static void fake_release(void *opaque)
{
	struct fake *f = opaque;

	f->releases++;
}

static const struct hvdb_backend_ops fake_ops = {
	.attach = fake_attach,
	.detach = fake_detach,
};

/* The same with the optional hooks. */
static const struct hvdb_backend_ops fake_full_ops = {
	.attach = fake_attach,
	.detach = fake_detach,
	.port_deleted = fake_port_deleted,
	.release = fake_release,
};

static void assert_trigger(const struct hvdb_trigger *t, HV_CONNECTION_ID conn,
			   hvdb_gpa_t gpa, uint32_t width, bool any_size,
			   bool any_value, uint64_t value, int fd)
{
	assert_int_equal(t->partition, GUEST_ID);
	assert_int_equal(t->connection_id, conn);
	assert_int_equal(t->port_id, PORT_ID);
	assert_int_equal(t->gpa, gpa);
	assert_int_equal(t->width, width);
	assert_int_equal(t->any_size, any_size);
	assert_int_equal(t->any_value, any_value);
	if (!any_value)
		assert_int_equal(t->value, value);
	assert_int_equal(t->eventfd, fd);
}

/* A guest whose partition has the fake backend (f), and root port PORT_ID
 * offered to it. */
static void hv_with_fake_backend(struct guest *g, struct fake *f)
{
	hv_with_guest(g);
	assert_int_equal(
		hvdb_partition_set_backend(g->hv, GUEST_ID, &fake_ops, f), 0);
	port_create(g, PORT_ID);
}

/* hvdb.h struct hvdb_trigger: attach gets the connection's identity,
 * with explicit any_size/any_value and the port's eventfd. */
static void test_backend_attach_identity(void **state)
{
	struct fake f = { 0 };
	struct guest g;
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	hv_with_fake_backend(&g, &f);
	assert_int_equal(hvdb_port_set_eventfd(g.hv, PORT_ID, fd), 0);
	connect_port(&g, 5, PORT_ID, DOORBELL_GPA, SIZE_(DWORD), 7);
	connect_port(&g, 6, PORT_ID, DOORBELL_GPA + 8, ANY_SIZE_ANY_VALUE, 0);
	connect_port(&g, 7, PORT_ID, DOORBELL_GPA + 16,
		     SIZE_(QWORD) | ANY_VALUE, 0);
	connect_port(&g, 8, PORT_ID, DOORBELL_GPA + 24, SIZE_(ANY), 0x1234);

	assert_int_equal(f.attaches, 4);
	assert_trigger(&f.attached[0], 5, DOORBELL_GPA, 4, false, false, 7, fd);
	assert_trigger(&f.attached[1], 6, DOORBELL_GPA + 8, 0, true, true, 0,
		       fd);
	assert_trigger(&f.attached[2], 7, DOORBELL_GPA + 16, 8, false, true, 0,
		       fd);
	assert_trigger(&f.attached[3], 8, DOORBELL_GPA + 24, 0, true, false,
		       0x1234, fd);
	assert_int_equal(f.detaches, 0);
	teardown(&g);
	close(fd);
}

/* hvdb.h: disconnect detaches exactly what was attached, with the
 * backend's cookie; a port without eventfd attaches with -1. */
static void test_backend_detach_on_disconnect(void **state)
{
	struct fake f = { 0 };
	struct guest g;

	(void)state;
	hv_with_fake_backend(&g, &f);
	connect_port(&g, 5, PORT_ID, DOORBELL_GPA, SIZE_(WORD), 0xABCD);
	connect_port(&g, 6, PORT_ID, DOORBELL_GPA + 8, SIZE_(BYTE), 1);
	assert_trigger(&f.attached[0], 5, DOORBELL_GPA, 2, false, false, 0xABCD,
		       -1);
	disconnect_port(&g, 5);

	assert_int_equal(f.detaches, 1);
	assert_ptr_equal(f.cookie_in[0], f.cookie_out[0]);
	assert_trigger(&f.detached[0], 5, DOORBELL_GPA, 2, false, false, 0xABCD,
		       -1);
	disconnect_port(&g, 6);
	assert_int_equal(f.detaches, 2);
	assert_ptr_equal(f.cookie_in[1], f.cookie_out[1]);
	teardown(&g);
}

/* hvdb.h attach contract: a -errno refuses the connect with
 * INSUFFICIENT_MEMORY (backend-failure) and the state is as before; a
 * refused connect never reaches attach. */
static void test_backend_attach_failure_refuses(void **state)
{
	HV_INPUT_CONNECT_PORT in;
	enum hvdb_reason reason;
	struct fake f = { .fail = ENOSPC };
	struct guest g;
	char *before;

	(void)state;
	hv_with_fake_backend(&g, &f);
	in = connect_port_input(&g, CONN_ID, PORT_ID, DOORBELL_GPA);
	before = state_digest(g.hv);
	assert_status(try_connect_port(&g, ROOT_ID, &in, &reason), reason,
		      HV_STATUS_INSUFFICIENT_MEMORY, "backend-failure");
	assert_state_unchanged(g.hv, before);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, DEFAULT_VALUE,
		     HVDB_WRITE_MISS, 0);
	assert_int_equal(f.detaches, 0);

	f.fail = 0;
	in.ConnectionInfo.DoorbellConnectionInfo.GuestPhysicalAddress =
		DOORBELL_GPA + 4093;
	assert_status(try_connect_port(&g, ROOT_ID, &in, &reason), reason,
		      HV_STATUS_INVALID_PARAMETER, "crosses-page");
	assert_int_equal(f.attaches, 0);
	in.ConnectionInfo.DoorbellConnectionInfo.GuestPhysicalAddress =
		DOORBELL_GPA;
	connect_port_in(&g, ROOT_ID, &in);
	assert_int_equal(f.attaches, 1);
	teardown(&g);
}

/* hvdb.h set_backend: -ENOENT unknown partition, -EINVAL incomplete ops,
 * -EBUSY when set or with connections; NULL clears; per partition. */
static void test_backend_registration(void **state)
{
	static const struct hvdb_backend_ops no_detach = {
		.attach = fake_attach,
	};
	struct fake f = { 0 };
	HV_INPUT_CREATE_PORT port;
	HV_INPUT_CONNECT_PORT in;
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	guest_add(&g, OTHER_GUEST_ID, 0);
	assert_int_equal(hvdb_partition_set_backend(g.hv, UNKNOWN_PARTITION_ID,
						    &fake_ops, &f),
			 -ENOENT);
	assert_int_equal(
		hvdb_partition_set_backend(g.hv, GUEST_ID, &no_detach, &f),
		-EINVAL);
	assert_int_equal(
		hvdb_partition_set_backend(g.hv, GUEST_ID, &fake_ops, &f), 0);
	assert_int_equal(
		hvdb_partition_set_backend(g.hv, GUEST_ID, &fake_ops, &f),
		-EBUSY);
	port_create(&g, PORT_ID);
	connect_port(&g, CONN_ID, PORT_ID, DOORBELL_GPA, SIZE_(DWORD), 1);
	/* Setting one while connections exist would leave them unattached. */
	assert_int_equal(
		hvdb_partition_set_backend(g.hv, GUEST_ID, &fake_ops, &f),
		-EBUSY);
	/* Another partition's connection does not reach this backend. */
	port = create_port_input(&g, PORT_ID + 1);
	port.ConnectionPartition = OTHER_GUEST_ID;
	port_create_in(&g, ROOT_ID, &port);
	in = connect_port_input(&g, CONN_ID, PORT_ID + 1, DOORBELL_GPA);
	in.ConnectionPartition = OTHER_GUEST_ID;
	connect_port_in(&g, ROOT_ID, &in);
	assert_int_equal(f.attaches, 1);
	/* Clearing it detaches the partition's connection, which stays. */
	assert_int_equal(hvdb_partition_set_backend(g.hv, GUEST_ID, NULL, NULL),
			 0);
	assert_int_equal(f.detaches, 1);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE,
		     CONN_ID);
	disconnect_port(&g, CONN_ID);
	connect_port(&g, CONN_ID, PORT_ID, DOORBELL_GPA, SIZE_(DWORD), 1);
	assert_int_equal(f.attaches, 1);
	assert_int_equal(f.detaches, 1);
	teardown(&g);
}

/* SPEC §5: with a backend attached the userspace path still matches. */
static void test_backend_userspace_path_still_fires(void **state)
{
	struct fake f = { 0 };
	struct guest g;

	(void)state;
	hv_with_fake_backend(&g, &f);
	connect_port(&g, CONN_ID, PORT_ID, DOORBELL_GPA, SIZE_(DWORD), 1);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE,
		     CONN_ID);
	assert_int_equal(port_stats(&g, PORT_ID).userspace, 1);
	teardown(&g);
}

/* backend.h port_deleted: DeletePort tells the backend of each connection
 * of that port, with its cookie, and of no other; release: hvdb_destroy
 * tells a backend still set, clearing it does not. */
static void test_backend_port_deleted_and_release(void **state)
{
	struct fake f = { 0 }, cleared = { 0 };
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	guest_add(&g, OTHER_GUEST_ID, 0);
	assert_int_equal(
		hvdb_partition_set_backend(g.hv, GUEST_ID, &fake_full_ops, &f),
		0);
	assert_int_equal(hvdb_partition_set_backend(g.hv, OTHER_GUEST_ID,
						    &fake_full_ops, &cleared),
			 0);
	port_create(&g, PORT_ID);
	port_create(&g, PORT_ID + 1);
	connect_port(&g, 5, PORT_ID, DOORBELL_GPA, SIZE_(DWORD), 1);
	connect_port(&g, 6, PORT_ID + 1, DOORBELL_GPA + 8, SIZE_(DWORD), 1);
	connect_port(&g, 7, PORT_ID, DOORBELL_GPA + 16, SIZE_(DWORD), 1);
	delete_port(&g, PORT_ID);
	assert_int_equal(f.port_deletes, 2);
	assert_int_equal(f.deleted_conn[0] + f.deleted_conn[1], 5 + 7);
	for (unsigned i = 0; i < 2; i++)
		assert_ptr_equal(f.deleted_cookie[i],
				 f.cookie_out[f.deleted_conn[i] == 5 ? 0 : 2]);
	assert_int_equal(
		hvdb_partition_set_backend(g.hv, OTHER_GUEST_ID, NULL, NULL),
		0);
	teardown(&g);
	assert_int_equal(f.releases, 1);
	assert_int_equal(cleared.releases, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_attach_identity),
		cmocka_unit_test(test_backend_detach_on_disconnect),
		cmocka_unit_test(test_backend_attach_failure_refuses),
		cmocka_unit_test(test_backend_registration),
		cmocka_unit_test(test_backend_userspace_path_still_fires),
		cmocka_unit_test(test_backend_port_deleted_and_release),
	};

	return cmocka_run_group_tests_name("backend", tests, NULL, NULL);
}
