/* run_hvdb.h - run the hvdb program on given input and capture what it
 * prints (the CLI reliability tests). */
#ifndef HVDB_TESTS_RUN_HVDB_H
#define HVDB_TESTS_RUN_HVDB_H

#include <stddef.h>

/* A growing byte buffer; start with { 0 }, free(b.p) when done. */
struct buf {
	char *p;
	size_t len, cap;
};

/* Appends (n) bytes of (p) / the string (s); fails the test when out of
 * memory. */
void put(struct buf *b, const void *p, size_t n);
void puts_buf(struct buf *b, const char *s);

/* What one run printed: NUL-terminated, free() both. */
struct hvdb_run {
	int status; /* the exit status, or -1 if it did not exit */
	char *out, *err;
	size_t out_len, err_len;
};

/* Runs (hvdb) with the NULL-terminated arguments (args) (after argv[0]),
 * standard input from (in) (NULL: an empty file) and, unless 0, an
 * address-space limit of (as_limit) bytes, so a runaway allocation ends
 * the run instead of the machine (ignored in sanitizer builds, which
 * reserve terabytes). Fills (r). */
void run_hvdb(const char *hvdb, const char *const args[], const struct buf *in,
	      size_t as_limit, struct hvdb_run *r);
/* As run_hvdb, standard input from the open file (fin). */
void run_hvdb_fd(const char *hvdb, const char *const args[], int fin,
		 size_t as_limit, struct hvdb_run *r);
void run_hvdb_free(struct hvdb_run *r);

/* True when (err) holds a sanitizer report. */
int run_hvdb_sanitizer_report(const char *err);

#endif
