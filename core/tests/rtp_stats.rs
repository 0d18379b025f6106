//! Receiver statistics on known packet patterns, checked against the
//! RFC 3550 A.3 formulas worked by hand, and jitter against A.8 computed
//! independently (in floating point) here.

use stream_core::rtp::stats::{MAX_DROPOUT, MAX_MISORDER};
use stream_core::rtp::{PacketVerdict, ReceiverStats, ReportBlock};
use stream_core::{Duration, Instant};

const CLOCK: u32 = 90_000;

/// Feeds `seqs` in order, one every 40 ms, timestamps following the
/// sequence number (3600 ticks each), so jitter stays 0.
fn feed(stats: &mut ReceiverStats, seqs: &[u16]) -> Vec<PacketVerdict> {
    seqs.iter()
        .map(|&s| {
            let t = Instant::from_millis(40 * u64::from(s));
            stats.on_packet(t, s, u32::from(s) * 3600, 1000)
        })
        .collect()
}

#[test]
fn in_order() {
    let mut st = ReceiverStats::new(CLOCK);
    let v = feed(&mut st, &(1..=10).collect::<Vec<_>>());
    assert_eq!(v[0], PacketVerdict::Probation { extended: 1 });
    assert_eq!(v[1], PacketVerdict::New { extended: 2 });
    assert_eq!(v[9], PacketVerdict::New { extended: 10 });
    assert!(st.is_valid());
    // expected = 10 - 1 + 1; received counts the probation packet too.
    assert_eq!((st.expected(), st.received(), st.lost()), (10, 10, 0));
    assert_eq!((st.duplicates(), st.reordered()), (0, 0));
    assert_eq!(st.highest_extended(), 10);
    assert_eq!(st.jitter(), 0);
    assert_eq!(st.payload_bytes(), 10_000);
    let rb = st.report_block(0xABCD, 0x1111, 0x2222);
    assert_eq!(
        rb,
        ReportBlock {
            ssrc: 0xABCD,
            fraction_lost: 0,
            cumulative_lost: 0,
            highest_sequence: 10,
            jitter: 0,
            last_sr: 0x1111,
            delay_since_last_sr: 0x2222,
        }
    );
}

#[test]
fn loss_and_fraction_per_interval() {
    let mut st = ReceiverStats::new(CLOCK);
    // Interval 1: 100..=199 without 110, 111, 150.
    let seqs: Vec<u16> = (100..=199)
        .filter(|s| ![110, 111, 150].contains(s))
        .collect();
    feed(&mut st, &seqs);
    assert_eq!((st.expected(), st.received(), st.lost()), (100, 97, 3));
    let rb = st.report_block(1, 0, 0);
    // fraction = (lost_interval << 8) / expected_interval = 768 / 100.
    assert_eq!(rb.fraction_lost, 7);
    assert_eq!(rb.cumulative_lost, 3);
    assert_eq!(rb.highest_sequence, 199);

    // Interval 2: 200..=249 without 210..=214.
    let seqs: Vec<u16> = (200..=249).filter(|s| !(210..=214).contains(s)).collect();
    feed(&mut st, &seqs);
    assert_eq!((st.expected(), st.received(), st.lost()), (150, 142, 8));
    let rb = st.report_block(1, 0, 0);
    // expected_interval 50, received_interval 45: 5 * 256 / 50 = 25.6.
    assert_eq!(rb.fraction_lost, 25);
    assert_eq!(rb.cumulative_lost, 8);

    // Interval 3: nothing at all arrived.
    let rb = st.report_block(1, 0, 0);
    assert_eq!((rb.fraction_lost, rb.cumulative_lost), (0, 8));

    // Interval 4: every packet lost but one: 250..=259 missing, 260 arrives.
    feed(&mut st, &[260]);
    let rb = st.report_block(1, 0, 0);
    // expected_interval 11, received_interval 1: 10 * 256 / 11 = 232.7.
    assert_eq!(rb.fraction_lost, 232);
    assert_eq!(rb.cumulative_lost, 18);
}

#[test]
fn duplicates_make_loss_negative() {
    let mut st = ReceiverStats::new(CLOCK);
    let v = feed(&mut st, &[1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 10, 3]);
    assert_eq!(v[5], PacketVerdict::Duplicate { extended: 5 });
    assert_eq!(v[11], PacketVerdict::Duplicate { extended: 10 });
    assert_eq!(v[12], PacketVerdict::Duplicate { extended: 3 });
    assert!(!v[12].is_usable());
    // A.3: received counts duplicates, so lost = 10 - 13.
    assert_eq!((st.expected(), st.received(), st.lost()), (10, 13, -3));
    assert_eq!(st.duplicates(), 3);
    let rb = st.report_block(1, 0, 0);
    assert_eq!(rb.fraction_lost, 0);
    assert_eq!(rb.cumulative_lost, -3);
}

#[test]
fn reordering() {
    let mut st = ReceiverStats::new(CLOCK);
    let v = feed(&mut st, &[1, 2, 3, 5, 4, 6, 9, 7, 8, 10]);
    assert_eq!(v[3], PacketVerdict::New { extended: 5 });
    assert_eq!(v[4], PacketVerdict::Reordered { extended: 4 });
    assert_eq!(v[7], PacketVerdict::Reordered { extended: 7 });
    assert!(v[7].is_usable());
    assert_eq!((st.expected(), st.received(), st.lost()), (10, 10, 0));
    assert_eq!((st.reordered(), st.duplicates()), (3, 0));
    // A gap filled late within one interval is no loss.
    assert_eq!(st.report_block(1, 0, 0).fraction_lost, 0);
}

#[test]
fn late_packet_fills_a_gap_reported_as_loss() {
    let mut st = ReceiverStats::new(CLOCK);
    feed(&mut st, &[1, 2, 4, 5]);
    let rb = st.report_block(1, 0, 0);
    assert_eq!((rb.fraction_lost, rb.cumulative_lost), (51, 1)); // 256 / 5
    // 3 arrives in the next interval: received_interval 2 > expected_interval 1.
    feed(&mut st, &[3, 6]);
    let rb = st.report_block(1, 0, 0);
    assert_eq!((rb.fraction_lost, rb.cumulative_lost), (0, 0));
}

#[test]
fn wrap_and_reordering_across_it() {
    let mut st = ReceiverStats::new(CLOCK);
    let mut v = Vec::new();
    for s in [65530u16, 65531, 65532, 65533, 65535, 1, 0, 65534, 2, 3] {
        v.push(st.on_packet(Instant::ZERO, s, 0, 0));
    }
    assert_eq!(v[4], PacketVerdict::New { extended: 65535 });
    assert_eq!(v[5], PacketVerdict::New { extended: 65537 });
    assert_eq!(v[6], PacketVerdict::Reordered { extended: 65536 });
    assert_eq!(v[7], PacketVerdict::Reordered { extended: 65534 });
    assert_eq!(v[9], PacketVerdict::New { extended: 65539 });
    assert_eq!(st.highest_extended(), 0x1_0003);
    assert_eq!((st.expected(), st.received(), st.lost()), (10, 10, 0));
    // One cycle in the upper 16 bits of the report's highest sequence.
    assert_eq!(st.report_block(1, 0, 0).highest_sequence, 0x0001_0003);
}

#[test]
fn probation_needs_packets_in_sequence() {
    let mut st = ReceiverStats::new(CLOCK);
    let v = feed(&mut st, &[1, 3, 9]);
    assert_eq!(v[0], PacketVerdict::Probation { extended: 1 });
    assert_eq!(v[1], PacketVerdict::Probation { extended: 3 });
    assert_eq!(v[2], PacketVerdict::Probation { extended: 9 });
    assert!(!st.is_valid());
    assert_eq!((st.expected(), st.received()), (0, 0));
    let v = feed(&mut st, &[10, 11]);
    assert!(st.is_valid());
    assert_eq!(v[0], PacketVerdict::New { extended: 10 });
    // Counting starts at the run that validated the source: 9..=11.
    assert_eq!((st.expected(), st.received(), st.lost()), (3, 3, 0));

    // A probation run across the wrap.
    let mut st = ReceiverStats::new(CLOCK);
    assert_eq!(
        st.on_packet(Instant::ZERO, 65535, 0, 0),
        PacketVerdict::Probation { extended: 65535 }
    );
    assert_eq!(
        st.on_packet(Instant::ZERO, 0, 0, 0),
        PacketVerdict::New { extended: 65536 }
    );
    assert_eq!(
        st.on_packet(Instant::ZERO, 1, 0, 0),
        PacketVerdict::New { extended: 65537 }
    );
    assert_eq!((st.expected(), st.received()), (3, 3));
}

#[test]
fn restarted_sender_resyncs() {
    let mut st = ReceiverStats::new(CLOCK);
    feed(&mut st, &(1..=50).collect::<Vec<_>>());
    // The sender restarts with new numbers, 19 950 ahead (> MAX_DROPOUT).
    let v = feed(&mut st, &[20_000, 20_001, 20_002, 20_004]);
    assert_eq!(v[0], PacketVerdict::Jump);
    assert!(!v[0].is_usable());
    assert_eq!(v[1], PacketVerdict::Restarted { extended: 20_001 });
    assert_eq!(v[2], PacketVerdict::New { extended: 20_002 });
    assert_eq!(st.restarts(), 1);
    // Statistics start over from 20 000 (both packets of the pair counted).
    assert_eq!((st.expected(), st.received(), st.lost()), (5, 4, 1));
    assert_eq!(st.highest_extended(), 20_004);

    // A restart to lower numbers (far behind: too old, then resync).
    let v = feed(&mut st, &[7, 8, 9]);
    assert_eq!(v[0], PacketVerdict::TooOld);
    assert_eq!(v[1], PacketVerdict::Restarted { extended: 8 });
    assert_eq!((st.expected(), st.received()), (3, 3));
    assert_eq!(st.restarts(), 2);
}

#[test]
fn stray_packets_do_not_resync() {
    let mut st = ReceiverStats::new(CLOCK);
    feed(&mut st, &(1..=50).collect::<Vec<_>>());
    let v = feed(&mut st, &[20_000, 51, 20_001, 52]);
    assert_eq!(v[0], PacketVerdict::Jump);
    assert_eq!(v[1], PacketVerdict::New { extended: 51 });
    // 20 001 follows 20 000, but not immediately: still a stray.
    assert_eq!(v[2], PacketVerdict::Jump);
    assert_eq!(v[3], PacketVerdict::New { extended: 52 });
    assert_eq!(st.restarts(), 0);
    assert_eq!((st.expected(), st.received(), st.lost()), (52, 52, 0));
}

#[test]
fn window_edges() {
    let mut st = ReceiverStats::new(CLOCK);
    feed(&mut st, &[1000, 1001]);
    // Just under MAX_DROPOUT ahead: a gap, counted as loss.
    let ahead = 1001 + MAX_DROPOUT - 1;
    assert_eq!(
        feed(&mut st, &[ahead])[0],
        PacketVerdict::New {
            extended: u64::from(ahead)
        }
    );
    assert_eq!(st.lost(), i64::from(MAX_DROPOUT) - 2);
    // Up to MAX_MISORDER - 1 behind: late (A.1's window); MAX_MISORDER: too old.
    let late = ahead - (MAX_MISORDER - 1);
    assert_eq!(
        feed(&mut st, &[late])[0],
        PacketVerdict::Reordered {
            extended: u64::from(late)
        }
    );
    assert_eq!(feed(&mut st, &[late - 1])[0], PacketVerdict::TooOld);
    // MAX_DROPOUT ahead: a jump.
    let jump = ahead + MAX_DROPOUT;
    assert_eq!(feed(&mut st, &[jump])[0], PacketVerdict::Jump);
}

#[test]
fn cumulative_loss_is_clamped_to_24_bits() {
    let mut st = ReceiverStats::new(CLOCK);
    let mut s = 0u16;
    st.on_packet(Instant::ZERO, s, 0, 0);
    s += 1;
    st.on_packet(Instant::ZERO, s, 0, 0);
    for _ in 0..3000 {
        s = s.wrapping_add(2999);
        assert!(matches!(
            st.on_packet(Instant::ZERO, s, 0, 0),
            PacketVerdict::New { .. }
        ));
    }
    assert_eq!(st.lost(), 2998 * 3000);
    assert!(st.lost() > 0x7F_FFFF);
    assert_eq!(st.report_block(1, 0, 0).cumulative_lost, 0x7F_FFFF);
}

/// A.8 in floating point, straight from the RFC's definition, over
/// arrival times in microseconds and timestamps already unwrapped.
fn reference_jitter(clock_rate: u32, packets: &[(u64, i64)]) -> f64 {
    let mut j = 0.0f64;
    let mut prev: Option<(f64, f64)> = None;
    for &(arrival_us, ts) in packets {
        let r = arrival_us as f64 * f64::from(clock_rate) / 1e6;
        let s = ts as f64;
        if let Some((ri, si)) = prev {
            let d = (r - ri) - (s - si);
            j += (d.abs() - j) / 16.0;
        }
        prev = Some((r, s));
    }
    j
}

#[test]
fn jitter_matches_a8() {
    // 25 fps at 90 kHz, network delays varying by a few milliseconds; the
    // timestamps start near the 32-bit wrap to exercise its arithmetic too.
    let delays_ms = [
        10u64, 15, 12, 30, 11, 17, 40, 13, 10, 10, 22, 9, 60, 10, 14, 11,
    ];
    let ts0 = i64::from(u32::MAX - 20_000);
    let packets: Vec<(u64, i64)> = delays_ms
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                1_000_000 + i as u64 * 40_000 + d * 1000,
                ts0 + i as i64 * 3600,
            )
        })
        .collect();
    assert!(packets.last().unwrap().1 > i64::from(u32::MAX));
    let mut st = ReceiverStats::new(CLOCK);
    for (n, &(arrival, ts)) in packets.iter().enumerate() {
        st.on_packet(
            Instant::from_micros(arrival),
            500 + n as u16,
            ts as u32,
            100,
        );
        let j = reference_jitter(CLOCK, &packets[..=n]);
        assert!(
            (f64::from(st.jitter()) - j).abs() <= 1.0,
            "after packet {n}: jitter {} vs A.8 {j}",
            st.jitter()
        );
    }
    let j = reference_jitter(CLOCK, &packets);
    assert!(j > 100.0, "the pattern should give real jitter: {j}");
    let want_secs = j / f64::from(CLOCK);
    let got_secs = st.jitter_duration().as_secs_f64();
    assert!(
        (got_secs - want_secs).abs() < 1.0 / f64::from(CLOCK),
        "{got_secs} vs {want_secs}"
    );
    // The report block carries the same value.
    assert_eq!(st.report_block(1, 0, 0).jitter, st.jitter());
}

#[test]
fn constant_delay_gives_no_jitter_over_an_hour() {
    // 30 fps: frame n leaves at n/30 s (timestamp n * 3000) and arrives
    // 5 ms later, at a whole microsecond. Arrival times are converted from
    // the absolute instant each time, so rounding never accumulates.
    let mut st = ReceiverStats::new(CLOCK);
    for n in 0..108_000u64 {
        let arrival = Instant::from_micros(n * 1_000_000 / 30 + 5_000);
        st.on_packet(arrival, n as u16, (n * 3000) as u32, 0);
    }
    assert!(st.jitter() <= 1, "jitter {}", st.jitter());
    assert!(st.jitter_duration() < Duration::from_micros(20));
    assert_eq!(st.expected(), 108_000);
    assert_eq!(st.lost(), 0);
}

#[test]
fn zero_clock_rate_does_not_panic() {
    let mut st = ReceiverStats::new(0);
    assert_eq!(st.clock_rate(), 1);
    st.on_packet(Instant::from_secs(1), 1, 0, 0);
    st.on_packet(Instant::from_secs(3), 2, 0, 0);
    assert_eq!(st.jitter(), 0);
    let _ = st.jitter_duration();
}

#[test]
fn resync_counts_the_packet_that_announced_it() {
    // Found by the property test: a restart to numbers just outside the
    // reorder window, then a late copy of the packet that began it.
    let mut st = ReceiverStats::new(CLOCK);
    let at = Instant::ZERO;
    st.on_packet(at, 0, 0, 0);
    st.on_packet(at, 1, 0, 0);
    assert_eq!(st.on_packet(at, 65436, 0, 0), PacketVerdict::TooOld);
    assert_eq!(
        st.on_packet(at, 65437, 0, 0),
        PacketVerdict::Restarted { extended: 65437 }
    );
    assert_eq!((st.expected(), st.received()), (2, 2));
    assert_eq!(
        st.on_packet(at, 65436, 0, 0),
        PacketVerdict::Duplicate { extended: 65436 }
    );
    assert_eq!(st.duplicates(), 1);
}
