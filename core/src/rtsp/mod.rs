//! RTSP/1.0 messages (RFC 2326): incremental parser, emitter, typed headers.
//!
//! - [`parse`]: one message (request, response or interleaved `$` frame)
//!   from the start of a connection's byte buffer, zero-copy, with every
//!   size capped by [`Limits`]; `Partial` until it is whole.
//! - [`MessageWriter`]: a request or response appended to a caller's
//!   `Vec<u8>`, in standard RTSP or the course lab's dialect
//!   (bare `\n`, no terminating empty line); [`write_interleaved`] for `$`
//!   frames.
//! - typed headers ([`SessionHeader`], [`TransportSpec`], [`NptRange`],
//!   [`RtpInfoEntry`], [`MethodSet`]): `parse(&str)` and a canonical
//!   `Display` each, reached through [`Headers`]' accessors.
//! - [`parse_request_uri`], [`percent_decode`], [`resolve_control`]: the
//!   request-URI shapes clients send and SDP control URLs.
//!
//! A server's read loop, in outline:
//!
//! ```
//! use stream_core::rtsp::{self, Message, ParseOptions, Status};
//!
//! let mut inbox: Vec<u8> = b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n".to_vec();
//! let opts = ParseOptions::default();
//! loop {
//!     match rtsp::parse(&inbox, &opts) {
//!         Ok(Status::Complete((Message::Request(req), consumed))) => {
//!             let mut reply = Vec::new();
//!             let mut w = rtsp::MessageWriter::response(
//!                 &mut reply, rtsp::StatusCode::OK, req.line_ending);
//!             w.header("CSeq", req.headers.cseq().ok().flatten().unwrap_or(0))
//!                 .header("Public", rtsp::MethodSet::all());
//!             w.finish(b"");
//!             // ... send `reply` ...
//!             inbox.drain(..consumed);
//!         }
//!         Ok(Status::Complete((_, consumed))) => {
//!             inbox.drain(..consumed);
//!         }
//!         Ok(Status::Partial) => break, // wait for more bytes
//!         Err(e) => {
//!             // Answer e.status(), then drop e.resync bytes, or close the
//!             // connection if it is None.
//!             match e.resync {
//!                 Some(n) => drop(inbox.drain(..n)),
//!                 None => break,
//!             }
//!         }
//!     }
//! }
//! assert!(inbox.is_empty());
//! ```

mod emit;
mod header;
mod method;
mod parse;
mod range;
mod rtp_info;
mod status;
mod transport;
mod uri;

pub use emit::{InterleavedTooLong, MessageWriter, interleaved_header, write_interleaved};
pub use header::{
    HeaderError, MAX_SESSION_ID_LEN, SessionHeader, parse_content_length, parse_cseq,
    validate_session_id,
};
pub use method::{Method, MethodSet};
pub use parse::{
    Header, Headers, InterleavedFrame, Limits, LineEnding, MAX_HEADERS, Message, ParseError,
    ParseErrorKind, ParseOptions, Request, Response, Status, parse, skip_empty_lines,
};
pub use range::{NptRange, NptTime};
pub use rtp_info::{RtpInfoDisplay, RtpInfoEntry, RtpInfoList};
pub use status::StatusCode;
pub use transport::{ChannelPair, LowerTransport, PortPair, Profile, TransportList, TransportSpec};
pub use uri::{RequestUri, UriError, parse_request_uri, percent_decode, resolve_control};
