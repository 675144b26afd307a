//! SPEC §4 through the safe API: the four size/value combinations of the
//! seed (and one row per other size) against writes of 1..8 bytes, as
//! tests/unit/test_match.c; delivery to eventfds, callbacks and rings;
//! dropped writes after DeletePort; writes from many threads.
mod common;
use common::*;
use hvdb::{eventfd, Doorbell, TriggerSize, WriteResult};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const VALUE: u64 = 0x11;
const OTHER_VALUE: u64 = 0x12;
const ALL_LENS: &[u32] = &[1, 2, 3, 4, 5, 6, 7, 8];

struct MatchRow {
    name: &'static str,
    size: TriggerSize,
    any_value: bool,
    /// Lengths at which a write of VALUE fires, and a write of OTHER_VALUE.
    fire_with_value: &'static [u32],
    fire_with_other: &'static [u32],
}

const MATCH_ROWS: &[MatchRow] = &[
    MatchRow {
        name: "DWORD + value",
        size: TriggerSize::Dword,
        any_value: false,
        fire_with_value: &[4],
        fire_with_other: &[],
    },
    MatchRow {
        name: "DWORD + ANY_VALUE",
        size: TriggerSize::Dword,
        any_value: true,
        fire_with_value: &[4],
        fire_with_other: &[4],
    },
    MatchRow {
        name: "SIZE_ANY + value",
        size: TriggerSize::Any,
        any_value: false,
        fire_with_value: ALL_LENS,
        fire_with_other: &[],
    },
    MatchRow {
        name: "SIZE_ANY + ANY_VALUE",
        size: TriggerSize::Any,
        any_value: true,
        fire_with_value: ALL_LENS,
        fire_with_other: ALL_LENS,
    },
    MatchRow {
        name: "BYTE + value",
        size: TriggerSize::Byte,
        any_value: false,
        fire_with_value: &[1],
        fire_with_other: &[],
    },
    MatchRow {
        name: "WORD + ANY_VALUE",
        size: TriggerSize::Word,
        any_value: true,
        fire_with_value: &[2],
        fire_with_other: &[2],
    },
    MatchRow {
        name: "QWORD + value",
        size: TriggerSize::Qword,
        any_value: false,
        fire_with_value: &[8],
        fire_with_other: &[],
    },
];

/// Each combination against every length with the trigger value and
/// another: lookup and write agree, only a write counts, a fire names the
/// connection and port.
#[test]
fn size_value_combinations() {
    let mut failed = Vec::new();
    let mut checked = 0;
    for row in MATCH_ROWS {
        let mut w = World::new(guest_config());
        w.port(World::create_port_input(PORT));
        let value = (!row.any_value).then_some(VALUE);
        let doorbell = Doorbell::new(GPA, row.size, value).unwrap();
        w.conns.push(
            w.hv.connect(&hvdb::ConnectPort::new(GUEST, CONN, PORT, doorbell))
                .unwrap(),
        );
        for &len in ALL_LENS {
            for (v, fires) in [(VALUE, row.fire_with_value), (OTHER_VALUE, row.fire_with_other)] {
                let want = if fires.contains(&len) {
                    WriteResult::Fired {
                        port: PORT,
                        connection: CONN,
                    }
                } else {
                    WriteResult::Miss
                };
                let before = w.hv.port_stats(PORT).unwrap().triggers;
                let lookup = w.hv.lookup(GUEST, GPA, len, v).unwrap();
                let counted_by_lookup = w.hv.port_stats(PORT).unwrap().triggers != before;
                let got = w.hv.write(GUEST, GPA, len, v).unwrap();
                let after = w.hv.port_stats(PORT).unwrap().triggers;
                let fired = matches!(want, WriteResult::Fired { .. }) as u64;
                checked += 1;
                if lookup != want || got != want || counted_by_lookup || after != before + fired {
                    failed.push(format!(
                        "{}: len {len} value {v:#x}: wanted {want:?}, lookup {lookup:?}{}, write {got:?}, count +{}",
                        row.name,
                        if counted_by_lookup { " (counted!)" } else { "" },
                        after - before
                    ));
                }
            }
        }
    }
    assert_eq!(checked, MATCH_ROWS.len() * 16);
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// SPEC §4: the value is the bytes zero-extended; write_bytes reads them
/// little-endian as KVM_EXIT_MMIO gives them; only the exact start
/// address matches; bad lengths and too-wide values are refused.
#[test]
fn write_values_and_addresses() {
    let mut w = World::new(guest_config());
    w.port(World::create_port_input(PORT));
    w.conns.push(
        w.hv.connect(&hvdb::ConnectPort::new(
            GUEST,
            1,
            PORT,
            Doorbell::new(GPA, TriggerSize::Any, Some(0x1234)).unwrap(),
        ))
        .unwrap(),
    );
    let fired = WriteResult::Fired {
        port: PORT,
        connection: 1,
    };
    assert_eq!(w.hv.write(GUEST, GPA, 1, 0x34).unwrap(), WriteResult::Miss);
    assert_eq!(w.hv.write(GUEST, GPA, 2, 0x1234).unwrap(), fired);
    assert_eq!(w.hv.write(GUEST, GPA, 8, 0x1234).unwrap(), fired);
    assert_eq!(w.hv.write_bytes(GUEST, GPA, &[0x34, 0x12, 0, 0]).unwrap(), fired);
    assert_eq!(w.hv.write_bytes(GUEST, GPA, &[0x12, 0x34]).unwrap(), WriteResult::Miss);
    assert_eq!(w.hv.write(GUEST, GPA + 1, 2, 0x1234).unwrap(), WriteResult::Miss);
    assert_eq!(w.hv.write(GUEST, GPA - 1, 2, 0x1234).unwrap(), WriteResult::Miss);
    assert_eq!(w.hv.write(OTHER_GUEST, GPA, 2, 0x1234).unwrap(), WriteResult::Miss);
    for (len, value) in [(0, 0), (9, 0), (1, 0x100), (4, 1 << 32)] {
        let e = w.hv.write(GUEST, GPA, len, value).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "len {len} value {value:#x}");
    }
    assert!(w.hv.write_bytes(GUEST, GPA, &[]).is_err());
    assert!(w.hv.write_bytes(GUEST, GPA, &[0; 9]).is_err());
    assert_eq!(w.hv.port_stats(PORT).unwrap().triggers, 3);
}

/// A fire signals the port's eventfd once, runs its callback with the
/// connection, and queues the port on the (VP, SINT) ring once.
#[test]
fn fire_delivers_eventfd_callback_ring() {
    let mut w = World::new(guest_config());
    let mut port = w.hv.create_port(&World::create_port_input(PORT).vp(1).sint(3)).unwrap();
    port.set_eventfd(Some(eventfd::new(true).unwrap())).unwrap();
    let seen = Arc::new(AtomicU64::new(0));
    let s = seen.clone();
    port.set_callback(move |p, c| {
        s.fetch_add(((p as u64) << 32) | c as u64, Ordering::SeqCst);
    })
    .unwrap();
    w.connect(World::connect_input(7, PORT, GPA));

    assert_eq!(eventfd::take(port.eventfd().unwrap()).unwrap(), 0);
    assert_eq!(w.hv.ring_pop(1, 3).unwrap(), None);
    for _ in 0..2 {
        assert_eq!(
            w.hv.write(GUEST, GPA, 4, 1).unwrap(),
            WriteResult::Fired {
                port: PORT,
                connection: 7
            }
        );
    }
    assert_eq!(eventfd::take(port.eventfd().unwrap()).unwrap(), 2);
    assert_eq!(seen.load(Ordering::SeqCst), 2 * ((PORT as u64) << 32 | 7));
    assert_eq!(w.hv.ring_pop(1, 3).unwrap(), Some(PORT)); // queued once
    assert_eq!(w.hv.ring_pop(1, 3).unwrap(), None);
    assert!(w.hv.ring_pop(ROOT_VPS, 3).is_err());
    let stats = port.stats().unwrap();
    assert_eq!((stats.triggers, stats.userspace, stats.offloaded), (2, 2, 0));

    // cleared: no more callback, no more signal; the old eventfd comes back
    port.clear_callback().unwrap();
    let old = port.set_eventfd(None).unwrap().unwrap();
    w.hv.write(GUEST, GPA, 4, 1).unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 2 * ((PORT as u64) << 32 | 7));
    let old_fd = std::os::fd::AsFd::as_fd(&old);
    assert_eq!(eventfd::take(old_fd).unwrap(), 0);
}

/// SPEC §3 DeletePort: dropping the Port leaves its connections, whose
/// writes are then dropped; a new port with the same id does not get them.
#[test]
fn deleted_port_drops_writes() {
    let mut w = World::new(guest_config());
    let port = w.hv.create_port(&World::create_port_input(PORT)).unwrap();
    let conn = w.hv.connect(&World::connect_input(CONN, PORT, GPA)).unwrap();
    drop(port);
    assert_eq!(
        w.hv.write(GUEST, GPA, 4, 1).unwrap(),
        WriteResult::Dropped { connection: CONN }
    );
    w.port(World::create_port_input(PORT));
    assert_eq!(
        w.hv.write(GUEST, GPA, 4, 1).unwrap(),
        WriteResult::Dropped { connection: CONN }
    );
    assert_eq!(w.hv.port_stats(PORT).unwrap().triggers, 0);
    conn.disconnect().unwrap();
    assert_eq!(w.hv.write(GUEST, GPA, 4, 1).unwrap(), WriteResult::Miss);
}

/// Send + Sync for real: vCPU threads write while another thread connects
/// and disconnects; every write of the stable doorbell fires and is
/// counted exactly.
#[test]
fn writes_from_threads() {
    const THREADS: u64 = 2;
    const WRITES: u64 = 20_000;
    let mut w = World::new(guest_config());
    w.port(World::create_port_input(PORT));
    w.connect(World::connect_input(CONN, PORT, GPA));
    let guest = w.hv.partition(GUEST).unwrap();
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            let g = guest.clone();
            s.spawn(move || {
                for _ in 0..WRITES {
                    assert_eq!(
                        g.write(GPA, 4, 1).unwrap(),
                        WriteResult::Fired {
                            port: PORT,
                            connection: CONN
                        }
                    );
                }
            });
        }
        let g = guest.clone();
        s.spawn(move || {
            for i in 0..500u32 {
                let c = g
                    .connect(
                        100 + i % 7,
                        PORT,
                        Doorbell::new(GPA + 0x1000, TriggerSize::Byte, Some(1)).unwrap(),
                    )
                    .unwrap();
                drop(c);
            }
        });
    });
    assert_eq!(w.hv.port_stats(PORT).unwrap().triggers, THREADS * WRITES);
}
