/* fuzz_hypercall.c - hvdb_hypercall with arbitrary codes, callers and
 * input bytes.
 *
 * Two hypervisors are built alike (partitions 2 and 3, a live and a
 * deleted port, connections to both). The input is a sequence of calls:
 * a header byte (code choice, caller, whether the length is right), then
 * the input bytes. Each call goes raw to one hypervisor and, when the
 * code and length are a port call's, typed to the twin. Checks after each
 * call: the status has a name and agrees with the reason; an unknown code
 * or wrong length is refused before anything else; raw and typed agree on
 * status, reason and the resulting state; a refused call changed nothing;
 * every connection still matches a write made for it, and only it, firing
 * unless its port is gone.
 */
#include <string.h>

#include <hvdb/hvdb.h>
#include <hvdb/introspect.h>

#include "fuzz_input.h"
#include "fuzz_reset.h"
#include "state_digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t codes[4] = { HVCALL_CREATE_PORT, HVCALL_CONNECT_PORT,
				   HVCALL_DISCONNECT_PORT, HVCALL_DELETE_PORT };
static const size_t sizes[4] = { sizeof(HV_INPUT_CREATE_PORT),
				 sizeof(HV_INPUT_CONNECT_PORT),
				 sizeof(HV_INPUT_DISCONNECT_PORT),
				 sizeof(HV_INPUT_DELETE_PORT) };
static const uint64_t callers[8] = {
	1, 1, 1, 2, 3, 4, 0, HV_PARTITION_ID_SELF
};

static void must(HV_STATUS s, const char *what)
{
	FUZZ_CHECK(s == HV_STATUS_SUCCESS, "setup %s: %s", what,
		   hvdb_status_name(s));
}

static struct hvdb *setup_partitions(void)
{
	const struct hvdb_config hc = { .root_vp_count = 2 };
	struct hvdb_partition_config pc;
	struct hvdb *hv = hvdb_create(&hc);

	FUZZ_CHECK(hv, "hvdb_create");
	hvdb_partition_config_init(&pc, 2);
	pc.privileges = HV_PRIVILEGE_CREATE_PORT | HV_PRIVILEGE_CONNECT_PORT;
	must(hvdb_partition_create(hv, &pc, NULL), "partition 2");
	hvdb_partition_config_init(&pc, 3);
	pc.gpa_bits = 20;
	must(hvdb_partition_create(hv, &pc, NULL), "partition 3");
	return hv;
}

static void setup_objects(struct hvdb *hv)
{
	HV_INPUT_CREATE_PORT port = { .PortPartition = 1, .PortId = 1 };
	HV_INPUT_CONNECT_PORT conn = { .ConnectionPartition = 2,
				       .ConnectionId = 1,
				       .PortPartition = 1,
				       .PortId = 1 };
	HV_INPUT_DELETE_PORT del = { .PortPartition = 1, .PortId = 2 };

	port.PortInfo.PortType = HvPortTypeDoorbell;
	port.PortInfo.DoorbellPortInfo.TargetSint = 5;
	port.PortInfo.DoorbellPortInfo.TargetVp = HV_ANY_VP;
	must(hvdb_port_create(hv, 1, &port, NULL), "port 1");
	port.PortId = 2;
	port.ConnectionPartition = 3;
	port.PortInfo.DoorbellPortInfo.TargetVp = 1;
	must(hvdb_port_create(hv, 1, &port, NULL), "port 2");

	conn.ConnectionInfo.PortType = HvPortTypeDoorbell;
	conn.ConnectionInfo.DoorbellConnectionInfo.GuestPhysicalAddress =
		0x1000;
	conn.ConnectionInfo.DoorbellConnectionInfo.TriggerValue = 1;
	conn.ConnectionInfo.DoorbellConnectionInfo.Flags =
		HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD;
	must(hvdb_port_connect(hv, 1, &conn, NULL), "connection 2:1");
	conn.ConnectionPartition = 3;
	conn.PortId = 2;
	conn.ConnectionInfo.DoorbellConnectionInfo.GuestPhysicalAddress =
		0x2000;
	conn.ConnectionInfo.DoorbellConnectionInfo.Flags =
		HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE;
	must(hvdb_port_connect(hv, 1, &conn, NULL), "connection 3:1");
	conn.ConnectionId = 2;
	conn.ConnectionInfo.DoorbellConnectionInfo.GuestPhysicalAddress =
		0x2008;
	must(hvdb_port_connect(hv, 1, &conn, NULL), "connection 3:2");
	must(hvdb_port_delete(hv, 1, &del, NULL), "delete port 2");
	port.PortId = 3;
	port.ConnectionPartition = 0;
	must(hvdb_port_create(hv, 1, &port, NULL), "port 3");
}

/* Back to what setup_objects() made (see fuzz_reset.h). Hypercalls
 * cannot make partitions, so undoing ports and connections is enough. */
static void reset(struct hvdb *hv)
{
	fuzz_reset(hv);
	setup_objects(hv);
}

/* Each connection matches the write made for it, and only that one. */
static int check_matches(void *opaque, const struct hvdb_connection_desc *c)
{
	struct hvdb *hv = opaque;
	const uint64_t flags = c->info.DoorbellConnectionInfo.Flags;
	const bool any_value = flags & HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE;
	const uint64_t value =
		any_value ? 0 : c->info.DoorbellConnectionInfo.TriggerValue;
	int width = hvdb_trigger_size_width(flags);
	struct hvdb_write_outcome out = { 0 };
	unsigned len = width > 0 ? (unsigned)width : 1;
	int got;

	FUZZ_CHECK(width >= 0, "connection %u has size code %u", c->id,
		   (unsigned)(flags & 7));
	while (len < 8 && (value >> (8 * len)))
		len *= 2;
	got = hvdb_match_lookup(
		hv, c->partition,
		c->info.DoorbellConnectionInfo.GuestPhysicalAddress, len, value,
		&out);
	FUZZ_CHECK(
		got == (c->port_deleted ? HVDB_WRITE_DROPPED : HVDB_WRITE_FIRE),
		"write for connection %llu:%u gives %d",
		(unsigned long long)c->partition, c->id, got);
	FUZZ_CHECK(out.connection_id == c->id && out.port_id == c->port_id,
		   "write for connection %u matched %u", c->id,
		   out.connection_id);
	return 0;
}

static void take(struct hvdb *hv, struct state_digest *d)
{
	FUZZ_CHECK(state_digest_take(hv, d), "digest");
}

static void one_call(struct hvdb *raw_hv, struct hvdb *typed_hv,
		     struct fuzz_input *in)
{
	const uint8_t h = fuzz_u8(in);
	const uint64_t caller = callers[(h >> 4) & 7];
	enum hvdb_reason reason = HVDB_REASON_MAX, treason = HVDB_REASON_MAX;
	struct state_digest before, after, twin;
	uint16_t code;
	size_t len, k = h & 3;
	HV_STATUS status, tstatus;
	bool known = true;
	uint8_t *bytes;

	if (h & 4) { /* any 16-bit code */
		code = (uint16_t)fuzz_bytes_le(in, 2);
		known = false;
		for (k = 0; k < 4; k++)
			if (codes[k] == code) {
				known = true;
				break;
			}
	} else {
		code = codes[k];
	}
	len = (h & 8) && known ? sizes[k] : fuzz_u8(in) % 96;
	bytes = len ? malloc(len) : NULL; /* exact: ASan sees overreads */
	FUZZ_CHECK(!len || bytes, "out of memory");
	fuzz_copy(in, bytes, len);

	take(raw_hv, &before);
	status = hvdb_hypercall(raw_hv, caller, code, bytes, len, &reason);
	FUZZ_CHECK(hvdb_status_name(status), "status 0x%x has no name", status);
	FUZZ_CHECK(strcmp(hvdb_reason_name(reason), "?") != 0,
		   "reason %d has no name", (int)reason);
	FUZZ_CHECK((status == HV_STATUS_SUCCESS) ==
			   (reason == HVDB_REASON_NONE),
		   "status %s with reason %s", hvdb_status_name(status),
		   hvdb_reason_name(reason));
	if (!known)
		FUZZ_CHECK(status == HV_STATUS_INVALID_HYPERCALL_CODE,
			   "code 0x%x: %s", code, hvdb_status_name(status));
	else if (len != sizes[k])
		FUZZ_CHECK(status == HV_STATUS_INVALID_HYPERCALL_INPUT &&
				   reason == HVDB_REASON_BAD_INPUT_LENGTH,
			   "code 0x%x with %zu bytes: %s", code, len,
			   hvdb_status_name(status));
	take(raw_hv, &after);
	if (status != HV_STATUS_SUCCESS)
		FUZZ_CHECK(state_digest_equal(&before, &after),
			   "refused call 0x%x (%s) changed the state", code,
			   hvdb_reason_name(reason));

	if (known && len == sizes[k]) {
		union {
			HV_INPUT_CREATE_PORT create;
			HV_INPUT_CONNECT_PORT connect;
			HV_INPUT_DISCONNECT_PORT disconnect;
			HV_INPUT_DELETE_PORT del;
		} u;

		memcpy(&u, bytes, len);
		if (code == HVCALL_CREATE_PORT)
			tstatus = hvdb_port_create(typed_hv, caller, &u.create,
						   &treason);
		else if (code == HVCALL_CONNECT_PORT)
			tstatus = hvdb_port_connect(typed_hv, caller,
						    &u.connect, &treason);
		else if (code == HVCALL_DISCONNECT_PORT)
			tstatus = hvdb_port_disconnect(typed_hv, caller,
						       &u.disconnect, &treason);
		else
			tstatus = hvdb_port_delete(typed_hv, caller, &u.del,
						   &treason);
		FUZZ_CHECK(tstatus == status && treason == reason,
			   "raw 0x%x: %s %s, typed: %s %s", code,
			   hvdb_status_name(status), hvdb_reason_name(reason),
			   hvdb_status_name(tstatus),
			   hvdb_reason_name(treason));
		take(typed_hv, &twin);
		FUZZ_CHECK(state_digest_equal(&after, &twin),
			   "raw and typed 0x%x leave different states", code);
		state_digest_free(&twin);
	}
	FUZZ_CHECK(hvdb_connection_foreach(raw_hv, check_matches, raw_hv) == 0,
		   "connection walk");
	state_digest_free(&before);
	state_digest_free(&after);
	free(bytes);
}

static struct hvdb *raw_hv, *typed_hv; /* kept between inputs */

/* LeakSanitizer cannot see into liburcu's hash table buckets, so a live
 * hypervisor at exit would look leaked: destroy both before LSan's
 * exit-time check (registered before ours, so it runs after). */
static void destroy_at_exit(void)
{
	hvdb_destroy(raw_hv);
	hvdb_destroy(typed_hv);
	raw_hv = typed_hv = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };

	if (!raw_hv) {
		FUZZ_CHECK(atexit(destroy_at_exit) == 0, "atexit");
		raw_hv = setup_partitions();
		typed_hv = setup_partitions();
		setup_objects(raw_hv);
		setup_objects(typed_hv);
	}
	while (fuzz_more(&in))
		one_call(raw_hv, typed_hv, &in);
	reset(raw_hv);
	reset(typed_hv);
	return 0;
}
