//! Target `rtsp_uri`: request-URIs (`parse_request_uri`,
//! `RequestUri::decoded_path`, `percent_decode`) and SDP control
//! resolution (`resolve_control`).
//!
//! Input: a request-URI (lossy UTF-8); for `resolve_control`, the same bytes
//! split at their first `0xFF` into base and control.
//!
//! Oracles:
//! - an absolute URI has an `rtsp`/`rtsps`/`rtspu` scheme, a non-empty host
//!   and a path without query or fragment, all taken from the URI itself;
//! - a decoded path never contains NUL (so it can never cut a file name
//!   short), and percent-encoding it again decodes to the same path:
//!   decoding happens exactly once;
//! - `percent_decode` never lengthens its input and is the identity on
//!   text without `%`;
//! - `resolve_control` keeps absolute controls, maps `*` and empty to the
//!   base, and otherwise joins base and control with exactly one `/`.

use stream_core::rtsp::{RequestUri, parse_request_uri, percent_decode, resolve_control};

use crate::util::text;

/// Runs the target.
pub fn run(data: &[u8]) {
    let uri = text(data);
    let uri = uri.as_ref();
    request_uri(uri);
    decode(uri);
    let (base, control) = match data.iter().position(|&b| b == 0xFF) {
        Some(i) => (text(&data[..i]), text(&data[i + 1..])),
        None => (text(data), text(&[])),
    };
    resolve(&base, &control);
}

fn request_uri(uri: &str) {
    let Ok(parsed) = parse_request_uri(uri) else {
        return;
    };
    match parsed {
        RequestUri::Star => assert_eq!(uri, "*"),
        RequestUri::Absolute {
            scheme,
            host,
            port: _,
            path,
        } => {
            assert!(
                ["rtsp", "rtsps", "rtspu"]
                    .iter()
                    .any(|s| scheme.eq_ignore_ascii_case(s)),
                "{uri:?}"
            );
            assert!(!host.is_empty(), "{uri:?}");
            assert!(uri.contains(host) && uri.contains(path), "{uri:?}");
            assert!(!path.contains(['?', '#']), "{uri:?} -> {path:?}");
        }
        RequestUri::Bare(b) => assert_eq!(b, uri),
    }
    if let Ok(path) = parsed.decoded_path() {
        assert!(!path.contains('\0'), "{uri:?} decodes to {path:?}");
        let encoded = encode(&path);
        assert_eq!(percent_decode(&encoded).as_deref(), Ok(path.as_str()));
    }
}

fn decode(s: &str) {
    if let Ok(d) = percent_decode(s) {
        assert!(d.len() <= s.len());
        assert!(!d.contains('\0') || s.contains('\0'), "{s:?} -> {d:?}");
        if !s.contains('%') {
            assert_eq!(d, s);
        }
    }
}

fn resolve(base: &str, control: &str) {
    let r = resolve_control(base, control);
    let c = control.trim();
    if c.is_empty() || c == "*" {
        assert_eq!(r, base);
        return;
    }
    let absolute = c.split_once(':').is_some_and(|(scheme, rest)| {
        scheme.starts_with(|ch: char| ch.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
            && rest.starts_with("//")
    });
    if absolute {
        assert_eq!(r, c, "absolute control {control:?} not kept");
    } else {
        // Joined with exactly one '/'.
        let want = format!(
            "{}/{}",
            base.trim_end_matches('/'),
            c.trim_start_matches('/')
        );
        assert_eq!(r, want, "{base:?} + {control:?}");
    }
}

/// Percent-encodes every byte that is not an RFC 3986 unreserved character.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
