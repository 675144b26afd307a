//! The world every table row starts from, as tests/unit/helpers.h builds
//! it for the C tests: a root with 3 VPs, guest 2 with 2 VPs and 48 GPA
//! bits, port 1 offered to it (SINT 5, VP 0), connection 1 a DWORD
//! doorbell of value 1 at 0x10000000.
#![allow(dead_code, unused_macros)]
use hvdb::sys;
use hvdb::{
    ConnectPort, Connection, CreatePort, HvConnectionInfo, Hypervisor, PartitionConfig, Port, Status, TriggerSize,
};

pub const ROOT: u64 = hvdb::ROOT;
pub const GUEST: u64 = 2;
pub const OTHER_GUEST: u64 = 3;
pub const UNKNOWN_PARTITION: u64 = 99;
pub const ROOT_VPS: u32 = 3;
pub const GUEST_VPS: u32 = 2;
pub const PORT: u32 = 1;
pub const CONN: u32 = 1;
pub const GPA: u64 = 0x1000_0000;
pub const BOTH_PRIVILEGES: u64 = sys::HV_PRIVILEGE_CREATE_PORT | sys::HV_PRIVILEGE_CONNECT_PORT;
pub const SIZE_MASK: u64 = sys::HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK;
pub const ANY_VALUE: u64 = sys::HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE;

/// The guest's configuration: the default, or a row's variant.
pub fn guest_config() -> PartitionConfig {
    PartitionConfig::new(GUEST).vp_count(GUEST_VPS).gpa_bits(48)
}

/// The hypervisor of a row and the handles that keep its objects alive.
pub struct World {
    pub hv: Hypervisor,
    pub ports: Vec<Port>,
    pub conns: Vec<Connection>,
}

impl World {
    pub fn new(guest: PartitionConfig) -> World {
        let hv = Hypervisor::with_root_vps(ROOT_VPS).unwrap();
        hv.create_partition(&guest).unwrap();
        World {
            hv,
            ports: Vec::new(),
            conns: Vec::new(),
        }
    }

    pub fn add_guest(&mut self, id: u64) {
        self.hv
            .create_partition(&PartitionConfig::new(id).vp_count(GUEST_VPS))
            .unwrap();
    }

    /// Port `id` of the root offered to the guest, SINT 5, VP 0.
    pub fn create_port_input(id: u32) -> CreatePort {
        CreatePort::new(id)
            .offered_to(GUEST)
            .sint(sys::HV_SYNIC_DOORBELL_SINT_INDEX)
            .vp(0)
    }

    pub fn port(&mut self, input: CreatePort) {
        self.ports.push(self.hv.create_port(&input).unwrap());
    }

    pub fn connect_input(conn: u32, port: u32, gpa: u64) -> ConnectPort {
        ConnectPort::new(
            GUEST,
            conn,
            port,
            HvConnectionInfo::doorbell(gpa, TriggerSize::Dword, Some(1)),
        )
    }

    pub fn connect(&mut self, input: ConnectPort) {
        match self.hv.connect(&input) {
            Ok(c) => self.conns.push(c),
            Err(e) => panic!("setup connect {input:?}: {e}"),
        }
    }

    /// A connection `conn` of the guest to `port` with raw flags and value.
    pub fn connect_raw(&mut self, conn: u32, port: u32, gpa: u64, flags: u64, value: u64) {
        let mut input = World::connect_input(conn, port, gpa);
        let mut info = input.info();
        info.flags = flags;
        info.trigger_value = value;
        input.set_info(info);
        self.connect(input);
    }
}

/// A table row: `row!(name, [guest config fn,] status, reason, |w, c| body)`;
/// the call type is the `Call` of the file that uses it.
macro_rules! row {
    ($name:expr, $status:expr, $reason:expr, |$w:ident, $c:ident| $body:expr) => {
        row!($name, guest_config, $status, $reason, |$w, $c| $body)
    };
    ($name:expr, $guest:expr, $status:expr, $reason:expr, |$w:ident, $c:ident| $body:expr) => {
        Row::<Call> {
            name: $name,
            guest: $guest,
            mutate: |$w: &mut World, $c: &mut Call| {
                let _ = (&$w, &$c);
                $body;
            },
            status: $status,
            reason: $reason,
        }
    };
}

/// One row of a call table: a name, the guest's configuration, what the
/// row changes in the world and the call, and the expected status and
/// reason name.
pub struct Row<C> {
    pub name: &'static str,
    pub guest: fn() -> PartitionConfig,
    pub mutate: fn(&mut World, &mut C),
    pub status: u16,
    pub reason: &'static str,
}

/// Runs every row: builds the world, the base call (`base`), applies the
/// row, makes the call (`call`), and checks status and reason; a refused
/// call must leave the state (the snapshot document, counters included)
/// as it was. Reports every failing row, then fails.
pub fn run_rows<C>(rows: &[Row<C>], base: fn(&mut World) -> C, call: fn(&mut World, &C) -> Result<(), Status>) {
    let mut failed = Vec::new();
    for row in rows {
        let mut w = World::new((row.guest)());
        let mut c = base(&mut w);
        (row.mutate)(&mut w, &mut c);
        let before = w.hv.snapshot().unwrap();
        let got = call(&mut w, &c);
        let (status, reason) = match got {
            Ok(()) => (sys::HV_STATUS_SUCCESS, "ok"),
            Err(e) => (e.code(), e.reason().name()),
        };
        if (status, reason) != (row.status, row.reason) {
            failed.push(format!(
                "{}: wanted 0x{:x} {}, got 0x{:x} {}",
                row.name, row.status, row.reason, status, reason
            ));
        } else if status != sys::HV_STATUS_SUCCESS && w.hv.snapshot().unwrap() != before {
            failed.push(format!("{}: refused, but the state changed", row.name));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} rows failed:\n{}",
        failed.len(),
        rows.len(),
        failed.join("\n")
    );
}
