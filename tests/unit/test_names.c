/* test_names.c - the name tables: every reason of SPEC §3 has the SPEC's
 * spelling, every status of SPEC §1 its HV_STATUS_ name; names are
 * distinct and never "?" for a real value (STYLE 6, 16). */
#include "helpers.h"

#define R(x) HVDB_REASON_##x

/* SPEC §3 (and the hypercall, allocation reasons of hvdb.h), spelled as
 * the SPEC writes them. */
static const struct {
	enum hvdb_reason reason;
	const char *name;
} spec_reasons[] = {
	{ R(NONE), "ok" },
	{ R(NO_CREATE_PORT_PRIVILEGE), "no-create-port-privilege" },
	{ R(NO_CONNECT_PORT_PRIVILEGE), "no-connect-port-privilege" },
	{ R(UNKNOWN_PARTITION), "unknown-partition" },
	{ R(BAD_PORT_ID), "bad-port-id" },
	{ R(PORT_ID_IN_USE), "port-id-in-use" },
	{ R(UNSUPPORTED_PORT_TYPE), "unsupported-port-type" },
	{ R(DOORBELL_PORT_REQUIRES_ROOT), "doorbell-port-requires-root" },
	{ R(RESERVED_NONZERO), "reserved-nonzero" },
	{ R(BAD_SINT), "bad-sint" },
	{ R(BAD_VP), "bad-vp" },
	{ R(BAD_CONNECTION_ID), "bad-connection-id" },
	{ R(CONNECTION_ID_IN_USE), "connection-id-in-use" },
	{ R(UNKNOWN_PORT), "unknown-port" },
	{ R(PORT_NOT_OFFERED), "port-not-offered" },
	{ R(PORT_TYPE_MISMATCH), "port-type-mismatch" },
	{ R(RESERVED_FLAGS), "reserved-flags" },
	{ R(BAD_TRIGGER_SIZE), "bad-trigger-size" },
	{ R(VALUE_TOO_WIDE), "value-too-wide" },
	{ R(GPA_OUT_OF_RANGE), "gpa-out-of-range" },
	{ R(CROSSES_PAGE), "crosses-page" },
	{ R(TRIGGER_CONFLICT), "trigger-conflict" },
	{ R(CONNECTION_LIMIT), "connection-limit" },
	{ R(UNKNOWN_CONNECTION), "unknown-connection" },
	{ R(UNKNOWN_HYPERCALL_CODE), "unknown-hypercall-code" },
	{ R(BAD_INPUT_LENGTH), "bad-input-length" },
	{ R(OUT_OF_MEMORY), "out-of-memory" },
};

/* SPEC §1 statuses. */
#define S(x)                                   \
	{                                      \
		HV_STATUS_##x, "HV_STATUS_" #x \
	}
static const struct {
	HV_STATUS status;
	const char *name;
} spec_statuses[] = {
	S(SUCCESS),
	S(INVALID_HYPERCALL_CODE),
	S(INVALID_HYPERCALL_INPUT),
	S(INVALID_ALIGNMENT),
	S(INVALID_PARAMETER),
	S(ACCESS_DENIED),
	S(INVALID_PARTITION_STATE),
	S(OPERATION_DENIED),
	S(INSUFFICIENT_MEMORY),
	S(INVALID_PARTITION_ID),
	S(INVALID_VP_INDEX),
	S(INVALID_PORT_ID),
	S(INVALID_CONNECTION_ID),
	S(OBJECT_IN_USE),
};

/* SPEC §3: reason names are stable and spelled as in the SPEC. */
static void test_names_reasons_match_spec(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(spec_reasons); i++)
		assert_string_equal(hvdb_reason_name(spec_reasons[i].reason),
				    spec_reasons[i].name);
}

/* STYLE 6: every reason has a distinct real name and a message; values
 * outside the enum are "?". */
static void test_names_reasons_distinct(void **state)
{
	const char *a, *b;
	int i, j;

	(void)state;
	for (i = 0; i < HVDB_REASON_MAX; i++) {
		a = hvdb_reason_name((enum hvdb_reason)i);
		assert_non_null(a);
		assert_string_not_equal(a, "?");
		assert_true(strlen(a) > 0);
		assert_non_null(hvdb_reason_message((enum hvdb_reason)i));
		assert_string_not_equal(
			hvdb_reason_message((enum hvdb_reason)i), "?");
		for (j = 0; j < i; j++) {
			b = hvdb_reason_name((enum hvdb_reason)j);
			if (strcmp(a, b) == 0)
				fail_msg("reasons %d and %d are both %s", j, i,
					 a);
		}
	}
	assert_string_equal(hvdb_reason_name(HVDB_REASON_MAX), "?");
	assert_string_equal(hvdb_reason_message(HVDB_REASON_MAX), "?");
	assert_string_equal(hvdb_reason_name((enum hvdb_reason)1000), "?");
}

/* SPEC §1/§6: each status prints as HV_STATUS_<NAME>; names are
 * distinct; a value that is no status has no name. */
static void test_names_statuses(void **state)
{
	static const HV_STATUS unknown[] = { 0x1, 0x9,	0xA,  0xC,
					     0xF, 0x10, 0x1A, 0xFFFF };
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(spec_statuses); i++) {
		assert_non_null(hvdb_status_name(spec_statuses[i].status));
		assert_string_equal(hvdb_status_name(spec_statuses[i].status),
				    spec_statuses[i].name);
		for (j = 0; j < i; j++)
			assert_int_not_equal(spec_statuses[i].status,
					     spec_statuses[j].status);
	}
	for (i = 0; i < ARRAY_SIZE(unknown); i++)
		assert_null(hvdb_status_name(unknown[i]));
}

/* STYLE 19: fault sites have the distinct names of hvdb.h's list. */
static void test_names_fault_sites(void **state)
{
#define FAULT_NAME_(e, name) name,
	static const char *const want[] = { HVDB_FAULT_SITES(FAULT_NAME_) };
#undef FAULT_NAME_
	int i, j;

	(void)state;
	assert_int_equal(ARRAY_SIZE(want), HVDB_FAULT_MAX);
	for (i = 0; i < HVDB_FAULT_MAX; i++) {
		assert_string_equal(
			hvdb_fault_site_name((enum hvdb_fault_site)i), want[i]);
		for (j = 0; j < i; j++)
			assert_string_not_equal(want[i], want[j]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_reasons_match_spec),
		cmocka_unit_test(test_names_reasons_distinct),
		cmocka_unit_test(test_names_statuses),
		cmocka_unit_test(test_names_fault_sites),
	};

	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
