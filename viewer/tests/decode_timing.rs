//! Decode time per frame, for the issue's closing note. Ignored by default
//! (timings mean nothing in a debug build or on a loaded machine); run:
//!
//! ```text
//! cargo test -p viewer --release --test decode_timing -- --ignored --nocapture
//! ```
//!
//! Prints the median, 10th and 90th percentile decode time (JPEG to RGBA,
//! `viewer::decode::decode_jpeg`) over every frame of a clip, several rounds,
//! and the time to scale a frame into a 960x540 video area.

mod support;

use std::time::{Duration, Instant};

use support::{media_dir, read_lab_clip, sample_path};
use viewer::decode::decode_jpeg;
use viewer::image::{Rect, Rgba, RgbaImage};
use viewer::scale::{Filter, blit_scaled, fit};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn measure(name: &str, frames: &[Vec<u8>], rounds: usize) -> Duration {
    // Warm up caches and the allocator.
    for f in frames.iter().take(5) {
        decode_jpeg(f).unwrap();
    }
    let mut times = Vec::new();
    for _ in 0..rounds {
        for f in frames {
            let t = Instant::now();
            let img = decode_jpeg(f).unwrap();
            times.push(t.elapsed());
            std::hint::black_box(img);
        }
    }
    times.sort();
    let img = decode_jpeg(&frames[0]).unwrap();
    let mut canvas = RgbaImage::filled(960, 540, Rgba::BLACK);
    let target = fit(img.width(), img.height(), Rect::new(0, 0, 960, 540));
    let mut scale_times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        blit_scaled(&img, &mut canvas.canvas(), target, Filter::Bilinear);
        scale_times.push(t.elapsed());
    }
    scale_times.sort();
    println!(
        "{name}: {}x{}, {} decodes: median {:.2} ms (p10 {:.2}, p90 {:.2}); bilinear to {}x{}: median {:.2} ms",
        img.width(),
        img.height(),
        times.len(),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.1).as_secs_f64() * 1e3,
        percentile(&times, 0.9).as_secs_f64() * 1e3,
        target.width,
        target.height,
        percentile(&scale_times, 0.5).as_secs_f64() * 1e3,
    );
    percentile(&times, 0.5)
}

#[test]
#[ignore = "timing; run in release with --ignored --nocapture"]
fn decode_time_per_frame() {
    let clip = |name: &str| read_lab_clip(&std::fs::read(media_dir().join(name)).unwrap());
    let lab = measure("lab-384x288-444", &clip("lab-384x288-444.Mjpeg"), 20);
    let sample = measure(
        "sample-640x360-420",
        &read_lab_clip(&std::fs::read(sample_path()).unwrap()),
        5,
    );
    let hd = measure(
        "testsrc-1280x720-420",
        &clip("testsrc-1280x720-420.Mjpeg"),
        3,
    );
    // Sanity, not a benchmark gate: a frame period at 20 fps is 50 ms.
    for t in [lab, sample, hd] {
        assert!(t < Duration::from_millis(50), "{t:?}");
    }
}
