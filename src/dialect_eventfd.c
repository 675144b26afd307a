/* dialect_eventfd.c - the eventfds of the client dialects (SPEC §7):
 * whether an fd is an eventfd, "the same eventfd" (one open file
 * description), and closing a registration's own duplicate only once no
 * write can still signal it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kcmp.h>

#include "dialect.h"
#include "grace.h"
#include "hv.h"

/* The "eventfd-id" line of /proc/self/fdinfo/FD (Linux >= 5.13), or -1. */
static long long fdinfo_eventfd_id(int fd)
{
	char path[64], line[128];
	long long id = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "eventfd-id: %lld", &id) == 1)
			break;
	fclose(f);
	return id;
}

int dialect_eventfd_cmp(int a, int b, int *err)
{
	pid_t pid = getpid();
	long long x, y;
	long r;

	*err = 0;
	/* kcmp orders the kernel's struct file pointers: 0 equal, 1 less,
	 * 2 greater. */
	r = syscall(SYS_kcmp, pid, pid, KCMP_FILE, a, b);
	if (r == 0 || r == 1 || r == 2)
		return r == 0 ? 0 : r == 1 ? -1 : 1;
	if (r < 0 && errno == EBADF) {
		*err = -EBADF;
		return 0;
	}
	/* No kcmp (seccomp, CONFIG_KCMP off): every eventfd has an id. */
	x = fdinfo_eventfd_id(a);
	y = fdinfo_eventfd_id(b);
	if (x < 0 || y < 0) {
		*err = -ENOSYS;
		return 0;
	}
	return (x > y) - (x < y);
}

int hvdb_eventfd_same(int a, int b)
{
	int err;
	int cmp;

	if (fcntl(a, F_GETFD) < 0 || fcntl(b, F_GETFD) < 0)
		return -EBADF;
	cmp = dialect_eventfd_cmp(a, b, &err);
	return err ? err : cmp == 0;
}

enum hvdb_reason dialect_eventfd_check(int fd)
{
	char path[64], target[64];
	struct stat st;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0)
		return HVDB_REASON_BAD_FD;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		/* No /proc: an anonymous inode (no file type bits) is the
		 * most that can be told. */
		return (st.st_mode & S_IFMT) == 0 ? HVDB_REASON_NONE
						  : HVDB_REASON_NOT_EVENTFD;
	target[n] = '\0';
	return strcmp(target, "anon_inode:[eventfd]") ? HVDB_REASON_NOT_EVENTFD
						      : HVDB_REASON_NONE;
}

struct closing {
	struct rcu_head rcu;
	int fd;
};

static void close_rcu(struct rcu_head *head)
{
	struct closing *c = caa_container_of(head, struct closing, rcu);

	grace_reclaim();
	grace_observe(c);   /* no reader saw (c): its handover is call_rcu */
	(void)close(c->fd); /* our duplicate: nothing to report */
	free(c);
	grace_reclaimed();
}

void dialect_eventfd_close_later(int fd)
{
	struct closing *c = malloc(sizeof(*c));

	if (!c) {
		grace_wait();
		(void)close(fd);
		return;
	}
	c->fd = fd;
	grace_publish(c);
	call_rcu(&c->rcu, close_rcu);
}
