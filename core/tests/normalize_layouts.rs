//! The normaliser on synthetic frames that cover what the shared media do
//! not: odd sizes, restart intervals, other scaled sampling factors,
//! non-standard tables, scan orders, and every kind of transcode.
#![cfg(feature = "normalize")]

mod common;
mod normalize_util;

use normalize_util::{
    Comp, Huffman, Rng, build_frame, decode, decode_rgb, lab_frames, media, psnr, random_plane,
    random_planes,
};
use proptest::prelude::*;
use stream_core::jpeg::compat::{Incompatibility, JpegType};
use stream_core::jpeg::entropy::{ComponentCoefficients, DecodeScanError, decode_scan};
use stream_core::jpeg::headers::scaled_quant_tables;
use stream_core::jpeg::markers::FrameKind;
use stream_core::jpeg::normalize::{NormalizeAction, NormalizeConfig, NormalizeError, normalize};
use stream_core::jpeg::{Jpeg, rfc2435_layout};
use zune_core::colorspace::ColorSpace;

const Y2X2_C1X2: [Comp; 3] = [
    Comp { h: 2, v: 2, tq: 0 },
    Comp { h: 1, v: 2, tq: 1 },
    Comp { h: 1, v: 2, tq: 1 },
];
const Y4X1_C2X1: [Comp; 3] = [
    Comp { h: 4, v: 1, tq: 0 },
    Comp { h: 2, v: 1, tq: 1 },
    Comp { h: 2, v: 1, tq: 1 },
];
const TYPE0: [Comp; 3] = [
    Comp { h: 2, v: 1, tq: 0 },
    Comp { h: 1, v: 1, tq: 1 },
    Comp { h: 1, v: 1, tq: 1 },
];
const TYPE1: [Comp; 3] = [
    Comp { h: 2, v: 2, tq: 0 },
    Comp { h: 1, v: 1, tq: 1 },
    Comp { h: 1, v: 1, tq: 1 },
];
const GRAY: [Comp; 1] = [Comp { h: 1, v: 1, tq: 0 }];

fn cfg() -> NormalizeConfig {
    NormalizeConfig::default()
}

/// Normalises, checks the output is carriable at the same size, and
/// returns it with its decoded scan.
fn run(frame: &[u8]) -> (Vec<u8>, NormalizeAction, Jpeg<'static>) {
    let n = normalize(frame, &cfg()).unwrap();
    let out = n.jpeg.unwrap();
    let src = Jpeg::parse(frame).unwrap();
    let leaked: &'static [u8] = Box::leak(out.clone().into_boxed_slice());
    let j = Jpeg::parse(leaked).unwrap();
    let layout = rfc2435_layout(&j).unwrap();
    assert_eq!(
        (layout.width, layout.height),
        (src.frame.width, src.frame.height)
    );
    (out, n.action, j)
}

/// Asserts the blocks that cover the image are the same in both grids.
fn same_visible_blocks(
    src: &ComponentCoefficients,
    out: &ComponentCoefficients,
    cols: usize,
    rows: usize,
    what: &str,
) {
    assert!(out.blocks_wide >= cols && out.blocks_high >= rows, "{what}");
    for y in 0..rows {
        for x in 0..cols {
            assert_eq!(src.block(x, y), out.block(x, y), "{what}: block ({x}, {y})");
        }
    }
}

/// Compares zune-jpeg's RGB decodes of a source and its regrouped output.
///
/// zune-jpeg 0.5's fancy horizontal upsampler interpolates a row's last
/// visible chroma sample with the next *stored* sample, even one past the
/// image edge, where libjpeg replicates the edge sample (T.81 leaves samples
/// past the edge undefined). When the source's MCUs are wider than the
/// output's and the visible chroma width is a multiple of 8, the source
/// stores such a sample and the output, whose grid ends at the edge, does
/// not: zune-jpeg's last pixel column then differs. libjpeg decodes both to
/// identical pixels (checked with ImageMagick on these frames); the
/// coefficients are compared exactly elsewhere. Every other pixel must
/// match exactly.
fn same_pixels(src: &[u8], out: &[u8], w: usize, comps: &[Comp], what: &str) {
    assert_eq!(src.len(), out.len(), "{what}");
    let h_max = usize::from(comps.iter().map(|c| c.h).max().unwrap());
    let quirk_column = comps.get(1).and_then(|c| {
        let visible = (w * usize::from(c.h)).div_ceil(h_max);
        let source_grid = w.div_ceil(8 * h_max) * usize::from(c.h) * 8;
        let output_grid = w.div_ceil(16) * 8;
        (source_grid > visible && output_grid == visible).then_some(w - 1)
    });
    for (i, (a, b)) in src.chunks(3).zip(out.chunks(3)).enumerate() {
        if a != b && Some(i % w) != quirk_column {
            panic!("{what}: pixel ({}, {}) {a:?} != {b:?}", i % w, i / w);
        }
    }
}

/// A regrouped frame keeps every visible block and every pixel.
fn check_regroup(w: u16, h: u16, comps: &[Comp; 3], restart: u16, seed: u64) {
    let what = format!("{w}x{h} Y {}x{} ri {restart}", comps[0].h, comps[0].v);
    let planes = random_planes(w, h, comps, seed);
    let frame = build_frame(w, h, comps, &planes, None, restart, Huffman::Standard);
    let (out, action, j) = run(&frame);
    assert_eq!(
        action,
        NormalizeAction::Regrouped {
            from: comps.map(|c| (c.h, c.v)),
            to: JpegType::Yuv422
        },
        "{what}"
    );
    let split = u16::from(comps[0].h * comps[0].v / 2);
    assert_eq!(j.restart_interval, restart * split, "{what}");
    let d = decode_scan(&j).unwrap();
    let (w, h) = (usize::from(w), usize::from(h));
    same_visible_blocks(
        &planes[0],
        &d.components[0],
        w.div_ceil(8),
        h.div_ceil(8),
        &what,
    );
    for (src, out) in planes.iter().zip(&d.components).skip(1) {
        same_visible_blocks(src, out, w.div_ceil(16), h.div_ceil(8), &what);
    }
    same_pixels(
        &decode_rgb(&frame).data,
        &decode_rgb(&out).data,
        w,
        comps,
        &what,
    );
}

#[test]
fn scaled_factors_are_regrouped_at_any_size() {
    let sizes = [
        (1, 1),
        (8, 8),
        (16, 16),
        (17, 9),
        (33, 17),
        (100, 37),
        (250, 130),
    ];
    for (i, &(w, h)) in sizes.iter().enumerate() {
        for restart in [0, 1, 3] {
            check_regroup(w, h, &Y2X2_C1X2, restart, i as u64 * 7 + 1);
            check_regroup(w, h, &Y4X1_C2X1, restart, i as u64 * 7 + 2);
        }
    }
}

#[test]
fn nonstandard_tables_and_scan_order_are_reencoded() {
    for (w, h) in [(1, 1), (17, 9), (100, 37), (64, 48)] {
        for (comps, jpeg_type) in [(&TYPE0, JpegType::Yuv422), (&TYPE1, JpegType::Yuv420)] {
            for restart in [0, 2] {
                let what = format!("{w}x{h} {jpeg_type:?} ri {restart}");
                let planes = random_planes(w, h, comps, u64::from(w) * 31 + 5);
                let flat = build_frame(w, h, comps, &planes, None, restart, Huffman::Flat);
                let reordered: &[&[usize]] = &[&[2, 0, 1]];
                let shuffled = build_frame(
                    w,
                    h,
                    comps,
                    &planes,
                    Some(reordered),
                    restart,
                    Huffman::Standard,
                );
                for frame in [flat, shuffled] {
                    let (out, action, j) = run(&frame);
                    assert_eq!(action, NormalizeAction::HuffmanReencoded, "{what}");
                    assert_eq!(rfc2435_layout(&j).unwrap().jpeg_type, jpeg_type);
                    assert_eq!(j.restart_interval, restart, "{what}");
                    let d = decode_scan(&j).unwrap();
                    assert_eq!(d.components, planes, "{what}");
                    assert!(decode_rgb(&frame).data == decode_rgb(&out).data, "{what}");
                }
            }
        }
    }
}

#[test]
fn grayscale_at_any_size_gets_neutral_chroma() {
    for (w, h) in [(1, 1), (8, 8), (9, 9), (24, 5), (100, 37), (250, 130)] {
        for restart in [0, 1, 5] {
            let what = format!("gray {w}x{h} ri {restart}");
            let planes = random_planes(w, h, &GRAY, u64::from(h) * 17 + 3);
            let frame = build_frame(w, h, &GRAY, &planes, None, restart, Huffman::Standard);
            let (out, action, j) = run(&frame);
            assert_eq!(action, NormalizeAction::GrayToColor, "{what}");
            assert_eq!(j.restart_interval, restart.div_ceil(2), "{what}");
            let d = decode_scan(&j).unwrap();
            let (w, h) = (usize::from(w), usize::from(h));
            same_visible_blocks(
                &planes[0],
                &d.components[0],
                w.div_ceil(8),
                h.div_ceil(8),
                &what,
            );
            // An odd last column is the edge block repeated.
            if w.div_ceil(8) % 2 == 1 {
                let last = w.div_ceil(8) - 1;
                for y in 0..h.div_ceil(8) {
                    assert_eq!(d.components[0].block(last + 1, y), planes[0].block(last, y));
                }
            }
            for c in 1..3 {
                assert!(
                    d.components[c].blocks.iter().all(|b| *b == [0; 64]),
                    "{what}"
                );
            }
            let luma = decode(&frame, ColorSpace::Luma);
            let rgb = decode_rgb(&out);
            let replicated: Vec<u8> = luma.data.iter().flat_map(|&y| [y, y, y]).collect();
            assert!(rgb.data == replicated, "{what}");
        }
    }
}

/// Normalises a frame that must be transcoded and returns the PSNR of the
/// output against the source, both decoded to RGB.
fn transcoded(frame: &[u8], reason: Incompatibility) -> f64 {
    let (out, action, _) = run(frame);
    match action {
        NormalizeAction::Transcoded { reason: r, .. } => assert_eq!(r, reason),
        other => panic!("{other}"),
    }
    let (a, b) = (decode_rgb(frame), decode_rgb(&out));
    assert_eq!((a.width, a.height), (b.width, b.height));
    psnr(&a.data, &b.data)
}

/// A smooth RGB test picture.
fn picture(w: usize, h: usize) -> Vec<u8> {
    (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w, i / w);
            [
                (x * 255 / w) as u8,
                (y * 255 / h) as u8,
                ((x + y) * 127 / (w + h)) as u8,
            ]
        })
        .collect()
}

fn strip_jfif(mut jpeg: Vec<u8>) -> Vec<u8> {
    if jpeg[2..4] == [0xFF, 0xE0] {
        let len = usize::from(u16::from_be_bytes([jpeg[4], jpeg[5]]));
        jpeg.drain(2..4 + len);
    }
    jpeg
}

#[test]
fn multi_scan_and_progressive_frames_are_merged_losslessly() {
    // Multi-scan baseline: three non-interleaved scans of a 2x1/1x1 frame;
    // each codes its component's own grid (T.81 A.2.2).
    let (w, h) = (40u16, 24u16);
    let mut rng = Rng(77);
    let planes = vec![
        random_plane(2, 1, 5, 3, &mut rng),
        random_plane(1, 1, 3, 3, &mut rng),
        random_plane(1, 1, 3, 3, &mut rng),
    ];
    let scans: &[&[usize]] = &[&[0], &[1], &[2]];
    // zune-jpeg 0.5 mis-decodes restart intervals in non-interleaved scans
    // (libjpeg and ffmpeg decode the source and our output identically), so
    // the reference pixels come from the same coefficients without restarts.
    let reference = decode_rgb(&build_frame(
        w,
        h,
        &TYPE0,
        &planes,
        Some(scans),
        0,
        Huffman::Standard,
    ));
    for restart in [0, 2] {
        let frame = build_frame(
            w,
            h,
            &TYPE0,
            &planes,
            Some(scans),
            restart,
            Huffman::Standard,
        );
        let (out, action, j) = run(&frame);
        assert_eq!(
            action,
            NormalizeAction::ScansMerged {
                scans: 3,
                progressive: false
            }
        );
        assert_eq!(j.restart_interval, restart);
        let d = decode_scan(&j).unwrap();
        for (src, out) in planes.iter().zip(&d.components) {
            same_visible_blocks(src, out, src.blocks_wide, src.blocks_high, "multi-scan");
        }
        assert!(reference.data == decode_rgb(&out).data, "restart {restart}");
    }

    // Progressive (jpeg-encoder: spectral selection, per-component DC
    // scans), colour 4:2:0 and grayscale, with and without restarts.
    let (pw, ph) = (70u16, 41u16);
    let rgb = picture(usize::from(pw), usize::from(ph));
    let gray: Vec<u8> = rgb.iter().step_by(3).copied().collect();
    for restart in [0, 3] {
        for (color, samples) in [
            (jpeg_encoder::ColorType::Rgb, &rgb),
            (jpeg_encoder::ColorType::Luma, &gray),
        ] {
            let mut frame = Vec::new();
            let mut enc = jpeg_encoder::Encoder::new(&mut frame, 80);
            enc.set_progressive(true);
            enc.set_restart_interval(restart);
            enc.encode(samples, pw, ph, color).unwrap();
            let (out, action, _) = run(&frame);
            if color == jpeg_encoder::ColorType::Luma {
                assert_eq!(action, NormalizeAction::GrayToColor);
                let luma = decode(&frame, ColorSpace::Luma).data;
                let replicated: Vec<u8> = luma.iter().flat_map(|&y| [y, y, y]).collect();
                assert!(decode_rgb(&out).data == replicated);
            } else {
                assert!(
                    matches!(
                        action,
                        NormalizeAction::ScansMerged {
                            progressive: true,
                            ..
                        }
                    ),
                    "{action}"
                );
                assert!(decode_rgb(&frame).data == decode_rgb(&out).data);
            }
        }
    }
}

#[test]
fn other_structures_are_transcoded() {
    let (w, h) = (40u16, 24u16);
    // Cb and Cr with different tables.
    let comps = [TYPE0[0], TYPE0[1], Comp { h: 1, v: 1, tq: 2 }];
    let mut planes = random_planes(w, h, &comps, 5);
    planes[2].blocks.iter_mut().for_each(|b| b[1] = 3);
    let frame = build_frame(w, h, &comps, &planes, None, 0, Huffman::Standard);
    // Tables 1 and 2 hold the same values here: still a different table.
    assert!(transcoded(&frame, Incompatibility::ChromaTablesDiffer) > 30.0);

    // CMYK (jpeg-encoder writes Adobe transform 0 with 4 components).
    let (pw, ph) = (64usize, 40usize);
    let rgb = picture(pw, ph);
    let cmyk: Vec<u8> = rgb
        .chunks(3)
        .flat_map(|p| [255 - p[0], 255 - p[1], 255 - p[2], 30])
        .collect();
    let mut frame = Vec::new();
    let enc = jpeg_encoder::Encoder::new(&mut frame, 90);
    enc.encode(&cmyk, pw as u16, ph as u16, jpeg_encoder::ColorType::Cmyk)
        .unwrap();
    assert!(transcoded(&frame, Incompatibility::ComponentCount(4)) > 30.0);

    // Adobe RGB: components are R, G, B (transform 0), no JFIF.
    let mut frame = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut frame, 90);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_1_1);
    enc.add_app_segment(14, b"Adobe\x00\x64\x00\x00\x00\x00\x00".to_vec())
        .unwrap();
    enc.encode(&rgb, pw as u16, ph as u16, jpeg_encoder::ColorType::Ycbcr)
        .unwrap();
    let frame = strip_jfif(frame);
    assert_eq!(Jpeg::parse(&frame).unwrap().adobe_transform, Some(0));
    let p = transcoded(&frame, Incompatibility::RgbColor);
    assert!(p > 30.0, "{p}");
    // The source really is RGB: its decode is the picture.
    assert!(psnr(&decode_rgb(&frame).data, &rgb) > 30.0);

    // Progressive 4:4:4: the sampling needs a transcode.
    let mut frame = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut frame, 80);
    enc.set_progressive(true);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_1_1);
    enc.encode(&rgb, pw as u16, ph as u16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    let p = transcoded(
        &frame,
        Incompatibility::NotSequential(FrameKind::Progressive),
    );
    assert!(p > 30.0, "{p}");
}

#[test]
fn quality_can_be_forced_and_transcoding_refused() {
    let data = media("lab-384x288-444.Mjpeg");
    let frame = lab_frames(&data)[0];
    let forced = NormalizeConfig {
        allow_transcode: true,
        transcode_quality: Some(90),
    };
    let n = normalize(frame, &forced).unwrap();
    assert_eq!(
        n.action,
        NormalizeAction::Transcoded {
            reason: Incompatibility::Sampling([(1, 1), (1, 1), (1, 1)]),
            quality: 90
        }
    );
    let out = n.jpeg.unwrap();
    let j = Jpeg::parse(&out).unwrap();
    let (luma, chroma) = scaled_quant_tables(90);
    assert_eq!(j.component_quant_table(0).unwrap().values, luma);
    assert_eq!(j.component_quant_table(1).unwrap().values, chroma);
    assert_eq!(j.restart_interval, 0);

    let off = NormalizeConfig {
        allow_transcode: false,
        transcode_quality: None,
    };
    assert_eq!(
        normalize(frame, &off).unwrap_err(),
        NormalizeError::TranscodeDisabled(Incompatibility::Sampling([(1, 1), (1, 1), (1, 1)]))
    );
    // Lossless fixes do not need transcoding.
    let planes = random_planes(33, 17, &Y2X2_C1X2, 9);
    let frame = build_frame(33, 17, &Y2X2_C1X2, &planes, None, 0, Huffman::Standard);
    assert!(normalize(&frame, &off).unwrap().action.is_lossless());
}

#[test]
fn too_large_frames_are_unfixable() {
    let planes = random_planes(2048, 16, &GRAY, 1);
    let frame = build_frame(2048, 16, &GRAY, &planes, None, 0, Huffman::Standard);
    assert_eq!(
        normalize(&frame, &cfg()).unwrap_err(),
        NormalizeError::Unfixable(Incompatibility::TooLarge {
            width: 2048,
            height: 16
        })
    );
}

#[test]
fn corrupt_scans_name_their_offset() {
    let planes = random_planes(64, 32, &GRAY, 4);
    let mut frame = build_frame(64, 32, &GRAY, &planes, None, 0, Huffman::Standard);
    let scan = Jpeg::parse(&frame).unwrap().scan_data;
    // "111111111..." is no luma DC code.
    let at = scan.start + 4;
    frame.splice(at..at + 2, [0xFF, 0x00, 0xFF, 0x00]);
    let e = normalize(&frame, &cfg()).unwrap_err();
    let offset = e.offset().unwrap();
    assert!(
        matches!(e, NormalizeError::Scan(DecodeScanError::Corrupt { .. })),
        "{e}"
    );
    // The bad code may start in the byte or two before the 1 bits (codes
    // are at most 16 bits long).
    assert!((at - 2..at + 4).contains(&offset), "{e}: garbage at {at}");
}

#[test]
fn every_truncation_normalizes_or_fails_cleanly() {
    let gray_planes = random_planes(40, 24, &GRAY, 8);
    let gray = build_frame(40, 24, &GRAY, &gray_planes, None, 2, Huffman::Standard);
    let regroup_planes = random_planes(40, 24, &Y2X2_C1X2, 8);
    let regroup = build_frame(
        40,
        24,
        &Y2X2_C1X2,
        &regroup_planes,
        None,
        1,
        Huffman::Standard,
    );
    let mut full444 = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut full444, 75);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_1_1);
    enc.encode(&picture(40, 24), 40, 24, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    let mut progressive = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut progressive, 75);
    enc.set_progressive(true);
    enc.set_restart_interval(2);
    enc.encode(&picture(40, 24), 40, 24, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    for frame in [gray, regroup, progressive, full444] {
        let scan = Jpeg::parse(&frame).unwrap().scan_data;
        let lossless = normalize(&frame, &cfg()).unwrap().action.is_lossless();
        let mut zero_filled = 0;
        for cut in 0..frame.len() {
            match normalize(&frame[..cut], &cfg()) {
                Ok(n) => {
                    let out = n.jpeg.unwrap();
                    rfc2435_layout(&Jpeg::parse(&out).unwrap()).unwrap();
                    if scan.contains(&cut) && n.premature_end.is_some() {
                        zero_filled += 1;
                    }
                }
                // A cut inside a segment is a parse error (before the first
                // scan, or between the scans of a progressive frame).
                Err(NormalizeError::Parse(e)) => assert!(!scan.contains(&cut), "cut {cut}: {e}"),
                // zune-jpeg may refuse any cut on the transcode path.
                Err(e) => assert!(!lossless, "cut {cut}: {e}"),
            }
        }
        if lossless {
            // Every cut inside the (first) scan is tolerated as libjpeg does.
            assert_eq!(zero_filled, scan.end - scan.start);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_lossless_layout_keeps_its_pixels(
        w in 1u16..80,
        h in 1u16..80,
        layout in 0usize..5,
        restart in 0u16..4,
        seed in any::<u64>(),
    ) {
        let comps: &[Comp] = match layout {
            0 => &Y2X2_C1X2,
            1 => &Y4X1_C2X1,
            2 => &TYPE0,
            3 => &TYPE1,
            _ => &GRAY,
        };
        let planes = random_planes(w, h, comps, seed);
        let huffman = if seed % 2 == 0 { Huffman::Flat } else { Huffman::Standard };
        let frame = build_frame(w, h, comps, &planes, None, restart, huffman);
        let n = normalize(&frame, &cfg()).unwrap();
        prop_assert!(n.action.is_lossless());
        let out = n.jpeg.unwrap_or_else(|| frame.clone());
        rfc2435_layout(&Jpeg::parse(&out).unwrap()).unwrap();
        let a = if comps.len() == 1 {
            let y = decode(&frame, ColorSpace::Luma).data;
            y.iter().flat_map(|&v| [v, v, v]).collect()
        } else {
            decode_rgb(&frame).data
        };
        same_pixels(&a, &decode_rgb(&out).data, usize::from(w), comps, "proptest");
    }
}

/// Small valid frames of every path: lossless gray, regroup, progressive,
/// and transcoded 4:4:4.
fn sample_frames() -> Vec<Vec<u8>> {
    let gray = build_frame(
        24,
        16,
        &GRAY,
        &random_planes(24, 16, &GRAY, 3),
        None,
        2,
        Huffman::Standard,
    );
    let regroup = build_frame(
        24,
        16,
        &Y2X2_C1X2,
        &random_planes(24, 16, &Y2X2_C1X2, 3),
        None,
        1,
        Huffman::Flat,
    );
    let mut progressive = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut progressive, 75);
    enc.set_progressive(true);
    enc.encode(&picture(24, 16), 24, 16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    let mut full444 = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut full444, 75);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_1_1);
    enc.encode(&picture(24, 16), 24, 16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    vec![gray, regroup, progressive, full444]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn damaged_frames_never_panic(
        which in 0usize..4,
        edits in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..8),
        cut in any::<u16>(),
    ) {
        let mut frame = sample_frames().swap_remove(which);
        for (at, byte) in edits {
            let at = usize::from(at) % frame.len();
            frame[at] = byte;
        }
        let keep = frame.len() - usize::from(cut) % (frame.len() / 4);
        frame.truncate(keep);
        if let Ok(n) = normalize(&frame, &cfg()) {
            let out = n.jpeg.unwrap_or(frame);
            let j = Jpeg::parse(&out).unwrap();
            prop_assert!(rfc2435_layout(&j).is_ok());
        }
    }
}
