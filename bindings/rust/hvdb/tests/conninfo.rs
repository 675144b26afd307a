//! HV_CONNECTION_INFO in Rust: encode/decode against the bytes `hvdb
//! encode` prints, TryFrom validation with the C library's reasons,
//! Status and Reason against the C names.
use hvdb::{sys, Doorbell, HvConnectionInfo, Reason, TriggerSize};

/// The README's example: `hvdb encode --gpa 0x10000 --value 1 --size dword`.
const QUICKSTART_HEX: &str = "0400000000000000000001000000000001000000000000000300000000000000";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn encode_decode_round_trip() {
    let d = Doorbell::new(0x10000, TriggerSize::Dword, Some(1)).unwrap();
    assert_eq!(hex(&d.encode()), QUICKSTART_HEX);
    let back = HvConnectionInfo::decode(&d.encode()).unwrap();
    assert_eq!(back, d.info());
    assert_eq!(Doorbell::try_from(&d.encode()[..]).unwrap(), d);
    assert_eq!((d.gpa(), d.size(), d.value()), (0x10000, TriggerSize::Dword, Some(1)));

    // any bytes round-trip, valid or not
    let odd = HvConnectionInfo {
        port_type: 9,
        padding: 0xdead,
        gpa: u64::MAX,
        trigger_value: 1 << 40,
        flags: 0x8000_0006,
    };
    assert_eq!(HvConnectionInfo::decode(&odd.encode()).unwrap(), odd);
    assert_eq!(&odd.encode()[..4], &[9, 0, 0, 0]);
    assert_eq!(HvConnectionInfo::decode(&[0; 31]).unwrap_err().0, 31);
    assert!(HvConnectionInfo::try_from(&[0u8; 33][..]).is_err());
}

#[test]
fn try_from_validates_like_connect() {
    let cases: &[(HvConnectionInfo, &[&str])] = &[
        (HvConnectionInfo::doorbell(0x10000, TriggerSize::Any, None), &[]),
        (
            HvConnectionInfo::doorbell(0xffe, TriggerSize::Word, Some(0x10000)),
            &["value-too-wide"],
        ),
        (
            HvConnectionInfo::doorbell(0xfff, TriggerSize::Word, Some(1)),
            &["crosses-page"],
        ),
        (
            HvConnectionInfo::doorbell(0xffe, TriggerSize::Word, Some(0x10000)),
            &["value-too-wide"],
        ),
        (
            HvConnectionInfo {
                flags: 5,
                ..HvConnectionInfo::doorbell(0, TriggerSize::Any, Some(0))
            },
            &["bad-trigger-size"],
        ),
        (
            HvConnectionInfo {
                port_type: 1,
                padding: 1,
                gpa: 0xfff,
                trigger_value: 0,
                flags: 0x8 | 2,
            },
            &[
                "unsupported-port-type",
                "reserved-nonzero",
                "reserved-flags",
                "crosses-page",
            ],
        ),
    ];
    for (info, want) in cases {
        let got: Vec<&str> = info.problems().iter().map(|r| r.name()).collect();
        assert_eq!(&got, want, "{info:?}");
        match Doorbell::try_from(*info) {
            Ok(_) => assert!(want.is_empty()),
            Err(e) => assert_eq!(e.problems.iter().map(|r| r.name()).collect::<Vec<_>>(), *want),
        }
    }
    let e = Doorbell::new(0xfff, TriggerSize::Qword, Some(1)).unwrap_err();
    assert_eq!(e.to_string(), "invalid HV_CONNECTION_INFO: crosses-page");
    assert_eq!(
        Doorbell::try_from(&[0u8; 3][..]).unwrap_err().problems,
        vec![Reason::BadInputLength]
    );
}

#[test]
fn describe_and_sizes() {
    let d = Doorbell::new(0x10000, TriggerSize::Dword, Some(1)).unwrap();
    let text = d.info().describe();
    assert!(text.contains("GuestPhysicalAddress: 0x10000"), "{text}");
    assert!(text.contains("valid"), "{text}");
    for (s, width, name) in [
        (TriggerSize::Any, 0, "any"),
        (TriggerSize::Byte, 1, "byte"),
        (TriggerSize::Word, 2, "word"),
        (TriggerSize::Dword, 4, "dword"),
        (TriggerSize::Qword, 8, "qword"),
    ] {
        assert_eq!((s.width(), s.name()), (width, name));
        assert_eq!(
            TriggerSize::from_flags(s as u64 | sys::HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE),
            Some(s)
        );
    }
    assert_eq!(TriggerSize::from_flags(7), None);
}

/// Reason is generated from the header's list: every C value has a
/// variant whose name is the C name, in order.
#[test]
fn reasons_match_c() {
    assert_eq!(Reason::ALL.len(), sys::HVDB_REASON_MAX as usize);
    for raw in 0..sys::HVDB_REASON_MAX {
        let r = Reason::from_raw(raw).unwrap();
        assert_eq!(r.raw(), raw);
        // SAFETY: pure C function returning a static string.
        let c = unsafe { std::ffi::CStr::from_ptr(sys::hvdb_reason_name(raw)) };
        assert_eq!(r.name(), c.to_str().unwrap());
        assert!(!r.message().is_empty() && r.message() != "?");
    }
    assert_eq!(Reason::from_raw(sys::HVDB_REASON_MAX), None);
    assert_eq!(Reason::CrossesPage.name(), "crosses-page");
    assert_eq!(Reason::Ok.name(), "ok");
}

#[test]
fn status_error_display() {
    let hv = hvdb::Hypervisor::new().unwrap();
    let e = hv.create_port(&hvdb::CreatePort::new(1).sint(0)).unwrap_err();
    assert_eq!(
        (e.code(), e.name(), e.reason()),
        (
            sys::HV_STATUS_INVALID_PARAMETER,
            "HV_STATUS_INVALID_PARAMETER",
            Reason::BadSint
        )
    );
    assert_eq!(e.to_string(), "HV_STATUS_INVALID_PARAMETER bad-sint");
    assert_eq!(
        format!("{e:#}"),
        format!("HV_STATUS_INVALID_PARAMETER bad-sint ({})", Reason::BadSint.message())
    );
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(e);
    assert!(boxed.source().is_none());
}

/// Raw hypercall bytes reach the same checks (SPEC §3, unknown code and
/// wrong length first).
#[test]
fn raw_hypercalls() {
    let hv = hvdb::Hypervisor::new().unwrap();
    let e = hv.hypercall(hvdb::ROOT, 0x1234, &[]).unwrap_err();
    assert_eq!(e.reason(), Reason::UnknownHypercallCode);
    let e = hv.hypercall(hvdb::ROOT, sys::HVCALL_CREATE_PORT, &[0; 55]).unwrap_err();
    assert_eq!(e.reason(), Reason::BadInputLength);
    let input = *hvdb::CreatePort::new(5).raw();
    // SAFETY: HV_INPUT_CREATE_PORT is plain data without padding (checked
    // at build time), so its bytes are initialised.
    let bytes = unsafe { std::slice::from_raw_parts(&input as *const _ as *const u8, std::mem::size_of_val(&input)) };
    hv.hypercall(hvdb::ROOT, sys::HVCALL_CREATE_PORT, bytes).unwrap();
    assert_eq!(hv.port_stats(5).unwrap().triggers, 0);
}

/// A snapshot restores into a new hypervisor whose writes behave the same.
#[test]
fn snapshot_restore() {
    let hv = hvdb::Hypervisor::new().unwrap();
    let guest = hv.create_partition(&hvdb::PartitionConfig::new(2)).unwrap();
    let port = hv.create_port(&hvdb::CreatePort::new(7)).unwrap();
    let _conn = guest
        .connect(
            10,
            port.id(),
            Doorbell::new(0x10000, TriggerSize::Dword, Some(1)).unwrap(),
        )
        .unwrap();
    guest.write(0x10000, 4, 1).unwrap();
    let doc = hv.snapshot().unwrap();
    let copy = hvdb::Hypervisor::restore(&doc).unwrap();
    assert_eq!(copy.port_stats(7).unwrap().triggers, 1);
    assert_eq!(
        copy.write(2, 0x10000, 4, 1).unwrap(),
        hvdb::WriteResult::Fired {
            port: 7,
            connection: 10
        }
    );
    let e = hvdb::Hypervisor::restore("{").unwrap_err();
    assert!(e.code < 0 && !e.message.is_empty(), "{e}");
}
