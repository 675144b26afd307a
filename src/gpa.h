/* gpa.h - guest-physical ranges, with every sum checked for overflow. */
#ifndef HVDB_GPA_H
#define HVDB_GPA_H

#include <stdbool.h>

#include <hvdb/hvdb.h>

/* The last byte of [start, start + size), size >= 1; false on wrap. */
static inline bool gpa_range_last(hvdb_gpa_t start, uint64_t size,
				  hvdb_gpa_t *last)
{
	return size != 0 && !__builtin_add_overflow(start, size - 1, last);
}

/* start + size <= 2^bits, said through the last byte so that a range
 * ending exactly at 2^64 needs no 65-bit sum. */
static inline bool gpa_range_fits(hvdb_gpa_t start, uint64_t size,
				  unsigned bits)
{
	hvdb_gpa_t last;

	if (!gpa_range_last(start, size, &last))
		return false;
	return bits >= 64 || last < (1ull << bits);
}

#endif
