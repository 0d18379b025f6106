//! Sequence-number and timestamp unwrapping across wrap-around, in order
//! and reordered.

use stream_core::rtp::seq::{timestamp_diff, timestamp_newer};
use stream_core::rtp::{SequenceUnwrapper, TimestampUnwrapper, seq_diff, seq_newer};

#[test]
fn wrapping_comparisons() {
    assert_eq!(seq_diff(1, 65535), 2);
    assert_eq!(seq_diff(65535, 1), -2);
    assert_eq!(seq_diff(100, 40), 60);
    assert!(seq_newer(0, 65535));
    assert!(seq_newer(32767, 0));
    assert!(!seq_newer(32768, 0));
    assert_eq!(timestamp_diff(5, u32::MAX), 6);
    assert!(timestamp_newer(1 << 31, 1));
    assert!(!timestamp_newer(1, 1));
}

#[test]
fn sequence_wraps_at_65535() {
    let mut u = SequenceUnwrapper::new();
    let got: Vec<u64> = [65533u16, 65534, 65535, 0, 1, 2]
        .into_iter()
        .map(|s| u.unwrap(s).unwrap())
        .collect();
    assert_eq!(got, vec![65533, 65534, 65535, 65536, 65537, 65538]);
    assert_eq!(u.highest(), Some(65538));
}

#[test]
fn sequence_reordered_across_the_wrap() {
    let mut u = SequenceUnwrapper::new();
    let arrivals = [65533u16, 65535, 0, 65534, 2, 1, 65535, 3];
    let want = [65533u64, 65535, 65536, 65534, 65538, 65537, 65535, 65539];
    for (s, w) in arrivals.into_iter().zip(want) {
        assert_eq!(u.unwrap(s), Some(w), "seq {s}");
    }
    // Late packet from before the wrap arriving after it.
    let mut u = SequenceUnwrapper::new();
    assert_eq!(u.unwrap(65500), Some(65500));
    assert_eq!(u.unwrap(10), Some(65546));
    assert_eq!(u.unwrap(65530), Some(65530));
    assert_eq!(u.unwrap(11), Some(65547));
}

#[test]
fn many_cycles() {
    let mut u = SequenceUnwrapper::new();
    let mut s = 40_000u16;
    let mut prev = u.unwrap(s).unwrap();
    for _ in 0..500_000 {
        s = s.wrapping_add(7);
        let e = u.unwrap(s).unwrap();
        assert_eq!(e, prev + 7);
        prev = e;
    }
    assert_eq!(prev, 40_000 + 7 * 500_000);
}

#[test]
fn before_the_first_packet_is_none() {
    let mut u = SequenceUnwrapper::new();
    assert_eq!(u.unwrap(1), Some(1));
    assert_eq!(u.unwrap(65535), None); // two before 1: extended -1
    assert_eq!(u.unwrap(0), Some(0));
    assert_eq!(u.unwrap(2), Some(2));
}

#[test]
fn timestamps_wrap_at_2_pow_32() {
    let mut u = TimestampUnwrapper::new();
    let step = 3600u32; // 25 fps at 90 kHz
    let start = u32::MAX - 2 * step;
    let mut ts = start;
    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(u.unwrap(ts));
        ts = ts.wrapping_add(step);
    }
    let base = i64::from(start);
    let want: Vec<i64> = (0..5).map(|i| base + i * i64::from(step)).collect();
    assert_eq!(got, want);
    assert!(got[3] > i64::from(u32::MAX));
    // Reordered across the wrap: a late pre-wrap timestamp, then post-wrap again.
    assert_eq!(u.unwrap(u32::MAX - 10), i64::from(u32::MAX) - 10);
    assert_eq!(u.unwrap(ts), base + 5 * i64::from(step));
    // Backwards from the start goes negative.
    let mut u = TimestampUnwrapper::new();
    assert_eq!(u.unwrap(100), 100);
    assert_eq!(u.unwrap(u32::MAX - 99), -100);
    assert_eq!(u.unwrap(200), 200);
    assert_eq!(u.last(), Some(200));
}
