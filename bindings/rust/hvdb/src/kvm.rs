//! libhvdb-kvm (`<hvdb/kvm.h>`, feature `kvm`): the KVM fast path for one
//! partition on a KVM VM that the VMM created. Each connection of the
//! partition gets the ioeventfds its trigger needs (SPEC §5), or stays on
//! the MMIO-exit path, where the VMM's `KVM_EXIT_MMIO` handler calls
//! [`KvmBackend::mmio_write`].
use std::io;
use std::marker::PhantomData;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::ptr::NonNull;

use crate::hypervisor::{errno, write_result, ConnectionId, Hypervisor, Partition};
use crate::sys;
use crate::WriteResult;

/// Which connections go to ioeventfds (for connections made from then
/// on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Every connection KVM takes, up to the offload limit.
    OffloadAll,
    /// None: every write exits to the VMM.
    OffloadNone,
}

impl Policy {
    fn raw(self) -> sys::hvdb_kvm_policy {
        match self {
            Policy::OffloadAll => sys::HVDB_KVM_OFFLOAD_ALL,
            Policy::OffloadNone => sys::HVDB_KVM_OFFLOAD_NONE,
        }
    }
}

/// How to attach. RAM doorbells need the VMM's memory slots: attach with
/// [`KvmBackend::attach_with_slots`] and a [`KvmSlots`] table; without one a
/// doorbell on RAM keeps its page writable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KvmOptions {
    /// The offload policy (default: `OffloadAll`).
    pub policy: Policy,
    /// At most this many connections on ioeventfds (default: no limit).
    pub offload_limit: Option<u32>,
    /// Log fallbacks and page changes to stderr.
    pub debug: bool,
}

impl Default for KvmOptions {
    fn default() -> Self {
        KvmOptions {
            policy: Policy::OffloadAll,
            offload_limit: None,
            debug: false,
        }
    }
}

/// Which path catches one connection's writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// `KVM_EXIT_MMIO`, then [`KvmBackend::mmio_write`].
    Exit,
    /// In-kernel ioeventfds.
    Ioeventfd,
}

/// One connection as the backend holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KvmConnection {
    /// Its path.
    pub path: Path,
    /// What its ioeventfds signal (`None` on the exit path).
    pub eventfd: Option<RawFd>,
    /// Ioeventfds registered for it.
    pub ioeventfds: u32,
    /// It holds its RAM page read-only.
    pub ram_page: bool,
    /// Its port was deleted: its writes are dropped.
    pub port_deleted: bool,
    /// Offloaded fires accounted to it alone.
    pub offloaded_fires: u64,
    /// Offloaded writes dropped for it.
    pub offloaded_drops: u64,
}

/// What the attachment did so far (`struct hvdb_kvm_stats`).
pub type KvmStats = sys::hvdb_kvm_stats;

/// One partition attached to one KVM VM: libhvdb-kvm is the partition's
/// backend while this lives. Dropping it detaches (every ioeventfd is
/// unregistered; the connections stay, on the exit path). It borrows the
/// VM fd, so the VM outlives it, and keeps the hypervisor alive.
///
/// `Send` and `Sync`: [`mmio_write`](Self::mmio_write) is lock-free and
/// may run on every vCPU thread at once; the other calls serialise on the
/// attachment's lock. Detach runs only in `Drop`, when nothing else can.
pub struct KvmBackend<'vm> {
    raw: NonNull<sys::hvdb_kvm>,
    hv: Hypervisor,
    _vm: PhantomData<BorrowedFd<'vm>>,
}

// SAFETY: see the type's documentation (hvdb/kvm.h, Threads).
unsafe impl Send for KvmBackend<'_> {}
unsafe impl Sync for KvmBackend<'_> {}

impl std::fmt::Debug for KvmBackend<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KvmBackend")
            .field("raw", &self.raw)
            .finish_non_exhaustive()
    }
}

impl<'vm> KvmBackend<'vm> {
    /// Attaches `partition` (no connections yet, no backend) to the KVM VM
    /// `vm`. `InvalidInput` for bad options, `NotFound`, `ResourceBusy`
    /// (connections or a backend exist), `OutOfMemory`.
    pub fn attach(partition: &Partition, vm: BorrowedFd<'vm>, options: &KvmOptions) -> io::Result<KvmBackend<'vm>> {
        Self::attach_raw(partition, vm, options, None)
    }

    /// As [`attach`](Self::attach), with libhvdb-kvm's ready memory hook
    /// on `slots`: a doorbell on a page of RAM in `slots` makes that page
    /// read-only (its own `KVM_MEM_READONLY` slot) while connections sit
    /// on it, so its writes exit as MMIO. The backend borrows `slots`.
    pub fn attach_with_slots(
        partition: &Partition,
        vm: BorrowedFd<'vm>,
        options: &KvmOptions,
        slots: &'vm KvmSlots<'vm>,
    ) -> io::Result<KvmBackend<'vm>> {
        Self::attach_raw(partition, vm, options, Some(slots))
    }

    fn attach_raw(
        partition: &Partition,
        vm: BorrowedFd<'vm>,
        options: &KvmOptions,
        slots: Option<&'vm KvmSlots<'vm>>,
    ) -> io::Result<KvmBackend<'vm>> {
        // SAFETY: all-zero is valid; init fills every field.
        let mut o: sys::hvdb_kvm_options = unsafe { std::mem::zeroed() };
        unsafe { sys::hvdb_kvm_options_init(&mut o) };
        o.policy = options.policy.raw();
        o.offload_limit = options.offload_limit.unwrap_or(sys::HVDB_KVM_NO_LIMIT);
        o.debug = options.debug;
        if let Some(slots) = slots {
            // SAFETY: the ready ops are static; the table outlives 'vm.
            o.memory = unsafe { sys::hvdb_kvm_slots_ops() };
            o.memory_opaque = slots.raw.as_ptr().cast();
        }
        let hv = partition.hypervisor().clone();
        let mut out = std::ptr::null_mut();
        // SAFETY: options are copied; vm stays open for 'vm, past detach.
        errno(unsafe { sys::hvdb_kvm_attach(hv.as_raw(), partition.id(), vm.as_raw_fd(), &o, &mut out) })?;
        let raw = NonNull::new(out).ok_or(io::ErrorKind::OutOfMemory)?;
        Ok(KvmBackend {
            raw,
            hv,
            _vm: PhantomData,
        })
    }

    /// The C handle, valid while `self` lives.
    pub fn as_raw(&self) -> *mut sys::hvdb_kvm {
        self.raw.as_ptr()
    }

    /// The exit path: a guest write of `data` (1..8 bytes, as
    /// `KVM_EXIT_MMIO` gives them) at `gpa`. `Miss`: ordinary MMIO or RAM,
    /// the VMM's business. Lock-free; any number of vCPU threads.
    pub fn mmio_write(&self, gpa: u64, data: &[u8]) -> io::Result<WriteResult> {
        let mut out = sys::hvdb_write_outcome::default();
        // SAFETY: data is valid for its length; out is valid.
        let rc =
            unsafe { sys::hvdb_kvm_mmio_write(self.as_raw(), gpa, data.as_ptr().cast(), data.len() as u32, &mut out) };
        Ok(write_result(errno(rc)?, &out))
    }

    /// Accounts `count` signals read from `eventfd` (fires the kernel took
    /// without an exit): returns how many were fires (the rest were
    /// dropped: their port was deleted). `NotFound` when no offloaded
    /// connection signals it.
    pub fn account(&self, eventfd: BorrowedFd<'_>, count: u64) -> io::Result<u64> {
        // SAFETY: live attachment.
        let n = unsafe { sys::hvdb_kvm_account(self.as_raw(), eventfd.as_raw_fd(), count) };
        if n < 0 {
            return Err(io::Error::from_raw_os_error(-n as i32));
        }
        Ok(n as u64)
    }

    /// Policy for connections made from now on.
    pub fn set_policy(&self, policy: Policy) -> io::Result<()> {
        // SAFETY: live attachment.
        errno(unsafe { sys::hvdb_kvm_set_policy(self.as_raw(), policy.raw()) }).map(drop)
    }

    /// Offload limit for connections made from now on (`None`: no limit).
    pub fn set_offload_limit(&self, limit: Option<u32>) {
        // SAFETY: live attachment.
        unsafe { sys::hvdb_kvm_set_offload_limit(self.as_raw(), limit.unwrap_or(sys::HVDB_KVM_NO_LIMIT)) }
    }

    /// The counters.
    pub fn stats(&self) -> KvmStats {
        let mut s = KvmStats {
            size: std::mem::size_of::<KvmStats>() as u32,
            ..Default::default()
        };
        // SAFETY: s.size is the size of s.
        unsafe { sys::hvdb_kvm_get_stats(self.as_raw(), &mut s) };
        s
    }

    /// Connection `id` of the attached partition (`NotFound` if none).
    pub fn connection(&self, id: ConnectionId) -> io::Result<KvmConnection> {
        let mut c = sys::hvdb_kvm_connection {
            size: std::mem::size_of::<sys::hvdb_kvm_connection>() as u32,
            ..Default::default()
        };
        // SAFETY: c.size is the size of c.
        errno(unsafe { sys::hvdb_kvm_connection_get(self.as_raw(), id, &mut c) })?;
        Ok(KvmConnection {
            path: if c.path == sys::HVDB_KVM_PATH_IOEVENTFD {
                Path::Ioeventfd
            } else {
                Path::Exit
            },
            eventfd: (c.eventfd >= 0).then_some(c.eventfd),
            ioeventfds: c.ioeventfds,
            ram_page: c.ram_page,
            port_deleted: c.port_deleted,
            offloaded_fires: c.offloaded_fires,
            offloaded_drops: c.offloaded_drops,
        })
    }

    /// Its hypervisor.
    pub fn hypervisor(&self) -> &Hypervisor {
        &self.hv
    }
}

/// libhvdb-kvm's slot table (`struct hvdb_kvm_slots`): the VMM hands it its
/// guest RAM and a range of memory slot ids, and it maps them, splitting a
/// range when a RAM doorbell needs its page read-only. Borrows the VM fd.
/// `Send` and `Sync`: the table has its own lock.
pub struct KvmSlots<'vm> {
    raw: NonNull<sys::hvdb_kvm_slots>,
    _vm: PhantomData<BorrowedFd<'vm>>,
}

// SAFETY: every hvdb_kvm_slots call takes the table's own lock.
unsafe impl Send for KvmSlots<'_> {}
unsafe impl Sync for KvmSlots<'_> {}

impl std::fmt::Debug for KvmSlots<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KvmSlots").field("raw", &self.raw).finish()
    }
}

impl<'vm> KvmSlots<'vm> {
    /// A table for VM `vm` using slot ids `first..first + count` (count 0:
    /// every slot KVM offers from `first` on).
    pub fn new(vm: BorrowedFd<'vm>, first: u32, count: u32) -> io::Result<KvmSlots<'vm>> {
        let mut out = std::ptr::null_mut();
        // SAFETY: plain call; out is valid.
        errno(unsafe { sys::hvdb_kvm_slots_create(vm.as_raw_fd(), first, count, &mut out) })?;
        let raw = NonNull::new(out).ok_or(io::ErrorKind::OutOfMemory)?;
        Ok(KvmSlots { raw, _vm: PhantomData })
    }

    /// Maps guest RAM `[gpa, gpa + size)` backed by `host` with one slot
    /// (splittable for RAM doorbells unless `fixed`). EINVAL when
    /// unaligned, empty or overlapping, ENOSPC when out of slots, or what
    /// `KVM_SET_USER_MEMORY_REGION` returned.
    ///
    /// # Safety
    /// `host` must be page-aligned and point to `size` bytes that stay
    /// allocated, and are not used as Rust references, for as long as the
    /// VM lives: the guest reads and writes them.
    pub unsafe fn add(&self, gpa: u64, size: u64, host: *mut u8, fixed: bool) -> io::Result<()> {
        // SAFETY: the caller vouches for host; the table locks itself.
        errno(unsafe { sys::hvdb_kvm_slots_add(self.raw.as_ptr(), gpa, size, host.cast(), fixed) }).map(drop)
    }

    /// Whether the page of `gpa` is mapped read-only now.
    pub fn page_is_readonly(&self, gpa: u64) -> bool {
        // SAFETY: live table; it locks itself.
        unsafe { sys::hvdb_kvm_slots_page_is_readonly(self.raw.as_ptr(), gpa) }
    }
}

impl Drop for KvmSlots<'_> {
    fn drop(&mut self) {
        // SAFETY: no backend borrows it any more (lifetimes); last use.
        unsafe { sys::hvdb_kvm_slots_destroy(self.raw.as_ptr()) }
    }
}

impl Drop for KvmBackend<'_> {
    fn drop(&mut self) {
        // SAFETY: last use; nothing else can be running on it.
        unsafe { sys::hvdb_kvm_detach(self.as_raw()) }
    }
}
