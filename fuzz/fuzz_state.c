/* fuzz_state.c - the state machine of SPEC §3/§4 against a naive model.
 *
 * The input is a program of operations (create/connect/disconnect/delete
 * port, write, lookup, create partition, arm a fault), each either a typed
 * call or a raw hypercall. Every operation runs on libhvdb and on a model
 * written here on purpose the dumb way: plain arrays, linear scans, the
 * SPEC §3 checks re-read from the text, and a brute-force conflict test
 * over every (length, value) write that could matter. After every step:
 * - a call's status and reason are the model's;
 * - a refused call changed nothing (foreach rendering before == after);
 * - the library's partitions, ports (with counters) and connections are
 *   exactly the model's;
 * - a write gives the model's fire/miss/dropped, connection and port, runs
 *   the port callback exactly once per fire, and never two connections
 *   of the model match one write.
 * A violation aborts with a message, so libFuzzer keeps the input.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <hvdb/hvdb.h>
#include <hvdb/testing.h>

#include "fuzz_input.h"
#include "state_digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define M_PARTITIONS 8
#define M_PORTS 1024 /* port instances over one input; live ones are few */
#define M_CONNS 64
#define ROOT_VPS 2u

struct m_partition {
	uint64_t id;
	uint32_t vp_count;
	uint32_t gpa_bits;
	uint64_t privileges;
	uint32_t limit;
	uint32_t conn_count;
};

struct m_port {
	bool live;
	HV_PORT_ID id;
	uint64_t conn_partition;
	uint32_t sint, vp;
	uint64_t triggers;
	uint32_t conn_count;
};

struct m_conn {
	uint64_t partition;
	HV_CONNECTION_ID id;
	size_t port; /* index into model.ports: one port instance */
	uint64_t gpa, value, flags;
};

struct model {
	struct m_partition parts[M_PARTITIONS];
	size_t nparts;
	struct m_port ports[M_PORTS];
	size_t nports;
	struct m_conn conns[M_CONNS];
	size_t nconns;
};

/* What the port callback saw during one write. */
static struct {
	unsigned calls;
	HV_PORT_ID port;
	HV_CONNECTION_ID conn;
} seen;

static void on_fire(void *opaque, HV_PORT_ID port, HV_CONNECTION_ID conn)
{
	(void)opaque;
	seen.calls++;
	seen.port = port;
	seen.conn = conn;
}

/* ---- the model: SPEC text, read naively ---- */

struct m_result {
	HV_STATUS status;
	enum hvdb_reason reason;
};

static struct m_result refuse(HV_STATUS s, enum hvdb_reason r)
{
	return (struct m_result){ s, r };
}

static struct m_partition *m_part(struct model *m, uint64_t id)
{
	for (size_t i = 0; i < m->nparts; i++)
		if (m->parts[i].id == id)
			return &m->parts[i];
	return NULL;
}

static struct m_port *m_live_port(struct model *m, HV_PORT_ID id)
{
	for (size_t i = 0; i < m->nports; i++)
		if (m->ports[i].live && m->ports[i].id == id)
			return &m->ports[i];
	return NULL;
}

static struct m_conn *m_conn_find(struct model *m, uint64_t part,
				  HV_CONNECTION_ID id)
{
	for (size_t i = 0; i < m->nconns; i++)
		if (m->conns[i].partition == part && m->conns[i].id == id)
			return &m->conns[i];
	return NULL;
}

static uint64_t resolve(uint64_t caller, uint64_t id)
{
	return id == HV_PARTITION_ID_SELF ? caller : id;
}

/* SPEC §3 access rule. */
static bool m_access(struct model *m, uint64_t caller, uint64_t target,
		     uint64_t privilege)
{
	struct m_partition *self;

	if (caller == HVDB_ROOT_PARTITION_ID)
		return true;
	self = m_part(m, caller);
	return caller == target && self && (self->privileges & privilege);
}

/* Width in bytes of a size code; 0 = ANY. */
static unsigned m_width(uint64_t flags)
{
	static const unsigned w[5] = { 0, 1, 2, 4, 8 };

	return w[flags & 7];
}

static bool m_fits(uint64_t value, unsigned len)
{
	return len >= 8 || value < (1ull << (8 * len));
}

/* SPEC §4: does a write of (len, value) match (c)? */
static bool m_hit(const struct m_conn *c, unsigned len, uint64_t value)
{
	unsigned w = m_width(c->flags);

	if (w && w != len)
		return false;
	return (c->flags & HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE) ||
	       c->value == value;
}

/* SPEC §4 conflict, by brute force: a write matching a value-specific
 * trigger carries its value, and one matching two any-value triggers may
 * carry 0, so those are all the values worth trying, at every length. */
static bool m_conflict(const struct m_conn *a, const struct m_conn *b)
{
	const uint64_t values[3] = { a->value, b->value, 0 };

	if (a->partition != b->partition || a->gpa != b->gpa)
		return false;
	for (unsigned len = 1; len <= 8; len++)
		for (unsigned i = 0; i < 3; i++)
			if (m_fits(values[i], len) &&
			    m_hit(a, len, values[i]) &&
			    m_hit(b, len, values[i]))
				return true;
	return false;
}

static struct m_result m_create_port(struct model *m, uint64_t caller,
				     const HV_INPUT_CREATE_PORT *in)
{
	const uint64_t port_pid = resolve(caller, in->PortPartition);
	const uint64_t conn_pid = resolve(caller, in->ConnectionPartition);
	const HV_PORT_INFO *pi = &in->PortInfo;
	struct m_port *p;

	if (!m_access(m, caller, port_pid, HV_PRIVILEGE_CREATE_PORT))
		return refuse(HV_STATUS_ACCESS_DENIED,
			      HVDB_REASON_NO_CREATE_PORT_PRIVILEGE);
	if (!m_part(m, port_pid) || (conn_pid && !m_part(m, conn_pid)))
		return refuse(HV_STATUS_INVALID_PARTITION_ID,
			      HVDB_REASON_UNKNOWN_PARTITION);
	if (in->PortId > 0xFFFFFF)
		return refuse(HV_STATUS_INVALID_PORT_ID,
			      HVDB_REASON_BAD_PORT_ID);
	/* SPEC §3 CreatePort 3: in use in the port partition (only the
	 * root has ports) */
	if (port_pid == 1 && m_live_port(m, in->PortId))
		return refuse(HV_STATUS_INVALID_PORT_ID,
			      HVDB_REASON_PORT_ID_IN_USE);
	if (pi->PortType != 4)
		return refuse(HV_STATUS_INVALID_PARAMETER,
			      HVDB_REASON_UNSUPPORTED_PORT_TYPE);
	if (port_pid != 1)
		return refuse(HV_STATUS_ACCESS_DENIED,
			      HVDB_REASON_DOORBELL_PORT_REQUIRES_ROOT);
	if (in->PortVtl || in->MinConnectionVtl || in->Padding ||
	    pi->ReservedZ || pi->DoorbellPortInfo.ReservedZ)
		return refuse(HV_STATUS_INVALID_PARAMETER,
			      HVDB_REASON_RESERVED_NONZERO);
	if (pi->DoorbellPortInfo.TargetSint < 1 ||
	    pi->DoorbellPortInfo.TargetSint > 15)
		return refuse(HV_STATUS_INVALID_PARAMETER,
			      HVDB_REASON_BAD_SINT);
	if (pi->DoorbellPortInfo.TargetVp != HV_ANY_VP &&
	    pi->DoorbellPortInfo.TargetVp >= m_part(m, 1)->vp_count)
		return refuse(HV_STATUS_INVALID_VP_INDEX, HVDB_REASON_BAD_VP);
	if (m->nports == M_PORTS) /* the harness skips such inputs */
		return refuse(0xFFFF, HVDB_REASON_NONE);
	p = &m->ports[m->nports];
	memset(p, 0, sizeof(*p));
	p->live = true;
	p->id = in->PortId;
	p->conn_partition = conn_pid;
	p->sint = pi->DoorbellPortInfo.TargetSint;
	p->vp = pi->DoorbellPortInfo.TargetVp;
	return refuse(HV_STATUS_SUCCESS, HVDB_REASON_NONE);
}

static void m_commit_create_port(struct model *m)
{
	m->nports++;
}

/* SPEC §3 ConnectPort, steps 1-14. On success (*out) is the new one. */
static struct m_result m_connect(struct model *m, uint64_t caller,
				 const HV_INPUT_CONNECT_PORT *in,
				 struct m_conn *out)
{
	const uint64_t conn_pid = resolve(caller, in->ConnectionPartition);
	const uint64_t port_pid = resolve(caller, in->PortPartition);
	const HV_CONNECTION_INFO *ci = &in->ConnectionInfo;
	const uint64_t flags = ci->DoorbellConnectionInfo.Flags;
	const uint64_t value = ci->DoorbellConnectionInfo.TriggerValue;
	const uint64_t gpa = ci->DoorbellConnectionInfo.GuestPhysicalAddress;
	struct m_partition *part;
	struct m_port *port;
	unsigned w;

	if (!m_access(m, caller, conn_pid, HV_PRIVILEGE_CONNECT_PORT))
		return refuse(HV_STATUS_ACCESS_DENIED,
			      HVDB_REASON_NO_CONNECT_PORT_PRIVILEGE);
	part = m_part(m, conn_pid);
	if (!part || !m_part(m, port_pid))
		return refuse(HV_STATUS_INVALID_PARTITION_ID,
			      HVDB_REASON_UNKNOWN_PARTITION);
	if (in->ConnectionId > 0xFFFFFF)
		return refuse(HV_STATUS_INVALID_CONNECTION_ID,
			      HVDB_REASON_BAD_CONNECTION_ID);
	if (m_conn_find(m, conn_pid, in->ConnectionId))
		return refuse(HV_STATUS_INVALID_CONNECTION_ID,
			      HVDB_REASON_CONNECTION_ID_IN_USE);
	port = port_pid == 1 ? m_live_port(m, in->PortId) : NULL;
	if (!port)
		return refuse(HV_STATUS_INVALID_PORT_ID,
			      HVDB_REASON_UNKNOWN_PORT);
	if (port->conn_partition && port->conn_partition != conn_pid)
		return refuse(HV_STATUS_ACCESS_DENIED,
			      HVDB_REASON_PORT_NOT_OFFERED);
	if (ci->PortType != 4)
		return refuse(HV_STATUS_INVALID_PARAMETER,
			      HVDB_REASON_PORT_TYPE_MISMATCH);
	if (ci->Padding || in->ConnectionVtl || in->Rsvd0 || in->Rsvd1 ||
	    in->Reserved)
		return refuse(HV_STATUS_INVALID_PARAMETER,
			      HVDB_REASON_RESERVED_NONZERO);
	if (flags & ~0x80000007ull)
		return refuse(HV_STATUS_INVALID_PARAMETER,
			      HVDB_REASON_RESERVED_FLAGS);
	if ((flags & 7) >= 5)
		return refuse(HV_STATUS_INVALID_PARAMETER,
			      HVDB_REASON_BAD_TRIGGER_SIZE);
	w = m_width(flags);
	if (!(flags & HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE) && w &&
	    !m_fits(value, w))
		return refuse(HV_STATUS_INVALID_PARAMETER,
			      HVDB_REASON_VALUE_TOO_WIDE);
	if (!w)
		w = 1;
	/* GPA + w > 2^gpa_bits, in 128 bits so nothing wraps */
	if ((unsigned __int128)gpa + w >
	    ((unsigned __int128)1 << part->gpa_bits))
		return refuse(HV_STATUS_INVALID_PARAMETER,
			      HVDB_REASON_GPA_OUT_OF_RANGE);
	if (gpa % 4096 + w > 4096)
		return refuse(HV_STATUS_INVALID_PARAMETER,
			      HVDB_REASON_CROSSES_PAGE);
	out->partition = conn_pid;
	out->id = in->ConnectionId;
	out->port = (size_t)(port - m->ports);
	out->gpa = gpa;
	out->value = value;
	out->flags = flags;
	for (size_t i = 0; i < m->nconns; i++)
		if (m_conflict(&m->conns[i], out))
			return refuse(HV_STATUS_INVALID_PARAMETER,
				      HVDB_REASON_TRIGGER_CONFLICT);
	if (part->conn_count >= part->limit)
		return refuse(HV_STATUS_INSUFFICIENT_MEMORY,
			      HVDB_REASON_CONNECTION_LIMIT);
	if (m->nconns == M_CONNS)
		return refuse(0xFFFF, HVDB_REASON_NONE);
	return refuse(HV_STATUS_SUCCESS, HVDB_REASON_NONE);
}

static void m_commit_connect(struct model *m, const struct m_conn *c)
{
	m->conns[m->nconns++] = *c;
	m_part(m, c->partition)->conn_count++;
	m->ports[c->port].conn_count++;
}

static struct m_result m_disconnect(struct model *m, uint64_t caller,
				    const HV_INPUT_DISCONNECT_PORT *in,
				    struct m_conn **found)
{
	const uint64_t conn_pid = resolve(caller, in->ConnectionPartition);

	if (!m_access(m, caller, conn_pid, HV_PRIVILEGE_CONNECT_PORT))
		return refuse(HV_STATUS_ACCESS_DENIED,
			      HVDB_REASON_NO_CONNECT_PORT_PRIVILEGE);
	if (!m_part(m, conn_pid))
		return refuse(HV_STATUS_INVALID_PARTITION_ID,
			      HVDB_REASON_UNKNOWN_PARTITION);
	/* SPEC §1: bit 0 IsDoorbell may be 0 or 1, bits 1-31 reserved */
	if (in->Flags > 1)
		return refuse(HV_STATUS_INVALID_PARAMETER,
			      HVDB_REASON_RESERVED_NONZERO);
	*found = m_conn_find(m, conn_pid, in->ConnectionId);
	if (!*found)
		return refuse(HV_STATUS_INVALID_CONNECTION_ID,
			      HVDB_REASON_UNKNOWN_CONNECTION);
	return refuse(HV_STATUS_SUCCESS, HVDB_REASON_NONE);
}

static void m_commit_disconnect(struct model *m, struct m_conn *c)
{
	m_part(m, c->partition)->conn_count--;
	m->ports[c->port].conn_count--;
	*c = m->conns[--m->nconns];
}

static struct m_result m_delete_port(struct model *m, uint64_t caller,
				     const HV_INPUT_DELETE_PORT *in,
				     struct m_port **found)
{
	const uint64_t port_pid = resolve(caller, in->PortPartition);

	if (!m_access(m, caller, port_pid, HV_PRIVILEGE_CREATE_PORT))
		return refuse(HV_STATUS_ACCESS_DENIED,
			      HVDB_REASON_NO_CREATE_PORT_PRIVILEGE);
	if (!m_part(m, port_pid))
		return refuse(HV_STATUS_INVALID_PARTITION_ID,
			      HVDB_REASON_UNKNOWN_PARTITION);
	if (in->Reserved)
		return refuse(HV_STATUS_INVALID_PARAMETER,
			      HVDB_REASON_RESERVED_NONZERO);
	*found = port_pid == 1 ? m_live_port(m, in->PortId) : NULL;
	if (!*found)
		return refuse(HV_STATUS_INVALID_PORT_ID,
			      HVDB_REASON_UNKNOWN_PORT);
	return refuse(HV_STATUS_SUCCESS, HVDB_REASON_NONE);
}

/* ---- the comparison of library and model ---- */

struct walk {
	struct model *m;
	size_t i;
};

static int cmp_partition(void *opaque, const struct hvdb_partition_desc *d)
{
	struct walk *w = opaque;
	const struct m_partition *p;

	/* the model keeps partitions sorted by id */
	FUZZ_CHECK(w->i < w->m->nparts, "extra partition %llu",
		   (unsigned long long)d->id);
	p = &w->m->parts[w->i++];
	FUZZ_CHECK(d->id == p->id && d->connection_count == p->conn_count &&
			   d->gpa_bits == p->gpa_bits &&
			   d->vp_count == p->vp_count &&
			   d->privileges == p->privileges,
		   "partition %llu: %u connections, model %llu: %u",
		   (unsigned long long)d->id, d->connection_count,
		   (unsigned long long)p->id, p->conn_count);
	return 0;
}

/* The model's live ports in id order, one by one. */
static const struct m_port *m_nth_live_port(struct model *m, size_t n)
{
	const struct m_port *best = NULL;
	HV_PORT_ID floor = 0;

	for (size_t k = 0; k <= n; k++) {
		best = NULL;
		for (size_t i = 0; i < m->nports; i++) {
			const struct m_port *p = &m->ports[i];

			if (p->live && (k == 0 || p->id > floor) &&
			    (!best || p->id < best->id))
				best = p;
		}
		if (!best)
			return NULL;
		floor = best->id;
	}
	return best;
}

static int cmp_port(void *opaque, const struct hvdb_port_desc *d)
{
	struct walk *w = opaque;
	const struct m_port *p = m_nth_live_port(w->m, w->i++);

	FUZZ_CHECK(p, "extra port %u", d->id);
	FUZZ_CHECK(d->id == p->id && d->target_sint == p->sint &&
			   d->target_vp == p->vp && d->port_type == 4 &&
			   d->connection_partition == p->conn_partition &&
			   d->connection_count == p->conn_count,
		   "port %u (sint %u, vp %u, %u connections), model %u (%u, "
		   "%u, %u)",
		   d->id, d->target_sint, d->target_vp, d->connection_count,
		   p->id, p->sint, p->vp, p->conn_count);
	FUZZ_CHECK(d->stats.triggers == p->triggers &&
			   d->stats.userspace == p->triggers &&
			   d->stats.offloaded == 0,
		   "port %u: %llu triggers, model %llu", d->id,
		   (unsigned long long)d->stats.triggers,
		   (unsigned long long)p->triggers);
	return 0;
}

/* The model's connections in (partition, id) order, one by one. */
static const struct m_conn *m_nth_conn(struct model *m, size_t n)
{
	size_t rank;

	for (size_t i = 0; i < m->nconns; i++) {
		const struct m_conn *c = &m->conns[i];

		rank = 0;
		for (size_t j = 0; j < m->nconns; j++) {
			const struct m_conn *o = &m->conns[j];

			if (o->partition < c->partition ||
			    (o->partition == c->partition && o->id < c->id))
				rank++;
		}
		if (rank == n)
			return c;
	}
	return NULL;
}

static int cmp_conn(void *opaque, const struct hvdb_connection_desc *d)
{
	struct walk *w = opaque;
	const struct m_conn *c = m_nth_conn(w->m, w->i++);
	const struct m_port *p;

	FUZZ_CHECK(c, "extra connection %llu:%u",
		   (unsigned long long)d->partition, d->id);
	p = &w->m->ports[c->port];
	FUZZ_CHECK(d->partition == c->partition && d->id == c->id &&
			   d->port_id == p->id && d->port_deleted == !p->live,
		   "connection %llu:%u (port %u%s), model %llu:%u (port %u%s)",
		   (unsigned long long)d->partition, d->id, d->port_id,
		   d->port_deleted ? " deleted" : "",
		   (unsigned long long)c->partition, c->id, p->id,
		   p->live ? "" : " deleted");
	FUZZ_CHECK(
		d->info.PortType == 4 && d->info.Padding == 0 &&
			d->info.DoorbellConnectionInfo.GuestPhysicalAddress ==
				c->gpa &&
			d->info.DoorbellConnectionInfo.TriggerValue ==
				c->value &&
			d->info.DoorbellConnectionInfo.Flags == c->flags,
		"connection %llu:%u info differs",
		(unsigned long long)c->partition, c->id);
	return 0;
}

static void check_state(struct hvdb *hv, struct model *m)
{
	struct walk w = { m, 0 };

	FUZZ_CHECK(hvdb_partition_foreach(hv, cmp_partition, &w) == 0,
		   "partition walk");
	FUZZ_CHECK(w.i == m->nparts, "%zu partitions, model %zu", w.i,
		   m->nparts);
	w.i = 0;
	FUZZ_CHECK(hvdb_port_foreach(hv, cmp_port, &w) == 0, "port walk");
	FUZZ_CHECK(m_nth_live_port(m, w.i) == NULL, "port missing");
	w.i = 0;
	FUZZ_CHECK(hvdb_connection_foreach(hv, cmp_conn, &w) == 0,
		   "connection walk");
	FUZZ_CHECK(w.i == m->nconns, "%zu connections, model %zu", w.i,
		   m->nconns);
}

/* ---- the program ---- */

struct run {
	struct hvdb *hv;
	struct model m;
	struct fuzz_input in;
	uint64_t fault_nth; /* armed for the next call, 0 = none */
};

static const uint64_t partition_pool[8] = {
	1, 2, 3, 4, 5, 0, HV_PARTITION_ID_SELF, 0x100000001ull,
};

static uint64_t pick_partition(struct run *r)
{
	return partition_pool[fuzz_u8(&r->in) & 7];
}

/* Mostly small ids, so operations meet; sometimes reserved bits. */
static uint32_t pick_id(struct run *r, unsigned small)
{
	uint8_t b = fuzz_u8(&r->in);

	if (b >= 0xF8)
		return (uint32_t)(b & 7) << 24 | (b & 3);
	return b % small;
}

static uint64_t pick_gpa(struct run *r)
{
	static const uint64_t page[4] = { 0x1000, 0x7000, 0xF000,
					  0xFFFFFFFFF000ull };
	static const uint64_t off[16] = { 0, 0,	    0,	   1,	  2,	 4,
					  8, 0xFF8, 0xFFC, 0xFFE, 0xFFF, 0xFF9,
					  3, 0x800, 0xFFD, 0xFFB };
	uint8_t b = fuzz_u8(&r->in);

	if (b == 0xFF)
		return fuzz_u64(&r->in);
	if (b == 0xFE)
		return ~0ull - (fuzz_u8(&r->in) & 15);
	return page[(b >> 4) & 3] + off[b & 15];
}

static uint64_t pick_value(struct run *r)
{
	static const uint64_t pool[16] = {
		0,
		1,
		2,
		0x7F,
		0xFF,
		0x100,
		0x1234,
		0xFFFF,
		0x10000,
		0xFFFFFFFF,
		0x100000000ull,
		0x5,
		~0ull,
		0x8000000000000000ull,
		3,
		0x12345678,
	};
	uint8_t b = fuzz_u8(&r->in);

	return b >= 0xF0 ? fuzz_u64(&r->in) : pool[b & 15];
}

static uint64_t pick_flags(struct run *r)
{
	uint8_t b = fuzz_u8(&r->in);
	uint64_t flags = b & 7;

	if (b & 0x08)
		flags |= HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE;
	if (b >= 0xF0) /* rarely a reserved bit */
		flags |= 1ull << (3 + (fuzz_u8(&r->in) % 61));
	return flags;
}

/* A small non-zero field now and then: reserved/VTL/padding checks. */
static uint32_t pick_junk(struct run *r)
{
	uint8_t b = fuzz_u8(&r->in);

	return b >= 0xF0 ? (b & 0xF) + 1u : 0;
}

static void arm(struct run *r)
{
	hvdb_fault_arm(r->hv, r->fault_nth);
}

/* The fault armed for this call fired: an allocation failed. */
static bool fault_fired(struct run *r)
{
	return r->fault_nth && hvdb_fault_count(r->hv) >= r->fault_nth;
}

static void disarm(struct run *r)
{
	r->fault_nth = 0;
	hvdb_fault_arm(r->hv, 0);
}

/* Checks the library's answer (got, reason) to a call against the model's
 * (want); a refused call must leave the rendering (before) as it was.
 * Returns true when the call succeeded and the model must commit. */
static bool judge(struct run *r, struct m_result want, HV_STATUS got,
		  enum hvdb_reason reason, const struct state_digest *before,
		  const char *what)
{
	struct state_digest after;
	bool ok = got == HV_STATUS_SUCCESS;

	if (want.status == HV_STATUS_SUCCESS && fault_fired(r) && !ok) {
		/* STYLE 19: an injected allocation failure refuses cleanly */
		FUZZ_CHECK(got == HV_STATUS_INSUFFICIENT_MEMORY &&
				   reason == HVDB_REASON_OUT_OF_MEMORY,
			   "%s under a fault: %s %s", what,
			   hvdb_status_name(got), hvdb_reason_name(reason));
		want = refuse(got, reason);
	}
	FUZZ_CHECK(got == want.status && reason == want.reason,
		   "%s: %s %s, model %s %s", what, hvdb_status_name(got),
		   hvdb_reason_name(reason), hvdb_status_name(want.status),
		   hvdb_reason_name(want.reason));
	if (!ok) {
		FUZZ_CHECK(state_digest_take(r->hv, &after), "digest");
		FUZZ_CHECK(state_digest_equal(before, &after),
			   "refused %s (%s) changed the state", what,
			   hvdb_reason_name(reason));
		state_digest_free(&after);
	}
	return ok;
}

/* Runs one port call as (caller), typed or from raw hypercall bytes as
 * the op byte says, with the armed fault. */
static HV_STATUS call_as(struct run *r, uint64_t caller, bool raw,
			 uint16_t code, const void *in, size_t len,
			 enum hvdb_reason *reason)
{
	arm(r);
	if (raw)
		return hvdb_hypercall(r->hv, caller, code, in, len, reason);
	switch (code) {
	case HVCALL_CREATE_PORT:
		return hvdb_port_create(r->hv, caller, in, reason);
	case HVCALL_CONNECT_PORT:
		return hvdb_port_connect(r->hv, caller, in, reason);
	case HVCALL_DISCONNECT_PORT:
		return hvdb_port_disconnect(r->hv, caller, in, reason);
	default:
		return hvdb_port_delete(r->hv, caller, in, reason);
	}
}

/* The caller: mostly the root, else any partition (access rule). */
static uint64_t pick_caller(struct run *r)
{
	uint8_t b = fuzz_u8(&r->in);

	return b < 0xC0 ? 1 : partition_pool[b & 7];
}

static void op_create_port(struct run *r, bool raw)
{
	HV_INPUT_CREATE_PORT in = { 0 };
	enum hvdb_reason reason = HVDB_REASON_MAX;
	const uint64_t caller = pick_caller(r);
	struct state_digest before;
	struct m_result want;
	HV_STATUS got;
	uint8_t b;

	in.PortPartition = fuzz_u8(&r->in) < 0xE0 ? 1 : pick_partition(r);
	in.PortId = pick_id(r, 8);
	in.ConnectionPartition = pick_partition(r);
	b = fuzz_u8(&r->in);
	in.PortInfo.PortType = b < 0xF0 ? 4 : b & 7;
	in.PortInfo.DoorbellPortInfo.TargetSint = fuzz_u8(&r->in) % 17;
	b = fuzz_u8(&r->in) & 3;
	in.PortInfo.DoorbellPortInfo.TargetVp = b == 3 ? HV_ANY_VP : b;
	in.PortVtl = (HV_VTL)pick_junk(r);
	in.PortInfo.ReservedZ = pick_junk(r);
	in.PortInfo.DoorbellPortInfo.ReservedZ = pick_junk(r);
	in.ProximityDomainInfo = fuzz_u8(&r->in); /* ignored */

	want = m_create_port(&r->m, caller, &in);
	if (want.status == 0xFFFF)
		return; /* the model is full */
	FUZZ_CHECK(state_digest_take(r->hv, &before), "digest");
	got = call_as(r, caller, raw, HVCALL_CREATE_PORT, &in, sizeof(in),
		      &reason);
	if (judge(r, want, got, reason, &before, "create-port")) {
		m_commit_create_port(&r->m);
		FUZZ_CHECK(hvdb_port_set_callback(r->hv, in.PortId, on_fire,
						  NULL) == 0,
			   "set callback");
	}
	state_digest_free(&before);
}

static void op_connect(struct run *r, bool raw)
{
	HV_INPUT_CONNECT_PORT in = { 0 };
	enum hvdb_reason reason = HVDB_REASON_MAX;
	const uint64_t caller = pick_caller(r);
	HV_CONNECTION_INFO *ci = &in.ConnectionInfo;
	struct state_digest before;
	struct m_result want;
	struct m_conn c;
	HV_STATUS got;
	uint8_t b;

	in.ConnectionPartition = pick_partition(r);
	in.ConnectionId = pick_id(r, 16);
	in.PortPartition = fuzz_u8(&r->in) < 0xE0 ? 1 : pick_partition(r);
	in.PortId = pick_id(r, 8);
	b = fuzz_u8(&r->in);
	ci->PortType = b < 0xF0 ? 4 : b & 7;
	ci->DoorbellConnectionInfo.GuestPhysicalAddress = pick_gpa(r);
	ci->DoorbellConnectionInfo.Flags = pick_flags(r);
	ci->DoorbellConnectionInfo.TriggerValue = pick_value(r);
	ci->Padding = pick_junk(r);
	in.ConnectionVtl = (HV_VTL)pick_junk(r);
	in.Rsvd1 = (uint16_t)pick_junk(r);
	in.Reserved = pick_junk(r);

	want = m_connect(&r->m, caller, &in, &c);
	if (want.status == 0xFFFF)
		return;
	FUZZ_CHECK(state_digest_take(r->hv, &before), "digest");
	got = call_as(r, caller, raw, HVCALL_CONNECT_PORT, &in, sizeof(in),
		      &reason);
	if (judge(r, want, got, reason, &before, "connect"))
		m_commit_connect(&r->m, &c);
	state_digest_free(&before);
}

static void op_disconnect(struct run *r, bool raw)
{
	HV_INPUT_DISCONNECT_PORT in = { 0 };
	enum hvdb_reason reason = HVDB_REASON_MAX;
	const uint64_t caller = pick_caller(r);
	struct state_digest before;
	struct m_conn *found = NULL;
	struct m_result want;
	HV_STATUS got;
	uint8_t b;

	in.ConnectionPartition = pick_partition(r);
	in.ConnectionId = pick_id(r, 16);
	b = fuzz_u8(&r->in);
	in.Flags = b < 0xF0 ? b & 1 : b;

	want = m_disconnect(&r->m, caller, &in, &found);
	FUZZ_CHECK(state_digest_take(r->hv, &before), "digest");
	got = call_as(r, caller, raw, HVCALL_DISCONNECT_PORT, &in, sizeof(in),
		      &reason);
	if (judge(r, want, got, reason, &before, "disconnect"))
		m_commit_disconnect(&r->m, found);
	state_digest_free(&before);
}

static void op_delete_port(struct run *r, bool raw)
{
	HV_INPUT_DELETE_PORT in = { 0 };
	enum hvdb_reason reason = HVDB_REASON_MAX;
	const uint64_t caller = pick_caller(r);
	struct state_digest before;
	struct m_port *found = NULL;
	struct m_result want;
	HV_STATUS got;

	in.PortPartition = fuzz_u8(&r->in) < 0xE0 ? 1 : pick_partition(r);
	in.PortId = pick_id(r, 8);
	in.Reserved = pick_junk(r);

	want = m_delete_port(&r->m, caller, &in, &found);
	FUZZ_CHECK(state_digest_take(r->hv, &before), "digest");
	got = call_as(r, caller, raw, HVCALL_DELETE_PORT, &in, sizeof(in),
		      &reason);
	if (judge(r, want, got, reason, &before, "delete-port"))
		found->live = false;
	state_digest_free(&before);
}

/* A write (or a lookup, which must say the same and change nothing). */
static void op_write(struct run *r, bool lookup)
{
	const uint64_t part = pick_partition(r);
	const uint64_t gpa = pick_gpa(r);
	uint8_t b = fuzz_u8(&r->in);
	const unsigned len = b < 0xE0 ? 1u << (b & 3) : b & 15;
	const uint64_t value = pick_value(r);
	struct hvdb_write_outcome out = { 0 };
	const struct m_conn *hit = NULL;
	unsigned hits = 0;
	int want, got;

	for (size_t i = 0; i < r->m.nconns; i++) {
		const struct m_conn *c = &r->m.conns[i];

		if (c->partition == part && c->gpa == gpa &&
		    m_hit(c, len, value)) {
			hit = c;
			hits++;
		}
	}
	FUZZ_CHECK(hits <= 1, "the model lets %u connections match one write",
		   hits);
	if (len < 1 || len > 8 || !m_fits(value, len))
		want = -EINVAL;
	else if (!hit)
		want = HVDB_WRITE_MISS;
	else
		want = r->m.ports[hit->port].live ? HVDB_WRITE_FIRE
						  : HVDB_WRITE_DROPPED;

	memset(&seen, 0, sizeof(seen));
	got = lookup ? hvdb_match_lookup(r->hv, part, gpa, len, value, &out)
		     : hvdb_write(r->hv, part, gpa, len, value, &out);
	FUZZ_CHECK(got == want,
		   "%s %llu:0x%llx len %u value 0x%llx: %d, model %d",
		   lookup ? "lookup" : "write", (unsigned long long)part,
		   (unsigned long long)gpa, len, (unsigned long long)value, got,
		   want);
	if (hit && want >= 0) {
		FUZZ_CHECK(out.connection_id == hit->id &&
				   out.port_id == r->m.ports[hit->port].id &&
				   out.port_partition == 1,
			   "matched connection %u port %u, model %u port %u",
			   out.connection_id, out.port_id, hit->id,
			   r->m.ports[hit->port].id);
	}
	if (want == HVDB_WRITE_FIRE && !lookup) {
		r->m.ports[hit->port].triggers++;
		FUZZ_CHECK(seen.calls == 1 && seen.conn == hit->id &&
				   seen.port == r->m.ports[hit->port].id,
			   "callback ran %u times (conn %u)", seen.calls,
			   seen.conn);
	} else {
		FUZZ_CHECK(seen.calls == 0, "callback ran without a fire");
	}
}

/* Partitions 4 and 5 may come later, with any GPA width. */
static void op_partition(struct run *r)
{
	static const uint32_t widths[4] = { 12, 16, 48, 64 };
	static const uint64_t privs[4] = { 0, HV_PRIVILEGE_CREATE_PORT,
					   HV_PRIVILEGE_CONNECT_PORT,
					   HV_PRIVILEGE_CREATE_PORT |
						   HV_PRIVILEGE_CONNECT_PORT };
	struct hvdb_partition_config config;
	enum hvdb_reason reason = HVDB_REASON_MAX;
	struct state_digest before;
	struct m_result want = { HV_STATUS_SUCCESS, HVDB_REASON_NONE };
	struct m_partition *p;
	uint8_t b = fuzz_u8(&r->in);
	HV_STATUS got;
	size_t at;

	hvdb_partition_config_init(&config, 4 + (b & 1));
	config.vp_count = 1 + ((b >> 1) & 1);
	config.gpa_bits = widths[(b >> 2) & 3];
	config.privileges = privs[(b >> 4) & 3];
	config.connection_limit = 1 + ((b >> 6) & 3);
	if (m_part(&r->m, config.id))
		want = refuse(HV_STATUS_INVALID_PARTITION_ID,
			      HVDB_REASON_PARTITION_EXISTS);
	FUZZ_CHECK(state_digest_take(r->hv, &before), "digest");
	arm(r);
	got = hvdb_partition_create(r->hv, &config, &reason);
	if (judge(r, want, got, reason, &before, "partition")) {
		/* keep the model sorted by id */
		for (at = r->m.nparts; at && r->m.parts[at - 1].id > config.id;
		     at--)
			r->m.parts[at] = r->m.parts[at - 1];
		p = &r->m.parts[at];
		r->m.nparts++;
		p->id = config.id;
		p->vp_count = config.vp_count;
		p->gpa_bits = config.gpa_bits;
		p->privileges = config.privileges;
		p->limit = config.connection_limit;
		p->conn_count = 0;
	}
	state_digest_free(&before);
}

static void model_add_partition(struct model *m, uint64_t id, uint32_t vps,
				uint32_t bits, uint64_t privileges,
				uint32_t limit)
{
	m->parts[m->nparts++] = (struct m_partition){
		.id = id,
		.vp_count = vps,
		.gpa_bits = bits,
		.privileges = privileges,
		.limit = limit,
	};
}

/* Root (2 VPs), guest 2 with both privileges, guest 3 with none, a
 * 16-bit GPA space and room for 3 connections. */
static struct hvdb *setup(struct model *m)
{
	const struct hvdb_config hc = { .root_vp_count = ROOT_VPS };
	struct hvdb_partition_config pc;
	struct hvdb *hv = hvdb_create(&hc);

	FUZZ_CHECK(hv, "hvdb_create");
	memset(m, 0, sizeof(*m));
	model_add_partition(m, 1, ROOT_VPS, 48, ~0ull,
			    HVDB_DEFAULT_CONNECTION_LIMIT);
	hvdb_partition_config_init(&pc, 2);
	pc.privileges = HV_PRIVILEGE_CREATE_PORT | HV_PRIVILEGE_CONNECT_PORT;
	FUZZ_CHECK(hvdb_partition_create(hv, &pc, NULL) == 0, "partition 2");
	model_add_partition(m, 2, 1, 48, pc.privileges, pc.connection_limit);
	hvdb_partition_config_init(&pc, 3);
	pc.gpa_bits = 16;
	pc.connection_limit = 3;
	FUZZ_CHECK(hvdb_partition_create(hv, &pc, NULL) == 0, "partition 3");
	model_add_partition(m, 3, 1, 16, 0, 3);
	return hv;
}

/* Back to the state setup() made: every connection and port goes through
 * the API (so the reset is checked too). A new hypervisor per input would
 * be simpler, but hvdb_destroy() waits for an RCU grace period, and
 * liburcu-bp sleeps 10 ms in each: the fuzzer would run 50 times slower.
 * Returns false when the input made partitions, which cannot be undone. */
static bool reset(struct run *r)
{
	HV_INPUT_DISCONNECT_PORT dis = { 0 };
	HV_INPUT_DELETE_PORT del = { .PortPartition = 1 };

	if (r->m.nparts != 3)
		return false;
	while (r->m.nconns) {
		dis.ConnectionPartition = r->m.conns[0].partition;
		dis.ConnectionId = r->m.conns[0].id;
		FUZZ_CHECK(hvdb_port_disconnect(r->hv, 1, &dis, NULL) == 0,
			   "reset: disconnect %u", dis.ConnectionId);
		m_commit_disconnect(&r->m, &r->m.conns[0]);
	}
	for (size_t i = 0; i < r->m.nports; i++) {
		if (!r->m.ports[i].live)
			continue;
		del.PortId = r->m.ports[i].id;
		FUZZ_CHECK(hvdb_port_delete(r->hv, 1, &del, NULL) == 0,
			   "reset: delete port %u", del.PortId);
	}
	return true;
}

static struct hvdb *hv; /* kept from one input to the next */

/* LeakSanitizer cannot see into liburcu's hash table buckets, so a live
 * hypervisor at exit would look leaked: destroy it before LSan's exit-time
 * check (registered before ours, so it runs after). */
static void destroy_at_exit(void)
{
	hvdb_destroy(hv);
	hv = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r; /* big: keep it off the stack */
	static struct model baseline;
	static bool registered;

	if (!registered)
		registered = atexit(destroy_at_exit) == 0;
	if (!hv)
		hv = setup(&baseline);
	r.m = baseline;
	r.hv = hv;
	r.fault_nth = 0;
	r.in = (struct fuzz_input){ data, size, 0 };
	check_state(r.hv, &r.m);
	while (fuzz_more(&r.in)) {
		uint8_t op = fuzz_u8(&r.in);
		bool raw = op & 0x80;

		switch (op & 0xF) {
		case 0:
		case 1:
			op_create_port(&r, raw);
			break;
		case 2:
		case 3:
		case 4:
			op_connect(&r, raw);
			break;
		case 5:
			op_disconnect(&r, raw);
			break;
		case 6:
			op_delete_port(&r, raw);
			break;
		case 7:
		case 8:
		case 9:
		case 10:
			op_write(&r, false);
			break;
		case 11:
			op_write(&r, true);
			break;
		case 12:
			op_partition(&r);
			break;
		case 13: /* the next call's n-th fault point fails */
			r.fault_nth = 1 + (fuzz_u8(&r.in) & 1);
			continue;
		default:
			check_state(r.hv, &r.m);
			continue;
		}
		disarm(&r);
		check_state(r.hv, &r.m);
	}
	disarm(&r);
	if (!reset(&r)) {
		hvdb_destroy(hv);
		hv = NULL;
	}
	return 0;
}
