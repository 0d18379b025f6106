//! Target `rtsp_headers`: the small typed headers: `Session`, `CSeq`,
//! `Content-Length`, `Public`/`Allow` method sets and `RTP-Info`.
//!
//! Input: a selector byte, then the header value (lossy UTF-8).
//!
//! Oracles: every value that parses prints (`Display`) in a form that
//! parses back to the same value and prints the same again; a parsed
//! session id passes `validate_session_id`; an `RTP-Info` list printed with
//! `RtpInfoDisplay` parses back to the same entries (URLs holding a `"`
//! excepted: they cannot be quoted).

use stream_core::rtsp::{
    MethodSet, RtpInfoDisplay, RtpInfoEntry, RtpInfoList, SessionHeader, parse_content_length,
    parse_cseq, validate_session_id,
};

use crate::util::text;

/// Runs the target.
pub fn run(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let value = text(rest);
    let value = value.as_ref();
    match selector % 5 {
        0 => session(value),
        1 => numbers(value),
        2 => method_set(value),
        3 => rtp_info_entry(value),
        _ => rtp_info_list(value),
    }
}

fn session(value: &str) {
    let Ok(s) = SessionHeader::parse(value) else {
        return;
    };
    assert_eq!(validate_session_id(s.id), Ok(()), "{s:?}");
    let shown = s.to_string();
    assert_eq!(
        SessionHeader::parse(&shown),
        Ok(s),
        "{value:?} -> {shown:?}"
    );
}

fn numbers(value: &str) {
    if let Ok(n) = parse_cseq(value) {
        assert_eq!(parse_cseq(&n.to_string()), Ok(n));
    }
    if let Ok(n) = parse_content_length(value) {
        assert_eq!(parse_content_length(&n.to_string()), Ok(n));
    }
}

fn method_set(value: &str) {
    let set = MethodSet::parse(value);
    let shown = set.to_string();
    assert_eq!(MethodSet::parse(&shown), set, "{value:?} -> {shown:?}");
    assert_eq!(set.iter().count(), set.len());
    for m in set.iter() {
        assert!(set.contains(m));
        assert!(!set.without(m).contains(m));
    }
}

fn rtp_info_entry(value: &str) {
    let Ok(e) = RtpInfoEntry::parse(value) else {
        return;
    };
    assert!(!e.url.is_empty());
    if e.url.contains('"') {
        // Cannot be quoted; written bare it may read back differently.
        return;
    }
    let shown = e.to_string();
    assert_eq!(RtpInfoEntry::parse(&shown), Ok(e), "{value:?} -> {shown:?}");
}

fn rtp_info_list(value: &str) {
    let entries: Vec<RtpInfoEntry<'_>> = RtpInfoList::new(value).filter_map(Result::ok).collect();
    if entries.iter().any(|e| e.url.contains('"')) {
        // A quote in a URL toggles the list splitter's quoting.
        return;
    }
    let shown = RtpInfoDisplay(&entries).to_string();
    let again: Vec<_> = RtpInfoList::new(&shown).collect();
    let want: Vec<_> = entries.iter().copied().map(Ok).collect();
    assert_eq!(again, want, "{value:?} -> {shown:?}");
}
