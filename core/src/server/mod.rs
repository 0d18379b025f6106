//! The whole RTSP server as one sans-IO object.
//!
//! [`Server`] owns every connection and session: it parses what arrives on
//! RTSP connections, answers requests, keeps session timers, paces frames
//! and decides every byte that leaves. It never touches a socket, a clock, a
//! file or the OS random source; the shell around it (`runtime-mio`,
//! `runtime-smol`) does, following one loop:
//!
//! ```text
//! loop {
//!     wait for: a socket event, or the deadline from poll_timeout()
//!     feed inputs:  handle_connect / handle_stream_data / handle_disconnect /
//!                   handle_datagram / handle_media / handle_timeout (now)
//!     drain outputs, in this order:
//!         poll_transmit(buf)  -> UDP datagrams (RTP, RTCP) to send now
//!         poll_stream()       -> connections with bytes to write: write
//!                                stream_outgoing(c), then handle_stream_written(c, n)
//!         poll_timeout()      -> when to call handle_timeout next
//!         poll_event()        -> media requests, connections to close, log lines
//! }
//! ```
//!
//! A spurious `handle_timeout` is harmless. Media comes in through the
//! [`ServerEvent::MediaRequest`] / [`Server::handle_media`] seam: the core asks
//! for a path, the shell loads (and caches) the [`Clip`] however it likes, the
//! core resumes the request that needed it.

mod connection;
mod reply;
mod session;

use alloc::collections::{BTreeMap, VecDeque};
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::net::SocketAddr;

use rand_chacha::ChaCha12Rng;
use rand_core::{RngCore, SeedableRng};

use crate::clip::Clip;
use crate::rtsp::Limits;
use crate::session::Dialect;
use crate::time::{Duration, Instant};

use connection::Connection;
use session::Session;

pub use session::{EndReason, SessionStats, TransportKind};

/// How the server behaves. Every limit has a default that suits a real
/// deployment; tests shrink them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Frames per second (the lab's 20).
    pub fps: u32,
    /// Restart clips at their end instead of ending the stream.
    pub looping: bool,
    /// Sessions without a request or RTCP report for this long are reaped;
    /// advertised as `Session: …;timeout=<secs>`. Lab-dialect sessions
    /// (whose client sends neither) are reaped only once their connection
    /// has closed.
    pub session_timeout: Duration,
    /// The server's RTP UDP port (for `server_port=` in Transport replies).
    pub rtp_port: u16,
    /// The server's RTCP UDP port.
    pub rtcp_port: u16,
    /// RTSP parser limits.
    pub limits: Limits,
    /// How long a lab-dialect request (which has no terminating empty line)
    /// must be followed by silence before it is taken as complete.
    pub lab_tail_delay: Duration,
    /// A message whose first byte has arrived must be complete within this
    /// (a slow-drip request is answered 408 and its connection closed).
    pub request_timeout: Duration,
    /// Connections beyond this are refused at accept.
    pub max_connections: usize,
    /// Sessions beyond this get 503 Service Unavailable.
    pub max_sessions: usize,
    /// Sessions one connection sets up beyond this get 503 Service
    /// Unavailable (one client cannot take every session).
    pub max_sessions_per_connection: usize,
    /// Interleaved RTP is skipped a whole frame at a time while a
    /// connection has more than this many bytes waiting to be written.
    pub interleaved_backlog: usize,
    /// A connection whose unwritten replies exceed this (it sends requests
    /// but does not read) is dropped at once, its replies discarded.
    pub max_stream_backlog: usize,
    /// How long a closed connection may take to read what is left for it
    /// before it is dropped, unread output and all.
    pub close_linger: Duration,
    /// Interval between RTCP sender reports of a playing session
    /// (RFC 3550 Section 6.2: at least 5 s for a small session).
    pub rtcp_interval: Duration,
    /// NTP timestamp (RFC 3550 Section 4, 32.32 fixed point) of
    /// `Instant::ZERO`, for sender reports; 0 if unknown.
    pub ntp_at_zero: u64,
    /// `Server:` header value and SDP tool name.
    pub server_name: String,
    /// RTCP SDES CNAME of the server.
    pub cname: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            fps: 20,
            looping: false,
            session_timeout: Duration::from_secs(60),
            rtp_port: 0,
            rtcp_port: 0,
            limits: Limits::default(),
            lab_tail_delay: Duration::from_millis(20),
            request_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_sessions: 1024,
            max_sessions_per_connection: 16,
            interleaved_backlog: 512 * 1024,
            max_stream_backlog: 4 * 1024 * 1024,
            close_linger: Duration::from_secs(5),
            rtcp_interval: Duration::from_secs(5),
            ntp_at_zero: 0,
            server_name: String::from(concat!("stream-core/", env!("CARGO_PKG_VERSION"))),
            cname: String::from("stream-core@localhost"),
        }
    }
}

/// A connection, as the server names it to the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnectionId {
    index: u32,
    generation: u32,
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}.{}", self.index, self.generation)
    }
}

/// A pending media request, answered with [`Server::handle_media`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MediaRequestId(u64);

/// The server's two UDP sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerSocket {
    /// Sends RTP.
    Rtp,
    /// Sends and receives RTCP.
    Rtcp,
}

/// A datagram to send now; its bytes are in the buffer given to
/// [`Server::poll_transmit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram {
    /// Which socket to send from.
    pub socket: ServerSocket,
    /// Where to.
    pub destination: SocketAddr,
}

/// Why media could not be provided (the shell's answer to a media request).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// No such file, or a path outside the media directory: 404.
    #[error("not found")]
    NotFound,
    /// A file that is not a playable MJPEG clip: 415.
    #[error("not playable: {0}")]
    NotPlayable(String),
    /// The file could not be read: 500.
    #[error("unreadable: {0}")]
    Unreadable(String),
}

/// Why the server refused a new connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// `max_connections` reached.
    #[error("too many connections")]
    TooManyConnections,
    /// The server is shutting down.
    #[error("server is shutting down")]
    ShuttingDown,
}

/// Why the server gave up on a connection's peer
/// ([`ServerEvent::DropConnection`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// More than [`ServerConfig::max_stream_backlog`] bytes of replies were
    /// waiting: it sends requests and does not read the answers.
    Backlog {
        /// Bytes unwritten when it was dropped.
        unwritten: usize,
    },
    /// Closed, and [`ServerConfig::close_linger`] later its last bytes were
    /// still unwritten: it stopped reading.
    Linger {
        /// Bytes unwritten when it was dropped.
        unwritten: usize,
    },
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::Backlog { unwritten } => write!(
                f,
                "{unwritten} bytes of replies unread: it sends requests and does not read"
            ),
            DropReason::Linger { unwritten } => write!(
                f,
                "closed, and still {unwritten} bytes unread when its time to read them ran out"
            ),
        }
    }
}

/// Public description of a session, for log lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The session id as sent in `Session:` headers.
    pub id: String,
    /// The RTSP client's address.
    pub peer: SocketAddr,
    /// The requested path.
    pub path: String,
    /// How media travels.
    pub transport: TransportKind,
    /// The connection's dialect.
    pub dialect: Dialect,
}

impl fmt::Display for SessionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = match self.dialect {
            Dialect::Standard => "",
            Dialect::Lab => " (lab dialect)",
        };
        write!(
            f,
            "session {} client {} file {:?} transport {}{}",
            self.id, self.peer, self.path, self.transport, d
        )
    }
}

/// What the server tells its shell.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// Load the clip at `path` (relative to the media directory, already
    /// percent-decoded, not yet checked for escapes: the shell must refuse
    /// `..`, absolute paths and symlinks out of its directory with
    /// [`MediaError::NotFound`]) and answer with [`Server::handle_media`].
    MediaRequest {
        /// Give this back with the answer.
        request: MediaRequestId,
        /// The path the client asked for.
        path: String,
    },
    /// Write what is left in [`Server::stream_outgoing`] for this
    /// connection, then close it; stop reading from it (its input is
    /// ignored). Nothing more will be said about it, unless it is still
    /// open [`ServerConfig::close_linger`] later: then
    /// [`DropConnection`](Self::DropConnection).
    CloseConnection(ConnectionId),
    /// Close this connection now, without writing what is left: the core
    /// has discarded it (the peer stopped reading). Sent after
    /// [`CloseConnection`](Self::CloseConnection) or instead of it; nothing
    /// more will be said about the connection.
    DropConnection {
        /// Which.
        conn: ConnectionId,
        /// Its peer.
        peer: SocketAddr,
        /// Why.
        reason: DropReason,
    },
    /// A session was set up.
    SessionStarted(SessionInfo),
    /// A session ended.
    SessionEnded {
        /// Which.
        session: SessionInfo,
        /// Why.
        reason: EndReason,
        /// What it was sent.
        stats: SessionStats,
    },
    /// A request was answered with an error status (for a log line).
    RequestFailed {
        /// The client.
        peer: SocketAddr,
        /// The request line's method token, if it could be read.
        method: String,
        /// The status sent.
        status: u16,
        /// Why, in words.
        detail: String,
    },
    /// A session had to skip a frame (lab dialect: too big for one datagram).
    FrameSkipped {
        /// The session id.
        session: String,
        /// The file.
        path: String,
        /// 1-based frame number in the file.
        frame: u32,
        /// Why.
        reason: String,
    },
}

impl ServerEvent {
    /// Whether the event reports something wrong (log it as a warning).
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            ServerEvent::RequestFailed { .. }
                | ServerEvent::DropConnection { .. }
                | ServerEvent::FrameSkipped { .. }
                | ServerEvent::SessionEnded {
                    reason: EndReason::Timeout,
                    ..
                }
        )
    }
}

/// One log line per event; both shells print exactly this.
impl fmt::Display for ServerEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerEvent::MediaRequest { request, path } => {
                write!(f, "media request {} for {path:?}", request.0)
            }
            ServerEvent::CloseConnection(c) => write!(f, "closing connection {c}"),
            ServerEvent::DropConnection { conn, peer, reason } => {
                write!(f, "dropping connection {conn} from {peer}: {reason}")
            }
            ServerEvent::SessionStarted(info) => write!(f, "start {info}"),
            ServerEvent::SessionEnded {
                session,
                reason,
                stats,
            } => {
                write!(f, "end {session} reason={reason} {stats}")
            }
            ServerEvent::RequestFailed {
                peer,
                method,
                status,
                detail,
            } => write!(f, "client {peer}: {method} answered {status}: {detail}"),
            ServerEvent::FrameSkipped {
                session,
                path,
                frame,
                reason,
            } => write!(f, "session {session} file {path:?} frame {frame}: {reason}"),
        }
    }
}

/// The server. See the module documentation for the call protocol.
pub struct Server {
    config: ServerConfig,
    rng: ChaCha12Rng,
    connections: Vec<Option<Connection>>,
    generations: Vec<u32>,
    sessions: Vec<Option<Session>>,
    session_ids: BTreeMap<String, usize>,
    rtcp_peers: BTreeMap<SocketAddr, usize>,
    control: VecDeque<(Datagram, Vec<u8>)>,
    sending: VecDeque<usize>,
    stream_ready: VecDeque<ConnectionId>,
    events: VecDeque<ServerEvent>,
    next_media_request: u64,
    shutting_down: bool,
}

impl Server {
    /// A server with `config`; `rng_seed` must come from a strong source
    /// (session ids, SSRCs and initial sequence numbers are derived from it).
    pub fn new(config: ServerConfig, rng_seed: [u8; 32]) -> Server {
        Server {
            config,
            rng: ChaCha12Rng::from_seed(rng_seed),
            connections: Vec::new(),
            generations: Vec::new(),
            sessions: Vec::new(),
            session_ids: BTreeMap::new(),
            rtcp_peers: BTreeMap::new(),
            control: VecDeque::new(),
            sending: VecDeque::new(),
            stream_ready: VecDeque::new(),
            events: VecDeque::new(),
            next_media_request: 0,
            shutting_down: false,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Number of open connections.
    pub fn connection_count(&self) -> usize {
        self.connections.iter().filter(|c| c.is_some()).count()
    }

    /// Number of sessions.
    pub fn session_count(&self) -> usize {
        self.session_ids.len()
    }

    /// Whether [`shutdown`](Self::shutdown) has been called and everything
    /// has been handed to the shell (no connection, no queued output).
    pub fn is_finished(&self) -> bool {
        self.shutting_down
            && self.connections.iter().all(Option::is_none)
            && self.control.is_empty()
            && self.sending.is_empty()
    }

    // ---- inputs -------------------------------------------------------

    /// A TCP connection from `peer` was accepted on `local`.
    pub fn handle_connect(
        &mut self,
        now: Instant,
        local: SocketAddr,
        peer: SocketAddr,
    ) -> Result<ConnectionId, ConnectError> {
        if self.shutting_down {
            return Err(ConnectError::ShuttingDown);
        }
        if self.connection_count() >= self.config.max_connections {
            return Err(ConnectError::TooManyConnections);
        }
        let index = match self.connections.iter().position(Option::is_none) {
            Some(i) => i,
            None => {
                self.connections.push(None);
                self.generations.push(0);
                self.connections.len() - 1
            }
        };
        self.generations[index] = self.generations[index].wrapping_add(1);
        let id = ConnectionId {
            index: index as u32,
            generation: self.generations[index],
        };
        self.connections[index] = Some(Connection::new(id, local, peer, now, &self.config));
        Ok(id)
    }

    /// Bytes arrived on a connection. Unknown (closed) ids are ignored.
    ///
    /// While the request at the front of the input waits for media, what
    /// follows it cannot be parsed (requests are answered in order), so the
    /// parser's limits cannot bound it: a connection that sends more than
    /// two whole messages' worth of limits (plus an interleaved frame) in
    /// that time is closed.
    pub fn handle_stream_data(&mut self, now: Instant, conn: ConnectionId, data: &[u8]) {
        let limits = self.config.limits;
        let Some(c) = self.conn_mut(conn) else { return };
        if c.closing {
            return;
        }
        c.receive(now, data);
        let most = 2 * (limits.max_head_len + limits.max_body_len) + 4 + 65_535;
        if c.waiting_for.is_some() && c.input().len() > most {
            c.discard_input();
            let peer = c.peer;
            self.events.push_back(ServerEvent::RequestFailed {
                peer,
                method: String::new(),
                status: 0,
                detail: format!(
                    "more than {most} bytes sent while a request waited for media; closing"
                ),
            });
            self.close_connection(now, conn);
            return;
        }
        self.process_input(now, conn);
    }

    /// The peer closed the connection, or it failed. Sessions it set up end.
    pub fn handle_disconnect(&mut self, now: Instant, conn: ConnectionId) {
        if self.conn(conn).is_none() {
            return;
        }
        let owned: Vec<usize> = self
            .sessions
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().filter(|s| s.owner == conn).map(|_| i))
            .collect();
        for s in owned {
            self.end_session(now, s, EndReason::Disconnected, false);
        }
        self.connections[conn.index as usize] = None;
        self.stream_ready.retain(|c| *c != conn);
    }

    /// A datagram arrived on one of the server's UDP sockets.
    ///
    /// RTCP from a session's client refreshes its timeout (RFC 2326 allows
    /// RTCP as liveness) and records its receiver reports; anything else
    /// (NAT-opening packets on the RTP port, strangers) is ignored.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        socket: ServerSocket,
        from: SocketAddr,
        data: &[u8],
    ) {
        if socket != ServerSocket::Rtcp {
            return;
        }
        if let Some(&s) = self.rtcp_peers.get(&from) {
            if let Some(session) = self.sessions[s].as_mut() {
                session.handle_rtcp(now, data);
            }
        }
    }

    /// The answer to a [`ServerEvent::MediaRequest`]. The request that
    /// needed it resumes; a stale or unknown id is ignored.
    pub fn handle_media(
        &mut self,
        now: Instant,
        request: MediaRequestId,
        result: Result<Arc<Clip>, MediaError>,
    ) {
        let Some(conn) = self
            .connections
            .iter()
            .flatten()
            .find(|c| c.waiting_for == Some(request))
            .map(|c| c.id)
        else {
            return;
        };
        if let Some(c) = self.conn_mut(conn) {
            c.waiting_for = None;
            c.media_answer = Some((request, result));
        }
        self.process_input(now, conn);
    }

    /// Deadlines passed (or not: a spurious call is harmless). Sends due
    /// frames and reports, completes lab-dialect requests, reaps sessions
    /// and stalled connections.
    pub fn handle_timeout(&mut self, now: Instant) {
        for i in 0..self.connections.len() {
            let Some(c) = self.connections[i].as_mut() else {
                continue;
            };
            let id = c.id;
            match c.expired(now, &self.config) {
                connection::Expiry::None => {}
                connection::Expiry::TailComplete => {
                    c.tail_complete = true;
                    self.process_input(now, id);
                }
                connection::Expiry::Stalled => {
                    self.fail_stalled(now, id);
                }
                connection::Expiry::Idle => self.close_connection(now, id),
                connection::Expiry::Linger => {
                    let unwritten = c.outgoing_len();
                    self.drop_connection(now, id, DropReason::Linger { unwritten });
                }
            }
        }
        for s in 0..self.sessions.len() {
            let Some(session) = self.sessions[s].as_ref() else {
                continue;
            };
            let open = self.owner_open(session);
            if session
                .timeout_at(&self.config, open)
                .is_some_and(|t| t <= now)
            {
                self.end_session(now, s, EndReason::Timeout, false);
                continue;
            }
            self.pump_session(now, s);
        }
    }

    /// Ends every session (RTCP BYE to standard clients), closes every
    /// connection after its pending output and refuses new ones. Keep
    /// draining outputs until [`is_finished`](Self::is_finished).
    pub fn shutdown(&mut self, now: Instant) {
        self.shutting_down = true;
        for s in 0..self.sessions.len() {
            if self.sessions[s].is_some() {
                self.end_session(now, s, EndReason::Shutdown, true);
            }
        }
        let ids: Vec<ConnectionId> = self.connections.iter().flatten().map(|c| c.id).collect();
        for id in ids {
            self.close_connection(now, id);
        }
    }

    // ---- outputs ------------------------------------------------------

    /// The next datagram to send: its bytes replace `buf`'s contents.
    ///
    /// Packets of sessions sending at the same time are interleaved
    /// round-robin, so one big frame does not delay everyone else's.
    #[must_use]
    pub fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> Option<Datagram> {
        buf.clear();
        // Media first, then RTCP: a BYE queued with a clip's last frame must
        // not overtake that frame's packets.
        while let Some(s) = self.sending.pop_front() {
            let Some(session) = self.sessions[s].as_mut() else {
                continue;
            };
            match session.next_datagram(buf) {
                Some((d, more)) => {
                    if more {
                        self.sending.push_back(s);
                    }
                    return Some(d);
                }
                None => continue,
            }
        }
        let (d, bytes) = self.control.pop_front()?;
        buf.extend_from_slice(&bytes);
        Some(d)
    }

    /// A connection with bytes waiting in [`stream_outgoing`](Self::stream_outgoing)
    /// that have not been announced yet.
    #[must_use]
    pub fn poll_stream(&mut self) -> Option<ConnectionId> {
        while let Some(id) = self.stream_ready.pop_front() {
            if let Some(c) = self.conn_mut(id) {
                c.announced = false;
                if !c.outgoing().is_empty() {
                    return Some(id);
                }
            }
        }
        None
    }

    /// Bytes waiting to be written on `conn` (replies and interleaved RTP).
    pub fn stream_outgoing(&self, conn: ConnectionId) -> &[u8] {
        self.conn(conn).map_or(&[], |c| c.outgoing())
    }

    /// The shell wrote the first `n` bytes of `stream_outgoing(conn)`.
    pub fn handle_stream_written(&mut self, conn: ConnectionId, n: usize) {
        if let Some(c) = self.conn_mut(conn) {
            c.consume_outgoing(n);
        }
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let conns = self
            .connections
            .iter()
            .flatten()
            .filter_map(|c| c.deadline(&self.config));
        let sessions = self
            .sessions
            .iter()
            .flatten()
            .filter_map(|s| s.deadline(&self.config, self.owner_open(s)));
        conns.chain(sessions).min()
    }

    /// The next event for the shell.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    // ---- internals ----------------------------------------------------

    fn conn(&self, id: ConnectionId) -> Option<&Connection> {
        self.connections
            .get(id.index as usize)?
            .as_ref()
            .filter(|c| c.id == id)
    }

    fn conn_mut(&mut self, id: ConnectionId) -> Option<&mut Connection> {
        self.connections
            .get_mut(id.index as usize)?
            .as_mut()
            .filter(|c| c.id == id)
    }

    /// Whether the connection that set up `s` is open (not closing).
    fn owner_open(&self, s: &Session) -> bool {
        self.conn(s.owner).is_some_and(|c| !c.closing)
    }

    fn announce(&mut self, now: Instant, id: ConnectionId) {
        let too_much = self.config.max_stream_backlog;
        let Some(c) = self.conn_mut(id) else { return };
        let unwritten = c.outgoing_len();
        if unwritten > too_much {
            // It asks and never reads: waiting for it to read would only
            // keep its socket open.
            self.drop_connection(now, id, DropReason::Backlog { unwritten });
            return;
        }
        if !c.announced {
            c.announced = true;
            self.stream_ready.push_back(id);
        }
    }

    fn close_connection(&mut self, now: Instant, id: ConnectionId) {
        let linger = self.config.close_linger;
        let Some(c) = self.conn_mut(id) else { return };
        if c.closing {
            return;
        }
        c.start_closing(now, linger);
        self.events.push_back(ServerEvent::CloseConnection(id));
        self.end_interleaved_sessions(now, id);
    }

    /// Closes `id` at once, discarding what it has not written
    /// ([`ServerEvent::DropConnection`]).
    fn drop_connection(&mut self, now: Instant, id: ConnectionId, reason: DropReason) {
        let Some(c) = self.conn_mut(id) else { return };
        if c.dropped {
            return;
        }
        let was_closing = c.closing;
        let peer = c.peer;
        c.drop_now();
        self.stream_ready.retain(|x| *x != id);
        self.events.push_back(ServerEvent::DropConnection {
            conn: id,
            peer,
            reason,
        });
        if !was_closing {
            self.end_interleaved_sessions(now, id);
        }
    }

    /// Ends the sessions whose media travels on connection `id`.
    fn end_interleaved_sessions(&mut self, now: Instant, id: ConnectionId) {
        let owned: Vec<usize> = self
            .sessions
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.as_ref()
                    .filter(|s| s.owner == id && s.is_interleaved())
                    .map(|_| i)
            })
            .collect();
        for s in owned {
            self.end_session(now, s, EndReason::Disconnected, false);
        }
    }

    fn random_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    fn end_session(&mut self, now: Instant, s: usize, reason: EndReason, send_bye: bool) {
        let Some(mut session) = self.sessions[s].take() else {
            return;
        };
        if send_bye {
            session.queue_bye(now, &self.config, &mut self.control, &mut self.connections);
            let owner = session.owner;
            if session.is_interleaved() {
                self.announce(now, owner);
            }
        }
        if let Some(c) = self.conn_mut(session.owner) {
            c.sessions = c.sessions.saturating_sub(1);
        }
        self.session_ids.remove(session.id.as_str());
        if let Some(rtcp) = session.client_rtcp() {
            self.rtcp_peers.remove(&rtcp);
        }
        self.sending.retain(|&x| x != s);
        self.events.push_back(ServerEvent::SessionEnded {
            session: session.info(),
            reason,
            stats: session.stats(),
        });
    }

    fn fail_stalled(&mut self, now: Instant, id: ConnectionId) {
        let Some(c) = self.conn_mut(id) else { return };
        let dialect = c.dialect.unwrap_or_default();
        let peer = c.peer;
        let mut out = Vec::new();
        reply::write_error(
            &mut out,
            dialect,
            crate::rtsp::StatusCode::REQUEST_TIMEOUT,
            None,
            None,
        );
        c.push_outgoing(&out);
        c.discard_input();
        self.events.push_back(ServerEvent::RequestFailed {
            peer,
            method: String::new(),
            status: 408,
            detail: String::from("request not completed in time"),
        });
        self.announce(now, id);
        self.close_connection(now, id);
    }

    fn pump_session(&mut self, now: Instant, s: usize) {
        let Some(session) = self.sessions[s].as_mut() else {
            return;
        };
        let outcome = session.pump(now, &self.config, &mut self.control, &mut self.connections);
        let owner = session.owner;
        if outcome.udp_pending && !self.sending.contains(&s) {
            self.sending.push_back(s);
        }
        if outcome.stream_written {
            self.announce(now, owner);
        }
        if let Some(ev) = outcome.event {
            self.events.push_back(ev);
        }
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("connections", &self.connection_count())
            .field("sessions", &self.session_count())
            .field("shutting_down", &self.shutting_down)
            .finish()
    }
}

mod requests;

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    /// Found by fuzz target `server`: while a DESCRIBE waited for its
    /// media, everything the client sent was buffered without limit.
    #[test]
    fn input_is_bounded_while_waiting_for_media() {
        let now = Instant::ZERO;
        let mut s = Server::new(ServerConfig::default(), [3; 32]);
        let local: SocketAddr = "10.0.0.1:554".parse().unwrap();
        let c = s
            .handle_connect(now, local, "10.0.0.2:4000".parse().unwrap())
            .unwrap();
        s.handle_stream_data(
            now,
            c,
            b"DESCRIBE rtsp://10.0.0.1/a.mjpeg RTSP/1.0\r\nCSeq: 1\r\n\r\n",
        );
        assert!(matches!(
            s.poll_event(),
            Some(ServerEvent::MediaRequest { .. })
        ));
        let flood = vec![b'X'; 64 * 1024];
        for _ in 0..8 {
            s.handle_stream_data(now, c, &flood);
        }
        assert!(matches!(
            s.poll_event(),
            Some(ServerEvent::RequestFailed { .. })
        ));
        assert_eq!(s.poll_event(), Some(ServerEvent::CloseConnection(c)));
        let input = s.conn(c).map_or(0, |c| c.input().len());
        assert_eq!(input, 0);
    }

    fn connected(s: &mut Server, now: Instant) -> ConnectionId {
        s.handle_connect(
            now,
            "10.0.0.1:554".parse().unwrap(),
            "10.0.0.2:4000".parse().unwrap(),
        )
        .unwrap()
    }

    fn events(s: &mut Server) -> Vec<ServerEvent> {
        std::iter::from_fn(|| s.poll_event()).collect()
    }

    /// A peer that sends requests and never reads is dropped the moment
    /// its replies pass the limit: no waiting for it to read, nothing more
    /// read from it.
    #[test]
    fn a_peer_that_never_reads_is_dropped_at_once() {
        let now = Instant::ZERO;
        let config = ServerConfig {
            max_stream_backlog: 4096,
            ..ServerConfig::default()
        };
        let mut s = Server::new(config, [3; 32]);
        let c = connected(&mut s, now);
        let options = b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n";
        let mut sent = 0;
        while s.conn(c).is_some_and(|c| !c.closing) {
            s.handle_stream_data(now, c, options);
            sent += 1;
            assert!(sent < 1000, "never dropped");
        }
        let evs = events(&mut s);
        assert!(
            !evs.contains(&ServerEvent::CloseConnection(c)),
            "not a close after its output: {evs:?}"
        );
        let Some(ServerEvent::DropConnection { conn, reason, .. }) = evs.last() else {
            panic!("{evs:?}");
        };
        assert_eq!(*conn, c);
        assert!(
            matches!(reason, DropReason::Backlog { unwritten } if *unwritten > 4096),
            "{reason:?}"
        );
        assert!(s.stream_outgoing(c).is_empty(), "its replies are discarded");
        assert_eq!(s.poll_stream(), None);
        s.handle_stream_data(now, c, options);
        assert!(events(&mut s).is_empty(), "said once, and input ignored");
        assert_eq!(s.poll_timeout(), None, "nothing left to time");
        s.handle_disconnect(now, c);
        assert_eq!(s.connection_count(), 0);
    }

    /// A closed connection gets `close_linger` to take its last bytes, then
    /// it is dropped with them; one that takes them in time is not.
    #[test]
    fn a_closed_connection_that_does_not_read_is_dropped_after_the_linger() {
        let config = ServerConfig::default();
        let linger = config.close_linger;
        let idle = config.session_timeout;
        let mut s = Server::new(config, [3; 32]);
        let t0 = Instant::ZERO;
        let frozen = connected(&mut s, t0);
        let reader = connected(&mut s, t0);
        for c in [frozen, reader] {
            s.handle_stream_data(t0, c, b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n");
        }
        let _ = events(&mut s);
        // Idle for a session timeout: both are closed, their reply unread.
        let closed_at = t0 + idle;
        assert_eq!(s.poll_timeout(), Some(closed_at));
        s.handle_timeout(closed_at);
        assert_eq!(
            events(&mut s),
            [
                ServerEvent::CloseConnection(frozen),
                ServerEvent::CloseConnection(reader)
            ]
        );
        assert_eq!(s.poll_timeout(), Some(closed_at + linger));
        let n = s.stream_outgoing(reader).len();
        s.handle_stream_written(reader, n - 1);
        s.handle_timeout(closed_at + linger - Duration::from_millis(1));
        assert!(events(&mut s).is_empty(), "not before the linger ends");
        s.handle_timeout(closed_at + linger);
        let evs = events(&mut s);
        assert_eq!(evs.len(), 2, "{evs:?}");
        for (ev, c, left) in [(&evs[0], frozen, n), (&evs[1], reader, 1)] {
            assert!(
                matches!(
                    ev,
                    ServerEvent::DropConnection { conn, reason: DropReason::Linger { unwritten }, .. }
                        if *conn == c && *unwritten == left
                ),
                "{ev:?}"
            );
            assert!(s.stream_outgoing(c).is_empty());
            s.handle_disconnect(closed_at + linger, c);
        }
        assert_eq!(s.poll_timeout(), None);

        // One that reads in time is closed by its shell, never dropped.
        let c = connected(&mut s, t0);
        s.shutdown(t0);
        assert_eq!(events(&mut s), [ServerEvent::CloseConnection(c)]);
        s.handle_disconnect(t0, c);
        s.handle_timeout(t0 + linger);
        assert!(events(&mut s).is_empty());
        assert!(s.is_finished());
    }
}
