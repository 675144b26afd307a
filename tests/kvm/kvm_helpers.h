/* kvm_helpers.h - helpers of the KVM tests: a visible skip without
 * /dev/kvm (STYLE 16), a guest partition on a script VM, and asserting
 * wrappers of the port calls. */
#ifndef HVDB_TESTS_KVM_HELPERS_H
#define HVDB_TESTS_KVM_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <cmocka.h>

#include <hvdb/hvdb.h>

#include <hvdb/kvm.h>

#include "memory.h"
#include "script.h"
#include "vm.h"

#define GUEST 2u

/* Skips (exit 77, which ctest counts as skipped: SKIP_RETURN_CODE) when
 * /dev/kvm cannot be opened. Every test here starts with it, so the skip
 * is decided before any real work. */
#define TEST_REQUIRE_KVM()                                               \
	do {                                                             \
		int fd_ = open("/dev/kvm", O_RDWR);                      \
		if (fd_ < 0) {                                           \
			print_message("SKIP: /dev/kvm is not usable\n"); \
			exit(77);                                        \
		}                                                        \
		close(fd_);                                              \
	} while (0)

/* A hypervisor with guest partition 2 (RAM 0..1 MiB, ConnectPort
 * privilege) running on its own KVM VM. */
struct kvm_env {
	struct hvdb *hv;
	struct kvm_script *ks;
	struct kvm_vm *vm;
};

static inline void kvm_env_up(struct kvm_env *e, bool offload)
{
	struct hvdb_ram_range ram = { 0, 0x100000 };
	struct hvdb_partition_config pc;
	struct kvm_script_config kc = { 0 };

	e->hv = hvdb_create(NULL);
	assert_non_null(e->hv);
	hvdb_partition_config_init(&pc, GUEST);
	pc.privileges = HV_PRIVILEGE_CONNECT_PORT;
	pc.ram = &ram;
	pc.ram_count = 1;
	assert_int_equal(hvdb_partition_create(e->hv, &pc, NULL),
			 HV_STATUS_SUCCESS);
	kc.hv = e->hv;
	kc.offload = offload;
	kc.offload_limit = HVDB_KVM_NO_LIMIT;
	assert_int_equal(kvm_script_create(&kc, &e->ks), 0);
	assert_int_equal(kvm_script_avoid(e->ks, 0, 0x100000), 0);
	assert_int_equal(kvm_script_partition(e->ks, e->hv, &pc), 0);
	e->vm = kvm_script_vm(e->ks, GUEST);
	assert_non_null(e->vm);
}

static inline void kvm_env_down(struct kvm_env *e)
{
	hvdb_destroy(e->hv);
	kvm_script_destroy(e->ks);
}

/* Root port (id) offered to the guest. */
static inline void port_up(struct kvm_env *e, HV_PORT_ID id)
{
	HV_INPUT_CREATE_PORT in = {
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = id,
		.ConnectionPartition = GUEST,
		.PortInfo.PortType = HvPortTypeDoorbell,
		.PortInfo.DoorbellPortInfo.TargetSint = 5,
		.PortInfo.DoorbellPortInfo.TargetVp = HV_ANY_VP,
	};

	assert_int_equal(hvdb_port_create(e->hv, 1, &in, NULL),
			 HV_STATUS_SUCCESS);
}

static inline void connect_up(struct kvm_env *e, HV_CONNECTION_ID id,
			      HV_PORT_ID port, hvdb_gpa_t gpa, uint64_t value,
			      uint64_t flags)
{
	HV_INPUT_CONNECT_PORT in = {
		.ConnectionPartition = GUEST,
		.ConnectionId = id,
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = port,
		.ConnectionInfo.PortType = HvPortTypeDoorbell,
		.ConnectionInfo.DoorbellConnectionInfo.GuestPhysicalAddress =
			gpa,
		.ConnectionInfo.DoorbellConnectionInfo.TriggerValue = value,
		.ConnectionInfo.DoorbellConnectionInfo.Flags = flags,
	};

	assert_int_equal(hvdb_port_connect(e->hv, 1, &in, NULL),
			 HV_STATUS_SUCCESS);
}

static inline void disconnect(struct kvm_env *e, HV_CONNECTION_ID id)
{
	HV_INPUT_DISCONNECT_PORT in = { .ConnectionPartition = GUEST,
					.ConnectionId = id };

	assert_int_equal(hvdb_port_disconnect(e->hv, 1, &in, NULL),
			 HV_STATUS_SUCCESS);
}

/* A guest store; asserts it was one (not injected) and returns the
 * hvdb_write_result. */
static inline int store(struct kvm_env *e, hvdb_gpa_t gpa, unsigned len,
			uint64_t value)
{
	struct hvdb_write_outcome out;
	bool injected = true;
	int rc = kvm_script_write(e->ks, GUEST, gpa, len, value, &out,
				  &injected);

	if (rc < 0)
		print_error("store: %s\n", kvm_script_error(e->ks));
	assert_false(injected);
	assert_true(rc >= 0);
	return rc;
}

static inline uint64_t triggers(struct kvm_env *e, HV_PORT_ID port)
{
	struct hvdb_port_stats st;

	assert_int_equal(hvdb_port_stats(e->hv, port, &st), 0);
	return st.triggers;
}

/* Port (id) with eventfd (efd) (the caller's). */
static inline void port_up_efd(struct kvm_env *e, HV_PORT_ID id, int efd)
{
	port_up(e, id);
	assert_int_equal(hvdb_port_set_eventfd(e->hv, id, efd), 0);
}

static inline void delete_port(struct kvm_env *e, HV_PORT_ID id)
{
	HV_INPUT_DELETE_PORT in = { .PortPartition = HVDB_ROOT_PARTITION_ID,
				    .PortId = id };

	assert_int_equal(hvdb_port_delete(e->hv, 1, &in, NULL),
			 HV_STATUS_SUCCESS);
}

/* Connection (id) as libhvdb-kvm holds it; asserts it is attached. */
static inline struct hvdb_kvm_connection conn_info(struct kvm_env *e,
						   HV_CONNECTION_ID id)
{
	struct hvdb_kvm_connection c = { .size = sizeof(c) };

	assert_int_equal(hvdb_kvm_connection_get(e->vm->kvm, id, &c), 0);
	return c;
}

/* Asks the kernel whether the VM holds an ioeventfd that (gpa, len,
 * datamatch) collides with: it assigns one, which KVM refuses with EEXIST
 * exactly then (virt/kvm/eventfd.c), and takes it back. */
static inline bool kernel_has_ioeventfd(struct kvm_env *e, hvdb_gpa_t gpa,
					uint32_t len, bool any_value,
					uint64_t value)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	struct kvm_ioeventfd io = {
		.addr = gpa,
		.len = len,
		.fd = efd,
		.datamatch = value,
		.flags = any_value ? 0 : KVM_IOEVENTFD_FLAG_DATAMATCH,
	};
	int rc;

	assert_true(efd >= 0);
	rc = ioctl(e->vm->vm_fd, KVM_IOEVENTFD, &io);
	if (rc == 0) {
		io.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
		assert_int_equal(ioctl(e->vm->vm_fd, KVM_IOEVENTFD, &io), 0);
	} else {
		assert_int_equal(errno, EEXIST);
	}
	close(efd);
	return rc != 0;
}

/* The attachment's counters. */
static inline void kvm_stats(struct kvm_env *e, struct hvdb_kvm_stats *st)
{
	st->size = sizeof(*st);
	assert_int_equal(hvdb_kvm_get_stats(e->vm->kvm, st), 0);
}

static inline uint32_t ram32(struct kvm_env *e, hvdb_gpa_t gpa)
{
	uint32_t *p = kvm_memory_gpa(e->vm, gpa, 4);

	assert_non_null(p);
	return *p;
}

#endif
