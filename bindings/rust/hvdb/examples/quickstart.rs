//! examples/quickstart.scn of the repository, end to end through the Rust
//! API: a guest partition, a doorbell port with an eventfd and a callback,
//! the guest's own connections, writes, a refused ambiguous doorbell,
//! stats, a disconnect. Prints on stdout exactly what
//! `hvdb replay examples/quickstart.scn` prints (CI compares the two);
//! what the eventfd and the callback saw goes to stderr.
//!
//!     cargo run --offline --example quickstart
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use hvdb::sys::HV_PRIVILEGE_CONNECT_PORT;
use hvdb::{
    eventfd, ConnectPort, CreatePort, HvConnectionInfo, Hypervisor, PartitionConfig, Status, TriggerSize, WriteResult,
};

/// One result line, as `hvdb replay` prints it.
fn status_line<T>(r: Result<T, Status>) -> Option<T> {
    match r {
        Ok(v) => {
            println!("ok");
            Some(v)
        }
        Err(e) => {
            println!("{e}");
            None
        }
    }
}

fn write_line(hv: &Hypervisor, partition: u64, gpa: u64, len: u32, value: u64) -> std::io::Result<()> {
    match hv.write(partition, gpa, len, value)? {
        WriteResult::Fired { port, connection } => println!("fire {}:{port} conn={connection}", hvdb::ROOT),
        WriteResult::Dropped { connection } => println!("dropped conn={connection}"),
        WriteResult::Miss => println!("miss"),
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hv = Hypervisor::new()?;

    // partition 2 vps=2 privileges=0x8000000000
    let guest = status_line(
        hv.create_partition(
            &PartitionConfig::new(2)
                .vp_count(2)
                .privileges(HV_PRIVILEGE_CONNECT_PORT),
        ),
    )
    .ok_or("partition refused")?;

    // port 1 1 7 2: the root creates port 7 (SINT 5, VP 0), offered to 2
    let mut port =
        status_line(hv.create_port(&CreatePort::new(7).offered_to(guest.id()).sint(5).vp(0))).ok_or("port refused")?;
    port.set_eventfd(Some(eventfd::new(true)?))?;
    let last_conn = Arc::new(AtomicU32::new(0));
    let seen = last_conn.clone();
    port.set_callback(move |_port, conn| seen.store(conn, Ordering::Relaxed))?;

    // connect 2 2 10 1 7 gpa=0x10000 value=1 flags=3: the guest itself
    let dword_1 = HvConnectionInfo::doorbell(0x10000, TriggerSize::Dword, Some(1));
    let conn10 = status_line(hv.connect_as(guest.id(), &ConnectPort::new(guest.id(), 10, port.id(), dword_1)));

    write_line(&hv, 2, 0x10000, 4, 1)?; // fires port 7
    eprintln!(
        "eventfd: {} fire(s), callback saw connection {}",
        eventfd::take(port.eventfd().unwrap())?,
        last_conn.load(Ordering::Relaxed)
    );
    write_line(&hv, 2, 0x10000, 4, 2)?; // another value: a miss
    write_line(&hv, 2, 0x10000, 2, 1)?; // another size: a miss
    write_line(&hv, 2, 0x10004, 4, 1)?; // another address: a miss

    // a second doorbell on the same GPA must not be ambiguous
    let any = HvConnectionInfo::doorbell(0x10000, TriggerSize::Any, None);
    status_line(hv.connect_as(guest.id(), &ConnectPort::new(guest.id(), 11, port.id(), any)));
    let dword_2 = HvConnectionInfo::doorbell(0x10000, TriggerSize::Dword, Some(2));
    let _conn11 = status_line(hv.connect_as(guest.id(), &ConnectPort::new(guest.id(), 11, port.id(), dword_2)));
    write_line(&hv, 2, 0x10000, 4, 2)?; // now fires through connection 11
    eprintln!(
        "eventfd: {} fire(s), callback saw connection {}",
        eventfd::take(port.eventfd().unwrap())?,
        last_conn.load(Ordering::Relaxed)
    );

    println!("triggers {}", port.stats()?.triggers);

    // disconnect 2 2 10
    status_line(conn10.ok_or("connection 10 refused")?.disconnect());
    write_line(&hv, 2, 0x10000, 4, 1)?; // connection 10 is gone
    println!("triggers {}", port.stats()?.triggers);
    Ok(())
}
