//! Wrapping comparisons of 16-bit sequence numbers and 32-bit timestamps,
//! and their extension to 64 bits (RFC 3550 Appendix A.1).
//!
//! Sequence numbers wrap from 65535 to 0, so "newer" is a question about the
//! shorter way round the circle, never `<` on the raw `u16` (which is why
//! nothing here implements `Ord` for them). The unwrappers keep the highest
//! value seen and place each new value on whichever side of it is nearer,
//! which handles packets reordered across a wrap.

/// `a - b` the short way round the 16-bit circle: positive if `a` is newer
/// than `b`, negative if older. Values exactly half the circle apart give
/// `-32768` both ways (neither is newer).
pub const fn seq_diff(a: u16, b: u16) -> i16 {
    a.wrapping_sub(b) as i16
}

/// Whether sequence number `a` is newer than `b` (RFC 1982 serial number
/// arithmetic with 16 bits).
pub const fn seq_newer(a: u16, b: u16) -> bool {
    seq_diff(a, b) > 0
}

/// `a - b` the short way round the 32-bit circle of RTP timestamps.
pub const fn timestamp_diff(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

/// Whether RTP timestamp `a` is later than `b`.
pub const fn timestamp_newer(a: u32, b: u32) -> bool {
    timestamp_diff(a, b) > 0
}

/// Extends 16-bit sequence numbers to 64 bits, counting wrap-arounds.
///
/// The first sequence number keeps its value (cycle 0, as the extended
/// highest sequence number of an RTCP report block counts cycles from the
/// start, RFC 3550 6.4.1). Each later one is placed within half a circle of
/// the highest seen so far. A number that would land before 0 (a packet
/// from before the first one, reordered across a wrap at the very start)
/// cannot be represented and gives `None`.
///
/// A sender that restarts its numbering looks like a jump of up to half a
/// circle forwards or backwards; [`super::ReceiverStats`] detects restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SequenceUnwrapper {
    highest: Option<u64>,
}

impl SequenceUnwrapper {
    /// An unwrapper that has seen nothing.
    pub const fn new() -> Self {
        SequenceUnwrapper { highest: None }
    }

    /// The extended value of `sequence_number`; call once per packet, in
    /// arrival order.
    pub fn unwrap(&mut self, sequence_number: u16) -> Option<u64> {
        let Some(highest) = self.highest else {
            self.highest = Some(u64::from(sequence_number));
            return Some(u64::from(sequence_number));
        };
        // `highest as u16` is its low 16 bits: the wire value.
        let diff = seq_diff(sequence_number, highest as u16);
        let extended = highest.checked_add_signed(i64::from(diff))?;
        if extended > highest {
            self.highest = Some(extended);
        }
        Some(extended)
    }

    /// The highest extended value so far.
    pub const fn highest(&self) -> Option<u64> {
        self.highest
    }
}

/// Extends 32-bit RTP timestamps to 64 bits, counting wrap-arounds.
///
/// The first timestamp keeps its value; later ones are placed within half
/// a circle (2^31 ticks, 6.6 hours at 90 kHz) of the last one seen, so they
/// may come out negative when a packet from before the first arrives late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimestampUnwrapper {
    last: Option<i64>,
}

impl TimestampUnwrapper {
    /// An unwrapper that has seen nothing.
    pub const fn new() -> Self {
        TimestampUnwrapper { last: None }
    }

    /// The extended value of `rtp_timestamp`; call once per packet (or per
    /// frame), in arrival order.
    pub fn unwrap(&mut self, rtp_timestamp: u32) -> i64 {
        let extended = match self.last {
            None => i64::from(rtp_timestamp),
            // `last as u32` is its low 32 bits (two's complement for
            // negative values), which is what the wire carried.
            Some(last) => {
                last.saturating_add(i64::from(timestamp_diff(rtp_timestamp, last as u32)))
            }
        };
        self.last = Some(extended);
        extended
    }

    /// The last extended value returned.
    pub const fn last(&self) -> Option<i64> {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_and_newer_wrap() {
        assert_eq!(seq_diff(0, 65535), 1);
        assert_eq!(seq_diff(65535, 0), -1);
        assert!(seq_newer(2, 65534));
        assert!(!seq_newer(65534, 2));
        assert!(!seq_newer(5, 5));
        assert_eq!(seq_diff(0x8000, 0), i16::MIN);
        assert!(!seq_newer(0x8000, 0) && !seq_newer(0, 0x8000));
        assert_eq!(timestamp_diff(10, u32::MAX - 9), 20);
        assert!(timestamp_newer(0, u32::MAX));
    }
}
