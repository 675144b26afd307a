/* dialect.h - what the two client dialects (SPEC §7) share: their
 * records, the doorbell id policy, eventfds, and the SPEC §3 calls that
 * make and unmake a doorbell. ioeventfd.c and whp.c hold each dialect's
 * own checks and result codes. */
#ifndef HVDB_DIALECT_PRIV_H
#define HVDB_DIALECT_PRIV_H

#include <pthread.h>

#include <hvdb/dialect.h>

struct hvdb;

/* One live registration: its identity is the match data as registered
 * (STYLE 10), its doorbell is port (id) + connection (id) of (partition). */
struct dialect_record {
	enum hvdb_dialect dialect;
	uint64_t partition;
	uint32_t id;
	union {
		struct mshv_user_ioeventfd ioeventfd; /* .fd unused */
		WHV_DOORBELL_MATCH_DATA whp;
	};
	int eventfd; /* our own duplicate, signalled by the port */
	struct dialect_record *next_at; /* the rest of its (partition, gpa)
					   bucket */
};

/* Embedded in struct hvdb. Every field is under (lock). */
struct dialect_state {
	pthread_mutex_t lock;	       /* taken before hv->lock, never after */
	struct dialect_record **by_id; /* [id]: the record holding id */
	uint32_t cap;		       /* entries of by_id */
	uint32_t hint;		       /* no id below it is free of records */
	uint32_t count;		       /* live records */
	/* The records by (partition, gpa): every look-up of SPEC §7 names
	 * both, so it walks one short chain, not every record. */
	struct dialect_record **buckets;
	uint32_t bucket_count; /* a power of two; 0 before the first */
	uint32_t id_max;       /* HVDB_DOORBELL_ID_MAX, or a test cap */
};

int dialect_init(struct hvdb *hv);
/* Closes every record's eventfd and frees them; only from hvdb_destroy,
 * after the connections and ports are gone. */
void dialect_fini(struct hvdb *hv);

void dialect_lock(struct hvdb *hv);
void dialect_unlock(struct hvdb *hv);

/* dialect_eventfd.c: the fd checks of SPEC §7.1 step 3: NONE, BAD_FD (not
 * open) or NOT_EVENTFD. */
enum hvdb_reason dialect_eventfd_check(int fd);
/* <0, 0, >0: an order of open file descriptions (0: the same one); sets
 * *err to -errno when the system cannot compare them. */
int dialect_eventfd_cmp(int a, int b, int *err);
/* Closes (fd) once no write that may signal it (through a port just
 * deleted) can be running: after an RCU grace period, without waiting
 * for one here unless out of memory. */
void dialect_eventfd_close_later(int fd);

/* What a register asks for, checks passed: (rec) is the identity (its
 * id and eventfd are filled in by dialect_register). */
struct dialect_request {
	struct dialect_record rec;
	HV_CONNECTION_INFO info; /* what ConnectPort gets */
	int fd;			 /* the caller's eventfd */
};

/* SPEC §7.1 step 6 / §7.2 step 6: allocate the lowest free id (none:
 * INSUFFICIENT_MEMORY no-free-id), check the partition (unknown:
 * INVALID_PARTITION_ID unknown-partition), duplicate the eventfd, then
 * CreatePort and ConnectPort as the root. Returns their HV_STATUS and
 * reason; on success the record is live and *id is its id. On failure
 * nothing is left: no port, id, record or fd. Under the dialect lock. */
HV_STATUS dialect_register(struct hvdb *hv, const struct dialect_request *req,
			   uint32_t *id, enum hvdb_reason *reason);

/* Unregisters (rec): DisconnectPort (IsDoorbell) and DeletePort, results
 * ignored (SPEC §7 common rules), closes its eventfd after running writes
 * (RCU, not waiting), frees its id and the record. Under the dialect lock. */
void dialect_unregister(struct hvdb *hv, struct dialect_record *rec);

/* The live record of (dialect) at (partition, gpa) that (pred) accepts
 * with the lowest id, or NULL. A deassign matches at most one; WHP
 * unregister can match two after raw calls disconnected the first one's
 * connection. Under the dialect lock. */
struct dialect_record *
dialect_find(struct hvdb *hv, enum hvdb_dialect dialect, uint64_t partition,
	     hvdb_gpa_t gpa,
	     bool (*pred)(const struct dialect_record *rec, const void *arg),
	     const void *arg);

/* SPEC §7 common rules: (partition) is a guest partition that exists
 * (not 0, 1 or HV_PARTITION_ID_SELF). */
bool dialect_partition_known(struct hvdb *hv, uint64_t partition);

/* The HV_CONNECTION_INFO of a doorbell at (gpa) of (width) bytes (0 =
 * ANY), matching (value) or, when (any_value), every value. */
void dialect_conninfo(HV_CONNECTION_INFO *info, hvdb_gpa_t gpa, uint32_t width,
		      bool any_value, uint64_t value);

/* Whether (width) is 1, 2, 4 or 8, (allow_zero) also 0. */
bool dialect_width_ok(uint64_t width, bool allow_zero);

/* Snapshot restore: makes (rec) live with its own id and eventfd (taken
 * over: closed on failure too) and sets the eventfd on the live port of
 * that id, if any. 0, -EINVAL (id out of range or held), -ENOMEM. */
int dialect_restore_record(struct hvdb *hv, const struct dialect_record *rec);

/* dialect_walk.c: hvdb_doorbell_foreach, under the dialect lock the
 * caller holds. */
int dialect_walk_locked(struct hvdb *hv,
			int (*fn)(void *opaque,
				  const struct hvdb_doorbell_desc *),
			void *opaque);

#endif
