/* lines.h - scenario lines read with bounded memory. */
#ifndef HVDB_CLI_LINES_H
#define HVDB_CLI_LINES_H

#include <stdio.h>
#include <sys/types.h>

/* The most bytes a line may hold before its comment: 1 MiB, far above
 * any command (the longest, a `partition` with many ram= ranges, takes
 * about 40 bytes a range), so `hvdb replay /dev/zero` stops after 1 MiB
 * instead of growing to gigabytes. A comment's text does not count: it is
 * skipped as it is read. */
#define LINES_MAX (1u << 20)

/* Returned by lines_next() for a line longer than LINES_MAX. */
#define LINES_TOO_LONG (-2)

struct lines {
	char *buf; /* the current line, NUL-terminated */
	size_t cap;
};

/* Reads the next line of (in) into l->buf: its bytes up to and including
 * the newline (none on a last line without one), except that after a '#'
 * only the '#' is kept. l->buf has one writable byte past the NUL. Returns
 * the length, -1 at the end or on a read error (see ferror), or
 * LINES_TOO_LONG having read LINES_MAX + 1 bytes of the line (-ENOMEM
 * when out of memory). Start with struct lines = { 0 }. */
ssize_t lines_next(struct lines *l, FILE *in);

/* Frees the buffer. */
void lines_free(struct lines *l);

#endif
