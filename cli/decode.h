/* decode.h - what `hvdb decode` and its dialect forms share. */
#ifndef HVDB_CLI_DECODE_H
#define HVDB_CLI_DECODE_H

#include <jansson.h>

#include <hvdb/dialect.h>
#include <hvdb/hvdb.h>

/* "0x..." as SPEC §6 prints numbers. */
json_t *decode_hex_string(uint64_t v);
/* Sets "valid" and "problems" (reason names) on (obj). 0 or -1. */
int decode_set_problems(json_t *obj, const enum hvdb_reason *problems,
			size_t count);
/* The SPEC §6 object of (info) with (problems); NULL when out of
 * memory. */
json_t *decode_conninfo_json(const HV_CONNECTION_INFO *info,
			     const enum hvdb_reason *problems, size_t count);
/* Prints (obj) (released; NULL is a failure) indented. 0 or -1. */
int decode_print_json(json_t *obj);
/* Prints hvdb_conninfo_describe() of (info). 0 or -1. */
int decode_print_conninfo_text(const HV_CONNECTION_INFO *info);

/* `hvdb decode --ioeventfd|--whp [--json] HEX` (cmd_decode_dialect.c):
 * the exit status. */
int decode_dialect(const char *cmd, enum hvdb_dialect dialect, const char *hex,
		   bool json);

#endif
