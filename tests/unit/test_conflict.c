/* test_conflict.c - SPEC §4 conflicts (§3 Connect 13): two connections of
 * one partition conflict iff some single write (length 1..8, value fitting
 * that length) could match both. Every row of the SPEC §4 table, and rows
 * derived from the rule, run in both orders (existing/new swapped), then
 * again at a different GPA, where nothing conflicts. */
#include "helpers.h"

#define SIZE_(s) HV_DOORBELL_FLAG_TRIGGER_SIZE_##s
#define ANY_VALUE HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE

struct trig {
	uint64_t flags;
	uint64_t value;
};

struct conflict_case {
	const char *name;
	struct trig existing;
	struct trig fresh;
	bool conflict;
};

static const struct conflict_case conflict_cases[] = {
	/* The SPEC §4 table. */
	{ "DWORD 1 / DWORD 2",
	  { SIZE_(DWORD), 1 },
	  { SIZE_(DWORD), 2 },
	  false },
	{ "DWORD 1 / WORD 1", { SIZE_(DWORD), 1 }, { SIZE_(WORD), 1 }, false },
	{ "ANY 1 / BYTE 1", { SIZE_(ANY), 1 }, { SIZE_(BYTE), 1 }, true },
	{ "ANY 0x1234 / BYTE any",
	  { SIZE_(ANY), 0x1234 },
	  { SIZE_(BYTE) | ANY_VALUE, 0 },
	  false },
	{ "ANY any / BYTE 0",
	  { ANY_SIZE_ANY_VALUE, 0 },
	  { SIZE_(BYTE), 0 },
	  true },
	{ "ANY any / WORD any",
	  { ANY_SIZE_ANY_VALUE, 0 },
	  { SIZE_(WORD) | ANY_VALUE, 0 },
	  true },
	{ "ANY any / QWORD ~0",
	  { ANY_SIZE_ANY_VALUE, 0 },
	  { SIZE_(QWORD), ~0ull },
	  true },
	{ "ANY any / ANY 7",
	  { ANY_SIZE_ANY_VALUE, 0 },
	  { SIZE_(ANY), 7 },
	  true },
	{ "ANY any / ANY any",
	  { ANY_SIZE_ANY_VALUE, 0 },
	  { ANY_SIZE_ANY_VALUE, 0 },
	  true },
	{ "QWORD 5 / ANY 5", { SIZE_(QWORD), 5 }, { SIZE_(ANY), 5 }, true },
	/* Derived from the rule. */
	{ "DWORD 1 / DWORD 1", { SIZE_(DWORD), 1 }, { SIZE_(DWORD), 1 }, true },
	{ "DWORD any / DWORD 7",
	  { SIZE_(DWORD) | ANY_VALUE, 0 },
	  { SIZE_(DWORD), 7 },
	  true },
	{ "DWORD any / WORD any",
	  { SIZE_(DWORD) | ANY_VALUE, 0 },
	  { SIZE_(WORD) | ANY_VALUE, 0 },
	  false },
	{ "QWORD any / DWORD any",
	  { SIZE_(QWORD) | ANY_VALUE, 0 },
	  { SIZE_(DWORD) | ANY_VALUE, 0 },
	  false },
	{ "ANY 0xFF / BYTE any",
	  { SIZE_(ANY), 0xFF },
	  { SIZE_(BYTE) | ANY_VALUE, 0 },
	  true },
	{ "ANY 0x100 / BYTE any",
	  { SIZE_(ANY), 0x100 },
	  { SIZE_(BYTE) | ANY_VALUE, 0 },
	  false },
	{ "ANY 0x100 / WORD any",
	  { SIZE_(ANY), 0x100 },
	  { SIZE_(WORD) | ANY_VALUE, 0 },
	  true },
	{ "ANY 2^32 / DWORD any",
	  { SIZE_(ANY), 1ull << 32 },
	  { SIZE_(DWORD) | ANY_VALUE, 0 },
	  false },
	{ "ANY 2^32 / QWORD any",
	  { SIZE_(ANY), 1ull << 32 },
	  { SIZE_(QWORD) | ANY_VALUE, 0 },
	  true },
	{ "ANY 5 / ANY 5", { SIZE_(ANY), 5 }, { SIZE_(ANY), 5 }, true },
	{ "ANY 5 / ANY 6", { SIZE_(ANY), 5 }, { SIZE_(ANY), 6 }, false },
	{ "QWORD 5 / ANY 6", { SIZE_(QWORD), 5 }, { SIZE_(ANY), 6 }, false },
	{ "ANY 0 / QWORD 0", { SIZE_(ANY), 0 }, { SIZE_(QWORD), 0 }, true },
	{ "BYTE any / ANY 0",
	  { SIZE_(BYTE) | ANY_VALUE, 0 },
	  { SIZE_(ANY), 0 },
	  true },
	/* ANY_VALUE ignores TriggerValue: 0x1234 here means nothing. */
	{ "BYTE any (value 0x1234) / ANY 0x12",
	  { SIZE_(BYTE) | ANY_VALUE, 0x1234 },
	  { SIZE_(ANY), 0x12 },
	  true },
	{ "WORD any (value 1) / WORD 2",
	  { SIZE_(WORD) | ANY_VALUE, 1 },
	  { SIZE_(WORD), 2 },
	  true },
};

/* Connects (a) as CONN_ID at DOORBELL_GPA, then tries (b) as CONN_ID + 1
 * at (b_gpa). Returns whether the outcome was (want_conflict), reporting
 * the row otherwise. */
static bool check_pair(const char *name, const char *order, struct trig a,
		       struct trig b, hvdb_gpa_t b_gpa, bool want_conflict)
{
	HV_INPUT_CONNECT_PORT in;
	enum hvdb_reason reason;
	char what[160];
	struct guest g;
	HV_STATUS st;
	char *before;
	bool ok;

	hv_with_guest(&g);
	port_create(&g, PORT_ID);
	connect_port(&g, CONN_ID, PORT_ID, DOORBELL_GPA, a.flags, a.value);
	in = connect_port_input(&g, CONN_ID + 1, PORT_ID, b_gpa);
	in.ConnectionInfo.DoorbellConnectionInfo.Flags = b.flags;
	in.ConnectionInfo.DoorbellConnectionInfo.TriggerValue = b.value;
	before = state_digest(g.hv);
	st = try_connect_port(&g, ROOT_ID, &in, &reason);
	snprintf(what, sizeof(what), "%s (%s, new at GPA+0x%llx)", name, order,
		 (unsigned long long)(b_gpa - DOORBELL_GPA));
	if (want_conflict) {
		ok = check_status(st, reason, HV_STATUS_INVALID_PARAMETER,
				  "trigger-conflict", what);
		assert_state_unchanged(g.hv, before);
	} else {
		ok = check_status(st, reason, HV_STATUS_SUCCESS, "ok", what);
		free(before);
	}
	teardown(&g);
	return ok;
}

/* SPEC §4 conflict table and rule, each row and its mirror. */
static void test_conflict_table_and_mirror(void **state)
{
	const struct conflict_case *r;
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(conflict_cases); i++) {
		r = &conflict_cases[i];
		failed += !check_pair(r->name, "as listed", r->existing,
				      r->fresh, DOORBELL_GPA, r->conflict);
		failed += !check_pair(r->name, "mirrored", r->fresh,
				      r->existing, DOORBELL_GPA, r->conflict);
	}
	assert_int_equal(failed, 0);
}

/* SPEC §4: matching needs the exact start address, so triggers at other
 * GPAs never conflict, not even overlapping ones (GPA+1, GPA+4). */
static void test_conflict_needs_same_gpa(void **state)
{
	static const hvdb_gpa_t deltas[] = { 1, 4, 8, 0x1000 };
	const struct conflict_case *r;
	size_t i, j, failed = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(conflict_cases); i++) {
		r = &conflict_cases[i];
		for (j = 0; j < ARRAY_SIZE(deltas); j++)
			failed += !check_pair(r->name, "other GPA", r->existing,
					      r->fresh,
					      DOORBELL_GPA + deltas[j], false);
	}
	assert_int_equal(failed, 0);
}

/* SPEC §4: conflicts are per partition; the same wildcard trigger in two
 * partitions is fine, and each write fires its own partition's. */
static void test_conflict_is_per_partition(void **state)
{
	HV_INPUT_CREATE_PORT p;
	HV_INPUT_CONNECT_PORT in;
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	guest_add(&g, OTHER_GUEST_ID, 0);
	p = create_port_input(&g, PORT_ID);
	p.ConnectionPartition = 0;
	port_create_in(&g, ROOT_ID, &p);
	connect_port(&g, CONN_ID, PORT_ID, DOORBELL_GPA, ANY_SIZE_ANY_VALUE, 0);
	in = connect_port_input(&g, CONN_ID + 1, PORT_ID, DOORBELL_GPA);
	in.ConnectionPartition = OTHER_GUEST_ID;
	in.ConnectionInfo.DoorbellConnectionInfo.Flags = ANY_SIZE_ANY_VALUE;
	connect_port_in(&g, ROOT_ID, &in);

	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 9, HVDB_WRITE_FIRE,
		     CONN_ID);
	assert_write(&g, OTHER_GUEST_ID, DOORBELL_GPA, 4, 9, HVDB_WRITE_FIRE,
		     CONN_ID + 1);
	teardown(&g);
}

/* SPEC §4: several non-conflicting triggers share one GPA and each write
 * fires exactly the one it matches. */
static void test_conflict_free_triggers_share_gpa(void **state)
{
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	port_create(&g, PORT_ID);
	connect_port(&g, 1, PORT_ID, DOORBELL_GPA, SIZE_(DWORD), 1);
	connect_port(&g, 2, PORT_ID, DOORBELL_GPA, SIZE_(DWORD), 2);
	connect_port(&g, 3, PORT_ID, DOORBELL_GPA, SIZE_(WORD), 1);
	connect_port(&g, 4, PORT_ID, DOORBELL_GPA, SIZE_(ANY), 0x1234);
	connect_port(&g, 5, PORT_ID, DOORBELL_GPA, SIZE_(BYTE) | ANY_VALUE, 0);

	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 1, HVDB_WRITE_FIRE, 1);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 2, HVDB_WRITE_FIRE, 2);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 2, 1, HVDB_WRITE_FIRE, 3);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 2, 0x1234, HVDB_WRITE_FIRE, 4);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 8, 0x1234, HVDB_WRITE_FIRE, 4);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 1, 0x34, HVDB_WRITE_FIRE, 5);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 3, HVDB_WRITE_MISS, 0);
	teardown(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conflict_table_and_mirror),
		cmocka_unit_test(test_conflict_needs_same_gpa),
		cmocka_unit_test(test_conflict_is_per_partition),
		cmocka_unit_test(test_conflict_free_triggers_share_gpa),
	};

	return cmocka_run_group_tests_name("conflict", tests, NULL, NULL);
}
