/* dialect_helpers.h - helpers for the SPEC §7 dialect tests, layered on
 * helpers.h: an environment with eventfds and non-eventfds, argument
 * builders, asserting calls, and table runners that check the result,
 * the reason, an unchanged state digest and an unchanged fd count for
 * every refusal (STYLE 15-17). */
#ifndef HVDB_TESTS_UNIT_DIALECT_HELPERS_H
#define HVDB_TESTS_UNIT_DIALECT_HELPERS_H

#include <sys/eventfd.h>
#include <unistd.h>

#include "helpers.h"

/* A guest (GUEST_ID) and the fds the rows use. */
struct dialect_env {
	struct guest g;
	uint64_t partition; /* the partition a row's call names: GUEST_ID */
	int efd;	    /* an eventfd */
	int efd_dup;	    /* dup(efd): the same open file description */
	int other_efd;	    /* another eventfd */
	int pipe;	    /* open, not an eventfd */
	int pipe_w;
	int closed_fd; /* a number no fd has */
};

void dialect_env_up(struct dialect_env *e);
void dialect_env_down(struct dialect_env *e);

/* Adds guest (id) whose one allowed connection is taken (raw, id 9, at
 * DOORBELL_GPA + 0x100), so the next ConnectPort there meets SPEC §3
 * Connect 14, and makes it the partition the row's call names. */
void full_guest(struct dialect_env *e, uint64_t id);

/* Open fds of the process. */
int count_fds(void);

/* An assign of (len) bytes at (gpa) on (fd), DATAMATCH (value) when
 * (datamatch). */
struct mshv_user_ioeventfd io_args(hvdb_gpa_t gpa, uint32_t len, bool datamatch,
				   uint64_t value, int fd);
/* A WHP match: MatchOnLength with (length) unless 0, MatchOnValue with
 * (value) when (match_value). */
WHV_DOORBELL_MATCH_DATA whp_match(hvdb_gpa_t gpa, uint32_t length,
				  bool match_value, uint64_t value);

/* Assign / register on e->partition; assert success; the doorbell id. */
#define io_assign(e, args) io_assign_at((e), (args), __FILE__, __LINE__)
uint32_t io_assign_at(struct dialect_env *e, struct mshv_user_ioeventfd args,
		      const char *file, int line);
#define whp_register(e, m, fd) \
	whp_register_at((e), (m), (fd), __FILE__, __LINE__)
uint32_t whp_register_at(struct dialect_env *e, WHV_DOORBELL_MATCH_DATA m,
			 int fd, const char *file, int line);

/* Table rows (STYLE 17): mutate the base call (and add state). */
struct io_case {
	const char *name;
	void (*mutate)(struct dialect_env *e, struct mshv_user_ioeventfd *a);
	int want;		 /* 0 or -errno */
	const char *want_reason; /* "ok" with 0 */
};
struct whp_case {
	const char *name;
	void (*mutate)(struct dialect_env *e, WHV_DOORBELL_MATCH_DATA *m,
		       int *fd);
	hvdb_hresult want;
	const char *want_reason;
};

/* Each row on a fresh environment: base, mutate, call. A refusal must
 * leave the state digest and the process's fd count unchanged; a
 * success must change the digest. Reports every failing row, then
 * fails. */
#define run_io_cases(c, n, base) \
	run_io_cases_at((c), (n), (base), __FILE__, __LINE__)
void run_io_cases_at(const struct io_case *cases, size_t n,
		     void (*base)(struct dialect_env *e,
				  struct mshv_user_ioeventfd *a),
		     const char *file, int line);
/* WHP register rows; (unregister) runs hvdb_whp_unregister instead. */
#define run_whp_cases(c, n, base, unregister) \
	run_whp_cases_at((c), (n), (base), (unregister), __FILE__, __LINE__)
void run_whp_cases_at(const struct whp_case *cases, size_t n,
		      void (*base)(struct dialect_env *e,
				   WHV_DOORBELL_MATCH_DATA *m, int *fd),
		      bool unregister, const char *file, int line);

#endif
