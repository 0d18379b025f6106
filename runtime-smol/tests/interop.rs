//! Interop with real peers (ffmpeg, GStreamer, gst-rtsp-server, VLC) against
//! the smol runtime: the suite of `runtime-mio/tests/peers/interop.rs`.
//! Needs `--features interop` and the peers installed (`.ci/run` installs
//! them); a missing peer fails the test.
#![cfg(feature = "interop")]
#![allow(unused_macros)]

#[path = "../../core/tests/common/psnr.rs"]
mod psnr;
#[macro_use]
#[path = "../../runtime-mio/tests/suite/mod.rs"]
mod suite;
#[macro_use]
#[path = "../../runtime-mio/tests/peers/interop.rs"]
mod interop;

interop_suite!(smol, &runtime_smol::RUNTIME, &runtime_smol::RUNTIME);
