/* doorbells.c - the ring and lock tests' shared setup (doorbells.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "doorbells.h"

struct hvdb *doorbells_hv(uint64_t guest)
{
	struct hvdb_partition_config pc;
	struct hvdb *hv = hvdb_create(NULL);

	assert_non_null(hv);
	hvdb_partition_config_init(&pc, guest);
	assert_int_equal(hvdb_partition_create(hv, &pc, NULL), 0);
	return hv;
}

void doorbells_add(struct hvdb *hv, uint64_t guest, HV_PORT_ID id,
		   uint32_t sint, uint64_t gpa)
{
	HV_INPUT_CREATE_PORT port = { .PortPartition = 1, .PortId = id };
	HV_INPUT_CONNECT_PORT conn = { .ConnectionPartition = guest,
				       .ConnectionId = id,
				       .PortPartition = 1,
				       .PortId = id };

	port.PortInfo.PortType = HvPortTypeDoorbell;
	port.PortInfo.DoorbellPortInfo.TargetSint = sint;
	assert_int_equal(hvdb_port_create(hv, 1, &port, NULL), 0);
	conn.ConnectionInfo.PortType = HvPortTypeDoorbell;
	conn.ConnectionInfo.DoorbellConnectionInfo.GuestPhysicalAddress = gpa;
	conn.ConnectionInfo.DoorbellConnectionInfo.Flags =
		HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY |
		HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE;
	assert_int_equal(hvdb_port_connect(hv, 1, &conn, NULL), 0);
}
