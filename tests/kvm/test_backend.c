/* test_backend.c - the KVM backend one store at a time: RAM doorbells,
 * unregistering, ioeventfd shapes, deleted ports, the offload limit, the
 * hypercall decoder and a fault walk over connect (SPEC §3-§5). */
#include <hvdb/hvdef.h>
#include <hvdb/testing.h>

#include "hvcall.h"
#include "kvm_helpers.h"
#include "vm.h"

#define MMIO_DB 0xD0000000ull
#define DWORD HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD
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

/* SPEC §3/§5: on RAM, matching writes fire, others land in guest memory;
 * the page is ordinary again after the last disconnect. */
static void test_ram_doorbell(void **state)
{
	const bool offload = path_offload(state);
	struct kvm_env e;

	TEST_REQUIRE_KVM();
	kvm_env_up(&e, offload);
	port_up(&e, 1);
	connect_up(&e, 1, 1, 0x2000, 5, DWORD);
	assert_true(hvdb_kvm_slots_page_is_readonly(e.vm->slots, 0x2000));
	assert_int_equal(store(&e, 0x2000, 4, 5), HVDB_WRITE_FIRE);
	assert_int_equal(store(&e, 0x2000, 4, 6), HVDB_WRITE_MISS);
	assert_int_equal(ram32(&e, 0x2000), 6);
	assert_int_equal(store(&e, 0x2004, 4, 9), HVDB_WRITE_MISS);
	assert_int_equal(ram32(&e, 0x2004), 9);
	disconnect(&e, 1);
	assert_false(hvdb_kvm_slots_page_is_readonly(e.vm->slots, 0x2000));
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

/* SPEC §5: the ioeventfds each trigger shape needs. */
static void test_ioeventfd_shapes(void **state)
{
	static const struct {
		uint64_t value, flags;
		uint32_t want; /* ioeventfds */
		unsigned len;  /* of a store that fires it */
	} shapes[] = {
		{ 5, DWORD, 1, 4 },
		{ 0x1234, HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY, 3, 2 }, /* 2,4,8 */
		{ 5, HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY, 4, 1 }, /* 1,2,4,8 */
		{ 0, HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY | ANY_VALUE, 1, 8 },
		{ 0, HV_DOORBELL_FLAG_TRIGGER_SIZE_QWORD | ANY_VALUE, 1, 8 },
	};
	struct hvdb_kvm_stats st;
	struct kvm_env e;

	(void)state;
	TEST_REQUIRE_KVM();
	kvm_env_up(&e, true);
	port_up(&e, 1);
	for (unsigned i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		connect_up(&e, i + 1, 1, MMIO_DB + 16 * i, shapes[i].value,
			   shapes[i].flags);
		kvm_stats(&e, &st);
		assert_int_equal(st.ioeventfds, shapes[i].want);
		assert_int_equal(store(&e, MMIO_DB + 16 * i, shapes[i].len,
				       shapes[i].value),
				 HVDB_WRITE_FIRE);
		disconnect(&e, i + 1);
	}
	kvm_stats(&e, &st);
	assert_int_equal(st.ioeventfds, 0);
	assert_int_equal(st.unregistrations, st.registrations);
	kvm_env_down(&e);
}

/* SPEC §3 DeletePort: the connection keeps catching its writes and drops
 * them, in the kernel as in userspace. */
static void test_deleted_port(void **state)
{
	const bool offload = path_offload(state);
	HV_INPUT_DELETE_PORT del = { .PortPartition = 1, .PortId = 1 };
	struct kvm_script_stats st;
	struct kvm_env e;

	TEST_REQUIRE_KVM();
	kvm_env_up(&e, offload);
	port_up(&e, 1);
	connect_up(&e, 1, 1, MMIO_DB, 0,
		   HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY | ANY_VALUE);
	assert_int_equal(hvdb_port_delete(e.hv, 1, &del, NULL),
			 HV_STATUS_SUCCESS);
	assert_int_equal(store(&e, MMIO_DB, 2, 3), HVDB_WRITE_DROPPED);
	port_up(&e, 1); /* a new port: the old connection stays dropped */
	assert_int_equal(store(&e, MMIO_DB, 2, 3), HVDB_WRITE_DROPPED);
	assert_int_equal(triggers(&e, 1), 0);
	kvm_script_get_stats(e.ks, &st);
	assert_int_equal(st.offloaded_drops, offload ? 2 : 0);
	kvm_env_down(&e);
}

/* The offload limit: the rest falls back with identical semantics. */
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
	assert_int_equal(store(&e, MMIO_DB, 4, 1), HVDB_WRITE_FIRE);
	assert_int_equal(store(&e, MMIO_DB + 8, 4, 2), HVDB_WRITE_FIRE);
	assert_int_equal(triggers(&e, 1), 1);
	assert_int_equal(triggers(&e, 2), 1);
	kvm_env_down(&e);
}

static HV_STATUS hcall(struct kvm_env *e, uint64_t rcx, uint64_t rdx,
		       uint64_t r8)
{
	struct kvm_hcall hc;

	kvm_hvcall_decode(rcx, rdx, r8, &hc);
	return kvm_hvcall_dispatch(e->vm, &hc);
}

/* TLFS hypercall input checks, then the call itself. */
static void test_hypercall_decode(void **state)
{
	HV_INPUT_CONNECT_PORT *in;
	struct kvm_env e;

	(void)state;
	TEST_REQUIRE_KVM();
	kvm_env_up(&e, true);
	port_up(&e, 1);
	in = kvm_memory_gpa(e.vm, 0x5000, sizeof(*in));
	memset(in, 0, sizeof(*in));
	in->ConnectionPartition = HV_PARTITION_ID_SELF;
	in->ConnectionId = 9;
	in->PortPartition = 1;
	in->PortId = 1;
	in->ConnectionInfo.PortType = HvPortTypeDoorbell;
	in->ConnectionInfo.DoorbellConnectionInfo.GuestPhysicalAddress =
		MMIO_DB;
	in->ConnectionInfo.DoorbellConnectionInfo.Flags = DWORD | ANY_VALUE;
	assert_int_equal(hcall(&e, 0x96, 0x5004, 0),
			 HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(hcall(&e, 0x96, 0x5FF8, 0),
			 HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(hcall(&e, 0x96, 0x200000, 0),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(hcall(&e, 0x96 | 1u << 16, 0x5000, 0),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(hcall(&e, 0x96 | 1ull << 32, 0x5000, 0),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(hcall(&e, 0x96 | 1ull << 48, 0x5000, 0),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(hcall(&e, 0x96 | 1ull << 17, 0x5000, 0),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(hcall(&e, 0x1234, 0x5000, 0),
			 HV_STATUS_INVALID_HYPERCALL_CODE);
	assert_int_equal(hcall(&e, 0x96, 0x5000, 0), HV_STATUS_SUCCESS);
	assert_int_equal(store(&e, MMIO_DB, 4, 77), HVDB_WRITE_FIRE);
	/* Fast DisconnectPort: 16 bytes in RDX and R8. */
	assert_int_equal(hcall(&e, 0x5B | 1u << 16, HV_PARTITION_ID_SELF, 8),
			 HV_STATUS_INVALID_CONNECTION_ID);
	assert_int_equal(hcall(&e, 0x5B | 1u << 16, HV_PARTITION_ID_SELF, 9),
			 HV_STATUS_SUCCESS);
	assert_int_equal(store(&e, MMIO_DB, 4, 77), HVDB_WRITE_MISS);
	kvm_env_down(&e);
}

/* Every fault point of connect fails in turn: the connect is refused or
 * falls back, and nothing leaks into KVM. */
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
	}
	kvm_env_down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		unit_test_on_path(test_ram_doorbell, offloaded),
		unit_test_on_path(test_ram_doorbell, userspace),
		unit_test_on_path(test_unregister, offloaded),
		unit_test_on_path(test_unregister, userspace),
		cmocka_unit_test(test_ioeventfd_shapes),
		unit_test_on_path(test_deleted_port, offloaded),
		unit_test_on_path(test_deleted_port, userspace),
		cmocka_unit_test(test_offload_limit),
		cmocka_unit_test(test_hypercall_decode),
		cmocka_unit_test(test_fault_walk_connect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
