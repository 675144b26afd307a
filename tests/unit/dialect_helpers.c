/* dialect_helpers.c - see dialect_helpers.h. */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>

#include "dialect_helpers.h"

void dialect_env_up(struct dialect_env *e)
{
	int p[2];

	memset(e, 0, sizeof(*e));
	hv_with_guest(&e->g);
	e->partition = GUEST_ID;
	e->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e->other_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(e->efd >= 0 && e->other_efd >= 0);
	e->efd_dup = dup(e->efd);
	assert_true(e->efd_dup >= 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	e->pipe = p[0];
	e->pipe_w = p[1];
	e->closed_fd = INT_MAX - 1; /* never open, never reused */
}

void dialect_env_down(struct dialect_env *e)
{
	teardown(&e->g);
	close(e->efd);
	close(e->efd_dup);
	close(e->other_efd);
	close(e->pipe);
	close(e->pipe_w);
}

void full_guest(struct dialect_env *e, uint64_t id)
{
	const struct guest other = { .hv = e->g.hv, .id = id };
	struct hvdb_partition_config c;
	HV_INPUT_CREATE_PORT port = create_port_input(&other, 9);
	HV_INPUT_CONNECT_PORT conn =
		connect_port_input(&other, 9, 9, DOORBELL_GPA + 0x100);

	hvdb_partition_config_init(&c, id);
	c.connection_limit = 1;
	assert_int_equal(hvdb_partition_create(e->g.hv, &c, NULL), 0);
	assert_int_equal(hvdb_port_create(e->g.hv, ROOT_ID, &port, NULL), 0);
	assert_int_equal(hvdb_port_connect(e->g.hv, ROOT_ID, &conn, NULL), 0);
	e->partition = id;
}

int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

struct mshv_user_ioeventfd io_args(hvdb_gpa_t gpa, uint32_t len, bool datamatch,
				   uint64_t value, int fd)
{
	struct mshv_user_ioeventfd a = {
		.datamatch = datamatch ? value : 0,
		.addr = gpa,
		.len = len,
		.fd = fd,
		.flags = datamatch ? MSHV_IOEVENTFD_FLAG_DATAMATCH : 0,
	};

	return a;
}

WHV_DOORBELL_MATCH_DATA whp_match(hvdb_gpa_t gpa, uint32_t length,
				  bool match_value, uint64_t value)
{
	WHV_DOORBELL_MATCH_DATA m = {
		.GuestAddress = gpa,
		.Value = match_value ? value : 0,
		.Length = length,
		.MatchFlags = (length ? WHV_DOORBELL_MATCH_ON_LENGTH : 0) |
			      (match_value ? WHV_DOORBELL_MATCH_ON_VALUE : 0),
	};

	return m;
}

uint32_t io_assign_at(struct dialect_env *e, struct mshv_user_ioeventfd args,
		      const char *file, int line)
{
	enum hvdb_reason reason = HVDB_REASON_NONE;
	uint32_t id = 0;
	int rc = hvdb_ioeventfd(e->g.hv, e->partition, &args, &id, &reason);

	if (rc != 0) {
		print_error("%s:%d: ioeventfd assign: wanted ok, got %s %s\n",
			    file, line, hvdb_ioeventfd_result_name(rc),
			    hvdb_reason_name(reason));
		_fail(file, line);
	}
	return id;
}

uint32_t whp_register_at(struct dialect_env *e, WHV_DOORBELL_MATCH_DATA m,
			 int fd, const char *file, int line)
{
	enum hvdb_reason reason = HVDB_REASON_NONE;
	uint32_t id = 0;
	hvdb_hresult hr =
		hvdb_whp_register(e->g.hv, e->partition, &m, fd, &id, &reason);

	if (hr != HVDB_S_OK) {
		print_error("%s:%d: whp-register: wanted S_OK, got %s %s\n",
			    file, line, hvdb_hresult_name(hr),
			    hvdb_reason_name(reason));
		_fail(file, line);
	}
	return id;
}

/* The checks every row gets; true when the row holds. */
static bool row_holds(const char *what, bool ok_result, const char *got,
		      const char *want, const char *got_reason,
		      const char *want_reason, char *before, int fds_before,
		      struct hvdb *hv, const char *file, int line)
{
	char *after = state_digest(hv);
	bool same = strcmp(before, after) == 0;
	bool ok = true;

	if (strcmp(got, want) || strcmp(got_reason, want_reason)) {
		print_error("%s:%d: %s: wanted %s %s, got %s %s\n", file, line,
			    what, want, want_reason, got, got_reason);
		ok = false;
	}
	if (!ok_result && !same) {
		print_error("%s:%d: %s: refused call changed state\n"
			    "--- before\n%s--- after\n%s",
			    file, line, what, before, after);
		ok = false;
	}
	/* >: earlier unregisters may close their eventfds meanwhile */
	if (!ok_result && count_fds() > fds_before) {
		print_error("%s:%d: %s: refused call left %d fds behind\n",
			    file, line, what, count_fds() - fds_before);
		ok = false;
	}
	if (ok_result && same) {
		print_error("%s:%d: %s: succeeded but state is unchanged\n",
			    file, line, what);
		ok = false;
	}
	free(before);
	free(after);
	return ok;
}

/* Fails the test when any of the (n) rows failed. */
static void rows_done(size_t failed, size_t n, const char *file, int line)
{
	if (failed) {
		print_error("%s:%d: %zu of %zu rows failed\n", file, line,
			    failed, n);
		_fail(file, line);
	}
}

void run_io_cases_at(const struct io_case *cases, size_t n,
		     void (*base)(struct dialect_env *e,
				  struct mshv_user_ioeventfd *a),
		     const char *file, int line)
{
	size_t failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct io_case *c = &cases[i];
		enum hvdb_reason reason = HVDB_REASON_NONE;
		struct mshv_user_ioeventfd a;
		struct dialect_env e;
		char what[160], *before;
		int fds, rc;

		dialect_env_up(&e);
		base(&e, &a);
		if (c->mutate)
			c->mutate(&e, &a);
		before = state_digest(e.g.hv);
		fds = count_fds();
		rc = hvdb_ioeventfd(e.g.hv, e.partition, &a, NULL, &reason);
		snprintf(what, sizeof(what), "row \"%s\"", c->name);
		if (!row_holds(what, rc == 0, hvdb_ioeventfd_result_name(rc),
			       hvdb_ioeventfd_result_name(c->want),
			       hvdb_reason_name(reason), c->want_reason, before,
			       fds, e.g.hv, file, line))
			failed++;
		dialect_env_down(&e);
	}
	rows_done(failed, n, file, line);
}

void run_whp_cases_at(const struct whp_case *cases, size_t n,
		      void (*base)(struct dialect_env *e,
				   WHV_DOORBELL_MATCH_DATA *m, int *fd),
		      bool unregister, const char *file, int line)
{
	size_t failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct whp_case *c = &cases[i];
		enum hvdb_reason reason = HVDB_REASON_NONE;
		WHV_DOORBELL_MATCH_DATA m;
		struct dialect_env e;
		char what[160], *before;
		hvdb_hresult hr;
		int fds, fd;

		dialect_env_up(&e);
		fd = e.efd;
		base(&e, &m, &fd);
		if (c->mutate)
			c->mutate(&e, &m, &fd);
		before = state_digest(e.g.hv);
		fds = count_fds();
		hr = unregister ? hvdb_whp_unregister(e.g.hv, e.partition, &m,
						      &reason)
				: hvdb_whp_register(e.g.hv, e.partition, &m, fd,
						    NULL, &reason);
		snprintf(what, sizeof(what), "row \"%s\"", c->name);
		if (!row_holds(what, hr == HVDB_S_OK, hvdb_hresult_name(hr),
			       hvdb_hresult_name(c->want),
			       hvdb_reason_name(reason), c->want_reason, before,
			       fds, e.g.hv, file, line))
			failed++;
		dialect_env_down(&e);
	}
	rows_done(failed, n, file, line);
}
