//! Can RFC 2435 carry this JPEG as it is?
//!
//! RFC 2435 sends only the entropy-coded data of a frame plus a few header
//! fields; the receiver rebuilds everything else. So a frame travels
//! unchanged only if what the receiver rebuilds decodes the same data:
//!
//! - baseline sequential DCT, 8-bit samples (SOF0, or SOF1 used the same way);
//! - three components, Y then Cb then Cr, in one interleaved scan covering
//!   all coefficients (Ss=0, Se=63, no successive approximation);
//! - Y sampled 2x1 (type 0, "4:2:2") or 2x2 (type 1, "4:2:0"), Cb and Cr 1x1;
//! - Cb and Cr share one quantization table (the header carries two tables:
//!   luma, then chroma); Y may share it too;
//! - the standard Huffman tables of T.81 K.3 (luma tables for Y, chroma tables
//!   for Cb and Cr), or tables left out where abbreviated "AVI MJPEG" frames
//!   imply them (destination 0 for Y, 1 for Cb and Cr);
//! - YCbCr colour (not RGB: Adobe transform 0, or ids 'R', 'G', 'B');
//! - width and height at most 2040 pixels (the header has 8 bits for each,
//!   counting 8-pixel blocks).
//!
//! [`rfc2435_layout`] checks all of that and either says how to send the frame
//! or names the first thing that stops it. The normaliser uses the answer to
//! decide what to rewrite; the packetizer refuses frames that fail it.

use core::fmt;

use super::markers::{FrameKind, HuffmanSpec, Jpeg};
use super::tables::{self, StandardHuffman};

/// The largest width or height RFC 2435 can describe (255 blocks of 8 pixels).
pub const MAX_DIMENSION: u16 = 2040;

/// The RFC 2435 type for a frame's sampling layout (Section 4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JpegType {
    /// Type 0: Y 2x1, Cb 1x1, Cr 1x1 (MCU 16x8).
    Yuv422,
    /// Type 1: Y 2x2, Cb 1x1, Cr 1x1 (MCU 16x16).
    Yuv420,
}

impl JpegType {
    /// The Type field value without restart markers (0 or 1); add 64 when the
    /// frame has a restart interval (RFC 2435 Section 3.1.7).
    pub const fn base_type(self) -> u8 {
        match self {
            JpegType::Yuv422 => 0,
            JpegType::Yuv420 => 1,
        }
    }

    /// The type for a Type field value (0, 1, 64 or 65).
    pub const fn from_type_field(t: u8) -> Option<JpegType> {
        match t {
            0 | 64 => Some(JpegType::Yuv422),
            1 | 65 => Some(JpegType::Yuv420),
            _ => None,
        }
    }

    /// MCU size in pixels (width, height).
    pub const fn mcu_size(self) -> (u16, u16) {
        match self {
            JpegType::Yuv422 => (16, 8),
            JpegType::Yuv420 => (16, 16),
        }
    }
}

/// How to send a frame that RFC 2435 can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rfc2435Layout {
    /// Type 0 or 1 (add 64 when `restart_interval` is non-zero).
    pub jpeg_type: JpegType,
    /// Width in pixels (not necessarily a multiple of 8; see `width_blocks`).
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Restart interval in MCUs; 0 means no restart markers.
    pub restart_interval: u16,
    /// Quantization table destination used by Y.
    pub luma_quant_table: u8,
    /// Quantization table destination shared by Cb and Cr.
    pub chroma_quant_table: u8,
}

impl Rfc2435Layout {
    /// The Width header field: width in 8-pixel blocks, rounded up. A width
    /// that is not a multiple of 8 cannot be described exactly; the receiver
    /// shows the padded size.
    pub fn width_blocks(&self) -> u8 {
        u8::try_from(self.width.div_ceil(8)).unwrap_or(u8::MAX)
    }

    /// The Height header field, as [`width_blocks`](Self::width_blocks).
    pub fn height_blocks(&self) -> u8 {
        u8::try_from(self.height.div_ceil(8)).unwrap_or(u8::MAX)
    }

    /// The Type header field: 0/1, or 64/65 with restart markers.
    pub fn type_field(&self) -> u8 {
        self.jpeg_type.base_type() + if self.restart_interval != 0 { 64 } else { 0 }
    }
}

/// Which Huffman table a component's scan uses that is not the standard one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HuffmanRole {
    /// Y's DC table.
    LumaDc,
    /// Y's AC table.
    LumaAc,
    /// Cb's or Cr's DC table.
    ChromaDc,
    /// Cb's or Cr's AC table.
    ChromaAc,
}

/// The first reason RFC 2435 cannot carry a frame as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Incompatibility {
    /// Not baseline/extended sequential DCT (progressive, lossless, arithmetic...).
    NotSequential(FrameKind),
    /// Sample precision other than 8 bits.
    Precision(u8),
    /// Not three components (grayscale has one, CMYK four).
    ComponentCount(usize),
    /// Sampling factors (h, v) of Y, Cb and Cr that match neither type.
    Sampling([(u8, u8); 3]),
    /// Cb and Cr use different quantization tables.
    ChromaTablesDiffer,
    /// A quantization table a component refers to is not defined.
    MissingQuantTable(u8),
    /// The image is coded in more than one scan, or its one scan does not
    /// hold all three components in frame order with all coefficients.
    ScanLayout,
    /// A Huffman table is not the standard one for its role.
    NonStandardHuffman(HuffmanRole),
    /// Adobe APP14 says the components are RGB, not YCbCr.
    RgbColor,
    /// Wider or taller than 2040 pixels; normalisation cannot fix this.
    TooLarge {
        /// Width in pixels.
        width: u16,
        /// Height in pixels.
        height: u16,
    },
}

impl core::error::Error for Incompatibility {}

impl Incompatibility {
    /// Whether re-encoding the frame could make it fit (everything but size).
    pub fn is_fixable(&self) -> bool {
        !matches!(self, Incompatibility::TooLarge { .. })
    }
}

impl fmt::Display for Incompatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Incompatibility::*;
        match self {
            NotSequential(FrameKind::Progressive) => f.write_str("progressive JPEG"),
            NotSequential(FrameKind::Lossless) => f.write_str("lossless JPEG"),
            NotSequential(k) => write!(f, "unsupported JPEG coding ({k:?})"),
            Precision(p) => write!(f, "{p}-bit samples"),
            ComponentCount(1) => f.write_str("grayscale (1 component)"),
            ComponentCount(n) => write!(f, "{n} components"),
            Sampling(s) => write!(
                f,
                "sampling Y {}x{} Cb {}x{} Cr {}x{}",
                s[0].0, s[0].1, s[1].0, s[1].1, s[2].0, s[2].1
            ),
            ChromaTablesDiffer => f.write_str("Cb and Cr use different quantization tables"),
            MissingQuantTable(t) => write!(f, "quantization table {t} is not defined"),
            ScanLayout => f.write_str("not a single interleaved baseline scan"),
            NonStandardHuffman(role) => write!(f, "non-standard Huffman table ({role:?})"),
            RgbColor => f.write_str("RGB colour (Adobe transform 0)"),
            TooLarge { width, height } => {
                write!(
                    f,
                    "{width}x{height} exceeds RFC 2435's {MAX_DIMENSION} pixel limit"
                )
            }
        }
    }
}

/// Whether the table a scan component names is the standard one for its
/// role. A table the frame does not define is the one abbreviated MJPEG
/// ("AVI1") frames imply for its destination: 0 the luma table, 1 the
/// chroma table, any other none (as the entropy decoder reads them).
fn is_standard(spec: Option<HuffmanSpec<'_>>, id: u8, luma: bool, std: &StandardHuffman) -> bool {
    match spec {
        None => id == u8::from(!luma),
        Some(s) => std.matches(&s.counts, s.values),
    }
}

/// Whether the frame's samples are RGB rather than YCbCr: Adobe's
/// transform flag 0, or, without JFIF or Adobe segments, component ids
/// 'R', 'G', 'B' (libjpeg's rule).
pub fn is_rgb(jpeg: &Jpeg<'_>) -> bool {
    let c = &jpeg.frame.components;
    jpeg.adobe_transform == Some(0)
        || (jpeg.adobe_transform.is_none()
            && !jpeg.jfif
            && c.len() == 3
            && [c[0].id, c[1].id, c[2].id] == *b"RGB")
}

/// Decides whether RFC 2435 can carry `jpeg` unchanged, and how.
pub fn rfc2435_layout(jpeg: &Jpeg<'_>) -> Result<Rfc2435Layout, Incompatibility> {
    use Incompatibility::*;
    let frame = &jpeg.frame;
    if frame.width > MAX_DIMENSION || frame.height > MAX_DIMENSION {
        return Err(TooLarge {
            width: frame.width,
            height: frame.height,
        });
    }
    match frame.kind {
        FrameKind::Baseline | FrameKind::ExtendedSequential => {}
        other => return Err(NotSequential(other)),
    }
    if frame.precision != 8 {
        return Err(Precision(frame.precision));
    }
    if frame.components.len() != 3 {
        return Err(ComponentCount(frame.components.len()));
    }
    if is_rgb(jpeg) {
        return Err(RgbColor);
    }
    let c = &frame.components;
    let sampling = [(c[0].h, c[0].v), (c[1].h, c[1].v), (c[2].h, c[2].v)];
    let jpeg_type = match sampling {
        [(2, 1), (1, 1), (1, 1)] => JpegType::Yuv422,
        [(2, 2), (1, 1), (1, 1)] => JpegType::Yuv420,
        _ => return Err(Sampling(sampling)),
    };
    for comp in c.iter() {
        if jpeg.quant_tables[usize::from(comp.quant_table)].is_none() {
            return Err(MissingQuantTable(comp.quant_table));
        }
    }
    if c[1].quant_table != c[2].quant_table {
        return Err(ChromaTablesDiffer);
    }
    let scan = &jpeg.scan;
    let in_order = scan.components.len() == 3
        && scan
            .components
            .iter()
            .enumerate()
            .all(|(i, s)| s.component == i);
    if jpeg.scan_count != 1
        || !in_order
        || scan.ss != 0
        || scan.se != 63
        || scan.ah != 0
        || scan.al != 0
    {
        return Err(ScanLayout);
    }
    for (i, sc) in scan.components.iter().enumerate() {
        let dc = jpeg.dc_tables[usize::from(sc.dc_table)];
        let ac = jpeg.ac_tables[usize::from(sc.ac_table)];
        let (std_dc, std_ac, role_dc, role_ac) = if i == 0 {
            (
                &tables::LUMA_DC,
                &tables::LUMA_AC,
                HuffmanRole::LumaDc,
                HuffmanRole::LumaAc,
            )
        } else {
            (
                &tables::CHROMA_DC,
                &tables::CHROMA_AC,
                HuffmanRole::ChromaDc,
                HuffmanRole::ChromaAc,
            )
        };
        if !is_standard(dc, sc.dc_table, i == 0, std_dc) {
            return Err(NonStandardHuffman(role_dc));
        }
        if !is_standard(ac, sc.ac_table, i == 0, std_ac) {
            return Err(NonStandardHuffman(role_ac));
        }
    }
    Ok(Rfc2435Layout {
        jpeg_type,
        width: frame.width,
        height: frame.height,
        restart_interval: jpeg.restart_interval,
        luma_quant_table: c[0].quant_table,
        chroma_quant_table: c[1].quant_table,
    })
}
