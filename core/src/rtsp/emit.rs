//! Writing RTSP/1.0 messages and interleaved frames into a caller's buffer.
//!
//! [`MessageWriter`] builds a message line by line in the connection's
//! line-ending style; `emit` on a parsed [`Request`] / [`Response`] /
//! [`InterleavedFrame`] reproduces it (parse, emit, parse gives the same
//! message back).
//!
//! No input to these functions can produce a malformed message or smuggle
//! an extra line into one: control characters (CR, LF, NUL, ...) in header
//! names, values and reason phrases are replaced by a space, bytes that may
//! not appear in a token (method, header name) by `_`, and spaces and
//! control characters in a request-URI are percent-encoded. Such
//! characters only come from caller bugs; replacing them keeps the damage
//! to one odd-looking value instead of a desynchronised stream.

use alloc::vec::Vec;
use core::fmt::{self, Write as _};

use super::method::Method;
use super::parse::{InterleavedFrame, LineEnding, Message, Request, Response};
use super::status::StatusCode;

/// Appends a message to a caller's `Vec<u8>`.
///
/// Create it with [`MessageWriter::request`] or [`MessageWriter::response`]
/// (which write the start line), add headers in the order they should
/// appear, then call [`MessageWriter::finish`] (standard RTSP) or
/// [`MessageWriter::finish_unterminated`] (the lab dialect). A writer
/// dropped without either leaves an incomplete message in the buffer.
#[must_use = "call finish() or finish_unterminated() to complete the message"]
#[derive(Debug)]
pub struct MessageWriter<'o> {
    out: &'o mut Vec<u8>,
    line_ending: LineEnding,
    headers: usize,
}

impl<'o> MessageWriter<'o> {
    /// Starts a request: `<METHOD> <uri> RTSP/1.0`.
    pub fn request(
        out: &'o mut Vec<u8>,
        method: Method,
        uri: &str,
        line_ending: LineEnding,
    ) -> Self {
        write_request_line(out, method.as_str(), uri);
        MessageWriter {
            out,
            line_ending,
            headers: 0,
        }
    }

    /// Starts a response: `RTSP/1.0 <code> <reason>`, the reason from
    /// [`StatusCode::reason`].
    pub fn response(out: &'o mut Vec<u8>, status: StatusCode, line_ending: LineEnding) -> Self {
        write_status_line(out, status, status.reason());
        MessageWriter {
            out,
            line_ending,
            headers: 0,
        }
    }

    /// Adds `name: value`.
    ///
    /// A `Content-Length` given here is dropped: [`finish`](Self::finish)
    /// writes the one that matches the body, so the two can never disagree.
    pub fn header(&mut self, name: &str, value: impl fmt::Display) -> &mut Self {
        if name.eq_ignore_ascii_case("Content-Length") {
            return self;
        }
        self.out
            .extend_from_slice(self.line_ending.as_str().as_bytes());
        write_header(self.out, name, value);
        self.headers += 1;
        self
    }

    /// Ends the message: a `Content-Length` header when `body` is not
    /// empty, the empty line, then the body.
    pub fn finish(self, body: &[u8]) {
        let le = self.line_ending.as_str().as_bytes();
        if !body.is_empty() {
            self.out.extend_from_slice(le);
            write_header(self.out, "Content-Length", body.len());
        }
        self.out.extend_from_slice(le);
        self.out.extend_from_slice(le);
        self.out.extend_from_slice(body);
    }

    /// Ends the message the lab's way: no empty line, no body, and no line
    /// ending after the last header, so a reply reads exactly
    /// `RTSP/1.0 200 OK\nCSeq: 1\nSession: 123456`.
    ///
    /// A message without headers keeps the line ending after its start line:
    /// a parser (ours included) needs it to know the start line is whole.
    pub fn finish_unterminated(self) {
        if self.headers == 0 {
            self.out
                .extend_from_slice(self.line_ending.as_str().as_bytes());
        }
    }
}

/// Copies text, replacing control characters (everything below 0x20 but
/// HT, and DEL) with a space.
struct Sanitized<'v>(&'v mut Vec<u8>);

impl fmt::Write for Sanitized<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend(s.bytes().map(|b| {
            if (b < 0x20 && b != b'\t') || b == 0x7F {
                b' '
            } else {
                b
            }
        }));
        Ok(())
    }
}

/// Copies a token, replacing bytes that may not appear in one with `_`.
fn write_token(out: &mut Vec<u8>, token: &str) {
    if token.is_empty() {
        out.push(b'_');
        return;
    }
    out.extend(
        token
            .bytes()
            .map(|b| if super::parse::is_tchar(b) { b } else { b'_' }),
    );
}

fn write_header(out: &mut Vec<u8>, name: &str, value: impl fmt::Display) {
    write_token(out, name);
    out.extend_from_slice(b": ");
    // Writing into a Vec cannot fail; a Display impl that returns an error
    // just leaves a shorter value.
    let _ = write!(Sanitized(out), "{value}");
}

fn write_request_line(out: &mut Vec<u8>, method: &str, uri: &str) {
    write_token(out, method);
    out.push(b' ');
    if uri.is_empty() {
        out.push(b'*');
    }
    for b in uri.bytes() {
        if b <= b' ' || b == 0x7F {
            let hex = b"0123456789ABCDEF";
            out.extend_from_slice(&[b'%', hex[usize::from(b >> 4)], hex[usize::from(b & 15)]]);
        } else {
            out.push(b);
        }
    }
    out.extend_from_slice(b" RTSP/1.0");
}

fn write_status_line(out: &mut Vec<u8>, status: StatusCode, reason: &str) {
    let _ = write!(Sanitized(out), "RTSP/1.0 {}", status.0);
    if !reason.is_empty() {
        out.push(b' ');
        let _ = Sanitized(out).write_str(reason);
    }
}

fn write_rest(
    out: &mut Vec<u8>,
    headers: &[super::parse::Header<'_>],
    body: &[u8],
    line_ending: LineEnding,
    terminated: bool,
) {
    let le = line_ending.as_str().as_bytes();
    for h in headers {
        out.extend_from_slice(le);
        write_header(out, h.name, h.value);
    }
    if terminated || !body.is_empty() {
        out.extend_from_slice(le);
        out.extend_from_slice(le);
        out.extend_from_slice(body);
    } else if headers.is_empty() {
        out.extend_from_slice(le);
    }
}

impl Request<'_> {
    /// Appends this request as parsed: same line ending, headers verbatim
    /// and in order (Content-Length included: keep it equal to the body's
    /// length), the body, and the terminating empty line only if
    /// `terminated` (or if there is a body, which needs it).
    pub fn emit(&self, out: &mut Vec<u8>) {
        write_request_line(out, self.method_token, self.uri);
        write_rest(
            out,
            self.headers.as_slice(),
            self.body,
            self.line_ending,
            self.terminated,
        );
    }
}

impl Response<'_> {
    /// Appends this response as parsed (see [`Request::emit`]).
    pub fn emit(&self, out: &mut Vec<u8>) {
        write_status_line(out, self.status, self.reason);
        write_rest(
            out,
            self.headers.as_slice(),
            self.body,
            self.line_ending,
            self.terminated,
        );
    }
}

impl InterleavedFrame<'_> {
    /// Appends this frame; fails, writing nothing, if the payload is over
    /// 65535 bytes.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), InterleavedTooLong> {
        write_interleaved(out, self.channel, self.payload)
    }
}

impl Message<'_> {
    /// Appends this message; fails only for an interleaved frame whose
    /// payload is over 65535 bytes.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), InterleavedTooLong> {
        match self {
            Message::Request(r) => r.emit(out),
            Message::Response(r) => r.emit(out),
            Message::Interleaved(f) => return f.emit(out),
        }
        Ok(())
    }
}

/// A payload too long for an interleaved frame's 16-bit length field
/// (RFC 2326 Section 10.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("interleaved payload of {len} bytes is over 65535")]
pub struct InterleavedTooLong {
    /// The payload's length.
    pub len: usize,
}

/// The 4-byte header of an interleaved frame (`$`, channel, big-endian
/// length), for a caller that sends the payload from its own buffer
/// (vectored write) instead of copying it with [`write_interleaved`].
pub fn interleaved_header(channel: u8, payload_len: usize) -> Result<[u8; 4], InterleavedTooLong> {
    let len = u16::try_from(payload_len).map_err(|_| InterleavedTooLong { len: payload_len })?;
    let [hi, lo] = len.to_be_bytes();
    Ok([b'$', channel, hi, lo])
}

/// Appends an interleaved frame (RFC 2326 Section 10.12); fails, writing
/// nothing, if `payload` is over 65535 bytes.
pub fn write_interleaved(
    out: &mut Vec<u8>,
    channel: u8,
    payload: &[u8],
) -> Result<(), InterleavedTooLong> {
    let header = interleaved_header(channel, payload.len())?;
    out.reserve(4 + payload.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(payload);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtsp::header::SessionHeader;
    use std::vec;

    #[test]
    fn lab_reply_is_byte_exact() {
        let mut out = Vec::new();
        let mut w = MessageWriter::response(&mut out, StatusCode::OK, LineEnding::Lf);
        w.header("CSeq", 1).header(
            "Session",
            SessionHeader {
                id: "123456",
                timeout: None,
            },
        );
        w.finish_unterminated();
        assert_eq!(out, b"RTSP/1.0 200 OK\nCSeq: 1\nSession: 123456");
    }

    #[test]
    fn standard_request_with_body() {
        let mut out = b"prefix".to_vec();
        let mut w = MessageWriter::request(
            &mut out,
            Method::SetParameter,
            "rtsp://h/x",
            LineEnding::CrLf,
        );
        w.header("CSeq", 421)
            .header("Content-Length", 999)
            .header("Content-Type", "text/parameters");
        w.finish(b"barparam: barstuff\r\n");
        assert_eq!(
            out,
            b"prefixSET_PARAMETER rtsp://h/x RTSP/1.0\r\nCSeq: 421\r\nContent-Type: text/parameters\r\nContent-Length: 20\r\n\r\nbarparam: barstuff\r\n"
        );
    }

    #[test]
    fn no_line_injection() {
        let mut out = Vec::new();
        let mut w = MessageWriter::request(&mut out, Method::Play, "a b\r\nc", LineEnding::CrLf);
        w.header("X-Evil\r\nInjected", "v\r\nCSeq: 7\n\0end");
        w.finish(b"");
        assert_eq!(
            out,
            b"PLAY a%20b%0D%0Ac RTSP/1.0\r\nX-Evil__Injected: v  CSeq: 7  end\r\n\r\n"
        );
        let mut out = Vec::new();
        MessageWriter::request(&mut out, Method::Options, "", LineEnding::Lf).finish_unterminated();
        assert_eq!(out, b"OPTIONS * RTSP/1.0\n");
    }

    #[test]
    fn interleaved() {
        let mut out = Vec::new();
        write_interleaved(&mut out, 1, &[1, 2, 3]).unwrap();
        assert_eq!(out, [b'$', 1, 0, 3, 1, 2, 3]);
        let big = vec![0u8; 65536];
        assert_eq!(
            write_interleaved(&mut out, 0, &big),
            Err(InterleavedTooLong { len: 65536 })
        );
        assert_eq!(out.len(), 7);
        assert!(write_interleaved(&mut out, 0, &big[..65535]).is_ok());
        assert_eq!(&out[7..11], &[b'$', 0, 0xFF, 0xFF]);
        assert_eq!(interleaved_header(2, 258), Ok([b'$', 2, 1, 2]));
    }
}
