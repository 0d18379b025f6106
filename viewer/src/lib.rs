//! The desktop viewer of the MJPEG streaming system.
#![warn(missing_docs)]

pub mod clock;
pub mod decode;
pub mod image;
pub mod player;
pub mod playout;
pub mod record;
pub mod scale;
pub mod session;
pub mod text;
