//! `<hvdb/dialect.h>` (client dialects, SPEC §7: Linux mshv's
//! MSHV_IOEVENTFD and WHP's doorbell registration on the §3 calls) and the
//! two argument structures of `<hvdb/hvdef.h>` they take.
use core::ffi::{c_char, c_int, c_uint, c_void};

use crate::{hvdb, hvdb_reason, HV_CONNECTION_INFO};

pub const MSHV_IOEVENTFD_BIT_DATAMATCH: u32 = 0;
pub const MSHV_IOEVENTFD_BIT_PIO: u32 = 1;
pub const MSHV_IOEVENTFD_BIT_DEASSIGN: u32 = 2;
pub const MSHV_IOEVENTFD_FLAG_DATAMATCH: u32 = 1 << MSHV_IOEVENTFD_BIT_DATAMATCH;
pub const MSHV_IOEVENTFD_FLAG_PIO: u32 = 1 << MSHV_IOEVENTFD_BIT_PIO;
pub const MSHV_IOEVENTFD_FLAG_DEASSIGN: u32 = 1 << MSHV_IOEVENTFD_BIT_DEASSIGN;
pub const MSHV_IOEVENTFD_VALID_FLAG_MASK: u32 = 0x7;

/// Linux mshv's `struct mshv_user_ioeventfd` (the MSHV_IOEVENTFD argument).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct mshv_user_ioeventfd {
    pub datamatch: u64,
    pub addr: u64,
    pub len: u32,
    pub fd: i32,
    pub flags: u32,
    pub rsvd: [u8; 4],
}

pub const WHV_DOORBELL_MATCH_ON_VALUE: u32 = 0x1;
pub const WHV_DOORBELL_MATCH_ON_LENGTH: u32 = 0x2;
pub const WHV_DOORBELL_MATCH_RESERVED_MASK: u32 = 0xFFFF_FFFC;
pub const WHV_DOORBELL_MATCH_RESERVED_SHIFT: u32 = 2;

/// WHP's `WHV_DOORBELL_MATCH_DATA` (its bit-fields as one `MatchFlags`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct WHV_DOORBELL_MATCH_DATA {
    pub GuestAddress: u64,
    pub Value: u64,
    pub Length: u32,
    pub MatchFlags: u32,
}

pub type hvdb_hresult = u32;
pub const HVDB_S_OK: hvdb_hresult = 0x0000_0000;
pub const HVDB_E_INVALIDARG: hvdb_hresult = 0x8007_0057;
pub const HVDB_ERROR_NOT_FOUND: hvdb_hresult = 0x8007_0490;
pub const HVDB_HRESULT_FACILITY_HV_MASK: hvdb_hresult = 0xFFFF_0000;
pub const HVDB_DOORBELL_ID_MAX: u32 = 0x00FF_FFFF;

/// `HVDB_HRESULT_FROM_HV(s)`.
pub const fn HVDB_HRESULT_FROM_HV(status: crate::HV_STATUS) -> hvdb_hresult {
    0xC035_0000 | status as u32
}

pub type hvdb_dialect = c_uint;
pub const HVDB_DIALECT_IOEVENTFD: hvdb_dialect = 1;
pub const HVDB_DIALECT_WHP: hvdb_dialect = 2;

/// The anonymous union of `struct hvdb_doorbell_desc` (C reaches its
/// members as `d->ioeventfd` and `d->whp`).
#[repr(C)]
#[derive(Clone, Copy)]
pub union hvdb_doorbell_desc_u {
    pub ioeventfd: mshv_user_ioeventfd,
    pub whp: WHV_DOORBELL_MATCH_DATA,
}

/// One client-dialect registration.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct hvdb_doorbell_desc {
    pub dialect: hvdb_dialect,
    pub partition: u64,
    pub id: u32,
    pub u: hvdb_doorbell_desc_u,
    pub eventfd: c_int,
    pub eventfd_group: u32,
}

pub type hvdb_doorbell_foreach_fn =
    Option<unsafe extern "C" fn(opaque: *mut c_void, d: *const hvdb_doorbell_desc) -> c_int>;

extern "C" {
    pub fn hvdb_ioeventfd(
        hv: *mut hvdb,
        partition: u64,
        args: *const mshv_user_ioeventfd,
        doorbell_id: *mut u32,
        reason: *mut hvdb_reason,
    ) -> c_int;
    pub fn hvdb_ioeventfd_result_name(result: c_int) -> *const c_char;
    pub fn hvdb_ioeventfd_encode(args: *const mshv_user_ioeventfd, out: *mut u8);
    pub fn hvdb_ioeventfd_decode(bytes: *const u8, len: usize, args: *mut mshv_user_ioeventfd) -> c_int;
    pub fn hvdb_ioeventfd_conninfo(args: *const mshv_user_ioeventfd, info: *mut HV_CONNECTION_INFO) -> bool;
    pub fn hvdb_ioeventfd_problems(args: *const mshv_user_ioeventfd, out: *mut hvdb_reason, max: usize) -> usize;
    pub fn hvdb_whp_register(
        hv: *mut hvdb,
        partition: u64,
        m: *const WHV_DOORBELL_MATCH_DATA,
        event_fd: c_int,
        doorbell_id: *mut u32,
        reason: *mut hvdb_reason,
    ) -> hvdb_hresult;
    pub fn hvdb_whp_unregister(
        hv: *mut hvdb,
        partition: u64,
        m: *const WHV_DOORBELL_MATCH_DATA,
        reason: *mut hvdb_reason,
    ) -> hvdb_hresult;
    pub fn hvdb_hresult_name(result: hvdb_hresult) -> *const c_char;
    pub fn hvdb_whp_encode(m: *const WHV_DOORBELL_MATCH_DATA, out: *mut u8);
    pub fn hvdb_whp_decode(bytes: *const u8, len: usize, m: *mut WHV_DOORBELL_MATCH_DATA) -> c_int;
    pub fn hvdb_whp_conninfo(m: *const WHV_DOORBELL_MATCH_DATA, info: *mut HV_CONNECTION_INFO) -> bool;
    pub fn hvdb_whp_problems(m: *const WHV_DOORBELL_MATCH_DATA, out: *mut hvdb_reason, max: usize) -> usize;
    pub fn hvdb_doorbell_foreach(hv: *mut hvdb, f: hvdb_doorbell_foreach_fn, opaque: *mut c_void) -> c_int;
    pub fn hvdb_eventfd_same(a: c_int, b: c_int) -> c_int;
    /// `<hvdb/testing.h>`.
    pub fn hvdb_doorbell_set_id_limit(hv: *mut hvdb, max: u32) -> c_int;
}
