//! Property tests: the RTP view and the RTCP parser never panic on any
//! input; the unwrappers are monotonic on in-order input; receiver
//! statistics stay consistent on any arrival pattern; RTCP round-trips.

use proptest::prelude::*;
use stream_core::Instant;
use stream_core::rtp::{
    ReceiverReport, ReceiverStats, ReportBlock, RtcpPacket, RtpHeader, RtpPacket,
    SequenceUnwrapper, TimestampUnwrapper, parse_compound, write_receiver_report_compound,
};

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..200)
}

/// Bytes that start like RTP (V=2) often, so the later checks get exercised.
fn rtp_like() -> impl Strategy<Value = Vec<u8>> {
    (bytes(), any::<u8>()).prop_map(|(mut b, flags)| {
        if let Some(first) = b.first_mut() {
            *first = 0x80 | (flags & 0x3F);
        }
        b
    })
}

proptest! {
    #[test]
    fn rtp_view_never_panics(b in prop_oneof![bytes(), rtp_like()]) {
        if let Ok(p) = RtpPacket::new_checked(&b[..]) {
            let _ = (p.version(), p.marker(), p.payload_type(), p.sequence_number());
            let _ = (p.timestamp(), p.ssrc(), p.csrcs().count(), p.extension_data());
            prop_assert_eq!(p.header_len() + p.payload().len() + p.padding_len(), b.len());
            prop_assert_eq!(RtpHeader::parse(&p).map(|h| h.sequence_number), Ok(p.sequence_number()));
        }
    }

    #[test]
    fn rtcp_parser_never_panics(b in prop_oneof![bytes(), rtp_like()]) {
        let mut total = 0usize;
        for r in parse_compound(&b) {
            let Ok(p) = r else { break };
            match p {
                RtcpPacket::SenderReport { reports, .. } | RtcpPacket::ReceiverReport { reports, .. } => {
                    total += reports.count();
                }
                RtcpPacket::SourceDescription(chunks) => {
                    for c in chunks {
                        total += c.items.map(|i| i.value.len()).sum::<usize>();
                    }
                }
                RtcpPacket::Goodbye { ssrcs, reason } => total += ssrcs.count() + reason.map_or(0, <[u8]>::len),
                _ => {}
            }
        }
        prop_assert!(total <= b.len());
    }

    #[test]
    fn sequence_unwrapper_is_monotonic_in_order(start in any::<u16>(), steps in prop::collection::vec(1u16..=32_767, 0..300)) {
        let mut u = SequenceUnwrapper::new();
        let mut s = start;
        let mut want = u64::from(start);
        prop_assert_eq!(u.unwrap(s), Some(want));
        for step in steps {
            s = s.wrapping_add(step);
            want += u64::from(step);
            prop_assert_eq!(u.unwrap(s), Some(want));
        }
    }

    #[test]
    fn timestamp_unwrapper_is_monotonic_in_order(start in any::<u32>(), steps in prop::collection::vec(0u32..=0x7FFF_FFFF, 0..300)) {
        let mut u = TimestampUnwrapper::new();
        let mut t = start;
        let mut want = i64::from(start);
        prop_assert_eq!(u.unwrap(t), want);
        for step in steps {
            t = t.wrapping_add(step);
            want += i64::from(step);
            prop_assert_eq!(u.unwrap(t), want);
        }
    }

    #[test]
    fn receiver_stats_stay_consistent(
        start in any::<u16>(),
        moves in prop::collection::vec((-150i32..150, 0u64..100_000, any::<u32>()), 1..400),
    ) {
        let mut st = ReceiverStats::new(90_000);
        let mut seq = start;
        let mut now = 0u64;
        let mut extended_seen = std::collections::HashSet::new();
        for (delta, dt, ts) in moves {
            // Mostly forward, sometimes back or repeated: a lossy, reordering network.
            seq = seq.wrapping_add(delta as u16);
            now += dt;
            let v = st.on_packet(Instant::from_micros(now), seq, ts, 10);
            if let Some(e) = v.extended() {
                prop_assert_eq!(e as u16, seq);
                if matches!(v, stream_core::rtp::PacketVerdict::Duplicate { .. }) {
                    prop_assert!(extended_seen.contains(&e) || e == st.highest_extended());
                }
                extended_seen.insert(e);
                if matches!(v, stream_core::rtp::PacketVerdict::Restarted { .. }) {
                    // The resync counts the packet before it, reported as a jump.
                    extended_seen.insert(e - 1);
                }
            }
            if st.is_valid() {
                prop_assert!(st.expected() >= 1);
                prop_assert_eq!(st.lost(), st.expected() as i64 - st.received() as i64);
            }
            let rb = st.report_block(1, 0, 0);
            prop_assert_eq!(rb.highest_sequence as u16, st.highest_extended() as u16);
            prop_assert!((-0x80_0000..=0x7F_FFFF).contains(&rb.cumulative_lost));
        }
    }

    #[test]
    fn report_blocks_round_trip(raw in prop::collection::vec(any::<(u32, u8, i32, u32, u32, u32, u32)>(), 0..=31)) {
        let blocks: Vec<ReportBlock> = raw
            .into_iter()
            .map(|(ssrc, f, lost, hi, j, lsr, dlsr)| ReportBlock {
                ssrc,
                fraction_lost: f,
                cumulative_lost: lost >> 8, // within 24 bits
                highest_sequence: hi,
                jitter: j,
                last_sr: lsr,
                delay_since_last_sr: dlsr,
            })
            .collect();
        let mut out = Vec::new();
        write_receiver_report_compound(&mut out, &ReceiverReport { ssrc: 3, reports: &blocks }, "c").unwrap();
        let first = parse_compound(&out).next().unwrap().unwrap();
        let RtcpPacket::ReceiverReport { reports, .. } = first else { panic!() };
        prop_assert_eq!(reports.collect::<Vec<_>>(), blocks);
    }
}
