/* ioeventfd.c - the MSHV_IOEVENTFD dialect (SPEC §7.1): Linux mshv's
 * argument checks, its own -EEXIST rule and its errno results. */
#include <errno.h>
#include <string.h>

#include "conninfo.h"
#include "dialect.h"
#include "hv.h"
#include "reason.h"

/* clang-format off */
#define IOEVENTFD_ERRNOS(X) \
	X(EINVAL) X(EOPNOTSUPP) X(EBADF) X(ENOENT) X(EEXIST) X(ENOMEM) \
	X(EIO) X(ENOSPC)
/* clang-format on */

const char *hvdb_ioeventfd_result_name(int result)
{
#define IOEVENTFD_ERRNO_NAME_(e) \
	case -e:                 \
		return #e;
	switch (result) {
	case 0:
		return "ok";
		IOEVENTFD_ERRNOS(IOEVENTFD_ERRNO_NAME_)
	}
#undef IOEVENTFD_ERRNO_NAME_
	return NULL;
}

static bool wildcard(const struct mshv_user_ioeventfd *a)
{
	return !(a->flags & MSHV_IOEVENTFD_FLAG_DATAMATCH);
}

static bool rsvd_nonzero(const struct mshv_user_ioeventfd *a)
{
	return a->rsvd[0] | a->rsvd[1] | a->rsvd[2] | a->rsvd[3];
}

static bool addr_wraps(const struct mshv_user_ioeventfd *a)
{
	hvdb_gpa_t end;

	return __builtin_add_overflow(a->addr, (uint64_t)a->len, &end);
}

bool hvdb_ioeventfd_conninfo(const struct mshv_user_ioeventfd *args,
			     HV_CONNECTION_INFO *info)
{
	if ((args->flags & MSHV_IOEVENTFD_FLAG_DEASSIGN) ||
	    !dialect_width_ok(args->len, true))
		return false;
	dialect_conninfo(info, args->addr, args->len, wildcard(args),
			 args->datamatch);
	return true;
}

/* Appends (r) to the problem list; returns the new count. */
static size_t add(enum hvdb_reason *out, size_t max, size_t n,
		  enum hvdb_reason r)
{
	if (n < max)
		out[n] = r;
	return n + 1;
}

size_t hvdb_ioeventfd_problems(const struct mshv_user_ioeventfd *args,
			       enum hvdb_reason *out, size_t max)
{
	HV_CONNECTION_INFO info;
	size_t n = 0;

	if (args->flags & ~MSHV_IOEVENTFD_VALID_FLAG_MASK)
		n = add(out, max, n, HVDB_REASON_BAD_FLAGS);
	if (rsvd_nonzero(args))
		n = add(out, max, n, HVDB_REASON_RSVD_NONZERO);
	if (args->flags & MSHV_IOEVENTFD_FLAG_PIO)
		n = add(out, max, n, HVDB_REASON_PIO);
	if (args->flags & MSHV_IOEVENTFD_FLAG_DEASSIGN)
		return n;
	if (!dialect_width_ok(args->len, true))
		n = add(out, max, n, HVDB_REASON_BAD_LEN);
	if (addr_wraps(args))
		n = add(out, max, n, HVDB_REASON_ADDR_WRAPS);
	if (hvdb_ioeventfd_conninfo(args, &info))
		n += hvdb_conninfo_problems(&info, n < max ? out + n : NULL,
					    n < max ? max - n : 0);
	return n;
}

/* Little-endian bytes = the struct: conninfo.c asserts the host order. */
void hvdb_ioeventfd_encode(const struct mshv_user_ioeventfd *args,
			   uint8_t out[32])
{
	memcpy(out, args, sizeof(*args));
}

int hvdb_ioeventfd_decode(const uint8_t *bytes, size_t len,
			  struct mshv_user_ioeventfd *args)
{
	if (len != sizeof(*args))
		return -EINVAL;
	memcpy(args, bytes, sizeof(*args));
	return 0;
}

/* The errno of a SPEC §3 refusal (§7.1 step 6). */
static int errno_of(HV_STATUS status, enum hvdb_reason reason)
{
	switch (status) {
	case HV_STATUS_SUCCESS:
		return 0;
	case HV_STATUS_INVALID_PARAMETER:
	case HV_STATUS_INVALID_PARTITION_ID:
	case HV_STATUS_INVALID_VP_INDEX:
	case HV_STATUS_INVALID_PORT_ID:
	case HV_STATUS_INVALID_CONNECTION_ID:
	case HV_STATUS_INVALID_HYPERCALL_INPUT:
	case HV_STATUS_INVALID_HYPERCALL_CODE:
		return -EINVAL;
	case HV_STATUS_INSUFFICIENT_MEMORY:
		/* The driver's own id allocator (an IDR) says -ENOSPC. */
		return reason == HVDB_REASON_NO_FREE_ID ? -ENOSPC : -ENOMEM;
	}
	return -EIO;
}

static int refuse(enum hvdb_reason *reason, int err, enum hvdb_reason why)
{
	*reason = why;
	return err;
}

/* The deassign look-up of §7.1 step 3: every identity field. */
static bool same_ioeventfd(const struct dialect_record *rec, const void *arg)
{
	const struct mshv_user_ioeventfd *a = arg, *r = &rec->ioeventfd;
	int err;

	if (r->addr != a->addr || r->len != a->len ||
	    wildcard(r) != wildcard(a) ||
	    (!wildcard(a) && r->datamatch != a->datamatch))
		return false;
	return dialect_eventfd_cmp(rec->eventfd, a->fd, &err) == 0 && !err;
}

/* The driver's own duplicate rule of §7.1 step 5. */
static bool exists(const struct dialect_record *rec, const void *arg)
{
	const struct mshv_user_ioeventfd *a = arg, *r = &rec->ioeventfd;

	return r->addr == a->addr && r->len == a->len &&
	       (wildcard(r) || wildcard(a) || r->datamatch == a->datamatch);
}

/* SPEC §7.1, steps 1-6 in order. Under the dialect lock. */
static int ioeventfd_locked(struct hvdb *hv, uint64_t partition,
			    const struct mshv_user_ioeventfd *a,
			    uint32_t *doorbell_id, enum hvdb_reason *reason)
{
	struct dialect_request req = { .fd = a->fd };
	struct dialect_record *rec;
	enum hvdb_reason bad;
	HV_STATUS status;

	/* §7.1 1: known flag bits, zero rsvd */
	if (a->flags & ~MSHV_IOEVENTFD_VALID_FLAG_MASK)
		return refuse(reason, -EINVAL, HVDB_REASON_BAD_FLAGS);
	if (rsvd_nonzero(a))
		return refuse(reason, -EINVAL, HVDB_REASON_RSVD_NONZERO);
	/* §7.1 2: Hyper-V doorbells are memory writes */
	if (a->flags & MSHV_IOEVENTFD_FLAG_PIO)
		return refuse(reason, -EOPNOTSUPP, HVDB_REASON_PIO);
	/* §7.1 3: deassign finds its record by every identity field */
	if (a->flags & MSHV_IOEVENTFD_FLAG_DEASSIGN) {
		bad = dialect_eventfd_check(a->fd);
		if (bad != HVDB_REASON_NONE)
			return refuse(reason,
				      bad == HVDB_REASON_BAD_FD ? -EBADF
								: -EINVAL,
				      bad);
		rec = dialect_find(hv, HVDB_DIALECT_IOEVENTFD, partition,
				   a->addr, same_ioeventfd, a);
		if (!rec)
			return refuse(reason, -ENOENT,
				      HVDB_REASON_NO_SUCH_IOEVENTFD);
		dialect_unregister(hv, rec);
		return refuse(reason, 0, HVDB_REASON_NONE);
	}
	/* §7.1 4: len, no wrap, an eventfd */
	if (!dialect_width_ok(a->len, true))
		return refuse(reason, -EINVAL, HVDB_REASON_BAD_LEN);
	if (addr_wraps(a))
		return refuse(reason, -EINVAL, HVDB_REASON_ADDR_WRAPS);
	bad = dialect_eventfd_check(a->fd);
	if (bad != HVDB_REASON_NONE)
		return refuse(reason,
			      bad == HVDB_REASON_BAD_FD ? -EBADF : -EINVAL,
			      bad);
	/* §7.1 5: the driver's own duplicate rule, before the hypervisor's */
	if (dialect_find(hv, HVDB_DIALECT_IOEVENTFD, partition, a->addr, exists,
			 a))
		return refuse(reason, -EEXIST, HVDB_REASON_IOEVENTFD_EXISTS);
	/* §7.1 6: id, CreatePort, ConnectPort */
	req.rec.dialect = HVDB_DIALECT_IOEVENTFD;
	req.rec.partition = partition;
	req.rec.ioeventfd = *a;
	req.rec.ioeventfd.fd = -1; /* the record's eventfd is its own */
	hvdb_ioeventfd_conninfo(a, &req.info);
	status = dialect_register(hv, &req, doorbell_id, reason);
	return errno_of(status, *reason);
}

int hvdb_ioeventfd(struct hvdb *hv, uint64_t partition,
		   const struct mshv_user_ioeventfd *args,
		   uint32_t *doorbell_id, enum hvdb_reason *reason)
{
	enum hvdb_reason unused;
	uint32_t id_unused;
	int ret;

	if (!reason)
		reason = &unused;
	if (!doorbell_id)
		doorbell_id = &id_unused;
	dialect_lock(hv);
	ret = ioeventfd_locked(hv, partition, args, doorbell_id, reason);
	dialect_unlock(hv);
	return ret;
}
