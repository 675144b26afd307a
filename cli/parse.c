/* parse.c - the one number parser and the one hex parser of the CLI. */
#include <errno.h>
#include <stdbool.h>

#include "parse.h"

/* Value of one digit in any radix up to 16, or -1. */
static int digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int parse_u64(const char *s, enum parse_radix radix, uint64_t *out)
{
	unsigned base = radix == PARSE_HEX ? 16 : 10;
	bool overflow = false;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		int d = digit(*s);

		if (d < 0 || (unsigned)d >= base)
			return -EINVAL;
		/* Keep scanning after an overflow: junk outranks size. */
		if (v > (UINT64_MAX - (unsigned)d) / base)
			overflow = true;
		v = v * base + (unsigned)d;
	}
	if (overflow)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_hex_bytes(const char *s, size_t len, uint8_t *out)
{
	if (len % 2)
		return -EINVAL;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = digit(s[2 * i]);
		int lo = digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
