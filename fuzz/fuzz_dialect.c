/* fuzz_dialect.c - the client dialects of SPEC §7 against a naive model.
 *
 * The input is a program: MSHV_IOEVENTFD calls, WHP registers and
 * unregisters (the structures built from the input, fields drawn from
 * values near every rule's edge, fds from a pool of two eventfds, a dup,
 * a pipe, -1 and a closed number), raw ports and connections that the
 * dialects must live with, and writes. A model written here the dumb way
 * (arrays, linear scans, SPEC §7 re-read) predicts every dialect-level
 * decision. After every step:
 * - a result decided at §7.1 steps 1-5, §7.2 steps 1-5 or the look-ups is
 *   the model's, result and reason; a SPEC §3 refusal comes only where
 *   the model saw the call through to step 6;
 * - a refused call changed nothing: state digest (registrations
 *   included) and the process's open fds;
 * - a new registration has the lowest id that is neither held nor a live
 *   root port, and the HV_CONNECTION_INFO the pure conninfo function
 *   gives;
 * - the library's registrations are exactly the model's, and share an
 *   eventfd group exactly when the model's eventfds are one description;
 * - the pure problem lists never pass what the call refuses at steps 1-4.
 * Every few inputs a snapshot round trip must reproduce the digest.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <hvdb/dialect.h>
#include <hvdb/hvdb.h>
#include <hvdb/introspect.h>
#include <hvdb/snapshot.h>

#include "fuzz_input.h"
#include "fuzz_reset.h"
#include "state_digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define M_RECORDS 64
#define POOL 6
/* fd pool: two descriptions (0: a, a's dup; 1: b), a pipe, -1, closed */
enum { FD_A, FD_A_DUP, FD_B, FD_PIPE, FD_NONE, FD_CLOSED };
static const int fd_desc[POOL] = { 0, 0, 1, -1, -1, -1 };

struct m_record {
	enum hvdb_dialect dialect;
	uint64_t partition;
	uint32_t id;
	struct mshv_user_ioeventfd io; /* .fd: the pool index */
	WHV_DOORBELL_MATCH_DATA whp;
	int desc;
};

static struct {
	struct hvdb *hv;
	int fd[POOL];
	struct m_record rec[M_RECORDS];
	size_t n;
} m;

static const uint64_t gpas[] = { 0x1000, 0x1004,     0x1ffe,
				 0x2000, 1ull << 48, UINT64_MAX - 3 };
static const uint64_t values[] = { 0, 1, 2, 0xff, 0x100, UINT64_MAX };
static const uint32_t lens[] = { 0, 1, 2, 4, 8, 3, 16 };
static const uint64_t partitions[] = { 2, 3, 9, 1 };

#define PICK(in, table) table[fuzz_u8(in) % (sizeof(table) / sizeof(*table))]

static bool known(uint64_t p)
{
	return p == 2 || p == 3;
}

static bool width_ok(uint64_t w, bool zero)
{
	return (w == 0 && zero) || w == 1 || w == 2 || w == 4 || w == 8;
}

/* ---- the model's answers ---- */

struct answer {
	bool decided;	      /* at a dialect step, not by SPEC §3 */
	const char *result;   /* "ok" or the result name */
	const char *reason;   /* reason name */
	struct m_record *hit; /* a deassign's or unregister's record */
};

static struct answer decided(const char *result, const char *reason)
{
	return (struct answer){ true, result, reason, NULL };
}

static bool io_wild(const struct mshv_user_ioeventfd *a)
{
	return !(a->flags & MSHV_IOEVENTFD_FLAG_DATAMATCH);
}

static const char *fd_problem(int idx)
{
	if (idx == FD_NONE || idx == FD_CLOSED)
		return "bad-fd";
	return idx == FD_PIPE ? "not-eventfd" : NULL;
}

static struct answer
model_ioeventfd(uint64_t p, const struct mshv_user_ioeventfd *a, int fdi)
{
	uint32_t rsvd;
	const char *bad;

	memcpy(&rsvd, a->rsvd, 4);
	if (a->flags & ~7u)
		return decided("EINVAL", "bad-flags");
	if (rsvd)
		return decided("EINVAL", "rsvd-nonzero");
	if (a->flags & MSHV_IOEVENTFD_FLAG_PIO)
		return decided("EOPNOTSUPP", "pio");
	if (a->flags & MSHV_IOEVENTFD_FLAG_DEASSIGN) {
		if ((bad = fd_problem(fdi)))
			return decided(*bad == 'b' ? "EBADF" : "EINVAL", bad);
		for (size_t i = 0; i < m.n; i++) {
			struct m_record *r = &m.rec[i];

			if (r->dialect == HVDB_DIALECT_IOEVENTFD &&
			    r->partition == p && r->desc == fd_desc[fdi] &&
			    r->io.addr == a->addr && r->io.len == a->len &&
			    io_wild(&r->io) == io_wild(a) &&
			    (io_wild(a) || r->io.datamatch == a->datamatch)) {
				struct answer ok = decided("ok", "ok");

				ok.hit = r;
				return ok;
			}
		}
		return decided("ENOENT", "no-such-ioeventfd");
	}
	if (!width_ok(a->len, true))
		return decided("EINVAL", "bad-len");
	if (a->addr + a->len < a->addr)
		return decided("EINVAL", "addr-wraps");
	if ((bad = fd_problem(fdi)))
		return decided(*bad == 'b' ? "EBADF" : "EINVAL", bad);
	for (size_t i = 0; i < m.n; i++) {
		struct m_record *r = &m.rec[i];

		if (r->dialect == HVDB_DIALECT_IOEVENTFD && r->partition == p &&
		    r->io.addr == a->addr && r->io.len == a->len &&
		    (io_wild(&r->io) || io_wild(a) ||
		     r->io.datamatch == a->datamatch))
			return decided("EEXIST", "ioeventfd-exists");
	}
	return (struct answer){ false, NULL, NULL, NULL };
}

/* WHP's rule against the library's connections at the GPA. */
struct whp_scan {
	uint64_t p, gpa;
	bool any_size, any_value;
	unsigned width;
	uint64_t value;
	bool conflict;
};

static int whp_scan_one(void *opaque, const struct hvdb_connection_desc *d)
{
	struct whp_scan *s = opaque;
	uint64_t flags = d->info.DoorbellConnectionInfo.Flags;
	int w = hvdb_trigger_size_width(flags);
	bool any_value = flags & HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE;

	if (d->partition != s->p ||
	    d->info.DoorbellConnectionInfo.GuestPhysicalAddress != s->gpa)
		return 0;
	if (!(!any_value && !s->any_value && w > 0 && !s->any_size &&
	      (unsigned)w == s->width &&
	      d->info.DoorbellConnectionInfo.TriggerValue != s->value))
		s->conflict = true;
	return 0;
}

static struct answer
model_whp_register(uint64_t p, const WHV_DOORBELL_MATCH_DATA *w, int fdi)
{
	bool mv = w->MatchFlags & 1, ml = w->MatchFlags & 2;
	struct whp_scan s = { p,	 w->GuestAddress, !ml,	!mv,
			      w->Length, w->Value,	  false };
	const char *bad;

	if (w->MatchFlags & ~3u)
		return decided("E_INVALIDARG", "reserved-nonzero");
	if (ml && !width_ok(w->Length, false))
		return decided("E_INVALIDARG", "bad-length");
	if (!ml && (w->Length || mv))
		return decided("E_INVALIDARG", "bad-mode");
	if (!mv && w->Value)
		return decided("E_INVALIDARG", "value-without-match");
	if ((bad = fd_problem(fdi)))
		return decided("E_INVALIDARG", bad);
	if (known(p)) {
		FUZZ_CHECK(hvdb_connection_foreach(m.hv, whp_scan_one, &s) == 0,
			   "foreach");
		if (s.conflict)
			return decided("ERROR_HV_INVALID_PARAMETER",
				       "whp-conflict");
	}
	return (struct answer){ false, NULL, NULL, NULL };
}

static struct answer model_whp_unregister(uint64_t p,
					  const WHV_DOORBELL_MATCH_DATA *w)
{
	struct answer ok = decided("S_OK", "ok");

	/* identical match data twice (a raw disconnect let the second in):
	 * the lowest id goes */
	for (size_t i = 0; i < m.n; i++) {
		struct m_record *r = &m.rec[i];

		if (r->dialect == HVDB_DIALECT_WHP && r->partition == p &&
		    !memcmp(&r->whp, w, sizeof(*w)) &&
		    (!ok.hit || r->id < ok.hit->id))
			ok.hit = r;
	}
	return ok.hit ? ok : decided("ERROR_NOT_FOUND", "no-such-doorbell");
}

/* The lowest id neither held by a model record nor a live root port. */
static int port_seen(void *opaque, const struct hvdb_port_desc *d)
{
	((bool *)opaque)[d->id < 256 ? d->id : 0] = true;
	return 0;
}

static uint32_t model_lowest_id(void)
{
	bool taken[256] = { false };

	FUZZ_CHECK(hvdb_port_foreach(m.hv, port_seen, taken) == 0, "foreach");
	for (size_t i = 0; i < m.n; i++)
		if (m.rec[i].id < 256)
			taken[m.rec[i].id] = true;
	for (uint32_t id = 1; id < 256; id++)
		if (!taken[id])
			return id;
	return 0;
}

/* ---- checks ---- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	FUZZ_CHECK(d, "opendir");
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

struct walk {
	size_t seen;
	int group_of_desc[2];
};

static int check_one(void *opaque, const struct hvdb_doorbell_desc *d)
{
	struct walk *w = opaque;
	const struct m_record *r = NULL;

	for (size_t i = 0; i < m.n; i++)
		if (m.rec[i].id == d->id)
			r = &m.rec[i];
	FUZZ_CHECK(r, "library has doorbell %u, the model not", d->id);
	FUZZ_CHECK(r->dialect == d->dialect && r->partition == d->partition,
		   "doorbell %u: dialect or partition", d->id);
	if (r->dialect == HVDB_DIALECT_IOEVENTFD)
		FUZZ_CHECK(r->io.addr == d->ioeventfd.addr &&
				   r->io.len == d->ioeventfd.len &&
				   r->io.flags == d->ioeventfd.flags &&
				   r->io.datamatch == d->ioeventfd.datamatch,
			   "doorbell %u: ioeventfd fields", d->id);
	else
		FUZZ_CHECK(!memcmp(&r->whp, &d->whp, sizeof(r->whp)),
			   "doorbell %u: WHP match data", d->id);
	/* one group per open file description, numbered in id order */
	if (w->group_of_desc[r->desc] < 0)
		w->group_of_desc[r->desc] = (int)d->eventfd_group;
	FUZZ_CHECK(w->group_of_desc[r->desc] == (int)d->eventfd_group,
		   "doorbell %u: eventfd group %u", d->id, d->eventfd_group);
	FUZZ_CHECK(hvdb_eventfd_same(d->eventfd, m.fd[r->desc ? FD_B : FD_A]) ==
			   1,
		   "doorbell %u: not the caller's eventfd", d->id);
	w->seen++;
	return 0;
}

static void check_records(void)
{
	struct walk w = { 0, { -1, -1 } };

	FUZZ_CHECK(hvdb_doorbell_foreach(m.hv, check_one, &w) == 0, "walk");
	FUZZ_CHECK(w.seen == m.n, "library %zu doorbells, model %zu", w.seen,
		   m.n);
}

struct find_conn {
	uint64_t p;
	uint32_t id;
	HV_CONNECTION_INFO info;
	bool found;
};

static int find_conn(void *opaque, const struct hvdb_connection_desc *d)
{
	struct find_conn *f = opaque;

	if (d->partition == f->p && d->id == f->id) {
		f->info = d->info;
		f->found = true;
	}
	return 0;
}

/* The checks after every dialect call; (info) is what a register asked
 * for, NULL for a deassign or unregister. */
static void check_call(const struct answer *want, const char *got,
		       enum hvdb_reason reason, bool ok, uint64_t p,
		       const struct state_digest *before, int fds, uint32_t id,
		       uint32_t want_id, const HV_CONNECTION_INFO *info)
{
	struct state_digest after;
	struct find_conn f = { p, id, { 0 }, false };

	FUZZ_CHECK(got, "a result with no name");
	if (want->decided)
		FUZZ_CHECK(
			!strcmp(got, want->result) &&
				!strcmp(hvdb_reason_name(reason), want->reason),
			"got %s %s, model %s %s", got, hvdb_reason_name(reason),
			want->result, want->reason);
	FUZZ_CHECK(state_digest_take(m.hv, &after), "digest");
	if (!ok) {
		FUZZ_CHECK(state_digest_equal(before, &after),
			   "refused %s %s changed state", got,
			   hvdb_reason_name(reason));
		/* <=: earlier unregisters close their eventfds after RCU */
		FUZZ_CHECK(count_fds() <= fds, "refused call left fds");
	} else {
		FUZZ_CHECK(!state_digest_equal(before, &after),
			   "%s but nothing changed", got);
	}
	state_digest_free(&after);
	if (!ok || !info)
		return;
	FUZZ_CHECK(id == want_id, "id %u, lowest free %u", id, want_id);
	FUZZ_CHECK(hvdb_connection_foreach(m.hv, find_conn, &f) == 0 && f.found,
		   "no connection %u", id);
	FUZZ_CHECK(!memcmp(&f.info, info, sizeof(*info)),
		   "connection %u is not what conninfo says", id);
}

/* A refusal at a static step is in the pure problem list. */
static void check_listed(enum hvdb_reason reason, const enum hvdb_reason *list,
			 size_t n, const char *const *statics)
{
	bool is_static = false, listed = false;

	for (size_t i = 0; statics[i]; i++)
		if (!strcmp(hvdb_reason_name(reason), statics[i]))
			is_static = true;
	for (size_t i = 0; i < n; i++)
		if (list[i] == reason)
			listed = true;
	FUZZ_CHECK(!is_static || listed, "%s refused but not a problem",
		   hvdb_reason_name(reason));
}

/* ---- the operations ---- */

static void op_ioeventfd(struct fuzz_input *in)
{
	static const char *const statics[] = { "bad-flags",  "rsvd-nonzero",
					       "pio",	     "bad-len",
					       "addr-wraps", NULL };
	struct mshv_user_ioeventfd a = { 0 };
	enum hvdb_reason reason = HVDB_REASON_NONE, list[HVDB_REASON_MAX];
	uint64_t p = PICK(in, partitions);
	uint8_t f = fuzz_u8(in);
	int fdi = fuzz_u8(in) % POOL, rc, fds;
	struct state_digest before;
	HV_CONNECTION_INFO info;
	struct answer want;
	uint32_t id = 0, want_id;
	size_t n;

	a.flags = f & 7;
	if (f & 0x80)
		a.flags |= 1u << (3 + (f >> 3 & 15));
	if (f & 0x40)
		a.flags &= ~MSHV_IOEVENTFD_FLAG_DEASSIGN;
	if ((f & 0x38) == 0x38)
		a.rsvd[f & 3] = 1;
	a.addr = PICK(in, gpas);
	a.len = PICK(in, lens);
	a.datamatch = PICK(in, values);
	if (a.flags & MSHV_IOEVENTFD_FLAG_DATAMATCH && a.len && a.len < 8)
		a.datamatch &= (1ull << (8 * a.len)) - 1; /* mostly fitting */
	if (fuzz_u8(in) & 1)
		a.datamatch = PICK(in, values);
	want = model_ioeventfd(p, &a, fdi);
	want_id = model_lowest_id();
	a.fd = m.fd[fdi];
	n = hvdb_ioeventfd_problems(&a, list, HVDB_REASON_MAX);
	FUZZ_CHECK(state_digest_take(m.hv, &before), "digest");
	fds = count_fds();
	rc = hvdb_ioeventfd(m.hv, p, &a, &id, &reason);
	check_listed(reason, list, n < HVDB_REASON_MAX ? n : HVDB_REASON_MAX,
		     statics);
	check_call(&want, hvdb_ioeventfd_result_name(rc), reason, rc == 0, p,
		   &before, fds, id, want_id,
		   rc == 0 && hvdb_ioeventfd_conninfo(&a, &info) ? &info
								 : NULL);
	state_digest_free(&before);
	if (rc != 0)
		return;
	if (want.hit) {
		*want.hit = m.rec[--m.n];
		return;
	}
	FUZZ_CHECK(m.n < M_RECORDS, "model full");
	m.rec[m.n] = (struct m_record){
		HVDB_DIALECT_IOEVENTFD, p, id, a, { 0 }, fd_desc[fdi]
	};
	m.rec[m.n++].io.fd = fdi;
}

static WHV_DOORBELL_MATCH_DATA whp_from(struct fuzz_input *in)
{
	WHV_DOORBELL_MATCH_DATA w = { 0 };
	uint8_t f = fuzz_u8(in);

	w.MatchFlags = f & 3;
	if ((f & 0xc0) == 0xc0)
		w.MatchFlags |= 1u << (2 + (f >> 2 & 15));
	w.GuestAddress = PICK(in, gpas);
	w.Length = PICK(in, lens);
	w.Value = PICK(in, values);
	/* mostly well-formed: the modes WHP accepts */
	if (!(f & 0x20)) {
		if (!(w.MatchFlags & 2))
			w.Length = 0, w.MatchFlags &= ~1u;
		if (!(w.MatchFlags & 1))
			w.Value = 0;
	}
	return w;
}

static void op_whp(struct fuzz_input *in, bool unregister)
{
	static const char *const statics[] = { "reserved-nonzero", "bad-length",
					       "bad-mode",
					       "value-without-match", NULL };
	enum hvdb_reason reason = HVDB_REASON_NONE, list[HVDB_REASON_MAX];
	uint64_t p = PICK(in, partitions);
	int fdi = fuzz_u8(in) % POOL, fds;
	WHV_DOORBELL_MATCH_DATA w = whp_from(in);
	struct state_digest before;
	HV_CONNECTION_INFO info;
	struct answer want;
	uint32_t id = 0, want_id;
	hvdb_hresult hr;
	size_t n;

	want = unregister ? model_whp_unregister(p, &w)
			  : model_whp_register(p, &w, fdi);
	want_id = model_lowest_id();
	n = hvdb_whp_problems(&w, list, HVDB_REASON_MAX);
	FUZZ_CHECK(state_digest_take(m.hv, &before), "digest");
	fds = count_fds();
	hr = unregister
		     ? hvdb_whp_unregister(m.hv, p, &w, &reason)
		     : hvdb_whp_register(m.hv, p, &w, m.fd[fdi], &id, &reason);
	if (!unregister)
		check_listed(reason, list,
			     n < HVDB_REASON_MAX ? n : HVDB_REASON_MAX,
			     statics);
	check_call(&want, hvdb_hresult_name(hr), reason, hr == HVDB_S_OK, p,
		   &before, fds, id, want_id,
		   !unregister && hr == HVDB_S_OK &&
				   hvdb_whp_conninfo(&w, &info)
			   ? &info
			   : NULL);
	state_digest_free(&before);
	if (hr != HVDB_S_OK)
		return;
	if (want.hit) {
		*want.hit = m.rec[--m.n];
		return;
	}
	FUZZ_CHECK(m.n < M_RECORDS, "model full");
	m.rec[m.n++] = (struct m_record){ HVDB_DIALECT_WHP, p, id, { 0 }, w,
					  fd_desc[fdi] };
}

/* Raw SPEC §3 calls behind the dialects' backs: ports, connections,
 * disconnects and deletes of small ids (the dialects' own ids too). */
static void op_raw(struct fuzz_input *in)
{
	uint8_t what = fuzz_u8(in) % 3;
	uint32_t id = fuzz_u8(in) % 8 + 1;
	uint64_t p = PICK(in, partitions);
	HV_INPUT_CREATE_PORT cp = {
		.PortPartition = 1,
		.PortId = id,
		.ConnectionPartition = p,
		.PortInfo.PortType = HvPortTypeDoorbell,
		.PortInfo.DoorbellPortInfo.TargetSint = 5,
	};
	HV_INPUT_CONNECT_PORT cc = {
		.ConnectionPartition = p,
		.ConnectionId = id + 100,
		.PortPartition = 1,
		.PortId = id,
		.ConnectionInfo.PortType = HvPortTypeDoorbell,
		.ConnectionInfo.DoorbellConnectionInfo.GuestPhysicalAddress =
			PICK(in, gpas),
		.ConnectionInfo.DoorbellConnectionInfo.TriggerValue =
			PICK(in, values) & 0xffff,
		.ConnectionInfo.DoorbellConnectionInfo.Flags = fuzz_u8(in) & 3,
	};
	HV_INPUT_DISCONNECT_PORT dc = { .ConnectionPartition = p,
					.ConnectionId = id };
	HV_INPUT_DELETE_PORT dp = { .PortPartition = 1, .PortId = id };

	/* results are SPEC §3's business (fuzz_state); only no crash here */
	if (what == 0) {
		(void)hvdb_port_create(m.hv, 1, &cp, NULL);
		(void)hvdb_port_connect(m.hv, 1, &cc, NULL);
	} else if (what == 1) {
		(void)hvdb_port_disconnect(m.hv, 1, &dc, NULL);
	} else {
		(void)hvdb_port_delete(m.hv, 1, &dp, NULL);
	}
}

static void op_write(struct fuzz_input *in)
{
	static const unsigned widths[] = { 1, 2, 4, 8 };
	unsigned len = PICK(in, widths);
	uint64_t v = PICK(in, values);
	int rc;

	if (len < 8)
		v &= (1ull << (8 * len)) - 1;
	rc = hvdb_write(m.hv, PICK(in, partitions), PICK(in, gpas), len, v,
			NULL);
	FUZZ_CHECK(rc >= HVDB_WRITE_MISS && rc <= HVDB_WRITE_DROPPED,
		   "write gave %d", rc);
}

/* Save and restore: the restored hypervisor renders the same. */
static void op_snapshot(void)
{
	struct state_digest a, b;
	struct hvdb *hv;
	size_t len;
	char *json;

	FUZZ_CHECK(hvdb_snapshot_save(m.hv, &json, &len, NULL) == 0, "save");
	FUZZ_CHECK(hvdb_snapshot_restore(json, len, NULL, NULL, &hv, NULL) == 0,
		   "restore of a saved state: %.200s", json);
	FUZZ_CHECK(state_digest_take(m.hv, &a) && state_digest_take(hv, &b),
		   "digest");
	FUZZ_CHECK(state_digest_equal(&a, &b), "restore differs");
	state_digest_free(&a);
	state_digest_free(&b);
	hvdb_destroy(hv);
	free(json);
}

static void setup(void)
{
	struct hvdb_partition_config c;
	int p[2];

	if (m.hv)
		return;
	m.hv = hvdb_create(NULL);
	FUZZ_CHECK(m.hv, "create");
	for (uint64_t id = 2; id <= 3; id++) {
		hvdb_partition_config_init(&c, id);
		FUZZ_CHECK(hvdb_partition_create(m.hv, &c, NULL) == 0,
			   "partition");
	}
	m.fd[FD_A] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	m.fd[FD_A_DUP] = dup(m.fd[FD_A]);
	m.fd[FD_B] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	FUZZ_CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe");
	m.fd[FD_PIPE] = p[0]; /* p[1] stays open: a pipe with a writer */
	m.fd[FD_NONE] = -1;
	m.fd[FD_CLOSED] = INT_MAX - 1; /* never open, never reused */
}

/* Back to no registrations, ports or connections, through the API: a
 * fresh hypervisor per input would wait for RCU in hvdb_destroy. */
static void reset(void)
{
	while (m.n) {
		struct m_record *r = &m.rec[--m.n];
		struct mshv_user_ioeventfd a = r->io;

		if (r->dialect == HVDB_DIALECT_WHP) {
			FUZZ_CHECK(hvdb_whp_unregister(m.hv, r->partition,
						       &r->whp,
						       NULL) == HVDB_S_OK,
				   "unregister %u", r->id);
			continue;
		}
		a.fd = m.fd[r->desc ? FD_B : FD_A];
		a.flags |= MSHV_IOEVENTFD_FLAG_DEASSIGN;
		FUZZ_CHECK(hvdb_ioeventfd(m.hv, r->partition, &a, NULL, NULL) ==
				   0,
			   "deassign %u", r->id);
	}
	fuzz_reset(m.hv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	static unsigned runs;

	setup();
	for (int steps = 0; fuzz_more(&in) && steps < 64; steps++) {
		switch (fuzz_u8(&in) % 6) {
		case 0:
		case 1:
			op_ioeventfd(&in);
			break;
		case 2:
			op_whp(&in, false);
			break;
		case 3:
			op_whp(&in, true);
			break;
		case 4:
			op_raw(&in);
			break;
		default:
			op_write(&in);
			break;
		}
		check_records();
	}
	if (++runs % 16 == 0)
		op_snapshot();
	reset();
	return 0;
}
