/* test_dialect_whp.c - SPEC §7.2 (WHvRegisterPartitionDoorbellEvent)
 * through the API, the two duplicate rules side by side, failure
 * injection in both dialects, snapshots of registrations, and the pure
 * decode/problem functions. */
#include "dialect_helpers.h"

#define ERROR_HV(s) HVDB_HRESULT_FROM_HV(HV_STATUS_##s)

/* The base call: a DWORD doorbell of value 1 at DOORBELL_GPA. */
static void base_register(struct dialect_env *e, WHV_DOORBELL_MATCH_DATA *m,
			  int *fd)
{
	(void)e;
	(void)fd;
	*m = whp_match(DOORBELL_GPA, 4, true, 1);
}

/* A raw connection (id 7, port 7) at DOORBELL_GPA with (flags, value). */
static void raw_at_gpa(struct dialect_env *e, uint64_t flags, uint64_t value)
{
	port_create(&e->g, 7);
	connect_port(&e->g, 7, 7, DOORBELL_GPA, flags, value);
}

#define ROW(name, body)                                                     \
	static void name(struct dialect_env *e, WHV_DOORBELL_MATCH_DATA *m, \
			 int *fd)                                           \
	{                                                                   \
		(void)e;                                                    \
		(void)m;                                                    \
		(void)fd;                                                   \
		body;                                                       \
	}
#define DWORD HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD
#define WORD HV_DOORBELL_FLAG_TRIGGER_SIZE_WORD
#define ANY_VALUE HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE

/* §7.2 1 */
ROW(reserved_bit_2, m->MatchFlags |= 1u << 2)
ROW(reserved_bit_31_and_length, (m->MatchFlags |= 1u << 31, m->Length = 3))
/* §7.2 2 */
ROW(length_3, m->Length = 3)
ROW(length_0_with_match_length, m->Length = 0)
ROW(length_bad_and_mode, (m->Length = 16))
/* §7.2 3 */
ROW(mode_length_without_match_length,
    (m->MatchFlags = WHV_DOORBELL_MATCH_ON_VALUE, m->Length = 4))
ROW(mode_value_without_length,
    (m->MatchFlags = WHV_DOORBELL_MATCH_ON_VALUE, m->Length = 0))
ROW(mode_before_value, (m->MatchFlags = 0, m->Length = 2, m->Value = 5))
/* §7.2 4 */
ROW(value_without_match_value,
    (m->MatchFlags = WHV_DOORBELL_MATCH_ON_LENGTH, m->Value = 5))
ROW(value_without_match_any,
    (*m = whp_match(DOORBELL_GPA, 0, false, 0), m->Value = 1))
/* the event */
ROW(event_minus_1, *fd = -1)
ROW(event_pipe, *fd = e->pipe)
ROW(event_check_after_args, (*fd = -1, m->Length = 3))
/* §7.2 5 */
ROW(same_size_other_value, raw_at_gpa(e, DWORD, 2))
ROW(same_size_same_value, raw_at_gpa(e, DWORD, 1))
ROW(other_size_other_value, raw_at_gpa(e, WORD, 2))
ROW(existing_any_value, raw_at_gpa(e, DWORD | ANY_VALUE, 0))
ROW(existing_size_any, raw_at_gpa(e, HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY, 2))
ROW(new_any_value,
    (raw_at_gpa(e, DWORD, 2), *m = whp_match(DOORBELL_GPA, 4, false, 0)))
ROW(new_any_write,
    (raw_at_gpa(e, DWORD, 2), *m = whp_match(DOORBELL_GPA, 0, false, 0)))
ROW(existing_deleted_port, (raw_at_gpa(e, WORD, 2), delete_port(&e->g, 7)))
ROW(existing_by_ioeventfd,
    io_assign(e, io_args(DOORBELL_GPA, 2, true, 1, e->efd)))
ROW(other_gpa, raw_at_gpa(e, DWORD | ANY_VALUE, 0);
    m->GuestAddress = DOORBELL_GPA + 4)
ROW(conflict_before_id,
    (raw_at_gpa(e, DWORD, 1), hvdb_doorbell_set_id_limit(e->g.hv, 7)))
/* §7.2 6 */
ROW(no_free_id,
    (hvdb_doorbell_set_id_limit(e->g.hv, 1),
     whp_register(e, whp_match(DOORBELL_GPA + 8, 0, false, 0), e->efd)))
ROW(unknown_partition, e->partition = UNKNOWN_PARTITION_ID)
ROW(partition_root, e->partition = ROOT_ID)
ROW(crosses_page, m->GuestAddress = DOORBELL_GPA + 4093)
ROW(value_too_wide, (m->Length = 1, m->Value = 0x100))
ROW(ids_shared_with_ioeventfd,
    (io_assign(e, io_args(DOORBELL_GPA + 64, 4, true, 1, e->efd)),
     hvdb_doorbell_set_id_limit(e->g.hv, 1)))
ROW(connection_limit, full_guest(e, OTHER_GUEST_ID))
ROW(any_write_mode, *m = whp_match(DOORBELL_GPA, 0, false, 0))
ROW(any_value_of_one_length, *m = whp_match(DOORBELL_GPA, 8, false, 0))

static const struct whp_case register_cases[] = {
	{ "reserved bit 2", reserved_bit_2, HVDB_E_INVALIDARG,
	  "reserved-nonzero" },
	{ "reserved before bad-length", reserved_bit_31_and_length,
	  HVDB_E_INVALIDARG, "reserved-nonzero" },
	{ "MatchOnLength, Length 3", length_3, HVDB_E_INVALIDARG,
	  "bad-length" },
	{ "MatchOnLength, Length 0", length_0_with_match_length,
	  HVDB_E_INVALIDARG, "bad-length" },
	{ "MatchOnLength, Length 16", length_bad_and_mode, HVDB_E_INVALIDARG,
	  "bad-length" },
	{ "Length without MatchOnLength", mode_length_without_match_length,
	  HVDB_E_INVALIDARG, "bad-mode" },
	{ "MatchOnValue without MatchOnLength", mode_value_without_length,
	  HVDB_E_INVALIDARG, "bad-mode" },
	{ "bad-mode before value-without-match", mode_before_value,
	  HVDB_E_INVALIDARG, "bad-mode" },
	{ "Value without MatchOnValue", value_without_match_value,
	  HVDB_E_INVALIDARG, "value-without-match" },
	{ "Value in the any-write mode", value_without_match_any,
	  HVDB_E_INVALIDARG, "value-without-match" },
	{ "event -1", event_minus_1, HVDB_E_INVALIDARG, "bad-fd" },
	{ "event a pipe", event_pipe, HVDB_E_INVALIDARG, "not-eventfd" },
	{ "match data before the event", event_check_after_args,
	  HVDB_E_INVALIDARG, "bad-length" },
	{ "same size, other value: coexist", same_size_other_value, HVDB_S_OK,
	  "ok" },
	{ "same size, same value", same_size_same_value,
	  ERROR_HV(INVALID_PARAMETER), "whp-conflict" },
	{ "other size, other value (SPEC §4 would allow)",
	  other_size_other_value, ERROR_HV(INVALID_PARAMETER), "whp-conflict" },
	{ "existing any value", existing_any_value, ERROR_HV(INVALID_PARAMETER),
	  "whp-conflict" },
	{ "existing size ANY counts as no Length", existing_size_any,
	  ERROR_HV(INVALID_PARAMETER), "whp-conflict" },
	{ "new any value of one length", new_any_value,
	  ERROR_HV(INVALID_PARAMETER), "whp-conflict" },
	{ "new any write", new_any_write, ERROR_HV(INVALID_PARAMETER),
	  "whp-conflict" },
	{ "a connection whose port was deleted counts", existing_deleted_port,
	  ERROR_HV(INVALID_PARAMETER), "whp-conflict" },
	{ "an ioeventfd's connection counts", existing_by_ioeventfd,
	  ERROR_HV(INVALID_PARAMETER), "whp-conflict" },
	{ "another GPA does not", other_gpa, HVDB_S_OK, "ok" },
	{ "whp-conflict before no-free-id", conflict_before_id,
	  ERROR_HV(INVALID_PARAMETER), "whp-conflict" },
	{ "no free id", no_free_id, ERROR_HV(INSUFFICIENT_MEMORY),
	  "no-free-id" },
	{ "unknown partition", unknown_partition,
	  ERROR_HV(INVALID_PARTITION_ID), "unknown-partition" },
	{ "partition 1 (the root)", partition_root,
	  ERROR_HV(INVALID_PARTITION_ID), "unknown-partition" },
	{ "SPEC §3: crosses-page", crosses_page, ERROR_HV(INVALID_PARAMETER),
	  "crosses-page" },
	{ "SPEC §3: value-too-wide", value_too_wide,
	  ERROR_HV(INVALID_PARAMETER), "value-too-wide" },
	{ "one id space with the ioeventfd dialect", ids_shared_with_ioeventfd,
	  ERROR_HV(INSUFFICIENT_MEMORY), "no-free-id" },
	{ "SPEC §3: connection-limit", connection_limit,
	  ERROR_HV(INSUFFICIENT_MEMORY), "connection-limit" },
	{ "any write", any_write_mode, HVDB_S_OK, "ok" },
	{ "any value of one length", any_value_of_one_length, HVDB_S_OK, "ok" },
};

static void whp_register_steps_in_order(void **state)
{
	(void)state;
	run_whp_cases(register_cases, ARRAY_SIZE(register_cases), base_register,
		      false);
}

/* Unregister: a registration of DWORD 1 exists; rows change the look-up. */
static void base_unregister(struct dialect_env *e, WHV_DOORBELL_MATCH_DATA *m,
			    int *fd)
{
	*m = whp_match(DOORBELL_GPA, 4, true, 1);
	whp_register(e, *m, *fd);
}

ROW(identical, (void)0)
ROW(other_value, m->Value = 2)
ROW(other_length, m->Length = 2)
ROW(other_flags, m->MatchFlags |= 1u << 5)
ROW(other_partition,
    (guest_add(&e->g, OTHER_GUEST_ID, 0), e->partition = OTHER_GUEST_ID))
ROW(after_raw_disconnect, disconnect_port(&e->g, 1))
ROW(after_raw_delete_port, delete_port(&e->g, 1))

static const struct whp_case unregister_cases[] = {
	{ "identical match data", identical, HVDB_S_OK, "ok" },
	{ "another Value", other_value, HVDB_ERROR_NOT_FOUND,
	  "no-such-doorbell" },
	{ "another Length", other_length, HVDB_ERROR_NOT_FOUND,
	  "no-such-doorbell" },
	{ "reserved bits set", other_flags, HVDB_ERROR_NOT_FOUND,
	  "no-such-doorbell" },
	{ "another partition", other_partition, HVDB_ERROR_NOT_FOUND,
	  "no-such-doorbell" },
	{ "after a raw disconnect", after_raw_disconnect, HVDB_S_OK, "ok" },
	{ "after a raw delete-port", after_raw_delete_port, HVDB_S_OK, "ok" },
};

static void whp_unregister_looks_up_match_data(void **state)
{
	(void)state;
	run_whp_cases(unregister_cases, ARRAY_SIZE(unregister_cases),
		      base_unregister, true);
}

/* The duplicate rules side by side: each row registers (first) then
 * (second) at one GPA through both dialects on fresh hypervisors. */
struct pair {
	const char *name;
	uint32_t first_len, second_len; /* 0: any length */
	bool first_any_value, second_any_value;
	uint64_t first_value, second_value;
	const char *ioeventfd_result, *ioeventfd_reason;
	const char *whp_result, *whp_reason;
};

static const struct pair pairs[] = {
	{ "same length, other value", 4, 4, false, false, 1, 2, "ok", "ok",
	  "S_OK", "ok" },
	{ "same length, same value", 4, 4, false, false, 1, 1, "EEXIST",
	  "ioeventfd-exists", "ERROR_HV_INVALID_PARAMETER", "whp-conflict" },
	{ "other length, same value", 4, 2, false, false, 1, 1, "ok", "ok",
	  "ERROR_HV_INVALID_PARAMETER", "whp-conflict" },
	{ "other length, any value", 4, 2, true, true, 0, 0, "ok", "ok",
	  "ERROR_HV_INVALID_PARAMETER", "whp-conflict" },
	{ "any value, then a value, same length", 4, 4, true, false, 0, 1,
	  "EEXIST", "ioeventfd-exists", "ERROR_HV_INVALID_PARAMETER",
	  "whp-conflict" },
	{ "any write, then a DWORD", 0, 4, true, false, 0, 1, "EINVAL",
	  "trigger-conflict", "ERROR_HV_INVALID_PARAMETER", "whp-conflict" },
	{ "any length 0x1234, then a BYTE", 0, 1, false, true, 0x1234, 0, "ok",
	  "ok", "ERROR_HV_INVALID_PARAMETER", "whp-conflict" },
};

static const char *via_ioeventfd(const struct pair *p, enum hvdb_reason *r)
{
	struct dialect_env e;
	int rc;

	dialect_env_up(&e);
	io_assign(&e, io_args(DOORBELL_GPA, p->first_len, !p->first_any_value,
			      p->first_value, e.efd));
	struct mshv_user_ioeventfd a =
		io_args(DOORBELL_GPA, p->second_len, !p->second_any_value,
			p->second_value, e.other_efd);
	rc = hvdb_ioeventfd(e.g.hv, GUEST_ID, &a, NULL, r);
	dialect_env_down(&e);
	return hvdb_ioeventfd_result_name(rc);
}

static const char *via_whp(const struct pair *p, enum hvdb_reason *r)
{
	struct dialect_env e;
	WHV_DOORBELL_MATCH_DATA m;
	hvdb_hresult hr;

	dialect_env_up(&e);
	/* WHP has no "any length with a value": the first goes in raw */
	if (p->first_len == 0 && !p->first_any_value) {
		port_create(&e.g, 9);
		connect_port(&e.g, 9, 9, DOORBELL_GPA,
			     HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY, p->first_value);
	} else {
		whp_register(&e,
			     whp_match(DOORBELL_GPA, p->first_len,
				       !p->first_any_value, p->first_value),
			     e.efd);
	}
	m = whp_match(DOORBELL_GPA, p->second_len, !p->second_any_value,
		      p->second_value);
	hr = hvdb_whp_register(e.g.hv, GUEST_ID, &m, e.other_efd, NULL, r);
	dialect_env_down(&e);
	return hvdb_hresult_name(hr);
}

static void duplicate_rules_side_by_side(void **state)
{
	int failed = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
		const struct pair *p = &pairs[i];
		enum hvdb_reason ri = HVDB_REASON_NONE, rw = HVDB_REASON_NONE;
		const char *io = via_ioeventfd(p, &ri), *whp = via_whp(p, &rw);

		if (strcmp(io, p->ioeventfd_result) ||
		    strcmp(hvdb_reason_name(ri), p->ioeventfd_reason) ||
		    strcmp(whp, p->whp_result) ||
		    strcmp(hvdb_reason_name(rw), p->whp_reason)) {
			print_error("%s: wanted ioeventfd %s %s | whp %s %s, "
				    "got %s %s | %s %s\n",
				    p->name, p->ioeventfd_result,
				    p->ioeventfd_reason, p->whp_result,
				    p->whp_reason, io, hvdb_reason_name(ri),
				    whp, hvdb_reason_name(rw));
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* Failure injection: fail each fault point of a register in turn (the
 * dialect's record and eventfd, CreatePort's port, ConnectPort's index
 * and connection): each failure is out-of-memory and leaves no port, id,
 * registration or fd behind; past the last point the register works. */
static void fault_walk(bool whp)
{
	struct dialect_env e;
	int failures = 0;

	dialect_env_up(&e);
	for (uint64_t n = 1;; n++) {
		enum hvdb_reason reason = HVDB_REASON_NONE;
		struct mshv_user_ioeventfd a =
			io_args(DOORBELL_GPA, 4, true, 1, e.efd);
		WHV_DOORBELL_MATCH_DATA m = whp_match(DOORBELL_GPA, 4, true, 1);
		char *before = state_digest(e.g.hv), *after;
		int fds = count_fds();
		bool ok;

		hvdb_fault_arm(e.g.hv, n);
		if (whp) {
			hvdb_hresult hr = hvdb_whp_register(
				e.g.hv, GUEST_ID, &m, e.efd, NULL, &reason);
			ok = hr == HVDB_S_OK;
			if (!ok)
				assert_string_equal(
					hvdb_hresult_name(hr),
					"ERROR_HV_INSUFFICIENT_MEMORY");
		} else {
			int rc = hvdb_ioeventfd(e.g.hv, GUEST_ID, &a, NULL,
						&reason);
			ok = rc == 0;
			if (!ok)
				assert_int_equal(rc, -ENOMEM);
		}
		hvdb_fault_arm(e.g.hv, 0);
		if (ok) {
			free(before);
			break;
		}
		assert_string_equal(hvdb_reason_name(reason), "out-of-memory");
		after = state_digest(e.g.hv);
		assert_string_equal(before, after);
		assert_int_equal(count_fds(), fds);
		free(before);
		free(after);
		failures++;
	}
	/* record, eventfd, port, connection at least */
	assert_true(failures >= 4);
	/* the id the failures never kept is the one the success got */
	assert_write(&e.g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE, 1);
	dialect_env_down(&e);
}

static void fault_walk_ioeventfd(void **state)
{
	(void)state;
	fault_walk(false);
}

static void fault_walk_whp(void **state)
{
	(void)state;
	fault_walk(true);
}

/* Snapshots keep registrations: after a restore, a deassign by the
 * restored eventfd and an unregister by match data find them. */
struct restored {
	int fd[4];
	int n;
};

static int keep_restored(void *opaque, struct hvdb *hv,
			 const struct hvdb_doorbell_desc *d)
{
	struct restored *r = opaque;

	(void)hv;
	assert_true(r->n < 4);
	r->fd[r->n++] = dup(d->eventfd);
	return 0;
}

static void snapshot_keeps_registrations(void **state)
{
	const struct hvdb_snapshot_restore_ops ops = {
		.doorbell_restored = keep_restored,
	};
	struct restored r = { .n = 0 };
	struct mshv_user_ioeventfd a;
	struct dialect_env e;
	struct hvdb *hv;
	uint64_t count;
	size_t len;
	char *json;

	(void)state;
	dialect_env_up(&e);
	io_assign(&e, io_args(DOORBELL_GPA, 4, true, 1, e.efd));
	whp_register(&e, whp_match(DOORBELL_GPA + 8, 0, false, 0), e.efd);
	assert_int_equal(hvdb_snapshot_save(e.g.hv, &json, &len, NULL), 0);
	assert_int_equal(hvdb_snapshot_restore(json, len, &ops, &r, &hv, NULL),
			 0);
	free(json);
	/* one eventfd group: both restored fds are one description */
	assert_int_equal(r.n, 2);
	assert_int_equal(hvdb_eventfd_same(r.fd[0], r.fd[1]), 1);
	assert_int_equal(hvdb_eventfd_same(r.fd[0], e.efd), 0);
	/* fires signal the restored eventfd */
	assert_int_equal(hvdb_write(hv, GUEST_ID, DOORBELL_GPA + 8, 2, 7, NULL),
			 HVDB_WRITE_FIRE);
	assert_int_equal(read(r.fd[0], &count, sizeof(count)), sizeof(count));
	assert_int_equal(count, 1);
	/* the old eventfd finds nothing; the restored one finds it */
	a = io_args(DOORBELL_GPA, 4, true, 1, e.efd);
	a.flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN;
	assert_int_equal(hvdb_ioeventfd(hv, GUEST_ID, &a, NULL, NULL), -ENOENT);
	a.fd = r.fd[1];
	assert_int_equal(hvdb_ioeventfd(hv, GUEST_ID, &a, NULL, NULL), 0);
	WHV_DOORBELL_MATCH_DATA m = whp_match(DOORBELL_GPA + 8, 0, false, 0);
	assert_int_equal(hvdb_whp_unregister(hv, GUEST_ID, &m, NULL),
			 HVDB_S_OK);
	assert_int_equal(hvdb_write(hv, GUEST_ID, DOORBELL_GPA, 4, 1, NULL),
			 HVDB_WRITE_MISS);
	hvdb_destroy(hv);
	close(r.fd[0]);
	close(r.fd[1]);
	dialect_env_down(&e);
}

/* The pure functions `hvdb decode --ioeventfd/--whp` print. */
static void problems_list_every_rule(void **state)
{
	enum hvdb_reason out[HVDB_REASON_MAX];
	struct mshv_user_ioeventfd a = io_args(0xFFF, 3, true, 0, 0);
	WHV_DOORBELL_MATCH_DATA m = { .GuestAddress = 0xFFF,
				      .Value = 0x100,
				      .Length = 1,
				      .MatchFlags = 1u << 2 };
	HV_CONNECTION_INFO info;
	size_t n;

	(void)state;
	a.flags |= MSHV_IOEVENTFD_FLAG_PIO | 1u << 4;
	a.rsvd[2] = 1;
	n = hvdb_ioeventfd_problems(&a, out, HVDB_REASON_MAX);
	assert_int_equal(n, 4);
	assert_string_equal(hvdb_reason_name(out[0]), "bad-flags");
	assert_string_equal(hvdb_reason_name(out[1]), "rsvd-nonzero");
	assert_string_equal(hvdb_reason_name(out[2]), "pio");
	assert_string_equal(hvdb_reason_name(out[3]), "bad-len");
	assert_false(hvdb_ioeventfd_conninfo(&a, &info));
	/* len 2 at 0xFFF: the HV_CONNECTION_INFO's own problem */
	a = io_args(0xFFF, 2, true, 0x10000, 0);
	n = hvdb_ioeventfd_problems(&a, out, HVDB_REASON_MAX);
	assert_int_equal(n, 2);
	assert_string_equal(hvdb_reason_name(out[0]), "value-too-wide");
	assert_string_equal(hvdb_reason_name(out[1]), "crosses-page");
	/* WHP: reserved, bad-mode (Length without MatchOnLength),
	 * value-without-match */
	n = hvdb_whp_problems(&m, out, HVDB_REASON_MAX);
	assert_int_equal(n, 3);
	assert_string_equal(hvdb_reason_name(out[0]), "reserved-nonzero");
	assert_string_equal(hvdb_reason_name(out[1]), "bad-mode");
	assert_string_equal(hvdb_reason_name(out[2]), "value-without-match");
	/* the count goes on past max */
	assert_int_equal(hvdb_whp_problems(&m, out, 1), 3);
	assert_true(hvdb_whp_conninfo(&m, &info));
	assert_int_equal(info.DoorbellConnectionInfo.Flags,
			 HV_DOORBELL_FLAG_TRIGGER_SIZE_BYTE |
				 HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE);
	assert_int_equal(info.DoorbellConnectionInfo.TriggerValue, 0);
}

static void result_names(void **state)
{
	(void)state;
	assert_string_equal(hvdb_ioeventfd_result_name(-EOPNOTSUPP),
			    "EOPNOTSUPP");
	assert_string_equal(hvdb_ioeventfd_result_name(0), "ok");
	assert_null(hvdb_ioeventfd_result_name(-EPERM));
	assert_string_equal(hvdb_hresult_name(0xC0350011u),
			    "ERROR_HV_INVALID_PORT_ID");
	assert_string_equal(hvdb_hresult_name(0x80070490u), "ERROR_NOT_FOUND");
	assert_null(hvdb_hresult_name(0xC0350000u));
	assert_null(hvdb_hresult_name(0xC0350001u));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whp_register_steps_in_order),
		cmocka_unit_test(whp_unregister_looks_up_match_data),
		cmocka_unit_test(duplicate_rules_side_by_side),
		cmocka_unit_test(fault_walk_ioeventfd),
		cmocka_unit_test(fault_walk_whp),
		cmocka_unit_test(snapshot_keeps_registrations),
		cmocka_unit_test(problems_list_every_rule),
		cmocka_unit_test(result_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
