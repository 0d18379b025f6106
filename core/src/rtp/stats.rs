//! Receiver statistics for one RTP source: sequence validation and
//! extension (RFC 3550 Appendix A.1), loss for reception reports (A.3) and
//! interarrival jitter (A.8).
//!
//! Feed every received packet of one SSRC to [`ReceiverStats::on_packet`]
//! in arrival order; its [`PacketVerdict`] says whether to use the packet.
//! When it is time to send an RTCP report, [`ReceiverStats::report_block`]
//! gives the block for this source and starts a new reporting interval.

use core::time::Duration;

use super::rtcp::{ReportBlock, clamp_cumulative_lost};
use super::seq::seq_diff;
use crate::time::Instant;

/// A packet this far ahead of the highest sequence number (or further) is a
/// jump, not loss (RFC 3550 A.1, `MAX_DROPOUT`).
pub const MAX_DROPOUT: u16 = 3000;

/// A packet less than this far behind the highest sequence number is a late
/// or duplicate packet; this far or further behind it is a jump (RFC 3550
/// A.1, `MAX_MISORDER`).
pub const MAX_MISORDER: u16 = 100;

/// Packets that must arrive in sequence before a new source is valid, and
/// after a jump before the receiver resynchronises (RFC 3550 A.1,
/// `MIN_SEQUENTIAL`).
pub const MIN_SEQUENTIAL: u16 = 2;

const RTP_SEQ_MOD: u64 = 1 << 16;

/// What [`ReceiverStats::on_packet`] made of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PacketVerdict {
    /// The newest packet so far (in order, or after a gap). Use it.
    New {
        /// Its extended sequence number.
        extended: u64,
    },
    /// Older than the newest but not seen before (reordered, less than
    /// [`MAX_MISORDER`] behind). Use it: it may fill a gap.
    Reordered {
        /// Its extended sequence number.
        extended: u64,
    },
    /// Seen before. Drop it (it is still counted as received, as RFC 3550
    /// A.3 does, which is why [`ReceiverStats::lost`] can go negative).
    Duplicate {
        /// Its extended sequence number.
        extended: u64,
    },
    /// The source is not validated yet (A.1 probation: [`MIN_SEQUENTIAL`]
    /// packets in sequence are needed). Not counted until the source is
    /// validated by the packets that follow it in sequence, and then counted;
    /// its payload is usable if the caller wants the first frame.
    Probation {
        /// Its provisional extended sequence number (consistent with the
        /// numbers that follow if the source is validated).
        extended: u64,
    },
    /// The first packet after the source restarted its numbering: two
    /// packets in sequence far from the expected numbers. The statistics
    /// start over from the earlier of the two (A.1's resync), extended
    /// numbers included; a depacketizer should start over too. Use it.
    Restarted {
        /// Its extended sequence number in the new numbering.
        extended: u64,
    },
    /// At least [`MAX_DROPOUT`] ahead of the newest: not counted, drop it.
    /// If the next packet follows it in sequence, the source is taken to
    /// have restarted ([`PacketVerdict::Restarted`]).
    Jump,
    /// [`MAX_MISORDER`] or more behind the newest (or from before extended
    /// sequence number 0): not counted, drop it. If the next packet follows it in
    /// sequence, the source is taken to have restarted.
    TooOld,
}

impl PacketVerdict {
    /// The extended sequence number, for verdicts that have one.
    pub fn extended(&self) -> Option<u64> {
        match *self {
            PacketVerdict::New { extended }
            | PacketVerdict::Reordered { extended }
            | PacketVerdict::Duplicate { extended }
            | PacketVerdict::Probation { extended }
            | PacketVerdict::Restarted { extended } => Some(extended),
            PacketVerdict::Jump | PacketVerdict::TooOld => None,
        }
    }

    /// Whether the packet's payload should be used (everything but
    /// duplicates, jumps and packets too old).
    pub fn is_usable(&self) -> bool {
        matches!(
            self,
            PacketVerdict::New { .. }
                | PacketVerdict::Reordered { .. }
                | PacketVerdict::Probation { .. }
                | PacketVerdict::Restarted { .. }
        )
    }
}

/// Reception statistics of one RTP source (RFC 3550 Appendix A).
///
/// Differences from A.1's sample code, each deliberate:
/// - the packets of a probation run (and the two packets that confirm a
///   restart) are counted once the source is validated, so a loss-free
///   stream of N packets reports N expected and N received rather than
///   N - 1;
/// - duplicates are told apart from reordered packets with a bitmap of the
///   last 128 sequence numbers (A.1 only counts both as received);
/// - a packet far from the expected numbers must be followed *immediately*
///   by its successor to cause a resync (A.1 remembers the candidate
///   forever, so two stray packets minutes apart could trigger one);
/// - a late packet from just before the first counted one extends the
///   expected range back to itself instead of driving the loss negative.
#[derive(Debug, Clone)]
pub struct ReceiverStats {
    clock_rate: u32,
    started: bool,
    /// Packets still needed in sequence before the source is valid.
    probation: u16,
    /// First sequence number of the current probation run.
    probation_start: u16,
    /// Highest sequence number seen (A.1 `max_seq`).
    max_seq: u16,
    /// Wrap-arounds times 2^16 (A.1 `cycles`).
    cycles: u64,
    /// Extended sequence number of the first counted packet (A.1 `base_seq`).
    base_seq: u64,
    /// The sequence number that would confirm a restart (A.1 `bad_seq`).
    bad_seq: Option<u16>,
    received: u64,
    expected_prior: u64,
    received_prior: u64,
    duplicates: u64,
    reordered: u64,
    restarts: u64,
    payload_bytes: u64,
    /// Bit i set: extended sequence number `highest - i` was received.
    window: u128,
    /// Relative transit time of the previous packet (A.8), timestamp units.
    transit: Option<u32>,
    /// Interarrival jitter times 16 (A.8's scaled-integer form).
    jitter_q4: u64,
}

impl ReceiverStats {
    /// Statistics for a source whose RTP clock runs at `clock_rate` Hz
    /// (90 000 for JPEG). A `clock_rate` of 0 is taken as 1 so that a bad
    /// configuration cannot cause a division by zero.
    pub fn new(clock_rate: u32) -> Self {
        ReceiverStats {
            clock_rate: clock_rate.max(1),
            started: false,
            probation: 0,
            probation_start: 0,
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: None,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            duplicates: 0,
            reordered: 0,
            restarts: 0,
            payload_bytes: 0,
            window: 0,
            transit: None,
            jitter_q4: 0,
        }
    }

    /// Accounts for one packet of this source, at its `arrival` time (the
    /// caller's clock, the same epoch for every call), and says what to do
    /// with it. Call once per packet, in arrival order.
    pub fn on_packet(
        &mut self,
        arrival: Instant,
        sequence_number: u16,
        rtp_timestamp: u32,
        payload_len: usize,
    ) -> PacketVerdict {
        let seq = sequence_number;
        if !self.started {
            // A.1: init_seq(s, seq); s->max_seq = seq - 1; s->probation = MIN_SEQUENTIAL.
            self.started = true;
            self.probation = MIN_SEQUENTIAL;
            self.probation_start = seq;
            self.max_seq = seq.wrapping_sub(1);
        }
        let verdict = if self.probation > 0 {
            self.on_probation(seq)
        } else {
            self.on_valid(seq)
        };
        match verdict {
            PacketVerdict::New { .. }
            | PacketVerdict::Reordered { .. }
            | PacketVerdict::Probation { .. }
            | PacketVerdict::Restarted { .. } => {
                self.update_jitter(arrival, rtp_timestamp);
            }
            PacketVerdict::Duplicate { .. } | PacketVerdict::Jump | PacketVerdict::TooOld => {}
        }
        if !matches!(verdict, PacketVerdict::Jump | PacketVerdict::TooOld) {
            self.payload_bytes = self.payload_bytes.saturating_add(payload_len as u64);
        }
        verdict
    }

    fn on_probation(&mut self, seq: u16) -> PacketVerdict {
        if seq == self.max_seq.wrapping_add(1) {
            self.probation -= 1;
            self.max_seq = seq;
            let run_offset = u64::from(seq.wrapping_sub(self.probation_start));
            let extended = u64::from(self.probation_start) + run_offset;
            if self.probation == 0 {
                self.start_counting(self.probation_start, extended);
                return PacketVerdict::New { extended };
            }
            PacketVerdict::Probation { extended }
        } else {
            // Not in sequence: this packet starts a new run.
            self.probation = MIN_SEQUENTIAL - 1;
            self.probation_start = seq;
            self.max_seq = seq;
            PacketVerdict::Probation {
                extended: u64::from(seq),
            }
        }
    }

    /// Starts the statistics over (A.1 `init_seq`) with a run of packets in
    /// sequence from `start` (extended number `start`, cycle 0) to
    /// `extended`, all of them counted as received.
    fn start_counting(&mut self, start: u16, extended: u64) {
        let run = extended - u64::from(start) + 1;
        self.base_seq = u64::from(start);
        self.cycles = extended & !(RTP_SEQ_MOD - 1);
        self.max_seq = extended as u16;
        self.bad_seq = None;
        self.received = run;
        self.expected_prior = 0;
        self.received_prior = 0;
        self.window = if run >= 128 {
            u128::MAX
        } else {
            (1u128 << run) - 1
        };
    }

    fn highest(&self) -> u64 {
        self.cycles | u64::from(self.max_seq)
    }

    fn on_valid(&mut self, seq: u16) -> PacketVerdict {
        let udelta = seq.wrapping_sub(self.max_seq);
        if udelta == 0 {
            self.bad_seq = None;
            self.received += 1;
            self.duplicates += 1;
            return PacketVerdict::Duplicate {
                extended: self.highest(),
            };
        }
        if udelta < MAX_DROPOUT {
            // In order, with a permissible gap.
            if u32::from(self.max_seq) + u32::from(udelta) >= 1 << 16 {
                // Sequence number wrapped: count another 64K cycle.
                self.cycles += RTP_SEQ_MOD;
            }
            self.max_seq = seq;
            self.bad_seq = None;
            self.window = if udelta >= 128 {
                1
            } else {
                (self.window << udelta) | 1
            };
            self.received += 1;
            return PacketVerdict::New {
                extended: self.highest(),
            };
        }
        if u64::from(udelta) <= RTP_SEQ_MOD - u64::from(MAX_MISORDER) {
            // A very large jump, forwards or backwards.
            if self.bad_seq == Some(seq) {
                // Two packets in sequence: assume the sender restarted
                // without telling us, and resync on them.
                let start = seq.wrapping_sub(1);
                let extended = u64::from(start) + 1;
                self.start_counting(start, extended);
                self.restarts += 1;
                self.transit = None;
                return PacketVerdict::Restarted { extended };
            }
            self.bad_seq = Some(seq.wrapping_add(1));
            return if seq_diff(seq, self.max_seq) < 0 {
                PacketVerdict::TooOld
            } else {
                PacketVerdict::Jump
            };
        }
        // Less than MAX_MISORDER behind the highest: duplicate or reordered.
        self.bad_seq = None;
        let behind = RTP_SEQ_MOD - u64::from(udelta);
        let Some(extended) = self.highest().checked_sub(behind) else {
            return PacketVerdict::TooOld;
        };
        let bit = 1u128 << behind;
        self.received += 1;
        if self.window & bit != 0 {
            self.duplicates += 1;
            return PacketVerdict::Duplicate { extended };
        }
        self.window |= bit;
        self.reordered += 1;
        if extended < self.base_seq {
            self.base_seq = extended;
        }
        PacketVerdict::Reordered { extended }
    }

    /// A.8: `D = (Rj - Ri) - (Sj - Si)`, `J += (|D| - J) / 16`, kept scaled
    /// by 16 as the RFC's integer version does. Arrival times are converted
    /// to timestamp units from the absolute `Instant` each time (no
    /// accumulated rounding); the wrapping 32-bit arithmetic is the RFC's.
    fn update_jitter(&mut self, arrival: Instant, rtp_timestamp: u32) {
        let arrival_rtp =
            (u128::from(arrival.total_micros()) * u128::from(self.clock_rate) / 1_000_000) as u32;
        let transit = arrival_rtp.wrapping_sub(rtp_timestamp);
        if let Some(prev) = self.transit {
            let d = u64::from((transit.wrapping_sub(prev) as i32).unsigned_abs());
            self.jitter_q4 = self.jitter_q4 + d - ((self.jitter_q4 + 8) >> 4);
        }
        self.transit = Some(transit);
    }

    /// The RTP clock rate, in Hz.
    pub fn clock_rate(&self) -> u32 {
        self.clock_rate
    }

    /// Whether the source has passed probation (A.1).
    pub fn is_valid(&self) -> bool {
        self.started && self.probation == 0
    }

    /// Packets expected: highest extended sequence number - first + 1
    /// (A.3); 0 before the source is valid.
    pub fn expected(&self) -> u64 {
        if self.is_valid() {
            self.highest() - self.base_seq + 1
        } else {
            0
        }
    }

    /// Packets received and counted, duplicates and late packets included (A.3).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Cumulative packets lost: expected - received (A.3). Negative when
    /// duplicates outnumber losses.
    pub fn lost(&self) -> i64 {
        self.expected() as i64 - self.received as i64
    }

    /// Duplicate packets seen.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Packets that arrived after a later one (not duplicates).
    pub fn reordered(&self) -> u64 {
        self.reordered
    }

    /// Times the source restarted its numbering and the statistics resynced.
    pub fn restarts(&self) -> u64 {
        self.restarts
    }

    /// Payload bytes of the packets counted or in probation (duplicates included).
    pub fn payload_bytes(&self) -> u64 {
        self.payload_bytes
    }

    /// The highest extended sequence number received (cycles in the upper
    /// bits, as in a report block, RFC 3550 6.4.1).
    pub fn highest_extended(&self) -> u64 {
        self.highest()
    }

    /// Interarrival jitter in timestamp units (A.8), as a report block carries it.
    pub fn jitter(&self) -> u32 {
        u32::try_from(self.jitter_q4 >> 4).unwrap_or(u32::MAX)
    }

    /// Interarrival jitter as a duration (from the unrounded estimate).
    pub fn jitter_duration(&self) -> Duration {
        let nanos = u128::from(self.jitter_q4) * 1_000_000_000 / (16 * u128::from(self.clock_rate));
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// The report block for this source, and the start of a new reporting
    /// interval: call once per RTCP report sent. `ssrc` is this source's
    /// SSRC; `lsr` and `dlsr` are the last-SR fields (see
    /// [`super::rtcp::ntp_short`] and [`super::rtcp::dlsr_from_duration`];
    /// 0 if no SR was received).
    ///
    /// `fraction_lost` is A.3's: packets lost in the interval over packets
    /// expected in it, as a fixed-point fraction of 256, 0 when duplicates
    /// made up for the loss. `cumulative_lost` is clamped to 24 bits.
    pub fn report_block(&mut self, ssrc: u32, lsr: u32, dlsr: u32) -> ReportBlock {
        let expected = self.expected();
        let expected_interval = expected as i64 - self.expected_prior as i64;
        let received_interval = self.received as i64 - self.received_prior as i64;
        self.expected_prior = expected;
        self.received_prior = self.received;
        let lost_interval = expected_interval - received_interval;
        let fraction_lost = if expected_interval <= 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / expected_interval).min(255) as u8
        };
        ReportBlock {
            ssrc,
            fraction_lost,
            cumulative_lost: clamp_cumulative_lost(self.lost()),
            highest_sequence: self.highest() as u32,
            jitter: self.jitter(),
            last_sr: lsr,
            delay_since_last_sr: dlsr,
        }
    }
}
