//! Helpers shared by the `normalize_*` tests: the shared media, a minimal
//! lab-container splitter, a reference decoder and PSNR.
#![allow(dead_code)]

use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

pub(crate) fn media(name: &str) -> Vec<u8> {
    crate::common::media(name)
}

/// The JPEG frames of a file's bytes (the core's container reader; zero-length
/// frames are skipped).
pub(crate) fn lab_frames(data: &[u8]) -> Vec<&[u8]> {
    crate::common::frame_slices(data)
}

/// A decoded image.
pub(crate) struct Pixels {
    pub(crate) width: usize,
    pub(crate) height: usize,
    /// Interleaved samples, `channels` per pixel.
    pub(crate) data: Vec<u8>,
}

/// Decodes with zune-jpeg to `space` (RGB, Luma or YCbCr).
pub(crate) fn decode(jpeg: &[u8], space: ColorSpace) -> Pixels {
    let opts = DecoderOptions::default().jpeg_set_out_colorspace(space);
    let mut d = JpegDecoder::new_with_options(ZCursor::new(jpeg), opts);
    let data = d.decode().unwrap_or_else(|e| panic!("zune-jpeg: {e:?}"));
    let info = d.info().unwrap();
    Pixels {
        width: usize::from(info.width),
        height: usize::from(info.height),
        data,
    }
}

/// Decodes to RGB.
pub(crate) fn decode_rgb(jpeg: &[u8]) -> Pixels {
    decode(jpeg, ColorSpace::RGB)
}

#[allow(unused_imports)]
pub(crate) use crate::common::psnr;

use stream_core::jpeg::entropy::{
    ComponentCoefficients, EncodeComponent, HuffmanEncoder, StandardEncoders, encode_scan,
};
use stream_core::jpeg::headers::scaled_quant_tables;
use stream_core::jpeg::tables::{self, StandardHuffman};

/// One component of a synthetic frame.
#[derive(Clone, Copy)]
pub(crate) struct Comp {
    /// Sampling factors.
    pub(crate) h: u8,
    pub(crate) v: u8,
    /// Quantization table destination.
    pub(crate) tq: u8,
}

/// Which Huffman tables a synthetic frame is coded with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Huffman {
    /// T.81 K.3.
    Standard,
    /// Valid but non-standard: every DC symbol 4 bits, every AC symbol 8 bits.
    Flat,
}

fn flat_tables() -> (Vec<u8>, Vec<u8>) {
    let dc = (0..12).collect();
    let ac = tables::LUMA_AC.values.to_vec();
    (dc, ac)
}

fn counts_for(values: usize, len: usize) -> [u8; 16] {
    let mut c = [0u8; 16];
    c[len - 1] = values as u8;
    c
}

/// A deterministic xorshift generator.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + (self.next() % (hi - lo + 1) as u64) as i32
    }
}

/// Pseudo-random blocks that look like image data: slowly varying DC, a
/// few small low-frequency AC values.
pub(crate) fn random_plane(
    h: u8,
    v: u8,
    bw: usize,
    bh: usize,
    rng: &mut Rng,
) -> ComponentCoefficients {
    let mut c = ComponentCoefficients::zeroed(h, v, bw, bh);
    let mut dc = 0i32;
    for b in &mut c.blocks {
        dc = (dc + rng.range(-12, 12)).clamp(-60, 60);
        b[0] = dc as i16;
        for (k, coefficient) in b.iter_mut().enumerate().skip(1) {
            if rng.next() % (2 * k as u64 + 2) == 0 {
                *coefficient = rng.range(-6, 6) as i16;
            }
        }
    }
    c
}

/// Coefficient planes for a frame: interleaved MCU grids for several
/// components, the component's own block grid for one (T.81 A.2.2).
pub(crate) fn random_planes(
    width: u16,
    height: u16,
    comps: &[Comp],
    seed: u64,
) -> Vec<ComponentCoefficients> {
    let mut rng = Rng(seed | 1);
    let h_max = comps.iter().map(|c| c.h).max().unwrap() as usize;
    let v_max = comps.iter().map(|c| c.v).max().unwrap() as usize;
    let (w, h) = (width as usize, height as usize);
    comps
        .iter()
        .map(|c| {
            let (bw, bh) = if comps.len() == 1 {
                (
                    (w * c.h as usize).div_ceil(h_max).div_ceil(8),
                    (h * c.v as usize).div_ceil(v_max).div_ceil(8),
                )
            } else {
                (
                    w.div_ceil(8 * h_max) * c.h as usize,
                    h.div_ceil(8 * v_max) * c.v as usize,
                )
            };
            random_plane(c.h, c.v, bw, bh, &mut rng)
        })
        .collect()
}

fn segment(out: &mut Vec<u8>, marker: u8, body: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(body);
}

fn dht(out: &mut Vec<u8>, class_id: u8, counts: &[u8; 16], values: &[u8]) {
    let mut body = vec![class_id];
    body.extend_from_slice(counts);
    body.extend_from_slice(values);
    segment(out, 0xC4, &body);
}

/// Builds a baseline frame with components 1..=n laid out as `comps`, coded
/// from `planes` in `scans` (lists of component indices; one scan of all
/// components when `None`), with quant tables 0..=2 (IJG q 75 luma for 0,
/// chroma for 1 and 2), Huffman tables 0 for the first component, 1 for the
/// others.
pub(crate) fn build_frame(
    width: u16,
    height: u16,
    comps: &[Comp],
    planes: &[ComponentCoefficients],
    scans: Option<&[&[usize]]>,
    restart_interval: u16,
    huffman: Huffman,
) -> Vec<u8> {
    let (luma, chroma) = scaled_quant_tables(75);
    let mut out = vec![0xFF, 0xD8];
    for (id, t) in [(0u8, &luma), (1, &chroma), (2, &chroma)] {
        let mut body = vec![id];
        body.extend(t.iter().map(|&v| v as u8));
        segment(&mut out, 0xDB, &body);
    }
    let mut sof = vec![8];
    sof.extend_from_slice(&height.to_be_bytes());
    sof.extend_from_slice(&width.to_be_bytes());
    sof.push(comps.len() as u8);
    for (i, c) in comps.iter().enumerate() {
        sof.extend_from_slice(&[i as u8 + 1, (c.h << 4) | c.v, c.tq]);
    }
    segment(&mut out, 0xC0, &sof);
    let std_enc = StandardEncoders::new();
    let (flat_dc, flat_ac) = flat_tables();
    let flat_dc_counts = counts_for(flat_dc.len(), 4);
    let flat_ac_counts = counts_for(flat_ac.len(), 8);
    let flat_dc_enc = HuffmanEncoder::new(&flat_dc_counts, &flat_dc).unwrap();
    let flat_ac_enc = HuffmanEncoder::new(&flat_ac_counts, &flat_ac).unwrap();
    let std_tables: [(u8, &StandardHuffman); 4] = [
        (0x00, &tables::LUMA_DC),
        (0x10, &tables::LUMA_AC),
        (0x01, &tables::CHROMA_DC),
        (0x11, &tables::CHROMA_AC),
    ];
    match huffman {
        Huffman::Standard => {
            for (class_id, t) in std_tables {
                dht(&mut out, class_id, &t.counts, t.values);
            }
        }
        Huffman::Flat => {
            for id in 0..2 {
                dht(&mut out, id, &flat_dc_counts, &flat_dc);
                dht(&mut out, 0x10 | id, &flat_ac_counts, &flat_ac);
            }
        }
    }
    if restart_interval != 0 {
        segment(&mut out, 0xDD, &restart_interval.to_be_bytes());
    }
    let all: Vec<usize> = (0..comps.len()).collect();
    let default_scans = [all.as_slice()];
    for scan in scans.unwrap_or(&default_scans) {
        let mut sos = vec![scan.len() as u8];
        for &i in scan.iter() {
            sos.extend_from_slice(&[i as u8 + 1, if i == 0 { 0x00 } else { 0x11 }]);
        }
        sos.extend_from_slice(&[0, 63, 0]);
        segment(&mut out, 0xDA, &sos);
        let ec: Vec<EncodeComponent<'_>> = scan
            .iter()
            .map(|&i| {
                let (dc, ac) = match (huffman, i) {
                    (Huffman::Standard, 0) => (&std_enc.luma_dc, &std_enc.luma_ac),
                    (Huffman::Standard, _) => (&std_enc.chroma_dc, &std_enc.chroma_ac),
                    (Huffman::Flat, _) => (&flat_dc_enc, &flat_ac_enc),
                };
                EncodeComponent {
                    coefficients: &planes[i],
                    dc_table: dc,
                    ac_table: ac,
                }
            })
            .collect();
        encode_scan(&mut out, &ec, restart_interval).unwrap();
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}
