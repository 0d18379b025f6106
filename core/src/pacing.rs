//! Frame pacing: when each frame is due and its RTP timestamp.
//!
//! A [`Pacer`] maps frame indices to two clocks:
//!
//! - **media time**: frame `n` is at `n / fps` seconds into the clip, and its
//!   RTP timestamp is `base + n * clock_rate / fps` (mod 2^32). Both depend
//!   on the index only, so they stay continuous across PAUSE/PLAY and jump
//!   exactly on a seek (PLAY with Range).
//! - **wall time**: after [`Pacer::start`] at `now` from frame `first`,
//!   frame `n` is due at `now + (n - first) / fps`. Every due time is
//!   computed from the start instant and the index with integer math, never
//!   by adding up intervals, so nothing drifts: at 20 fps frame 72 000 is
//!   due exactly 3600 s after the start, and at 7 or 24 fps, whose frame
//!   interval is not a whole number of microseconds, the error stays under
//!   one microsecond after any number of hours.
//!
//! The run loop: hand [`Pacer::next_due`] to `poll_timeout`; on each
//! timeout call [`Pacer::take_due`] and send what it says. If the caller
//! fell behind (a stalled process, a laptop lid), `take_due` sends at most
//! [`Pacer::max_burst`] frames, the newest ones, and reports the others as
//! skipped: a late frame is stale once a newer one is due, and a burst
//! would overflow small receive buffers (the lab client reads one datagram
//! at a time) for nothing.

use core::ops::Range;
use core::time::Duration;

use crate::time::Instant;

/// The lab's frame rate: one frame every 50 ms.
pub const DEFAULT_FPS: u32 = 20;

/// How many due frames [`Pacer::take_due`] sends at once by default: one
/// missed deadline (a wake-up a little over a frame late) is caught up
/// with the frame it delayed; anything later is skipped.
pub const DEFAULT_MAX_BURST: u64 = 2;

const MICROS_PER_SEC: u128 = 1_000_000;
const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Which frames to send now, from [`Pacer::take_due`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DueFrames {
    /// Frames that were due but are skipped because newer ones are due too
    /// (empty unless the caller fell more than `max_burst` frames behind).
    pub skipped: Range<u64>,
    /// Frames to send now, oldest first.
    pub send: Range<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    start: Instant,
    first_frame: u64,
}

/// When frames are due, and their RTP timestamps; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pacer {
    /// Frames per `rate_den` seconds.
    rate_num: u32,
    rate_den: u32,
    clock_rate: u32,
    rtp_timestamp_base: u32,
    max_burst: u64,
    run: Option<Run>,
    next_frame: u64,
}

impl Pacer {
    /// A stopped pacer for `fps` frames a second, RTP clock `clock_rate` Hz
    /// (90 000 for JPEG) and frame 0 at RTP timestamp `rtp_timestamp_base`
    /// (random per RFC 3550 5.1; the caller supplies it). A zero `fps` or
    /// `clock_rate` is taken as 1 so that a bad configuration cannot cause a
    /// division by zero.
    pub fn new(fps: u32, clock_rate: u32, rtp_timestamp_base: u32) -> Self {
        Pacer::with_frame_rate(fps, 1, clock_rate, rtp_timestamp_base)
    }

    /// Like [`Pacer::new`] with a fractional rate of `fps_num / fps_den`
    /// frames a second, e.g. 30000/1001 for NTSC's 29.97.
    pub fn with_frame_rate(
        fps_num: u32,
        fps_den: u32,
        clock_rate: u32,
        rtp_timestamp_base: u32,
    ) -> Self {
        Pacer {
            rate_num: fps_num.max(1),
            rate_den: fps_den.max(1),
            clock_rate: clock_rate.max(1),
            rtp_timestamp_base,
            max_burst: DEFAULT_MAX_BURST,
            run: None,
            next_frame: 0,
        }
    }

    /// Sets how many due frames [`Pacer::take_due`] sends at most at once
    /// (at least 1); the default is [`DEFAULT_MAX_BURST`].
    pub fn with_max_burst(mut self, max_burst: u64) -> Self {
        self.max_burst = max_burst.max(1);
        self
    }

    /// The frame rate as `(frames, per seconds)`.
    pub fn frame_rate(&self) -> (u32, u32) {
        (self.rate_num, self.rate_den)
    }

    /// The RTP clock rate, in Hz.
    pub fn clock_rate(&self) -> u32 {
        self.clock_rate
    }

    /// The RTP timestamp of frame 0.
    pub fn rtp_timestamp_base(&self) -> u32 {
        self.rtp_timestamp_base
    }

    /// The most frames [`Pacer::take_due`] sends at once.
    pub fn max_burst(&self) -> u64 {
        self.max_burst
    }

    /// (Re)starts pacing at `now` with frame `first_frame` due at once: on
    /// PLAY, on PLAY after PAUSE (with [`Pacer::next_frame`]), and on PLAY
    /// with a Range (with [`Pacer::frame_at`] of the range start).
    pub fn start(&mut self, now: Instant, first_frame: u64) {
        self.run = Some(Run {
            start: now,
            first_frame,
        });
        self.next_frame = first_frame;
    }

    /// Stops pacing (PAUSE, TEARDOWN, end of clip). [`Pacer::next_frame`]
    /// keeps the position to resume from.
    pub fn stop(&mut self) {
        self.run = None;
    }

    /// Whether the pacer is started.
    pub fn is_running(&self) -> bool {
        self.run.is_some()
    }

    /// The next frame [`Pacer::take_due`] will hand out (or skip); kept
    /// while stopped, so PLAY after PAUSE resumes there.
    pub fn next_frame(&self) -> u64 {
        self.next_frame
    }

    /// When frame `frame` is due: `None` while stopped, or for a frame
    /// before the one the pacer was started from.
    pub fn due(&self, frame: u64) -> Option<Instant> {
        let run = self.run?;
        let n = frame.checked_sub(run.first_frame)?;
        let offset_micros =
            u128::from(n) * u128::from(self.rate_den) * MICROS_PER_SEC / u128::from(self.rate_num);
        let offset = Duration::from_micros(u64::try_from(offset_micros).unwrap_or(u64::MAX));
        Some(run.start + offset)
    }

    /// When the next frame is due (`None` while stopped): the deadline to
    /// give the shell's `poll_timeout`.
    pub fn next_due(&self) -> Option<Instant> {
        self.due(self.next_frame)
    }

    /// The frames due by `now` and not yet taken: from [`Pacer::next_frame`]
    /// up to the last frame whose due time is at or before `now`. Empty
    /// while stopped or when nothing is due. Does not change the pacer.
    pub fn frames_due(&self, now: Instant) -> Range<u64> {
        let empty = self.next_frame..self.next_frame;
        let Some(run) = self.run else {
            return empty;
        };
        if now < run.start {
            return empty;
        }
        let elapsed = u128::from(now.total_micros() - run.start.total_micros());
        // Frame first + k is due iff floor(k * den * 1e6 / num) <= elapsed,
        // i.e. k * den * 1e6 < (elapsed + 1) * num: the count of due frames
        // is the ceiling of (elapsed + 1) * num / (den * 1e6).
        let per = u128::from(self.rate_den) * MICROS_PER_SEC;
        let count = ((elapsed + 1) * u128::from(self.rate_num)).div_ceil(per);
        let end = u64::try_from(count)
            .ok()
            .and_then(|c| run.first_frame.checked_add(c))
            .unwrap_or(u64::MAX);
        self.next_frame..end.max(self.next_frame)
    }

    /// Takes the frames due by `now`, applying the catch-up policy: at most
    /// [`Pacer::max_burst`] of them, the newest, are to be sent, and the
    /// older ones are skipped. Advances [`Pacer::next_frame`] past all of
    /// them. Call on every timeout (a spurious call returns empty ranges).
    pub fn take_due(&mut self, now: Instant) -> DueFrames {
        let due = self.frames_due(now);
        let send_from = due.end.saturating_sub(self.max_burst).max(due.start);
        self.next_frame = due.end;
        DueFrames {
            skipped: due.start..send_from,
            send: send_from..due.end,
        }
    }

    /// The RTP timestamp of frame `frame`: `base + floor(frame * clock_rate
    /// / fps)` modulo 2^32. Depends on the frame index only (its media
    /// time), never on when the frame is sent.
    pub fn rtp_timestamp(&self, frame: u64) -> u32 {
        // frame = q * num + r, so frame * clock * den / num is
        // q * clock * den + floor(r * clock * den / num) exactly; only the
        // low 32 bits matter, so the first term may wrap (the full product
        // could exceed even u128 for extreme rates).
        let num = u128::from(self.rate_num);
        let per_frame_num = u128::from(self.clock_rate) * u128::from(self.rate_den);
        let (q, r) = (u128::from(frame) / num, u128::from(frame) % num);
        let ticks = q
            .wrapping_mul(per_frame_num)
            .wrapping_add(r * per_frame_num / num);
        // Truncation to 32 bits is the wrap-around of RTP timestamps.
        self.rtp_timestamp_base.wrapping_add(ticks as u32)
    }

    /// The frame shown at `media_time` into the clip (the one whose interval
    /// contains it): for a Range header's start.
    pub fn frame_at(&self, media_time: Duration) -> u64 {
        let frames = media_time.as_nanos() * u128::from(self.rate_num)
            / (u128::from(self.rate_den) * NANOS_PER_SEC);
        u64::try_from(frames).unwrap_or(u64::MAX)
    }

    /// The media time at which frame `frame` starts, rounded up to the
    /// nanosecond so that `frame_at(media_time(n)) == n`: for a Range
    /// header in a PLAY reply (npt).
    pub fn media_time(&self, frame: u64) -> Duration {
        let nanos = (u128::from(frame) * u128::from(self.rate_den) * NANOS_PER_SEC)
            .div_ceil(u128::from(self.rate_num));
        let secs = nanos / NANOS_PER_SEC;
        match u64::try_from(secs) {
            Ok(secs) => Duration::new(secs, (nanos % NANOS_PER_SEC) as u32),
            Err(_) => Duration::MAX,
        }
    }
}

impl Default for Pacer {
    /// 20 fps (the lab's), 90 kHz RTP clock (JPEG), timestamps from 0.
    fn default() -> Self {
        Pacer::new(DEFAULT_FPS, crate::rtp::JPEG_CLOCK_RATE, 0)
    }
}
