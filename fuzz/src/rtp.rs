//! Target `rtp`: the RTP packet view (`RtpPacket::new_checked`,
//! `RtpHeader`) and what a receiver does with a stream of packets
//! (`ReceiverStats`, `SequenceUnwrapper`, `TimestampUnwrapper`).
//!
//! Input: the whole input is first checked as one packet; then it is read
//! as a sequence of packets, each `[len][arrival step][bytes]`.
//!
//! Oracles:
//! - a packet that passes `check` has every getter in bounds, and header,
//!   payload and padding add up to its length; `RtpHeader::parse` agrees
//!   with the getters; emitting the header in front of the payload gives a
//!   packet with the same header and payload (and, when the original had
//!   no CSRC, extension or padding, the same bytes);
//! - every extended sequence number (unwrapper and statistics) has the wire
//!   number in its low 16 bits, and the unwrapper's highest value never
//!   decreases;
//! - the statistics are consistent: received packets never exceed what was
//!   fed, nor do duplicates and reordered packets, loss is expected
//!   minus received, a report block's cumulative loss fits 24 bits.

use arbitrary::Unstructured;
use stream_core::Instant;
use stream_core::rtp::{
    HEADER_LEN, PacketVerdict, ReceiverStats, RtpHeader, RtpPacket, SequenceUnwrapper,
    TimestampUnwrapper,
};

/// Runs the target.
pub fn run(data: &[u8]) {
    check_packet(data);
    let _ = receive(&mut Unstructured::new(data));
}

fn check_packet(data: &[u8]) {
    let Ok(p) = RtpPacket::new_checked(data) else {
        return;
    };
    assert_eq!(p.version(), 2);
    let header_len = p.header_len();
    assert!(header_len >= HEADER_LEN);
    assert_eq!(
        header_len + p.payload().len() + p.padding_len(),
        data.len(),
        "{data:?}"
    );
    assert_eq!(p.csrcs().len(), usize::from(p.csrc_count()));
    assert_eq!(p.extension(), p.extension_data().is_some());
    if let Some((_, ext)) = p.extension_data() {
        assert_eq!(ext.len() % 4, 0);
    }
    assert_eq!(p.padding(), p.padding_len() > 0);
    let h = RtpHeader::parse(&p).expect("a checked packet has a header");
    assert_eq!(
        (
            h.marker,
            h.payload_type,
            h.sequence_number,
            h.timestamp,
            h.ssrc
        ),
        (
            p.marker(),
            p.payload_type(),
            p.sequence_number(),
            p.timestamp(),
            p.ssrc()
        )
    );
    assert!(h.payload_type <= 127);
    let mut out = Vec::new();
    h.write(&mut out);
    out.extend_from_slice(p.payload());
    let q = RtpPacket::new_checked(&out[..]).expect("an emitted packet is valid");
    assert_eq!(RtpHeader::parse(&q), Ok(h));
    assert_eq!(q.payload(), p.payload());
    if header_len == HEADER_LEN && !p.padding() {
        assert_eq!(out, data);
    }
}

fn receive(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let clock_rate = match u.int_in_range(0..=3u8)? {
        0 => 90_000,
        1 => 8_000,
        2 => 0,
        _ => u.arbitrary()?,
    };
    let mut stats = ReceiverStats::new(clock_rate);
    let mut seqs = SequenceUnwrapper::new();
    let mut stamps = TimestampUnwrapper::new();
    let mut now = Instant::ZERO;
    let mut fed = 0u64;
    while !u.is_empty() {
        let len = u.int_in_range(0..=64usize)?;
        let step: u16 = u.arbitrary()?;
        now += stream_core::Duration::from_micros(u64::from(step) * 16);
        let bytes = u.bytes(len.min(u.len()))?;
        // Short inputs still make packets: version 2 forced, the header
        // zero-filled to its 12 bytes.
        let mut buf = bytes.to_vec();
        if buf.len() < HEADER_LEN {
            buf.resize(HEADER_LEN, 0);
        }
        buf[0] = 0x80 | (buf[0] & 0x3F);
        let Ok(p) = RtpPacket::new_checked(&buf[..]) else {
            continue;
        };
        fed += 1;
        let seq = p.sequence_number();
        let before = seqs.highest();
        if let Some(x) = seqs.unwrap(seq) {
            assert_eq!(x as u16, seq);
            assert!(seqs.highest() >= before);
        }
        let _ = stamps.unwrap(p.timestamp());
        let verdict = stats.on_packet(now, seq, p.timestamp(), p.payload().len());
        if let Some(x) = verdict.extended() {
            assert_eq!(x as u16, seq, "{verdict:?}");
        }
        assert_eq!(
            verdict.is_usable(),
            !matches!(
                verdict,
                PacketVerdict::Duplicate { .. } | PacketVerdict::Jump | PacketVerdict::TooOld
            )
        );
        assert!(stats.received() <= fed, "{} > {fed}", stats.received());
        // Received restarts with a resync; these counters do not.
        assert!(stats.duplicates() + stats.reordered() <= fed);
        if stats.is_valid() {
            assert!(stats.highest_extended() + 1 >= stats.expected());
        } else {
            assert_eq!(stats.expected(), 0);
        }
        assert_eq!(
            stats.lost(),
            stats.expected() as i64 - stats.received() as i64
        );
        let _ = stats.jitter_duration();
        if step % 7 == 0 {
            let block = stats.report_block(1, 2, 3);
            assert!((-0x80_0000..=0x7F_FFFF).contains(&block.cumulative_lost));
            assert_eq!(block.highest_sequence, stats.highest_extended() as u32);
        }
    }
    Ok(())
}
