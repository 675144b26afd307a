//! libhvdb-kvm through hvdb::kvm on a real KVM VM (no vCPU runs: the
//! in-kernel path is libhvdb-kvm's own tests' business; here: attach,
//! paths, the exit path, accounting, detach). Skips, visibly and before
//! any work, only when /dev/kvm cannot be opened.
#![cfg(feature = "kvm")]
mod common;
use common::*;
use hvdb::kvm::{KvmBackend, KvmOptions, Path, Policy};
use hvdb::{eventfd, Doorbell, TriggerSize, WriteResult};
use std::os::fd::{AsFd, FromRawFd, OwnedFd};

extern "C" {
    fn ioctl(fd: i32, request: std::ffi::c_ulong, ...) -> i32;
}
const KVM_CREATE_VM: std::ffi::c_ulong = 0xAE01;

/// A new KVM VM, or None (and a skip message) without /dev/kvm.
fn kvm_vm() -> Option<OwnedFd> {
    let kvm = match std::fs::OpenOptions::new().read(true).write(true).open("/dev/kvm") {
        Ok(f) => f,
        Err(e) => {
            eprintln!("skipped: /dev/kvm: {e}");
            return None;
        }
    };
    // SAFETY: plain ioctl on an open /dev/kvm; the result is a new fd.
    let fd = unsafe { ioctl(std::os::fd::AsRawFd::as_raw_fd(&kvm), KVM_CREATE_VM, 0) };
    assert!(fd >= 0, "KVM_CREATE_VM: {}", std::io::Error::last_os_error());
    // SAFETY: fd is new and ours.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

#[test]
fn kvm_backend_paths() {
    let Some(vm) = kvm_vm() else { return };
    let w = World::new(guest_config());
    let guest = w.hv.partition(GUEST).unwrap();
    let mut port = w.hv.create_port(&World::create_port_input(PORT)).unwrap();
    port.set_eventfd(Some(eventfd::new(true).unwrap())).unwrap();

    let kvm = KvmBackend::attach(&guest, vm.as_fd(), &KvmOptions::default()).unwrap();
    let again = KvmBackend::attach(&guest, vm.as_fd(), &KvmOptions::default()).unwrap_err();
    assert_eq!(again.raw_os_error(), Some(16), "a second backend: EBUSY");

    // offloaded: one ioeventfd of 4 bytes on the port's eventfd
    let dword = Doorbell::new(GPA, TriggerSize::Dword, Some(1)).unwrap();
    let c1 = guest.connect(1, PORT, dword).unwrap();
    let k1 = kvm.connection(1).unwrap();
    assert_eq!((k1.path, k1.ioeventfds), (Path::Ioeventfd, 1));
    assert!(k1.eventfd.is_some());
    // SIZE_ANY with value 1: one per length 1, 2, 4, 8
    let any1 = Doorbell::new(GPA + 0x1000, TriggerSize::Any, Some(1)).unwrap();
    let c2 = guest.connect(2, PORT, any1).unwrap();
    assert_eq!(kvm.connection(2).unwrap().ioeventfds, 4);

    // policy none: the next one stays on the exit path
    kvm.set_policy(Policy::OffloadNone).unwrap();
    let c3 = guest
        .connect(
            3,
            PORT,
            Doorbell::new(GPA + 0x2000, TriggerSize::Byte, Some(7)).unwrap(),
        )
        .unwrap();
    assert_eq!(kvm.connection(3).unwrap().path, Path::Exit);
    assert_eq!(
        kvm.mmio_write(GPA + 0x2000, &[7]).unwrap(),
        WriteResult::Fired {
            port: PORT,
            connection: 3
        }
    );
    assert_eq!(kvm.mmio_write(GPA + 0x2000, &[8]).unwrap(), WriteResult::Miss);
    assert!(kvm.mmio_write(GPA, &[0; 9]).is_err());

    // what the kernel signalled is accounted through the eventfd
    let efd = port.eventfd().unwrap();
    assert_eq!(
        eventfd::take(efd).unwrap(),
        1,
        "the exit-path fire signalled the eventfd"
    );
    assert_eq!(kvm.account(efd, 2).unwrap(), 2);
    let ps = port.stats().unwrap();
    assert_eq!((ps.triggers, ps.userspace, ps.offloaded), (3, 1, 2));

    let s = kvm.stats();
    assert_eq!((s.offloaded, s.userspace, s.ioeventfds), (2, 1, 5));
    assert_eq!((s.exit_fires, s.exit_misses, s.offloaded_fires), (1, 1, 2));

    // disconnecting unregisters exactly its ioeventfds
    drop(c2);
    assert_eq!(kvm.stats().ioeventfds, 1);
    assert!(kvm.connection(2).is_err());
    drop((c1, c3));
    let s = kvm.stats();
    assert_eq!((s.ioeventfds, s.unregistrations), (0, s.registrations));
    drop(kvm); // detach before the VM fd closes (the borrow makes it so)
    drop(vm);
}

/// A doorbell on guest RAM: with the slot table as memory hook, its page
/// becomes read-only while the connection sits on it, and writable again
/// after the disconnect.
#[test]
fn kvm_ram_doorbell() {
    use hvdb::kvm::KvmSlots;
    use hvdb::PartitionConfig;
    const RAM: u64 = 0x10_0000;
    const RAM_SIZE: usize = 0x10000;
    let Some(vm) = kvm_vm() else { return };
    let layout = std::alloc::Layout::from_size_align(RAM_SIZE, 4096).unwrap();
    // SAFETY: a non-zero size; freed below, after the VM is gone.
    let host = unsafe { std::alloc::alloc_zeroed(layout) };
    assert!(!host.is_null());
    {
        let w = World::new(
            PartitionConfig::new(GUEST)
                .vp_count(GUEST_VPS)
                .ram(RAM, RAM_SIZE as u64),
        );
        let guest = w.hv.partition(GUEST).unwrap();
        let slots = KvmSlots::new(vm.as_fd(), 0, 0).unwrap();
        // SAFETY: page-aligned, RAM_SIZE bytes, freed only after the VM.
        unsafe { slots.add(RAM, RAM_SIZE as u64, host, false) }.unwrap();
        let kvm = KvmBackend::attach_with_slots(&guest, vm.as_fd(), &KvmOptions::default(), &slots).unwrap();
        let _port = w.hv.create_port(&World::create_port_input(PORT)).unwrap();

        let doorbell = RAM + 0x2004;
        assert!(!slots.page_is_readonly(doorbell));
        let conn = guest
            .connect(1, PORT, Doorbell::new(doorbell, TriggerSize::Dword, Some(9)).unwrap())
            .unwrap();
        assert!(kvm.connection(1).unwrap().ram_page);
        assert!(slots.page_is_readonly(doorbell));
        assert!(!slots.page_is_readonly(RAM), "only the doorbell's page");
        assert_eq!(kvm.stats().ram_pages, 1);
        // on the exit path, another value is an ordinary RAM write
        assert_eq!(kvm.mmio_write(doorbell, &[1, 0, 0, 0]).unwrap(), WriteResult::Miss);
        drop(conn);
        assert!(!slots.page_is_readonly(doorbell));
        assert_eq!(kvm.stats().ram_pages, 0);
        drop(kvm);
    }
    drop(vm);
    // SAFETY: allocated above with this layout; the VM that used it is gone.
    unsafe { std::alloc::dealloc(host, layout) };
}
