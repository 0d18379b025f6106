//! Test doubles: a fake [`Runtime`] whose client answers commands with the
//! right state changes and plays a lab-container clip, with scripted faults.
//! Test-only (never in the shipped binary); the `fake_window` example uses it
//! too, through `#[path]`.
#![allow(dead_code, unreachable_pub)]

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant as StdInstant};

use stream_core::Instant;
use stream_core::client::{ClientError, ClientEvent, MediaInfo, ReceivedFrame, ReceptionStats};
use stream_core::runtime::{
    ClientCommand, ClientHandle, ClientOptions, Dialect, Runtime, ServerHandle, ServerOptions,
    State,
};

/// The good frames of a clip (lab or raw container), read with the core's
/// indexer.
pub fn read_lab_clip(data: &[u8]) -> Vec<Vec<u8>> {
    let index = stream_core::mjpeg::index(data);
    (0..index.len())
        .filter_map(|i| index.frame(data, i).map(<[u8]>::to_vec))
        .collect()
}

/// The shared test media directory.
pub fn media_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/media")
}

/// The viewer's bundled sample clip.
pub fn sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.Mjpeg")
}

/// Faults the fake client can play.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// `connect` fails with ConnectionRefused.
    pub refuse_connect: bool,
    /// DESCRIBE is answered with this status (standard dialect) instead of 200.
    pub describe_status: Option<(u16, &'static str)>,
    /// SETUP is never answered: the client reports a ReplyTimeout.
    pub silent_setup: bool,
    /// Every n-th frame (1-based) is replaced by garbage.
    pub garbage_every: Option<u64>,
    /// Stop sending frames and close the connection after this many.
    pub close_after_frames: Option<u64>,
    /// Advertised duration (`a=range`) in DESCRIBE; None = live.
    pub duration: Option<Duration>,
    /// Stays connected after TEARDOWN (standard RTSP) instead of closing (lab).
    pub keep_open_after_teardown: bool,
}

/// What a fake client saw; shared with the test.
#[derive(Debug, Default)]
pub struct Transcript {
    pub servers: Vec<ServerOptions>,
    pub commands: Vec<ClientCommand>,
    pub connects: Vec<ClientOptions>,
    pub closed: u32,
}

/// A fake runtime: `connect` makes a client that plays `clip` at `fps`.
pub struct FakeRuntime {
    pub clip: Arc<Vec<Vec<u8>>>,
    pub fps: u32,
    pub script: Script,
    pub transcript: Arc<Mutex<Transcript>>,
}

impl FakeRuntime {
    pub fn new(clip: Vec<Vec<u8>>, fps: u32, script: Script) -> FakeRuntime {
        FakeRuntime {
            clip: Arc::new(clip),
            fps,
            script,
            transcript: Arc::default(),
        }
    }

    /// Plays the bundled sample.
    pub fn sample(fps: u32, script: Script) -> FakeRuntime {
        let data = std::fs::read(sample_path()).expect("sample clip");
        FakeRuntime::new(read_lab_clip(&data), fps, script)
    }

    /// A `'static` reference, as the viewer takes runtimes.
    pub fn leak(self) -> &'static FakeRuntime {
        Box::leak(Box::new(self))
    }
}

impl Runtime for FakeRuntime {
    fn name(&self) -> &'static str {
        "fake"
    }

    fn start_server(&self, options: ServerOptions) -> io::Result<ServerHandle> {
        if !options.media_dir.is_dir() {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no media dir"));
        }
        self.transcript.lock().unwrap().servers.push(options);
        let addr = SocketAddr::from(([127, 0, 0, 1], 18554));
        Ok(ServerHandle::new(addr, Box::new(|| Ok(()))))
    }

    fn connect(&self, options: ClientOptions) -> io::Result<ClientHandle> {
        self.transcript
            .lock()
            .unwrap()
            .connects
            .push(options.clone());
        if self.script.refuse_connect {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionRefused,
                "Connection refused (os error 111)",
            ));
        }
        let (cmd_tx, cmd_rx) = mpsc::channel::<Msg>();
        let (ev_tx, ev_rx) = mpsc::channel();
        let epoch = StdInstant::now();
        let sim = Sim {
            clip: self.clip.clone(),
            fps: self.fps.max(1),
            script: self.script.clone(),
            options,
            events: ev_tx,
            epoch,
            transcript: self.transcript.clone(),
        };
        let thread = thread::spawn(move || sim.run(cmd_rx));
        let close_tx = cmd_tx.clone();
        let cmd_tx = Mutex::new(cmd_tx);
        let transcript = self.transcript.clone();
        Ok(ClientHandle::new(
            Box::new(move |c| {
                cmd_tx
                    .lock()
                    .unwrap()
                    .send(Msg::Command(c))
                    .map_err(|_| io::Error::new(io::ErrorKind::NotConnected, "client stopped"))
            }),
            ev_rx,
            epoch,
            Box::new(move || {
                let _ = close_tx.send(Msg::Close);
                let _ = thread.join();
                transcript.lock().unwrap().closed += 1;
            }),
        ))
    }
}

enum Msg {
    Command(ClientCommand),
    Close,
}

struct Sim {
    clip: Arc<Vec<Vec<u8>>>,
    fps: u32,
    script: Script,
    options: ClientOptions,
    events: mpsc::Sender<ClientEvent>,
    epoch: StdInstant,
    transcript: Arc<Mutex<Transcript>>,
}

impl Sim {
    fn now(&self) -> Instant {
        Instant::from_micros(self.epoch.elapsed().as_micros() as u64)
    }

    fn emit(&self, e: ClientEvent) -> bool {
        self.events.send(e).is_ok()
    }

    fn change(&self, state: &mut State, to: State) {
        let from = *state;
        *state = to;
        self.emit(ClientEvent::StateChanged { from, to });
    }

    fn run(self, commands: mpsc::Receiver<Msg>) {
        let mut state = State::Init;
        let mut next_frame: Option<StdInstant> = None;
        let mut position: u64 = 0; // frames since the start of the clip
        let mut sent: u64 = 0;
        let mut sequence: u64 = 1000;
        // Start near the 32-bit wrap so the viewer's unwrapping is exercised.
        let ts0: u32 = u32::MAX - 90_000;
        let period = Duration::from_secs(1) / self.fps;
        let mut stats = ReceptionStats::default();
        loop {
            let wait = next_frame.map_or(Duration::from_secs(3600), |t| {
                t.saturating_duration_since(StdInstant::now())
            });
            match commands.recv_timeout(wait) {
                Ok(Msg::Close) | Err(RecvTimeoutError::Disconnected) => return,
                Ok(Msg::Command(c)) => {
                    self.transcript.lock().unwrap().commands.push(c);
                    let method = match c {
                        ClientCommand::Setup => "SETUP",
                        ClientCommand::Play | ClientCommand::Seek(_) => "PLAY",
                        ClientCommand::Pause => "PAUSE",
                        ClientCommand::Teardown => "TEARDOWN",
                    };
                    let allowed = match c {
                        ClientCommand::Setup => state == State::Init,
                        ClientCommand::Play => state == State::Ready,
                        ClientCommand::Seek(_) => state != State::Init,
                        ClientCommand::Pause => state == State::Playing,
                        ClientCommand::Teardown => state != State::Init,
                    };
                    if !allowed {
                        self.emit(ClientEvent::Error(ClientError::NotAllowed {
                            command: method,
                            state,
                        }));
                        continue;
                    }
                    match c {
                        ClientCommand::Setup => {
                            if self.script.silent_setup {
                                // A real client reports this after its reply
                                // timeout; the viewer only sees the event.
                                self.emit(ClientEvent::Error(ClientError::ReplyTimeout {
                                    method: "SETUP",
                                    timeout: self.options.timeout,
                                }));
                                continue;
                            }
                            if self.options.dialect == Dialect::Standard {
                                if let Some((status, reason)) = self.script.describe_status {
                                    self.emit(ClientEvent::RequestFailed {
                                        method: "DESCRIBE",
                                        status,
                                        reason: reason.into(),
                                    });
                                    continue;
                                }
                                self.emit(ClientEvent::Described(MediaInfo {
                                    duration: self.script.duration,
                                    framerate: Some(self.fps as f32),
                                    control: format!(
                                        "rtsp://{}:{}/{}/track1",
                                        self.options.host, self.options.port, self.options.path
                                    ),
                                }));
                            }
                            self.change(&mut state, State::Ready);
                        }
                        ClientCommand::Play => {
                            self.change(&mut state, State::Playing);
                            self.emit(ClientEvent::PlayStarted {
                                from: None,
                                first_sequence: Some(sequence as u16),
                            });
                            next_frame = Some(StdInstant::now());
                        }
                        ClientCommand::Seek(to) => {
                            position = (to.as_secs_f64() * f64::from(self.fps)) as u64;
                            // Like the core's client: PLAY answered, from any state.
                            self.change(&mut state, State::Playing);
                            self.emit(ClientEvent::PlayStarted {
                                from: Some(to),
                                first_sequence: Some(sequence as u16),
                            });
                            next_frame = Some(StdInstant::now());
                        }
                        ClientCommand::Pause => {
                            self.change(&mut state, State::Ready);
                            next_frame = None;
                        }
                        ClientCommand::Teardown => {
                            self.change(&mut state, State::Init);
                            next_frame = None;
                            if !self.script.keep_open_after_teardown {
                                self.emit(ClientEvent::Closed);
                                return;
                            }
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    let Some(due) = next_frame else { continue };
                    if self.script.close_after_frames.is_some_and(|n| sent >= n) {
                        self.emit(ClientEvent::Closed);
                        return;
                    }
                    sent += 1;
                    let clip_index = (position % self.clip.len() as u64) as usize;
                    let jpeg = if self.script.garbage_every.is_some_and(|n| sent % n == 0) {
                        b"this is not a JPEG image".to_vec()
                    } else {
                        self.clip[clip_index].clone()
                    };
                    let rtp_timestamp =
                        ts0.wrapping_add((position * 90_000 / u64::from(self.fps)) as u32);
                    stats.frames += 1;
                    stats.packets += 1;
                    stats.bytes += jpeg.len() as u64;
                    if !self.emit(ClientEvent::Frame(ReceivedFrame {
                        jpeg,
                        rtp_timestamp,
                        sequence,
                        received_at: self.now(),
                    })) {
                        return;
                    }
                    if sent % 10 == 0 {
                        stats.packets_lost = (sent / 50) as i64;
                        stats.jitter = Duration::from_micros(300 + sent % 7 * 100);
                        self.emit(ClientEvent::Stats(stats));
                    }
                    position += 1;
                    sequence += 1;
                    next_frame = Some(due + period);
                }
            }
        }
    }
}
