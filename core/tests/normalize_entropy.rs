//! The entropy codec on the shared media: decoding a scan and coding it
//! again with the same tables gives back the very same bytes, and damaged
//! scans give errors or libjpeg-style zero fill, never a panic.
#![cfg(feature = "normalize")]

mod common;
mod normalize_util;

use normalize_util::{lab_frames, media};
use stream_core::jpeg::Jpeg;
use stream_core::jpeg::entropy::{
    DecodeScanError, EncodeComponent, HuffmanEncoder, decode_image, decode_scan, encode_scan,
};
use stream_core::jpeg::markers::HuffmanSpec;
use stream_core::jpeg::tables;

/// The image's own table `id`, or the implied standard one.
fn encoder(spec: Option<HuffmanSpec<'_>>, fallback: &tables::StandardHuffman) -> HuffmanEncoder {
    match spec {
        Some(s) => HuffmanEncoder::from_spec(&s).unwrap(),
        None => HuffmanEncoder::standard(fallback),
    }
}

/// Decodes the frame's scan and codes it again with the frame's own tables.
fn recode(frame: &[u8]) -> Vec<u8> {
    let j = Jpeg::parse(frame).unwrap();
    let d = decode_scan(&j).unwrap();
    assert_eq!(d.premature_end, None);
    let tables: Vec<(HuffmanEncoder, HuffmanEncoder)> = j
        .scan
        .components
        .iter()
        .map(|sc| {
            let (dc, ac) = if sc.dc_table == 0 {
                (&tables::LUMA_DC, &tables::LUMA_AC)
            } else {
                (&tables::CHROMA_DC, &tables::CHROMA_AC)
            };
            (
                encoder(j.dc_tables[usize::from(sc.dc_table)], dc),
                encoder(j.ac_tables[usize::from(sc.ac_table)], ac),
            )
        })
        .collect();
    let components: Vec<EncodeComponent<'_>> = d
        .components
        .iter()
        .zip(&tables)
        .map(|(c, (dc, ac))| EncodeComponent {
            coefficients: c,
            dc_table: dc,
            ac_table: ac,
        })
        .collect();
    let mut out = Vec::new();
    encode_scan(&mut out, &components, j.restart_interval).unwrap();
    out
}

fn round_trips_byte_for_byte(name: &str, frames: usize) {
    let data = media(name);
    let all = lab_frames(&data);
    assert_eq!(all.len(), frames, "{name}");
    for (i, f) in all.iter().enumerate() {
        let j = Jpeg::parse(f).unwrap();
        assert!(
            recode(f) == j.entropy_data(),
            "{name} frame {i}: scan differs"
        );
        // The all-scans decoder agrees with the one-scan decoder (these
        // files code their components in frame order).
        if i % 10 == 0 {
            let image = decode_image(&j).unwrap();
            assert_eq!(image.scans, 1);
            assert!(image.components == decode_scan(&j).unwrap().components);
        }
    }
}

#[test]
fn standard_table_scans_round_trip_byte_for_byte() {
    round_trips_byte_for_byte("testsrc-1280x720-420.Mjpeg", 100);
    round_trips_byte_for_byte("restart-640x480-420.Mjpeg", 20);
}

#[test]
fn other_scans_round_trip_byte_for_byte_with_their_own_tables() {
    // Optimised tables, 4:2:2 in 16x16 MCUs, grayscale, 4:4:4 (lab).
    round_trips_byte_for_byte("testsrc-1280x720-420-opthuff.Mjpeg", 100);
    round_trips_byte_for_byte("mandelbrot-640x480-422.Mjpeg", 100);
    round_trips_byte_for_byte("gray-640x480.Mjpeg", 20);
    round_trips_byte_for_byte("lab-384x288-444.Mjpeg", 26);
}

#[test]
fn every_truncation_of_a_scan_is_zero_filled_or_an_error() {
    let data = media("lab-384x288-444.Mjpeg");
    let frame = lab_frames(&data)[3];
    let full_j = Jpeg::parse(frame).unwrap();
    let full = decode_scan(&full_j).unwrap();
    let scan = full_j.scan_data.clone();
    // The first MCU row (24 MCUs of 3 blocks) is coded in the first half.
    let first_row = 24;
    for cut in 0..frame.len() {
        let Ok(j) = Jpeg::parse(&frame[..cut]) else {
            assert!(cut <= scan.start, "parse failed at cut {cut}");
            continue;
        };
        match decode_scan(&j) {
            Ok(d) => {
                if cut < scan.end {
                    let at = d.premature_end.unwrap_or_else(|| panic!("cut {cut}"));
                    assert!(at <= cut, "cut {cut}: premature end {at}");
                } else {
                    assert_eq!(d, full, "cut {cut}");
                }
                if cut > scan.start + scan.len() / 2 {
                    for c in 0..3 {
                        assert_eq!(
                            d.components[c].blocks[..first_row],
                            full.components[c].blocks[..first_row],
                            "cut {cut}"
                        );
                    }
                }
            }
            Err(e) => panic!("cut {cut}: a short scan is not an error in libjpeg: {e}"),
        }
    }
}

#[test]
fn bit_flips_give_errors_with_offsets_or_other_coefficients() {
    let data = media("testsrc-1280x720-420-opthuff.Mjpeg");
    let frame = lab_frames(&data)[0];
    let scan = Jpeg::parse(frame).unwrap().scan_data;
    let (mut errors, mut decoded) = (0, 0);
    for byte in (scan.start..scan.end).step_by(499) {
        for bit in 0..8 {
            let mut damaged = frame.to_vec();
            damaged[byte] ^= 1 << bit;
            let Ok(j) = Jpeg::parse(&damaged) else {
                continue; // the flip made a marker the parser rejects
            };
            match decode_scan(&j) {
                Ok(_) => decoded += 1,
                Err(DecodeScanError::Corrupt { offset, .. }) => {
                    errors += 1;
                    assert!(offset >= byte, "offset {offset} before the flip at {byte}");
                    assert!(offset <= j.scan_data.end);
                }
                Err(e) => panic!("byte {byte} bit {bit}: {e}"),
            }
        }
    }
    // Huffman data resynchronises, so many flips decode to other values,
    // but some must be caught.
    println!("bit flips: {errors} errors, {decoded} decoded");
    assert!(
        errors > 0 && decoded > 0,
        "errors {errors}, decoded {decoded}"
    );
}

#[test]
fn garbage_scans_never_panic() {
    let data = media("restart-640x480-420.Mjpeg");
    let frame = lab_frames(&data)[0];
    let scan = Jpeg::parse(frame).unwrap().scan_data;
    let mut rng = normalize_util::Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..200 {
        let mut damaged = frame.to_vec();
        for b in &mut damaged[scan.clone()] {
            if rng.next() % 8 == 0 || round % 10 == 0 {
                *b = rng.next() as u8;
            }
        }
        if let Ok(j) = Jpeg::parse(&damaged) {
            let _ = decode_scan(&j);
        }
    }
}

#[test]
fn damaged_progressive_frames_never_panic() {
    let data = media("progressive-640x480.Mjpeg");
    let frame = lab_frames(&data)[0];
    let full = decode_image(&Jpeg::parse(frame).unwrap()).unwrap();
    assert_eq!((full.scans, full.premature_end), (10, None));
    // Cuts all through the ten scans (and the tables between them).
    let mut zero_filled = 0;
    for cut in (0..frame.len()).step_by(97) {
        if let Ok(j) = Jpeg::parse(&frame[..cut]) {
            match decode_image(&j) {
                Ok(d) => zero_filled += usize::from(d.premature_end.is_some()),
                Err(e) => panic!("cut {cut}: {e}"),
            }
        }
    }
    assert!(zero_filled > 100, "{zero_filled}");
    // Bit flips: decoded, or corrupt with an offset past the flip.
    let mut rng = normalize_util::Rng(0x2545_F491_4F6C_DD1D);
    for _ in 0..300 {
        let mut damaged = frame.to_vec();
        let at = 700 + (rng.next() as usize) % (frame.len() - 702);
        damaged[at] ^= 1 << (rng.next() % 8);
        if let Ok(j) = Jpeg::parse(&damaged) {
            match decode_image(&j) {
                Ok(_) => {}
                Err(DecodeScanError::Corrupt { offset, .. }) => assert!(offset >= at),
                Err(e) => assert!(
                    matches!(
                        e,
                        DecodeScanError::BadHuffmanTable { .. }
                            | DecodeScanError::ScanParameters { .. }
                            | DecodeScanError::MissingHuffmanTable { .. }
                    ),
                    "{e}"
                ),
            }
        }
    }
}
