//! The `Range` header (RFC 2326 Section 12.29) in Normal Play Time
//! (Section 3.6), the one unit an MJPEG file server needs.
//!
//! Times are parsed by hand to microsecond precision: no floats, so the
//! values are exact and the code stays no_std.

use core::fmt;

use super::header::{HeaderError, parse_decimal, trim_lws};
use crate::time::Duration;

/// A point in normal play time (RFC 2326 Section 3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NptTime {
    /// `now`: the live edge.
    Now,
    /// An offset from the start of the presentation.
    At(Duration),
}

/// An NPT range: `npt=<start>-[<end>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NptRange {
    /// Where playback starts. `npt=-20` (no start) parses as starting at 0.
    pub start: NptTime,
    /// Where playback stops; `None` is open-ended (to the end).
    pub end: Option<NptTime>,
}

/// The largest NPT we accept, in seconds (about 31 710 years): keeps every
/// value representable in microseconds as a `u64` with room to spare.
const MAX_NPT_SECS: u64 = 1_000_000_000_000;

impl NptTime {
    /// Parses `now`, `12`, `12.5`, `1:02:03.25` (RFC 2326 Section 3.6).
    ///
    /// Fraction digits past the sixth (below a microsecond) are checked and
    /// dropped. Minutes and seconds of the `h:m:s` form must be below 60.
    pub fn parse(s: &str) -> Result<Self, HeaderError> {
        const WHAT: &str = "npt time";
        let s = trim_lws(s);
        if s.is_empty() {
            return Err(HeaderError::Empty(WHAT));
        }
        if s.eq_ignore_ascii_case("now") {
            return Ok(NptTime::Now);
        }
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, f),
            None => (s, ""),
        };
        let mut micros: u64 = 0;
        for (i, b) in frac.bytes().enumerate() {
            if !b.is_ascii_digit() {
                return Err(HeaderError::InvalidNumber(WHAT));
            }
            if i < 6 {
                micros += u64::from(b - b'0') * 10u64.pow(5 - i as u32);
            }
        }
        let secs = if whole.contains(':') {
            let mut it = whole.split(':');
            let (h, m, sec) = match (it.next(), it.next(), it.next(), it.next()) {
                (Some(h), Some(m), Some(s), None) => (h, m, s),
                _ => return Err(HeaderError::Malformed(WHAT)),
            };
            // npt-mm and npt-ss are 1*2DIGIT.
            if m.len() > 2 || sec.len() > 2 {
                return Err(HeaderError::InvalidNumber(WHAT));
            }
            let h =
                parse_decimal(h, MAX_NPT_SECS / 3600).ok_or(HeaderError::InvalidNumber(WHAT))?;
            let m = parse_decimal(m, 59).ok_or(HeaderError::InvalidNumber(WHAT))?;
            let sec = parse_decimal(sec, 59).ok_or(HeaderError::InvalidNumber(WHAT))?;
            let total = h * 3600 + m * 60 + sec;
            // The same cap as the seconds form, so that every value parsed
            // prints (in seconds) as one that parses again.
            if total > MAX_NPT_SECS {
                return Err(HeaderError::InvalidNumber(WHAT));
            }
            total
        } else {
            parse_decimal(whole, MAX_NPT_SECS).ok_or(HeaderError::InvalidNumber(WHAT))?
        };
        Ok(NptTime::At(
            Duration::from_secs(secs) + Duration::from_micros(micros),
        ))
    }
}

/// `now`, or seconds with three decimals (`12.500`), or six when the time
/// has sub-millisecond precision, so that parsing the output gives the same
/// value back.
impl fmt::Display for NptTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NptTime::Now => f.write_str("now"),
            NptTime::At(d) => {
                let micros = d.subsec_micros();
                if micros % 1000 == 0 {
                    write!(f, "{}.{:03}", d.as_secs(), micros / 1000)
                } else {
                    write!(f, "{}.{:06}", d.as_secs(), micros)
                }
            }
        }
    }
}

impl NptRange {
    /// From `start` to the end of the presentation.
    pub const fn from_start(start: Duration) -> Self {
        NptRange {
            start: NptTime::At(start),
            end: None,
        }
    }

    /// Parses a `Range` value in NPT: `npt=0-`, `npt=now-`, `npt=12.5-20`,
    /// `npt=1:02:03.25-`, `npt = 5 -`, `npt=-20`.
    ///
    /// Parameters after `;` (`;time=...`, Section 12.29) are ignored. Other
    /// units (`smpte`, `smpte-25`, `clock`, ...) are
    /// [`HeaderError::UnsupportedRangeUnit`]; an end before the start is
    /// [`HeaderError::InvalidRange`].
    pub fn parse(value: &str) -> Result<Self, HeaderError> {
        const WHAT: &str = "Range";
        let spec = value.split(';').next().unwrap_or("");
        let spec = trim_lws(spec);
        if spec.is_empty() {
            return Err(HeaderError::Empty(WHAT));
        }
        let (unit, times) = spec.split_once('=').ok_or(HeaderError::Malformed(WHAT))?;
        let unit = trim_lws(unit);
        if !unit.eq_ignore_ascii_case("npt") {
            return if !unit.is_empty()
                && unit
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                Err(HeaderError::UnsupportedRangeUnit)
            } else {
                Err(HeaderError::Malformed(WHAT))
            };
        }
        let (start, end) = times.split_once('-').ok_or(HeaderError::Malformed(WHAT))?;
        let (start, end) = (trim_lws(start), trim_lws(end));
        let start = if start.is_empty() {
            if end.is_empty() {
                return Err(HeaderError::Malformed(WHAT));
            }
            NptTime::At(Duration::ZERO)
        } else {
            NptTime::parse(start)?
        };
        let end = if end.is_empty() {
            None
        } else {
            Some(NptTime::parse(end)?)
        };
        if let (NptTime::At(s), Some(NptTime::At(e))) = (start, end) {
            if e < s {
                return Err(HeaderError::InvalidRange);
            }
        }
        Ok(NptRange { start, end })
    }
}

/// `npt=12.500-`, `npt=0.000-20.000`, `npt=now-`.
impl fmt::Display for NptRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "npt={}-", self.start)?;
        if let Some(end) = self.end {
            write!(f, "{end}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn at(secs: u64, micros: u64) -> NptTime {
        NptTime::At(Duration::from_secs(secs) + Duration::from_micros(micros))
    }

    /// Found by fuzz target `rtsp_range`: an `h:m:s` time just past the
    /// cap parsed, and printed as seconds that did not parse again.
    #[test]
    fn hms_form_has_the_seconds_cap() {
        assert_eq!(
            NptTime::parse("277777777:59:59"),
            Err(HeaderError::InvalidNumber("npt time"))
        );
        let max = NptTime::parse("277777777:46:40").unwrap();
        assert_eq!(NptTime::parse(&max.to_string()), Ok(max));
    }

    #[test]
    fn accepted_forms() {
        let r = NptRange::parse("npt=0-").unwrap();
        assert_eq!((r.start, r.end), (at(0, 0), None));
        let r = NptRange::parse("npt=now-").unwrap();
        assert_eq!((r.start, r.end), (NptTime::Now, None));
        let r = NptRange::parse("npt=12.5-20").unwrap();
        assert_eq!((r.start, r.end), (at(12, 500_000), Some(at(20, 0))));
        let r = NptRange::parse("npt=1:02:03.25-").unwrap();
        assert_eq!(r.start, at(3723, 250_000));
        let r = NptRange::parse("npt = 5 -").unwrap();
        assert_eq!((r.start, r.end), (at(5, 0), None));
        let r = NptRange::parse("NPT=123.45-125;time=19970123T143720Z").unwrap();
        assert_eq!((r.start, r.end), (at(123, 450_000), Some(at(125, 0))));
        let r = NptRange::parse("npt=12:05:35.3-").unwrap();
        assert_eq!(r.start, at(12 * 3600 + 5 * 60 + 35, 300_000));
        let r = NptRange::parse("npt=-20").unwrap();
        assert_eq!((r.start, r.end), (at(0, 0), Some(at(20, 0))));
        let r = NptRange::parse("npt=0.000000-10.000000").unwrap();
        assert_eq!(r.end, Some(at(10, 0)));
        // Digits below a microsecond are dropped, not rounded.
        let r = NptRange::parse("npt=1.1234569-").unwrap();
        assert_eq!(r.start, at(1, 123_456));
        let r = NptRange::parse("npt=7.-").unwrap();
        assert_eq!(r.start, at(7, 0));
        let r = NptRange::parse("npt=5-5").unwrap();
        assert_eq!(r.end, Some(at(5, 0)));
    }

    #[test]
    fn rejected_forms() {
        assert_eq!(
            NptRange::parse("smpte=0:10:20-;time=19970123T153600Z"),
            Err(HeaderError::UnsupportedRangeUnit)
        );
        assert_eq!(
            NptRange::parse("smpte-25=10:07:00-10:07:33:05.01"),
            Err(HeaderError::UnsupportedRangeUnit)
        );
        assert_eq!(
            NptRange::parse("clock=19961108T142300Z-19961108T143520Z"),
            Err(HeaderError::UnsupportedRangeUnit)
        );
        assert_eq!(NptRange::parse("npt=20-10"), Err(HeaderError::InvalidRange));
        assert_eq!(NptRange::parse(""), Err(HeaderError::Empty("Range")));
        assert_eq!(NptRange::parse("npt"), Err(HeaderError::Malformed("Range")));
        assert_eq!(
            NptRange::parse("npt=5"),
            Err(HeaderError::Malformed("Range"))
        );
        assert_eq!(
            NptRange::parse("npt=-"),
            Err(HeaderError::Malformed("Range"))
        );
        assert_eq!(NptRange::parse("=5-"), Err(HeaderError::Malformed("Range")));
        for bad in [
            "npt=1:2-",
            "npt=1:60:00-",
            "npt=1:00:60-",
            "npt=1:000:00-",
            "npt=a-",
            "npt=1.2.3-",
            "npt=.5-",
            "npt=1e3-",
            "npt=-1-",
            "npt=5-x",
            "npt=99999999999999999999-",
            "npt=1:2:3:4-",
        ] {
            assert!(NptRange::parse(bad).is_err(), "{bad}");
        }
        assert!(NptRange::parse("npt=1000000000000-").is_ok());
        assert!(NptRange::parse("npt=1000000000001-").is_err());
    }

    #[test]
    fn display_round_trips() {
        assert_eq!(
            NptRange::parse("npt=12.5-").unwrap().to_string(),
            "npt=12.500-"
        );
        assert_eq!(
            NptRange::parse("npt=0-20").unwrap().to_string(),
            "npt=0.000-20.000"
        );
        assert_eq!(NptRange::parse("npt=now-").unwrap().to_string(), "npt=now-");
        assert_eq!(
            NptRange::from_start(Duration::from_micros(1_000_250)).to_string(),
            "npt=1.000250-"
        );
        for text in [
            "npt=0.000-",
            "npt=1.234-5.678",
            "npt=now-",
            "npt=3723.250000-",
            "npt=0.000001-",
        ] {
            let r = NptRange::parse(text).unwrap();
            assert_eq!(NptRange::parse(&r.to_string()), Ok(r), "{text}");
        }
    }
}
