/* hvdef.h - the Hyper-V ABI of doorbell ports and connections (SPEC §1).
 *
 * Self-contained: includes only <stdint.h>, builds as C11 and as C++.
 * Every structure is little-endian, packed by construction (naturally
 * aligned fields, no implicit padding) and pinned below by static asserts
 * on its size and every field offset. Names keep the Hyper-V TLFS spelling.
 */
#ifndef HVDB_HVDEF_H
#define HVDB_HVDEF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define HVDB_STATIC_ASSERT(e, m) static_assert(e, m)
#else
#define HVDB_STATIC_ASSERT(e, m) _Static_assert(e, m)
#endif

typedef uint16_t HV_STATUS;
typedef uint64_t HV_PARTITION_ID;
typedef uint64_t HV_GPA;
typedef uint32_t HV_PORT_ID;
typedef uint32_t HV_CONNECTION_ID;
typedef uint32_t HV_VP_INDEX;
typedef uint8_t HV_VTL;

/* Port types. Only HvPortTypeDoorbell is implemented; the rest are refused. */
typedef enum {
	HvPortTypeMessage = 1,
	HvPortTypeEvent = 2,
	HvPortTypeMonitor = 3,
	HvPortTypeDoorbell = 4,
	HvPortTypeMax
} HV_PORT_TYPE;

/* HV_CONNECTION_INFO.DoorbellConnectionInfo.Flags */
#define HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK 0x00000007u
#define HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY 0x00000000u
#define HV_DOORBELL_FLAG_TRIGGER_SIZE_BYTE 0x00000001u
#define HV_DOORBELL_FLAG_TRIGGER_SIZE_WORD 0x00000002u
#define HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD 0x00000003u
#define HV_DOORBELL_FLAG_TRIGGER_SIZE_QWORD 0x00000004u
#define HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE 0x80000000u
/* Every flag bit that has a meaning; the rest are reserved. */
#define HV_DOORBELL_FLAG_VALID_MASK           \
	(HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK | \
	 HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE)

/* Hypercall codes */
#define HVCALL_DELETE_PORT 0x0058u
#define HVCALL_DISCONNECT_PORT 0x005Bu
#define HVCALL_CREATE_PORT 0x0095u
#define HVCALL_CONNECT_PORT 0x0096u

/* Hypercall statuses */
#define HV_STATUS_SUCCESS 0x0000u
#define HV_STATUS_INVALID_HYPERCALL_CODE 0x0002u
#define HV_STATUS_INVALID_HYPERCALL_INPUT 0x0003u
#define HV_STATUS_INVALID_ALIGNMENT 0x0004u
#define HV_STATUS_INVALID_PARAMETER 0x0005u
#define HV_STATUS_ACCESS_DENIED 0x0006u
#define HV_STATUS_INVALID_PARTITION_STATE 0x0007u
#define HV_STATUS_OPERATION_DENIED 0x0008u
#define HV_STATUS_INSUFFICIENT_MEMORY 0x000Bu
#define HV_STATUS_INVALID_PARTITION_ID 0x000Du
#define HV_STATUS_INVALID_VP_INDEX 0x000Eu
#define HV_STATUS_INVALID_PORT_ID 0x0011u
#define HV_STATUS_INVALID_CONNECTION_ID 0x0012u
#define HV_STATUS_OBJECT_IN_USE 0x0019u

/* Partition privilege mask bits (HV_PARTITION_PRIVILEGE_MASK) */
#define HV_PRIVILEGE_CREATE_PORT_BIT 38
#define HV_PRIVILEGE_CONNECT_PORT_BIT 39
#define HV_PRIVILEGE_CREATE_PORT (1ull << HV_PRIVILEGE_CREATE_PORT_BIT)
#define HV_PRIVILEGE_CONNECT_PORT (1ull << HV_PRIVILEGE_CONNECT_PORT_BIT)

#define HV_PARTITION_ID_SELF 0xFFFFFFFFFFFFFFFFull
#define HV_ANY_VP 0xFFFFFFFFu
#define HV_SYNIC_DOORBELL_SINT_INDEX 5
#define HV_SYNIC_SINT_COUNT 16

/* Port and connection ids: a 24-bit id, the top 8 bits reserved. */
#define HV_PORT_ID_MASK 0x00FFFFFFu
#define HV_CONNECTION_ID_MASK 0x00FFFFFFu

typedef struct {
	uint32_t PortType; /* HV_PORT_TYPE, stored as 32 bits */
	uint32_t Padding;
	union {
		struct {
			HV_GPA GuestPhysicalAddress;
			uint64_t TriggerValue;
			uint64_t Flags;
		} DoorbellConnectionInfo;
	};
} HV_CONNECTION_INFO;

typedef struct {
	uint32_t PortType; /* HV_PORT_TYPE */
	uint32_t ReservedZ;
	union {
		struct {
			uint32_t TargetSint;
			HV_VP_INDEX TargetVp;
			uint64_t ReservedZ;
		} DoorbellPortInfo;
	};
} HV_PORT_INFO;

typedef struct {
	HV_PARTITION_ID PortPartition; /* IN */
	HV_PORT_ID PortId;	       /* IN */
	HV_VTL PortVtl;		       /* IN, must be 0 */
	HV_VTL MinConnectionVtl;       /* IN, must be 0 */
	uint16_t Padding;
	HV_PARTITION_ID ConnectionPartition; /* IN, 0 = any partition */
	HV_PORT_INFO PortInfo;		     /* IN */
	uint64_t ProximityDomainInfo;	     /* IN, accepted and ignored */
} HV_INPUT_CREATE_PORT;

typedef struct {
	HV_PARTITION_ID ConnectionPartition; /* IN */
	HV_CONNECTION_ID ConnectionId;	     /* IN */
	HV_VTL ConnectionVtl;		     /* IN, must be 0 */
	uint8_t Rsvd0;
	uint16_t Rsvd1;
	HV_PARTITION_ID PortPartition; /* IN */
	HV_PORT_ID PortId;	       /* IN */
	uint32_t Reserved;
	HV_CONNECTION_INFO ConnectionInfo; /* IN */
	uint64_t ProximityDomainInfo;	   /* IN, accepted and ignored */
} HV_INPUT_CONNECT_PORT;

/* HV_INPUT_DISCONNECT_PORT.Flags bit 0: Linux mshv sets it; 0 or 1 is fine. */
#define HV_DISCONNECT_PORT_FLAG_IS_DOORBELL 0x1u

typedef struct {
	HV_PARTITION_ID ConnectionPartition; /* IN */
	HV_CONNECTION_ID ConnectionId;	     /* IN */
	uint32_t Flags; /* IN, bit 0 IsDoorbell, bits 1-31 reserved */
} HV_INPUT_DISCONNECT_PORT;

typedef struct {
	HV_PARTITION_ID PortPartition; /* IN */
	HV_PORT_ID PortId;	       /* IN */
	uint32_t Reserved;
} HV_INPUT_DELETE_PORT;

/* Linux mshv (include/uapi/linux/mshv.h): the MSHV_IOEVENTFD argument.
 * SPEC §7.1. flags bits: */
#define MSHV_IOEVENTFD_BIT_DATAMATCH 0
#define MSHV_IOEVENTFD_BIT_PIO 1
#define MSHV_IOEVENTFD_BIT_DEASSIGN 2
#define MSHV_IOEVENTFD_FLAG_DATAMATCH (1u << MSHV_IOEVENTFD_BIT_DATAMATCH)
#define MSHV_IOEVENTFD_FLAG_PIO (1u << MSHV_IOEVENTFD_BIT_PIO)
#define MSHV_IOEVENTFD_FLAG_DEASSIGN (1u << MSHV_IOEVENTFD_BIT_DEASSIGN)
#define MSHV_IOEVENTFD_VALID_FLAG_MASK 0x7u

struct mshv_user_ioeventfd {
	uint64_t datamatch; /* IN, the value when DATAMATCH */
	uint64_t addr;	    /* IN, guest physical address */
	uint32_t len;	    /* IN, 0 (any length), 1, 2, 4 or 8 */
	int32_t fd;	    /* IN, an eventfd */
	uint32_t flags;	    /* IN, MSHV_IOEVENTFD_FLAG_* */
	uint8_t rsvd[4];    /* IN, must be 0 */
};

/* WHP (WinHvPlatformDefs.h): the match data of
 * WHvRegisterPartitionDoorbellEvent. SPEC §7.2. Windows declares the last
 * word as bit-fields (MatchOnValue : 1, MatchOnLength : 1, Reserved : 30);
 * here it is one u32 with these bits, whose layout C fixes. */
#define WHV_DOORBELL_MATCH_ON_VALUE 0x1u
#define WHV_DOORBELL_MATCH_ON_LENGTH 0x2u
#define WHV_DOORBELL_MATCH_RESERVED_MASK 0xFFFFFFFCu
#define WHV_DOORBELL_MATCH_RESERVED_SHIFT 2

typedef struct {
	uint64_t GuestAddress; /* IN */
	uint64_t Value;	       /* IN, 0 unless MatchOnValue */
	uint32_t Length;       /* IN, 1/2/4/8 with MatchOnLength, else 0 */
	uint32_t MatchFlags;   /* IN, WHV_DOORBELL_MATCH_* */
} WHV_DOORBELL_MATCH_DATA;

#define HVDB_OFFSET_IS(t, f, o)                                             \
	HVDB_STATIC_ASSERT(__builtin_offsetof(t, f) == (o), #t "." #f " at" \
							       " " #o)
#define HVDB_SIZE_IS(t, s) HVDB_STATIC_ASSERT(sizeof(t) == (s), #t " is " #s)

HVDB_SIZE_IS(HV_CONNECTION_INFO, 32);
HVDB_OFFSET_IS(HV_CONNECTION_INFO, PortType, 0);
HVDB_OFFSET_IS(HV_CONNECTION_INFO, Padding, 4);
HVDB_OFFSET_IS(HV_CONNECTION_INFO, DoorbellConnectionInfo.GuestPhysicalAddress,
	       8);
HVDB_OFFSET_IS(HV_CONNECTION_INFO, DoorbellConnectionInfo.TriggerValue, 16);
HVDB_OFFSET_IS(HV_CONNECTION_INFO, DoorbellConnectionInfo.Flags, 24);

HVDB_SIZE_IS(HV_PORT_INFO, 24);
HVDB_OFFSET_IS(HV_PORT_INFO, PortType, 0);
HVDB_OFFSET_IS(HV_PORT_INFO, ReservedZ, 4);
HVDB_OFFSET_IS(HV_PORT_INFO, DoorbellPortInfo.TargetSint, 8);
HVDB_OFFSET_IS(HV_PORT_INFO, DoorbellPortInfo.TargetVp, 12);
HVDB_OFFSET_IS(HV_PORT_INFO, DoorbellPortInfo.ReservedZ, 16);

HVDB_SIZE_IS(HV_INPUT_CREATE_PORT, 56);
HVDB_OFFSET_IS(HV_INPUT_CREATE_PORT, PortPartition, 0);
HVDB_OFFSET_IS(HV_INPUT_CREATE_PORT, PortId, 8);
HVDB_OFFSET_IS(HV_INPUT_CREATE_PORT, PortVtl, 12);
HVDB_OFFSET_IS(HV_INPUT_CREATE_PORT, MinConnectionVtl, 13);
HVDB_OFFSET_IS(HV_INPUT_CREATE_PORT, Padding, 14);
HVDB_OFFSET_IS(HV_INPUT_CREATE_PORT, ConnectionPartition, 16);
HVDB_OFFSET_IS(HV_INPUT_CREATE_PORT, PortInfo, 24);
HVDB_OFFSET_IS(HV_INPUT_CREATE_PORT, ProximityDomainInfo, 48);

HVDB_SIZE_IS(HV_INPUT_CONNECT_PORT, 72);
HVDB_OFFSET_IS(HV_INPUT_CONNECT_PORT, ConnectionPartition, 0);
HVDB_OFFSET_IS(HV_INPUT_CONNECT_PORT, ConnectionId, 8);
HVDB_OFFSET_IS(HV_INPUT_CONNECT_PORT, ConnectionVtl, 12);
HVDB_OFFSET_IS(HV_INPUT_CONNECT_PORT, Rsvd0, 13);
HVDB_OFFSET_IS(HV_INPUT_CONNECT_PORT, Rsvd1, 14);
HVDB_OFFSET_IS(HV_INPUT_CONNECT_PORT, PortPartition, 16);
HVDB_OFFSET_IS(HV_INPUT_CONNECT_PORT, PortId, 24);
HVDB_OFFSET_IS(HV_INPUT_CONNECT_PORT, Reserved, 28);
HVDB_OFFSET_IS(HV_INPUT_CONNECT_PORT, ConnectionInfo, 32);
HVDB_OFFSET_IS(HV_INPUT_CONNECT_PORT, ProximityDomainInfo, 64);

HVDB_SIZE_IS(HV_INPUT_DISCONNECT_PORT, 16);
HVDB_OFFSET_IS(HV_INPUT_DISCONNECT_PORT, ConnectionPartition, 0);
HVDB_OFFSET_IS(HV_INPUT_DISCONNECT_PORT, ConnectionId, 8);
HVDB_OFFSET_IS(HV_INPUT_DISCONNECT_PORT, Flags, 12);

HVDB_SIZE_IS(HV_INPUT_DELETE_PORT, 16);
HVDB_OFFSET_IS(HV_INPUT_DELETE_PORT, PortPartition, 0);
HVDB_OFFSET_IS(HV_INPUT_DELETE_PORT, PortId, 8);
HVDB_OFFSET_IS(HV_INPUT_DELETE_PORT, Reserved, 12);

HVDB_SIZE_IS(struct mshv_user_ioeventfd, 32);
HVDB_OFFSET_IS(struct mshv_user_ioeventfd, datamatch, 0);
HVDB_OFFSET_IS(struct mshv_user_ioeventfd, addr, 8);
HVDB_OFFSET_IS(struct mshv_user_ioeventfd, len, 16);
HVDB_OFFSET_IS(struct mshv_user_ioeventfd, fd, 20);
HVDB_OFFSET_IS(struct mshv_user_ioeventfd, flags, 24);
HVDB_OFFSET_IS(struct mshv_user_ioeventfd, rsvd, 28);

HVDB_SIZE_IS(WHV_DOORBELL_MATCH_DATA, 24);
HVDB_OFFSET_IS(WHV_DOORBELL_MATCH_DATA, GuestAddress, 0);
HVDB_OFFSET_IS(WHV_DOORBELL_MATCH_DATA, Value, 8);
HVDB_OFFSET_IS(WHV_DOORBELL_MATCH_DATA, Length, 16);
HVDB_OFFSET_IS(WHV_DOORBELL_MATCH_DATA, MatchFlags, 20);

#ifdef __cplusplus
}
#endif

#endif /* HVDB_HVDEF_H */
