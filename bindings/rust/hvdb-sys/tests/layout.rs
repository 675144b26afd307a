//! The layout checks are `const` assertions generated from the C headers
//! (build.rs): they fail the build, not this test, when a struct drifts.
//! This test makes sure they were generated for every struct, and checks
//! the one thing they cannot: that the Rust structs' bytes are the ABI's.
use hvdb_sys::*;

#[test]
fn every_struct_and_constant_is_checked() {
    // 2 per type (size, alignment) + 2 per field (offset, size) + 1 per
    // constant: 337 without kvm, 433 with, when this was written. Fewer
    // means a table in build.rs lost entries.
    let want = if cfg!(feature = "kvm") { 433 } else { 337 };
    assert!(layout::LAYOUT_CHECKS >= want, "only {} checks", layout::LAYOUT_CHECKS);
}

#[test]
fn connection_info_bytes_are_the_abi() {
    let info = HV_CONNECTION_INFO {
        PortType: HvPortTypeDoorbell,
        Padding: 0x0102_0304,
        DoorbellConnectionInfo: HV_DOORBELL_CONNECTION_INFO {
            GuestPhysicalAddress: 0x1122_3344_5566_7788,
            TriggerValue: 0x99,
            Flags: HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD | HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE,
        },
    };
    let mut c_bytes = [0u8; 32];
    // SAFETY: 32-byte output, as the function writes.
    unsafe { hvdb_conninfo_encode(&info, c_bytes.as_mut_ptr()) };
    // SAFETY: HV_CONNECTION_INFO is 32 bytes of plain data (checked).
    let rust_bytes: [u8; 32] = unsafe { core::mem::transmute(info) };
    if cfg!(target_endian = "little") {
        assert_eq!(rust_bytes, c_bytes);
    }
    let mut back = HV_CONNECTION_INFO::default();
    // SAFETY: valid input of 32 bytes and output.
    assert_eq!(unsafe { hvdb_conninfo_decode(c_bytes.as_ptr(), 32, &mut back) }, 0);
    assert_eq!(back, info);
}
