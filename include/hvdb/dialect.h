/* dialect.h - libhvdb's client dialects (SPEC §7): Linux mshv's
 * MSHV_IOEVENTFD and WHP's WHvRegisterPartitionDoorbellEvent /
 * WHvUnregisterPartitionDoorbellEvent, with those systems' own argument
 * checks, duplicate rules and result codes, built on the SPEC §3 calls.
 *
 * Each successful registration is one doorbell: one root port (SINT 5,
 * HV_ANY_VP, offered to the partition) plus one connection of the same id
 * (the "doorbell id"), made by the root. Its id is the lowest in
 * 1..0xFFFFFF that is neither a live root port nor held by another live
 * registration of either dialect; ids are reused at once. Callers name a
 * registration by its match data, never by its id. Every SPEC §3/§4 rule,
 * delivery (eventfd, callback, ring), snapshots and a partition's backend
 * (the KVM offload) apply underneath.
 *
 * Eventfds: a registration keeps its own duplicate of the caller's fd
 * (F_DUPFD_CLOEXEC) as its port's eventfd, signalled once per fire until
 * the unregistration, so the caller may close its own at once. Each
 * registration holds one fd: RLIMIT_NOFILE bounds how many can live (past
 * it a register fails as out of memory). "The same eventfd" (a deassign's
 * look-up) means the same open file description, compared with kcmp(2)
 * KCMP_FILE or, where kcmp is not available, by the "eventfd-id" of
 * /proc/self/fdinfo (Linux >= 5.13); not by st_ino, which every eventfd
 * shares (one anonymous inode).
 *
 * Snapshots keep the registrations ("doorbells" in the document); a
 * restore makes one new eventfd per group of registrations that shared
 * one, and hands each to the doorbell_restored hook (<hvdb/snapshot.h>).
 *
 * Threads: the dialect calls serialise on their own lock, taken before
 * the handle's lock (never after). Raw SPEC §3 calls on other threads may
 * interleave between a dialect call's checks and its CreatePort and
 * ConnectPort; ConnectPort's own checks still hold.
 */
#ifndef HVDB_DIALECT_H
#define HVDB_DIALECT_H

#include <hvdb/hvdb.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A Windows HRESULT, as SPEC §7.2 gives them (u32). */
typedef uint32_t hvdb_hresult;
#define HVDB_S_OK 0x00000000u
#define HVDB_E_INVALIDARG 0x80070057u
#define HVDB_ERROR_NOT_FOUND 0x80070490u
/* A hypervisor status s as WHP returns it: ERROR_HV_<STATUS>. */
#define HVDB_HRESULT_FROM_HV(s) (0xC0350000u | (uint32_t)(s))
#define HVDB_HRESULT_FACILITY_HV_MASK 0xFFFF0000u

/* Largest doorbell id (the 24-bit port and connection id). */
#define HVDB_DOORBELL_ID_MAX 0x00FFFFFFu

/* ------------------------------------------------------------------ */
/* MSHV_IOEVENTFD (SPEC §7.1).                                        */
/* ------------------------------------------------------------------ */

/* The MSHV_IOEVENTFD ioctl on guest partition (partition): assign, or with
 * MSHV_IOEVENTFD_FLAG_DEASSIGN deassign, the ioeventfd (args) describes.
 * Returns 0 or -errno, with *reason (may be NULL) set to the reason of
 * SPEC §7.1, checks in this order:
 *  -EINVAL bad-flags, rsvd-nonzero; -EOPNOTSUPP pio;
 *  deassign: -EBADF bad-fd, -EINVAL not-eventfd, -ENOENT no-such-ioeventfd;
 *  assign: -EINVAL bad-len, addr-wraps; -EBADF bad-fd, -EINVAL
 *  not-eventfd; -EEXIST ioeventfd-exists (an ioeventfd of the partition
 *  with the same addr and len, either a wildcard or both matching the
 *  same datamatch); -ENOSPC no-free-id; -EINVAL unknown-partition
 *  (partition 0, 1, HV_PARTITION_ID_SELF or one that does not exist);
 *  then CreatePort and ConnectPort, a refusal becoming -EINVAL
 *  (INVALID_PARAMETER, _PARTITION_ID, _VP_INDEX, _PORT_ID,
 *  _CONNECTION_ID, _HYPERCALL_INPUT/CODE), -ENOMEM (INSUFFICIENT_MEMORY,
 *  also out-of-memory in the dialect itself) or -EIO (any other status)
 *  with SPEC §3's reason. A refused call changes nothing: a failed
 *  ConnectPort deletes the port it made and frees the id. With len 0 and
 *  DATAMATCH the doorbell is SIZE_ANY with a value (KVM_IOEVENTFD refuses
 *  that). On a successful assign *doorbell_id (may be NULL) is the new
 *  doorbell's id. Takes the dialect lock, then the handle's. */
HVDB_API int hvdb_ioeventfd(struct hvdb *hv, uint64_t partition,
			    const struct mshv_user_ioeventfd *args,
			    uint32_t *doorbell_id, enum hvdb_reason *reason);

/* "EINVAL", "EOPNOTSUPP", "EBADF", "ENOENT", "EEXIST", "ENOMEM", "EIO",
 * "ENOSPC" for -errno (result), "ok" for 0, NULL for any other. Static
 * strings; any thread. */
HVDB_API const char *hvdb_ioeventfd_result_name(int result);

/* Copies of the 32 ABI bytes to and from the struct on any host byte
 * order. hvdb_ioeventfd_decode returns 0, or -EINVAL when (len) != 32.
 * Pure. */
HVDB_API void hvdb_ioeventfd_encode(const struct mshv_user_ioeventfd *args,
				    uint8_t out[32]);
HVDB_API int hvdb_ioeventfd_decode(const uint8_t *bytes, size_t len,
				   struct mshv_user_ioeventfd *args);

/* The HV_CONNECTION_INFO an assign of (args) asks ConnectPort for
 * (GuestPhysicalAddress = addr, TriggerValue = datamatch or 0 for a
 * wildcard, size from len with 0 = ANY, ANY_VALUE for a wildcard). false
 * (and *info untouched) when (args) makes none: a deassign, or a len
 * that is not 0/1/2/4/8. Pure. */
HVDB_API bool hvdb_ioeventfd_conninfo(const struct mshv_user_ioeventfd *args,
				      HV_CONNECTION_INFO *info);

/* Every problem SPEC §7.1 finds in (args) without a process or a
 * partition, in check order and not stopping at the first: bad-flags,
 * rsvd-nonzero, pio, then for an assign bad-len, addr-wraps and the
 * problems hvdb_conninfo_problems() finds in the HV_CONNECTION_INFO it
 * becomes (value-too-wide, crosses-page). The fd is not looked at. Writes
 * up to (max) reasons to (out) and returns how many there are. Pure. */
HVDB_API size_t hvdb_ioeventfd_problems(const struct mshv_user_ioeventfd *args,
					enum hvdb_reason *out, size_t max);

/* ------------------------------------------------------------------ */
/* WHvRegisterPartitionDoorbellEvent (SPEC §7.2).                     */
/* ------------------------------------------------------------------ */

/* Registers the doorbell (match) on guest partition (partition),
 * signalling eventfd (event_fd) (WHP's event handle; duplicated, see
 * above). Returns HVDB_S_OK or, checks in this order:
 *  HVDB_E_INVALIDARG reserved-nonzero, bad-length, bad-mode,
 *    value-without-match, then bad-fd / not-eventfd for (event_fd);
 *  ERROR_HV_INVALID_PARAMETER whp-conflict (a connection of the partition
 *    at that GPA, whatever made it, deleted port or not, unless both are
 *    value-specific of one length with different values);
 *  ERROR_HV_INSUFFICIENT_MEMORY no-free-id (and out-of-memory);
 *  ERROR_HV_INVALID_PARTITION_ID unknown-partition;
 *  HVDB_HRESULT_FROM_HV(s) with SPEC §3's reason for a CreatePort or
 *    ConnectPort refusal s.
 * A refused call changes nothing. *doorbell_id (may be NULL) is the new
 * doorbell's id. Takes the dialect lock, then the handle's. */
HVDB_API hvdb_hresult hvdb_whp_register(struct hvdb *hv, uint64_t partition,
					const WHV_DOORBELL_MATCH_DATA *match,
					int event_fd, uint32_t *doorbell_id,
					enum hvdb_reason *reason);
/* Unregisters the WHP doorbell of (partition) with match data identical to
 * (match) (all 24 bytes): HVDB_S_OK, or HVDB_ERROR_NOT_FOUND
 * no-such-doorbell. When raw calls disconnected a registration's
 * connection, the same match data can register again (WHP's rule looks at
 * connections): of two such, the lowest id goes first. Disconnects and deletes
 * its connection and port (ignoring what raw calls already did); its eventfd is
 * closed once no write that started before can still signal it (an RCU grace
 * period later, without waiting here). The deassign of hvdb_ioeventfd() does
 * the same. */
HVDB_API hvdb_hresult hvdb_whp_unregister(struct hvdb *hv, uint64_t partition,
					  const WHV_DOORBELL_MATCH_DATA *match,
					  enum hvdb_reason *reason);

/* "S_OK", "E_INVALIDARG", "ERROR_NOT_FOUND", or "ERROR_HV_<STATUS>" for
 * HVDB_HRESULT_FROM_HV of every HV_STATUS_* of hvdef.h; NULL for any
 * other. Static strings; any thread. */
HVDB_API const char *hvdb_hresult_name(hvdb_hresult result);

/* As the ioeventfd calls above, for the 24 bytes of
 * WHV_DOORBELL_MATCH_DATA. hvdb_whp_conninfo is false when Length is not
 * 0/1/2/4/8. hvdb_whp_problems: reserved-nonzero, bad-length, bad-mode,
 * value-without-match, then the conninfo problems. Pure. */
HVDB_API void hvdb_whp_encode(const WHV_DOORBELL_MATCH_DATA *match,
			      uint8_t out[24]);
HVDB_API int hvdb_whp_decode(const uint8_t *bytes, size_t len,
			     WHV_DOORBELL_MATCH_DATA *match);
HVDB_API bool hvdb_whp_conninfo(const WHV_DOORBELL_MATCH_DATA *match,
				HV_CONNECTION_INFO *info);
HVDB_API size_t hvdb_whp_problems(const WHV_DOORBELL_MATCH_DATA *match,
				  enum hvdb_reason *out, size_t max);

/* ------------------------------------------------------------------ */
/* Registrations: introspection, eventfds.                            */
/* ------------------------------------------------------------------ */

enum hvdb_dialect {
	HVDB_DIALECT_IOEVENTFD = 1,
	HVDB_DIALECT_WHP = 2,
};

/* One live registration, as it was registered. */
struct hvdb_doorbell_desc {
	enum hvdb_dialect dialect;
	uint64_t partition;
	uint32_t id; /* its port id = connection id */
	union {
		/* .fd is the registration's own eventfd; no DEASSIGN */
		struct mshv_user_ioeventfd ioeventfd;
		WHV_DOORBELL_MATCH_DATA whp;
	};
	int eventfd; /* the registration's own eventfd (both dialects) */
	/* Registrations signalling one open file description share it: 0
	 * for the first such eventfd in walk order, 1 for the next... */
	uint32_t eventfd_group;
};

/* Visits every live registration of both dialects by ascending id. A
 * callback returning non-zero stops the walk and that value is returned;
 * otherwise 0, or -ENOMEM before any callback ran. The description (and
 * its eventfd: dup it to keep it) is valid only during the callback.
 * Takes the dialect lock: callbacks must not call the dialect calls. */
HVDB_API int hvdb_doorbell_foreach(struct hvdb *hv,
				   int (*fn)(void *opaque,
					     const struct hvdb_doorbell_desc *),
				   void *opaque);

/* 1 when fds (a) and (b) are the same open file description, 0 when not,
 * -EBADF when either is not open, -ENOSYS when the system can tell
 * neither by kcmp(2) nor by /proc. Any thread. */
HVDB_API int hvdb_eventfd_same(int a, int b);

#ifdef __cplusplus
}
#endif

#endif /* HVDB_DIALECT_H */
