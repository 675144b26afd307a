/* test_malformed.c - hostile input to `hvdb replay -` (SPEC §6).
 *
 * Generated cases the fixed files of tests/scenarios/malformed do not
 * carry: binary junk (seeded, many lengths), megabyte lines, numbers past
 * 64 bits, every command with fields missing, NUL bytes, a last line with
 * no newline, each after a few good lines. Every case must stop with exit
 * status 2, exactly one stderr line `hvdb: line N: <what>` naming the bad
 * line, the good lines' output before it, and no sanitizer report (the
 * ASan/UBSan run of .ci/sanitizers.sh runs this against its hvdb).
 *
 * Usage: reliability_test_malformed PATH-TO-HVDB
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "run_hvdb.h"

static const char *hvdb_path;

/* Good lines, each printing one output line, put before the bad one. */
static const char good[] = "partition 2\n"
			   "port 1 1 1 0\n"
			   "connect 1 2 1 1 1 gpa=0x1000 flags=3 value=1\n"
			   "# a comment prints nothing\n"
			   "write 2 0x1000 4 1\n";
#define GOOD_OUTPUT_LINES 4
#define GOOD_LINES 5

/* Runs `hvdb replay -` on (in); checks exit 2 and one `hvdb: line
 * (line): ` message, no sanitizer output, the good output before it. */
static void expect_malformed(const char *what, const struct buf *in,
			     unsigned long line, unsigned out_lines)
{
	static const char *const args[] = { "replay", "-", NULL };
	struct hvdb_run r;
	char prefix[64];
	unsigned lines = 0;

	run_hvdb(hvdb_path, args, in, 0, &r);
	snprintf(prefix, sizeof(prefix), "hvdb: line %lu: ", line);
	for (size_t i = 0; i < r.out_len; i++)
		lines += r.out[i] == '\n';
	if (r.status != 2 || strncmp(r.err, prefix, strlen(prefix)) != 0 ||
	    r.err_len <= strlen(prefix) + 1 || r.err[r.err_len - 1] != '\n' ||
	    memchr(r.err, '\n', r.err_len) != r.err + r.err_len - 1 ||
	    run_hvdb_sanitizer_report(r.err) || lines != out_lines)
		fail_msg("%s: status %d, %u output lines (want %u), stderr "
			 "(want '%s...'):\n%.2000s",
			 what, r.status, lines, out_lines, prefix, r.err);
	run_hvdb_free(&r);
}

/* (bad) after the good lines: it is line GOOD_LINES + 1. */
static void expect_bad_line(const char *what, const void *bad, size_t len)
{
	struct buf in = { 0 };

	puts_buf(&in, good);
	put(&in, bad, len);
	expect_malformed(what, &in, GOOD_LINES + 1, GOOD_OUTPUT_LINES);
	free(in.p);
}

static void expect_bad_text(const char *bad)
{
	expect_bad_line(bad, bad, strlen(bad));
}

/* SPEC §6: binary junk is malformed, whatever its bytes. */
static void binary_junk(void **state)
{
	unsigned seed = 2024;
	char what[64];

	(void)state;
	for (int k = 0; k < 40; k++) {
		size_t len = 1 + (size_t)(k * 97) % 3000;
		char *junk = malloc(len + 1);

		assert_non_null(junk);
		/* a byte no command starts with, then anything but a line
		 * end or comment (that would make a second line) */
		junk[0] = (char)(0x80 | k);
		for (size_t i = 1; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			junk[i] = (char)(seed >> 16);
			if (junk[i] == '\n' || junk[i] == '#')
				junk[i] = 0x7f;
		}
		junk[len] = '\n';
		snprintf(what, sizeof(what), "junk case %d (%zu bytes)", k,
			 len);
		expect_bad_line(what, junk, k % 2 ? len + 1 : len);
		free(junk);
	}
}

/* A megabyte line, of digits, letters, blanks or hex. */
static void megabyte_lines(void **state)
{
	static const char *const heads[] = {
		"stats 1 ",	     /* a 1 MB decimal number */
		"",		     /* a 1 MB command name */
		"write 2 0x",	     /* a 1 MB hex number */
		"hypercall 1 0x96 ", /* 1 MB of hex plus one digit: odd */
		"connect 1 2 1 1 1 gpa=0x1000 ", /* a 1 MB key */
	};
	static const char fill[] = { '9', 'x', 'f', 'a', 'k' };
	const size_t mb = 1u << 20;
	char *line = malloc(mb + 64);

	(void)state;
	assert_non_null(line);
	for (size_t k = 0; k < sizeof(heads) / sizeof(*heads); k++) {
		size_t n = strlen(heads[k]);

		memcpy(line, heads[k], n);
		memset(line + n, fill[k], mb + (k == 3));
		line[n + mb + (k == 3)] = '\n';
		expect_bad_line(heads[k][0] ? heads[k] : "1 MB command", line,
				n + mb + (k == 3) + 1);
	}
	/* a megabyte of blanks before an unknown command */
	memset(line, ' ', mb);
	memcpy(line + mb, "bogus\n", 6);
	expect_bad_line("1 MB of blanks", line, mb + 6);
	free(line);
}

/* SPEC §6: a number that does not fit 64 bits is malformed. */
static void numbers_past_64_bits(void **state)
{
	(void)state;
	expect_bad_text("write 2 18446744073709551616 4 1\n");
	expect_bad_text("write 2 0x10000000000000000 4 1\n");
	expect_bad_text("write 2 0x1000 4 99999999999999999999999\n");
	expect_bad_text("stats 1 340282366920938463463374607431768211456\n");
	expect_bad_text("connect 1 2 2 1 1 gpa=0x1ffffffffffffffff\n");
	expect_bad_text("partition 3 privileges=0x1ffffffffffffffff\n");
	expect_bad_text("write 2 0x1000 4 0x100000000\n"); /* not in 4 bytes */
}

/* SPEC §6: a missing argument is malformed, for every command. */
static void missing_fields(void **state)
{
	static const char *const lines[] = {
		"partition\n",
		"port 1 1 1\n",
		"port\n",
		"connect 1 2 1 1 1\n", /* no gpa= */
		"connect 1 2 1 1\n",
		"disconnect 1\n",
		"delete-port 1\n",
		"write 2 0x1000 4\n",
		"write\n",
		"hypercall 1\n",
		"stats 1\n",
		"connect 1 2 1 1 1 gpa=\n",
		"port 1 1 2 0 sint=\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++)
		expect_bad_text(lines[i]);
}

/* NUL bytes anywhere before a comment make the line malformed. */
static void nul_bytes(void **state)
{
	static const char a[] = "stats\0 1 1\n";
	static const char b[] = "write 2 0x1000 4 1\0\n";
	static const char c[] = "\0\n";
	static const char d[] = "disconnect 1 2 \0 1\n";

	(void)state;
	expect_bad_line("NUL after the command", a, sizeof(a) - 1);
	expect_bad_line("NUL at the end", b, sizeof(b) - 1);
	expect_bad_line("a NUL line", c, sizeof(c) - 1);
	expect_bad_line("NUL between arguments", d, sizeof(d) - 1);
}

/* The last line may lack its newline: still line N, still malformed. */
static void last_line_without_newline(void **state)
{
	(void)state;
	expect_bad_text("write 2 0x1000 9 1");
	expect_bad_text("unknown-command");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(binary_junk),
		cmocka_unit_test(megabyte_lines),
		cmocka_unit_test(numbers_past_64_bits),
		cmocka_unit_test(missing_fields),
		cmocka_unit_test(nul_bytes),
		cmocka_unit_test(last_line_without_newline),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-HVDB\n", argv[0]);
		return 2;
	}
	hvdb_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
