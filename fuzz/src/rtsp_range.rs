//! Target `rtsp_range`: the `Range` header in normal play time (RFC 2326
//! Sections 3.6 and 12.29), `NptRange` and `NptTime`.
//!
//! Input: the header value (lossy UTF-8).
//!
//! Oracles: a range that parses has its end at or after its start, and
//! prints (`Display`) in a form that parses back to the same range and
//! prints the same again; the same for a single `NptTime`.

use stream_core::rtsp::{NptRange, NptTime};

use crate::util::text;

/// Runs the target.
pub fn run(data: &[u8]) {
    let value = text(data);
    let value = value.as_ref();
    if let Ok(r) = NptRange::parse(value) {
        if let (NptTime::At(s), Some(NptTime::At(e))) = (r.start, r.end) {
            assert!(e >= s, "{value:?} -> {r:?}");
        }
        let shown = r.to_string();
        let again = NptRange::parse(&shown);
        assert_eq!(again, Ok(r), "{value:?} -> {shown:?}");
        assert_eq!(again.map(|r| r.to_string()), Ok(shown));
    }
    if let Ok(t) = NptTime::parse(value) {
        let shown = t.to_string();
        assert_eq!(NptTime::parse(&shown), Ok(t), "{value:?} -> {shown:?}");
    }
}
