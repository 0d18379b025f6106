//! The server's event loop.

use std::collections::HashMap;
use std::io::{self, Read};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream, UdpSocket};
use mio::{Events, Interest, Poll, Token, Waker};
use stream_core::clip::Clip;
use stream_core::runtime::{RunLoop, ServerOptions};
use stream_core::server::{ConnectionId, Datagram, MediaError, MediaRequestId, ServerSocket};
use stream_core::shell::{
    AcceptErrors, AcceptStep, ServerIo, ServerMachine, bind_udp_pair, load_media, media_library,
    wait_for,
};

const LISTENER: Token = Token(0);
const RTP: Token = Token(1);
const RTCP: Token = Token(2);
const WAKER: Token = Token(3);
const FIRST_CONNECTION: usize = 16;

/// How long shutdown waits for BYEs and replies to drain.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// How many reads (of up to 64 KiB) one readiness event of a connection
/// gets before the loop turns to the others; then the connection is
/// re-armed for another event.
const READS_PER_WAKE: usize = 32;

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
    /// The core closed it: write what is left, read nothing more.
    closing: bool,
}

type MediaAnswer = (MediaRequestId, Result<Arc<Clip>, MediaError>);

/// The sockets and registrations: what the machine asks of the loop
/// ([`ServerIo`]) is done here.
struct Io {
    poll: Poll,
    rtp: UdpSocket,
    rtcp: UdpSocket,
    conns: HashMap<Token, Conn>,
    tokens: HashMap<ConnectionId, Token>,
    loader: mpsc::Sender<(MediaRequestId, String)>,
    /// Connections with bytes to write, collected during a drain.
    ready: Vec<Token>,
    /// Connections to close at once, collected during a drain.
    abandoned: Vec<Token>,
}

/// A bound server, ready to [`run`](Self::run).
pub struct ServerLoop {
    io: Io,
    listener: TcpListener,
    waker: Arc<Waker>,
    stop: Arc<AtomicBool>,
    machine: ServerMachine,
    accept_errors: AcceptErrors,
    next_token: usize,
    answers: mpsc::Receiver<MediaAnswer>,
    local_addr: SocketAddr,
}

impl ServerLoop {
    /// Binds the RTSP listener and the RTP/RTCP pair and prepares the loop.
    pub fn bind(options: &ServerOptions) -> io::Result<ServerLoop> {
        let library = media_library(options)?;
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let std_listener = std::net::TcpListener::bind(options.bind)?;
        std_listener.set_nonblocking(true)?;
        let local_addr = std_listener.local_addr()?;
        let mut listener = TcpListener::from_std(std_listener);
        let (rtp_std, rtcp_std) = bind_udp_pair(options.bind.ip(), 0)?;
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

        let (loader, requests) = mpsc::channel::<(MediaRequestId, String)>();
        let (answer_tx, answers) = mpsc::channel();
        let loader_waker = Arc::clone(&waker);
        thread::Builder::new()
            .name("mio-media-loader".into())
            .spawn(move || {
                for (id, path) in requests {
                    if answer_tx.send((id, load_media(&library, &path))).is_err() {
                        return;
                    }
                    let _ = loader_waker.wake();
                }
            })?;

        let machine = ServerMachine::new(options, local_addr, rtp_port, rtcp_port)?;
        Ok(ServerLoop {
            io: Io {
                poll,
                rtp,
                rtcp,
                conns: HashMap::new(),
                tokens: HashMap::new(),
                loader,
                ready: Vec::new(),
                abandoned: Vec::new(),
            },
            listener,
            stop: Arc::new(AtomicBool::new(false)),
            waker,
            machine,
            accept_errors: AcceptErrors::new(),
            next_token: FIRST_CONNECTION,
            answers,
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
        let mut shutdown_deadline = None;
        loop {
            if shutdown_deadline.is_none() && self.stop.load(Ordering::SeqCst) {
                self.machine.shutdown();
                shutdown_deadline = Some(Instant::now() + SHUTDOWN_GRACE);
            }
            let deadline = self.drain();
            if let Some(end) = shutdown_deadline {
                if self.machine.is_finished() || Instant::now() >= end {
                    return Ok(());
                }
            }
            // While shutting down, look at the clock at least every 50 ms;
            // while accepting is paused, wake to retry.
            let timeout = match (wait_for(deadline), wait_for(self.accept_errors.retry_at())) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let timeout = match shutdown_deadline {
                Some(_) => Some(timeout.map_or(Duration::from_millis(50), |t| {
                    t.min(Duration::from_millis(50))
                })),
                None => timeout,
            };
            match self.io.poll.poll(&mut events, timeout) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            for event in events.iter() {
                match event.token() {
                    // While paused, the retry accepts what queued.
                    LISTENER if self.accept_errors.paused(Instant::now()) => {}
                    LISTENER => self.accept(),
                    RTP | RTCP => {
                        let socket = if event.token() == RTP {
                            ServerSocket::Rtp
                        } else {
                            ServerSocket::Rtcp
                        };
                        if event.is_readable() {
                            self.receive_datagrams(socket);
                        }
                        if event.is_writable() && self.machine.retry_blocked(&mut self.io) {
                            self.io.set_udp_writable_interest(socket, false);
                        }
                    }
                    WAKER => {
                        while let Ok((id, result)) = self.answers.try_recv() {
                            self.machine.handle_media(id, result);
                        }
                    }
                    token => {
                        let closing = self.io.conns.get(&token).is_some_and(|c| c.closing);
                        if closing {
                            // Only its output matters now; a failed write
                            // (the peer reset it) drops it.
                            self.flush_conn(token);
                            continue;
                        }
                        if event.is_readable() || event.is_read_closed() || event.is_error() {
                            self.read_conn(token);
                        }
                        if event.is_writable() {
                            self.flush_conn(token);
                        }
                    }
                }
            }
            if self.accept_errors.retry_due(Instant::now()) {
                self.accept();
            }
            self.machine.handle_timeout();
        }
    }

    /// Accepts until nothing is queued, or an error pauses accepting (the
    /// run loop then retries at [`AcceptErrors::retry_at`]: the listener
    /// reports no new event for connections that are already queued).
    fn accept(&mut self) {
        loop {
            match self.listener.accept() {
                Ok((mut stream, peer)) => {
                    self.accept_errors.accepted();
                    let local = stream.local_addr().unwrap_or(self.local_addr);
                    let Some(id) = self.machine.connect(local, peer) else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let token = Token(self.next_token);
                    self.next_token += 1;
                    if let Err(e) =
                        self.io
                            .poll
                            .registry()
                            .register(&mut stream, token, Interest::READABLE)
                    {
                        self.machine.disconnected(id, Some(&e));
                        continue;
                    }
                    self.io.conns.insert(
                        token,
                        Conn {
                            stream,
                            id,
                            writable_interest: false,
                            closing: false,
                        },
                    );
                    self.io.tokens.insert(id, token);
                }
                Err(e) => match self.accept_errors.failed(Instant::now(), &e) {
                    AcceptStep::Next => {}
                    AcceptStep::Wait | AcceptStep::RetryAt(_) => return,
                },
            }
        }
    }

    fn receive_datagrams(&mut self, socket: ServerSocket) {
        let sock = match socket {
            ServerSocket::Rtp => &self.io.rtp,
            ServerSocket::Rtcp => &self.io.rtcp,
        };
        let machine = &mut self.machine;
        let all_taken = crate::receive_until_blocked(|| {
            machine.read_datagram(socket, |buf| sock.recv_from(buf))
        });
        if !all_taken {
            let blocked = self.machine.blocked_socket() == Some(socket);
            self.io.set_udp_writable_interest(socket, blocked);
        }
    }

    /// Reads what `token`'s peer sent, feeding and draining the machine
    /// after each read, until it would block, the connection ends, or the
    /// core closes it (then nothing more is read: the core would ignore
    /// it). After [`READS_PER_WAKE`] reads, re-arms it and lets the others
    /// have their turn.
    fn read_conn(&mut self, token: Token) {
        for _ in 0..READS_PER_WAKE {
            let Some(conn) = self.io.conns.get_mut(&token) else {
                return;
            };
            if conn.closing {
                return;
            }
            match self
                .machine
                .read_stream(conn.id, |buf| conn.stream.read(buf))
            {
                Ok(0) => return self.drop_conn(token, None),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) => return self.drop_conn(token, Some(e)),
            }
            // What it sent may have closed or dropped it.
            self.drain();
        }
        if let Some(conn) = self.io.conns.get_mut(&token) {
            let interest = if conn.writable_interest {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            let _ = self
                .io
                .poll
                .registry()
                .reregister(&mut conn.stream, token, interest);
        }
    }

    fn flush_conn(&mut self, token: Token) {
        let Some(conn) = self.io.conns.get_mut(&token) else {
            return;
        };
        let id = conn.id;
        match self.machine.write_stream(id, &mut conn.stream) {
            Ok(()) if conn.closing => return self.drop_conn(token, None),
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return self.drop_conn(token, Some(e)),
        }
        let pending = self.machine.has_stream_output(id);
        let Some(conn) = self.io.conns.get_mut(&token) else {
            return;
        };
        crate::want_writable(
            self.io.poll.registry(),
            &mut conn.stream,
            token,
            pending,
            &mut conn.writable_interest,
        );
    }

    fn drop_conn(&mut self, token: Token, error: Option<io::Error>) {
        if let Some(mut conn) = self.io.conns.remove(&token) {
            let _ = self.io.poll.registry().deregister(&mut conn.stream);
            self.io.tokens.remove(&conn.id);
            self.machine.disconnected(conn.id, error.as_ref());
        }
    }

    /// Drains the machine, closes the connections it gave up on and writes
    /// to those it named, until closing and writing feed it nothing more;
    /// returns the next deadline.
    fn drain(&mut self) -> Option<Instant> {
        loop {
            let deadline = self.machine.drain(&mut self.io);
            let abandoned = std::mem::take(&mut self.io.abandoned);
            let ready = std::mem::take(&mut self.io.ready);
            if abandoned.is_empty() && ready.is_empty() {
                return deadline;
            }
            for token in abandoned {
                self.drop_conn(token, None);
            }
            for token in ready {
                self.flush_conn(token);
            }
        }
    }
}

impl Io {
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
}

impl ServerIo for Io {
    fn send_datagram(&mut self, d: Datagram, bytes: &[u8]) -> io::Result<()> {
        let sock = match d.socket {
            ServerSocket::Rtp => &self.rtp,
            ServerSocket::Rtcp => &self.rtcp,
        };
        sock.send_to(bytes, d.destination).map(drop)
    }

    fn datagram_blocked(&mut self, socket: ServerSocket) {
        self.set_udp_writable_interest(socket, true);
    }

    fn stream_ready(&mut self, conn: ConnectionId) {
        if let Some(&token) = self.tokens.get(&conn) {
            self.ready.push(token);
        }
    }

    fn close_when_flushed(&mut self, conn: ConnectionId) {
        if let Some(&token) = self.tokens.get(&conn) {
            if let Some(c) = self.conns.get_mut(&token) {
                c.closing = true;
                // Its input no longer matters: no wake-ups for it.
                if self
                    .poll
                    .registry()
                    .reregister(&mut c.stream, token, Interest::WRITABLE)
                    .is_ok()
                {
                    c.writable_interest = true;
                }
            }
            self.ready.push(token);
        }
    }

    fn close_now(&mut self, conn: ConnectionId) {
        if let Some(&token) = self.tokens.get(&conn) {
            if let Some(c) = self.conns.get_mut(&token) {
                c.closing = true;
            }
            self.abandoned.push(token);
        }
    }

    fn load_media(&mut self, request: MediaRequestId, path: String) -> Result<(), MediaError> {
        self.loader
            .send((request, path))
            .map_err(|_| MediaError::Unreadable("media loader stopped".into()))
    }
}

impl RunLoop for ServerLoop {
    fn bind(options: &ServerOptions) -> io::Result<Self> {
        ServerLoop::bind(options)
    }

    fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    fn stopper(&self) -> Box<dyn Fn() + Send + Sync> {
        let stop = self.stop_signal();
        Box::new(move || stop.stop())
    }

    fn run(self) -> io::Result<()> {
        ServerLoop::run(self)
    }
}
