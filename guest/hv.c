/* hv.c - the guest side of the Hyper-V interface: detect it through
 * CPUID, enable the hypercall page, connect the doorbells with
 * HvCallConnectPort and check that bad hypercalls get the TLFS statuses. */
#include <stdint.h>

#include <hvdb/hvdef.h>

#include "lib.h"

#define HV_MSR_GUEST_OS_ID 0x40000000u
#define HV_MSR_HYPERCALL 0x40000001u
#define HV_HCALL_FAST (1ull << 16)
#define HV_HCALL_REP_COUNT(n) ((uint64_t)(n) << 32)
/* An open-source guest (bit 63), "OS type" 0xDB: a test guest. */
#define GUEST_OS_ID 0x80DB000000000001ull
/* Far from any RAM the VMM gives the demo guest. */
#define GUEST_UNBACKED_GPA 0x7F0000000000ull

static void check_cpuid(struct guest_ctx *c)
{
	uint32_t r[4];

	guest_cpuid(0x40000000, r);
	GUEST_ASSERT(c, r[0] >= 0x40000003, r[0], 0x40000003);
	/* "Microsoft Hv" */
	GUEST_ASSERT_EQ(c, r[1], 0x7263694D);
	GUEST_ASSERT_EQ(c, r[2], 0x666F736F);
	GUEST_ASSERT_EQ(c, r[3], 0x76482074);
	guest_cpuid(0x40000001, r);
	GUEST_ASSERT_EQ(c, r[0], 0x31237648); /* "Hv#1" */
	guest_cpuid(0x40000003, r);
	/* EBX holds privilege bits 32-63: ConnectPort is bit 39. */
	GUEST_ASSERT(c, r[1] & (1u << (HV_PRIVILEGE_CONNECT_PORT_BIT - 32)),
		     r[1], 0);
}

static void enable_hypercalls(struct guest_ctx *c, uint64_t page)
{
	guest_wrmsr(HV_MSR_GUEST_OS_ID, GUEST_OS_ID);
	GUEST_ASSERT_EQ(c, guest_rdmsr(HV_MSR_GUEST_OS_ID), GUEST_OS_ID);
	guest_wrmsr(HV_MSR_HYPERCALL, page | 1);
	GUEST_ASSERT_EQ(c, guest_rdmsr(HV_MSR_HYPERCALL), page | 1);
}

static void fill_connect(volatile HV_INPUT_CONNECT_PORT *in,
			 volatile struct guest_queue *q, uint64_t partition)
{
	volatile uint8_t *p = (volatile uint8_t *)in;

	for (unsigned i = 0; i < sizeof(*in); i++)
		p[i] = 0;
	in->ConnectionPartition = partition;
	in->ConnectionId = q->conn_id;
	in->PortPartition = 1; /* the root owns doorbell ports */
	in->PortId = q->port_id;
	in->ConnectionInfo.PortType = HvPortTypeDoorbell;
	in->ConnectionInfo.DoorbellConnectionInfo.GuestPhysicalAddress =
		q->doorbell;
	in->ConnectionInfo.DoorbellConnectionInfo.TriggerValue = q->value;
	in->ConnectionInfo.DoorbellConnectionInfo.Flags = q->flags;
}

/* Bad inputs get the TLFS statuses, and change nothing. */
static void check_bad_calls(struct guest_ctx *c, uint64_t page, uint64_t in)
{
	uint64_t code = HVCALL_CONNECT_PORT;

	GUEST_ASSERT_EQ(c, guest_hypercall(page, code, in + 4, 0) & 0xFFFF,
			HV_STATUS_INVALID_ALIGNMENT);
	GUEST_ASSERT_EQ(
		c, guest_hypercall(page, code | HV_HCALL_FAST, in, 0) & 0xFFFF,
		HV_STATUS_INVALID_HYPERCALL_INPUT);
	GUEST_ASSERT_EQ(
		c,
		guest_hypercall(page, code | HV_HCALL_REP_COUNT(1), in, 0) &
			0xFFFF,
		HV_STATUS_INVALID_HYPERCALL_INPUT);
	GUEST_ASSERT_EQ(
		c, guest_hypercall(page, code, GUEST_UNBACKED_GPA, 0) & 0xFFFF,
		HV_STATUS_INVALID_HYPERCALL_INPUT);
	GUEST_ASSERT_EQ(c, guest_hypercall(page, 0x7777, in, 0) & 0xFFFF,
			HV_STATUS_INVALID_HYPERCALL_CODE);
	/* A fast DisconnectPort of a connection that does not exist: the
	 * 16-byte input travels in RDX and R8. */
	GUEST_ASSERT_EQ(
		c,
		guest_hypercall(page, HVCALL_DISCONNECT_PORT | HV_HCALL_FAST,
				HV_PARTITION_ID_SELF, HV_CONNECTION_ID_MASK) &
			0xFFFF,
		HV_STATUS_INVALID_CONNECTION_ID);
}

void guest_hv_connect(struct guest_ctx *c)
{
	volatile struct guest_boot *b = c->boot;
	volatile struct guest_queue *qt = (void *)b->queue_table;
	volatile HV_INPUT_CONNECT_PORT *in = (void *)b->hcall_input;
	uint64_t page = b->hcall_page;

	check_cpuid(c);
	/* Before the page is enabled the port calls nothing (issue 14): a
	 * ConnectPort through it reads all ones, and connects nothing, as
	 * the same call succeeding below shows. */
	if (b->flags & GUEST_FLAG_HCALL_CHECKS) {
		fill_connect(in, &qt[0], b->partition);
		GUEST_ASSERT_EQ(c,
				guest_hypercall_port(HVCALL_CONNECT_PORT,
						     b->hcall_input),
				0xFFFFFFFFu);
	}
	enable_hypercalls(c, page);
	for (uint32_t i = 0; i < b->queues; i++) {
		uint64_t status;

		fill_connect(in, &qt[i], b->partition);
		status = guest_hypercall(page, HVCALL_CONNECT_PORT,
					 b->hcall_input, 0);
		GUEST_ASSERT(c, (status & 0xFFFF) == HV_STATUS_SUCCESS, status,
			     i);
	}
	if (b->flags & GUEST_FLAG_HCALL_CHECKS)
		check_bad_calls(c, page, b->hcall_input);
	c->mb->args[0] = GUEST_SYNC_CONNECTED;
	guest_report(c, GUEST_UCALL_SYNC);
	__atomic_store_n(&b->go, 1, __ATOMIC_RELEASE);
}
