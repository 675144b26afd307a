/* snapshot_read.c - a snapshot document, checked field by field, into a
 * plan.
 *
 * This file decides only what the document says: JSON syntax, format and
 * version, each field's presence, type and range, no unknown keys. Whether
 * the state it describes can exist (ids free, references known, triggers
 * without conflict) is decided by building it through the SPEC §3 checks
 * (snapshot.c), so there is one set of rules, not two.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "snapshot_dialect.h"
#include "snapshot_read.h"

/* "partitions[3]", "ports[0]": where an entry sits, for messages. */
#define READ_WHERE_MAX 48

/* A key as safe to quote: at most 32 bytes, non-printables as '?'. */
static const char *shown(char buf[40], const char *key)
{
	size_t i;

	for (i = 0; key[i] && i < 32; i++)
		buf[i] = key[i] >= 0x20 && key[i] < 0x7f ? key[i] : '?';
	strcpy(buf + i, key[i] ? "..." : "");
	return buf;
}

static int bad_field(struct hvdb_snapshot_error *err, const char *where,
		     const char *key, const char *wanted)
{
	return snapshot_fail(err, -EINVAL, "%s.%s: expected %s", where, key,
			     wanted);
}

static json_t *get(json_t *obj, const char *where, const char *key,
		   struct hvdb_snapshot_error *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		snapshot_fail(err, -EINVAL, "%s: \"%s\" is missing", where,
			      key);
	return v;
}

/* "0x" and 1..16 hex digits: every 64-bit field. */
static bool parse_hex64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len < 3 || len > 18 || s[0] != '0' || s[1] != 'x')
		return false;
	for (i = 2; i < len; i++) {
		unsigned d;

		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else if (s[i] >= 'A' && s[i] <= 'F')
			d = (unsigned)(s[i] - 'A' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

static int get_u64(json_t *obj, const char *where, const char *key,
		   uint64_t *out, struct hvdb_snapshot_error *err)
{
	json_t *v = get(obj, where, key, err);

	if (!v)
		return -EINVAL;
	if (!json_is_string(v) ||
	    !parse_hex64(json_string_value(v), json_string_length(v), out))
		return bad_field(err, where, key,
				 "a string \"0x\" + 1 to 16 hex digits");
	return 0;
}

/* A partition id as stored: HV_PARTITION_ID_SELF would be resolved to
 * the caller on the way back in, so it is never a stored id. */
static int get_partition_id(json_t *obj, const char *where, const char *key,
			    bool zero_ok, uint64_t *out,
			    struct hvdb_snapshot_error *err)
{
	int ret = get_u64(obj, where, key, out, err);

	if (ret)
		return ret;
	if ((*out == 0 && !zero_ok) || *out == HV_PARTITION_ID_SELF)
		return bad_field(
			err, where, key,
			zero_ok ? "a partition id or 0x0 (any)"
				: "a partition id (not 0x0, not all ones)");
	return 0;
}

static int get_u32(json_t *obj, const char *where, const char *key,
		   uint32_t min, uint32_t max, uint32_t *out,
		   struct hvdb_snapshot_error *err)
{
	json_t *v = get(obj, where, key, err);
	char wanted[48];
	json_int_t i;

	if (!v)
		return -EINVAL;
	i = json_is_integer(v) ? json_integer_value(v) : -1;
	if (i < (json_int_t)min || i > (json_int_t)max) {
		snprintf(wanted, sizeof(wanted), "an integer %u..%u", min, max);
		return bad_field(err, where, key, wanted);
	}
	*out = (uint32_t)i;
	return 0;
}

static int get_bool(json_t *obj, const char *where, const char *key, bool *out,
		    struct hvdb_snapshot_error *err)
{
	json_t *v = get(obj, where, key, err);

	if (!v)
		return -EINVAL;
	if (!json_is_boolean(v))
		return bad_field(err, where, key, "true or false");
	*out = json_is_true(v);
	return 0;
}

/* Refuses (obj) unless it is an object whose keys are all in (keys):
 * a key nobody reads would be silently lost. */
static int check_object(json_t *obj, const char *where, const char *const *keys,
			size_t nkeys, struct hvdb_snapshot_error *err)
{
	const char *key;
	json_t *v;
	char buf[40];

	if (!json_is_object(obj))
		return snapshot_fail(err, -EINVAL, "%s: expected an object",
				     where);
	json_object_foreach(obj, key, v)
	{
		size_t i;

		for (i = 0; i < nkeys && strcmp(key, keys[i]); i++)
			;
		if (i == nkeys)
			return snapshot_fail(err, -EINVAL,
					     "%s: unknown key \"%s\"", where,
					     shown(buf, key));
	}
	return 0;
}

#define KEYS(...)                             \
	(const char *const[]){ __VA_ARGS__ }, \
		sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *)

static int read_ram(json_t *arr, const char *where,
		    struct snapshot_partition *p,
		    struct hvdb_snapshot_error *err)
{
	/* Room for "<where>.ram[" and a 20-digit index. */
	char at[READ_WHERE_MAX + 32];
	size_t i;
	json_t *r;

	if (!json_is_array(arr))
		return bad_field(err, where, "ram", "an array");
	if (json_array_size(arr) == 0)
		return 0;
	p->ram = calloc(json_array_size(arr), sizeof(*p->ram));
	if (!p->ram)
		return snapshot_fail(err, -ENOMEM, "out of memory");
	json_array_foreach(arr, i, r)
	{
		snprintf(at, sizeof(at), "%s.ram[%zu]", where, i);
		if (check_object(r, at, KEYS("start", "size"), err) ||
		    get_u64(r, at, "start", &p->ram[i].start, err) ||
		    get_u64(r, at, "size", &p->ram[i].size, err))
			return -EINVAL;
	}
	p->desc.ram = p->ram;
	p->desc.ram_count = json_array_size(arr);
	return 0;
}

/* The root partition is made by hvdb_create(): only its VP count is free;
 * a document giving it anything else describes no reachable state. */
static int check_root(const struct hvdb_partition_desc *d, const char *where,
		      struct hvdb_snapshot_error *err)
{
	if (d->gpa_bits != HVDB_DEFAULT_GPA_BITS || d->privileges != ~0ull ||
	    d->connection_limit != HVDB_DEFAULT_CONNECTION_LIMIT ||
	    d->ram_count)
		return snapshot_fail(err, -EINVAL,
				     "%s: the root partition has gpa_bits %u, "
				     "every privilege, the default connection "
				     "limit and no RAM",
				     where, HVDB_DEFAULT_GPA_BITS);
	if (d->vp_count > HVDB_ROOT_VP_MAX)
		return snapshot_fail(err, -EINVAL,
				     "%s.vp_count: the root may have at most "
				     "%u VPs",
				     where, HVDB_ROOT_VP_MAX);
	return 0;
}

static int read_partition(json_t *o, const char *where,
			  struct snapshot_partition *p,
			  struct hvdb_snapshot_error *err)
{
	struct hvdb_partition_desc *d = &p->desc;

	if (check_object(o, where,
			 KEYS("id", "vp_count", "gpa_bits", "privileges",
			      "connection_limit", "ram"),
			 err) ||
	    get_partition_id(o, where, "id", false, &d->id, err) ||
	    get_u32(o, where, "vp_count", 1, HV_ANY_VP - 1, &d->vp_count,
		    err) ||
	    get_u32(o, where, "gpa_bits", 12, 64, &d->gpa_bits, err) ||
	    get_u64(o, where, "privileges", &d->privileges, err) ||
	    get_u32(o, where, "connection_limit", 1, UINT32_MAX,
		    &d->connection_limit, err))
		return -EINVAL;
	if (!get(o, where, "ram", err))
		return -EINVAL;
	return read_ram(json_object_get(o, "ram"), where, p, err);
}

static int read_port(json_t *o, const char *where, struct hvdb_port_desc *d,
		     struct hvdb_snapshot_error *err)
{
	struct hvdb_port_stats *s = &d->stats;

	if (check_object(o, where,
			 KEYS("id", "type", "target_sint", "target_vp",
			      "connection_partition", "triggers", "userspace",
			      "offloaded"),
			 err) ||
	    get_u32(o, where, "id", 0, UINT32_MAX, &d->id, err) ||
	    get_u32(o, where, "type", 0, UINT32_MAX, &d->port_type, err) ||
	    get_u32(o, where, "target_sint", 0, UINT32_MAX, &d->target_sint,
		    err) ||
	    get_u32(o, where, "target_vp", 0, UINT32_MAX, &d->target_vp, err) ||
	    get_partition_id(o, where, "connection_partition", true,
			     &d->connection_partition, err) ||
	    get_u64(o, where, "triggers", &s->triggers, err) ||
	    get_u64(o, where, "userspace", &s->userspace, err) ||
	    get_u64(o, where, "offloaded", &s->offloaded, err))
		return -EINVAL;
	/* triggers is derived; a mismatch means the document was altered */
	if (s->userspace + s->offloaded < s->userspace ||
	    s->triggers != s->userspace + s->offloaded)
		return snapshot_fail(
			err, -EINVAL,
			"%s: triggers is not userspace + offloaded", where);
	return 0;
}

static int read_connection(json_t *o, const char *where,
			   struct hvdb_connection_desc *d,
			   struct hvdb_snapshot_error *err)
{
	__typeof__(d->info.DoorbellConnectionInfo) *info =
		&d->info.DoorbellConnectionInfo;

	if (check_object(o, where,
			 KEYS("partition", "id", "port_id", "port_deleted",
			      "gpa", "value", "flags"),
			 err) ||
	    get_partition_id(o, where, "partition", false, &d->partition,
			     err) ||
	    get_u32(o, where, "id", 0, UINT32_MAX, &d->id, err) ||
	    get_u32(o, where, "port_id", 0, UINT32_MAX, &d->port_id, err) ||
	    get_bool(o, where, "port_deleted", &d->port_deleted, err) ||
	    get_u64(o, where, "gpa", &info->GuestPhysicalAddress, err) ||
	    get_u64(o, where, "value", &info->TriggerValue, err) ||
	    get_u64(o, where, "flags", &info->Flags, err))
		return -EINVAL;
	/* Only doorbell ports exist (SPEC §2); ConnectPort checks the rest. */
	d->info.PortType = HvPortTypeDoorbell;
	return 0;
}

/* Allocates (*items) for the array (key) of (doc) and checks it is one. */
static int read_array(json_t *doc, const char *key, size_t size, void **items,
		      size_t *count, struct hvdb_snapshot_error *err)
{
	json_t *arr = get(doc, "snapshot", key, err);

	if (!arr)
		return -EINVAL;
	if (!json_is_array(arr))
		return bad_field(err, "snapshot", key, "an array");
	*count = 0;
	if (json_array_size(arr) == 0)
		return 0;
	*items = calloc(json_array_size(arr), size);
	if (!*items)
		return snapshot_fail(err, -ENOMEM, "out of memory");
	*count = json_array_size(arr);
	return 0;
}

static int read_header(json_t *doc, struct hvdb_snapshot_error *err)
{
	json_t *format = json_object_get(doc, "format");
	json_t *version = json_object_get(doc, "version");

	if (!json_is_string(format) ||
	    strcmp(json_string_value(format), HVDB_SNAPSHOT_FORMAT))
		return snapshot_fail(err, -EPROTONOSUPPORT,
				     "not an hvdoorbell snapshot (\"format\" "
				     "is not \"%s\")",
				     HVDB_SNAPSHOT_FORMAT);
	if (!json_is_integer(version))
		return snapshot_fail(err, -EPROTONOSUPPORT,
				     "snapshot.version: expected an integer");
	if (json_integer_value(version) != HVDB_SNAPSHOT_VERSION)
		return snapshot_fail(err, -EPROTONOSUPPORT,
				     "snapshot version %" JSON_INTEGER_FORMAT
				     " is not supported (this library reads "
				     "version %d)",
				     json_integer_value(version),
				     HVDB_SNAPSHOT_VERSION);
	return check_object(doc, "snapshot",
			    KEYS("format", "version", "partitions", "ports",
				 "connections", "doorbells"),
			    err);
}

static int read_partitions(json_t *doc, struct snapshot_plan *plan,
			   struct hvdb_snapshot_error *err)
{
	json_t *arr = json_object_get(doc, "partitions");
	char where[READ_WHERE_MAX];
	bool have_root = false;
	size_t i;
	int ret;

	ret = read_array(doc, "partitions", sizeof(*plan->partitions),
			 (void **)&plan->partitions, &plan->partition_count,
			 err);
	for (i = 0; ret == 0 && i < plan->partition_count; i++) {
		struct snapshot_partition *p = &plan->partitions[i];

		snprintf(where, sizeof(where), "partitions[%zu]", i);
		ret = read_partition(json_array_get(arr, i), where, p, err);
		if (ret || p->desc.id != HVDB_ROOT_PARTITION_ID)
			continue;
		if (have_root)
			return snapshot_fail(err, -EINVAL,
					     "%s: a second root partition",
					     where);
		have_root = true;
		ret = check_root(&p->desc, where, err);
		plan->root_vp_count = p->desc.vp_count;
	}
	if (ret == 0 && !have_root)
		ret = snapshot_fail(err, -EINVAL,
				    "snapshot.partitions: the root partition "
				    "(id 0x1) is missing");
	return ret;
}

static int read_ports(json_t *doc, struct snapshot_plan *plan,
		      struct hvdb_snapshot_error *err)
{
	json_t *arr = json_object_get(doc, "ports");
	char where[READ_WHERE_MAX];
	int ret;

	ret = read_array(doc, "ports", sizeof(*plan->ports),
			 (void **)&plan->ports, &plan->port_count, err);
	for (size_t i = 0; ret == 0 && i < plan->port_count; i++) {
		snprintf(where, sizeof(where), "ports[%zu]", i);
		ret = read_port(json_array_get(arr, i), where, &plan->ports[i],
				err);
	}
	return ret;
}

static int read_connections(json_t *doc, struct snapshot_plan *plan,
			    struct hvdb_snapshot_error *err)
{
	json_t *arr = json_object_get(doc, "connections");
	char where[READ_WHERE_MAX];
	int ret;

	ret = read_array(doc, "connections", sizeof(*plan->connections),
			 (void **)&plan->connections, &plan->connection_count,
			 err);
	for (size_t i = 0; ret == 0 && i < plan->connection_count; i++) {
		snprintf(where, sizeof(where), "connections[%zu]", i);
		ret = read_connection(json_array_get(arr, i), where,
				      &plan->connections[i], err);
	}
	return ret;
}

int snapshot_read_plan(const char *json, size_t len, struct snapshot_plan *plan,
		       struct hvdb_snapshot_error *err)
{
	json_error_t jerr;
	json_t *doc;
	int ret;

	memset(plan, 0, sizeof(*plan));
	/* A key given twice would leave one of its values unread. */
	doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return snapshot_fail(err, -ENOMEM, "out of memory");
		return snapshot_fail(err, -EBADMSG,
				     "truncated or corrupted JSON at line %d "
				     "column %d: %s",
				     jerr.line, jerr.column, jerr.text);
	}
	if (!json_is_object(doc))
		ret = snapshot_fail(err, -EPROTONOSUPPORT,
				    "not an hvdoorbell snapshot (not a JSON "
				    "object)");
	else
		ret = read_header(doc, err);
	if (ret == 0)
		ret = read_partitions(doc, plan, err);
	if (ret == 0)
		ret = read_ports(doc, plan, err);
	if (ret == 0)
		ret = read_connections(doc, plan, err);
	if (ret == 0)
		ret = snapshot_dialect_read(doc, plan, err);
	json_decref(doc);
	if (ret)
		snapshot_read_plan_free(plan);
	return ret;
}

void snapshot_read_plan_free(struct snapshot_plan *plan)
{
	for (size_t i = 0; i < plan->partition_count; i++)
		free(plan->partitions[i].ram);
	free(plan->partitions);
	free(plan->ports);
	free(plan->connections);
	free(plan->doorbells);
	memset(plan, 0, sizeof(*plan));
}

/* The field readers, for the other parts of a document
 * (snapshot_dialect.c). */
int snapshot_read_u64(json_t *obj, const char *where, const char *key,
		      uint64_t *out, struct hvdb_snapshot_error *err)
{
	return get_u64(obj, where, key, out, err);
}

int snapshot_read_partition_id(json_t *obj, const char *where, const char *key,
			       uint64_t *out, struct hvdb_snapshot_error *err)
{
	return get_partition_id(obj, where, key, false, out, err);
}

int snapshot_read_u32(json_t *obj, const char *where, const char *key,
		      uint32_t min, uint32_t max, uint32_t *out,
		      struct hvdb_snapshot_error *err)
{
	return get_u32(obj, where, key, min, max, out, err);
}

int snapshot_read_object(json_t *obj, const char *where,
			 const char *const *keys, size_t nkeys,
			 struct hvdb_snapshot_error *err)
{
	return check_object(obj, where, keys, nkeys, err);
}
