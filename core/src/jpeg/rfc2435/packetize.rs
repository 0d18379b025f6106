//! The sender side: one JPEG frame in, the RTP payloads of all its packets
//! out, built once and shared by every session that sends the frame.

use alloc::vec::Vec;
use core::ops::Range;

use super::wire::{
    MAIN_HEADER_LEN, MAX_FRAME_DATA_LEN, PayloadHeader, QUANT_HEADER_LEN, QuantTableHeader,
    RESTART_COUNT_UNALIGNED, RESTART_HEADER_LEN, RestartHeader,
};
use crate::jpeg::compat::{Incompatibility, JpegType, rfc2435_layout};
use crate::jpeg::headers::scaled_quant_tables;
use crate::jpeg::markers::{Jpeg, QuantTable, marker};
use crate::jpeg::tables::{CHROMA_QUANT_NATURAL, LUMA_QUANT_NATURAL};

/// Length of the fixed RTP header the sender puts in front of each payload
/// (RFC 3550 Section 5.1, no CSRCs, no extension).
pub const RTP_HEADER_LEN: usize = 12;

/// Default [`PacketizeConfig::mtu`]: 1400 bytes leaves room for IP, UDP and
/// tunnel headers under a 1500-byte Ethernet MTU.
pub const DEFAULT_MTU: usize = 1400;

/// The Q value that means "tables in-band, in every frame, never cached"
/// (RFC 2435 Section 4.2).
pub const Q_IN_BAND: u8 = 255;

/// How a frame's quantization tables reach the receiver (RFC 2435
/// Section 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum QMode {
    /// Q = 255: the tables travel in the quantization table header of the
    /// first packet of every frame, and receivers must not cache them. Works
    /// for any tables; costs 132 to 260 bytes a frame.
    #[default]
    InBand,
    /// Q = 128..=254: the tables travel in the first packet of every frame
    /// as with [`InBand`](Self::InBand), and receivers may cache them under
    /// this Q. A sender cannot know which receivers saw an earlier frame
    /// (they join late, packets get lost), so it still sends them every
    /// frame; use a different Q whenever the tables change.
    Dynamic(u8),
    /// Q = 1..=99: no tables sent; the receiver rebuilds the T.81 Annex K
    /// tables scaled for this quality (RFC 2435 Appendix A). Only for frames
    /// encoded with exactly those tables: [`packetize`] checks, and
    /// [`matching_scaled_q`] finds the Q of a frame.
    Scaled(u8),
}

impl QMode {
    /// The Q field this mode sends, or an error if its value is out of range.
    pub fn q_field(self) -> Result<u8, PacketizeError> {
        match self {
            QMode::InBand => Ok(Q_IN_BAND),
            QMode::Dynamic(q @ 128..=254) => Ok(q),
            QMode::Scaled(q @ 1..=99) => Ok(q),
            QMode::Dynamic(q) | QMode::Scaled(q) => Err(PacketizeError::InvalidQ(q)),
        }
    }
}

/// How to cut frames into packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PacketizeConfig {
    /// Largest whole RTP packet, 12-byte RTP header included (not the IP
    /// or UDP headers). Default [`DEFAULT_MTU`].
    pub mtu: usize,
    /// Which Q to send and so where the tables go. Default [`QMode::InBand`].
    pub q: QMode,
    /// For frames with restart markers (types 64/65): cut packets only at
    /// restart-interval boundaries, so that each packet holds whole restart
    /// intervals or one part of a single interval, with the F/L bits and
    /// Restart Count filled in (RFC 2435 Section 3.1.7). A receiver can then
    /// decode the parts of a frame that arrived. Packets are less full (a
    /// few more per frame). When false, or when the frame has more than
    /// 16382 restart intervals (the 14-bit count cannot number them), every
    /// packet says "not aligned" (F = L = 1, count 0x3FFF) and is filled to
    /// the MTU. Default true.
    pub align_restart_intervals: bool,
}

impl Default for PacketizeConfig {
    fn default() -> Self {
        PacketizeConfig {
            mtu: DEFAULT_MTU,
            q: QMode::InBand,
            align_restart_intervals: true,
        }
    }
}

/// Why a frame could not be packetized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PacketizeError {
    /// RFC 2435 cannot carry this frame as it is (normalise it first, or for
    /// [`Incompatibility::TooLarge`] give up: the header has 8 bits per
    /// dimension).
    #[error("RFC 2435 cannot carry this frame: {0}")]
    Incompatible(Incompatibility),
    /// The MTU cannot hold the RTP header, the payload headers of the first
    /// packet and one byte of data.
    #[error("MTU of {mtu} bytes is too small: RFC 2435 needs at least {min_mtu} for this frame")]
    MtuTooSmall {
        /// The configured MTU.
        mtu: usize,
        /// The smallest MTU that works for this frame and Q mode.
        min_mtu: usize,
    },
    /// The frame's entropy-coded data exceeds the 2^24 bytes the 24-bit
    /// fragment offset can address (RFC 2435 Section 3.1.2).
    #[error("frame has {len} bytes of scan data; RFC 2435 carries at most {max}")]
    FrameTooLarge {
        /// Bytes of entropy-coded data.
        len: usize,
        /// [`MAX_FRAME_DATA_LEN`].
        max: usize,
    },
    /// A [`QMode::Dynamic`] Q outside 128..=254 or a [`QMode::Scaled`] Q
    /// outside 1..=99 (caller misuse).
    #[error("Q {0} is out of range for its mode (dynamic: 128..=254, scaled: 1..=99)")]
    InvalidQ(u8),
    /// [`QMode::Scaled`] with a frame whose tables are not the scaled Annex K
    /// tables for that Q: receivers would decode it with the wrong tables.
    #[error("the frame's quantization tables are not the Annex K tables scaled for Q {0}")]
    TablesNotScaled(u8),
    /// A quantization table of the frame (this DQT destination) has an
    /// entry of 0, which T.81 Table B.4 forbids and RFC 2435 receivers
    /// (ours included) refuse: the frame could never be shown.
    #[error("quantization table {0} has an entry of 0")]
    ZeroQuantEntry(u8),
}

/// The RTP payloads of one frame, stored back to back in one buffer.
///
/// Send payload `i` as packet `i` of the frame, all with the same RTP
/// timestamp (90 kHz clock, RFC 2435 Section 3), consecutive sequence
/// numbers, payload type 26, and the marker bit set exactly on the last one
/// ([`is_last`](Self::is_last)). The payloads do not depend on the session,
/// so one `PacketizedFrame` serves every receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketizedFrame {
    bytes: Vec<u8>,
    /// End of each payload in `bytes`; payload `i` starts where `i - 1` ends.
    ends: Vec<usize>,
    type_field: u8,
    q: u8,
    width_blocks: u8,
    height_blocks: u8,
    restart_aligned: bool,
}

impl PacketizedFrame {
    /// Number of packets (at least 1).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Always false: every frame has at least one packet.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Byte range of payload `i` within [`as_bytes`](Self::as_bytes).
    ///
    /// # Panics
    /// If `i >= self.len()`, like slice indexing.
    pub fn payload_range(&self, i: usize) -> Range<usize> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        start..self.ends[i]
    }

    /// The RTP payload of packet `i` (RFC 2435 headers and JPEG data).
    ///
    /// # Panics
    /// If `i >= self.len()`, like slice indexing.
    pub fn payload(&self, i: usize) -> &[u8] {
        &self.bytes[self.payload_range(i)]
    }

    /// The payloads in sending order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + DoubleEndedIterator {
        (0..self.len()).map(move |i| self.payload(i))
    }

    /// Whether packet `i` is the frame's last, the one whose RTP marker bit
    /// must be set (RFC 2435 Section 3: "the last packet of a frame").
    pub fn is_last(&self, i: usize) -> bool {
        i + 1 == self.ends.len()
    }

    /// All payloads back to back (for a sender that shares one buffer).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Total payload bytes of all packets (RTP headers excluded).
    pub fn payload_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// The sampling layout sent.
    pub fn jpeg_type(&self) -> JpegType {
        match self.type_field & 0x3F {
            0 => JpegType::Yuv422,
            _ => JpegType::Yuv420,
        }
    }

    /// The Type field sent: 0/1, or 64/65 with restart markers.
    pub fn type_field(&self) -> u8 {
        self.type_field
    }

    /// The Q field sent.
    pub fn q(&self) -> u8 {
        self.q
    }

    /// Width as receivers see it: the Width field times 8 pixels (the
    /// frame's width rounded up to a multiple of 8).
    pub fn width(&self) -> u16 {
        u16::from(self.width_blocks) * 8
    }

    /// Height as receivers see it, like [`width`](Self::width).
    pub fn height(&self) -> u16 {
        u16::from(self.height_blocks) * 8
    }

    /// Whether packets were cut at restart-interval boundaries with real F/L
    /// bits and Restart Counts (see
    /// [`PacketizeConfig::align_restart_intervals`]); false for frames
    /// without restart markers.
    pub fn restart_aligned(&self) -> bool {
        self.restart_aligned
    }
}

/// The largest Restart Count that numbers an interval; 0x3FFF means "not
/// aligned" (RFC 2435 Section 3.1.7).
const MAX_RESTART_COUNT: usize = RESTART_COUNT_UNALIGNED as usize - 1;

/// Cuts `jpeg` into RTP/JPEG payloads.
///
/// Call once per frame, before sending it to anyone; send the result to
/// every session. The frame must be one [`rfc2435_layout`] accepts (the
/// normaliser makes other frames fit). The data sent is exactly the first
/// scan's entropy-coded data, restart markers included and EOI excluded
/// (receivers append EOI).
pub fn packetize(
    jpeg: &Jpeg<'_>,
    cfg: &PacketizeConfig,
) -> Result<PacketizedFrame, PacketizeError> {
    let layout = rfc2435_layout(jpeg).map_err(PacketizeError::Incompatible)?;
    let data = jpeg.entropy_data();
    if data.len() > MAX_FRAME_DATA_LEN {
        return Err(PacketizeError::FrameTooLarge {
            len: data.len(),
            max: MAX_FRAME_DATA_LEN,
        });
    }
    let table = |id: u8| {
        jpeg.quant_tables[usize::from(id)]
            .as_ref()
            .ok_or(PacketizeError::Incompatible(
                Incompatibility::MissingQuantTable(id),
            ))
    };
    let luma = table(layout.luma_quant_table)?;
    let chroma = table(layout.chroma_quant_table)?;
    for (id, t) in [
        (layout.luma_quant_table, luma),
        (layout.chroma_quant_table, chroma),
    ] {
        if t.values.contains(&0) {
            return Err(PacketizeError::ZeroQuantEntry(id));
        }
    }
    let q = cfg.q.q_field()?;

    // The quantization table header's data: luma table then chroma table,
    // each in zig-zag order exactly as DQT stores it (Section 3.1.8). When
    // Y, Cb and Cr share one DQT table, it is sent twice, once per role.
    let mut table_data = [0u8; 256];
    let mut table_len = 0;
    let mut precision = 0u8;
    if let QMode::Scaled(q) = cfg.q {
        // Both sides in zig-zag order: DQT's and `scaled_quant_tables`'s
        // (which converts T.81 K.1/K.2 from natural order; see the note on
        // RFC 2435 Appendix A's erratum in the depacketizer).
        let (l, c) = scaled_quant_tables(q);
        if luma.values != l || chroma.values != c {
            return Err(PacketizeError::TablesNotScaled(q));
        }
    } else {
        for (bit, t) in [(1u8, luma), (2, chroma)] {
            if t.sixteen_bit {
                precision |= bit;
            }
            table_len += write_table(t, &mut table_data[table_len..]);
        }
    }

    let restart_interval = layout.restart_interval;
    let per_packet = MAIN_HEADER_LEN
        + if restart_interval != 0 {
            RESTART_HEADER_LEN
        } else {
            0
        };
    let first_extra = if q >= 128 {
        QUANT_HEADER_LEN + table_len
    } else {
        0
    };
    let min_mtu = RTP_HEADER_LEN + per_packet + first_extra + 1;
    if cfg.mtu < min_mtu {
        return Err(PacketizeError::MtuTooSmall {
            mtu: cfg.mtu,
            min_mtu,
        });
    }
    let room_rest = cfg.mtu - RTP_HEADER_LEN - per_packet;
    let room_first = room_rest - first_extra;

    // Positions just after each RSTn marker, when cutting at them.
    let boundaries = if restart_interval != 0 && cfg.align_restart_intervals {
        restart_boundaries(data, MAX_RESTART_COUNT)
    } else {
        None
    };
    let aligned = boundaries.is_some();

    let est_packets = data.len().saturating_sub(room_first).div_ceil(room_rest) + 1;
    // Aligned cutting leaves packets less full; reserve for a few more.
    let est_packets = if aligned {
        est_packets + est_packets / 2
    } else {
        est_packets
    };
    let mut out = Builder {
        bytes: Vec::with_capacity(data.len() + est_packets * per_packet + first_extra),
        ends: Vec::with_capacity(est_packets),
        data,
        type_field: layout.type_field(),
        q,
        width_blocks: layout.width_blocks(),
        height_blocks: layout.height_blocks(),
        precision,
        tables: &table_data[..table_len],
    };
    let room = |offset: usize| if offset == 0 { room_first } else { room_rest };

    if let Some(boundaries) = &boundaries {
        cut_aligned(&mut out, restart_interval, boundaries, room);
    } else {
        let restart = (restart_interval != 0).then(|| RestartHeader::unaligned(restart_interval));
        let mut offset = 0;
        loop {
            let n = room(offset).min(data.len() - offset);
            out.push(offset..offset + n, restart);
            offset += n;
            if offset >= data.len() {
                break;
            }
        }
    }

    Ok(PacketizedFrame {
        bytes: out.bytes,
        ends: out.ends,
        type_field: out.type_field,
        q,
        width_blocks: out.width_blocks,
        height_blocks: out.height_blocks,
        restart_aligned: aligned,
    })
}

/// Cuts packets at restart-interval boundaries: each packet holds as many
/// whole restart intervals as fit (F = L = 1, count = index of its first
/// interval), and an interval larger than a packet is spread over several
/// (F on the first, L on the last, all with that interval's index).
/// `boundaries` are the ascending positions just after each RSTn marker.
fn cut_aligned(
    out: &mut Builder<'_>,
    restart_interval: u16,
    boundaries: &[usize],
    room: impl Fn(usize) -> usize,
) {
    let len = out.data.len();
    let header = |first, last, index: usize| {
        Some(RestartHeader {
            restart_interval,
            first,
            last,
            // index <= MAX_RESTART_COUNT: restart_boundaries checked.
            restart_count: u16::try_from(index).unwrap_or(RESTART_COUNT_UNALIGNED),
        })
    };
    let mut offset = 0;
    // Index of the restart interval starting at `offset`; boundaries[index]
    // is where the next one starts.
    let mut index = 0;
    loop {
        if len - offset <= room(offset) {
            out.push(offset..len, header(true, true, index));
            return;
        }
        let limit = offset + room(offset);
        let fitting = boundaries[index..].partition_point(|&b| b <= limit);
        if fitting > 0 {
            let end = boundaries[index + fitting - 1];
            out.push(offset..end, header(true, true, index));
            index += fitting;
            offset = end;
        } else {
            // The interval starting here does not fit in one packet.
            let chunk_end = boundaries.get(index).copied().unwrap_or(len);
            let mut first = true;
            while offset < chunk_end {
                let n = room(offset).min(chunk_end - offset);
                let last = offset + n == chunk_end;
                out.push(offset..offset + n, header(first, last, index));
                first = false;
                offset += n;
            }
            if offset >= len {
                return;
            }
            index += 1;
        }
    }
}

struct Builder<'a> {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    data: &'a [u8],
    type_field: u8,
    q: u8,
    width_blocks: u8,
    height_blocks: u8,
    precision: u8,
    tables: &'a [u8],
}

impl Builder<'_> {
    /// Appends one payload: headers for `range.start`, then `data[range]`.
    fn push(&mut self, range: Range<usize>, restart: Option<RestartHeader>) {
        let quant = (self.q >= 128 && range.start == 0).then_some(QuantTableHeader {
            precision: self.precision,
            data: self.tables,
        });
        PayloadHeader {
            type_specific: 0,
            // range.start < 2^24: packetize checked the data length.
            fragment_offset: u32::try_from(range.start).unwrap_or(u32::MAX),
            type_field: self.type_field,
            q: self.q,
            width_blocks: self.width_blocks,
            height_blocks: self.height_blocks,
            restart,
            quant,
        }
        .emit(&mut self.bytes);
        self.bytes.extend_from_slice(&self.data[range]);
        self.ends.push(self.bytes.len());
    }
}

/// Writes one table's entries (zig-zag order, as stored) at 8 or 16 bits.
fn write_table(t: &QuantTable, out: &mut [u8]) -> usize {
    if t.sixteen_bit {
        for (o, v) in out.chunks_exact_mut(2).zip(t.values.iter()) {
            o.copy_from_slice(&v.to_be_bytes());
        }
        128
    } else {
        for (o, &v) in out.iter_mut().zip(t.values.iter()) {
            // An 8-bit DQT table has entries <= 255.
            *o = u8::try_from(v).unwrap_or(u8::MAX);
        }
        64
    }
}

/// The position of the first `0xFF` at or after `from`. Looks at eight
/// bytes at a time: entropy-coded data is mostly not `0xFF`.
fn find_ff(data: &[u8], from: usize) -> Option<usize> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while i + 8 <= data.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&data[i..i + 8]);
        // 0xFF bytes become zero bytes; the classic "has a zero byte" test
        // flags the first of them exactly (later flags may be false).
        let x = !u64::from_le_bytes(word);
        let zero = x.wrapping_sub(LOW) & !x & HIGH;
        if zero != 0 {
            return Some(i + (zero.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let tail = data.get(i..)?;
    tail.iter().position(|&b| b == 0xFF).map(|p| i + p)
}

/// The position just after the first RSTn marker at or after `from` in
/// entropy-coded data, or `None`. `FF 00` is a stuffed data byte and extra
/// `FF`s before a marker are fill bytes (T.81 B.1.1.2, B.1.1.5).
fn next_restart_boundary(data: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        let mut j = find_ff(data, i)? + 1;
        while data.get(j) == Some(&0xFF) {
            j += 1;
        }
        match data.get(j)? {
            marker::RST0..=marker::RST7 => return Some(j + 1),
            _ => i = j + 1,
        }
    }
}

/// The positions just after each RSTn marker in `data`, or `None` if there
/// are more than `limit`.
fn restart_boundaries(data: &[u8], limit: usize) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(b) = next_restart_boundary(data, at) {
        if out.len() == limit {
            return None;
        }
        out.push(b);
        at = b;
    }
    Some(out)
}

/// The Q in 1..=99 whose scaled Annex K tables (RFC 2435 Appendix A) are
/// exactly the tables of this frame's Y and Cb components, if any: such a
/// frame can be sent with [`QMode::Scaled`] and no tables at all.
pub fn matching_scaled_q(jpeg: &Jpeg<'_>) -> Option<u8> {
    let luma = jpeg.component_quant_table(0)?;
    let chroma = jpeg.component_quant_table(1)?;
    (1..=99u8).find(|&q| {
        // Cheap test on the DC entries first (natural and zig-zag index 0).
        let scale = if q < 50 {
            5000 / u32::from(q)
        } else {
            200 - 2 * u32::from(q)
        };
        let dc = |base: u8| ((u32::from(base) * scale + 50) / 100).clamp(1, 255);
        if u32::from(luma.values[0]) != dc(LUMA_QUANT_NATURAL[0])
            || u32::from(chroma.values[0]) != dc(CHROMA_QUANT_NATURAL[0])
        {
            return false;
        }
        let (l, c) = scaled_quant_tables(q);
        luma.values == l && chroma.values == c
    })
}

/// The largest payload the lab dialect can send: one whole JPEG per RTP
/// packet in one UDP datagram over IPv4 (65535 - 20 IP - 8 UDP = 65507
/// bytes), less the 12-byte RTP header.
pub const MAX_LAB_PAYLOAD: usize = 65507 - RTP_HEADER_LEN;

/// Why a frame cannot be sent in the lab dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LabPayloadError {
    /// A zero-length frame: there is nothing to send.
    #[error("empty frame")]
    Empty,
    /// The JPEG does not fit in one UDP datagram. Report it; never send it
    /// cut short.
    #[error("frame of {len} bytes exceeds the lab dialect's {max}-byte RTP payload")]
    TooLarge {
        /// The JPEG's length.
        len: usize,
        /// [`MAX_LAB_PAYLOAD`].
        max: usize,
    },
}

/// Checks that a JPEG of `jpeg_len` bytes can travel as one lab-dialect RTP
/// payload (the whole JPEG, no RFC 2435 header). Call before sending each
/// frame to a lab client.
pub fn check_lab_payload(jpeg_len: usize) -> Result<(), LabPayloadError> {
    if jpeg_len == 0 {
        Err(LabPayloadError::Empty)
    } else if jpeg_len > MAX_LAB_PAYLOAD {
        Err(LabPayloadError::TooLarge {
            len: jpeg_len,
            max: MAX_LAB_PAYLOAD,
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn restart_boundaries_skip_stuffing_and_fill() {
        let d = [1, 0xFF, 0x00, 2, 0xFF, 0xFF, 0xD3, 3, 0xFF, 0xD4, 0xFF];
        assert_eq!(next_restart_boundary(&d, 0), Some(7));
        assert_eq!(next_restart_boundary(&d, 7), Some(10));
        assert_eq!(next_restart_boundary(&d, 10), None);
        assert_eq!(restart_boundaries(&d, 2), Some(vec![7, 10]));
        assert_eq!(restart_boundaries(&d, 1), None);
        assert_eq!(next_restart_boundary(&[], 0), None);
        assert_eq!(next_restart_boundary(&d, 99), None);
    }

    #[test]
    fn find_ff_matches_a_plain_search() {
        let mut data = vec![0u8; 40];
        for (i, b) in data.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37) | 1;
        }
        for at in [0, 1, 7, 8, 9, 15, 16, 33, 39] {
            let mut d = data.clone();
            d.iter_mut().for_each(|b| *b &= 0x7F);
            d[at] = 0xFF;
            if at + 1 < d.len() {
                d[at + 1] = 0xFF;
            }
            for from in 0..=d.len() + 1 {
                let plain = d
                    .get(from..)
                    .and_then(|t| t.iter().position(|&b| b == 0xFF))
                    .map(|p| from + p);
                assert_eq!(find_ff(&d, from), plain, "at {at} from {from}");
            }
        }
    }

    #[test]
    fn q_mode_ranges() {
        assert_eq!(QMode::InBand.q_field(), Ok(255));
        assert_eq!(QMode::Dynamic(128).q_field(), Ok(128));
        assert_eq!(
            QMode::Dynamic(255).q_field(),
            Err(PacketizeError::InvalidQ(255))
        );
        assert_eq!(
            QMode::Dynamic(127).q_field(),
            Err(PacketizeError::InvalidQ(127))
        );
        assert_eq!(QMode::Scaled(99).q_field(), Ok(99));
        assert_eq!(QMode::Scaled(0).q_field(), Err(PacketizeError::InvalidQ(0)));
        assert_eq!(
            QMode::Scaled(100).q_field(),
            Err(PacketizeError::InvalidQ(100))
        );
    }

    /// Found by fuzz target `rfc2435_roundtrip`: a frame whose DQT holds a
    /// 0 was sent, and every receiver (ours included) dropped it.
    #[test]
    fn zero_quant_entries_are_refused() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/media/testsrc-640x480-420.raw.mjpeg"
        );
        let data = std::fs::read(path).unwrap();
        let idx = crate::mjpeg::index(&data);
        let frame = idx.frame(&data, 0).unwrap().to_vec();
        let dqt = frame.windows(2).position(|w| w == [0xFF, 0xDB]).unwrap();
        let id = frame[dqt + 4] & 0x0F;
        // The parser refuses a zero entry (T.81 B.2.4.1)...
        let good = Jpeg::parse(&frame).unwrap();
        let mut bad = frame.clone();
        bad[dqt + 5 + 10] = 0;
        assert!(Jpeg::parse(&bad).is_err());
        // ...and the packetizer still refuses one in a `Jpeg` built or
        // changed by hand (its fields are public).
        let mut jpeg = good;
        jpeg.quant_tables[usize::from(id)].as_mut().unwrap().values[10] = 0;
        assert_eq!(
            packetize(&jpeg, &PacketizeConfig::default()),
            Err(PacketizeError::ZeroQuantEntry(id))
        );
    }

    #[test]
    fn lab_payload_limits() {
        assert_eq!(MAX_LAB_PAYLOAD, 65495);
        assert_eq!(check_lab_payload(1), Ok(()));
        assert_eq!(check_lab_payload(MAX_LAB_PAYLOAD), Ok(()));
        assert_eq!(check_lab_payload(0), Err(LabPayloadError::Empty));
        assert_eq!(
            check_lab_payload(MAX_LAB_PAYLOAD + 1),
            Err(LabPayloadError::TooLarge {
                len: 65496,
                max: 65495
            })
        );
    }
}
