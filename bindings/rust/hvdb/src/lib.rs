//! Hyper-V doorbell ports and connections for Rust VMMs: the safe API of
//! libhvdb (hvdoorbell).
//!
//! A guest write of a chosen size and value to a chosen guest-physical
//! address notifies a port; `HV_CONNECTION_INFO` configures it. libhvdb
//! checks every call as the Hyper-V ABI does and matches writes lock-free.
//! This crate wraps it: a [`Hypervisor`] holds partitions; the root creates
//! doorbell [`Port`]s and [`Connection`]s that delete and disconnect
//! themselves when dropped; a VMM's MMIO-exit handler calls
//! [`Hypervisor::write`], which says [`WriteResult::Fired`],
//! [`WriteResult::Dropped`] or [`WriteResult::Miss`]. Refusals are a
//! [`Status`]: the `HV_STATUS` and the stable reason name.
//!
//! ```
//! use hvdb::{Doorbell, Hypervisor, PartitionConfig, CreatePort, TriggerSize, WriteResult};
//!
//! let hv = Hypervisor::new()?;
//! let guest = hv.create_partition(&PartitionConfig::new(2).vp_count(2))?;
//! let mut port = hv.create_port(&CreatePort::new(7).offered_to(guest.id()))?;
//! port.set_eventfd(Some(hvdb::eventfd::new(true)?))?;
//!
//! // a 4-byte write of 1 at GPA 0x10000 rings port 7
//! let doorbell = Doorbell::new(0x10000, TriggerSize::Dword, Some(1))?;
//! let conn = guest.connect(10, port.id(), doorbell)?;
//!
//! // in the VMM's MMIO-exit handler, on any vCPU thread:
//! assert_eq!(guest.write(0x10000, 4, 1)?, WriteResult::Fired { port: 7, connection: 10 });
//! assert_eq!(guest.write(0x10000, 2, 1)?, WriteResult::Miss); // ordinary MMIO
//! assert_eq!(hvdb::eventfd::take(port.eventfd().unwrap())?, 1);
//!
//! // a second doorbell that one write could also match is refused
//! let any = Doorbell::new(0x10000, TriggerSize::Any, None)?;
//! let err = guest.connect(11, port.id(), any).unwrap_err();
//! assert_eq!(err.to_string(), "HV_STATUS_INVALID_PARAMETER trigger-conflict");
//!
//! drop(port); // HvCallDeletePort: the connection's writes are dropped now
//! assert_eq!(guest.write(0x10000, 4, 1)?, WriteResult::Dropped { connection: 10 });
//! drop(conn); // HvCallDisconnectPort
//! assert_eq!(guest.write(0x10000, 4, 1)?, WriteResult::Miss);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`dialect`] registers doorbells the way Linux mshv's `MSHV_IOEVENTFD` and
//! WHP's `WHvRegisterPartitionDoorbellEvent` do.
//!
//! With the default feature `kvm`, [`kvm::KvmBackend`] attaches a partition
//! to a KVM VM through libhvdb-kvm: doorbells become in-kernel
//! ioeventfds, the rest goes through [`kvm::KvmBackend::mmio_write`].
//!
//! Linking: `hvdb-sys` links the in-tree C build (`build/` of the
//! repository, or `HVDB_BUILD_DIR`), else the installed library through
//! `pkg-config hvdb`.
//!
//! Threads: [`Hypervisor`], [`Partition`], [`Port`] and [`Connection`] are
//! `Send` and `Sync`, as every libhvdb call on a handle may run on any
//! thread; the plain-data types are too. Each type says why.
#![warn(missing_docs)]

mod conninfo;
pub mod dialect;
pub mod eventfd;
mod hypervisor;
#[cfg(feature = "kvm")]
pub mod kvm;
mod port;
mod status;

pub use hvdb_sys as sys;

pub use conninfo::{Doorbell, HvConnectionInfo, InvalidConnectionInfo, TriggerSize, WrongLength};
pub use hypervisor::{
    ConnectionId, Hypervisor, Partition, PartitionConfig, PartitionId, PortId, SnapshotError, WriteResult, ROOT,
};
pub use port::{ConnectPort, Connection, CreatePort, Port, PortStats};
pub use status::{Reason, Status};

/// The version of the C headers this crate was built against.
pub const C_VERSION: &str = sys::HVDB_VERSION_STRING;

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Hypervisor>();
    send_sync::<Partition>();
    send_sync::<Port>();
    send_sync::<Connection>();
    send_sync::<Status>();
    send_sync::<HvConnectionInfo>();
    send_sync::<dialect::DialectError>();
    #[cfg(feature = "kvm")]
    send_sync::<kvm::KvmBackend<'static>>();
};
