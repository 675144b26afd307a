/* test_match.c - SPEC §4 matching: a write (partition, GPA, length 1..8,
 * value) matches connection C iff it starts exactly at C's GPA, C's size is
 * ANY or equals the length, and C has ANY_VALUE or the value equals C's
 * TriggerValue. hvdb_match_lookup() says the same without delivering. */
#include "helpers.h"

#define SIZE_(s) HV_DOORBELL_FLAG_TRIGGER_SIZE_##s
#define ANY_VALUE HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE
#define LEN(n) (1u << (n))
#define ALL_LENS \
	(LEN(1) | LEN(2) | LEN(3) | LEN(4) | LEN(5) | LEN(6) | LEN(7) | LEN(8))
/* The trigger value of the table; fits every length. */
#define VALUE 0x11u
#define OTHER_VALUE 0x12u

struct match_case {
	const char *name;
	uint64_t flags;
	unsigned fire_with_value; /* lengths at which a write of VALUE fires */
	unsigned fire_with_other; /* ... and a write of OTHER_VALUE */
};

/* The four flag combinations of the seed, against writes of 1..8 bytes. */
static const struct match_case match_cases[] = {
	{ "DWORD + value", SIZE_(DWORD), LEN(4), 0 },
	{ "DWORD + ANY_VALUE", SIZE_(DWORD) | ANY_VALUE, LEN(4), LEN(4) },
	{ "SIZE_ANY + value", SIZE_(ANY), ALL_LENS, 0 },
	{ "SIZE_ANY + ANY_VALUE", ANY_SIZE_ANY_VALUE, ALL_LENS, ALL_LENS },
	{ "BYTE + value", SIZE_(BYTE), LEN(1), 0 },
	{ "WORD + ANY_VALUE", SIZE_(WORD) | ANY_VALUE, LEN(2), LEN(2) },
	{ "QWORD + value", SIZE_(QWORD), LEN(8), 0 },
};

/* Writes (len, value) by lookup, then for real; both must say (fire).
 * Lookup must not count; the write must count exactly its fire. */
static bool check_write(struct guest *g, const char *name, unsigned len,
			uint64_t value, bool fire)
{
	struct hvdb_write_outcome out;
	uint64_t before = port_stats(g, PORT_ID).triggers;
	int want = fire ? HVDB_WRITE_FIRE : HVDB_WRITE_MISS;
	int lookup, rc;
	bool counted;

	memset(&out, 0, sizeof(out));
	lookup = hvdb_match_lookup(g->hv, GUEST_ID, DOORBELL_GPA, len, value,
				   &out);
	counted = port_stats(g, PORT_ID).triggers != before;
	rc = hvdb_write(g->hv, GUEST_ID, DOORBELL_GPA, len, value, &out);
	if (lookup == want && rc == want && !counted &&
	    port_stats(g, PORT_ID).triggers == before + fire &&
	    (!fire || (out.connection_id == CONN_ID && out.port_id == PORT_ID &&
		       out.port_partition == ROOT_ID)))
		return true;
	print_error("%s: write len %u value 0x%llx: wanted %s, lookup %s%s, "
		    "write %s, conn %u port %u:%u\n",
		    name, len, (unsigned long long)value,
		    write_result_str(want), write_result_str(lookup),
		    counted ? " (counted!)" : "", write_result_str(rc),
		    out.connection_id, (unsigned)out.port_partition,
		    out.port_id);
	return false;
}

/* SPEC §4 match rule: each flag combination against every length 1..8
 * with the trigger value and another value. */
static void test_match_flag_combinations(void **state)
{
	const struct match_case *r;
	size_t i, failed = 0;
	unsigned len;
	struct guest g;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(match_cases); i++) {
		r = &match_cases[i];
		hv_with_guest(&g);
		port_create(&g, PORT_ID);
		connect_port(&g, CONN_ID, PORT_ID, DOORBELL_GPA, r->flags,
			     VALUE);
		for (len = 1; len <= 8; len++) {
			failed += !check_write(&g, r->name, len, VALUE,
					       r->fire_with_value & LEN(len));
			failed += !check_write(&g, r->name, len, OTHER_VALUE,
					       r->fire_with_other & LEN(len));
		}
		teardown(&g);
	}
	assert_int_equal(failed, 0);
}

/* SPEC §4: the value is the written bytes zero-extended, so SIZE_ANY with
 * 0x1234 fires for 2..8-byte writes of 0x1234, and a 4-byte trigger of
 * 0xFFFFFFFF is not an 8-byte write of 0xFFFFFFFF. */
static void test_match_value_zero_extended(void **state)
{
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	port_create(&g, PORT_ID);
	connect_port(&g, 1, PORT_ID, DOORBELL_GPA, SIZE_(ANY), 0x1234);
	connect_port(&g, 2, PORT_ID, DOORBELL_GPA + 8, SIZE_(DWORD),
		     0xFFFFFFFF);

	assert_write(&g, GUEST_ID, DOORBELL_GPA, 1, 0x34, HVDB_WRITE_MISS, 0);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 2, 0x1234, HVDB_WRITE_FIRE, 1);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 8, 0x1234, HVDB_WRITE_FIRE, 1);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 8, 0x10000000001234ull,
		     HVDB_WRITE_MISS, 0);
	assert_write(&g, GUEST_ID, DOORBELL_GPA + 8, 4, 0xFFFFFFFF,
		     HVDB_WRITE_FIRE, 2);
	assert_write(&g, GUEST_ID, DOORBELL_GPA + 8, 8, 0xFFFFFFFF,
		     HVDB_WRITE_MISS, 0);
	teardown(&g);
}

/* SPEC §4: only the exact start address matches; a write that overlaps
 * the doorbell from GPA+1 or GPA-1 is a miss, as is the same write in
 * another partition. */
static void test_match_exact_gpa_and_partition(void **state)
{
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	guest_add(&g, OTHER_GUEST_ID, 0);
	port_create(&g, PORT_ID);
	connect_port(&g, CONN_ID, PORT_ID, DOORBELL_GPA + 8, ANY_SIZE_ANY_VALUE,
		     0);

	assert_write(&g, GUEST_ID, DOORBELL_GPA + 9, 1, 0, HVDB_WRITE_MISS, 0);
	assert_write(&g, GUEST_ID, DOORBELL_GPA + 7, 4, 0, HVDB_WRITE_MISS, 0);
	assert_write(&g, GUEST_ID, DOORBELL_GPA + 4, 8, 0, HVDB_WRITE_MISS, 0);
	assert_write(&g, OTHER_GUEST_ID, DOORBELL_GPA + 8, 4, 0,
		     HVDB_WRITE_MISS, 0);
	assert_write(&g, GUEST_ID, DOORBELL_GPA + 8, 4, 0, HVDB_WRITE_FIRE,
		     CONN_ID);
	assert_int_equal(port_stats(&g, PORT_ID).triggers, 1);
	teardown(&g);
}

/* hvdb.h contract of hvdb_write/hvdb_match_lookup: length outside 1..8 or
 * a value that does not fit the length is -EINVAL. */
static void test_match_bad_write_is_einval(void **state)
{
	static const struct {
		unsigned len;
		uint64_t value;
	} bad[] = {
		{ 0, 0 },
		{ 9, 0 },
		{ 1, 0x100 },
		{ 2, 0x10000 },
		{ 3, 0x1000000 },
		{ 4, 0x100000000ull },
		{ 7, 0x100000000000000ull },
	};
	struct hvdb_write_outcome out;
	struct guest g;
	size_t i;

	(void)state;
	hv_with_guest(&g);
	port_create(&g, PORT_ID);
	connect_port(&g, CONN_ID, PORT_ID, DOORBELL_GPA, ANY_SIZE_ANY_VALUE, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(hvdb_write(g.hv, GUEST_ID, DOORBELL_GPA,
					    bad[i].len, bad[i].value, &out),
				 -EINVAL);
		assert_int_equal(hvdb_match_lookup(g.hv, GUEST_ID, DOORBELL_GPA,
						   bad[i].len, bad[i].value,
						   &out),
				 -EINVAL);
	}
	assert_int_equal(port_stats(&g, PORT_ID).triggers, 0);
	/* The widest values that fit are fine. */
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 8, ~0ull, HVDB_WRITE_FIRE,
		     CONN_ID);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 3, 0xFFFFFF, HVDB_WRITE_FIRE,
		     CONN_ID);
	teardown(&g);
}

/* SPEC §4: a write with no connection at its GPA is a miss (and the
 * outcome pointer may be NULL). */
static void test_match_nothing_connected(void **state)
{
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	assert_int_equal(hvdb_write(g.hv, GUEST_ID, DOORBELL_GPA, 4, 1, NULL),
			 HVDB_WRITE_MISS);
	assert_int_equal(hvdb_match_lookup(g.hv, GUEST_ID, 0, 1, 0, NULL),
			 HVDB_WRITE_MISS);
	teardown(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_flag_combinations),
		cmocka_unit_test(test_match_value_zero_extended),
		cmocka_unit_test(test_match_exact_gpa_and_partition),
		cmocka_unit_test(test_match_bad_write_is_einval),
		cmocka_unit_test(test_match_nothing_connected),
	};

	return cmocka_run_group_tests_name("match", tests, NULL, NULL);
}
