//! The receiver side: RTP/JPEG packets in, whole JPEG images out.
//!
//! Packets of one frame share an RTP timestamp and may arrive in any order.
//! The depacketizer places each packet's data at its fragment offset and
//! emits the frame once the fragments cover `[0, end)` without a gap, where
//! `end` is the offset plus length of the packet with the RTP marker bit.
//! Arrival order never matters; a frame with a hole is never emitted.
//!
//! Memory is bounded: at most two frames are in flight (the newest and one
//! older one still waiting for reordered packets), each at most
//! [`DepacketizerConfig::max_frame_len`] bytes and
//! [`MAX_FRAGMENT_RUNS`] disjoint pieces, plus at most 127 cached table
//! pairs (one per Q in 128..=254).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::mem;

use super::wire::{JpegPayload, PayloadError, PayloadHeader};
use crate::jpeg::compat::JpegType;
use crate::jpeg::headers::{HeaderParams, scaled_quant_tables, write_jpeg_headers};

/// Default [`DepacketizerConfig::max_frame_len`]: 16 MiB, about what the
/// 24-bit fragment offset can address.
pub const DEFAULT_MAX_FRAME_LEN: usize = 16 << 20;

/// Most disjoint pieces a frame being reassembled may have before it is
/// dropped ([`DropReason::TooFragmented`]). Packets that arrive in order
/// form one piece; a 16 MiB frame in 1 KiB packets shuffled at random has
/// at most 8192. Bounds the bookkeeping at 128 KiB a frame.
pub const MAX_FRAGMENT_RUNS: usize = 8192;

/// Depacketizer settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DepacketizerConfig {
    /// Largest JPEG (rebuilt headers, data and EOI) the depacketizer builds;
    /// a frame known to exceed it is dropped as soon as that is known,
    /// without allocating past it. Default [`DEFAULT_MAX_FRAME_LEN`].
    pub max_frame_len: usize,
}

impl Default for DepacketizerConfig {
    fn default() -> Self {
        DepacketizerConfig {
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
        }
    }
}

/// A reassembled frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepacketizedFrame {
    /// A complete baseline JPEG: SOI, DQT, SOF0, DHT (the standard tables),
    /// DRI if there are restart markers, SOS, the entropy-coded data and
    /// EOI. No JFIF segment: it adds nothing a decoder needs.
    pub jpeg: Vec<u8>,
    /// The frame's RTP timestamp.
    pub rtp_timestamp: u32,
    /// The lowest (extended) sequence number among the frame's packets.
    pub first_sequence: u64,
    /// The highest (extended) sequence number among the frame's packets.
    pub last_sequence: u64,
    /// Width in pixels (the Width field times 8).
    pub width: u16,
    /// Height in pixels (the Height field times 8).
    pub height: u16,
    /// Sampling layout.
    pub jpeg_type: JpegType,
    /// The Q field the frame was sent with.
    pub q: u8,
    /// Restart interval in MCUs (0: none).
    pub restart_interval: u16,
    /// The Type-specific field: 0 for a progressive frame; 1 or 2 for the odd
    /// or even field of interlaced video, 3 for a single field to be
    /// line-doubled (RFC 2435 Section 4.1). Fields are emitted as the
    /// separate images they are; weaving them is the caller's business.
    pub type_specific: u8,
}

/// Counters since the depacketizer was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DepacketizerStats {
    /// Frames emitted.
    pub frames_complete: u64,
    /// Frames given up, for any reason: a gap (see `frames_incomplete`) or
    /// a [`DropReason`] returned by [`Depacketizer::push`].
    pub frames_dropped: u64,
    /// Of `frames_dropped`, those given up because packets were still
    /// missing when newer frames moved on.
    pub frames_incomplete: u64,
    /// Packets whose payload headers could not be read
    /// ([`DepacketizeError::Malformed`]).
    pub packets_rejected: u64,
    /// Packets of frames already emitted or dropped
    /// ([`DepacketizeError::Late`]).
    pub packets_late: u64,
    /// Times the stream's timestamps jumped back while its sequence numbers
    /// went on, and the depacketizer started over.
    pub resyncs: u64,
}

/// Why a frame was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum DropReason {
    /// A Type other than 0, 1, 64 or 65 (RFC 2435 Section 4.1 defines only
    /// these; 128..=255 need a session-setup mapping we do not have).
    #[error("unsupported RTP/JPEG type {0}")]
    UnsupportedType(u8),
    /// Q 0 or 100..=127: reserved (RFC 2435 Section 4.2).
    #[error("reserved Q value {0}")]
    ReservedQ(u8),
    /// Q = 255 with no table data: forbidden (RFC 2435 Section 3.1.8).
    #[error("Q 255 without quantization tables")]
    MissingTables,
    /// Q 128..=254 with no table data, and no tables cached for that Q yet.
    #[error("no quantization tables cached for Q {0}")]
    NoCachedTables(u8),
    /// Table data whose length does not match its precision bits, or a
    /// table entry of 0.
    #[error("malformed quantization table data")]
    BadQuantTables,
    /// Types 64/65 with a restart interval of 0 (RFC 2435 Section 3.1.7:
    /// "MUST NOT be zero").
    #[error("restart interval of 0")]
    ZeroRestartInterval,
    /// Width or height of 0.
    #[error("zero width or height")]
    ZeroDimension,
    /// Packets of one frame disagree on Type, Q, size, restart interval,
    /// Type-specific or tables.
    #[error("packets of one frame disagree on their headers")]
    ConflictingHeaders,
    /// Two packets carry different bytes for the same part of the frame.
    #[error("overlapping fragments with different data")]
    ConflictingData,
    /// Data past the end given by the marker packet, two marker packets
    /// giving different ends, or a marker packet ending the frame at 0
    /// (no entropy-coded data).
    #[error("fragment past the frame's end")]
    BadEnd,
    /// The frame would exceed [`DepacketizerConfig::max_frame_len`].
    #[error("frame exceeds {max_frame_len} bytes")]
    TooLarge {
        /// The configured cap.
        max_frame_len: usize,
    },
    /// More than [`MAX_FRAGMENT_RUNS`] disjoint pieces.
    #[error("frame split into too many pieces")]
    TooFragmented,
}

/// Why [`Depacketizer::push`] did not use a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DepacketizeError {
    /// The payload headers are unreadable; the packet was discarded
    /// (its frame may still complete from a duplicate).
    #[error("malformed RTP/JPEG payload: {0}")]
    Malformed(#[from] PayloadError),
    /// The packet belongs to a frame already emitted or dropped, or to one
    /// older than both frames in flight (reordered too far, or duplicated).
    #[error("late packet for RTP timestamp {rtp_timestamp}")]
    Late {
        /// The packet's RTP timestamp.
        rtp_timestamp: u32,
    },
    /// This packet made its frame unusable; the frame was dropped and its
    /// remaining packets will be [`Late`](Self::Late).
    #[error("frame at RTP timestamp {rtp_timestamp} dropped: {reason}")]
    FrameDropped {
        /// The frame's RTP timestamp.
        rtp_timestamp: u32,
        /// What was wrong with it.
        reason: DropReason,
    },
}

/// Luma and chroma quantization tables, zig-zag order.
#[derive(Clone, PartialEq, Eq)]
struct QuantPair {
    luma: [u16; 64],
    chroma: [u16; 64],
}

/// The header fields every packet of a frame must agree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FrameParams {
    type_specific: u8,
    type_field: u8,
    q: u8,
    width_blocks: u8,
    height_blocks: u8,
    restart_interval: u16,
}

impl FrameParams {
    fn of(h: &PayloadHeader<'_>) -> Self {
        FrameParams {
            type_specific: h.type_specific,
            type_field: h.type_field,
            q: h.q,
            width_blocks: h.width_blocks,
            height_blocks: h.height_blocks,
            restart_interval: h.restart.map_or(0, |r| r.restart_interval),
        }
    }

    fn validate(&self) -> Result<JpegType, DropReason> {
        let jpeg_type = match self.type_field {
            0 | 64 => JpegType::Yuv422,
            1 | 65 => JpegType::Yuv420,
            t => return Err(DropReason::UnsupportedType(t)),
        };
        if self.type_field >= 64 && self.restart_interval == 0 {
            return Err(DropReason::ZeroRestartInterval);
        }
        if matches!(self.q, 0 | 100..=127) {
            return Err(DropReason::ReservedQ(self.q));
        }
        if self.width_blocks == 0 || self.height_blocks == 0 {
            return Err(DropReason::ZeroDimension);
        }
        Ok(jpeg_type)
    }

    fn width(&self) -> u16 {
        u16::from(self.width_blocks) * 8
    }

    fn height(&self) -> u16 {
        u16::from(self.height_blocks) * 8
    }
}

/// Reads the quantization table header's data (RFC 2435 Section 3.1.8):
/// luma then chroma table, each 64 bytes or (precision bit set) 128 bytes of
/// big-endian 16-bit entries. One table alone serves both components (VLC
/// sends that for JPEGs with a single table); bytes past the two tables
/// belong to tables types 0/1 do not use and are ignored.
fn parse_tables(precision: u8, data: &[u8]) -> Result<QuantPair, DropReason> {
    let size = |bit: u8| if precision & bit != 0 { 128 } else { 64 };
    let (luma_len, chroma_len) = (size(1), size(2));
    let read = |b: &[u8]| -> Result<[u16; 64], DropReason> {
        let mut t = [0u16; 64];
        if b.len() == 128 {
            for (v, pair) in t.iter_mut().zip(b.chunks_exact(2)) {
                *v = u16::from_be_bytes([pair[0], pair[1]]);
            }
        } else {
            for (v, &byte) in t.iter_mut().zip(b) {
                *v = u16::from(byte);
            }
        }
        if t.contains(&0) {
            return Err(DropReason::BadQuantTables);
        }
        Ok(t)
    };
    if data.len() >= luma_len + chroma_len {
        Ok(QuantPair {
            luma: read(&data[..luma_len])?,
            chroma: read(&data[luma_len..luma_len + chroma_len])?,
        })
    } else if data.len() == luma_len {
        let t = read(data)?;
        Ok(QuantPair { luma: t, chroma: t })
    } else {
        Err(DropReason::BadQuantTables)
    }
}

fn header_params<'a>(jpeg_type: JpegType, p: &FrameParams, t: &'a QuantPair) -> HeaderParams<'a> {
    HeaderParams {
        width: p.width(),
        height: p.height(),
        jpeg_type,
        restart_interval: p.restart_interval,
        luma_table: &t.luma,
        chroma_table: &t.chroma,
    }
}

/// A frame being put together.
struct Assembly {
    /// Set by the frame's first packet.
    params: Option<FrameParams>,
    jpeg_type: JpegType,
    /// Known from the first packet for Q 1..=99, from the packet at offset
    /// 0 for Q >= 128.
    tables: Option<QuantPair>,
    /// `buf[..base]` holds the rebuilt JPEG headers when they could be
    /// written before any data arrived (the usual in-order case: the
    /// finished frame is then `buf` itself, no extra copy); data offset `o`
    /// lives at `buf[base + o]`.
    buf: Vec<u8>,
    base: usize,
    /// Received data ranges: sorted, disjoint and not touching.
    runs: Vec<(usize, usize)>,
    /// End of the frame's data, from the marker packet.
    end: Option<usize>,
    /// Largest fragment end seen.
    max_end: usize,
}

impl Assembly {
    fn new() -> Self {
        Assembly {
            params: None,
            jpeg_type: JpegType::Yuv420,
            tables: None,
            buf: Vec::new(),
            base: 0,
            runs: Vec::new(),
            end: None,
            max_end: 0,
        }
    }

    fn add(
        &mut self,
        h: &PayloadHeader<'_>,
        data: &[u8],
        marker: bool,
        cache: &mut BTreeMap<u8, QuantPair>,
        max_frame_len: usize,
        size_hint: usize,
    ) -> Result<(), DropReason> {
        let params = FrameParams::of(h);
        match self.params {
            None => {
                self.jpeg_type = params.validate()?;
                self.params = Some(params);
                if params.q < 100 {
                    // Q 1..=99: T.81 K.1/K.2 scaled by the IJG formula
                    // (RFC 2435 Appendix A). `scaled_quant_tables` starts from
                    // the tables in natural order and returns them in
                    // zig-zag order, as DQT stores them. Appendix A prints
                    // its tables already in zig-zag order yet indexes them
                    // through zigzag[] again (a known erratum); copied
                    // literally it scrambles the tables. We follow T.81.
                    let (luma, chroma) = scaled_quant_tables(params.q);
                    self.tables = Some(QuantPair { luma, chroma });
                }
            }
            Some(p) if p != params => return Err(DropReason::ConflictingHeaders),
            Some(_) => {}
        }
        if let Some(qh) = &h.quant {
            let q = params.q;
            let tables = if qh.data.is_empty() {
                if q == 255 {
                    return Err(DropReason::MissingTables);
                }
                cache
                    .get(&q)
                    .cloned()
                    .ok_or(DropReason::NoCachedTables(q))?
            } else {
                let t = parse_tables(qh.precision, qh.data)?;
                // Q = 255 tables "MUST NOT" be relied on for later frames
                // (RFC 2435 Section 4.2); 128..=254 may be sent once.
                if q != 255 {
                    cache.insert(q, t.clone());
                }
                t
            };
            match &self.tables {
                Some(t) if *t != tables => return Err(DropReason::ConflictingHeaders),
                Some(_) => {}
                None => self.tables = Some(tables),
            }
        }
        if self.buf.is_empty() {
            if let (Some(p), Some(t)) = (&self.params, &self.tables) {
                self.buf.reserve(size_hint.min(max_frame_len));
                write_jpeg_headers(&mut self.buf, &header_params(self.jpeg_type, p, t));
                self.base = self.buf.len();
            }
        }

        let start = h.fragment_offset as usize;
        let end = start + data.len();
        if marker {
            match self.end {
                // A frame without entropy-coded data is no picture.
                _ if end == 0 => return Err(DropReason::BadEnd),
                Some(e) if e != end => return Err(DropReason::BadEnd),
                _ => self.end = Some(end),
            }
            if self.max_end > end {
                return Err(DropReason::BadEnd);
            }
        }
        if self.end.is_some_and(|e| end > e) {
            return Err(DropReason::BadEnd);
        }
        self.max_end = self.max_end.max(end);
        if data.is_empty() {
            return Ok(());
        }
        if self.base + end > max_frame_len {
            return Err(DropReason::TooLarge { max_frame_len });
        }
        self.insert(start, data, max_frame_len, size_hint)
    }

    /// Records `data` at `start`, checking overlaps with what is there.
    fn insert(
        &mut self,
        start: usize,
        data: &[u8],
        max_frame_len: usize,
        size_hint: usize,
    ) -> Result<(), DropReason> {
        let end = start + data.len();
        // Runs that overlap or touch [start, end) are runs[i..j].
        let i = self.runs.partition_point(|&(_, e)| e < start);
        let mut j = i;
        let (mut merged_start, mut merged_end) = (start, end);
        while let Some(&(rs, re)) = self.runs.get(j) {
            if rs > end {
                break;
            }
            let (os, oe) = (rs.max(start), re.min(end));
            if os < oe && self.buf[self.base + os..self.base + oe] != data[os - start..oe - start] {
                return Err(DropReason::ConflictingData);
            }
            merged_start = merged_start.min(rs);
            merged_end = merged_end.max(re);
            j += 1;
        }
        if i == j && self.runs.len() >= MAX_FRAGMENT_RUNS {
            return Err(DropReason::TooFragmented);
        }

        if self.buf.is_empty() {
            self.buf.reserve(size_hint.min(max_frame_len));
        }
        let at = self.base + start;
        if at >= self.buf.len() {
            self.buf.resize(at, 0);
            self.buf.extend_from_slice(data);
        } else if at + data.len() <= self.buf.len() {
            self.buf[at..at + data.len()].copy_from_slice(data);
        } else {
            let split = self.buf.len() - at;
            self.buf[at..].copy_from_slice(&data[..split]);
            self.buf.extend_from_slice(&data[split..]);
        }

        if i == j {
            self.runs.insert(i, (merged_start, merged_end));
        } else {
            self.runs[i] = (merged_start, merged_end);
            self.runs.drain(i + 1..j);
        }
        Ok(())
    }

    fn is_complete(&self) -> bool {
        match self.end {
            Some(e) => self.tables.is_some() && self.runs.len() == 1 && self.runs[0] == (0, e),
            None => false,
        }
    }

    /// Builds the JPEG of a complete frame.
    fn finish(&mut self, max_frame_len: usize) -> Result<(Vec<u8>, FrameParams), DropReason> {
        let (Some(p), Some(t), Some(end)) = (self.params, &self.tables, self.end) else {
            // Only called when complete.
            return Err(DropReason::BadEnd);
        };
        let data = &self.buf[self.base..self.base + end];
        // Entropy-coded data never ends in FF D9 (an FF in it is followed
        // by 00 or a restart code), so this is a sender-supplied EOI.
        let eoi: &[u8] = if data.ends_with(&[0xFF, 0xD9]) {
            &[]
        } else {
            &[0xFF, 0xD9]
        };
        let too_large = DropReason::TooLarge { max_frame_len };
        if self.base > 0 {
            if self.base + end + eoi.len() > max_frame_len {
                return Err(too_large);
            }
            self.buf.truncate(self.base + end);
            self.buf.extend_from_slice(eoi);
            Ok((mem::take(&mut self.buf), p))
        } else {
            // Data arrived before the tables: headers go in front now.
            let mut jpeg = Vec::new();
            write_jpeg_headers(&mut jpeg, &header_params(self.jpeg_type, &p, t));
            if jpeg.len() + end + eoi.len() > max_frame_len {
                return Err(too_large);
            }
            jpeg.reserve_exact(end + eoi.len());
            jpeg.extend_from_slice(data);
            jpeg.extend_from_slice(eoi);
            Ok((jpeg, p))
        }
    }
}

/// A frame in flight: `body` is `None` once it has been dropped, so that its
/// remaining packets are recognised as late instead of starting a new frame.
struct Partial {
    rtp_timestamp: u32,
    first_sequence: u64,
    last_sequence: u64,
    body: Option<Assembly>,
}

/// Whether RTP timestamp `a` is after `b` (RFC 3550 timestamps wrap: `a`
/// is after `b` when it is less than 2^31 ticks ahead).
fn ts_after(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// Reassembles RTP/JPEG packets (RFC 2435) into JPEG images.
///
/// Create one per RTP stream (SSRC) and [`push`](Self::push) every packet
/// of payload type 26 in arrival order; a frame comes out of the `push`
/// that completes it.
///
/// Frames are told apart by RTP timestamp and ordered by it. When a packet
/// of a third frame arrives while two are incomplete, the oldest is dropped
/// (counted in [`DepacketizerStats::frames_incomplete`]); when a frame
/// completes, older incomplete frames are dropped too, so frames come out in
/// order. Packets of frames already emitted or dropped are refused as
/// [`DepacketizeError::Late`]. If the timestamps jump back while sequence
/// numbers go forward (a sender restarting its clock), the depacketizer
/// drops what is in flight and starts over ([`DepacketizerStats::resyncs`]).
pub struct Depacketizer {
    max_frame_len: usize,
    slots: [Option<Partial>; 2],
    /// Timestamp of the newest frame emitted or dropped: packets of it or
    /// of older frames are late.
    watermark: Option<u32>,
    /// Highest sequence number among packets used.
    highest_sequence: Option<u64>,
    /// Tables received for Q 128..=254 (RFC 2435 Section 4.2).
    cached_tables: BTreeMap<u8, QuantPair>,
    /// Size of the last frame, to reserve buffers in one go.
    size_hint: usize,
    stats: DepacketizerStats,
}

impl core::fmt::Debug for Depacketizer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Depacketizer")
            .field("max_frame_len", &self.max_frame_len)
            .field(
                "in_flight",
                &self
                    .slots
                    .iter()
                    .flatten()
                    .map(|p| p.rtp_timestamp)
                    .collect::<Vec<_>>(),
            )
            .field("watermark", &self.watermark)
            .field("cached_q", &self.cached_tables.keys().collect::<Vec<_>>())
            .field("stats", &self.stats)
            .finish()
    }
}

impl Default for Depacketizer {
    fn default() -> Self {
        Depacketizer::new(DepacketizerConfig::default())
    }
}

impl Depacketizer {
    /// A depacketizer with nothing in flight and no cached tables.
    pub fn new(cfg: DepacketizerConfig) -> Self {
        Depacketizer {
            max_frame_len: cfg.max_frame_len,
            slots: [None, None],
            watermark: None,
            highest_sequence: None,
            cached_tables: BTreeMap::new(),
            size_hint: 0,
            stats: DepacketizerStats::default(),
        }
    }

    /// The counters.
    pub fn stats(&self) -> DepacketizerStats {
        self.stats
    }

    /// Forgets the frames in flight (not counted as dropped) and what was
    /// emitted, keeping cached tables. Call when the stream is known to
    /// restart (a new PLAY range, a seek) so that its new timestamps and
    /// sequence numbers are not judged against the old ones.
    pub fn reset(&mut self) {
        self.slots = [None, None];
        self.watermark = None;
        self.highest_sequence = None;
    }

    /// Feeds one RTP packet: its extended sequence number (the caller
    /// unwraps the 16-bit field, RFC 3550 Appendix A.1), RTP timestamp,
    /// marker bit and payload (after the RTP header, padding removed).
    ///
    /// Returns the frame this packet completes, if any. An error means the
    /// packet was not used, and says why; the depacketizer stays usable.
    pub fn push(
        &mut self,
        sequence: u64,
        rtp_timestamp: u32,
        marker: bool,
        payload: &[u8],
    ) -> Result<Option<DepacketizedFrame>, DepacketizeError> {
        let packet = match JpegPayload::new_checked(payload) {
            Ok(p) => p,
            Err(e) => {
                self.stats.packets_rejected += 1;
                return Err(DepacketizeError::Malformed(e));
            }
        };
        let header = PayloadHeader::parse(&packet);
        let late = DepacketizeError::Late { rtp_timestamp };

        let index = match self
            .slots
            .iter()
            .position(|s| s.as_ref().is_some_and(|p| p.rtp_timestamp == rtp_timestamp))
        {
            Some(i) => i,
            None => match self.open(sequence, rtp_timestamp) {
                Some(i) => i,
                None => {
                    self.stats.packets_late += 1;
                    return Err(late);
                }
            },
        };
        let Some(partial) = self.slots[index].as_mut() else {
            return Err(late);
        };
        let Some(body) = partial.body.as_mut() else {
            self.stats.packets_late += 1;
            return Err(late);
        };
        partial.first_sequence = partial.first_sequence.min(sequence);
        partial.last_sequence = partial.last_sequence.max(sequence);
        self.highest_sequence = Some(self.highest_sequence.map_or(sequence, |h| h.max(sequence)));

        let added = body.add(
            &header,
            packet.data(),
            marker,
            &mut self.cached_tables,
            self.max_frame_len,
            self.size_hint,
        );
        let complete = match added {
            Ok(()) => body.is_complete(),
            Err(reason) => {
                partial.body = None;
                self.stats.frames_dropped += 1;
                return Err(DepacketizeError::FrameDropped {
                    rtp_timestamp,
                    reason,
                });
            }
        };
        if !complete {
            return Ok(None);
        }

        // Complete. Older frames still in flight can no longer come out in
        // order: give them up.
        let Some(Partial {
            first_sequence,
            last_sequence,
            body: Some(mut body),
            ..
        }) = self.slots[index].take()
        else {
            return Ok(None); // unreachable: this slot's body was just used
        };
        for i in 0..self.slots.len() {
            if self.slots[i]
                .as_ref()
                .is_some_and(|o| ts_after(rtp_timestamp, o.rtp_timestamp))
            {
                self.retire(i);
            }
        }
        self.watermark = Some(rtp_timestamp);
        match body.finish(self.max_frame_len) {
            Ok((jpeg, params)) => {
                self.stats.frames_complete += 1;
                self.size_hint = jpeg.len();
                Ok(Some(DepacketizedFrame {
                    jpeg,
                    rtp_timestamp,
                    first_sequence,
                    last_sequence,
                    width: params.width(),
                    height: params.height(),
                    jpeg_type: body.jpeg_type,
                    q: params.q,
                    restart_interval: params.restart_interval,
                    type_specific: params.type_specific,
                }))
            }
            Err(reason) => {
                self.stats.frames_dropped += 1;
                Err(DepacketizeError::FrameDropped {
                    rtp_timestamp,
                    reason,
                })
            }
        }
    }

    /// Finds a slot for a frame not yet in flight, or `None` if the packet
    /// is late.
    fn open(&mut self, sequence: u64, rtp_timestamp: u32) -> Option<usize> {
        // Sequence numbers say whether this packet was sent after every
        // packet used so far; if so, a timestamp that looks old is a jump in
        // the sender's clock, not a late packet.
        let sent_after_all = self.highest_sequence.is_none_or(|h| sequence > h);
        if let Some(w_ts) = self.watermark {
            if !ts_after(rtp_timestamp, w_ts) {
                if !sent_after_all {
                    return None;
                }
                self.resync();
            }
        }
        let free = match self.slots.iter().position(Option::is_none) {
            Some(i) => i,
            None => {
                let ts = |i: usize| self.slots[i].as_ref().map_or(0, |p| p.rtp_timestamp);
                let oldest = if ts_after(ts(0), ts(1)) { 1 } else { 0 };
                if ts_after(ts(oldest), rtp_timestamp) {
                    // Older than both frames in flight.
                    if !sent_after_all {
                        return None;
                    }
                    self.resync();
                    0
                } else {
                    self.retire(oldest);
                    oldest
                }
            }
        };
        self.slots[free] = Some(Partial {
            rtp_timestamp,
            first_sequence: sequence,
            last_sequence: sequence,
            body: Some(Assembly::new()),
        });
        Some(free)
    }

    /// Gives up the frame in slot `i`, counting it if it was still being
    /// assembled, and moves the watermark past it.
    fn retire(&mut self, i: usize) {
        let Some(p) = self.slots[i].take() else {
            return;
        };
        if p.body.is_some() {
            self.stats.frames_dropped += 1;
            self.stats.frames_incomplete += 1;
        }
        if self
            .watermark
            .is_none_or(|w_ts| ts_after(p.rtp_timestamp, w_ts))
        {
            self.watermark = Some(p.rtp_timestamp);
        }
    }

    /// Drops everything in flight after a timestamp discontinuity.
    fn resync(&mut self) {
        for i in 0..self.slots.len() {
            self.retire(i);
        }
        self.watermark = None;
        self.stats.resyncs += 1;
    }
}
