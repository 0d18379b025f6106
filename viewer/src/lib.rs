//! The desktop viewer of the MJPEG streaming system.
//!
//! A window (winit + pixels) that plays an RTSP stream through the client
//! side of a runtime crate, decoding with zune-jpeg off the UI thread and
//! pacing frames by their RTP timestamps; or the same pipeline headless.
//!
//! Modules, from the pure to the glue:
//! - [`image`], [`text`], [`scale`], [`ui`]: drawing the window's contents;
//! - [`playout`]: the jitter buffer; [`session`]: state, controls, status;
//!   [`clock`]: wall-clock time as the core's `Instant`;
//! - [`decode`]: JPEG to RGBA; [`record`]: `--record`;
//! - [`player`]: the client and decoder threads;
//! - [`headless`], [`app`], [`demo`], [`cli`], [`runtimes`]: the modes and
//!   the command line (`runtimes` is the one place naming runtime crates).
//!
//! Development aids: `tests/support` is a fake `Runtime` with scripted
//! faults (used by the tests and by `examples/fake_window.rs`, the real
//! window on the fake); `scripts/window-smoke.sh` checks the real window
//! under Xvfb; `tests/decode_timing.rs` (ignored) measures decode and
//! scaling times in release builds; `src/bin/make-sample.rs` regenerates
//! `assets/sample.Mjpeg`.
#![warn(missing_docs)]

pub mod app;
pub mod cli;
pub mod clock;
pub mod decode;
pub mod demo;
pub mod headless;
pub mod image;
pub mod player;
pub mod playout;
pub mod record;
pub mod runtimes;
pub mod scale;
pub mod session;
pub mod text;
pub mod ui;
