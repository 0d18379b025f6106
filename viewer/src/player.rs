//! The pipeline between a runtime's client and the UI: connect, forward
//! events, record, decode off the UI thread.
//!
//! A [`Player`] owns two threads:
//! - the **client thread** connects (blocking, bounded by the client's
//!   timeout), owns the [`ClientHandle`], forwards commands to it and its
//!   events to the sink, numbers arriving frames, appends them to the
//!   recording and hands them to the decoder;
//! - the **decoder thread** turns JPEG into RGBA ([`decode_jpeg`]) and
//!   sends the picture (or "frame N: reason") to the sink.
//!
//! The decoder's queue is short ([`PlayerConfig::decode_queue`]): when
//! decoding falls behind, new frames are skipped (and reported) instead of
//! piling up, so memory stays bounded and the picture stays current. The
//! decoded pictures alive at once are bounded in bytes
//! ([`PlayerConfig::max_decoded_bytes`]): a frame is decoded only if a
//! picture of the largest size the decoder accepts
//! ([`crate::decode::MAX_IMAGE_BYTES`]) still fits, and then holds what its
//! picture really takes. So the pictures never take more than that budget,
//! plus the decoder's working memory for the one frame it is decoding.
//!
//! The sink is any `Fn(PlayerEvent) -> bool` (a winit `EventLoopProxy`, an
//! mpsc `Sender`); returning `false` means nobody listens any more, and
//! the player winds down.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use stream_core::runtime::{ClientCommand, ClientEvent, ClientHandle, ClientOptions, Runtime};
use stream_core::{Duration, Instant};

use crate::clock::Clock;
use crate::decode::{MAX_IMAGE_BYTES, decode_jpeg};
use crate::image::RgbaImage;
use crate::record::Recorder;

/// What the UI learns about one received frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameInfo {
    /// 1 for the first frame this player received, then 2, 3, ...
    pub index: u64,
    /// Size of the JPEG in bytes.
    pub bytes: usize,
    /// RTP timestamp (90 kHz).
    pub rtp_timestamp: u32,
    /// Extended RTP sequence number of its first packet.
    pub sequence: u64,
    /// When it arrived, on the viewer's [`Clock`].
    pub received_at: Instant,
}

/// A decoded frame.
///
/// Its picture's bytes count against [`PlayerConfig::max_decoded_bytes`]
/// until it is dropped (or its `image` moved out), so a consumer that falls
/// behind makes the decoder skip frames instead of piling up pictures.
#[derive(Debug)]
pub struct DecodedFrame {
    /// Which frame.
    pub info: FrameInfo,
    /// The picture.
    pub image: RgbaImage,
    /// How long decoding took.
    pub decode_time: std::time::Duration,
    _slot: InFlightSlot,
}

/// Bytes of a decoded picture, counted as in flight until dropped.
#[derive(Debug)]
struct InFlightSlot {
    counter: Arc<AtomicUsize>,
    bytes: usize,
}

impl InFlightSlot {
    /// Reserves `bytes` if the total stays within `max`.
    fn take(counter: &Arc<AtomicUsize>, bytes: usize, max: usize) -> Option<InFlightSlot> {
        counter
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                n.checked_add(bytes).filter(|total| *total <= max)
            })
            .ok()
            .map(|_| InFlightSlot {
                counter: counter.clone(),
                bytes,
            })
    }

    /// Gives back what is reserved beyond `bytes`.
    fn shrink_to(&mut self, bytes: usize) {
        let spare = self.bytes.saturating_sub(bytes);
        self.counter.fetch_sub(spare, Ordering::AcqRel);
        self.bytes -= spare;
    }
}

impl Drop for InFlightSlot {
    fn drop(&mut self) {
        self.counter.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

/// Everything a [`Player`] reports, in the order it happened per thread.
#[derive(Debug)]
#[non_exhaustive]
pub enum PlayerEvent {
    /// The connection to the server is up; commands can be sent.
    Connected {
        /// `host:port` as given.
        server: String,
    },
    /// The connection could not be made; the player has finished.
    ConnectFailed {
        /// `host:port` as given.
        server: String,
        /// Why, in words.
        reason: String,
    },
    /// An event from the client (never `Frame`: see the next variants).
    Client(ClientEvent),
    /// A frame arrived whole and went to the decoder.
    FrameReceived(FrameInfo),
    /// A frame decoded.
    Decoded(DecodedFrame),
    /// A frame did not decode; the last good picture stays up.
    DecodeFailed {
        /// Which frame.
        index: u64,
        /// Why.
        reason: String,
    },
    /// The decoder was busy (or too many decoded frames were waiting to be
    /// shown) and this frame was not decoded.
    DecodeSkipped {
        /// Which frame.
        index: u64,
    },
    /// Writing the recording failed (recording continues with the next frame).
    RecordFailed {
        /// Why.
        reason: String,
    },
    /// A command could not be handed to the client (it has stopped).
    CommandFailed {
        /// The command.
        command: ClientCommand,
        /// Why.
        reason: String,
    },
    /// The player's threads have ended; nothing follows.
    Finished,
}

/// Where a player's events go; `false` means "nobody listens".
pub type EventSink = Arc<dyn Fn(PlayerEvent) -> bool + Send + Sync>;

/// Tuning of a [`Player`].
#[derive(Clone)]
pub struct PlayerConfig {
    /// Frames waiting for the decoder at most (newer ones are skipped).
    pub decode_queue: usize,
    /// Bytes of decoded pictures alive at most (sent and not yet dropped
    /// by the consumer); the decoder skips frames unless a picture of
    /// [`MAX_IMAGE_BYTES`] still fits (a smaller budget counts as that
    /// much). Bounds memory if the consumer stalls: the event channel
    /// itself is unbounded.
    pub max_decoded_bytes: usize,
    /// How often the client thread checks for commands while no event comes.
    pub command_poll: Duration,
    /// Where received frames are appended, if recording.
    pub recorder: Option<Arc<Mutex<Recorder>>>,
}

impl Default for PlayerConfig {
    fn default() -> Self {
        PlayerConfig {
            decode_queue: 2,
            // 7 of the largest pictures, 28 at 1920x1080.
            max_decoded_bytes: 256 << 20,
            command_poll: Duration::from_millis(10),
            recorder: None,
        }
    }
}

enum Input {
    Command(ClientCommand),
    Stop,
}

/// A connection being played: the client thread and its decoder.
pub struct Player {
    inputs: mpsc::Sender<Input>,
    thread: Option<JoinHandle<()>>,
}

impl Player {
    /// Starts connecting to `options` with `runtime` and returns at once;
    /// [`PlayerEvent::Connected`] or [`PlayerEvent::ConnectFailed`] follows.
    pub fn start(
        runtime: &'static dyn Runtime,
        options: ClientOptions,
        config: PlayerConfig,
        clock: Clock,
        sink: EventSink,
    ) -> io::Result<Player> {
        let (inputs, input_rx) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("viewer-client".into())
            .spawn(move || client_thread(runtime, options, config, clock, sink, input_rx))?;
        Ok(Player {
            inputs,
            thread: Some(thread),
        })
    }

    /// Queues a command for the client; `false` if the player has finished.
    pub fn send(&self, command: ClientCommand) -> bool {
        self.inputs.send(Input::Command(command)).is_ok()
    }

    /// Stops the client (without TEARDOWN: send it first and wait for the
    /// state change) and waits for both threads to end.
    pub fn stop(mut self) {
        self.stop_and_join();
    }

    /// Asks the threads to stop without waiting for them (for exiting while
    /// a connection attempt may still block for its whole timeout).
    pub fn detach(mut self) {
        let _ = self.inputs.send(Input::Stop);
        self.thread.take();
    }

    fn stop_and_join(&mut self) {
        let _ = self.inputs.send(Input::Stop);
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the client thread panicked");
            }
        }
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

fn client_thread(
    runtime: &'static dyn Runtime,
    options: ClientOptions,
    config: PlayerConfig,
    clock: Clock,
    sink: EventSink,
    inputs: mpsc::Receiver<Input>,
) {
    let server = format!("{}:{}", options.host, options.port);
    let handle = match runtime.connect(options) {
        Ok(handle) => handle,
        Err(e) => {
            sink(PlayerEvent::ConnectFailed {
                server,
                reason: describe_io_error(&e),
            });
            sink(PlayerEvent::Finished);
            return;
        }
    };
    if !sink(PlayerEvent::Connected { server }) {
        handle.close();
        return;
    }
    let (jobs, decoder) =
        match spawn_decoder(config.decode_queue, config.max_decoded_bytes, sink.clone()) {
            Ok(d) => d,
            Err(e) => {
                sink(PlayerEvent::Client(ClientEvent::Error(
                    stream_core::client::ClientError::Transport(format!(
                        "cannot start the decoder thread: {e}"
                    )),
                )));
                handle.close();
                sink(PlayerEvent::Finished);
                return;
            }
        };
    pump(&handle, &inputs, &config, clock, &sink, &jobs);
    drop(jobs);
    if decoder.join().is_err() {
        tracing::error!("the decoder thread panicked");
    }
    if let Some(recorder) = &config.recorder {
        if let Ok(mut r) = recorder.lock() {
            if let Err(e) = r.flush() {
                sink(PlayerEvent::RecordFailed {
                    reason: e.to_string(),
                });
            }
        }
    }
    handle.close();
    sink(PlayerEvent::Finished);
}

/// The client thread's loop; returns when the client closes, the UI asks
/// to stop, or nobody listens.
fn pump(
    handle: &ClientHandle,
    inputs: &mpsc::Receiver<Input>,
    config: &PlayerConfig,
    clock: Clock,
    sink: &EventSink,
    jobs: &mpsc::SyncSender<Job>,
) {
    let mut index = 0u64;
    loop {
        loop {
            match inputs.try_recv() {
                Ok(Input::Command(command)) => {
                    if let Err(e) = handle.send(command) {
                        sink(PlayerEvent::CommandFailed {
                            command,
                            reason: e.to_string(),
                        });
                    }
                }
                Ok(Input::Stop) | Err(TryRecvError::Disconnected) => return,
                Err(TryRecvError::Empty) => break,
            }
        }
        let listening = match handle.events().recv_timeout(config.command_poll) {
            Ok(ClientEvent::Frame(frame)) => {
                index += 1;
                let info = FrameInfo {
                    index,
                    bytes: frame.jpeg.len(),
                    rtp_timestamp: frame.rtp_timestamp,
                    sequence: frame.sequence,
                    received_at: clock.from_std(handle.to_std_instant(frame.received_at)),
                };
                if let Some(recorder) = &config.recorder {
                    let result = match recorder.lock() {
                        Ok(mut r) => r.write_frame(&frame.jpeg),
                        Err(_) => Err(io::Error::other("recorder lock poisoned")),
                    };
                    if let Err(e) = result {
                        sink(PlayerEvent::RecordFailed {
                            reason: format!("frame {index}: {e}"),
                        });
                    }
                }
                let listening = sink(PlayerEvent::FrameReceived(info));
                match jobs.try_send(Job {
                    info,
                    jpeg: frame.jpeg,
                }) {
                    Ok(()) => listening,
                    Err(TrySendError::Full(_)) => sink(PlayerEvent::DecodeSkipped { index }),
                    Err(TrySendError::Disconnected(_)) => false,
                }
            }
            Ok(ClientEvent::Closed) => {
                sink(PlayerEvent::Client(ClientEvent::Closed));
                return;
            }
            Ok(event) => sink(PlayerEvent::Client(event)),
            Err(RecvTimeoutError::Timeout) => true,
            Err(RecvTimeoutError::Disconnected) => {
                // The runtime dropped its side without saying Closed.
                sink(PlayerEvent::Client(ClientEvent::Error(
                    stream_core::client::ClientError::Transport(
                        "the client stopped without closing".into(),
                    ),
                )));
                sink(PlayerEvent::Client(ClientEvent::Closed));
                return;
            }
        };
        if !listening {
            return;
        }
    }
}

struct Job {
    info: FrameInfo,
    jpeg: Vec<u8>,
}

fn spawn_decoder(
    capacity: usize,
    max_bytes: usize,
    sink: EventSink,
) -> io::Result<(mpsc::SyncSender<Job>, JoinHandle<()>)> {
    let (tx, rx) = mpsc::sync_channel::<Job>(capacity.max(1));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let thread = thread::Builder::new()
        .name("viewer-decoder".into())
        .spawn(move || {
            for job in rx {
                let max = max_bytes.max(MAX_IMAGE_BYTES);
                let Some(mut slot) = InFlightSlot::take(&in_flight, MAX_IMAGE_BYTES, max) else {
                    if !sink(PlayerEvent::DecodeSkipped {
                        index: job.info.index,
                    }) {
                        return;
                    }
                    continue;
                };
                let started = std::time::Instant::now();
                let event = match decode_jpeg(&job.jpeg) {
                    Ok(image) => {
                        slot.shrink_to(image.as_bytes().len());
                        PlayerEvent::Decoded(DecodedFrame {
                            info: job.info,
                            image,
                            decode_time: started.elapsed(),
                            _slot: slot,
                        })
                    }
                    Err(e) => PlayerEvent::DecodeFailed {
                        index: job.info.index,
                        reason: e.to_string(),
                    },
                };
                if !sink(event) {
                    return;
                }
            }
        })?;
    Ok((tx, thread))
}

/// An `io::Error` from connecting, in words a user understands.
pub fn describe_io_error(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => {
            format!("connection refused (is the server running?): {e}")
        }
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
            format!("connection timed out: {e}")
        }
        io::ErrorKind::NotFound => format!("host not found: {e}"),
        _ => e.to_string(),
    }
}
