//! The glue every runtime shell shares (feature `shell`).
//!
//! A shell (`runtime-mio`, `runtime-smol`) is sockets plus a way to wait:
//! readiness and a poll timeout in one, tasks and timers in the other.
//! Everything else it would otherwise write again lives here, once:
//!
//! - [`ServerMachine`] wraps the sans-IO [`Server`]: it reads the clock
//!   ([`Epoch`]), feeds the core what a socket delivered, and
//!   [`drain`](ServerMachine::drain)s its outputs in the documented order,
//!   handing each one to the shell's [`ServerIo`] (send this datagram, this
//!   connection has bytes to write, load this file) and turning every
//!   [`ServerEvent`] into the log line both binaries print.
//! - [`ClientMachine`] does the same for a [`Client`] through [`ClientIo`],
//!   maps [`ClientCommand`]s onto it and forwards its events to the
//!   [`ClientHandle`](crate::runtime::ClientHandle)'s channel.
//! - [`load_media`] loads a clip the way both servers do (logging a fresh
//!   load's summary and problems), and [`bind_udp_pair`] binds an RTP/RTCP
//!   port pair with plain `std::net` calls.
//!
//! A machine never blocks: every read and write goes through a closure or a
//! `Write` the shell gives it, and `WouldBlock` comes back to the shell,
//! which waits in its own way and calls again.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::string::{String, ToString};
use std::sync::{Arc, mpsc};
use std::vec::Vec;

use tracing::{debug, info, warn};

use crate::client::{Client, ClientEvent, ClientSocket, ClientTransmit};
use crate::clip::{Clip, ClipConfig};
use crate::media::{MediaLibrary, describe_load};
use crate::runtime::{ClientCommand, ClientError, ClientOptions, Epoch, ServerOptions};
use crate::runtime::{ntp_now, random_seed};
use crate::server::{
    ConnectionId, Datagram, MediaError, MediaRequestId, Server, ServerConfig, ServerEvent,
    ServerSocket,
};

/// Size of the buffer a machine reads into: the largest UDP payload, so no
/// datagram is ever cut, and a good chunk of a TCP stream.
const READ_BUFFER_LEN: usize = 64 * 1024;

// ---- server -----------------------------------------------------------

/// What a server shell does when its [`ServerMachine`] drains: the syscalls
/// and wake-ups, nothing else.
pub trait ServerIo {
    /// Sends one datagram now, without blocking. `Err(WouldBlock)` when the
    /// socket's buffer is full: the machine keeps the datagram, sends
    /// nothing more and calls [`datagram_blocked`](Self::datagram_blocked).
    /// Any other error loses the datagram, as UDP may.
    fn send_datagram(&mut self, datagram: Datagram, bytes: &[u8]) -> io::Result<()>;

    /// A datagram is waiting for `socket` to become writable: call
    /// [`ServerMachine::retry_blocked`] when it is, then drain.
    fn datagram_blocked(&mut self, socket: ServerSocket);

    /// `conn` has bytes to write: call [`ServerMachine::write_stream`] now or
    /// when its stream is writable.
    fn stream_ready(&mut self, conn: ConnectionId);

    /// Write what is left for `conn` (as for [`stream_ready`](Self::stream_ready)),
    /// then close it and call [`ServerMachine::disconnected`]. Read nothing
    /// more from it: the core ignores its input. Should the peer not read,
    /// the core says [`close_now`](Self::close_now) a while later.
    fn close_when_flushed(&mut self, conn: ConnectionId);

    /// Close `conn` now, without writing what is left (the core has
    /// discarded it), and call [`ServerMachine::disconnected`]. May come
    /// after [`close_when_flushed`](Self::close_when_flushed) or instead of
    /// it.
    fn close_now(&mut self, conn: ConnectionId);

    /// Load `path` off the thread that serves clients (with [`load_media`])
    /// and answer with [`ServerMachine::handle_media`]. `Err` answers the
    /// request at once (the loader is gone).
    fn load_media(&mut self, request: MediaRequestId, path: String) -> Result<(), MediaError>;
}

/// The core's [`Server`] with the clock, the read buffer, the output order
/// and the log lines every server shell needs. See the module docs.
#[derive(Debug)]
pub struct ServerMachine {
    server: Server,
    epoch: Epoch,
    buf: Vec<u8>,
    out: Vec<u8>,
    /// A datagram the socket refused (buffer full): sent before any other.
    blocked: Option<(Datagram, Vec<u8>)>,
}

/// The [`ServerConfig`] for `options`, once the shell has bound its RTP and
/// RTCP ports.
pub fn server_config(options: &ServerOptions, rtp_port: u16, rtcp_port: u16) -> ServerConfig {
    ServerConfig {
        fps: options.fps,
        looping: options.looping,
        session_timeout: options.session_timeout,
        rtp_port,
        rtcp_port,
        ntp_at_zero: ntp_now(),
        ..ServerConfig::default()
    }
}

/// The media library `options` name (frames packetised for its MTU,
/// normalised when RFC 2435 cannot carry them as they are).
pub fn media_library(options: &ServerOptions) -> io::Result<Arc<MediaLibrary>> {
    let config = ClipConfig {
        mtu: options.mtu,
        normalize: true,
    };
    Ok(Arc::new(MediaLibrary::new(&options.media_dir, config)?))
}

/// Loads `path` for a media request, logging a fresh load: its summary at
/// info level, each problem (bad frames, frames that need normalising) as a
/// warning.
///
/// Blocking (reads and normalises a whole file): call it off the thread that
/// serves clients.
pub fn load_media(library: &MediaLibrary, path: &str) -> Result<Arc<Clip>, MediaError> {
    let loaded = library.load(path)?;
    if loaded.fresh {
        for (i, line) in describe_load(&loaded).iter().enumerate() {
            if i == 0 {
                info!("{line}");
            } else {
                warn!("{line}");
            }
        }
    }
    Ok(loaded.clip)
}

impl ServerMachine {
    /// A server for `options` whose listener is at `local_addr` and whose
    /// RTP/RTCP sockets are on `rtp_port`/`rtcp_port`; logs the
    /// "listening on" line. Fails only if the OS random source does.
    pub fn new(
        options: &ServerOptions,
        local_addr: SocketAddr,
        rtp_port: u16,
        rtcp_port: u16,
    ) -> io::Result<ServerMachine> {
        let epoch = Epoch::new();
        let server = Server::new(server_config(options, rtp_port, rtcp_port), random_seed()?);
        info!(
            "listening on rtsp://{local_addr} (RTP/RTCP on UDP {rtp_port}/{rtcp_port}), serving {}",
            options.media_dir.display()
        );
        Ok(ServerMachine {
            server,
            epoch,
            buf: std::vec![0; READ_BUFFER_LEN],
            out: Vec::with_capacity(2048),
            blocked: None,
        })
    }

    /// The sans-IO server (for getters).
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The clock the server counts from.
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// A connection from `peer` was accepted on `local`: its id, or `None`
    /// (logged) if the server refuses it; the shell then drops the stream.
    pub fn connect(&mut self, local: SocketAddr, peer: SocketAddr) -> Option<ConnectionId> {
        match self.server.handle_connect(self.epoch.now(), local, peer) {
            Ok(id) => {
                debug!("connection {id} from {peer}");
                Some(id)
            }
            Err(e) => {
                warn!("refusing connection from {peer}: {e}");
                None
            }
        }
    }

    /// Reads once from `conn`'s stream with `read` (into the machine's
    /// buffer; again if a signal interrupts it) and feeds the core what
    /// came. `Ok(0)`: the peer closed; `Err(WouldBlock)`: nothing to read
    /// now; any other error: the connection failed. After `Ok(0)` or a
    /// failure, drop the stream and call [`disconnected`](Self::disconnected).
    pub fn read_stream(
        &mut self,
        conn: ConnectionId,
        read: impl FnMut(&mut [u8]) -> io::Result<usize>,
    ) -> io::Result<usize> {
        let n = retry_interrupted(read, &mut self.buf)?;
        if n > 0 {
            let now = self.epoch.now();
            self.server.handle_stream_data(now, conn, &self.buf[..n]);
        }
        Ok(n)
    }

    /// Writes what the core has for `conn` into `stream` until it is all
    /// written (`Ok`) or the stream would block (`Err(WouldBlock)`: call
    /// again when it is writable). Any other error: the connection failed.
    pub fn write_stream(&mut self, conn: ConnectionId, stream: &mut impl Write) -> io::Result<()> {
        loop {
            let pending = self.server.stream_outgoing(conn);
            if pending.is_empty() {
                return Ok(());
            }
            match stream.write(pending) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.server.handle_stream_written(conn, n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Whether `conn` has bytes the shell has not written yet.
    pub fn has_stream_output(&self, conn: ConnectionId) -> bool {
        !self.server.stream_outgoing(conn).is_empty()
    }

    /// `conn`'s stream is gone (closed by the peer, failed, or closed by the
    /// shell after [`ServerIo::close_when_flushed`]); `error` is why, if it
    /// failed. Sessions it owns end.
    pub fn disconnected(&mut self, conn: ConnectionId, error: Option<&io::Error>) {
        if let Some(e) = error {
            debug!("connection {conn}: {e}");
        }
        self.server.handle_disconnect(self.epoch.now(), conn);
        debug!("connection {conn} closed");
    }

    /// Receives one datagram on `socket` with `recv` (into the machine's
    /// buffer; again if a signal interrupts it) and feeds it to the core.
    /// `Err(WouldBlock)`: nothing waiting. Other errors (an ICMP port
    /// unreachable reported for an earlier send) are logged at debug level
    /// and returned; the socket is still usable, and datagrams may be
    /// queued behind the error: keep receiving until `WouldBlock`.
    pub fn read_datagram(
        &mut self,
        socket: ServerSocket,
        recv: impl FnMut(&mut [u8]) -> io::Result<(usize, SocketAddr)>,
    ) -> io::Result<()> {
        let (n, from) = receive(socket, recv, &mut self.buf)?;
        let now = self.epoch.now();
        self.server
            .handle_datagram(now, socket, from, &self.buf[..n]);
        Ok(())
    }

    /// The answer to a [`ServerIo::load_media`] request.
    pub fn handle_media(&mut self, request: MediaRequestId, result: Result<Arc<Clip>, MediaError>) {
        let now = self.epoch.now();
        self.server.handle_media(now, request, result);
    }

    /// Calls the core's `handle_timeout` if its deadline has passed.
    pub fn handle_timeout(&mut self) {
        let now = self.epoch.now();
        if self.server.poll_timeout().is_some_and(|t| t <= now) {
            self.server.handle_timeout(now);
        }
    }

    /// Starts shutting down: every session ends (RTCP BYE to standard
    /// clients), every connection is closed after its pending output, new
    /// ones are refused. Keep serving until [`is_finished`](Self::is_finished).
    pub fn shutdown(&mut self) {
        info!("shutting down");
        self.server.shutdown(self.epoch.now());
    }

    /// After [`shutdown`](Self::shutdown): everything has been sent and
    /// every connection is closed.
    pub fn is_finished(&self) -> bool {
        self.server.is_finished() && self.blocked.is_none()
    }

    /// The socket a datagram is waiting for, if one is.
    pub fn blocked_socket(&self) -> Option<ServerSocket> {
        self.blocked.as_ref().map(|(d, _)| d.socket)
    }

    /// The socket that refused a datagram may be writable again: sends the
    /// waiting datagram. `true` once nothing waits (then [`drain`](Self::drain),
    /// which sends the rest); `false` if it would still block (wait again).
    pub fn retry_blocked(&mut self, io: &mut impl ServerIo) -> bool {
        if let Some((d, bytes)) = self.blocked.take() {
            match io.send_datagram(d, &bytes) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.blocked = Some((d, bytes));
                    return false;
                }
                Err(e) => debug!("send to {}: {e}", d.destination),
                Ok(()) => {}
            }
        }
        true
    }

    /// Drains the core's outputs in the documented order — datagrams, then
    /// connections with bytes to write, then events (logged, or handed to
    /// `io`) — and returns the next deadline, when to call
    /// [`handle_timeout`](Self::handle_timeout). Call it after every input.
    pub fn drain(&mut self, io: &mut impl ServerIo) -> Option<std::time::Instant> {
        loop {
            self.send_datagrams(io);
            while let Some(id) = self.server.poll_stream() {
                io.stream_ready(id);
            }
            // A media request the shell cannot take is answered at once,
            // which may queue a reply: drain again until nothing is fed back.
            let mut fed_back = false;
            while let Some(event) = self.server.poll_event() {
                match event {
                    ServerEvent::MediaRequest { request, path } => {
                        if let Err(e) = io.load_media(request, path) {
                            self.handle_media(request, Err(e));
                            fed_back = true;
                        }
                    }
                    ServerEvent::CloseConnection(id) => io.close_when_flushed(id),
                    ServerEvent::DropConnection { conn, .. } => {
                        warn!("{event}");
                        io.close_now(conn);
                    }
                    other if other.is_warning() => warn!("{other}"),
                    other => info!("{other}"),
                }
            }
            if !fed_back {
                break;
            }
        }
        self.server.poll_timeout().map(|t| self.epoch.instant(t))
    }

    fn send_datagrams(&mut self, io: &mut impl ServerIo) {
        if self.blocked.is_some() {
            return;
        }
        while let Some(d) = self.server.poll_transmit(&mut self.out) {
            match io.send_datagram(d, &self.out) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.blocked = Some((d, std::mem::take(&mut self.out)));
                    io.datagram_blocked(d.socket);
                    return;
                }
                // Unreachable destinations and the like: the datagram is
                // lost, as UDP datagrams may be.
                Err(e) => debug!("send to {}: {e}", d.destination),
            }
        }
    }
}

// ---- client -----------------------------------------------------------

/// What a client shell does when its [`ClientMachine`] drains.
pub trait ClientIo {
    /// Sends an RTCP datagram now, without blocking. Errors (a full buffer
    /// included) drop it: RTCP is periodic and loss-tolerant.
    fn send_datagram(
        &mut self,
        socket: ClientSocket,
        destination: SocketAddr,
        bytes: &[u8],
    ) -> io::Result<()>;

    /// Requests are waiting to be written: call
    /// [`ClientMachine::write_stream`] now or when the stream is writable.
    fn stream_ready(&mut self);
}

/// The core's [`Client`] with the clock, the read buffer, the output order,
/// the log lines and the event channel every client shell needs.
#[derive(Debug)]
pub struct ClientMachine {
    client: Client,
    epoch: Epoch,
    events: mpsc::Sender<ClientEvent>,
    buf: Vec<u8>,
    out: Vec<u8>,
    write_buf: Vec<u8>,
    closed: bool,
}

impl ClientMachine {
    /// A client for `options` talking to `server`, with its RTP socket on
    /// `rtp_port` (ignored for TCP), delivering events to `events`; logs the
    /// "connected to" line. Fails only if the OS random source does.
    pub fn new(
        options: &ClientOptions,
        server: SocketAddr,
        rtp_port: u16,
        events: mpsc::Sender<ClientEvent>,
    ) -> io::Result<ClientMachine> {
        let epoch = Epoch::new();
        let seed = random_seed()?;
        let ssrc = u32::from_le_bytes([seed[0], seed[1], seed[2], seed[3]]);
        let config = options.client_config(server, rtp_port);
        info!(
            "connected to {server} for {:?} ({:?}, {:?})",
            config.url, config.dialect, config.transport
        );
        Ok(ClientMachine {
            client: Client::new(config, epoch.now(), ssrc),
            epoch,
            events,
            buf: std::vec![0; READ_BUFFER_LEN],
            out: Vec::with_capacity(2048),
            write_buf: Vec::new(),
            closed: false,
        })
    }

    /// The sans-IO client (for getters).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The clock the client counts from (for the `ClientHandle`).
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// Whether the client is still running (no [`ClientEvent::Closed`] yet):
    /// once `false`, the shell stops.
    pub fn is_open(&self) -> bool {
        !self.closed && !self.client.is_closed()
    }

    /// Gives the client a command from its handle; a command the state does
    /// not allow becomes a [`ClientEvent::Error`].
    pub fn command(&mut self, command: ClientCommand) {
        let now = self.epoch.now();
        let result = match command {
            ClientCommand::Setup => self.client.setup(now),
            ClientCommand::Play => self.client.play(now, None),
            ClientCommand::Seek(t) => self.client.play(now, Some(t)),
            ClientCommand::Pause => self.client.pause(now),
            ClientCommand::Teardown => self.client.teardown(now),
        };
        if let Err(e) = result {
            self.emit(ClientEvent::Error(e));
        }
    }

    /// Reads once from the RTSP connection with `read` (into the machine's
    /// buffer) and feeds the client. `Ok(0)` (the server closed) and errors
    /// other than `WouldBlock` end the connection (the client reports it);
    /// the shell keeps reading only after `Ok(n > 0)`.
    pub fn read_stream(
        &mut self,
        read: impl FnMut(&mut [u8]) -> io::Result<usize>,
    ) -> io::Result<usize> {
        let now = self.epoch.now();
        match retry_interrupted(read, &mut self.buf) {
            Ok(0) => {
                self.client.handle_disconnect(now);
                Ok(0)
            }
            Ok(n) => {
                self.client.handle_stream_data(now, &self.buf[..n]);
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Err(e),
            Err(e) => {
                self.fail(&e.to_string());
                Err(e)
            }
        }
    }

    /// Receives one datagram on `socket` with `recv` and feeds the client,
    /// then hands over the events it caused at once (frames as they
    /// complete, not after a whole burst). `Err(WouldBlock)`: nothing
    /// waiting; other errors are logged at debug level and returned (keep
    /// receiving: datagrams may be queued behind one).
    pub fn read_datagram(
        &mut self,
        socket: ClientSocket,
        recv: impl FnMut(&mut [u8]) -> io::Result<(usize, SocketAddr)>,
    ) -> io::Result<()> {
        let (n, from) = receive(socket, recv, &mut self.buf)?;
        let now = self.epoch.now();
        self.client
            .handle_datagram(now, socket, from, &self.buf[..n]);
        self.forward_events();
        Ok(())
    }

    /// Writes the waiting requests into `stream` until all are written
    /// (`Ok`) or it would block (`Err(WouldBlock)`: call again when
    /// writable). Other errors end the connection (reported) and are returned.
    pub fn write_stream(&mut self, stream: &mut impl Write) -> io::Result<()> {
        while !self.write_buf.is_empty() {
            match stream.write(&self.write_buf) {
                Ok(0) => {
                    let e = io::Error::from(io::ErrorKind::WriteZero);
                    self.fail(&e.to_string());
                    return Err(e);
                }
                Ok(n) => {
                    self.write_buf.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(e),
                Err(e) => {
                    self.fail(&e.to_string());
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Whether requests are waiting to be written.
    pub fn has_stream_output(&self) -> bool {
        !self.write_buf.is_empty()
    }

    /// The transport failed for a reason the shell found (`why`): reports
    /// it as [`ClientError::Transport`] and ends the connection.
    pub fn fail(&mut self, why: &str) {
        self.emit(ClientEvent::Error(ClientError::Transport(why.to_string())));
        self.client.handle_disconnect(self.epoch.now());
    }

    /// Calls the client's `handle_timeout` if its deadline has passed.
    pub fn handle_timeout(&mut self) {
        let now = self.epoch.now();
        if self.client.poll_timeout().is_some_and(|t| t <= now) {
            self.client.handle_timeout(now);
        }
    }

    /// Drains the client's outputs in the documented order — requests and
    /// RTCP, then events (logged and sent to the handle) — and returns the
    /// next deadline. Call it after every input or command; stop once
    /// [`is_open`](Self::is_open) is `false`.
    pub fn drain(&mut self, io: &mut impl ClientIo) -> Option<std::time::Instant> {
        while let Some(t) = self.client.poll_transmit(&mut self.out) {
            match t {
                ClientTransmit::Stream => self.write_buf.extend_from_slice(&self.out),
                ClientTransmit::Datagram {
                    socket,
                    destination,
                } => {
                    if let Err(e) = io.send_datagram(socket, destination, &self.out) {
                        debug!("RTCP to {destination}: {e}");
                    }
                }
            }
        }
        if !self.write_buf.is_empty() {
            io.stream_ready();
        }
        self.forward_events();
        self.client.poll_timeout().map(|t| self.epoch.instant(t))
    }

    fn forward_events(&mut self) {
        while let Some(e) = self.client.poll_event() {
            match &e {
                ClientEvent::StateChanged { from, to } => info!("state {from} -> {to}"),
                ClientEvent::RequestFailed {
                    method,
                    status,
                    reason,
                } => warn!("{method} failed: {status} {reason}"),
                ClientEvent::Error(err) => warn!("{err}"),
                ClientEvent::Closed => self.closed = true,
                _ => {}
            }
            // The handle may be gone (dropped without close); the shell
            // stops at its next wake-up.
            let _ = self.events.send(e);
        }
    }

    fn emit(&mut self, event: ClientEvent) {
        if let ClientEvent::Error(e) = &event {
            warn!("{e}");
        }
        let _ = self.events.send(event);
    }
}

// ---- sockets ----------------------------------------------------------

/// Binds an RTP/RTCP pair on `ip`: an even port for RTP and the next one
/// for RTCP (RFC 3550 Section 11), or exactly `rtp_port`/`rtp_port + 1`
/// when `rtp_port` is not 0. Plain blocking `std::net` sockets: the shell
/// makes them non-blocking and registers them its own way.
///
/// `rtp_port` 65535 is refused (`InvalidInput`): there is no next port.
pub fn bind_udp_pair(ip: IpAddr, rtp_port: u16) -> io::Result<(UdpSocket, UdpSocket)> {
    if rtp_port != 0 {
        let Some(rtcp_port) = rtp_port.checked_add(1) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                std::format!("RTP port {rtp_port} leaves no port for RTCP"),
            ));
        };
        let rtp = UdpSocket::bind(SocketAddr::new(ip, rtp_port))?;
        let rtcp = UdpSocket::bind(SocketAddr::new(ip, rtcp_port))?;
        return Ok((rtp, rtcp));
    }
    let mut last = None;
    for _ in 0..64 {
        let rtp = UdpSocket::bind(SocketAddr::new(ip, 0))?;
        let port = rtp.local_addr()?.port();
        if port % 2 != 0 || port == u16::MAX {
            continue;
        }
        match UdpSocket::bind(SocketAddr::new(ip, port + 1)) {
            Ok(rtcp) => return Ok((rtp, rtcp)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::AddrInUse, "no free even/odd UDP port pair")
    }))
}

/// What a server shell does after a failed `accept` ([`AcceptErrors`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptStep {
    /// Accept the next connection at once (this one failed on its own:
    /// aborted or reset before it was accepted, or a signal came).
    Next,
    /// Nothing to accept: wait for the listener to be readable.
    Wait,
    /// Out of a resource (descriptors, memory, buffers): accept nothing
    /// until this instant, then try again, whether or not the listener
    /// reports anything new (connections that queued meanwhile do not).
    RetryAt(std::time::Instant),
}

/// The first pause after an accept that failed for want of a resource.
const ACCEPT_BACKOFF_FIRST: std::time::Duration = std::time::Duration::from_millis(50);
/// The longest pause: a server whose descriptors come back accepts again
/// within this.
const ACCEPT_BACKOFF_MAX: std::time::Duration = std::time::Duration::from_secs(1);

/// One accept-error policy for every server shell.
///
/// An error that concerns only the connection at hand is skipped; one that
/// will persist for a while (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`, or
/// anything unknown) pauses accepting, 50 ms at first and twice as long
/// each time it fails again, up to a second, so the loop neither spins nor
/// gives up. An episode of such failures is logged once, as a warning when
/// it starts and at info level when an accept succeeds again.
#[derive(Debug, Default)]
pub struct AcceptErrors {
    /// Failures since the last successful accept.
    failures: u64,
    backoff: Option<std::time::Duration>,
    retry_at: Option<std::time::Instant>,
}

impl AcceptErrors {
    /// A policy with no failure behind it.
    pub fn new() -> AcceptErrors {
        AcceptErrors::default()
    }

    /// An accept succeeded: an episode of failures, if any, is over.
    pub fn accepted(&mut self) {
        if self.backoff.is_some() {
            info!(
                "accepting connections again after {} failed attempts",
                self.failures
            );
        }
        self.failures = 0;
        self.backoff = None;
        self.retry_at = None;
    }

    /// An accept at `now` failed with `error`: what to do next.
    pub fn failed(&mut self, now: std::time::Instant, error: &io::Error) -> AcceptStep {
        use io::ErrorKind::*;
        match error.kind() {
            WouldBlock => return AcceptStep::Wait,
            Interrupted => return AcceptStep::Next,
            ConnectionAborted | ConnectionReset => {
                debug!("accept: {error}");
                return AcceptStep::Next;
            }
            _ => {}
        }
        self.failures += 1;
        let backoff = match self.backoff {
            None => {
                warn!(
                    "accept: {error}; not accepting connections for {} ms, then retrying (no more warnings until one succeeds)",
                    ACCEPT_BACKOFF_FIRST.as_millis()
                );
                ACCEPT_BACKOFF_FIRST
            }
            Some(b) => {
                debug!("accept: {error} ({} failures in a row)", self.failures);
                (b * 2).min(ACCEPT_BACKOFF_MAX)
            }
        };
        self.backoff = Some(backoff);
        let at = now + backoff;
        self.retry_at = Some(at);
        AcceptStep::RetryAt(at)
    }

    /// While accepting is paused: when to try again.
    pub fn retry_at(&self) -> Option<std::time::Instant> {
        self.retry_at
    }

    /// Whether accepting is paused at `now` (a readiness event of the
    /// listener is then ignored: the retry accepts what is queued).
    pub fn paused(&self, now: std::time::Instant) -> bool {
        self.retry_at.is_some_and(|t| now < t)
    }

    /// Whether the pause is over at `now`: `true` once per pause (then
    /// accept until [`AcceptStep::Wait`]).
    pub fn retry_due(&mut self, now: std::time::Instant) -> bool {
        if self.retry_at.is_some_and(|t| t <= now) {
            self.retry_at = None;
            return true;
        }
        false
    }

    /// Whether an episode of failures is going on (no success since the
    /// first one).
    pub fn failing(&self) -> bool {
        self.backoff.is_some()
    }
}

/// The address a client binds its UDP pair on: any address of the server's
/// family.
pub fn client_udp_ip(server: SocketAddr) -> IpAddr {
    match server.ip() {
        IpAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
        IpAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
    }
}

/// How long a shell waits for a deadline from [`ServerMachine::drain`] or
/// [`ClientMachine::drain`] (`None`: no deadline, wait for I/O only).
///
/// Rounded up to a whole millisecond: epoll's unit, so a wait never ends
/// just before the deadline and spins; and every deadline that falls within
/// the same millisecond (a hundred sessions pacing 20 frames a second have
/// about two per millisecond) is handled by one wake-up instead of one each.
pub fn wait_for(deadline: Option<std::time::Instant>) -> Option<std::time::Duration> {
    deadline.map(|t| {
        let micros = t
            .saturating_duration_since(std::time::Instant::now())
            .as_micros();
        std::time::Duration::from_millis(u64::try_from(micros.div_ceil(1000)).unwrap_or(u64::MAX))
    })
}

/// Receives one datagram into `buf` with `recv`; an error other than
/// `WouldBlock` is logged (at debug level: ICMP reports for earlier sends
/// are routine) and returned.
fn receive(
    socket: impl core::fmt::Debug,
    recv: impl FnMut(&mut [u8]) -> io::Result<(usize, SocketAddr)>,
    buf: &mut [u8],
) -> io::Result<(usize, SocketAddr)> {
    retry_interrupted(recv, buf).inspect_err(|e| {
        if e.kind() != io::ErrorKind::WouldBlock {
            debug!("{socket:?} recv: {e}");
        }
    })
}

/// Runs a non-blocking I/O call into `buf`, again if a signal interrupted
/// it: with edge-triggered readiness (mio) no new wake-up would come for
/// what is already waiting, so an interrupted call cannot pass for
/// `WouldBlock`.
fn retry_interrupted<T>(
    mut op: impl FnMut(&mut [u8]) -> io::Result<T>,
    buf: &mut [u8],
) -> io::Result<T> {
    loop {
        match op(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shell double that records what the machine asks of it.
    #[derive(Default)]
    struct Recorder {
        sent: Vec<(Datagram, Vec<u8>)>,
        refuse_sends: bool,
        blocked: Vec<ServerSocket>,
        ready: Vec<ConnectionId>,
        closing: Vec<ConnectionId>,
        dropped: Vec<ConnectionId>,
        media: Vec<(MediaRequestId, String)>,
        loader_gone: bool,
    }

    impl ServerIo for Recorder {
        fn send_datagram(&mut self, d: Datagram, bytes: &[u8]) -> io::Result<()> {
            if self.refuse_sends {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.sent.push((d, bytes.to_vec()));
            Ok(())
        }
        fn datagram_blocked(&mut self, socket: ServerSocket) {
            self.blocked.push(socket);
        }
        fn stream_ready(&mut self, conn: ConnectionId) {
            self.ready.push(conn);
        }
        fn close_when_flushed(&mut self, conn: ConnectionId) {
            self.closing.push(conn);
        }
        fn close_now(&mut self, conn: ConnectionId) {
            self.dropped.push(conn);
        }
        fn load_media(&mut self, request: MediaRequestId, path: String) -> Result<(), MediaError> {
            if self.loader_gone {
                return Err(MediaError::Unreadable("loader stopped".into()));
            }
            self.media.push((request, path));
            Ok(())
        }
    }

    fn media_dir() -> std::path::PathBuf {
        std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/media"))
    }

    fn machine() -> ServerMachine {
        let options = ServerOptions {
            media_dir: media_dir(),
            ..ServerOptions::default()
        };
        ServerMachine::new(&options, "127.0.0.1:554".parse().unwrap(), 5000, 5001).unwrap()
    }

    /// A connection from 127.0.0.1:40000.
    fn connected(m: &mut ServerMachine) -> ConnectionId {
        m.connect(
            "127.0.0.1:554".parse().unwrap(),
            "127.0.0.1:40000".parse().unwrap(),
        )
        .unwrap()
    }

    fn request(m: &mut ServerMachine, conn: ConnectionId, text: &str) {
        let n = m
            .read_stream(conn, |buf| {
                buf[..text.len()].copy_from_slice(text.as_bytes());
                Ok(text.len())
            })
            .unwrap();
        assert_eq!(n, text.len());
    }

    fn written(m: &mut ServerMachine, conn: ConnectionId) -> String {
        let mut out = Vec::new();
        m.write_stream(conn, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    const SETUP: &str = "SETUP rtsp://h/lab-384x288-444.Mjpeg RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP;unicast;client_port=7000-7001\r\n\r\n";

    #[test]
    fn drain_hands_everything_to_the_shell_in_order() {
        let mut m = machine();
        let mut io = Recorder::default();
        let peer: SocketAddr = "127.0.0.1:40000".parse().unwrap();
        let conn = m.connect("127.0.0.1:554".parse().unwrap(), peer).unwrap();
        request(&mut m, conn, SETUP);
        m.drain(&mut io);
        assert_eq!(io.media.len(), 1, "a SETUP needs its clip");
        assert_eq!(io.media[0].1, "lab-384x288-444.Mjpeg");
        assert!(io.ready.is_empty(), "no reply before the clip");

        let library = media_library(&ServerOptions {
            media_dir: media_dir(),
            ..ServerOptions::default()
        })
        .unwrap();
        let (id, path) = io.media.pop().unwrap();
        m.handle_media(id, load_media(&library, &path));
        let deadline = m.drain(&mut io);
        assert_eq!(io.ready, [conn]);
        assert!(m.has_stream_output(conn));
        assert!(written(&mut m, conn).starts_with("RTSP/1.0 200 OK\r\n"));
        assert!(!m.has_stream_output(conn));
        assert!(deadline.is_some(), "the session's timeout");

        let play = "PLAY rtsp://h/lab-384x288-444.Mjpeg RTSP/1.0\r\nCSeq: 2\r\nSession: ";
        let session = m.server().session_count();
        assert_eq!(session, 1);
        // The session id is in the reply we already took; PLAY with a wrong
        // one is refused, and refused requests are answered all the same.
        request(&mut m, conn, &std::format!("{play}0\r\n\r\n"));
        m.drain(&mut io);
        assert!(written(&mut m, conn).starts_with("RTSP/1.0 454"));
    }

    #[test]
    fn a_gone_loader_answers_at_once() {
        let mut m = machine();
        let mut io = Recorder {
            loader_gone: true,
            ..Recorder::default()
        };
        let conn = connected(&mut m);
        request(&mut m, conn, SETUP);
        m.drain(&mut io);
        assert_eq!(io.ready, [conn], "the error reply is drained too");
        assert!(written(&mut m, conn).starts_with("RTSP/1.0 500"));
    }

    #[test]
    fn a_full_socket_keeps_the_datagram_until_it_drains() {
        let mut m = machine();
        let mut io = Recorder::default();
        let library = media_library(&ServerOptions {
            media_dir: media_dir(),
            ..ServerOptions::default()
        })
        .unwrap();
        let conn = connected(&mut m);
        request(&mut m, conn, SETUP);
        m.drain(&mut io);
        let (id, path) = io.media.pop().unwrap();
        m.handle_media(id, load_media(&library, &path));
        m.drain(&mut io);
        assert!(written(&mut m, conn).starts_with("RTSP/1.0 200 OK"));
        // Shutdown ends the session with an RTCP BYE, which the full socket
        // refuses.
        io.refuse_sends = true;
        m.shutdown();
        m.drain(&mut io);
        assert_eq!(io.blocked, [ServerSocket::Rtcp]);
        assert_eq!(m.blocked_socket(), Some(ServerSocket::Rtcp));
        assert!(io.sent.is_empty());
        m.disconnected(conn, None);
        assert!(!m.is_finished(), "not finished while the BYE waits");
        // Still full: nothing moves, nothing is lost.
        assert!(!m.retry_blocked(&mut io));
        io.refuse_sends = false;
        assert!(m.retry_blocked(&mut io));
        assert!(m.blocked_socket().is_none());
        assert_eq!(io.sent.len(), 1);
        assert_eq!(io.sent[0].0.socket, ServerSocket::Rtcp);
        assert_eq!(io.sent[0].0.destination, "127.0.0.1:7001".parse().unwrap());
        assert!(m.is_finished());
    }

    #[test]
    fn stream_errors_and_would_block() {
        let mut m = machine();
        let conn = connected(&mut m);
        let e = m
            .read_stream(conn, |_| Err(io::ErrorKind::WouldBlock.into()))
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        // Interrupted by a signal: read again, at once (an edge-triggered
        // shell would get no new wake-up for what is waiting).
        let mut calls = 0;
        let n = m
            .read_stream(conn, |buf| {
                calls += 1;
                if calls < 3 {
                    return Err(io::ErrorKind::Interrupted.into());
                }
                buf[..2].copy_from_slice(b"\r\n");
                Ok(2)
            })
            .unwrap();
        assert_eq!((n, calls), (2, 3));
        assert_eq!(m.read_stream(conn, |_| Ok(0)).unwrap(), 0);
        m.disconnected(conn, None);
        assert_eq!(m.server().connection_count(), 0);
    }

    #[test]
    fn shutdown_finishes_once_connections_are_gone() {
        let mut m = machine();
        let mut io = Recorder::default();
        let conn = connected(&mut m);
        m.shutdown();
        m.drain(&mut io);
        assert_eq!(io.closing, [conn]);
        assert!(!m.is_finished());
        m.disconnected(conn, None);
        assert!(m.is_finished());
        assert!(
            m.connect(
                "127.0.0.1:554".parse().unwrap(),
                "127.0.0.1:40001".parse().unwrap()
            )
            .is_none()
        );
    }

    /// Counts the warnings logged on this thread.
    struct CountWarnings(Arc<std::sync::atomic::AtomicUsize>);

    impl tracing::Subscriber for CountWarnings {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            if *event.metadata().level() == tracing::Level::WARN {
                self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[test]
    fn accept_errors_skip_retry_and_back_off() {
        let warnings = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = || warnings.load(std::sync::atomic::Ordering::Relaxed);
        let _guard = tracing::subscriber::set_default(CountWarnings(Arc::clone(&warnings)));
        let mut p = AcceptErrors::new();
        let t0 = std::time::Instant::now();
        let err = |kind: io::ErrorKind| io::Error::from(kind);
        let emfile = || io::Error::from_raw_os_error(24);

        // The connection at hand failed: take the next one at once.
        for kind in [
            io::ErrorKind::ConnectionAborted,
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::Interrupted,
        ] {
            assert_eq!(p.failed(t0, &err(kind)), AcceptStep::Next);
        }
        assert_eq!(
            p.failed(t0, &err(io::ErrorKind::WouldBlock)),
            AcceptStep::Wait
        );
        assert!(!p.failing() && p.retry_at().is_none());
        assert_eq!(count(), 0);

        // Out of descriptors: pause, longer each time, capped; warn once.
        let mut t = t0;
        let mut pauses = Vec::new();
        for _ in 0..8 {
            let AcceptStep::RetryAt(at) = p.failed(t, &emfile()) else {
                panic!("EMFILE must pause accepting");
            };
            assert_eq!(p.retry_at(), Some(at));
            assert!(p.paused(t) && !p.retry_due(t), "not before the pause ends");
            assert!(p.retry_due(at), "due when it ends");
            assert!(!p.retry_due(at), "once");
            pauses.push(at - t);
            t = at;
        }
        assert_eq!(pauses[0], ACCEPT_BACKOFF_FIRST);
        assert!(pauses.windows(2).all(|w| w[1] >= w[0]));
        assert_eq!(*pauses.last().unwrap(), ACCEPT_BACKOFF_MAX);
        assert_eq!(count(), 1, "one warning per episode");

        // A success ends the episode: the next failure warns again and
        // pauses briefly again.
        p.accepted();
        assert!(!p.failing() && p.retry_at().is_none());
        assert_eq!(
            p.failed(t, &io::Error::other("ENFILE")),
            AcceptStep::RetryAt(t + ACCEPT_BACKOFF_FIRST)
        );
        assert_eq!(count(), 2);
    }

    #[test]
    fn no_udp_pair_above_the_last_port() {
        let e = bind_udp_pair(Ipv4Addr::LOCALHOST.into(), u16::MAX).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        let (rtp, rtcp) = bind_udp_pair(Ipv4Addr::LOCALHOST.into(), 0).unwrap();
        let port = rtp.local_addr().unwrap().port();
        assert_eq!(port % 2, 0);
        assert_eq!(rtcp.local_addr().unwrap().port(), port + 1);
    }

    #[test]
    fn a_peer_that_never_reads_is_closed_at_once() {
        let mut m = machine();
        let mut io = Recorder::default();
        let conn = connected(&mut m);
        let options = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n".repeat(100);
        for _ in 0..100_000 {
            request(&mut m, conn, &options);
            m.drain(&mut io);
            if !io.dropped.is_empty() {
                break;
            }
        }
        assert_eq!(io.dropped, [conn], "told to close it now");
        assert!(io.closing.is_empty(), "not after writing its backlog");
        assert!(!m.has_stream_output(conn), "its backlog is discarded");
        m.disconnected(conn, None);
        assert_eq!(m.server().connection_count(), 0);
    }

    #[derive(Default)]
    struct ClientRecorder {
        ready: usize,
        sent: Vec<(ClientSocket, SocketAddr, Vec<u8>)>,
    }

    impl ClientIo for ClientRecorder {
        fn send_datagram(
            &mut self,
            socket: ClientSocket,
            destination: SocketAddr,
            bytes: &[u8],
        ) -> io::Result<()> {
            self.sent.push((socket, destination, bytes.to_vec()));
            Ok(())
        }
        fn stream_ready(&mut self) {
            self.ready += 1;
        }
    }

    #[test]
    fn client_commands_requests_and_events() {
        let (tx, rx) = mpsc::channel();
        let options = ClientOptions::lab("127.0.0.1", 1025, 5008, "movie.Mjpeg");
        let server: SocketAddr = "127.0.0.1:1025".parse().unwrap();
        let mut m = ClientMachine::new(&options, server, 5008, tx).unwrap();
        let mut io = ClientRecorder::default();
        m.command(ClientCommand::Play);
        m.drain(&mut io);
        assert!(matches!(
            rx.try_recv(),
            Ok(ClientEvent::Error(ClientError::NotAllowed { .. }))
        ));
        m.command(ClientCommand::Setup);
        m.drain(&mut io);
        assert_eq!(io.ready, 1);
        // A stream that takes three bytes, then blocks.
        struct Trickle(Vec<u8>, usize);
        impl Write for Trickle {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                if self.1 == 0 {
                    return Err(io::ErrorKind::WouldBlock.into());
                }
                let n = b.len().min(3);
                self.1 -= 1;
                self.0.extend_from_slice(&b[..n]);
                Ok(n)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut t = Trickle(Vec::new(), 2);
        let e = m.write_stream(&mut t).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        assert!(m.has_stream_output());
        t.1 = usize::MAX;
        m.write_stream(&mut t).unwrap();
        assert!(!m.has_stream_output());
        assert_eq!(
            t.0,
            b"SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 5008"
        );
        // (Terminated here; an unterminated one completes after a pause.)
        let reply = b"RTSP/1.0 200 OK\nCSeq: 1\nSession: 123456\n\n";
        m.read_stream(|buf| {
            buf[..reply.len()].copy_from_slice(reply);
            Ok(reply.len())
        })
        .unwrap();
        m.drain(&mut io);
        assert!(matches!(
            rx.try_recv(),
            Ok(ClientEvent::StateChanged {
                to: crate::session::State::Ready,
                ..
            })
        ));
        assert!(m.is_open());
        let e = m
            .read_stream(|_| Err(io::ErrorKind::ConnectionReset.into()))
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::ConnectionReset);
        m.drain(&mut io);
        assert!(!m.is_open());
        let rest: Vec<ClientEvent> = rx.try_iter().collect();
        assert!(matches!(
            rest[0],
            ClientEvent::Error(ClientError::Transport(_))
        ));
        assert_eq!(rest.last(), Some(&ClientEvent::Closed));
    }
}
