//! Target `rfc2435_depacketize`: the RFC 2435 receiver, `Depacketizer`,
//! fed a sequence of arbitrary RTP/JPEG packets.
//!
//! Input: two bytes choosing the frame cap (`max_frame_len`, 64 bytes to
//! about 1 MiB; `0xFFFF` the 16 MiB default), then packets, each
//! `[control][len: u16 BE][payload]`. The control byte sets the marker bit
//! (bit 0), how the RTP timestamp moves (bits 1-2: same, next frame, back,
//! far) and how the sequence number moves (bits 3-4: +1, same, -1, jump),
//! and bit 5 resets the depacketizer first.
//!
//! Oracles:
//! - no emitted frame exceeds `max_frame_len`, and each is a JPEG image
//!   (SOI first, EOI last) whose rebuilt headers parse, describe the size,
//!   sampling and restart interval the packets gave, and are carriable by
//!   RFC 2435 again;
//! - frames come out in RTP timestamp order (between resyncs and resets);
//! - the counters agree with what `push` returned (frames emitted,
//!   malformed and late packets);
//! - the live heap stays within two frames in flight (each at most
//!   `max_frame_len`, at most twice that with `Vec` growth), their fragment
//!   bookkeeping and the cached tables, whatever offsets the packets claim.

use stream_core::jpeg::rfc2435::{
    DepacketizeError, Depacketizer, DepacketizerConfig, MAX_FRAGMENT_RUNS,
};
use stream_core::jpeg::{Jpeg, rfc2435_layout};

use crate::heap;

/// Runs the target.
pub fn run(data: &[u8]) {
    let Some((cap, mut rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let cap = u16::from_be_bytes(*cap);
    let max_frame_len = if cap == 0xFFFF {
        DepacketizerConfig::default().max_frame_len
    } else {
        64 + 16 * usize::from(cap)
    };
    let base = heap::live_bytes();
    // Two frames in flight, each buffer at most twice the cap (Vec growth),
    // plus the copy a frame whose tables came last is finished into; their
    // 16-byte runs, up to MAX_FRAGMENT_RUNS each (twice, growth again); 127
    // cached table pairs; slack for the allocator's bookkeeping.
    let heap_bound = 5 * max_frame_len + 2 * MAX_FRAGMENT_RUNS * 2 * 16 + 127 * 512 + (256 << 10);
    let mut d = Depacketizer::new(DepacketizerConfig { max_frame_len });

    let mut seq: u64 = 1 << 20;
    let mut ts: u32 = 0x1234_5678;
    let mut emitted = 0u64;
    let mut malformed = 0u64;
    let mut late = 0u64;
    let mut last_emitted: Option<u32> = None;
    while let Some((&[control, hi, lo], tail)) = rest.split_first_chunk::<3>() {
        let len = usize::from(u16::from_be_bytes([hi, lo])).min(tail.len());
        let (payload, tail) = tail.split_at(len);
        rest = tail;
        if control & 0x20 != 0 {
            d.reset();
            last_emitted = None;
        }
        ts = match (control >> 1) & 3 {
            0 => ts,
            1 => ts.wrapping_add(4500),
            2 => ts.wrapping_sub(4500),
            _ => ts.wrapping_add(0x8000_0000 | u32::from(control)),
        };
        seq = match (control >> 3) & 3 {
            0 => seq + 1,
            1 => seq,
            2 => seq - 1,
            _ => seq + 40_000,
        };
        let marker = control & 1 != 0;
        let resyncs = d.stats().resyncs;
        match d.push(seq, ts, marker, payload) {
            Ok(Some(frame)) => {
                emitted += 1;
                assert!(
                    frame.jpeg.len() <= max_frame_len,
                    "frame of {} bytes over the {max_frame_len}-byte cap",
                    frame.jpeg.len()
                );
                assert_eq!(frame.rtp_timestamp, ts);
                assert!(frame.first_sequence <= frame.last_sequence);
                check_jpeg(&frame);
                if d.stats().resyncs == resyncs {
                    if let Some(prev) = last_emitted {
                        assert!(
                            (ts.wrapping_sub(prev) as i32) > 0,
                            "frame {ts} emitted after frame {prev}"
                        );
                    }
                }
                last_emitted = Some(ts);
            }
            Ok(None) => {}
            Err(DepacketizeError::Malformed(_)) => malformed += 1,
            Err(DepacketizeError::Late { .. }) => late += 1,
            Err(_) => {}
        }
        let s = d.stats();
        assert_eq!(s.frames_complete, emitted);
        assert_eq!(s.packets_rejected, malformed);
        assert_eq!(s.packets_late, late);
        assert!(s.frames_incomplete <= s.frames_dropped);
        let used = heap::live_bytes().saturating_sub(base);
        assert!(
            used <= heap_bound,
            "{used} live heap bytes with a {max_frame_len}-byte frame cap"
        );
    }
}

fn check_jpeg(frame: &stream_core::jpeg::rfc2435::DepacketizedFrame) {
    let j = &frame.jpeg;
    assert!(j.starts_with(&[0xFF, 0xD8]) && j.ends_with(&[0xFF, 0xD9]));
    assert!(frame.width > 0 && frame.height > 0);
    // The entropy-coded data is the sender's: it may hold anything, so the
    // image as a whole need not parse. Its headers are ours and must.
    if let Ok(parsed) = Jpeg::parse(j) {
        assert_eq!(
            (parsed.frame.width, parsed.frame.height),
            (frame.width, frame.height)
        );
        assert_eq!(parsed.restart_interval, frame.restart_interval);
        let layout = rfc2435_layout(&parsed)
            .unwrap_or_else(|e| panic!("rebuilt headers not carriable: {e}"));
        assert_eq!(layout.jpeg_type, frame.jpeg_type);
    }
}
