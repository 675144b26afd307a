//! Linux eventfds, as ports signal them (std has no eventfd call).
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

extern "C" {
    fn eventfd(initval: std::ffi::c_uint, flags: std::ffi::c_int) -> std::ffi::c_int;
    fn read(fd: std::ffi::c_int, buf: *mut std::ffi::c_void, count: usize) -> isize;
}

const EFD_CLOEXEC: std::ffi::c_int = 0o2_000_000;
const EFD_NONBLOCK: std::ffi::c_int = 0o4_000;

/// A new eventfd (close-on-exec; non-blocking if asked), to give a
/// [`Port`](crate::Port) with [`set_eventfd`](crate::Port::set_eventfd).
pub fn new(nonblocking: bool) -> io::Result<OwnedFd> {
    let flags = EFD_CLOEXEC | if nonblocking { EFD_NONBLOCK } else { 0 };
    // SAFETY: plain system call.
    let fd = unsafe { eventfd(0, flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a new descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Takes the eventfd's count (the fires since the last read): 0 when a
/// non-blocking eventfd has none; a blocking one waits for one.
pub fn take(fd: BorrowedFd<'_>) -> io::Result<u64> {
    let mut v = 0u64;
    // SAFETY: reads 8 bytes into v.
    let n = unsafe { read(fd.as_raw_fd(), (&mut v as *mut u64).cast(), 8) };
    if n == 8 {
        return Ok(v);
    }
    let e = io::Error::last_os_error();
    if n < 0 && e.kind() == io::ErrorKind::WouldBlock {
        return Ok(0);
    }
    Err(if n < 0 { e } else { io::ErrorKind::UnexpectedEof.into() })
}
