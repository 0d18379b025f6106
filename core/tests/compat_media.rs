//! Every frame of the shared media through the marker parser and the RFC 2435
//! carriability check: each file gets the verdict its README promises.

mod common;

use common::media;

use stream_core::jpeg::entropy::{
    ComponentCoefficients, EncodeComponent, HuffmanEncoder, decode_scan, encode_scan,
};
use stream_core::jpeg::markers::FrameKind;
use stream_core::jpeg::{
    Incompatibility, Jpeg, JpegType, NormalizeConfig, normalize, rfc2435_layout, tables,
};

fn verdicts(name: &str) -> Vec<Result<JpegType, Incompatibility>> {
    let data = media(name);
    common::frame_slices(&data)
        .into_iter()
        .map(|f| {
            let j = Jpeg::parse(f).unwrap();
            assert!(j.has_eoi);
            rfc2435_layout(&j).map(|l| l.jpeg_type)
        })
        .collect()
}

fn all_same(name: &str, expect: Result<JpegType, Incompatibility>, frames: usize) {
    let v = verdicts(name);
    assert_eq!(v.len(), frames, "{name}");
    for (i, got) in v.into_iter().enumerate() {
        assert_eq!(got, expect, "{name} frame {i}");
    }
}

#[test]
fn verdict_per_file() {
    all_same("testsrc-1280x720-420.Mjpeg", Ok(JpegType::Yuv420), 100);
    all_same("big-1920x1080-420.Mjpeg", Ok(JpegType::Yuv420), 10);
    all_same("restart-640x480-420.Mjpeg", Ok(JpegType::Yuv420), 20);
    all_same(
        "lab-384x288-444.Mjpeg",
        Err(Incompatibility::Sampling([(1, 1), (1, 1), (1, 1)])),
        26,
    );
    all_same(
        "mandelbrot-640x480-422.Mjpeg",
        Err(Incompatibility::Sampling([(2, 2), (1, 2), (1, 2)])),
        100,
    );
    all_same(
        "gray-640x480.Mjpeg",
        Err(Incompatibility::ComponentCount(1)),
        20,
    );
    all_same(
        "progressive-640x480.Mjpeg",
        Err(Incompatibility::NotSequential(FrameKind::Progressive)),
        20,
    );
    let opt = verdicts("testsrc-1280x720-420-opthuff.Mjpeg");
    assert_eq!(opt.len(), 100);
    assert!(
        opt.iter()
            .all(|v| matches!(v, Err(Incompatibility::NonStandardHuffman(_))))
    );
}

#[test]
fn restart_file_has_an_interval() {
    let data = media("restart-640x480-420.Mjpeg");
    for f in common::frame_slices(&data) {
        let j = Jpeg::parse(f).unwrap();
        assert_ne!(j.restart_interval, 0);
    }
}

/// `frame` with `edit` applied to each marker segment before the scan
/// (`None` drops the segment); `sos` edits the SOS segment's payload.
fn edit_segments(
    frame: &[u8],
    edit: impl Fn(u8, &[u8]) -> Option<Vec<u8>>,
    sos: impl Fn(&mut [u8]),
) -> Vec<u8> {
    let mut out = frame[..2].to_vec();
    let mut i = 2;
    loop {
        let (m, len) = (
            frame[i + 1],
            usize::from(u16::from_be_bytes([frame[i + 2], frame[i + 3]])),
        );
        let payload = &frame[i + 4..i + 2 + len];
        if m == 0xDA {
            let mut p = payload.to_vec();
            sos(&mut p);
            out.extend_from_slice(&frame[i..i + 4]);
            out.extend_from_slice(&p);
            out.extend_from_slice(&frame[i + 2 + len..]);
            return out;
        }
        if let Some(p) = edit(m, payload) {
            out.extend_from_slice(&[0xFF, m]);
            out.extend_from_slice(&u16::try_from(p.len() + 2).unwrap().to_be_bytes());
            out.extend_from_slice(&p);
        }
        i += 2 + len;
    }
}

fn first_frame(name: &str) -> Vec<u8> {
    common::frames_of(&media(name)).swap_remove(0)
}

fn coefficients(jpeg: &[u8]) -> Vec<ComponentCoefficients> {
    decode_scan(&Jpeg::parse(jpeg).unwrap()).unwrap().components
}

/// Abbreviated ("AVI1") frames leave DHT out and imply table 0 for luma and
/// 1 for chroma, as the entropy decoder reads them. A scan that codes Cb
/// and Cr with table 0 (the luma tables) is not what RFC 2435 receivers
/// assume: it must be re-encoded, and then decodes to the same
/// coefficients. Tables 2 and 3 are implied by nothing.
#[test]
fn missing_huffman_tables_are_implied_by_destination() {
    let frame = first_frame("testsrc-1280x720-420.Mjpeg");
    let no_dht = |m: u8, p: &[u8]| (m != 0xC4).then(|| p.to_vec());
    let abbreviated = edit_segments(&frame, no_dht, |_| {});
    assert_eq!(
        rfc2435_layout(&Jpeg::parse(&abbreviated).unwrap()).map(|l| l.jpeg_type),
        Ok(JpegType::Yuv420)
    );

    // Every component coded with the standard luma tables, named 0.
    let coefs = coefficients(&frame);
    let (dc, ac) = (
        HuffmanEncoder::standard(&tables::LUMA_DC),
        HuffmanEncoder::standard(&tables::LUMA_AC),
    );
    let comps: Vec<EncodeComponent<'_>> = coefs
        .iter()
        .map(|c| EncodeComponent {
            coefficients: c,
            dc_table: &dc,
            ac_table: &ac,
        })
        .collect();
    let mut scan = Vec::new();
    encode_scan(&mut scan, &comps, 0).unwrap();
    let mut luma_coded = edit_segments(&frame, no_dht, |sos| {
        sos[4] = 0x00; // Cb: DC 0, AC 0
        sos[6] = 0x00; // Cr: DC 0, AC 0
    });
    let start = Jpeg::parse(&luma_coded).unwrap().scan_data.start;
    luma_coded.truncate(start);
    luma_coded.extend_from_slice(&scan);
    luma_coded.extend_from_slice(&[0xFF, 0xD9]);
    assert_eq!(coefficients(&luma_coded), coefs);

    assert!(matches!(
        rfc2435_layout(&Jpeg::parse(&luma_coded).unwrap()),
        Err(Incompatibility::NonStandardHuffman(_))
    ));
    let n = normalize(&luma_coded, &NormalizeConfig::default()).unwrap();
    assert!(n.action.is_lossless(), "{:?}", n.action);
    let sent = n.bytes(&luma_coded);
    assert!(rfc2435_layout(&Jpeg::parse(sent).unwrap()).is_ok());
    assert_eq!(coefficients(sent), coefs);

    let unknown = edit_segments(&frame, no_dht, |sos| sos[4] = 0x22);
    assert!(matches!(
        rfc2435_layout(&Jpeg::parse(&unknown).unwrap()),
        Err(Incompatibility::NonStandardHuffman(_))
    ));
}

/// Component ids 'R', 'G', 'B' without JFIF or Adobe segments mean RGB
/// (libjpeg's rule): not carried as it is, and not "losslessly" re-encoded
/// as YCbCr either.
#[test]
fn rgb_ids_without_jfif_are_rgb_everywhere() {
    let frame = first_frame("testsrc-1280x720-420.Mjpeg");
    let rgb = edit_segments(
        &frame,
        |m, p| match m {
            0xE0 => None,
            0xC0 => {
                let mut p = p.to_vec();
                (p[6], p[9], p[12]) = (b'R', b'G', b'B');
                Some(p)
            }
            _ => Some(p.to_vec()),
        },
        |sos| (sos[1], sos[3], sos[5]) = (b'R', b'G', b'B'),
    );
    assert_eq!(
        rfc2435_layout(&Jpeg::parse(&rgb).unwrap()),
        Err(Incompatibility::RgbColor)
    );
    let n = normalize(&rgb, &NormalizeConfig::default()).unwrap();
    assert!(!n.action.is_lossless(), "{:?}", n.action);
}
