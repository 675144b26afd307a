/* snapshot_dialect.c - the client-dialect registrations (SPEC §7) in a
 * snapshot document, so a deassign or unregister after a restore finds
 * what was registered before.
 *
 *   "doorbells": [ { "dialect": "ioeventfd" | "whp", "partition", "id",
 *                    "gpa", "value", "len", "flags", "eventfd" } ]
 *
 * "gpa" and "value" are addr and datamatch (ioeventfd) or GuestAddress
 * and Value (WHP), "len" is len or Length, "flags" the ioeventfd flags or
 * the WHP MatchFlags word as registered. Eventfds are process-local: a
 * document keeps only which registrations shared one open file
 * description ("eventfd": the same group number), and a restore makes
 * one new eventfd per group. The array is left out when empty, so a
 * hypervisor without registrations saves as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hv.h"
#include "snapshot_dialect.h"
#include "snapshot_read.h"

static json_t *hex64(uint64_t v)
{
	char buf[19];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_string(buf);
}

static const char *dialect_name(enum hvdb_dialect d)
{
	return d == HVDB_DIALECT_IOEVENTFD ? "ioeventfd" : "whp";
}

static int save_one(void *opaque, const struct hvdb_doorbell_desc *d)
{
	json_t *arr = opaque;
	bool io = d->dialect == HVDB_DIALECT_IOEVENTFD;
	json_t *o = json_pack(
		"{s:s, s:o, s:I, s:o, s:o, s:I, s:I, s:I}", "dialect",
		dialect_name(d->dialect), "partition", hex64(d->partition),
		"id", (json_int_t)d->id, "gpa",
		hex64(io ? d->ioeventfd.addr : d->whp.GuestAddress), "value",
		hex64(io ? d->ioeventfd.datamatch : d->whp.Value), "len",
		(json_int_t)(io ? d->ioeventfd.len : d->whp.Length), "flags",
		(json_int_t)(io ? d->ioeventfd.flags : d->whp.MatchFlags),
		"eventfd", (json_int_t)d->eventfd_group);

	return o && json_array_append_new(arr, o) == 0 ? 0 : -ENOMEM;
}

int snapshot_dialect_save(struct hvdb *hv, json_t *doc)
{
	json_t *arr;
	int ret;

	if (hv->dialects.count == 0)
		return 0;
	arr = json_array();
	if (!arr)
		return -ENOMEM;
	ret = dialect_walk_locked(hv, save_one, arr);
	if (ret == 0 && json_object_set_new(doc, "doorbells", arr))
		return -ENOMEM; /* set_new released arr */
	if (ret)
		json_decref(arr);
	return ret;
}

static int read_one(json_t *o, const char *where, size_t count,
		    struct snapshot_doorbell *d,
		    struct hvdb_snapshot_error *err)
{
	const char *const keys[] = {
		"dialect", "partition", "id",	 "gpa",
		"value",   "len",	"flags", "eventfd"
	};
	struct dialect_record *r = &d->rec;
	json_t *dialect = json_object_get(o, "dialect");
	uint64_t gpa, value;
	uint32_t len, flags;

	if (snapshot_read_object(o, where, keys, sizeof(keys) / sizeof(*keys),
				 err))
		return -EINVAL;
	if (json_is_string(dialect) &&
	    !strcmp(json_string_value(dialect), "ioeventfd"))
		r->dialect = HVDB_DIALECT_IOEVENTFD;
	else if (json_is_string(dialect) &&
		 !strcmp(json_string_value(dialect), "whp"))
		r->dialect = HVDB_DIALECT_WHP;
	else
		return snapshot_fail(err, -EINVAL,
				     "%s.dialect: expected \"ioeventfd\" or "
				     "\"whp\"",
				     where);
	if (snapshot_read_partition_id(o, where, "partition", &r->partition,
				       err) ||
	    snapshot_read_u32(o, where, "id", 1, HVDB_DOORBELL_ID_MAX, &r->id,
			      err) ||
	    snapshot_read_u64(o, where, "gpa", &gpa, err) ||
	    snapshot_read_u64(o, where, "value", &value, err) ||
	    snapshot_read_u32(o, where, "len", 0, UINT32_MAX, &len, err) ||
	    snapshot_read_u32(o, where, "flags", 0, UINT32_MAX, &flags, err) ||
	    snapshot_read_u32(o, where, "eventfd", 0, (uint32_t)count - 1,
			      &d->eventfd_group, err))
		return -EINVAL;
	if (r->dialect == HVDB_DIALECT_IOEVENTFD) {
		r->ioeventfd.addr = gpa;
		r->ioeventfd.datamatch = value;
		r->ioeventfd.len = len;
		r->ioeventfd.flags = flags;
		r->ioeventfd.fd = -1;
	} else {
		r->whp.GuestAddress = gpa;
		r->whp.Value = value;
		r->whp.Length = len;
		r->whp.MatchFlags = flags;
	}
	return 0;
}

int snapshot_dialect_read(json_t *doc, struct snapshot_plan *plan,
			  struct hvdb_snapshot_error *err)
{
	json_t *arr = json_object_get(doc, "doorbells");
	char where[32];
	size_t n;
	int ret = 0;

	if (!arr)
		return 0; /* none registered */
	if (!json_is_array(arr))
		return snapshot_fail(err, -EINVAL,
				     "snapshot.doorbells: expected an array");
	n = json_array_size(arr);
	if (n == 0)
		return 0;
	plan->doorbells = calloc(n, sizeof(*plan->doorbells));
	if (!plan->doorbells)
		return snapshot_fail(err, -ENOMEM, "out of memory");
	plan->doorbell_count = n;
	for (size_t i = 0; ret == 0 && i < n; i++) {
		snprintf(where, sizeof(where), "doorbells[%zu]", i);
		ret = read_one(json_array_get(arr, i), where, n,
			       &plan->doorbells[i], err);
	}
	return ret;
}

/* Whether (r) is what a successful register could have recorded: the
 * problems its dialect finds without a process, none of them. */
static bool registrable(const struct dialect_record *r)
{
	if (r->dialect == HVDB_DIALECT_IOEVENTFD)
		return !(r->ioeventfd.flags & ~MSHV_IOEVENTFD_FLAG_DATAMATCH) &&
		       hvdb_ioeventfd_problems(&r->ioeventfd, NULL, 0) == 0;
	return hvdb_whp_problems(&r->whp, NULL, 0) == 0;
}

int snapshot_dialect_build(struct hvdb *hv, const struct snapshot_plan *plan,
			   struct hvdb_snapshot_error *err)
{
	const size_t n = plan->doorbell_count;
	struct dialect_record rec;
	int *group_fd;
	int ret = 0;
	size_t i;

	if (n == 0)
		return 0;
	group_fd = malloc(n * sizeof(*group_fd));
	if (!group_fd)
		return snapshot_fail(err, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		group_fd[i] = -1;
	dialect_lock(hv);
	for (i = 0; i < n && ret == 0; i++) {
		const struct snapshot_doorbell *d = &plan->doorbells[i];
		int *g = &group_fd[d->eventfd_group];

		if (!dialect_partition_known(hv, d->rec.partition) ||
		    !registrable(&d->rec)) {
			ret = snapshot_fail(
				err, -EINVAL,
				"doorbells[%zu]: not a registration "
				"%s can make",
				i, dialect_name(d->rec.dialect));
			break;
		}
		if (*g < 0)
			*g = hvdb_fault_hit(hv, HVDB_FAULT_DOORBELL_EVENTFD)
				     ? -1
				     : eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		rec = d->rec;
		/* each registration owns its own fd, as when registered */
		rec.eventfd = *g < 0 ? -1 : fcntl(*g, F_DUPFD_CLOEXEC, 0);
		if (rec.eventfd < 0) {
			ret = snapshot_fail(err, -ENOMEM,
					    "doorbells[%zu]: out of eventfds",
					    i);
			break;
		}
		ret = dialect_restore_record(hv, &rec);
		if (ret)
			ret = snapshot_fail(
				err, ret, "doorbells[%zu] (id %" PRIu32 "): %s",
				i, d->rec.id,
				ret == -EINVAL ? "id in use" : "out of memory");
	}
	dialect_unlock(hv);
	for (i = 0; i < n; i++)
		if (group_fd[i] >= 0)
			(void)close(group_fd[i]); /* the records hold dups */
	free(group_fd);
	return ret;
}

struct hook_call {
	const struct hvdb_snapshot_restore_ops *ops;
	void *opaque;
	struct hvdb *hv;
};

static int call_hook(void *opaque, const struct hvdb_doorbell_desc *d)
{
	struct hook_call *h = opaque;

	return h->ops->doorbell_restored(h->opaque, h->hv, d);
}

int snapshot_dialect_hooks(struct hvdb *hv,
			   const struct hvdb_snapshot_restore_ops *ops,
			   void *opaque, struct hvdb_snapshot_error *err)
{
	struct hook_call h = { ops, opaque, hv };
	char buf[64];
	int ret;

	if (!ops || !ops->doorbell_restored)
		return 0;
	ret = hvdb_doorbell_foreach(hv, call_hook, &h);
	if (ret > 0)
		ret = -ECANCELED;
	if (ret)
		return snapshot_fail(err, ret,
				     "doorbells: restore hook failed: %s",
				     snapshot_errno_text(-ret, buf));
	return 0;
}
