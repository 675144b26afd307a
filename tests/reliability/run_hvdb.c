/* run_hvdb.c - run the hvdb program and capture its output (run_hvdb.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "run_hvdb.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif

void put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void puts_buf(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static char *slurp(int fd, size_t *len)
{
	struct buf b = { 0 };
	char chunk[4096];
	ssize_t n;

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		put(&b, chunk, (size_t)n);
	put(&b, "", 1);
	*len = b.len - 1;
	return b.p;
}

static int tmpfd(void)
{
	char name[] = "/tmp/hvdb-run-XXXXXX";
	int fd = mkstemp(name);

	assert_true(fd >= 0);
	unlink(name);
	return fd;
}

void run_hvdb_fd(const char *hvdb, const char *const args[], int fin,
		 size_t as_limit, struct hvdb_run *r)
{
	int fout = tmpfd(), ferr = tmpfd(), status;
	const char *argv[16] = { hvdb };
	size_t n = 1;
	pid_t pid;

	(void)as_limit; /* unused in sanitizer builds */
	for (; args[n - 1]; n++) {
		assert_true(n + 1 < sizeof(argv) / sizeof(argv[0]));
		argv[n] = args[n - 1];
	}
	argv[n] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
#ifndef SANITIZED
		struct rlimit lim = { as_limit, as_limit };

		if (as_limit && setrlimit(RLIMIT_AS, &lim))
			_exit(126);
#endif
		dup2(fin, 0);
		dup2(fout, 1);
		dup2(ferr, 2);
		execv(hvdb, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	r->out = slurp(fout, &r->out_len);
	r->err = slurp(ferr, &r->err_len);
	close(fout);
	close(ferr);
}

void run_hvdb(const char *hvdb, const char *const args[], const struct buf *in,
	      size_t as_limit, struct hvdb_run *r)
{
	int fin = tmpfd();

	if (in)
		assert_int_equal(write(fin, in->p, in->len), (ssize_t)in->len);
	assert_int_equal(lseek(fin, 0, SEEK_SET), 0);
	run_hvdb_fd(hvdb, args, fin, as_limit, r);
	close(fin);
}

void run_hvdb_free(struct hvdb_run *r)
{
	free(r->out);
	free(r->err);
}

int run_hvdb_sanitizer_report(const char *err)
{
	return strstr(err, "Sanitizer") || strstr(err, "runtime error");
}
