/* snapshot.c - save a hypervisor as a JSON snapshot document.
 *
 * Saving walks the state once under the handle's lock (one state, even
 * with mutators running), then lays the document out one entry per line.
 * Reading a document is snapshot_read.c; building one is
 * snapshot_restore.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "introspect.h"
#include "snapshot.h"
#include "snapshot_dialect.h"

int snapshot_fail(struct hvdb_snapshot_error *err, int code, const char *fmt,
		  ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *snapshot_errno_text(int code, char buf[64])
{
	return strerror_r(code, buf, 64);
}

void snapshot_error_clear(struct hvdb_snapshot_error *err)
{
	if (err) {
		err->code = 0;
		err->message[0] = '\0';
	}
}

/* ---- save ---- */

struct save {
	json_t *partitions, *ports, *connections;
};

/* Every 64-bit quantity is a "0x" string (see hvdb.h). */
static json_t *hex64(uint64_t v)
{
	char buf[19];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_string(buf);
}

/* Appends (o) to (arr); -ENOMEM when either failed (o is released). */
static int append(json_t *arr, json_t *o)
{
	return o && json_array_append_new(arr, o) == 0 ? 0 : -ENOMEM;
}

static int save_partition(void *opaque, const struct hvdb_partition_desc *d)
{
	struct save *s = opaque;
	json_t *ram = json_array();

	for (size_t i = 0; ram && i < d->ram_count; i++)
		if (append(ram, json_pack("{s:o, s:o}", "start",
					  hex64(d->ram[i].start), "size",
					  hex64(d->ram[i].size)))) {
			json_decref(ram);
			return -ENOMEM;
		}
	/* "o" takes ram's reference, also when json_pack fails */
	return append(s->partitions,
		      json_pack("{s:o, s:I, s:I, s:o, s:I, s:o}", "id",
				hex64(d->id), "vp_count",
				(json_int_t)d->vp_count, "gpa_bits",
				(json_int_t)d->gpa_bits, "privileges",
				hex64(d->privileges), "connection_limit",
				(json_int_t)d->connection_limit, "ram", ram));
}

static int save_port(void *opaque, const struct hvdb_port_desc *d)
{
	struct save *s = opaque;

	return append(s->ports,
		      json_pack("{s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o}",
				"id", (json_int_t)d->id, "type",
				(json_int_t)d->port_type, "target_sint",
				(json_int_t)d->target_sint, "target_vp",
				(json_int_t)d->target_vp,
				"connection_partition",
				hex64(d->connection_partition), "triggers",
				hex64(d->stats.triggers), "userspace",
				hex64(d->stats.userspace), "offloaded",
				hex64(d->stats.offloaded)));
}

static int save_connection(void *opaque, const struct hvdb_connection_desc *d)
{
	struct save *s = opaque;

	return append(
		s->connections,
		json_pack("{s:o, s:I, s:I, s:b, s:o, s:o, s:o}", "partition",
			  hex64(d->partition), "id", (json_int_t)d->id,
			  "port_id", (json_int_t)d->port_id, "port_deleted",
			  (int)d->port_deleted, "gpa",
			  hex64(d->info.DoorbellConnectionInfo
					.GuestPhysicalAddress),
			  "value",
			  hex64(d->info.DoorbellConnectionInfo.TriggerValue),
			  "flags",
			  hex64(d->info.DoorbellConnectionInfo.Flags)));
}

/* A growing output buffer; (failed) once an allocation failed. */
struct out {
	char *buf;
	size_t len, cap;
	bool failed;
};

static char *reserve(struct out *o, size_t n)
{
	size_t cap = o->cap ? o->cap : 4096;
	char *grown;

	if (o->failed)
		return NULL;
	/* room for (n) more bytes and the final NUL */
	while (cap - o->len <= n) {
		if (cap > SIZE_MAX / 2)
			goto err_grow;
		cap *= 2;
	}
	if (cap != o->cap) {
		grown = realloc(o->buf, cap);
		if (!grown)
			goto err_grow;
		o->buf = grown;
		o->cap = cap;
	}
	return o->buf + o->len;

err_grow:
	o->failed = true;
	return NULL;
}

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);
	char *at = reserve(o, n);

	if (at) {
		memcpy(at, s, n);
		o->len += n;
	}
}

static void put_json(struct out *o, json_t *v)
{
	const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
	size_t n = json_dumpb(v, NULL, 0, flags);
	char *at = n ? reserve(o, n) : NULL;

	if (!at || json_dumpb(v, at, n, flags) != n)
		o->failed = true;
	else
		o->len += n;
}

/* The document as a malloc'd string: compact JSON with one entry per
 * line, so snapshots diff well and stay small. */
static int dump(json_t *doc, char **json, size_t *len)
{
	struct out o = { 0 };
	const char *key, *sep = "{";
	json_t *v, *e;
	size_t i;

	json_object_foreach(doc, key, v)
	{
		put(&o, sep);
		put(&o, "\"");
		put(&o, key); /* our own keys: nothing to escape */
		put(&o, "\":");
		sep = ",\n";
		if (!json_is_array(v)) {
			put_json(&o, v);
			continue;
		}
		put(&o, "[");
		json_array_foreach(v, i, e)
		{
			put(&o, i ? ",\n" : "\n");
			put_json(&o, e);
		}
		put(&o, json_array_size(v) ? "\n]" : "]");
	}
	put(&o, "}\n");
	if (o.failed) {
		free(o.buf);
		return -ENOMEM;
	}
	o.buf[o.len] = '\0';
	*json = o.buf;
	if (len)
		*len = o.len;
	return 0;
}

int hvdb_snapshot_save(struct hvdb *hv, char **json, size_t *len,
		       struct hvdb_snapshot_error *err)
{
	static const struct introspect_walkers walkers = {
		.partition = save_partition,
		.port = save_port,
		.connection = save_connection,
	};
	struct save s = {
		.partitions = json_array(),
		.ports = json_array(),
		.connections = json_array(),
	};
	json_t *doc;
	int ret;

	snapshot_error_clear(err);
	*json = NULL;
	/* "o" takes the arrays' references, also when json_pack fails */
	doc = json_pack("{s:s, s:i, s:o, s:o, s:o}", "format",
			HVDB_SNAPSHOT_FORMAT, "version", HVDB_SNAPSHOT_VERSION,
			"partitions", s.partitions, "ports", s.ports,
			"connections", s.connections);
	if (!doc)
		return snapshot_fail(err, -ENOMEM, "out of memory");
	/* The dialect lock first (its order), so both are one state. */
	dialect_lock(hv);
	ret = introspect_walk_all(hv, &walkers, &s);
	if (ret == 0)
		ret = snapshot_dialect_save(hv, doc);
	dialect_unlock(hv);
	if (ret == 0)
		ret = dump(doc, json, len);
	json_decref(doc);
	if (ret)
		return snapshot_fail(err, ret, "out of memory");
	return 0;
}

int hvdb_snapshot_save_file(struct hvdb *hv, FILE *f,
			    struct hvdb_snapshot_error *err)
{
	char *json, buf[64];
	size_t len;
	int ret;

	ret = hvdb_snapshot_save(hv, &json, &len, err);
	if (ret)
		return ret;
	if (fwrite(json, 1, len, f) != len || fflush(f))
		ret = snapshot_fail(err, -EIO, "writing the snapshot: %s",
				    snapshot_errno_text(errno, buf));
	free(json);
	return ret;
}
