//! The desktop viewer of the MJPEG streaming system.
//!
//! A window (winit + pixels) that plays an RTSP stream through the client
//! side of a runtime crate, decoding with zune-jpeg off the UI thread and
//! pacing frames by their RTP timestamps; or the same pipeline headless.
//!
//! Modules, from the pure to the glue:
//! - [`image`], [`text`], [`scale`], [`ui`]: drawing the window's contents;
//! - [`playout`]: the jitter buffer; [`session`]: state, controls, status;
//! - [`decode`]: JPEG to RGBA; [`record`]: `--record`;
//! - [`player`]: the client and decoder threads;
//! - [`headless`], [`app`], [`demo`], [`cli`], [`runtimes`]: the modes and
//!   the command line.
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
