//! RTCP (RFC 3550 Section 6): parsing compound packets, emitting sender
//! and receiver reports, SDES with a CNAME, and BYE.
//!
//! A compound packet is individual RTCP packets back to back, each with a
//! 4-byte header giving its length in 32-bit words minus one (6.1, 6.4).
//! [`parse_compound`] walks one without copying; the emitters append to a
//! caller's `Vec<u8>`, and the `write_*_compound` functions put together the
//! compounds RFC 3550 6.1 asks for: a report (SR or RR) first, then an SDES
//! with the CNAME, then a BYE when leaving.

use alloc::vec::Vec;
use core::time::Duration;

/// Length of the RTCP common header (V, P, count, PT, length).
pub const HEADER_LEN: usize = 4;

/// Length of one report block on the wire (RFC 3550 6.4.1).
pub const REPORT_BLOCK_LEN: usize = 24;

/// The most report blocks (or SDES chunks, or BYE SSRCs) one packet can
/// count: the count field has 5 bits (RFC 3550 6.4.1).
pub const MAX_COUNT: usize = 31;

/// The longest SDES item value or BYE reason: an 8-bit length (6.5, 6.6).
pub const MAX_TEXT_LEN: usize = 255;

/// RTCP packet types (RFC 3550 12.1).
pub mod packet_type {
    /// Sender report (6.4.1).
    pub const SR: u8 = 200;
    /// Receiver report (6.4.2).
    pub const RR: u8 = 201;
    /// Source description (6.5).
    pub const SDES: u8 = 202;
    /// Goodbye (6.6).
    pub const BYE: u8 = 203;
    /// Application-defined (6.7).
    pub const APP: u8 = 204;
}

/// SDES item types (RFC 3550 12.2).
pub mod sdes_item {
    /// End of an item list.
    pub const END: u8 = 0;
    /// Canonical end-point identifier (6.5.1).
    pub const CNAME: u8 = 1;
    /// User name (6.5.2).
    pub const NAME: u8 = 2;
    /// E-mail address (6.5.3).
    pub const EMAIL: u8 = 3;
    /// Phone number (6.5.4).
    pub const PHONE: u8 = 4;
    /// Geographic location (6.5.5).
    pub const LOC: u8 = 5;
    /// Application or tool name (6.5.6).
    pub const TOOL: u8 = 6;
    /// Notice/status (6.5.7).
    pub const NOTE: u8 = 7;
    /// Private extensions (6.5.8).
    pub const PRIV: u8 = 8;
}

/// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
pub const NTP_UNIX_OFFSET_SECS: u64 = 2_208_988_800;

/// One reception report block (RFC 3550 6.4.1), sent in SRs and RRs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ReportBlock {
    /// The source this block is about.
    pub ssrc: u32,
    /// Packets lost since the previous report over packets expected, as a
    /// fixed-point fraction of 256.
    pub fraction_lost: u8,
    /// Cumulative packets lost, a 24-bit signed value on the wire (the
    /// emitter clamps to -2^23..2^23-1).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received: cycles in the upper 16
    /// bits, the sequence number in the lower 16.
    pub highest_sequence: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last SR from this source
    /// (see [`ntp_short`]), 0 if none.
    pub last_sr: u32,
    /// Delay since that SR, in units of 1/65536 s (see
    /// [`dlsr_from_duration`]), 0 if none.
    pub delay_since_last_sr: u32,
}

/// Clamps a cumulative loss to the 24-bit signed range of a report block
/// (RFC 3550 A.3).
pub fn clamp_cumulative_lost(lost: i64) -> i32 {
    lost.clamp(-0x80_0000, 0x7F_FFFF) as i32
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

impl ReportBlock {
    /// Reads a block from its 24 wire bytes.
    pub fn parse(bytes: &[u8; REPORT_BLOCK_LEN]) -> ReportBlock {
        // Sign-extend the 24-bit field: place it in the top of an i32 and
        // shift back arithmetically.
        let lost = i32::from_be_bytes([bytes[5], bytes[6], bytes[7], 0]) >> 8;
        ReportBlock {
            ssrc: be32(&bytes[0..4]),
            fraction_lost: bytes[4],
            cumulative_lost: lost,
            highest_sequence: be32(&bytes[8..12]),
            jitter: be32(&bytes[12..16]),
            last_sr: be32(&bytes[16..20]),
            delay_since_last_sr: be32(&bytes[20..24]),
        }
    }

    /// Writes the block's 24 wire bytes (cumulative loss clamped to 24 bits).
    pub fn emit(&self, buf: &mut [u8; REPORT_BLOCK_LEN]) {
        let lost = clamp_cumulative_lost(i64::from(self.cumulative_lost)).to_be_bytes();
        buf[0..4].copy_from_slice(&self.ssrc.to_be_bytes());
        buf[4] = self.fraction_lost;
        buf[5..8].copy_from_slice(&lost[1..4]);
        buf[8..12].copy_from_slice(&self.highest_sequence.to_be_bytes());
        buf[12..16].copy_from_slice(&self.jitter.to_be_bytes());
        buf[16..20].copy_from_slice(&self.last_sr.to_be_bytes());
        buf[20..24].copy_from_slice(&self.delay_since_last_sr.to_be_bytes());
    }

    /// Appends the block's 24 wire bytes to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        let mut buf = [0u8; REPORT_BLOCK_LEN];
        self.emit(&mut buf);
        out.extend_from_slice(&buf);
    }
}

/// The middle 32 bits of a 64-bit NTP timestamp (16.16 fixed-point
/// seconds, the NTP "short format"): what a receiver puts in a report
/// block's LSR field for the SR it last received (RFC 3550 6.4.1).
pub const fn ntp_short(ntp_timestamp: u64) -> u32 {
    (ntp_timestamp >> 16) as u32
}

/// A duration in units of 1/65536 s (DLSR, RFC 3550 6.4.1), saturating at
/// `u32::MAX` (18.2 hours).
pub fn dlsr_from_duration(delay: Duration) -> u32 {
    let units = delay.as_nanos() * 65_536 / 1_000_000_000;
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// A value in units of 1/65536 s (DLSR, or a difference of NTP short
/// timestamps) as a duration.
pub fn duration_from_ntp_short(units: u32) -> Duration {
    Duration::from_nanos(u64::from(units) * 1_000_000_000 / 65_536)
}

/// The 64-bit NTP timestamp (32.32 fixed-point seconds since 1900) of a
/// wall-clock time given as the time since the Unix epoch, for an SR's
/// NTP field. The core reads no clock: the shell passes
/// `SystemTime::now().duration_since(UNIX_EPOCH)`.
pub fn ntp_from_unix(since_unix_epoch: Duration) -> u64 {
    let secs = since_unix_epoch
        .as_secs()
        .wrapping_add(NTP_UNIX_OFFSET_SECS);
    let frac = (u64::from(since_unix_epoch.subsec_nanos()) << 32) / 1_000_000_000;
    (secs << 32) | frac
}

/// The round-trip time a sender computes from a report block that arrived
/// at `arrival` (NTP short format): `arrival - LSR - DLSR` (RFC 3550
/// 6.4.1). `None` if the block carries no LSR or the result is negative
/// (clocks or blocks that do not add up).
pub fn round_trip_time(arrival: u32, block: &ReportBlock) -> Option<Duration> {
    if block.last_sr == 0 {
        return None;
    }
    let rtt = arrival
        .wrapping_sub(block.last_sr)
        .wrapping_sub(block.delay_since_last_sr);
    // A "negative" result shows up as a huge unsigned one.
    if rtt > 0x8000_0000 {
        return None;
    }
    Some(duration_from_ntp_short(rtt))
}

/// What is wrong with an RTCP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RtcpErrorKind {
    /// Fewer than 4 bytes left for a header.
    #[error("RTCP header cut short")]
    TooShort,
    /// The version field is not 2.
    #[error("RTCP version {0}, expected 2")]
    BadVersion(u8),
    /// The length field runs past the end of the compound packet.
    #[error("RTCP length {declared} runs past the end ({available} bytes left)")]
    LengthPastEnd {
        /// Bytes the length field declares (header included).
        declared: usize,
        /// Bytes left in the compound packet.
        available: usize,
    },
    /// The P bit on a packet that is not the last of the compound (only the
    /// last may be padded, RFC 3550 6.4.1 and A.2).
    #[error("padding on a packet that is not the last")]
    PaddingNotLast,
    /// A padding count of 0 or larger than the packet's body.
    #[error("bad padding count")]
    BadPadding,
    /// An SR or RR too short for its fixed part and the report blocks its
    /// count announces.
    #[error("report count does not fit the packet")]
    BadReportCount,
    /// An SDES chunk or item running past the packet, or a chunk without
    /// the null item that ends it.
    #[error("malformed SDES chunk")]
    BadSdes,
    /// A BYE whose SSRC list or reason runs past the packet.
    #[error("malformed BYE")]
    BadBye,
    /// An APP packet shorter than its SSRC and name.
    #[error("malformed APP packet")]
    BadApp,
}

/// An RTCP parse error: what, and where in the compound packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct RtcpError {
    /// What is wrong.
    pub kind: RtcpErrorKind,
    /// Byte offset of the offending packet's header in the compound packet.
    pub offset: usize,
}

/// One RTCP packet of a compound, borrowing from it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtcpPacket<'a> {
    /// A sender report (PT 200).
    SenderReport {
        /// The sender's SSRC.
        ssrc: u32,
        /// Wall-clock time of the report, 64-bit NTP format.
        ntp_timestamp: u64,
        /// The same instant in the sender's RTP timestamp units.
        rtp_timestamp: u32,
        /// RTP packets sent since the start.
        packet_count: u32,
        /// RTP payload octets sent since the start.
        octet_count: u32,
        /// Reception report blocks.
        reports: ReportBlocks<'a>,
        /// Profile-specific extension (usually empty).
        extension: &'a [u8],
    },
    /// A receiver report (PT 201).
    ReceiverReport {
        /// The reporter's SSRC.
        ssrc: u32,
        /// Reception report blocks.
        reports: ReportBlocks<'a>,
        /// Profile-specific extension (usually empty).
        extension: &'a [u8],
    },
    /// A source description (PT 202).
    SourceDescription(SdesChunks<'a>),
    /// A goodbye (PT 203).
    Goodbye {
        /// The sources leaving.
        ssrcs: Ssrcs<'a>,
        /// The reason given, if any (UTF-8 per RFC 3550 6.6; not checked here).
        reason: Option<&'a [u8]>,
    },
    /// An application-defined packet (PT 204).
    App {
        /// The subtype (the count field).
        subtype: u8,
        /// The sender's SSRC.
        ssrc: u32,
        /// Four ASCII characters naming the application.
        name: [u8; 4],
        /// Application data.
        data: &'a [u8],
    },
    /// Any other packet type, kept as it is (length and version checked).
    Other {
        /// The PT field.
        packet_type: u8,
        /// The 5-bit count field.
        count: u8,
        /// The body after the 4-byte header, padding removed.
        body: &'a [u8],
    },
}

/// Report blocks of an SR or RR, read from the wire as they are iterated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportBlocks<'a> {
    bytes: &'a [u8],
}

impl Iterator for ReportBlocks<'_> {
    type Item = ReportBlock;
    fn next(&mut self) -> Option<ReportBlock> {
        let (block, rest) = self.bytes.split_first_chunk::<REPORT_BLOCK_LEN>()?;
        self.bytes = rest;
        Some(ReportBlock::parse(block))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.bytes.len() / REPORT_BLOCK_LEN;
        (n, Some(n))
    }
}

impl ExactSizeIterator for ReportBlocks<'_> {}

/// The SSRCs of a BYE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ssrcs<'a> {
    bytes: &'a [u8],
}

impl Iterator for Ssrcs<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        let (ssrc, rest) = self.bytes.split_first_chunk::<4>()?;
        self.bytes = rest;
        Some(u32::from_be_bytes(*ssrc))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.bytes.len() / 4;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Ssrcs<'_> {}

/// One SDES item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesItem<'a> {
    /// The item type (see [`sdes_item`]).
    pub item_type: u8,
    /// Its value (UTF-8 text per RFC 3550 6.5; not checked here).
    pub value: &'a [u8],
}

/// One SDES chunk: a source and its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesChunk<'a> {
    /// The source described.
    pub ssrc: u32,
    /// Its items.
    pub items: SdesItems<'a>,
}

impl<'a> SdesChunk<'a> {
    /// The CNAME item's value, if the chunk has one.
    pub fn cname(&self) -> Option<&'a [u8]> {
        self.items
            .clone()
            .find(|i| i.item_type == sdes_item::CNAME)
            .map(|i| i.value)
    }
}

/// The items of an SDES chunk (validated when the packet was parsed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesItems<'a> {
    /// From the first item up to (not including) the terminating null.
    bytes: &'a [u8],
}

impl<'a> Iterator for SdesItems<'a> {
    type Item = SdesItem<'a>;
    fn next(&mut self) -> Option<SdesItem<'a>> {
        let (&[item_type, len], rest) = self.bytes.split_first_chunk::<2>()?;
        let value = rest.get(..usize::from(len))?;
        self.bytes = &rest[value.len()..];
        Some(SdesItem { item_type, value })
    }
}

/// The chunks of an SDES packet (validated when the packet was parsed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesChunks<'a> {
    bytes: &'a [u8],
    remaining: u8,
}

impl<'a> Iterator for SdesChunks<'a> {
    type Item = SdesChunk<'a>;
    fn next(&mut self) -> Option<SdesChunk<'a>> {
        if self.remaining == 0 {
            return None;
        }
        let (chunk, next) = sdes_chunk(self.bytes, 0)?;
        self.bytes = &self.bytes[next..];
        self.remaining -= 1;
        Some(chunk)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::from(self.remaining);
        (n, Some(n))
    }
}

impl ExactSizeIterator for SdesChunks<'_> {}

/// Reads the SDES chunk at `at` in `body` (which starts 32-bit aligned):
/// the chunk and the offset of the next one, or `None` if malformed.
fn sdes_chunk(body: &[u8], at: usize) -> Option<(SdesChunk<'_>, usize)> {
    let ssrc = be32(body.get(at..at + 4)?);
    let items_start = at + 4;
    let mut pos = items_start;
    loop {
        let item_type = *body.get(pos)?;
        if item_type == sdes_item::END {
            break;
        }
        let len = usize::from(*body.get(pos + 1)?);
        pos += 2 + len;
        if pos > body.len() {
            return None;
        }
    }
    let items = SdesItems {
        bytes: &body[items_start..pos],
    };
    // The null item, then nulls up to the next 32-bit boundary (6.5). A
    // chunk that ends the packet without that alignment is tolerated.
    let next = ((pos + 1).next_multiple_of(4)).min(body.len());
    Some((SdesChunk { ssrc, items }, next))
}

/// Iterator over the packets of a compound RTCP packet; see [`parse_compound`].
#[derive(Debug, Clone)]
pub struct RtcpIter<'a> {
    buf: &'a [u8],
    pos: usize,
    failed: bool,
}

/// Walks the compound RTCP packet in `buf` (one UDP datagram, or one
/// interleaved `$` frame), yielding each packet, or an error for the first
/// malformed one, after which it stops. Never panics, never allocates.
///
/// Checked: version 2, every length within the buffer, padding only on the
/// last packet and within it, report and chunk counts against lengths, SDES
/// and BYE structure. Not required: that the compound begins with an SR or
/// RR (RFC 3550 6.1 asks senders for it, but reduced-size RTCP, RFC 5506,
/// sends single packets, and one odd peer should not blind the receiver).
pub fn parse_compound(buf: &[u8]) -> RtcpIter<'_> {
    RtcpIter {
        buf,
        pos: 0,
        failed: false,
    }
}

impl<'a> Iterator for RtcpIter<'a> {
    type Item = Result<RtcpPacket<'a>, RtcpError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.buf.len() {
            return None;
        }
        let at = self.pos;
        match parse_one(&self.buf[at..]) {
            Ok((packet, len)) => {
                self.pos += len;
                Some(Ok(packet))
            }
            Err(kind) => {
                self.failed = true;
                Some(Err(RtcpError { kind, offset: at }))
            }
        }
    }
}

/// Parses the packet at the start of `buf`: the packet and its length.
fn parse_one(buf: &[u8]) -> Result<(RtcpPacket<'_>, usize), RtcpErrorKind> {
    use RtcpErrorKind::*;
    let header = buf.get(..HEADER_LEN).ok_or(TooShort)?;
    let version = header[0] >> 6;
    if version != 2 {
        return Err(BadVersion(version));
    }
    let padded = header[0] & 0x20 != 0;
    let count = header[0] & 0x1F;
    let packet_type = header[1];
    let len = (usize::from(be16(&header[2..4])) + 1) * 4;
    if len > buf.len() {
        return Err(LengthPastEnd {
            declared: len,
            available: buf.len(),
        });
    }
    let mut body = &buf[HEADER_LEN..len];
    if padded {
        if len != buf.len() {
            return Err(PaddingNotLast);
        }
        let pad = usize::from(body.last().copied().unwrap_or(0));
        if pad == 0 || pad > body.len() {
            return Err(BadPadding);
        }
        body = &body[..body.len() - pad];
    }
    let count_usize = usize::from(count);
    let packet = match packet_type {
        packet_type::SR => {
            let blocks_end = 24 + REPORT_BLOCK_LEN * count_usize;
            if body.len() < blocks_end {
                return Err(BadReportCount);
            }
            RtcpPacket::SenderReport {
                ssrc: be32(&body[0..4]),
                ntp_timestamp: (u64::from(be32(&body[4..8])) << 32) | u64::from(be32(&body[8..12])),
                rtp_timestamp: be32(&body[12..16]),
                packet_count: be32(&body[16..20]),
                octet_count: be32(&body[20..24]),
                reports: ReportBlocks {
                    bytes: &body[24..blocks_end],
                },
                extension: &body[blocks_end..],
            }
        }
        packet_type::RR => {
            let blocks_end = 4 + REPORT_BLOCK_LEN * count_usize;
            if body.len() < blocks_end {
                return Err(BadReportCount);
            }
            RtcpPacket::ReceiverReport {
                ssrc: be32(&body[0..4]),
                reports: ReportBlocks {
                    bytes: &body[4..blocks_end],
                },
                extension: &body[blocks_end..],
            }
        }
        packet_type::SDES => {
            let mut at = 0;
            for _ in 0..count {
                let (_, next) = sdes_chunk(body, at).ok_or(BadSdes)?;
                at = next;
            }
            RtcpPacket::SourceDescription(SdesChunks {
                bytes: &body[..at],
                remaining: count,
            })
        }
        packet_type::BYE => {
            let ssrcs_end = 4 * count_usize;
            if body.len() < ssrcs_end {
                return Err(BadBye);
            }
            let reason = match body.get(ssrcs_end) {
                None => None,
                Some(&reason_len) => {
                    let start = ssrcs_end + 1;
                    let reason = body
                        .get(start..start + usize::from(reason_len))
                        .ok_or(BadBye)?;
                    Some(reason)
                }
            };
            RtcpPacket::Goodbye {
                ssrcs: Ssrcs {
                    bytes: &body[..ssrcs_end],
                },
                reason,
            }
        }
        packet_type::APP => {
            if body.len() < 8 {
                return Err(BadApp);
            }
            RtcpPacket::App {
                subtype: count,
                ssrc: be32(&body[0..4]),
                name: [body[4], body[5], body[6], body[7]],
                data: &body[8..],
            }
        }
        _ => RtcpPacket::Other {
            packet_type,
            count,
            body,
        },
    };
    Ok((packet, len))
}

/// Why an RTCP packet cannot be emitted (caller misuse; nothing is written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RtcpWriteError {
    /// More than 31 report blocks in one SR or RR.
    #[error("{0} report blocks, at most 31 fit one report")]
    TooManyReports(usize),
    /// More than 31 SSRCs in one BYE.
    #[error("{0} SSRCs, at most 31 fit one BYE")]
    TooManySsrcs(usize),
    /// A CNAME longer than 255 bytes.
    #[error("CNAME of {0} bytes, at most 255")]
    CnameTooLong(usize),
    /// A BYE reason longer than 255 bytes.
    #[error("BYE reason of {0} bytes, at most 255")]
    ReasonTooLong(usize),
}

/// Appends a common header; `len` is the packet's length in bytes (a
/// multiple of 4, at least 4).
fn write_header(out: &mut Vec<u8>, count: u8, packet_type: u8, len: usize) {
    let words_minus_one = (len / 4 - 1) as u16;
    out.push(0x80 | count);
    out.push(packet_type);
    out.extend_from_slice(&words_minus_one.to_be_bytes());
}

/// A sender report to emit (RFC 3550 6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderReport<'a> {
    /// The sender's SSRC.
    pub ssrc: u32,
    /// Wall-clock time of the report, 64-bit NTP format (see [`ntp_from_unix`]).
    pub ntp_timestamp: u64,
    /// The same instant in RTP timestamp units.
    pub rtp_timestamp: u32,
    /// RTP packets sent since the start.
    pub packet_count: u32,
    /// RTP payload octets sent since the start.
    pub octet_count: u32,
    /// Reception report blocks (at most [`MAX_COUNT`]).
    pub reports: &'a [ReportBlock],
}

impl SenderReport<'_> {
    /// Appends the packet to `out`; on error nothing is written.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), RtcpWriteError> {
        if self.reports.len() > MAX_COUNT {
            return Err(RtcpWriteError::TooManyReports(self.reports.len()));
        }
        let len = HEADER_LEN + 24 + REPORT_BLOCK_LEN * self.reports.len();
        out.reserve(len);
        write_header(out, self.reports.len() as u8, packet_type::SR, len);
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(&self.ntp_timestamp.to_be_bytes());
        out.extend_from_slice(&self.rtp_timestamp.to_be_bytes());
        out.extend_from_slice(&self.packet_count.to_be_bytes());
        out.extend_from_slice(&self.octet_count.to_be_bytes());
        for block in self.reports {
            block.write(out);
        }
        Ok(())
    }
}

/// A receiver report to emit (RFC 3550 6.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverReport<'a> {
    /// The reporter's SSRC.
    pub ssrc: u32,
    /// Reception report blocks (at most [`MAX_COUNT`]).
    pub reports: &'a [ReportBlock],
}

impl ReceiverReport<'_> {
    /// Appends the packet to `out`; on error nothing is written.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), RtcpWriteError> {
        if self.reports.len() > MAX_COUNT {
            return Err(RtcpWriteError::TooManyReports(self.reports.len()));
        }
        let len = HEADER_LEN + 4 + REPORT_BLOCK_LEN * self.reports.len();
        out.reserve(len);
        write_header(out, self.reports.len() as u8, packet_type::RR, len);
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        for block in self.reports {
            block.write(out);
        }
        Ok(())
    }
}

/// An SDES packet with one chunk carrying one CNAME item (RFC 3550 6.5.1):
/// what every compound packet must include.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sdes<'a> {
    /// The source described.
    pub ssrc: u32,
    /// Its canonical name (at most [`MAX_TEXT_LEN`] bytes), e.g. `user@host`.
    pub cname: &'a str,
}

impl Sdes<'_> {
    /// Appends the packet to `out`; on error nothing is written.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), RtcpWriteError> {
        let cname = self.cname.as_bytes();
        if cname.len() > MAX_TEXT_LEN {
            return Err(RtcpWriteError::CnameTooLong(cname.len()));
        }
        // SSRC, CNAME item (type, length, text), then at least one null
        // octet ending the item list, padded to 32 bits (6.5).
        let items = 2 + cname.len();
        let chunk = 4 + (items + 1).next_multiple_of(4);
        let len = HEADER_LEN + chunk;
        out.reserve(len);
        write_header(out, 1, packet_type::SDES, len);
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.push(sdes_item::CNAME);
        out.push(cname.len() as u8);
        out.extend_from_slice(cname);
        out.resize(out.len() + chunk - 4 - items, 0);
        Ok(())
    }
}

/// A BYE packet (RFC 3550 6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bye<'a> {
    /// The sources leaving (at most [`MAX_COUNT`]).
    pub ssrcs: &'a [u32],
    /// Why, if anything is said (at most [`MAX_TEXT_LEN`] bytes).
    pub reason: Option<&'a str>,
}

impl Bye<'_> {
    /// Appends the packet to `out`; on error nothing is written.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), RtcpWriteError> {
        if self.ssrcs.len() > MAX_COUNT {
            return Err(RtcpWriteError::TooManySsrcs(self.ssrcs.len()));
        }
        let reason = self.reason.map(str::as_bytes);
        if let Some(r) = reason.filter(|r| r.len() > MAX_TEXT_LEN) {
            return Err(RtcpWriteError::ReasonTooLong(r.len()));
        }
        let reason_len = reason.map_or(0, |r| (1 + r.len()).next_multiple_of(4));
        let len = HEADER_LEN + 4 * self.ssrcs.len() + reason_len;
        out.reserve(len);
        write_header(out, self.ssrcs.len() as u8, packet_type::BYE, len);
        for ssrc in self.ssrcs {
            out.extend_from_slice(&ssrc.to_be_bytes());
        }
        if let Some(r) = reason {
            out.push(r.len() as u8);
            out.extend_from_slice(r);
            out.resize(out.len() + reason_len - 1 - r.len(), 0);
        }
        Ok(())
    }
}

/// The report that starts a compound packet: an SR if we sent RTP since
/// the last report, an RR otherwise (RFC 3550 6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report<'a> {
    /// A sender report.
    Sender(SenderReport<'a>),
    /// A receiver report.
    Receiver(ReceiverReport<'a>),
}

impl Report<'_> {
    /// The reporter's SSRC.
    pub fn ssrc(&self) -> u32 {
        match self {
            Report::Sender(sr) => sr.ssrc,
            Report::Receiver(rr) => rr.ssrc,
        }
    }

    /// Appends the packet to `out`; on error nothing is written.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), RtcpWriteError> {
        match self {
            Report::Sender(sr) => sr.write(out),
            Report::Receiver(rr) => rr.write(out),
        }
    }
}

/// Runs `f`, removing what it appended to `out` if it fails, so compound
/// writers are all-or-nothing.
fn all_or_nothing(
    out: &mut Vec<u8>,
    f: impl FnOnce(&mut Vec<u8>) -> Result<(), RtcpWriteError>,
) -> Result<(), RtcpWriteError> {
    let start = out.len();
    let result = f(out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// Appends a compound packet: the report, then an SDES giving its SSRC's
/// `cname` (RFC 3550 6.1). On error nothing is written.
pub fn write_report_compound(
    out: &mut Vec<u8>,
    report: &Report<'_>,
    cname: &str,
) -> Result<(), RtcpWriteError> {
    all_or_nothing(out, |out| {
        report.write(out)?;
        Sdes {
            ssrc: report.ssrc(),
            cname,
        }
        .write(out)
    })
}

/// Appends SR + SDES (CNAME), the compound a sender sends periodically.
pub fn write_sender_report_compound(
    out: &mut Vec<u8>,
    sr: &SenderReport<'_>,
    cname: &str,
) -> Result<(), RtcpWriteError> {
    write_report_compound(out, &Report::Sender(*sr), cname)
}

/// Appends RR + SDES (CNAME), the compound a receiver sends periodically.
pub fn write_receiver_report_compound(
    out: &mut Vec<u8>,
    rr: &ReceiverReport<'_>,
    cname: &str,
) -> Result<(), RtcpWriteError> {
    write_report_compound(out, &Report::Receiver(*rr), cname)
}

/// Appends report + SDES (CNAME) + BYE, the compound sent when leaving a
/// session (RFC 3550 6.1, 6.3.7). On error nothing is written.
pub fn write_bye_compound(
    out: &mut Vec<u8>,
    report: &Report<'_>,
    cname: &str,
    bye: &Bye<'_>,
) -> Result<(), RtcpWriteError> {
    all_or_nothing(out, |out| {
        write_report_compound(out, report, cname)?;
        bye.write(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cumulative_lost_is_24_bit_signed() {
        for lost in [0, 1, -1, 0x7F_FFFF, -0x80_0000, 12345, -54321] {
            let b = ReportBlock {
                cumulative_lost: lost,
                ..ReportBlock::default()
            };
            let mut buf = [0u8; REPORT_BLOCK_LEN];
            b.emit(&mut buf);
            assert_eq!(ReportBlock::parse(&buf).cumulative_lost, lost);
        }
        let b = ReportBlock {
            cumulative_lost: 0x100_0000,
            ..ReportBlock::default()
        };
        let mut buf = [0u8; REPORT_BLOCK_LEN];
        b.emit(&mut buf);
        assert_eq!(&buf[5..8], &[0x7F, 0xFF, 0xFF]);
        assert_eq!(clamp_cumulative_lost(-1 << 40), -0x80_0000);
    }

    #[test]
    fn ntp_helpers() {
        assert_eq!(ntp_short(0x1234_5678_9ABC_DEF0), 0x5678_9ABC);
        assert_eq!(dlsr_from_duration(Duration::from_secs(1)), 65_536);
        assert_eq!(dlsr_from_duration(Duration::from_millis(500)), 32_768);
        assert_eq!(dlsr_from_duration(Duration::from_secs(1 << 20)), u32::MAX);
        assert_eq!(duration_from_ntp_short(65_536 * 3), Duration::from_secs(3));
        let ntp = ntp_from_unix(Duration::new(1, 500_000_000));
        assert_eq!(ntp >> 32, NTP_UNIX_OFFSET_SECS + 1);
        assert_eq!(ntp as u32, 0x8000_0000);
        let block = ReportBlock {
            last_sr: 0x0001_0000,
            delay_since_last_sr: 0x0000_8000,
            ..ReportBlock::default()
        };
        assert_eq!(
            round_trip_time(0x0001_C000, &block),
            Some(Duration::from_millis(250))
        );
        assert_eq!(round_trip_time(0x0001_4000, &block), None);
    }
}
