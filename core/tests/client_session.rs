//! The client state machine against scripted server replies: the requests it
//! writes, how it matches replies, keepalives and their fallback, errors and
//! timeouts, both dialects. Virtual clock; no sockets.

mod common;

use std::net::SocketAddr;

use stream_core::client::{
    Client, ClientConfig, ClientError, ClientEvent, ClientSocket, ClientTransmit, ClientTransport,
};
use stream_core::jpeg::Jpeg;
use stream_core::jpeg::rfc2435::{PacketizeConfig, packetize};
use stream_core::session::{Dialect, State};
use stream_core::{Duration, Instant};

fn server() -> SocketAddr {
    SocketAddr::from(([10, 0, 0, 1], 554))
}

fn client(dialect: Dialect) -> Client {
    client_with(dialect, ClientTransport::Udp { rtp_port: 5000 })
}

fn client_with(dialect: Dialect, transport: ClientTransport) -> Client {
    let url = match dialect {
        Dialect::Standard => "rtsp://10.0.0.1:554/clip.Mjpeg",
        Dialect::Lab => "movie.Mjpeg",
    };
    let config = ClientConfig::new(url, dialect, transport, server());
    Client::new(config, Instant::from_secs(1), 7)
}

/// Everything the client wrote on its RTSP connection since the last call.
fn sent(c: &mut Client) -> String {
    let mut buf = Vec::new();
    let mut out = String::new();
    while let Some(t) = c.poll_transmit(&mut buf) {
        if t == ClientTransmit::Stream {
            out.push_str(&String::from_utf8_lossy(&buf));
        }
    }
    out
}

fn events(c: &mut Client) -> Vec<ClientEvent> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn cseq(request: &str) -> u32 {
    request
        .lines()
        .find_map(|l| l.strip_prefix("CSeq: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no CSeq in {request:?}"))
}

fn reply(c: &mut Client, now: Instant, text: &str) {
    c.handle_stream_data(now, text.as_bytes());
}

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=clip\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\na=control:*\r\nm=video 0 RTP/AVP 26\r\na=rtpmap:26 JPEG/90000\r\na=control:trackID=0\r\n";

/// Drives a standard client to READY; returns the time.
fn to_ready(c: &mut Client, timeout_secs: u32) -> Instant {
    let mut now = Instant::from_secs(1);
    c.setup(now).unwrap();
    let describe = sent(c);
    assert!(
        describe.starts_with("DESCRIBE rtsp://10.0.0.1:554/clip.Mjpeg RTSP/1.0\r\n"),
        "{describe}"
    );
    assert!(describe.contains("Accept: application/sdp\r\n"));
    now += Duration::from_millis(5);
    reply(
        c,
        now,
        &format!(
            "RTSP/1.0 200 OK\r\nCSeq: {}\r\nContent-Base: rtsp://10.0.0.1:554/clip.Mjpeg/\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{SDP}",
            cseq(&describe),
            SDP.len()
        ),
    );
    let setup = sent(c);
    assert!(
        setup.starts_with("SETUP rtsp://10.0.0.1:554/clip.Mjpeg/trackID=0 RTSP/1.0\r\n"),
        "{setup}"
    );
    let transport = if setup.contains("Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n") {
        "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=0000ABCD"
    } else {
        assert!(
            setup.contains("Transport: RTP/AVP;unicast;client_port=5000-5001\r\n"),
            "{setup}"
        );
        "RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=0000ABCD"
    };
    now += Duration::from_millis(5);
    reply(
        c,
        now,
        &format!(
            "RTSP/1.0 200 OK\r\nCSeq: {}\r\nSession: ABCDEF0123456789;timeout={timeout_secs}\r\nTransport: {transport}\r\n\r\n",
            cseq(&setup)
        ),
    );
    assert_eq!(c.state(), State::Ready);
    assert_eq!(c.session_id(), Some("ABCDEF0123456789"));
    now
}

#[test]
fn describe_setup_play_pause_teardown() {
    let mut c = client(Dialect::Standard);
    let mut now = to_ready(&mut c, 60);
    let ev = events(&mut c);
    assert!(ev.iter().any(|e| matches!(e, ClientEvent::Described(m) if m.control == "rtsp://10.0.0.1:554/clip.Mjpeg/trackID=0")));
    assert!(ev.contains(&ClientEvent::StateChanged {
        from: State::Init,
        to: State::Ready
    }));

    c.play(now, None).unwrap();
    let play = sent(&mut c);
    // The aggregate URL (session-level a=control:* against Content-Base).
    assert!(
        play.starts_with("PLAY rtsp://10.0.0.1:554/clip.Mjpeg/ RTSP/1.0\r\n"),
        "{play}"
    );
    assert!(play.contains("Session: ABCDEF0123456789\r\n"));
    assert!(play.contains("Range: npt=0.000-\r\n"));
    now += Duration::from_millis(5);
    reply(
        &mut c,
        now,
        &format!(
            "RTSP/1.0 200 OK\r\nCSeq: {}\r\nRange: npt=0.000-\r\nRTP-Info: url=rtsp://10.0.0.1:554/clip.Mjpeg/trackID=0;seq=100;rtptime=0\r\n\r\n",
            cseq(&play)
        ),
    );
    assert_eq!(c.state(), State::Playing);
    assert!(events(&mut c).contains(&ClientEvent::PlayStarted {
        from: Some(Duration::ZERO),
        first_sequence: Some(100)
    }));

    c.play(now, Some(Duration::from_millis(2500))).unwrap();
    let seek = sent(&mut c);
    assert!(seek.contains("Range: npt=2.500-\r\n"), "{seek}");
    reply(
        &mut c,
        now,
        &format!("RTSP/1.0 200 OK\r\nCSeq: {}\r\n\r\n", cseq(&seek)),
    );

    c.pause(now).unwrap();
    let pause = sent(&mut c);
    reply(
        &mut c,
        now,
        &format!("RTSP/1.0 200 OK\r\nCSeq: {}\r\n\r\n", cseq(&pause)),
    );
    assert_eq!(c.state(), State::Ready);

    c.teardown(now).unwrap();
    let teardown = sent(&mut c);
    assert!(teardown.starts_with("TEARDOWN "));
    reply(
        &mut c,
        now,
        &format!("RTSP/1.0 200 OK\r\nCSeq: {}\r\n\r\n", cseq(&teardown)),
    );
    assert_eq!(c.state(), State::Init);
    assert_eq!(c.session_id(), None);
}

#[test]
fn cseq_counts_up_and_mismatched_replies_are_ignored() {
    let mut c = client(Dialect::Standard);
    let now = to_ready(&mut c, 60);
    c.play(now, None).unwrap();
    let play = sent(&mut c);
    assert_eq!(cseq(&play), 3, "DESCRIBE 1, SETUP 2, PLAY 3");
    reply(&mut c, now, "RTSP/1.0 200 OK\r\nCSeq: 99\r\n\r\n");
    assert_eq!(
        c.state(),
        State::Ready,
        "a reply to another request changes nothing"
    );
    reply(&mut c, now, "RTSP/1.0 200 OK\r\nCSeq: 3\r\n\r\n");
    assert_eq!(c.state(), State::Playing);
}

#[test]
fn commands_the_state_does_not_allow_are_refused() {
    let mut c = client(Dialect::Standard);
    let now = Instant::from_secs(1);
    for (r, name) in [
        (c.play(now, None), "PLAY"),
        (c.pause(now), "PAUSE"),
        (c.teardown(now), "TEARDOWN"),
    ] {
        assert_eq!(
            r,
            Err(ClientError::NotAllowed {
                command: name,
                state: State::Init
            })
        );
    }
    assert!(sent(&mut c).is_empty(), "nothing sent for refused commands");
    let mut c = client(Dialect::Standard);
    let now = to_ready(&mut c, 60);
    assert_eq!(
        c.pause(now),
        Err(ClientError::NotAllowed {
            command: "PAUSE",
            state: State::Ready
        })
    );
}

#[test]
fn error_replies_are_events_and_change_nothing() {
    let mut c = client(Dialect::Standard);
    let now = Instant::from_secs(1);
    c.setup(now).unwrap();
    let describe = sent(&mut c);
    reply(
        &mut c,
        now,
        &format!(
            "RTSP/1.0 404 Not Found\r\nCSeq: {}\r\n\r\n",
            cseq(&describe)
        ),
    );
    assert_eq!(
        events(&mut c),
        vec![ClientEvent::RequestFailed {
            method: "DESCRIBE",
            status: 404,
            reason: "Not Found".into()
        }]
    );
    assert_eq!(c.state(), State::Init);
    assert!(sent(&mut c).is_empty(), "no SETUP after a failed DESCRIBE");
}

#[test]
fn no_reply_is_a_timeout_event() {
    let mut c = client(Dialect::Standard);
    let now = Instant::from_secs(1);
    c.setup(now).unwrap();
    let _ = sent(&mut c);
    let deadline = c.poll_timeout().unwrap();
    assert_eq!(deadline, now + Duration::from_secs(10));
    c.handle_timeout(deadline);
    assert!(events(&mut c).iter().any(|e| matches!(
        e,
        ClientEvent::Error(ClientError::ReplyTimeout {
            method: "DESCRIBE",
            ..
        })
    )));
    // The client is usable again.
    c.setup(deadline).unwrap();
    assert!(sent(&mut c).starts_with("DESCRIBE "));
}

#[test]
fn keepalive_at_half_the_timeout_falling_back_to_options() {
    let mut c = client(Dialect::Standard);
    let ready = to_ready(&mut c, 10);
    let _ = events(&mut c);
    // Half of the advertised 10 s.
    let t = c.poll_timeout().unwrap();
    assert_eq!(t, ready + Duration::from_secs(5));
    c.handle_timeout(t);
    let ka = sent(&mut c);
    assert!(
        ka.starts_with("GET_PARAMETER rtsp://10.0.0.1:554/clip.Mjpeg/ RTSP/1.0\r\n"),
        "{ka}"
    );
    assert!(ka.contains("Session: ABCDEF0123456789\r\n"));
    reply(
        &mut c,
        t,
        &format!(
            "RTSP/1.0 501 Not Implemented\r\nCSeq: {}\r\n\r\n",
            cseq(&ka)
        ),
    );
    assert!(
        events(&mut c).is_empty(),
        "a refused keepalive is not an error for the user"
    );
    let t2 = c.poll_timeout().unwrap();
    assert_eq!(t2, t + Duration::from_secs(5));
    c.handle_timeout(t2);
    let ka2 = sent(&mut c);
    assert!(ka2.starts_with("OPTIONS "), "falls back to OPTIONS: {ka2}");
    assert!(ka2.contains("Session: ABCDEF0123456789\r\n"));
}

#[test]
fn lab_dialect_requests_and_unterminated_replies() {
    let mut c = client(Dialect::Lab);
    let mut now = Instant::from_secs(1);
    c.setup(now).unwrap();
    let setup = sent(&mut c);
    assert_eq!(
        setup,
        "SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 5000"
    );
    // The lab server's reply: no terminator. It completes after a pause.
    now += Duration::from_millis(2);
    reply(&mut c, now, "RTSP/1.0 200 OK\nCSeq: 1\nSession: 123456");
    assert_eq!(c.state(), State::Init);
    let t = c.poll_timeout().unwrap();
    assert!(t <= now + Duration::from_millis(20), "{t:?}");
    c.handle_timeout(t);
    assert_eq!(c.state(), State::Ready);
    assert_eq!(c.session_id(), Some("123456"));
    c.play(t, None).unwrap();
    assert_eq!(
        sent(&mut c),
        "PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: 123456"
    );
    reply(&mut c, t, "RTSP/1.0 200 OK\nCSeq: 2\nSession: 123456\n");
    c.handle_timeout(t + Duration::from_millis(20));
    assert_eq!(c.state(), State::Playing);
    // No keepalives (the lab server would never answer them) and no RTCP:
    // a few minutes of deadlines send nothing.
    let mut later = t;
    while let Some(d) = c
        .poll_timeout()
        .filter(|&d| d < t + Duration::from_secs(300))
    {
        c.handle_timeout(d);
        later = d;
    }
    assert!(
        later > t + Duration::from_secs(200),
        "stats deadlines keep coming while playing"
    );
    let mut buf = Vec::new();
    assert!(
        c.poll_transmit(&mut buf).is_none(),
        "nothing sent while a lab session plays"
    );
    c.pause(t).unwrap();
    assert_eq!(
        sent(&mut c),
        "PAUSE movie.Mjpeg RTSP/1.0\nCSeq: 3\nSession: 123456"
    );
    c.handle_stream_data(t, b"RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 123456\r\n\r\n");
    assert_eq!(
        c.state(),
        State::Ready,
        "CRLF and terminated replies are fine too"
    );
    c.teardown(t).unwrap();
    assert_eq!(
        sent(&mut c),
        "TEARDOWN movie.Mjpeg RTSP/1.0\nCSeq: 4\nSession: 123456"
    );
}

/// An RTP packet as the SETUP replies announce it: payload type 26, SSRC
/// 0xABCD.
fn rtp(seq: u16, timestamp: u32, marker: bool, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 26 | if marker { 0x80 } else { 0 }];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&timestamp.to_be_bytes());
    p.extend_from_slice(&0xABCDu32.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// Five valid 60,000-byte interleaved frames and a reply, 300 KB in one
/// piece: more than the client keeps of an incomplete message, but all of
/// it complete.
#[test]
fn one_large_chunk_of_complete_messages_is_taken_whole() {
    let mut c = client_with(Dialect::Standard, ClientTransport::Tcp);
    let now = to_ready(&mut c, 60);
    c.play(now, None).unwrap();
    let play = sent(&mut c);
    let mut data = Vec::new();
    for seq in 0..5u16 {
        let packet = rtp(seq, 0, false, &[0; 60_000 - 12]);
        data.extend_from_slice(&[b'$', 0]);
        data.extend_from_slice(&(packet.len() as u16).to_be_bytes());
        data.extend_from_slice(&packet);
    }
    data.extend_from_slice(format!("RTSP/1.0 200 OK\r\nCSeq: {}\r\n\r\n", cseq(&play)).as_bytes());
    assert!(data.len() > 256 * 1024);
    let _ = events(&mut c);
    c.handle_stream_data(now, &data);
    assert!(
        !events(&mut c)
            .iter()
            .any(|e| matches!(e, ClientEvent::Error(_))),
        "no error"
    );
    assert_eq!(c.stats().packets, 5);
    assert_eq!(c.state(), State::Playing);
}

/// A SETUP reply with a Session but no usable Transport sets nothing up:
/// no session id, no keepalives, no RTP taken.
#[test]
fn setup_reply_without_usable_transport_leaves_no_session() {
    let mut c = client(Dialect::Standard);
    let mut now = Instant::from_secs(1);
    c.setup(now).unwrap();
    let describe = sent(&mut c);
    reply(
        &mut c,
        now,
        &format!(
            "RTSP/1.0 200 OK\r\nCSeq: {}\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{SDP}",
            cseq(&describe),
            SDP.len()
        ),
    );
    let setup = sent(&mut c);
    reply(
        &mut c,
        now,
        &format!(
            "RTSP/1.0 200 OK\r\nCSeq: {}\r\nSession: ABCDEF0123456789;timeout=10\r\nTransport: bogus\r\n\r\n",
            cseq(&setup)
        ),
    );
    assert!(
        events(&mut c)
            .iter()
            .any(|e| matches!(e, ClientEvent::Error(ClientError::BadReply(_))))
    );
    assert_eq!(c.state(), State::Init);
    assert_eq!(c.session_id(), None);
    assert_eq!(c.poll_timeout(), None, "no keepalive");
    now += Duration::from_secs(1);
    c.handle_datagram(
        now,
        ClientSocket::Rtp,
        "10.0.0.1:6970".parse().unwrap(),
        &rtp(1, 0, true, &[0; 8]),
    );
    assert_eq!(c.stats().packets, 0);
}

/// Requests from the server (RFC 2326 allows them): OPTIONS and
/// GET_PARAMETER are answered 200 with their CSeq, the rest 501; the
/// request in flight is not disturbed. The lab dialect answers nothing.
#[test]
fn server_requests_are_answered() {
    let mut c = client(Dialect::Standard);
    let now = to_ready(&mut c, 60);
    c.play(now, None).unwrap();
    let play = sent(&mut c);
    reply(
        &mut c,
        now,
        "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n\
         GET_PARAMETER rtsp://10.0.0.1:554/clip.Mjpeg/ RTSP/1.0\r\nCSeq: 2\r\nSession: ABCDEF0123456789\r\n\r\n\
         ANNOUNCE rtsp://10.0.0.1:554/clip.Mjpeg/ RTSP/1.0\r\nCSeq: 3\r\n\r\n\
         REDIRECT rtsp://10.0.0.1:554/clip.Mjpeg/ RTSP/1.0\r\nCSeq: 4\r\n\r\n\
         SET_PARAMETER rtsp://10.0.0.1:554/clip.Mjpeg/ RTSP/1.0\r\nCSeq: 5\r\nContent-Length: 3\r\n\r\na:b",
    );
    assert_eq!(
        sent(&mut c),
        "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, GET_PARAMETER\r\n\r\n\
         RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n\
         RTSP/1.0 501 Not Implemented\r\nCSeq: 3\r\n\r\n\
         RTSP/1.0 501 Not Implemented\r\nCSeq: 4\r\n\r\n\
         RTSP/1.0 501 Not Implemented\r\nCSeq: 5\r\n\r\n"
    );
    reply(
        &mut c,
        now,
        &format!("RTSP/1.0 200 OK\r\nCSeq: {}\r\n\r\n", cseq(&play)),
    );
    assert_eq!(c.state(), State::Playing);

    let mut c = client(Dialect::Lab);
    c.setup(now).unwrap();
    let _ = sent(&mut c);
    reply(&mut c, now, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n");
    assert_eq!(sent(&mut c), "");
}

/// The RTP packets of the test clip's frame `k`, numbered from `seq`.
fn frame_packets(k: usize, seq: u16, timestamp: u32) -> Vec<Vec<u8>> {
    let data = common::media("testsrc-640x480-420.raw.mjpeg");
    let jpeg = Jpeg::parse(common::frame_slices(&data)[k]).unwrap();
    let p = packetize(&jpeg, &PacketizeConfig::default()).unwrap();
    (0..p.len())
        .map(|i| rtp(seq + i as u16, timestamp, p.is_last(i), p.payload(i)))
        .collect()
}

/// A seek back while playing, over UDP: packets of the new range overtake
/// the PLAY reply, packets sent before the seek straggle in around it. The
/// new range's frames all come out, after `PlayStarted`; the reply's
/// RTP-Info sequence number keeps the stragglers out.
#[test]
fn seek_keeps_packets_that_overtake_the_reply_and_drops_older_ones() {
    let mut c = client(Dialect::Standard);
    let mut now = to_ready(&mut c, 60);
    let from: SocketAddr = "10.0.0.1:6970".parse().unwrap();
    let deliver = |c: &mut Client, now: Instant, packets: &[Vec<u8>]| {
        for p in packets {
            c.handle_datagram(now, ClientSocket::Rtp, from, p);
        }
    };
    c.play(now, None).unwrap();
    let play = sent(&mut c);
    reply(
        &mut c,
        now,
        &format!(
            "RTSP/1.0 200 OK\r\nCSeq: {}\r\nRTP-Info: url=rtsp://10.0.0.1:554/clip.Mjpeg/trackID=0;seq=1;rtptime=9000\r\n\r\n",
            cseq(&play)
        ),
    );
    // Frame 0 at 0.1 s, then frames 1 and 4 (sent before the seek).
    let a = frame_packets(0, 1, 9000);
    let b = frame_packets(1, 1 + a.len() as u16, 13_500);
    let e = frame_packets(4, 1 + (a.len() + b.len()) as u16, 18_000);
    let start = 1 + (a.len() + b.len() + e.len()) as u16;
    // The new range from 0: frames 0 and 1 again, timestamps going back.
    let new0 = frame_packets(0, start, 0);
    let new1 = frame_packets(1, start + new0.len() as u16, 4500);
    deliver(&mut c, now, &a);
    let _ = events(&mut c);

    now += Duration::from_millis(10);
    c.play(now, Some(Duration::ZERO)).unwrap();
    let seek = sent(&mut c);
    let (b1, b2) = b.split_at(b.len() / 2);
    let (new0a, new0b) = new0.split_at(new0.len() / 2);
    deliver(&mut c, now, b1);
    deliver(&mut c, now, new0a);
    reply(
        &mut c,
        now,
        &format!(
            "RTSP/1.0 200 OK\r\nCSeq: {}\r\nRange: npt=0.000-\r\nRTP-Info: url=rtsp://10.0.0.1:554/clip.Mjpeg/trackID=0;seq={start};rtptime=0\r\n\r\n",
            cseq(&seek)
        ),
    );
    deliver(&mut c, now, &e);
    deliver(&mut c, now, b2);
    deliver(&mut c, now, new0b);
    deliver(&mut c, now, &new1);
    let seen: Vec<_> = events(&mut c)
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::PlayStarted { first_sequence, .. } => {
                Some(format!("play {first_sequence:?}"))
            }
            ClientEvent::Frame(f) => Some(format!("frame {} {}", f.rtp_timestamp, f.sequence)),
            _ => None,
        })
        .collect();
    assert_eq!(
        seen,
        [
            format!("play Some({start})"),
            format!("frame 0 {start}"),
            format!("frame 4500 {}", start as usize + new0.len()),
        ]
    );
    assert_eq!(c.stats().frames_dropped, 0);
    assert_eq!(c.stats().frames, 3);
}
