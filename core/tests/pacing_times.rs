//! Pacing: due times from the start instant without drift, RTP timestamps
//! from the frame index, pause/resume and seek, and the catch-up policy.

use proptest::prelude::*;
use stream_core::pacing::{DEFAULT_MAX_BURST, DueFrames, Pacer};
use stream_core::{Duration, Instant};

const T0: Instant = Instant::from_secs(1_000);

#[test]
fn one_hour_at_20_fps_is_exactly_3600_s() {
    let mut p = Pacer::new(20, 90_000, 0);
    p.start(T0, 0);
    assert_eq!(p.due(0), Some(T0));
    assert_eq!(p.due(1), Some(T0 + Duration::from_millis(50)));
    assert_eq!(p.due(72_000), Some(T0 + Duration::from_secs(3600)));
    assert_eq!(p.rtp_timestamp(72_000), (72_000u64 * 4500) as u32);
}

/// The exact due offset of frame n at `fps` is n * 1e6 / fps µs; the pacer
/// must be within one microsecond of it (never after it) for every frame.
fn assert_no_drift(fps: u32, frames: u64) {
    let mut p = Pacer::new(fps, 90_000, 0);
    p.start(T0, 0);
    let step = (frames / 5_000).max(1);
    let mut n = 0;
    while n <= frames {
        let off = p.due(n).unwrap().total_micros() - T0.total_micros();
        let exact_times_fps = u128::from(n) * 1_000_000;
        assert!(
            u128::from(off) * u128::from(fps) <= exact_times_fps,
            "fps {fps} frame {n}"
        );
        assert!(
            (u128::from(off) + 1) * u128::from(fps) > exact_times_fps,
            "fps {fps} frame {n}: {off} µs"
        );
        n += step;
    }
    // After ten hours, on the dot.
    let ten_hours = u64::from(fps) * 36_000;
    assert_eq!(p.due(ten_hours), Some(T0 + Duration::from_secs(36_000)));
}

#[test]
fn no_drift_over_ten_hours_for_awkward_rates() {
    for fps in [7, 24, 30, 20, 25, 60, 13] {
        assert_no_drift(fps, u64::from(fps) * 36_000);
    }
}

#[test]
fn rtp_timestamps_follow_the_index_only() {
    let p = Pacer::new(7, 90_000, 1000);
    // 90 000 / 7 is not whole: floor(n * 90 000 / 7), exact every 7 frames.
    assert_eq!(p.rtp_timestamp(0), 1000);
    assert_eq!(p.rtp_timestamp(1), 1000 + 12_857);
    assert_eq!(p.rtp_timestamp(2), 1000 + 25_714);
    assert_eq!(p.rtp_timestamp(7), 1000 + 90_000);
    // Ten hours later: 36 000 s of 90 kHz ticks, modulo 2^32.
    let ten_hours = 7 * 36_000;
    assert_eq!(
        p.rtp_timestamp(ten_hours),
        1000u32.wrapping_add((36_000u64 * 90_000) as u32)
    );
    // Wrapping near 2^32.
    let p = Pacer::new(20, 90_000, u32::MAX - 4499);
    assert_eq!(p.rtp_timestamp(1), 0);
    assert_eq!(p.rtp_timestamp(2), 4500);
    // Fractional rate: 29.97 fps is 3003 ticks a frame.
    let p = Pacer::with_frame_rate(30_000, 1001, 90_000, 0);
    assert_eq!(p.rtp_timestamp(1), 3003);
    assert_eq!(p.rtp_timestamp(30_000), 3003 * 30_000);
    // Huge frame numbers do not overflow.
    let p = Pacer::with_frame_rate(u32::MAX, u32::MAX - 1, u32::MAX, 5);
    let _ = p.rtp_timestamp(u64::MAX);
    let _ = p.media_time(u64::MAX);
    let _ = p.frame_at(Duration::MAX);
}

/// Runs a virtual clock from deadline to deadline, sending what is due.
fn run(p: &mut Pacer, until: Instant) -> Vec<(u64, Instant)> {
    let mut sent = vec![];
    while let Some(t) = p.next_due() {
        if t > until {
            break;
        }
        let due = p.take_due(t);
        assert!(due.skipped.is_empty());
        for f in due.send {
            sent.push((f, t));
        }
    }
    sent
}

#[test]
fn virtual_clock_sends_each_frame_once_at_its_time() {
    let mut p = Pacer::new(24, 90_000, 0);
    p.start(T0, 0);
    let sent = run(&mut p, T0 + Duration::from_secs(3600));
    assert_eq!(sent.len(), 24 * 3600 + 1);
    for (i, &(f, t)) in sent.iter().enumerate() {
        assert_eq!(f, i as u64);
        assert_eq!(Some(t), p.due(f));
    }
    // A spurious wake-up between deadlines sends nothing.
    let before = p.next_frame();
    let d = p.take_due(p.next_due().unwrap() - Duration::from_micros(1));
    assert!(d.send.is_empty() && d.skipped.is_empty());
    assert_eq!(p.next_frame(), before);
}

#[test]
fn pause_resume_keeps_media_time_continuous() {
    let mut p = Pacer::new(20, 90_000, 777);
    p.start(T0, 0);
    let sent = run(&mut p, T0 + Duration::from_millis(499));
    assert_eq!(sent.len(), 10); // frames 0..=9 at 0, 50, ..., 450 ms
    p.stop();
    assert!(!p.is_running());
    assert_eq!(p.next_due(), None);
    assert_eq!(p.due(10), None);
    assert_eq!(p.frames_due(T0 + Duration::from_secs(100)), 10..10);
    assert_eq!(p.next_frame(), 10);
    // PLAY again a minute later: frame 10 is due at once, its timestamp is
    // where the clip left off, not where the wall clock is.
    let t1 = T0 + Duration::from_secs(60);
    p.start(t1, p.next_frame());
    assert_eq!(p.next_due(), Some(t1));
    assert_eq!(p.due(11), Some(t1 + Duration::from_millis(50)));
    assert_eq!(p.rtp_timestamp(10), 777 + 10 * 4500);
    assert_eq!(p.rtp_timestamp(11) - p.rtp_timestamp(10), 4500);
}

#[test]
fn seek_with_range() {
    let mut p = Pacer::new(20, 90_000, 0);
    let frame = p.frame_at(Duration::from_millis(12_500));
    assert_eq!(frame, 250);
    assert_eq!(p.frame_at(Duration::from_millis(12_549)), 250);
    assert_eq!(p.frame_at(Duration::from_millis(12_550)), 251);
    assert_eq!(p.media_time(250), Duration::from_millis(12_500));
    p.start(T0, frame);
    assert_eq!(p.due(frame), Some(T0));
    assert_eq!(p.due(frame - 1), None);
    assert_eq!(p.take_due(T0).send, 250..251);
    assert_eq!(p.rtp_timestamp(250), 250 * 4500);
    // Seek back.
    p.start(T0 + Duration::from_secs(1), 0);
    assert_eq!(p.take_due(T0 + Duration::from_secs(1)).send, 0..1);
    assert_eq!(p.rtp_timestamp(0), 0);
}

#[test]
fn media_time_and_frame_at_round_trip() {
    for (num, den) in [(20, 1), (7, 1), (24, 1), (30, 1), (30_000, 1001), (3, 7)] {
        let p = Pacer::with_frame_rate(num, den, 90_000, 0);
        for n in (0..100_000).step_by(37).chain([u64::from(num) * 36_000]) {
            let t = p.media_time(n);
            assert_eq!(p.frame_at(t), n, "{num}/{den} frame {n}");
            if n > 0 {
                assert_eq!(p.frame_at(t - Duration::from_nanos(1)), n - 1);
            }
        }
    }
}

#[test]
fn late_frames_are_skipped_not_burst() {
    let mut p = Pacer::new(20, 90_000, 0);
    assert_eq!(p.max_burst(), DEFAULT_MAX_BURST);
    p.start(T0, 0);
    assert_eq!(p.take_due(T0).send, 0..1);
    // The process stalls for ten seconds: frames 1..=200 are all due.
    let t = T0 + Duration::from_secs(10);
    assert_eq!(p.frames_due(t), 1..201);
    assert_eq!(
        p.take_due(t),
        DueFrames {
            skipped: 1..199,
            send: 199..201
        }
    );
    assert_eq!(p.next_frame(), 201);
    assert_eq!(p.next_due(), Some(t + Duration::from_millis(50)));
    // One deadline missed by a little: caught up, nothing skipped.
    let t = t + Duration::from_millis(101);
    assert_eq!(
        p.take_due(t),
        DueFrames {
            skipped: 201..201,
            send: 201..203
        }
    );
    // With a burst of 1 the older of the two is skipped.
    let mut p = Pacer::new(20, 90_000, 0).with_max_burst(1);
    p.start(T0, 0);
    assert_eq!(
        p.take_due(T0 + Duration::from_millis(60)),
        DueFrames {
            skipped: 0..1,
            send: 1..2
        }
    );
    assert_eq!(Pacer::new(20, 90_000, 0).with_max_burst(0).max_burst(), 1);
}

#[test]
fn stopped_and_degenerate_configurations() {
    let mut p = Pacer::default();
    assert_eq!(p.frame_rate(), (20, 1));
    assert_eq!(p.clock_rate(), 90_000);
    assert_eq!(p.next_due(), None);
    assert_eq!(
        p.take_due(T0),
        DueFrames {
            skipped: 0..0,
            send: 0..0
        }
    );
    // now before the start instant (a caller bug): nothing due, no panic.
    p.start(T0, 5);
    assert_eq!(p.frames_due(T0 - Duration::from_secs(1)), 5..5);
    let mut p = Pacer::new(0, 0, 0);
    assert_eq!(p.frame_rate(), (1, 1));
    p.start(Instant::ZERO, 0);
    assert_eq!(p.due(3), Some(Instant::from_secs(3)));
    assert_eq!(p.rtp_timestamp(3), 3);
    // A start near the end of time saturates instead of overflowing.
    p.start(Instant::from_micros(u64::MAX - 10), u64::MAX - 1);
    assert_eq!(p.due(u64::MAX), Some(Instant::from_micros(u64::MAX)));
    assert_eq!(
        p.frames_due(Instant::from_micros(u64::MAX)),
        u64::MAX - 1..u64::MAX
    );
}

proptest! {
    #[test]
    fn frames_due_agrees_with_due(
        num in 1u32..200, den in 1u32..5, first in 0u64..1_000_000, elapsed in 0u64..100_000_000,
    ) {
        let mut p = Pacer::with_frame_rate(num, den, 90_000, 0);
        p.start(T0, first);
        let now = T0 + Duration::from_micros(elapsed);
        let due = p.frames_due(now);
        prop_assert_eq!(due.start, first);
        prop_assert!(due.end > first, "the first frame is due at once");
        prop_assert!(p.due(due.end - 1).unwrap() <= now);
        prop_assert!(p.due(due.end).unwrap() > now);
    }

    #[test]
    fn rtp_timestamp_steps_are_floor_or_ceil(num in 1u32..500, clock in 1u32..200_000, n in 0u64..1u64 << 40) {
        let p = Pacer::new(num, clock, 0);
        let step = p.rtp_timestamp(n + 1).wrapping_sub(p.rtp_timestamp(n));
        prop_assert!(step == clock / num || step == clock.div_ceil(num));
    }
}
