//! `<hvdb/kvm.h>`: libhvdb-kvm, the KVM fast path (feature `kvm`).
use core::ffi::{c_int, c_uint, c_void};

use crate::{hvdb, hvdb_gpa_t, hvdb_write_outcome, HV_CONNECTION_ID, HV_PORT_ID};

/// One partition attached to one KVM VM (opaque).
#[repr(C)]
pub struct hvdb_kvm {
    _opaque: [u8; 0],
    _not_send_sync: core::marker::PhantomData<*mut u8>,
}

/// A slot table for the ready memory hook (opaque).
#[repr(C)]
pub struct hvdb_kvm_slots {
    _opaque: [u8; 0],
    _not_send_sync: core::marker::PhantomData<*mut u8>,
}

pub type hvdb_kvm_policy = c_uint;
pub const HVDB_KVM_OFFLOAD_ALL: hvdb_kvm_policy = 0;
pub const HVDB_KVM_OFFLOAD_NONE: hvdb_kvm_policy = 1;
pub const HVDB_KVM_OFFLOAD_ADAPTIVE: hvdb_kvm_policy = 2;

pub type hvdb_kvm_path = c_uint;
pub const HVDB_KVM_PATH_EXIT: hvdb_kvm_path = 0;
pub const HVDB_KVM_PATH_IOEVENTFD: hvdb_kvm_path = 1;

pub const HVDB_KVM_NO_LIMIT: u32 = u32::MAX;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct hvdb_kvm_memory_ops {
    pub set_page_readonly: Option<unsafe extern "C" fn(opaque: *mut c_void, page: hvdb_gpa_t, readonly: bool) -> c_int>,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct hvdb_kvm_options {
    pub size: u32,
    pub policy: hvdb_kvm_policy,
    pub offload_limit: u32,
    pub debug: bool,
    pub memory: *const hvdb_kvm_memory_ops,
    pub memory_opaque: *mut c_void,
    pub adaptive_max_ioeventfds: u32,
    pub adaptive_promote_wps: u32,
    pub adaptive_pass_budget_us: u32,
    pub adaptive_idle_ms: u32,
    pub reserved: [u64; 8],
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct hvdb_kvm_stats {
    pub size: u32,
    pub offloaded: u32,
    pub userspace: u32,
    pub ioeventfds: u32,
    pub ram_pages: u32,
    pub reserved0: u32,
    pub registrations: u64,
    pub unregistrations: u64,
    pub register_ns: u64,
    pub unregister_ns: u64,
    pub refused: u64,
    pub exit_fires: u64,
    pub exit_drops: u64,
    pub exit_misses: u64,
    pub offloaded_fires: u64,
    pub offloaded_drops: u64,
    pub passes: u64,
    pub promotions: u64,
    pub demotions: u64,
}

/// `hvdb_kvm_fired_fn`: (opaque, port, connection, count).
pub type hvdb_kvm_fired_fn =
    Option<unsafe extern "C" fn(opaque: *mut c_void, port: HV_PORT_ID, conn: HV_CONNECTION_ID, count: u64)>;

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct hvdb_kvm_connection {
    pub size: u32,
    pub path: hvdb_kvm_path,
    pub eventfd: c_int,
    pub ioeventfds: u32,
    pub ram_page: bool,
    pub port_deleted: bool,
    pub offloaded_fires: u64,
    pub offloaded_drops: u64,
}

extern "C" {
    pub fn hvdb_kvm_options_init(options: *mut hvdb_kvm_options);
    pub fn hvdb_kvm_attach(
        hv: *mut hvdb,
        partition: u64,
        vm_fd: c_int,
        options: *const hvdb_kvm_options,
        out: *mut *mut hvdb_kvm,
    ) -> c_int;
    pub fn hvdb_kvm_detach(kvm: *mut hvdb_kvm);
    pub fn hvdb_kvm_set_policy(kvm: *mut hvdb_kvm, policy: hvdb_kvm_policy) -> c_int;
    pub fn hvdb_kvm_set_offload_limit(kvm: *mut hvdb_kvm, limit: u32);
    pub fn hvdb_kvm_mmio_write(
        kvm: *mut hvdb_kvm,
        gpa: hvdb_gpa_t,
        data: *const c_void,
        len: u32,
        out: *mut hvdb_write_outcome,
    ) -> c_int;
    pub fn hvdb_kvm_account(kvm: *mut hvdb_kvm, eventfd: c_int, count: u64) -> i64;
    pub fn hvdb_kvm_get_stats(kvm: *mut hvdb_kvm, stats: *mut hvdb_kvm_stats) -> c_int;
    pub fn hvdb_kvm_connection_get(kvm: *mut hvdb_kvm, id: HV_CONNECTION_ID, out: *mut hvdb_kvm_connection) -> c_int;
    pub fn hvdb_kvm_maintain(kvm: *mut hvdb_kvm) -> c_int;
    pub fn hvdb_kvm_notify_fd(kvm: *mut hvdb_kvm) -> c_int;
    pub fn hvdb_kvm_poll(kvm: *mut hvdb_kvm, fn_: hvdb_kvm_fired_fn, opaque: *mut c_void) -> i64;
    pub fn hvdb_kvm_set_path(kvm: *mut hvdb_kvm, id: HV_CONNECTION_ID, path: hvdb_kvm_path) -> c_int;

    pub fn hvdb_kvm_slots_create(vm_fd: c_int, first: u32, count: u32, out: *mut *mut hvdb_kvm_slots) -> c_int;
    pub fn hvdb_kvm_slots_add(
        slots: *mut hvdb_kvm_slots,
        gpa: hvdb_gpa_t,
        size: u64,
        host: *mut c_void,
        fixed: bool,
    ) -> c_int;
    pub fn hvdb_kvm_slots_ops() -> *const hvdb_kvm_memory_ops;
    pub fn hvdb_kvm_slots_page_is_readonly(slots: *mut hvdb_kvm_slots, gpa: hvdb_gpa_t) -> bool;
    pub fn hvdb_kvm_slots_destroy(slots: *mut hvdb_kvm_slots);
}
