/* parse.h - the one number parser and the one hex parser of the CLI. */
#ifndef HVDB_CLI_PARSE_H
#define HVDB_CLI_PARSE_H

#include <stddef.h>
#include <stdint.h>

enum parse_radix {
	PARSE_DEC_OR_HEX, /* "42" or "0x2a" (SPEC §6 numbers) */
	PARSE_HEX,	  /* "2a" or "0x2a" */
};

/* Parses all of the NUL-terminated (s) as an unsigned number in (radix)
 * into *out. No sign, no spaces, no empty digits. Returns 0, -EINVAL when
 * (s) is not such a number, -ERANGE when it does not fit 64 bits. */
int parse_u64(const char *s, enum parse_radix radix, uint64_t *out);

/* Decodes the (len) hex digits at (s) into len / 2 bytes at (out), either
 * case, no prefix. (out) may equal (s): each byte lands before the digits
 * still unread. Returns 0, or -EINVAL for an odd (len) or a non-hex digit
 * (then out holds garbage). */
int parse_hex_bytes(const char *s, size_t len, uint8_t *out);

#endif
