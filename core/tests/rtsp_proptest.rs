//! Property tests of the RTSP parser and emitter.
//!
//! Messages are generated and written by hand here (not by our emitter), so
//! the parser is checked against an independent writer; then emit and
//! re-parse must give the same message, every prefix must be Partial, and a
//! stream of messages and interleaved frames cut into random chunks must
//! come out unchanged. Random bytes must never panic, and a buffer past the
//! limits must never be Partial.

use proptest::prelude::*;
use stream_core::rtsp::{
    self, InterleavedFrame, Limits, LineEnding, Message, Method, ParseOptions, Status, StatusCode,
};

#[derive(Debug, Clone)]
enum StartLine {
    Request { method: String, uri: String },
    Response { code: u16, reason: String },
}

#[derive(Debug, Clone)]
struct Generated {
    start: StartLine,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    crlf: bool,
    terminated: bool,
    /// For an unterminated message: whether its last line still has its
    /// line ending.
    trailing_newline: bool,
}

impl Generated {
    fn line_ending(&self) -> &'static str {
        if self.crlf { "\r\n" } else { "\n" }
    }

    /// The wire bytes, written independently of the crate's emitter.
    fn bytes(&self) -> Vec<u8> {
        let le = self.line_ending();
        let mut s = match &self.start {
            StartLine::Request { method, uri } => format!("{method} {uri} RTSP/1.0"),
            StartLine::Response { code, reason } if reason.is_empty() => format!("RTSP/1.0 {code}"),
            StartLine::Response { code, reason } => format!("RTSP/1.0 {code} {reason}"),
        };
        let mut headers = self.headers.clone();
        if !self.body.is_empty() {
            headers.push(("Content-Length".into(), self.body.len().to_string()));
        }
        for (n, v) in &headers {
            s.push_str(le);
            s.push_str(&format!("{n}: {v}"));
        }
        let mut out = s.into_bytes();
        if self.terminated {
            out.extend_from_slice(le.as_bytes());
            out.extend_from_slice(le.as_bytes());
            out.extend_from_slice(&self.body);
        } else if headers.is_empty() || self.trailing_newline {
            out.extend_from_slice(le.as_bytes());
        }
        out
    }

    fn check(&self, msg: &Message<'_>) {
        let (headers, body, line_ending, terminated) = match (msg, &self.start) {
            (Message::Request(r), StartLine::Request { method, uri }) => {
                assert_eq!(r.method_token, method);
                assert_eq!(r.method, Method::from_token(method));
                assert_eq!(r.uri, uri);
                (&r.headers, r.body, r.line_ending, r.terminated)
            }
            (Message::Response(r), StartLine::Response { code, reason }) => {
                assert_eq!(r.status, StatusCode(*code));
                assert_eq!(r.reason, reason);
                (&r.headers, r.body, r.line_ending, r.terminated)
            }
            other => panic!("wrong kind: {other:?}"),
        };
        let got: Vec<(&str, &str)> = headers.iter().map(|h| (h.name, h.value)).collect();
        let mut want: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let len = self.body.len().to_string();
        if !self.body.is_empty() {
            want.push(("Content-Length", &len));
        }
        assert_eq!(got, want);
        assert_eq!(body, &self.body[..]);
        assert_eq!(line_ending == LineEnding::CrLf, self.crlf);
        assert_eq!(terminated, self.terminated);
    }
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(Method::ALL.to_vec()).prop_map(|m| m.as_str().to_string()),
        "[A-Z][A-Z_-]{0,11}",
    ]
}

fn uri() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_string()),
        "rtsp://[a-z0-9.]{1,12}(:[0-9]{1,5})?/[A-Za-z0-9._/=%-]{0,30}",
        "rtsp://\\[::1\\]:8554/[a-z]{1,8}",
        "[A-Za-z0-9._-]{1,20}",
    ]
}

/// A header value as the parser returns it: no surrounding blanks.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[!-~]", "[!-~][ -~\t]{0,38}[!-~]"]
}

fn header() -> impl Strategy<Value = (String, String)> {
    (
        "[A-Za-z][A-Za-z0-9_.-]{0,15}"
            .prop_filter("Content-Length is generated from the body", |n| {
                !n.eq_ignore_ascii_case("content-length")
            }),
        value(),
    )
}

fn generated() -> impl Strategy<Value = Generated> {
    let start = prop_oneof![
        (method(), uri()).prop_map(|(method, uri)| StartLine::Request { method, uri }),
        (
            100u16..=999,
            prop_oneof![Just(String::new()), "[!-~]([ -~]{0,20}[!-~])?"]
        )
            .prop_map(|(code, reason)| StartLine::Response { code, reason }),
    ];
    (
        start,
        proptest::collection::vec(header(), 0..12),
        proptest::collection::vec(any::<u8>(), 0..80),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(start, headers, body, crlf, terminated, trailing_newline)| Generated {
                start,
                headers,
                body: if terminated { body } else { Vec::new() },
                crlf,
                terminated,
                trailing_newline,
            },
        )
}

fn terminated() -> impl Strategy<Value = Generated> {
    generated().prop_map(|mut g| {
        g.terminated = true;
        g
    })
}

fn opts(end_of_input: bool) -> ParseOptions {
    ParseOptions {
        end_of_input,
        ..ParseOptions::default()
    }
}

fn emit(m: &Message<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    m.emit(&mut out).unwrap();
    out
}

enum Unit {
    Msg(Generated),
    Frame(u8, Vec<u8>),
}

fn unit() -> impl Strategy<Value = Unit> {
    prop_oneof![
        3 => terminated().prop_map(Unit::Msg),
        1 => (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..300)).prop_map(|(c, p)| Unit::Frame(c, p)),
    ]
}

impl std::fmt::Debug for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unit::Msg(g) => write!(f, "{g:?}"),
            Unit::Frame(c, p) => write!(f, "Frame({c}, {} bytes)", p.len()),
        }
    }
}

/// RTSP-flavoured bytes, to reach deeper parser states than uniform noise.
fn rtspish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"OPTIONS ".to_vec()),
        Just(b"RTSP/1.0".to_vec()),
        Just(b" 200 OK".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"CSeq: 1".to_vec()),
        Just(b"Content-Length: 5".to_vec()),
        Just(b"Content-Length: x".to_vec()),
        Just(b": ".to_vec()),
        Just(b" ".to_vec()),
        Just(b"$\x00\x00\x02".to_vec()),
        "[ -~]{1,6}".prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 1..4),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_messages_parse_and_round_trip(g in generated()) {
        let bytes = g.bytes();
        let (msg, consumed) = match rtsp::parse(&bytes, &opts(!g.terminated)) {
            Ok(Status::Complete(v)) => v,
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(&bytes)),
        };
        prop_assert_eq!(consumed, bytes.len());
        g.check(&msg);

        let out = emit(&msg);
        match rtsp::parse(&out, &opts(!g.terminated)) {
            Ok(Status::Complete((again, n))) => {
                prop_assert_eq!(n, out.len());
                prop_assert_eq!(&again, &msg);
            }
            other => panic!("re-parse: {other:?}"),
        }
        // Emitting is idempotent: a second round gives the same bytes.
        if let Ok(Status::Complete((again, _))) = rtsp::parse(&out, &opts(!g.terminated)) {
            prop_assert_eq!(emit(&again), out.clone());
        }
    }

    #[test]
    fn every_prefix_of_a_generated_message_is_partial(g in terminated()) {
        let bytes = g.bytes();
        for cut in 0..bytes.len() {
            prop_assert_eq!(rtsp::parse(&bytes[..cut], &opts(false)), Ok(Status::Partial));
        }
        // With end_of_input a prefix may be a (different) whole message, but
        // never a panic, and never claims bytes it does not have.
        for cut in 0..bytes.len() {
            match rtsp::parse(&bytes[..cut], &opts(true)) {
                Ok(Status::Complete((_, n))) => prop_assert!(n <= cut),
                Err(e) => prop_assert!(e.resync.is_none_or(|n| n <= cut)),
                Ok(Status::Partial) => {}
            }
        }
    }

    #[test]
    fn rechunked_streams(units in proptest::collection::vec(unit(), 1..12),
                         chunks in proptest::collection::vec(1usize..50, 1..20),
                         keepalives in proptest::collection::vec(any::<bool>(), 12)) {
        let mut stream = Vec::new();
        for (i, u) in units.iter().enumerate() {
            if keepalives[i] {
                stream.extend_from_slice(b"\r\n");
            }
            match u {
                Unit::Msg(g) => stream.extend_from_slice(&g.bytes()),
                Unit::Frame(c, p) => rtsp::write_interleaved(&mut stream, *c, p).unwrap(),
            }
        }
        let mut inbox = Vec::new();
        let mut got = 0;
        let mut at = 0;
        let mut i = 0;
        while at < stream.len() {
            let n = chunks[i % chunks.len()].min(stream.len() - at);
            i += 1;
            inbox.extend_from_slice(&stream[at..at + n]);
            at += n;
            loop {
                let consumed = match rtsp::parse(&inbox, &opts(false)) {
                    Ok(Status::Complete((m, n))) => {
                        match (&units[got], &m) {
                            (Unit::Msg(g), _) => g.check(&m),
                            (Unit::Frame(c, p), Message::Interleaved(InterleavedFrame { channel, payload })) => {
                                prop_assert_eq!(c, channel);
                                prop_assert_eq!(&p[..], *payload);
                            }
                            (want, m) => panic!("expected {want:?}, got {m:?}"),
                        }
                        got += 1;
                        n
                    }
                    Ok(Status::Partial) => break,
                    Err(e) => panic!("{e:?}"),
                };
                inbox.drain(..consumed);
            }
        }
        prop_assert_eq!(got, units.len());
        prop_assert!(inbox.is_empty());
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600),
                                eoi in any::<bool>()) {
        check_answer(&bytes, &opts(eoi));
    }

    #[test]
    fn rtspish_bytes_never_panic(bytes in rtspish(), eoi in any::<bool>()) {
        check_answer(&bytes, &opts(eoi));
    }

    /// A buffer longer than head + body limits (and with no `$`, whose frames
    /// may legitimately need up to 65539 bytes) is never Partial: a peer
    /// cannot make us buffer without bound.
    #[test]
    fn never_partial_past_the_limits(bytes in rtspish(), eoi in any::<bool>()) {
        let limits = Limits {
            max_start_line: 24,
            max_header_line: 20,
            max_headers: 4,
            max_head_len: 48,
            max_body_len: 16,
        };
        let o = ParseOptions { limits, end_of_input: eoi };
        let bytes: Vec<u8> = bytes.into_iter().filter(|&b| b != b'$').collect();
        check_answer(&bytes, &o);
        if bytes.len() > limits.max_head_len + limits.max_body_len {
            prop_assert_ne!(rtsp::parse(&bytes, &o), Ok(Status::Partial));
        }
    }
}

/// Whatever the answer, it is consistent with the buffer.
fn check_answer(bytes: &[u8], o: &ParseOptions) {
    match rtsp::parse(bytes, o) {
        Ok(Status::Complete((m, n))) => {
            assert!(n > 0 && n <= bytes.len());
            // A complete message re-emits and re-parses to itself.
            let out = emit(&m);
            match rtsp::parse(&out, o) {
                Ok(Status::Complete((again, k))) => {
                    assert_eq!(k, out.len());
                    assert_eq!(again, m);
                }
                other => panic!("{m:?} re-parsed as {other:?}"),
            }
        }
        Ok(Status::Partial) => {}
        Err(e) => {
            if let Some(n) = e.resync {
                assert!(n > 0 && n <= bytes.len());
            }
            let _ = (e.status(), e.to_string());
        }
    }
}
