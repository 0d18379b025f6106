//! The jitter buffer: when to show each decoded frame.
//!
//! Frames are shown at their RTP timestamps, not when they happen to
//! arrive. The first frame after a [`Playout::reset`] fixes the mapping
//! from RTP time to local time ("it arrived at `t`, so it is shown at
//! `t + delay`"); every later frame is due `delay` after the local time its
//! timestamp maps to. The delay absorbs network and decoder jitter: a frame
//! that arrives up to `delay` late (relative to the first one) is still
//! shown on time and in order.
//!
//! Rules, all pure and driven by injected [`Instant`]s:
//! - a frame whose due time has already passed when it arrives is **late**
//!   and dropped (showing it would be showing the past); after
//!   `max_consecutive_late` late frames in a row the mapping is rebuilt
//!   from the next one, so a sender stall costs a few frames, not the rest
//!   of the stream;
//! - a frame due more than `delay + max_early` after it arrives is **early**:
//!   the sender got ahead of the mapping (a burst after a network stall, a
//!   sender clock slightly fast). The mapping is rebuilt from it at once and
//!   what waits moves earlier with it, so the backlog drains and the delay
//!   never grows without bound;
//! - a frame not newer than the last one shown is **stale** and dropped: the
//!   picture never goes backwards;
//! - when several frames are due at once (the UI was busy), only the newest
//!   is shown and the others count as skipped;
//! - RTP timestamps are 32-bit and wrap (RFC 3550 Section 5.1): each is
//!   extended to 64 bits by the signed distance from the previous one;
//! - a jump of more than `discontinuity` from the previous timestamp (a
//!   server restarting its clock, a seek we did not ask for) flushes the
//!   buffer and starts a new mapping instead of stalling or dropping
//!   everything;
//! - at most `max_pending` frames wait; beyond that the oldest is dropped
//!   and the mapping moves so that the next frame is due at once (more
//!   frames within the delay than the buffer holds: the delay shrinks to
//!   what fits), so memory stays bounded and the picture keeps moving.
//!
//! The course lab's server stamps packets with wall-clock seconds; the
//! core replaces those with timestamps derived from the sequence number at
//! the lab's nominal 20 fps, which say nothing about when the server really
//! sent a frame. For that dialect [`Timing::Arrival`] shows frames as they
//! arrive, ordered by sequence number.

use std::collections::VecDeque;

use stream_core::{Duration, Instant};

/// The RTP clock rate of JPEG video (RFC 2435 Section 3, RFC 3551 Section 6: 90 kHz).
pub const JPEG_CLOCK_RATE: u32 = 90_000;

/// What orders and paces frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Timing {
    /// Pace by RTP timestamps (standard RTSP/RTP).
    #[default]
    RtpTimestamps,
    /// Show on arrival, ordered by sequence number (the lab dialect, whose
    /// timestamps the core derives from sequence numbers).
    Arrival,
}

/// Tuning of a [`Playout`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayoutConfig {
    /// How frames are paced.
    pub timing: Timing,
    /// How long after its mapped arrival a frame is shown; jitter up to this
    /// much is absorbed.
    pub delay: Duration,
    /// RTP clock rate in Hz.
    pub clock_rate: u32,
    /// Most frames waiting at once.
    pub max_pending: usize,
    /// A timestamp step larger than this (either way) starts a new timeline.
    pub discontinuity: Duration,
    /// Late frames in a row after which the timeline is rebuilt.
    pub max_consecutive_late: u32,
    /// A frame due more than `delay + max_early` after it arrives rebuilds
    /// the timeline.
    pub max_early: Duration,
}

impl Default for PlayoutConfig {
    fn default() -> Self {
        PlayoutConfig {
            timing: Timing::RtpTimestamps,
            delay: Duration::from_millis(120),
            clock_rate: JPEG_CLOCK_RATE,
            max_pending: 16,
            discontinuity: Duration::from_secs(3),
            max_consecutive_late: 3,
            max_early: Duration::from_millis(200),
        }
    }
}

/// What [`Playout::push`] did with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Waiting; it will be released at `due`.
    Queued {
        /// When [`Playout::poll`] will release it.
        due: Instant,
    },
    /// Dropped: its due time had passed by `by` when it arrived.
    Late {
        /// How late it was.
        by: Duration,
    },
    /// Dropped: not newer than the frame last released.
    Stale,
}

/// A frame [`Playout::poll`] says to show now.
#[derive(Debug, Clone, PartialEq)]
pub struct Released<T> {
    /// The frame.
    pub item: T,
    /// Its position in the presentation (the reset origin plus RTP time
    /// elapsed since the first frame after the reset); `None` with
    /// [`Timing::Arrival`].
    pub position: Option<Duration>,
    /// Older due frames dropped in favour of this one.
    pub skipped: u32,
}

/// Counts of what happened to pushed frames since the `Playout` was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlayoutCounters {
    /// Frames released for display.
    pub released: u64,
    /// Frames dropped because they arrived after their due time.
    pub late: u64,
    /// Frames dropped because they were not newer than the one shown.
    pub stale: u64,
    /// Due frames dropped because a newer one was due too.
    pub skipped: u64,
    /// Frames dropped because too many were waiting, or flushed by a reset
    /// or a discontinuity.
    pub flushed: u64,
    /// Times the RTP-to-local mapping was rebuilt (late streaks, early
    /// frames, a full buffer, discontinuities).
    pub resyncs: u64,
}

/// Extended (64-bit) timestamp then sequence number: the display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    timestamp: i64,
    sequence: u64,
}

struct Pending<T> {
    key: Key,
    due: Instant,
    arrived: Instant,
    item: T,
}

/// When RTP time `base_timestamp` is due on the local clock.
#[derive(Debug, Clone, Copy)]
struct Timeline {
    base_timestamp: i64,
    base_due: Instant,
}

impl Timeline {
    fn due(self, timestamp: i64, clock_rate: u32) -> Instant {
        let offset = timestamp - self.base_timestamp;
        let magnitude = ticks_to_duration(offset.unsigned_abs(), clock_rate);
        if offset >= 0 {
            self.base_due + magnitude
        } else {
            self.base_due - magnitude
        }
    }
}

fn ticks_to_duration(ticks: u64, clock_rate: u32) -> Duration {
    let micros = u128::from(ticks) * 1_000_000 / u128::from(clock_rate);
    Duration::from_micros(u64::try_from(micros).unwrap_or(u64::MAX))
}

/// A jitter buffer of frames of type `T` (see the module docs).
pub struct Playout<T> {
    config: PlayoutConfig,
    pending: VecDeque<Pending<T>>,
    timeline: Option<Timeline>,
    /// The last pushed timestamp, raw and extended.
    last_timestamp: Option<(u32, i64)>,
    last_released: Option<Key>,
    consecutive_late: u32,
    /// Position of the presentation at `origin_timestamp`.
    origin_position: Duration,
    origin_timestamp: Option<i64>,
    last_position: Option<Duration>,
    /// Frames before this RTP sequence number (the first of a new PLAY
    /// range) are from before a seek; dropped until a newer one is shown.
    first_sequence: Option<u16>,
    counters: PlayoutCounters,
}

impl<T> Playout<T> {
    /// An empty buffer. A zero `clock_rate` is treated as 90 kHz and a zero
    /// `max_pending` as 1.
    pub fn new(mut config: PlayoutConfig) -> Playout<T> {
        if config.clock_rate == 0 {
            config.clock_rate = JPEG_CLOCK_RATE;
        }
        config.max_pending = config.max_pending.max(1);
        Playout {
            config,
            pending: VecDeque::new(),
            timeline: None,
            last_timestamp: None,
            last_released: None,
            consecutive_late: 0,
            origin_position: Duration::ZERO,
            origin_timestamp: None,
            last_position: None,
            first_sequence: None,
            counters: PlayoutCounters::default(),
        }
    }

    /// What happened to frames so far.
    pub fn counters(&self) -> PlayoutCounters {
        self.counters
    }

    /// Frames waiting.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Position of the frame last released, if known.
    pub fn position(&self) -> Option<Duration> {
        self.last_position
    }

    /// Forgets waiting frames and the timeline. Call when PLAY starts (after
    /// a PAUSE, the sender's timestamps continue but local time has moved
    /// on), when pausing, and when seeking. `origin` is the presentation
    /// position of the next frame (the seek target); `None` keeps counting
    /// from the last released position.
    pub fn reset(&mut self, origin: Option<Duration>) {
        self.counters.flushed += self.pending.len() as u64;
        self.pending.clear();
        self.timeline = None;
        self.last_timestamp = None;
        self.last_released = None;
        self.consecutive_late = 0;
        self.origin_position = origin.or(self.last_position).unwrap_or(Duration::ZERO);
        self.origin_timestamp = None;
        if origin.is_some() {
            self.last_position = origin;
        }
        self.first_sequence = None;
    }

    /// [`Playout::reset`] for a PLAY the server answered: `origin` is where
    /// it says the range starts, `first_sequence` the RTP sequence number
    /// of its first packet (RTP-Info). Frames still in flight from before
    /// (older sequence numbers) are then dropped as stale; waiting frames
    /// of the new range (they may overtake the reply) are kept, on a new
    /// timeline.
    pub fn reset_for_play(&mut self, origin: Option<Duration>, first_sequence: Option<u16>) {
        let waiting = match first_sequence {
            Some(_) => std::mem::take(&mut self.pending),
            None => VecDeque::new(),
        };
        self.reset(origin);
        self.first_sequence = first_sequence;
        for p in waiting {
            // Offered again as they arrived (old ones are now stale); the low
            // 32 bits of an extended timestamp are the RTP timestamp.
            self.push(p.arrived, p.key.timestamp as u32, p.key.sequence, p.item);
        }
    }

    /// Offers a frame that arrived at `now` (a frame's arrival, or when its
    /// decode finished). Returns whether it was queued or dropped.
    pub fn push(&mut self, now: Instant, rtp_timestamp: u32, sequence: u64, item: T) -> Admission {
        if self
            .first_sequence
            .is_some_and(|first| is_before(sequence, first))
        {
            self.counters.stale += 1;
            return Admission::Stale;
        }
        let (key, mut due) = match self.config.timing {
            Timing::Arrival => (
                Key {
                    timestamp: 0,
                    sequence,
                },
                now,
            ),
            Timing::RtpTimestamps => {
                let timestamp = self.extend(now, rtp_timestamp);
                let key = Key {
                    timestamp,
                    sequence,
                };
                if self.last_released.is_some_and(|last| key <= last) {
                    self.counters.stale += 1;
                    return Admission::Stale;
                }
                // Positions count from the first frame after a reset, even
                // if that one is never shown (skipped as soon as a newer
                // one is due too).
                self.origin_timestamp.get_or_insert(timestamp);
                let on_time = now + self.config.delay;
                let timeline = *self.timeline.get_or_insert(Timeline {
                    base_timestamp: timestamp,
                    base_due: on_time,
                });
                let mut due = timeline.due(timestamp, self.config.clock_rate);
                let late = due < now;
                if late {
                    self.consecutive_late += 1;
                    if self.consecutive_late <= self.config.max_consecutive_late {
                        self.counters.late += 1;
                        return Admission::Late { by: now - due };
                    }
                }
                if late || due > on_time + self.config.max_early {
                    // A streak of late frames (the sender stalled, our clock
                    // drifted) or a frame far too early (a burst after a
                    // stall, a sender clock running fast): re-anchor on it.
                    self.anchor(timestamp, on_time);
                    due = on_time;
                }
                self.consecutive_late = 0;
                (key, due)
            }
        };
        if self.last_released.is_some_and(|last| key <= last) {
            self.counters.stale += 1;
            return Admission::Stale;
        }
        if self.pending.len() >= self.config.max_pending {
            // Full: more frames within the delay than the buffer holds. Drop
            // the oldest and make the next one due now, or every frame
            // would be dropped before its time.
            self.pending.pop_front();
            self.counters.flushed += 1;
            if self.config.timing == Timing::RtpTimestamps {
                let next = self
                    .pending
                    .front()
                    .map_or(key.timestamp, |p| p.key.timestamp.min(key.timestamp));
                due = self
                    .anchor(next, now)
                    .due(key.timestamp, self.config.clock_rate);
            }
        }
        let at = self
            .pending
            .iter()
            .position(|p| p.key > key)
            .unwrap_or(self.pending.len());
        self.pending.insert(
            at,
            Pending {
                key,
                due,
                arrived: now,
                item,
            },
        );
        Admission::Queued { due }
    }

    /// The frame to show at `now`, if one is due: the newest due frame;
    /// older waiting frames are dropped (counted in `skipped`).
    pub fn poll(&mut self, now: Instant) -> Option<Released<T>> {
        let newest_due = self.pending.iter().rposition(|p| p.due <= now)?;
        let skipped = newest_due as u32;
        self.pending.drain(..newest_due);
        let p = self.pending.pop_front()?;
        self.counters.skipped += u64::from(skipped);
        self.counters.released += 1;
        self.last_released = Some(p.key);
        // From here on the order check keeps older frames out; the 16-bit
        // comparison would go wrong after 2^15 packets.
        self.first_sequence = None;
        let position = match self.config.timing {
            Timing::Arrival => None,
            Timing::RtpTimestamps => {
                let origin = self.origin_timestamp.unwrap_or(p.key.timestamp);
                let ticks = u64::try_from(p.key.timestamp - origin).unwrap_or(0);
                Some(self.origin_position + ticks_to_duration(ticks, self.config.clock_rate))
            }
        };
        if position.is_some() {
            self.last_position = position;
        }
        Some(Released {
            item: p.item,
            position,
            skipped,
        })
    }

    /// When [`Playout::poll`] will next release a frame, if any waits.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.pending.iter().map(|p| p.due).min()
    }

    /// Extends a 32-bit timestamp and handles discontinuities.
    fn extend(&mut self, now: Instant, raw: u32) -> i64 {
        let Some((last_raw, last_ext)) = self.last_timestamp else {
            self.last_timestamp = Some((raw, i64::from(raw)));
            return i64::from(raw);
        };
        // Signed distance modulo 2^32 (RFC 3550 timestamps wrap).
        let step = i64::from(raw.wrapping_sub(last_raw) as i32);
        let ext = last_ext + step;
        self.last_timestamp = Some((raw, ext));
        if ticks_to_duration(step.unsigned_abs(), self.config.clock_rate)
            > self.config.discontinuity
        {
            // A new timeline: drop what waits (it belongs to the old one),
            // allow "older" timestamps again, keep the position counting on.
            self.counters.resyncs += 1;
            self.counters.flushed += self.pending.len() as u64;
            self.pending.clear();
            self.last_released = None;
            self.consecutive_late = 0;
            self.timeline = Some(Timeline {
                base_timestamp: ext,
                base_due: now + self.config.delay,
            });
            self.origin_position = self.last_position.unwrap_or(self.origin_position);
            self.origin_timestamp = Some(ext);
        }
        ext
    }

    /// A new timeline on which `timestamp` is due at `due`. What waits is
    /// re-timed on it if that brings it forward, never delayed: a waiting
    /// frame is never due further ahead than when it came.
    fn anchor(&mut self, timestamp: i64, due: Instant) -> Timeline {
        let timeline = Timeline {
            base_timestamp: timestamp,
            base_due: due,
        };
        self.timeline = Some(timeline);
        self.counters.resyncs += 1;
        for p in &mut self.pending {
            p.due = p
                .due
                .min(timeline.due(p.key.timestamp, self.config.clock_rate));
        }
        timeline
    }
}

/// Whether (extended) `sequence` comes before `first`: signed distance
/// modulo 2^16, as RTP sequence numbers wrap.
fn is_before(sequence: u64, first: u16) -> bool {
    ((sequence as u16).wrapping_sub(first) as i16) < 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FRAME_TICKS: u32 = 4500; // 50 ms at 90 kHz

    fn ms(v: u64) -> Instant {
        Instant::from_millis(v)
    }

    fn playout() -> Playout<u32> {
        Playout::new(PlayoutConfig::default())
    }

    /// Pushes then polls at `at`; returns what was released.
    fn released_by(p: &mut Playout<u32>, at: Instant) -> Vec<u32> {
        let mut out = Vec::new();
        while let Some(r) = p.poll(at) {
            out.push(r.item);
        }
        out
    }

    #[test]
    fn paces_by_timestamp_with_the_delay() {
        let mut p = playout();
        let base = 1_000_000u32;
        assert_eq!(
            p.push(ms(1000), base, 1, 1),
            Admission::Queued { due: ms(1120) }
        );
        // Second frame arrives 30 ms late relative to its timestamp: still on time.
        assert_eq!(
            p.push(ms(1080), base + FRAME_TICKS, 2, 2),
            Admission::Queued { due: ms(1170) }
        );
        assert_eq!(p.next_deadline(), Some(ms(1120)));
        assert!(p.poll(ms(1119)).is_none());
        let r = p.poll(ms(1120)).unwrap();
        assert_eq!(
            (r.item, r.position, r.skipped),
            (1, Some(Duration::ZERO), 0)
        );
        assert!(p.poll(ms(1169)).is_none());
        let r = p.poll(ms(1170)).unwrap();
        assert_eq!((r.item, r.position), (2, Some(Duration::from_millis(50))));
        assert_eq!(p.next_deadline(), None);
    }

    #[test]
    fn reorders_within_the_delay() {
        let mut p = playout();
        p.push(ms(0), 0, 1, 1);
        p.push(ms(100), 2 * FRAME_TICKS, 3, 3);
        p.push(ms(110), FRAME_TICKS, 2, 2);
        let mut shown = Vec::new();
        for t in (0..400).step_by(10) {
            shown.extend(released_by(&mut p, ms(t)));
        }
        assert_eq!(shown, vec![1, 2, 3]);
    }

    #[test]
    fn late_and_stale_frames_are_dropped() {
        let mut p = playout();
        p.push(ms(0), 0, 1, 1);
        p.push(ms(10), 2 * FRAME_TICKS, 3, 3);
        assert_eq!(released_by(&mut p, ms(220)), vec![3]); // 1 skipped
        assert_eq!(p.counters().skipped, 1);
        // Frame 2 is older than the one shown.
        assert_eq!(p.push(ms(221), FRAME_TICKS, 2, 2), Admission::Stale);
        // Frame 4 was due at 270 ms; arriving at 300 ms it is late.
        assert_eq!(
            p.push(ms(300), 3 * FRAME_TICKS, 4, 4),
            Admission::Late {
                by: Duration::from_millis(30)
            }
        );
        let c = p.counters();
        assert_eq!((c.released, c.late, c.stale), (1, 1, 1));
    }

    #[test]
    fn a_late_streak_rebuilds_the_timeline() {
        let mut p = playout();
        p.push(ms(0), 0, 1, 1);
        assert_eq!(released_by(&mut p, ms(120)), vec![1]);
        // The sender stalls for a second, then carries on at its old pace.
        let mut admissions = Vec::new();
        for i in 1..=6u32 {
            let now = ms(1000 + 50 * u64::from(i));
            admissions.push(p.push(now, i * FRAME_TICKS, u64::from(i) + 1, i + 1));
        }
        assert!(matches!(admissions[0], Admission::Late { .. }));
        assert!(matches!(admissions[2], Admission::Late { .. }));
        assert_eq!(admissions[3], Admission::Queued { due: ms(1320) });
        assert_eq!(admissions[4], Admission::Queued { due: ms(1370) });
        assert_eq!(p.counters().resyncs, 1);
        assert_eq!(released_by(&mut p, ms(1320)), vec![5]);
    }

    #[test]
    fn timestamps_wrap() {
        let mut p: Playout<u32> = Playout::new(PlayoutConfig {
            delay: Duration::ZERO,
            ..PlayoutConfig::default()
        });
        let start = u32::MAX - FRAME_TICKS; // wraps after one frame
        let mut shown = Vec::new();
        for i in 0..5u32 {
            let now = ms(50 * u64::from(i));
            let ts = start.wrapping_add(i * FRAME_TICKS);
            assert!(matches!(
                p.push(now, ts, u64::from(i), i),
                Admission::Queued { .. }
            ));
            shown.extend(released_by(&mut p, now));
        }
        shown.extend(released_by(&mut p, ms(1000)));
        assert_eq!(shown, vec![0, 1, 2, 3, 4]);
        assert_eq!(p.position(), Some(Duration::from_millis(200)));
        assert_eq!(p.counters().resyncs, 0);
    }

    #[test]
    fn a_jump_starts_a_new_timeline() {
        let mut p = playout();
        p.push(ms(0), 500_000, 1, 1);
        assert_eq!(released_by(&mut p, ms(200)), vec![1]);
        // The server restarted its clock: the timestamp goes back ten seconds.
        assert_eq!(
            p.push(ms(250), 500_000u32.wrapping_sub(900_000), 2, 2),
            Admission::Queued { due: ms(370) }
        );
        assert_eq!(released_by(&mut p, ms(370)), vec![2]);
        // And forward by a minute.
        assert_eq!(
            p.push(ms(400), 500_000u32.wrapping_add(90_000 * 60), 3, 3),
            Admission::Queued { due: ms(520) }
        );
        assert_eq!(p.counters().resyncs, 2);
    }

    #[test]
    fn reset_flushes_and_sets_the_origin() {
        let mut p = playout();
        p.push(ms(0), 0, 1, 1);
        p.push(ms(0), FRAME_TICKS, 2, 2);
        p.reset(Some(Duration::from_secs(5)));
        assert_eq!(p.pending(), 0);
        assert_eq!(p.counters().flushed, 2);
        assert_eq!(p.position(), Some(Duration::from_secs(5)));
        // Any timestamp is fine after a reset; the position counts from 5 s.
        p.push(ms(1000), 77, 9, 9);
        p.push(ms(1000), 77 + 2 * FRAME_TICKS, 10, 10);
        assert_eq!(
            p.poll(ms(1120)).unwrap().position,
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            p.poll(ms(1220)).unwrap().position,
            Some(Duration::from_millis(5100))
        );
        // A reset without an origin keeps counting from the last position.
        p.reset(None);
        p.push(ms(2000), 1, 11, 11);
        assert_eq!(
            p.poll(ms(2200)).unwrap().position,
            Some(Duration::from_millis(5100))
        );
    }

    #[test]
    fn positions_count_from_the_first_frame_even_if_skipped() {
        let mut p = playout();
        p.reset(Some(Duration::from_secs(2)));
        for i in 0..4u32 {
            p.push(ms(0), 1000 + i * FRAME_TICKS, u64::from(i), i);
        }
        // The UI was busy: frames 0..=2 are due at once, only 3 is shown.
        let r = p.poll(ms(300)).unwrap();
        assert_eq!((r.item, r.skipped), (3, 3));
        assert_eq!(r.position, Some(Duration::from_millis(2150)));
    }

    #[test]
    fn frames_from_before_a_seek_are_dropped() {
        let mut p = playout();
        // PLAY with Range answered: the new range starts at packet 65530.
        p.reset_for_play(Some(Duration::from_secs(10)), Some(65530));
        // A frame still in flight from the old range.
        assert_eq!(p.push(ms(0), 500, 65529, 1), Admission::Stale);
        // New-range frames, across the 16-bit wrap.
        assert!(matches!(
            p.push(ms(1), 9000, 65530, 2),
            Admission::Queued { .. }
        ));
        assert!(matches!(
            p.push(ms(2), 9000 + FRAME_TICKS, 65536 + 3, 3),
            Admission::Queued { .. }
        ));
        let r = p.poll(ms(121)).unwrap();
        assert_eq!((r.item, r.position), (2, Some(Duration::from_secs(10))));
        assert_eq!(released_by(&mut p, ms(200)), vec![3]);
    }

    #[test]
    fn arrival_timing_orders_by_sequence() {
        let mut p: Playout<u32> = Playout::new(PlayoutConfig {
            timing: Timing::Arrival,
            ..PlayoutConfig::default()
        });
        // Timestamps are ignored (here they are all the same).
        assert_eq!(p.push(ms(0), 17, 1, 1), Admission::Queued { due: ms(0) });
        assert_eq!(released_by(&mut p, ms(0)), vec![1]);
        p.push(ms(50), 17, 3, 3);
        assert_eq!(p.push(ms(60), 17, 2, 2), Admission::Queued { due: ms(60) });
        let r = p.poll(ms(60)).unwrap();
        assert_eq!((r.item, r.position, r.skipped), (3, None, 1));
        assert_eq!(p.push(ms(70), 17, 2, 2), Admission::Stale);
    }

    #[test]
    fn frames_of_the_new_range_that_overtake_the_play_reply_are_kept() {
        let mut p = playout();
        // Seeking one second ahead: an old frame still in flight, then the
        // first two of the new range, all before PLAY's reply.
        p.reset(Some(Duration::from_secs(10)));
        p.push(ms(0), 1000, 50, 50);
        p.push(ms(5), 1000 + 90_000, 100, 100);
        p.push(ms(10), 1000 + 90_000 + FRAME_TICKS, 101, 101);
        p.reset_for_play(Some(Duration::from_secs(10)), Some(100));
        assert_eq!(p.pending(), 2);
        let r = p.poll(ms(125)).unwrap();
        assert_eq!((r.item, r.position), (100, Some(Duration::from_secs(10))));
        let r = p.poll(ms(175)).unwrap();
        assert_eq!((r.item, r.skipped), (101, 0));
        assert_eq!(p.counters().stale, 1);
    }

    #[test]
    fn pending_is_bounded() {
        let mut p: Playout<u32> = Playout::new(PlayoutConfig {
            max_pending: 4,
            ..PlayoutConfig::default()
        });
        // A sender far faster than real time: what waits stays bounded, and
        // so does how long until the next frame shows.
        for i in 0..100u32 {
            p.push(ms(0), i * FRAME_TICKS, u64::from(i), i);
            assert!(p.pending() <= 4);
            assert!(p.next_deadline() <= Some(ms(120 + 200)));
        }
        assert_eq!(released_by(&mut p, ms(10_000)), vec![99]);
    }

    /// Plays frames arriving at the given local times (frame `n` has RTP
    /// timestamp `n * FRAME_TICKS`) with an owner that wakes for every
    /// arrival and every deadline; returns (frame, shown at) in order.
    fn play(p: &mut Playout<u32>, arrivals: &[Instant]) -> Vec<(u32, Instant)> {
        fn show_until(p: &mut Playout<u32>, until: Instant, shown: &mut Vec<(u32, Instant)>) {
            while let Some(due) = p.next_deadline().filter(|d| *d <= until) {
                shown.extend(p.poll(due).map(|r| (r.item, due)));
            }
        }
        let mut shown = Vec::new();
        for (n, &at) in (0u32..).zip(arrivals) {
            show_until(p, at, &mut shown);
            p.push(at, n.wrapping_mul(FRAME_TICKS), u64::from(n), n);
        }
        show_until(p, Instant::from_secs(1 << 30), &mut shown);
        shown
    }

    /// Checks that frames show in order, never later than `delay +
    /// max_early` after they arrive, and with no gap over `max_gap`;
    /// returns how many showed.
    fn assert_keeps_playing(arrivals: &[Instant], max_gap: Duration) -> usize {
        let mut p = playout();
        let shown = play(&mut p, arrivals);
        let bound = Duration::from_millis(120 + 200);
        for w in shown.windows(2) {
            assert!(w[0].0 < w[1].0, "{w:?}");
            assert!(w[1].1 - w[0].1 <= max_gap, "{w:?}");
        }
        for &(n, at) in &shown {
            assert!(at - arrivals[n as usize] <= bound, "frame {n} at {at}");
        }
        assert_eq!(shown.last().map(|s| s.0), Some(arrivals.len() as u32 - 1));
        shown.len()
    }

    #[test]
    fn frames_keep_showing_after_a_burst() {
        // 20 fps for a minute; frames 100..=129 are held up for 1.5 s and
        // then arrive together.
        let arrivals: Vec<_> = (0..1200u64)
            .map(|n| match n {
                100..=129 => ms(6500),
                _ => ms(50 * n),
            })
            .collect();
        let shown = assert_keeps_playing(&arrivals, Duration::from_millis(1600));
        assert!(shown >= 1200 - 40, "{shown}");
    }

    #[test]
    fn a_sender_0_1_percent_fast_plays_for_an_hour() {
        let arrivals: Vec<_> = (0..72_000u64)
            .map(|n| Instant::from_micros(n * 49_950))
            .collect();
        let shown = assert_keeps_playing(&arrivals, Duration::from_millis(350));
        assert!(shown >= 72_000 * 99 / 100, "{shown}");
    }

    #[test]
    fn a_sender_0_1_percent_slow_plays_for_an_hour() {
        let arrivals: Vec<_> = (0..72_000u64)
            .map(|n| Instant::from_micros(n * 50_050))
            .collect();
        let shown = assert_keeps_playing(&arrivals, Duration::from_millis(350));
        assert!(shown >= 72_000 * 99 / 100, "{shown}");
    }

    proptest! {
        /// Whatever arrives, in whatever order and at whatever times (all
        /// within one timeline: steps stay under the discontinuity), what is
        /// released is strictly increasing, at or after its due time, the
        /// buffer stays bounded and the next frame is never far off.
        #[test]
        fn never_out_of_order(
            events in proptest::collection::vec((0u64..200, 0u32..40, any::<bool>()), 1..200),
            start in any::<u32>(),
        ) {
            let mut p: Playout<(u32, u64)> = Playout::new(PlayoutConfig {
                max_pending: 8,
                ..PlayoutConfig::default()
            });
            let mut now = 0u64;
            let mut last: Option<(i64, u64)> = None;
            for (seq, (advance_ms, frame, poll)) in events.into_iter().enumerate() {
                now += advance_ms;
                let ts = start.wrapping_add(frame * FRAME_TICKS);
                let adm = p.push(ms(now), ts, seq as u64, (frame, seq as u64));
                if let Admission::Queued { due } = adm {
                    prop_assert!(due >= ms(now));
                }
                prop_assert!(p.pending() <= 8);
                // Never frozen: the next frame is due within the delay and
                // the early margin.
                prop_assert!(p.next_deadline() <= Some(ms(now + 120 + 200)));
                if poll {
                    if let Some(r) = p.poll(ms(now)) {
                        let key = (i64::from(r.item.0), r.item.1);
                        if let Some(l) = last {
                            prop_assert!(key > l, "{:?} after {:?}", key, l);
                        }
                        last = Some(key);
                    }
                }
            }
        }
    }
}
