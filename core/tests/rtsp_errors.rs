//! Bad input to the RTSP parser: every limit, garbage, malformed start and
//! header lines, bad Content-Length, unknown versions and methods; the status
//! each error maps to; and resynchronisation (the next message parses after
//! skipping `resync` bytes).

use stream_core::rtsp::{
    self, HeaderError, Limits, Message, ParseError, ParseErrorKind as K, ParseOptions, Request,
    Status, StatusCode,
};

fn opts(end_of_input: bool) -> ParseOptions {
    ParseOptions {
        end_of_input,
        ..ParseOptions::default()
    }
}

fn err_with(buf: &[u8], o: &ParseOptions) -> ParseError {
    match rtsp::parse(buf, o) {
        Err(e) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn err(buf: &[u8]) -> ParseError {
    err_with(buf, &opts(false))
}

fn request(buf: &[u8]) -> Request<'_> {
    match rtsp::parse(buf, &opts(false)) {
        Ok(Status::Complete((Message::Request(r), n))) => {
            assert_eq!(n, buf.len());
            r
        }
        other => panic!("expected a request, got {other:?}"),
    }
}

const NEXT: &[u8] = b"OPTIONS * RTSP/1.0\r\nCSeq: 77\r\n\r\n";

/// `bad` followed by a good message: the error's resync must be `bad.len()`
/// and the good message must parse after skipping it.
fn assert_resyncs(bad: &[u8], kind: K) -> ParseError {
    let mut buf = bad.to_vec();
    buf.extend_from_slice(NEXT);
    let e = err(&buf);
    assert_eq!(e.kind, kind, "{}", String::from_utf8_lossy(bad));
    assert_eq!(
        e.resync,
        Some(bad.len()),
        "{}",
        String::from_utf8_lossy(bad)
    );
    let r = request(&buf[bad.len()..]);
    assert_eq!(r.headers.cseq(), Ok(Some(77)));
    e
}

#[test]
fn statuses() {
    let status = |kind| {
        ParseError {
            kind,
            cseq: None,
            resync: None,
        }
        .status()
    };
    assert_eq!(
        status(K::StartLineTooLong),
        StatusCode::REQUEST_URI_TOO_LONG
    );
    assert_eq!(status(K::HeaderLineTooLong), StatusCode(431));
    assert_eq!(status(K::TooManyHeaders), StatusCode(431));
    assert_eq!(status(K::HeadTooLarge), StatusCode(431));
    assert_eq!(status(K::BodyTooLarge), StatusCode(413));
    assert_eq!(status(K::BadStartLine), StatusCode::BAD_REQUEST);
    assert_eq!(status(K::BadHeader), StatusCode::BAD_REQUEST);
    assert_eq!(status(K::BadContentLength), StatusCode::BAD_REQUEST);
    assert_eq!(status(K::UnsupportedVersion), StatusCode(505));
    assert_eq!(
        ParseError {
            kind: K::BadHeader,
            cseq: Some(1),
            resync: None
        }
        .to_string(),
        "malformed header line"
    );
}

#[test]
fn start_line_too_long() {
    let limit = Limits::default().max_start_line;
    let uri = format!("rtsp://h/{}", "a".repeat(limit));
    let line = format!("DESCRIBE {uri} RTSP/1.0");
    // Cut as soon as the partial line is over the limit, before any newline.
    let e = err(&line.as_bytes()[..limit + 1]);
    assert_eq!(
        (e.kind, e.resync, e.status()),
        (K::StartLineTooLong, None, StatusCode(414))
    );
    assert_eq!(
        rtsp::parse(&line.as_bytes()[..limit], &opts(false)),
        Ok(Status::Partial)
    );
    let e = err(format!("{line}\r\nCSeq: 1\r\n\r\n").as_bytes());
    assert_eq!(e.kind, K::StartLineTooLong);
    // Exactly at the limit is fine (a trailing CR is not counted).
    let exact = format!("PLAY rtsp://h/{} RTSP/1.0", "b".repeat(limit - 23));
    assert_eq!(exact.len(), limit);
    assert_eq!(
        rtsp::parse(format!("{exact}\r").as_bytes(), &opts(false)),
        Ok(Status::Partial)
    );
    request(format!("{exact}\r\n\r\n").as_bytes());
    // The same kind for a status line.
    let reply = format!("RTSP/1.0 200 {}\r\n\r\n", "O".repeat(limit));
    assert_eq!(err(reply.as_bytes()).kind, K::StartLineTooLong);
}

#[test]
fn header_line_too_long() {
    let limit = Limits::default().max_header_line;
    let head = format!(
        "PLAY x RTSP/1.0\r\nCSeq: 5\r\nX-Long: {}",
        "v".repeat(limit)
    );
    let e = err(head.as_bytes());
    assert_eq!(
        (e.kind, e.cseq, e.resync),
        (K::HeaderLineTooLong, Some(5), None)
    );
    assert_eq!(e.status(), StatusCode(431));
    let e = err(format!("{head}\r\n\r\n").as_bytes());
    assert_eq!(e.kind, K::HeaderLineTooLong);
    // A line of exactly the limit passes.
    let ok = format!("PLAY x RTSP/1.0\r\nX: {}\r\n\r\n", "v".repeat(limit - 3));
    request(ok.as_bytes());
}

#[test]
fn too_many_headers() {
    let mut msg = String::from("PLAY x RTSP/1.0\r\nCSeq: 8\r\n");
    for i in 0..31 {
        msg.push_str(&format!("X-{i}: {i}\r\n"));
    }
    let ok = format!("{msg}\r\n");
    assert_eq!(request(ok.as_bytes()).headers.len(), 32);
    msg.push_str("X-Last: 1\r\n");
    // Reported as soon as the 33rd line is in, head not yet complete.
    let e = err(msg.as_bytes());
    assert_eq!(
        (e.kind, e.cseq, e.resync),
        (K::TooManyHeaders, Some(8), None)
    );
    assert_eq!(e.status(), StatusCode(431));

    // A smaller configured limit, and a larger one that is capped.
    let small = ParseOptions {
        limits: Limits {
            max_headers: 2,
            ..Limits::default()
        },
        end_of_input: false,
    };
    let e = err_with(b"PLAY x RTSP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", &small);
    assert_eq!(e.kind, K::TooManyHeaders);
    let big = ParseOptions {
        limits: Limits {
            max_headers: 1000,
            ..Limits::default()
        },
        end_of_input: false,
    };
    assert_eq!(err_with(msg.as_bytes(), &big).kind, K::TooManyHeaders);
}

#[test]
fn head_too_large() {
    let mut msg = String::from("PLAY x RTSP/1.0\r\nCSeq: 3\r\n");
    while msg.len() <= 8192 {
        msg.push_str(&format!("X-Pad: {}\r\n", "p".repeat(400)));
    }
    let e = err(msg.as_bytes());
    assert_eq!((e.kind, e.cseq, e.resync), (K::HeadTooLarge, Some(3), None));
    // Exactly at the limit: complete.
    let tight = ParseOptions {
        limits: Limits {
            max_head_len: 28,
            ..Limits::default()
        },
        end_of_input: false,
    };
    let msg = b"PLAY x RTSP/1.0\r\nCSeq: 1\r\n\r\n";
    assert_eq!(msg.len(), 28);
    assert!(rtsp::parse(msg, &tight).unwrap().is_complete());
    let e = err_with(b"PLAY x RTSP/1.0\r\nCSeq: 12\r\n\r\n", &tight);
    assert_eq!(e.kind, K::HeadTooLarge);
    // A keep-alive flood counts too.
    let flood = vec![b'\n'; 10_000];
    assert_eq!(err(&flood).kind, K::HeadTooLarge);
    let mut flood = b"\r\n".repeat(4100);
    flood.extend_from_slice(b"OPTIONS * RTSP/1.0\r\n\r\n");
    assert_eq!(err(&flood).kind, K::HeadTooLarge);
}

#[test]
fn body_too_large() {
    let head = b"ANNOUNCE x RTSP/1.0\r\nCSeq: 4\r\nContent-Length: 65537\r\n\r\n";
    // Reported from the head alone, before any body byte arrives.
    let e = err(head);
    assert_eq!((e.kind, e.cseq, e.resync), (K::BodyTooLarge, Some(4), None));
    assert_eq!(e.status(), StatusCode::REQUEST_ENTITY_TOO_LARGE);
    let ok = b"ANNOUNCE x RTSP/1.0\r\nContent-Length: 65536\r\n\r\n";
    assert_eq!(rtsp::parse(ok, &opts(false)), Ok(Status::Partial));
    let mut full = ok.to_vec();
    full.resize(ok.len() + 65536, b'x');
    assert_eq!(request(&full).body.len(), 65536);
}

#[test]
fn garbage() {
    for junk in [
        &b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"[..],
        b"\x00\x00\x00\x00",
        b"\xff\xd8\xff\xe0",
        b" OPTIONS * RTSP/1.0\r\n\r\n",
        b"\r\r\n",
        b"(hello)",
    ] {
        let e = err(junk);
        assert_eq!((e.kind, e.resync), (K::BadStartLine, None), "{junk:?}");
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        // Cut at the first byte, whatever follows (a lone CR may still
        // become an empty line).
        if junk[0] != b'\r' {
            assert_eq!(err(&junk[..1]).kind, K::BadStartLine, "{junk:?}");
        }
    }
    // A control byte inside a still-incomplete start line.
    assert_eq!(err(b"OPTIONS *\x00").kind, K::BadStartLine);
    assert_eq!(err(b"OPTIONS *\r RTSP").kind, K::BadStartLine);
    for bad_line in [
        &b"hello world\r\n\r\n"[..],
        b"OPTIONS\r\n\r\n",
        b"OPTIONS *\r\n\r\n",
        b"PLAY rtsp://h/a b RTSP/1.0\r\n\r\n",
        b"PLAY x RTSP/1.0 extra\r\n\r\n",
        b"PLAY x RTSP1.0\r\n\r\n",
        b"PLAY x RTSP/1.x\r\n\r\n",
        b"P(AY x RTSP/1.0\r\n\r\n",
        b"PLAY x RTSP/1.0\tjunk\r\n\r\n",
        b"PLAY \xc3\x28 RTSP/1.0\r\n\r\n",
        b"RTSP/1.0 20 OK\r\n\r\n",
        b"RTSP/1.0 2000 OK\r\n\r\n",
        b"RTSP/1.0 099 Low\r\n\r\n",
        b"RTSP/1.0 OK\r\n\r\n",
        b"RTSP/1.0\r\n\r\n",
    ] {
        let e = err(bad_line);
        assert_eq!(
            (e.kind, e.resync),
            (K::BadStartLine, None),
            "{}",
            String::from_utf8_lossy(bad_line)
        );
    }
}

#[test]
fn tolerated_start_lines() {
    let r = request(b"PLAY   rtsp://h/x \t RTSP/1.0  \r\n\r\n");
    assert_eq!(r.uri, "rtsp://h/x");
    match rtsp::parse(b"RTSP/1.0 200\r\nCSeq: 1\r\n\r\n", &opts(false)) {
        Ok(Status::Complete((Message::Response(r), _))) => {
            assert_eq!((r.status, r.reason), (StatusCode::OK, ""));
        }
        other => panic!("{other:?}"),
    }
    match rtsp::parse(b"RTSP/1.0  404   Not   Found \r\n\r\n", &opts(false)) {
        Ok(Status::Complete((Message::Response(r), _))) => {
            assert_eq!((r.status, r.reason), (StatusCode::NOT_FOUND, "Not   Found"));
        }
        other => panic!("{other:?}"),
    }
    // Mixed line endings: the first line decides the message's style.
    let r = request(b"PLAY x RTSP/1.0\nCSeq: 1\r\nSession: 2\n\r\n");
    assert_eq!(r.line_ending, rtsp::LineEnding::Lf);
    assert_eq!(r.headers.len(), 2);
}

#[test]
fn header_without_colon_resyncs() {
    let e = assert_resyncs(
        b"PLAY x RTSP/1.0\r\nCSeq: 12\r\nSession 1234\r\n\r\n",
        K::BadHeader,
    );
    assert_eq!(e.cseq, Some(12));
    assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    // Reported once the head is complete, not before.
    assert_eq!(
        rtsp::parse(b"PLAY x RTSP/1.0\r\nSession 1234\r\n", &opts(false)),
        Ok(Status::Partial)
    );
    // ...and after the body, so resync lies inside the buffer.
    let bad = b"SET_PARAMETER x RTSP/1.0\r\nCSeq: 13\r\nBad\r\nContent-Length: 4\r\n\r\nab";
    assert_eq!(rtsp::parse(bad, &opts(false)), Ok(Status::Partial));
    let mut full = bad.to_vec();
    full.extend_from_slice(b"cd");
    let e = assert_resyncs(&full, K::BadHeader);
    assert_eq!(e.cseq, Some(13));
}

#[test]
fn other_malformed_headers_resync() {
    assert_resyncs(
        b"PLAY x RTSP/1.0\r\nCSeq: 1\r\n folded\r\n\r\n",
        K::BadHeader,
    );
    assert_resyncs(b"PLAY x RTSP/1.0\r\nBad Name: 1\r\n\r\n", K::BadHeader);
    assert_resyncs(b"PLAY x RTSP/1.0\r\nA: \x01\r\n\r\n", K::BadHeader);
    assert_resyncs(b"PLAY x RTSP/1.0\r\n: empty name\r\n\r\n", K::BadHeader);
    // RFC 2326's own examples fold the Transport header; we refuse that.
    assert_resyncs(
        b"SETUP rtsp://example.com/foo/bar/baz.rm RTSP/1.0\r\nCSeq: 302\r\nTransport: RTP/AVP;multicast;ttl=127;mode=\"PLAY\",\r\n           RTP/AVP;unicast;client_port=3456-3457;mode=\"PLAY\"\r\n\r\n",
        K::BadHeader,
    );
}

#[test]
fn bad_content_length() {
    for bad in [
        &b"ANNOUNCE x RTSP/1.0\r\nCSeq: 2\r\nContent-Length: abc\r\n\r\n"[..],
        b"ANNOUNCE x RTSP/1.0\r\nCSeq: 2\r\nContent-Length: -1\r\n\r\n",
        b"ANNOUNCE x RTSP/1.0\r\nCSeq: 2\r\nContent-Length: 1 2\r\n\r\n",
        b"ANNOUNCE x RTSP/1.0\r\nCSeq: 2\r\nContent-Length:\r\n\r\n",
        b"ANNOUNCE x RTSP/1.0\r\nCSeq: 2\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        b"ANNOUNCE x RTSP/1.0\r\nCSeq: 2\r\nContent-Length: 2\r\ncontent-length: 3\r\n\r\nabc",
    ] {
        let e = err(bad);
        assert_eq!(
            (e.kind, e.cseq, e.resync),
            (K::BadContentLength, Some(2), None),
            "{}",
            String::from_utf8_lossy(bad)
        );
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    }
    // The same length twice is fine.
    let r = request(b"ANNOUNCE x RTSP/1.0\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab");
    assert_eq!(r.body, b"ab");
    // In an unterminated (lab) head there is no body, so the message's end
    // is known.
    let lab = b"PLAY x RTSP/1.0\nCSeq: 3\nContent-Length: x";
    let e = err_with(lab, &opts(true));
    assert_eq!((e.kind, e.resync), (K::BadContentLength, Some(lab.len())));
}

#[test]
fn non_numeric_cseq_still_parses() {
    let r = request(b"OPTIONS * RTSP/1.0\r\nCSeq: one\r\n\r\n");
    assert_eq!(r.headers.cseq(), Err(HeaderError::InvalidNumber("CSeq")));
    // An error in another part of the message then has no CSeq to report.
    let e = err(b"OPTIONS * RTSP/1.0\r\nCSeq: one\r\nbad\r\n\r\n");
    assert_eq!(e.cseq, None);
    // The first CSeq is the one reported.
    let e = err(b"OPTIONS * RTSP/1.0\r\nCSeq: 5\r\nCSeq: 6\r\nbad\r\n\r\n");
    assert_eq!(e.cseq, Some(5));
}

#[test]
fn unknown_method_parses() {
    let r = request(b"FLY rtsp://h/x RTSP/1.0\r\nCSeq: 3\r\n\r\n");
    assert_eq!((r.method, r.method_token), (None, "FLY"));
    // Methods are case-sensitive.
    let r = request(b"play rtsp://h/x RTSP/1.0\r\nCSeq: 3\r\n\r\n");
    assert_eq!((r.method, r.method_token), (None, "play"));
    let r = request(b"X-FOO.BAR_1 * RTSP/1.0\r\n\r\n");
    assert_eq!(r.method_token, "X-FOO.BAR_1");
}

#[test]
fn unknown_version_is_505_and_resyncs() {
    let e = assert_resyncs(
        b"OPTIONS * RTSP/2.0\r\nCSeq: 5\r\n\r\n",
        K::UnsupportedVersion,
    );
    assert_eq!(
        (e.cseq, e.status()),
        (Some(5), StatusCode::RTSP_VERSION_NOT_SUPPORTED)
    );
    assert_resyncs(
        b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
        K::UnsupportedVersion,
    );
    assert_resyncs(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
        K::UnsupportedVersion,
    );
    assert_resyncs(b"PLAY x RTSP/1.1\r\n\r\n", K::UnsupportedVersion);
    // The version error wins over a malformed header.
    assert_resyncs(
        b"PLAY x RTSP/2.0\r\nno colon\r\n\r\n",
        K::UnsupportedVersion,
    );
}

#[test]
fn partial_never_follows_a_limit() {
    let tiny = ParseOptions {
        limits: Limits {
            max_start_line: 30,
            max_header_line: 20,
            max_headers: 3,
            max_head_len: 60,
            max_body_len: 10,
        },
        end_of_input: false,
    };
    // Each buffer is past a limit: never Partial, whatever comes next.
    for buf in [
        &b"OPTIONS rtsp://host/a-long-long-path"[..],
        b"OPTIONS * RTSP/1.0\r\nX-Header: a-long-value-here",
        b"OPTIONS * RTSP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n",
        b"OPTIONS * RTSP/1.0\r\nA: 1234567890123456\r\nB: 1234567890123456\r\nC: 12",
        b"OPTIONS * RTSP/1.0\r\nContent-Length: 11\r\n\r\n",
    ] {
        assert!(
            rtsp::parse(buf, &tiny).is_err(),
            "{}",
            String::from_utf8_lossy(buf)
        );
    }
}
