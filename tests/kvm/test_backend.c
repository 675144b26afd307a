/* test_backend.c - libhvdb-kvm through its public API (hvdb/kvm.h), one
 * guest store at a time on the demo VMM: every ioeventfd shape, fallback
 * when KVM refuses, the offload limit, RAM doorbells, deleted ports on the
 * offload path, and detach, each checked against the kernel itself
 * (SPEC §3-§5). */
#include <hvdb/hvdef.h>
#include <hvdb/testing.h>

#include "kvm_helpers.h"

#define MMIO_DB 0xD0000000ull
#define DWORD HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD
#define SIZE_ANY HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY
#define ANY_VALUE HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE

/* The scenarios that take a path run twice: offloaded to KVM ioeventfds
 * and on the userspace exit path; the test's state says which. */
static const bool path_offloaded = true, path_userspace = false;

/* The run of scenario (f) on (path), named test_<scenario>_<path>. cmocka
 * only hands the state to the test, so casting away const is safe. */
#define unit_test_on_path(f, path)                     \
	{                                              \
		.name = #f "_" #path, .test_func = f,  \
		.initial_state = (void *)&path_##path, \
	}

/* Whether this run of a scenario is the offloaded one. */
static bool path_offload(void **state)
{
	return *(const bool *)*state;
}

/* One doorbell shape of SPEC §5 and the ioeventfds it must become. */
struct shape {
	const char *name;
	uint64_t value, flags;
	uint32_t lens[4]; /* lengths registered (0: the wildcard) */
	unsigned nlens;
	bool any_value;
	unsigned fire_len; /* a store that fires it */
};

static const struct shape shapes[] = {
	{ "dword", 5, DWORD, { 4 }, 1, false, 4 },
	{ "any size, value fits 2, 4, 8",
	  0x1234,
	  SIZE_ANY,
	  { 2, 4, 8 },
	  3,
	  false,
	  2 },
	{ "any size, value fits all",
	  5,
	  SIZE_ANY,
	  { 1, 2, 4, 8 },
	  4,
	  false,
	  1 },
	{ "any size, any value: length 0",
	  0,
	  SIZE_ANY | ANY_VALUE,
	  { 0 },
	  1,
	  true,
	  8 },
	{ "qword, any value: no datamatch",
	  0,
	  HV_DOORBELL_FLAG_TRIGGER_SIZE_QWORD | ANY_VALUE,
	  { 8 },
	  1,
	  true,
	  8 },
};

#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

/* Whether the kernel holds exactly what shape (s) at (gpa) needs: each
 * registered (length, datamatch) collides, and no other length does. */
static void assert_kernel_holds(struct kvm_env *e, const struct shape *s,
				hvdb_gpa_t gpa, bool want)
{
	static const uint32_t all[] = { 1, 2, 4, 8 };

	for (unsigned i = 0; i < s->nlens; i++)
		if (kernel_has_ioeventfd(e, gpa, s->lens[i], s->any_value,
					 s->value) != want)
			fail_msg("%s: length %u is %sin the kernel", s->name,
				 s->lens[i], want ? "not " : "");
	for (unsigned i = 0; want && s->lens[0] && i < 4; i++) {
		bool registered = false;

		for (unsigned j = 0; j < s->nlens; j++)
			registered |= s->lens[j] == all[i];
		if (!registered &&
		    kernel_has_ioeventfd(e, gpa, all[i], false, s->value))
			fail_msg("%s: length %u is in the kernel", s->name,
				 all[i]);
	}
}

/* SPEC §5: each trigger shape becomes exactly its ioeventfds, fires in
 * the kernel, and disconnecting removes exactly those. */
static void test_ioeventfd_shapes(void **state)
{
	struct hvdb_kvm_stats st;
	struct kvm_env e;

	(void)state;
	TEST_REQUIRE_KVM();
	kvm_env_up(&e, true);
	port_up(&e, 1);
	for (unsigned i = 0; i < NSHAPES; i++) {
		const struct shape *s = &shapes[i];
		hvdb_gpa_t gpa = MMIO_DB + 16 * i;

		connect_up(&e, i + 1, 1, gpa, s->value, s->flags);
		assert_int_equal(conn_info(&e, i + 1).path,
				 HVDB_KVM_PATH_IOEVENTFD);
		assert_int_equal(conn_info(&e, i + 1).ioeventfds, s->nlens);
		assert_kernel_holds(&e, s, gpa, true);
		assert_int_equal(store(&e, gpa, s->fire_len, s->value),
				 HVDB_WRITE_FIRE);
		assert_int_equal(conn_info(&e, i + 1).offloaded_fires, 1);
		if (!s->any_value)
			assert_int_equal(store(&e, gpa, 4, s->value + 1),
					 HVDB_WRITE_MISS);
		disconnect(&e, i + 1);
		assert_kernel_holds(&e, s, gpa, false);
	}
	kvm_stats(&e, &st);
	assert_int_equal(st.ioeventfds, 0);
	assert_int_equal(st.unregistrations, st.registrations);
	assert_int_equal(st.offloaded_fires, NSHAPES);
	assert_int_equal(triggers(&e, 1), NSHAPES);
	kvm_env_down(&e);
}

/* SPEC §5: what KVM refuses falls back to the exit path with the same
 * semantics. Here KVM refuses because the VMM already put an ioeventfd on
 * that GPA (EEXIST). */
static void test_fallback_on_refusal(void **state)
{
	struct kvm_ioeventfd io = { .addr = MMIO_DB, .len = 4 };
	struct hvdb_kvm_stats st;
	struct kvm_env e;

	(void)state;
	TEST_REQUIRE_KVM();
	kvm_env_up(&e, true);
	io.fd = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(ioctl(e.vm->vm_fd, KVM_IOEVENTFD, &io), 0);
	port_up(&e, 1);
	connect_up(&e, 1, 1, MMIO_DB, 5, DWORD);
	assert_int_equal(conn_info(&e, 1).path, HVDB_KVM_PATH_EXIT);
	kvm_stats(&e, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.userspace, 1);
	assert_int_equal(st.ioeventfds, 0);
	/* The VMM's own ioeventfd takes the guest's store; the same write
	 * on the exit path fires. */
	assert_int_equal(hvdb_kvm_mmio_write(e.vm->kvm, MMIO_DB,
					     (const uint8_t[]){ 5, 0, 0, 0 }, 4,
					     NULL),
			 HVDB_WRITE_FIRE);
	kvm_stats(&e, &st);
	assert_int_equal(st.exit_fires, 1);
	assert_int_equal(triggers(&e, 1), 1);
	disconnect(&e, 1);
	io.flags = KVM_IOEVENTFD_FLAG_DEASSIGN;
	assert_int_equal(ioctl(e.vm->vm_fd, KVM_IOEVENTFD, &io), 0);
	close(io.fd);
	kvm_env_down(&e);
}

/* SPEC §5: the offload limit; the rest falls back with identical
 * semantics, and a freed place goes to the next connection. */
static void test_offload_limit(void **state)
{
	struct hvdb_kvm_stats st;
	struct kvm_env e;

	(void)state;
	TEST_REQUIRE_KVM();
	kvm_env_up(&e, true);
	hvdb_kvm_set_offload_limit(e.vm->kvm, 1);
	port_up(&e, 1);
	port_up(&e, 2);
	connect_up(&e, 1, 1, MMIO_DB, 1, DWORD);
	connect_up(&e, 2, 2, MMIO_DB + 8, 2, DWORD);
	kvm_stats(&e, &st);
	assert_int_equal(st.offloaded, 1);
	assert_int_equal(st.userspace, 1);
	assert_int_equal(st.refused, 0); /* a policy, not a refusal */
	assert_int_equal(conn_info(&e, 2).path, HVDB_KVM_PATH_EXIT);
	assert_int_equal(store(&e, MMIO_DB, 4, 1), HVDB_WRITE_FIRE);
	assert_int_equal(store(&e, MMIO_DB + 8, 4, 2), HVDB_WRITE_FIRE);
	assert_int_equal(triggers(&e, 1), 1);
	assert_int_equal(triggers(&e, 2), 1);
	disconnect(&e, 1);
	connect_up(&e, 3, 1, MMIO_DB + 16, 3, DWORD);
	assert_int_equal(conn_info(&e, 3).path, HVDB_KVM_PATH_IOEVENTFD);
	kvm_env_down(&e);
}

/* SPEC §5: a doorbell on RAM splits the slot (its page read-only, the
 * rest ordinary); matching writes fire, others land in guest memory; the
 * page is ordinary again when its last connection goes. */
static void test_ram_doorbell(void **state)
{
	const bool offload = path_offload(state);
	struct hvdb_kvm_stats st;
	struct kvm_env e;

	TEST_REQUIRE_KVM();
	kvm_env_up(&e, offload);
	port_up(&e, 1);
	connect_up(&e, 1, 1, 0x2000, 5, DWORD);
	connect_up(&e, 2, 1, 0x2010, 7, DWORD); /* same page */
	assert_true(hvdb_kvm_slots_page_is_readonly(e.vm->slots, 0x2000));
	assert_false(hvdb_kvm_slots_page_is_readonly(e.vm->slots, 0x1000));
	assert_false(hvdb_kvm_slots_page_is_readonly(e.vm->slots, 0x3000));
	assert_true(conn_info(&e, 1).ram_page);
	kvm_stats(&e, &st);
	assert_int_equal(st.ram_pages, 1);
	assert_int_equal(store(&e, 0x2000, 4, 5), HVDB_WRITE_FIRE);
	assert_int_equal(store(&e, 0x2000, 4, 6), HVDB_WRITE_MISS);
	assert_int_equal(ram32(&e, 0x2000), 6);
	assert_int_equal(store(&e, 0x2004, 4, 9), HVDB_WRITE_MISS);
	assert_int_equal(ram32(&e, 0x2004), 9);
	/* Ordinary RAM around the page is writable in the guest. */
	assert_int_equal(store(&e, 0x3000, 4, 11), HVDB_WRITE_MISS);
	assert_int_equal(ram32(&e, 0x3000), 11);
	disconnect(&e, 1);
	assert_true(hvdb_kvm_slots_page_is_readonly(e.vm->slots, 0x2000));
	disconnect(&e, 2);
	assert_false(hvdb_kvm_slots_page_is_readonly(e.vm->slots, 0x2000));
	kvm_stats(&e, &st);
	assert_int_equal(st.ram_pages, 0);
	assert_int_equal(store(&e, 0x2000, 4, 5), HVDB_WRITE_MISS);
	assert_int_equal(ram32(&e, 0x2000), 5);
	assert_int_equal(triggers(&e, 1), 1);
	kvm_env_down(&e);
}

/* SPEC §3 DisconnectPort: afterwards no write fires it, on either path;
 * exactly what was registered is unregistered. */
static void test_unregister(void **state)
{
	const bool offload = path_offload(state);
	struct hvdb_kvm_stats st;
	struct kvm_env e;

	TEST_REQUIRE_KVM();
	kvm_env_up(&e, offload);
	port_up(&e, 1);
	connect_up(&e, 1, 1, MMIO_DB, 5, DWORD);
	assert_int_equal(store(&e, MMIO_DB, 4, 5), HVDB_WRITE_FIRE);
	disconnect(&e, 1);
	assert_int_equal(store(&e, MMIO_DB, 4, 5), HVDB_WRITE_MISS);
	assert_int_equal(triggers(&e, 1), 1);
	kvm_stats(&e, &st);
	assert_int_equal(st.ioeventfds, 0);
	assert_int_equal(st.registrations, offload ? 1 : 0);
	assert_int_equal(st.unregistrations, st.registrations);
	kvm_env_down(&e);
}

/* SPEC §3 DeletePort on either path: the connection keeps catching its
 * writes and drops them; on the offload path it leaves the kernel, so the
 * deleted port's eventfd is never signalled again. A new port with the
 * same id gets nothing of the old connection, and fires are counted per
 * connection: a signal of the old port read after the delete is a drop,
 * not a fire of the new port. */
static void test_deleted_port(void **state)
{
	const bool offload = path_offload(state);
	int old_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int new_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct hvdb_kvm_stats st;
	eventfd_t n;
	struct kvm_env e;

	TEST_REQUIRE_KVM();
	kvm_env_up(&e, offload);
	port_up_efd(&e, 1, old_efd);
	connect_up(&e, 1, 1, MMIO_DB, 0, SIZE_ANY | ANY_VALUE);
	assert_int_equal(store(&e, MMIO_DB, 2, 3), HVDB_WRITE_FIRE);
	/* A signal the kernel gave before the delete, not yet read. */
	assert_int_equal(eventfd_write(old_efd, 1), 0);
	delete_port(&e, 1);
	assert_true(conn_info(&e, 1).port_deleted);
	assert_int_equal(conn_info(&e, 1).path, HVDB_KVM_PATH_EXIT);
	assert_false(kernel_has_ioeventfd(&e, MMIO_DB, 0, true, 0));
	assert_int_equal(store(&e, MMIO_DB, 2, 3), HVDB_WRITE_DROPPED);
	port_up_efd(&e, 1, new_efd); /* the id again: a new port */
	connect_up(&e, 2, 1, MMIO_DB + 8, 4, DWORD);
	assert_int_equal(store(&e, MMIO_DB, 2, 3), HVDB_WRITE_DROPPED);
	assert_int_equal(store(&e, MMIO_DB + 8, 4, 4), HVDB_WRITE_FIRE);
	if (offload) {
		assert_int_equal(eventfd_read(old_efd, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(hvdb_kvm_account(e.vm->kvm, old_efd, n), 0);
		assert_int_equal(conn_info(&e, 1).offloaded_drops, 1);
		assert_int_equal(conn_info(&e, 1).offloaded_fires, 1);
		assert_int_equal(conn_info(&e, 2).offloaded_fires, 1);
	}
	assert_int_equal(triggers(&e, 1), 1); /* connection 2's fire only */
	kvm_stats(&e, &st);
	assert_int_equal(st.exit_drops, 2);
	assert_int_equal(st.offloaded_drops, offload ? 1 : 0);
	kvm_env_down(&e);
	close(old_efd);
	close(new_efd);
}

/* hvdb_kvm_detach takes everything out of KVM and the VMM's slots, even
 * with connections left (they stay, caught by hvdb_write): registering
 * the same ioeventfds again succeeds. */
static void test_detach_leaves_nothing(void **state)
{
	struct hvdb_kvm_stats st;
	struct kvm_env e;

	(void)state;
	TEST_REQUIRE_KVM();
	kvm_env_up(&e, true);
	port_up(&e, 1);
	for (unsigned i = 0; i < NSHAPES; i++)
		connect_up(&e, i + 1, 1, MMIO_DB + 16 * i, shapes[i].value,
			   shapes[i].flags);
	connect_up(&e, NSHAPES + 1, 1, 0x2000, 5, DWORD);
	kvm_stats(&e, &st);
	assert_int_equal(st.offloaded, NSHAPES + 1);
	for (unsigned i = 0; i < NSHAPES; i++)
		assert_kernel_holds(&e, &shapes[i], MMIO_DB + 16 * i, true);
	assert_true(hvdb_kvm_slots_page_is_readonly(e.vm->slots, 0x2000));
	hvdb_kvm_detach(e.vm->kvm);
	e.vm->kvm = NULL;
	for (unsigned i = 0; i < NSHAPES; i++)
		assert_kernel_holds(&e, &shapes[i], MMIO_DB + 16 * i, false);
	assert_false(kernel_has_ioeventfd(&e, 0x2000, 4, false, 5));
	assert_false(hvdb_kvm_slots_page_is_readonly(e.vm->slots, 0x2000));
	assert_int_equal(hvdb_write(e.hv, GUEST, MMIO_DB, 4, 5, NULL),
			 HVDB_WRITE_FIRE);
	kvm_env_down(&e);
}

/* Every fault point of connect fails in turn: the connect is refused or
 * falls back, and nothing leaks into KVM or the slots. */
static void test_fault_walk_connect(void **state)
{
	struct hvdb_kvm_stats st;
	struct kvm_env e;

	(void)state;
	TEST_REQUIRE_KVM();
	kvm_env_up(&e, true);
	port_up(&e, 1);
	for (uint64_t n = 1; n < 64; n++) {
		HV_INPUT_CONNECT_PORT in = {
			.ConnectionPartition = GUEST,
			.ConnectionId = 1,
			.PortPartition = 1,
			.PortId = 1,
			.ConnectionInfo.PortType = HvPortTypeDoorbell,
			.ConnectionInfo.DoorbellConnectionInfo = { 0x3000, 5,
								   0 },
		};
		HV_STATUS s;
		int want;

		hvdb_fault_arm(e.hv, n);
		s = hvdb_port_connect(e.hv, 1, &in, NULL);
		hvdb_fault_arm(e.hv, 0);
		want = s == HV_STATUS_SUCCESS ? HVDB_WRITE_FIRE
					      : HVDB_WRITE_MISS;
		assert_int_equal(store(&e, 0x3000, 1, 5), want);
		if (s == HV_STATUS_SUCCESS)
			disconnect(&e, 1);
		assert_false(
			hvdb_kvm_slots_page_is_readonly(e.vm->slots, 0x3000));
		kvm_stats(&e, &st);
		assert_int_equal(st.ioeventfds, 0);
		assert_int_equal(st.ram_pages, 0);
	}
	kvm_env_down(&e);
}

/* Options a newer or broken caller may pass: refused, nothing attached. */
static void test_attach_options(void **state)
{
	struct hvdb_kvm_options o;
	struct hvdb_kvm *k = NULL;
	struct kvm_env e;

	(void)state;
	TEST_REQUIRE_KVM();
	kvm_env_up(&e, true);
	hvdb_kvm_options_init(&o);
	/* The partition has its backend already. */
	assert_int_equal(hvdb_kvm_attach(e.hv, GUEST, e.vm->vm_fd, &o, &k),
			 -EBUSY);
	o.policy = (enum hvdb_kvm_policy)7;
	assert_int_equal(hvdb_kvm_attach(e.hv, GUEST, e.vm->vm_fd, &o, &k),
			 -EINVAL);
	hvdb_kvm_options_init(&o);
	o.reserved[0] = 1;
	assert_int_equal(hvdb_kvm_attach(e.hv, GUEST, e.vm->vm_fd, &o, &k),
			 -EINVAL);
	hvdb_kvm_options_init(&o);
	o.size = 2;
	assert_int_equal(hvdb_kvm_attach(e.hv, GUEST, e.vm->vm_fd, &o, &k),
			 -EINVAL);
	assert_int_equal(
		hvdb_kvm_set_policy(e.vm->kvm, (enum hvdb_kvm_policy)7),
		-EINVAL);
	assert_null(k);
	kvm_env_down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ioeventfd_shapes),
		cmocka_unit_test(test_fallback_on_refusal),
		cmocka_unit_test(test_offload_limit),
		unit_test_on_path(test_ram_doorbell, offloaded),
		unit_test_on_path(test_ram_doorbell, userspace),
		unit_test_on_path(test_unregister, offloaded),
		unit_test_on_path(test_unregister, userspace),
		unit_test_on_path(test_deleted_port, offloaded),
		unit_test_on_path(test_deleted_port, userspace),
		cmocka_unit_test(test_detach_leaves_nothing),
		cmocka_unit_test(test_fault_walk_connect),
		cmocka_unit_test(test_attach_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
