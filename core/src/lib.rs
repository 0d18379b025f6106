//! The sans-IO core of an RTSP/RTP MJPEG streaming system.
#![no_std]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

#[cfg(feature = "cli")]
pub mod cli;
pub mod client;
pub mod clip;
pub mod jpeg;
#[cfg(feature = "std")]
pub mod media;
pub mod mjpeg;
pub mod pacing;
pub mod rtp;
pub mod rtsp;
#[cfg(feature = "std")]
pub mod runtime;
pub mod sdp;
pub mod server;
pub mod session;
pub mod time;

pub use time::{Duration, Instant};
