//! The client's event loop, on a thread of its own.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;

use mio::net::{TcpStream, UdpSocket};
use mio::{Events, Interest, Poll, Token, Waker};
use stream_core::client::{Client, ClientEvent, ClientSocket, ClientTransmit, ClientTransport};
use stream_core::runtime::{
    ClientCommand, ClientError, ClientHandle, ClientOptions, Epoch, random_seed,
};
use tracing::{debug, info, warn};

use crate::sockets::bind_pair;

const TCP: Token = Token(0);
const RTP: Token = Token(1);
const RTCP: Token = Token(2);
const WAKER: Token = Token(3);

struct ClientLoop {
    poll: Poll,
    stream: TcpStream,
    udp: Option<(UdpSocket, UdpSocket)>,
    client: Client,
    epoch: Epoch,
    commands: mpsc::Receiver<ClientCommand>,
    events: mpsc::Sender<ClientEvent>,
    stop: Arc<AtomicBool>,
    write_buf: Vec<u8>,
    writable_interest: bool,
}

/// Connects (blocking, bounded by `options.timeout`), binds the UDP pair,
/// and runs the client loop on a new thread.
pub(crate) fn start(options: ClientOptions) -> io::Result<ClientHandle> {
    let server = options.server_addr()?;
    let std_stream = std::net::TcpStream::connect_timeout(&server, options.timeout)?;
    std_stream.set_nodelay(true)?;
    std_stream.set_nonblocking(true)?;
    let poll = Poll::new()?;
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
    let mut stream = TcpStream::from_std(std_stream);
    poll.registry()
        .register(&mut stream, TCP, Interest::READABLE)?;

    let (udp, rtp_port) = match options.transport {
        ClientTransport::Udp { rtp_port } => {
            let any: IpAddr = match server.ip() {
                IpAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
                IpAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
            };
            let (rtp, rtcp) = bind_pair(any, rtp_port)?;
            let port = rtp.local_addr()?.port();
            rtp.set_nonblocking(true)?;
            rtcp.set_nonblocking(true)?;
            let mut rtp = UdpSocket::from_std(rtp);
            let mut rtcp = UdpSocket::from_std(rtcp);
            poll.registry()
                .register(&mut rtp, RTP, Interest::READABLE)?;
            poll.registry()
                .register(&mut rtcp, RTCP, Interest::READABLE)?;
            (Some((rtp, rtcp)), port)
        }
        ClientTransport::Tcp => (None, 0),
    };

    let epoch = Epoch::new();
    let seed = random_seed()?;
    let ssrc = u32::from_le_bytes([seed[0], seed[1], seed[2], seed[3]]);
    let config = options.client_config(server, rtp_port);
    info!(
        "connected to {server} for {:?} ({:?}, {:?})",
        config.url, config.dialect, config.transport
    );
    let client = Client::new(config, epoch.now(), ssrc);

    let (command_tx, commands) = mpsc::channel();
    let (events, event_rx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let looper = ClientLoop {
        poll,
        stream,
        udp,
        client,
        epoch,
        commands,
        events,
        stop: Arc::clone(&stop),
        write_buf: Vec::new(),
        writable_interest: false,
    };
    let thread = thread::Builder::new()
        .name("mio-client".into())
        .spawn(move || looper.run())?;

    let command_waker = Arc::clone(&waker);
    let send = Box::new(move |c: ClientCommand| {
        command_tx
            .send(c)
            .map_err(|_| io::Error::new(io::ErrorKind::NotConnected, "client stopped"))?;
        command_waker.wake()
    });
    let close = Box::new(move || {
        stop.store(true, Ordering::SeqCst);
        let _ = waker.wake();
        let _ = thread.join();
    });
    Ok(ClientHandle::new(send, event_rx, epoch.start(), close))
}

impl ClientLoop {
    fn run(mut self) {
        let mut events = Events::with_capacity(256);
        let mut buf = vec![0u8; 64 * 1024];
        let mut out = Vec::with_capacity(2048);
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return;
            }
            if !self.drain(&mut out) {
                return;
            }
            let timeout = self.client.poll_timeout().map(|t| self.epoch.until(t));
            match self.poll.poll(&mut events, timeout) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.fail(&format!("poll: {e}"));
                    return;
                }
            }
            for event in events.iter() {
                match event.token() {
                    TCP => {
                        if event.is_readable() || event.is_read_closed() || event.is_error() {
                            self.read_stream(&mut buf);
                        }
                        if event.is_writable() {
                            self.flush_stream();
                        }
                    }
                    RTP => self.read_udp(ClientSocket::Rtp, &mut buf),
                    RTCP => self.read_udp(ClientSocket::Rtcp, &mut buf),
                    _ => {}
                }
            }
            while let Ok(cmd) = self.commands.try_recv() {
                let now = self.epoch.now();
                let result = match cmd {
                    ClientCommand::Setup => self.client.setup(now),
                    ClientCommand::Play => self.client.play(now, None),
                    ClientCommand::Seek(t) => self.client.play(now, Some(t)),
                    ClientCommand::Pause => self.client.pause(now),
                    ClientCommand::Teardown => self.client.teardown(now),
                };
                if let Err(e) = result {
                    warn!("{e}");
                    let _ = self.events.send(ClientEvent::Error(e));
                }
            }
            let now = self.epoch.now();
            if self.client.poll_timeout().is_some_and(|t| t <= now) {
                self.client.handle_timeout(now);
            }
        }
    }

    fn fail(&mut self, why: &str) {
        let now = self.epoch.now();
        let _ = self
            .events
            .send(ClientEvent::Error(ClientError::Transport(why.to_string())));
        self.client.handle_disconnect(now);
        while let Some(e) = self.client.poll_event() {
            let _ = self.events.send(e);
        }
    }

    fn read_stream(&mut self, buf: &mut [u8]) {
        loop {
            match self.stream.read(buf) {
                Ok(0) => {
                    let now = self.epoch.now();
                    self.client.handle_disconnect(now);
                    return;
                }
                Ok(n) => {
                    let now = self.epoch.now();
                    self.client.handle_stream_data(now, &buf[..n]);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let now = self.epoch.now();
                    let _ = self
                        .events
                        .send(ClientEvent::Error(ClientError::Transport(e.to_string())));
                    self.client.handle_disconnect(now);
                    return;
                }
            }
        }
    }

    fn read_udp(&mut self, socket: ClientSocket, buf: &mut [u8]) {
        let Some((rtp, rtcp)) = &self.udp else { return };
        let sock = match socket {
            ClientSocket::Rtp => rtp,
            ClientSocket::Rtcp => rtcp,
        };
        loop {
            match sock.recv_from(buf) {
                Ok((n, from)) => {
                    let now = self.epoch.now();
                    self.client.handle_datagram(now, socket, from, &buf[..n]);
                    // Deliver frames as they complete rather than after a
                    // whole burst of packets.
                    while let Some(e) = self.client.poll_event() {
                        let _ = self.events.send(e);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    debug!("{socket:?} recv: {e}");
                    return;
                }
            }
        }
    }

    fn flush_stream(&mut self) {
        while !self.write_buf.is_empty() {
            match self.stream.write(&self.write_buf) {
                Ok(0) => break,
                Ok(n) => {
                    self.write_buf.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let now = self.epoch.now();
                    let _ = self
                        .events
                        .send(ClientEvent::Error(ClientError::Transport(e.to_string())));
                    self.client.handle_disconnect(now);
                    return;
                }
            }
        }
        let want = !self.write_buf.is_empty();
        if want != self.writable_interest {
            let interest = if want {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            if self
                .poll
                .registry()
                .reregister(&mut self.stream, TCP, interest)
                .is_ok()
            {
                self.writable_interest = want;
            }
        }
    }

    /// Drains the core's outputs; `false` once the client is finished.
    fn drain(&mut self, out: &mut Vec<u8>) -> bool {
        while let Some(t) = self.client.poll_transmit(out) {
            match t {
                ClientTransmit::Stream => {
                    self.write_buf.extend_from_slice(out);
                }
                ClientTransmit::Datagram {
                    socket,
                    destination,
                } => {
                    if let Some((rtp, rtcp)) = &self.udp {
                        let sock = match socket {
                            ClientSocket::Rtp => rtp,
                            ClientSocket::Rtcp => rtcp,
                        };
                        // RTCP is periodic and loss-tolerant: a full buffer
                        // just drops this report.
                        if let Err(e) = sock.send_to(out, destination) {
                            debug!("RTCP to {destination}: {e}");
                        }
                    }
                }
            }
        }
        if !self.write_buf.is_empty() {
            self.flush_stream();
        }
        let mut open = true;
        while let Some(e) = self.client.poll_event() {
            match &e {
                ClientEvent::StateChanged { from, to } => info!("state {from} -> {to}"),
                ClientEvent::RequestFailed {
                    method,
                    status,
                    reason,
                } => {
                    warn!("{method} failed: {status} {reason}")
                }
                ClientEvent::Error(err) => warn!("{err}"),
                ClientEvent::Closed => open = false,
                _ => {}
            }
            let _ = self.events.send(e);
        }
        open && !self.client.is_closed()
    }
}
