//! The server's event loop.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use mio::net::{TcpListener, TcpStream, UdpSocket};
use mio::{Events, Interest, Poll, Token, Waker};
use stream_core::clip::Clip;
use stream_core::clip::ClipConfig;
use stream_core::media::{MediaLibrary, describe_load};
use stream_core::runtime::{Epoch, ServerHandle, ServerOptions, ntp_now, random_seed};
use stream_core::server::{
    ConnectionId, Datagram, MediaError, MediaRequestId, Server, ServerConfig, ServerEvent,
    ServerSocket,
};
use tracing::{debug, info, warn};

use crate::sockets::bind_pair;

const LISTENER: Token = Token(0);
const RTP: Token = Token(1);
const RTCP: Token = Token(2);
const WAKER: Token = Token(3);
const FIRST_CONNECTION: usize = 16;

/// How long shutdown waits for BYEs and replies to drain.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Asks a running [`ServerLoop`] to shut down (from another thread or a
/// signal handler).
#[derive(Clone)]
pub struct StopSignal {
    flag: Arc<AtomicBool>,
    waker: Arc<Waker>,
}

impl StopSignal {
    /// Requests shutdown: sessions end with RTCP BYE, then the loop returns.
    pub fn stop(&self) {
        self.flag.store(true, Ordering::SeqCst);
        // A failed wake only delays shutdown to the next event or deadline.
        let _ = self.waker.wake();
    }
}

struct Conn {
    stream: TcpStream,
    id: ConnectionId,
    writable_interest: bool,
    closing: bool,
}

type MediaAnswer = (MediaRequestId, Result<Arc<Clip>, MediaError>);

/// A bound server, ready to [`run`](Self::run).
pub struct ServerLoop {
    poll: Poll,
    listener: TcpListener,
    rtp: UdpSocket,
    rtcp: UdpSocket,
    waker: Arc<Waker>,
    stop: Arc<AtomicBool>,
    server: Server,
    epoch: Epoch,
    conns: HashMap<Token, Conn>,
    tokens: HashMap<ConnectionId, Token>,
    next_token: usize,
    loader: mpsc::Sender<(MediaRequestId, String)>,
    answers: mpsc::Receiver<MediaAnswer>,
    /// A datagram the socket refused (buffer full), sent first when writable.
    blocked: Option<(Datagram, Vec<u8>)>,
    local_addr: SocketAddr,
}

impl ServerLoop {
    /// Binds the RTSP listener and the RTP/RTCP pair and prepares the loop.
    pub fn bind(options: &ServerOptions) -> io::Result<ServerLoop> {
        let library = Arc::new(MediaLibrary::new(
            &options.media_dir,
            ClipConfig {
                mtu: options.mtu,
                normalize: true,
            },
        )?);
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let std_listener = std::net::TcpListener::bind(options.bind)?;
        std_listener.set_nonblocking(true)?;
        let local_addr = std_listener.local_addr()?;
        let mut listener = TcpListener::from_std(std_listener);
        let (rtp_std, rtcp_std) = bind_pair(options.bind.ip(), 0)?;
        let (rtp_port, rtcp_port) = (rtp_std.local_addr()?.port(), rtcp_std.local_addr()?.port());
        rtp_std.set_nonblocking(true)?;
        rtcp_std.set_nonblocking(true)?;
        let mut rtp = UdpSocket::from_std(rtp_std);
        let mut rtcp = UdpSocket::from_std(rtcp_std);
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        poll.registry()
            .register(&mut rtp, RTP, Interest::READABLE)?;
        poll.registry()
            .register(&mut rtcp, RTCP, Interest::READABLE)?;

        let epoch = Epoch::new();
        let config = ServerConfig {
            fps: options.fps,
            looping: options.looping,
            session_timeout: options.session_timeout,
            rtp_port,
            rtcp_port,
            ntp_at_zero: ntp_now(),
            ..ServerConfig::default()
        };
        let server = Server::new(config, random_seed()?);

        let (loader, requests) = mpsc::channel::<(MediaRequestId, String)>();
        let (answer_tx, answers) = mpsc::channel();
        let loader_waker = Arc::clone(&waker);
        thread::Builder::new()
            .name("mio-media-loader".into())
            .spawn(move || {
                for (id, path) in requests {
                    let result = library.load(&path).map(|loaded| {
                        if loaded.fresh {
                            for (i, line) in describe_load(&loaded).iter().enumerate() {
                                if i == 0 {
                                    info!("{line}");
                                } else {
                                    warn!("{line}");
                                }
                            }
                        }
                        loaded.clip
                    });
                    if answer_tx.send((id, result)).is_err() {
                        return;
                    }
                    let _ = loader_waker.wake();
                }
            })?;

        info!(
            "listening on rtsp://{local_addr} (RTP/RTCP on UDP {rtp_port}/{rtcp_port}), serving {}",
            options.media_dir.display()
        );
        Ok(ServerLoop {
            poll,
            listener,
            rtp,
            rtcp,
            stop: Arc::new(AtomicBool::new(false)),
            waker,
            server,
            epoch,
            conns: HashMap::new(),
            tokens: HashMap::new(),
            next_token: FIRST_CONNECTION,
            loader,
            answers,
            blocked: None,
            local_addr,
        })
    }

    /// The RTSP listener's address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle that stops this loop.
    pub fn stop_signal(&self) -> StopSignal {
        StopSignal {
            flag: Arc::clone(&self.stop),
            waker: Arc::clone(&self.waker),
        }
    }

    /// Runs until stopped; then ends every session with RTCP BYE and returns.
    pub fn run(mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        let mut buf = vec![0u8; 64 * 1024];
        let mut out = Vec::with_capacity(2048);
        let mut shutdown_deadline = None;
        loop {
            let now = self.epoch.now();
            if shutdown_deadline.is_none() && self.stop.load(Ordering::SeqCst) {
                info!("shutting down");
                self.server.shutdown(now);
                shutdown_deadline = Some(std::time::Instant::now() + SHUTDOWN_GRACE);
            }
            self.drain(&mut out);
            if let Some(deadline) = shutdown_deadline {
                if (self.server.is_finished() && self.blocked.is_none())
                    || std::time::Instant::now() >= deadline
                {
                    return Ok(());
                }
            }
            let timeout = self.server.poll_timeout().map(|t| self.epoch.until(t));
            let timeout = match (timeout, shutdown_deadline) {
                (t, Some(_)) => Some(
                    t.unwrap_or(Duration::from_millis(50))
                        .min(Duration::from_millis(50)),
                ),
                (t, None) => t,
            };
            match self.poll.poll(&mut events, timeout) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            for event in events.iter() {
                match event.token() {
                    LISTENER => self.accept()?,
                    RTP | RTCP => {
                        let socket = if event.token() == RTP {
                            ServerSocket::Rtp
                        } else {
                            ServerSocket::Rtcp
                        };
                        if event.is_readable() {
                            self.receive_datagrams(socket, &mut buf);
                        }
                        if event.is_writable() {
                            self.blocked_writable();
                        }
                    }
                    WAKER => {
                        while let Ok((id, result)) = self.answers.try_recv() {
                            let now = self.epoch.now();
                            self.server.handle_media(now, id, result);
                        }
                    }
                    token => {
                        if event.is_readable() || event.is_read_closed() || event.is_error() {
                            self.read_conn(token, &mut buf);
                        }
                        if event.is_writable() {
                            self.flush_conn(token);
                        }
                    }
                }
            }
            let now = self.epoch.now();
            if self.server.poll_timeout().is_some_and(|t| t <= now) {
                self.server.handle_timeout(now);
            }
        }
    }

    fn accept(&mut self) -> io::Result<()> {
        loop {
            match self.listener.accept() {
                Ok((mut stream, peer)) => {
                    let local = stream.local_addr().unwrap_or(self.local_addr);
                    let now = self.epoch.now();
                    let id = match self.server.handle_connect(now, local, peer) {
                        Ok(id) => id,
                        Err(e) => {
                            warn!("refusing connection from {peer}: {e}");
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let token = Token(self.next_token);
                    self.next_token += 1;
                    if let Err(e) =
                        self.poll
                            .registry()
                            .register(&mut stream, token, Interest::READABLE)
                    {
                        warn!("cannot register connection from {peer}: {e}");
                        self.server.handle_disconnect(now, id);
                        continue;
                    }
                    debug!("connection {id} from {peer}");
                    self.conns.insert(
                        token,
                        Conn {
                            stream,
                            id,
                            writable_interest: false,
                            closing: false,
                        },
                    );
                    self.tokens.insert(id, token);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // Out of descriptors, a connection reset before accept...:
                // log and keep serving.
                Err(e) => {
                    warn!("accept: {e}");
                    return Ok(());
                }
            }
        }
    }

    fn receive_datagrams(&mut self, socket: ServerSocket, buf: &mut [u8]) {
        let sock = match socket {
            ServerSocket::Rtp => &self.rtp,
            ServerSocket::Rtcp => &self.rtcp,
        };
        loop {
            match sock.recv_from(buf) {
                Ok((n, from)) => {
                    let now = self.epoch.now();
                    self.server.handle_datagram(now, socket, from, &buf[..n]);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // ICMP port unreachable from an earlier send, etc.
                Err(e) => {
                    debug!("{socket:?} recv: {e}");
                    return;
                }
            }
        }
    }

    fn read_conn(&mut self, token: Token, buf: &mut [u8]) {
        let Some(conn) = self.conns.get_mut(&token) else {
            return;
        };
        let id = conn.id;
        loop {
            match conn.stream.read(buf) {
                Ok(0) => {
                    self.drop_conn(token);
                    return;
                }
                Ok(n) => {
                    let now = self.epoch.now();
                    self.server.handle_stream_data(now, id, &buf[..n]);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    debug!("connection {id}: {e}");
                    self.drop_conn(token);
                    return;
                }
            }
        }
    }

    fn flush_conn(&mut self, token: Token) {
        let Some(conn) = self.conns.get_mut(&token) else {
            return;
        };
        let id = conn.id;
        loop {
            let pending = self.server.stream_outgoing(id);
            if pending.is_empty() {
                break;
            }
            match conn.stream.write(pending) {
                Ok(0) => {
                    self.drop_conn(token);
                    return;
                }
                Ok(n) => self.server.handle_stream_written(id, n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    debug!("connection {id}: {e}");
                    self.drop_conn(token);
                    return;
                }
            }
        }
        let Some(conn) = self.conns.get_mut(&token) else {
            return;
        };
        let pending = !self.server.stream_outgoing(id).is_empty();
        if !pending && conn.closing {
            self.drop_conn(token);
            return;
        }
        if pending != conn.writable_interest {
            let interest = if pending {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            if self
                .poll
                .registry()
                .reregister(&mut conn.stream, token, interest)
                .is_ok()
            {
                conn.writable_interest = pending;
            }
        }
    }

    fn drop_conn(&mut self, token: Token) {
        if let Some(mut conn) = self.conns.remove(&token) {
            let _ = self.poll.registry().deregister(&mut conn.stream);
            self.tokens.remove(&conn.id);
            let now = self.epoch.now();
            self.server.handle_disconnect(now, conn.id);
            debug!("connection {} closed", conn.id);
        }
    }

    fn send_datagram(&mut self, d: Datagram, bytes: &[u8]) -> bool {
        let sock = match d.socket {
            ServerSocket::Rtp => &self.rtp,
            ServerSocket::Rtcp => &self.rtcp,
        };
        match sock.send_to(bytes, d.destination) {
            Ok(_) => true,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => false,
            // Unreachable destinations and the like: the datagram is lost,
            // as UDP datagrams may be.
            Err(e) => {
                debug!("send to {}: {e}", d.destination);
                true
            }
        }
    }

    fn blocked_writable(&mut self) {
        if let Some((d, bytes)) = self.blocked.take() {
            if !self.send_datagram(d, &bytes) {
                self.blocked = Some((d, bytes));
                return;
            }
            self.set_udp_writable_interest(d.socket, false);
        }
    }

    fn set_udp_writable_interest(&mut self, socket: ServerSocket, writable: bool) {
        let interest = if writable {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        let (sock, token) = match socket {
            ServerSocket::Rtp => (&mut self.rtp, RTP),
            ServerSocket::Rtcp => (&mut self.rtcp, RTCP),
        };
        let _ = self.poll.registry().reregister(sock, token, interest);
    }

    /// Drains the core's outputs in the documented order.
    fn drain(&mut self, out: &mut Vec<u8>) {
        if self.blocked.is_none() {
            while let Some(d) = self.server.poll_transmit(out) {
                if !self.send_datagram(d, out) {
                    // The socket buffer is full: wait until it drains.
                    self.blocked = Some((d, std::mem::take(out)));
                    self.set_udp_writable_interest(d.socket, true);
                    break;
                }
            }
        }
        while let Some(id) = self.server.poll_stream() {
            if let Some(&token) = self.tokens.get(&id) {
                self.flush_conn(token);
            }
        }
        while let Some(event) = self.server.poll_event() {
            match event {
                ServerEvent::MediaRequest { request, path } => {
                    if self.loader.send((request, path)).is_err() {
                        let now = self.epoch.now();
                        self.server.handle_media(
                            now,
                            request,
                            Err(MediaError::Unreadable("media loader stopped".into())),
                        );
                    }
                }
                ServerEvent::CloseConnection(id) => {
                    if let Some(&token) = self.tokens.get(&id) {
                        if let Some(conn) = self.conns.get_mut(&token) {
                            conn.closing = true;
                        }
                        self.flush_conn(token);
                    }
                }
                other if other.is_warning() => warn!("{other}"),
                other => info!("{other}"),
            }
        }
    }
}

/// Binds and starts a server on its own thread.
pub(crate) fn start(options: ServerOptions) -> io::Result<ServerHandle> {
    let server = ServerLoop::bind(&options)?;
    let addr = server.local_addr();
    let stop = server.stop_signal();
    let thread = thread::Builder::new()
        .name("mio-server".into())
        .spawn(move || server.run())?;
    Ok(ServerHandle::new(
        addr,
        Box::new(move || {
            stop.stop();
            thread
                .join()
                .map_err(|_| io::Error::other("server thread panicked"))?
        }),
    ))
}
