//! The server object and client objects playing whole sessions over the
//! simulated network, in both dialects and both transports, with a virtual
//! clock: no sockets, no sleeps.

mod sim;

use sim::{Link, World, clip, server_config};
use stream_core::client::ClientEvent;
use stream_core::jpeg::Jpeg;
use stream_core::server::{DropReason, EndReason, ServerEvent};
use stream_core::session::{Dialect, State};
use stream_core::{Duration, Instant};

const SECOND: Duration = Duration::from_secs(1);

fn world(link: Link) -> World {
    let mut w = World::new(server_config(), link, 7);
    w.add_clip("clip.mjpeg", clip("testsrc-640x480-420.raw.mjpeg", false));
    w
}

/// The entropy-coded data of a JPEG: what RFC 2435 carries unchanged.
fn scan(jpeg: &[u8]) -> Vec<u8> {
    Jpeg::parse(jpeg).unwrap().entropy_data().to_vec()
}

fn play_session(tcp: bool, link: Link) {
    let mut w = world(link);
    let source = sim::clip("testsrc-640x480-420.raw.mjpeg", false);
    let c = w.connect("clip.mjpeg", Dialect::Standard, tcp);
    w.clients[c].client.setup(w.now).unwrap();
    assert!(
        w.run_until_state(c, State::Ready, 5 * SECOND),
        "{:?}",
        w.client_errors(c)
    );
    assert!(
        w.clients[c]
            .events
            .iter()
            .any(|(_, e)| matches!(e, ClientEvent::Described(_)))
    );
    w.clients[c].client.play(w.now, None).unwrap();
    assert!(w.run_until_state(c, State::Playing, 5 * SECOND));
    // One second at 20 fps.
    w.run_for(SECOND);
    let n = w.frame_count(c);
    assert!((19..=22).contains(&n), "{n} frames in a second");

    w.clients[c].client.pause(w.now).unwrap();
    assert!(w.run_until_state(c, State::Ready, 5 * SECOND));
    let paused_at = w.frame_count(c);
    w.run_for(2 * SECOND);
    assert_eq!(w.frame_count(c), paused_at, "nothing arrives while paused");

    w.clients[c].client.play(w.now, None).unwrap();
    assert!(w.run_until_state(c, State::Playing, 5 * SECOND));
    w.run_for(SECOND);
    w.clients[c].client.teardown(w.now).unwrap();
    assert!(w.run_until_state(c, State::Init, 5 * SECOND));

    let frames = w.frames(c);
    // Every frame is the next frame of the file, also across the pause:
    // PLAY resumes where PAUSE stopped.
    for (k, f) in frames.iter().enumerate() {
        assert!(
            scan(&f.jpeg) == scan(source.jpeg(k)),
            "frame {k} is not the file's frame {k}"
        );
    }
    for pair in frames.windows(2) {
        assert_eq!(
            pair[1].rtp_timestamp.wrapping_sub(pair[0].rtp_timestamp),
            4500
        );
    }
    assert!(w.client_errors(c).is_empty(), "{:?}", w.client_errors(c));
    let ended = w.server_events.iter().any(|(_, e)| {
        matches!(
            e,
            ServerEvent::SessionEnded {
                reason: EndReason::Teardown,
                ..
            }
        )
    });
    assert!(ended);
    assert_eq!(w.server.session_count(), 0);
}

#[test]
fn standard_udp_setup_play_pause_play_teardown() {
    play_session(false, Link::default());
}

#[test]
fn standard_tcp_interleaved() {
    play_session(true, Link::default());
}

#[test]
fn byte_streams_cut_anywhere() {
    for max_chunk in [1, 2, 3, 7, 64] {
        play_session(
            true,
            Link {
                max_chunk,
                ..Link::default()
            },
        );
    }
}

#[test]
fn lab_dialect_whole_frames_byte_identical() {
    let mut w = World::new(server_config(), Link::default(), 3);
    let lab = clip("lab-384x288-444.Mjpeg", false);
    w.add_clip("movie.Mjpeg", lab.clone());
    let c = w.connect("movie.Mjpeg", Dialect::Lab, false);
    w.clients[c].client.setup(w.now).unwrap();
    assert!(
        w.run_until_state(c, State::Ready, 5 * SECOND),
        "{:?}",
        w.client_errors(c)
    );
    let id = w.clients[c].client.session_id().unwrap().to_string();
    assert!(
        id.parse::<u64>().unwrap() != 0,
        "lab session ids are decimal integers: {id}"
    );
    w.clients[c].client.play(w.now, None).unwrap();
    assert!(w.run_until_state(c, State::Playing, 5 * SECOND));
    w.run_for(SECOND / 2);
    w.clients[c].client.pause(w.now).unwrap();
    assert!(w.run_until_state(c, State::Ready, 5 * SECOND));
    w.clients[c].client.play(w.now, None).unwrap();
    w.run_for(2 * SECOND);
    let frames = w.frames(c);
    assert_eq!(frames.len(), lab.len(), "the whole movie, once");
    for (k, f) in frames.iter().enumerate() {
        assert!(f.jpeg == lab.jpeg(k), "frame {k} not byte-identical");
        assert_eq!(f.sequence, k as u64 + 1, "sequence number = frame number");
    }
    w.clients[c].client.teardown(w.now).unwrap();
    assert!(w.run_until_state(c, State::Init, 5 * SECOND));
}

#[test]
fn vanished_client_is_reaped_at_timeout_and_sent_nothing_after() {
    let mut w = world(Link::default());
    let c = w.connect("clip.mjpeg", Dialect::Standard, false);
    w.clients[c].client.setup(w.now).unwrap();
    assert!(w.run_until_state(c, State::Ready, 5 * SECOND));
    w.clients[c].client.play(w.now, None).unwrap();
    assert!(w.run_until_state(c, State::Playing, 5 * SECOND));
    w.run_for(SECOND);
    // The client machine disappears: no RTCP, no requests, no FIN.
    w.clients[c].alive = false;
    let gone_at = w.now;
    w.run_for(Duration::from_secs(120));
    let (ended_at, reason) = w
        .server_events
        .iter()
        .find_map(|(t, e)| match e {
            ServerEvent::SessionEnded { reason, .. } => Some((*t, *reason)),
            _ => None,
        })
        .expect("session reaped");
    assert_eq!(reason, EndReason::Timeout);
    // Its last sign of life was its last request or receiver report, at
    // most a little before it vanished; the timeout is 60 s.
    let waited = ended_at - gone_at;
    assert!(
        waited <= Duration::from_secs(60) && waited >= Duration::from_secs(50),
        "{waited:?}"
    );
    assert!(
        w.sent_datagrams.iter().all(|(t, _, _)| *t <= ended_at),
        "nothing is sent after the session ends"
    );
    assert_eq!(w.server.session_count(), 0);
}

/// A TCP-interleaved player that freezes (never reads again, never says
/// anything) loses its session at the timeout; its connection is then
/// closed, and dropped with its unread bytes once the close linger is over,
/// instead of waiting forever for the player to read.
#[test]
fn frozen_tcp_player_is_dropped_after_its_session_times_out() {
    let mut w = world(Link::default());
    let c = w.connect("clip.mjpeg", Dialect::Standard, true);
    w.clients[c].client.setup(w.now).unwrap();
    assert!(w.run_until_state(c, State::Ready, 5 * SECOND));
    w.clients[c].client.play(w.now, None).unwrap();
    assert!(w.run_until_state(c, State::Playing, 5 * SECOND));
    w.run_for(SECOND);
    w.clients[c].alive = false;
    let frozen_at = w.now;
    w.run_for(Duration::from_secs(120));
    let at = |want: fn(&ServerEvent) -> bool| {
        w.server_events
            .iter()
            .find_map(|(t, e)| want(e).then_some(*t))
    };
    let ended = at(|e| {
        matches!(
            e,
            ServerEvent::SessionEnded {
                reason: EndReason::Timeout,
                ..
            }
        )
    })
    .expect("session reaped");
    let closed = at(|e| matches!(e, ServerEvent::CloseConnection(_))).expect("connection closed");
    let dropped = at(|e| {
        matches!(
            e,
            ServerEvent::DropConnection {
                reason: DropReason::Linger { unwritten },
                ..
            } if *unwritten > 0
        )
    })
    .expect("connection dropped");
    assert!(ended - frozen_at <= Duration::from_secs(60));
    assert!(closed >= ended);
    assert_eq!(dropped - closed, server_config().close_linger);
    assert_eq!(w.server.connection_count(), 0, "its socket is gone");
}

#[test]
fn keepalives_keep_a_paused_session_alive() {
    let mut w = world(Link::default());
    let c = w.connect("clip.mjpeg", Dialect::Standard, false);
    w.clients[c].client.setup(w.now).unwrap();
    assert!(w.run_until_state(c, State::Ready, 5 * SECOND));
    // READY, no RTP, no RTCP: only the client's GET_PARAMETER keepalives.
    w.run_for(Duration::from_secs(300));
    assert_eq!(w.server.session_count(), 1);
    assert!(
        !w.server_events
            .iter()
            .any(|(_, e)| matches!(e, ServerEvent::SessionEnded { .. }))
    );
    w.clients[c].client.play(w.now, None).unwrap();
    assert!(w.run_until_state(c, State::Playing, 5 * SECOND));
}

#[test]
fn seek_with_range() {
    let mut w = world(Link::default());
    let source = sim::clip("testsrc-640x480-420.raw.mjpeg", false);
    let c = w.connect("clip.mjpeg", Dialect::Standard, false);
    w.clients[c].client.setup(w.now).unwrap();
    assert!(w.run_until_state(c, State::Ready, 5 * SECOND));
    w.clients[c]
        .client
        .play(w.now, Some(Duration::from_millis(2000)))
        .unwrap();
    assert!(w.run_until_state(c, State::Playing, 5 * SECOND));
    w.run_for(SECOND / 4);
    let frames = w.frames(c);
    assert!(!frames.is_empty());
    // 2 s at 20 fps: frame 40.
    assert!(
        scan(&frames[0].jpeg) == scan(source.jpeg(40)),
        "the first frame is frame 40"
    );
    let started = w.clients[c].events.iter().find_map(|(_, e)| match e {
        ClientEvent::PlayStarted { from, .. } => Some(*from),
        _ => None,
    });
    assert_eq!(started, Some(Some(Duration::from_secs(2))));
    // Past the end (60 frames = 3 s): 457.
    w.clients[c]
        .client
        .play(w.now, Some(Duration::from_secs(10)))
        .unwrap();
    w.run_for(SECOND);
    assert!(
        w.client_errors(c).iter().any(|e| e.contains("457")),
        "{:?}",
        w.client_errors(c)
    );
}

#[test]
fn several_clients_get_independent_streams() {
    let mut w = world(Link::default());
    let a = w.connect("clip.mjpeg", Dialect::Standard, false);
    let b = w.connect("clip.mjpeg", Dialect::Standard, true);
    for c in [a, b] {
        w.clients[c].client.setup(w.now).unwrap();
        assert!(w.run_until_state(c, State::Ready, 5 * SECOND));
    }
    w.clients[a].client.play(w.now, None).unwrap();
    w.run_for(SECOND);
    w.clients[b]
        .client
        .play(w.now, Some(Duration::from_secs(1)))
        .unwrap();
    w.run_for(SECOND);
    let fa = w.frame_count(a);
    let fb = w.frame_count(b);
    assert!(fa >= 38 && (18..=22).contains(&fb), "a={fa} b={fb}");
    assert_ne!(
        w.clients[a].client.session_id(),
        w.clients[b].client.session_id()
    );
}

#[test]
fn end_of_stream_sends_bye() {
    let mut w = world(Link::default());
    let c = w.connect("clip.mjpeg", Dialect::Standard, false);
    w.clients[c].client.setup(w.now).unwrap();
    assert!(w.run_until_state(c, State::Ready, 5 * SECOND));
    w.clients[c].client.play(w.now, None).unwrap();
    let until = w.now + Duration::from_secs(10);
    let done = w.run_until(until, |w| {
        w.clients[0]
            .events
            .iter()
            .any(|(_, e)| matches!(e, ClientEvent::EndOfStream))
    });
    assert!(done, "RTCP BYE at the end of the clip");
    assert_eq!(w.frame_count(c), 60);
}

#[test]
fn lossy_link_drops_frames_never_corrupts_them() {
    let mut w = world(Link {
        loss_percent: 3,
        duplicate_percent: 2,
        jitter: Duration::from_millis(3),
        ..Link::default()
    });
    let c = w.connect("clip.mjpeg", Dialect::Standard, false);
    w.clients[c].client.setup(w.now).unwrap();
    // Requests travel on TCP: lossless.
    assert!(w.run_until_state(c, State::Ready, 5 * SECOND));
    w.clients[c].client.play(w.now, None).unwrap();
    w.run_for(Duration::from_secs(4));
    let source = sim::clip("testsrc-640x480-420.raw.mjpeg", false);
    let frames = w.frames(c);
    assert!(frames.len() < 60, "some frames lost");
    assert!(frames.len() > 3, "some frames whole: {}", frames.len());
    for f in &frames {
        let k = (f.rtp_timestamp.wrapping_sub(frames[0].rtp_timestamp) / 4500) as usize;
        let _ = k;
        let s = scan(&f.jpeg);
        assert!(
            (0..source.len()).any(|i| scan(source.jpeg(i)) == s),
            "a delivered frame is always a whole source frame"
        );
    }
    let stats = w.clients[c].client.stats();
    assert!(stats.packets_lost > 0);
    assert!(stats.frames_dropped > 0);
}

#[test]
fn sessions_are_tied_to_their_connection() {
    let mut w = world(Link::default());
    let c = w.connect("clip.mjpeg", Dialect::Standard, false);
    w.clients[c].client.setup(w.now).unwrap();
    assert!(w.run_until_state(c, State::Ready, 5 * SECOND));
    let conn = w.clients[c].conn;
    let now = w.now;
    w.server.handle_disconnect(now, conn);
    w.drain();
    assert_eq!(w.server.session_count(), 0);
    assert!(w.server_events.iter().any(|(_, e)| matches!(
        e,
        ServerEvent::SessionEnded {
            reason: EndReason::Disconnected,
            ..
        }
    )));
}

#[test]
fn virtual_clock_runs_minutes_quickly() {
    let mut cfg = server_config();
    cfg.looping = true;
    let mut w = World::new(cfg, Link::default(), 11);
    w.add_clip("clip.mjpeg", clip("testsrc-640x480-420.raw.mjpeg", false));
    let c = w.connect("clip.mjpeg", Dialect::Standard, false);
    w.clients[c].client.setup(w.now).unwrap();
    assert!(w.run_until_state(c, State::Ready, 5 * SECOND));
    w.clients[c].client.play(w.now, None).unwrap();
    let start = w.now;
    w.run_for(Duration::from_secs(60));
    let n = w.frame_count(c);
    assert_eq!(n, 1200, "20 fps for a minute, looping, no drift");
    let last = w.frames(c).last().unwrap().received_at;
    assert!(last - start <= Duration::from_secs(60));
    let _: Instant = last;
}

#[test]
fn seeking_back_while_playing() {
    let mut w = world(Link::default());
    let source = sim::clip("testsrc-640x480-420.raw.mjpeg", false);
    let c = w.connect("clip.mjpeg", Dialect::Standard, false);
    w.clients[c].client.setup(w.now).unwrap();
    assert!(w.run_until_state(c, State::Ready, 5 * SECOND));
    w.clients[c].client.play(w.now, None).unwrap();
    w.run_for(SECOND + SECOND / 2);
    let before = w.frame_count(c);
    assert!(before >= 28, "{before}");
    // Back to 0.5 s: the RTP timestamps jump backwards, the sequence goes on.
    w.clients[c]
        .client
        .play(w.now, Some(Duration::from_millis(500)))
        .unwrap();
    w.run_for(SECOND / 2);
    let frames = w.frames(c);
    let after: Vec<_> = frames[before..].iter().collect();
    assert!(after.len() >= 8, "{} frames after the seek", after.len());
    // Stragglers from before the seek may come first; then frame 10 onward.
    let first = after
        .iter()
        .position(|f| scan(&f.jpeg) == scan(source.jpeg(10)))
        .expect("frame 10 arrives after seeking to 0.5 s");
    for (k, f) in after[first..].iter().enumerate() {
        assert!(
            scan(&f.jpeg) == scan(source.jpeg(10 + k)),
            "frame {} after the seek",
            10 + k
        );
    }
    assert_eq!(w.clients[c].client.stats().frames_dropped, 0);
}
