/* test_dialect.c - the client dialects (SPEC §7) on a KVM VM through
 * libhvdb-kvm: a registration is offloaded like any connection, its
 * ioeventfds signal the caller's eventfd (the library's duplicate of it),
 * a guest store fires it in the kernel, and unregistering takes exactly
 * its ioeventfds out of the kernel. */
#include <hvdb/dialect.h>
#include <hvdb/hvdef.h>

#include "kvm_helpers.h"

#define NOTIFY 0xD0000000ull

/* SPEC §7.1: a len-0 DATAMATCH ioeventfd (any size, value 5), which
 * KVM_IOEVENTFD itself refuses, becomes the four datamatch ioeventfds of
 * SPEC §5 on the caller's eventfd. */
static void test_ioeventfd_any_length_value(void **state)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), watch;
	struct mshv_user_ioeventfd a = {
		.addr = NOTIFY,
		.len = 0,
		.datamatch = 5,
		.fd = efd,
		.flags = MSHV_IOEVENTFD_FLAG_DATAMATCH,
	};
	struct hvdb_kvm_connection c;
	struct hvdb_kvm_stats st;
	struct kvm_env e;
	uint32_t id = 0;

	(void)state;
	TEST_REQUIRE_KVM();
	kvm_env_up(&e, true);
	assert_true(efd >= 0);
	watch = dup(efd);
	assert_int_equal(hvdb_ioeventfd(e.hv, GUEST, &a, &id, NULL), 0);
	close(efd); /* the library signals its own duplicate */
	c = conn_info(&e, id);
	assert_int_equal(c.path, HVDB_KVM_PATH_IOEVENTFD);
	assert_int_equal(c.ioeventfds, 4);
	assert_int_equal(hvdb_eventfd_same(c.eventfd, watch), 1);
	for (uint32_t len = 1; len <= 8; len *= 2)
		assert_true(kernel_has_ioeventfd(&e, NOTIFY, len, false, 5));
	assert_int_equal(store(&e, NOTIFY, 2, 5), HVDB_WRITE_FIRE);
	assert_int_equal(store(&e, NOTIFY, 8, 5), HVDB_WRITE_FIRE);
	assert_int_equal(store(&e, NOTIFY, 4, 6), HVDB_WRITE_MISS);
	assert_int_equal(conn_info(&e, id).offloaded_fires, 2);
	assert_int_equal(triggers(&e, id), 2);
	/* deassign through another fd of the same eventfd */
	a.fd = watch;
	a.flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN;
	assert_int_equal(hvdb_ioeventfd(e.hv, GUEST, &a, NULL, NULL), 0);
	for (uint32_t len = 1; len <= 8; len *= 2)
		assert_false(kernel_has_ioeventfd(&e, NOTIFY, len, false, 5));
	kvm_stats(&e, &st);
	assert_int_equal(st.ioeventfds, 0);
	assert_int_equal(st.unregistrations, st.registrations);
	close(watch);
	kvm_env_down(&e);
}

/* SPEC §7.2: WHP's any-write doorbell is KVM's length-0 wildcard; a
 * WORD doorbell of value 1 is one datamatch ioeventfd; unregistering by
 * match data takes each out. */
static void test_whp_on_kvm(void **state)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	WHV_DOORBELL_MATCH_DATA any = { .GuestAddress = NOTIFY };
	WHV_DOORBELL_MATCH_DATA word = {
		.GuestAddress = NOTIFY + 0x40,
		.Value = 1,
		.Length = 2,
		.MatchFlags = WHV_DOORBELL_MATCH_ON_LENGTH |
			      WHV_DOORBELL_MATCH_ON_VALUE,
	};
	struct hvdb_kvm_stats st;
	uint32_t id_any = 0, id_word = 0;
	struct kvm_env e;

	(void)state;
	TEST_REQUIRE_KVM();
	kvm_env_up(&e, true);
	assert_int_equal(
		hvdb_whp_register(e.hv, GUEST, &any, efd, &id_any, NULL),
		HVDB_S_OK);
	assert_int_equal(
		hvdb_whp_register(e.hv, GUEST, &word, efd, &id_word, NULL),
		HVDB_S_OK);
	assert_int_equal(conn_info(&e, id_any).ioeventfds, 1);
	assert_int_equal(conn_info(&e, id_word).ioeventfds, 1);
	assert_true(kernel_has_ioeventfd(&e, NOTIFY, 0, true, 0));
	assert_true(kernel_has_ioeventfd(&e, NOTIFY + 0x40, 2, false, 1));
	assert_int_equal(store(&e, NOTIFY, 4, 0xdead), HVDB_WRITE_FIRE);
	assert_int_equal(store(&e, NOTIFY + 0x40, 2, 1), HVDB_WRITE_FIRE);
	assert_int_equal(store(&e, NOTIFY + 0x40, 2, 2), HVDB_WRITE_MISS);
	assert_int_equal(hvdb_whp_unregister(e.hv, GUEST, &any, NULL),
			 HVDB_S_OK);
	assert_false(kernel_has_ioeventfd(&e, NOTIFY, 0, true, 0));
	assert_true(kernel_has_ioeventfd(&e, NOTIFY + 0x40, 2, false, 1));
	assert_int_equal(hvdb_whp_unregister(e.hv, GUEST, &word, NULL),
			 HVDB_S_OK);
	kvm_stats(&e, &st);
	assert_int_equal(st.ioeventfds, 0);
	close(efd);
	kvm_env_down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ioeventfd_any_length_value),
		cmocka_unit_test(test_whp_on_kvm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
