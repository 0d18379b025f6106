//! Every good file of the shared media through the whole sending and
//! receiving pipeline: container → normalisation → RFC 2435 packetization
//! (built once per frame, as the server does) → packets shuffled within each
//! frame → depacketization → decoding. What arrives must decode to exactly
//! the pixels of what was sent, and what was sent to exactly the pixels of
//! the file's frame unless it had to be transcoded (then within a PSNR).

mod common;

use common::{media, psnr};

use stream_core::clip::{Clip, ClipConfig};
use stream_core::jpeg::normalize::{NormalizeConfig, normalize};
use stream_core::jpeg::rfc2435::{Depacketizer, DepacketizerConfig};
use stream_core::mjpeg;

/// RGB pixels (grayscale frames too, so a gray source and its colour
/// normalisation compare directly).
fn pixels(jpeg: &[u8]) -> Vec<u8> {
    let options = zune_core::options::DecoderOptions::default()
        .jpeg_set_out_colorspace(zune_core::colorspace::ColorSpace::RGB);
    let mut d = zune_jpeg::JpegDecoder::new_with_options(
        zune_core::bytestream::ZCursor::new(jpeg),
        options,
    );
    d.decode().expect("decodes")
}

/// A deterministic shuffle (xorshift), so failures reproduce.
fn shuffle<T>(v: &mut [T], seed: &mut u64) {
    for i in (1..v.len()).rev() {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        v.swap(i, (*seed % (i as u64 + 1)) as usize);
    }
}

/// (file, minimum PSNR of the sent frame against the file's frame:
/// infinite when the normalisation is lossless).
///
/// The lab movie is 4:4:4; RFC 2435 has 4:2:2 at best, so half its chroma
/// resolution is lost and the chroma is quantised again: the normaliser's
/// own tests measure 49.7 dB at worst with zune-jpeg.
const FILES: &[(&str, f64)] = &[
    ("lab-384x288-444.Mjpeg", 49.0),
    ("odd-zero-and-spaces.Mjpeg", 49.0),
    ("testsrc-1280x720-420.Mjpeg", f64::INFINITY),
    ("testsrc-1280x720-420-opthuff.Mjpeg", f64::INFINITY),
    ("mandelbrot-640x480-422.Mjpeg", f64::INFINITY),
    ("testsrc-640x480-420.raw.mjpeg", f64::INFINITY),
    ("restart-640x480-420.Mjpeg", f64::INFINITY),
    ("progressive-640x480.Mjpeg", f64::INFINITY),
    ("gray-640x480.Mjpeg", f64::INFINITY),
    ("big-1920x1080-420.Mjpeg", f64::INFINITY),
];

#[test]
fn every_good_file_end_to_end() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for &(name, min_psnr) in FILES {
        let data = media(name);
        let clip = Clip::build(name, data.clone(), &ClipConfig::default()).unwrap();
        let index = mjpeg::index(&data);
        let originals: Vec<&[u8]> = index
            .frames
            .iter()
            .map(|f| &data[f.range.clone()])
            .collect();
        assert_eq!(clip.len(), originals.len(), "{name}");
        let mut depacketizer = Depacketizer::new(DepacketizerConfig::default());
        let mut sequence = 65_000u64;
        let mut worst = f64::INFINITY;
        // Decoding every frame of the big clips in every test run costs
        // more than it proves: every frame of the small ones, a spread of
        // the others.
        let step = (originals.len() / 12).max(1);
        for (k, original) in originals.iter().enumerate() {
            let packets = clip.frames()[k]
                .rtp
                .as_ref()
                .unwrap_or_else(|e| panic!("{name} frame {k}: {e}"));
            let mut order: Vec<usize> = (0..packets.len()).collect();
            shuffle(&mut order, &mut seed);
            let rtp_timestamp = (k as u32)
                .wrapping_mul(4500)
                .wrapping_add(u32::MAX - 20_000);
            let mut out = None;
            for &i in &order {
                if let Some(f) = depacketizer
                    .push(
                        sequence + i as u64,
                        rtp_timestamp,
                        packets.is_last(i),
                        packets.payload(i),
                    )
                    .unwrap()
                {
                    out = Some(f);
                }
            }
            sequence += packets.len() as u64;
            let received = out
                .unwrap_or_else(|| panic!("{name} frame {k} not reassembled"))
                .jpeg;
            if k % step != 0 {
                continue;
            }
            let sent = normalize(original, &NormalizeConfig::default()).unwrap();
            let sent = sent.bytes(original);
            assert!(
                pixels(&received) == pixels(sent),
                "{name} frame {k}: received != sent"
            );
            let p = psnr(&pixels(sent), &pixels(original));
            worst = worst.min(p);
        }
        if min_psnr.is_infinite() {
            assert!(
                worst.is_infinite(),
                "{name}: sent frames differ from the file's ({worst:.2} dB)"
            );
        } else {
            assert!(worst >= min_psnr, "{name}: worst PSNR {worst:.2} dB");
        }
        assert_eq!(depacketizer.stats().frames_dropped, 0, "{name}");
    }
}
