//! The viewer's clock: `std::time::Instant` mapped onto the core's
//! [`Instant`](stream_core::Instant) (microseconds since an epoch), so the
//! pure parts (playout, rates) take plain values and tests inject them.

use stream_core::Instant;

/// Converts between wall-clock instants and the viewer's [`Instant`]s.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    epoch: std::time::Instant,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

impl Clock {
    /// A clock whose epoch is now.
    pub fn new() -> Clock {
        Clock {
            epoch: std::time::Instant::now(),
        }
    }

    /// The current time.
    pub fn now(&self) -> Instant {
        self.from_std(std::time::Instant::now())
    }

    /// A wall-clock instant on this clock (instants before the epoch map to zero).
    pub fn from_std(&self, t: std::time::Instant) -> Instant {
        let micros = t.saturating_duration_since(self.epoch).as_micros();
        Instant::from_micros(u64::try_from(micros).unwrap_or(u64::MAX))
    }

    /// The wall-clock instant of `t` (saturating at a year after the epoch,
    /// which is "never" for every deadline the viewer computes).
    pub fn to_std(&self, t: Instant) -> std::time::Instant {
        const FAR: std::time::Duration = std::time::Duration::from_secs(365 * 24 * 3600);
        let d = std::time::Duration::from_micros(t.total_micros()).min(FAR);
        self.epoch.checked_add(d).unwrap_or(self.epoch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let c = Clock::new();
        let t = Instant::from_millis(1234);
        assert_eq!(c.from_std(c.to_std(t)), t);
        assert!(c.now() >= Instant::ZERO);
        let before = c.to_std(Instant::ZERO) - std::time::Duration::from_secs(1);
        assert_eq!(c.from_std(before), Instant::ZERO);
        // Far-future instants do not overflow.
        assert!(c.to_std(Instant::from_micros(u64::MAX)) > c.to_std(t));
    }
}
