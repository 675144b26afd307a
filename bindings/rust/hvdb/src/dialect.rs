//! Client dialects (`<hvdb/dialect.h>`, SPEC §7): a partition's doorbells
//! registered the way Linux mshv's `MSHV_IOEVENTFD` and WHP's
//! `WHvRegisterPartitionDoorbellEvent` do, with those systems' checks,
//! duplicate rules and result codes. Each registration is one root port and
//! one connection made underneath, signalling a duplicate of the caller's
//! eventfd (the caller may close its own at once). A registration is named
//! by its match data, as in those systems, and lives until it is
//! deassigned or unregistered, or the hypervisor goes: there is no handle.
use std::ffi::CStr;
use std::fmt;
use std::os::fd::{AsRawFd, BorrowedFd};

use crate::hypervisor::Partition;
use crate::status::Reason;
use crate::sys;

/// A refused dialect call: the code that system returns, and the reason.
/// `Display`: `EEXIST ioeventfd-exists`, `ERROR_HV_INVALID_PARAMETER
/// whp-conflict`. Plain data: `Send`, `Sync`, `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DialectError {
    code: DialectCode,
    reason: Reason,
}

/// The result code of a refused dialect call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialectCode {
    /// MSHV_IOEVENTFD: a positive errno (`libc::EEXIST`, ...).
    Errno(i32),
    /// WHP: an HRESULT (`sys::HVDB_E_INVALIDARG`, ...).
    HResult(u32),
}

impl DialectError {
    /// The code.
    pub fn code(&self) -> DialectCode {
        self.code
    }

    /// Why: the reason of the first failing check.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// The code's name (`"EEXIST"`, `"ERROR_HV_INVALID_PARAMETER"`).
    pub fn name(&self) -> &'static str {
        // SAFETY: pure functions returning static strings or NULL.
        let p = unsafe {
            match self.code {
                DialectCode::Errno(e) => sys::hvdb_ioeventfd_result_name(-e),
                DialectCode::HResult(h) => sys::hvdb_hresult_name(h),
            }
        };
        if p.is_null() {
            return "?";
        }
        // SAFETY: a static NUL-terminated string.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("?")
    }
}

impl fmt::Display for DialectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name(), self.reason.name())
    }
}

impl std::error::Error for DialectError {}

fn reason(raw: sys::hvdb_reason) -> Reason {
    Reason::from_raw(raw).unwrap_or(Reason::Ok)
}

/// An ioeventfd as `MSHV_IOEVENTFD` takes it (MMIO; PIO is refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MshvIoeventfd {
    /// Guest-physical address.
    pub addr: u64,
    /// 0 (any length), 1, 2, 4 or 8.
    pub len: u32,
    /// The value to match (`DATAMATCH`); `None`: any value.
    pub datamatch: Option<u64>,
}

impl MshvIoeventfd {
    fn to_sys(self, fd: BorrowedFd<'_>, deassign: bool) -> sys::mshv_user_ioeventfd {
        let mut flags = 0;
        if self.datamatch.is_some() {
            flags |= sys::MSHV_IOEVENTFD_FLAG_DATAMATCH;
        }
        if deassign {
            flags |= sys::MSHV_IOEVENTFD_FLAG_DEASSIGN;
        }
        sys::mshv_user_ioeventfd {
            datamatch: self.datamatch.unwrap_or(0),
            addr: self.addr,
            len: self.len,
            fd: fd.as_raw_fd(),
            flags,
            rsvd: [0; 4],
        }
    }
}

/// Doorbell match data as `WHvRegisterPartitionDoorbellEvent` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WhpMatch {
    /// Guest-physical address.
    pub gpa: u64,
    /// `MatchOnValue` with this value; `None`: any value.
    pub value: Option<u64>,
    /// `MatchOnLength` with this length (1, 2, 4, 8); `None`: any length.
    pub length: Option<u32>,
}

impl WhpMatch {
    /// The ABI structure.
    pub fn to_sys(self) -> sys::WHV_DOORBELL_MATCH_DATA {
        let mut flags = 0;
        if self.value.is_some() {
            flags |= sys::WHV_DOORBELL_MATCH_ON_VALUE;
        }
        if self.length.is_some() {
            flags |= sys::WHV_DOORBELL_MATCH_ON_LENGTH;
        }
        sys::WHV_DOORBELL_MATCH_DATA {
            GuestAddress: self.gpa,
            Value: self.value.unwrap_or(0),
            Length: self.length.unwrap_or(0),
            MatchFlags: flags,
        }
    }
}

impl Partition {
    /// `MSHV_IOEVENTFD` assign on this partition: `fd` (an eventfd, which
    /// the registration duplicates) is signalled once per matching write.
    /// Returns the doorbell id (its root port and connection).
    pub fn mshv_ioeventfd_assign(&self, fd: BorrowedFd<'_>, io: &MshvIoeventfd) -> Result<u32, DialectError> {
        self.mshv_ioeventfd_raw(&io.to_sys(fd, false)).map(|id| id.unwrap_or(0))
    }

    /// `MSHV_IOEVENTFD` with `MSHV_IOEVENTFD_FLAG_DEASSIGN`: removes the
    /// ioeventfd of these fields on the same eventfd (the same open file).
    pub fn mshv_ioeventfd_deassign(&self, fd: BorrowedFd<'_>, io: &MshvIoeventfd) -> Result<(), DialectError> {
        self.mshv_ioeventfd_raw(&io.to_sys(fd, true)).map(drop)
    }

    /// `MSHV_IOEVENTFD` with the argument as a VMM passes it (any flags,
    /// reserved bytes included). `Some(id)` for an assign.
    pub fn mshv_ioeventfd_raw(&self, args: &sys::mshv_user_ioeventfd) -> Result<Option<u32>, DialectError> {
        let (mut id, mut why) = (0, 0);
        // SAFETY: args is read, not kept; outputs are valid.
        let rc = unsafe { sys::hvdb_ioeventfd(self.hypervisor().as_raw(), self.id(), args, &mut id, &mut why) };
        if rc < 0 {
            return Err(DialectError {
                code: DialectCode::Errno(-rc),
                reason: reason(why),
            });
        }
        Ok((args.flags & sys::MSHV_IOEVENTFD_FLAG_DEASSIGN == 0).then_some(id))
    }

    /// `WHvRegisterPartitionDoorbellEvent` on this partition: `event` (an
    /// eventfd standing for WHP's event handle, duplicated) is signalled
    /// once per matching write. Returns the doorbell id.
    pub fn whp_register(&self, event: BorrowedFd<'_>, m: &WhpMatch) -> Result<u32, DialectError> {
        self.whp_register_raw(event, &m.to_sys())
    }

    /// As [`whp_register`](Self::whp_register), with the match data as a
    /// VMM passes it (reserved bits included).
    pub fn whp_register_raw(
        &self,
        event: BorrowedFd<'_>,
        m: &sys::WHV_DOORBELL_MATCH_DATA,
    ) -> Result<u32, DialectError> {
        let (mut id, mut why) = (0, 0);
        // SAFETY: m is read, not kept; the fd is duplicated; outputs valid.
        let hr = unsafe {
            sys::hvdb_whp_register(
                self.hypervisor().as_raw(),
                self.id(),
                m,
                event.as_raw_fd(),
                &mut id,
                &mut why,
            )
        };
        if hr != sys::HVDB_S_OK {
            return Err(DialectError {
                code: DialectCode::HResult(hr),
                reason: reason(why),
            });
        }
        Ok(id)
    }

    /// `WHvUnregisterPartitionDoorbellEvent`: removes the WHP doorbell with
    /// identical match data.
    pub fn whp_unregister(&self, m: &WhpMatch) -> Result<(), DialectError> {
        let mut why = 0;
        // SAFETY: m is read, not kept.
        let hr = unsafe { sys::hvdb_whp_unregister(self.hypervisor().as_raw(), self.id(), &m.to_sys(), &mut why) };
        if hr != sys::HVDB_S_OK {
            return Err(DialectError {
                code: DialectCode::HResult(hr),
                reason: reason(why),
            });
        }
        Ok(())
    }
}
