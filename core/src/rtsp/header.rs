//! Typed header values shared by requests and responses: the error type,
//! `Session` (RFC 2326 Section 12.37), `CSeq` and `Content-Length`, and the
//! small lexical helpers the other header modules use.
//!
//! Every typed header follows the same shape: `parse(&str) -> Result<Self,
//! HeaderError>` on the (already trimmed) header value, and `Display` in the
//! canonical RFC form, so `parse(x.to_string()) == x`.

use core::fmt;

use super::status::StatusCode;

/// A header value that is present but cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// The value (or a required part of it) is empty.
    #[error("empty {0}")]
    Empty(&'static str),
    /// A number that is not all decimal (or hex) digits, or does not fit.
    #[error("invalid number in {0}")]
    InvalidNumber(&'static str),
    /// Any other syntax error; names the header or field.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// A session id with a character outside RFC 2326 Section 3.4's set.
    #[error("session id has a character outside ALPHA / DIGIT / $-_.+")]
    InvalidSessionId,
    /// A session id over [`MAX_SESSION_ID_LEN`] bytes.
    #[error("session id longer than {MAX_SESSION_ID_LEN} bytes")]
    SessionIdTooLong,
    /// A Transport spec whose protocol/profile we do not speak (anything
    /// but `RTP/AVP[/UDP|/TCP]` and the lab's `RTP/UDP`). Skip to the next
    /// spec; if none is left, answer 461.
    #[error("unsupported transport")]
    UnsupportedTransport,
    /// A Range in a unit other than `npt` (`smpte`, `clock`, ...).
    #[error("unsupported range unit")]
    UnsupportedRangeUnit,
    /// A Range whose end is before its start.
    #[error("range ends before it starts")]
    InvalidRange,
}

impl HeaderError {
    /// The status a server answers a request with when this header is
    /// needed and bad: 461 for transports, 457 for ranges, 454 for session
    /// ids (no such session can exist), 400 otherwise.
    pub fn status(&self) -> StatusCode {
        match self {
            HeaderError::UnsupportedTransport => StatusCode::UNSUPPORTED_TRANSPORT,
            HeaderError::UnsupportedRangeUnit | HeaderError::InvalidRange => {
                StatusCode::INVALID_RANGE
            }
            HeaderError::InvalidSessionId | HeaderError::SessionIdTooLong => {
                StatusCode::SESSION_NOT_FOUND
            }
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// Longest session id we accept or emit, in bytes. RFC 2326 sets no bound;
/// 64 is far above what servers use (8 to 32) and keeps ids storable in a
/// fixed-size string.
pub const MAX_SESSION_ID_LEN: usize = 64;

/// Trims the linear whitespace RTSP allows around tokens (SP and HT).
pub(crate) fn trim_lws(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// A decimal number: 1 or more ASCII digits, nothing else, at most `max`.
pub(crate) fn parse_decimal(s: &str, max: u64) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        // 20 digits already exceed u64::MAX unless they are leading zeros;
        // refusing them bounds the work on hostile input.
        return None;
    }
    let mut n: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    (n <= max).then_some(n)
}

/// A hexadecimal number of 1 to `max_digits` digits.
pub(crate) fn parse_hex(s: &str, max_digits: usize) -> Option<u64> {
    if s.is_empty() || s.len() > max_digits || max_digits > 16 {
        return None;
    }
    let mut n: u64 = 0;
    for b in s.bytes() {
        let d = (b as char).to_digit(16)?;
        n = (n << 4) | u64::from(d);
    }
    Some(n)
}

/// Splits `s` at every `sep` that is not inside a double-quoted string.
/// An unbalanced quote runs to the end of the input.
pub(crate) fn split_unquoted(s: &str, sep: u8) -> impl Iterator<Item = &str> + Clone {
    SplitUnquoted { rest: Some(s), sep }
}

#[derive(Clone)]
struct SplitUnquoted<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for SplitUnquoted<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        let mut quoted = false;
        for (i, b) in s.bytes().enumerate() {
            if b == b'"' {
                quoted = !quoted;
            } else if b == self.sep && !quoted {
                self.rest = Some(&s[i + 1..]);
                return Some(&s[..i]);
            }
        }
        self.rest = None;
        Some(s)
    }
}

/// Splits a `name[=value]` parameter, trimming whitespace around both
/// (the lab client writes `client_port= 5008`).
pub(crate) fn split_param(p: &str) -> (&str, Option<&str>) {
    match p.split_once('=') {
        Some((n, v)) => (trim_lws(n), Some(trim_lws(v))),
        None => (trim_lws(p), None),
    }
}

/// Removes one pair of surrounding double quotes, if present.
pub(crate) fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// The `CSeq` header value (RFC 2326 Section 12.17): a decimal sequence
/// number. Values over `u32::MAX` are rejected: clients start at a small
/// number and count up by one.
pub fn parse_cseq(value: &str) -> Result<u32, HeaderError> {
    let v = trim_lws(value);
    if v.is_empty() {
        return Err(HeaderError::Empty("CSeq"));
    }
    parse_decimal(v, u64::from(u32::MAX))
        .map(|n| n as u32)
        .ok_or(HeaderError::InvalidNumber("CSeq"))
}

/// The `Content-Length` header value (RFC 2326 Section 12.14): decimal
/// digits only (no sign, no whitespace inside), no overflow.
pub fn parse_content_length(value: &str) -> Result<usize, HeaderError> {
    let v = trim_lws(value);
    if v.is_empty() {
        return Err(HeaderError::Empty("Content-Length"));
    }
    parse_decimal(v, usize::MAX as u64)
        .map(|n| n as usize)
        .ok_or(HeaderError::InvalidNumber("Content-Length"))
}

/// The `Session` header (RFC 2326 Section 12.37): `12345678;timeout=60`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionHeader<'a> {
    /// The session id: 1 to [`MAX_SESSION_ID_LEN`] characters from
    /// ALPHA / DIGIT / `$` `-` `_` `.` `+` (Section 3.4).
    pub id: &'a str,
    /// How long the server keeps the session without a request, in seconds
    /// (absent: the default of 60, Section 12.37).
    pub timeout: Option<u32>,
}

impl<'a> SessionHeader<'a> {
    /// Parses a `Session` value. Spaces around `;` and `=` are tolerated;
    /// parameters other than `timeout` are ignored.
    pub fn parse(value: &'a str) -> Result<Self, HeaderError> {
        let mut parts = value.split(';');
        let id = trim_lws(parts.next().unwrap_or(""));
        validate_session_id(id)?;
        let mut timeout = None;
        for p in parts {
            let (name, v) = split_param(p);
            if name.eq_ignore_ascii_case("timeout") {
                let v = v.ok_or(HeaderError::Malformed("Session timeout"))?;
                let secs = parse_decimal(v, u64::from(u32::MAX))
                    .ok_or(HeaderError::InvalidNumber("Session timeout"))?;
                timeout = Some(secs as u32);
            }
        }
        Ok(SessionHeader { id, timeout })
    }
}

/// Checks a session id against RFC 2326 Section 3.4 and our length cap;
/// a server can use this on the ids it generates.
pub fn validate_session_id(id: &str) -> Result<(), HeaderError> {
    if id.is_empty() {
        return Err(HeaderError::Empty("Session id"));
    }
    if id.len() > MAX_SESSION_ID_LEN {
        return Err(HeaderError::SessionIdTooLong);
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'$' | b'-' | b'_' | b'.' | b'+'))
    {
        return Err(HeaderError::InvalidSessionId);
    }
    Ok(())
}

/// `id` or `id;timeout=N`.
impl fmt::Display for SessionHeader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)?;
        if let Some(t) = self.timeout {
            write!(f, ";timeout={t}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use std::vec::Vec;

    #[test]
    fn numbers() {
        assert_eq!(parse_decimal("0", 10), Some(0));
        assert_eq!(parse_decimal("0010", 10), Some(10));
        assert_eq!(parse_decimal("11", 10), None);
        assert_eq!(parse_decimal("", 10), None);
        assert_eq!(parse_decimal("+1", 10), None);
        assert_eq!(parse_decimal("1 ", 10), None);
        assert_eq!(
            parse_decimal("18446744073709551615", u64::MAX),
            Some(u64::MAX)
        );
        assert_eq!(parse_decimal("18446744073709551616", u64::MAX), None);
        assert_eq!(parse_decimal("000000000000000000001", u64::MAX), None);
        assert_eq!(parse_hex("0000abCD", 8), Some(0xABCD));
        assert_eq!(parse_hex("123456789", 8), None);
        assert_eq!(parse_hex("12g", 8), None);
        assert_eq!(parse_hex("", 8), None);
    }

    #[test]
    fn cseq_and_content_length() {
        assert_eq!(parse_cseq(" 42 "), Ok(42));
        assert_eq!(parse_cseq("4294967295"), Ok(u32::MAX));
        assert_eq!(
            parse_cseq("4294967296"),
            Err(HeaderError::InvalidNumber("CSeq"))
        );
        assert_eq!(parse_cseq("abc"), Err(HeaderError::InvalidNumber("CSeq")));
        assert_eq!(parse_cseq("-1"), Err(HeaderError::InvalidNumber("CSeq")));
        assert_eq!(parse_cseq(""), Err(HeaderError::Empty("CSeq")));
        assert_eq!(parse_content_length("376"), Ok(376));
        assert!(parse_content_length("1e3").is_err());
        assert!(parse_content_length("99999999999999999999999").is_err());
        assert!(parse_content_length("-5").is_err());
        assert!(parse_content_length("5 5").is_err());
    }

    #[test]
    fn split_helpers() {
        let v: Vec<&str> = split_unquoted(r#"a;mode="PLAY;X",b;c"#, b',').collect();
        assert_eq!(v, [r#"a;mode="PLAY;X""#, "b;c"]);
        let v: Vec<&str> = split_unquoted("", b',').collect();
        assert_eq!(v, [""]);
        assert_eq!(
            split_param(" client_port= 5008"),
            ("client_port", Some("5008"))
        );
        assert_eq!(split_param("unicast "), ("unicast", None));
        assert_eq!(unquote("\"PLAY\""), "PLAY");
        assert_eq!(unquote("\"PLAY"), "\"PLAY");
    }

    #[test]
    fn session_header() {
        let s = SessionHeader::parse("12345678;timeout=60").unwrap();
        assert_eq!((s.id, s.timeout), ("12345678", Some(60)));
        let s = SessionHeader::parse(" u8Xcq4E3DYSWsyqZ ; Timeout = 30 ; foo=bar").unwrap();
        assert_eq!((s.id, s.timeout), ("u8Xcq4E3DYSWsyqZ", Some(30)));
        let s = SessionHeader::parse("123456").unwrap();
        assert_eq!((s.id, s.timeout), ("123456", None));
        assert_eq!(s.to_string(), "123456");
        let s = SessionHeader::parse("a$-_.+Z9;timeout=5").unwrap();
        assert_eq!(s.to_string(), "a$-_.+Z9;timeout=5");
        assert_eq!(SessionHeader::parse(&s.to_string()), Ok(s));

        assert_eq!(
            SessionHeader::parse(""),
            Err(HeaderError::Empty("Session id"))
        );
        assert_eq!(
            SessionHeader::parse(";timeout=5"),
            Err(HeaderError::Empty("Session id"))
        );
        assert_eq!(
            SessionHeader::parse("12 34"),
            Err(HeaderError::InvalidSessionId)
        );
        assert_eq!(
            SessionHeader::parse("a/b"),
            Err(HeaderError::InvalidSessionId)
        );
        let long = "1".repeat(65);
        assert_eq!(
            SessionHeader::parse(&long),
            Err(HeaderError::SessionIdTooLong)
        );
        assert!(SessionHeader::parse(&long[..64]).is_ok());
        assert_eq!(
            SessionHeader::parse("1;timeout=abc"),
            Err(HeaderError::InvalidNumber("Session timeout"))
        );
        assert_eq!(
            SessionHeader::parse("1;timeout"),
            Err(HeaderError::Malformed("Session timeout"))
        );
        assert_eq!(
            HeaderError::InvalidSessionId.status(),
            StatusCode::SESSION_NOT_FOUND
        );
        assert_eq!(HeaderError::UnsupportedTransport.status(), StatusCode(461));
        assert_eq!(HeaderError::InvalidRange.status(), StatusCode(457));
        assert_eq!(HeaderError::Malformed("x").status(), StatusCode(400));
    }
}
