//! Interop with real peers (ffmpeg, GStreamer, gst-rtsp-server, VLC) against
//! the mio runtime. Needs `--features interop` and the peers installed
//! (`.ci/run` installs them); a missing peer fails the test.
#![cfg(feature = "interop")]
#![allow(unused_macros)]

#[path = "../../core/tests/common/psnr.rs"]
mod psnr;
#[macro_use]
mod suite;
#[macro_use]
#[path = "peers/interop.rs"]
mod interop;

interop_suite!(mio, &runtime_mio::RUNTIME, &runtime_mio::RUNTIME);
