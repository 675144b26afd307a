//! SPEC §3 CreatePort: the rows of tests/unit/test_create_port.c (checks
//! 2-7, boundaries and order) through the safe API.
#[macro_use]
mod common;
use common::*;
use hvdb::sys::{self, HV_STATUS_ACCESS_DENIED as DENIED, HV_STATUS_INVALID_PARAMETER as PARAM};
use hvdb::sys::{HV_STATUS_INVALID_PARTITION_ID as PARTITION, HV_STATUS_INVALID_PORT_ID as PORT_ID};
use hvdb::sys::{HV_STATUS_INVALID_VP_INDEX as VP, HV_STATUS_SUCCESS as OK};
use hvdb::CreatePort;

struct Call {
    caller: u64,
    input: CreatePort,
}

fn base(_: &mut World) -> Call {
    Call {
        caller: ROOT,
        input: World::create_port_input(PORT),
    }
}

fn call(w: &mut World, c: &Call) -> Result<(), hvdb::Status> {
    let port = w.hv.create_port_as(c.caller, &c.input)?;
    w.ports.push(port);
    Ok(())
}

fn privileged_guest() -> hvdb::PartitionConfig {
    guest_config().privileges(BOTH_PRIVILEGES)
}

fn existing_port(w: &mut World, c: &mut Call) {
    w.port(World::create_port_input(c.input.raw().PortId));
}

#[test]
fn create_port_rules() {
    let rows = [
        row!("base call", OK, "ok", |w, c| {}),
        // §3 Create 2
        row!("port partition unknown", PARTITION, "unknown-partition", |w, c| c
            .input
            .raw_mut()
            .PortPartition =
            UNKNOWN_PARTITION),
        row!(
            "connection partition unknown",
            PARTITION,
            "unknown-partition",
            |w, c| c.input.raw_mut().ConnectionPartition = UNKNOWN_PARTITION
        ),
        row!("connection partition 0 (any)", OK, "ok", |w, c| c
            .input
            .raw_mut()
            .ConnectionPartition =
            0),
        row!("connection partition another guest", OK, "ok", |w, c| {
            w.add_guest(OTHER_GUEST);
            c.input.raw_mut().ConnectionPartition = OTHER_GUEST
        }),
        // §3 Create 3
        row!("port id 0xFFFFFF", OK, "ok", |w, c| c.input.raw_mut().PortId =
            sys::HV_PORT_ID_MASK),
        row!("port id 0x1000000", PORT_ID, "bad-port-id", |w, c| c
            .input
            .raw_mut()
            .PortId =
            sys::HV_PORT_ID_MASK + 1),
        row!("port id bit 31", PORT_ID, "bad-port-id", |w, c| c
            .input
            .raw_mut()
            .PortId =
            0x8000_0000 | PORT),
        row!("port id in use", PORT_ID, "port-id-in-use", |w, c| existing_port(w, c)),
        // §3 Create 4
        row!("type message", PARAM, "unsupported-port-type", |w, c| c
            .input
            .raw_mut()
            .PortInfo
            .PortType =
            sys::HvPortTypeMessage),
        row!("type event", PARAM, "unsupported-port-type", |w, c| c
            .input
            .raw_mut()
            .PortInfo
            .PortType =
            sys::HvPortTypeEvent),
        row!("type monitor", PARAM, "unsupported-port-type", |w, c| c
            .input
            .raw_mut()
            .PortInfo
            .PortType =
            sys::HvPortTypeMonitor),
        row!("type 0", PARAM, "unsupported-port-type", |w, c| c
            .input
            .raw_mut()
            .PortInfo
            .PortType = 0),
        row!("type 5", PARAM, "unsupported-port-type", |w, c| c
            .input
            .raw_mut()
            .PortInfo
            .PortType = 5),
        // §3 Create 5
        row!(
            "root creates in a guest",
            DENIED,
            "doorbell-port-requires-root",
            |w, c| c.input.raw_mut().PortPartition = GUEST
        ),
        row!(
            "privileged guest creates on SELF",
            privileged_guest,
            DENIED,
            "doorbell-port-requires-root",
            |w, c| {
                c.caller = GUEST;
                c.input.raw_mut().PortPartition = sys::HV_PARTITION_ID_SELF
            }
        ),
        // §3 Create 6
        row!("PortVtl 1", PARAM, "reserved-nonzero", |w, c| c
            .input
            .raw_mut()
            .PortVtl = 1),
        row!("MinConnectionVtl 1", PARAM, "reserved-nonzero", |w, c| c
            .input
            .raw_mut()
            .MinConnectionVtl =
            1),
        row!("Padding", PARAM, "reserved-nonzero", |w, c| c.input.raw_mut().Padding =
            0x8000),
        row!("PortInfo.ReservedZ", PARAM, "reserved-nonzero", |w, c| c
            .input
            .raw_mut()
            .PortInfo
            .ReservedZ =
            1),
        row!("DoorbellPortInfo.ReservedZ", PARAM, "reserved-nonzero", |w, c| c
            .input
            .raw_mut()
            .PortInfo
            .DoorbellPortInfo
            .ReservedZ =
            1 << 63),
        row!("ProximityDomainInfo ignored", OK, "ok", |w, c| c
            .input
            .raw_mut()
            .ProximityDomainInfo =
            u64::MAX),
        // §3 Create 7
        row!("sint 0", PARAM, "bad-sint", |w, c| c.input = c.input.sint(0)),
        row!("sint 1", OK, "ok", |w, c| c.input = c.input.sint(1)),
        row!("sint 15", OK, "ok", |w, c| c.input = c.input.sint(15)),
        row!("sint 16", PARAM, "bad-sint", |w, c| c.input =
            c.input.sint(sys::HV_SYNIC_SINT_COUNT)),
        row!("sint 0xFFFFFFFF", PARAM, "bad-sint", |w, c| c.input =
            c.input.sint(u32::MAX)),
        row!("vp HV_ANY_VP", OK, "ok", |w, c| c.input = c.input.vp(sys::HV_ANY_VP)),
        row!("vp root vp_count-1", OK, "ok", |w, c| c.input =
            c.input.vp(ROOT_VPS - 1)),
        row!("vp root vp_count", VP, "bad-vp", |w, c| c.input = c.input.vp(ROOT_VPS)),
        row!("vp 0xFFFFFFFE", VP, "bad-vp", |w, c| c.input =
            c.input.vp(sys::HV_ANY_VP - 1)),
        // order: two checks fail at once, the earlier one decides
        row!(
            "unknown partition before bad id",
            PARTITION,
            "unknown-partition",
            |w, c| {
                c.input.raw_mut().PortPartition = UNKNOWN_PARTITION;
                c.input.raw_mut().PortId = sys::HV_PORT_ID_MASK + 1
            }
        ),
        row!(
            "unknown conn partition before id in use",
            PARTITION,
            "unknown-partition",
            |w, c| {
                existing_port(w, c);
                c.input.raw_mut().ConnectionPartition = UNKNOWN_PARTITION
            }
        ),
        row!("bad id before type", PORT_ID, "bad-port-id", |w, c| {
            c.input.raw_mut().PortId = sys::HV_PORT_ID_MASK + 1;
            c.input.raw_mut().PortInfo.PortType = sys::HvPortTypeEvent
        }),
        row!("id in use before type", PORT_ID, "port-id-in-use", |w, c| {
            existing_port(w, c);
            c.input.raw_mut().PortInfo.PortType = sys::HvPortTypeEvent
        }),
        row!("type before requires-root", PARAM, "unsupported-port-type", |w, c| {
            c.input.raw_mut().PortPartition = GUEST;
            c.input.raw_mut().PortInfo.PortType = sys::HvPortTypeMessage
        }),
        row!(
            "requires-root before reserved",
            DENIED,
            "doorbell-port-requires-root",
            |w, c| {
                c.input.raw_mut().PortPartition = GUEST;
                c.input.raw_mut().PortVtl = 1
            }
        ),
        row!("reserved before sint", PARAM, "reserved-nonzero", |w, c| {
            c.input.raw_mut().PortInfo.DoorbellPortInfo.ReservedZ = 1 << 63;
            c.input = c.input.sint(0)
        }),
        row!("sint before vp", PARAM, "bad-sint", |w, c| c.input =
            c.input.sint(16).vp(ROOT_VPS)),
    ];
    run_rows(&rows, base, call);
}

/// SPEC §3 access rule (run first): a guest without the privilege may not
/// create, even on itself; the root may.
#[test]
fn create_port_access() {
    let rows = [
        row!(
            "unprivileged guest on the root",
            DENIED,
            "no-create-port-privilege",
            |w, c| c.caller = GUEST
        ),
        row!(
            "unprivileged guest on SELF",
            DENIED,
            "no-create-port-privilege",
            |w, c| {
                c.caller = GUEST;
                c.input.raw_mut().PortPartition = sys::HV_PARTITION_ID_SELF
            }
        ),
        row!("unknown caller", DENIED, "no-create-port-privilege", |w, c| c.caller =
            UNKNOWN_PARTITION),
    ];
    run_rows(&rows, base, call);
}

/// A Port handle deletes its port when dropped: the id is free again.
#[test]
fn port_handle_deletes_on_drop() {
    let mut w = World::new(guest_config());
    let port = w.hv.create_port(&World::create_port_input(PORT)).unwrap();
    assert_eq!(port.stats().unwrap().triggers, 0);
    let again = w.hv.create_port(&World::create_port_input(PORT)).unwrap_err();
    assert_eq!(again.reason().name(), "port-id-in-use");
    drop(port);
    assert!(w.hv.port_stats(PORT).is_err());
    w.port(World::create_port_input(PORT));
}
