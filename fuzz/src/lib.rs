//! Fuzz targets for `stream-core`, with their oracles.
//!
//! Every target is a function `fn(&[u8])` in one of the modules below; it
//! feeds the bytes to a core entry point that takes untrusted input and
//! panics (through `assert!`) when an oracle is violated. The libFuzzer
//! binaries in `fuzz_targets/` are one-line wrappers, and
//! `tests/replay.rs` runs every committed corpus file and regression input
//! through the same functions on the stable toolchain, so the targets
//! cannot rot between fuzzing campaigns.
//!
//! Oracles go beyond "does not panic": parse → emit → parse identity,
//! every split point of a byte stream giving the same messages as the
//! whole, depacketized frames within their cap, heap use bounded by what
//! the configuration allows, and, for the server and client state
//! machines, exactly one response per request. Each module's docs say what
//! its target checks.

#![forbid(unsafe_code)]

pub mod heap;
pub mod seeds;
pub mod util;

pub mod client;
pub mod jpeg_markers;
pub mod jpeg_normalize;
pub mod mjpeg;
pub mod rfc2435_depacketize;
pub mod rfc2435_roundtrip;
pub mod rtcp;
pub mod rtp;
pub mod rtsp_headers;
pub mod rtsp_message;
pub mod rtsp_range;
pub mod rtsp_stream;
pub mod rtsp_transport;
pub mod rtsp_uri;
pub mod sdp;
pub mod server;

/// A target's entry point.
pub type Target = fn(&[u8]);

/// Every target: its name (the file stem in `fuzz_targets/`, the directory
/// name under `corpus/` and `regressions/`) and its function.
pub const TARGETS: &[(&str, Target)] = &[
    ("rtsp_message", rtsp_message::run),
    ("rtsp_stream", rtsp_stream::run),
    ("rtsp_headers", rtsp_headers::run),
    ("rtsp_transport", rtsp_transport::run),
    ("rtsp_range", rtsp_range::run),
    ("rtsp_uri", rtsp_uri::run),
    ("sdp", sdp::run),
    ("rtp", rtp::run),
    ("rtcp", rtcp::run),
    ("rfc2435_depacketize", rfc2435_depacketize::run),
    ("rfc2435_roundtrip", rfc2435_roundtrip::run),
    ("jpeg_markers", jpeg_markers::run),
    ("jpeg_normalize", jpeg_normalize::run),
    ("mjpeg", mjpeg::run),
    ("server", server::run),
    ("client", client::run),
];

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Runs `target` on every file named on the command line (a directory:
/// every file in it), printing each name first: what a fuzz target binary
/// does when built without libFuzzer, to replay a crash on stable Rust.
pub fn replay_args(target: Target) {
    let mut files = Vec::new();
    for arg in std::env::args_os().skip(1) {
        let path = std::path::PathBuf::from(arg);
        match std::fs::read_dir(&path) {
            Ok(dir) => files.extend(dir.flatten().map(|e| e.path())),
            Err(_) => files.push(path),
        }
    }
    files.sort();
    for f in files {
        eprintln!("{}", f.display());
        let data = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        target(&data);
    }
}
