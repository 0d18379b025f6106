//! `make-sample`: generates the viewer's bundled sample clip.
//!
//! ```text
//! cargo run -p viewer --bin make-sample -- viewer/assets/sample.Mjpeg
//! ```
//!
//! The clip is what `cargo run -p viewer` (no arguments) serves from an
//! in-process server and plays, so that a newcomer sees video at once. It is
//! ours: a test card drawn here and encoded with the pure-Rust
//! `jpeg-encoder`, with no outside footage.
//!
//! - 640x360, 100 frames: 5 s at 20 fps (the lab's rate), looping
//!   seamlessly (everything that moves completes whole cycles in 100 frames);
//! - colour bars, a grey ramp, a square sliding across the bars, a sweeping
//!   clock hand, and the frame counter and timecode in the bitmap font, so
//!   dropped, repeated or reordered frames are visible at a glance;
//! - baseline JPEG, 4:2:0 sampling, quality 75, the standard (Annex K)
//!   Huffman tables (not optimised ones): RFC 2435 type 1 carries each
//!   frame as it is, with no transcoding (the test `sample_clip` checks this
//!   with `stream_core::jpeg::rfc2435_layout`);
//! - written in the course lab's container (5-digit length, then the JPEG),
//!   each frame well under the container's 99999-byte limit and the whole
//!   file under 2 MB.
//!
//! The output is deterministic: running the tool again rewrites the same
//! bytes (the test `sample_clip` regenerates it and compares).

use std::f64::consts::TAU;
use std::path::PathBuf;
use std::process::ExitCode;

use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use viewer::image::{Canvas, Rect, Rgba, RgbaImage};
use viewer::record::Recorder;
use viewer::text::{draw_text, text_width};

/// Picture width in pixels.
const WIDTH: u32 = 640;
/// Picture height in pixels.
const HEIGHT: u32 = 360;
/// Frames in the clip.
const FRAMES: u32 = 100;
/// Frames per second it is meant to play at.
const FPS: u32 = 20;
/// JPEG quality (1-100).
const QUALITY: u8 = 75;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(out), None) = (args.next(), args.next()) else {
        eprintln!("usage: make-sample OUTPUT.Mjpeg");
        return ExitCode::from(2);
    };
    let out = PathBuf::from(out);
    match write_clip(&out) {
        Ok((frames, bytes, largest)) => {
            println!(
                "wrote {}: {frames} frames, {bytes} bytes, largest frame {largest} bytes",
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("make-sample: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write_clip(out: &std::path::Path) -> Result<(u32, u64, usize), Box<dyn std::error::Error>> {
    let mut recorder = Recorder::create(out)?;
    let mut largest = 0;
    for frame in 0..FRAMES {
        let jpeg = encode(&draw(frame))?;
        largest = largest.max(jpeg.len());
        recorder.write_frame(&jpeg)?;
    }
    recorder.flush()?;
    Ok((FRAMES, recorder.bytes(), largest))
}

fn encode(image: &RgbaImage) -> Result<Vec<u8>, jpeg_encoder::EncodingError> {
    let mut jpeg = Vec::new();
    let mut encoder = Encoder::new(&mut jpeg, QUALITY);
    encoder.set_sampling_factor(SamplingFactor::R_4_2_0);
    encoder.set_optimized_huffman_tables(false);
    encoder.set_progressive(false);
    encoder.encode(
        image.as_bytes(),
        image.width() as u16,
        image.height() as u16,
        ColorType::Rgba,
    )?;
    Ok(jpeg)
}

/// 75% colour bars (ITU-R BT.801 order).
const BARS: [Rgba; 7] = [
    Rgba::rgb(191, 191, 191),
    Rgba::rgb(191, 191, 0),
    Rgba::rgb(0, 191, 191),
    Rgba::rgb(0, 191, 0),
    Rgba::rgb(191, 0, 191),
    Rgba::rgb(191, 0, 0),
    Rgba::rgb(0, 0, 191),
];

fn draw(frame: u32) -> RgbaImage {
    let mut image = RgbaImage::filled(WIDTH, HEIGHT, Rgba::rgb(16, 16, 20));
    let mut c = image.canvas();
    let bars_height = 200;
    // Colour bars.
    for (i, colour) in BARS.iter().enumerate() {
        let x0 = (i as u32 * WIDTH / 7) as i32;
        let x1 = ((i as u32 + 1) * WIDTH / 7) as i32;
        c.fill_rect(Rect::new(x0, 0, (x1 - x0) as u32, bars_height), *colour);
    }
    // Grey ramp.
    for x in 0..WIDTH {
        let v = (x * 255 / (WIDTH - 1)) as u8;
        c.fill_rect(
            Rect::new(x as i32, bars_height as i32, 1, 24),
            Rgba::rgb(v, v, v),
        );
    }
    // A square sliding across the bars: one width per clip, drawn wrapped
    // so the loop has no seam.
    let size = 48;
    let x = (frame * WIDTH / FRAMES) as i32;
    for dx in [x, x - WIDTH as i32] {
        let r = Rect::new(dx, 76, size, size);
        c.fill_rect(r, Rgba::BLACK);
        c.fill_rect(r.inset(4), Rgba::WHITE);
    }
    // A clock hand sweeping once per clip.
    let (cx, cy, radius) = (560.0, 292.0, 56.0);
    draw_circle(&mut c, cx, cy, radius, Rgba::rgb(90, 90, 100));
    let angle = TAU * f64::from(frame) / f64::from(FRAMES) - TAU / 4.0;
    draw_line(
        &mut c,
        (cx, cy),
        (
            cx + (radius - 6.0) * angle.cos(),
            cy + (radius - 6.0) * angle.sin(),
        ),
        Rgba::rgb(255, 200, 40),
    );
    // Counter and timecode.
    let hundredths = frame * 100 / FPS;
    let timecode = format!(
        "{:02}:{:02}.{:02}",
        hundredths / 6000,
        hundredths / 100 % 60,
        hundredths % 100
    );
    draw_text(
        &mut c,
        24,
        240,
        "MJPEG-RTSP SAMPLE",
        2,
        Rgba::rgb(150, 160, 170),
    );
    draw_text(
        &mut c,
        24,
        268,
        &format!("FRAME {:03}/{FRAMES}", frame + 1),
        4,
        Rgba::WHITE,
    );
    draw_text(&mut c, 24, 310, &timecode, 4, Rgba::rgb(255, 200, 40));
    let note = "640x360 4:2:0 20 fps";
    draw_text(
        &mut c,
        480 - text_width(note, 1) as i32,
        340,
        note,
        1,
        Rgba::rgb(120, 130, 140),
    );
    image
}

fn draw_circle(c: &mut Canvas<'_>, cx: f64, cy: f64, radius: f64, colour: Rgba) {
    let steps = 360;
    for i in 0..steps {
        let a = TAU * f64::from(i) / f64::from(steps);
        let (x, y) = (cx + radius * a.cos(), cy + radius * a.sin());
        c.fill_rect(
            Rect::new(x.round() as i32 - 1, y.round() as i32 - 1, 3, 3),
            colour,
        );
    }
}

fn draw_line(c: &mut Canvas<'_>, from: (f64, f64), to: (f64, f64), colour: Rgba) {
    let steps = ((to.0 - from.0).abs().max((to.1 - from.1).abs()).ceil() as u32).max(1);
    for i in 0..=steps {
        let t = f64::from(i) / f64::from(steps);
        let x = from.0 + (to.0 - from.0) * t;
        let y = from.1 + (to.1 - from.1) * t;
        c.fill_rect(
            Rect::new(x.round() as i32 - 2, y.round() as i32 - 2, 5, 5),
            colour,
        );
    }
}
