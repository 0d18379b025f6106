//! Writing the JPEG headers RFC 2435 receivers rebuild (its Appendix B),
//! also used by the normaliser to write the frames it re-encodes.
//!
//! The output is an abbreviated-free interchange JPEG head: SOI, DQT, SOF0,
//! DHT with the four standard tables, DRI when there is a restart interval,
//! and SOS for one interleaved scan of Y, Cb, Cr. The caller appends the
//! entropy-coded data and EOI.

use alloc::vec::Vec;

use super::compat::JpegType;
use super::markers::marker;
use super::tables::{self, StandardHuffman};

/// What the head describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderParams<'a> {
    /// Image width in pixels.
    pub width: u16,
    /// Image height in pixels.
    pub height: u16,
    /// Sampling layout (RFC 2435 type 0 or 1).
    pub jpeg_type: JpegType,
    /// Restart interval in MCUs (0: no DRI segment).
    pub restart_interval: u16,
    /// Luma quantization table, zig-zag order.
    pub luma_table: &'a [u16; 64],
    /// Chroma quantization table, zig-zag order.
    pub chroma_table: &'a [u16; 64],
}

/// Quantization tables for RFC 2435 Q values 1..=99: the Annex K tables
/// scaled by the IJG quality formula (RFC 2435 Appendix A), zig-zag order,
/// each entry clamped to 1..=255. Q values outside 1..=99 are clamped.
pub fn scaled_quant_tables(q: u8) -> ([u16; 64], [u16; 64]) {
    let factor = u32::from(q.clamp(1, 99));
    let scale = if factor < 50 {
        5000 / factor
    } else {
        200 - factor * 2
    };
    let scale_one = |natural: &[u8; 64]| -> [u16; 64] {
        let zz = tables::natural_to_zigzag(natural);
        let mut out = [0u16; 64];
        for (o, &v) in out.iter_mut().zip(zz.iter()) {
            let scaled = (u32::from(v) * scale + 50) / 100;
            // Clamped to 1..=255, so the cast cannot truncate.
            *o = scaled.clamp(1, 255) as u16;
        }
        out
    };
    (
        scale_one(&tables::LUMA_QUANT_NATURAL),
        scale_one(&tables::CHROMA_QUANT_NATURAL),
    )
}

fn segment(out: &mut Vec<u8>, m: u8, body_len: usize) {
    out.extend_from_slice(&[0xFF, m]);
    // Every segment written here is far below 64 KiB.
    out.extend_from_slice(&((body_len + 2) as u16).to_be_bytes());
}

fn write_dqt(out: &mut Vec<u8>, id: u8, table: &[u16; 64]) {
    let sixteen = table.iter().any(|&v| v > 255);
    segment(out, marker::DQT, 1 + if sixteen { 128 } else { 64 });
    out.push((u8::from(sixteen) << 4) | id);
    for &v in table {
        if sixteen {
            out.extend_from_slice(&v.to_be_bytes());
        } else {
            // All entries are <= 255 in this branch.
            out.push(v as u8);
        }
    }
}

fn write_dht(out: &mut Vec<u8>, class_id: u8, t: &StandardHuffman) {
    segment(out, marker::DHT, 17 + t.values.len());
    out.push(class_id);
    out.extend_from_slice(&t.counts);
    out.extend_from_slice(t.values);
}

/// Appends SOI through SOS for `p` to `out`.
///
/// A table with an entry above 255 is written with 16-bit precision
/// (DQT Pq=1), the others with 8-bit precision.
pub fn write_jpeg_headers(out: &mut Vec<u8>, p: &HeaderParams<'_>) {
    out.extend_from_slice(&[0xFF, marker::SOI]);
    write_dqt(out, 0, p.luma_table);
    write_dqt(out, 1, p.chroma_table);

    segment(out, marker::SOF0, 15);
    out.push(8);
    out.extend_from_slice(&p.height.to_be_bytes());
    out.extend_from_slice(&p.width.to_be_bytes());
    out.push(3);
    let y_sampling = match p.jpeg_type {
        JpegType::Yuv422 => 0x21,
        JpegType::Yuv420 => 0x22,
    };
    out.extend_from_slice(&[1, y_sampling, 0, 2, 0x11, 1, 3, 0x11, 1]);

    write_dht(out, 0x00, &tables::LUMA_DC);
    write_dht(out, 0x10, &tables::LUMA_AC);
    write_dht(out, 0x01, &tables::CHROMA_DC);
    write_dht(out, 0x11, &tables::CHROMA_AC);

    if p.restart_interval != 0 {
        segment(out, marker::DRI, 2);
        out.extend_from_slice(&p.restart_interval.to_be_bytes());
    }

    segment(out, marker::SOS, 10);
    out.extend_from_slice(&[3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jpeg::compat::rfc2435_layout;
    use crate::jpeg::markers::Jpeg;

    #[test]
    fn q50_is_annex_k() {
        let (l, c) = scaled_quant_tables(50);
        assert_eq!(
            l,
            tables::natural_to_zigzag(&tables::LUMA_QUANT_NATURAL).map(u16::from)
        );
        assert_eq!(
            c,
            tables::natural_to_zigzag(&tables::CHROMA_QUANT_NATURAL).map(u16::from)
        );
        let (l, _) = scaled_quant_tables(99);
        assert!(l.iter().all(|&v| (1..=255).contains(&v)));
        let (l, _) = scaled_quant_tables(1);
        assert!(l.iter().all(|&v| v == 255));
    }

    #[test]
    fn written_head_parses_and_is_carriable() {
        let (l, c) = scaled_quant_tables(75);
        let mut wide = c;
        wide[0] = 300;
        for (ri, chroma) in [(0u16, &c), (7, &wide)] {
            let mut out = Vec::new();
            write_jpeg_headers(
                &mut out,
                &HeaderParams {
                    width: 640,
                    height: 480,
                    jpeg_type: JpegType::Yuv420,
                    restart_interval: ri,
                    luma_table: &l,
                    chroma_table: chroma,
                },
            );
            out.extend_from_slice(&[0x00, 0xFF, 0xD9]);
            let j = Jpeg::parse(&out).unwrap();
            let layout = rfc2435_layout(&j).unwrap();
            assert_eq!(layout.jpeg_type, JpegType::Yuv420);
            assert_eq!(layout.restart_interval, ri);
            assert_eq!(j.quant_tables[1].as_ref().unwrap().values, *chroma);
            assert_eq!(j.quant_tables[1].as_ref().unwrap().sixteen_bit, ri == 7);
        }
    }
}
