/* fuzz_conninfo.c - HV_CONNECTION_INFO from arbitrary bytes: decode,
 * encode, the standalone checks and the description.
 *
 * Input: the first 32 bytes are the ABI structure; one more byte (if any)
 * picks the describe buffer size. Checks: decode accepts exactly 32
 * bytes and round-trips through encode; hvdb_conninfo_problems() gives
 * the list a naive reading of SPEC §6 `decode` gives, whatever (max) is;
 * the description is what snprintf would make, truncates safely and
 * names every problem.
 */
#include <stdlib.h>
#include <string.h>

#include <hvdb/hvdb.h>

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* SPEC §6 decode: the checks that need no partition, in §3 order. */
static size_t naive_problems(const HV_CONNECTION_INFO *info,
			     enum hvdb_reason out[6])
{
	const uint64_t flags = info->DoorbellConnectionInfo.Flags;
	const uint64_t value = info->DoorbellConnectionInfo.TriggerValue;
	const uint64_t gpa = info->DoorbellConnectionInfo.GuestPhysicalAddress;
	const unsigned code = flags & 7;
	size_t n = 0;

	if (info->PortType != 4)
		out[n++] = HVDB_REASON_UNSUPPORTED_PORT_TYPE;
	if (info->Padding)
		out[n++] = HVDB_REASON_RESERVED_NONZERO;
	if (flags & ~0x80000007ull)
		out[n++] = HVDB_REASON_RESERVED_FLAGS;
	if (code >= 5) {
		out[n++] = HVDB_REASON_BAD_TRIGGER_SIZE;
		return n; /* no width: neither value nor page can be judged */
	}
	if (!(flags & 0x80000000ull) &&
	    ((code == 1 && value > 0xFF) || (code == 2 && value > 0xFFFF) ||
	     (code == 3 && value > 0xFFFFFFFFull)))
		out[n++] = HVDB_REASON_VALUE_TOO_WIDE;
	/* width 1 for SIZE_ANY, else 1 << (code - 1) */
	if ((gpa & 4095) + (code ? 1u << (code - 1) : 1u) > 4096)
		out[n++] = HVDB_REASON_CROSSES_PAGE;
	return n;
}

static void check_problems(const HV_CONNECTION_INFO *info)
{
	enum hvdb_reason want[6], got[8];
	size_t nwant = naive_problems(info, want);

	for (size_t max = 0; max <= 8; max++) {
		size_t n;

		memset(got, 0xff, sizeof(got));
		n = hvdb_conninfo_problems(info, got, max);
		FUZZ_CHECK(n == nwant, "max %zu: %zu problems, naive %zu", max,
			   n, nwant);
		for (size_t i = 0; i < n && i < max; i++)
			FUZZ_CHECK(got[i] == want[i],
				   "problem %zu: %s, naive %s", i,
				   hvdb_reason_name(got[i]),
				   hvdb_reason_name(want[i]));
		/* nothing written past max */
		for (size_t i = max; i < 8; i++)
			FUZZ_CHECK(got[i] == (enum hvdb_reason) - 1,
				   "wrote entry %zu past max %zu", i, max);
	}
	for (size_t i = 0; i < nwant; i++)
		FUZZ_CHECK(strcmp(hvdb_reason_name(want[i]), "?") != 0,
			   "reason %d has no name", (int)want[i]);
}

static void check_describe(const HV_CONNECTION_INFO *info, size_t small)
{
	enum hvdb_reason problems[6];
	size_t nproblems = naive_problems(info, problems);
	char *full, *part;
	int len, len2;

	/* the snprintf contract: a size query with no buffer */
	len = hvdb_conninfo_describe(info, NULL, 0);
	FUZZ_CHECK(len > 0, "describe returned %d", len);
	full = malloc((size_t)len + 1);
	FUZZ_CHECK(full, "out of memory");
	len2 = hvdb_conninfo_describe(info, full, (size_t)len + 1);
	FUZZ_CHECK(len2 == len, "describe gave %d then %d", len, len2);
	FUZZ_CHECK(strlen(full) == (size_t)len, "length %zu, returned %d",
		   strlen(full), len);
	for (size_t i = 0; i < nproblems; i++)
		FUZZ_CHECK(strstr(full, hvdb_reason_name(problems[i])),
			   "description misses %s",
			   hvdb_reason_name(problems[i]));
	FUZZ_CHECK((nproblems == 0) == (strstr(full, "\nvalid\n") != NULL),
		   "valid line with %zu problems", nproblems);

	/* a short buffer of exactly (small) bytes: ASan sees any overrun */
	part = malloc(small ? small : 1);
	FUZZ_CHECK(part, "out of memory");
	len2 = hvdb_conninfo_describe(info, part, small);
	FUZZ_CHECK(len2 == len, "truncated describe returned %d, want %d", len2,
		   len);
	if (small) {
		size_t kept = strlen(part);

		FUZZ_CHECK(
			kept == ((size_t)len < small ? (size_t)len : small - 1),
			"kept %zu of %d in %zu bytes", kept, len, small);
		FUZZ_CHECK(memcmp(part, full, kept) == 0,
			   "truncated text is not a prefix");
	}
	free(part);
	free(full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int widths[8] = { 0, 1, 2, 4, 8, -1, -1, -1 };
	HV_CONNECTION_INFO info;
	uint8_t again[32];
	int rc;

	rc = hvdb_conninfo_decode(data, size, &info);
	FUZZ_CHECK((rc == 0) == (size == 32), "decode of %zu bytes: %d", size,
		   rc);
	if (size < 32)
		return 0;
	FUZZ_CHECK(hvdb_conninfo_decode(data, 32, &info) == 0, "decode");
	hvdb_conninfo_encode(&info, again);
	FUZZ_CHECK(memcmp(again, data, 32) == 0, "encode(decode(x)) != x");

	FUZZ_CHECK(hvdb_trigger_size_width(info.DoorbellConnectionInfo.Flags) ==
			   widths[info.DoorbellConnectionInfo.Flags & 7],
		   "width of flags 0x%llx",
		   (unsigned long long)info.DoorbellConnectionInfo.Flags);
	FUZZ_CHECK(hvdb_trigger_size_name(info.DoorbellConnectionInfo.Flags),
		   "size name");
	check_problems(&info);
	check_describe(&info, size > 32 ? data[32] * 2u : 0);
	return 0;
}
