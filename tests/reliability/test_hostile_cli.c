/* test_hostile_cli.c - one test per `hvdb` finding of issue 14 ("hostile
 * input"), each named after what a hostile or careless user could do
 * before the fix: files clobbered by `snapshot`, unbounded reads by
 * `replay` and `restore`, restore errors cut mid-sentence.
 *
 * Usage: reliability_test_hostile_cli [PATH-TO-HVDB] (default: the hvdb
 * of this build).
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
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "run_hvdb.h"

/* hvdb may use this much address space in these runs; a runaway
 * allocation fails inside it instead of taking the machine. */
#define AS_LIMIT (1ul << 30)

static const char *hvdb_path = HVDB_PATH;
static char dir[] = "/tmp/hvdb-hostile-XXXXXX";

/* dir/name into (buf) of PATH_MAX. */
static const char *in_dir(char *buf, const char *name)
{
	snprintf(buf, 4096, "%s/%s", dir, name);
	return buf;
}

/* Runs `hvdb replay -` on (text). */
static void replay(const char *text, struct hvdb_run *r)
{
	static const char *const args[] = { "replay", "-", NULL };
	struct buf in = { 0 };

	puts_buf(&in, text);
	run_hvdb(hvdb_path, args, &in, AS_LIMIT, r);
	free(in.p);
}

/* Runs "partition 2" then "snapshot (path)": both must say ok. */
static void snapshot_to(const char *path)
{
	char text[4200];
	struct hvdb_run r;

	snprintf(text, sizeof(text), "partition 2\nsnapshot %s\n", path);
	replay(text, &r);
	if (r.status != 0 || strcmp(r.out, "ok\nok\n"))
		fail_msg("snapshot %s: status %d, stdout '%s', stderr '%s'",
			 path, r.status, r.out, r.err);
	run_hvdb_free(&r);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* The next bytes of (fd) begin a snapshot document. */
static void assert_snapshot_at(int fd)
{
	static const char head[] = "{\"format\":\"hvdoorbell-snapshot\"";
	char got[sizeof(head)] = "";

	assert_int_equal(read(fd, got, sizeof(head) - 1),
			 (ssize_t)sizeof(head) - 1);
	assert_string_equal(got, head);
}

/* (path) holds a snapshot document. */
static void assert_snapshot_in(const char *path)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_snapshot_at(fd);
	close(fd);
}

/* Entries of (dir) other than . and .. */
static int dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static int empty_dir(void **state)
{
	char path[4096];
	struct dirent *e;
	DIR *d = opendir(dir);

	(void)state;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlink(in_dir(path, e->d_name));
	if (d)
		closedir(d);
	return 0;
}

/* Finding: "snapshot FILE clobbers what FILE is": a symlink became a
 * regular file and its target was never written. Now the target is
 * written and the link stays a link; no temporary file is left. */
static void snapshot_clobbers_symlink(void **state)
{
	char link[4096], target[4096];
	struct stat st;

	(void)state;
	write_file(in_dir(target, "target.json"), "old", 0644);
	assert_int_equal(symlink("target.json", in_dir(link, "link.json")), 0);
	snapshot_to(link);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_snapshot_in(target);
	assert_int_equal(dir_entries(), 2);
	/* a dangling link gets its target created through it */
	assert_int_equal(unlink(target), 0);
	snapshot_to(link);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_snapshot_in(target);
}

/* Finding: as root, `snapshot /dev/null` replaced the device node. A
 * device is written in place, never replaced. As root a node of our own
 * (a copy of /dev/null) is used, so a regression cannot break the real
 * one; otherwise /dev/null itself, which then cannot be replaced. */
static void snapshot_replaces_device_node(void **state)
{
	char node[4096];
	const char *path = in_dir(node, "null");
	struct stat before, after;

	(void)state;
	if (mknod(path, S_IFCHR | 0666, makedev(1, 3)))
		path = "/dev/null";
	assert_int_equal(stat(path, &before), 0);
	snapshot_to(path);
	assert_int_equal(lstat(path, &after), 0);
	assert_true(S_ISCHR(after.st_mode));
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_rdev, before.st_rdev);
}

/* The same finding for a FIFO: the snapshot goes down the pipe and the
 * FIFO stays. */
static void snapshot_replaces_fifo(void **state)
{
	char fifo[4096];
	struct stat st;
	int fd;

	(void)state;
	assert_int_equal(mkfifo(in_dir(fifo, "pipe"), 0600), 0);
	/* a reader, so hvdb's open for writing does not wait */
	fd = open(fifo, O_RDONLY | O_NONBLOCK);
	assert_true(fd >= 0);
	snapshot_to(fifo);
	assert_int_equal(lstat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_snapshot_at(fd);
	close(fd);
}

/* Finding (same issue): the replacement of a regular file lost its
 * permission bits. Now they are kept, and the file is replaced whole. */
static void snapshot_loses_file_mode(void **state)
{
	char path[4096];
	struct stat st;

	(void)state;
	write_file(in_dir(path, "private.json"), "old", 0640);
	snapshot_to(path);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_snapshot_in(path);
	assert_int_equal(dir_entries(), 1);
}

/* A directory is refused as an OS failure, and left alone. */
static void snapshot_onto_directory(void **state)
{
	char path[4096], text[4200];
	struct hvdb_run r;

	(void)state;
	assert_int_equal(mkdir(in_dir(path, "sub"), 0755), 0);
	snprintf(text, sizeof(text), "snapshot %s\n", path);
	replay(text, &r);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "Is a directory"));
	run_hvdb_free(&r);
	assert_int_equal(rmdir(path), 0);
}

/* Finding: "`hvdb replay /dev/zero` grows to gigabytes before reporting
 * line 1 malformed". Lines are read up to 1 MiB before any comment. */
static void replay_dev_zero_grows_to_gigabytes(void **state)
{
	static const char *const args[] = { "replay", "/dev/zero", NULL };
	struct hvdb_run r;

	(void)state;
	run_hvdb(hvdb_path, args, NULL, AS_LIMIT, &r);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "hvdb: line 1: longer than 1048576 bytes "
				   "before any comment\n");
	run_hvdb_free(&r);
}

/* Finding: "`restore /dev/zero` never returns". A NUL byte ends the read
 * at once (JSON has none). */
static void restore_dev_zero_never_returns(void **state)
{
	struct hvdb_run r;

	(void)state;
	replay("partition 2\nrestore /dev/zero\n", &r);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.out, "ok\n");
	assert_string_equal(r.err, "hvdb: line 2: restore /dev/zero: not a "
				   "JSON document: a NUL byte at offset 0\n");
	run_hvdb_free(&r);
}

/* The same finding for endless text without NULs (`yes | ...`): the
 * read stops past HVDB_SNAPSHOT_FILE_MAX (256 MiB). A child writes blanks
 * into a pipe until hvdb is gone. */
static void restore_endless_text_never_returns(void **state)
{
	char path[4096];
	const char *const args[] = { "replay", in_dir(path, "stdin.scn"),
				     NULL };
	static char blanks[1 << 16];
	struct hvdb_run r;
	int pipefd[2];
	pid_t writer;

	(void)state;
	write_file(path, "restore /dev/stdin\n", 0644);
	memset(blanks, ' ', sizeof(blanks));
	assert_int_equal(pipe(pipefd), 0);
	writer = fork();
	assert_true(writer >= 0);
	if (writer == 0) {
		close(pipefd[0]);
		while (write(pipefd[1], blanks, sizeof(blanks)) > 0)
			;
		_exit(0); /* EPIPE (SIGPIPE): the reader is gone */
	}
	close(pipefd[1]);
	run_hvdb_fd(hvdb_path, args, pipefd[0], AS_LIMIT, &r);
	close(pipefd[0]);
	assert_int_equal(waitpid(writer, NULL, 0), writer);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "hvdb: line 1: restore /dev/stdin: larger "
				   "than 268435456 bytes, the most a snapshot "
				   "file may have\n");
	run_hvdb_free(&r);
}

/* Finding: "restore errors are cut mid-sentence" (at 100 bytes). The
 * longest library message is printed whole. */
static void restore_error_cut_mid_sentence(void **state)
{
	char path[4096], text[4200];
	struct hvdb_run r;
	const char *tail = "the default connection limit and no RAM\n";

	(void)state;
	write_file(in_dir(path, "root40.json"),
		   "{\"format\":\"hvdoorbell-snapshot\",\"version\":1,"
		   "\"partitions\":[{\"id\":\"0x1\",\"vp_count\":1,"
		   "\"gpa_bits\":40,\"privileges\":\"0xffffffffffffffff\","
		   "\"connection_limit\":262144,\"ram\":[]}],"
		   "\"ports\":[],\"connections\":[]}\n",
		   0644);
	snprintf(text, sizeof(text), "restore %s\n", path);
	replay(text, &r);
	assert_int_equal(r.status, 2);
	if (r.err_len < strlen(tail) ||
	    strcmp(r.err + r.err_len - strlen(tail), tail))
		fail_msg("stderr cut: '%s'", r.err);
	run_hvdb_free(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(snapshot_clobbers_symlink, empty_dir),
		cmocka_unit_test_teardown(snapshot_replaces_device_node,
					  empty_dir),
		cmocka_unit_test_teardown(snapshot_replaces_fifo, empty_dir),
		cmocka_unit_test_teardown(snapshot_loses_file_mode, empty_dir),
		cmocka_unit_test_teardown(snapshot_onto_directory, empty_dir),
		cmocka_unit_test(replay_dev_zero_grows_to_gigabytes),
		cmocka_unit_test(restore_dev_zero_never_returns),
		cmocka_unit_test_teardown(restore_endless_text_never_returns,
					  empty_dir),
		cmocka_unit_test_teardown(restore_error_cut_mid_sentence,
					  empty_dir),
	};
	int rc;

	if (argc > 1)
		hvdb_path = argv[1];
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	rc = cmocka_run_group_tests_name("hostile_cli", tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
