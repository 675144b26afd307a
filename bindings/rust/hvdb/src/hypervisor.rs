//! `Hypervisor` (one `struct hvdb`), `Partition`, writes and snapshots.
use std::ffi::{c_char, CStr};
use std::fmt;
use std::io;
use std::ptr::{self, NonNull};
use std::sync::Arc;

use crate::port::{ConnectPort, Connection, CreatePort, Port, PortStats};
use crate::status::Status;
use crate::sys;

/// Partition id (`HV_PARTITION_ID`).
pub type PartitionId = u64;
/// Port id (`HV_PORT_ID`, 24 bits).
pub type PortId = u32;
/// Connection id (`HV_CONNECTION_ID`, 24 bits).
pub type ConnectionId = u32;

/// The root partition's id: it always exists, holds every privilege and
/// owns every doorbell port.
pub const ROOT: PartitionId = sys::HVDB_ROOT_PARTITION_ID;

/// Owns the C handle; destroyed when the last `Hypervisor`, `Partition`,
/// `Port` or `Connection` referring to it is dropped.
struct Handle(NonNull<sys::hvdb>);

// SAFETY: libhvdb's calls on a handle may run on any thread, concurrently
// (state changes serialise on the handle's lock; writes, lookups and stats
// are lock-free). The one exception, hvdb_destroy(), runs only in Drop, when
// no other reference exists.
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: last reference; nothing else can be running on it.
        unsafe { sys::hvdb_destroy(self.0.as_ptr()) }
    }
}

/// One hypervisor: partitions, doorbell ports and connections (SPEC §2).
///
/// A cheap handle: clones share the same hypervisor, which is destroyed
/// when the last clone and the last [`Port`], [`Connection`] and
/// [`Partition`] made from it are gone. `Send` and `Sync`: every call may
/// run on any thread, concurrently, as libhvdb allows (state changes take
/// the hypervisor's lock; [`write`](Self::write) takes none and may run on
/// any number of vCPU threads while others connect and disconnect).
#[derive(Clone)]
pub struct Hypervisor {
    handle: Arc<Handle>,
}

impl fmt::Debug for Hypervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hypervisor").field("handle", &self.handle.0).finish()
    }
}

/// What a guest write did ([`Hypervisor::write`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteResult {
    /// It matched `connection` and fired its `port`: counted, eventfd
    /// signalled, callback run, queued on the notification ring.
    Fired {
        /// The port (of the root partition) that fired.
        port: PortId,
        /// The connection whose trigger matched.
        connection: ConnectionId,
    },
    /// It matched `connection`, whose port was deleted: consumed, nothing
    /// delivered.
    Dropped {
        /// The connection whose trigger matched.
        connection: ConnectionId,
    },
    /// It matched nothing: an ordinary MMIO (or RAM) write for the VMM.
    Miss,
}

/// A hypervisor whose snapshot failed to save or restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotError {
    /// The negative errno libhvdb returned (`-EINVAL`, `-EBADMSG`, ...).
    pub code: i32,
    /// What is wrong, naming the entry.
    pub message: String,
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "snapshot: {} ({})",
            self.message,
            io::Error::from_raw_os_error(-self.code)
        )
    }
}

impl std::error::Error for SnapshotError {}

impl SnapshotError {
    fn from_sys(code: i32, err: &sys::hvdb_snapshot_error) -> SnapshotError {
        // SAFETY: libhvdb NUL-terminates message (zeroed before the call).
        let msg = unsafe { CStr::from_ptr(err.message.as_ptr()) };
        SnapshotError {
            code,
            message: msg.to_string_lossy().into_owned(),
        }
    }
}

pub(crate) fn errno(rc: i32) -> io::Result<i32> {
    if rc < 0 {
        Err(io::Error::from_raw_os_error(-rc))
    } else {
        Ok(rc)
    }
}

impl Hypervisor {
    /// A new hypervisor with the root partition (1 VP).
    pub fn new() -> io::Result<Hypervisor> {
        Hypervisor::with_root_vps(1)
    }

    /// A new hypervisor whose root partition has `vps` VPs (0 means 1).
    pub fn with_root_vps(vps: u32) -> io::Result<Hypervisor> {
        if vps == sys::HV_ANY_VP {
            return Err(io::Error::from(io::ErrorKind::InvalidInput));
        }
        let config = sys::hvdb_config { root_vp_count: vps };
        // SAFETY: config is read, not kept.
        let raw = unsafe { sys::hvdb_create(&config) };
        Ok(Hypervisor::from_raw(
            NonNull::new(raw).ok_or(io::ErrorKind::OutOfMemory)?,
        ))
    }

    fn from_raw(raw: NonNull<sys::hvdb>) -> Hypervisor {
        Hypervisor {
            handle: Arc::new(Handle(raw)),
        }
    }

    /// The C handle, for calls of `hvdb_sys` this crate does not wrap. It
    /// stays valid while `self` lives; do not destroy it.
    pub fn as_raw(&self) -> *mut sys::hvdb {
        self.handle.0.as_ptr()
    }

    /// The root partition.
    pub fn root(&self) -> Partition {
        Partition {
            hv: self.clone(),
            id: ROOT,
        }
    }

    /// Creates a guest partition (see [`PartitionConfig`]).
    /// `bad-partition-config`, `partition-exists` or `out-of-memory`.
    pub fn create_partition(&self, config: &PartitionConfig) -> Result<Partition, Status> {
        let mut raw = config.raw;
        raw.ram = config.ram.as_ptr();
        raw.ram_count = config.ram.len();
        let mut why = 0;
        // SAFETY: raw and its RAM ranges are valid for the call (copied).
        let st = unsafe { sys::hvdb_partition_create(self.as_raw(), &raw, &mut why) };
        Status::check(st, why)?;
        Ok(Partition {
            hv: self.clone(),
            id: raw.id,
        })
    }

    /// The partition `id`, if it exists.
    pub fn partition(&self, id: PartitionId) -> Option<Partition> {
        // SAFETY: lock-free query on a live handle.
        unsafe { sys::hvdb_partition_exists(self.as_raw(), id) }.then(|| Partition { hv: self.clone(), id })
    }

    /// HvCallCreatePort issued by the root. The returned [`Port`] deletes
    /// the port when dropped.
    pub fn create_port(&self, input: &CreatePort) -> Result<Port, Status> {
        self.create_port_as(ROOT, input)
    }

    /// HvCallCreatePort issued by partition `caller` (the access rule of
    /// SPEC §3 applies: the root, or the port partition itself holding
    /// the CreatePort privilege).
    pub fn create_port_as(&self, caller: PartitionId, input: &CreatePort) -> Result<Port, Status> {
        let mut why = 0;
        // SAFETY: the input is read, not kept.
        let st = unsafe { sys::hvdb_port_create(self.as_raw(), caller, input.raw(), &mut why) };
        Status::check(st, why)?;
        Ok(Port::new(self.clone(), input.raw().PortId))
    }

    /// HvCallConnectPort issued by the root. The returned [`Connection`]
    /// disconnects when dropped.
    pub fn connect(&self, input: &ConnectPort) -> Result<Connection, Status> {
        self.connect_as(ROOT, input)
    }

    /// HvCallConnectPort issued by partition `caller` (the root, or the
    /// connection partition itself holding the ConnectPort privilege).
    pub fn connect_as(&self, caller: PartitionId, input: &ConnectPort) -> Result<Connection, Status> {
        let mut why = 0;
        // SAFETY: the input is read, not kept.
        let st = unsafe { sys::hvdb_port_connect(self.as_raw(), caller, input.raw(), &mut why) };
        Status::check(st, why)?;
        let raw = input.raw();
        let partition = if raw.ConnectionPartition == sys::HV_PARTITION_ID_SELF {
            caller
        } else {
            raw.ConnectionPartition
        };
        Ok(Connection::new(self.clone(), partition, raw.ConnectionId))
    }

    /// One of the four port hypercalls from its raw input bytes, as a
    /// guest puts them in its input page (`unknown-hypercall-code`,
    /// `bad-input-length`, or the typed call's result). Objects it makes
    /// have no handle: they live until a hypercall removes them or the
    /// hypervisor goes.
    pub fn hypercall(&self, caller: PartitionId, code: u16, input: &[u8]) -> Result<(), Status> {
        let mut why = 0;
        // SAFETY: input is valid for its length, read only.
        let st = unsafe {
            sys::hvdb_hypercall(
                self.as_raw(),
                caller,
                code,
                input.as_ptr().cast(),
                input.len(),
                &mut why,
            )
        };
        Status::check(st, why)
    }

    /// A guest write of `len` (1..8) bytes whose little-endian value is
    /// `value` at `gpa` in `partition`: what a VMM calls on an MMIO exit.
    /// Fires at most one connection. `InvalidInput` when `len` is not 1..8
    /// or `value` does not fit in `len` bytes. Lock-free, any thread.
    pub fn write(&self, partition: PartitionId, gpa: u64, len: u32, value: u64) -> io::Result<WriteResult> {
        let mut out = sys::hvdb_write_outcome::default();
        // SAFETY: lock-free call on a live handle; out is valid.
        let rc = unsafe { sys::hvdb_write(self.as_raw(), partition, gpa, len, value, &mut out) };
        Ok(write_result(errno(rc)?, &out))
    }

    /// As [`write`](Self::write), from the bytes written (1..8, as
    /// `KVM_EXIT_MMIO` gives them).
    pub fn write_bytes(&self, partition: PartitionId, gpa: u64, data: &[u8]) -> io::Result<WriteResult> {
        let value = le_value(data)?;
        self.write(partition, gpa, data.len() as u32, value)
    }

    /// What [`write`](Self::write) would do, delivering nothing and
    /// counting nothing.
    pub fn lookup(&self, partition: PartitionId, gpa: u64, len: u32, value: u64) -> io::Result<WriteResult> {
        let mut out = sys::hvdb_write_outcome::default();
        // SAFETY: lock-free call on a live handle; out is valid.
        let rc = unsafe { sys::hvdb_match_lookup(self.as_raw(), partition, gpa, len, value, &mut out) };
        Ok(write_result(errno(rc)?, &out))
    }

    /// The counters of live port `port` (`NotFound` when there is none).
    pub fn port_stats(&self, port: PortId) -> io::Result<PortStats> {
        let mut s = sys::hvdb_port_stats::default();
        // SAFETY: lock-free call on a live handle; s is valid.
        errno(unsafe { sys::hvdb_port_stats(self.as_raw(), port, &mut s) })?;
        Ok(PortStats {
            triggers: s.triggers,
            userspace: s.userspace,
            offloaded: s.offloaded,
        })
    }

    /// Takes the oldest pending port from the (vp, sint) notification ring
    /// of the root (`None` when empty; `InvalidInput` for a bad vp or
    /// sint).
    pub fn ring_pop(&self, vp: u32, sint: u32) -> io::Result<Option<PortId>> {
        let mut id = 0;
        // SAFETY: live handle; id is valid.
        let rc = errno(unsafe { sys::hvdb_ring_pop(self.as_raw(), vp, sint, &mut id) })?;
        Ok((rc == 1).then_some(id))
    }

    /// HvCallNotifyPortRingEmpty for the (vp, sint) ring.
    pub fn ring_notify_empty(&self, vp: u32, sint: u32) -> io::Result<()> {
        // SAFETY: live handle.
        errno(unsafe { sys::hvdb_ring_notify_empty(self.as_raw(), vp, sint) }).map(drop)
    }

    /// Waits until every write and callback running when called has
    /// finished. Never call it from a port callback (it would wait for
    /// itself).
    pub fn synchronize(&self) {
        // SAFETY: live handle.
        unsafe { sys::hvdb_synchronize(self.as_raw()) }
    }

    /// The whole state as a snapshot document (JSON; see `hvdb.h`).
    pub fn snapshot(&self) -> Result<String, SnapshotError> {
        let mut json: *mut c_char = ptr::null_mut();
        let mut len = 0usize;
        // SAFETY: all-zero is a valid hvdb_snapshot_error.
        let mut err: sys::hvdb_snapshot_error = unsafe { std::mem::zeroed() };
        // SAFETY: outputs are valid; json is ours to free on success.
        let rc = unsafe { sys::hvdb_snapshot_save(self.as_raw(), &mut json, &mut len, &mut err) };
        if rc != 0 {
            return Err(SnapshotError::from_sys(rc, &err));
        }
        // SAFETY: json holds len bytes, allocated with malloc.
        let text = unsafe { std::slice::from_raw_parts(json as *const u8, len) };
        let doc = String::from_utf8_lossy(text).into_owned();
        unsafe { sys::free(json.cast()) };
        Ok(doc)
    }

    /// A new hypervisor built from a snapshot document. Its ports and
    /// connections have no handles: they live as long as it does.
    pub fn restore(json: &str) -> Result<Hypervisor, SnapshotError> {
        let mut out = ptr::null_mut();
        // SAFETY: all-zero is a valid hvdb_snapshot_error.
        let mut err: sys::hvdb_snapshot_error = unsafe { std::mem::zeroed() };
        // SAFETY: json is valid for its length; no hooks.
        let rc = unsafe {
            sys::hvdb_snapshot_restore(
                json.as_ptr().cast(),
                json.len(),
                ptr::null(),
                ptr::null_mut(),
                &mut out,
                &mut err,
            )
        };
        match NonNull::new(out) {
            Some(raw) if rc == 0 => Ok(Hypervisor::from_raw(raw)),
            _ => Err(SnapshotError::from_sys(rc, &err)),
        }
    }
}

pub(crate) fn write_result(rc: i32, out: &sys::hvdb_write_outcome) -> WriteResult {
    match rc as sys::hvdb_write_result {
        sys::HVDB_WRITE_FIRE => WriteResult::Fired {
            port: out.port_id,
            connection: out.connection_id,
        },
        sys::HVDB_WRITE_DROPPED => WriteResult::Dropped {
            connection: out.connection_id,
        },
        _ => WriteResult::Miss,
    }
}

/// The written bytes read little-endian and zero-extended (SPEC §4).
fn le_value(data: &[u8]) -> io::Result<u64> {
    if data.is_empty() || data.len() > 8 {
        return Err(io::ErrorKind::InvalidInput.into());
    }
    let mut b = [0u8; 8];
    b[..data.len()].copy_from_slice(data);
    Ok(u64::from_le_bytes(b))
}

/// A guest partition to create: an id, VPs, a GPA width, privileges, RAM
/// ranges and a connection limit. Starts from libhvdb's defaults (1 VP,
/// 48 GPA bits, no privileges, no RAM, the default connection limit).
#[derive(Debug, Clone)]
pub struct PartitionConfig {
    raw: sys::hvdb_partition_config,
    ram: Vec<sys::hvdb_ram_range>,
}

// SAFETY: raw.ram is never dereferenced from the struct: create_partition
// points it at self.ram for the call only.
unsafe impl Send for PartitionConfig {}
unsafe impl Sync for PartitionConfig {}

impl PartitionConfig {
    /// The defaults for partition `id`.
    pub fn new(id: PartitionId) -> PartitionConfig {
        // SAFETY: all-zero is valid; init fills every field.
        let mut raw: sys::hvdb_partition_config = unsafe { std::mem::zeroed() };
        unsafe { sys::hvdb_partition_config_init(&mut raw, id) };
        PartitionConfig { raw, ram: Vec::new() }
    }

    /// Number of VPs (>= 1).
    pub fn vp_count(mut self, n: u32) -> Self {
        self.raw.vp_count = n;
        self
    }

    /// GPA width in bits (12..64).
    pub fn gpa_bits(mut self, bits: u32) -> Self {
        self.raw.gpa_bits = bits;
        self
    }

    /// Privilege mask (`sys::HV_PRIVILEGE_CREATE_PORT`, `..._CONNECT_PORT`).
    pub fn privileges(mut self, mask: u64) -> Self {
        self.raw.privileges = mask;
        self
    }

    /// Adds a RAM range (doorbells may sit on RAM too).
    pub fn ram(mut self, start: u64, size: u64) -> Self {
        self.ram.push(sys::hvdb_ram_range { start, size });
        self
    }

    /// Most connections the partition may hold.
    pub fn connection_limit(mut self, n: u32) -> Self {
        self.raw.connection_limit = n;
        self
    }
}

/// A partition of a hypervisor (partitions live as long as it does).
/// Keeps the hypervisor alive. `Send` and `Sync`, as [`Hypervisor`].
#[derive(Debug, Clone)]
pub struct Partition {
    hv: Hypervisor,
    id: PartitionId,
}

impl Partition {
    /// Its id.
    pub fn id(&self) -> PartitionId {
        self.id
    }

    /// Its hypervisor.
    pub fn hypervisor(&self) -> &Hypervisor {
        &self.hv
    }

    /// A write by this partition ([`Hypervisor::write`]).
    pub fn write(&self, gpa: u64, len: u32, value: u64) -> io::Result<WriteResult> {
        self.hv.write(self.id, gpa, len, value)
    }

    /// Connects connection `id` of this partition to root port `port` with
    /// trigger `info`, as the root ([`Hypervisor::connect`]).
    pub fn connect(
        &self,
        id: ConnectionId,
        port: PortId,
        info: impl Into<crate::HvConnectionInfo>,
    ) -> Result<Connection, Status> {
        self.hv.connect(&ConnectPort::new(self.id, id, port, info))
    }
}
