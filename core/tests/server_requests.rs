//! The server object answering raw bytes: every status code it promises,
//! the lab dialect's exact shapes, limits, and that a bad request costs
//! nothing to anyone else. No sockets, no sleeps.

mod sim;

use sim::{Link, World, clip, server_config};
use stream_core::server::{ConnectionId, ServerEvent};
use stream_core::{Duration, Instant};

fn world() -> World {
    let mut w = World::new(server_config(), Link::default(), 5);
    w.add_clip("clip.mjpeg", clip("testsrc-640x480-420.raw.mjpeg", false));
    w.add_clip("movie.Mjpeg", clip("lab-384x288-444.Mjpeg", false));
    w
}

/// Sends `bytes` on `conn`, lets the world run a little, returns the reply bytes.
fn ask(w: &mut World, conn: ConnectionId, bytes: &[u8]) -> String {
    let now = w.now;
    w.server.handle_stream_data(now, conn, bytes);
    w.run_for(Duration::from_millis(100));
    String::from_utf8_lossy(&w.take_stream(conn)).into_owned()
}

fn status(reply: &str) -> u16 {
    reply
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {reply:?}"))
}

fn header<'a>(reply: &'a str, name: &str) -> Option<&'a str> {
    reply.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn closed(w: &World, conn: ConnectionId) -> bool {
    w.server_events
        .iter()
        .any(|(_, e)| matches!(e, ServerEvent::CloseConnection(c) if *c == conn))
}

const URL: &str = "rtsp://10.0.0.1:554/clip.mjpeg";

fn options_ok(w: &mut World, conn: ConnectionId, cseq: u32) {
    let r = ask(
        w,
        conn,
        format!("OPTIONS {URL} RTSP/1.0\r\nCSeq: {cseq}\r\n\r\n").as_bytes(),
    );
    assert_eq!(status(&r), 200, "{r}");
    assert_eq!(header(&r, "CSeq"), Some(cseq.to_string().as_str()));
}

fn setup(w: &mut World, conn: ConnectionId, cseq: u32) -> String {
    let r = ask(
        w,
        conn,
        format!("SETUP {URL}/trackID=0 RTSP/1.0\r\nCSeq: {cseq}\r\nTransport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n")
            .as_bytes(),
    );
    assert_eq!(status(&r), 200, "{r}");
    header(&r, "Session")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn options_describe_and_setup() {
    let mut w = world();
    let c = w.raw_connection(1);
    let r = ask(
        &mut w,
        c,
        format!("OPTIONS {URL} RTSP/1.0\r\nCSeq: 1\r\n\r\n").as_bytes(),
    );
    assert_eq!(status(&r), 200);
    let public = header(&r, "Public").unwrap();
    for m in [
        "DESCRIBE",
        "SETUP",
        "PLAY",
        "PAUSE",
        "TEARDOWN",
        "GET_PARAMETER",
    ] {
        assert!(public.contains(m), "{public}");
    }
    let r = ask(
        &mut w,
        c,
        format!("DESCRIBE {URL} RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n").as_bytes(),
    );
    assert_eq!(status(&r), 200, "{r}");
    assert_eq!(header(&r, "Content-Type"), Some("application/sdp"));
    assert_eq!(
        header(&r, "Content-Base"),
        Some("rtsp://10.0.0.1:554/clip.mjpeg/")
    );
    for line in [
        "m=video 0 RTP/AVP 26",
        "a=rtpmap:26 JPEG/90000",
        "a=control:trackID=0",
        "a=framerate:20",
        "a=range:npt=0-3.000",
    ] {
        assert!(r.contains(line), "{line} missing in {r}");
    }
    let r = ask(
        &mut w,
        c,
        format!("SETUP {URL}/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n")
            .as_bytes(),
    );
    assert_eq!(status(&r), 200, "{r}");
    let session = header(&r, "Session").unwrap();
    assert!(session.ends_with(";timeout=60"), "{session}");
    assert_eq!(session.split(';').next().unwrap().len(), 16, "64-bit ids");
    let t = header(&r, "Transport").unwrap();
    assert!(
        t.contains("client_port=5000-5001") && t.contains("server_port=6970-6971"),
        "{t}"
    );
}

#[test]
fn error_statuses_and_the_connection_stays_usable() {
    let mut w = world();
    let c = w.raw_connection(1);
    let cases: Vec<(String, u16)> = vec![
        (format!("FOO {URL} RTSP/1.0\r\nCSeq: 1\r\n\r\n"), 501),
        (format!("OPTIONS {URL} RTSP/1.0\r\nCSeq: x1\r\n\r\n"), 400),
        (format!("OPTIONS {URL} RTSP/1.0\r\n\r\n"), 400),
        (format!("OPTIONS {URL} RTSP/1.0\r\nCSeq: 2\r\nno colon here\r\n\r\n"), 400),
        (format!("OPTIONS {URL} RTSP/2.0\r\nCSeq: 3\r\n\r\n"), 505),
        (format!("PLAY {URL} RTSP/1.0\r\nCSeq: 4\r\nSession: 0123456789ABCDEF\r\n\r\n"), 454),
        (format!("PLAY {URL} RTSP/1.0\r\nCSeq: 5\r\n\r\n"), 454),
        (format!("ANNOUNCE {URL} RTSP/1.0\r\nCSeq: 6\r\n\r\n"), 405),
        (format!("RECORD {URL} RTSP/1.0\r\nCSeq: 7\r\n\r\n"), 405),
        (format!("OPTIONS {URL} RTSP/1.0\r\nCSeq: 8\r\nRequire: funky-feature\r\n\r\n"), 551),
        (
            format!("SETUP {URL} RTSP/1.0\r\nCSeq: 9\r\nTransport: RTP/AVP;multicast\r\n\r\n"),
            461,
        ),
        (
            format!("SETUP {URL} RTSP/1.0\r\nCSeq: 10\r\nTransport: RTP/SAVP;unicast;client_port=5000-5001\r\n\r\n"),
            461,
        ),
        (
            format!("SETUP {URL} RTSP/1.0\r\nCSeq: 11\r\nTransport: RTP/AVP;unicast;destination=192.0.2.9;client_port=5000-5001\r\n\r\n"),
            461,
        ),
        (
            "SETUP rtsp://10.0.0.1:554/nothing.mjpeg RTSP/1.0\r\nCSeq: 12\r\nTransport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n".to_string(),
            404,
        ),
        (
            format!("SET_PARAMETER {URL} RTSP/1.0\r\nCSeq: 13\r\nContent-Type: text/parameters\r\nContent-Length: 9\r\n\r\nfoo: bar\n"),
            451,
        ),
        (format!("GET_PARAMETER {URL} RTSP/1.0\r\nCSeq: 14\r\n\r\n"), 200),
    ];
    for (i, (req, code)) in cases.iter().enumerate() {
        let r = ask(&mut w, c, req.as_bytes());
        assert_eq!(status(&r), *code, "case {i}: {req:?} -> {r:?}");
        if *code == 405 {
            assert!(header(&r, "Allow").is_some(), "405 needs Allow: {r}");
        }
        options_ok(&mut w, c, 100 + i as u32);
    }
    assert!(!closed(&w, c));
}

#[test]
fn state_errors() {
    let mut w = world();
    let c = w.raw_connection(1);
    let s = setup(&mut w, c, 1);
    // PAUSE in READY: 455 with what READY allows.
    let r = ask(
        &mut w,
        c,
        format!("PAUSE {URL} RTSP/1.0\r\nCSeq: 2\r\nSession: {s}\r\n\r\n").as_bytes(),
    );
    assert_eq!(status(&r), 455, "{r}");
    let allow = header(&r, "Allow").unwrap();
    assert!(
        allow.contains("PLAY") && !allow.contains("PAUSE"),
        "{allow}"
    );
    let r = ask(
        &mut w,
        c,
        format!("PLAY {URL} RTSP/1.0\r\nCSeq: 3\r\nSession: {s}\r\n\r\n").as_bytes(),
    );
    assert_eq!(status(&r), 200, "{r}");
    assert!(header(&r, "RTP-Info").unwrap().contains("seq="));
    // A second SETUP on the playing session: 455, and no twin session.
    let r = ask(
        &mut w,
        c,
        format!("SETUP {URL} RTSP/1.0\r\nCSeq: 4\r\nSession: {s}\r\nTransport: RTP/AVP;unicast;client_port=5002-5003\r\n\r\n")
            .as_bytes(),
    );
    assert_eq!(status(&r), 455, "{r}");
    assert_eq!(w.server.session_count(), 1);
    // SETUP of another file into this session: 459.
    let r = ask(
        &mut w,
        c,
        format!("PAUSE {URL} RTSP/1.0\r\nCSeq: 5\r\nSession: {s}\r\n\r\n").as_bytes(),
    );
    assert_eq!(status(&r), 200);
    let r = ask(
        &mut w,
        c,
        format!("SETUP rtsp://10.0.0.1:554/movie.Mjpeg RTSP/1.0\r\nCSeq: 6\r\nSession: {s}\r\nTransport: RTP/AVP;unicast;client_port=5002-5003\r\n\r\n")
            .as_bytes(),
    );
    assert_eq!(status(&r), 459, "{r}");
    // Past the end: 457.
    let r = ask(
        &mut w,
        c,
        format!("PLAY {URL} RTSP/1.0\r\nCSeq: 7\r\nSession: {s}\r\nRange: npt=99-\r\n\r\n")
            .as_bytes(),
    );
    assert_eq!(status(&r), 457, "{r}");
    let r = ask(
        &mut w,
        c,
        format!("TEARDOWN {URL} RTSP/1.0\r\nCSeq: 8\r\nSession: {s}\r\n\r\n").as_bytes(),
    );
    assert_eq!(status(&r), 200);
    let r = ask(
        &mut w,
        c,
        format!("PLAY {URL} RTSP/1.0\r\nCSeq: 9\r\nSession: {s}\r\n\r\n").as_bytes(),
    );
    assert_eq!(status(&r), 454, "the session is gone: {r}");
}

#[test]
fn limits_map_to_their_status_codes() {
    let long_uri = format!("rtsp://10.0.0.1/{}", "a".repeat(3000));
    let long_header = format!("X-Long: {}", "b".repeat(3000));
    let many_headers: String = (0..40).map(|i| format!("X-H{i}: v\r\n")).collect();
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (
            format!("OPTIONS {long_uri} RTSP/1.0\r\nCSeq: 1\r\n\r\n").into_bytes(),
            414,
        ),
        (
            format!("OPTIONS {URL} RTSP/1.0\r\nCSeq: 1\r\n{long_header}\r\n\r\n").into_bytes(),
            431,
        ),
        (
            format!("OPTIONS {URL} RTSP/1.0\r\nCSeq: 1\r\n{many_headers}\r\n").into_bytes(),
            431,
        ),
        (
            format!("SET_PARAMETER {URL} RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 10000000\r\n\r\n")
                .into_bytes(),
            413,
        ),
        (
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n".to_vec(),
            400,
        ),
    ];
    for (i, (bytes, code)) in cases.into_iter().enumerate() {
        let mut w = world();
        let bystander = w.raw_connection(2);
        let c = w.raw_connection(1);
        let r = ask(&mut w, c, &bytes);
        assert_eq!(status(&r), code, "case {i}: {r:?}");
        // Whatever happened to that connection, the other one is served.
        options_ok(&mut w, bystander, 1);
    }
}

#[test]
fn a_flood_without_line_breaks_is_cut_at_the_limit() {
    let mut w = world();
    let c = w.raw_connection(1);
    let now = w.now;
    let chunk = vec![b'A'; 4096];
    for _ in 0..256 {
        w.server.handle_stream_data(now, c, &chunk);
    }
    w.drain();
    assert!(closed(&w, c), "closed at a limit, not after a megabyte");
    let r = String::from_utf8_lossy(&w.take_stream(c)).into_owned();
    assert!(matches!(status(&r), 400 | 414 | 431), "{r}");
}

#[test]
fn a_slow_drip_is_cut_at_the_request_timeout() {
    let mut w = world();
    let bystander = w.raw_connection(2);
    let c = w.raw_connection(1);
    let req = format!("OPTIONS {URL} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: drip\r\n\r\n");
    // One byte a second: the whole request would take a minute.
    for b in req.as_bytes().iter().take(20) {
        let now = w.now;
        w.server.handle_stream_data(now, c, &[*b]);
        w.run_for(Duration::from_secs(1));
        options_ok(&mut w, bystander, 1);
        if closed(&w, c) {
            // Read the answer before the close linger drops it.
            break;
        }
    }
    assert!(closed(&w, c), "stalled request closed after 10 s");
    let r = String::from_utf8_lossy(&w.take_stream(c)).into_owned();
    assert_eq!(status(&r), 408, "{r}");
}

#[test]
fn lab_requests_exact_wire_shapes() {
    let mut w = world();
    let c = w.raw_connection(1);
    let t0 = w.now;
    // The lab client: one send, bare \n, no terminating empty line.
    let now = w.now;
    w.server.handle_stream_data(
        now,
        c,
        b"SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 5008",
    );
    w.drain();
    assert!(
        w.take_stream(c).is_empty(),
        "no reply before the pause that ends the request"
    );
    let until = w.now + Duration::from_secs(1);
    w.run_until(until, |w| !w.server.stream_outgoing(c).is_empty());
    let replied = w.now - t0;
    assert!(
        replied <= Duration::from_millis(30),
        "answered {replied:?} after the request"
    );
    let r = String::from_utf8(w.take_stream(c)).unwrap();
    let lines: Vec<&str> = r.split('\n').collect();
    assert_eq!(lines.len(), 3, "{r:?}");
    assert_eq!(lines[0], "RTSP/1.0 200 OK");
    assert_eq!(lines[1], "CSeq: 1");
    let session: u64 = lines[2].strip_prefix("Session: ").unwrap().parse().unwrap();
    assert_ne!(session, 0);

    for (cseq, method) in [(2, "PLAY"), (3, "PAUSE"), (4, "PLAY"), (5, "TEARDOWN")] {
        let req = format!("{method} movie.Mjpeg RTSP/1.0\nCSeq: {cseq}\nSession: {session}");
        let now = w.now;
        w.server.handle_stream_data(now, c, req.as_bytes());
        let until = w.now + Duration::from_secs(1);
        w.run_until(until, |w| !w.server.stream_outgoing(c).is_empty());
        let r = String::from_utf8(w.take_stream(c)).unwrap();
        assert_eq!(
            r,
            format!("RTSP/1.0 200 OK\nCSeq: {cseq}\nSession: {session}"),
            "{method}"
        );
    }
    // Frames went to the client port from SETUP, numbered from 1.
    assert!(w.stray_datagrams.iter().any(|(_, a)| a.port() == 5008));
}

#[test]
fn standard_requests_are_never_completed_by_a_timeout() {
    let mut w = world();
    let c = w.raw_connection(1);
    let now = w.now;
    w.server.handle_stream_data(
        now,
        c,
        format!("OPTIONS {URL} RTSP/1.0\r\nCSeq: 1\r\n").as_bytes(),
    );
    w.run_for(Duration::from_secs(2));
    assert!(w.take_stream(c).is_empty());
    let now = w.now;
    w.server.handle_stream_data(now, c, b"\r\n");
    w.run_for(Duration::from_millis(10));
    assert_eq!(status(&String::from_utf8(w.take_stream(c)).unwrap()), 200);
}

#[test]
fn idle_connections_are_closed_and_cost_nothing() {
    let mut w = world();
    let idle: Vec<ConnectionId> = (0..200).map(|i| w.raw_connection(10_000 + i)).collect();
    let c = w.connect("clip.mjpeg", stream_core::session::Dialect::Standard, false);
    w.clients[c].client.setup(w.now).unwrap();
    let start = w.now;
    w.run_for(Duration::from_secs(1));
    w.clients[c].client.play(w.now, None).unwrap();
    w.run_for(Duration::from_secs(2));
    assert!(w.frame_count(c) >= 38, "{}", w.frame_count(c));
    w.run_for(Duration::from_secs(60));
    assert!(
        idle.iter().all(|&i| closed(&w, i)),
        "idle connections closed after a session timeout"
    );
    let _: Instant = start;
}

#[test]
fn bytes_piling_up_behind_a_media_request_are_capped() {
    use stream_core::server::{MediaError, Server};
    let mut server = Server::new(server_config(), [9; 32]);
    let now = Instant::from_secs(1);
    let local = std::net::SocketAddr::from(([10, 0, 0, 1], 554));
    let c = server
        .handle_connect(
            now,
            local,
            std::net::SocketAddr::from(([10, 0, 0, 2], 4000)),
        )
        .unwrap();
    server.handle_stream_data(
        now,
        c,
        format!("DESCRIBE {URL} RTSP/1.0\r\nCSeq: 1\r\n\r\n").as_bytes(),
    );
    let request = std::iter::from_fn(|| server.poll_event())
        .find_map(|e| match e {
            ServerEvent::MediaRequest { request, .. } => Some(request),
            _ => None,
        })
        .expect("the DESCRIBE asks for media");
    // The shell is slow to load; the client keeps sending.
    let chunk = format!("OPTIONS {URL} RTSP/1.0\r\nCSeq: 2\r\n\r\n").repeat(100);
    for _ in 0..100 {
        server.handle_stream_data(now, c, chunk.as_bytes());
    }
    let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ServerEvent::CloseConnection(x) if *x == c)),
        "{events:?}"
    );
    // A late answer for a closed connection is ignored.
    server.handle_media(now, request, Err(MediaError::NotFound));
    server.handle_disconnect(now, c);
    assert_eq!(server.connection_count(), 0);
}

/// Sends one lab-dialect request (no terminating empty line) and returns
/// the reply, completed by the pause after it.
fn lab_ask(w: &mut World, conn: ConnectionId, req: &str) -> String {
    let now = w.now;
    w.server.handle_stream_data(now, conn, req.as_bytes());
    let until = w.now + Duration::from_secs(1);
    w.run_until(until, |w| !w.server.stream_outgoing(conn).is_empty());
    String::from_utf8(w.take_stream(conn)).unwrap()
}

/// The lab client sends no keepalives and no RTCP (lab-dialect.md), and the
/// lab's own server never times sessions out: a lab session lives as long
/// as its connection, however long it stays paused.
#[test]
fn lab_sessions_do_not_time_out_while_their_connection_is_open() {
    let mut w = world();
    let c = w.raw_connection(1);
    let r = lab_ask(
        &mut w,
        c,
        "SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 5008",
    );
    let session = r.lines().nth(2).unwrap().to_string();
    let r = lab_ask(
        &mut w,
        c,
        &format!("PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\n{session}"),
    );
    assert_eq!(status(&r), 200, "{r}");
    w.run_for(Duration::from_secs(1));
    let r = lab_ask(
        &mut w,
        c,
        &format!("PAUSE movie.Mjpeg RTSP/1.0\nCSeq: 3\n{session}"),
    );
    assert_eq!(status(&r), 200, "{r}");
    // Paused for five minutes: nothing at all is due (no busy loop).
    for _ in 0..5 {
        w.now += Duration::from_secs(60);
        let now = w.now;
        w.server.handle_timeout(now);
        assert_eq!(w.server.session_count(), 1);
        assert!(w.server.poll_timeout().is_none_or(|t| t > now));
    }
    let r = lab_ask(
        &mut w,
        c,
        &format!("PLAY movie.Mjpeg RTSP/1.0\nCSeq: 4\n{session}"),
    );
    assert_eq!(r, format!("RTSP/1.0 200 OK\nCSeq: 4\n{session}"));
    let r = lab_ask(
        &mut w,
        c,
        &format!("TEARDOWN movie.Mjpeg RTSP/1.0\nCSeq: 5\n{session}"),
    );
    assert_eq!(r, format!("RTSP/1.0 200 OK\nCSeq: 5\n{session}"));
    assert_eq!(w.server.session_count(), 0);
}

/// A media answer belongs to the request that asked for it: when that
/// request is refused before using it (here 503: another connection took
/// the last session), the connection's next SETUP of another file must ask
/// for its own media, not be served the old clip.
#[test]
fn a_media_answer_is_not_used_by_a_later_request() {
    use stream_core::server::{MediaError, Server, ServerConfig};
    let mut server = Server::new(
        ServerConfig {
            max_sessions: 1,
            ..server_config()
        },
        [4; 32],
    );
    let now = Instant::from_secs(1);
    let local = std::net::SocketAddr::from(([10, 0, 0, 1], 554));
    let mut connect = |port| {
        server.handle_connect(
            now,
            local,
            std::net::SocketAddr::from(([10, 0, 0, 2], port)),
        )
    };
    let (a, b) = (connect(4000).unwrap(), connect(4001).unwrap());
    let setup = |path: &str, cseq: u32, ports: &str| {
        format!(
            "SETUP rtsp://10.0.0.1/{path} RTSP/1.0\r\nCSeq: {cseq}\r\n\
             Transport: RTP/AVP;unicast;client_port={ports}\r\n\r\n"
        )
    };
    server.handle_stream_data(now, a, setup("movie.Mjpeg", 1, "5000-5001").as_bytes());
    server.handle_stream_data(now, b, setup("movie.Mjpeg", 1, "5002-5003").as_bytes());
    let requests: Vec<_> = std::iter::from_fn(|| server.poll_event())
        .filter_map(|e| match e {
            ServerEvent::MediaRequest { request, .. } => Some(request),
            _ => None,
        })
        .collect();
    let movie = clip("lab-384x288-444.Mjpeg", false);
    // B's answer comes first and B takes the only session; A gets 503.
    server.handle_media(now, requests[1], Ok(movie.clone()));
    server.handle_media(now, requests[0], Ok(movie));
    let reply = |server: &mut Server, c| {
        let r = String::from_utf8_lossy(server.stream_outgoing(c)).into_owned();
        server.handle_stream_written(c, r.len());
        r
    };
    let rb = reply(&mut server, b);
    assert_eq!(status(&reply(&mut server, a)), 503);
    let sid = header(&rb, "Session").unwrap().split(';').next().unwrap();
    server.handle_stream_data(
        now,
        b,
        format!(
            "TEARDOWN rtsp://10.0.0.1/movie.Mjpeg RTSP/1.0\r\nCSeq: 2\r\nSession: {sid}\r\n\r\n"
        )
        .as_bytes(),
    );
    while server.poll_event().is_some() {}
    server.handle_stream_data(now, a, setup("other.mjpeg", 2, "5000-5001").as_bytes());
    let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
    let asked = events.iter().find_map(|e| match e {
        ServerEvent::MediaRequest { request, path } if path == "other.mjpeg" => Some(*request),
        _ => None,
    });
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, ServerEvent::SessionStarted(_))),
        "{events:?}"
    );
    server.handle_media(
        now,
        asked.expect("other.mjpeg is asked for"),
        Err(MediaError::NotFound),
    );
    assert_eq!(status(&reply(&mut server, a)), 404);
}

/// A session's interleaved data goes on the connection that set it up, so
/// another connection naming the session cannot move it there: its
/// channels were checked against the wrong connection, and it would
/// receive nothing.
#[test]
fn interleaved_transport_only_on_the_sessions_own_connection() {
    let mut w = world();
    let a = w.raw_connection(1);
    let b = w.raw_connection(2);
    let s = setup(&mut w, a, 1);
    let r = ask(
        &mut w,
        b,
        format!("SETUP {URL}/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nSession: {s}\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n")
            .as_bytes(),
    );
    assert_eq!(status(&r), 461, "{r}");
    // The next transport the client offers is taken instead.
    let r = ask(
        &mut w,
        b,
        format!("SETUP {URL}/trackID=0 RTSP/1.0\r\nCSeq: 2\r\nSession: {s}\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1,RTP/AVP;unicast;client_port=5002-5003\r\n\r\n")
            .as_bytes(),
    );
    assert_eq!(status(&r), 200, "{r}");
    assert!(
        header(&r, "Transport")
            .unwrap()
            .contains("client_port=5002-5003"),
        "{r}"
    );
    // On its own connection the session may switch to interleaved.
    let r = ask(
        &mut w,
        a,
        format!("SETUP {URL}/trackID=0 RTSP/1.0\r\nCSeq: 2\r\nSession: {s}\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n")
            .as_bytes(),
    );
    assert_eq!(status(&r), 200, "{r}");
}

/// RTCP's port or channel is the one after RTP's unless given: never a
/// wrap to 0, never the same as RTP's.
#[test]
fn transports_whose_rtcp_would_wrap_or_equal_rtp_are_refused() {
    let mut w = world();
    let c = w.raw_connection(1);
    for (cseq, t) in [
        "RTP/AVP;unicast;client_port=65535",
        "RTP/AVP;unicast;client_port=5000-5000",
        "RTP/AVP;unicast;client_port=5000-0",
        "RTP/AVP/TCP;unicast;interleaved=255",
        "RTP/AVP/TCP;unicast;interleaved=4-4",
    ]
    .iter()
    .enumerate()
    {
        let r = ask(
            &mut w,
            c,
            format!("SETUP {URL}/trackID=0 RTSP/1.0\r\nCSeq: {cseq}\r\nTransport: {t}\r\n\r\n")
                .as_bytes(),
        );
        assert_eq!(status(&r), 461, "{t}: {r}");
    }
    assert_eq!(w.server.session_count(), 0);
}

/// Two sessions sending to one client port would mix their streams there,
/// and RTCP from it could be told to only one of them: a SETUP naming
/// client ports another session of the same client uses is refused.
#[test]
fn client_ports_in_use_by_another_session_are_refused() {
    let mut w = world();
    let a = w.raw_connection(1);
    let b = w.raw_connection(2);
    let s = setup(&mut w, a, 1);
    let transport = |cseq: u32, ports: &str| {
        format!(
            "SETUP {URL}/trackID=0 RTSP/1.0\r\nCSeq: {cseq}\r\nTransport: RTP/AVP;unicast;client_port={ports}\r\n\r\n"
        )
    };
    for (cseq, ports) in [(1, "5000-5001"), (2, "5001-5002"), (3, "4999-5000")] {
        let r = ask(&mut w, b, transport(cseq, ports).as_bytes());
        assert_eq!(status(&r), 461, "{ports}: {r}");
    }
    assert_eq!(w.server.session_count(), 1);
    let r = ask(&mut w, b, transport(4, "5002-5003").as_bytes());
    assert_eq!(status(&r), 200, "{r}");
    // The session itself may name its own ports again.
    let r = ask(
        &mut w,
        a,
        format!("SETUP {URL}/trackID=0 RTSP/1.0\r\nCSeq: 2\r\nSession: {s}\r\nTransport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n")
            .as_bytes(),
    );
    assert_eq!(status(&r), 200, "{r}");
}

/// One connection cannot take every session: SETUPs without a Session
/// beyond `max_sessions_per_connection` (16) are answered 503, and other
/// connections are still served.
#[test]
fn sessions_per_connection_are_capped() {
    let mut w = world();
    let a = w.raw_connection(1);
    let b = w.raw_connection(2);
    let transport = |cseq: u32, port: u32| {
        format!(
            "SETUP {URL}/trackID=0 RTSP/1.0\r\nCSeq: {cseq}\r\nTransport: RTP/AVP;unicast;client_port={port}-{}\r\n\r\n",
            port + 1
        )
    };
    for i in 0..16 {
        let r = ask(&mut w, a, transport(i, 6000 + 2 * i).as_bytes());
        assert_eq!(status(&r), 200, "{r}");
    }
    let r = ask(&mut w, a, transport(16, 7000).as_bytes());
    assert_eq!(status(&r), 503, "{r}");
    let r = ask(&mut w, b, transport(1, 7000).as_bytes());
    assert_eq!(status(&r), 200, "{r}");
    assert_eq!(w.server.session_count(), 17);
}

/// A lab request is complete only by the pause after it. When it then
/// waits for its media, bytes that arrive meanwhile (the client's next
/// request, or garbage) are not part of it: it is answered as it was.
#[test]
fn a_lab_request_waiting_for_media_keeps_its_extent() {
    use stream_core::server::{Server, ServerEvent};
    let mut s = Server::new(server_config(), [9; 32]);
    let mut now = Instant::ZERO;
    let c = s
        .handle_connect(
            now,
            "10.0.0.1:554".parse().unwrap(),
            "10.0.0.2:4000".parse().unwrap(),
        )
        .unwrap();
    s.handle_stream_data(
        now,
        c,
        b"SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 5008",
    );
    now += server_config().lab_tail_delay + Duration::from_millis(1);
    s.handle_timeout(now);
    let request = loop {
        match s.poll_event() {
            Some(ServerEvent::MediaRequest { request, .. }) => break request,
            Some(_) => {}
            None => panic!("no media request"),
        }
    };
    s.handle_stream_data(now, c, b"\0\0\0\0");
    s.handle_media(now, request, Ok(clip("lab-384x288-444.Mjpeg", false)));
    let out = String::from_utf8_lossy(s.stream_outgoing(c)).into_owned();
    assert!(
        out.starts_with("RTSP/1.0 200 OK\nCSeq: 1\nSession: "),
        "{out:?}"
    );
}
