/* outfile.c - write an output file the way its kind asks, never replacing
 * what it is.
 *
 * Rules (issue 14: `snapshot /dev/null` replaced the device node, a
 * symlink became a regular file and its target was never written):
 * - symbolic links are followed: the file written is the link's target,
 *   the link stays;
 * - a regular file (or a new one) is written to a temporary file next to
 *   it and renamed over it, so a failure never leaves half a document;
 *   the replacement keeps the old file's permission bits (a new file gets
 *   0666 less the umask, as the shell's `>` gives);
 * - anything else (a character device such as /dev/null, a FIFO, a block
 *   device) is written in place, as the shell's `>` and cp(1) do: it is
 *   never replaced. A directory is EISDIR.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

/* Writes all (len) bytes of (data) to (fd). 0 or -errno. */
static int write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* In place through every link, no replacement: devices, FIFOs and the
 * target of a dangling link. */
static int write_in_place(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int rc;

	if (fd < 0)
		return -errno;
	rc = write_all(fd, data, len);
	if (close(fd) && rc == 0)
		rc = -errno;
	return rc;
}

static mode_t umask_now(void)
{
	mode_t mask = umask(0);

	(void)umask(mask); /* restores the mask just read: cannot fail */
	return mask;
}

/* (target) is a regular file with permission bits (mode), or new: the
 * temporary file in its directory, renamed over it. */
static int write_replacing(const char *target, mode_t mode, const char *data,
			   size_t len)
{
	char tmp[PATH_MAX];
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", target) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* mkstemp: a fresh name, O_EXCL, never through a planted link */
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	rc = fchmod(fd, mode) ? -errno : 0;
	if (rc == 0)
		rc = write_all(fd, data, len);
	/* the data is on disk before the name points at it */
	if (rc == 0 && fsync(fd))
		rc = -errno;
	if (close(fd) && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, target))
		rc = -errno;
	if (rc)
		(void)unlink(tmp); /* best effort: the error is what matters */
	return rc;
}

int outfile_write(const char *path, const void *data, size_t len)
{
	char target[PATH_MAX];
	struct stat st;

	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (!S_ISREG(st.st_mode))
			return write_in_place(path, data, len);
		/* the link's target is what gets replaced */
		if (!realpath(path, target))
			return -errno;
		return write_replacing(target, st.st_mode & 07777, data, len);
	}
	if (errno != ENOENT)
		return -errno;
	/* A dangling link: create its target through it. */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return write_in_place(path, data, len);
	return write_replacing(path, 0666 & ~umask_now(), data, len);
}
