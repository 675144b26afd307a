//! SPEC §7 client dialects through hvdb::dialect: MSHV_IOEVENTFD's and
//! WHP's registration, their duplicate rules and result codes, and the
//! writes that then fire on the caller's eventfd.
mod common;
use common::*;
use hvdb::dialect::{DialectCode, MshvIoeventfd, WhpMatch};
use hvdb::{eventfd, sys, Reason, WriteResult};
use std::os::fd::AsFd;

const EEXIST: i32 = 17;
const ENOENT: i32 = 2;
const EOPNOTSUPP: i32 = 95;

#[test]
fn mshv_ioeventfd() {
    let w = World::new(guest_config());
    let guest = w.hv.partition(GUEST).unwrap();
    let efd = eventfd::new(true).unwrap();
    let io = MshvIoeventfd {
        addr: GPA,
        len: 4,
        datamatch: Some(1),
    };

    let id = guest.mshv_ioeventfd_assign(efd.as_fd(), &io).unwrap();
    assert!((1..=sys::HVDB_DOORBELL_ID_MAX).contains(&id));
    assert_eq!(
        w.hv.write(GUEST, GPA, 4, 1).unwrap(),
        WriteResult::Fired {
            port: id,
            connection: id
        }
    );
    assert_eq!(w.hv.write(GUEST, GPA, 4, 2).unwrap(), WriteResult::Miss);
    assert_eq!(eventfd::take(efd.as_fd()).unwrap(), 1);

    // the same ioeventfd again: mshv's -EEXIST
    let e = guest.mshv_ioeventfd_assign(efd.as_fd(), &io).unwrap_err();
    assert_eq!(
        (e.code(), e.reason()),
        (DialectCode::Errno(EEXIST), Reason::IoeventfdExists)
    );
    assert_eq!(e.to_string(), "EEXIST ioeventfd-exists");
    // another value at the same address and length is another doorbell
    let io2 = MshvIoeventfd {
        datamatch: Some(2),
        ..io
    };
    let id2 = guest.mshv_ioeventfd_assign(efd.as_fd(), &io2).unwrap();
    assert_ne!(id2, id);

    // PIO is refused
    let mut pio = sys::mshv_user_ioeventfd {
        addr: 0x60,
        len: 1,
        fd: -1,
        ..Default::default()
    };
    pio.flags = sys::MSHV_IOEVENTFD_FLAG_PIO;
    let e = guest.mshv_ioeventfd_raw(&pio).unwrap_err();
    assert_eq!((e.code(), e.reason().name()), (DialectCode::Errno(EOPNOTSUPP), "pio"));

    guest.mshv_ioeventfd_deassign(efd.as_fd(), &io).unwrap();
    assert_eq!(w.hv.write(GUEST, GPA, 4, 1).unwrap(), WriteResult::Miss);
    let e = guest.mshv_ioeventfd_deassign(efd.as_fd(), &io).unwrap_err();
    assert_eq!(
        (e.code(), e.reason().name()),
        (DialectCode::Errno(ENOENT), "no-such-ioeventfd")
    );
    assert_eq!(
        w.hv.write(GUEST, GPA, 4, 2).unwrap(),
        WriteResult::Fired {
            port: id2,
            connection: id2
        }
    );
}

#[test]
fn whp_doorbells() {
    let w = World::new(guest_config());
    let guest = w.hv.partition(GUEST).unwrap();
    let event = eventfd::new(true).unwrap();
    let m = WhpMatch {
        gpa: GPA,
        value: Some(5),
        length: Some(2),
    };

    let id = guest.whp_register(event.as_fd(), &m).unwrap();
    assert_eq!(
        w.hv.write(GUEST, GPA, 2, 5).unwrap(),
        WriteResult::Fired {
            port: id,
            connection: id
        }
    );
    assert_eq!(eventfd::take(event.as_fd()).unwrap(), 1);

    // WHP's own rule: any length at that GPA beside it conflicts
    let any = WhpMatch {
        gpa: GPA,
        value: None,
        length: None,
    };
    let e = guest.whp_register(event.as_fd(), &any).unwrap_err();
    let hv_invalid_parameter = sys::HVDB_HRESULT_FROM_HV(sys::HV_STATUS_INVALID_PARAMETER);
    assert_eq!(
        (e.code(), e.reason().name()),
        (DialectCode::HResult(hv_invalid_parameter), "whp-conflict")
    );
    assert_eq!(e.to_string(), format!("{} whp-conflict", e.name()));
    // reserved bits of the match flags: E_INVALIDARG
    let mut raw = m.to_sys();
    raw.MatchFlags |= 1 << sys::WHV_DOORBELL_MATCH_RESERVED_SHIFT;
    let e = guest.whp_register_raw(event.as_fd(), &raw).unwrap_err();
    assert_eq!(e.code(), DialectCode::HResult(sys::HVDB_E_INVALIDARG));

    guest.whp_unregister(&m).unwrap();
    assert_eq!(w.hv.write(GUEST, GPA, 2, 5).unwrap(), WriteResult::Miss);
    let e = guest.whp_unregister(&m).unwrap_err();
    assert_eq!(
        (e.code(), e.reason().name()),
        (DialectCode::HResult(sys::HVDB_ERROR_NOT_FOUND), "no-such-doorbell")
    );
}
