/* guest_abi.h - what the built-in guest and the VMM agree on.
 *
 * Shared by guest/ (freestanding) and src/kvm/ (host): fixed-width types
 * only. The guest reports over one I/O port (ucall style, STYLE 18): it
 * fills its vCPU's mailbox and does `out GUEST_PORT_REPORT, al`; the host
 * reads the mailbox, answers in it when the call asks for a command, and
 * resumes the vCPU.
 */
#ifndef HVDB_GUEST_ABI_H
#define HVDB_GUEST_ABI_H

#include <stdint.h>

#define GUEST_BOOT_MAGIC 0x6264766867756573ull /* "sevghvdb" */

/* I/O ports: the report port, and the one the hypercall page's trampoline
 * reads to exit to the VMM (`in eax, GUEST_PORT_HCALL`). */
#define GUEST_PORT_REPORT 0xE0
#define GUEST_PORT_HCALL 0xE4

enum guest_ucall {
	GUEST_UCALL_NONE = 0,
	GUEST_UCALL_DONE = 1,	/* guest finished; args[0] = writes done */
	GUEST_UCALL_ASSERT = 2, /* file:line, args = values, text = expr */
	GUEST_UCALL_SYNC = 3,	/* checkpoint args[0] = GUEST_SYNC_* */
	GUEST_UCALL_NEXT = 4,	/* script mode: give me the next command */
};

enum guest_sync {
	GUEST_SYNC_CONNECTED = 1, /* vCPU 0 connected every doorbell */
};

enum guest_cmd {
	GUEST_CMD_EXIT = 0,  /* leave the script loop and report DONE */
	GUEST_CMD_STORE = 1, /* one store of len bytes of value at gpa */
};

enum guest_mode {
	GUEST_MODE_DEMO = 1,   /* produce into rings, ring doorbells */
	GUEST_MODE_SCRIPT = 2, /* do the stores the host asks for */
	GUEST_MODE_BENCH = 3,  /* vCPU 0 rings a table of doorbells, CPL3 */
};

#define GUEST_FLAG_CONNECTS 0x1u     /* vCPU 0 connects the doorbells itself */
#define GUEST_FLAG_HCALL_CHECKS 0x2u /* also try bad hypercalls */
/* Notification suppression: a producer rings a queue's doorbell only when
 * its consumer armed the ring (announced it is going to sleep). */
#define GUEST_FLAG_SUPPRESS 0x4u

/* One per vCPU, written by the guest before each report. */
struct guest_mailbox {
	uint64_t ucall; /* enum guest_ucall */
	uint64_t file;	/* GPA of a NUL-terminated file name, or 0 */
	uint64_t line;
	uint64_t text; /* GPA of a NUL-terminated expression, or 0 */
	uint64_t args[4];
	/* Script mode: the host's answer to GUEST_UCALL_NEXT. */
	uint64_t cmd; /* enum guest_cmd */
	uint64_t gpa;
	uint64_t len;
	uint64_t value;
};

/* One doorbell queue as the guest sees it. */
struct guest_queue {
	uint64_t doorbell; /* GPA */
	uint64_t value;	   /* TriggerValue */
	uint64_t flags;	   /* HV_DOORBELL_FLAG_* */
	uint64_t ring;	   /* GPA of its struct guest_ring */
	uint32_t port_id;
	uint32_t conn_id;
	uint64_t sent;	    /* messages the guest published (atomic) */
	uint64_t doorbells; /* doorbell writes the guest made (atomic) */
};

struct guest_slot {
	uint64_t seq; /* position + 1 once published (release) */
	uint32_t vcpu;
	uint32_t index;
	uint64_t payload;
	uint64_t queue;
};

/* A multi-producer ring: producers reserve with an atomic add on head,
 * publish by storing seq; the host consumes and advances tail.
 *
 * Suppression (GUEST_FLAG_SUPPRESS), as virtio's event index: before it
 * sleeps the consumer sets armed (an exchange: a full fence) and then
 * looks at the ring once more; a producer publishes, fences, and rings
 * only if it takes armed from 1 to 0. Either the producer sees armed or
 * the consumer's second look sees the message: no wakeup is lost, and
 * one producer rings per sleep. */
struct guest_ring {
	uint64_t head;	/* next position to reserve (guest, atomic) */
	uint64_t tail;	/* next position the host consumes (host) */
	uint64_t armed; /* 1: the consumer sleeps, ring (host sets, guest
			   clears) */
	uint64_t pad[5];
	struct guest_slot slot[]; /* slots of them */
};

/* The boot page, filled by the host before the first vCPU runs. */
struct guest_boot {
	uint64_t magic;
	uint32_t mode;	/* enum guest_mode */
	uint32_t flags; /* GUEST_FLAG_* */
	uint32_t vcpus;
	uint32_t queues;
	uint64_t writes; /* per vCPU */
	uint32_t slots;	 /* per ring, a power of two */
	uint32_t pad;
	uint64_t partition;   /* this guest's partition id */
	uint64_t queue_table; /* GPA of struct guest_queue[queues] */
	uint64_t mailbox;     /* GPA of struct guest_mailbox[vcpus] */
	uint64_t hcall_page;  /* GPA the guest enables as hypercall page */
	uint64_t hcall_input; /* GPA of a page for hypercall input */
	uint64_t go;	      /* vCPU 0 sets it when the others may start */
	uint64_t bench;	      /* GUEST_MODE_BENCH: GPA of struct guest_bench */
};

/* One doorbell store of the bench loop. */
struct guest_doorbell {
	uint64_t gpa;
	uint64_t len; /* 1, 2, 4 or 8 */
	uint64_t value;
};

/* GUEST_MODE_BENCH: vCPU 0 stores to table[0], table[1], ... table[count
 * - 1], table[0], ... at CPL3 until (limit) stores (0: no limit) or until
 * the host sets stop, then reports DONE (args[0] = stores); resumed, it
 * starts the next trial from the block as the host left it. With
 * pingpong, store i waits until the host has set go above i (one store
 * per host request: a latency probe). */
struct guest_bench {
	uint64_t table; /* GPA of struct guest_doorbell[count] */
	uint64_t count;
	uint64_t limit;
	uint64_t pingpong;
	uint64_t stop; /* host: stop at the next store */
	uint64_t go;   /* host: stores allowed so far (pingpong) */
	uint64_t done; /* guest: stores made so far */
};

/* Payload of message (index) of (vcpu) to (queue): checked by the host. */
static inline uint64_t guest_payload(uint32_t vcpu, uint32_t index,
				     uint64_t queue)
{
	uint64_t x = ((uint64_t)vcpu << 40) ^ ((uint64_t)index << 8) ^ queue;

	x ^= x >> 31;
	x *= 0x9E3779B97F4A7C15ull;
	return x ^ (x >> 29);
}

#endif /* HVDB_GUEST_ABI_H */
