//! Finds libhvdb, then checks this crate's hand-written FFI against the C
//! headers it will link with.
//!
//! Where the library comes from, first match wins:
//!  1. `HVDB_BUILD_DIR=DIR`: a CMake build directory of hvdoorbell (its
//!     `src/libhvdb.a`, and the headers of the source tree it was
//!     configured from), linked statically;
//!  2. unless `HVDB_PKG_CONFIG=1`: the in-tree build `build/` of the
//!     repository holding this crate (what the README's first command
//!     makes), linked statically, so `cargo test` runs right after the C
//!     build with no install and no `LD_LIBRARY_PATH`;
//!  3. `pkg-config hvdb` (an install, e.g. Debian's libhvdb-dev), linked
//!     against `libhvdb.so`, or `libhvdb.a` with `HVDB_STATIC=1`.
//!
//! The check: a C program generated from `LAYOUT` below prints, for every
//! struct, its size and alignment and each field's offset and size, and
//! the value of every constant in `CONSTANTS`. It is compiled with the
//! system's `cc` against the same headers and run; its output becomes
//! `const` assertions included by `src/lib.rs`, so a struct or constant
//! that drifts from the headers fails the build. The same run generates
//! the `HVDB_REASON_*` constants from the header's `HVDB_REASONS` list.
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (C type, Rust type, fields as C and Rust spell them: dotted paths for
/// nested members). Every struct of hvdb.h and hvdef.h is here.
const LAYOUT: &[(&str, &str, &[&str])] = &[
    (
        "HV_CONNECTION_INFO",
        "HV_CONNECTION_INFO",
        &[
            "PortType",
            "Padding",
            "DoorbellConnectionInfo",
            "DoorbellConnectionInfo.GuestPhysicalAddress",
            "DoorbellConnectionInfo.TriggerValue",
            "DoorbellConnectionInfo.Flags",
        ],
    ),
    (
        "HV_PORT_INFO",
        "HV_PORT_INFO",
        &[
            "PortType",
            "ReservedZ",
            "DoorbellPortInfo",
            "DoorbellPortInfo.TargetSint",
            "DoorbellPortInfo.TargetVp",
            "DoorbellPortInfo.ReservedZ",
        ],
    ),
    (
        "HV_INPUT_CREATE_PORT",
        "HV_INPUT_CREATE_PORT",
        &[
            "PortPartition",
            "PortId",
            "PortVtl",
            "MinConnectionVtl",
            "Padding",
            "ConnectionPartition",
            "PortInfo",
            "ProximityDomainInfo",
        ],
    ),
    (
        "HV_INPUT_CONNECT_PORT",
        "HV_INPUT_CONNECT_PORT",
        &[
            "ConnectionPartition",
            "ConnectionId",
            "ConnectionVtl",
            "Rsvd0",
            "Rsvd1",
            "PortPartition",
            "PortId",
            "Reserved",
            "ConnectionInfo",
            "ProximityDomainInfo",
        ],
    ),
    (
        "HV_INPUT_DISCONNECT_PORT",
        "HV_INPUT_DISCONNECT_PORT",
        &["ConnectionPartition", "ConnectionId", "Flags"],
    ),
    (
        "HV_INPUT_DELETE_PORT",
        "HV_INPUT_DELETE_PORT",
        &["PortPartition", "PortId", "Reserved"],
    ),
    ("struct hvdb_config", "hvdb_config", &["root_vp_count"]),
    ("struct hvdb_ram_range", "hvdb_ram_range", &["start", "size"]),
    (
        "struct hvdb_partition_config",
        "hvdb_partition_config",
        &[
            "id",
            "vp_count",
            "gpa_bits",
            "privileges",
            "ram",
            "ram_count",
            "connection_limit",
        ],
    ),
    (
        "struct hvdb_write_outcome",
        "hvdb_write_outcome",
        &["connection_id", "port_id", "port_partition"],
    ),
    (
        "struct hvdb_port_stats",
        "hvdb_port_stats",
        &["triggers", "userspace", "offloaded"],
    ),
    (
        "struct hvdb_trigger",
        "hvdb_trigger",
        &[
            "partition",
            "connection_id",
            "port_id",
            "gpa",
            "width",
            "any_size",
            "any_value",
            "value",
            "eventfd",
        ],
    ),
    (
        "struct hvdb_backend_ops",
        "hvdb_backend_ops",
        &["attach", "detach", "port_deleted", "release"],
    ),
    (
        "struct hvdb_partition_desc",
        "hvdb_partition_desc",
        &[
            "id",
            "vp_count",
            "gpa_bits",
            "privileges",
            "connection_limit",
            "connection_count",
            "ram",
            "ram_count",
        ],
    ),
    (
        "struct hvdb_port_desc",
        "hvdb_port_desc",
        &[
            "id",
            "connection_partition",
            "target_sint",
            "target_vp",
            "port_type",
            "stats",
            "connection_count",
        ],
    ),
    (
        "struct hvdb_connection_desc",
        "hvdb_connection_desc",
        &["partition", "id", "port_id", "port_deleted", "info"],
    ),
    (
        "struct hvdb_snapshot_error",
        "hvdb_snapshot_error",
        &["code", "message"],
    ),
    (
        "struct hvdb_snapshot_restore_ops",
        "hvdb_snapshot_restore_ops",
        &["partition_restored", "port_restored", "doorbell_restored"],
    ),
    (
        "struct mshv_user_ioeventfd",
        "mshv_user_ioeventfd",
        &["datamatch", "addr", "len", "fd", "flags", "rsvd"],
    ),
    (
        "WHV_DOORBELL_MATCH_DATA",
        "WHV_DOORBELL_MATCH_DATA",
        &["GuestAddress", "Value", "Length", "MatchFlags"],
    ),
    // C's anonymous union is `u` in Rust: "C path:Rust path".
    (
        "struct hvdb_doorbell_desc",
        "hvdb_doorbell_desc",
        &[
            "dialect",
            "partition",
            "id",
            "ioeventfd:u",
            "ioeventfd:u.ioeventfd",
            "whp:u.whp",
            "eventfd",
            "eventfd_group",
        ],
    ),
    ("enum hvdb_dialect", "hvdb_dialect", &[]),
    ("enum hvdb_reason", "hvdb_reason", &[]),
    ("enum hvdb_write_result", "hvdb_write_result", &[]),
    ("enum hvdb_fault_site", "hvdb_fault_site", &[]),
];

/// Every integer constant that src/lib.rs mirrors by hand.
const CONSTANTS: &[&str] = &[
    "HvPortTypeMessage",
    "HvPortTypeEvent",
    "HvPortTypeMonitor",
    "HvPortTypeDoorbell",
    "HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK",
    "HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY",
    "HV_DOORBELL_FLAG_TRIGGER_SIZE_BYTE",
    "HV_DOORBELL_FLAG_TRIGGER_SIZE_WORD",
    "HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD",
    "HV_DOORBELL_FLAG_TRIGGER_SIZE_QWORD",
    "HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE",
    "HV_DOORBELL_FLAG_VALID_MASK",
    "HVCALL_DELETE_PORT",
    "HVCALL_DISCONNECT_PORT",
    "HVCALL_CREATE_PORT",
    "HVCALL_CONNECT_PORT",
    "HV_STATUS_SUCCESS",
    "HV_STATUS_INVALID_HYPERCALL_CODE",
    "HV_STATUS_INVALID_HYPERCALL_INPUT",
    "HV_STATUS_INVALID_ALIGNMENT",
    "HV_STATUS_INVALID_PARAMETER",
    "HV_STATUS_ACCESS_DENIED",
    "HV_STATUS_INVALID_PARTITION_STATE",
    "HV_STATUS_OPERATION_DENIED",
    "HV_STATUS_INSUFFICIENT_MEMORY",
    "HV_STATUS_INVALID_PARTITION_ID",
    "HV_STATUS_INVALID_VP_INDEX",
    "HV_STATUS_INVALID_PORT_ID",
    "HV_STATUS_INVALID_CONNECTION_ID",
    "HV_STATUS_OBJECT_IN_USE",
    "HV_PRIVILEGE_CREATE_PORT_BIT",
    "HV_PRIVILEGE_CONNECT_PORT_BIT",
    "HV_PRIVILEGE_CREATE_PORT",
    "HV_PRIVILEGE_CONNECT_PORT",
    "HV_PARTITION_ID_SELF",
    "HV_ANY_VP",
    "HV_SYNIC_DOORBELL_SINT_INDEX",
    "HV_SYNIC_SINT_COUNT",
    "HV_PORT_ID_MASK",
    "HV_CONNECTION_ID_MASK",
    "HV_DISCONNECT_PORT_FLAG_IS_DOORBELL",
    "HVDB_ROOT_PARTITION_ID",
    "HVDB_DEFAULT_GPA_BITS",
    "HVDB_DEFAULT_CONNECTION_LIMIT",
    "HVDB_PAGE_SIZE",
    "HVDB_RING_SLOTS",
    "HVDB_CONNECTION_ID_UNKNOWN",
    "HVDB_WRITE_MISS",
    "HVDB_WRITE_FIRE",
    "HVDB_WRITE_DROPPED",
    "HVDB_SNAPSHOT_VERSION",
    "HVDB_SNAPSHOT_MESSAGE_MAX",
    "MSHV_IOEVENTFD_BIT_DATAMATCH",
    "MSHV_IOEVENTFD_BIT_PIO",
    "MSHV_IOEVENTFD_BIT_DEASSIGN",
    "MSHV_IOEVENTFD_FLAG_DATAMATCH",
    "MSHV_IOEVENTFD_FLAG_PIO",
    "MSHV_IOEVENTFD_FLAG_DEASSIGN",
    "MSHV_IOEVENTFD_VALID_FLAG_MASK",
    "WHV_DOORBELL_MATCH_ON_VALUE",
    "WHV_DOORBELL_MATCH_ON_LENGTH",
    "WHV_DOORBELL_MATCH_RESERVED_MASK",
    "WHV_DOORBELL_MATCH_RESERVED_SHIFT",
    "HVDB_S_OK",
    "HVDB_E_INVALIDARG",
    "HVDB_ERROR_NOT_FOUND",
    "HVDB_HRESULT_FACILITY_HV_MASK",
    "HVDB_DOORBELL_ID_MAX",
    "HVDB_HRESULT_FROM_HV(HV_STATUS_INVALID_PARAMETER)",
    "HVDB_DIALECT_IOEVENTFD",
    "HVDB_DIALECT_WHP",
];

/// Headers the probe includes; each one is optional so that the probe
/// follows the headers as they are split (the core is always there).
const HEADERS: &[&str] = &[
    "hvdb/hvdef.h",
    "hvdb/hvdb.h",
    "hvdb/backend.h",
    "hvdb/introspect.h",
    "hvdb/snapshot.h",
    "hvdb/testing.h",
    "hvdb/dialect.h",
];

/// With feature `kvm`: libhvdb-kvm (`<hvdb/kvm.h>`), its structs and
/// constants.
const KVM_LAYOUT: &[(&str, &str, &[&str])] = &[
    (
        "struct hvdb_kvm_memory_ops",
        "hvdb_kvm_memory_ops",
        &["set_page_readonly"],
    ),
    (
        "struct hvdb_kvm_options",
        "hvdb_kvm_options",
        &[
            "size",
            "policy",
            "offload_limit",
            "debug",
            "memory",
            "memory_opaque",
            "adaptive_max_ioeventfds",
            "adaptive_promote_wps",
            "adaptive_pass_budget_us",
            "adaptive_idle_ms",
            "reserved",
        ],
    ),
    (
        "struct hvdb_kvm_stats",
        "hvdb_kvm_stats",
        &[
            "size",
            "offloaded",
            "userspace",
            "ioeventfds",
            "ram_pages",
            "reserved0",
            "registrations",
            "unregistrations",
            "register_ns",
            "unregister_ns",
            "refused",
            "exit_fires",
            "exit_drops",
            "exit_misses",
            "offloaded_fires",
            "offloaded_drops",
            "passes",
            "promotions",
            "demotions",
        ],
    ),
    (
        "struct hvdb_kvm_connection",
        "hvdb_kvm_connection",
        &[
            "size",
            "path",
            "eventfd",
            "ioeventfds",
            "ram_page",
            "port_deleted",
            "offloaded_fires",
            "offloaded_drops",
        ],
    ),
    ("enum hvdb_kvm_policy", "hvdb_kvm_policy", &[]),
    ("enum hvdb_kvm_path", "hvdb_kvm_path", &[]),
];
const KVM_CONSTANTS: &[&str] = &[
    "HVDB_KVM_OFFLOAD_ALL",
    "HVDB_KVM_OFFLOAD_NONE",
    "HVDB_KVM_OFFLOAD_ADAPTIVE",
    "HVDB_KVM_PATH_EXIT",
    "HVDB_KVM_PATH_IOEVENTFD",
    "HVDB_KVM_NO_LIMIT",
];

fn kvm() -> bool {
    env::var_os("CARGO_FEATURE_KVM").is_some()
}

struct Lib {
    /// -I, -D... for the probe.
    cflags: Vec<String>,
    /// Directory holding hvdb/hvdb.h, watched for changes.
    include_dir: Option<PathBuf>,
}

fn main() {
    for var in [
        "HVDB_BUILD_DIR",
        "HVDB_PKG_CONFIG",
        "HVDB_STATIC",
        "PKG_CONFIG_PATH",
        "CC",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let in_tree = manifest.join("../../../build");

    let lib = if let Some(dir) = env::var_os("HVDB_BUILD_DIR") {
        from_build_dir(Path::new(&dir))
    } else if env::var_os("HVDB_PKG_CONFIG").is_none() && in_tree.join("CMakeCache.txt").is_file() {
        from_build_dir(&in_tree)
    } else {
        from_pkg_config()
    };
    if let Some(dir) = &lib.include_dir {
        println!("cargo:include={}", dir.display());
        println!("cargo:rerun-if-changed={}", dir.join("hvdb").display());
    }
    probe(&lib);
}

/// A CMake build of hvdoorbell: src/libhvdb.a, and the headers of the
/// source tree named in its CMakeCache.txt.
fn from_build_dir(build: &Path) -> Lib {
    let build = build
        .canonicalize()
        .unwrap_or_else(|e| panic!("hvdb-sys: build directory {}: {e}", build.display()));
    let cache = fs::read_to_string(build.join("CMakeCache.txt")).unwrap_or_else(|e| {
        panic!(
            "hvdb-sys: {}/CMakeCache.txt: {e} (not a CMake build of hvdoorbell?)",
            build.display()
        )
    });
    let source = cache
        .lines()
        .find_map(|l| l.strip_prefix("hvdoorbell_SOURCE_DIR:STATIC="))
        .unwrap_or_else(|| panic!("hvdb-sys: {} is not a build of hvdoorbell", build.display()));
    let include = PathBuf::from(source).join("include");
    // libhvdb-kvm first: it needs libhvdb.
    let mut archives = vec![("src/libhvdb.a", "hvdb")];
    if kvm() {
        archives.insert(0, ("src/kvm/libhvdb-kvm.a", "hvdb-kvm"));
    }
    for (file, name) in archives {
        let archive = build.join(file);
        if !archive.is_file() {
            panic!(
                "hvdb-sys: {} is missing: build the C library first \
                    (cmake --build {})",
                archive.display(),
                build.display()
            );
        }
        println!("cargo:rerun-if-changed={}", archive.display());
        println!("cargo:rustc-link-search=native={}", archive.parent().unwrap().display());
        println!("cargo:rustc-link-lib=static={name}");
    }
    // What libhvdb.a needs at the final link (hvdb.pc's Requires.private).
    emit_libs(&pkg_config(&["--libs", "liburcu-bp", "liburcu-cds", "jansson"]), &[]);
    println!("cargo:rustc-link-lib=pthread");
    println!("cargo:root={}", build.display());
    Lib {
        cflags: vec![format!("-I{}", include.display())],
        include_dir: Some(include),
    }
}

/// An installed libhvdb, found with `pkg-config hvdb`.
fn from_pkg_config() -> Lib {
    let modules: &[&str] = if kvm() { &["hvdb-kvm", "hvdb"] } else { &["hvdb"] };
    let cflags = pkg_config(&[&["--cflags"], modules].concat());
    let static_ = env::var_os("HVDB_STATIC").is_some_and(|v| v != "0");
    let libs = if static_ {
        pkg_config(&[&["--static", "--libs"], modules].concat())
    } else {
        pkg_config(&[&["--libs"], modules].concat())
    };
    emit_libs(&libs, if static_ { &["hvdb-kvm", "hvdb"] } else { &[] });
    let include_dir = pkg_config(&["--variable=includedir", "hvdb"]).pop().map(PathBuf::from);
    Lib { cflags, include_dir }
}

/// Turns -L/-l flags into cargo directives; (static_libs) are linked
/// statically, everything else dynamically.
fn emit_libs(flags: &[String], static_libs: &[&str]) {
    for f in flags {
        if let Some(dir) = f.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={dir}");
        } else if let Some(name) = f.strip_prefix("-l") {
            if static_libs.contains(&name) {
                println!("cargo:rustc-link-lib=static={name}");
            } else {
                println!("cargo:rustc-link-lib={name}");
            }
        }
    }
}

fn pkg_config(args: &[&str]) -> Vec<String> {
    let out = Command::new("pkg-config").args(args).output().unwrap_or_else(|e| {
        panic!(
            "hvdb-sys: cannot run pkg-config: {e}; install pkg-config, \
                or point HVDB_BUILD_DIR at a CMake build of hvdoorbell"
        )
    });
    if !out.status.success() {
        panic!(
            "hvdb-sys: pkg-config {} failed: {}\nInstall libhvdb-dev, set \
                PKG_CONFIG_PATH to an install's lib/pkgconfig, or point \
                HVDB_BUILD_DIR at a CMake build of hvdoorbell.",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .map(String::from)
        .collect()
}

/// Writes, compiles and runs the probe; turns what it prints into
/// OUT_DIR/layout.rs (assertions) and OUT_DIR/reasons.rs (constants).
fn probe(lib: &Lib) {
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let src = out.join("probe.c");
    let exe = out.join("probe");
    fs::write(&src, probe_source()).unwrap();
    let cc = env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .args(["-std=gnu11", "-Wall", "-Werror", "-o"])
        .arg(&exe)
        .arg(&src)
        .args(&lib.cflags)
        .status()
        .unwrap_or_else(|e| panic!("hvdb-sys: cannot run the C compiler {cc}: {e}"));
    assert!(
        status.success(),
        "hvdb-sys: the layout probe {} did not compile \
            against the headers (a struct, field or constant of LAYOUT/CONSTANTS \
            is gone or renamed?)",
        src.display()
    );
    let run = Command::new(&exe).output().expect("hvdb-sys: run the layout probe");
    assert!(run.status.success(), "hvdb-sys: the layout probe failed");
    let text = String::from_utf8(run.stdout).unwrap();

    let mut layout = String::from("// Generated by build.rs from the C headers: do not edit.\n#[allow(clippy::unnecessary_cast)]\nconst _: () = {\n");
    let mut reasons = String::from("// Generated by build.rs from HVDB_REASONS: do not edit.\n");
    let mut reason_list = String::new();
    let mut checks = 0usize;
    for line in text.lines() {
        let w: Vec<&str> = line.split(' ').collect();
        match w[..] {
            ["size", ty, size, align] => {
                writeln!(layout, "const _: () = assert!(::core::mem::size_of::<{ty}>() == {size}, \"{ty}: size differs from C ({size})\");").unwrap();
                writeln!(layout, "const _: () = assert!(::core::mem::align_of::<{ty}>() == {align}, \"{ty}: alignment differs from C ({align})\");").unwrap();
                checks += 2;
            }
            ["field", ty, field, offset, size] => {
                writeln!(layout, "const _: () = assert!(::core::mem::offset_of!({ty}, {field}) == {offset}, \"{ty}.{field}: offset differs from C ({offset})\");").unwrap();
                writeln!(layout, "const _: () = assert!(field_size!({ty}, {field}) == {size}, \"{ty}.{field}: size differs from C ({size})\");").unwrap();
                checks += 2;
            }
            ["const", name, value] => {
                writeln!(
                    layout,
                    "const _: () = assert!({name} as u64 == {value}, \"{name} differs from C ({value})\");"
                )
                .unwrap();
                checks += 1;
            }
            ["reason", name, value, rname] => {
                writeln!(
                    reasons,
                    "/// Reason `{rname}`.\npub const HVDB_REASON_{name}: hvdb_reason = {value};"
                )
                .unwrap();
                writeln!(reason_list, "        ({}, {value}, \"{rname}\"),", camel(rname)).unwrap();
            }
            ["reason-max", value] => {
                writeln!(
                    reasons,
                    "/// The number of reasons.\npub const HVDB_REASON_MAX: hvdb_reason = {value};"
                )
                .unwrap();
            }
            ["fault", name, value, fname] => {
                writeln!(
                    reasons,
                    "/// Fault site `{fname}`.\npub const HVDB_FAULT_{name}: hvdb_fault_site = {value};"
                )
                .unwrap();
            }
            ["fault-max", value] => {
                writeln!(
                    reasons,
                    "/// The number of fault sites.\npub const HVDB_FAULT_MAX: hvdb_fault_site = {value};"
                )
                .unwrap();
            }
            ["version", v] => {
                writeln!(reasons, "/// `HVDB_VERSION_STRING` of the headers built against.\npub const HVDB_VERSION_STRING: &str = \"{v}\";").unwrap();
            }
            _ => panic!("hvdb-sys: unexpected probe line {line:?}"),
        }
    }
    writeln!(reasons, "/// Calls macro `$m` with the list of reasons: `(CamelName, value, \"reason-name\"),`\n/// (the header's `HVDB_REASONS`), for the `hvdb` crate's `Reason`.\n#[macro_export]\nmacro_rules! hvdb_reasons {{\n    ($m:ident) => {{\n    $m! {{\n{reason_list}    }}\n    }};\n}}").unwrap();
    layout.push_str("};\n");
    writeln!(
        layout,
        "/// How many layout and constant assertions were generated.\npub const LAYOUT_CHECKS: usize = {checks};"
    )
    .unwrap();
    fs::write(out.join("layout.rs"), layout).unwrap();
    fs::write(out.join("reasons.rs"), reasons).unwrap();
}

/// "no-create-port-privilege" -> "NoCreatePortPrivilege".
fn camel(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn probe_source() -> String {
    let mut c = String::from("/* Generated by hvdb-sys/build.rs. */\n#include <stddef.h>\n#include <stdio.h>\n");
    for h in HEADERS {
        writeln!(c, "#if __has_include(<{h}>)\n#include <{h}>\n#endif").unwrap();
    }
    let (kvm_layout, kvm_constants): (&[_], &[_]) = if kvm() {
        c.push_str("#include <hvdb/kvm.h>\n");
        (KVM_LAYOUT, KVM_CONSTANTS)
    } else {
        (&[], &[])
    };
    c.push_str(
        r#"
#define FIELD_AS(t, rt, f, rf) printf("field %s %s %zu %zu\n", rt, rf, \
	offsetof(t, f), sizeof(((t *)0)->f))
#define REASON(e, name, msg) printf("reason %s %d %s\n", #e, (int)HVDB_REASON_##e, name);
#define FAULT(e, name) printf("fault %s %d %s\n", #e, (int)HVDB_FAULT_##e, name);
int main(void)
{
"#,
    );
    for (cty, rty, fields) in LAYOUT.iter().chain(kvm_layout) {
        writeln!(
            c,
            "\tprintf(\"size %s %zu %zu\\n\", \"{rty}\", sizeof({cty}), _Alignof({cty}));"
        )
        .unwrap();
        for f in *fields {
            let (cf, rf) = f.split_once(':').unwrap_or((f, f));
            writeln!(c, "\tFIELD_AS({cty}, \"{rty}\", {cf}, \"{rf}\");").unwrap();
        }
    }
    for k in CONSTANTS.iter().chain(kvm_constants) {
        writeln!(c, "\tprintf(\"const %s %llu\\n\", \"{k}\", (unsigned long long)({k}));").unwrap();
    }
    c.push_str("\tHVDB_REASONS(REASON)\n\tprintf(\"reason-max %d\\n\", (int)HVDB_REASON_MAX);\n");
    c.push_str("\tHVDB_FAULT_SITES(FAULT)\n\tprintf(\"fault-max %d\\n\", (int)HVDB_FAULT_MAX);\n");
    c.push_str("\tprintf(\"version %s\\n\", HVDB_VERSION_STRING);\n\treturn 0;\n}\n");
    c
}
