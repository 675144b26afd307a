//! Ports and connections: the inputs of HvCallCreatePort and
//! HvCallConnectPort, and the handles that delete or disconnect on drop.
use std::ffi::c_void;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

use crate::conninfo::HvConnectionInfo;
use crate::hypervisor::{errno, ConnectionId, Hypervisor, PartitionId, PortId, ROOT};
use crate::status::Status;
use crate::sys;

/// The input of HvCallCreatePort (`HV_INPUT_CREATE_PORT`): a doorbell port
/// in the root. [`CreatePort::new`] fills the usual fields; `raw_mut`
/// reaches every field of the ABI, reserved ones included, for callers
/// that forward what a guest sent. Plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreatePort {
    raw: sys::HV_INPUT_CREATE_PORT,
}

impl CreatePort {
    /// Doorbell port `id` of the root, offered to any partition, notifying
    /// SINT 5 (`HV_SYNIC_DOORBELL_SINT_INDEX`) of any VP, as Linux mshv
    /// creates them.
    pub fn new(id: PortId) -> CreatePort {
        let mut raw = sys::HV_INPUT_CREATE_PORT {
            PortPartition: ROOT,
            PortId: id,
            ..Default::default()
        };
        raw.PortInfo.PortType = sys::HvPortTypeDoorbell;
        raw.PortInfo.DoorbellPortInfo.TargetSint = sys::HV_SYNIC_DOORBELL_SINT_INDEX;
        raw.PortInfo.DoorbellPortInfo.TargetVp = sys::HV_ANY_VP;
        CreatePort { raw }
    }

    /// Only partition `id` may connect (0: any partition).
    pub fn offered_to(mut self, id: PartitionId) -> Self {
        self.raw.ConnectionPartition = id;
        self
    }

    /// The SINT to notify (1..15).
    pub fn sint(mut self, sint: u32) -> Self {
        self.raw.PortInfo.DoorbellPortInfo.TargetSint = sint;
        self
    }

    /// The VP to notify (a VP index of the root, or `sys::HV_ANY_VP`).
    pub fn vp(mut self, vp: u32) -> Self {
        self.raw.PortInfo.DoorbellPortInfo.TargetVp = vp;
        self
    }

    /// The ABI structure.
    pub fn raw(&self) -> &sys::HV_INPUT_CREATE_PORT {
        &self.raw
    }

    /// The ABI structure, every field writable.
    pub fn raw_mut(&mut self) -> &mut sys::HV_INPUT_CREATE_PORT {
        &mut self.raw
    }
}

impl From<sys::HV_INPUT_CREATE_PORT> for CreatePort {
    fn from(raw: sys::HV_INPUT_CREATE_PORT) -> Self {
        CreatePort { raw }
    }
}

/// The input of HvCallConnectPort (`HV_INPUT_CONNECT_PORT`). Plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectPort {
    raw: sys::HV_INPUT_CONNECT_PORT,
}

impl ConnectPort {
    /// Connection `id` of `partition` to port `port` of the root, fired
    /// by the doorbell `info` describes.
    pub fn new(
        partition: PartitionId,
        id: ConnectionId,
        port: PortId,
        info: impl Into<HvConnectionInfo>,
    ) -> ConnectPort {
        ConnectPort {
            raw: sys::HV_INPUT_CONNECT_PORT {
                ConnectionPartition: partition,
                ConnectionId: id,
                PortPartition: ROOT,
                PortId: port,
                ConnectionInfo: info.into().to_sys(),
                ..Default::default()
            },
        }
    }

    /// The trigger.
    pub fn info(&self) -> HvConnectionInfo {
        HvConnectionInfo::from_sys(&self.raw.ConnectionInfo)
    }

    /// Replaces the trigger.
    pub fn set_info(&mut self, info: impl Into<HvConnectionInfo>) {
        self.raw.ConnectionInfo = info.into().to_sys();
    }

    /// The ABI structure.
    pub fn raw(&self) -> &sys::HV_INPUT_CONNECT_PORT {
        &self.raw
    }

    /// The ABI structure, every field writable.
    pub fn raw_mut(&mut self) -> &mut sys::HV_INPUT_CONNECT_PORT {
        &mut self.raw
    }
}

impl From<sys::HV_INPUT_CONNECT_PORT> for ConnectPort {
    fn from(raw: sys::HV_INPUT_CONNECT_PORT) -> Self {
        ConnectPort { raw }
    }
}

/// A port's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PortStats {
    /// Every fire: userspace + offloaded.
    pub triggers: u64,
    /// Fires through [`Hypervisor::write`].
    pub userspace: u64,
    /// Fires a backend counted (e.g. KVM ioeventfds).
    pub offloaded: u64,
}

type Callback = Box<dyn Fn(PortId, ConnectionId) + Send + Sync + 'static>;

/// A doorbell port of the root partition. Dropping it deletes the port
/// (HvCallDeletePort as the root: its connections stay, their writes are
/// then dropped), waits until no write still uses its callback or eventfd,
/// then frees the callback and closes the eventfd.
///
/// `Send` and `Sync`: the calls taking `&self` are thread-safe in
/// libhvdb; the ones that replace what a concurrent write may be using
/// (eventfd, callback) take `&mut self`. The handle assumes it owns the
/// id: deleting the port by a raw hypercall and reusing the id is the
/// caller's affair.
pub struct Port {
    hv: Hypervisor,
    id: PortId,
    eventfd: Option<OwnedFd>,
    // Double box: a thin pointer for C's opaque argument.
    callback: Option<Box<Callback>>,
    live: bool,
}

impl std::fmt::Debug for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Port")
            .field("id", &self.id)
            .field("eventfd", &self.eventfd)
            .finish_non_exhaustive()
    }
}

unsafe extern "C" fn call_back(opaque: *mut c_void, port: PortId, connection: ConnectionId) {
    // SAFETY: opaque is the Box<Callback> the Port keeps alive until no
    // write can call it (see Port::set_callback and Drop). A panic here
    // aborts (it cannot unwind into C).
    let f = unsafe { &*(opaque as *const Callback) };
    f(port, connection);
}

impl Port {
    pub(crate) fn new(hv: Hypervisor, id: PortId) -> Port {
        Port {
            hv,
            id,
            eventfd: None,
            callback: None,
            live: true,
        }
    }

    /// Its id.
    pub fn id(&self) -> PortId {
        self.id
    }

    /// Its counters (`NotFound` if it was deleted behind the handle's
    /// back, by a raw hypercall).
    pub fn stats(&self) -> io::Result<PortStats> {
        self.hv.port_stats(self.id)
    }

    /// The eventfd signalled once per fire, if one is set.
    pub fn eventfd(&self) -> Option<BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        self.eventfd.as_ref().map(|fd| fd.as_fd())
    }

    /// Sets the eventfd signalled once per fire (`None` clears it) and
    /// returns the previous one, which no write uses any more. Set it
    /// before connecting: backends (KVM) take the eventfd a port has at
    /// connect time.
    pub fn set_eventfd(&mut self, fd: Option<OwnedFd>) -> io::Result<Option<OwnedFd>> {
        let raw = fd.as_ref().map_or(-1, |f| f.as_raw_fd());
        // SAFETY: the fd stays open while set: self owns it from here on.
        errno(unsafe { sys::hvdb_port_set_eventfd(self.hv.as_raw(), self.id, raw) })?;
        let old = std::mem::replace(&mut self.eventfd, fd);
        if old.is_some() {
            self.hv.synchronize();
        }
        Ok(old)
    }

    /// Runs `f(port, connection)` on the firing thread (a vCPU thread) at
    /// every fire; `connection` is `sys::HVDB_CONNECTION_ID_UNKNOWN` for
    /// fires a backend counted. Keep it short; do not drop a `Port` or
    /// call [`Hypervisor::synchronize`] from it. A panic in it aborts.
    pub fn set_callback<F>(&mut self, f: F) -> io::Result<()>
    where
        F: Fn(PortId, ConnectionId) + Send + Sync + 'static,
    {
        let boxed: Box<Callback> = Box::new(Box::new(f));
        let opaque = &*boxed as *const Callback as *mut c_void;
        // SAFETY: boxed outlives every write that can call it: it is kept
        // until replaced or dropped, each after a grace period.
        errno(unsafe { sys::hvdb_port_set_callback(self.hv.as_raw(), self.id, Some(call_back), opaque) })?;
        self.replace_callback(Some(boxed));
        Ok(())
    }

    /// Removes the callback; when this returns, it runs no more.
    pub fn clear_callback(&mut self) -> io::Result<()> {
        // SAFETY: clearing needs no opaque.
        errno(unsafe { sys::hvdb_port_set_callback(self.hv.as_raw(), self.id, None, std::ptr::null_mut()) })?;
        self.replace_callback(None);
        Ok(())
    }

    fn replace_callback(&mut self, new: Option<Box<Callback>>) {
        if let Some(old) = std::mem::replace(&mut self.callback, new) {
            self.hv.synchronize(); // a running write may still call it
            drop(old);
        }
    }

    /// Deletes the port now, reporting a refusal (drop ignores it).
    pub fn delete(mut self) -> Result<(), Status> {
        self.delete_port()
    }

    /// Gives up the handle without deleting the port; returns its id.
    /// Its callback and eventfd stay set, and are leaked.
    pub fn leak(mut self) -> PortId {
        self.live = false;
        std::mem::forget(self.callback.take());
        std::mem::forget(self.eventfd.take());
        self.id
    }

    fn delete_port(&mut self) -> Result<(), Status> {
        if !std::mem::replace(&mut self.live, false) {
            return Ok(());
        }
        let input = sys::HV_INPUT_DELETE_PORT {
            PortPartition: ROOT,
            PortId: self.id,
            Reserved: 0,
        };
        let mut why = 0;
        // SAFETY: live handle; input is read, not kept.
        let st = unsafe { sys::hvdb_port_delete(self.hv.as_raw(), ROOT, &input, &mut why) };
        if self.callback.is_some() || self.eventfd.is_some() {
            self.hv.synchronize();
        }
        self.callback = None;
        self.eventfd = None;
        Status::check(st, why)
    }
}

impl Drop for Port {
    fn drop(&mut self) {
        let _ = self.delete_port();
    }
}

/// A doorbell connection of a guest partition. Dropping it disconnects it
/// (HvCallDisconnectPort as the root): no write that starts later matches
/// it. `Send` and `Sync`. The handle assumes it owns the id (as [`Port`]).
#[derive(Debug)]
pub struct Connection {
    hv: Hypervisor,
    partition: PartitionId,
    id: ConnectionId,
    live: bool,
}

impl Connection {
    pub(crate) fn new(hv: Hypervisor, partition: PartitionId, id: ConnectionId) -> Connection {
        Connection {
            hv,
            partition,
            id,
            live: true,
        }
    }

    /// Its id.
    pub fn id(&self) -> ConnectionId {
        self.id
    }

    /// Its partition.
    pub fn partition(&self) -> PartitionId {
        self.partition
    }

    /// Disconnects now, reporting a refusal (drop ignores it).
    pub fn disconnect(mut self) -> Result<(), Status> {
        self.disconnect_now()
    }

    /// Gives up the handle without disconnecting; returns the id.
    pub fn leak(mut self) -> ConnectionId {
        self.live = false;
        self.id
    }

    fn disconnect_now(&mut self) -> Result<(), Status> {
        if !std::mem::replace(&mut self.live, false) {
            return Ok(());
        }
        let input = sys::HV_INPUT_DISCONNECT_PORT {
            ConnectionPartition: self.partition,
            ConnectionId: self.id,
            Flags: sys::HV_DISCONNECT_PORT_FLAG_IS_DOORBELL,
        };
        let mut why = 0;
        // SAFETY: live handle; input is read, not kept.
        let st = unsafe { sys::hvdb_port_disconnect(self.hv.as_raw(), ROOT, &input, &mut why) };
        Status::check(st, why)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = self.disconnect_now();
    }
}
