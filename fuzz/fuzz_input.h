/* fuzz_input.h - read a fuzzer's bytes as a stream of small numbers.
 *
 * Past the end every read gives 0, so any input is a complete program.
 */
#ifndef HVDB_FUZZ_INPUT_H
#define HVDB_FUZZ_INPUT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fuzz_input {
	const uint8_t *data;
	size_t size;
	size_t pos;
};

static inline int fuzz_more(const struct fuzz_input *in)
{
	return in->pos < in->size;
}

static inline uint64_t fuzz_bytes_le(struct fuzz_input *in, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n && in->pos < in->size; i++)
		v |= (uint64_t)in->data[in->pos++] << (8 * i);
	return v;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
	return (uint8_t)fuzz_bytes_le(in, 1);
}

static inline uint32_t fuzz_u32(struct fuzz_input *in)
{
	return (uint32_t)fuzz_bytes_le(in, 4);
}

static inline uint64_t fuzz_u64(struct fuzz_input *in)
{
	return fuzz_bytes_le(in, 8);
}

/* Copies up to (n) bytes into (out), zero-filling past the end. */
static inline void fuzz_copy(struct fuzz_input *in, void *out, size_t n)
{
	size_t avail = in->size - in->pos;
	size_t take = n < avail ? n : avail;

	if (n == 0)
		return; /* (out) may be NULL */
	memcpy(out, in->data + in->pos, take);
	memset((uint8_t *)out + take, 0, n - take);
	in->pos += take;
}

/* An invariant of the target broke: say which and crash, so libFuzzer
 * saves the input. */
#define FUZZ_CHECK(cond, ...)                                              \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr,                                    \
				"%s:%d: invariant broken: %s: ", __FILE__, \
				__LINE__, #cond);                          \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
			abort();                                           \
		}                                                          \
	} while (0)

#endif
