//! The RTP/JPEG payload headers (RFC 2435 Section 3.1) as a borrowed view,
//! [`JpegPayload`], and a plain description, [`PayloadHeader`].
//!
//! Every RTP/JPEG payload starts with the 8-byte main JPEG header
//! (Section 3.1). Types 64..=127 add the 4-byte restart marker header
//! (Section 3.1.7). A payload whose Q is 128..=255 and whose fragment offset
//! is 0 (the first packet of a frame) adds the quantization table header
//! (Section 3.1.8) and its table data. The JPEG entropy-coded data follows.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | Type-specific |              Fragment Offset                  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |      Type     |       Q       |     Width     |     Height    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |       Restart Interval        |F|L|       Restart Count       |  types 64..=127
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |      MBZ      |   Precision   |             Length            |  Q >= 128, offset 0
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Quantization Table Data                    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use alloc::vec::Vec;

/// Length of the main JPEG header (RFC 2435 Section 3.1).
pub const MAIN_HEADER_LEN: usize = 8;
/// Length of the restart marker header (RFC 2435 Section 3.1.7).
pub const RESTART_HEADER_LEN: usize = 4;
/// Length of the quantization table header before its table data
/// (RFC 2435 Section 3.1.8).
pub const QUANT_HEADER_LEN: usize = 4;
/// A fragment's offset plus its length "MUST NOT exceed 2^24 bytes"
/// (RFC 2435 Section 3.1.2): the most entropy-coded data one frame can carry.
pub const MAX_FRAME_DATA_LEN: usize = 1 << 24;
/// The Restart Count that, with F and L both set, says packet boundaries are
/// not aligned with restart intervals, so the receiver must reassemble the
/// whole frame before decoding it (RFC 2435 Section 3.1.7).
pub const RESTART_COUNT_UNALIGNED: u16 = 0x3FFF;

/// A payload whose headers cannot be read.
///
/// RFC 2435 Section 3.1.8 says such a packet "MUST be discarded"; the frame
/// it belonged to is not condemned by it alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The payload ends inside its headers.
    #[error("RTP/JPEG payload of {len} bytes is shorter than its {needed} bytes of headers")]
    Truncated {
        /// Payload length.
        len: usize,
        /// Bytes of headers its fields announce (main, restart, quantization).
        needed: usize,
    },
    /// The quantization table header's Length runs past the payload.
    #[error("quantization table Length {length} exceeds the {available} bytes that follow")]
    QuantTablePastEnd {
        /// The Length field.
        length: u16,
        /// Bytes after the quantization table header.
        available: usize,
    },
    /// Fragment offset plus data length exceeds 2^24 (Section 3.1.2).
    #[error("fragment at offset {fragment_offset} with {len} bytes ends past 2^24")]
    FragmentPastLimit {
        /// The Fragment Offset field.
        fragment_offset: u32,
        /// Bytes of JPEG data in the packet.
        len: usize,
    },
}

/// The restart marker header (RFC 2435 Section 3.1.7), present for types
/// 64..=127.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RestartHeader {
    /// MCUs between restart markers, as in a DRI segment; never 0 in a valid
    /// stream.
    pub restart_interval: u16,
    /// F: this packet holds the first part of a chunk of whole restart
    /// intervals.
    pub first: bool,
    /// L: this packet holds the last part of that chunk.
    pub last: bool,
    /// Index (14 bits) of the chunk's first restart interval in the frame,
    /// or [`RESTART_COUNT_UNALIGNED`].
    pub restart_count: u16,
}

impl RestartHeader {
    /// The header for packets that are not aligned to restart intervals:
    /// F = L = 1, count 0x3FFF (Section 3.1.7).
    pub const fn unaligned(restart_interval: u16) -> Self {
        RestartHeader {
            restart_interval,
            first: true,
            last: true,
            restart_count: RESTART_COUNT_UNALIGNED,
        }
    }

    /// Whether this header says the packets are not aligned with restart
    /// intervals (the receiver can only decode the reassembled frame).
    pub const fn is_unaligned(&self) -> bool {
        self.first && self.last && self.restart_count == RESTART_COUNT_UNALIGNED
    }

    fn parse(b: &[u8]) -> Self {
        let fl = u16::from_be_bytes([b[2], b[3]]);
        RestartHeader {
            restart_interval: u16::from_be_bytes([b[0], b[1]]),
            first: fl & 0x8000 != 0,
            last: fl & 0x4000 != 0,
            restart_count: fl & 0x3FFF,
        }
    }

    fn emit(&self, out: &mut Vec<u8>) {
        let fl = (u16::from(self.first) << 15)
            | (u16::from(self.last) << 14)
            | (self.restart_count & 0x3FFF);
        out.extend_from_slice(&self.restart_interval.to_be_bytes());
        out.extend_from_slice(&fl.to_be_bytes());
    }
}

/// The quantization table header and its data (RFC 2435 Section 3.1.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QuantTableHeader<'a> {
    /// Precision bits: bit 0 set means the first (luma) table has 16-bit
    /// entries (128 bytes), bit 1 the same for the second (chroma) table.
    pub precision: u8,
    /// The table data (its length is the Length field): the tables back to
    /// back, each in zig-zag order as a DQT segment stores it, 16-bit
    /// entries big-endian. Empty means "the tables cached for this Q"
    /// (Section 4.2; not allowed with Q = 255).
    pub data: &'a [u8],
}

/// Whether a payload with this Type carries a restart marker header
/// (types 64..=127, RFC 2435 Section 3.1.7).
pub const fn type_has_restart_header(type_field: u8) -> bool {
    matches!(type_field, 64..=127)
}

/// Whether a payload with this Q and fragment offset carries a quantization
/// table header (Q 128..=255 in the packet at offset 0, Section 3.1.8).
pub const fn has_quant_header(q: u8, fragment_offset: u32) -> bool {
    q >= 128 && fragment_offset == 0
}

/// A read-only view of an RTP/JPEG payload (the RTP packet's payload, after
/// the 12-byte RTP header).
///
/// Build it with [`new_checked`](Self::new_checked) before calling any
/// accessor: the accessors then never read outside the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegPayload<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> JpegPayload<T> {
    /// Wraps `buffer` without checking it; accessors may panic on a short
    /// buffer. Prefer [`new_checked`](Self::new_checked).
    pub const fn new_unchecked(buffer: T) -> Self {
        JpegPayload { buffer }
    }

    /// Wraps `buffer` after checking that every header its fields announce
    /// is present and that the fragment stays below 2^24.
    pub fn new_checked(buffer: T) -> Result<Self, PayloadError> {
        let p = JpegPayload { buffer };
        p.check_len()?;
        Ok(p)
    }

    /// Checks the lengths [`new_checked`](Self::new_checked) checks.
    pub fn check_len(&self) -> Result<(), PayloadError> {
        let b = self.buffer.as_ref();
        if b.len() < MAIN_HEADER_LEN {
            return Err(PayloadError::Truncated {
                len: b.len(),
                needed: MAIN_HEADER_LEN,
            });
        }
        let mut needed = MAIN_HEADER_LEN;
        if type_has_restart_header(self.type_field()) {
            needed += RESTART_HEADER_LEN;
        }
        if has_quant_header(self.q(), self.fragment_offset()) {
            needed += QUANT_HEADER_LEN;
            if b.len() < needed {
                return Err(PayloadError::Truncated {
                    len: b.len(),
                    needed,
                });
            }
            let length = u16::from_be_bytes([b[needed - 2], b[needed - 1]]);
            if usize::from(length) > b.len() - needed {
                return Err(PayloadError::QuantTablePastEnd {
                    length,
                    available: b.len() - needed,
                });
            }
            needed += usize::from(length);
        }
        if b.len() < needed {
            return Err(PayloadError::Truncated {
                len: b.len(),
                needed,
            });
        }
        let len = b.len() - needed;
        let fragment_offset = self.fragment_offset();
        // u32 + usize cannot overflow usize on 32- or 64-bit targets for
        // payloads that fit in memory; compare without adding to be sure.
        if len > MAX_FRAME_DATA_LEN - fragment_offset as usize {
            return Err(PayloadError::FragmentPastLimit {
                fragment_offset,
                len,
            });
        }
        Ok(())
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Type-specific field. For types 0 and 1 (and 64, 65), RFC 2435
    /// Section 4.1 gives it as: 0 progressive frame; 1 odd field and 2 even
    /// field of interlaced video; 3 interlaced video sent as single fields
    /// to be line-doubled.
    pub fn type_specific(&self) -> u8 {
        self.buffer.as_ref()[0]
    }

    /// Fragment Offset: where this packet's data goes in the frame's
    /// entropy-coded data (24 bits).
    pub fn fragment_offset(&self) -> u32 {
        let b = self.buffer.as_ref();
        u32::from_be_bytes([0, b[1], b[2], b[3]])
    }

    /// Type field (0/1, or 64/65 with restart markers).
    pub fn type_field(&self) -> u8 {
        self.buffer.as_ref()[4]
    }

    /// Q field: 1..=99 scaled standard tables, 128..=255 tables in-band.
    pub fn q(&self) -> u8 {
        self.buffer.as_ref()[5]
    }

    /// Width field: image width in 8-pixel blocks.
    pub fn width_blocks(&self) -> u8 {
        self.buffer.as_ref()[6]
    }

    /// Height field: image height in 8-pixel blocks.
    pub fn height_blocks(&self) -> u8 {
        self.buffer.as_ref()[7]
    }

    /// The restart marker header, for types 64..=127.
    pub fn restart_header(&self) -> Option<RestartHeader> {
        if !type_has_restart_header(self.type_field()) {
            return None;
        }
        let b = self.buffer.as_ref();
        Some(RestartHeader::parse(
            &b[MAIN_HEADER_LEN..MAIN_HEADER_LEN + RESTART_HEADER_LEN],
        ))
    }

    fn quant_header_at(&self) -> usize {
        MAIN_HEADER_LEN
            + if type_has_restart_header(self.type_field()) {
                RESTART_HEADER_LEN
            } else {
                0
            }
    }

    /// The quantization table header and its data, for Q >= 128 at
    /// fragment offset 0.
    pub fn quant_header(&self) -> Option<QuantTableHeader<'_>> {
        quant_header_of(self.buffer.as_ref())
    }

    /// Total length of the headers in front of the JPEG data.
    pub fn header_len(&self) -> usize {
        let at = self.quant_header_at();
        match self.quant_header() {
            Some(q) => at + QUANT_HEADER_LEN + q.data.len(),
            None => at,
        }
    }

    /// This packet's fragment of the frame's entropy-coded data.
    pub fn data(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

/// Everything in an RTP/JPEG payload's headers, as plain fields.
///
/// [`parse`](Self::parse) reads it from a checked [`JpegPayload`];
/// [`emit`](Self::emit) writes it in front of a packet's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PayloadHeader<'a> {
    /// Type-specific field (0 for progressive frames).
    pub type_specific: u8,
    /// Offset of this packet's data in the frame's entropy-coded data.
    pub fragment_offset: u32,
    /// Type field: 0/1, or 64/65 when `restart` is present.
    pub type_field: u8,
    /// Q field.
    pub q: u8,
    /// Width in 8-pixel blocks.
    pub width_blocks: u8,
    /// Height in 8-pixel blocks.
    pub height_blocks: u8,
    /// Restart marker header; must be present exactly for types 64..=127.
    pub restart: Option<RestartHeader>,
    /// Quantization table header; must be present exactly for Q >= 128 at
    /// fragment offset 0.
    pub quant: Option<QuantTableHeader<'a>>,
}

impl<'a> PayloadHeader<'a> {
    /// Reads the headers of a checked payload.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(payload: &JpegPayload<&'a T>) -> Self {
        let p = JpegPayload::new_unchecked(payload.buffer.as_ref());
        PayloadHeader {
            type_specific: p.type_specific(),
            fragment_offset: p.fragment_offset(),
            type_field: p.type_field(),
            q: p.q(),
            width_blocks: p.width_blocks(),
            height_blocks: p.height_blocks(),
            restart: p.restart_header(),
            quant: quant_header_of(p.buffer),
        }
    }

    /// Bytes [`emit`](Self::emit) writes.
    pub fn header_len(&self) -> usize {
        MAIN_HEADER_LEN
            + self.restart.map_or(0, |_| RESTART_HEADER_LEN)
            + self.quant.map_or(0, |q| QUANT_HEADER_LEN + q.data.len())
    }

    /// Appends the headers to `out`.
    ///
    /// The caller keeps the fields consistent: `restart` present exactly
    /// for types 64..=127, `quant` exactly for Q >= 128 at offset 0, offset
    /// below 2^24 and table data at most 65535 bytes (the packetizer does).
    /// Inconsistent fields produce a payload receivers misread, never a panic.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let off = self.fragment_offset.to_be_bytes();
        out.extend_from_slice(&[
            self.type_specific,
            off[1],
            off[2],
            off[3],
            self.type_field,
            self.q,
            self.width_blocks,
            self.height_blocks,
        ]);
        if let Some(r) = &self.restart {
            r.emit(out);
        }
        if let Some(q) = &self.quant {
            let length = u16::try_from(q.data.len()).unwrap_or(u16::MAX);
            out.push(0); // MBZ
            out.push(q.precision);
            out.extend_from_slice(&length.to_be_bytes());
            out.extend_from_slice(&q.data[..usize::from(length)]);
        }
    }
}

fn quant_header_of(b: &[u8]) -> Option<QuantTableHeader<'_>> {
    let p = JpegPayload::new_unchecked(b);
    if !has_quant_header(p.q(), p.fragment_offset()) {
        return None;
    }
    let at = p.quant_header_at();
    let length = usize::from(u16::from_be_bytes([b[at + 2], b[at + 3]]));
    let start = at + QUANT_HEADER_LEN;
    Some(QuantTableHeader {
        precision: b[at + 1],
        data: &b[start..start + length],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn round_trip_all_headers() {
        let tables = [7u8; 128];
        let h = PayloadHeader {
            type_specific: 0,
            fragment_offset: 0,
            type_field: 65,
            q: 255,
            width_blocks: 160,
            height_blocks: 90,
            restart: Some(RestartHeader {
                restart_interval: 40,
                first: true,
                last: false,
                restart_count: 12,
            }),
            quant: Some(QuantTableHeader {
                precision: 0,
                data: &tables,
            }),
        };
        let mut out = Vec::new();
        h.emit(&mut out);
        assert_eq!(out.len(), h.header_len());
        assert_eq!(out.len(), 8 + 4 + 4 + 128);
        out.extend_from_slice(&[1, 2, 3]);
        let p = JpegPayload::new_checked(&out[..]).unwrap();
        assert_eq!(PayloadHeader::parse(&p), h);
        assert_eq!(p.data(), &[1, 2, 3]);
        assert_eq!(p.header_len(), h.header_len());
    }

    #[test]
    fn later_fragment_has_no_quant_header() {
        let h = PayloadHeader {
            type_specific: 0,
            fragment_offset: 0x01_02_03,
            type_field: 1,
            q: 200,
            width_blocks: 80,
            height_blocks: 60,
            restart: None,
            quant: None,
        };
        let mut out = Vec::new();
        h.emit(&mut out);
        assert_eq!(&out[..4], &[0, 1, 2, 3]);
        out.push(9);
        let p = JpegPayload::new_checked(&out[..]).unwrap();
        assert_eq!(p.fragment_offset(), 0x01_02_03);
        assert_eq!(p.quant_header(), None);
        assert_eq!(p.data(), &[9]);
    }

    #[test]
    fn rejects_short_and_oversized() {
        assert_eq!(
            JpegPayload::new_checked(&[0u8; 7][..]).unwrap_err(),
            PayloadError::Truncated { len: 7, needed: 8 }
        );
        // Type 64 needs the restart header.
        let p = [0, 0, 0, 0, 64, 50, 1, 1, 0, 1];
        assert_eq!(
            JpegPayload::new_checked(&p[..]).unwrap_err(),
            PayloadError::Truncated {
                len: 10,
                needed: 12
            }
        );
        // Q 255 at offset 0 with a Length past the end.
        let p = [0, 0, 0, 0, 1, 255, 1, 1, 0, 0, 0, 200, 1, 2];
        assert_eq!(
            JpegPayload::new_checked(&p[..]).unwrap_err(),
            PayloadError::QuantTablePastEnd {
                length: 200,
                available: 2
            }
        );
        // Offset 2^24 - 1 with two bytes of data.
        let p = [0, 0xFF, 0xFF, 0xFF, 1, 50, 1, 1, 0xAB, 0xCD];
        assert_eq!(
            JpegPayload::new_checked(&p[..]).unwrap_err(),
            PayloadError::FragmentPastLimit {
                fragment_offset: 0xFF_FFFF,
                len: 2
            }
        );
        // ... but one byte there is fine.
        let p = [0, 0xFF, 0xFF, 0xFF, 1, 50, 1, 1, 0xAB];
        assert!(JpegPayload::new_checked(&p[..]).is_ok());
    }

    #[test]
    fn restart_bits() {
        let r = RestartHeader::unaligned(5);
        let mut out = vec![];
        r.emit(&mut out);
        assert_eq!(out, [0, 5, 0xFF, 0xFF]);
        assert!(RestartHeader::parse(&out).is_unaligned());
        let r = RestartHeader {
            restart_interval: 0x1234,
            first: false,
            last: true,
            restart_count: 0x0ABC,
        };
        let mut out = vec![];
        r.emit(&mut out);
        assert_eq!(out, [0x12, 0x34, 0x4A, 0xBC]);
        assert_eq!(RestartHeader::parse(&out), r);
    }
}
