//! Baseline Huffman entropy decoding to DCT coefficients and re-encoding
//! (ITU-T T.81 Annex F.1.2 and F.2.2, code assignment of Annex C).
//!
//! This is the lossless half of the normaliser: [`decode_scan`] turns a
//! sequential, Huffman-coded scan into quantized DCT coefficient blocks,
//! [`decode_image`] does the same for every scan of an image, progressive
//! ones included (T.81 Annex G), and
//! [`encode_scan`] codes blocks again with any Huffman tables (in practice
//! the standard tables of T.81 K.3, the only ones RFC 2435 can carry). No
//! inverse DCT, no requantisation: decoding then encoding a scan with its own
//! tables gives back the same bytes.
//!
//! # Coefficient layout
//!
//! [`ComponentCoefficients::blocks`] holds one component's blocks in raster
//! order over the block grid that the scan codes: for an interleaved scan
//! whole MCUs (`mcus_wide * h` by `mcus_high * v` blocks, T.81 A.2.3); for a
//! scan of one component `ceil(xi / 8)` by `ceil(yi / 8)` blocks, where `xi`,
//! `yi` are that component's dimensions (T.81 A.1.1, A.2.2). Each block is the
//! 64 quantized coefficients in **zig-zag order**, as they are coded (index 0
//! is DC); [`tables::ZIGZAG`] maps to natural order.
//!
//! # Damaged data
//!
//! The decoder tolerates what libjpeg tolerates without inventing data:
//! fill bytes (`FF FF ...`) before markers, a missing EOI, extraneous bytes
//! before a restart marker, and a scan cut short. For a short scan it does
//! what libjpeg's `jdhuff.c` does: the MCU in which the data runs out is
//! decoded as if zero bits followed (should those bits not decode, the rest
//! of that MCU is left at zero), the remaining MCUs up to the next
//! restart marker are left at zero (flat mid-grey), and decoding resumes at
//! the next restart marker; [`DecodedScan::premature_end`] reports where.
//! Misplaced restart markers are resynchronised with libjpeg's
//! `jpeg_resync_to_restart` rules. Data that no valid encoder produces (a
//! code not in the table, coefficients running past the block, a DC value
//! out of range for 8-bit samples) is an error naming its byte offset.

use alloc::vec;
use alloc::vec::Vec;

use alloc::boxed::Box;

use super::markers::{
    FrameHeader, FrameKind, HuffmanSpec, Jpeg, MAX_COMPONENTS, TableClass, entropy_data_end, marker,
};
use super::tables::{self, StandardHuffman};

/// Widest or tallest image [`decode_scan`] accepts, in pixels. Far above what
/// RFC 2435 can carry (2040); it bounds the work a hostile header can ask for.
pub const MAX_DIMENSION: u16 = 8192;

/// Most coefficient memory [`decode_scan`] allocates for one scan (64 MiB,
/// i.e. 524 288 blocks of 128 bytes).
pub const MAX_COEFFICIENT_BYTES: usize = 64 << 20;

/// Most blocks in one MCU of an interleaved scan (T.81 B.2.3: the sum of
/// `Hi * Vi` over the scan's components is at most 10).
pub const MAX_BLOCKS_PER_MCU: usize = 10;

/// Largest DC difference category for 8-bit samples (T.81 F.1.2.1.1, Table F.1).
const MAX_DC_CATEGORY: u8 = 11;
/// Largest AC coefficient size for 8-bit samples (T.81 F.1.2.2, Table F.2).
const MAX_AC_SIZE: u8 = 10;
/// Largest magnitude of a quantized DC value with 8-bit samples: the DCT's
/// DC output lies in -1024..=1016 (T.81 A.3.3) and quantizers are >= 1; the
/// margin up to 2047 keeps every difference within category 11.
const MAX_DC_MAGNITUDE: i32 = 2047;

/// Largest magnitude of a quantized AC value with 8-bit samples (size 10).
const MAX_AC_MAGNITUDE: i32 = 1023;

/// Most scans [`decode_image`] reads in one image. libjpeg's default
/// progressive script has 10 scans; zune-jpeg refuses more than 100 by
/// default. Each scan can cost a pass over every block, so this bounds the
/// work a hostile image can ask for.
pub const MAX_SCANS: usize = 100;

/// Bits resolved by one table look-up in the decoder; longer codes (rare in
/// practice) take the canonical-code walk of T.81 F.2.2.3.
const LOOKAHEAD_BITS: u32 = 9;

/// One component's quantized DCT coefficients.
#[derive(Clone, PartialEq, Eq)]
pub struct ComponentCoefficients {
    /// Horizontal sampling factor (Hi) the component has in its frame; an
    /// interleaved scan codes `h` by `v` blocks of it per MCU.
    pub h: u8,
    /// Vertical sampling factor (Vi).
    pub v: u8,
    /// Width of the block grid.
    pub blocks_wide: usize,
    /// Height of the block grid.
    pub blocks_high: usize,
    /// `blocks_wide * blocks_high` blocks in raster order, each in zig-zag
    /// order, quantized (not multiplied by the quantization table).
    pub blocks: Vec<[i16; 64]>,
}

impl core::fmt::Debug for ComponentCoefficients {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ComponentCoefficients")
            .field("h", &self.h)
            .field("v", &self.v)
            .field("blocks_wide", &self.blocks_wide)
            .field("blocks_high", &self.blocks_high)
            .field("blocks.len()", &self.blocks.len())
            .finish()
    }
}

impl ComponentCoefficients {
    /// A grid of all-zero blocks. Allocates `blocks_wide * blocks_high * 128`
    /// bytes: the caller bounds the size.
    pub fn zeroed(h: u8, v: u8, blocks_wide: usize, blocks_high: usize) -> Self {
        ComponentCoefficients {
            h,
            v,
            blocks_wide,
            blocks_high,
            blocks: vec![[0; 64]; blocks_wide.saturating_mul(blocks_high)],
        }
    }

    /// The block at column `x`, row `y` of the grid, if inside it.
    pub fn block(&self, x: usize, y: usize) -> Option<&[i16; 64]> {
        if x >= self.blocks_wide || y >= self.blocks_high {
            return None;
        }
        self.blocks.get(y * self.blocks_wide + x)
    }

    /// The block at column `x`, row `y`, mutably, if inside the grid.
    pub fn block_mut(&mut self, x: usize, y: usize) -> Option<&mut [i16; 64]> {
        if x >= self.blocks_wide || y >= self.blocks_high {
            return None;
        }
        self.blocks.get_mut(y * self.blocks_wide + x)
    }
}

/// The result of [`decode_scan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedScan {
    /// One entry per scan component, in scan order
    /// (`components[i]` belongs to `jpeg.scan.components[i]`).
    pub components: Vec<ComponentCoefficients>,
    /// MCUs across the scan (blocks across for a one-component scan).
    pub mcus_wide: usize,
    /// MCUs down the scan (blocks down for a one-component scan).
    pub mcus_high: usize,
    /// Byte offset (into the image) where the entropy-coded data first ran
    /// out before the MCUs it had to code, if it did. The missing part was
    /// filled as libjpeg fills it (see the module docs); a caller should log
    /// it as a damaged frame.
    pub premature_end: Option<usize>,
}

/// Why a Huffman table cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HuffmanTableError {
    /// The code counts and the number of symbols disagree.
    #[error("Huffman table has {values} symbols but its code counts add up to {counts}")]
    CountMismatch {
        /// Sum of the 16 code counts.
        counts: usize,
        /// Number of symbols given.
        values: usize,
    },
    /// More than 256 symbols (T.81 B.2.4.2).
    #[error("Huffman table has {0} symbols, more than 256")]
    TooManySymbols(usize),
    /// More codes of some length than fit (T.81 C.2; the all-ones code of
    /// each length is reserved).
    #[error("Huffman code counts overflow the code space")]
    Oversubscribed,
    /// A symbol listed twice: an encoder could not choose its code.
    #[error("symbol {symbol:#04x} appears twice in the Huffman table")]
    DuplicateSymbol {
        /// The repeated symbol.
        symbol: u8,
    },
}

/// Why [`decode_scan`] or [`decode_image`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeScanError {
    /// The frame is not Huffman-coded sequential DCT (progressive, lossless,
    /// arithmetic or hierarchical frames need a full decoder).
    #[error("not a sequential Huffman-coded frame ({0:?})")]
    NotSequential(FrameKind),
    /// Sample precision other than 8 bits.
    #[error("{0}-bit samples are not supported (8-bit only)")]
    Precision(u8),
    /// The scan header's spectral selection or successive approximation is
    /// not valid for the frame (any but 0, 63, 0, 0 in a sequential frame; a
    /// band past 63, a DC band with AC coefficients, an interleaved AC scan
    /// or a bit position past 13 in a progressive one), or names a
    /// component the frame does not have.
    #[error("scan parameters Ss={ss} Se={se} Ah={ah} Al={al} are not valid here")]
    ScanParameters {
        /// Start of spectral selection.
        ss: u8,
        /// End of spectral selection.
        se: u8,
        /// Successive approximation high bit.
        ah: u8,
        /// Successive approximation low bit.
        al: u8,
    },
    /// More scans than [`MAX_SCANS`].
    #[error("more than {MAX_SCANS} scans")]
    TooManyScans,
    /// An interleaved scan with more than 10 blocks per MCU (T.81 B.2.3).
    #[error("{0} blocks per MCU exceed the limit of 10")]
    TooManyBlocksPerMcu(usize),
    /// Wider or taller than [`MAX_DIMENSION`], or more coefficients than
    /// [`MAX_COEFFICIENT_BYTES`].
    #[error("{width}x{height} image is too large to decode to coefficients")]
    TooLarge {
        /// Width in pixels.
        width: u16,
        /// Height in pixels.
        height: u16,
    },
    /// The scan refers to a Huffman table that is not defined (and is not
    /// one of the tables 0/1 that abbreviated MJPEG frames imply).
    #[error("{class:?} Huffman table {id} is not defined")]
    MissingHuffmanTable {
        /// DC or AC.
        class: TableClass,
        /// Table destination.
        id: u8,
    },
    /// A Huffman table that cannot be decoded with.
    #[error("{class:?} Huffman table {id}: {error}")]
    BadHuffmanTable {
        /// DC or AC.
        class: TableClass,
        /// Table destination.
        id: u8,
        /// What is wrong with it.
        error: HuffmanTableError,
    },
    /// The entropy-coded data is corrupt at `offset` (a byte offset into the
    /// image).
    #[error("corrupt entropy-coded data at byte {offset}: {kind}")]
    Corrupt {
        /// What was found.
        kind: CorruptKind,
        /// Byte offset into the image of the byte holding the first bit of
        /// the offending code.
        offset: usize,
    },
}

/// What is wrong in corrupt entropy-coded data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CorruptKind {
    /// A bit sequence that is no code of the Huffman table in use.
    #[error("invalid Huffman code")]
    InvalidCode,
    /// A DC difference category above 11 (impossible with 8-bit samples).
    #[error("DC difference category {0} is out of range")]
    DcCategory(u8),
    /// An AC coefficient size above 10 (impossible with 8-bit samples).
    #[error("AC coefficient size {0} is out of range")]
    AcSize(u8),
    /// A run of zeros that goes past the 64th coefficient.
    #[error("AC coefficients run past the end of the block")]
    BlockOverrun,
    /// A DC value beyond +-2047 (impossible with 8-bit samples).
    #[error("DC value {0} is out of range")]
    DcValue(i32),
    /// A progressive AC value beyond +-1023, or a refinement bit of size
    /// other than 1 (T.81 G.1.2.3).
    #[error("progressive AC value out of range")]
    AcValue,
}

/// Why [`encode_scan`] failed. Nothing is appended to the output then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeScanError {
    /// No components, or more than 4.
    #[error("a scan has 1 to 4 components, not {0}")]
    ComponentCount(usize),
    /// A component's block vector does not match its grid.
    #[error("component {component}: {blocks} blocks for a {blocks_wide}x{blocks_high} grid")]
    BlockCount {
        /// Scan component index.
        component: usize,
        /// Blocks given.
        blocks: usize,
        /// Grid width.
        blocks_wide: usize,
        /// Grid height.
        blocks_high: usize,
    },
    /// Interleaved components whose grids do not form the same whole number
    /// of MCUs, a sampling factor outside 1..=4, or more than 10 blocks per MCU.
    #[error("component grids and sampling factors do not form one MCU grid")]
    Layout,
    /// A coefficient the tables cannot code: a DC difference beyond
    /// category 11 or an AC value beyond size 10, or a symbol missing from a
    /// (non-standard) table.
    #[error("component {component}, block {block}: coefficient {index} cannot be coded")]
    Unencodable {
        /// Scan component index.
        component: usize,
        /// Block index in the component's grid.
        block: usize,
        /// Coefficient index in zig-zag order (0: DC).
        index: usize,
    },
}

/// A Huffman table prepared for decoding.
#[derive(Clone)]
pub struct HuffmanDecoder {
    /// Indexed by the next [`LOOKAHEAD_BITS`] bits: `(length << 8) | symbol`
    /// for codes that short, 0 otherwise.
    lookup: [u16; 1 << LOOKAHEAD_BITS],
    /// Largest code of each length 1..=16 (index 0 unused), -1 when none.
    max_code: [i32; 17],
    /// For each length, index into `values` of its first code minus that code.
    value_offset: [i32; 17],
    values: [u8; 256],
}

impl core::fmt::Debug for HuffmanDecoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HuffmanDecoder")
            .field("max_code", &self.max_code)
            .finish_non_exhaustive()
    }
}

/// Checks counts against values and the code space (T.81 C.2). Returns the
/// number of symbols.
fn check_table(counts: &[u8; 16], values: &[u8]) -> Result<usize, HuffmanTableError> {
    let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
    if total > 256 {
        return Err(HuffmanTableError::TooManySymbols(total));
    }
    if total != values.len() {
        return Err(HuffmanTableError::CountMismatch {
            counts: total,
            values: values.len(),
        });
    }
    let mut code: u32 = 0;
    for (i, &n) in counts.iter().enumerate() {
        code += u32::from(n);
        // After the codes of length i+1, the next code must still fit in
        // i+1 bits without being all ones.
        if code >= (1u32 << (i + 1)) {
            return Err(HuffmanTableError::Oversubscribed);
        }
        code <<= 1;
    }
    Ok(total)
}

impl HuffmanDecoder {
    /// Prepares a table given as DHT carries it: code counts per length
    /// 1..=16 and the symbols in code order.
    pub fn new(counts: &[u8; 16], values: &[u8]) -> Result<Self, HuffmanTableError> {
        check_table(counts, values)?;
        let mut d = HuffmanDecoder {
            lookup: [0; 1 << LOOKAHEAD_BITS],
            max_code: [-1; 17],
            value_offset: [0; 17],
            values: [0; 256],
        };
        d.values[..values.len()].copy_from_slice(values);
        let mut code: u32 = 0;
        let mut k: usize = 0;
        for len in 1..=16u32 {
            let n = usize::from(counts[len as usize - 1]);
            // Both fit in i32: k <= 256 and code < 2^16.
            d.value_offset[len as usize] = k as i32 - code as i32;
            for _ in 0..n {
                if len <= LOOKAHEAD_BITS {
                    let shift = LOOKAHEAD_BITS - len;
                    let first = (code << shift) as usize;
                    let entry = ((len as u16) << 8) | u16::from(values[k]);
                    for slot in &mut d.lookup[first..first + (1 << shift)] {
                        *slot = entry;
                    }
                }
                code += 1;
                k += 1;
            }
            if n > 0 {
                d.max_code[len as usize] = code as i32 - 1;
            }
            code <<= 1;
        }
        Ok(d)
    }

    /// Prepares a table from an image's DHT segment.
    pub fn from_spec(spec: &HuffmanSpec<'_>) -> Result<Self, HuffmanTableError> {
        Self::new(&spec.counts, spec.values)
    }

    /// Prepares one of the standard tables of T.81 K.3.
    pub fn standard(table: &StandardHuffman) -> Self {
        // The four standard tables are valid (see the tests); an invalid
        // hand-made StandardHuffman degrades to a table that decodes nothing.
        Self::new(&table.counts, table.values).unwrap_or(HuffmanDecoder {
            lookup: [0; 1 << LOOKAHEAD_BITS],
            max_code: [-1; 17],
            value_offset: [0; 17],
            values: [0; 256],
        })
    }

    /// Decodes one symbol.
    #[inline]
    fn decode(&self, r: &mut BitReader<'_>) -> Result<u8, CorruptKind> {
        r.fill();
        let peek = r.peek16();
        let entry = self.lookup[usize::from(peek >> (16 - LOOKAHEAD_BITS))];
        if entry != 0 {
            r.consume(u32::from(entry >> 8));
            return Ok(entry as u8);
        }
        for len in (LOOKAHEAD_BITS + 1)..=16 {
            let code = i32::from(peek >> (16 - len));
            if code <= self.max_code[len as usize] {
                r.consume(len);
                let index = self.value_offset[len as usize] + code;
                // index < number of symbols <= 256 by construction.
                return Ok(self.values[index as usize]);
            }
        }
        Err(CorruptKind::InvalidCode)
    }
}

/// A Huffman table prepared for encoding: each symbol's code and length.
#[derive(Clone)]
pub struct HuffmanEncoder {
    codes: [u16; 256],
    /// 0: the symbol has no code.
    lengths: [u8; 256],
}

impl core::fmt::Debug for HuffmanEncoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let n = self.lengths.iter().filter(|&&l| l != 0).count();
        f.debug_struct("HuffmanEncoder")
            .field("symbols", &n)
            .finish_non_exhaustive()
    }
}

impl HuffmanEncoder {
    /// Prepares a table given as DHT carries it (T.81 C.2 code assignment).
    pub fn new(counts: &[u8; 16], values: &[u8]) -> Result<Self, HuffmanTableError> {
        check_table(counts, values)?;
        let mut e = HuffmanEncoder {
            codes: [0; 256],
            lengths: [0; 256],
        };
        let mut code: u16 = 0;
        let mut k = 0;
        for len in 1..=16u8 {
            for _ in 0..counts[usize::from(len) - 1] {
                let symbol = values[k];
                if e.lengths[usize::from(symbol)] != 0 {
                    return Err(HuffmanTableError::DuplicateSymbol { symbol });
                }
                e.codes[usize::from(symbol)] = code;
                e.lengths[usize::from(symbol)] = len;
                // check_table keeps every code below 2^len - 1.
                code += 1;
                k += 1;
            }
            code = code.wrapping_shl(1);
        }
        Ok(e)
    }

    /// Prepares a table from an image's DHT segment.
    pub fn from_spec(spec: &HuffmanSpec<'_>) -> Result<Self, HuffmanTableError> {
        Self::new(&spec.counts, spec.values)
    }

    /// Prepares one of the standard tables of T.81 K.3.
    pub fn standard(table: &StandardHuffman) -> Self {
        // Valid by construction (see the tests); an invalid hand-made
        // StandardHuffman degrades to a table that codes nothing, so
        // encode_scan reports Unencodable instead of writing garbage.
        Self::new(&table.counts, table.values).unwrap_or(HuffmanEncoder {
            codes: [0; 256],
            lengths: [0; 256],
        })
    }

    /// The code and its length in bits for `symbol`, if the table has one.
    pub fn code(&self, symbol: u8) -> Option<(u16, u8)> {
        let len = self.lengths[usize::from(symbol)];
        (len != 0).then(|| (self.codes[usize::from(symbol)], len))
    }
}

/// Reads the bits of entropy-coded data: removes byte stuffing, stops at
/// markers, and supplies zero bits past the end as libjpeg does.
struct BitReader<'a> {
    data: &'a [u8],
    /// Next byte to read.
    pos: usize,
    /// End of the scan's entropy-coded data.
    end: usize,
    /// Valid bits, left-aligned.
    acc: u64,
    bits: u32,
    /// No more data in this restart interval: a marker (or the end) is next.
    at_marker: bool,
    /// Zero bits past the data have been consumed in this interval.
    insufficient: bool,
    /// Where data first ran out.
    premature_end: Option<usize>,
    /// Start of the current interval's data and bits consumed since, to turn
    /// an error position into a byte offset.
    segment_start: usize,
    consumed: u64,
}

impl<'a> BitReader<'a> {
    fn new(data: &'a [u8], start: usize, end: usize) -> Self {
        BitReader {
            data,
            pos: start,
            end,
            acc: 0,
            bits: 0,
            at_marker: false,
            insufficient: false,
            premature_end: None,
            segment_start: start,
            consumed: 0,
        }
    }

    /// Tops the buffer up to at least 57 bits, unless a marker comes first.
    #[inline]
    fn fill(&mut self) {
        while self.bits <= 56 && !self.at_marker {
            let Some(&b) = self.data.get(self.pos).filter(|_| self.pos < self.end) else {
                self.at_marker = true;
                break;
            };
            if b != 0xFF {
                self.pos += 1;
                self.push(b);
                continue;
            }
            // 0xFF: stuffed data byte (FF 00), fill bytes, or a marker.
            let mut j = self.pos + 1;
            while j < self.end && self.data[j] == 0xFF {
                j += 1;
            }
            if j < self.end && self.data[j] == 0x00 {
                self.pos = j + 1;
                self.push(0xFF);
            } else {
                // A marker (or a dangling FF at the end): stop before it.
                self.at_marker = true;
            }
        }
    }

    #[inline]
    fn push(&mut self, b: u8) {
        self.acc |= u64::from(b) << (56 - self.bits);
        self.bits += 8;
    }

    /// The next 16 bits, zero-padded past the data.
    #[inline]
    fn peek16(&self) -> u16 {
        (self.acc >> 48) as u16
    }

    /// Drops `n <= 16` bits; bits past the data count as zeros and mark the
    /// interval as short of data.
    #[inline]
    fn consume(&mut self, n: u32) {
        if n > self.bits {
            self.mark_insufficient();
            self.bits = 0;
        } else {
            self.bits -= n;
        }
        self.acc <<= n;
        self.consumed += u64::from(n);
    }

    /// Whether the bits just decoded may have run past the data (so a
    /// decoding error there is the truncation's doing).
    fn exhausted(&self) -> bool {
        self.insufficient || (self.at_marker && self.bits < 16)
    }

    fn mark_insufficient(&mut self) {
        if !self.insufficient {
            self.insufficient = true;
            if self.premature_end.is_none() {
                self.premature_end = Some(self.pos);
            }
        }
    }

    /// Reads `n <= 16` raw bits as an unsigned number.
    #[inline]
    fn bits(&mut self, n: u8) -> u16 {
        if n == 0 {
            return 0;
        }
        if self.bits < u32::from(n) {
            self.fill();
        }
        let v = (self.acc >> (64 - u32::from(n))) as u16;
        self.consume(u32::from(n));
        v
    }

    /// Reads an `n`-bit magnitude and sign-extends it (T.81 F.2.2.1 EXTEND).
    #[inline]
    fn receive_extend(&mut self, n: u8) -> i32 {
        let v = i32::from(self.bits(n));
        if n > 0 && v < (1 << (n - 1)) {
            v - (1 << n) + 1
        } else {
            v
        }
    }

    /// The byte offset of the next unconsumed bit, found by walking the
    /// current interval's data again (only on errors).
    fn offset_of_next_bit(&self) -> usize {
        let mut bytes = self.consumed / 8;
        let mut i = self.segment_start;
        while i < self.end {
            let at = i;
            if self.data[i] == 0xFF {
                let mut j = i + 1;
                while j < self.end && self.data[j] == 0xFF {
                    j += 1;
                }
                if j < self.end && self.data[j] == 0x00 {
                    i = j + 1;
                } else {
                    return at;
                }
            } else {
                i += 1;
            }
            if bytes == 0 {
                return at;
            }
            bytes -= 1;
        }
        self.end
    }

    /// Handles the restart marker due before the next interval
    /// (libjpeg `process_restart`, `read_restart_marker` and
    /// `jpeg_resync_to_restart`): drops leftover bits and bytes, then
    /// - the expected RSTn: consumed, decoding resumes after it;
    /// - one of the next two RSTn (the expected one was lost): left in
    ///   place, so this interval has no data and stays zero;
    /// - one of the two previous RSTn: skipped with its data, look further;
    /// - any other RSTn: consumed, decoding resumes after it;
    /// - the end of the scan: nothing left, the interval stays zero.
    fn restart(&mut self, expected: u8) {
        self.acc = 0;
        self.bits = 0;
        let mut from = self.pos;
        loop {
            let Some((marker_at, n)) = next_rst(self.data, from, self.end) else {
                self.pos = self.end;
                self.at_marker = true;
                break;
            };
            let resume = |r: &mut Self| {
                r.pos = marker_at + 2;
                r.at_marker = false;
                r.insufficient = false;
            };
            match n.wrapping_sub(expected) & 7 {
                0 => {
                    resume(self);
                    break;
                }
                1 | 2 => {
                    self.pos = marker_at;
                    self.at_marker = true;
                    break;
                }
                6 | 7 => from = marker_at + 2,
                _ => {
                    resume(self);
                    break;
                }
            }
        }
        self.segment_start = self.pos;
        self.consumed = 0;
    }
}

/// The next marker at or after `from` within `data[..end]`: its offset (of
/// the `FF` just before the code, after any fill bytes) and its RST number;
/// `None` at the end of the data or at any marker that is not RSTn.
fn next_rst(data: &[u8], from: usize, end: usize) -> Option<(usize, u8)> {
    let mut i = from;
    while i < end {
        if data[i] != 0xFF {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < end && data[j] == 0xFF {
            j += 1;
        }
        if j >= end {
            return None;
        }
        match data[j] {
            0x00 => i = j + 1,
            m @ 0xD0..=0xD7 => return Some((j - 1, m - 0xD0)),
            _ => return None,
        }
    }
    None
}

/// Where one scan component's blocks go, while decoding or encoding.
struct ScanSlot {
    h: usize,
    v: usize,
    blocks_wide: usize,
}

/// Decodes the first scan of `jpeg` (T.81 F.2.2) into quantized coefficients.
///
/// Call it on a parsed image whose frame is baseline or extended sequential
/// with 8-bit samples; the scan may be interleaved or hold one component.
/// Huffman tables 0 and 1 that the image does not define are taken to be the
/// standard luma (0) and chroma (1) tables, as for abbreviated MJPEG frames.
/// Allocates the coefficients once, bounded by [`MAX_COEFFICIENT_BYTES`];
/// the work is bounded by the number of MCUs whatever the data holds.
pub fn decode_scan(jpeg: &Jpeg<'_>) -> Result<DecodedScan, DecodeScanError> {
    let frame = &jpeg.frame;
    match frame.kind {
        FrameKind::Baseline | FrameKind::ExtendedSequential => {}
        other => return Err(DecodeScanError::NotSequential(other)),
    }
    if frame.precision != 8 {
        return Err(DecodeScanError::Precision(frame.precision));
    }
    let scan = &jpeg.scan;
    if scan.ss != 0 || scan.se != 63 || scan.ah != 0 || scan.al != 0 {
        return Err(DecodeScanError::ScanParameters {
            ss: scan.ss,
            se: scan.se,
            ah: scan.ah,
            al: scan.al,
        });
    }
    let too_large = DecodeScanError::TooLarge {
        width: frame.width,
        height: frame.height,
    };
    if frame.width > MAX_DIMENSION || frame.height > MAX_DIMENSION {
        return Err(too_large);
    }
    let (width, height) = (usize::from(frame.width), usize::from(frame.height));
    let (h_max, v_max) = (usize::from(frame.max_h()), usize::from(frame.max_v()));
    let interleaved = scan.components.len() > 1;

    let mut slots: heapless::Vec<ScanSlot, MAX_COMPONENTS> = heapless::Vec::new();
    let mut components = Vec::with_capacity(scan.components.len());
    let (mcus_wide, mcus_high);
    if interleaved {
        mcus_wide = width.div_ceil(8 * h_max);
        mcus_high = height.div_ceil(8 * v_max);
        let per_mcu: usize = scan
            .components
            .iter()
            .map(|sc| {
                let c = &frame.components[sc.component];
                usize::from(c.h) * usize::from(c.v)
            })
            .sum();
        if per_mcu > MAX_BLOCKS_PER_MCU {
            return Err(DecodeScanError::TooManyBlocksPerMcu(per_mcu));
        }
        if mcus_wide
            .saturating_mul(mcus_high)
            .saturating_mul(per_mcu)
            .saturating_mul(128)
            > MAX_COEFFICIENT_BYTES
        {
            return Err(too_large);
        }
    } else {
        // T.81 A.1.1 and A.2.2: a one-component scan codes the component's
        // own block grid, one block per MCU.
        let c = &frame.components[scan.components[0].component];
        let xi = (width * usize::from(c.h)).div_ceil(h_max);
        let yi = (height * usize::from(c.v)).div_ceil(v_max);
        mcus_wide = xi.div_ceil(8);
        mcus_high = yi.div_ceil(8);
        if mcus_wide.saturating_mul(mcus_high).saturating_mul(128) > MAX_COEFFICIENT_BYTES {
            return Err(too_large);
        }
    }
    for sc in &scan.components {
        let c = &frame.components[sc.component];
        let (h, v) = if interleaved {
            (usize::from(c.h), usize::from(c.v))
        } else {
            (1, 1)
        };
        let slot = ScanSlot {
            h,
            v,
            blocks_wide: mcus_wide * h,
        };
        components.push(ComponentCoefficients::zeroed(
            c.h,
            c.v,
            mcus_wide * h,
            mcus_high * v,
        ));
        // Capacity is MAX_COMPONENTS, the parser's own limit.
        let _ = slots.push(slot);
    }

    let mut dc: heapless::Vec<HuffmanDecoder, MAX_COMPONENTS> = heapless::Vec::new();
    let mut ac: heapless::Vec<HuffmanDecoder, MAX_COMPONENTS> = heapless::Vec::new();
    for sc in &scan.components {
        let _ = dc.push(decoder_for(jpeg, TableClass::Dc, sc.dc_table)?);
        let _ = ac.push(decoder_for(jpeg, TableClass::Ac, sc.ac_table)?);
    }

    let data = jpeg.data();
    let mut r = BitReader::new(data, jpeg.scan_data.start, jpeg.scan_data.end);
    let restart_interval = usize::from(jpeg.restart_interval);
    let mut restarts_to_go = restart_interval;
    let mut next_restart: u8 = 0;
    let mut pred = [0i32; MAX_COMPONENTS];
    let corrupt = |r: &BitReader<'_>, kind| DecodeScanError::Corrupt {
        kind,
        offset: r.offset_of_next_bit(),
    };

    for my in 0..mcus_high {
        for mx in 0..mcus_wide {
            if restart_interval != 0 {
                if restarts_to_go == 0 {
                    r.restart(next_restart);
                    next_restart = (next_restart + 1) & 7;
                    pred = [0; MAX_COMPONENTS];
                    restarts_to_go = restart_interval;
                }
                restarts_to_go -= 1;
            }
            if r.insufficient {
                // libjpeg leaves the rest of a short interval at zero.
                continue;
            }
            'mcu: for (ci, slot) in slots.iter().enumerate() {
                for by in 0..slot.v {
                    for bx in 0..slot.h {
                        let index = (my * slot.v + by) * slot.blocks_wide + mx * slot.h + bx;
                        let block = &mut components[ci].blocks[index];
                        if let Err(kind) =
                            decode_block(&mut r, &dc[ci], &ac[ci], &mut pred[ci], block)
                        {
                            if !r.exhausted() {
                                return Err(corrupt(&r, kind));
                            }
                            // The "error" lies in the zero bits that stand in
                            // for missing data: a truncation, not corruption.
                            // libjpeg conceals it; we stop this MCU here and
                            // leave the rest of the interval at zero.
                            r.mark_insufficient();
                            break 'mcu;
                        }
                    }
                }
            }
        }
    }

    Ok(DecodedScan {
        components,
        mcus_wide,
        mcus_high,
        premature_end: r.premature_end,
    })
}

fn decoder_for(
    jpeg: &Jpeg<'_>,
    class: TableClass,
    id: u8,
) -> Result<HuffmanDecoder, DecodeScanError> {
    let specs = match class {
        TableClass::Dc => &jpeg.dc_tables,
        TableClass::Ac => &jpeg.ac_tables,
    };
    match specs.get(usize::from(id)).copied().flatten() {
        Some(spec) => HuffmanDecoder::from_spec(&spec)
            .map_err(|error| DecodeScanError::BadHuffmanTable { class, id, error }),
        // Abbreviated MJPEG ("AVI1") frames omit DHT and imply the standard
        // tables: 0 for luma, 1 for chroma.
        None => match (class, id) {
            (TableClass::Dc, 0) => Ok(HuffmanDecoder::standard(&tables::LUMA_DC)),
            (TableClass::Dc, 1) => Ok(HuffmanDecoder::standard(&tables::CHROMA_DC)),
            (TableClass::Ac, 0) => Ok(HuffmanDecoder::standard(&tables::LUMA_AC)),
            (TableClass::Ac, 1) => Ok(HuffmanDecoder::standard(&tables::CHROMA_AC)),
            _ => Err(DecodeScanError::MissingHuffmanTable { class, id }),
        },
    }
}

/// Decodes one block (T.81 F.2.2.1 and F.2.2.2) into `block` (zig-zag order).
#[inline]
fn decode_block(
    r: &mut BitReader<'_>,
    dc: &HuffmanDecoder,
    ac: &HuffmanDecoder,
    pred: &mut i32,
    block: &mut [i16; 64],
) -> Result<(), CorruptKind> {
    let t = dc.decode(r)?;
    if t > MAX_DC_CATEGORY {
        return Err(CorruptKind::DcCategory(t));
    }
    let value = *pred + r.receive_extend(t);
    if value.abs() > MAX_DC_MAGNITUDE {
        return Err(CorruptKind::DcValue(value));
    }
    *pred = value;
    // |value| <= 2047 fits i16.
    block[0] = value as i16;
    let mut k = 1usize;
    while k < 64 {
        let rs = ac.decode(r)?;
        let (run, size) = (usize::from(rs >> 4), rs & 0x0F);
        if size == 0 {
            if run == 15 {
                // ZRL: sixteen zeros. One that reaches past the block only
                // implies zeros, so, like libjpeg, it just ends the block.
                k += 16;
                continue;
            }
            break; // EOB
        }
        if size > MAX_AC_SIZE {
            return Err(CorruptKind::AcSize(size));
        }
        k += run;
        if k > 63 {
            return Err(CorruptKind::BlockOverrun);
        }
        // |value| < 2^10 fits i16.
        block[k] = r.receive_extend(size) as i16;
        k += 1;
    }
    Ok(())
}

/// The result of [`decode_image`]: the coefficients of every scan of an
/// image, merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedImage {
    /// One entry per frame component, in frame order. With several
    /// components each is on the frame's MCU grid (`mcus_wide * h` by
    /// `mcus_high * v` blocks, T.81 A.2.3); a single component is on its own
    /// `ceil(xi / 8)` by `ceil(yi / 8)` grid (A.2.2). Blocks that no scan
    /// codes (MCU padding of a component only ever coded non-interleaved)
    /// stay zero.
    pub components: Vec<ComponentCoefficients>,
    /// How many scans were decoded.
    pub scans: usize,
    /// As [`DecodedScan::premature_end`], for the first scan that ran short.
    pub premature_end: Option<usize>,
}

/// What one scan codes (T.81 G.1.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Sequential: whole blocks.
    Sequential,
    /// Progressive DC, first scan: DC value shifted left by Al.
    DcFirst,
    /// Progressive DC refinement: one more bit of each DC value.
    DcRefine,
    /// Progressive AC, first scan of band Ss..=Se.
    AcFirst,
    /// Progressive AC refinement of band Ss..=Se.
    AcRefine,
}

/// One component of a scan being decoded by [`decode_image`].
struct ScanPart<'t> {
    component: usize,
    h: usize,
    v: usize,
    dc: &'t HuffmanDecoder,
    ac: &'t HuffmanDecoder,
}

/// Huffman tables in force while walking an image's segments.
struct TableSet {
    dc: [Option<Box<HuffmanDecoder>>; 4],
    ac: [Option<Box<HuffmanDecoder>>; 4],
    standard: [HuffmanDecoder; 4],
}

impl TableSet {
    fn new() -> Self {
        TableSet {
            dc: Default::default(),
            ac: Default::default(),
            standard: [
                HuffmanDecoder::standard(&tables::LUMA_DC),
                HuffmanDecoder::standard(&tables::CHROMA_DC),
                HuffmanDecoder::standard(&tables::LUMA_AC),
                HuffmanDecoder::standard(&tables::CHROMA_AC),
            ],
        }
    }

    /// Loads a DHT segment body (T.81 B.2.4.2).
    fn load(&mut self, body: &[u8]) -> Result<(), DecodeScanError> {
        let mut i = 0;
        while i < body.len() {
            let (tc, th) = (body[i] >> 4, body[i] & 0x0F);
            let class = if tc == 0 {
                TableClass::Dc
            } else {
                TableClass::Ac
            };
            let bad = |error| DecodeScanError::BadHuffmanTable {
                class,
                id: th,
                error,
            };
            let mut counts = [0u8; 16];
            let Some(c) = body.get(i + 1..i + 17) else {
                return Err(bad(HuffmanTableError::CountMismatch {
                    counts: 0,
                    values: 0,
                }));
            };
            counts.copy_from_slice(c);
            let total: usize = counts.iter().map(|&n| usize::from(n)).sum();
            let Some(values) = body.get(i + 17..i + 17 + total) else {
                return Err(bad(HuffmanTableError::CountMismatch {
                    counts: total,
                    values: body.len().saturating_sub(i + 17),
                }));
            };
            if tc > 1 || th > 3 {
                return Err(bad(HuffmanTableError::Oversubscribed));
            }
            let table = Box::new(HuffmanDecoder::new(&counts, values).map_err(bad)?);
            if tc == 0 {
                self.dc[usize::from(th)] = Some(table);
            } else {
                self.ac[usize::from(th)] = Some(table);
            }
            i += 17 + total;
        }
        Ok(())
    }

    /// The table a scan names, or the standard one abbreviated MJPEG
    /// frames imply for destinations 0 and 1.
    fn get(&self, class: TableClass, id: u8) -> Result<&HuffmanDecoder, DecodeScanError> {
        let (defined, standard) = match class {
            TableClass::Dc => (&self.dc, &self.standard[..2]),
            TableClass::Ac => (&self.ac, &self.standard[2..]),
        };
        match defined.get(usize::from(id)) {
            Some(Some(t)) => Ok(t),
            _ => standard
                .get(usize::from(id))
                .ok_or(DecodeScanError::MissingHuffmanTable { class, id }),
        }
    }
}

/// Decodes every scan of `jpeg` into one set of coefficients: a
/// sequential image coded in one scan or several (one per component, say),
/// or a progressive one (T.81 Annex G: spectral selection and successive
/// approximation, end-of-band runs), 8-bit samples, Huffman coding.
///
/// Call it to re-encode such an image as one baseline scan without loss.
/// Walks the image's segments itself, since [`Jpeg`] describes only the
/// first scan, following DHT and DRI segments between scans. Damaged data
/// is handled as in [`decode_scan`]; the work is bounded by [`MAX_SCANS`]
/// passes over at most [`MAX_COEFFICIENT_BYTES`] of coefficients.
pub fn decode_image(jpeg: &Jpeg<'_>) -> Result<DecodedImage, DecodeScanError> {
    let frame = &jpeg.frame;
    let progressive = match frame.kind {
        FrameKind::Baseline | FrameKind::ExtendedSequential => false,
        FrameKind::Progressive => true,
        other => return Err(DecodeScanError::NotSequential(other)),
    };
    if frame.precision != 8 {
        return Err(DecodeScanError::Precision(frame.precision));
    }
    let too_large = DecodeScanError::TooLarge {
        width: frame.width,
        height: frame.height,
    };
    if frame.width > MAX_DIMENSION || frame.height > MAX_DIMENSION {
        return Err(too_large);
    }
    let grid = FrameGrid::new(frame);
    let mut total_blocks = 0usize;
    for index in 0..frame.components.len() {
        let (w, h) = grid.storage(frame, index);
        total_blocks = total_blocks.saturating_add(w.saturating_mul(h));
    }
    if total_blocks.saturating_mul(128) > MAX_COEFFICIENT_BYTES {
        return Err(too_large);
    }
    let mut components: Vec<ComponentCoefficients> = frame
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (w, h) = grid.storage(frame, i);
            ComponentCoefficients::zeroed(c.h, c.v, w, h)
        })
        .collect();

    let data = &jpeg.data()[..jpeg.len.min(jpeg.data().len())];
    let mut tables = TableSet::new();
    let mut restart_interval = 0u16;
    let mut scans = 0usize;
    let mut premature_end = None;
    let mut pos = 2usize;
    // The parser has checked every segment up to EOI; stop quietly at
    // anything else rather than trust it blindly.
    while pos < data.len() && data[pos] == 0xFF {
        let mut m_at = pos + 1;
        while m_at < data.len() && data[m_at] == 0xFF {
            m_at += 1;
        }
        let Some(&m) = data.get(m_at) else { break };
        match m {
            marker::EOI => break,
            marker::SOI | marker::TEM | marker::RST0..=marker::RST7 | 0x00 => {
                pos = m_at + 1;
                continue;
            }
            _ => {}
        }
        let Some(len_bytes) = data.get(m_at + 1..m_at + 3) else {
            break;
        };
        let seg_len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        let (body_start, body_end) = (m_at + 3, m_at + 1 + seg_len);
        if seg_len < 2 || body_end > data.len() {
            break;
        }
        let body = &data[body_start..body_end];
        match m {
            marker::DHT => tables.load(body)?,
            marker::DRI if body.len() == 2 => {
                restart_interval = u16::from_be_bytes([body[0], body[1]]);
            }
            marker::SOS => {
                scans += 1;
                if scans > MAX_SCANS {
                    return Err(DecodeScanError::TooManyScans);
                }
                let end = entropy_data_end(data, body_end);
                let short = decode_image_scan(
                    frame,
                    &grid,
                    progressive,
                    body,
                    &tables,
                    &mut components,
                    BitReader::new(data, body_end, end),
                    restart_interval,
                )?;
                premature_end = premature_end.or(short);
                pos = end;
                continue;
            }
            _ => {}
        }
        pos = body_end;
    }
    Ok(DecodedImage {
        components,
        scans,
        premature_end,
    })
}

/// The frame's MCU grid and each component's block grids.
struct FrameGrid {
    width: usize,
    height: usize,
    h_max: usize,
    v_max: usize,
    mcus_wide: usize,
    mcus_high: usize,
    single: bool,
}

impl FrameGrid {
    fn new(frame: &FrameHeader) -> Self {
        let (width, height) = (usize::from(frame.width), usize::from(frame.height));
        let (h_max, v_max) = (usize::from(frame.max_h()), usize::from(frame.max_v()));
        FrameGrid {
            width,
            height,
            h_max,
            v_max,
            mcus_wide: width.div_ceil(8 * h_max),
            mcus_high: height.div_ceil(8 * v_max),
            single: frame.components.len() == 1,
        }
    }

    /// The blocks a non-interleaved scan of component `index` codes.
    fn own(&self, frame: &FrameHeader, index: usize) -> (usize, usize) {
        let c = &frame.components[index];
        (
            (self.width * usize::from(c.h))
                .div_ceil(self.h_max)
                .div_ceil(8),
            (self.height * usize::from(c.v))
                .div_ceil(self.v_max)
                .div_ceil(8),
        )
    }

    /// The grid component `index` is stored on.
    fn storage(&self, frame: &FrameHeader, index: usize) -> (usize, usize) {
        if self.single {
            self.own(frame, index)
        } else {
            let c = &frame.components[index];
            (
                self.mcus_wide * usize::from(c.h),
                self.mcus_high * usize::from(c.v),
            )
        }
    }
}

/// Decodes one scan of [`decode_image`]; returns where it ran short, if it did.
#[allow(clippy::too_many_arguments)]
fn decode_image_scan(
    frame: &FrameHeader,
    grid: &FrameGrid,
    progressive: bool,
    header: &[u8],
    tables: &TableSet,
    components: &mut [ComponentCoefficients],
    mut r: BitReader<'_>,
    restart_interval: u16,
) -> Result<Option<usize>, DecodeScanError> {
    // T.81 B.2.3: Ns, (Cs, Td/Ta) * Ns, Ss, Se, Ah/Al.
    let ns = usize::from(header.first().copied().unwrap_or(0));
    let tail = header.get(1 + 2 * ns..1 + 2 * ns + 3);
    let (ss, se, ah, al) = match tail {
        Some(t) => (t[0], t[1], t[2] >> 4, t[2] & 0x0F),
        None => (0, 0, 0, 0),
    };
    let bad = DecodeScanError::ScanParameters { ss, se, ah, al };
    if tail.is_none() || ns == 0 || ns > MAX_COMPONENTS {
        return Err(bad);
    }
    let pass = if !progressive {
        if (ss, se, ah, al) != (0, 63, 0, 0) {
            return Err(bad);
        }
        Pass::Sequential
    } else {
        let valid = ah <= 13
            && al <= 13
            && if ss == 0 {
                se == 0
            } else {
                ss <= se && se <= 63 && ns == 1
            };
        if !valid {
            return Err(bad);
        }
        match (ss == 0, ah == 0) {
            (true, true) => Pass::DcFirst,
            (true, false) => Pass::DcRefine,
            (false, true) => Pass::AcFirst,
            (false, false) => Pass::AcRefine,
        }
    };
    let mut parts: heapless::Vec<ScanPart<'_>, MAX_COMPONENTS> = heapless::Vec::new();
    let mut per_mcu = 0;
    for i in 0..ns {
        let (cs, t) = (header[1 + 2 * i], header[2 + 2 * i]);
        let component = frame.component_index(cs).ok_or(bad)?;
        let c = &frame.components[component];
        let (h, v) = if ns > 1 {
            (usize::from(c.h), usize::from(c.v))
        } else {
            (1, 1)
        };
        per_mcu += h * v;
        // Tables a pass does not use need not exist.
        let needs_dc = matches!(pass, Pass::Sequential | Pass::DcFirst);
        let needs_ac = matches!(pass, Pass::Sequential | Pass::AcFirst | Pass::AcRefine);
        let dc = if needs_dc {
            tables.get(TableClass::Dc, t >> 4)?
        } else {
            &tables.standard[0]
        };
        let ac = if needs_ac {
            tables.get(TableClass::Ac, t & 0x0F)?
        } else {
            &tables.standard[2]
        };
        let _ = parts.push(ScanPart {
            component,
            h,
            v,
            dc,
            ac,
        });
    }
    if per_mcu > MAX_BLOCKS_PER_MCU {
        return Err(DecodeScanError::TooManyBlocksPerMcu(per_mcu));
    }
    let (mcus_wide, mcus_high) = if ns > 1 {
        (grid.mcus_wide, grid.mcus_high)
    } else {
        grid.own(frame, parts[0].component)
    };

    let (ss, se) = (usize::from(ss), usize::from(se));
    let restart_interval = usize::from(restart_interval);
    let mut restarts_to_go = restart_interval;
    let mut next_restart: u8 = 0;
    let mut pred = [0i32; MAX_COMPONENTS];
    let mut eobrun = 0u32;
    for my in 0..mcus_high {
        for mx in 0..mcus_wide {
            if restart_interval != 0 {
                if restarts_to_go == 0 {
                    r.restart(next_restart);
                    next_restart = (next_restart + 1) & 7;
                    pred = [0; MAX_COMPONENTS];
                    eobrun = 0;
                    restarts_to_go = restart_interval;
                }
                restarts_to_go -= 1;
            }
            if r.insufficient {
                continue;
            }
            'mcu: for (pi, part) in parts.iter().enumerate() {
                let plane = &mut components[part.component];
                for by in 0..part.v {
                    for bx in 0..part.h {
                        let index = (my * part.v + by) * plane.blocks_wide + mx * part.h + bx;
                        let Some(block) = plane.blocks.get_mut(index) else {
                            continue;
                        };
                        let result = match pass {
                            Pass::Sequential => {
                                decode_block(&mut r, part.dc, part.ac, &mut pred[pi], block)
                            }
                            Pass::DcFirst => dc_first(&mut r, part.dc, &mut pred[pi], block, al),
                            Pass::DcRefine => {
                                dc_refine(&mut r, block, al);
                                Ok(())
                            }
                            Pass::AcFirst => {
                                ac_first(&mut r, part.ac, block, ss, se, al, &mut eobrun)
                            }
                            Pass::AcRefine => {
                                ac_refine(&mut r, part.ac, block, ss, se, al, &mut eobrun)
                            }
                        };
                        if let Err(kind) = result {
                            if !r.exhausted() {
                                return Err(DecodeScanError::Corrupt {
                                    kind,
                                    offset: r.offset_of_next_bit(),
                                });
                            }
                            r.mark_insufficient();
                            break 'mcu;
                        }
                    }
                }
            }
        }
    }
    Ok(r.premature_end)
}

/// First DC scan of a progressive image (T.81 G.1.2.1): the DC difference
/// as in F.2.2.1, the value shifted left by Al.
fn dc_first(
    r: &mut BitReader<'_>,
    dc: &HuffmanDecoder,
    pred: &mut i32,
    block: &mut [i16; 64],
    al: u8,
) -> Result<(), CorruptKind> {
    let t = dc.decode(r)?;
    if t > MAX_DC_CATEGORY {
        return Err(CorruptKind::DcCategory(t));
    }
    let value = *pred + r.receive_extend(t);
    let shifted = value * (1 << al);
    if shifted.abs() > MAX_DC_MAGNITUDE {
        return Err(CorruptKind::DcValue(shifted));
    }
    *pred = value;
    block[0] = shifted as i16;
    Ok(())
}

/// DC refinement (T.81 G.1.2.1): one bit, ORed in at position Al.
fn dc_refine(r: &mut BitReader<'_>, block: &mut [i16; 64], al: u8) {
    if r.bits(1) != 0 {
        // |block[0]| <= 2047 and al <= 13: the result fits i16.
        block[0] = (i32::from(block[0]) | (1 << al)) as i16;
    }
}

/// First AC scan of band `ss..=se` (T.81 G.1.2.2), with end-of-band runs
/// spanning blocks.
fn ac_first(
    r: &mut BitReader<'_>,
    ac: &HuffmanDecoder,
    block: &mut [i16; 64],
    ss: usize,
    se: usize,
    al: u8,
    eobrun: &mut u32,
) -> Result<(), CorruptKind> {
    if *eobrun > 0 {
        *eobrun -= 1;
        return Ok(());
    }
    let mut k = ss;
    while k <= se {
        let rs = ac.decode(r)?;
        let (run, size) = (usize::from(rs >> 4), rs & 0x0F);
        if size == 0 {
            if run == 15 {
                k += 16;
                continue;
            }
            // EOBr: 2^r + r more bits blocks end here, this one included.
            *eobrun = (1u32 << run) + u32::from(r.bits(run as u8)) - 1;
            break;
        }
        if size > MAX_AC_SIZE {
            return Err(CorruptKind::AcSize(size));
        }
        k += run;
        if k > se {
            return Err(CorruptKind::BlockOverrun);
        }
        let value = r.receive_extend(size) * (1 << al);
        if value.abs() > MAX_AC_MAGNITUDE {
            return Err(CorruptKind::AcValue);
        }
        block[k] = value as i16;
        k += 1;
    }
    Ok(())
}

/// Appends a correction bit to a coefficient already nonzero (T.81 G.1.2.3):
/// a 1 raises its magnitude by `1 << Al` unless that bit is already set.
#[inline]
fn refine_nonzero(r: &mut BitReader<'_>, coef: &mut i16, p1: i32) -> Result<(), CorruptKind> {
    if r.bits(1) != 0 && i32::from(*coef) & p1 == 0 {
        let value = i32::from(*coef) + if *coef >= 0 { p1 } else { -p1 };
        if value.abs() > MAX_AC_MAGNITUDE {
            return Err(CorruptKind::AcValue);
        }
        *coef = value as i16;
    }
    Ok(())
}

/// AC refinement of band `ss..=se` (T.81 G.1.2.3), ported from libjpeg's
/// `decode_mcu_AC_refine`: new coefficients of magnitude `1 << Al`, and a
/// correction bit for every coefficient already nonzero that a run or an
/// end-of-band passes.
fn ac_refine(
    r: &mut BitReader<'_>,
    ac: &HuffmanDecoder,
    block: &mut [i16; 64],
    ss: usize,
    se: usize,
    al: u8,
    eobrun: &mut u32,
) -> Result<(), CorruptKind> {
    let p1: i32 = 1 << al;
    let mut k = ss;
    if *eobrun == 0 {
        while k <= se {
            let rs = ac.decode(r)?;
            let mut run = i32::from(rs >> 4);
            let size = rs & 0x0F;
            let mut new_value = 0i32;
            if size != 0 {
                if size != 1 {
                    return Err(CorruptKind::AcValue);
                }
                new_value = if r.bits(1) != 0 { p1 } else { -p1 };
            } else if run != 15 {
                *eobrun = (1u32 << run) + u32::from(r.bits(run as u8));
                break;
            }
            // Skip `run` coefficients still zero, refining the nonzero ones
            // on the way; stop on the zero that takes the new value.
            while k <= se {
                if block[k] != 0 {
                    refine_nonzero(r, &mut block[k], p1)?;
                } else {
                    run -= 1;
                    if run < 0 {
                        break;
                    }
                }
                k += 1;
            }
            if new_value != 0 {
                if k > se {
                    return Err(CorruptKind::BlockOverrun);
                }
                block[k] = new_value as i16;
            }
            k += 1;
        }
    }
    if *eobrun > 0 {
        // In an end-of-band run: refine what is already nonzero.
        while k <= se {
            if block[k] != 0 {
                refine_nonzero(r, &mut block[k], p1)?;
            }
            k += 1;
        }
        *eobrun -= 1;
    }
    Ok(())
}

/// One component to code in [`encode_scan`], with its tables.
#[derive(Debug, Clone, Copy)]
pub struct EncodeComponent<'a> {
    /// The blocks (zig-zag order), on the grid the scan codes.
    pub coefficients: &'a ComponentCoefficients,
    /// DC table.
    pub dc_table: &'a HuffmanEncoder,
    /// AC table.
    pub ac_table: &'a HuffmanEncoder,
}

/// Appends bits to a byte vector with byte stuffing (T.81 F.1.2.3).
struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    bits: u32,
}

impl BitWriter<'_> {
    /// Appends the low `len <= 16` bits of `code`.
    #[inline]
    fn put(&mut self, code: u16, len: u8) {
        let len = u32::from(len);
        let mask = (1u64 << len) - 1;
        self.acc = (self.acc << len) | (u64::from(code) & mask);
        self.bits += len;
        while self.bits >= 8 {
            self.bits -= 8;
            let b = (self.acc >> self.bits) as u8;
            self.out.push(b);
            if b == 0xFF {
                self.out.push(0x00);
            }
        }
    }

    /// Completes the last byte with 1 bits (T.81 F.1.2.3), before a marker.
    fn pad(&mut self) {
        if self.bits > 0 {
            let n = 8 - self.bits as u8;
            self.put((1u16 << n) - 1, n);
        }
        self.acc = 0;
    }
}

/// Number of bits of `|v|` (the category / size SSSS of T.81 F.1.2.1.1).
#[inline]
fn magnitude_bits(v: i32) -> u8 {
    (32 - v.unsigned_abs().leading_zeros()) as u8
}

/// The extra bits after a category code: `v` for positive values, `v - 1`
/// for negative ones, low `size` bits (T.81 F.1.2.1.1).
#[inline]
fn extra_bits(v: i32, size: u8) -> u16 {
    let v = if v < 0 { v - 1 } else { v };
    (v as u32 & ((1u32 << size) - 1)) as u16
}

/// Codes `components` as one scan (T.81 F.1.2) and appends the
/// entropy-coded data to `out`: no SOS header and no EOI, but RSTn markers
/// every `restart_interval` MCUs when it is not 0 (DC predictions reset at
/// each), byte stuffing, and 1-bit padding before each marker and at the end.
///
/// With one component the scan is non-interleaved: its blocks are coded in
/// raster order, one per MCU. With several, every grid must be the same
/// `mcus_wide * h` by `mcus_high * v` whole MCUs. On error nothing is
/// appended.
pub fn encode_scan(
    out: &mut Vec<u8>,
    components: &[EncodeComponent<'_>],
    restart_interval: u16,
) -> Result<(), EncodeScanError> {
    if components.is_empty() || components.len() > MAX_COMPONENTS {
        return Err(EncodeScanError::ComponentCount(components.len()));
    }
    for (i, c) in components.iter().enumerate() {
        let cc = c.coefficients;
        if cc.blocks.len() != cc.blocks_wide.saturating_mul(cc.blocks_high) {
            return Err(EncodeScanError::BlockCount {
                component: i,
                blocks: cc.blocks.len(),
                blocks_wide: cc.blocks_wide,
                blocks_high: cc.blocks_high,
            });
        }
    }
    let mut slots: heapless::Vec<ScanSlot, MAX_COMPONENTS> = heapless::Vec::new();
    let (mcus_wide, mcus_high);
    if components.len() == 1 {
        let cc = components[0].coefficients;
        (mcus_wide, mcus_high) = (cc.blocks_wide, cc.blocks_high);
        let _ = slots.push(ScanSlot {
            h: 1,
            v: 1,
            blocks_wide: cc.blocks_wide,
        });
    } else {
        let first = components[0].coefficients;
        let (h0, v0) = (usize::from(first.h), usize::from(first.v));
        if h0 == 0 || v0 == 0 {
            return Err(EncodeScanError::Layout);
        }
        (mcus_wide, mcus_high) = (first.blocks_wide / h0, first.blocks_high / v0);
        let mut per_mcu = 0;
        for c in components {
            let cc = c.coefficients;
            let (h, v) = (usize::from(cc.h), usize::from(cc.v));
            if !(1..=4).contains(&h)
                || !(1..=4).contains(&v)
                || cc.blocks_wide != mcus_wide * h
                || cc.blocks_high != mcus_high * v
            {
                return Err(EncodeScanError::Layout);
            }
            per_mcu += h * v;
            let _ = slots.push(ScanSlot {
                h,
                v,
                blocks_wide: cc.blocks_wide,
            });
        }
        if per_mcu > MAX_BLOCKS_PER_MCU {
            return Err(EncodeScanError::Layout);
        }
    }

    let start_len = out.len();
    let result = encode_mcus(
        out,
        components,
        &slots,
        mcus_wide,
        mcus_high,
        restart_interval,
    );
    if result.is_err() {
        out.truncate(start_len);
    }
    result
}

fn encode_mcus(
    out: &mut Vec<u8>,
    components: &[EncodeComponent<'_>],
    slots: &[ScanSlot],
    mcus_wide: usize,
    mcus_high: usize,
    restart_interval: u16,
) -> Result<(), EncodeScanError> {
    let mut w = BitWriter {
        out,
        acc: 0,
        bits: 0,
    };
    let restart_interval = usize::from(restart_interval);
    let mut pred = [0i32; MAX_COMPONENTS];
    let mut next_restart: u8 = 0;
    let mut mcu = 0usize;
    for my in 0..mcus_high {
        for mx in 0..mcus_wide {
            if restart_interval != 0 && mcu != 0 && mcu % restart_interval == 0 {
                w.pad();
                w.out.extend_from_slice(&[0xFF, 0xD0 + next_restart]);
                next_restart = (next_restart + 1) & 7;
                pred = [0; MAX_COMPONENTS];
            }
            mcu += 1;
            for (ci, (c, slot)) in components.iter().zip(slots).enumerate() {
                for by in 0..slot.v {
                    for bx in 0..slot.h {
                        let index = (my * slot.v + by) * slot.blocks_wide + mx * slot.h + bx;
                        let block = &c.coefficients.blocks[index];
                        encode_block(&mut w, c.dc_table, c.ac_table, &mut pred[ci], block)
                            .map_err(|k| EncodeScanError::Unencodable {
                                component: ci,
                                block: index,
                                index: k,
                            })?;
                    }
                }
            }
        }
    }
    w.pad();
    Ok(())
}

/// Codes one block; on failure returns the zig-zag index that could not be coded.
#[inline]
fn encode_block(
    w: &mut BitWriter<'_>,
    dc: &HuffmanEncoder,
    ac: &HuffmanEncoder,
    pred: &mut i32,
    block: &[i16; 64],
) -> Result<(), usize> {
    let diff = i32::from(block[0]) - *pred;
    *pred = i32::from(block[0]);
    let t = magnitude_bits(diff);
    if t > MAX_DC_CATEGORY {
        return Err(0);
    }
    let (code, len) = dc.code(t).ok_or(0usize)?;
    w.put(code, len);
    w.put(extra_bits(diff, t), t);

    let mut run = 0u8;
    for (k, &coef) in block.iter().enumerate().skip(1) {
        if coef == 0 {
            run += 1;
            continue;
        }
        let v = i32::from(coef);
        let size = magnitude_bits(v);
        if size > MAX_AC_SIZE {
            return Err(k);
        }
        while run > 15 {
            let (code, len) = ac.code(0xF0).ok_or(k)?;
            w.put(code, len);
            run -= 16;
        }
        let (code, len) = ac.code((run << 4) | size).ok_or(k)?;
        w.put(code, len);
        w.put(extra_bits(v, size), size);
        run = 0;
    }
    if run > 0 {
        let (code, len) = ac.code(0x00).ok_or(64usize)?;
        w.put(code, len);
    }
    Ok(())
}

/// The four standard Huffman tables (T.81 K.3) prepared for encoding.
#[derive(Debug, Clone)]
pub struct StandardEncoders {
    /// Table K.3, luminance DC.
    pub luma_dc: HuffmanEncoder,
    /// Table K.5, luminance AC.
    pub luma_ac: HuffmanEncoder,
    /// Table K.4, chrominance DC.
    pub chroma_dc: HuffmanEncoder,
    /// Table K.6, chrominance AC.
    pub chroma_ac: HuffmanEncoder,
}

impl StandardEncoders {
    /// Prepares the four tables (a few microseconds; build once and reuse
    /// when coding many frames).
    pub fn new() -> Self {
        StandardEncoders {
            luma_dc: HuffmanEncoder::standard(&tables::LUMA_DC),
            luma_ac: HuffmanEncoder::standard(&tables::LUMA_AC),
            chroma_dc: HuffmanEncoder::standard(&tables::CHROMA_DC),
            chroma_ac: HuffmanEncoder::standard(&tables::CHROMA_AC),
        }
    }
}

impl Default for StandardEncoders {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jpeg::markers::Jpeg;
    use std::vec::Vec;

    #[test]
    fn standard_tables_are_valid_for_both_directions() {
        for t in [
            &tables::LUMA_DC,
            &tables::CHROMA_DC,
            &tables::LUMA_AC,
            &tables::CHROMA_AC,
        ] {
            assert!(HuffmanDecoder::new(&t.counts, t.values).is_ok());
            let e = HuffmanEncoder::new(&t.counts, t.values).unwrap();
            for &s in t.values {
                assert!(e.code(s).is_some());
            }
        }
        // K.3: luma DC category 0 is "00", category 11 is "111111110".
        let e = HuffmanEncoder::standard(&tables::LUMA_DC);
        assert_eq!(e.code(0), Some((0b00, 2)));
        assert_eq!(e.code(11), Some((0b1_1111_1110, 9)));
        // K.5: luma AC EOB is "1010", ZRL is "11111111001".
        let e = HuffmanEncoder::standard(&tables::LUMA_AC);
        assert_eq!(e.code(0x00), Some((0b1010, 4)));
        assert_eq!(e.code(0xF0), Some((0b111_1111_1001, 11)));
    }

    #[test]
    fn table_errors() {
        let mut counts = [0u8; 16];
        counts[0] = 2;
        assert_eq!(
            HuffmanDecoder::new(&counts, &[1, 2]).unwrap_err(),
            HuffmanTableError::Oversubscribed
        );
        counts[0] = 1;
        assert_eq!(
            HuffmanDecoder::new(&counts, &[1, 2]).unwrap_err(),
            HuffmanTableError::CountMismatch {
                counts: 1,
                values: 2
            }
        );
        counts[1] = 1;
        assert!(HuffmanDecoder::new(&counts, &[7, 7]).is_ok());
        // Kraft allows thousands of 16-bit codes; DHT allows 256 symbols.
        let mut many = [0u8; 16];
        many[15] = 255;
        many[14] = 255;
        assert_eq!(
            HuffmanDecoder::new(&many, &[0; 510]).unwrap_err(),
            HuffmanTableError::TooManySymbols(510)
        );
        assert_eq!(
            HuffmanEncoder::new(&counts, &[7, 7]).unwrap_err(),
            HuffmanTableError::DuplicateSymbol { symbol: 7 }
        );
    }

    fn writer_bits(f: impl FnOnce(&mut BitWriter<'_>)) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = BitWriter {
            out: &mut out,
            acc: 0,
            bits: 0,
        };
        f(&mut w);
        w.pad();
        out
    }

    #[test]
    fn writer_stuffs_and_pads_with_ones() {
        assert_eq!(writer_bits(|w| w.put(0xFF, 8)), [0xFF, 0x00]);
        assert_eq!(writer_bits(|w| w.put(0b101, 3)), [0b1011_1111]);
        assert_eq!(
            writer_bits(|w| {
                w.put(0x7F, 7);
                w.put(0x1, 1);
                w.put(0x0, 1);
            }),
            [0xFF, 0x00, 0x7F]
        );
    }

    #[test]
    fn extend_and_extra_bits_are_inverse() {
        for v in -2047i32..=2047 {
            let size = magnitude_bits(v);
            let bits = extra_bits(v, size);
            let data = writer_bits(|w| w.put(bits, size));
            let mut r = BitReader::new(&data, 0, data.len());
            assert_eq!(r.receive_extend(size), v, "value {v}");
        }
    }

    #[test]
    fn every_code_of_a_long_table_decodes() {
        // A table with codes of every length 1..=16 exercises both the
        // look-up and the canonical walk.
        let mut counts = [1u8; 16];
        counts[15] = 1;
        let values: Vec<u8> = (0..16).collect();
        let enc = HuffmanEncoder::new(&counts, &values).unwrap();
        let dec = HuffmanDecoder::new(&counts, &values).unwrap();
        let data = writer_bits(|w| {
            for s in 0..16u8 {
                let (c, l) = enc.code(s).unwrap();
                w.put(c, l);
            }
        });
        let mut r = BitReader::new(&data, 0, data.len());
        for s in 0..16u8 {
            assert_eq!(dec.decode(&mut r), Ok(s));
        }
    }

    /// A frame head for tests: baseline, given size and components
    /// `(id, h, v)`, each using tables 0 (first) or 1 (others).
    fn head(width: u16, height: u16, comps: &[(u8, u8, u8)], restart_interval: u16) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        for id in 0..2u8 {
            v.extend_from_slice(&[0xFF, 0xDB, 0, 67, id]);
            v.extend(core::iter::repeat_n(1u8, 64));
        }
        let n = comps.len() as u8;
        v.extend_from_slice(&[0xFF, 0xC0, 0, 8 + 3 * n, 8]);
        v.extend_from_slice(&height.to_be_bytes());
        v.extend_from_slice(&width.to_be_bytes());
        v.push(n);
        for (i, &(id, h, vv)) in comps.iter().enumerate() {
            v.extend_from_slice(&[id, (h << 4) | vv, u8::from(i > 0)]);
        }
        for (class_id, t) in [
            (0x00, &tables::LUMA_DC),
            (0x10, &tables::LUMA_AC),
            (0x01, &tables::CHROMA_DC),
            (0x11, &tables::CHROMA_AC),
        ] {
            v.extend_from_slice(&[0xFF, 0xC4]);
            v.extend_from_slice(&((19 + t.values.len()) as u16).to_be_bytes());
            v.push(class_id);
            v.extend_from_slice(&t.counts);
            v.extend_from_slice(t.values);
        }
        if restart_interval != 0 {
            v.extend_from_slice(&[0xFF, 0xDD, 0, 4]);
            v.extend_from_slice(&restart_interval.to_be_bytes());
        }
        v.extend_from_slice(&[0xFF, 0xDA, 0, 6 + 2 * n, n]);
        for (i, &(id, _, _)) in comps.iter().enumerate() {
            v.extend_from_slice(&[id, if i == 0 { 0x00 } else { 0x11 }]);
        }
        v.extend_from_slice(&[0, 63, 0]);
        v
    }

    /// Deterministic pseudo-random blocks with realistic sparsity.
    fn fill(cc: &mut ComponentCoefficients, seed: u32) {
        let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for b in &mut cc.blocks {
            b[0] = ((next() % 2001) as i32 - 1000) as i16;
            for (k, coefficient) in b.iter_mut().enumerate().skip(1) {
                if next() % (k as u32 + 2) == 0 {
                    *coefficient = ((next() % 401) as i32 - 200) as i16;
                }
            }
        }
    }

    fn encode_image(
        width: u16,
        height: u16,
        comps: &[(u8, u8, u8)],
        restart_interval: u16,
        coefs: &[ComponentCoefficients],
    ) -> Vec<u8> {
        let std_tables = StandardEncoders::new();
        let mut img = head(width, height, comps, restart_interval);
        let ec: Vec<EncodeComponent<'_>> = coefs
            .iter()
            .enumerate()
            .map(|(i, c)| EncodeComponent {
                coefficients: c,
                dc_table: if i == 0 {
                    &std_tables.luma_dc
                } else {
                    &std_tables.chroma_dc
                },
                ac_table: if i == 0 {
                    &std_tables.luma_ac
                } else {
                    &std_tables.chroma_ac
                },
            })
            .collect();
        encode_scan(&mut img, &ec, restart_interval).unwrap();
        img.extend_from_slice(&[0xFF, 0xD9]);
        img
    }

    fn layout(width: u16, height: u16, comps: &[(u8, u8, u8)]) -> Vec<ComponentCoefficients> {
        let h_max = comps.iter().map(|c| c.1).max().unwrap() as usize;
        let v_max = comps.iter().map(|c| c.2).max().unwrap() as usize;
        let mw = (width as usize).div_ceil(8 * h_max);
        let mh = (height as usize).div_ceil(8 * v_max);
        comps
            .iter()
            .enumerate()
            .map(|(i, &(_, h, v))| {
                let (bw, bh) = if comps.len() == 1 {
                    ((width as usize).div_ceil(8), (height as usize).div_ceil(8))
                } else {
                    (mw * h as usize, mh * v as usize)
                };
                let mut c = ComponentCoefficients::zeroed(h, v, bw, bh);
                fill(&mut c, i as u32 + width as u32);
                c
            })
            .collect()
    }

    #[test]
    fn round_trip_layouts_and_restarts() {
        type Case = (u16, u16, &'static [(u8, u8, u8)], u16);
        let cases: &[Case] = &[
            (48, 24, &[(1, 2, 1), (2, 1, 1), (3, 1, 1)], 0),
            (50, 30, &[(1, 2, 2), (2, 1, 1), (3, 1, 1)], 1),
            (33, 17, &[(1, 2, 2), (2, 1, 2), (3, 1, 2)], 3),
            (31, 9, &[(1, 1, 1)], 2),
            (70, 41, &[(1, 4, 1), (2, 2, 1), (3, 2, 1)], 0),
            (64, 64, &[(1, 1, 1), (2, 1, 1), (3, 1, 1), (4, 1, 1)], 5),
        ];
        for &(w, h, comps, ri) in cases {
            let coefs = layout(w, h, comps);
            let img = encode_image(w, h, comps, ri, &coefs);
            let j = Jpeg::parse(&img).unwrap();
            let d = decode_scan(&j).unwrap();
            assert_eq!(d.premature_end, None);
            assert_eq!(d.components, coefs, "{w}x{h} {comps:?} ri {ri}");
            if ri != 0 {
                let mcus = d.mcus_wide * d.mcus_high;
                let rst = j
                    .entropy_data()
                    .windows(2)
                    .filter(|p| p[0] == 0xFF && (0xD0..=0xD7).contains(&p[1]))
                    .count();
                assert_eq!(rst, (mcus - 1) / ri as usize);
            }
        }
    }

    #[test]
    fn one_component_scan_codes_its_own_grid() {
        // 2x2-declared single component: still ceil(w/8) x ceil(h/8) blocks.
        let comps = [(1, 2, 2)];
        let mut c = ComponentCoefficients::zeroed(2, 2, 3, 2);
        fill(&mut c, 9);
        let img = encode_image(17, 9, &comps, 0, core::slice::from_ref(&c));
        let d = decode_scan(&Jpeg::parse(&img).unwrap()).unwrap();
        assert_eq!((d.mcus_wide, d.mcus_high), (3, 2));
        assert_eq!(d.components[0], c);
    }

    /// 4 MCUs of a 64x8 4:2:2 image with restart interval 1.
    fn restart_image() -> (Vec<u8>, Vec<ComponentCoefficients>) {
        let comps = [(1, 2, 1), (2, 1, 1), (3, 1, 1)];
        let coefs = layout(64, 8, &comps);
        (encode_image(64, 8, &comps, 1, &coefs), coefs)
    }

    fn rst_positions(img: &[u8]) -> Vec<usize> {
        let j = Jpeg::parse(img).unwrap();
        (j.scan_data.start..j.scan_data.end - 1)
            .filter(|&i| img[i] == 0xFF && (0xD0..=0xD7).contains(&img[i + 1]))
            .collect()
    }

    fn mcu_blocks(c: &[ComponentCoefficients], mcu: usize) -> [[i16; 64]; 4] {
        [
            c[0].blocks[2 * mcu],
            c[0].blocks[2 * mcu + 1],
            c[1].blocks[mcu],
            c[2].blocks[mcu],
        ]
    }

    #[test]
    fn truncated_interval_is_zero_filled_and_resumes_at_next_restart() {
        let (img, coefs) = restart_image();
        let rst = rst_positions(&img);
        // Cut the second interval (MCU 1) to its first byte.
        let mut damaged = img[..rst[0] + 3].to_vec();
        damaged.extend_from_slice(&img[rst[1]..]);
        let j = Jpeg::parse(&damaged).unwrap();
        let d = decode_scan(&j).unwrap();
        assert_eq!(d.premature_end, Some(rst[0] + 3));
        assert_eq!(mcu_blocks(&d.components, 0), mcu_blocks(&coefs, 0));
        assert_ne!(mcu_blocks(&d.components, 1), mcu_blocks(&coefs, 1));
        assert_eq!(mcu_blocks(&d.components, 2), mcu_blocks(&coefs, 2));
        assert_eq!(mcu_blocks(&d.components, 3), mcu_blocks(&coefs, 3));
    }

    #[test]
    fn lost_restart_marker_leaves_one_interval_empty_like_libjpeg() {
        let (img, coefs) = restart_image();
        let rst = rst_positions(&img);
        // Drop RST1 and the interval after it: the decoder sees RST2 where
        // RST1 is expected, leaves it unread, and MCU 2 gets zero bits.
        let mut damaged = img[..rst[1]].to_vec();
        damaged.extend_from_slice(&img[rst[2]..]);
        let d = decode_scan(&Jpeg::parse(&damaged).unwrap()).unwrap();
        assert_eq!(mcu_blocks(&d.components, 1), mcu_blocks(&coefs, 1));
        assert!(d.premature_end.is_some());
        assert_eq!(mcu_blocks(&d.components, 3), mcu_blocks(&coefs, 3));
    }

    #[test]
    fn fill_bytes_and_extraneous_bytes_before_restart_are_skipped() {
        let (img, coefs) = restart_image();
        let rst = rst_positions(&img);
        let mut padded = img[..rst[0]].to_vec();
        padded.extend_from_slice(&[0x12, 0x34, 0xFF, 0xFF, 0xFF]);
        padded.extend_from_slice(&img[rst[0]..]);
        let d = decode_scan(&Jpeg::parse(&padded).unwrap()).unwrap();
        assert_eq!(d.premature_end, None);
        assert_eq!(d.components, coefs);
    }

    #[test]
    fn corrupt_code_is_an_error_with_offset() {
        // Luma DC table: "111111111" is no code.
        let comps = [(1, 1, 1)];
        let mut img = head(8, 8, &comps, 0);
        let at = img.len();
        img.extend_from_slice(&[0xFF, 0x00, 0xFF, 0x00, 0xFF, 0xD9]);
        let e = decode_scan(&Jpeg::parse(&img).unwrap()).unwrap_err();
        assert_eq!(
            e,
            DecodeScanError::Corrupt {
                kind: CorruptKind::InvalidCode,
                offset: at
            }
        );
    }

    #[test]
    fn encoder_rejects_what_tables_cannot_code_and_bad_layouts() {
        let t = StandardEncoders::new();
        let mut c = ComponentCoefficients::zeroed(1, 1, 1, 1);
        c.blocks[0][5] = 1024;
        let mut out = vec![1, 2, 3];
        let e = encode_scan(
            &mut out,
            &[EncodeComponent {
                coefficients: &c,
                dc_table: &t.luma_dc,
                ac_table: &t.luma_ac,
            }],
            0,
        );
        assert_eq!(
            e,
            Err(EncodeScanError::Unencodable {
                component: 0,
                block: 0,
                index: 5
            })
        );
        assert_eq!(out, [1, 2, 3]);
        let y = ComponentCoefficients::zeroed(2, 1, 4, 1);
        let bad = ComponentCoefficients::zeroed(1, 1, 3, 1);
        let comp = |c| EncodeComponent {
            coefficients: c,
            dc_table: &t.luma_dc,
            ac_table: &t.luma_ac,
        };
        assert_eq!(
            encode_scan(&mut out, &[comp(&y), comp(&bad)], 0),
            Err(EncodeScanError::Layout)
        );
        assert_eq!(
            encode_scan(&mut out, &[], 0),
            Err(EncodeScanError::ComponentCount(0))
        );
    }
}
