//! JPEG marker-segment parser (ITU-T T.81 Annex B).
//!
//! [`Jpeg::parse`] walks an interchange-format JPEG image once, borrowing it,
//! and records what the rest of the core needs: the frame header (SOFn), the
//! quantization and Huffman tables in force at the first scan, the restart
//! interval, the first scan's header and the byte range of its
//! entropy-coded data. Later scans (progressive images, non-interleaved
//! baseline images) are counted, not described: only single-scan images can
//! be carried by RFC 2435 or re-encoded losslessly, and everything else is
//! transcoded by a full decoder.
//!
//! Every error names the byte offset where parsing stopped, so a caller can
//! report "frame 12, byte 4711: bad DHT segment".

use core::fmt;
use core::ops::Range;

/// The most components a frame may have (T.81 B.2.2 allows 255; 4 covers
/// every colour space in practice and bounds the parser's memory).
pub const MAX_COMPONENTS: usize = 4;

/// Marker codes (the byte after `0xFF`), T.81 Table B.1.
pub mod marker {
    /// Start of image.
    pub const SOI: u8 = 0xD8;
    /// End of image.
    pub const EOI: u8 = 0xD9;
    /// Start of scan.
    pub const SOS: u8 = 0xDA;
    /// Define quantization table(s).
    pub const DQT: u8 = 0xDB;
    /// Define number of lines.
    pub const DNL: u8 = 0xDC;
    /// Define restart interval.
    pub const DRI: u8 = 0xDD;
    /// Define Huffman table(s).
    pub const DHT: u8 = 0xC4;
    /// Define arithmetic coding conditioning(s).
    pub const DAC: u8 = 0xCC;
    /// Baseline DCT frame.
    pub const SOF0: u8 = 0xC0;
    /// Extended sequential DCT frame, Huffman coding.
    pub const SOF1: u8 = 0xC1;
    /// Progressive DCT frame, Huffman coding.
    pub const SOF2: u8 = 0xC2;
    /// Lossless frame, Huffman coding.
    pub const SOF3: u8 = 0xC3;
    /// First restart marker; RST0..RST7 are `0xD0..=0xD7`.
    pub const RST0: u8 = 0xD0;
    /// Last restart marker.
    pub const RST7: u8 = 0xD7;
    /// Application segment 0 (JFIF).
    pub const APP0: u8 = 0xE0;
    /// Application segment 14 (Adobe).
    pub const APP14: u8 = 0xEE;
    /// Comment.
    pub const COM: u8 = 0xFE;
    /// Temporary private use; stands alone like SOI.
    pub const TEM: u8 = 0x01;
}

/// How a frame's DCT coefficients are coded (from its SOFn marker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// SOF0: baseline sequential, 8-bit samples, Huffman coding.
    Baseline,
    /// SOF1: extended sequential, Huffman coding (8- or 12-bit samples).
    ExtendedSequential,
    /// SOF2: progressive, Huffman coding.
    Progressive,
    /// SOF3: lossless (no DCT).
    Lossless,
    /// SOF5..SOF7, SOF9..SOF15: hierarchical or arithmetic-coded frames.
    Other(u8),
}

impl FrameKind {
    fn from_marker(m: u8) -> Self {
        match m {
            0xC0 => FrameKind::Baseline,
            0xC1 => FrameKind::ExtendedSequential,
            0xC2 => FrameKind::Progressive,
            0xC3 => FrameKind::Lossless,
            other => FrameKind::Other(other),
        }
    }
}

/// One image component from the frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component {
    /// Component identifier (Ci), referenced by scans.
    pub id: u8,
    /// Horizontal sampling factor (Hi), 1..=4.
    pub h: u8,
    /// Vertical sampling factor (Vi), 1..=4.
    pub v: u8,
    /// Quantization table destination (Tqi), 0..=3.
    pub quant_table: u8,
}

/// The frame header (SOFn, T.81 B.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameHeader {
    /// Which SOFn it came from.
    pub kind: FrameKind,
    /// Sample precision in bits (P).
    pub precision: u8,
    /// Image width in pixels (X).
    pub width: u16,
    /// Image height in lines (Y); never 0 here (DNL is not supported).
    pub height: u16,
    /// The components, in frame-header order.
    pub components: heapless::Vec<Component, MAX_COMPONENTS>,
}

impl FrameHeader {
    /// Largest horizontal sampling factor (Hmax).
    pub fn max_h(&self) -> u8 {
        self.components.iter().map(|c| c.h).max().unwrap_or(1)
    }

    /// Largest vertical sampling factor (Vmax).
    pub fn max_v(&self) -> u8 {
        self.components.iter().map(|c| c.v).max().unwrap_or(1)
    }

    /// Index of the component with identifier `id`.
    pub fn component_index(&self, id: u8) -> Option<usize> {
        self.components.iter().position(|c| c.id == id)
    }
}

/// A quantization table (DQT, T.81 B.2.4.1), in zig-zag order as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct QuantTable {
    /// `false`: 8-bit entries (Pq = 0); `true`: 16-bit entries (Pq = 1).
    pub sixteen_bit: bool,
    /// The 64 entries in zig-zag order.
    pub values: [u16; 64],
}

impl fmt::Debug for QuantTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QuantTable")
            .field("sixteen_bit", &self.sixteen_bit)
            .field("values[..8]", &&self.values[..8])
            .finish()
    }
}

/// A Huffman table specification (DHT, T.81 B.2.4.2), borrowed from the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HuffmanSpec<'a> {
    /// Number of codes of each length 1..=16 (Li).
    pub counts: [u8; 16],
    /// Symbol values in order of increasing code length (Vi,j).
    pub values: &'a [u8],
}

/// Huffman table class (Tc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableClass {
    /// DC (and lossless) tables.
    Dc,
    /// AC tables.
    Ac,
}

/// One component of a scan header (SOS, T.81 B.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanComponent {
    /// Index into [`FrameHeader::components`] (not the identifier).
    pub component: usize,
    /// DC entropy table destination (Tdj).
    pub dc_table: u8,
    /// AC entropy table destination (Taj).
    pub ac_table: u8,
}

/// A scan header (SOS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanHeader {
    /// The components in this scan, in scan order.
    pub components: heapless::Vec<ScanComponent, MAX_COMPONENTS>,
    /// Start of spectral selection (Ss).
    pub ss: u8,
    /// End of spectral selection (Se).
    pub se: u8,
    /// Successive approximation high bit (Ah).
    pub ah: u8,
    /// Successive approximation low bit (Al).
    pub al: u8,
}

/// What went wrong, with [`JpegError::offset`] saying where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JpegErrorKind {
    /// The data does not start with SOI (`FF D8`).
    #[error("not a JPEG image (no SOI marker)")]
    NotJpeg,
    /// The data ends inside a marker segment or before the first scan ends.
    #[error("JPEG data ends early")]
    Truncated,
    /// A byte other than `0xFF` where a marker was expected.
    #[error("expected a marker")]
    ExpectedMarker,
    /// A segment length field below 2 or past the end of the data.
    #[error("bad marker segment length")]
    BadSegmentLength,
    /// A frame header that is malformed (bad component count, zero
    /// sampling factor, zero width).
    #[error("bad frame header (SOF)")]
    BadFrameHeader,
    /// The image height is 0 (to be given later by DNL), which we do not support.
    #[error("image height given by DNL is not supported")]
    HeightInDnl,
    /// Two frame headers in one image.
    #[error("more than one frame header")]
    DuplicateFrameHeader,
    /// A malformed DQT segment.
    #[error("bad quantization table (DQT)")]
    BadQuantTable,
    /// A malformed DHT segment.
    #[error("bad Huffman table (DHT)")]
    BadHuffmanTable,
    /// A malformed DRI segment.
    #[error("bad restart interval (DRI)")]
    BadRestartInterval,
    /// A malformed SOS segment, or one naming an unknown component.
    #[error("bad scan header (SOS)")]
    BadScanHeader,
    /// SOS before any SOFn.
    #[error("scan before frame header")]
    ScanBeforeFrame,
    /// No SOFn at all.
    #[error("no frame header (SOF)")]
    MissingFrameHeader,
    /// No SOS at all.
    #[error("no scan (SOS)")]
    MissingScan,
}

/// A JPEG parse error: what and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct JpegError {
    /// What went wrong.
    pub kind: JpegErrorKind,
    /// Byte offset into the image where it was found.
    pub offset: usize,
}

impl JpegError {
    fn new(kind: JpegErrorKind, offset: usize) -> Self {
        JpegError { kind, offset }
    }
}

/// A parsed JPEG image, borrowing the bytes it was parsed from.
#[derive(Debug, Clone)]
pub struct Jpeg<'a> {
    data: &'a [u8],
    /// The frame header.
    pub frame: FrameHeader,
    /// Quantization tables in force at the first scan, by destination.
    pub quant_tables: [Option<QuantTable>; 4],
    /// DC Huffman tables in force at the first scan, by destination.
    pub dc_tables: [Option<HuffmanSpec<'a>>; 4],
    /// AC Huffman tables in force at the first scan, by destination.
    pub ac_tables: [Option<HuffmanSpec<'a>>; 4],
    /// Restart interval in MCUs in force at the first scan (0: none).
    pub restart_interval: u16,
    /// The first scan's header.
    pub scan: ScanHeader,
    /// Byte range of the first scan's entropy-coded data (restart markers
    /// included, byte stuffing intact), within [`Jpeg::data`].
    pub scan_data: Range<usize>,
    /// Number of scans in the image (1 for ordinary baseline images).
    pub scan_count: usize,
    /// The Adobe APP14 colour transform flag, if that segment is present
    /// (0: no transform, components are RGB/CMYK; 1: YCbCr; 2: YCCK).
    pub adobe_transform: Option<u8>,
    /// Whether a JFIF APP0 segment is present.
    pub jfif: bool,
    /// Whether the image ends with an EOI marker.
    pub has_eoi: bool,
    /// Number of bytes of the image up to and including EOI (the whole
    /// input when EOI is missing). Trailing bytes after EOI are ignored.
    pub len: usize,
}

fn be16(d: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([d[at], d[at + 1]])
}

/// The end of entropy-coded data starting at `from`: the offset of the first
/// `0xFF` that begins a marker other than RSTn (stuffed `FF 00` and fill
/// bytes before RSTn are part of the data). Returns `data.len()` if no such
/// marker follows.
pub fn entropy_data_end(data: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < data.len() {
        if data[i] != 0xFF {
            i += 1;
            continue;
        }
        // Skip fill bytes (FF FF ...) to the marker code.
        let mut j = i + 1;
        while j < data.len() && data[j] == 0xFF {
            j += 1;
        }
        if j >= data.len() {
            return data.len();
        }
        match data[j] {
            0x00 | marker::RST0..=marker::RST7 => i = j + 1,
            _ => return i,
        }
    }
    data.len()
}

impl<'a> Jpeg<'a> {
    /// Parses the image in `data`.
    ///
    /// Reads segments up to EOI (or the end of `data`), checking every
    /// length; never reads outside `data` and never allocates.
    pub fn parse(data: &'a [u8]) -> Result<Jpeg<'a>, JpegError> {
        use JpegErrorKind::*;
        if data.len() < 2 || data[0] != 0xFF || data[1] != marker::SOI {
            return Err(JpegError::new(NotJpeg, 0));
        }
        let mut frame: Option<FrameHeader> = None;
        let mut quant_tables: [Option<QuantTable>; 4] = Default::default();
        let mut dc_tables: [Option<HuffmanSpec<'a>>; 4] = [None; 4];
        let mut ac_tables: [Option<HuffmanSpec<'a>>; 4] = [None; 4];
        let mut restart_interval = 0u16;
        let mut first_scan: Option<(ScanHeader, Range<usize>)> = None;
        let mut first_state = None;
        let mut scan_count = 0usize;
        let mut adobe_transform = None;
        let mut jfif = false;
        let mut has_eoi = false;
        let mut len = data.len();

        let mut pos = 2usize;
        loop {
            if pos >= data.len() {
                break;
            }
            if data[pos] != 0xFF {
                return Err(JpegError::new(ExpectedMarker, pos));
            }
            let mut m_at = pos + 1;
            while m_at < data.len() && data[m_at] == 0xFF {
                m_at += 1;
            }
            if m_at >= data.len() {
                return Err(JpegError::new(Truncated, pos));
            }
            let m = data[m_at];
            let seg_start = m_at + 1;
            match m {
                marker::EOI => {
                    has_eoi = true;
                    len = seg_start;
                    break;
                }
                marker::SOI | marker::TEM | marker::RST0..=marker::RST7 | 0x00 => {
                    // Stand-alone markers (a stray RSTn or stuffed zero
                    // between segments is tolerated, as libjpeg does).
                    pos = seg_start;
                    continue;
                }
                _ => {}
            }
            if seg_start + 2 > data.len() {
                return Err(JpegError::new(Truncated, pos));
            }
            let seg_len = usize::from(be16(data, seg_start));
            if seg_len < 2 {
                return Err(JpegError::new(BadSegmentLength, seg_start));
            }
            let body_start = seg_start + 2;
            let body_end = seg_start + seg_len;
            if body_end > data.len() {
                return Err(JpegError::new(Truncated, seg_start));
            }
            let body = &data[body_start..body_end];
            match m {
                0xC0..=0xCF if m != marker::DHT && m != 0xC8 && m != marker::DAC => {
                    if frame.is_some() {
                        return Err(JpegError::new(DuplicateFrameHeader, pos));
                    }
                    frame = Some(parse_sof(m, body, body_start)?);
                }
                marker::DQT => parse_dqt(body, body_start, &mut quant_tables)?,
                marker::DHT => parse_dht(body, body_start, &mut dc_tables, &mut ac_tables)?,
                marker::DRI => {
                    if body.len() != 2 {
                        return Err(JpegError::new(BadRestartInterval, body_start));
                    }
                    restart_interval = be16(body, 0);
                }
                marker::APP0 if body.starts_with(b"JFIF\0") => jfif = true,
                marker::APP14 if body.len() >= 12 && body.starts_with(b"Adobe") => {
                    adobe_transform = Some(body[11]);
                }
                marker::SOS => {
                    let Some(f) = frame.as_ref() else {
                        return Err(JpegError::new(ScanBeforeFrame, pos));
                    };
                    let header = parse_sos(body, body_start, f)?;
                    let data_end = entropy_data_end(data, body_end);
                    scan_count += 1;
                    if first_scan.is_none() {
                        first_scan = Some((header, body_end..data_end));
                        first_state =
                            Some((quant_tables.clone(), dc_tables, ac_tables, restart_interval));
                    }
                    pos = data_end;
                    continue;
                }
                _ => {}
            }
            pos = body_end;
        }

        let frame = frame.ok_or(JpegError::new(MissingFrameHeader, pos))?;
        let (scan, scan_data) = first_scan.ok_or(JpegError::new(MissingScan, pos))?;
        let (quant_tables, dc_tables, ac_tables, restart_interval) =
            first_state.ok_or(JpegError::new(MissingScan, pos))?;
        Ok(Jpeg {
            data,
            frame,
            quant_tables,
            dc_tables,
            ac_tables,
            restart_interval,
            scan,
            scan_data,
            scan_count,
            adobe_transform,
            jfif,
            has_eoi,
            len,
        })
    }

    /// The bytes this image was parsed from.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The first scan's entropy-coded data.
    pub fn entropy_data(&self) -> &'a [u8] {
        &self.data[self.scan_data.clone()]
    }

    /// The quantization table used by frame component `index`.
    pub fn component_quant_table(&self, index: usize) -> Option<&QuantTable> {
        let c = self.frame.components.get(index)?;
        self.quant_tables.get(usize::from(c.quant_table))?.as_ref()
    }
}

fn parse_sof(m: u8, b: &[u8], at: usize) -> Result<FrameHeader, JpegError> {
    use JpegErrorKind::*;
    if b.len() < 6 {
        return Err(JpegError::new(BadFrameHeader, at));
    }
    let precision = b[0];
    let height = be16(b, 1);
    let width = be16(b, 3);
    let n = usize::from(b[5]);
    if n == 0 || n > MAX_COMPONENTS || b.len() != 6 + 3 * n || width == 0 {
        return Err(JpegError::new(BadFrameHeader, at));
    }
    if height == 0 {
        return Err(JpegError::new(HeightInDnl, at + 1));
    }
    let mut components = heapless::Vec::new();
    for i in 0..n {
        let c = &b[6 + 3 * i..9 + 3 * i];
        let (h, v) = (c[1] >> 4, c[1] & 0x0F);
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) || c[2] > 3 {
            return Err(JpegError::new(BadFrameHeader, at + 6 + 3 * i));
        }
        if components.iter().any(|x: &Component| x.id == c[0]) {
            return Err(JpegError::new(BadFrameHeader, at + 6 + 3 * i));
        }
        // Capacity is MAX_COMPONENTS and n <= MAX_COMPONENTS.
        let _ = components.push(Component {
            id: c[0],
            h,
            v,
            quant_table: c[2],
        });
    }
    Ok(FrameHeader {
        kind: FrameKind::from_marker(m),
        precision,
        width,
        height,
        components,
    })
}

fn parse_dqt(b: &[u8], at: usize, tables: &mut [Option<QuantTable>; 4]) -> Result<(), JpegError> {
    let mut i = 0;
    if b.is_empty() {
        return Err(JpegError::new(JpegErrorKind::BadQuantTable, at));
    }
    while i < b.len() {
        let (pq, tq) = (b[i] >> 4, usize::from(b[i] & 0x0F));
        let entry = if pq == 0 { 1 } else { 2 };
        if pq > 1 || tq > 3 || i + 1 + 64 * entry > b.len() {
            return Err(JpegError::new(JpegErrorKind::BadQuantTable, at + i));
        }
        let mut values = [0u16; 64];
        for (k, v) in values.iter_mut().enumerate() {
            let o = i + 1 + k * entry;
            *v = if pq == 0 { u16::from(b[o]) } else { be16(b, o) };
            // T.81 B.2.4.1: Qk is 1..=255 (1..=65535 with 16-bit entries);
            // a 0 would make every decoder divide, or multiply, by nothing.
            if *v == 0 {
                return Err(JpegError::new(JpegErrorKind::BadQuantTable, at + o));
            }
        }
        tables[tq] = Some(QuantTable {
            sixteen_bit: pq == 1,
            values,
        });
        i += 1 + 64 * entry;
    }
    Ok(())
}

fn parse_dht<'a>(
    b: &'a [u8],
    at: usize,
    dc: &mut [Option<HuffmanSpec<'a>>; 4],
    ac: &mut [Option<HuffmanSpec<'a>>; 4],
) -> Result<(), JpegError> {
    let mut i = 0;
    if b.is_empty() {
        return Err(JpegError::new(JpegErrorKind::BadHuffmanTable, at));
    }
    while i < b.len() {
        let bad = JpegError::new(JpegErrorKind::BadHuffmanTable, at + i);
        let (tc, th) = (b[i] >> 4, usize::from(b[i] & 0x0F));
        if tc > 1 || th > 3 || i + 17 > b.len() {
            return Err(bad);
        }
        let mut counts = [0u8; 16];
        counts.copy_from_slice(&b[i + 1..i + 17]);
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        if total > 256 || i + 17 + total > b.len() || !codes_fit(&counts) {
            return Err(bad);
        }
        let spec = HuffmanSpec {
            counts,
            values: &b[i + 17..i + 17 + total],
        };
        if tc == 0 {
            dc[th] = Some(spec);
        } else {
            ac[th] = Some(spec);
        }
        i += 17 + total;
    }
    Ok(())
}

/// Whether the code-length counts describe a valid JPEG prefix code:
/// Kraft's inequality with the all-ones code of each length reserved
/// (T.81 C.2; libjpeg rejects the same tables).
fn codes_fit(counts: &[u8; 16]) -> bool {
    let mut code: u32 = 0;
    for (len, &n) in counts.iter().enumerate() {
        code += u32::from(n);
        if code >= (1u32 << (len + 1)) {
            return false;
        }
        code <<= 1;
    }
    true
}

fn parse_sos(b: &[u8], at: usize, frame: &FrameHeader) -> Result<ScanHeader, JpegError> {
    let bad = |o: usize| JpegError::new(JpegErrorKind::BadScanHeader, at + o);
    if b.is_empty() {
        return Err(bad(0));
    }
    let n = usize::from(b[0]);
    if n == 0 || n > MAX_COMPONENTS || b.len() != 4 + 2 * n {
        return Err(bad(0));
    }
    let mut components = heapless::Vec::new();
    for i in 0..n {
        let (cs, t) = (b[1 + 2 * i], b[2 + 2 * i]);
        let component = frame.component_index(cs).ok_or(bad(1 + 2 * i))?;
        let (dc_table, ac_table) = (t >> 4, t & 0x0F);
        if dc_table > 3 || ac_table > 3 {
            return Err(bad(2 + 2 * i));
        }
        let _ = components.push(ScanComponent {
            component,
            dc_table,
            ac_table,
        });
    }
    let tail = &b[1 + 2 * n..];
    Ok(ScanHeader {
        components,
        ss: tail[0],
        se: tail[1],
        ah: tail[2] >> 4,
        al: tail[2] & 0x0F,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate alloc;
    use alloc::vec::Vec;

    /// A minimal baseline 16x8 4:2:2 image skeleton (tables not meaningful).
    fn tiny() -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&[0xFF, 0xD8]);
        // DQT table 0, 8-bit
        v.extend_from_slice(&[0xFF, 0xDB, 0x00, 67, 0x00]);
        v.extend(1..=64u8);
        // SOF0: 8-bit, 8 lines, 16 px, 3 comps
        v.extend_from_slice(&[
            0xFF, 0xC0, 0, 17, 8, 0, 8, 0, 16, 3, 1, 0x21, 0, 2, 0x11, 0, 3, 0x11, 0,
        ]);
        // DHT DC0 with one code of length 1 -> symbol 0
        v.extend_from_slice(&[0xFF, 0xC4, 0, 20, 0x00, 1]);
        v.extend_from_slice(&[0; 15]);
        v.push(0);
        // DRI 4
        v.extend_from_slice(&[0xFF, 0xDD, 0, 4, 0, 4]);
        // SOS 3 comps
        v.extend_from_slice(&[0xFF, 0xDA, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);
        // entropy data with stuffing and a restart marker
        v.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        v.extend_from_slice(&[0xFF, 0xD9]);
        v
    }

    #[test]
    fn parses_skeleton() {
        let d = tiny();
        let j = Jpeg::parse(&d).unwrap();
        assert_eq!(j.frame.kind, FrameKind::Baseline);
        assert_eq!((j.frame.width, j.frame.height), (16, 8));
        assert_eq!(j.frame.components.len(), 3);
        assert_eq!((j.frame.components[0].h, j.frame.components[0].v), (2, 1));
        assert_eq!(j.quant_tables[0].as_ref().unwrap().values[63], 64);
        assert!(j.quant_tables[1].is_none());
        assert_eq!(j.dc_tables[0].unwrap().values, &[0]);
        assert_eq!(j.restart_interval, 4);
        assert_eq!(j.scan.components.len(), 3);
        assert_eq!(j.scan.components[1].component, 1);
        assert_eq!(
            j.entropy_data(),
            &[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]
        );
        assert!(j.has_eoi);
        assert_eq!(j.len, d.len());
        assert_eq!(j.scan_count, 1);
    }

    #[test]
    fn every_truncation_is_an_error_or_missing_eoi_never_a_panic() {
        let d = tiny();
        for cut in 0..d.len() {
            match Jpeg::parse(&d[..cut]) {
                Ok(j) => assert!(!j.has_eoi, "cut at {cut}"),
                Err(e) => assert!(e.offset <= cut, "cut at {cut}: {e}"),
            }
        }
    }

    #[test]
    fn rejects_non_jpeg_and_bad_lengths() {
        assert_eq!(
            Jpeg::parse(b"hello").unwrap_err().kind,
            JpegErrorKind::NotJpeg
        );
        let mut d = tiny();
        d[5] = 1; // DQT length 1
        assert_eq!(
            Jpeg::parse(&d).unwrap_err().kind,
            JpegErrorKind::BadSegmentLength
        );
        let mut d = tiny();
        // SOS naming component 9
        let sos = d.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        d[sos + 5] = 9;
        let e = Jpeg::parse(&d).unwrap_err();
        assert_eq!(e.kind, JpegErrorKind::BadScanHeader);
    }

    #[test]
    fn a_zero_quantization_entry_is_refused() {
        let mut d = tiny();
        let dqt = d.windows(2).position(|w| w == [0xFF, 0xDB]).unwrap();
        d[dqt + 5 + 10] = 0;
        let e = Jpeg::parse(&d).unwrap_err();
        assert_eq!(
            (e.kind, e.offset),
            (JpegErrorKind::BadQuantTable, dqt + 5 + 10)
        );
    }

    #[test]
    fn entropy_end_skips_stuffing_and_restarts() {
        let d = [1, 0xFF, 0x00, 2, 0xFF, 0xFF, 0xD3, 3, 0xFF, 0xD9];
        assert_eq!(entropy_data_end(&d, 0), 8);
        assert_eq!(entropy_data_end(&[1, 2, 0xFF], 0), 3);
    }

    #[test]
    fn kraft_check() {
        let mut c = [0u8; 16];
        c[0] = 1;
        assert!(codes_fit(&c));
        c[0] = 2;
        assert!(!codes_fit(&c));
    }
}
