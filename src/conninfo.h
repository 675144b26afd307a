/* conninfo.h - HV_CONNECTION_INFO checks shared by decode and ConnectPort. */
#ifndef HVDB_CONNINFO_H
#define HVDB_CONNINFO_H

#include <stdbool.h>

#include <hvdb/hvdb.h>

/* Bytes a doorbell occupies for the range and page checks (SPEC §3 Connect
 * 11): the size in bytes, 1 for SIZE_ANY. Only for valid size codes. */
unsigned conninfo_extent(uint64_t flags);

/* True when (value) fits in (width) bytes (width 1..8). Inline: every
 * hvdb_write checks its value with it. */
static inline bool conninfo_value_fits(uint64_t value, unsigned width)
{
	return width >= 8 || (value >> (8 * width)) == 0;
}

/* SPEC §3 Connect 8-10: flags, size code, value width. Returns the first
 * failing reason or HVDB_REASON_NONE. */
enum hvdb_reason conninfo_check_trigger(const HV_CONNECTION_INFO *info);

/* SPEC §3 Connect 12: the doorbell does not cross a page. */
bool conninfo_within_page(hvdb_gpa_t gpa, unsigned extent);

#endif
