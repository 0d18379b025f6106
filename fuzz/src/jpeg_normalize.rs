//! Target `jpeg_normalize`: the normaliser (`jpeg::normalize::normalize`)
//! that makes any decodable frame carriable by RFC 2435.
//!
//! Input: one control byte (bit 0: allow transcoding; bits 1-7: a
//! transcode quality, 0 meaning "estimate it"), then a JPEG image (seeds:
//! small generated frames in every layout the normaliser handles, and
//! frames of `shared/media`).
//!
//! Oracles:
//! - the frame to send (the input when unchanged) parses, is accepted by
//!   `rfc2435_layout` and packetizes; it is "unchanged" exactly when the
//!   input was already carriable;
//! - the lossless paths are lossless: every DCT block of every component
//!   inside the image (MCU padding aside) is the same in the output as in
//!   the input (grayscale input: luma blocks kept, chroma all zero), with
//!   the same quantization tables, and a damaged scan is reported as such;
//! - a transcoded frame keeps the image's size;
//! - an error's byte offset lies inside the input; transcoding disabled
//!   never transcodes.

use stream_core::jpeg::entropy::{ComponentCoefficients, decode_image};
use stream_core::jpeg::normalize::{NormalizeAction, NormalizeConfig, normalize};
use stream_core::jpeg::rfc2435::{PacketizeConfig, packetize};
use stream_core::jpeg::{Jpeg, rfc2435_layout};

/// Runs the target.
pub fn run(data: &[u8]) {
    let Some((&ctl, input)) = data.split_first() else {
        return;
    };
    let cfg = NormalizeConfig {
        allow_transcode: ctl & 1 != 0,
        transcode_quality: match ctl >> 1 {
            0 => None,
            q => Some(q),
        },
    };
    let result = normalize(input, &cfg);
    let normalized = match result {
        Ok(n) => n,
        Err(e) => {
            if let Some(at) = e.offset() {
                assert!(at <= input.len(), "{e}: offset past the input");
            }
            let _ = e.to_string();
            return;
        }
    };
    let src = Jpeg::parse(input).expect("normalize accepted it, so it parses");
    let out_bytes = normalized.bytes(input);
    let out = Jpeg::parse(out_bytes).unwrap_or_else(|e| panic!("normalised frame: {e}"));
    let layout = rfc2435_layout(&out)
        .unwrap_or_else(|e| panic!("{}: output still not carriable: {e}", normalized.action));
    packetize(&out, &PacketizeConfig::default())
        .unwrap_or_else(|e| panic!("normalised frame {layout:?} not packetized: {e}"));
    let _ = normalized.action.to_string();

    match &normalized.action {
        NormalizeAction::Unchanged => {
            assert!(normalized.jpeg.is_none());
            assert!(rfc2435_layout(&src).is_ok());
        }
        NormalizeAction::Transcoded { .. } => {
            assert!(cfg.allow_transcode, "transcoded with transcoding disabled");
            assert!(rfc2435_layout(&src).is_err());
            assert_eq!(
                (out.frame.width, out.frame.height),
                (src.frame.width, src.frame.height)
            );
        }
        lossless => {
            assert!(lossless.is_lossless());
            assert!(rfc2435_layout(&src).is_err());
            check_lossless(&src, &out, lossless, normalized.premature_end);
        }
    }
}

/// Blocks of frame component `comp` inside the image: (across, down).
fn extent(j: &Jpeg<'_>, comp: usize) -> (usize, usize) {
    let f = &j.frame;
    let (hmax, vmax) = (usize::from(f.max_h()), usize::from(f.max_v()));
    let c = f.components[comp];
    let w = (usize::from(f.width) * usize::from(c.h)).div_ceil(hmax);
    let h = (usize::from(f.height) * usize::from(c.v)).div_ceil(vmax);
    (w.div_ceil(8), h.div_ceil(8))
}

fn block(c: &ComponentCoefficients, x: usize, y: usize) -> [i16; 64] {
    *c.block(x, y).expect("block inside the grid")
}

fn check_lossless(
    src: &Jpeg<'_>,
    out: &Jpeg<'_>,
    action: &NormalizeAction,
    premature_end: Option<usize>,
) {
    // Every scan of the source (progressive and multi-scan sources are
    // merged losslessly too), components in frame order.
    let a = decode_image(src).expect("the lossless paths decode the source");
    let b = decode_image(out).unwrap_or_else(|e| panic!("{action}: output scan: {e}"));
    assert_eq!(
        premature_end, a.premature_end,
        "{action}: damage not reported"
    );
    assert_eq!(b.premature_end, None, "{action}: output scan is short");
    for (comp, source) in a.components.iter().enumerate() {
        // The output's components are Y, Cb, Cr in frame order; a source
        // component maps to the one at the same frame position.
        let (w, h) = extent(src, comp);
        assert_eq!(extent(out, comp), (w, h), "{action}: component {comp} extent");
        for y in 0..h {
            for x in 0..w {
                assert_eq!(
                    block(source, x, y),
                    block(&b.components[comp], x, y),
                    "{action}: component {comp} block ({x}, {y})"
                );
            }
        }
        let st = src.component_quant_table(comp).expect("source table");
        let ot = out.component_quant_table(comp).expect("output table");
        assert_eq!(st.values, ot.values, "{action}: component {comp} table");
    }
    if matches!(action, NormalizeAction::GrayToColor) {
        for comp in 1..b.components.len() {
            let (w, h) = extent(out, comp);
            for y in 0..h {
                for x in 0..w {
                    assert_eq!(
                        block(&b.components[comp], x, y),
                        [0; 64],
                        "gray: chroma {comp} block ({x}, {y})"
                    );
                }
            }
        }
    }
}
