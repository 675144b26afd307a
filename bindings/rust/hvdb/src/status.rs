//! `Status`: a refused hypercall (an `HV_STATUS` and a stable reason), and
//! `Reason`, the library's one list of refusal reasons.
use std::ffi::CStr;
use std::fmt;

use crate::sys;

fn static_str(p: *const std::ffi::c_char) -> &'static str {
    if p.is_null() {
        return "?";
    }
    // SAFETY: libhvdb returns static, NUL-terminated ASCII strings.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("?")
}

macro_rules! define_reason {
    ($(($camel:ident, $value:expr, $name:expr),)*) => {
        /// Why a call was refused: the stable reason names of SPEC §3
        /// (`"crosses-page"`, ...), generated from the header's
        /// `HVDB_REASONS` list. `Reason::Ok` is the reason of success.
        ///
        /// Plain data: `Send`, `Sync`, `Copy`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        #[repr(u32)]
        pub enum Reason {
            $(#[doc = concat!("`", $name, "`")] $camel = $value,)*
        }

        impl Reason {
            /// Every reason, in the order of the C enum.
            pub const ALL: &'static [Reason] = &[$(Reason::$camel,)*];
        }
    };
}
sys::hvdb_reasons!(define_reason);

const _: () = assert!(Reason::ALL.len() == sys::HVDB_REASON_MAX as usize);

impl Reason {
    /// The reason of C value `raw` (`enum hvdb_reason`), if there is one.
    pub fn from_raw(raw: sys::hvdb_reason) -> Option<Reason> {
        Reason::ALL.get(raw as usize).copied()
    }

    /// The C value (`enum hvdb_reason`).
    pub fn raw(self) -> sys::hvdb_reason {
        self as sys::hvdb_reason
    }

    /// The stable name (`"crosses-page"`; `"ok"` for `Reason::Ok`), as
    /// `hvdb replay` prints it. Names never change.
    pub fn name(self) -> &'static str {
        // SAFETY: pure function, any value.
        static_str(unsafe { sys::hvdb_reason_name(self.raw()) })
    }

    /// A human message; may be reworded between releases.
    pub fn message(self) -> &'static str {
        // SAFETY: pure function, any value.
        static_str(unsafe { sys::hvdb_reason_message(self.raw()) })
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A refused call: the `HV_STATUS` the hypervisor returns and the reason
/// of the first failing check. A refused call changed nothing.
///
/// `Display` prints what `hvdb replay` prints for a refusal
/// (`HV_STATUS_INVALID_PARAMETER crosses-page`); the alternate form
/// (`{:#}`) adds the human message. Plain data: `Send`, `Sync`, `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Status {
    code: sys::HV_STATUS,
    reason: Reason,
}

impl Status {
    /// `Ok(())` for `HV_STATUS_SUCCESS`, else the refusal. A reason this
    /// crate does not know (a newer library) reads as `Reason::Ok`.
    pub(crate) fn check(code: sys::HV_STATUS, reason: sys::hvdb_reason) -> Result<(), Status> {
        if code == sys::HV_STATUS_SUCCESS {
            return Ok(());
        }
        Err(Status {
            code,
            reason: Reason::from_raw(reason).unwrap_or(Reason::Ok),
        })
    }

    /// The `HV_STATUS` value (`0x5` for `HV_STATUS_INVALID_PARAMETER`).
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The status name (`"HV_STATUS_INVALID_PARAMETER"`).
    pub fn name(&self) -> &'static str {
        // SAFETY: pure function, any value; NULL is handled.
        static_str(unsafe { sys::hvdb_status_name(self.code) })
    }

    /// Why: the reason of the first failing check.
    pub fn reason(&self) -> Reason {
        self.reason
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name(), self.reason.name())?;
        if f.alternate() {
            write!(f, " ({})", self.reason.message())?;
        }
        Ok(())
    }
}

impl std::error::Error for Status {}
