//! Raw FFI of libhvdb: `<hvdb/hvdef.h>` (the Hyper-V ABI of doorbell ports
//! and connections), `<hvdb/hvdb.h>` (the library) with the headers split
//! from it (`backend.h`, `introspect.h`, `snapshot.h`, `testing.h`,
//! `dialect.h`), and,
//! with the default feature `kvm`, `<hvdb/kvm.h>` (libhvdb-kvm).
//!
//! Names and layouts are the C ones. Every struct and every constant below
//! is checked against the headers at build time: `build.rs` compiles a
//! small C program against the headers this crate links with, and the
//! sizes, alignments, field offsets, field sizes and values it prints
//! become `const` assertions in this crate, so any drift fails the build.
//! The `HVDB_REASON_*` and `HVDB_FAULT_*` constants are generated from the
//! headers' own lists. Function contracts (threads, ownership, results) are
//! the header comments; the safe API is the `hvdb` crate.
#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals)]
#![no_std]

use core::ffi::{c_char, c_int, c_uint, c_void};

// ---------------------------------------------------------------------
// hvdef.h
// ---------------------------------------------------------------------

pub type HV_STATUS = u16;
pub type HV_PARTITION_ID = u64;
pub type HV_GPA = u64;
pub type HV_PORT_ID = u32;
pub type HV_CONNECTION_ID = u32;
pub type HV_VP_INDEX = u32;
pub type HV_VTL = u8;

pub type HV_PORT_TYPE = c_uint;
pub const HvPortTypeMessage: HV_PORT_TYPE = 1;
pub const HvPortTypeEvent: HV_PORT_TYPE = 2;
pub const HvPortTypeMonitor: HV_PORT_TYPE = 3;
pub const HvPortTypeDoorbell: HV_PORT_TYPE = 4;

pub const HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK: u64 = 0x0000_0007;
pub const HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY: u64 = 0x0000_0000;
pub const HV_DOORBELL_FLAG_TRIGGER_SIZE_BYTE: u64 = 0x0000_0001;
pub const HV_DOORBELL_FLAG_TRIGGER_SIZE_WORD: u64 = 0x0000_0002;
pub const HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD: u64 = 0x0000_0003;
pub const HV_DOORBELL_FLAG_TRIGGER_SIZE_QWORD: u64 = 0x0000_0004;
pub const HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE: u64 = 0x8000_0000;
pub const HV_DOORBELL_FLAG_VALID_MASK: u64 = HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK | HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE;

pub const HVCALL_DELETE_PORT: u16 = 0x0058;
pub const HVCALL_DISCONNECT_PORT: u16 = 0x005B;
pub const HVCALL_CREATE_PORT: u16 = 0x0095;
pub const HVCALL_CONNECT_PORT: u16 = 0x0096;

pub const HV_STATUS_SUCCESS: HV_STATUS = 0x0000;
pub const HV_STATUS_INVALID_HYPERCALL_CODE: HV_STATUS = 0x0002;
pub const HV_STATUS_INVALID_HYPERCALL_INPUT: HV_STATUS = 0x0003;
pub const HV_STATUS_INVALID_ALIGNMENT: HV_STATUS = 0x0004;
pub const HV_STATUS_INVALID_PARAMETER: HV_STATUS = 0x0005;
pub const HV_STATUS_ACCESS_DENIED: HV_STATUS = 0x0006;
pub const HV_STATUS_INVALID_PARTITION_STATE: HV_STATUS = 0x0007;
pub const HV_STATUS_OPERATION_DENIED: HV_STATUS = 0x0008;
pub const HV_STATUS_INSUFFICIENT_MEMORY: HV_STATUS = 0x000B;
pub const HV_STATUS_INVALID_PARTITION_ID: HV_STATUS = 0x000D;
pub const HV_STATUS_INVALID_VP_INDEX: HV_STATUS = 0x000E;
pub const HV_STATUS_INVALID_PORT_ID: HV_STATUS = 0x0011;
pub const HV_STATUS_INVALID_CONNECTION_ID: HV_STATUS = 0x0012;
pub const HV_STATUS_OBJECT_IN_USE: HV_STATUS = 0x0019;

pub const HV_PRIVILEGE_CREATE_PORT_BIT: u32 = 38;
pub const HV_PRIVILEGE_CONNECT_PORT_BIT: u32 = 39;
pub const HV_PRIVILEGE_CREATE_PORT: u64 = 1 << HV_PRIVILEGE_CREATE_PORT_BIT;
pub const HV_PRIVILEGE_CONNECT_PORT: u64 = 1 << HV_PRIVILEGE_CONNECT_PORT_BIT;

pub const HV_PARTITION_ID_SELF: HV_PARTITION_ID = 0xFFFF_FFFF_FFFF_FFFF;
pub const HV_ANY_VP: HV_VP_INDEX = 0xFFFF_FFFF;
pub const HV_SYNIC_DOORBELL_SINT_INDEX: u32 = 5;
pub const HV_SYNIC_SINT_COUNT: u32 = 16;

pub const HV_PORT_ID_MASK: HV_PORT_ID = 0x00FF_FFFF;
pub const HV_CONNECTION_ID_MASK: HV_CONNECTION_ID = 0x00FF_FFFF;

pub const HV_DISCONNECT_PORT_FLAG_IS_DOORBELL: u32 = 0x1;

/// `HV_CONNECTION_INFO.DoorbellConnectionInfo` (the only member of its
/// anonymous union).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct HV_DOORBELL_CONNECTION_INFO {
    pub GuestPhysicalAddress: HV_GPA,
    pub TriggerValue: u64,
    pub Flags: u64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct HV_CONNECTION_INFO {
    pub PortType: u32,
    pub Padding: u32,
    pub DoorbellConnectionInfo: HV_DOORBELL_CONNECTION_INFO,
}

/// `HV_PORT_INFO.DoorbellPortInfo` (the only member of its anonymous
/// union).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct HV_DOORBELL_PORT_INFO {
    pub TargetSint: u32,
    pub TargetVp: HV_VP_INDEX,
    pub ReservedZ: u64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct HV_PORT_INFO {
    pub PortType: u32,
    pub ReservedZ: u32,
    pub DoorbellPortInfo: HV_DOORBELL_PORT_INFO,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct HV_INPUT_CREATE_PORT {
    pub PortPartition: HV_PARTITION_ID,
    pub PortId: HV_PORT_ID,
    pub PortVtl: HV_VTL,
    pub MinConnectionVtl: HV_VTL,
    pub Padding: u16,
    pub ConnectionPartition: HV_PARTITION_ID,
    pub PortInfo: HV_PORT_INFO,
    pub ProximityDomainInfo: u64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct HV_INPUT_CONNECT_PORT {
    pub ConnectionPartition: HV_PARTITION_ID,
    pub ConnectionId: HV_CONNECTION_ID,
    pub ConnectionVtl: HV_VTL,
    pub Rsvd0: u8,
    pub Rsvd1: u16,
    pub PortPartition: HV_PARTITION_ID,
    pub PortId: HV_PORT_ID,
    pub Reserved: u32,
    pub ConnectionInfo: HV_CONNECTION_INFO,
    pub ProximityDomainInfo: u64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct HV_INPUT_DISCONNECT_PORT {
    pub ConnectionPartition: HV_PARTITION_ID,
    pub ConnectionId: HV_CONNECTION_ID,
    pub Flags: u32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct HV_INPUT_DELETE_PORT {
    pub PortPartition: HV_PARTITION_ID,
    pub PortId: HV_PORT_ID,
    pub Reserved: u32,
}

// ---------------------------------------------------------------------
// hvdb.h
// ---------------------------------------------------------------------

pub type hvdb_gpa_t = u64;

pub const HVDB_ROOT_PARTITION_ID: u64 = 1;
pub const HVDB_DEFAULT_GPA_BITS: u32 = 48;
pub const HVDB_DEFAULT_CONNECTION_LIMIT: u32 = 262_144;
pub const HVDB_PAGE_SIZE: u32 = 4096;
pub const HVDB_RING_SLOTS: u32 = 63;
pub const HVDB_CONNECTION_ID_UNKNOWN: HV_CONNECTION_ID = 0xFFFF_FFFF;

/// `enum hvdb_reason`; the `HVDB_REASON_*` values are generated from the
/// header's `HVDB_REASONS` list.
pub type hvdb_reason = c_uint;
/// `enum hvdb_fault_site`; the `HVDB_FAULT_*` values are generated from the
/// header's `HVDB_FAULT_SITES` list.
pub type hvdb_fault_site = c_uint;
include!(concat!(env!("OUT_DIR"), "/reasons.rs"));

/// The handle: one hypervisor (opaque).
#[repr(C)]
pub struct hvdb {
    _opaque: [u8; 0],
    _not_send_sync: core::marker::PhantomData<*mut u8>,
}

/// C's `FILE` (opaque), for the snapshot calls on streams.
#[repr(C)]
pub struct FILE {
    _opaque: [u8; 0],
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct hvdb_config {
    pub root_vp_count: u32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct hvdb_ram_range {
    pub start: hvdb_gpa_t,
    pub size: u64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct hvdb_partition_config {
    pub id: u64,
    pub vp_count: u32,
    pub gpa_bits: u32,
    pub privileges: u64,
    pub ram: *const hvdb_ram_range,
    pub ram_count: usize,
    pub connection_limit: u32,
}

pub type hvdb_write_result = c_uint;
pub const HVDB_WRITE_MISS: hvdb_write_result = 0;
pub const HVDB_WRITE_FIRE: hvdb_write_result = 1;
pub const HVDB_WRITE_DROPPED: hvdb_write_result = 2;

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct hvdb_write_outcome {
    pub connection_id: HV_CONNECTION_ID,
    pub port_id: HV_PORT_ID,
    pub port_partition: u64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct hvdb_port_stats {
    pub triggers: u64,
    pub userspace: u64,
    pub offloaded: u64,
}

pub type hvdb_port_callback_fn =
    Option<unsafe extern "C" fn(opaque: *mut c_void, port_id: HV_PORT_ID, connection_id: HV_CONNECTION_ID)>;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct hvdb_trigger {
    pub partition: u64,
    pub connection_id: HV_CONNECTION_ID,
    pub port_id: HV_PORT_ID,
    pub gpa: hvdb_gpa_t,
    pub width: u32,
    pub any_size: bool,
    pub any_value: bool,
    pub value: u64,
    pub eventfd: c_int,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct hvdb_backend_ops {
    pub attach: Option<
        unsafe extern "C" fn(opaque: *mut c_void, trigger: *const hvdb_trigger, cookie: *mut *mut c_void) -> c_int,
    >,
    pub detach: Option<unsafe extern "C" fn(opaque: *mut c_void, trigger: *const hvdb_trigger, cookie: *mut c_void)>,
    pub port_deleted:
        Option<unsafe extern "C" fn(opaque: *mut c_void, trigger: *const hvdb_trigger, cookie: *mut c_void)>,
    pub release: Option<unsafe extern "C" fn(opaque: *mut c_void)>,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct hvdb_partition_desc {
    pub id: u64,
    pub vp_count: u32,
    pub gpa_bits: u32,
    pub privileges: u64,
    pub connection_limit: u32,
    pub connection_count: u32,
    pub ram: *const hvdb_ram_range,
    pub ram_count: usize,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct hvdb_port_desc {
    pub id: HV_PORT_ID,
    pub connection_partition: u64,
    pub target_sint: u32,
    pub target_vp: u32,
    pub port_type: u32,
    pub stats: hvdb_port_stats,
    pub connection_count: u32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct hvdb_connection_desc {
    pub partition: u64,
    pub id: HV_CONNECTION_ID,
    pub port_id: HV_PORT_ID,
    pub port_deleted: bool,
    pub info: HV_CONNECTION_INFO,
}

pub const HVDB_SNAPSHOT_VERSION: u32 = 1;
pub const HVDB_SNAPSHOT_MESSAGE_MAX: usize = 192;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct hvdb_snapshot_error {
    pub code: c_int,
    pub message: [c_char; HVDB_SNAPSHOT_MESSAGE_MAX],
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct hvdb_snapshot_restore_ops {
    pub partition_restored:
        Option<unsafe extern "C" fn(opaque: *mut c_void, hv: *mut hvdb, d: *const hvdb_partition_desc) -> c_int>,
    pub port_restored:
        Option<unsafe extern "C" fn(opaque: *mut c_void, hv: *mut hvdb, d: *const hvdb_port_desc) -> c_int>,
    /// After every port and connection, per client-dialect registration.
    pub doorbell_restored:
        Option<unsafe extern "C" fn(opaque: *mut c_void, hv: *mut hvdb, d: *const hvdb_doorbell_desc) -> c_int>,
}

pub type hvdb_partition_foreach_fn =
    Option<unsafe extern "C" fn(opaque: *mut c_void, d: *const hvdb_partition_desc) -> c_int>;
pub type hvdb_port_foreach_fn = Option<unsafe extern "C" fn(opaque: *mut c_void, d: *const hvdb_port_desc) -> c_int>;
pub type hvdb_connection_foreach_fn =
    Option<unsafe extern "C" fn(opaque: *mut c_void, d: *const hvdb_connection_desc) -> c_int>;

extern "C" {
    pub fn hvdb_reason_name(reason: hvdb_reason) -> *const c_char;
    pub fn hvdb_reason_message(reason: hvdb_reason) -> *const c_char;
    pub fn hvdb_status_name(status: HV_STATUS) -> *const c_char;

    pub fn hvdb_trigger_size_width(flags: u64) -> c_int;
    pub fn hvdb_trigger_size_name(flags: u64) -> *const c_char;
    pub fn hvdb_conninfo_encode(info: *const HV_CONNECTION_INFO, out: *mut u8);
    pub fn hvdb_conninfo_decode(bytes: *const u8, len: usize, info: *mut HV_CONNECTION_INFO) -> c_int;
    pub fn hvdb_conninfo_problems(info: *const HV_CONNECTION_INFO, out: *mut hvdb_reason, max: usize) -> usize;
    pub fn hvdb_conninfo_describe(info: *const HV_CONNECTION_INFO, buf: *mut c_char, size: usize) -> c_int;

    pub fn hvdb_create(config: *const hvdb_config) -> *mut hvdb;
    pub fn hvdb_destroy(hv: *mut hvdb);
    pub fn hvdb_synchronize(hv: *mut hvdb);

    pub fn hvdb_partition_config_init(config: *mut hvdb_partition_config, id: u64);
    pub fn hvdb_partition_create(
        hv: *mut hvdb,
        config: *const hvdb_partition_config,
        reason: *mut hvdb_reason,
    ) -> HV_STATUS;
    pub fn hvdb_partition_exists(hv: *mut hvdb, id: u64) -> bool;

    pub fn hvdb_port_create(
        hv: *mut hvdb,
        caller: u64,
        input: *const HV_INPUT_CREATE_PORT,
        reason: *mut hvdb_reason,
    ) -> HV_STATUS;
    pub fn hvdb_port_connect(
        hv: *mut hvdb,
        caller: u64,
        input: *const HV_INPUT_CONNECT_PORT,
        reason: *mut hvdb_reason,
    ) -> HV_STATUS;
    pub fn hvdb_port_disconnect(
        hv: *mut hvdb,
        caller: u64,
        input: *const HV_INPUT_DISCONNECT_PORT,
        reason: *mut hvdb_reason,
    ) -> HV_STATUS;
    pub fn hvdb_port_delete(
        hv: *mut hvdb,
        caller: u64,
        input: *const HV_INPUT_DELETE_PORT,
        reason: *mut hvdb_reason,
    ) -> HV_STATUS;
    pub fn hvdb_hypercall(
        hv: *mut hvdb,
        caller: u64,
        code: u16,
        input: *const c_void,
        len: usize,
        reason: *mut hvdb_reason,
    ) -> HV_STATUS;
    pub fn hvdb_hypercall_input_size(code: u16) -> usize;

    pub fn hvdb_write(
        hv: *mut hvdb,
        partition: u64,
        gpa: hvdb_gpa_t,
        len: c_uint,
        value: u64,
        out: *mut hvdb_write_outcome,
    ) -> c_int;
    pub fn hvdb_match_lookup(
        hv: *mut hvdb,
        partition: u64,
        gpa: hvdb_gpa_t,
        len: c_uint,
        value: u64,
        out: *mut hvdb_write_outcome,
    ) -> c_int;

    pub fn hvdb_port_stats(hv: *mut hvdb, port_id: HV_PORT_ID, stats: *mut hvdb_port_stats) -> c_int;
    pub fn hvdb_port_set_eventfd(hv: *mut hvdb, port_id: HV_PORT_ID, fd: c_int) -> c_int;
    pub fn hvdb_port_set_callback(
        hv: *mut hvdb,
        port_id: HV_PORT_ID,
        f: hvdb_port_callback_fn,
        opaque: *mut c_void,
    ) -> c_int;
    pub fn hvdb_port_account_offloaded(hv: *mut hvdb, port_id: HV_PORT_ID, count: u64) -> c_int;
    pub fn hvdb_ring_pop(hv: *mut hvdb, vp: u32, sint: u32, port_id: *mut HV_PORT_ID) -> c_int;
    pub fn hvdb_ring_notify_empty(hv: *mut hvdb, vp: u32, sint: u32) -> c_int;

    pub fn hvdb_partition_set_backend(
        hv: *mut hvdb,
        partition: u64,
        ops: *const hvdb_backend_ops,
        opaque: *mut c_void,
    ) -> c_int;

    pub fn hvdb_partition_config_from_desc(config: *mut hvdb_partition_config, desc: *const hvdb_partition_desc);
    pub fn hvdb_partition_foreach(hv: *mut hvdb, f: hvdb_partition_foreach_fn, opaque: *mut c_void) -> c_int;
    pub fn hvdb_port_foreach(hv: *mut hvdb, f: hvdb_port_foreach_fn, opaque: *mut c_void) -> c_int;
    pub fn hvdb_connection_foreach(hv: *mut hvdb, f: hvdb_connection_foreach_fn, opaque: *mut c_void) -> c_int;

    pub fn hvdb_fault_site_name(site: hvdb_fault_site) -> *const c_char;
    pub fn hvdb_fault_arm(hv: *mut hvdb, nth: u64);
    pub fn hvdb_fault_count(hv: *mut hvdb) -> u64;
    pub fn hvdb_fault_hit(hv: *mut hvdb, site: hvdb_fault_site) -> bool;

    pub fn hvdb_snapshot_save(
        hv: *mut hvdb,
        json: *mut *mut c_char,
        len: *mut usize,
        err: *mut hvdb_snapshot_error,
    ) -> c_int;
    pub fn hvdb_snapshot_save_file(hv: *mut hvdb, f: *mut FILE, err: *mut hvdb_snapshot_error) -> c_int;
    pub fn hvdb_snapshot_restore(
        json: *const c_char,
        len: usize,
        ops: *const hvdb_snapshot_restore_ops,
        opaque: *mut c_void,
        out: *mut *mut hvdb,
        err: *mut hvdb_snapshot_error,
    ) -> c_int;
    pub fn hvdb_snapshot_restore_file(
        f: *mut FILE,
        ops: *const hvdb_snapshot_restore_ops,
        opaque: *mut c_void,
        out: *mut *mut hvdb,
        err: *mut hvdb_snapshot_error,
    ) -> c_int;

    /// C's `free()`, for the document `hvdb_snapshot_save()` returns.
    pub fn free(p: *mut c_void);
}

mod dialect;
pub use dialect::*;

#[cfg(feature = "kvm")]
mod kvm;
#[cfg(feature = "kvm")]
pub use kvm::*;

/// Size of field `$($f).+` of `$t`, in a const context.
#[doc(hidden)]
#[macro_export]
macro_rules! field_size {
    ($t:ty, $($f:ident).+) => {{
        const fn size_of_pointee<T>(_: *const T) -> usize {
            ::core::mem::size_of::<T>()
        }
        let u = ::core::mem::MaybeUninit::<$t>::uninit();
        let p = u.as_ptr();
        // SAFETY: only the address of a field is formed; nothing is read.
        size_of_pointee(unsafe { ::core::ptr::addr_of!((*p).$($f).+) })
    }};
}

/// The layout and constant checks generated from the headers.
pub mod layout {
    #[allow(unused_imports)]
    use super::*;
    include!(concat!(env!("OUT_DIR"), "/layout.rs"));
}
