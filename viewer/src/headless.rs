//! `--headless`: play without a window, for scripts and CI.
//!
//! Connects, sends SETUP and PLAY, decodes frames until `frames` have
//! decoded, sends TEARDOWN (waiting at most a second for the answer) and
//! prints a summary. Output on stdout is line-based and stable:
//!
//! ```text
//! state INIT -> READY
//! state READY -> PLAYING
//! error frame 12: not a JPEG image (starts with 74 68, not FF D8)
//! state PLAYING -> INIT
//! summary frames_received=51 frames_decoded=50 packets_lost=0 jitter_ms=0.4 decode_failed=1
//! ```
//!
//! `error <text>` lines report what went wrong (also logged on stderr).
//! The run is a success only if `frames` frames decoded. It never hangs: if
//! nothing moves (no connection, no state change, no frame decoded) for the
//! `stall_timeout`, it gives up; frames that arrive but do not decode are
//! no progress.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};

use stream_core::Duration;
use stream_core::client::ClientEvent;
use stream_core::runtime::{ClientOptions, Dialect, Runtime};
use stream_core::session::State;

use crate::clock::Clock;
use crate::image::RgbaImage;
use crate::player::{Player, PlayerConfig, PlayerEvent};
use crate::record::Recorder;
use crate::session::{Action, Session, SessionConfig};

/// How a headless run goes.
#[derive(Clone)]
pub struct HeadlessConfig {
    /// Decoded frames to play before stopping.
    pub frames: u64,
    /// Where to write the last decoded frame as PNG.
    pub snapshot: Option<PathBuf>,
    /// Give up when nothing happens for this long.
    pub stall_timeout: Duration,
    /// How long to wait for TEARDOWN's answer.
    pub teardown_wait: Duration,
    /// Where to record received frames.
    pub recorder: Option<Arc<Mutex<Recorder>>>,
}

impl Default for HeadlessConfig {
    fn default() -> Self {
        HeadlessConfig {
            frames: crate::cli::DEFAULT_HEADLESS_FRAMES,
            snapshot: None,
            stall_timeout: Duration::from_secs(12),
            teardown_wait: Duration::from_secs(1),
            recorder: None,
        }
    }
}

/// What a headless run achieved.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Frames that arrived whole.
    pub frames_received: u64,
    /// Frames decoded.
    pub frames_decoded: u64,
    /// Frames that arrived but did not decode.
    pub decode_failed: u64,
    /// Packets lost (RFC 3550 A.3, from the client's last statistics).
    pub packets_lost: i64,
    /// Interarrival jitter (RFC 3550 A.8).
    pub jitter: Duration,
    /// The first thing that stopped the run early, if any.
    pub failure: Option<String>,
    /// Whether the requested number of frames decoded.
    pub success: bool,
}

impl Summary {
    /// The final line: `summary frames_received=N frames_decoded=N
    /// packets_lost=N jitter_ms=X.X decode_failed=N`.
    pub fn line(&self) -> String {
        format!(
            "summary frames_received={} frames_decoded={} packets_lost={} jitter_ms={:.1} decode_failed={}",
            self.frames_received,
            self.frames_decoded,
            self.packets_lost,
            self.jitter.as_secs_f64() * 1e3,
            self.decode_failed
        )
    }
}

/// Runs headless, writing the lines to `out`; `Err` only if `out` fails.
pub fn run(
    runtime: &'static dyn Runtime,
    options: ClientOptions,
    config: HeadlessConfig,
    out: &mut dyn Write,
) -> io::Result<Summary> {
    let clock = Clock::new();
    let (tx, rx) = mpsc::channel::<PlayerEvent>();
    let sink = Arc::new(move |e: PlayerEvent| tx.send(e).is_ok());
    let can_seek = options.dialect == Dialect::Standard;
    let player_config = PlayerConfig {
        recorder: config.recorder.clone(),
        ..PlayerConfig::default()
    };
    let player = match Player::start(runtime, options, player_config, clock, sink) {
        Ok(p) => p,
        Err(e) => {
            let failure = format!("cannot start the client thread: {e}");
            writeln!(out, "error {failure}")?;
            let summary = Summary {
                frames_received: 0,
                frames_decoded: 0,
                decode_failed: 0,
                packets_lost: 0,
                jitter: Duration::ZERO,
                failure: Some(failure),
                success: false,
            };
            writeln!(out, "{}", summary.line())?;
            return Ok(summary);
        }
    };
    let mut session = Session::new(SessionConfig {
        autoplay: true,
        can_seek,
        ..SessionConfig::default()
    });
    let mut last_image: Option<RgbaImage> = None;
    let mut failure: Option<String> = None;
    let mut finished = false;
    let mut last_progress = clock.now();

    while !finished && failure.is_none() && session.counters().frames_decoded < config.frames {
        let wait = (last_progress + config.stall_timeout).saturating_duration_since(clock.now());
        let event = match rx.recv_timeout(wait) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => {
                let what = match session.state() {
                    State::Playing => "no frame decoded",
                    _ => "no progress",
                };
                let counters = session.counters();
                failure = Some(format!(
                    "{what} within {:.1} s ({} frames decoded of {}; {} received, {} failed to decode)",
                    config.stall_timeout.as_secs_f64(),
                    counters.frames_decoded,
                    config.frames,
                    counters.frames_received,
                    counters.decode_failed,
                ));
                break;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let now = clock.now();
        if is_progress(&event) {
            last_progress = now;
        }
        print_event(out, &event)?;
        failure = fatal(&event, &session, config.frames);
        finished = matches!(event, PlayerEvent::Finished);
        for action in session.handle(now, &event) {
            if let Action::Send(command) = action {
                player.send(command);
            }
        }
        if let PlayerEvent::Decoded(frame) = event {
            last_image = Some(frame.image);
        }
    }
    if let Some(f) = &failure {
        writeln!(out, "error {f}")?;
    }

    // TEARDOWN (also while SETUP is unanswered), waiting briefly for the
    // session to be torn down.
    let teardown = if finished {
        None
    } else {
        session.close(clock.now())
    };
    if let Some(command) = teardown {
        player.send(command);
        let deadline = clock.now() + config.teardown_wait;
        loop {
            let wait = deadline.saturating_duration_since(clock.now());
            let Ok(event) = rx.recv_timeout(wait) else {
                break;
            };
            let failed = matches!(
                event,
                PlayerEvent::Client(ClientEvent::RequestFailed { .. })
            );
            if !matches!(
                event,
                PlayerEvent::Decoded(_) | PlayerEvent::FrameReceived(_)
            ) {
                print_event(out, &event)?;
            }
            session.handle(clock.now(), &event);
            if failed || session.torn_down() {
                break;
            }
        }
    }
    player.stop();

    let counters = *session.counters();
    let success = counters.frames_decoded >= config.frames;
    if let Some(path) = &config.snapshot {
        match &last_image {
            Some(image) => {
                if let Err(e) = image.write_png(path) {
                    writeln!(out, "error cannot write snapshot {}: {e}", path.display())?;
                    tracing::error!("cannot write snapshot {}: {e}", path.display());
                } else {
                    tracing::info!(
                        "snapshot {}x{} written to {}",
                        image.width(),
                        image.height(),
                        path.display()
                    );
                }
            }
            None => writeln!(out, "error no frame decoded, no snapshot written")?,
        }
    }
    let reception = session.reception();
    let summary = Summary {
        frames_received: counters.frames_received,
        frames_decoded: counters.frames_decoded,
        decode_failed: counters.decode_failed,
        packets_lost: reception.packets_lost,
        jitter: reception.jitter,
        failure,
        success,
    };
    writeln!(out, "{}", summary.line())?;
    out.flush()?;
    Ok(summary)
}

fn is_progress(event: &PlayerEvent) -> bool {
    matches!(
        event,
        PlayerEvent::Connected { .. }
            | PlayerEvent::Decoded(_)
            | PlayerEvent::Client(ClientEvent::StateChanged { .. })
            | PlayerEvent::Client(ClientEvent::Described(_))
    )
}

/// Prints the stable lines for an event.
fn print_event(out: &mut dyn Write, event: &PlayerEvent) -> io::Result<()> {
    match event {
        PlayerEvent::Client(ClientEvent::StateChanged { from, to }) => {
            writeln!(out, "state {from} -> {to}")
        }
        PlayerEvent::DecodeFailed { index, reason } => {
            writeln!(out, "error frame {index}: {reason}")
        }
        PlayerEvent::RecordFailed { reason } => writeln!(out, "error recording: {reason}"),
        _ => Ok(()),
    }
}

/// Whether `event` ends a headless run early, and why.
fn fatal(event: &PlayerEvent, session: &Session, frames: u64) -> Option<String> {
    match event {
        PlayerEvent::ConnectFailed { server, reason } => {
            Some(format!("cannot connect to {server}: {reason}"))
        }
        PlayerEvent::Client(ClientEvent::RequestFailed {
            method,
            status,
            reason,
        }) => Some(format!("{method} failed: {status} {reason}")),
        PlayerEvent::Client(ClientEvent::Error(e)) => {
            Some(crate::session::describe_client_error(e))
        }
        PlayerEvent::Client(ClientEvent::EndOfStream) => Some(format!(
            "the stream ended after {} of {frames} frames",
            session.counters().frames_decoded
        )),
        PlayerEvent::Client(ClientEvent::Closed) => Some(format!(
            "the connection closed after {} of {frames} frames",
            session.counters().frames_decoded
        )),
        PlayerEvent::CommandFailed { command, reason } => {
            Some(format!("{command:?} not sent: {reason}"))
        }
        _ => None,
    }
}
