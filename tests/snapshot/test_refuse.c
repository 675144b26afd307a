/* test_refuse.c - bad snapshots are refused with a clear error and
 * restore nothing.
 *
 * Each row mutates one thing in a good document (STYLE 17) and names the
 * code and a piece of the message it must produce. Every refusal must
 * leave *out NULL; under ASan a leaked half-built hypervisor fails the run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "snap.h"

/* The good document: partitions [root, 2, 3], ports [5, 6] and port 7
 * deleted, connections [2:1 -> 5, 2:2 -> deleted 7, 3:1 -> 6]. */
static struct hvdb *base_state(void)
{
	const struct hvdb_config config = { .root_vp_count = 2 };
	const struct hvdb_ram_range ram = { 0x100000, 0x10000 };
	struct hvdb *hv = hvdb_create(&config);
	struct hvdb_partition_config c;
	HV_INPUT_CREATE_PORT port = {
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortInfo.PortType = HvPortTypeDoorbell,
		.PortInfo.DoorbellPortInfo.TargetSint = 5,
	};
	HV_INPUT_CONNECT_PORT conn = {
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.ConnectionInfo.PortType = HvPortTypeDoorbell,
	};
	HV_INPUT_DELETE_PORT del = { HVDB_ROOT_PARTITION_ID, 7, 0 };
	__typeof__(conn.ConnectionInfo.DoorbellConnectionInfo) *dci =
		&conn.ConnectionInfo.DoorbellConnectionInfo;

	assert_non_null(hv);
	hvdb_partition_config_init(&c, 2);
	c.privileges = BOTH_PRIVILEGES;
	c.connection_limit = 2;
	c.ram = &ram;
	c.ram_count = 1;
	assert_int_equal(hvdb_partition_create(hv, &c, NULL), 0);
	hvdb_partition_config_init(&c, 3);
	assert_int_equal(hvdb_partition_create(hv, &c, NULL), 0);

	port.PortId = 5;
	port.ConnectionPartition = 2;
	port.PortInfo.DoorbellPortInfo.TargetVp = 1;
	assert_int_equal(hvdb_port_create(hv, 1, &port, NULL), 0);
	port.PortId = 6;
	port.ConnectionPartition = 0;
	port.PortInfo.DoorbellPortInfo.TargetVp = HV_ANY_VP;
	assert_int_equal(hvdb_port_create(hv, 1, &port, NULL), 0);
	port.PortId = 7;
	assert_int_equal(hvdb_port_create(hv, 1, &port, NULL), 0);

	conn.ConnectionPartition = 2;
	conn.ConnectionId = 1;
	conn.PortId = 5;
	dci->GuestPhysicalAddress = 0x1000;
	dci->Flags = HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD;
	dci->TriggerValue = 1;
	assert_int_equal(hvdb_port_connect(hv, 1, &conn, NULL), 0);
	conn.ConnectionId = 2;
	conn.PortId = 7;
	dci->GuestPhysicalAddress = 0x2000;
	dci->Flags = HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE;
	dci->TriggerValue = 0;
	assert_int_equal(hvdb_port_connect(hv, 1, &conn, NULL), 0);
	conn.ConnectionPartition = 3;
	conn.ConnectionId = 1;
	conn.PortId = 6;
	dci->GuestPhysicalAddress = 0x3000;
	dci->Flags = HV_DOORBELL_FLAG_TRIGGER_SIZE_BYTE;
	dci->TriggerValue = 2;
	assert_int_equal(hvdb_port_connect(hv, 1, &conn, NULL), 0);
	assert_int_equal(hvdb_port_delete(hv, 1, &del, NULL), 0);

	assert_int_equal(hvdb_write(hv, 2, 0x1000, 4, 1, NULL), 1);
	assert_int_equal(hvdb_port_account_offloaded(hv, 6, 3), 0);
	return hv;
}

static char *base_json(size_t *len)
{
	struct hvdb *hv = base_state();
	char *json = save(hv, len);

	hvdb_destroy(hv);
	return json;
}

/* ---- mutations, one per row ---- */

static json_t *at(json_t *doc, const char *array, size_t i)
{
	json_t *e = json_array_get(json_object_get(doc, array), i);

	assert_non_null(e);
	return e;
}

static void set(json_t *obj, const char *key, json_t *v)
{
	assert_int_equal(json_object_set_new(obj, key, v), 0);
}

static void append_copy(json_t *doc, const char *array, size_t i)
{
	assert_int_equal(
		json_array_append_new(json_object_get(doc, array),
				      json_deep_copy(at(doc, array, i))),
		0);
}

#define MUTATION(name) static void name(json_t **doc)

MUTATION(format_other)
{
	set(*doc, "format", json_string("other"));
}
MUTATION(format_missing)
{
	json_object_del(*doc, "format");
}
MUTATION(version_2)
{
	set(*doc, "version", json_integer(2));
}
MUTATION(version_string)
{
	set(*doc, "version", json_string("1"));
}
MUTATION(top_array)
{
	json_decref(*doc);
	*doc = json_array();
}
MUTATION(top_unknown_key)
{
	set(*doc, "extra", json_true());
}
MUTATION(partitions_missing)
{
	json_object_del(*doc, "partitions");
}
MUTATION(ports_not_array)
{
	set(*doc, "ports", json_object());
}
MUTATION(connection_not_object)
{
	json_array_set_new(json_object_get(*doc, "connections"), 0,
			   json_integer(5));
}
MUTATION(id_number)
{
	set(at(*doc, "partitions", 1), "id", json_integer(2));
}
MUTATION(id_no_0x)
{
	set(at(*doc, "partitions", 1), "id", json_string("2"));
}
MUTATION(id_17_digits)
{
	set(at(*doc, "partitions", 1), "id",
	    json_string("0x10000000000000002"));
}
MUTATION(id_empty_hex)
{
	set(at(*doc, "partitions", 1), "id", json_string("0x"));
}
MUTATION(id_not_hex)
{
	set(at(*doc, "partitions", 1), "id", json_string("0x2g"));
}
MUTATION(vp_count_0)
{
	set(at(*doc, "partitions", 1), "vp_count", json_integer(0));
}
MUTATION(gpa_bits_99)
{
	set(at(*doc, "partitions", 1), "gpa_bits", json_integer(99));
}
MUTATION(limit_0)
{
	set(at(*doc, "partitions", 1), "connection_limit", json_integer(0));
}
MUTATION(ram_unknown_key)
{
	set(json_array_get(json_object_get(at(*doc, "partitions", 1), "ram"),
			   0),
	    "end", json_string("0x0"));
}
MUTATION(ram_overlap)
{
	json_t *ram = json_object_get(at(*doc, "partitions", 1), "ram");

	json_array_append_new(ram, json_deep_copy(json_array_get(ram, 0)));
}
MUTATION(port_id_negative)
{
	set(at(*doc, "ports", 0), "id", json_integer(-1));
}
MUTATION(port_id_33_bits)
{
	set(at(*doc, "ports", 0), "id", json_integer(4294967296ll));
}
MUTATION(port_id_real)
{
	set(at(*doc, "ports", 0), "id", json_real(5.0));
}
MUTATION(port_deleted_string)
{
	set(at(*doc, "connections", 0), "port_deleted", json_string("yes"));
}
MUTATION(root_missing)
{
	json_array_remove(json_object_get(*doc, "partitions"), 0);
}
MUTATION(root_twice)
{
	append_copy(*doc, "partitions", 0);
}
MUTATION(root_with_ram)
{
	set(at(*doc, "partitions", 0), "ram",
	    json_deep_copy(json_object_get(at(*doc, "partitions", 1), "ram")));
}
MUTATION(root_5000_vps)
{
	set(at(*doc, "partitions", 0), "vp_count", json_integer(5000));
}
MUTATION(partition_twice)
{
	append_copy(*doc, "partitions", 1);
}
MUTATION(port_twice)
{
	append_copy(*doc, "ports", 0);
}
MUTATION(connection_twice)
{
	append_copy(*doc, "connections", 0);
}
MUTATION(unknown_live_port)
{
	set(at(*doc, "connections", 0), "port_id", json_integer(99));
}
MUTATION(connection_unknown_partition)
{
	set(at(*doc, "connections", 0), "partition", json_string("0x9"));
}
MUTATION(connection_self)
{
	set(at(*doc, "connections", 0), "partition",
	    json_string("0xffffffffffffffff"));
}
MUTATION(port_unknown_partition)
{
	set(at(*doc, "ports", 0), "connection_partition", json_string("0x9"));
}
MUTATION(port_not_offered)
{
	set(at(*doc, "connections", 2), "port_id", json_integer(5));
}
MUTATION(conflicting_triggers)
{
	json_t *c = json_deep_copy(at(*doc, "connections", 0));

	set(c, "id", json_integer(3));
	set(c, "flags", json_string("0x80000000"));
	json_array_append_new(json_object_get(*doc, "connections"), c);
}
MUTATION(triggers_not_sum)
{
	set(at(*doc, "ports", 0), "triggers", json_string("0x5"));
}
MUTATION(counters_overflow)
{
	set(at(*doc, "ports", 0), "userspace",
	    json_string("0xffffffffffffffff"));
	set(at(*doc, "ports", 0), "offloaded", json_string("0x1"));
	set(at(*doc, "ports", 0), "triggers", json_string("0x0"));
}
MUTATION(sint_0)
{
	set(at(*doc, "ports", 0), "target_sint", json_integer(0));
}
MUTATION(vp_2_of_2)
{
	set(at(*doc, "ports", 0), "target_vp", json_integer(2));
}
MUTATION(port_type_3)
{
	set(at(*doc, "ports", 0), "type", json_integer(3));
}
MUTATION(port_id_reserved)
{
	set(at(*doc, "ports", 0), "id", json_integer(0x1000000));
}
MUTATION(deleted_port_id_reserved)
{
	set(at(*doc, "connections", 1), "port_id", json_integer(0x1000000));
}
MUTATION(flags_reserved)
{
	set(at(*doc, "connections", 0), "flags", json_string("0x8"));
}
MUTATION(value_too_wide)
{
	set(at(*doc, "connections", 2), "value", json_string("0x100"));
}
MUTATION(gpa_out_of_range)
{
	set(at(*doc, "connections", 2), "gpa", json_string("0x1000000000000"));
}
MUTATION(crosses_page)
{
	set(at(*doc, "connections", 0), "gpa", json_string("0x1ffe"));
}
MUTATION(over_limit)
{
	set(at(*doc, "partitions", 1), "connection_limit", json_integer(1));
}

struct refusal {
	const char *name;
	void (*mutate)(json_t **doc);
	int want_code;
	const char *want_text; /* a piece of the message */
};

static const struct refusal refusals[] = {
	{ "format other", format_other, -EPROTONOSUPPORT,
	  "not an hvdoorbell snapshot" },
	{ "format missing", format_missing, -EPROTONOSUPPORT,
	  "not an hvdoorbell snapshot" },
	{ "version 2", version_2, -EPROTONOSUPPORT,
	  "version 2 is not supported" },
	{ "version as string", version_string, -EPROTONOSUPPORT,
	  "version: expected an integer" },
	{ "top-level array", top_array, -EPROTONOSUPPORT, "not a JSON object" },
	{ "unknown top-level key", top_unknown_key, -EINVAL,
	  "snapshot: unknown key \"extra\"" },
	{ "partitions missing", partitions_missing, -EINVAL,
	  "\"partitions\" is missing" },
	{ "ports not an array", ports_not_array, -EINVAL,
	  "snapshot.ports: expected an array" },
	{ "connection not an object", connection_not_object, -EINVAL,
	  "connections[0]: expected an object" },
	{ "id as number", id_number, -EINVAL,
	  "partitions[1].id: expected a string" },
	{ "id without 0x", id_no_0x, -EINVAL, "partitions[1].id: expected" },
	{ "id of 17 digits", id_17_digits, -EINVAL,
	  "partitions[1].id: expected" },
	{ "id 0x alone", id_empty_hex, -EINVAL, "partitions[1].id: expected" },
	{ "id not hex", id_not_hex, -EINVAL, "partitions[1].id: expected" },
	{ "vp_count 0", vp_count_0, -EINVAL,
	  "partitions[1].vp_count: expected an integer 1..4294967294" },
	{ "gpa_bits 99", gpa_bits_99, -EINVAL,
	  "partitions[1].gpa_bits: expected an integer 12..64" },
	{ "connection_limit 0", limit_0, -EINVAL,
	  "partitions[1].connection_limit: expected an integer 1.." },
	{ "unknown RAM key", ram_unknown_key, -EINVAL,
	  "partitions[1].ram[0]: unknown key \"end\"" },
	{ "overlapping RAM", ram_overlap, -EINVAL,
	  "partitions[1] (0x2:0): HV_STATUS_INVALID_PARAMETER "
	  "bad-partition-config" },
	{ "port id -1", port_id_negative, -EINVAL,
	  "ports[0].id: expected an integer 0..4294967295" },
	{ "port id 2^32", port_id_33_bits, -EINVAL, "ports[0].id: expected" },
	{ "port id 5.0", port_id_real, -EINVAL, "ports[0].id: expected" },
	{ "port_deleted as string", port_deleted_string, -EINVAL,
	  "connections[0].port_deleted: expected true or false" },
	{ "no root", root_missing, -EINVAL,
	  "root partition (id 0x1) is missing" },
	{ "two roots", root_twice, -EINVAL, "partitions[3]: a second root" },
	{ "root with RAM", root_with_ram, -EINVAL,
	  "partitions[0]: the root partition has" },
	{ "root with 5000 VPs", root_5000_vps, -EINVAL, "at most 4096 VPs" },
	{ "duplicate partition", partition_twice, -EINVAL,
	  "partitions[3] (0x2:0): HV_STATUS_INVALID_PARTITION_ID "
	  "partition-exists" },
	{ "duplicate port", port_twice, -EINVAL,
	  "ports[2] (0x1:5): HV_STATUS_INVALID_PORT_ID port-id-in-use" },
	{ "duplicate connection", connection_twice, -EINVAL,
	  "connections[3] (0x2:1): HV_STATUS_INVALID_CONNECTION_ID "
	  "connection-id-in-use" },
	{ "unknown port", unknown_live_port, -EINVAL,
	  "connections[0] (0x2:1): HV_STATUS_INVALID_PORT_ID unknown-port" },
	{ "connection in unknown partition", connection_unknown_partition,
	  -EINVAL, "HV_STATUS_INVALID_PARTITION_ID unknown-partition" },
	{ "connection in SELF", connection_self, -EINVAL,
	  "connections[0].partition: expected a partition id" },
	{ "port for unknown partition", port_unknown_partition, -EINVAL,
	  "ports[0] (0x1:5): HV_STATUS_INVALID_PARTITION_ID "
	  "unknown-partition" },
	{ "port not offered", port_not_offered, -EINVAL,
	  "connections[2] (0x3:1): HV_STATUS_ACCESS_DENIED port-not-offered" },
	{ "conflicting triggers", conflicting_triggers, -EINVAL,
	  "connections[3] (0x2:3): HV_STATUS_INVALID_PARAMETER "
	  "trigger-conflict" },
	{ "triggers not the sum", triggers_not_sum, -EINVAL,
	  "ports[0]: triggers is not userspace + offloaded" },
	{ "counters overflow", counters_overflow, -EINVAL,
	  "ports[0]: triggers is not userspace + offloaded" },
	{ "SINT 0", sint_0, -EINVAL, "HV_STATUS_INVALID_PARAMETER bad-sint" },
	{ "VP past the root's", vp_2_of_2, -EINVAL,
	  "HV_STATUS_INVALID_VP_INDEX bad-vp" },
	{ "port type 3", port_type_3, -EINVAL, "unsupported-port-type" },
	{ "port id reserved bits", port_id_reserved, -EINVAL,
	  "ports[0] (0x1:16777216): HV_STATUS_INVALID_PORT_ID bad-port-id" },
	{ "deleted port id reserved bits", deleted_port_id_reserved, -EINVAL,
	  "connections[1] (0x2:2): HV_STATUS_INVALID_PORT_ID bad-port-id" },
	{ "reserved flags", flags_reserved, -EINVAL, "reserved-flags" },
	{ "value too wide", value_too_wide, -EINVAL, "value-too-wide" },
	{ "GPA out of range", gpa_out_of_range, -EINVAL, "gpa-out-of-range" },
	{ "crosses a page", crosses_page, -EINVAL, "crosses-page" },
	{ "over the connection limit", over_limit, -EINVAL,
	  "HV_STATUS_INSUFFICIENT_MEMORY connection-limit" },
};

static bool check_refused(const char *name, const char *json, size_t len,
			  int want_code, const char *want_text)
{
	struct hvdb_snapshot_error err;
	struct hvdb *out;
	int rc = try_restore(json, len, &out, &err);

	if (rc == want_code && strstr(err.message, want_text))
		return true;
	print_error("row \"%s\": want %d \"...%s...\", got %d \"%s\"\n", name,
		    want_code, want_text, rc, err.message);
	if (out)
		hvdb_destroy(out);
	return false;
}

/* Every row refuses with its code and message, and restores nothing. */
static void test_refusal_table(void **state)
{
	size_t len;
	char *base = base_json(&len);
	json_error_t jerr;
	unsigned failed = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(refusals); i++) {
		const struct refusal *row = &refusals[i];
		json_t *doc = json_loadb(base, len, 0, &jerr);
		char *text;

		assert_non_null(doc);
		row->mutate(&doc);
		text = json_dumps(doc, JSON_COMPACT);
		assert_non_null(text);
		if (!check_refused(row->name, text, strlen(text),
				   row->want_code, row->want_text))
			failed++;
		free(text);
		json_decref(doc);
	}
	free(base);
	assert_int_equal(failed, 0);
}

/* The unmutated base document restores: the rows fail for their one
 * change, not for something else. */
static void test_base_restores(void **state)
{
	struct hvdb_snapshot_error err;
	size_t len;
	char *base = base_json(&len);
	struct hvdb *out;

	(void)state;
	assert_int_equal(try_restore(base, len, &out, &err), 0);
	hvdb_destroy(out);
	free(base);
}

struct raw {
	const char *name;
	const char *text;
	size_t len; /* 0: strlen(text) */
	int want_code;
	const char *want_text;
};

static const struct raw raws[] = {
	{ "empty", "", 0, -EBADMSG, "truncated or corrupted JSON" },
	{ "not JSON", "hello", 0, -EBADMSG, "truncated or corrupted JSON" },
	{ "open brace", "{", 0, -EBADMSG, "line 1" },
	{ "trailing garbage",
	  "{\"format\":\"hvdoorbell-snapshot\",\"version\":1} x", 0, -EBADMSG,
	  "end of file expected" },
	{ "duplicate key",
	  "{\"format\":\"hvdoorbell-snapshot\",\"version\":1,\"version\":1}", 0,
	  -EBADMSG, "duplicate object key" },
	{ "NUL inside", "{\"format\":\"hvdoorbell\0-snapshot\"}", 33, -EBADMSG,
	  "truncated or corrupted JSON" },
	{ "number", "1", 0, -EBADMSG, "'[' or '{' expected" },
	{ "huge integer",
	  "{\"format\":\"hvdoorbell-snapshot\",\"version\":"
	  "100000000000000000000}",
	  0, -EBADMSG, "too big" },
};

/* Text that is not a JSON object of ours at all. */
static void test_raw_documents(void **state)
{
	unsigned failed = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(raws); i++) {
		const struct raw *r = &raws[i];
		size_t len = r->len ? r->len : strlen(r->text);

		if (!check_refused(r->name, r->text, len, r->want_code,
				   r->want_text))
			failed++;
	}
	assert_int_equal(failed, 0);
}

/* A snapshot cut anywhere before its last byte is refused as truncated;
 * without only its final newline it still restores. */
static void test_every_truncation(void **state)
{
	struct hvdb_snapshot_error err;
	size_t len;
	char *base = base_json(&len);
	struct hvdb *out;
	char name[32];

	(void)state;
	for (size_t cut = 0; cut + 1 < len; cut++) {
		snprintf(name, sizeof(name), "cut at %zu", cut);
		assert_true(check_refused(name, base, cut, -EBADMSG,
					  "truncated or corrupted JSON"));
	}
	assert_int_equal(try_restore(base, len - 1, &out, &err), 0);
	hvdb_destroy(out);
	free(base);
}

/* Random byte corruption: never a crash or a leak; either a clear
 * refusal or (when the bytes still make a valid document) a restore. */
static void test_random_corruption(void **state)
{
	static const char junk[] = "{}[]\",:0x1fgtrue\x00\xff ";
	struct hvdb_snapshot_error err;
	struct rng r = { 2024 };
	unsigned refused = 0, restored = 0;
	size_t len;
	char *base = base_json(&len);
	struct hvdb *out;

	(void)state;
	for (unsigned trial = 0; trial < 3000; trial++) {
		char *doc = malloc(len);
		unsigned flips = 1 + (unsigned)rng_below(&r, 3);
		int rc;

		assert_non_null(doc);
		memcpy(doc, base, len);
		while (flips--)
			doc[rng_below(&r, len)] =
				junk[rng_below(&r, sizeof(junk) - 1)];
		rc = try_restore(doc, len, &out, &err);
		if (rc == 0) {
			restored++;
			hvdb_destroy(out);
		} else {
			assert_true(rc == -EBADMSG || rc == -EINVAL ||
				    rc == -EPROTONOSUPPORT);
			refused++;
		}
		free(doc);
	}
	print_message("corruption: %u refused, %u still valid\n", refused,
		      restored);
	assert_true(refused > 2000);
	free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_restores),
		cmocka_unit_test(test_refusal_table),
		cmocka_unit_test(test_raw_documents),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_random_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
