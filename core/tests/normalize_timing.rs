//! Time per frame of the normaliser on each file of the shared media.
//!
//! Ignored by default (timings mean nothing in a debug build); run with
//! `cargo test -p stream-core --release --test normalize_timing -- --ignored --nocapture`.
#![cfg(feature = "normalize")]

mod common;
mod normalize_util;

use std::time::{Duration, Instant};

use normalize_util::{lab_frames, media};
use stream_core::jpeg::normalize::{NormalizeConfig, normalize};

#[test]
#[ignore = "timing: run in release with --ignored --nocapture"]
fn time_per_frame() {
    let cfg = NormalizeConfig::default();
    for name in [
        "testsrc-1280x720-420.Mjpeg",
        "testsrc-1280x720-420-opthuff.Mjpeg",
        "mandelbrot-640x480-422.Mjpeg",
        "gray-640x480.Mjpeg",
        "lab-384x288-444.Mjpeg",
        "progressive-640x480.Mjpeg",
    ] {
        let data = media(name);
        let frames = lab_frames(&data);
        // One warm-up pass, then the measured one.
        let mut action = String::new();
        for f in &frames {
            action = normalize(f, &cfg).unwrap().action.to_string();
        }
        let (mut total, mut worst) = (Duration::ZERO, Duration::ZERO);
        let (mut bytes_in, mut bytes_out) = (0usize, 0usize);
        for f in &frames {
            let start = Instant::now();
            let n = normalize(f, &cfg).unwrap();
            let t = start.elapsed();
            total += t;
            worst = worst.max(t);
            bytes_in += f.len();
            bytes_out += n.bytes(f).len();
        }
        println!(
            "{name}: {} frames, mean {:.2} ms, max {:.2} ms per frame, {} -> {} bytes/frame: {action}",
            frames.len(),
            total.as_secs_f64() * 1e3 / frames.len() as f64,
            worst.as_secs_f64() * 1e3,
            bytes_in / frames.len(),
            bytes_out / frames.len(),
        );
    }
}
