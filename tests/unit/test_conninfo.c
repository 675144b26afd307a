/* test_conninfo.c - HV_CONNECTION_INFO on its own (SPEC §1 layout, §3
 * Connect checks that need no partition, §6 decode): encode/decode,
 * hvdb_conninfo_problems, hvdb_conninfo_describe and the trigger-size
 * helpers. */
#include "helpers.h"

#define SIZE_(s) HV_DOORBELL_FLAG_TRIGGER_SIZE_##s
#define ANY_VALUE HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE
#define R(x) HVDB_REASON_##x
#define MAX_PROBLEMS 8

/* SPEC §1: HV_CONNECTION_INFO is 32 little-endian bytes: PortType @0,
 * Padding @4, GPA @8, TriggerValue @16, Flags @24; decode undoes encode. */
static void test_conninfo_encode_layout_and_round_trip(void **state)
{
	HV_CONNECTION_INFO info, back;
	uint8_t want[32], got[32];

	(void)state;
	info = doorbell_info(0x1122334455667788ull, 0x80000003u,
			     0x99AABBCCDDEEFF00ull);
	info.Padding = 0x01020304;
	put_le(want, 0, 4, HvPortTypeDoorbell);
	put_le(want, 4, 4, 0x01020304);
	put_le(want, 8, 8, 0x1122334455667788ull);
	put_le(want, 16, 8, 0x99AABBCCDDEEFF00ull);
	put_le(want, 24, 8, 0x80000003u);

	hvdb_conninfo_encode(&info, got);
	assert_memory_equal(got, want, sizeof(want));
	memset(&back, 0xEE, sizeof(back));
	assert_int_equal(hvdb_conninfo_decode(want, sizeof(want), &back), 0);
	assert_int_equal(back.PortType, HvPortTypeDoorbell);
	assert_int_equal(back.Padding, 0x01020304);
	assert_int_equal(back.DoorbellConnectionInfo.GuestPhysicalAddress,
			 0x1122334455667788ull);
	assert_int_equal(back.DoorbellConnectionInfo.TriggerValue,
			 0x99AABBCCDDEEFF00ull);
	assert_int_equal(back.DoorbellConnectionInfo.Flags, 0x80000003u);
}

/* hvdb.h: decode of anything but 32 bytes is -EINVAL. */
static void test_conninfo_decode_wrong_length(void **state)
{
	static const size_t lens[] = { 0, 1, 24, 31, 33, 64 };
	uint8_t bytes[64] = { 0 };
	HV_CONNECTION_INFO info;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(lens); i++)
		assert_int_equal(hvdb_conninfo_decode(bytes, lens[i], &info),
				 -EINVAL);
}

struct problems_case {
	const char *name;
	uint32_t port_type;
	uint32_t padding;
	hvdb_gpa_t gpa;
	uint64_t flags;
	uint64_t value;
	size_t count;
	enum hvdb_reason want[MAX_PROBLEMS];
};

#define PAGE 0x7000ull
static const struct problems_case problems_cases[] = {
	{ "valid DWORD", 4, 0, PAGE, SIZE_(DWORD), 1, 0, { 0 } },
	{ "valid SIZE_ANY|ANY_VALUE",
	  4,
	  0,
	  PAGE + 4095,
	  ANY_SIZE_ANY_VALUE,
	  ~0ull,
	  0,
	  { 0 } },
	{ "type 5",
	  5,
	  0,
	  PAGE,
	  SIZE_(DWORD),
	  1,
	  1,
	  { R(UNSUPPORTED_PORT_TYPE) } },
	{ "type 0",
	  0,
	  0,
	  PAGE,
	  SIZE_(DWORD),
	  1,
	  1,
	  { R(UNSUPPORTED_PORT_TYPE) } },
	{ "padding", 4, 1, PAGE, SIZE_(DWORD), 1, 1, { R(RESERVED_NONZERO) } },
	{ "flag bit 3",
	  4,
	  0,
	  PAGE,
	  SIZE_(DWORD) | 0x8,
	  1,
	  1,
	  { R(RESERVED_FLAGS) } },
	{ "flag bit 40",
	  4,
	  0,
	  PAGE,
	  SIZE_(DWORD) | (1ull << 40),
	  1,
	  1,
	  { R(RESERVED_FLAGS) } },
	{ "size 5", 4, 0, PAGE, 5, 1, 1, { R(BAD_TRIGGER_SIZE) } },
	{ "size 7 any value",
	  4,
	  0,
	  PAGE,
	  7 | ANY_VALUE,
	  1,
	  1,
	  { R(BAD_TRIGGER_SIZE) } },
	{ "BYTE 0x100",
	  4,
	  0,
	  PAGE,
	  SIZE_(BYTE),
	  0x100,
	  1,
	  { R(VALUE_TOO_WIDE) } },
	{ "WORD 0x10000",
	  4,
	  0,
	  PAGE,
	  SIZE_(WORD),
	  0x10000,
	  1,
	  { R(VALUE_TOO_WIDE) } },
	{ "DWORD 2^32",
	  4,
	  0,
	  PAGE,
	  SIZE_(DWORD),
	  1ull << 32,
	  1,
	  { R(VALUE_TOO_WIDE) } },
	{ "BYTE ANY_VALUE 0x100",
	  4,
	  0,
	  PAGE,
	  SIZE_(BYTE) | ANY_VALUE,
	  0x100,
	  0,
	  { 0 } },
	{ "DWORD at 4093",
	  4,
	  0,
	  PAGE + 4093,
	  SIZE_(DWORD),
	  1,
	  1,
	  { R(CROSSES_PAGE) } },
	{ "QWORD at 4089",
	  4,
	  0,
	  PAGE + 4089,
	  SIZE_(QWORD),
	  1,
	  1,
	  { R(CROSSES_PAGE) } },
	{ "DWORD at 4092", 4, 0, PAGE + 4092, SIZE_(DWORD), 1, 0, { 0 } },
	/* The GPA width is a partition's: not a standalone problem. */
	{ "DWORD at 2^63", 4, 0, 1ull << 63, SIZE_(DWORD), 1, 0, { 0 } },
	{ "five at once, in SPEC order",
	  1,
	  1,
	  PAGE + 4095,
	  SIZE_(WORD) | 0x8,
	  0x10000,
	  5,
	  { R(UNSUPPORTED_PORT_TYPE), R(RESERVED_NONZERO), R(RESERVED_FLAGS),
	    R(VALUE_TOO_WIDE), R(CROSSES_PAGE) } },
	{ "reserved flags and bad size",
	  4,
	  0,
	  PAGE,
	  0x8 | 5,
	  1,
	  2,
	  { R(RESERVED_FLAGS), R(BAD_TRIGGER_SIZE) } },
};

static HV_CONNECTION_INFO case_info(const struct problems_case *c)
{
	HV_CONNECTION_INFO info = doorbell_info(c->gpa, c->flags, c->value);

	info.PortType = c->port_type;
	info.Padding = c->padding;
	return info;
}

/* SPEC §6 decode / hvdb.h: hvdb_conninfo_problems lists every failing
 * standalone §3 check, in order, by its §3 reason. */
static void test_conninfo_problems(void **state)
{
	const struct problems_case *c;
	enum hvdb_reason got[MAX_PROBLEMS];
	HV_CONNECTION_INFO info;
	size_t i, j, n, failed = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(problems_cases); i++) {
		c = &problems_cases[i];
		info = case_info(c);
		n = hvdb_conninfo_problems(&info, got, MAX_PROBLEMS);
		for (j = 0; n == c->count && j < n; j++)
			if (got[j] != c->want[j])
				break;
		if (n == c->count && j == n)
			continue;
		failed++;
		print_error("%s: wanted %zu problems, got %zu:", c->name,
			    c->count, n);
		for (j = 0; j < n && j < MAX_PROBLEMS; j++)
			print_error(" %s", hvdb_reason_name(got[j]));
		print_error("\n");
	}
	assert_int_equal(failed, 0);
}

/* hvdb.h: at most (max) reasons are written, the count may exceed max. */
static void test_conninfo_problems_truncates(void **state)
{
	const struct problems_case *five = NULL;
	enum hvdb_reason got[3];
	HV_CONNECTION_INFO info;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(problems_cases); i++)
		if (problems_cases[i].count == 5)
			five = &problems_cases[i];
	assert_non_null(five);
	info = case_info(five);
	got[2] = HVDB_REASON_MAX;
	assert_int_equal(hvdb_conninfo_problems(&info, got, 2), 5);
	assert_int_equal(got[0], five->want[0]);
	assert_int_equal(got[1], five->want[1]);
	assert_int_equal(got[2], HVDB_REASON_MAX);
	assert_int_equal(hvdb_conninfo_problems(&info, NULL, 0), 5);
}

/* SPEC §6 decode: the description names each validation problem; like
 * snprintf it returns the full length even when truncated. */
static void test_conninfo_describe(void **state)
{
	const struct problems_case *c = &problems_cases[0];
	HV_CONNECTION_INFO info;
	char buf[4096], small[8];
	size_t i, j;
	int n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(problems_cases); i++) {
		c = &problems_cases[i];
		info = case_info(c);
		n = hvdb_conninfo_describe(&info, buf, sizeof(buf));
		assert_true(n > 0 && (size_t)n < sizeof(buf));
		assert_int_equal(strlen(buf), (size_t)n);
		for (j = 0; j < c->count; j++)
			if (!strstr(buf, hvdb_reason_name(c->want[j])))
				fail_msg("%s: description lacks %s:\n%s",
					 c->name, hvdb_reason_name(c->want[j]),
					 buf);
		assert_int_equal(
			hvdb_conninfo_describe(&info, small, sizeof(small)), n);
		assert_int_equal(strlen(small), sizeof(small) - 1);
	}
}

/* SPEC §1: size codes 0..4 are ANY/BYTE/WORD/DWORD/QWORD (widths 0, 1,
 * 2, 4, 8), 5..7 are invalid (-1); only bits 0-2 choose the size. */
static void test_conninfo_trigger_size(void **state)
{
	static const struct {
		int width;
		const char *name;
	} want[8] = {
		{ 0, "any" },	   { 1, "byte" },     { 2, "word" },
		{ 4, "dword" },	   { 8, "qword" },    { -1, "invalid" },
		{ -1, "invalid" }, { -1, "invalid" },
	};
	uint64_t code;

	(void)state;
	for (code = 0; code < 8; code++) {
		assert_int_equal(hvdb_trigger_size_width(code),
				 want[code].width);
		assert_string_equal(hvdb_trigger_size_name(code),
				    want[code].name);
		assert_int_equal(hvdb_trigger_size_width(code | ANY_VALUE),
				 want[code].width);
		assert_string_equal(hvdb_trigger_size_name(code | ANY_VALUE),
				    want[code].name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conninfo_encode_layout_and_round_trip),
		cmocka_unit_test(test_conninfo_decode_wrong_length),
		cmocka_unit_test(test_conninfo_problems),
		cmocka_unit_test(test_conninfo_problems_truncates),
		cmocka_unit_test(test_conninfo_describe),
		cmocka_unit_test(test_conninfo_trigger_size),
	};

	return cmocka_run_group_tests_name("conninfo", tests, NULL, NULL);
}
