//! Normalisation of frames RFC 2435 cannot carry as they are.
//!
//! [`normalize`] takes one JPEG frame and returns one that
//! [`rfc2435_layout`] accepts, choosing the least destructive way:
//!
//! | source | what is done | pixels |
//! |---|---|---|
//! | already carriable | nothing ([`NormalizeAction::Unchanged`], no copy) | identical |
//! | Y/Cb/Cr laid out as type 0/1 (Y 2x1 or 2x2, chroma 1x1) in one scan, but with other Huffman tables or scan order | entropy data decoded to coefficients and coded again with the standard tables; same quantization tables, same restart interval | identical |
//! | the same in several scans: progressive (spectral selection, successive approximation) or one scan per component | every scan decoded to coefficients, coded as one baseline scan | identical |
//! | the same ratios with scaled factors (Y 2x2 + chroma 1x2, Y 4x1 + chroma 2x1) | blocks regrouped into type 0/1 MCUs, in raster order of the new MCU grid, DC predictions recomputed | identical |
//! | one component (grayscale) | luma blocks kept, all-zero Cb/Cr blocks added (neutral chroma, so R = G = B = Y), type 0 | identical |
//! | anything else that decodes (4:4:4, 12-bit, CMYK, Adobe RGB, differing chroma tables, other ratios) | decoded with zune-jpeg, encoded with jpeg-encoder as baseline 4:2:2 (type 0) at the source's estimated IJG quality | close |
//! | wider or taller than 2040 px | refused ([`NormalizeError::Unfixable`]) | - |
//!
//! Every frame it writes has the same head, from
//! [`write_jpeg_headers`]: SOI, two DQT, SOF0 (components 1, 2, 3), the four
//! standard DHT, DRI if there are restart markers, SOS; then the
//! entropy-coded data and EOI.
//!
//! # Restart markers
//!
//! The lossless paths keep restart markers. Re-encoding keeps the interval
//! and marker positions exactly. Regrouping changes the MCU size, so the
//! output's interval is scaled to cover the same image area as the
//! source's: an interval of `n` 16x16 MCUs becomes `2n` 16x8 MCUs (in
//! general `n` times the number of output MCUs per source MCU); a grayscale
//! interval of `n` 8x8 blocks becomes `ceil(n / 2)` 16x8 MCUs. A frame in
//! several scans gets the interval in force at its first scan (for a
//! progressive frame that is the interleaved DC scan, whose MCUs are the
//! output's). Transcoded frames have no restart markers.
//!
//! It runs once per frame, when a server loads a file, and the caller
//! caches the result; it allocates the output and, for the lossless paths,
//! the coefficients (at most a few MiB for a 2040x2040 frame).

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder, SamplingFactor};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use super::compat::{Incompatibility, JpegType, MAX_DIMENSION, rfc2435_layout};
use super::entropy::{
    ComponentCoefficients, DecodeScanError, EncodeComponent, EncodeScanError, MAX_BLOCKS_PER_MCU,
    StandardEncoders, decode_image, encode_scan,
};
use super::headers::{HeaderParams, scaled_quant_tables, write_jpeg_headers};
use super::markers::{FrameKind, Jpeg, JpegError, marker};

/// How to normalise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormalizeConfig {
    /// Whether frames that cannot be fixed losslessly may be decoded and
    /// encoded again (lossy). When `false` they are refused with
    /// [`NormalizeError::TranscodeDisabled`].
    pub allow_transcode: bool,
    /// IJG quality (1..=100) for transcoded frames; `None` estimates the
    /// source's quality from its luma quantization table (see
    /// [`estimate_ijg_quality`]).
    pub transcode_quality: Option<u8>,
}

impl Default for NormalizeConfig {
    fn default() -> Self {
        NormalizeConfig {
            allow_transcode: true,
            transcode_quality: None,
        }
    }
}

/// What [`normalize`] did to a frame. Its `Display` is one short phrase for
/// a log line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NormalizeAction {
    /// RFC 2435 carries the frame as it is.
    Unchanged,
    /// The scan was re-encoded with the standard Huffman tables (lossless).
    HuffmanReencoded,
    /// The blocks were regrouped into type 0/1 MCUs (lossless).
    Regrouped {
        /// The source's sampling factors (h, v) of Y, Cb, Cr.
        from: [(u8, u8); 3],
        /// The RFC 2435 type of the output.
        to: JpegType,
    },
    /// A frame coded in several scans (progressive, or sequential with a
    /// scan per component) was re-encoded as one baseline scan (lossless).
    ScansMerged {
        /// How many scans the source had.
        scans: usize,
        /// Whether the source was progressive.
        progressive: bool,
    },
    /// A grayscale frame got neutral chroma blocks (lossless).
    GrayToColor,
    /// The frame was decoded and encoded again as baseline 4:2:2 (lossy).
    Transcoded {
        /// Why the frame could not be carried as it was.
        reason: Incompatibility,
        /// The IJG quality it was encoded at.
        quality: u8,
    },
}

impl NormalizeAction {
    /// Whether the output decodes to exactly the source's pixels.
    pub fn is_lossless(&self) -> bool {
        !matches!(self, NormalizeAction::Transcoded { .. })
    }
}

impl fmt::Display for NormalizeAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NormalizeAction::Unchanged => f.write_str("unchanged"),
            NormalizeAction::HuffmanReencoded => {
                f.write_str("re-encoded with standard Huffman tables (lossless)")
            }
            NormalizeAction::Regrouped { from, to } => write!(
                f,
                "regrouped Y {}x{} Cb {}x{} Cr {}x{} blocks into type {} MCUs (lossless)",
                from[0].0,
                from[0].1,
                from[1].0,
                from[1].1,
                from[2].0,
                from[2].1,
                to.base_type()
            ),
            NormalizeAction::ScansMerged {
                scans,
                progressive: true,
            } => write!(
                f,
                "progressive ({scans} scans) re-encoded as baseline (lossless)"
            ),
            NormalizeAction::ScansMerged {
                scans,
                progressive: false,
            } => write!(f, "{scans} scans merged into one baseline scan (lossless)"),
            NormalizeAction::GrayToColor => {
                f.write_str("grayscale given neutral chroma (lossless)")
            }
            NormalizeAction::Transcoded { reason, quality } => write!(
                f,
                "transcoded ({reason}) to baseline 4:2:2 at quality {quality}"
            ),
        }
    }
}

/// A normalised frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The new frame; `None` when [`NormalizeAction::Unchanged`]: use the input.
    pub jpeg: Option<Vec<u8>>,
    /// What was done.
    pub action: NormalizeAction,
    /// For the lossless paths: the byte offset in the source where its scan
    /// ran out of data early, if it did. The missing part was filled as
    /// libjpeg fills it (see [`entropy`](super::entropy)); log it as damage.
    pub premature_end: Option<usize>,
}

impl Normalized {
    /// The frame to send: the new one, or `original` (the input given to
    /// [`normalize`]) when unchanged.
    pub fn bytes<'a>(&'a self, original: &'a [u8]) -> &'a [u8] {
        self.jpeg.as_deref().unwrap_or(original)
    }
}

/// Why [`normalize`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NormalizeError {
    /// The frame is not a readable JPEG.
    #[error("bad JPEG: {0}")]
    Parse(#[from] JpegError),
    /// The scan cannot be decoded to coefficients (corrupt data, with its
    /// byte offset).
    #[error("{0}")]
    Scan(#[from] DecodeScanError),
    /// Nothing can make RFC 2435 carry it (the frame is too large).
    #[error("cannot be carried by RFC 2435: {0}")]
    Unfixable(Incompatibility),
    /// Only a (lossy) transcode could fix it, and the configuration forbids it.
    #[error("{0} needs transcoding, which is disabled")]
    TranscodeDisabled(Incompatibility),
    /// The decoder used for transcoding failed (zune-jpeg's message).
    #[error("decoding for transcode failed: {0}")]
    Decode(String),
    /// The encoder used for transcoding failed or produced an unusable frame.
    #[error("encoding failed: {0}")]
    Encode(String),
    /// The coefficients cannot be coded with the standard tables (values
    /// out of range for 8-bit samples).
    #[error("re-encoding failed: {0}")]
    Reencode(#[from] EncodeScanError),
}

impl NormalizeError {
    /// The byte offset in the frame where the problem was found, when known.
    pub fn offset(&self) -> Option<usize> {
        match self {
            NormalizeError::Parse(e) => Some(e.offset),
            NormalizeError::Scan(DecodeScanError::Corrupt { offset, .. }) => Some(*offset),
            _ => None,
        }
    }
}

/// Turns `jpeg` into a frame RFC 2435 can carry (see the module docs).
///
/// Call it once per frame when loading media and cache the result: a
/// lossless rewrite of a 1280x720 frame takes a few milliseconds, a
/// transcode somewhat more. Never panics; the work and memory are bounded by
/// the frame's dimensions, which are at most 2040x2040 here.
pub fn normalize(jpeg: &[u8], cfg: &NormalizeConfig) -> Result<Normalized, NormalizeError> {
    let parsed = Jpeg::parse(jpeg)?;
    let reason = match rfc2435_layout(&parsed) {
        Ok(_) => {
            return Ok(Normalized {
                jpeg: None,
                action: NormalizeAction::Unchanged,
                premature_end: None,
            });
        }
        Err(reason) => reason,
    };
    if !reason.is_fixable() {
        return Err(NormalizeError::Unfixable(reason));
    }
    if let Some(plan) = lossless_plan(&parsed) {
        let (out, premature_end) = rewrite_lossless(&parsed, &plan)?;
        return Ok(Normalized {
            jpeg: Some(out),
            action: plan.action,
            premature_end,
        });
    }
    if !cfg.allow_transcode {
        return Err(NormalizeError::TranscodeDisabled(reason));
    }
    let quality = match cfg.transcode_quality {
        Some(q) => q.clamp(1, 100),
        None => parsed
            .component_quant_table(0)
            .map(|t| estimate_ijg_quality(&t.values, parsed.frame.precision))
            .unwrap_or(DEFAULT_QUALITY),
    };
    let out = transcode(&jpeg[..parsed.len], quality)?;
    Ok(Normalized {
        jpeg: Some(out),
        action: NormalizeAction::Transcoded { reason, quality },
        premature_end: None,
    })
}

/// Quality used when the source has no luma quantization table to match
/// (its decode will then most likely fail anyway).
const DEFAULT_QUALITY: u8 = 75;

/// The IJG quality (1..=100) whose scaled Annex K luma table (RFC 2435
/// Appendix A) is closest to `luma_zigzag` in total absolute difference;
/// ties go to the higher quality.
///
/// Tables of images with more than 8-bit samples are scaled down by
/// `2^(precision - 8)` first, since their coefficients are that much larger.
/// Tables that are not IJG-scaled get the quality whose table is nearest.
pub fn estimate_ijg_quality(luma_zigzag: &[u16; 64], precision: u8) -> u8 {
    let shift = u32::from(precision.saturating_sub(8).min(8));
    let mut best = (u64::MAX, 100u8);
    for q in (1..=100u8).rev() {
        let reference = ijg_luma_table(q);
        let distance: u64 = luma_zigzag
            .iter()
            .zip(reference.iter())
            .map(|(&a, &b)| u64::from((a >> shift).abs_diff(b)))
            .sum();
        if distance < best.0 {
            best = (distance, q);
        }
    }
    best.1
}

/// The IJG luma table at quality `q`, zig-zag order; quality 100 (all ones)
/// included, which [`scaled_quant_tables`] clamps to 99.
fn ijg_luma_table(q: u8) -> [u16; 64] {
    if q >= 100 {
        [1; 64]
    } else {
        scaled_quant_tables(q).0
    }
}

/// A lossless rewrite that applies to a frame.
struct Plan {
    action: NormalizeAction,
    jpeg_type: JpegType,
}

/// Decides, from the frame's structure alone, whether its coefficients can
/// be kept: 8-bit samples, Huffman-coded sequential or progressive DCT in
/// any number of scans, with either one component, or Y/Cb/Cr (not Adobe
/// RGB) whose chroma shares a quantization table and whose sampling ratios
/// are those of type 0 or 1.
fn lossless_plan(j: &Jpeg<'_>) -> Option<Plan> {
    let f = &j.frame;
    let kind_ok = matches!(
        f.kind,
        FrameKind::Baseline | FrameKind::ExtendedSequential | FrameKind::Progressive
    );
    if !kind_ok || f.precision != 8 {
        return None;
    }
    // An interleaved scan of more than 10 blocks per MCU breaks T.81 B.2.3;
    // leave such frames to the (more lenient) full decoder.
    let blocks_per_mcu: usize = f
        .components
        .iter()
        .map(|c| usize::from(c.h) * usize::from(c.v))
        .sum();
    if f.components.len() > 1 && blocks_per_mcu > MAX_BLOCKS_PER_MCU {
        return None;
    }
    for c in &f.components {
        j.quant_tables[usize::from(c.quant_table)].as_ref()?;
    }
    let merged = j.scan_count > 1 || f.kind == FrameKind::Progressive;
    match f.components.len() {
        1 => Some(Plan {
            action: NormalizeAction::GrayToColor,
            jpeg_type: JpegType::Yuv422,
        }),
        3 => {
            if super::compat::is_rgb(j) {
                return None;
            }
            let (y, cb, cr) = (&f.components[0], &f.components[1], &f.components[2]);
            if cb.quant_table != cr.quant_table || (cb.h, cb.v) != (cr.h, cr.v) {
                return None;
            }
            if y.h != 2 * cb.h {
                return None;
            }
            let jpeg_type = if y.v == cb.v {
                JpegType::Yuv422
            } else if y.v == 2 * cb.v {
                JpegType::Yuv420
            } else {
                return None;
            };
            let action = if (cb.h, cb.v) != (1, 1) {
                NormalizeAction::Regrouped {
                    from: [(y.h, y.v), (cb.h, cb.v), (cr.h, cr.v)],
                    to: jpeg_type,
                }
            } else if merged {
                NormalizeAction::ScansMerged {
                    scans: j.scan_count,
                    progressive: f.kind == FrameKind::Progressive,
                }
            } else {
                NormalizeAction::HuffmanReencoded
            };
            Some(Plan { action, jpeg_type })
        }
        _ => None,
    }
}

/// `src` on a grid of `blocks_wide` x `blocks_high` blocks with sampling
/// factors `h` x `v`: borrowed when it already is, else copied block by
/// block, blocks beyond `src`'s grid repeating its last column or row.
///
/// The source grid always covers the image (see [`rewrite_lossless`]), so
/// repeated blocks lie wholly outside it: they only keep the coded DC
/// differences small.
fn regrid(
    src: &ComponentCoefficients,
    h: u8,
    v: u8,
    blocks_wide: usize,
    blocks_high: usize,
) -> Cow<'_, ComponentCoefficients> {
    if (src.h, src.v, src.blocks_wide, src.blocks_high) == (h, v, blocks_wide, blocks_high) {
        return Cow::Borrowed(src);
    }
    let mut blocks = Vec::with_capacity(blocks_wide * blocks_high);
    for y in 0..blocks_high {
        let sy = y.min(src.blocks_high.saturating_sub(1));
        for x in 0..blocks_wide {
            let sx = x.min(src.blocks_wide.saturating_sub(1));
            blocks.push(src.block(sx, sy).copied().unwrap_or([0; 64]));
        }
    }
    Cow::Owned(ComponentCoefficients {
        h,
        v,
        blocks_wide,
        blocks_high,
        blocks,
    })
}

/// Applies `plan`: decodes the scan, lays the blocks out as RFC 2435 type
/// 0/1 MCUs and codes them with the standard tables.
///
/// Why the grids fit: for type 0 the output has `2 * ceil(w / 16)` by
/// `ceil(h / 8)` luma blocks. A source with Y `hy x vy` and chroma
/// `hy/2 x vy` codes `hy * ceil(w / 8hy)` columns, a multiple of the even
/// `hy` that is at least `ceil(w / 8)`, hence at least the output's; rows
/// and chroma (whose subsampling ratios are unchanged, so block `(x, y)`
/// covers the same pixels in both) follow the same way, and type 1 alike.
/// A grayscale scan codes exactly `ceil(w / 8)` by `ceil(h / 8)` blocks, so
/// an odd last column is padded by repeating it.
fn rewrite_lossless(j: &Jpeg<'_>, plan: &Plan) -> Result<(Vec<u8>, Option<usize>), NormalizeError> {
    let decoded = decode_image(j)?;
    let f = &j.frame;
    let (width, height) = (usize::from(f.width), usize::from(f.height));
    let (y_v, mcu_h) = match plan.jpeg_type {
        JpegType::Yuv422 => (1u8, 8),
        JpegType::Yuv420 => (2u8, 16),
    };
    let mcus_wide = width.div_ceil(16);
    let mcus_high = height.div_ceil(mcu_h);
    let (luma_w, luma_h) = (2 * mcus_wide, usize::from(y_v) * mcus_high);

    let y = regrid(&decoded.components[0], 2, y_v, luma_w, luma_h);
    let zero_chroma;
    let (cb, cr) = if f.components.len() == 1 {
        zero_chroma = ComponentCoefficients::zeroed(1, 1, mcus_wide, mcus_high);
        (Cow::Borrowed(&zero_chroma), Cow::Borrowed(&zero_chroma))
    } else {
        (
            regrid(&decoded.components[1], 1, 1, mcus_wide, mcus_high),
            regrid(&decoded.components[2], 1, 1, mcus_wide, mcus_high),
        )
    };

    // Keep each restart interval covering the same image area.
    let source_interval = u32::from(j.restart_interval);
    let restart_interval = if f.components.len() == 1 {
        source_interval.div_ceil(2)
    } else {
        let source_luma = u32::from(f.components[0].h) * u32::from(f.components[0].v);
        source_interval * source_luma / (2 * u32::from(y_v))
    };
    let restart_interval = u16::try_from(restart_interval).unwrap_or(u16::MAX);

    let luma_table =
        j.component_quant_table(0)
            .map(|t| t.values)
            .ok_or(NormalizeError::Unfixable(
                Incompatibility::MissingQuantTable(f.components[0].quant_table),
            ))?;
    // Grayscale: the chroma blocks are all zero, so any table decodes them
    // to neutral chroma; reusing the luma table lets a packetizer send a
    // single shared table.
    let chroma_table = match f.components.get(1) {
        Some(c) => {
            j.component_quant_table(1)
                .map(|t| t.values)
                .ok_or(NormalizeError::Unfixable(
                    Incompatibility::MissingQuantTable(c.quant_table),
                ))?
        }
        None => luma_table,
    };

    let tables = StandardEncoders::new();
    let mut out = Vec::with_capacity(j.len + 1024);
    write_jpeg_headers(
        &mut out,
        &HeaderParams {
            width: f.width,
            height: f.height,
            jpeg_type: plan.jpeg_type,
            restart_interval,
            luma_table: &luma_table,
            chroma_table: &chroma_table,
        },
    );
    encode_scan(
        &mut out,
        &[
            EncodeComponent {
                coefficients: &y,
                dc_table: &tables.luma_dc,
                ac_table: &tables.luma_ac,
            },
            EncodeComponent {
                coefficients: &cb,
                dc_table: &tables.chroma_dc,
                ac_table: &tables.chroma_ac,
            },
            EncodeComponent {
                coefficients: &cr,
                dc_table: &tables.chroma_dc,
                ac_table: &tables.chroma_ac,
            },
        ],
        restart_interval,
    )?;
    out.extend_from_slice(&[0xFF, marker::EOI]);
    Ok((out, decoded.premature_end))
}

fn decode_error(e: zune_jpeg::errors::DecodeErrors) -> NormalizeError {
    NormalizeError::Decode(format!("{e}"))
}

/// Decodes with zune-jpeg and encodes with jpeg-encoder as baseline 4:2:2
/// at `quality`, then rewrites the head with [`write_jpeg_headers`].
///
/// The pixels stay in YCbCr when the source is YCbCr (no colour round
/// trip); grayscale sources get neutral chroma; RGB, CMYK and YCCK sources
/// go through RGB. Chroma is subsampled by averaging pixel pairs.
/// jpeg-encoder (0.7, not optimised) codes with the standard Huffman tables
/// and the IJG-scaled Annex K quantization tables, which RFC 2435 carries
/// as they are (and which a receiver can rebuild from Q = `quality` when
/// `quality` < 100), so its entropy-coded data is kept byte for byte.
fn transcode(jpeg: &[u8], quality: u8) -> Result<Vec<u8>, NormalizeError> {
    let limits = DecoderOptions::default()
        .set_max_width(usize::from(MAX_DIMENSION))
        .set_max_height(usize::from(MAX_DIMENSION));
    let mut probe = JpegDecoder::new_with_options(ZCursor::new(jpeg), limits);
    probe.decode_headers().map_err(decode_error)?;
    let out_space = match probe.input_colorspace() {
        Some(ColorSpace::YCbCr) => ColorSpace::YCbCr,
        Some(ColorSpace::Luma) => ColorSpace::Luma,
        _ => ColorSpace::RGB,
    };
    let mut decoder = JpegDecoder::new_with_options(
        ZCursor::new(jpeg),
        limits.jpeg_set_out_colorspace(out_space),
    );
    let mut pixels = decoder.decode().map_err(decode_error)?;
    let info = decoder
        .info()
        .ok_or_else(|| NormalizeError::Decode(String::from("no image information")))?;
    let (width, height) = (info.width, info.height);
    let samples = usize::from(width) * usize::from(height);
    let color = match decoder.output_colorspace() {
        Some(ColorSpace::YCbCr) => ColorType::Ycbcr,
        Some(ColorSpace::RGB) => ColorType::Rgb,
        Some(ColorSpace::Luma) => {
            // Y with neutral chroma: decodes to R = G = B = Y.
            pixels = pixels
                .iter()
                .take(samples)
                .flat_map(|&y| [y, 128, 128])
                .collect();
            ColorType::Ycbcr
        }
        other => {
            return Err(NormalizeError::Decode(format!(
                "unexpected output colour space {other:?}"
            )));
        }
    };
    if pixels.len() < samples * 3 {
        return Err(NormalizeError::Decode(format!(
            "{} bytes decoded for a {width}x{height} image",
            pixels.len()
        )));
    }

    let mut encoded = Vec::with_capacity(jpeg.len() * 2);
    let mut encoder = Encoder::new(&mut encoded, quality);
    encoder.set_sampling_factor(SamplingFactor::R_4_2_2);
    encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    encoder.set_optimized_huffman_tables(false);
    encoder.set_progressive(false);
    encoder.set_restart_interval(0);
    encoder
        .encode(&pixels, width, height, color)
        .map_err(|e| NormalizeError::Encode(format!("{e}")))?;
    rewrite_head(&encoded)
}

/// Gives an encoder's frame our standard head, keeping its entropy-coded
/// data; falls back to a lossless rewrite if the frame is not carriable as
/// it is (a future encoder version with other defaults).
fn rewrite_head(encoded: &[u8]) -> Result<Vec<u8>, NormalizeError> {
    let unusable = |why: &dyn fmt::Display| NormalizeError::Encode(format!("encoder output {why}"));
    let e = Jpeg::parse(encoded).map_err(|err| unusable(&err))?;
    let layout = match rfc2435_layout(&e) {
        Ok(layout) => layout,
        Err(reason) => {
            let plan = lossless_plan(&e).ok_or_else(|| unusable(&reason))?;
            return Ok(rewrite_lossless(&e, &plan)?.0);
        }
    };
    let table = |id: u8| {
        e.quant_tables[usize::from(id)]
            .as_ref()
            .map(|t| t.values)
            .ok_or_else(|| unusable(&"lacks a quantization table"))
    };
    let (luma_table, chroma_table) = (
        table(layout.luma_quant_table)?,
        table(layout.chroma_quant_table)?,
    );
    let mut out = Vec::with_capacity(encoded.len());
    write_jpeg_headers(
        &mut out,
        &HeaderParams {
            width: layout.width,
            height: layout.height,
            jpeg_type: layout.jpeg_type,
            restart_interval: layout.restart_interval,
            luma_table: &luma_table,
            chroma_table: &chroma_table,
        },
    );
    out.extend_from_slice(e.entropy_data());
    out.extend_from_slice(&[0xFF, marker::EOI]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jpeg::tables;
    use alloc::string::ToString;

    #[test]
    fn quality_estimate_inverts_ijg_scaling() {
        for q in 1..=100u8 {
            let t = ijg_luma_table(q);
            let est = estimate_ijg_quality(&t, 8);
            // Neighbouring qualities can give identical tables; the estimate
            // must reproduce the table exactly.
            assert_eq!(ijg_luma_table(est), t, "q {q} -> {est}");
        }
        let mut twelve = ijg_luma_table(80);
        for v in &mut twelve {
            *v *= 16;
        }
        assert_eq!(estimate_ijg_quality(&twelve, 12), 80);
        let annex_k = tables::natural_to_zigzag(&tables::LUMA_QUANT_NATURAL).map(u16::from);
        assert_eq!(estimate_ijg_quality(&annex_k, 8), 50);
    }

    #[test]
    fn display_phrases() {
        let a = NormalizeAction::Regrouped {
            from: [(2, 2), (1, 2), (1, 2)],
            to: JpegType::Yuv422,
        };
        assert_eq!(
            a.to_string(),
            "regrouped Y 2x2 Cb 1x2 Cr 1x2 blocks into type 0 MCUs (lossless)"
        );
        let t = NormalizeAction::Transcoded {
            reason: Incompatibility::Sampling([(1, 1), (1, 1), (1, 1)]),
            quality: 80,
        };
        assert_eq!(
            t.to_string(),
            "transcoded (sampling Y 1x1 Cb 1x1 Cr 1x1) to baseline 4:2:2 at quality 80"
        );
        assert!(!t.is_lossless());
        assert!(a.is_lossless());
    }

    #[test]
    fn garbage_is_a_parse_error_with_offset() {
        let e = normalize(b"not a jpeg", &NormalizeConfig::default()).unwrap_err();
        assert_eq!(e.offset(), Some(0));
        assert!(matches!(e, NormalizeError::Parse(_)));
    }
}
