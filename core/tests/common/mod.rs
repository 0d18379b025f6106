//! What the media-driven integration tests share: the shared media files
//! and their frames, read with the core's own container reader.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

/// A file of `../shared/media`.
pub fn media(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/media")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The JPEG frames of a file's bytes (either container), borrowed.
pub fn frame_slices(data: &[u8]) -> Vec<&[u8]> {
    stream_core::mjpeg::index(data)
        .frames
        .iter()
        .map(|f| &data[f.range.clone()])
        .collect()
}

/// The JPEG frames of a file's bytes (either container), owned.
pub fn frames_of(data: &[u8]) -> Vec<Vec<u8>> {
    frame_slices(data).into_iter().map(<[u8]>::to_vec).collect()
}

mod psnr;
#[allow(unused_imports)]
pub use psnr::psnr;
