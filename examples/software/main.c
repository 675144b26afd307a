/* main.c - libhvdb without KVM: one guest partition rings one doorbell.
 *
 * The root partition (id 1) creates port 7 for guest partition 2; the guest
 * connects connection 10 to it: a 4-byte write of the value 1 to GPA
 * 0x10000. A VMM calls hvdb_write() for each guest MMIO write; here the
 * writes are made up, and each prints what it did.
 */
#include <inttypes.h>
#include <stdio.h>

#include <hvdb/hvdb.h>

#define GUEST 2u
#define PORT 7u
#define DOORBELL_GPA 0x10000u

/* Runs on the writing thread for every fire of the port. */
static void on_fire(void *opaque, HV_PORT_ID port, HV_CONNECTION_ID conn)
{
	(void)opaque;
	printf("  callback: port %" PRIu32 " notified by connection %" PRIu32
	       "\n",
	       port, conn);
}

/* Prints "what: ok" or the status and reason of a refusal. (reason) is a
 * pointer: it is read after the call that fills it has run. */
static int report(const char *what, HV_STATUS st,
		  const enum hvdb_reason *reason)
{
	if (st == HV_STATUS_SUCCESS)
		printf("%s: ok\n", what);
	else
		printf("%s: %s %s (%s)\n", what, hvdb_status_name(st),
		       hvdb_reason_name(*reason), hvdb_reason_message(*reason));
	return st == HV_STATUS_SUCCESS ? 0 : -1;
}

/* HvCallCreatePort by the root: a doorbell port on SINT 5, any VP,
 * offered to (guest) only. */
static HV_STATUS create_port(struct hvdb *hv, HV_PORT_ID port, uint64_t guest,
			     enum hvdb_reason *reason)
{
	HV_INPUT_CREATE_PORT in = {
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = port,
		.ConnectionPartition = guest,
		.PortInfo.PortType = HvPortTypeDoorbell,
		.PortInfo.DoorbellPortInfo.TargetSint =
			HV_SYNIC_DOORBELL_SINT_INDEX,
		.PortInfo.DoorbellPortInfo.TargetVp = HV_ANY_VP,
	};

	return hvdb_port_create(hv, HVDB_ROOT_PARTITION_ID, &in, reason);
}

/* HvCallConnectPort by the guest itself (HV_PARTITION_ID_SELF). */
static HV_STATUS connect_doorbell(struct hvdb *hv, HV_CONNECTION_ID id,
				  uint64_t value, uint64_t flags,
				  enum hvdb_reason *reason)
{
	HV_INPUT_CONNECT_PORT in = {
		.ConnectionPartition = HV_PARTITION_ID_SELF,
		.ConnectionId = id,
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = PORT,
		.ConnectionInfo.PortType = HvPortTypeDoorbell,
		.ConnectionInfo.DoorbellConnectionInfo = {
			.GuestPhysicalAddress = DOORBELL_GPA,
			.TriggerValue = value,
			.Flags = flags,
		},
	};

	return hvdb_port_connect(hv, GUEST, &in, reason);
}

static void guest_write(struct hvdb *hv, hvdb_gpa_t gpa, unsigned len,
			uint64_t value)
{
	static const char *const result[] = {
		[HVDB_WRITE_MISS] = "miss (an ordinary MMIO write)",
		[HVDB_WRITE_FIRE] = "fire",
		[HVDB_WRITE_DROPPED] = "dropped (port deleted)",
	};
	int r = hvdb_write(hv, GUEST, gpa, len, value, NULL);

	printf("write %u byte(s) of 0x%" PRIx64 " at 0x%" PRIx64 ": %s\n", len,
	       value, gpa, r < 0 ? "not a valid write" : result[r]);
}

/* The whole story on (hv); 0 when every step did what it should. */
static int run(struct hvdb *hv)
{
	HV_INPUT_DISCONNECT_PORT dc = { .ConnectionPartition = GUEST,
					.ConnectionId = 10 };
	struct hvdb_partition_config pc;
	struct hvdb_port_stats stats;
	enum hvdb_reason reason;

	/* A guest partition with one VP and the ConnectPort privilege. */
	hvdb_partition_config_init(&pc, GUEST);
	pc.privileges = HV_PRIVILEGE_CONNECT_PORT;
	if (report("create partition 2",
		   hvdb_partition_create(hv, &pc, &reason), &reason))
		return -1;
	if (report("create port 7", create_port(hv, PORT, GUEST, &reason),
		   &reason))
		return -1;
	if (hvdb_port_set_callback(hv, PORT, on_fire, NULL))
		return -1;
	if (report("connect 10 (dword, value 1)",
		   connect_doorbell(hv, 10, 1,
				    HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD,
				    &reason),
		   &reason))
		return -1;
	/* Any write to the GPA would match both: ambiguous, so refused. */
	if (!report("connect 11 (any size, any value)",
		    connect_doorbell(hv, 11, 0,
				     HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE,
				     &reason),
		    &reason))
		return -1;

	guest_write(hv, DOORBELL_GPA, 4, 1); /* fires port 7 */
	guest_write(hv, DOORBELL_GPA, 4, 2); /* another value: miss */
	guest_write(hv, DOORBELL_GPA, 2, 1); /* another size: miss */
	if (hvdb_port_stats(hv, PORT, &stats))
		return -1;
	printf("port 7: %" PRIu64 " trigger(s)\n", stats.triggers);

	if (report("disconnect 10",
		   hvdb_port_disconnect(hv, GUEST, &dc, &reason), &reason))
		return -1;
	guest_write(hv, DOORBELL_GPA, 4, 1); /* gone: miss */
	return stats.triggers == 1 ? 0 : -1;
}

int main(void)
{
	struct hvdb *hv = hvdb_create(NULL);
	int rc;

	if (!hv) {
		fprintf(stderr, "hvdb_create: out of memory\n");
		return 1;
	}
	rc = run(hv);
	hvdb_destroy(hv);
	return rc ? 1 : 0;
}
