/* helpers.c - layered test helpers for the libhvdb unit tests. */
#include "helpers.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Hypervisor with a guest.                                           */
/* ------------------------------------------------------------------ */

struct guest_opts guest_opts_default(void)
{
	struct guest_opts o = {
		.id = GUEST_ID,
		.vp_count = GUEST_VPS,
		.gpa_bits = GUEST_GPA_BITS,
		.privileges = 0,
		.connection_limit = HVDB_DEFAULT_CONNECTION_LIMIT,
		.root_vp_count = ROOT_VPS,
		.ram = NULL,
		.ram_count = 0,
	};
	return o;
}

#define OPTS_WITH_PRIVILEGES(p)                                    \
	{                                                          \
		.id = GUEST_ID, .vp_count = GUEST_VPS,             \
		.gpa_bits = GUEST_GPA_BITS, .privileges = (p),     \
		.connection_limit = HVDB_DEFAULT_CONNECTION_LIMIT, \
		.root_vp_count = ROOT_VPS,                         \
	}
const struct guest_opts guest_with_create_privilege =
	OPTS_WITH_PRIVILEGES(HV_PRIVILEGE_CREATE_PORT);
const struct guest_opts guest_with_connect_privilege =
	OPTS_WITH_PRIVILEGES(HV_PRIVILEGE_CONNECT_PORT);
const struct guest_opts guest_with_both_privileges =
	OPTS_WITH_PRIVILEGES(BOTH_PRIVILEGES);

void hv_with_guest_opts_at(struct guest *g, const struct guest_opts *opts,
			   const char *file, int line)
{
	struct hvdb_config config = { 0 };
	struct hvdb_partition_config pc;
	enum hvdb_reason reason = HVDB_REASON_NONE;
	HV_STATUS st;

	memset(g, 0, sizeof(*g));
	g->opts = opts ? *opts : guest_opts_default();
	g->id = g->opts.id;
	config.root_vp_count = g->opts.root_vp_count;
	g->hv = hvdb_create(&config);
	if (!g->hv) {
		print_error("%s:%d: hvdb_create failed\n", file, line);
		_fail(file, line);
	}
	hvdb_partition_config_init(&pc, g->opts.id);
	pc.vp_count = g->opts.vp_count;
	pc.gpa_bits = g->opts.gpa_bits;
	pc.privileges = g->opts.privileges;
	pc.connection_limit = g->opts.connection_limit;
	pc.ram = g->opts.ram;
	pc.ram_count = g->opts.ram_count;
	st = hvdb_partition_create(g->hv, &pc, &reason);
	if (!check_status_at(st, reason, HV_STATUS_SUCCESS, "ok",
			     "hvdb_partition_create", file, line))
		_fail(file, line);
}

void teardown(struct guest *g)
{
	if (g->hv)
		hvdb_destroy(g->hv);
	g->hv = NULL;
}

void guest_add_at(struct guest *g, uint64_t id, uint64_t privileges,
		  const char *file, int line)
{
	struct hvdb_partition_config pc;
	enum hvdb_reason reason = HVDB_REASON_NONE;
	HV_STATUS st;

	hvdb_partition_config_init(&pc, id);
	pc.vp_count = GUEST_VPS;
	pc.gpa_bits = GUEST_GPA_BITS;
	pc.privileges = privileges;
	st = hvdb_partition_create(g->hv, &pc, &reason);
	if (!check_status_at(st, reason, HV_STATUS_SUCCESS, "ok", "guest_add",
			     file, line))
		_fail(file, line);
}

/* ------------------------------------------------------------------ */
/* Input builders.                                                    */
/* ------------------------------------------------------------------ */

HV_INPUT_CREATE_PORT create_port_input(const struct guest *g,
				       HV_PORT_ID port_id)
{
	HV_INPUT_CREATE_PORT in;

	memset(&in, 0, sizeof(in));
	in.PortPartition = ROOT_ID;
	in.PortId = port_id;
	in.ConnectionPartition = g->id;
	in.PortInfo.PortType = HvPortTypeDoorbell;
	in.PortInfo.DoorbellPortInfo.TargetSint = HV_SYNIC_DOORBELL_SINT_INDEX;
	in.PortInfo.DoorbellPortInfo.TargetVp = 0;
	return in;
}

HV_CONNECTION_INFO doorbell_info(hvdb_gpa_t gpa, uint64_t flags, uint64_t value)
{
	HV_CONNECTION_INFO info;

	memset(&info, 0, sizeof(info));
	info.PortType = HvPortTypeDoorbell;
	info.DoorbellConnectionInfo.GuestPhysicalAddress = gpa;
	info.DoorbellConnectionInfo.TriggerValue = value;
	info.DoorbellConnectionInfo.Flags = flags;
	return info;
}

HV_INPUT_CONNECT_PORT connect_port_input(const struct guest *g,
					 HV_CONNECTION_ID conn_id,
					 HV_PORT_ID port_id, hvdb_gpa_t gpa)
{
	HV_INPUT_CONNECT_PORT in;

	memset(&in, 0, sizeof(in));
	in.ConnectionPartition = g->id;
	in.ConnectionId = conn_id;
	in.PortPartition = ROOT_ID;
	in.PortId = port_id;
	in.ConnectionInfo = doorbell_info(gpa, DEFAULT_FLAGS, DEFAULT_VALUE);
	return in;
}

HV_INPUT_DISCONNECT_PORT disconnect_port_input(const struct guest *g,
					       HV_CONNECTION_ID conn_id)
{
	HV_INPUT_DISCONNECT_PORT in;

	memset(&in, 0, sizeof(in));
	in.ConnectionPartition = g->id;
	in.ConnectionId = conn_id;
	return in;
}

HV_INPUT_DELETE_PORT delete_port_input(HV_PORT_ID port_id)
{
	HV_INPUT_DELETE_PORT in;

	memset(&in, 0, sizeof(in));
	in.PortPartition = ROOT_ID;
	in.PortId = port_id;
	return in;
}

/* ------------------------------------------------------------------ */
/* The four calls.                                                    */
/* ------------------------------------------------------------------ */

HV_STATUS try_port_create(struct guest *g, uint64_t caller,
			  const HV_INPUT_CREATE_PORT *in,
			  enum hvdb_reason *reason)
{
	*reason = HVDB_REASON_NONE;
	return hvdb_port_create(g->hv, caller, in, reason);
}

HV_STATUS try_connect_port(struct guest *g, uint64_t caller,
			   const HV_INPUT_CONNECT_PORT *in,
			   enum hvdb_reason *reason)
{
	*reason = HVDB_REASON_NONE;
	return hvdb_port_connect(g->hv, caller, in, reason);
}

HV_STATUS try_disconnect_port(struct guest *g, uint64_t caller,
			      const HV_INPUT_DISCONNECT_PORT *in,
			      enum hvdb_reason *reason)
{
	*reason = HVDB_REASON_NONE;
	return hvdb_port_disconnect(g->hv, caller, in, reason);
}

HV_STATUS try_delete_port(struct guest *g, uint64_t caller,
			  const HV_INPUT_DELETE_PORT *in,
			  enum hvdb_reason *reason)
{
	*reason = HVDB_REASON_NONE;
	return hvdb_port_delete(g->hv, caller, in, reason);
}

void port_create_at(struct guest *g, HV_PORT_ID port_id, const char *file,
		    int line)
{
	HV_INPUT_CREATE_PORT in = create_port_input(g, port_id);

	port_create_in_at(g, ROOT_ID, &in, file, line);
}

void port_create_in_at(struct guest *g, uint64_t caller,
		       const HV_INPUT_CREATE_PORT *in, const char *file,
		       int line)
{
	enum hvdb_reason reason;
	HV_STATUS st = try_port_create(g, caller, in, &reason);

	if (!check_status_at(st, reason, HV_STATUS_SUCCESS, "ok", "port_create",
			     file, line))
		_fail(file, line);
}

void connect_port_at(struct guest *g, HV_CONNECTION_ID conn_id,
		     HV_PORT_ID port_id, hvdb_gpa_t gpa, uint64_t flags,
		     uint64_t value, const char *file, int line)
{
	HV_INPUT_CONNECT_PORT in = connect_port_input(g, conn_id, port_id, gpa);

	in.ConnectionInfo.DoorbellConnectionInfo.Flags = flags;
	in.ConnectionInfo.DoorbellConnectionInfo.TriggerValue = value;
	connect_port_in_at(g, ROOT_ID, &in, file, line);
}

void connect_port_in_at(struct guest *g, uint64_t caller,
			const HV_INPUT_CONNECT_PORT *in, const char *file,
			int line)
{
	enum hvdb_reason reason;
	HV_STATUS st = try_connect_port(g, caller, in, &reason);

	if (!check_status_at(st, reason, HV_STATUS_SUCCESS, "ok",
			     "connect_port", file, line))
		_fail(file, line);
}

void disconnect_port_at(struct guest *g, HV_CONNECTION_ID conn_id,
			const char *file, int line)
{
	HV_INPUT_DISCONNECT_PORT in = disconnect_port_input(g, conn_id);
	enum hvdb_reason reason;
	HV_STATUS st = try_disconnect_port(g, ROOT_ID, &in, &reason);

	if (!check_status_at(st, reason, HV_STATUS_SUCCESS, "ok",
			     "disconnect_port", file, line))
		_fail(file, line);
}

void delete_port_at(struct guest *g, HV_PORT_ID port_id, const char *file,
		    int line)
{
	HV_INPUT_DELETE_PORT in = delete_port_input(port_id);
	enum hvdb_reason reason;
	HV_STATUS st = try_delete_port(g, ROOT_ID, &in, &reason);

	if (!check_status_at(st, reason, HV_STATUS_SUCCESS, "ok", "delete_port",
			     file, line))
		_fail(file, line);
}

/* ------------------------------------------------------------------ */
/* Statuses and reasons by name.                                      */
/* ------------------------------------------------------------------ */

const char *status_str(HV_STATUS status, char *buf, size_t size)
{
	const char *name = hvdb_status_name(status);

	if (name)
		return name;
	snprintf(buf, size, "HV_STATUS_0x%04x(unnamed)", (unsigned)status);
	return buf;
}

bool check_status_at(HV_STATUS got, enum hvdb_reason got_reason, HV_STATUS want,
		     const char *want_reason, const char *what,
		     const char *file, int line)
{
	char gbuf[40], wbuf[40];
	const char *got_name = hvdb_reason_name(got_reason);

	if (got == want && got_name && strcmp(got_name, want_reason) == 0)
		return true;
	print_error("%s:%d: %s%swanted %s %s, got %s %s\n", file, line,
		    what ? what : "", what ? ": " : "",
		    status_str(want, wbuf, sizeof(wbuf)), want_reason,
		    status_str(got, gbuf, sizeof(gbuf)),
		    got_name ? got_name : "(null)");
	return false;
}

/* ------------------------------------------------------------------ */
/* Writes.                                                            */
/* ------------------------------------------------------------------ */

const char *write_result_str(int result)
{
	switch (result) {
	case HVDB_WRITE_MISS:
		return "miss";
	case HVDB_WRITE_FIRE:
		return "fire";
	case HVDB_WRITE_DROPPED:
		return "dropped";
	case -EINVAL:
		return "-EINVAL";
	default:
		return "unexpected result";
	}
}

void assert_write_at(struct guest *g, uint64_t partition, hvdb_gpa_t gpa,
		     unsigned len, uint64_t value, int want,
		     HV_CONNECTION_ID want_conn, const char *file, int line)
{
	struct hvdb_write_outcome out;
	int rc;

	memset(&out, 0xa5, sizeof(out));
	rc = hvdb_write(g->hv, partition, gpa, len, value, &out);
	if (rc != want) {
		print_error("%s:%d: write p=%" PRIu64 " gpa=0x%" PRIx64
			    " len=%u value=0x%" PRIx64
			    ": wanted %s, got %s (%d)\n",
			    file, line, partition, gpa, len, value,
			    write_result_str(want), write_result_str(rc), rc);
		_fail(file, line);
	}
	if ((want == HVDB_WRITE_FIRE || want == HVDB_WRITE_DROPPED) &&
	    out.connection_id != want_conn) {
		print_error("%s:%d: write gpa=0x%" PRIx64
			    " len=%u value=0x%" PRIx64
			    ": %s by connection %u, wanted %u\n",
			    file, line, gpa, len, value, write_result_str(rc),
			    out.connection_id, want_conn);
		_fail(file, line);
	}
}

struct hvdb_port_stats port_stats_at(struct guest *g, HV_PORT_ID port_id,
				     const char *file, int line)
{
	struct hvdb_port_stats stats;
	int rc;

	memset(&stats, 0, sizeof(stats));
	rc = hvdb_port_stats(g->hv, port_id, &stats);
	if (rc != 0) {
		print_error("%s:%d: hvdb_port_stats(port %u) = %d, wanted 0\n",
			    file, line, port_id, rc);
		_fail(file, line);
	}
	return stats;
}

/* ------------------------------------------------------------------ */
/* State digest.                                                      */
/* ------------------------------------------------------------------ */

static int digest_partition(void *opaque, const struct hvdb_partition_desc *d)
{
	FILE *f = opaque;
	size_t i;

	fprintf(f,
		"partition %" PRIu64 " vps=%u gpa_bits=%u priv=0x%" PRIx64
		" limit=%u conns=%u ram=[",
		d->id, d->vp_count, d->gpa_bits, d->privileges,
		d->connection_limit, d->connection_count);
	for (i = 0; i < d->ram_count; i++)
		fprintf(f, " 0x%" PRIx64 "+0x%" PRIx64, d->ram[i].start,
			d->ram[i].size);
	fprintf(f, " ]\n");
	return 0;
}

static int digest_port(void *opaque, const struct hvdb_port_desc *d)
{
	FILE *f = opaque;

	fprintf(f,
		"port %u conn_partition=%" PRIu64 " sint=%u vp=0x%x type=%u"
		" triggers=%" PRIu64 "/%" PRIu64 "/%" PRIu64 " conns=%u\n",
		d->id, d->connection_partition, d->target_sint, d->target_vp,
		d->port_type, d->stats.triggers, d->stats.userspace,
		d->stats.offloaded, d->connection_count);
	return 0;
}

static int digest_connection(void *opaque, const struct hvdb_connection_desc *d)
{
	FILE *f = opaque;
	const HV_CONNECTION_INFO *i = &d->info;

	fprintf(f,
		"connection %" PRIu64 ":%u port=%u deleted=%d type=%u"
		" pad=%u gpa=0x%" PRIx64 " value=0x%" PRIx64 " flags=0x%" PRIx64
		"\n",
		d->partition, d->id, d->port_id, (int)d->port_deleted,
		i->PortType, i->Padding,
		i->DoorbellConnectionInfo.GuestPhysicalAddress,
		i->DoorbellConnectionInfo.TriggerValue,
		i->DoorbellConnectionInfo.Flags);
	return 0;
}

static int digest_doorbell(void *opaque, const struct hvdb_doorbell_desc *d)
{
	FILE *f = opaque;
	bool io = d->dialect == HVDB_DIALECT_IOEVENTFD;

	fprintf(f,
		"doorbell %s %" PRIu64 ":%u gpa=0x%" PRIx64 " value=0x%" PRIx64
		" len=%u flags=0x%x eventfd-group=%u\n",
		io ? "ioeventfd" : "whp", d->partition, d->id,
		io ? d->ioeventfd.addr : d->whp.GuestAddress,
		io ? d->ioeventfd.datamatch : d->whp.Value,
		io ? d->ioeventfd.len : d->whp.Length,
		io ? d->ioeventfd.flags : d->whp.MatchFlags, d->eventfd_group);
	return 0;
}

char *state_digest(struct hvdb *hv)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f) {
		print_error("state_digest: open_memstream failed\n");
		fail();
	}
	fprintf(f, "partitions rc=%d\n",
		hvdb_partition_foreach(hv, digest_partition, f));
	fprintf(f, "ports rc=%d\n", hvdb_port_foreach(hv, digest_port, f));
	fprintf(f, "connections rc=%d\n",
		hvdb_connection_foreach(hv, digest_connection, f));
	fprintf(f, "doorbells rc=%d\n",
		hvdb_doorbell_foreach(hv, digest_doorbell, f));
	fclose(f);
	return text;
}

void assert_state_unchanged_at(struct hvdb *hv, char *before, const char *file,
			       int line)
{
	char *after = state_digest(hv);
	bool same = strcmp(before, after) == 0;

	if (!same)
		print_error("%s:%d: state changed\n--- before\n%s--- after\n%s",
			    file, line, before, after);
	free(before);
	free(after);
	if (!same)
		_fail(file, line);
}

struct find_connection {
	uint64_t partition;
	HV_CONNECTION_ID id;
	struct hvdb_connection_desc *out;
};

static int find_connection_fn(void *opaque,
			      const struct hvdb_connection_desc *d)
{
	struct find_connection *f = opaque;

	if (d->partition != f->partition || d->id != f->id)
		return 0;
	*f->out = *d;
	return 1;
}

bool find_connection_desc(struct hvdb *hv, uint64_t partition,
			  HV_CONNECTION_ID id, struct hvdb_connection_desc *out)
{
	struct hvdb_connection_desc tmp;
	struct find_connection f = { partition, id, out ? out : &tmp };

	return hvdb_connection_foreach(hv, find_connection_fn, &f) == 1;
}

struct find_port {
	HV_PORT_ID id;
	struct hvdb_port_desc *out;
};

static int find_port_fn(void *opaque, const struct hvdb_port_desc *d)
{
	struct find_port *f = opaque;

	if (d->id != f->id)
		return 0;
	*f->out = *d;
	return 1;
}

bool find_port_desc(struct hvdb *hv, HV_PORT_ID id, struct hvdb_port_desc *out)
{
	struct hvdb_port_desc tmp;
	struct find_port f = { id, out ? out : &tmp };

	return hvdb_port_foreach(hv, find_port_fn, &f) == 1;
}

struct find_partition {
	uint64_t id;
	struct hvdb_partition_desc *out;
};

static int find_partition_fn(void *opaque, const struct hvdb_partition_desc *d)
{
	struct find_partition *f = opaque;

	if (d->id != f->id)
		return 0;
	*f->out = *d;
	f->out->ram = NULL; /* only valid during the callback */
	return 1;
}

bool find_partition_desc(struct hvdb *hv, uint64_t id,
			 struct hvdb_partition_desc *out)
{
	struct hvdb_partition_desc tmp;
	struct find_partition f = { id, out ? out : &tmp };

	return hvdb_partition_foreach(hv, find_partition_fn, &f) == 1;
}

/* ------------------------------------------------------------------ */
/* Tables of calls.                                                   */
/* ------------------------------------------------------------------ */

void put_le(uint8_t *buf, size_t off, unsigned size, uint64_t v)
{
	unsigned i;

	for (i = 0; i < size; i++)
		buf[off + i] = (uint8_t)(v >> (8 * i));
}

uint16_t call_op_code(enum hv_op op)
{
	switch (op) {
	case HV_OP_CREATE_PORT:
		return HVCALL_CREATE_PORT;
	case HV_OP_CONNECT_PORT:
		return HVCALL_CONNECT_PORT;
	case HV_OP_DISCONNECT_PORT:
		return HVCALL_DISCONNECT_PORT;
	case HV_OP_DELETE_PORT:
		return HVCALL_DELETE_PORT;
	}
	return 0;
}

/* Offsets and sizes are SPEC §1's, written out rather than taken from the
 * structs, so a layout mistake in hvdef.h would show here. */
static size_t encode_create(const HV_INPUT_CREATE_PORT *in, uint8_t *b)
{
	put_le(b, 0, 8, in->PortPartition);
	put_le(b, 8, 4, in->PortId);
	put_le(b, 12, 1, in->PortVtl);
	put_le(b, 13, 1, in->MinConnectionVtl);
	put_le(b, 14, 2, in->Padding);
	put_le(b, 16, 8, in->ConnectionPartition);
	put_le(b, 24, 4, in->PortInfo.PortType);
	put_le(b, 28, 4, in->PortInfo.ReservedZ);
	put_le(b, 32, 4, in->PortInfo.DoorbellPortInfo.TargetSint);
	put_le(b, 36, 4, in->PortInfo.DoorbellPortInfo.TargetVp);
	put_le(b, 40, 8, in->PortInfo.DoorbellPortInfo.ReservedZ);
	put_le(b, 48, 8, in->ProximityDomainInfo);
	return 56;
}

static size_t encode_connect(const HV_INPUT_CONNECT_PORT *in, uint8_t *b)
{
	const HV_CONNECTION_INFO *ci = &in->ConnectionInfo;

	put_le(b, 0, 8, in->ConnectionPartition);
	put_le(b, 8, 4, in->ConnectionId);
	put_le(b, 12, 1, in->ConnectionVtl);
	put_le(b, 13, 1, in->Rsvd0);
	put_le(b, 14, 2, in->Rsvd1);
	put_le(b, 16, 8, in->PortPartition);
	put_le(b, 24, 4, in->PortId);
	put_le(b, 28, 4, in->Reserved);
	put_le(b, 32, 4, ci->PortType);
	put_le(b, 36, 4, ci->Padding);
	put_le(b, 40, 8, ci->DoorbellConnectionInfo.GuestPhysicalAddress);
	put_le(b, 48, 8, ci->DoorbellConnectionInfo.TriggerValue);
	put_le(b, 56, 8, ci->DoorbellConnectionInfo.Flags);
	put_le(b, 64, 8, in->ProximityDomainInfo);
	return 72;
}

size_t call_encode(const struct hv_call *call, uint8_t *buf)
{
	switch (call->op) {
	case HV_OP_CREATE_PORT:
		return encode_create(&call->in.create, buf);
	case HV_OP_CONNECT_PORT:
		return encode_connect(&call->in.connect, buf);
	case HV_OP_DISCONNECT_PORT:
		put_le(buf, 0, 8, call->in.disconnect.ConnectionPartition);
		put_le(buf, 8, 4, call->in.disconnect.ConnectionId);
		put_le(buf, 12, 4, call->in.disconnect.Flags);
		return 16;
	case HV_OP_DELETE_PORT:
		put_le(buf, 0, 8, call->in.del.PortPartition);
		put_le(buf, 8, 4, call->in.del.PortId);
		put_le(buf, 12, 4, call->in.del.Reserved);
		return 16;
	}
	return 0;
}

HV_STATUS call_do(struct guest *g, const struct hv_call *call,
		  enum call_path path, enum hvdb_reason *reason)
{
	uint8_t buf[72];
	size_t len;

	*reason = HVDB_REASON_NONE;
	if (path == CALL_RAW) {
		memset(buf, 0, sizeof(buf));
		len = call_encode(call, buf);
		return hvdb_hypercall(g->hv, call->caller,
				      call_op_code(call->op), buf, len, reason);
	}
	switch (call->op) {
	case HV_OP_CREATE_PORT:
		return try_port_create(g, call->caller, &call->in.create,
				       reason);
	case HV_OP_CONNECT_PORT:
		return try_connect_port(g, call->caller, &call->in.connect,
					reason);
	case HV_OP_DISCONNECT_PORT:
		return try_disconnect_port(g, call->caller,
					   &call->in.disconnect, reason);
	case HV_OP_DELETE_PORT:
		return try_delete_port(g, call->caller, &call->in.del, reason);
	}
	return 0xFFFF;
}

void base_create_port(struct guest *g, struct hv_call *call)
{
	call->op = HV_OP_CREATE_PORT;
	call->caller = ROOT_ID;
	call->in.create = create_port_input(g, PORT_ID);
}

void base_connect_port(struct guest *g, struct hv_call *call)
{
	port_create(g, PORT_ID);
	call->op = HV_OP_CONNECT_PORT;
	call->caller = ROOT_ID;
	call->in.connect =
		connect_port_input(g, CONN_ID, PORT_ID, DOORBELL_GPA);
}

void base_disconnect_port(struct guest *g, struct hv_call *call)
{
	port_create(g, PORT_ID);
	connect_port(g, CONN_ID, PORT_ID, DOORBELL_GPA, DEFAULT_FLAGS,
		     DEFAULT_VALUE);
	call->op = HV_OP_DISCONNECT_PORT;
	call->caller = ROOT_ID;
	call->in.disconnect = disconnect_port_input(g, CONN_ID);
}

void base_delete_port(struct guest *g, struct hv_call *call)
{
	port_create(g, PORT_ID);
	call->op = HV_OP_DELETE_PORT;
	call->caller = ROOT_ID;
	call->in.del = delete_port_input(PORT_ID);
}

static bool run_one_case(const struct call_case *c,
			 void (*base)(struct guest *g, struct hv_call *call),
			 enum call_path path, const char *file, int line)
{
	struct guest g;
	struct hv_call call;
	enum hvdb_reason reason;
	char what[160];
	char *before, *after;
	HV_STATUS st;
	bool ok, same;

	hv_with_guest_opts_at(&g, c->opts, file, line);
	memset(&call, 0, sizeof(call));
	base(&g, &call);
	if (c->mutate)
		c->mutate(&g, &call);
	before = state_digest(g.hv);
	st = call_do(&g, &call, path, &reason);
	after = state_digest(g.hv);
	snprintf(what, sizeof(what), "row \"%s\" (%s)", c->name,
		 path == CALL_RAW ? "hvdb_hypercall" : "typed call");
	ok = check_status_at(st, reason, c->want_status, c->want_reason, what,
			     file, line);
	same = strcmp(before, after) == 0;
	if (st != HV_STATUS_SUCCESS && !same) {
		print_error("%s:%d: %s: refused call changed state\n"
			    "--- before\n%s--- after\n%s",
			    file, line, what, before, after);
		ok = false;
	}
	if (st == HV_STATUS_SUCCESS && same) {
		print_error("%s:%d: %s: succeeded but state is unchanged\n",
			    file, line, what);
		ok = false;
	}
	free(before);
	free(after);
	teardown(&g);
	return ok;
}

void run_call_cases_at(const struct call_case *cases, size_t n,
		       void (*base)(struct guest *g, struct hv_call *call),
		       enum call_path path, const char *file, int line)
{
	size_t i, failed = 0;

	for (i = 0; i < n; i++)
		if (!run_one_case(&cases[i], base, path, file, line))
			failed++;
	if (failed) {
		print_error("%s:%d: %zu of %zu rows failed\n", file, line,
			    failed, n);
		_fail(file, line);
	}
}
