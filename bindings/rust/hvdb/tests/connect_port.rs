//! SPEC §3 ConnectPort: the rows of tests/unit/test_connect_port.c (checks
//! 2-14, boundaries and order) through the safe API.
#[macro_use]
mod common;
use common::*;
use hvdb::sys::HV_STATUS_SUCCESS as OK;
use hvdb::sys::{self, HV_STATUS_ACCESS_DENIED as DENIED, HV_STATUS_INVALID_PARAMETER as PARAM};
use hvdb::sys::{HV_STATUS_INSUFFICIENT_MEMORY as MEMORY, HV_STATUS_INVALID_CONNECTION_ID as CONN_ID};
use hvdb::sys::{HV_STATUS_INVALID_PARTITION_ID as PARTITION, HV_STATUS_INVALID_PORT_ID as PORT_ID};
use hvdb::{ConnectPort, PartitionConfig};

const BYTE: u64 = sys::HV_DOORBELL_FLAG_TRIGGER_SIZE_BYTE;
const WORD: u64 = sys::HV_DOORBELL_FLAG_TRIGGER_SIZE_WORD;
const DWORD: u64 = sys::HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD;
const QWORD: u64 = sys::HV_DOORBELL_FLAG_TRIGGER_SIZE_QWORD;
const ANY: u64 = sys::HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY;
const TOP_48: u64 = 1 << 48;

struct Call {
    caller: u64,
    input: ConnectPort,
}

fn base(w: &mut World) -> Call {
    w.port(World::create_port_input(PORT));
    Call {
        caller: ROOT,
        input: World::connect_input(CONN, PORT, GPA),
    }
}

fn call(w: &mut World, c: &Call) -> Result<(), hvdb::Status> {
    let conn = w.hv.connect_as(c.caller, &c.input)?;
    w.conns.push(conn);
    Ok(())
}

/// Sets the call's trigger.
fn trigger(c: &mut Call, gpa: u64, flags: u64, value: u64) {
    let db = &mut c.input.raw_mut().ConnectionInfo.DoorbellConnectionInfo;
    db.GuestPhysicalAddress = gpa;
    db.Flags = flags;
    db.TriggerValue = value;
}

fn flags(c: &mut Call, flags: u64) {
    c.input.raw_mut().ConnectionInfo.DoorbellConnectionInfo.Flags = flags;
}

fn guest_64_bits() -> PartitionConfig {
    guest_config().gpa_bits(64)
}
fn guest_limit_1() -> PartitionConfig {
    guest_config().connection_limit(1)
}
fn guest_limit_2() -> PartitionConfig {
    guest_config().connection_limit(2)
}
fn guest_on_ram() -> PartitionConfig {
    guest_config().ram(GPA, 0x10_0000)
}

/// Port PORT + 1 offered to `to` (0: any partition), made the call's port.
fn other_port(w: &mut World, c: &mut Call, to: u64) {
    w.port(World::create_port_input(PORT + 1).offered_to(to));
    c.input.raw_mut().PortId = PORT + 1;
}

#[test]
fn connect_port_rules() {
    let rows = [
        row!("base call", OK, "ok", |w, c| {}),
        // §3 Connect 2
        row!(
            "connection partition unknown",
            PARTITION,
            "unknown-partition",
            |w, c| c.input.raw_mut().ConnectionPartition = UNKNOWN_PARTITION
        ),
        row!("port partition unknown", PARTITION, "unknown-partition", |w, c| c
            .input
            .raw_mut()
            .PortPartition =
            UNKNOWN_PARTITION),
        // §3 Connect 3
        row!("id 0xFFFFFF", OK, "ok", |w, c| c.input.raw_mut().ConnectionId =
            sys::HV_CONNECTION_ID_MASK),
        row!("id 0x1000000", CONN_ID, "bad-connection-id", |w, c| c
            .input
            .raw_mut()
            .ConnectionId =
            sys::HV_CONNECTION_ID_MASK + 1),
        row!("id bit 31", CONN_ID, "bad-connection-id", |w, c| c
            .input
            .raw_mut()
            .ConnectionId =
            0x8000_0000 | CONN),
        row!("id in use", CONN_ID, "connection-id-in-use", |w, c| w
            .connect(World::connect_input(CONN, PORT, GPA + 0x10000))),
        row!("id used by another partition", OK, "ok", |w, c| {
            w.add_guest(OTHER_GUEST);
            w.port(World::create_port_input(PORT + 1).offered_to(0));
            let mut o = World::connect_input(CONN, PORT + 1, GPA);
            o.raw_mut().ConnectionPartition = OTHER_GUEST;
            w.connect(o)
        }),
        // §3 Connect 4
        row!("port unknown", PORT_ID, "unknown-port", |w, c| c
            .input
            .raw_mut()
            .PortId = PORT + 1),
        row!("port id with bit 24", PORT_ID, "unknown-port", |w, c| c
            .input
            .raw_mut()
            .PortId =
            PORT | (sys::HV_PORT_ID_MASK + 1)),
        row!("port partition is the guest", PORT_ID, "unknown-port", |w, c| c
            .input
            .raw_mut()
            .PortPartition =
            GUEST),
        // §3 Connect 5
        row!("port offered to another guest", DENIED, "port-not-offered", |w, c| {
            w.add_guest(OTHER_GUEST);
            other_port(w, c, OTHER_GUEST)
        }),
        row!("port offered to any partition", OK, "ok", |w, c| other_port(w, c, 0)),
        // §3 Connect 6
        row!("PortType 0", PARAM, "port-type-mismatch", |w, c| c
            .input
            .raw_mut()
            .ConnectionInfo
            .PortType = 0),
        row!("PortType message", PARAM, "port-type-mismatch", |w, c| c
            .input
            .raw_mut()
            .ConnectionInfo
            .PortType =
            sys::HvPortTypeMessage),
        row!("PortType event", PARAM, "port-type-mismatch", |w, c| c
            .input
            .raw_mut()
            .ConnectionInfo
            .PortType =
            sys::HvPortTypeEvent),
        row!("PortType monitor", PARAM, "port-type-mismatch", |w, c| c
            .input
            .raw_mut()
            .ConnectionInfo
            .PortType =
            sys::HvPortTypeMonitor),
        row!("PortType 5", PARAM, "port-type-mismatch", |w, c| c
            .input
            .raw_mut()
            .ConnectionInfo
            .PortType = 5),
        // §3 Connect 7
        row!("ConnectionInfo.Padding", PARAM, "reserved-nonzero", |w, c| c
            .input
            .raw_mut()
            .ConnectionInfo
            .Padding =
            1),
        row!("ConnectionVtl", PARAM, "reserved-nonzero", |w, c| c
            .input
            .raw_mut()
            .ConnectionVtl =
            1),
        row!("Rsvd0", PARAM, "reserved-nonzero", |w, c| c.input.raw_mut().Rsvd0 =
            0x80),
        row!("Rsvd1", PARAM, "reserved-nonzero", |w, c| c.input.raw_mut().Rsvd1 = 1),
        row!("Reserved", PARAM, "reserved-nonzero", |w, c| c
            .input
            .raw_mut()
            .Reserved =
            0x8000_0000),
        row!("ProximityDomainInfo ignored", OK, "ok", |w, c| c
            .input
            .raw_mut()
            .ProximityDomainInfo =
            u64::MAX),
        // §3 Connect 8
        row!("flag bit 3", PARAM, "reserved-flags", |w, c| flags(c, DWORD | 0x8)),
        row!("flag bit 30", PARAM, "reserved-flags", |w, c| flags(
            c,
            DWORD | 0x4000_0000
        )),
        row!("flag bit 32", PARAM, "reserved-flags", |w, c| flags(c, DWORD | 1 << 32)),
        row!("flag bit 63", PARAM, "reserved-flags", |w, c| flags(c, DWORD | 1 << 63)),
        row!("flags 0x80000004 valid", OK, "ok", |w, c| flags(
            c,
            sys::HV_DOORBELL_FLAG_VALID_MASK & !0x3
        )),
        // §3 Connect 9
        row!("size 5", PARAM, "bad-trigger-size", |w, c| flags(c, 5)),
        row!("size 6", PARAM, "bad-trigger-size", |w, c| flags(c, 6)),
        row!("size 7 any value", PARAM, "bad-trigger-size", |w, c| flags(
            c,
            7 | ANY_VALUE
        )),
        // §3 Connect 10
        row!("BYTE 0xFF", OK, "ok", |w, c| trigger(c, GPA, BYTE, 0xFF)),
        row!("BYTE 0x100", PARAM, "value-too-wide", |w, c| trigger(
            c, GPA, BYTE, 0x100
        )),
        row!("WORD 0xFFFF", OK, "ok", |w, c| trigger(c, GPA, WORD, 0xFFFF)),
        row!("WORD 0x10000", PARAM, "value-too-wide", |w, c| trigger(
            c, GPA, WORD, 0x10000
        )),
        row!("DWORD 0xFFFFFFFF", OK, "ok", |w, c| trigger(c, GPA, DWORD, 0xFFFF_FFFF)),
        row!("DWORD 0x100000000", PARAM, "value-too-wide", |w, c| trigger(
            c,
            GPA,
            DWORD,
            0x1_0000_0000
        )),
        row!("QWORD ~0", OK, "ok", |w, c| trigger(c, GPA, QWORD, u64::MAX)),
        row!("SIZE_ANY ~0", OK, "ok", |w, c| trigger(c, GPA, ANY, u64::MAX)),
        row!("BYTE ANY_VALUE ignores 0x100", OK, "ok", |w, c| trigger(
            c,
            GPA,
            BYTE | ANY_VALUE,
            0x100
        )),
        row!("DWORD ANY_VALUE ignores ~0", OK, "ok", |w, c| trigger(
            c,
            GPA,
            DWORD | ANY_VALUE,
            u64::MAX
        )),
        // §3 Connect 11
        row!("DWORD at 2^48-4", OK, "ok", |w, c| trigger(c, TOP_48 - 4, DWORD, 1)),
        row!("DWORD at 2^48", PARAM, "gpa-out-of-range", |w, c| trigger(
            c, TOP_48, DWORD, 1
        )),
        row!("BYTE at 2^48-1", OK, "ok", |w, c| trigger(c, TOP_48 - 1, BYTE, 1)),
        row!("BYTE at 2^48", PARAM, "gpa-out-of-range", |w, c| trigger(
            c, TOP_48, BYTE, 1
        )),
        row!("QWORD at 2^48-8", OK, "ok", |w, c| trigger(c, TOP_48 - 8, QWORD, 1)),
        row!("SIZE_ANY at 2^48-1", OK, "ok", |w, c| trigger(c, TOP_48 - 1, ANY, 1)),
        row!("SIZE_ANY at 2^48", PARAM, "gpa-out-of-range", |w, c| trigger(
            c, TOP_48, ANY, 1
        )),
        row!("SIZE_ANY at 2^63", PARAM, "gpa-out-of-range", |w, c| trigger(
            c,
            1 << 63,
            ANY,
            1
        )),
        row!("64 bits: QWORD at 2^64-8", guest_64_bits, OK, "ok", |w, c| trigger(
            c,
            0u64.wrapping_sub(8),
            QWORD,
            1
        )),
        row!("64 bits: BYTE at 2^64-1", guest_64_bits, OK, "ok", |w, c| trigger(
            c,
            u64::MAX,
            BYTE,
            1
        )),
        row!(
            "64 bits: SIZE_ANY ANY_VALUE at 2^64-1",
            guest_64_bits,
            OK,
            "ok",
            |w, c| trigger(c, u64::MAX, ANY | ANY_VALUE, 0)
        ),
        row!("64 bits: DWORD at 2^48", guest_64_bits, OK, "ok", |w, c| trigger(
            c, TOP_48, DWORD, 1
        )),
        row!("doorbell inside RAM", guest_on_ram, OK, "ok", |w, c| {}),
        // §3 Connect 12
        row!("BYTE at offset 4095", OK, "ok", |w, c| trigger(c, GPA + 4095, BYTE, 1)),
        row!("SIZE_ANY at offset 4095", OK, "ok", |w, c| trigger(
            c,
            GPA + 4095,
            ANY,
            1
        )),
        row!("WORD at offset 4094", OK, "ok", |w, c| trigger(c, GPA + 4094, WORD, 1)),
        row!("WORD at offset 4095", PARAM, "crosses-page", |w, c| trigger(
            c,
            GPA + 4095,
            WORD,
            1
        )),
        row!("DWORD at offset 4092", OK, "ok", |w, c| trigger(
            c,
            GPA + 4092,
            DWORD,
            1
        )),
        row!("DWORD at offset 4093", PARAM, "crosses-page", |w, c| trigger(
            c,
            GPA + 4093,
            DWORD,
            1
        )),
        row!("QWORD at offset 4088", OK, "ok", |w, c| trigger(
            c,
            GPA + 4088,
            QWORD,
            1
        )),
        row!("QWORD at offset 4089", PARAM, "crosses-page", |w, c| trigger(
            c,
            GPA + 4089,
            QWORD,
            1
        )),
        row!("QWORD at offset 4095", PARAM, "crosses-page", |w, c| trigger(
            c,
            GPA + 4095,
            QWORD,
            1
        )),
        row!("DWORD unaligned inside a page", OK, "ok", |w, c| trigger(
            c,
            GPA + 3,
            DWORD,
            1
        )),
        // §3 Connect 13
        row!("same trigger at the same GPA", PARAM, "trigger-conflict", |w, c| w
            .connect(World::connect_input(CONN + 1, PORT, GPA))),
        // §3 Connect 14
        row!(
            "limit 1, one connection",
            guest_limit_1,
            MEMORY,
            "connection-limit",
            |w, c| w.connect(World::connect_input(CONN + 1, PORT, GPA + 0x10000))
        ),
        row!("limit 2, one connection", guest_limit_2, OK, "ok", |w, c| w
            .connect(World::connect_input(CONN + 1, PORT, GPA + 0x10000))),
        // order: two checks fail at once, the earlier one decides
        row!(
            "unknown partition before bad id",
            PARTITION,
            "unknown-partition",
            |w, c| {
                c.input.raw_mut().ConnectionPartition = UNKNOWN_PARTITION;
                c.input.raw_mut().ConnectionId = sys::HV_CONNECTION_ID_MASK + 1
            }
        ),
        row!("bad id before unknown port", CONN_ID, "bad-connection-id", |w, c| {
            c.input.raw_mut().ConnectionId = sys::HV_CONNECTION_ID_MASK + 1;
            c.input.raw_mut().PortId = PORT + 1
        }),
        row!(
            "id in use before unknown port",
            CONN_ID,
            "connection-id-in-use",
            |w, c| {
                w.connect(World::connect_input(CONN, PORT, GPA + 0x10000));
                c.input.raw_mut().PortId = PORT + 1
            }
        ),
        row!("unknown port before type", PORT_ID, "unknown-port", |w, c| {
            c.input.raw_mut().PortId = PORT + 1;
            c.input.raw_mut().ConnectionInfo.PortType = sys::HvPortTypeEvent
        }),
        row!("not offered before type", DENIED, "port-not-offered", |w, c| {
            w.add_guest(OTHER_GUEST);
            other_port(w, c, OTHER_GUEST);
            c.input.raw_mut().ConnectionInfo.PortType = sys::HvPortTypeEvent
        }),
        row!("type before padding", PARAM, "port-type-mismatch", |w, c| {
            c.input.raw_mut().ConnectionInfo.PortType = 5;
            c.input.raw_mut().ConnectionInfo.Padding = 1
        }),
        row!("reserved before flags", PARAM, "reserved-nonzero", |w, c| {
            c.input.raw_mut().Rsvd1 = 1;
            flags(c, DWORD | 1 << 32)
        }),
        row!("reserved flags before size", PARAM, "reserved-flags", |w, c| flags(
            c,
            0x8 | 5
        )),
        row!("size before range", PARAM, "bad-trigger-size", |w, c| trigger(
            c, TOP_48, 6, 1
        )),
        row!("too wide before range", PARAM, "value-too-wide", |w, c| trigger(
            c, TOP_48, BYTE, 0x100
        )),
        row!("too wide before page", PARAM, "value-too-wide", |w, c| trigger(
            c,
            GPA + 4095,
            WORD,
            0x10000
        )),
        row!("range before page", PARAM, "gpa-out-of-range", |w, c| trigger(
            c,
            TOP_48 - 3,
            DWORD,
            1
        )),
        row!(
            "64 bits: range before page",
            guest_64_bits,
            PARAM,
            "gpa-out-of-range",
            |w, c| trigger(c, 0u64.wrapping_sub(4), QWORD, 1)
        ),
        row!("page before conflict", PARAM, "crosses-page", |w, c| {
            w.connect_raw(CONN + 1, PORT, GPA + 4093, ANY | ANY_VALUE, 0);
            trigger(c, GPA + 4093, DWORD, 1)
        }),
        row!(
            "conflict before limit",
            guest_limit_1,
            PARAM,
            "trigger-conflict",
            |w, c| w.connect(World::connect_input(CONN + 1, PORT, GPA))
        ),
    ];
    run_rows(&rows, base, call);
}

/// SPEC §3 access rule: a guest connects itself only with the ConnectPort
/// privilege (named by id or SELF); never another partition.
#[test]
fn connect_port_access() {
    fn privileged() -> PartitionConfig {
        guest_config().privileges(BOTH_PRIVILEGES)
    }
    let rows = [
        row!(
            "unprivileged guest on itself",
            DENIED,
            "no-connect-port-privilege",
            |w, c| c.caller = GUEST
        ),
        row!("privileged guest on itself", privileged, OK, "ok", |w, c| c.caller =
            GUEST),
        row!("privileged guest on SELF", privileged, OK, "ok", |w, c| {
            c.caller = GUEST;
            c.input.raw_mut().ConnectionPartition = sys::HV_PARTITION_ID_SELF
        }),
        row!(
            "privileged guest on another guest",
            privileged,
            DENIED,
            "no-connect-port-privilege",
            |w, c| {
                w.add_guest(OTHER_GUEST);
                c.caller = GUEST;
                c.input.raw_mut().ConnectionPartition = OTHER_GUEST
            }
        ),
    ];
    run_rows(&rows, base, call);
}

/// A Connection handle disconnects when dropped: its trigger no longer
/// matches and its id is free.
#[test]
fn connection_handle_disconnects_on_drop() {
    let mut w = World::new(guest_config());
    w.port(World::create_port_input(PORT));
    let conn = w.hv.connect(&World::connect_input(CONN, PORT, GPA)).unwrap();
    assert_eq!(
        w.hv.write(GUEST, GPA, 4, 1).unwrap(),
        hvdb::WriteResult::Fired {
            port: PORT,
            connection: CONN
        }
    );
    drop(conn);
    assert_eq!(w.hv.write(GUEST, GPA, 4, 1).unwrap(), hvdb::WriteResult::Miss);
    w.connect(World::connect_input(CONN, PORT, GPA));
}
