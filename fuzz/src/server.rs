//! Target `server`: the whole RTSP server (`stream_core::server::Server`)
//! driven by a sequence of operations, as its shell would drive it.
//!
//! Input: a few configuration bytes (frame rate, looping, connection and
//! session caps, small or default parser limits), then operations: connect,
//! send a request built from templates (standard or lab dialect, any
//! method, URI, CSeq, Session, Transport and Range, cut into chunks), send
//! raw bytes, flood a connection, send interleaved RTCP or a datagram, let
//! virtual time pass (through every deadline the server asks for), stop
//! reading a connection, hold media answers, disconnect, shut down.
//!
//! After every operation the harness does what a shell does: answers media
//! requests (three clips built once from `shared/media`, or an error), sends
//! datagrams, writes streams (unless told to stop reading), closes
//! connections the server asks to close, and calls `handle_timeout` while
//! `poll_timeout` says a deadline has passed.
//!
//! Oracles:
//! - no panic, and no busy loop: after `handle_timeout(now)` the next
//!   deadline is eventually after `now`;
//! - every byte written on a connection is a well-formed reply (standard:
//!   parsed by the crate's parser; lab dialect: exactly status line,
//!   `CSeq`, decimal `Session`, no terminator) or an interleaved frame
//!   holding valid RTP or RTCP;
//! - every request gets exactly one reply, in order, with its CSeq (or
//!   none / 0 when it had none), in its connection's dialect; every
//!   malformed message gets one error reply with the parser's status;
//!   after the server closes a connection no more replies are owed (one
//!   final 408 for a request that never completed is allowed). Requests
//!   are counted by parsing the bytes fed with the same parser and the
//!   same framing (the lab dialect's requests end with a pause);
//! - a successful SETUP reply carries a session id (lab: a non-zero
//!   decimal);
//! - every datagram is valid RTP (payload type 26) or RTCP, and goes to the
//!   address of a client that connected: the server cannot be aimed at a
//!   third party;
//! - growth is bounded: connections and sessions within their caps, each
//!   connection's unwritten output within the backlog limits, and the live
//!   heap within a bound derived from the configuration, whatever the
//!   clients send (floods included).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, OnceLock};

use stream_core::clip::{Clip, ClipConfig};
use stream_core::rtp::{ReceiverReport, ReportBlock, RtpPacket, parse_compound};
use stream_core::rtsp::{
    self, Limits, Message, Method, ParseOptions, RequestUri, SessionHeader, Status,
    parse_request_uri,
};
use stream_core::server::{
    ConnectError, ConnectionId, MediaError, MediaRequestId, Server, ServerConfig, ServerEvent,
    ServerSocket,
};
use stream_core::session::Dialect;
use stream_core::{Duration, Instant, mjpeg};

use crate::heap;
use crate::util::Cursor;

/// The server's RTSP address.
const LOCAL: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 554);

/// Most connections the harness opens over a run.
const MAX_CONNS: usize = 8;

/// Most rounds of `handle_timeout` at one instant before the harness calls
/// it a busy loop.
const SPIN_LIMIT: usize = 20_000;

/// Clips the media requests are answered with: `(path, clip)`.
fn clips() -> &'static [(&'static str, Arc<Clip>)] {
    static CLIPS: OnceLock<Vec<(&'static str, Arc<Clip>)>> = OnceLock::new();
    CLIPS.get_or_init(|| {
        let media = |name: &str| {
            let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../shared/media")
                .join(name);
            std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        };
        // The first `n` frames of a file, in the lab container.
        let lab = |name: &str, n: usize| {
            let data = media(name);
            let idx = mjpeg::index(&data);
            let mut out = Vec::new();
            for i in 0..n.min(idx.len()) {
                mjpeg::write_lab_frame(&mut out, idx.frame(&data, i).unwrap()).unwrap();
            }
            out
        };
        let raw = {
            let data = media("testsrc-640x480-420.raw.mjpeg");
            let idx = mjpeg::index(&data);
            (0..3)
                .flat_map(|i| idx.frame(&data, i).unwrap().to_vec())
                .collect::<Vec<u8>>()
        };
        let build = |name: &str, data: Vec<u8>| {
            Arc::new(Clip::build(name, data, &ClipConfig::default()).expect("clip"))
        };
        vec![
            ("clip.mjpeg", build("clip.mjpeg", raw)),
            (
                "movie.Mjpeg",
                build("movie.Mjpeg", lab("lab-384x288-444.Mjpeg", 2)),
            ),
            (
                "big.mjpeg",
                build("big.mjpeg", {
                    // One 1920x1080 frame: too big for a lab datagram.
                    let data = media("big-1920x1080-420.Mjpeg");
                    let idx = mjpeg::index(&data);
                    let mut out = Vec::new();
                    mjpeg::write_lab_frame(&mut out, idx.frame(&data, 0).unwrap()).unwrap_or(());
                    if out.is_empty() {
                        out = lab("restart-640x480-420.Mjpeg", 1);
                    }
                    out
                }),
            ),
        ]
    })
}

fn media_answer(path: &str) -> Result<Arc<Clip>, MediaError> {
    match clips().iter().find(|(p, _)| *p == path) {
        Some((_, c)) => Ok(c.clone()),
        None if path == "bad.mjpeg" => Err(MediaError::NotPlayable("fuzz".into())),
        None => Err(MediaError::NotFound),
    }
}

/// Largest interleaved output one frame of the clips makes.
fn max_frame_bytes() -> usize {
    clips()
        .iter()
        .flat_map(|(_, c)| c.frames().iter())
        .map(|f| match &f.rtp {
            Ok(p) => p.payload_bytes() + p.len() * 16,
            Err(_) => 0,
        })
        .chain(
            clips()
                .iter()
                .flat_map(|(_, c)| (0..c.len()).map(|i| c.jpeg(i).len() + 16)),
        )
        .max()
        .unwrap_or(0)
}

fn peer(i: u8) -> SocketAddr {
    let ip = match i % 3 {
        0 => IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
        1 => IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3)),
        _ => IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2)),
    };
    SocketAddr::new(ip, 40_000 + u16::from(i % 8))
}

// ---- the input ---------------------------------------------------------

#[derive(Debug, Clone, Copy, Default)]
struct Setup {
    fps_fast: bool,
    looping: bool,
    max_connections: u8,
    max_sessions: u8,
    small_limits: bool,
}

#[derive(Debug, Clone)]
enum Op {
    Connect {
        peer: u8,
    },
    Request {
        conn: u8,
        req: Req,
        chunks: Vec<u8>,
    },
    Raw {
        conn: u8,
        bytes: Vec<u8>,
    },
    Flood {
        conn: u8,
        byte: u8,
        kilobytes: u8,
    },
    Interleaved {
        conn: u8,
        channel: u8,
        garbage: Option<Vec<u8>>,
    },
    Datagram {
        from: u8,
        rtp_socket: bool,
        garbage: Option<Vec<u8>>,
    },
    Advance {
        millis: u16,
    },
    Wait,
    Stall {
        conn: u8,
    },
    HoldMedia,
    Disconnect {
        conn: u8,
    },
    Shutdown,
}

#[derive(Debug, Clone, Copy, Default)]
struct Req {
    method: u8,
    lab: bool,
    uri: u8,
    cseq: u8,
    session: u8,
    transport: u8,
    range: u8,
    body: bool,
}

const METHODS: &[&str] = &[
    "OPTIONS",
    "DESCRIBE",
    "SETUP",
    "PLAY",
    "PAUSE",
    "TEARDOWN",
    "GET_PARAMETER",
    "SET_PARAMETER",
    "ANNOUNCE",
    "RECORD",
    "REDIRECT",
    "FLY",
];

const URIS: &[&str] = &[
    "rtsp://10.0.0.1:554/clip.mjpeg",
    "rtsp://10.0.0.1:554/clip.mjpeg/trackID=0",
    "movie.Mjpeg",
    "rtsp://10.0.0.1/movie.Mjpeg/",
    "*",
    "rtsp://10.0.0.1/missing.mjpeg",
    "rtsp://10.0.0.1/big.mjpeg/trackID=0",
    "big.mjpeg",
    "rtsp://10.0.0.1/%2e%2e/etc/passwd",
    "rtsp://10.0.0.1/bad.mjpeg",
    "http://10.0.0.1/clip.mjpeg",
    "rtsp://10.0.0.1/clip.mjpeg%00",
];

const TRANSPORTS: &[&str] = &[
    "RTP/AVP;unicast;client_port=5000-5001",
    "RTP/AVP/TCP;unicast;interleaved=0-1",
    "RTP/AVP/TCP;unicast",
    "RTP/UDP; client_port= 5008",
    "RTP/AVP;multicast;destination=224.2.0.1;client_port=5000-5001",
    "RTP/AVP;unicast;destination=192.0.2.66;client_port=5000-5001",
    "RTP/AVP;unicast;client_port=0",
    "RTP/SAVP;unicast;client_port=1-2, RTP/AVP/TCP;unicast;interleaved=2-3",
    "RTP/AVP;unicast;client_port=5000-5001;mode=RECORD",
    "RTP/AVP/TCP;unicast;interleaved=255",
    "RTP/AVP;unicast;client_port=65535",
];

const RANGES: &[&str] = &[
    "npt=0-",
    "npt=0.1-",
    "npt=1000-",
    "npt=now-",
    "smpte=0:10:20-",
    "npt=5-1",
    "npt=0.05-0.1",
];

impl Req {
    /// The request's bytes; `cseq` is the connection's next CSeq and
    /// `sessions` the ids the harness has seen (on this connection first).
    fn bytes(&self, cseq: u32, sessions: &[String]) -> Vec<u8> {
        let method = METHODS[usize::from(self.method) % METHODS.len()];
        let uri = URIS[usize::from(self.uri) % URIS.len()];
        let le = if self.lab { "\n" } else { "\r\n" };
        let mut lines = vec![format!("{method} {uri} RTSP/1.0")];
        match self.cseq % 8 {
            0 => {}
            1 => lines.push("CSeq: x1".into()),
            2 => lines.push(format!("CSeq: {cseq}\r\nCSeq: 7")),
            _ => lines.push(format!("CSeq: {cseq}")),
        }
        match self.session % 6 {
            0 | 1 => {}
            2 | 3 => {
                if let Some(s) = sessions.get(usize::from(self.session / 6) % sessions.len().max(1))
                {
                    lines.push(format!("Session: {s}"));
                }
            }
            4 => lines.push("Session: DEADBEEF".into()),
            _ => lines.push("Session: not/valid".into()),
        }
        if self.transport % 2 == 1 {
            let t = TRANSPORTS[usize::from(self.transport / 2) % TRANSPORTS.len()];
            lines.push(format!("Transport: {t}"));
        }
        if self.range % 2 == 1 {
            let r = RANGES[usize::from(self.range / 2) % RANGES.len()];
            lines.push(format!("Range: {r}"));
        }
        if self.range % 5 == 4 {
            lines.push("Require: funky-feature".into());
        }
        let mut out = lines.join(le).into_bytes();
        if self.lab {
            // The lab client: no empty line at the end.
            return out;
        }
        if self.body {
            let body = b"packet_loss\r\njitter\r\n";
            out.extend_from_slice(format!("{le}Content-Length: {}", body.len()).as_bytes());
            out.extend_from_slice(le.as_bytes());
            out.extend_from_slice(le.as_bytes());
            out.extend_from_slice(body);
        } else {
            out.extend_from_slice(le.as_bytes());
            out.extend_from_slice(le.as_bytes());
        }
        out
    }
}

impl Setup {
    fn decode(c: &mut Cursor<'_>) -> Option<Setup> {
        Some(Setup {
            fps_fast: c.u8()? & 1 != 0,
            looping: c.u8()? & 1 != 0,
            max_connections: c.u8()?,
            max_sessions: c.u8()?,
            small_limits: c.u8()? & 1 != 0,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            u8::from(self.fps_fast),
            u8::from(self.looping),
            self.max_connections,
            self.max_sessions,
            u8::from(self.small_limits),
        ]);
    }
}

impl Req {
    fn decode(c: &mut Cursor<'_>) -> Option<Req> {
        Some(Req {
            method: c.u8()?,
            lab: c.u8()? & 1 != 0,
            uri: c.u8()?,
            cseq: c.u8()?,
            session: c.u8()?,
            transport: c.u8()?,
            range: c.u8()?,
            body: c.u8()? & 1 != 0,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.method,
            u8::from(self.lab),
            self.uri,
            self.cseq,
            self.session,
            self.transport,
            self.range,
            u8::from(self.body),
        ]);
    }
}

/// Appends a length-prefixed byte string (at most 255 bytes).
fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    let b = &b[..b.len().min(255)];
    out.push(b.len() as u8);
    out.extend_from_slice(b);
}

impl Op {
    /// One operation: a tag byte, then its fields (see `encode`).
    fn decode(c: &mut Cursor<'_>) -> Option<Op> {
        Some(match c.u8()? % 12 {
            0 => Op::Connect { peer: c.u8()? },
            1 => Op::Request {
                conn: c.u8()?,
                req: Req::decode(c)?,
                chunks: c.bytes()?.to_vec(),
            },
            2 => Op::Raw {
                conn: c.u8()?,
                bytes: c.bytes()?.to_vec(),
            },
            3 => Op::Flood {
                conn: c.u8()?,
                byte: c.u8()?,
                kilobytes: c.u8()?,
            },
            4 => Op::Interleaved {
                conn: c.u8()?,
                channel: c.u8()?,
                garbage: Some(c.bytes()?)
                    .filter(|b| !b.is_empty())
                    .map(<[u8]>::to_vec),
            },
            5 => Op::Datagram {
                from: c.u8()?,
                rtp_socket: c.u8()? & 1 != 0,
                garbage: Some(c.bytes()?)
                    .filter(|b| !b.is_empty())
                    .map(<[u8]>::to_vec),
            },
            6 => Op::Advance { millis: c.u16()? },
            7 => Op::Wait,
            8 => Op::Stall { conn: c.u8()? },
            9 => Op::HoldMedia,
            10 => Op::Disconnect { conn: c.u8()? },
            _ => Op::Shutdown,
        })
    }

    /// The bytes `decode` reads back as this operation.
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Op::Connect { peer } => out.extend_from_slice(&[0, *peer]),
            Op::Request { conn, req, chunks } => {
                out.extend_from_slice(&[1, *conn]);
                req.encode(out);
                put_bytes(out, chunks);
            }
            Op::Raw { conn, bytes } => {
                out.extend_from_slice(&[2, *conn]);
                put_bytes(out, bytes);
            }
            Op::Flood {
                conn,
                byte,
                kilobytes,
            } => out.extend_from_slice(&[3, *conn, *byte, *kilobytes]),
            Op::Interleaved {
                conn,
                channel,
                garbage,
            } => {
                out.extend_from_slice(&[4, *conn, *channel]);
                put_bytes(out, garbage.as_deref().unwrap_or(&[]));
            }
            Op::Datagram {
                from,
                rtp_socket,
                garbage,
            } => {
                out.extend_from_slice(&[5, *from, u8::from(*rtp_socket)]);
                put_bytes(out, garbage.as_deref().unwrap_or(&[]));
            }
            Op::Advance { millis } => {
                out.push(6);
                out.extend_from_slice(&millis.to_be_bytes());
            }
            Op::Wait => out.push(7),
            Op::Stall { conn } => out.extend_from_slice(&[8, *conn]),
            Op::HoldMedia => out.push(9),
            Op::Disconnect { conn } => out.extend_from_slice(&[10, *conn]),
            Op::Shutdown => out.push(11),
        }
    }
}

// ---- the mirror: what the server owes ------------------------------------

/// A reply a connection is owed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Owed {
    /// The CSeq it must carry (`None`: none could be read).
    cseq: Option<u32>,
    /// For a message that did not parse: the status it must have.
    status: Option<u16>,
    /// The request's method, when it was a request.
    method: Option<Method>,
    /// Whether the reply must be in the lab dialect.
    lab: bool,
}

/// The course lab's framing as `server::connection::looks_like_lab` does it:
/// a complete first line naming a bare file, not an `rtsp://` URL or `*`.
fn looks_like_lab(buf: &[u8]) -> bool {
    let start = buf
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(buf.len());
    let buf = &buf[start..];
    let Some(nl) = buf.iter().position(|&b| b == b'\n') else {
        return false;
    };
    let mut words = buf[..nl].split(|&b| b == b' ').filter(|w| !w.is_empty());
    let (Some(_), Some(uri)) = (words.next(), words.next()) else {
        return false;
    };
    uri != b"*" && !uri.windows(3).any(|w| w == b"://")
}

/// Parses what a connection was fed, with the server's parser and framing,
/// and lists the replies owed.
#[derive(Debug, Default)]
struct Mirror {
    buf: Vec<u8>,
    dialect: Option<Dialect>,
    closed: bool,
    owed: Vec<Owed>,
}

impl Mirror {
    fn lab_ish(&self) -> bool {
        match self.dialect {
            Some(Dialect::Lab) => true,
            Some(Dialect::Standard) => false,
            None => looks_like_lab(&self.buf),
        }
    }

    fn feed(&mut self, bytes: &[u8], opts: &ParseOptions) {
        if self.closed {
            return;
        }
        self.buf.extend_from_slice(bytes);
        self.drain(opts);
    }

    /// Handles complete messages; returns whether the last parse was Partial.
    fn drain(&mut self, opts: &ParseOptions) {
        while !self.closed && !self.buf.is_empty() {
            if !self.step(opts) {
                return;
            }
        }
    }

    /// One parse; `false` when Partial.
    fn step(&mut self, opts: &ParseOptions) -> bool {
        let buf = std::mem::take(&mut self.buf);
        if std::env::var_os("FUZZ_DEBUG").is_some() {
            eprintln!(
                "  mirror parse {} bytes eoi={}: {:?}",
                buf.len(),
                opts.end_of_input,
                crate::util::outcome(&buf, opts)
            );
        }
        let (consumed, partial) = match rtsp::parse(&buf, opts) {
            Ok(Status::Partial) => (0, true),
            Ok(Status::Complete((Message::Request(r), n))) => {
                if self.dialect.is_none() {
                    let lab = matches!(parse_request_uri(r.uri), Ok(RequestUri::Bare(_)));
                    self.dialect = Some(if lab { Dialect::Lab } else { Dialect::Standard });
                }
                self.owed.push(Owed {
                    cseq: r.headers.cseq().ok().flatten(),
                    status: None,
                    method: r.method,
                    lab: self.dialect == Some(Dialect::Lab),
                });
                (n, false)
            }
            Ok(Status::Complete((_, n))) => (n, false),
            Err(e) => {
                let lab = match self.dialect {
                    Some(d) => d == Dialect::Lab,
                    None => looks_like_lab(&buf),
                };
                self.owed.push(Owed {
                    cseq: e.cseq,
                    status: Some(e.status().0),
                    method: None,
                    lab,
                });
                match e.resync {
                    Some(n) => (n, false),
                    None => {
                        self.closed = true;
                        (0, false)
                    }
                }
            }
        };
        self.buf = buf;
        self.buf.drain(..consumed);
        if self.closed {
            self.buf.clear();
        }
        !partial
    }

    /// The silence after a lab request has lasted: what is buffered is
    /// parsed as complete, message after message.
    fn tail(&mut self, limits: Limits) {
        let normal = ParseOptions {
            limits,
            end_of_input: false,
        };
        let eoi = ParseOptions {
            limits,
            end_of_input: true,
        };
        loop {
            self.drain(&normal);
            if self.closed || self.buf.is_empty() || !self.lab_ish() {
                return;
            }
            if !self.step(&eoi) {
                return;
            }
        }
    }
}

// ---- the replies actually written -----------------------------------------

/// A reply read from a connection's output.
#[derive(Debug, Clone)]
struct Got {
    status: u16,
    cseq: Option<u32>,
    lab: bool,
    session: Option<String>,
}

/// Reads a connection's output as it is written.
#[derive(Debug, Default)]
struct Reader {
    pending: Vec<u8>,
    got: Vec<Got>,
}

impl Reader {
    /// Takes what the shell wrote. The harness always writes everything
    /// the server has queued, and the server queues whole replies, so what
    /// has been written so far ends at a unit boundary.
    fn push(&mut self, bytes: &[u8], sessions: &mut Vec<String>) {
        self.pending.extend_from_slice(bytes);
        self.read(true, sessions);
    }

    /// Reads every whole unit; with `last`, everything must be whole.
    fn read(&mut self, last: bool, sessions: &mut Vec<String>) {
        let mut at = 0;
        while at < self.pending.len() {
            match self.unit(&self.pending[at..], last) {
                Some((n, got)) => {
                    if let Some(g) = got {
                        if g.status == 200 {
                            if let Some(s) = &g.session {
                                if !sessions.contains(s) && sessions.len() < 16 {
                                    sessions.push(s.clone());
                                }
                            }
                        }
                        self.got.push(g);
                    }
                    at += n;
                }
                None => break,
            }
        }
        self.pending.drain(..at);
        if last {
            assert!(
                self.pending.is_empty(),
                "output ends in a cut reply: {:?}",
                self.pending
            );
        }
    }

    /// The unit at the start of `b`: its length and the reply, if it is one;
    /// `None` when more bytes are needed.
    fn unit(&self, b: &[u8], last: bool) -> Option<(usize, Option<Got>)> {
        if b[0] == b'$' {
            let len = usize::from(u16::from_be_bytes([*b.get(2)?, *b.get(3)?]));
            let payload = b.get(4..4 + len)?;
            let rtp_ok = RtpPacket::new_checked(payload).is_ok_and(|p| p.payload_type() == 26);
            let rtcp_ok = !payload.is_empty() && parse_compound(payload).all(|r| r.is_ok());
            assert!(
                rtp_ok || rtcp_ok,
                "interleaved frame is neither RTP nor RTCP: {payload:?}"
            );
            return Some((4 + len, None));
        }
        const START: &[u8] = b"RTSP/1.0 ";
        if b.len() < START.len() {
            assert!(
                START.starts_with(b) && !last,
                "output is not a reply: {b:?}"
            );
            return None;
        }
        assert!(
            b.starts_with(START),
            "output is not a reply: {:?}",
            String::from_utf8_lossy(b)
        );
        let Some(nl) = b.iter().position(|&c| c == b'\n') else {
            assert!(!last, "reply cut in its status line");
            return None;
        };
        if nl > 0 && b[nl - 1] == b'\r' {
            return Self::standard(b, last);
        }
        Self::lab(b, nl, last)
    }

    fn standard(b: &[u8], last: bool) -> Option<(usize, Option<Got>)> {
        match rtsp::parse(b, &ParseOptions::default()) {
            Ok(Status::Complete((Message::Response(r), n))) => {
                assert!(r.terminated && r.line_ending == rtsp::LineEnding::CrLf);
                let cseq = r.headers.cseq().expect("our CSeq parses");
                let session = match r.headers.session() {
                    Ok(Some(s)) => {
                        assert!(s.timeout.is_some(), "standard Session without timeout");
                        Some(s.id.to_string())
                    }
                    Ok(None) => None,
                    Err(e) => panic!("our Session header does not parse: {e}"),
                };
                if let Some(list) = r.headers.transports() {
                    for t in list {
                        t.expect("our Transport header parses");
                    }
                }
                if let Ok(Some(len)) = r.headers.content_length() {
                    assert_eq!(len, r.body.len());
                }
                Some((
                    n,
                    Some(Got {
                        status: r.status.0,
                        cseq,
                        lab: false,
                        session,
                    }),
                ))
            }
            Ok(Status::Partial) => {
                assert!(!last, "standard reply cut short");
                None
            }
            other => panic!("server wrote an unreadable reply: {other:?}"),
        }
    }

    /// `RTSP/1.0 <code> <reason>\nCSeq: <n>\nSession: <digits>`, nothing
    /// after the session id (lab-dialect.md).
    fn lab(b: &[u8], nl: usize, last: bool) -> Option<(usize, Option<Got>)> {
        let status_line = std::str::from_utf8(&b[..nl]).expect("UTF-8 status line");
        let code: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("lab reply status code");
        let rest = &b[nl + 1..];
        let Some(nl2) = rest.iter().position(|&c| c == b'\n') else {
            assert!(!last, "lab reply cut in its CSeq line");
            return None;
        };
        let cseq_line = std::str::from_utf8(&rest[..nl2]).expect("UTF-8 CSeq line");
        let cseq: u32 = cseq_line
            .strip_prefix("CSeq: ")
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("lab reply line 2 is {cseq_line:?}"));
        let rest = &rest[nl2 + 1..];
        const SESSION: &[u8] = b"Session: ";
        if rest.len() < SESSION.len() {
            assert!(
                SESSION.starts_with(rest) && !last,
                "lab reply line 3: {rest:?}"
            );
            return None;
        }
        assert!(rest.starts_with(SESSION), "lab reply line 3: {rest:?}");
        let digits = rest[SESSION.len()..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let end = SESSION.len() + digits;
        if end == rest.len() && !last {
            // More digits may follow.
            return None;
        }
        assert!(digits > 0, "lab session is not decimal: {rest:?}");
        let session = std::str::from_utf8(&rest[SESSION.len()..end])
            .unwrap()
            .to_string();
        let n = nl + 1 + nl2 + 1 + end;
        Some((
            n,
            Some(Got {
                status: code,
                cseq: Some(cseq),
                lab: true,
                session: (session != "0").then_some(session),
            }),
        ))
    }
}

// ---- the harness ---------------------------------------------------------

struct Conn {
    id: ConnectionId,
    peer: SocketAddr,
    /// Closed by the server (it asked) or by us (a disconnect).
    server_closed: bool,
    dropped: bool,
    reading: bool,
    next_cseq: u32,
    sessions: Vec<String>,
    mirror: Mirror,
    reader: Reader,
    last_input: Instant,
}

impl Conn {
    fn alive(&self) -> bool {
        !self.server_closed && !self.dropped
    }
}

struct Harness {
    server: Server,
    config: ServerConfig,
    now: Instant,
    conns: Vec<Conn>,
    held: Vec<(MediaRequestId, String)>,
    hold: bool,
    /// A media answer was held back: the exact reply count does not apply.
    relaxed: bool,
    shut_down: bool,
    /// Client RTCP addresses the harness asked for.
    client_ports: Vec<u16>,
    buf: Vec<u8>,
    heap_base: usize,
    heap_bound: usize,
}

impl Harness {
    fn new(setup: &Setup) -> Harness {
        let limits = if setup.small_limits {
            Limits {
                max_start_line: 200,
                max_header_line: 200,
                max_headers: 8,
                max_head_len: 600,
                max_body_len: 64,
            }
        } else {
            Limits::default()
        };
        let config = ServerConfig {
            fps: if setup.fps_fast { 50 } else { 20 },
            looping: setup.looping,
            session_timeout: Duration::from_secs(3),
            rtp_port: 6970,
            rtcp_port: 6971,
            limits,
            lab_tail_delay: Duration::from_millis(20),
            request_timeout: Duration::from_secs(2),
            max_connections: 1 + usize::from(setup.max_connections % 4),
            max_sessions: 1 + usize::from(setup.max_sessions % 4),
            interleaved_backlog: 16 * 1024,
            max_stream_backlog: 48 * 1024,
            rtcp_interval: Duration::from_secs(1),
            ntp_at_zero: 0xE000_0000_0000_0000,
            ..ServerConfig::default()
        };
        let frame = max_frame_bytes();
        let l = &config.limits;
        // What a connection may buffer: a message within the limits, or (while
        // its request waits for media) two of them and an interleaved frame.
        let input = 2 * (l.max_head_len + l.max_body_len) + 65_539;
        let output = config.max_stream_backlog + config.interleaved_backlog + frame + 64 * 1024;
        let per_conn = 2 * input + 2 * output + 16 * 1024;
        let per_session = 2 * frame + 32 * 1024;
        let heap_bound =
            config.max_connections * per_conn + config.max_sessions * per_session + (1 << 20);
        let heap_base = heap::live_bytes();
        Harness {
            server: Server::new(config.clone(), [7; 32]),
            config,
            now: Instant::ZERO,
            conns: Vec::new(),
            held: Vec::new(),
            hold: false,
            relaxed: false,
            shut_down: false,
            client_ports: vec![5001, 5009],
            buf: Vec::new(),
            heap_base,
            heap_bound,
        }
    }

    fn opts(&self) -> ParseOptions {
        ParseOptions {
            limits: self.config.limits,
            end_of_input: false,
        }
    }

    fn pick(&self, i: u8) -> Option<usize> {
        let alive: Vec<usize> = (0..self.conns.len())
            .filter(|&c| self.conns[c].alive())
            .collect();
        (!alive.is_empty()).then(|| alive[usize::from(i) % alive.len()])
    }

    fn conn_index(&self, id: ConnectionId) -> Option<usize> {
        self.conns.iter().position(|c| c.id == id && !c.dropped)
    }

    fn feed(&mut self, c: usize, bytes: &[u8], chunks: &[u8]) {
        let opts = self.opts();
        let mut at = 0;
        let mut i = 0;
        while at < bytes.len() {
            let n = match chunks.get(i) {
                Some(&s) => usize::from(s).max(1),
                None => bytes.len() - at,
            }
            .min(bytes.len() - at);
            i += 1;
            let chunk = &bytes[at..at + n];
            at += n;
            if !self.conns[c].alive() {
                return;
            }
            let id = self.conns[c].id;
            if std::env::var_os("FUZZ_DEBUG").is_some() {
                eprintln!("  feed {id} {:?}", String::from_utf8_lossy(chunk));
            }
            self.server.handle_stream_data(self.now, id, chunk);
            self.conns[c].mirror.feed(chunk, &opts);
            self.conns[c].last_input = self.now;
            // A shell handles outputs between reads.
            self.service();
        }
    }

    fn op(&mut self, op: Op) {
        match op {
            Op::Connect { peer: p } => {
                if self.conns.len() >= MAX_CONNS {
                    return;
                }
                let addr = peer(p);
                match self.server.handle_connect(self.now, LOCAL, addr) {
                    Ok(id) => self.conns.push(Conn {
                        id,
                        peer: addr,
                        server_closed: false,
                        dropped: false,
                        reading: true,
                        next_cseq: 1,
                        sessions: Vec::new(),
                        mirror: Mirror::default(),
                        reader: Reader::default(),
                        last_input: self.now,
                    }),
                    Err(ConnectError::TooManyConnections) => assert!(
                        self.server.connection_count() >= self.config.max_connections,
                        "refused below the cap"
                    ),
                    Err(ConnectError::ShuttingDown) => assert!(self.shut_down),
                    Err(e) => panic!("{e}"),
                }
            }
            Op::Request { conn, req, chunks } => {
                let Some(c) = self.pick(conn) else { return };
                let cseq = self.conns[c].next_cseq;
                self.conns[c].next_cseq += 1;
                let mut sessions = self.conns[c].sessions.clone();
                for other in &self.conns {
                    for s in &other.sessions {
                        if !sessions.contains(s) {
                            sessions.push(s.clone());
                        }
                    }
                }
                let bytes = req.bytes(cseq, &sessions);
                if req.transport % 2 == 1 {
                    for p in [5001u16, 5009, 2] {
                        if !self.client_ports.contains(&p) {
                            self.client_ports.push(p);
                        }
                    }
                }
                self.feed(c, &bytes, &chunks);
            }
            Op::Raw { conn, bytes } => {
                let Some(c) = self.pick(conn) else { return };
                self.feed(c, &bytes, &[]);
            }
            Op::Flood {
                conn,
                byte,
                kilobytes,
            } => {
                let Some(c) = self.pick(conn) else { return };
                let bytes = vec![byte; 1024 * usize::from(kilobytes % 128)];
                self.feed(c, &bytes, &[]);
            }
            Op::Interleaved {
                conn,
                channel,
                garbage,
            } => {
                let Some(c) = self.pick(conn) else { return };
                let payload = garbage.unwrap_or_else(receiver_report);
                let mut frame = Vec::new();
                if rtsp::write_interleaved(&mut frame, channel % 4, &payload).is_ok() {
                    self.feed(c, &frame, &[]);
                }
            }
            Op::Datagram {
                from,
                rtp_socket,
                garbage,
            } => {
                let payload = garbage.unwrap_or_else(receiver_report);
                let port = self.client_ports[usize::from(from) % self.client_ports.len()];
                let addr = SocketAddr::new(peer(from / 8).ip(), port);
                let socket = if rtp_socket {
                    ServerSocket::Rtp
                } else {
                    ServerSocket::Rtcp
                };
                self.server
                    .handle_datagram(self.now, socket, addr, &payload);
                self.service();
            }
            Op::Advance { millis } => self.advance(Duration::from_millis(u64::from(millis % 8000))),
            Op::Wait => self.advance(self.config.lab_tail_delay + Duration::from_millis(1)),
            Op::Stall { conn } => {
                if let Some(c) = self.pick(conn) {
                    self.conns[c].reading = !self.conns[c].reading;
                    self.service();
                }
            }
            Op::HoldMedia => {
                self.hold = !self.hold;
                if !self.hold {
                    self.release_media();
                }
            }
            Op::Disconnect { conn } => {
                let Some(c) = self.pick(conn) else { return };
                self.server.handle_disconnect(self.now, self.conns[c].id);
                self.conns[c].dropped = true;
                self.service();
            }
            Op::Shutdown => {
                self.shut_down = true;
                self.server.shutdown(self.now);
                self.service();
            }
        }
    }

    fn release_media(&mut self) {
        for (id, path) in std::mem::take(&mut self.held) {
            self.server.handle_media(self.now, id, media_answer(&path));
        }
        self.service();
    }

    /// Lets `d` pass, stopping at every deadline on the way.
    fn advance(&mut self, d: Duration) {
        let target = self.now + d;
        for _ in 0..100_000 {
            match self.server.poll_timeout() {
                Some(t) if t <= target => {
                    self.now = self.now.max(t);
                    self.service();
                    self.tails();
                }
                _ => break,
            }
        }
        self.now = target;
        self.service();
        self.tails();
    }

    /// Lab requests completed by the silence after them, as the server
    /// completes them.
    fn tails(&mut self) {
        let limits = self.config.limits;
        let delay = self.config.lab_tail_delay;
        let now = self.now;
        for c in &mut self.conns {
            // Also on a connection the server has just closed: the tail it
            // read may be what made it close (a fatal parse error).
            if !c.dropped && c.last_input + delay <= now {
                c.mirror.tail(limits);
            }
        }
    }

    /// What the shell does after every input: outputs, and `handle_timeout`
    /// while a deadline has passed.
    fn service(&mut self) {
        for _ in 0..SPIN_LIMIT {
            self.drain();
            match self.server.poll_timeout() {
                Some(t) if t <= self.now => self.server.handle_timeout(self.now),
                _ => {
                    self.check_bounds();
                    return;
                }
            }
        }
        panic!(
            "poll_timeout stays at or before now ({:?}) after {SPIN_LIMIT} handle_timeout calls",
            self.now
        );
    }

    fn drain(&mut self) {
        loop {
            let mut progress = false;
            while let Some(ev) = self.server.poll_event() {
                progress = true;
                let _ = (ev.to_string(), ev.is_warning());
                match ev {
                    ServerEvent::MediaRequest { request, path } => {
                        if self.hold {
                            self.relaxed = true;
                            self.held.push((request, path));
                        } else {
                            self.server
                                .handle_media(self.now, request, media_answer(&path));
                        }
                    }
                    ServerEvent::CloseConnection(id) => {
                        let c = self
                            .conn_index(id)
                            .unwrap_or_else(|| panic!("close of unknown connection {id}"));
                        assert!(!self.conns[c].server_closed, "{id} closed twice");
                        // Write what is left, then close.
                        let out = self.server.stream_outgoing(id).to_vec();
                        self.server.handle_stream_written(id, out.len());
                        let conn = &mut self.conns[c];
                        conn.reader.push(&out, &mut conn.sessions);
                        conn.server_closed = true;
                        self.server.handle_disconnect(self.now, id);
                    }
                    ServerEvent::DropConnection { conn: id, .. } => {
                        let c = self
                            .conn_index(id)
                            .unwrap_or_else(|| panic!("drop of unknown connection {id}"));
                        assert!(!self.conns[c].server_closed, "{id} dropped after its close");
                        // Closed at once: what it did not read is gone.
                        assert!(self.server.stream_outgoing(id).is_empty());
                        self.conns[c].server_closed = true;
                        self.server.handle_disconnect(self.now, id);
                    }
                    _ => {}
                }
            }
            let mut n = 0;
            while let Some(d) = self.server.poll_transmit(&mut self.buf) {
                progress = true;
                n += 1;
                assert!(n < 1_000_000, "poll_transmit never ends");
                self.check_datagram(d.socket, d.destination);
            }
            while let Some(id) = self.server.poll_stream() {
                let Some(c) = self.conn_index(id) else {
                    panic!("poll_stream named unknown connection {id}");
                };
                if !self.conns[c].reading {
                    continue;
                }
                progress = true;
                let out = self.server.stream_outgoing(id);
                let len = out.len();
                let conn = &mut self.conns[c];
                conn.reader.push(out, &mut conn.sessions);
                self.server.handle_stream_written(id, len);
            }
            if !progress {
                return;
            }
        }
    }

    fn check_datagram(&self, socket: ServerSocket, to: SocketAddr) {
        assert!(
            self.conns.iter().any(|c| c.peer.ip() == to.ip()),
            "datagram to {to}, which is no client's address"
        );
        match socket {
            ServerSocket::Rtp => {
                let p = RtpPacket::new_checked(&self.buf[..])
                    .unwrap_or_else(|e| panic!("RTP datagram: {e}"));
                assert_eq!(p.payload_type(), 26);
                assert!(self.buf.len() <= 65_507, "datagram over the UDP limit");
            }
            ServerSocket::Rtcp => {
                assert!(!self.buf.is_empty());
                for r in parse_compound(&self.buf) {
                    r.unwrap_or_else(|e| panic!("RTCP datagram: {e}"));
                }
            }
        }
    }

    fn check_bounds(&self) {
        assert!(self.server.connection_count() <= self.config.max_connections);
        assert!(self.server.session_count() <= self.config.max_sessions);
        let frame = max_frame_bytes();
        for c in &self.conns {
            let out = self.server.stream_outgoing(c.id).len();
            let cap =
                self.config.max_stream_backlog + self.config.interleaved_backlog + frame + 4096;
            assert!(
                out <= cap,
                "{} bytes unwritten on {} (cap {cap})",
                out,
                c.id
            );
        }
        // The harness's own long-lived memory: mirrors, readers, lists.
        let own: usize = self
            .conns
            .iter()
            .map(|c| {
                c.mirror.buf.capacity()
                    + c.mirror.owed.capacity() * std::mem::size_of::<Owed>()
                    + c.reader.pending.capacity()
                    + c.reader.got.capacity() * (std::mem::size_of::<Got>() + 32)
                    + c.sessions.capacity() * 64
            })
            .sum::<usize>()
            + self.conns.capacity() * std::mem::size_of::<Conn>()
            + self.buf.capacity()
            + self.held.capacity() * 64;
        let used = heap::live_bytes().saturating_sub(self.heap_base + own);
        assert!(
            used <= self.heap_bound,
            "server holds {used} heap bytes, bound {}",
            self.heap_bound
        );
    }

    /// After the last operation: media answered, silence for the lab
    /// requests, everything read; then the replies against what is owed.
    fn finish(mut self) {
        self.hold = false;
        self.release_media();
        self.advance(self.config.lab_tail_delay + Duration::from_millis(1));
        for c in &mut self.conns {
            if c.alive() {
                let out = self.server.stream_outgoing(c.id).to_vec();
                self.server.handle_stream_written(c.id, out.len());
                c.reader.push(&out, &mut c.sessions);
            }
            c.reader.read(true, &mut c.sessions);
            if std::env::var_os("FUZZ_DEBUG").is_some() {
                let statuses: Vec<u16> = c.reader.got.iter().map(|g| g.status).collect();
                eprintln!(
                    "{}: {} owed, replies {statuses:?}, closed {}/{}",
                    c.id,
                    c.mirror.owed.len(),
                    c.server_closed,
                    c.dropped
                );
            }
            check_replies(c, self.relaxed);
        }
        if self.shut_down {
            assert_eq!(self.server.connection_count(), 0);
        }
    }
}

fn receiver_report() -> Vec<u8> {
    let mut out = Vec::new();
    let block = ReportBlock {
        ssrc: 1,
        fraction_lost: 0,
        cumulative_lost: 0,
        highest_sequence: 1,
        jitter: 0,
        last_sr: 0,
        delay_since_last_sr: 0,
    };
    stream_core::rtp::write_receiver_report_compound(
        &mut out,
        &ReceiverReport {
            ssrc: 9,
            reports: &[block],
        },
        "fuzz",
    )
    .expect("small report");
    out
}

fn check_replies(c: &Conn, relaxed: bool) {
    let got = &c.reader.got;
    let owed = &c.mirror.owed;
    let id = c.id;
    let closed = c.server_closed || c.dropped;
    // One 408 for a request that never completed may end a closed connection.
    let n = if c.server_closed
        && got.last().is_some_and(|g| g.status == 408)
        && got.len() > owed.len().min(got.len() - 1)
    {
        got.len() - 1
    } else {
        got.len()
    };
    if relaxed {
        assert!(
            n <= owed.len(),
            "{id}: {n} replies for {} messages",
            owed.len()
        );
        return;
    }
    if closed {
        assert!(
            n <= owed.len(),
            "{id}: {n} replies for {} messages: {got:?} vs {owed:?}",
            owed.len()
        );
    } else {
        assert_eq!(n, owed.len(), "{id}: replies {got:?}\nowed {owed:?}");
    }
    for (i, (g, o)) in got.iter().zip(owed).take(n).enumerate() {
        assert_eq!(g.lab, o.lab, "{id} reply {i}: dialect; {g:?} for {o:?}");
        let want_cseq = if g.lab {
            Some(o.cseq.unwrap_or(0))
        } else {
            o.cseq
        };
        assert_eq!(g.cseq, want_cseq, "{id} reply {i}: CSeq; {g:?} for {o:?}");
        if let Some(s) = o.status {
            assert_eq!(g.status, s, "{id} reply {i}: status; {g:?} for {o:?}");
        }
        if o.method == Some(Method::Setup) && g.status == 200 {
            assert!(
                g.session.is_some(),
                "{id} reply {i}: SETUP 200 without a session"
            );
        }
        if let Some(s) = &g.session {
            if !g.lab {
                assert!(SessionHeader::parse(s).is_ok());
            }
        }
    }
}

/// Runs the target.
pub fn run(data: &[u8]) {
    let mut c = Cursor::new(data);
    let Some(setup) = Setup::decode(&mut c) else {
        return;
    };
    clips();
    let mut h = Harness::new(&setup);
    let mut ops = 0;
    while ops < 256 {
        let Some(op) = Op::decode(&mut c) else { break };
        if std::env::var_os("FUZZ_DEBUG").is_some() {
            eprintln!("{:?} {op:?}", h.now);
        }
        h.op(op);
        ops += 1;
    }
    h.finish();
}

fn encode(setup: Setup, ops: &[Op]) -> Vec<u8> {
    let mut out = Vec::new();
    setup.encode(&mut out);
    for op in ops {
        op.encode(&mut out);
    }
    out
}

/// Seed inputs: the lab client's session, standard clients over UDP and
/// interleaved TCP, and some abuse.
pub fn seed_inputs() -> Vec<(String, Vec<u8>)> {
    let req = |method: u8, lab: bool, uri: u8, session: u8, transport: u8, range: u8| Req {
        method,
        lab,
        uri,
        cseq: 3,
        session,
        transport,
        range,
        body: false,
    };
    let request = |req: Req| Op::Request {
        conn: 0,
        req,
        chunks: Vec::new(),
    };
    let (options, describe, setup_m, play, pause, teardown, get_param) = (0, 1, 2, 3, 4, 5, 6);
    let base = Setup {
        fps_fast: true,
        looping: false,
        max_connections: 3,
        max_sessions: 3,
        small_limits: false,
    };
    let mut seeds = Vec::new();
    // The lab client: SETUP, PLAY, PAUSE, PLAY, TEARDOWN, waiting for each
    // reply (the pause that ends its requests).
    let lab = |m: u8, session: u8, transport: u8| request(req(m, true, 2, session, transport, 0));
    seeds.push((
        "lab-session",
        encode(
            base,
            &[
                Op::Connect { peer: 0 },
                lab(setup_m, 0, 7),
                Op::Wait,
                lab(play, 2, 0),
                Op::Wait,
                Op::Advance { millis: 300 },
                lab(pause, 2, 0),
                Op::Wait,
                lab(play, 2, 0),
                Op::Wait,
                Op::Advance { millis: 200 },
                lab(teardown, 2, 0),
                Op::Wait,
            ],
        ),
    ));
    // A standard client over UDP: OPTIONS, DESCRIBE, SETUP, PLAY with a
    // range, RTCP receiver reports, GET_PARAMETER keep-alive, TEARDOWN.
    let std_req = |m: u8, uri: u8, session: u8, transport: u8, range: u8| {
        request(req(m, false, uri, session, transport, range))
    };
    seeds.push((
        "standard-udp",
        encode(
            base,
            &[
                Op::Connect { peer: 1 },
                std_req(options, 0, 0, 0, 0),
                std_req(describe, 0, 0, 0, 0),
                std_req(setup_m, 1, 0, 1, 0),
                std_req(play, 0, 2, 0, 1),
                Op::Advance { millis: 700 },
                Op::Datagram {
                    from: 8,
                    rtp_socket: false,
                    garbage: None,
                },
                Op::Advance { millis: 1500 },
                std_req(get_param, 0, 2, 0, 0),
                std_req(pause, 0, 2, 0, 0),
                std_req(play, 0, 2, 0, 0),
                Op::Advance { millis: 3000 },
                std_req(teardown, 0, 2, 0, 0),
            ],
        ),
    ));
    // Interleaved: SETUP over TCP, PLAY, a stalled reader, RTCP on the
    // connection, disconnect.
    seeds.push((
        "standard-interleaved",
        encode(
            base,
            &[
                Op::Connect { peer: 2 },
                std_req(setup_m, 1, 0, 3, 0),
                std_req(play, 0, 2, 0, 0),
                Op::Advance { millis: 400 },
                Op::Interleaved {
                    conn: 0,
                    channel: 1,
                    garbage: None,
                },
                Op::Stall { conn: 0 },
                Op::Advance { millis: 2000 },
                Op::Stall { conn: 0 },
                Op::Advance { millis: 100 },
                Op::Disconnect { conn: 0 },
            ],
        ),
    ));
    // Two clients, one session each, the second using the first's session
    // id; more clients than allowed; shutdown.
    seeds.push((
        "crowd",
        encode(
            Setup {
                max_connections: 1,
                max_sessions: 0,
                ..base
            },
            &[
                Op::Connect { peer: 0 },
                Op::Connect { peer: 1 },
                Op::Connect { peer: 2 },
                std_req(setup_m, 1, 0, 1, 0),
                Op::Request {
                    conn: 1,
                    req: req(setup_m, false, 6, 0, 5, 0),
                    chunks: vec![1, 2, 3, 5, 8, 13],
                },
                Op::Request {
                    conn: 1,
                    req: req(play, false, 0, 8, 0, 5),
                    chunks: Vec::new(),
                },
                Op::Advance { millis: 500 },
                Op::Shutdown,
                Op::Connect { peer: 3 },
            ],
        ),
    ));
    // Abuse: a flood, garbage, a slow request, media held back.
    seeds.push((
        "abuse",
        encode(
            Setup {
                small_limits: true,
                ..base
            },
            &[
                Op::Connect { peer: 0 },
                Op::Connect { peer: 1 },
                Op::HoldMedia,
                std_req(describe, 0, 0, 0, 0),
                Op::Flood {
                    conn: 0,
                    byte: b'A',
                    kilobytes: 8,
                },
                Op::Raw {
                    conn: 1,
                    bytes: b"\x16\x03\x01\x00\xa5GET / HTTP/1.1\r\n".to_vec(),
                },
                Op::Raw {
                    conn: 1,
                    bytes: b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n".to_vec(),
                },
                Op::Advance { millis: 2500 },
                Op::HoldMedia,
                Op::Advance { millis: 4000 },
            ],
        ),
    ));
    // A client that keeps sending while its request waits for media.
    let mut hold_flood = vec![
        Op::Connect { peer: 0 },
        Op::HoldMedia,
        std_req(describe, 0, 0, 0, 0),
    ];
    hold_flood.extend((0..40).map(|_| Op::Flood {
        conn: 0,
        byte: b'X',
        kilobytes: 127,
    }));
    hold_flood.push(Op::HoldMedia);
    seeds.push(("hold-flood", encode(base, &hold_flood)));
    seeds.into_iter().map(|(n, b)| (n.to_string(), b)).collect()
}
