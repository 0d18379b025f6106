//! The RTSP client as one sans-IO object: one connection, one media session.

use alloc::string::String;
use alloc::vec::Vec;

use crate::session::State;
use crate::time::{Duration, Instant};

/// How the client asks for RTP to travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientTransport {
    /// RTP over UDP to `rtp_port` (RTCP on `rtp_port + 1`). 0 lets the shell
    /// pick a free even port before it builds the client.
    Udp {
        /// The local RTP port.
        rtp_port: u16,
    },
    /// RTP and RTCP interleaved on the RTSP connection (channels 0 and 1).
    Tcp,
}

/// What the server told us about the stream (from DESCRIBE's SDP).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MediaInfo {
    /// Length of the presentation, if the server gave one (`a=range:npt=0-…`).
    pub duration: Option<Duration>,
    /// Frames per second, if given (`a=framerate`).
    pub framerate: Option<f32>,
    /// The URL SETUP was sent to (the stream's control URL).
    pub control: String,
}

/// A whole JPEG frame reassembled from RTP.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedFrame {
    /// A complete JPEG image (SOI to EOI).
    pub jpeg: Vec<u8>,
    /// The frame's RTP timestamp (90 kHz clock).
    pub rtp_timestamp: u32,
    /// Extended RTP sequence number of the frame's first packet.
    pub sequence: u64,
    /// When its last packet arrived.
    pub received_at: Instant,
}

/// Reception statistics (RFC 3550 Section 6.4.1 and Appendix A).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ReceptionStats {
    /// Whole frames delivered.
    pub frames: u64,
    /// Frames dropped because packets were missing or inconsistent.
    pub frames_dropped: u64,
    /// RTP packets received (duplicates included).
    pub packets: u64,
    /// Packets expected but not received (RFC 3550 A.3; negative with duplicates).
    pub packets_lost: i64,
    /// Duplicate packets.
    pub duplicates: u64,
    /// Packets that arrived out of order.
    pub reordered: u64,
    /// Payload bytes received.
    pub bytes: u64,
    /// Interarrival jitter (RFC 3550 A.8), converted from timestamp units.
    pub jitter: Duration,
}

/// Something the client wants its owner to know about.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The session moved between states.
    StateChanged {
        /// Previous state.
        from: State,
        /// New state.
        to: State,
    },
    /// DESCRIBE answered; the stream is known.
    Described(MediaInfo),
    /// A PLAY succeeded: frames from `from` on follow, those whose packets
    /// overtook the reply included. When the server said `first_sequence`,
    /// packets sent before it are dropped; otherwise frames in flight from
    /// before a seek may still arrive.
    PlayStarted {
        /// Where the server says playback starts (its `Range:` reply).
        from: Option<Duration>,
        /// The RTP sequence number of the first packet of the range (RTP-Info).
        first_sequence: Option<u16>,
    },
    /// The server said the stream is over (RTCP BYE).
    EndOfStream,
    /// A frame arrived whole.
    Frame(ReceivedFrame),
    /// Periodic statistics.
    Stats(ReceptionStats),
    /// The server answered a request with an error status.
    RequestFailed {
        /// The request's method.
        method: &'static str,
        /// The status code.
        status: u16,
        /// The reason phrase.
        reason: String,
    },
    /// Something went wrong that is not an error reply.
    Error(ClientError),
    /// The connection is finished (after TEARDOWN, or lost); nothing more follows.
    Closed,
}

/// Client-side failures other than error replies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// No reply to a request within the reply timeout.
    #[error("no reply to {method} within {timeout:?}")]
    ReplyTimeout {
        /// The request's method.
        method: &'static str,
        /// How long we waited.
        timeout: Duration,
    },
    /// The server sent something we cannot parse or use.
    #[error("bad reply from server: {0}")]
    BadReply(String),
    /// A command that the current state does not allow.
    #[error("{command} is not allowed in state {state}")]
    NotAllowed {
        /// The command.
        command: &'static str,
        /// The state it was given in.
        state: State,
    },
    /// The transport (connection, sockets) failed; set by the shell.
    #[error("connection: {0}")]
    Transport(String),
}

// ---------------------------------------------------------------------------
// The client object.

use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::ToString;
use core::net::SocketAddr;

use crate::jpeg::rfc2435::{Depacketizer, DepacketizerConfig};
use crate::rtp::RtpPacket;
use crate::rtp::rtcp::{self, Bye, ReceiverReport, Report, RtcpPacket};
use crate::rtp::stats::{PacketVerdict, ReceiverStats};
use crate::rtsp::{
    LineEnding, Message, MessageWriter, Method, ParseOptions, Request, Response, Status,
    StatusCode, parse, resolve_control, write_interleaved,
};
use crate::sdp::parse_sdp;
use crate::session::Dialect;
use crate::session::transition::client_transition;

/// How a client behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// What to play. Standard dialect: the presentation's absolute URL
    /// (`rtsp://host:port/clip.Mjpeg`). Lab dialect: the bare file name.
    pub url: String,
    /// Which RTSP to speak.
    pub dialect: Dialect,
    /// How RTP should travel. A UDP port must be the one actually bound.
    pub transport: ClientTransport,
    /// The server's address (RTCP goes to its IP; RTP is accepted only from it).
    pub server: SocketAddr,
    /// `User-Agent` header value.
    pub user_agent: String,
    /// RTCP SDES CNAME.
    pub cname: String,
    /// How long to wait for each reply.
    pub reply_timeout: Duration,
    /// How often to emit [`ClientEvent::Stats`] while playing.
    pub stats_interval: Duration,
    /// How often to send RTCP receiver reports (RFC 3550 Section 6.2).
    pub rtcp_interval: Duration,
    /// Silence that completes an unterminated lab-dialect reply.
    pub lab_tail_delay: Duration,
    /// Largest reassembled frame.
    pub max_frame_len: usize,
}

impl ClientConfig {
    /// A configuration with defaults for everything but what to play and how.
    pub fn new(
        url: &str,
        dialect: Dialect,
        transport: ClientTransport,
        server: SocketAddr,
    ) -> ClientConfig {
        ClientConfig {
            url: url.to_string(),
            dialect,
            transport,
            server,
            user_agent: String::from(concat!("stream-core/", env!("CARGO_PKG_VERSION"))),
            cname: String::from("stream-core-client"),
            reply_timeout: Duration::from_secs(10),
            stats_interval: Duration::from_secs(1),
            rtcp_interval: Duration::from_secs(5),
            lab_tail_delay: Duration::from_millis(20),
            max_frame_len: 16 * 1024 * 1024,
        }
    }
}

/// The client's two UDP sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientSocket {
    /// Receives RTP.
    Rtp,
    /// Sends and receives RTCP.
    Rtcp,
}

/// Something to send; the bytes are in the buffer given to
/// [`Client::poll_transmit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientTransmit {
    /// Write to the RTSP connection.
    Stream,
    /// Send a datagram from `socket` to `destination`.
    Datagram {
        /// Which socket.
        socket: ClientSocket,
        /// Where to.
        destination: SocketAddr,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Command {
    Setup,
    Play(Option<Duration>),
    Pause,
    Teardown,
}

impl Command {
    fn method(self) -> Method {
        match self {
            Command::Setup => Method::Setup,
            Command::Play(_) => Method::Play,
            Command::Pause => Method::Pause,
            Command::Teardown => Method::Teardown,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct InFlight {
    cseq: u32,
    method: Method,
    deadline: Instant,
    /// A keepalive: failures switch the keepalive method, nothing else.
    keepalive: bool,
}

/// Most commands that may wait behind a request in flight.
const MAX_QUEUED: usize = 8;
/// Most RTP packets, and bytes of them, held while a PLAY is in flight (the
/// oldest go first): a few frames' worth, for the reply's round trip.
const MAX_HELD: usize = 1024;
const MAX_HELD_BYTES: usize = 2 * 1024 * 1024;
/// Cap on RTSP input left incomplete after parsing (the parser's limits
/// already bound it: a reply head plus its body, or one interleaved frame).
const MAX_INPUT: usize = 256 * 1024;

/// An RTSP client for one stream, as a sans-IO object.
///
/// Commands ([`setup`](Self::setup), [`play`](Self::play), ...) queue
/// requests; inputs feed it what arrives; after each, drain
/// [`poll_transmit`](Self::poll_transmit), then [`poll_timeout`](Self::poll_timeout),
/// then [`poll_event`](Self::poll_event). One request is in flight at a time
/// (RFC 2326 allows pipelining; the lab's server does not).
pub struct Client {
    config: ClientConfig,
    state: State,
    next_cseq: u32,
    in_flight: Option<InFlight>,
    queue: VecDeque<Command>,
    /// DESCRIBE done; SETUP follows as part of the same command.
    described: bool,
    /// The stream's control URL (SETUP goes there).
    control: String,
    /// The presentation's aggregate control URL (PLAY, PAUSE, TEARDOWN and
    /// keepalives go there; some servers, gst-rtsp-server among them,
    /// answer 460 to those on a stream URL).
    aggregate: String,
    payload_type: u8,
    session: Option<String>,
    session_timeout: Duration,
    keepalive_method: Method,
    keepalive_at: Option<Instant>,
    server_rtp: Option<SocketAddr>,
    server_rtcp: Option<SocketAddr>,
    channels: (u8, u8),
    /// RTP that arrived while a PLAY was in flight, with its arrival time:
    /// taken after the reply (see `range_start`).
    held: VecDeque<(Instant, Vec<u8>)>,
    /// The first sequence number of the current PLAY range (the reply's
    /// RTP-Info): older packets were sent before it and are dropped.
    range_start: Option<u16>,
    input: Vec<u8>,
    last_input: Instant,
    /// The input left after the last lab tail was read as complete: a
    /// pause no longer completes it, only new bytes can.
    tail_read: bool,
    stream_out: Vec<u8>,
    datagrams: VecDeque<(ClientSocket, SocketAddr, Vec<u8>)>,
    events: VecDeque<ClientEvent>,
    ssrc: u32,
    server_ssrc: Option<u32>,
    last_sr: Option<(u32, Instant)>,
    receiver: ReceiverStats,
    depacketizer: Depacketizer,
    last_lab_sequence: Option<u64>,
    frames: u64,
    frames_dropped: u64,
    next_rr: Option<Instant>,
    next_stats: Option<Instant>,
    closed: bool,
}

impl Client {
    /// A client that has not sent anything yet. `ssrc` should be random
    /// (RFC 3550 Section 8.1); it names us in receiver reports.
    pub fn new(config: ClientConfig, now: Instant, ssrc: u32) -> Client {
        let control = config.url.clone();
        let aggregate = config.url.clone();
        let depacketizer = Depacketizer::new(DepacketizerConfig {
            max_frame_len: config.max_frame_len,
        });
        Client {
            state: State::Init,
            next_cseq: 1,
            in_flight: None,
            queue: VecDeque::new(),
            described: false,
            control,
            aggregate,
            payload_type: 26,
            session: None,
            session_timeout: Duration::from_secs(60),
            keepalive_method: Method::GetParameter,
            keepalive_at: None,
            server_rtp: None,
            server_rtcp: None,
            channels: (0, 1),
            held: VecDeque::new(),
            range_start: None,
            input: Vec::new(),
            last_input: now,
            tail_read: false,
            stream_out: Vec::new(),
            datagrams: VecDeque::new(),
            events: VecDeque::new(),
            ssrc,
            server_ssrc: None,
            last_sr: None,
            receiver: ReceiverStats::new(90_000),
            depacketizer,
            last_lab_sequence: None,
            frames: 0,
            frames_dropped: 0,
            next_rr: None,
            next_stats: None,
            closed: false,
            config,
        }
    }

    /// The session state as the client sees it.
    pub fn state(&self) -> State {
        self.state
    }

    /// The session id, once SETUP succeeded.
    pub fn session_id(&self) -> Option<&str> {
        self.session.as_deref()
    }

    /// Whether the connection is finished.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Reception statistics so far.
    pub fn stats(&self) -> ReceptionStats {
        ReceptionStats {
            frames: self.frames,
            frames_dropped: self.frames_dropped + self.depacketizer.stats().frames_dropped,
            packets: self.receiver.received(),
            packets_lost: self.receiver.lost(),
            duplicates: self.receiver.duplicates(),
            reordered: self.receiver.reordered(),
            bytes: self.receiver.payload_bytes(),
            jitter: self.receiver.jitter_duration(),
        }
    }

    // ---- commands -----------------------------------------------------

    /// Sets the stream up: DESCRIBE then SETUP (standard), or SETUP (lab).
    pub fn setup(&mut self, now: Instant) -> Result<(), ClientError> {
        self.command(now, Command::Setup)
    }

    /// PLAY, from `from` (media time) when given: `Range: npt=<from>-`.
    pub fn play(&mut self, now: Instant, from: Option<Duration>) -> Result<(), ClientError> {
        self.command(now, Command::Play(from))
    }

    /// PAUSE.
    pub fn pause(&mut self, now: Instant) -> Result<(), ClientError> {
        self.command(now, Command::Pause)
    }

    /// TEARDOWN.
    pub fn teardown(&mut self, now: Instant) -> Result<(), ClientError> {
        self.command(now, Command::Teardown)
    }

    fn command(&mut self, now: Instant, cmd: Command) -> Result<(), ClientError> {
        if self.closed {
            return Err(ClientError::Transport(String::from("connection closed")));
        }
        if self.in_flight.is_some() || !self.queue.is_empty() {
            if self.queue.len() >= MAX_QUEUED {
                return Err(ClientError::NotAllowed {
                    command: cmd.method().as_str(),
                    state: self.state,
                });
            }
            self.queue.push_back(cmd);
            return Ok(());
        }
        self.start(now, cmd)
    }

    fn start(&mut self, now: Instant, cmd: Command) -> Result<(), ClientError> {
        if client_transition(self.state, cmd.method()).is_none() {
            return Err(ClientError::NotAllowed {
                command: cmd.method().as_str(),
                state: self.state,
            });
        }
        match cmd {
            Command::Setup if self.config.dialect == Dialect::Standard && !self.described => {
                self.send_request(now, Method::Describe, None, false);
            }
            Command::Setup => self.send_request(now, Method::Setup, None, false),
            Command::Play(from) => self.send_request(now, Method::Play, from, false),
            Command::Pause => self.send_request(now, Method::Pause, None, false),
            Command::Teardown => self.send_request(now, Method::Teardown, None, false),
        }
        Ok(())
    }

    /// After a request: RTP held while a PLAY was in flight goes on, then
    /// the next command.
    fn next_queued(&mut self, now: Instant) {
        for (at, packet) in core::mem::take(&mut self.held) {
            self.handle_rtp(at, &packet);
        }
        while self.in_flight.is_none() {
            let Some(cmd) = self.queue.pop_front() else {
                return;
            };
            if let Err(e) = self.start(now, cmd) {
                self.events.push_back(ClientEvent::Error(e));
            }
        }
    }

    fn send_request(
        &mut self,
        now: Instant,
        method: Method,
        range: Option<Duration>,
        keepalive: bool,
    ) {
        let cseq = self.next_cseq;
        self.next_cseq = self.next_cseq.wrapping_add(1);
        let lab = self.config.dialect == Dialect::Lab;
        let uri = match method {
            Method::Describe => self.config.url.clone(),
            Method::Setup => self.control.clone(),
            _ if lab => self.config.url.clone(),
            _ => self.aggregate.clone(),
        };
        let ending = if lab {
            LineEnding::Lf
        } else {
            LineEnding::CrLf
        };
        let mut w = MessageWriter::request(&mut self.stream_out, method, &uri, ending);
        w.header("CSeq", cseq);
        if lab {
            // Exactly the lab client's lines: CSeq, then Transport or Session.
            match method {
                Method::Setup => {
                    if let ClientTransport::Udp { rtp_port } = self.config.transport {
                        w.header("Transport", format!("RTP/UDP; client_port= {rtp_port}"));
                    }
                }
                _ => {
                    w.header("Session", self.session.as_deref().unwrap_or("0"));
                }
            }
            w.finish_unterminated();
        } else {
            if let Some(s) = &self.session {
                if method != Method::Setup || self.state != State::Init {
                    w.header("Session", s);
                }
            }
            w.header("User-Agent", &self.config.user_agent);
            match method {
                Method::Describe => {
                    w.header("Accept", "application/sdp");
                }
                Method::Setup => {
                    let t = match self.config.transport {
                        ClientTransport::Udp { rtp_port } => {
                            format!(
                                "RTP/AVP;unicast;client_port={}-{}",
                                rtp_port,
                                rtp_port.wrapping_add(1)
                            )
                        }
                        ClientTransport::Tcp => String::from("RTP/AVP/TCP;unicast;interleaved=0-1"),
                    };
                    w.header("Transport", t);
                }
                Method::Play => {
                    let from = range.unwrap_or(Duration::ZERO);
                    if range.is_some() || self.state == State::Ready && self.frames == 0 {
                        w.header(
                            "Range",
                            format!("npt={}.{:03}-", from.as_secs(), from.subsec_millis()),
                        );
                    }
                }
                _ => {}
            }
            w.finish(&[]);
        }
        self.in_flight = Some(InFlight {
            cseq,
            method,
            deadline: now + self.config.reply_timeout,
            keepalive,
        });
    }

    // ---- inputs -------------------------------------------------------

    /// Bytes arrived on the RTSP connection (replies, interleaved frames).
    pub fn handle_stream_data(&mut self, now: Instant, data: &[u8]) {
        if self.closed || data.is_empty() {
            return;
        }
        self.input.extend_from_slice(data);
        self.last_input = now;
        self.tail_read = false;
        self.process_input(now, false);
        // Only what is left is bounded: complete messages, however many
        // came at once, have been taken.
        if self.input.len() > MAX_INPUT {
            self.events
                .push_back(ClientEvent::Error(ClientError::BadReply(String::from(
                    "server sent more than 256 KiB without completing a message",
                ))));
            self.input.clear();
        }
    }

    fn process_input(&mut self, now: Instant, end_of_input: bool) {
        let mut input = core::mem::take(&mut self.input);
        let options = ParseOptions {
            end_of_input,
            ..ParseOptions::default()
        };
        let mut pos = 0;
        while pos < input.len() {
            pos += match parse(&input[pos..], &options) {
                Ok(Status::Partial) => break,
                Ok(Status::Complete((message, n))) => {
                    match message {
                        Message::Response(r) => self.handle_response(now, &r),
                        Message::Interleaved(f) => {
                            let (rtp, rtcp) = self.channels;
                            if f.channel == rtp {
                                self.handle_rtp(now, f.payload);
                            } else if f.channel == rtcp {
                                self.handle_rtcp(now, f.payload);
                            }
                        }
                        Message::Request(q) => self.answer_request(&q),
                    }
                    n
                }
                Err(e) => {
                    self.events
                        .push_back(ClientEvent::Error(ClientError::BadReply(e.to_string())));
                    e.resync.unwrap_or(input.len() - pos)
                }
            };
        }
        input.drain(..pos.min(input.len()));
        self.input = input;
    }

    /// A request from the server (RFC 2326 allows them): OPTIONS and
    /// GET_PARAMETER (liveness checks) are answered 200, everything else
    /// (ANNOUNCE, REDIRECT, SET_PARAMETER...) 501. The lab's client answers
    /// nothing.
    fn answer_request(&mut self, q: &Request<'_>) {
        if self.config.dialect == Dialect::Lab {
            return;
        }
        let status = match q.method {
            Some(Method::Options | Method::GetParameter) => StatusCode::OK,
            _ => StatusCode::NOT_IMPLEMENTED,
        };
        let mut w = MessageWriter::response(&mut self.stream_out, status, LineEnding::CrLf);
        if let Ok(Some(cseq)) = q.headers.cseq() {
            w.header("CSeq", cseq);
        }
        if q.method == Some(Method::Options) {
            w.header("Public", "OPTIONS, GET_PARAMETER");
        }
        w.finish(&[]);
    }

    fn handle_response(&mut self, now: Instant, r: &Response<'_>) {
        let Some(req) = self.in_flight else { return };
        // A reply to something else is ignored, as the lab client does.
        if r.headers.cseq().ok().flatten() != Some(req.cseq) {
            return;
        }
        self.in_flight = None;
        if !r.status.is_success() {
            if req.keepalive {
                if matches!(
                    r.status,
                    StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_IMPLEMENTED
                ) && self.keepalive_method == Method::GetParameter
                {
                    self.keepalive_method = Method::Options;
                }
            } else {
                self.events.push_back(ClientEvent::RequestFailed {
                    method: req.method.as_str(),
                    status: r.status.0,
                    reason: r.reason.to_string(),
                });
                if req.method == Method::Describe || req.method == Method::Setup {
                    // The rest of this setup cannot go on.
                    self.queue.retain(|c| *c != Command::Setup);
                }
            }
            self.next_queued(now);
            return;
        }
        match req.method {
            Method::Describe => {
                if let Err(e) = self.take_description(r) {
                    self.events.push_back(ClientEvent::Error(e));
                } else {
                    self.described = true;
                    self.send_request(now, Method::Setup, None, false);
                    return;
                }
            }
            Method::Setup => {
                if let Err(e) = self.take_setup(r) {
                    self.events.push_back(ClientEvent::Error(e));
                } else {
                    self.transition(State::Ready);
                }
            }
            Method::Play => {
                let from = r
                    .headers
                    .range()
                    .ok()
                    .flatten()
                    .and_then(|range| match range.start {
                        crate::rtsp::NptTime::At(t) => Some(t),
                        crate::rtsp::NptTime::Now => None,
                    });
                let first_sequence = r
                    .headers
                    .rtp_info()
                    .and_then(|mut l| l.next())
                    .and_then(|e| e.ok())
                    .and_then(|e| e.seq);
                // Packets that overtook the reply are held, not yet taken:
                // what the depacketizer has came before this range. Without
                // RTP-Info the ranges cannot be told apart: all is kept, a
                // seek's timestamp jump being a resync for the depacketizer.
                self.range_start = first_sequence;
                if first_sequence.is_some() {
                    self.depacketizer.reset();
                }
                self.transition(State::Playing);
                self.events.push_back(ClientEvent::PlayStarted {
                    from,
                    first_sequence,
                });
                self.next_stats = Some(now + self.config.stats_interval);
                if self.config.dialect == Dialect::Standard {
                    self.next_rr = Some(now + self.config.rtcp_interval);
                }
            }
            Method::Pause => self.transition(State::Ready),
            Method::Teardown => {
                self.queue_bye();
                self.session = None;
                self.described = false;
                self.keepalive_at = None;
                self.next_rr = None;
                self.transition(State::Init);
            }
            _ => {}
        }
        if self.session.is_some() && self.config.dialect == Dialect::Standard {
            self.keepalive_at = Some(now + self.session_timeout / 2);
        }
        self.next_queued(now);
    }

    fn reset_depacketizer(&mut self) {
        let dropped = self.depacketizer.stats().frames_dropped;
        self.frames_dropped += dropped;
        self.depacketizer = Depacketizer::new(DepacketizerConfig {
            max_frame_len: self.config.max_frame_len,
        });
    }

    fn transition(&mut self, to: State) {
        let from = self.state;
        self.state = to;
        self.events
            .push_back(ClientEvent::StateChanged { from, to });
    }

    fn take_description(&mut self, r: &Response<'_>) -> Result<(), ClientError> {
        let text = core::str::from_utf8(r.body)
            .map_err(|_| ClientError::BadReply(String::from("SDP is not UTF-8")))?;
        let sdp = parse_sdp(text).map_err(|e| ClientError::BadReply(format!("SDP: {e}")))?;
        let media = sdp.first_jpeg_video().ok_or_else(|| {
            ClientError::BadReply(String::from("no JPEG video stream in the SDP"))
        })?;
        let base = r
            .headers
            .content_base()
            .unwrap_or(&self.config.url)
            .to_string();
        self.control = match media.control {
            Some(c) => resolve_control(&base, c),
            None => base.clone(),
        };
        // RFC 2326 C.1.1: the session-level control URL, else the base.
        self.aggregate = match sdp.control {
            Some(c) => resolve_control(&base, c),
            None => base.clone(),
        };
        self.payload_type = media.jpeg_payload_type().unwrap_or(26);
        let info = MediaInfo {
            duration: sdp.duration(),
            framerate: media.framerate,
            control: self.control.clone(),
        };
        self.events.push_back(ClientEvent::Described(info));
        Ok(())
    }

    /// Takes a SETUP reply only if all of it parses: nothing is committed
    /// before (a session id alone would send keepalives and take RTP).
    fn take_setup(&mut self, r: &Response<'_>) -> Result<(), ClientError> {
        let session = r
            .headers
            .session()
            .map_err(|e| ClientError::BadReply(format!("Session: {e}")))?
            .ok_or_else(|| ClientError::BadReply(String::from("SETUP reply without Session")))?;
        let standard = self.config.dialect == Dialect::Standard;
        let spec = r
            .headers
            .transports()
            .and_then(|mut l| l.next())
            .and_then(Result::ok);
        if standard && spec.is_none() {
            return Err(ClientError::BadReply(String::from(
                "SETUP reply without a usable Transport",
            )));
        }
        self.session = Some(session.id.to_string());
        if let Some(t) = session.timeout {
            self.session_timeout = Duration::from_secs(u64::from(t.max(2)));
        }
        let Some(spec) = spec.filter(|_| standard) else {
            return Ok(());
        };
        self.server_ssrc = spec.ssrc;
        match self.config.transport {
            ClientTransport::Udp { .. } => {
                if let Some(p) = spec.server_port {
                    let ip = self.config.server.ip();
                    self.server_rtp = Some(SocketAddr::new(ip, p.rtp));
                    self.server_rtcp =
                        Some(SocketAddr::new(ip, p.rtcp.unwrap_or(p.rtp.wrapping_add(1))));
                }
            }
            ClientTransport::Tcp => {
                if let Some(ch) = spec.interleaved {
                    self.channels = (ch.rtp, ch.rtcp.unwrap_or(ch.rtp.wrapping_add(1)));
                }
            }
        }
        Ok(())
    }

    /// A datagram arrived on one of the client's UDP sockets. Only packets
    /// from the server's address are taken.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        socket: ClientSocket,
        from: SocketAddr,
        data: &[u8],
    ) {
        if self.closed || from.ip() != self.config.server.ip() {
            return;
        }
        match socket {
            ClientSocket::Rtp => self.handle_rtp(now, data),
            ClientSocket::Rtcp => self.handle_rtcp(now, data),
        }
    }

    fn handle_rtp(&mut self, now: Instant, data: &[u8]) {
        // Media may overtake the PLAY reply (UDP against TCP, or the lab
        // server's unterminated reply), and stragglers may follow a PAUSE:
        // take RTP whenever a session exists.
        if self.session.is_none() {
            return;
        }
        let Ok(packet) = RtpPacket::new_checked(data) else {
            return;
        };
        if packet.payload_type() != self.payload_type {
            return;
        }
        if let Some(ssrc) = self.server_ssrc {
            if self.config.dialect == Dialect::Standard && packet.ssrc() != ssrc {
                return;
            }
        }
        if self.in_flight.is_some_and(|r| r.method == Method::Play) {
            // Kept until the reply says where the new range starts.
            let mut bytes: usize = self.held.iter().map(|(_, p)| p.len()).sum();
            while self.held.len() >= MAX_HELD || bytes + data.len() > MAX_HELD_BYTES {
                match self.held.pop_front() {
                    Some((_, p)) => bytes -= p.len(),
                    None => break,
                }
            }
            if data.len() <= MAX_HELD_BYTES {
                self.held.push_back((now, data.to_vec()));
            }
            return;
        }
        let payload = packet.payload();
        let verdict = self.receiver.on_packet(
            now,
            packet.sequence_number(),
            packet.timestamp(),
            payload.len(),
        );
        if matches!(verdict, PacketVerdict::Restarted { .. }) {
            // The sender restarted its sequence: frames in progress are void.
            self.reset_depacketizer();
            self.range_start = None;
        }
        let Some(extended) = verdict.extended().filter(|_| verdict.is_usable()) else {
            return;
        };
        if let Some(first) = self.range_start {
            match packet.sequence_number().wrapping_sub(first) as i16 {
                -0x4000..=-1 => return,
                0..0x4000 => {}
                // Far from the start (modulo 2^16): the range began long ago
                // (stragglers are then too old for the statistics anyway),
                // or the reply's number was wrong.
                _ => self.range_start = None,
            }
        }
        if self.config.dialect == Dialect::Lab {
            // One whole JPEG per packet; show it only if it is newer than
            // the last shown (what the lab client does). The lab server's
            // timestamps are wall-clock seconds, so the frame's timestamp
            // is derived from its number at the lab's 20 frames a second.
            if self.last_lab_sequence.is_some_and(|last| extended <= last) {
                return;
            }
            self.last_lab_sequence = Some(extended);
            self.frames += 1;
            self.events.push_back(ClientEvent::Frame(ReceivedFrame {
                jpeg: payload.to_vec(),
                rtp_timestamp: (extended as u32).wrapping_mul(90_000 / 20),
                sequence: extended,
                received_at: now,
            }));
            return;
        }
        match self
            .depacketizer
            .push(extended, packet.timestamp(), packet.marker(), payload)
        {
            Ok(Some(frame)) => {
                self.frames += 1;
                self.events.push_back(ClientEvent::Frame(ReceivedFrame {
                    jpeg: frame.jpeg,
                    rtp_timestamp: frame.rtp_timestamp,
                    sequence: frame.first_sequence,
                    received_at: now,
                }));
            }
            Ok(None) => {}
            Err(_) => {}
        }
    }

    fn handle_rtcp(&mut self, now: Instant, data: &[u8]) {
        for packet in rtcp::parse_compound(data) {
            let Ok(packet) = packet else { break };
            match packet {
                RtcpPacket::SenderReport { ntp_timestamp, .. } => {
                    self.last_sr = Some((rtcp::ntp_short(ntp_timestamp), now));
                }
                RtcpPacket::Goodbye { .. } if self.state == State::Playing => {
                    self.events.push_back(ClientEvent::EndOfStream);
                }
                _ => {}
            }
        }
    }

    /// Deadlines passed (a spurious call is harmless).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        if !self.input.is_empty()
            && !self.tail_read
            && self.config.dialect == Dialect::Lab
            && self.last_input + self.config.lab_tail_delay <= now
        {
            // The lab server's replies have no terminator: a pause ends them.
            // What is still incomplete after that (a cut status line) waits
            // for more bytes; reading it again at every timeout would spin.
            self.process_input(now, true);
            self.tail_read = true;
        }
        if let Some(req) = self.in_flight {
            if req.deadline <= now {
                self.in_flight = None;
                if !req.keepalive {
                    self.events
                        .push_back(ClientEvent::Error(ClientError::ReplyTimeout {
                            method: req.method.as_str(),
                            timeout: self.config.reply_timeout,
                        }));
                }
                self.next_queued(now);
            }
        }
        if self.keepalive_at.is_some_and(|t| t <= now) {
            self.keepalive_at = Some(now + self.session_timeout / 2);
            if self.in_flight.is_none() && self.session.is_some() {
                self.send_request(now, self.keepalive_method, None, true);
            }
        }
        if self.next_rr.is_some_and(|t| t <= now) {
            self.next_rr = Some(now + self.config.rtcp_interval);
            self.queue_receiver_report(now, None);
        }
        if self.next_stats.is_some_and(|t| t <= now) {
            self.next_stats =
                (self.state == State::Playing).then(|| now + self.config.stats_interval);
            self.events.push_back(ClientEvent::Stats(self.stats()));
        }
    }

    /// The RTSP connection closed or failed.
    pub fn handle_disconnect(&mut self, _now: Instant) {
        if self.closed {
            return;
        }
        self.closed = true;
        if self.state != State::Init {
            self.transition(State::Init);
        }
        self.events.push_back(ClientEvent::Closed);
    }

    fn queue_receiver_report(&mut self, now: Instant, bye: Option<&Bye<'_>>) {
        let mut blocks = heapless::Vec::<rtcp::ReportBlock, 1>::new();
        if let Some(server) = self
            .server_ssrc
            .or((self.receiver.received() > 0).then_some(0))
        {
            let (lsr, dlsr) = match self.last_sr {
                Some((lsr, at)) => (lsr, rtcp::dlsr_from_duration(now - at)),
                None => (0, 0),
            };
            let _ = blocks.push(self.receiver.report_block(server, lsr, dlsr));
        }
        let rr = ReceiverReport {
            ssrc: self.ssrc,
            reports: &blocks,
        };
        let mut packet = Vec::new();
        let written = match bye {
            Some(b) => {
                rtcp::write_bye_compound(&mut packet, &Report::Receiver(rr), &self.config.cname, b)
            }
            None => rtcp::write_receiver_report_compound(&mut packet, &rr, &self.config.cname),
        };
        if written.is_err() {
            return;
        }
        match self.config.transport {
            ClientTransport::Udp { .. } => {
                if let Some(dest) = self.server_rtcp {
                    self.datagrams.push_back((ClientSocket::Rtcp, dest, packet));
                }
            }
            ClientTransport::Tcp => {
                let _ = write_interleaved(&mut self.stream_out, self.channels.1, &packet);
            }
        }
    }

    fn queue_bye(&mut self) {
        if self.config.dialect == Dialect::Lab {
            return;
        }
        let bye = Bye {
            ssrcs: &[self.ssrc],
            reason: None,
        };
        let now = self.last_input;
        self.queue_receiver_report(now, Some(&bye));
    }

    // ---- outputs ------------------------------------------------------

    /// The next thing to send; its bytes replace `buf`'s contents.
    #[must_use]
    pub fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> Option<ClientTransmit> {
        buf.clear();
        if !self.stream_out.is_empty() {
            core::mem::swap(buf, &mut self.stream_out);
            return Some(ClientTransmit::Stream);
        }
        let (socket, destination, bytes) = self.datagrams.pop_front()?;
        buf.extend_from_slice(&bytes);
        Some(ClientTransmit::Datagram {
            socket,
            destination,
        })
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed {
            return None;
        }
        let tail =
            (!self.input.is_empty() && !self.tail_read && self.config.dialect == Dialect::Lab)
                .then(|| self.last_input + self.config.lab_tail_delay);
        [
            tail,
            self.in_flight.map(|r| r.deadline),
            self.keepalive_at,
            self.next_rr,
            self.next_stats,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("state", &self.state)
            .field("session", &self.session)
            .field("in_flight", &self.in_flight)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    /// Found by fuzz target `client`: a lab server's cut reply (`RTSP`,
    /// then silence) left the input incomplete after the pause that ends
    /// lab replies, and `poll_timeout` kept answering a deadline in the
    /// past: the shell spun on `handle_timeout`.
    #[test]
    fn incomplete_lab_reply_does_not_spin() {
        let server: SocketAddr = "10.0.0.1:554".parse().unwrap();
        let config = ClientConfig::new(
            "movie.Mjpeg",
            Dialect::Lab,
            ClientTransport::Udp { rtp_port: 5008 },
            server,
        );
        let mut c = Client::new(config, Instant::ZERO, 1);
        c.setup(Instant::ZERO).unwrap();
        let mut buf = vec![];
        while c.poll_transmit(&mut buf).is_some() {}
        c.handle_stream_data(Instant::ZERO, b"RTSP");
        let now = Instant::ZERO + Duration::from_millis(30);
        c.handle_timeout(now);
        assert!(
            c.poll_timeout().is_some_and(|t| t > now),
            "{:?}",
            c.poll_timeout()
        );
        // More bytes, another pause: the reply completes.
        c.handle_stream_data(now, b"/1.0 200 OK\nCSeq: 1\nSession: 123456");
        let later = now + Duration::from_millis(30);
        c.handle_timeout(later);
        assert_eq!(c.state(), State::Ready);
    }
}
