/* test_dialect_ioeventfd.c - SPEC §7.1 (MSHV_IOEVENTFD) through the API:
 * every check in order as table rows, each refusal leaving the state, the
 * ids and the process's fds exactly as they were. */
#include "dialect_helpers.h"

/* The base call: assign a DWORD doorbell of value 1 at DOORBELL_GPA of
 * the guest on the run's eventfd. */
static void base_assign(struct dialect_env *e, struct mshv_user_ioeventfd *a)
{
	*a = io_args(DOORBELL_GPA, 4, true, 1, e->efd);
}

/* A registration the rows look up or collide with: DWORD 1, eventfd efd. */
static void with_dword_1(struct dialect_env *e)
{
	io_assign(e, io_args(DOORBELL_GPA, 4, true, 1, e->efd));
}

#define ROW(name, body)                                                        \
	static void name(struct dialect_env *e, struct mshv_user_ioeventfd *a) \
	{                                                                      \
		(void)e;                                                       \
		(void)a;                                                       \
		body;                                                          \
	}

/* §7.1 1 */
ROW(flag_bit_3, a->flags |= 1u << 3)
ROW(flag_bit_31_and_rsvd, (a->flags |= 1u << 31, a->rsvd[0] = 1))
ROW(rsvd_byte_3, a->rsvd[3] = 0x80)
/* §7.1 2 */
ROW(pio, a->flags |= MSHV_IOEVENTFD_FLAG_PIO)
ROW(pio_and_rsvd, (a->flags |= MSHV_IOEVENTFD_FLAG_PIO, a->rsvd[1] = 1))
ROW(pio_deassign_bad_fd,
    (a->flags |= MSHV_IOEVENTFD_FLAG_PIO | MSHV_IOEVENTFD_FLAG_DEASSIGN,
     a->fd = -1))
/* §7.1 3 */
ROW(deassign_fd_minus_1, (a->flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN, a->fd = -1))
ROW(deassign_closed_fd,
    (a->flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN, a->fd = e->closed_fd))
ROW(deassign_pipe, (a->flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN, a->fd = e->pipe))
ROW(deassign_nothing_registered, a->flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN)
ROW(deassign_other_eventfd, (with_dword_1(e), a->fd = e->other_efd,
			     a->flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN))
ROW(deassign_other_value, (with_dword_1(e), a->datamatch = 2,
			   a->flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN))
ROW(deassign_other_len,
    (with_dword_1(e), a->len = 2, a->flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN))
ROW(deassign_wildcard_of_datamatch,
    (with_dword_1(e), a->flags = MSHV_IOEVENTFD_FLAG_DEASSIGN))
ROW(deassign_other_partition,
    (with_dword_1(e), guest_add(&e->g, OTHER_GUEST_ID, 0),
     e->partition = OTHER_GUEST_ID, a->flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN))
ROW(deassign_same_description, (with_dword_1(e), a->fd = e->efd_dup,
				a->flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN))
ROW(deassign_wildcard_ignores_datamatch,
    (io_assign(e, io_args(DOORBELL_GPA, 4, false, 0, e->efd)),
     a->flags = MSHV_IOEVENTFD_FLAG_DEASSIGN, a->datamatch = 77))
ROW(deassign_after_raw_delete_port, (with_dword_1(e), delete_port(&e->g, 1),
				     a->flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN))
ROW(deassign_unknown_partition, (e->partition = UNKNOWN_PARTITION_ID,
				 a->flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN))
/* §7.1 4 */
ROW(len_3, a->len = 3)
ROW(len_16, a->len = 16)
ROW(len_3_and_wrap, (a->len = 3, a->addr = UINT64_MAX))
ROW(addr_wraps, a->addr = UINT64_MAX - 2)
ROW(addr_wraps_and_bad_fd, (a->addr = UINT64_MAX, a->fd = -1))
ROW(addr_plus_len_2_64, a->addr = UINT64_MAX - 3)
ROW(addr_plus_len_below_2_64, a->addr = UINT64_MAX - 4)
ROW(fd_minus_1, a->fd = -1)
ROW(fd_closed, a->fd = e->closed_fd)
ROW(fd_pipe, a->fd = e->pipe)
/* §7.1 5 */
ROW(exists_same_value, (with_dword_1(e), a->fd = e->other_efd))
ROW(exists_wildcard_new, (with_dword_1(e), a->flags = 0))
ROW(exists_wildcard_old,
    (io_assign(e, io_args(DOORBELL_GPA, 4, false, 0, e->efd)),
     a->datamatch = 9))
ROW(exists_before_conflict,
    (io_assign(e, io_args(DOORBELL_GPA, 0, false, 0, e->efd)), a->len = 0))
ROW(other_value_same_len, (with_dword_1(e), a->datamatch = 2))
ROW(other_len_to_hypervisor_ok, (with_dword_1(e), a->len = 2))
ROW(other_len_to_hypervisor_conflict,
    (io_assign(e, io_args(DOORBELL_GPA, 0, true, 1, e->efd)), a->len = 1))
ROW(other_partition_same_match,
    (with_dword_1(e), guest_add(&e->g, OTHER_GUEST_ID, 0),
     e->partition = OTHER_GUEST_ID))
/* §7.1 6 */
ROW(no_free_id,
    (hvdb_doorbell_set_id_limit(e->g.hv, 1), with_dword_1(e), a->datamatch = 2))
ROW(no_free_id_before_unknown_partition,
    (with_dword_1(e), hvdb_doorbell_set_id_limit(e->g.hv, 1),
     e->partition = UNKNOWN_PARTITION_ID))
ROW(partition_unknown, e->partition = UNKNOWN_PARTITION_ID)
ROW(partition_0, e->partition = 0)
ROW(partition_root, e->partition = ROOT_ID)
ROW(partition_self, e->partition = HV_PARTITION_ID_SELF)
ROW(crosses_page, a->addr = DOORBELL_GPA + 4094)
ROW(value_too_wide, (a->len = 1, a->datamatch = 0x100))
ROW(gpa_out_of_range, a->addr = 1ull << GUEST_GPA_BITS)
ROW(raw_connection_id_in_use,
    (port_create(&e->g, 5),
     connect_port(&e->g, 1, 5, DOORBELL_GPA + 64, DEFAULT_FLAGS, 1)))
ROW(raw_trigger_conflict,
    (port_create(&e->g, 5),
     connect_port(&e->g, 7, 5, DOORBELL_GPA, DEFAULT_FLAGS, 1)))
ROW(connection_limit, full_guest(e, OTHER_GUEST_ID))
ROW(len_0_datamatch_is_size_any, a->len = 0)
ROW(len_8_full_value, (a->len = 8, a->datamatch = UINT64_MAX))
ROW(wildcard_len_0, (a->len = 0, a->flags = 0))

static const struct io_case cases[] = {
	{ "bad-flags: bit 3", flag_bit_3, -EINVAL, "bad-flags" },
	{ "bad-flags before rsvd", flag_bit_31_and_rsvd, -EINVAL, "bad-flags" },
	{ "rsvd byte 3", rsvd_byte_3, -EINVAL, "rsvd-nonzero" },
	{ "pio", pio, -EOPNOTSUPP, "pio" },
	{ "rsvd before pio", pio_and_rsvd, -EINVAL, "rsvd-nonzero" },
	{ "pio before deassign", pio_deassign_bad_fd, -EOPNOTSUPP, "pio" },
	{ "deassign fd -1", deassign_fd_minus_1, -EBADF, "bad-fd" },
	{ "deassign closed fd", deassign_closed_fd, -EBADF, "bad-fd" },
	{ "deassign a pipe", deassign_pipe, -EINVAL, "not-eventfd" },
	{ "deassign nothing", deassign_nothing_registered, -ENOENT,
	  "no-such-ioeventfd" },
	{ "deassign other eventfd", deassign_other_eventfd, -ENOENT,
	  "no-such-ioeventfd" },
	{ "deassign other datamatch", deassign_other_value, -ENOENT,
	  "no-such-ioeventfd" },
	{ "deassign other len", deassign_other_len, -ENOENT,
	  "no-such-ioeventfd" },
	{ "deassign wildcard of a datamatch", deassign_wildcard_of_datamatch,
	  -ENOENT, "no-such-ioeventfd" },
	{ "deassign in another partition", deassign_other_partition, -ENOENT,
	  "no-such-ioeventfd" },
	{ "deassign by a dup of the eventfd", deassign_same_description, 0,
	  "ok" },
	{ "deassign wildcard ignores datamatch",
	  deassign_wildcard_ignores_datamatch, 0, "ok" },
	{ "deassign after a raw delete-port", deassign_after_raw_delete_port, 0,
	  "ok" },
	{ "deassign unknown partition finds nothing",
	  deassign_unknown_partition, -ENOENT, "no-such-ioeventfd" },
	{ "len 3", len_3, -EINVAL, "bad-len" },
	{ "len 16", len_16, -EINVAL, "bad-len" },
	{ "bad-len before addr-wraps", len_3_and_wrap, -EINVAL, "bad-len" },
	{ "addr + len wraps", addr_wraps, -EINVAL, "addr-wraps" },
	{ "addr-wraps before bad-fd", addr_wraps_and_bad_fd, -EINVAL,
	  "addr-wraps" },
	{ "addr + len = 2^64 wraps (as Linux: addr + len < addr)",
	  addr_plus_len_2_64, -EINVAL, "addr-wraps" },
	{ "addr + len = 2^64 - 1: no wrap, SPEC §3 decides",
	  addr_plus_len_below_2_64, -EINVAL, "gpa-out-of-range" },
	{ "fd -1", fd_minus_1, -EBADF, "bad-fd" },
	{ "fd closed", fd_closed, -EBADF, "bad-fd" },
	{ "fd a pipe", fd_pipe, -EINVAL, "not-eventfd" },
	{ "same addr, len, datamatch", exists_same_value, -EEXIST,
	  "ioeventfd-exists" },
	{ "new wildcard over a datamatch", exists_wildcard_new, -EEXIST,
	  "ioeventfd-exists" },
	{ "datamatch over a wildcard", exists_wildcard_old, -EEXIST,
	  "ioeventfd-exists" },
	{ "EEXIST before trigger-conflict", exists_before_conflict, -EEXIST,
	  "ioeventfd-exists" },
	{ "another datamatch, same len", other_value_same_len, 0, "ok" },
	{ "another len: the hypervisor decides (ok)",
	  other_len_to_hypervisor_ok, 0, "ok" },
	{ "another len: the hypervisor decides (conflict)",
	  other_len_to_hypervisor_conflict, -EINVAL, "trigger-conflict" },
	{ "same match in another partition", other_partition_same_match, 0,
	  "ok" },
	{ "no free id", no_free_id, -ENOSPC, "no-free-id" },
	{ "no-free-id before unknown-partition",
	  no_free_id_before_unknown_partition, -ENOSPC, "no-free-id" },
	{ "unknown partition", partition_unknown, -EINVAL,
	  "unknown-partition" },
	{ "partition 0", partition_0, -EINVAL, "unknown-partition" },
	{ "partition 1 (the root)", partition_root, -EINVAL,
	  "unknown-partition" },
	{ "HV_PARTITION_ID_SELF", partition_self, -EINVAL,
	  "unknown-partition" },
	{ "SPEC §3: crosses-page", crosses_page, -EINVAL, "crosses-page" },
	{ "SPEC §3: value-too-wide", value_too_wide, -EINVAL,
	  "value-too-wide" },
	{ "SPEC §3: gpa-out-of-range", gpa_out_of_range, -EINVAL,
	  "gpa-out-of-range" },
	{ "SPEC §3: a raw connection holds the id", raw_connection_id_in_use,
	  -EINVAL, "connection-id-in-use" },
	{ "SPEC §3: trigger-conflict with a raw connection",
	  raw_trigger_conflict, -EINVAL, "trigger-conflict" },
	{ "SPEC §3: connection-limit is -ENOMEM", connection_limit, -ENOMEM,
	  "connection-limit" },
	{ "len 0 with DATAMATCH: SIZE_ANY + value", len_0_datamatch_is_size_any,
	  0, "ok" },
	{ "len 8, every value bit", len_8_full_value, 0, "ok" },
	{ "len 0 wildcard", wildcard_len_0, 0, "ok" },
};

static void ioeventfd_steps_in_order(void **state)
{
	(void)state;
	run_io_cases(cases, ARRAY_SIZE(cases), base_assign);
}

/* SPEC §7.1 6 + §3: the connection made is what the arguments say. */
static void assign_makes_port_and_connection(void **state)
{
	struct dialect_env e;
	struct hvdb_connection_desc c;
	struct hvdb_port_desc p;
	uint32_t id;

	(void)state;
	dialect_env_up(&e);
	id = io_assign(&e, io_args(DOORBELL_GPA, 0, true, 0x1234, e.efd));
	assert_int_equal(id, 1);
	assert_true(find_port_desc(e.g.hv, id, &p));
	assert_int_equal(p.target_sint, HV_SYNIC_DOORBELL_SINT_INDEX);
	assert_int_equal(p.target_vp, HV_ANY_VP);
	assert_int_equal(p.connection_partition, GUEST_ID);
	assert_true(find_connection_desc(e.g.hv, GUEST_ID, id, &c));
	assert_int_equal(c.port_id, id);
	assert_int_equal(c.info.DoorbellConnectionInfo.Flags,
			 HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY);
	assert_int_equal(c.info.DoorbellConnectionInfo.TriggerValue, 0x1234);
	/* SIZE_ANY + value: every width the value fits fires */
	assert_write(&e.g, GUEST_ID, DOORBELL_GPA, 2, 0x1234, HVDB_WRITE_FIRE,
		     id);
	assert_write(&e.g, GUEST_ID, DOORBELL_GPA, 8, 0x1234, HVDB_WRITE_FIRE,
		     id);
	assert_write(&e.g, GUEST_ID, DOORBELL_GPA, 1, 0x34, HVDB_WRITE_MISS, 0);
	dialect_env_down(&e);
}

/* SPEC §7: the lowest id neither a live root port nor held; reused at
 * once; held until unregister even when raw calls took the port away. */
static void lowest_free_id(void **state)
{
	struct dialect_env e;
	struct mshv_user_ioeventfd a;

	(void)state;
	dialect_env_up(&e);
	port_create(&e.g, 1);
	port_create(&e.g, 3);
	assert_int_equal(io_assign(&e, io_args(0x1000, 4, true, 1, e.efd)), 2);
	assert_int_equal(io_assign(&e, io_args(0x2000, 4, true, 1, e.efd)), 4);
	delete_port(&e.g, 1);
	assert_int_equal(io_assign(&e, io_args(0x3000, 4, true, 1, e.efd)), 1);
	/* A raw delete of doorbell 2's port: id 2 stays held */
	disconnect_port(&e.g, 2);
	delete_port(&e.g, 2);
	assert_int_equal(io_assign(&e, io_args(0x4000, 4, true, 1, e.efd)), 5);
	a = io_args(0x1000, 4, true, 1, e.efd);
	a.flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN;
	assert_int_equal(hvdb_ioeventfd(e.g.hv, GUEST_ID, &a, NULL, NULL), 0);
	assert_int_equal(io_assign(&e, io_args(0x5000, 4, true, 1, e.efd)), 2);
	dialect_env_down(&e);
}

/* SPEC §7: the library signals its own duplicate: the caller may close
 * its fd at once; every fire signals once; deassign stops it. */
static void caller_may_close_its_eventfd(void **state)
{
	struct dialect_env e;
	struct mshv_user_ioeventfd a;
	int mine = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int watch = dup(mine);
	uint64_t n = 0;

	(void)state;
	dialect_env_up(&e);
	a = io_args(DOORBELL_GPA, 4, true, 1, mine);
	assert_int_equal(hvdb_ioeventfd(e.g.hv, GUEST_ID, &a, NULL, NULL), 0);
	close(mine);
	assert_write(&e.g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE, 1);
	assert_write(&e.g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE, 1);
	assert_int_equal(read(watch, &n, sizeof(n)), sizeof(n));
	assert_int_equal(n, 2);
	/* deassign by the surviving fd: the same open file description */
	a.fd = watch;
	a.flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN;
	assert_int_equal(hvdb_ioeventfd(e.g.hv, GUEST_ID, &a, NULL, NULL), 0);
	assert_write(&e.g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_MISS, 0);
	close(watch);
	dialect_env_down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ioeventfd_steps_in_order),
		cmocka_unit_test(assign_makes_port_and_connection),
		cmocka_unit_test(lowest_free_id),
		cmocka_unit_test(caller_may_close_its_eventfd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
