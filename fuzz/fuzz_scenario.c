/* fuzz_scenario.c - the scenario language of SPEC §6 on arbitrary text.
 *
 * Each input line is parsed on its own from a buffer of exactly its
 * length plus the one writable byte the parser may use (so ASan sees any
 * read past it); then the whole input is run by scenario_run() on a fresh
 * hypervisor, as `hvdb replay` does. Checks: the run ends with 0 or 2
 * (1 would be an internal failure); each output line starts with a token
 * SPEC §6 allows; a malformed line gives exactly one
 * `hvdb: line N: <what>` line naming a line that exists; a parse error
 * always carries a message. `snapshot` and `restore` lines are parsed but
 * not run (see disarm_file_commands).
 */
#include <stdio.h>
#include <string.h>

#include <hvdb/hvdb.h>

#include "fuzz_input.h"
#include "fuzz_reset.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_each_line(const uint8_t *data, size_t size)
{
	struct scenario_cmd cmd;
	size_t start = 0;

	while (start < size) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t len =
			nl ? (size_t)(nl - data) - start + 1 : size - start;
		char *line = malloc(len + 1);
		const char *err;

		FUZZ_CHECK(line, "out of memory");
		memcpy(line, data + start, len);
		/* the parser may write this byte; it must not need a NUL */
		line[len] = 'x';
		err = scenario_parse_line(line, len, &cmd);
		FUZZ_CHECK(!err || (err[0] && strlen(err) < SCENARIO_TEXT_MAX &&
				    !strchr(err, '\n')),
			   "bad parse message");
		FUZZ_CHECK(err || (cmd.verb >= SCENARIO_NONE &&
				   cmd.verb < SCENARIO_VERB_MAX),
			   "verb %d", (int)cmd.verb);
		free(line);
		start += len;
	}
}

/* SPEC §6: every output line starts with one of these tokens. */
static bool known_first_token(const char *tok, size_t n)
{
	static const char *const words[] = {
		"ok",
		"fire",
		"dropped",
		"miss",
		"triggers",
		/* SPEC §7.3 dialect results */
		"EINVAL",
		"EOPNOTSUPP",
		"EBADF",
		"ENOENT",
		"EEXIST",
		"ENOMEM",
		"EIO",
		"ENOSPC",
		"E_INVALIDARG",
		"ERROR_NOT_FOUND",
	};

	if (n > 10 && !strncmp(tok, "HV_STATUS_", 10))
		return true;
	if (n > 9 && !strncmp(tok, "ERROR_HV_", 9))
		return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (strlen(words[i]) == n && !strncmp(tok, words[i], n))
			return true;
	return false;
}

static void check_output(const char *out, size_t len)
{
	const char *line = out, *end = out + len;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = 0;

		FUZZ_CHECK(nl, "output does not end in a newline");
		while (line + n < nl && line[n] != ' ')
			n++;
		FUZZ_CHECK(known_first_token(line, n),
			   "output line starts '%.*s'", (int)n, line);
		line = nl + 1;
	}
}

/* `snapshot FILE` and `restore FILE` reach the file system: a fuzzer must
 * not write files wherever its input says. Capitalising every occurrence
 * of the two words makes such a line an unknown command (still malformed
 * input, still checked); the parser sees them unchanged above. */
static void disarm_file_commands(char *text, size_t size)
{
	static const char *const words[] = { "snapshot", "restore" };

	for (size_t w = 0; w < 2; w++) {
		size_t n = strlen(words[w]);

		for (size_t i = 0; i + n <= size; i++)
			if (!memcmp(text + i, words[w], n))
				text[i] = (char)(text[i] - 'a' + 'A');
	}
}

static struct hvdb *kept; /* from one input to the next */

/* LeakSanitizer cannot see into liburcu's hash table buckets, so a live
 * hypervisor at exit would look leaked: destroy it before LSan's exit-time
 * check (registered before ours, so it runs after). */
static void destroy_kept(void)
{
	hvdb_destroy(kept);
	kept = NULL;
}

/* A hypervisor as `hvdb replay` starts with: the root partition only.
 * After a run, ports and connections are undone through the API; one
 * that made partitions (which cannot be undone) is destroyed, which is
 * slow (fuzz_reset.h). */
static struct hvdb *fresh(void)
{
	static bool registered;

	if (!registered)
		registered = atexit(destroy_kept) == 0;
	if (!kept)
		kept = hvdb_create(NULL);
	FUZZ_CHECK(kept, "hvdb_create");
	return kept;
}

static void done_with(struct hvdb *hv)
{
	if (fuzz_reset(hv) != 1)
		destroy_kept();
}

static void run_whole(const uint8_t *data, size_t size)
{
	struct scenario sc = { .ops = &scenario_default_ops };
	char *out = NULL, *err = NULL;
	size_t out_len = 0, err_len = 0;
	FILE *fin, *fout, *ferr;
	unsigned long lineno, lines = 1;
	char *copy = malloc(size + 1);
	int status, used = 0;

	FUZZ_CHECK(copy, "out of memory");
	memcpy(copy, data, size);
	disarm_file_commands(copy, size);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	fin = size ? fmemopen(copy, size, "r") : fopen("/dev/null", "r");
	fout = open_memstream(&out, &out_len);
	ferr = open_memstream(&err, &err_len);
	FUZZ_CHECK(fin && fout && ferr, "streams");
	sc.hv = fresh();
	status = scenario_run(&sc, fin, fout, ferr);
	done_with(sc.hv);
	fclose(fin);
	fclose(fout);
	fclose(ferr);

	FUZZ_CHECK(status == 0 || status == 2, "exit status %d: %.*s", status,
		   (int)err_len, err);
	check_output(out, out_len);
	if (status == 0) {
		FUZZ_CHECK(err_len == 0, "stderr on success: %s", err);
	} else {
		FUZZ_CHECK(sscanf(err, "hvdb: line %lu: %n", &lineno, &used) ==
					   1 &&
				   used > 0,
			   "stderr '%.*s'", (int)err_len, err);
		FUZZ_CHECK(lineno >= 1 && lineno <= lines, "line %lu of %lu",
			   lineno, lines);
		FUZZ_CHECK(err_len > (size_t)used + 1 &&
				   err[err_len - 1] == '\n' &&
				   memchr(err, '\n', err_len) ==
					   err + err_len - 1,
			   "stderr is not one message line: '%.*s'",
			   (int)err_len, err);
	}
	free(out);
	free(err);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_each_line(data, size);
	run_whole(data, size);
	return 0;
}
