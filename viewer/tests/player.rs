//! The player pipeline on the fake runtime: commands reach the client,
//! frames are numbered, decoded off the caller's thread, and stopping
//! closes the client.

mod support;

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use stream_core::client::ClientEvent;
use stream_core::runtime::{ClientCommand, ClientOptions};
use stream_core::session::State;
use support::{FakeRuntime, Script};
use viewer::clock::Clock;
use viewer::decode::MAX_IMAGE_BYTES;
use viewer::player::{Player, PlayerConfig, PlayerEvent};

fn start(rt: &'static FakeRuntime) -> (Player, mpsc::Receiver<PlayerEvent>) {
    let (tx, rx) = mpsc::channel();
    let player = Player::start(
        rt,
        ClientOptions::from_url("rtsp://127.0.0.1:8554/sample.Mjpeg").unwrap(),
        PlayerConfig::default(),
        Clock::new(),
        Arc::new(move |e| tx.send(e).is_ok()),
    )
    .unwrap();
    (player, rx)
}

fn next(rx: &mpsc::Receiver<PlayerEvent>) -> PlayerEvent {
    rx.recv_timeout(Duration::from_secs(5)).expect("an event")
}

/// Waits for a state change to `to`, returning the events before it.
fn until_state(rx: &mpsc::Receiver<PlayerEvent>, to: State) -> Vec<PlayerEvent> {
    let mut seen = Vec::new();
    loop {
        match next(rx) {
            PlayerEvent::Client(ClientEvent::StateChanged { to: t, .. }) if t == to => {
                return seen;
            }
            e => seen.push(e),
        }
    }
}

#[test]
fn commands_frames_and_stop() {
    let rt = FakeRuntime::sample(
        100,
        Script {
            keep_open_after_teardown: true,
            ..Script::default()
        },
    )
    .leak();
    let (player, rx) = start(rt);
    assert!(matches!(next(&rx), PlayerEvent::Connected { .. }));
    assert!(player.send(ClientCommand::Setup));
    let before = until_state(&rx, State::Ready);
    assert!(matches!(
        before[..],
        [PlayerEvent::Client(ClientEvent::Described(_))]
    ));
    player.send(ClientCommand::Play);
    until_state(&rx, State::Playing);
    // Frames are numbered from 1 and decode to the sample's size.
    let mut received = Vec::new();
    let mut decoded = Vec::new();
    while decoded.len() < 5 {
        match next(&rx) {
            PlayerEvent::FrameReceived(info) => received.push(info.index),
            PlayerEvent::Decoded(f) => {
                assert_eq!((f.image.width(), f.image.height()), (640, 360));
                assert!(f.info.bytes > 1000);
                decoded.push(f.info.index);
            }
            // Under load the decoder may fall behind: skipping is allowed.
            PlayerEvent::Client(ClientEvent::Stats(_) | ClientEvent::PlayStarted { .. })
            | PlayerEvent::DecodeSkipped { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(&received[..5], &[1, 2, 3, 4, 5]);
    assert!(decoded.windows(2).all(|w| w[0] < w[1]));
    player.send(ClientCommand::Pause);
    until_state(&rx, State::Ready);
    player.send(ClientCommand::Teardown);
    until_state(&rx, State::Init);
    player.stop();
    // Stopping closed the client, and the player said it finished.
    assert_eq!(rt.transcript.lock().unwrap().closed, 1);
    let rest: Vec<_> = rx.try_iter().collect();
    assert!(
        matches!(rest.last(), Some(PlayerEvent::Finished)),
        "{rest:?}"
    );
}

#[test]
fn a_refused_connection_finishes_the_player() {
    let rt = FakeRuntime::sample(
        20,
        Script {
            refuse_connect: true,
            ..Script::default()
        },
    )
    .leak();
    let (player, rx) = start(rt);
    match next(&rx) {
        PlayerEvent::ConnectFailed { server, reason } => {
            assert_eq!(server, "127.0.0.1:8554");
            assert!(reason.starts_with("connection refused"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(next(&rx), PlayerEvent::Finished));
    player.stop();
    assert!(rx.try_recv().is_err(), "nothing after Finished");
}

#[test]
fn nobody_listening_stops_the_player() {
    let rt = FakeRuntime::sample(200, Script::default()).leak();
    let (player, rx) = start(rt);
    assert!(matches!(next(&rx), PlayerEvent::Connected { .. }));
    player.send(ClientCommand::Setup);
    player.send(ClientCommand::Play);
    drop(rx);
    // The threads notice the closed sink and end; stop() joins them.
    player.stop();
    assert_eq!(rt.transcript.lock().unwrap().closed, 1);
}

#[test]
fn a_stalled_consumer_makes_the_decoder_skip_not_pile_up() {
    let rt = FakeRuntime::sample(200, Script::default()).leak();
    let (tx, rx) = mpsc::channel();
    let player = Player::start(
        rt,
        ClientOptions::from_url("rtsp://127.0.0.1:8554/sample.Mjpeg").unwrap(),
        PlayerConfig {
            // Room for the largest picture and two more of the sample's
            // 640x360: three of them.
            max_decoded_bytes: MAX_IMAGE_BYTES + 2 * 640 * 360 * 4,
            ..PlayerConfig::default()
        },
        Clock::new(),
        Arc::new(move |e| tx.send(e).is_ok()),
    )
    .unwrap();
    assert!(matches!(next(&rx), PlayerEvent::Connected { .. }));
    player.send(ClientCommand::Setup);
    until_state(&rx, State::Ready);
    player.send(ClientCommand::Play);
    // Hold on to every decoded frame (a consumer that never lets go).
    let mut held = Vec::new();
    while held.len() < 3 {
        if let PlayerEvent::Decoded(f) = next(&rx) {
            held.push(f);
        }
    }
    // All slots taken: every further frame is skipped, none decoded.
    let mut skipped = 0;
    while skipped < 5 {
        match next(&rx) {
            PlayerEvent::Decoded(_) => panic!("decoded past the in-flight limit"),
            PlayerEvent::DecodeSkipped { .. } => skipped += 1,
            _ => {}
        }
    }
    // Letting go frees the slots: decoding resumes.
    held.clear();
    loop {
        if let PlayerEvent::Decoded(_) = next(&rx) {
            break;
        }
    }
    player.stop();
}

#[test]
fn decoded_pictures_in_flight_are_bounded_in_bytes() {
    // The sample's frames, their headers saying 4096x2304: each decodes
    // (the decoder makes up the missing data) to the largest picture.
    let mut jpeg = FakeRuntime::sample(1, Script::default()).clip[0].clone();
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0x09, 0x00, 0x10, 0x00]);
    let rt = FakeRuntime::new(vec![jpeg], 200, Script::default()).leak();
    let (player, rx) = start(rt);
    assert!(matches!(next(&rx), PlayerEvent::Connected { .. }));
    player.send(ClientCommand::Setup);
    until_state(&rx, State::Ready);
    player.send(ClientCommand::Play);
    // A consumer that holds on to every picture: the decoder stops at the
    // byte budget, seven of them.
    let budget = PlayerConfig::default().max_decoded_bytes;
    let mut held = Vec::new();
    let mut skipped_when_full = 0;
    while skipped_when_full < 20 {
        match next(&rx) {
            PlayerEvent::Decoded(f) => {
                assert_eq!((f.image.width(), f.image.height()), (4096, 2304));
                held.push(f);
                let bytes: usize = held.iter().map(|f| f.image.as_bytes().len()).sum();
                assert!(bytes <= budget, "{} pictures, {bytes} bytes", held.len());
            }
            PlayerEvent::DecodeSkipped { .. } if held.len() == 7 => skipped_when_full += 1,
            _ => {}
        }
    }
    player.stop();
}
