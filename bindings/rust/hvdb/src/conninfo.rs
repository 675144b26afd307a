//! `HV_CONNECTION_INFO`: the raw 32 bytes (`HvConnectionInfo`) and a
//! validated doorbell trigger (`Doorbell`). Every rule is the C library's
//! (`hvdb_conninfo_problems`): this module only converts.
use std::ffi::c_char;
use std::fmt;

use crate::status::Reason;
use crate::sys;

/// The trigger size code of `Flags` bits 0-2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum TriggerSize {
    /// A write of any length 1..8 (`HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY`).
    Any = sys::HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY,
    /// 1-byte writes only.
    Byte = sys::HV_DOORBELL_FLAG_TRIGGER_SIZE_BYTE,
    /// 2-byte writes only.
    Word = sys::HV_DOORBELL_FLAG_TRIGGER_SIZE_WORD,
    /// 4-byte writes only.
    Dword = sys::HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD,
    /// 8-byte writes only.
    Qword = sys::HV_DOORBELL_FLAG_TRIGGER_SIZE_QWORD,
}

impl TriggerSize {
    /// The size code in `flags`; `None` for the invalid codes 5..7.
    pub fn from_flags(flags: u64) -> Option<TriggerSize> {
        const ALL: [TriggerSize; 5] = [
            TriggerSize::Any,
            TriggerSize::Byte,
            TriggerSize::Word,
            TriggerSize::Dword,
            TriggerSize::Qword,
        ];
        ALL.into_iter()
            .find(|s| *s as u64 == flags & sys::HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK)
    }

    /// Width in bytes: 1, 2, 4, 8, or 0 for `Any`.
    pub fn width(self) -> u32 {
        // SAFETY: pure function; a valid code never gives -1.
        unsafe { sys::hvdb_trigger_size_width(self as u64) as u32 }
    }

    /// `"any"`, `"byte"`, `"word"`, `"dword"` or `"qword"`, as `hvdb decode
    /// --json` prints it.
    pub fn name(self) -> &'static str {
        // SAFETY: pure function returning a static string.
        let p = unsafe { sys::hvdb_trigger_size_name(self as u64) };
        unsafe { std::ffi::CStr::from_ptr(p) }.to_str().unwrap_or("?")
    }
}

/// `HV_CONNECTION_INFO` as it is on the wire: any field may hold anything,
/// as a guest may send it. Fields keep the ABI's meaning.
///
/// Build one with [`HvConnectionInfo::doorbell`], [`decode`](Self::decode)
/// 32 bytes, or set the fields; validate it into a [`Doorbell`] with
/// `Doorbell::try_from`. Plain data: `Send`, `Sync`, `Copy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct HvConnectionInfo {
    /// `PortType` (4, `HvPortTypeDoorbell`, for a doorbell).
    pub port_type: u32,
    /// `Padding`: must be 0.
    pub padding: u32,
    /// `DoorbellConnectionInfo.GuestPhysicalAddress`.
    pub gpa: u64,
    /// `DoorbellConnectionInfo.TriggerValue` (ignored with ANY_VALUE).
    pub trigger_value: u64,
    /// `DoorbellConnectionInfo.Flags`: size code and ANY_VALUE.
    pub flags: u64,
}

/// `decode` was given other than 32 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongLength(pub usize);

impl fmt::Display for WrongLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HV_CONNECTION_INFO is 32 bytes, not {}", self.0)
    }
}

impl std::error::Error for WrongLength {}

impl HvConnectionInfo {
    /// A doorbell at `gpa` fired by writes of `size` carrying `value`
    /// (`None`: any value). Not validated.
    pub fn doorbell(gpa: u64, size: TriggerSize, value: Option<u64>) -> HvConnectionInfo {
        let any = if value.is_none() {
            sys::HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE
        } else {
            0
        };
        HvConnectionInfo {
            port_type: sys::HvPortTypeDoorbell,
            padding: 0,
            gpa,
            trigger_value: value.unwrap_or(0),
            flags: size as u64 | any,
        }
    }

    /// The 32 ABI bytes, little-endian (as `hvdb encode` prints them).
    pub fn encode(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        // SAFETY: out holds the 32 bytes the function writes.
        unsafe { sys::hvdb_conninfo_encode(&self.to_sys(), out.as_mut_ptr()) };
        out
    }

    /// Reads the 32 ABI bytes; validates nothing.
    pub fn decode(bytes: &[u8]) -> Result<HvConnectionInfo, WrongLength> {
        let mut raw = sys::HV_CONNECTION_INFO::default();
        // SAFETY: bytes is valid for its length; raw is a valid output.
        let rc = unsafe { sys::hvdb_conninfo_decode(bytes.as_ptr(), bytes.len(), &mut raw) };
        if rc != 0 {
            return Err(WrongLength(bytes.len()));
        }
        Ok(HvConnectionInfo::from_sys(&raw))
    }

    /// The size code; `None` for the invalid codes 5..7.
    pub fn trigger_size(&self) -> Option<TriggerSize> {
        TriggerSize::from_flags(self.flags)
    }

    /// Whether Flags has `HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE`.
    pub fn any_value(&self) -> bool {
        self.flags & sys::HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE != 0
    }

    /// Every rule of SPEC §3 ConnectPort that needs no partition that this
    /// breaks, in check order (empty: valid as far as they go).
    pub fn problems(&self) -> Vec<Reason> {
        let mut out = [0 as sys::hvdb_reason; sys::HVDB_REASON_MAX as usize];
        // SAFETY: out holds HVDB_REASON_MAX entries, which always suffice.
        let n = unsafe { sys::hvdb_conninfo_problems(&self.to_sys(), out.as_mut_ptr(), out.len()) };
        out[..n.min(out.len())]
            .iter()
            .filter_map(|r| Reason::from_raw(*r))
            .collect()
    }

    /// The multi-line description `hvdb decode` prints (for people; the
    /// layout may change).
    pub fn describe(&self) -> String {
        let raw = self.to_sys();
        // SAFETY: a NULL, 0 call only sizes the text.
        let need = unsafe { sys::hvdb_conninfo_describe(&raw, std::ptr::null_mut(), 0) };
        let Ok(need) = usize::try_from(need) else {
            return String::new();
        };
        let mut buf = vec![0u8; need + 1];
        // SAFETY: buf holds need + 1 bytes, NUL included.
        unsafe { sys::hvdb_conninfo_describe(&raw, buf.as_mut_ptr() as *mut c_char, buf.len()) };
        buf.truncate(need);
        String::from_utf8_lossy(&buf).into_owned()
    }

    pub(crate) fn to_sys(self) -> sys::HV_CONNECTION_INFO {
        sys::HV_CONNECTION_INFO {
            PortType: self.port_type,
            Padding: self.padding,
            DoorbellConnectionInfo: sys::HV_DOORBELL_CONNECTION_INFO {
                GuestPhysicalAddress: self.gpa,
                TriggerValue: self.trigger_value,
                Flags: self.flags,
            },
        }
    }

    pub(crate) fn from_sys(raw: &sys::HV_CONNECTION_INFO) -> HvConnectionInfo {
        let db = &raw.DoorbellConnectionInfo;
        HvConnectionInfo {
            port_type: raw.PortType,
            padding: raw.Padding,
            gpa: db.GuestPhysicalAddress,
            trigger_value: db.TriggerValue,
            flags: db.Flags,
        }
    }
}

/// Decodes 32 bytes (no validation: see [`Doorbell`]).
impl TryFrom<&[u8]> for HvConnectionInfo {
    type Error = WrongLength;
    fn try_from(bytes: &[u8]) -> Result<Self, WrongLength> {
        HvConnectionInfo::decode(bytes)
    }
}

/// An `HV_CONNECTION_INFO` that passed every check of SPEC §3 that needs
/// no partition: doorbell type, zero padding, no reserved flag, a valid
/// size code, a value that fits the size, no page crossing. The checks
/// that need a partition (GPA width, conflicts, limits) happen at connect.
///
/// Made by `Doorbell::new` or `Doorbell::try_from` an [`HvConnectionInfo`]
/// or 32 bytes. Plain data: `Send`, `Sync`, `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Doorbell {
    info: HvConnectionInfo,
}

/// An `HV_CONNECTION_INFO` broke these rules (in check order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidConnectionInfo {
    /// What is wrong, in the order ConnectPort checks it; never empty.
    pub problems: Vec<Reason>,
}

impl fmt::Display for InvalidConnectionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid HV_CONNECTION_INFO:")?;
        for p in &self.problems {
            write!(f, " {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidConnectionInfo {}

impl Doorbell {
    /// A doorbell at `gpa` fired by writes of `size` carrying `value`
    /// (`None`: any value), if that is a valid trigger.
    pub fn new(gpa: u64, size: TriggerSize, value: Option<u64>) -> Result<Doorbell, InvalidConnectionInfo> {
        Doorbell::try_from(HvConnectionInfo::doorbell(gpa, size, value))
    }

    /// The guest-physical address.
    pub fn gpa(&self) -> u64 {
        self.info.gpa
    }

    /// The trigger size.
    pub fn size(&self) -> TriggerSize {
        self.info.trigger_size().expect("validated")
    }

    /// The trigger value; `None` for any value.
    pub fn value(&self) -> Option<u64> {
        (!self.info.any_value()).then_some(self.info.trigger_value)
    }

    /// The structure, exactly as validated (bytes round-trip).
    pub fn info(&self) -> HvConnectionInfo {
        self.info
    }

    /// The 32 ABI bytes.
    pub fn encode(&self) -> [u8; 32] {
        self.info.encode()
    }
}

impl TryFrom<HvConnectionInfo> for Doorbell {
    type Error = InvalidConnectionInfo;
    fn try_from(info: HvConnectionInfo) -> Result<Self, InvalidConnectionInfo> {
        let problems = info.problems();
        if problems.is_empty() {
            Ok(Doorbell { info })
        } else {
            Err(InvalidConnectionInfo { problems })
        }
    }
}

/// Decodes and validates 32 bytes; a wrong length reads as
/// `bad-input-length`.
impl TryFrom<&[u8]> for Doorbell {
    type Error = InvalidConnectionInfo;
    fn try_from(bytes: &[u8]) -> Result<Self, InvalidConnectionInfo> {
        let info = HvConnectionInfo::decode(bytes).map_err(|_| InvalidConnectionInfo {
            problems: vec![Reason::BadInputLength],
        })?;
        Doorbell::try_from(info)
    }
}

impl From<Doorbell> for HvConnectionInfo {
    fn from(d: Doorbell) -> HvConnectionInfo {
        d.info
    }
}
