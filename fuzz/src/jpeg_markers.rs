//! Target `jpeg_markers`: the JPEG marker parser (`Jpeg::parse`), the RFC
//! 2435 carriability check (`rfc2435_layout`) and the baseline entropy
//! decoder and encoder (`decode_scan`, `encode_scan`) on arbitrary images.
//!
//! Input: a JPEG image (the seeds are frames from `shared/media` and small
//! generated ones in every layout).
//!
//! Oracles:
//! - a parsed image stays inside its bytes: its length, scan data range and
//!   entropy data agree with each other and with `entropy_data_end`; an
//!   image with EOI ends with `FF D9`; 1 to 4 components with sampling
//!   factors 1..=4, and a scan naming existing components;
//! - a frame `rfc2435_layout` accepts is packetized without error at the
//!   default MTU (unless a quantization table holds a 0);
//! - entropy coding is lossless: a scan that decodes completely, coded again
//!   with the image's own Huffman tables and decoded, gives exactly the same
//!   coefficients;
//! - decoding keeps its memory within `MAX_COEFFICIENT_BYTES`.

use stream_core::jpeg::entropy::{
    EncodeComponent, HuffmanEncoder, MAX_COEFFICIENT_BYTES, decode_scan, encode_scan,
};
use stream_core::jpeg::markers::{MAX_COMPONENTS, entropy_data_end};
use stream_core::jpeg::rfc2435::{PacketizeConfig, packetize};
use stream_core::jpeg::tables::{CHROMA_AC, CHROMA_DC, LUMA_AC, LUMA_DC};
use stream_core::jpeg::{Jpeg, rfc2435_layout};

use crate::heap;

/// Runs the target.
pub fn run(data: &[u8]) {
    let Ok(jpeg) = Jpeg::parse(data) else {
        return;
    };
    check_structure(data, &jpeg);
    if let Ok(layout) = rfc2435_layout(&jpeg) {
        assert!(layout.width <= 2040 && layout.height <= 2040, "{layout:?}");
        // The parser refuses zero quantization entries (T.81 B.2.4.1), so
        // every frame the layout check accepts must packetize.
        if let Err(e) = packetize(&jpeg, &PacketizeConfig::default()) {
            panic!("carriable frame {layout:?} not packetized: {e}");
        }
    }
    check_entropy_round_trip(data, &jpeg);
}

fn check_structure(data: &[u8], j: &Jpeg<'_>) {
    assert!(j.len <= data.len());
    for t in j.quant_tables.iter().flatten() {
        assert!(!t.values.contains(&0), "a zero quantization entry got through");
    }
    assert!(j.scan_data.start <= j.scan_data.end && j.scan_data.end <= j.len);
    assert_eq!(j.entropy_data(), &data[j.scan_data.clone()]);
    assert_eq!(j.data(), data);
    assert_eq!(entropy_data_end(data, j.scan_data.start), j.scan_data.end);
    if j.has_eoi {
        assert!(data[..j.len].ends_with(&[0xFF, 0xD9]));
    }
    assert!(j.scan_count >= 1);
    let f = &j.frame;
    assert!(!f.components.is_empty() && f.components.len() <= MAX_COMPONENTS);
    assert!(f.width > 0 && f.height > 0);
    for c in &f.components {
        assert!((1..=4).contains(&c.h) && (1..=4).contains(&c.v), "{c:?}");
        assert!(c.quant_table < 4);
    }
    assert!(!j.scan.components.is_empty());
    for sc in &j.scan.components {
        assert!(sc.component < f.components.len());
        assert!(sc.dc_table < 4 && sc.ac_table < 4);
    }
}

fn check_entropy_round_trip(data: &[u8], j: &Jpeg<'_>) {
    let base = heap::live_bytes();
    let Ok(decoded) = decode_scan(j) else {
        return;
    };
    let used = heap::live_bytes().saturating_sub(base);
    assert!(
        used <= MAX_COEFFICIENT_BYTES + (1 << 20),
        "{used} bytes of coefficients"
    );
    if decoded.premature_end.is_some() {
        // The filled-in part may use symbols the image's tables lack.
        return;
    }
    let mut tables = Vec::new();
    for sc in &j.scan.components {
        let dc = match (&j.dc_tables[usize::from(sc.dc_table)], sc.dc_table) {
            (Some(spec), _) => HuffmanEncoder::from_spec(spec),
            (None, 0) => Ok(HuffmanEncoder::standard(&LUMA_DC)),
            (None, _) => Ok(HuffmanEncoder::standard(&CHROMA_DC)),
        };
        let ac = match (&j.ac_tables[usize::from(sc.ac_table)], sc.ac_table) {
            (Some(spec), _) => HuffmanEncoder::from_spec(spec),
            (None, 0) => Ok(HuffmanEncoder::standard(&LUMA_AC)),
            (None, _) => Ok(HuffmanEncoder::standard(&CHROMA_AC)),
        };
        let (Ok(dc), Ok(ac)) = (dc, ac) else {
            // A table the decoder could use but an encoder cannot (say, a
            // symbol listed twice): nothing to compare.
            return;
        };
        tables.push((dc, ac));
    }
    let components: Vec<EncodeComponent<'_>> = decoded
        .components
        .iter()
        .zip(&tables)
        .map(|(coefficients, (dc_table, ac_table))| EncodeComponent {
            coefficients,
            dc_table,
            ac_table,
        })
        .collect();
    let mut scan = Vec::new();
    if encode_scan(&mut scan, &components, j.restart_interval).is_err() {
        // Coefficients the tables cannot code (decoded from symbols
        // outside the baseline ranges) are refused, not mangled.
        assert!(scan.is_empty());
        return;
    }
    // The same image with the new scan data.
    let mut image = data[..j.scan_data.start].to_vec();
    image.extend_from_slice(&scan);
    image.extend_from_slice(&[0xFF, 0xD9]);
    let again = Jpeg::parse(&image).unwrap_or_else(|e| panic!("re-encoded image: {e}"));
    assert_eq!(again.entropy_data(), &scan[..]);
    let redecoded = decode_scan(&again).unwrap_or_else(|e| panic!("re-encoded scan: {e}"));
    assert_eq!(redecoded.premature_end, None, "re-encoded scan is short");
    assert_eq!(redecoded.components.len(), decoded.components.len());
    for (i, (a, b)) in decoded
        .components
        .iter()
        .zip(&redecoded.components)
        .enumerate()
    {
        assert_eq!(
            (a.blocks_wide, a.blocks_high),
            (b.blocks_wide, b.blocks_high)
        );
        if let Some(k) = a.blocks.iter().zip(&b.blocks).position(|(x, y)| x != y) {
            panic!(
                "component {i} block {k}: {:?} re-decoded as {:?}",
                a.blocks[k], b.blocks[k]
            );
        }
    }
}
