//! Incremental, zero-copy RTSP/1.0 message parser (RFC 2326 Sections 4, 6,
//! 7 and 10.12).
//!
//! [`parse`] looks at a buffer holding the start of a byte stream and
//! answers [`Status::Partial`] (append what arrives and call again) or
//! [`Status::Complete`] with one [`Message`] borrowing the buffer and the
//! number of bytes it occupies; the caller drops those bytes and calls again
//! for the next message. Nothing is copied and nothing is allocated: headers
//! go into a fixed array of [`MAX_HEADERS`], and every size is capped by
//! [`Limits`], so no input can make the parser (or a caller that follows its
//! answers) hold more than `max_head_len + max_body_len` bytes.
//!
//! What it accepts beyond a strict reading of RFC 2326, because real peers
//! send it:
//! - empty lines before a message (keep-alives), skipped;
//! - bare `\n` line endings, mixed with `\r\n` (the course lab, netcat);
//! - runs of spaces or tabs between the parts of the start line and around
//!   header values;
//! - with [`ParseOptions::end_of_input`], a message with no terminating
//!   empty line (the lab dialect, see `shared/docs/lab-dialect.md`).
//!
//! What it refuses: folded header lines (no zero-copy way to join them, and
//! no RTSP peer in the wild sends them), control characters in header
//! values, header names that are not tokens, non-UTF-8 heads, conflicting
//! `Content-Length`s.

use core::str;

use super::header::{HeaderError, SessionHeader, parse_content_length, parse_cseq, trim_lws};
use super::method::{Method, MethodSet};
use super::range::NptRange;
use super::rtp_info::RtpInfoList;
use super::status::StatusCode;
use super::transport::TransportList;
use super::uri::{RequestUri, UriError, parse_request_uri};

/// Capacity of [`Headers`]: the most header lines a message may have.
pub const MAX_HEADERS: usize = 32;

/// The line ending a message uses, decided by its start line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LineEnding {
    /// `\r\n`, as RFC 2326 Section 4 requires.
    #[default]
    CrLf,
    /// A bare `\n`, as the course lab's programs write.
    Lf,
}

impl LineEnding {
    /// The bytes of the line ending.
    pub const fn as_str(self) -> &'static str {
        match self {
            LineEnding::CrLf => "\r\n",
            LineEnding::Lf => "\n",
        }
    }
}

/// One header line: `name: value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header<'a> {
    /// The field name as written (compare it ASCII case-insensitively).
    pub name: &'a str,
    /// The value, trimmed of surrounding spaces and tabs.
    pub value: &'a str,
}

/// The header lines of a message, in order, with typed accessors.
///
/// Lookups by name are ASCII case-insensitive and return the first
/// occurrence. Typed accessors answer `Ok(None)` when the header is absent
/// and `Err` when it is present but malformed, so a caller can tell "not
/// sent" from "sent wrong" (e.g. 454 vs 400).
///
/// A fixed array, not a `heapless::Vec`: without drop glue, a parsed
/// message's borrow of the input buffer ends at its last use, so a caller
/// can drain the buffer inside the `match` on [`parse`]'s result.
#[derive(Clone)]
pub struct Headers<'a> {
    list: [Header<'a>; MAX_HEADERS],
    len: usize,
}

const EMPTY_HEADER: Header<'static> = Header {
    name: "",
    value: "",
};

impl Default for Headers<'_> {
    fn default() -> Self {
        Headers::new()
    }
}

impl PartialEq for Headers<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Headers<'_> {}

impl core::fmt::Debug for Headers<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<'a> Headers<'a> {
    /// No headers.
    pub const fn new() -> Self {
        Headers {
            list: [EMPTY_HEADER; MAX_HEADERS],
            len: 0,
        }
    }

    /// Appends a header; gives it back when all [`MAX_HEADERS`] slots are
    /// taken. For building messages to [`emit`](Request::emit) in tests and
    /// tools; [`MessageWriter`](super::MessageWriter) needs no array.
    pub fn try_push(&mut self, header: Header<'a>) -> Result<(), Header<'a>> {
        match self.list.get_mut(self.len) {
            Some(slot) => {
                *slot = header;
                self.len += 1;
                Ok(())
            }
            None => Err(header),
        }
    }

    /// The value of the first header called `name`.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.as_slice()
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }

    /// The values of every header called `name`, in order.
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a str> + 's {
        self.as_slice()
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }

    /// All headers, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Header<'a>> + '_ {
        self.as_slice().iter()
    }

    /// All headers as a slice.
    pub fn as_slice(&self) -> &[Header<'a>] {
        &self.list[..self.len]
    }

    /// Number of headers.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `CSeq` (RFC 2326 Section 12.17).
    pub fn cseq(&self) -> Result<Option<u32>, HeaderError> {
        self.get("CSeq").map(parse_cseq).transpose()
    }

    /// `Session` (Section 12.37).
    pub fn session(&self) -> Result<Option<SessionHeader<'a>>, HeaderError> {
        self.get("Session").map(SessionHeader::parse).transpose()
    }

    /// The specs of the first `Transport` header (Section 12.39), each to
    /// be checked in turn.
    pub fn transports(&self) -> Option<TransportList<'a>> {
        self.get("Transport").map(TransportList::new)
    }

    /// `Range` in NPT (Section 12.29).
    pub fn range(&self) -> Result<Option<NptRange>, HeaderError> {
        self.get("Range").map(NptRange::parse).transpose()
    }

    /// `Content-Length` (Section 12.14).
    pub fn content_length(&self) -> Result<Option<usize>, HeaderError> {
        self.get("Content-Length")
            .map(parse_content_length)
            .transpose()
    }

    /// `Content-Type` (Section 12.16), e.g. `application/sdp`.
    pub fn content_type(&self) -> Option<&'a str> {
        self.get("Content-Type")
    }

    /// `Content-Base` (Section 12.11): the base for relative SDP controls.
    pub fn content_base(&self) -> Option<&'a str> {
        self.get("Content-Base")
    }

    /// The entries of the first `RTP-Info` header (Section 12.33).
    pub fn rtp_info(&self) -> Option<RtpInfoList<'a>> {
        self.get("RTP-Info").map(RtpInfoList::new)
    }

    /// `Public` (Section 12.28): the union of every `Public` header.
    pub fn public(&self) -> Option<MethodSet> {
        self.method_set("Public")
    }

    /// `Allow` (Section 12.4): the union of every `Allow` header.
    pub fn allow(&self) -> Option<MethodSet> {
        self.method_set("Allow")
    }

    fn method_set(&self, name: &str) -> Option<MethodSet> {
        let mut values = self.get_all(name).peekable();
        values.peek()?;
        Some(values.flat_map(|v| MethodSet::parse(v).iter()).collect())
    }

    /// `User-Agent` (Section 12.41).
    pub fn user_agent(&self) -> Option<&'a str> {
        self.get("User-Agent")
    }

    /// `Server` (Section 12.36).
    pub fn server(&self) -> Option<&'a str> {
        self.get("Server")
    }
}

/// A request (RFC 2326 Section 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    /// The method as written.
    pub method_token: &'a str,
    /// The method, or `None` for an extension method (answer 501).
    pub method: Option<Method>,
    /// The request-URI as written; see [`Request::request_uri`].
    pub uri: &'a str,
    /// The header lines.
    pub headers: Headers<'a>,
    /// Exactly `Content-Length` bytes.
    pub body: &'a [u8],
    /// The line ending of the start line.
    pub line_ending: LineEnding,
    /// `false` when the message had no terminating empty line and was
    /// completed by [`ParseOptions::end_of_input`] (the lab dialect).
    pub terminated: bool,
}

impl<'a> Request<'a> {
    /// The request-URI parsed into its parts.
    pub fn request_uri(&self) -> Result<RequestUri<'a>, UriError> {
        parse_request_uri(self.uri)
    }
}

/// A response (RFC 2326 Section 7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response<'a> {
    /// The status code.
    pub status: StatusCode,
    /// The reason phrase as written (may be empty).
    pub reason: &'a str,
    /// The header lines.
    pub headers: Headers<'a>,
    /// Exactly `Content-Length` bytes.
    pub body: &'a [u8],
    /// The line ending of the status line.
    pub line_ending: LineEnding,
    /// `false` when completed by [`ParseOptions::end_of_input`] (a lab
    /// server's reply).
    pub terminated: bool,
}

/// An interleaved binary frame (RFC 2326 Section 10.12): `$`, a channel
/// byte, a 16-bit big-endian length, then that many bytes of RTP or RTCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterleavedFrame<'a> {
    /// The channel, as negotiated by `Transport: ...;interleaved=0-1`.
    pub channel: u8,
    /// The RTP or RTCP packet.
    pub payload: &'a [u8],
}

/// One unit of an RTSP byte stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message<'a> {
    /// A request.
    Request(Request<'a>),
    /// A response.
    Response(Response<'a>),
    /// An interleaved RTP/RTCP frame.
    Interleaved(InterleavedFrame<'a>),
}

/// The outcome of a parse that did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T> {
    /// A whole message is in the buffer.
    Complete(T),
    /// More bytes are needed; no limit has been exceeded so far.
    Partial,
}

impl<T> Status<T> {
    /// Whether this is `Complete`.
    pub fn is_complete(&self) -> bool {
        matches!(self, Status::Complete(_))
    }

    /// Whether this is `Partial`.
    pub fn is_partial(&self) -> bool {
        matches!(self, Status::Partial)
    }

    /// The complete value, if any.
    pub fn complete(self) -> Option<T> {
        match self {
            Status::Complete(t) => Some(t),
            Status::Partial => None,
        }
    }
}

/// Size caps; going over any of them is an error of its own kind, reported
/// as soon as the buffer shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Longest start line, without its line ending (default 2048).
    pub max_start_line: usize,
    /// Longest header line, without its line ending (default 2048).
    pub max_header_line: usize,
    /// Most header lines (default and at most [`MAX_HEADERS`]; larger
    /// values act as [`MAX_HEADERS`]).
    pub max_headers: usize,
    /// Longest head: leading empty lines, start line, header lines and the
    /// final empty line, line endings included (default 8192). Leading
    /// empty lines count so that a stream of nothing but keep-alives cannot
    /// grow a caller's buffer without bound.
    pub max_head_len: usize,
    /// Largest `Content-Length` (default 65536).
    pub max_body_len: usize,
}

impl Limits {
    /// The default limits, as a constant.
    pub const DEFAULT: Limits = Limits {
        max_start_line: 2048,
        max_header_line: 2048,
        max_headers: MAX_HEADERS,
        max_head_len: 8192,
        max_body_len: 65536,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// How to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ParseOptions {
    /// Size caps.
    pub limits: Limits,
    /// The caller knows no more bytes of the message at the start of the
    /// buffer will come (the lab dialect: the peer wrote its request in one
    /// piece and now waits). A head with a complete start line is then
    /// complete at the end of the buffer even without its empty line (or
    /// its last line ending). A message whose body is still missing stays
    /// [`Status::Partial`].
    pub end_of_input: bool,
}

/// What is wrong with the bytes at the start of the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The start line is longer than [`Limits::max_start_line`] (414; the
    /// same kind for a response's status line).
    #[error("start line too long")]
    StartLineTooLong,
    /// A header line is longer than [`Limits::max_header_line`] (431).
    #[error("header line too long")]
    HeaderLineTooLong,
    /// More header lines than [`Limits::max_headers`] (431).
    #[error("too many header lines")]
    TooManyHeaders,
    /// The head is longer than [`Limits::max_head_len`] (431).
    #[error("message head too large")]
    HeadTooLarge,
    /// `Content-Length` is over [`Limits::max_body_len`] (413).
    #[error("message body too large")]
    BodyTooLarge,
    /// The start line is neither a request line nor a status line (400).
    #[error("malformed start line")]
    BadStartLine,
    /// A header line is malformed: no colon, a name that is not a token, a
    /// folded continuation, control characters, non-UTF-8 (400).
    #[error("malformed header line")]
    BadHeader,
    /// `Content-Length` is not a number, or two of them disagree (400).
    #[error("malformed or conflicting Content-Length")]
    BadContentLength,
    /// A protocol version other than RTSP/1.0, such as `RTSP/2.0` or
    /// `HTTP/1.1` (505).
    #[error("unsupported protocol version")]
    UnsupportedVersion,
}

/// A message that cannot be parsed, with what a server needs to answer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{kind}")]
pub struct ParseError {
    /// What is wrong.
    pub kind: ParseErrorKind,
    /// The message's `CSeq`, when it could be read before the error, for
    /// the error reply.
    pub cseq: Option<u32>,
    /// `Some(n)`: the bad message is exactly the first `n` bytes (always
    /// within the buffer); answer with [`ParseError::status`], drop `n`
    /// bytes and go on. `None`: the stream cannot be resynchronised; answer
    /// and close the connection.
    pub resync: Option<usize>,
}

impl ParseError {
    /// The status to answer a request that failed this way with.
    pub fn status(&self) -> StatusCode {
        match self.kind {
            ParseErrorKind::StartLineTooLong => StatusCode::REQUEST_URI_TOO_LONG,
            ParseErrorKind::HeaderLineTooLong
            | ParseErrorKind::TooManyHeaders
            | ParseErrorKind::HeadTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ParseErrorKind::BodyTooLarge => StatusCode::REQUEST_ENTITY_TOO_LARGE,
            ParseErrorKind::BadStartLine
            | ParseErrorKind::BadHeader
            | ParseErrorKind::BadContentLength => StatusCode::BAD_REQUEST,
            ParseErrorKind::UnsupportedVersion => StatusCode::RTSP_VERSION_NOT_SUPPORTED,
        }
    }
}

fn error<T>(
    kind: ParseErrorKind,
    cseq: Option<u32>,
    resync: Option<usize>,
) -> Result<T, ParseError> {
    Err(ParseError { kind, cseq, resync })
}

/// The number of bytes of complete empty lines (`\r\n` or `\n`) at the
/// start of `buf`. [`parse`] skips them itself; a caller may use this to
/// drop keep-alives from its buffer before a message arrives.
pub fn skip_empty_lines(buf: &[u8]) -> usize {
    let mut pos = 0;
    loop {
        match buf.get(pos..) {
            Some([b'\n', ..]) => pos += 1,
            Some([b'\r', b'\n', ..]) => pos += 2,
            _ => return pos,
        }
    }
}

/// Parses the message at the start of `buf`.
///
/// Call it whenever bytes have been appended to the buffer. On
/// `Complete((message, consumed))`, handle the message, then drop
/// `consumed` bytes (which include any empty lines before it). On
/// `Partial`, wait for more bytes. On `Err`, see [`ParseError::resync`].
/// Never panics, whatever the bytes.
pub fn parse<'a>(
    buf: &'a [u8],
    opts: &ParseOptions,
) -> Result<Status<(Message<'a>, usize)>, ParseError> {
    let limits = &opts.limits;
    // Keep-alives alone past the head limit: a reader receiving the bytes
    // in pieces stopped there, whatever comes after them.
    if let Some(first) = buf.get(..=limits.max_head_len) {
        let empty = skip_empty_lines(first);
        if first[empty..].is_empty() || first[empty..] == [b'\r'] {
            return error(ParseErrorKind::HeadTooLarge, None, None);
        }
    }
    let start = skip_empty_lines(buf);
    match buf.get(start..) {
        None | Some([] | [b'\r']) => {
            // Nothing but empty lines yet (or half of one more).
            if buf.len() > limits.max_head_len {
                return error(ParseErrorKind::HeadTooLarge, None, None);
            }
            Ok(Status::Partial)
        }
        Some([b'$', ..]) => Ok(parse_interleaved(buf, start)),
        Some(_) => parse_message(buf, start, opts),
    }
}

fn parse_interleaved(buf: &[u8], start: usize) -> Status<(Message<'_>, usize)> {
    let Some(&[_, channel, hi, lo]) = buf.get(start..start + 4) else {
        return Status::Partial;
    };
    let end = start + 4 + usize::from(u16::from_be_bytes([hi, lo]));
    match buf.get(start + 4..end) {
        Some(payload) => Status::Complete((
            Message::Interleaved(InterleavedFrame { channel, payload }),
            end,
        )),
        None => Status::Partial,
    }
}

/// RFC 2326 Section 15.1: token chars are CHAR minus CTLs and tspecials.
/// Whether `b` may appear in an RFC 2326 token (Section 15.1: CHAR except
/// CTLs and tspecials).
pub(super) fn is_tchar(b: u8) -> bool {
    matches!(b, 0x21..=0x7E)
        && !matches!(
            b,
            b'(' | b')'
                | b'<'
                | b'>'
                | b'@'
                | b','
                | b';'
                | b':'
                | b'\\'
                | b'"'
                | b'/'
                | b'['
                | b']'
                | b'?'
                | b'='
                | b'{'
                | b'}'
        )
}

/// A control character other than HT.
fn is_ctl(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7F
}

/// A line found in the buffer.
struct Line {
    /// Offset of its first byte.
    start: usize,
    /// Offset just past its content (before `\r\n` or `\n`).
    end: usize,
    /// Offset just past its line ending.
    next: usize,
    ending: LineEnding,
}

fn find_line(buf: &[u8], from: usize) -> Option<Line> {
    let rel = buf.get(from..)?.iter().position(|&b| b == b'\n')?;
    let lf = from + rel;
    let (end, ending) = if lf > from && buf[lf - 1] == b'\r' {
        (lf - 1, LineEnding::CrLf)
    } else {
        (lf, LineEnding::Lf)
    };
    Some(Line {
        start: from,
        end,
        next: lf + 1,
        ending,
    })
}

/// An incomplete last line: what is there, minus a `\r` that may be the
/// first half of its line ending.
fn partial_line_content(rest: &[u8]) -> &[u8] {
    rest.strip_suffix(b"\r").unwrap_or(rest)
}

enum StartLine<'a> {
    Request { token: &'a str, uri: &'a str },
    Response { status: StatusCode, reason: &'a str },
}

/// `Some(true)` for `RTSP/1.0`, `Some(false)` for another
/// `NAME/digits.digits`, `None` when the word is no version at all.
fn version(word: &str) -> Option<bool> {
    let (name, num) = word.split_once('/')?;
    let (major, minor) = num.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (!name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphabetic())
        && digits(major)
        && digits(minor))
    .then(|| word == "RTSP/1.0")
}

/// Splits off the next run of non-blank characters.
fn next_word(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start_matches([' ', '\t']);
    if s.is_empty() {
        return None;
    }
    let end = s.find([' ', '\t']).unwrap_or(s.len());
    Some((&s[..end], &s[end..]))
}

/// Parses a complete start line; the flag says whether the version is
/// RTSP/1.0 (an error reported once the head is complete).
fn parse_start_line(line: &[u8]) -> Result<(StartLine<'_>, bool), ParseErrorKind> {
    let bad = ParseErrorKind::BadStartLine;
    let text = str::from_utf8(line).map_err(|_| bad)?;
    if text.bytes().any(is_ctl) {
        return Err(bad);
    }
    let (first, rest) = next_word(text).ok_or(bad)?;
    if let Some(version_ok) = version(first) {
        // Status-Line (Section 7.1): version SP 3DIGIT SP reason.
        let (code, rest) = next_word(rest).ok_or(bad)?;
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) || code.starts_with('0') {
            return Err(bad);
        }
        let status = StatusCode(code.parse().map_err(|_| bad)?);
        let reason = trim_lws(rest);
        return Ok((StartLine::Response { status, reason }, version_ok));
    }
    // Request-Line (Section 6.1): method SP uri SP version.
    if !first.bytes().all(is_tchar) {
        return Err(bad);
    }
    let (uri, rest) = next_word(rest).ok_or(bad)?;
    let (ver, rest) = next_word(rest).ok_or(bad)?;
    if next_word(rest).is_some() {
        return Err(bad);
    }
    let version_ok = version(ver).ok_or(bad)?;
    Ok((StartLine::Request { token: first, uri }, version_ok))
}

/// What the header scan has learnt so far.
struct HeadScan<'a> {
    headers: Headers<'a>,
    lines: usize,
    max_headers: usize,
    cseq: Option<u32>,
    /// The first malformed-input error, reported once the head is complete.
    deferred: Option<ParseErrorKind>,
    /// `Err` when a Content-Length is malformed or two disagree.
    content_length: Result<Option<usize>, ()>,
}

impl<'a> HeadScan<'a> {
    fn defer(&mut self, kind: ParseErrorKind) {
        self.deferred.get_or_insert(kind);
    }

    /// Takes one non-empty header line. Only the header-count limit fails
    /// here; malformed lines are remembered and reported later.
    fn line(&mut self, content: &'a [u8]) -> Result<(), ParseErrorKind> {
        self.lines += 1;
        if self.lines > self.max_headers {
            return Err(ParseErrorKind::TooManyHeaders);
        }
        match parse_header_line(content) {
            Some(h) => {
                if h.name.eq_ignore_ascii_case("CSeq") && self.cseq.is_none() {
                    self.cseq = parse_cseq(h.value).ok();
                }
                if h.name.eq_ignore_ascii_case("Content-Length") {
                    self.content_length = match (self.content_length, parse_content_length(h.value))
                    {
                        (Ok(None), Ok(n)) => Ok(Some(n)),
                        (Ok(Some(m)), Ok(n)) if m == n => Ok(Some(n)),
                        _ => Err(()),
                    };
                }
                // Cannot fail: `lines <= max_headers <= MAX_HEADERS`.
                let _ = self.headers.try_push(h);
            }
            None => self.defer(ParseErrorKind::BadHeader),
        }
        Ok(())
    }
}

/// `name ":" value`; `None` when malformed (including a folded line).
fn parse_header_line(content: &[u8]) -> Option<Header<'_>> {
    if matches!(content.first(), Some(b' ' | b'\t')) {
        // A folded continuation line (RFC 2616 Section 2.2 LWS). Joining it
        // would need a copy; RTSP peers do not fold, so refuse it.
        return None;
    }
    let colon = content.iter().position(|&b| b == b':')?;
    let name = trim_end_lws(&content[..colon]);
    if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
        return None;
    }
    let value = trim_lws_bytes(&content[colon + 1..]);
    if value.iter().any(|&b| is_ctl(b)) {
        return None;
    }
    Some(Header {
        name: str::from_utf8(name).ok()?,
        value: str::from_utf8(value).ok()?,
    })
}

fn trim_end_lws(mut b: &[u8]) -> &[u8] {
    while let [rest @ .., b' ' | b'\t'] = b {
        b = rest;
    }
    b
}

fn trim_lws_bytes(mut b: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = b {
        b = rest;
    }
    trim_end_lws(b)
}

/// The error an incomplete start line shows to a reader that received the
/// buffer's prefixes of length `start + 1 ..= upto` one after the other,
/// with the line's content (no line ending) in `buf[start..line_end]`:
/// the error of the shortest prefix that breaks a rule, or `None`.
///
/// A prefix breaks a rule when its visible content (without a last `\r`,
/// which may start the line ending) has a control character among its
/// first `max_start_line + 1` bytes (400), is longer than `max_start_line`
/// (414), or the prefix is longer than `max_head_len` (431); when one
/// prefix breaks several, that is the order. Answering by the shortest
/// prefix makes the answer independent of how the stream was cut.
fn start_line_violation(
    buf: &[u8],
    start: usize,
    line_end: usize,
    upto: usize,
    limits: &Limits,
) -> Option<ParseErrorKind> {
    let line = &buf[start..line_end];
    let cr = |i: usize| usize::from(line[i] == b'\r');
    // The prefix length at which each rule is first broken.
    let ctl = line
        .iter()
        .take(limits.max_start_line.saturating_add(1))
        .position(|&b| is_ctl(b))
        .map(|i| start + i + 1 + cr(i));
    let long = (line.len() > limits.max_start_line)
        .then(|| start + limits.max_start_line + 1 + cr(limits.max_start_line));
    let head = limits.max_head_len.saturating_add(1);
    let first = [ctl, long, Some(head)]
        .into_iter()
        .flatten()
        .min()
        .filter(|&k| k <= upto)?;
    Some(if ctl.is_some_and(|k| k <= first) {
        ParseErrorKind::BadStartLine
    } else if long.is_some_and(|k| k <= first) {
        ParseErrorKind::StartLineTooLong
    } else {
        ParseErrorKind::HeadTooLarge
    })
}

fn parse_message<'a>(
    buf: &'a [u8],
    start: usize,
    opts: &ParseOptions,
) -> Result<Status<(Message<'a>, usize)>, ParseError> {
    use ParseErrorKind as K;
    let limits = &opts.limits;

    // Garbage (binary, TLS, ...) is refused at its first byte rather than
    // after a whole line of it.
    if !is_tchar(buf[start]) {
        return error(K::BadStartLine, None, None);
    }
    let Some(first) = find_line(buf, start) else {
        if let Some(kind) = start_line_violation(buf, start, buf.len(), buf.len(), limits) {
            return error(kind, None, None);
        }
        return Ok(Status::Partial);
    };
    // A reader that got the line in pieces saw its prefixes first: the
    // earliest limit they broke is the answer, whatever follows.
    if let Some(kind) = start_line_violation(buf, start, first.end, first.next - 1, limits) {
        return error(kind, None, None);
    }
    // Broken only by the whole line: the same checks, in the same order.
    let line = &buf[first.start..first.end];
    if line
        .iter()
        .take(limits.max_start_line.saturating_add(1))
        .any(|&b| is_ctl(b))
    {
        return error(K::BadStartLine, None, None);
    }
    if line.len() > limits.max_start_line {
        return error(K::StartLineTooLong, None, None);
    }
    if first.next > limits.max_head_len {
        return error(K::HeadTooLarge, None, None);
    }
    let (start_line, version_ok) = match parse_start_line(&buf[first.start..first.end]) {
        Ok(v) => v,
        Err(kind) => return error(kind, None, None),
    };

    let mut scan = HeadScan {
        headers: Headers::new(),
        lines: 0,
        max_headers: limits.max_headers.min(MAX_HEADERS),
        cseq: None,
        deferred: None,
        content_length: Ok(None),
    };
    let mut pos = first.next;
    let (head_end, terminated) = loop {
        match find_line(buf, pos) {
            Some(line) => {
                if line.end - line.start > limits.max_header_line {
                    return error(K::HeaderLineTooLong, scan.cseq, None);
                }
                if line.next > limits.max_head_len {
                    return error(K::HeadTooLarge, scan.cseq, None);
                }
                if line.start == line.end {
                    break (line.next, true);
                }
                if let Err(kind) = scan.line(&buf[line.start..line.end]) {
                    return error(kind, scan.cseq, None);
                }
                pos = line.next;
            }
            None => {
                let content = partial_line_content(&buf[pos..]);
                if content.len() > limits.max_header_line {
                    return error(K::HeaderLineTooLong, scan.cseq, None);
                }
                if buf.len() > limits.max_head_len {
                    return error(K::HeadTooLarge, scan.cseq, None);
                }
                if !opts.end_of_input {
                    return Ok(Status::Partial);
                }
                if !content.is_empty() {
                    if let Err(kind) = scan.line(content) {
                        return error(kind, scan.cseq, None);
                    }
                }
                break (buf.len(), false);
            }
        }
    };

    let first_error = if !version_ok {
        Some(K::UnsupportedVersion)
    } else {
        scan.deferred
    };
    let body_len = match scan.content_length {
        Ok(n) => n.unwrap_or(0),
        Err(()) => {
            // Without a usable length the body's end is unknown, except in
            // an unterminated head, which cannot have a body at all.
            let resync = (!terminated).then_some(buf.len());
            return error(
                first_error.unwrap_or(K::BadContentLength),
                scan.cseq,
                resync,
            );
        }
    };
    if body_len > limits.max_body_len {
        return error(K::BodyTooLarge, scan.cseq, None);
    }
    if !terminated && body_len > 0 {
        // A body follows the empty line, which has not come: the caller's
        // guess that the message was over was wrong.
        return Ok(Status::Partial);
    }
    let total = head_end + body_len;
    let Some(body) = buf.get(head_end..total) else {
        // Errors wait for the body too, so that `resync` lies in the buffer.
        return Ok(Status::Partial);
    };
    if let Some(kind) = first_error {
        return error(kind, scan.cseq, Some(total));
    }
    let headers = scan.headers;
    let line_ending = first.ending;
    let message = match start_line {
        StartLine::Request { token, uri } => Message::Request(Request {
            method_token: token,
            method: Method::from_token(token),
            uri,
            headers,
            body,
            line_ending,
            terminated,
        }),
        StartLine::Response { status, reason } => Message::Response(Response {
            status,
            reason,
            headers,
            body,
            line_ending,
            terminated,
        }),
    };
    Ok(Status::Complete((message, total)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(end_of_input: bool) -> ParseOptions {
        ParseOptions {
            limits: Limits::default(),
            end_of_input,
        }
    }

    fn request(buf: &[u8], end_of_input: bool) -> (Request<'_>, usize) {
        match parse(buf, &opts(end_of_input)) {
            Ok(Status::Complete((Message::Request(r), n))) => (r, n),
            other => panic!("not a request: {other:?}"),
        }
    }

    fn err(buf: &[u8], end_of_input: bool) -> ParseError {
        match parse(buf, &opts(end_of_input)) {
            Err(e) => e,
            other => panic!("not an error: {other:?}"),
        }
    }

    #[test]
    fn minimal_request() {
        let (r, n) = request(b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", false);
        assert_eq!(n, 31);
        assert_eq!(r.method, Some(Method::Options));
        assert_eq!(r.uri, "*");
        assert_eq!(r.headers.cseq(), Ok(Some(1)));
        assert_eq!(r.line_ending, LineEnding::CrLf);
        assert!(r.terminated);
        assert!(r.body.is_empty());
    }

    #[test]
    fn lab_request_needs_end_of_input() {
        let buf = b"SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 5008";
        assert_eq!(parse(buf, &opts(false)), Ok(Status::Partial));
        let (r, n) = request(buf, true);
        assert_eq!(n, buf.len());
        assert!(!r.terminated);
        assert_eq!(r.line_ending, LineEnding::Lf);
        assert_eq!(
            r.headers.get("transport"),
            Some("RTP/UDP; client_port= 5008")
        );
        // Without a complete start line there is no head yet.
        assert_eq!(
            parse(b"PLAY movie.Mjpeg RTSP/1.0", &opts(true)),
            Ok(Status::Partial)
        );
    }

    #[test]
    fn header_name_and_value_trimming() {
        let (r, _) = request(b"PLAY x RTSP/1.0\nCSeq :  7 \t\nX-Empty:\n\n", false);
        assert_eq!(
            r.headers.as_slice()[0],
            Header {
                name: "CSeq",
                value: "7"
            }
        );
        assert_eq!(
            r.headers.as_slice()[1],
            Header {
                name: "X-Empty",
                value: ""
            }
        );
    }

    #[test]
    fn header_line_errors_are_deferred_to_the_head_end() {
        let buf = b"PLAY x RTSP/1.0\r\nNoColon\r\nCSeq: 9\r\n";
        assert_eq!(parse(buf, &opts(false)), Ok(Status::Partial));
        let mut full = buf.to_vec();
        full.extend_from_slice(b"\r\nNEXT");
        let e = err(&full, false);
        assert_eq!(e.kind, ParseErrorKind::BadHeader);
        assert_eq!(e.cseq, Some(9));
        assert_eq!(e.resync, Some(buf.len() + 2));
    }

    #[test]
    fn control_bytes_in_values_and_folding_are_refused() {
        for bad in [
            &b"PLAY x RTSP/1.0\r\nA: b\x00c\r\n\r\n"[..],
            b"PLAY x RTSP/1.0\r\nA: b\rc\r\n\r\n",
            b"PLAY x RTSP/1.0\r\nA: b\r\n  c\r\n\r\n",
            b"PLAY x RTSP/1.0\r\nA b: c\r\n\r\n",
            b"PLAY x RTSP/1.0\r\n: c\r\n\r\n",
            b"PLAY x RTSP/1.0\r\nA: \xff\r\n\r\n",
        ] {
            let e = err(bad, false);
            assert_eq!(e.kind, ParseErrorKind::BadHeader, "{bad:?}");
            assert_eq!(e.resync, Some(bad.len()));
        }
    }

    #[test]
    fn interleaved_frames() {
        let buf = [b'$', 1, 0, 3, 9, 8, 7, b'X'];
        for n in 0..7 {
            assert_eq!(parse(&buf[..n], &opts(false)), Ok(Status::Partial), "{n}");
        }
        assert_eq!(
            parse(&buf, &opts(true)),
            Ok(Status::Complete((
                Message::Interleaved(InterleavedFrame {
                    channel: 1,
                    payload: &[9, 8, 7]
                }),
                7
            )))
        );
    }

    /// Found by fuzz target `rtsp_message`: a control character in a start
    /// line longer than `max_start_line` gave 400 when the bytes came in
    /// pieces and 414 when they came at once.
    #[test]
    fn start_line_errors_do_not_depend_on_chunking() {
        let o = ParseOptions {
            limits: Limits {
                max_start_line: 20,
                ..Limits::default()
            },
            end_of_input: false,
        };
        for (buf, kind) in [
            (
                &b"PLAY movie.Mjpeg \0 SP/2.0JCSeq S2e:\nSession: 1"[..],
                ParseErrorKind::BadStartLine,
            ),
            (
                b"PLAY movie.Mjpeg RTSPPPPPPPPPP\x04 RTSP/1.0\nCSeq: 2\n",
                ParseErrorKind::StartLineTooLong,
            ),
        ] {
            check_every_cut(buf, &o, kind);
        }
        // The head limit reached before a control character arrives.
        let o = ParseOptions {
            limits: Limits {
                max_head_len: 12,
                ..Limits::default()
            },
            end_of_input: false,
        };
        check_every_cut(
            b"SET_PARAMETER rtsp://examp=llength: 20\rle/foo RTSP/1.0\r\nCSeq: 1\r\n\r\n",
            &o,
            ParseErrorKind::HeadTooLarge,
        );
    }

    /// Found by fuzz target `rtsp_message`: keep-alive lines past the head
    /// limit were answered 431 when they came in pieces, but 400 (for the
    /// bad byte after them) when they came at once.
    #[test]
    fn keepalives_past_the_head_limit_do_not_depend_on_chunking() {
        let o = ParseOptions {
            limits: Limits {
                max_head_len: 48,
                ..Limits::default()
            },
            end_of_input: false,
        };
        let mut buf = [b'\n'; 72].to_vec();
        buf.extend_from_slice(&[0xFF; 8]);
        check_every_cut(&buf, &o, ParseErrorKind::HeadTooLarge);
        let mut buf = [b'\n'; 48].to_vec();
        buf.extend_from_slice(b"\r\xFF");
        check_every_cut(&buf, &o, ParseErrorKind::HeadTooLarge);
        let mut buf = [b'\n'; 48].to_vec();
        buf.push(0xFF);
        check_every_cut(&buf, &o, ParseErrorKind::BadStartLine);
    }

    fn check_every_cut(buf: &[u8], o: &ParseOptions, kind: ParseErrorKind) {
        let whole = parse(buf, o).unwrap_err();
        assert_eq!(whole.kind, kind);
        for cut in 0..buf.len() {
            match parse(&buf[..cut], o) {
                Ok(Status::Partial) => {}
                Err(e) => assert_eq!(e, whole, "cut at {cut}"),
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn keepalive_lines() {
        assert_eq!(skip_empty_lines(b"\r\n\n\r\nX"), 5);
        assert_eq!(skip_empty_lines(b"\r\r\n"), 0);
        assert_eq!(parse(b"\r\n\r\n\r", &opts(false)), Ok(Status::Partial));
        let (_, n) = request(b"\r\n\nOPTIONS * RTSP/1.0\r\n\r\n", false);
        assert_eq!(n, 25);
        let flood = [b'\n'; 8193];
        assert_eq!(err(&flood, false).kind, ParseErrorKind::HeadTooLarge);
        assert_eq!(parse(&flood[..8192], &opts(false)), Ok(Status::Partial));
    }
}
