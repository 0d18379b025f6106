//! The client's event loop, on a thread of its own.

use std::io::{self, Read};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;

use mio::net::{TcpStream, UdpSocket};
use mio::{Events, Interest, Poll, Token, Waker};
use stream_core::client::{ClientSocket, ClientTransport};
use stream_core::runtime::{ClientCommand, ClientHandle, ClientOptions};
use stream_core::shell::{ClientIo, ClientMachine, bind_udp_pair, client_udp_ip, wait_for};

const TCP: Token = Token(0);
const RTP: Token = Token(1);
const RTCP: Token = Token(2);
const WAKER: Token = Token(3);

/// The sockets: what the machine asks of the loop ([`ClientIo`]).
struct Io {
    poll: Poll,
    stream: TcpStream,
    udp: Option<(UdpSocket, UdpSocket)>,
    writable_interest: bool,
    /// Requests are waiting to be written (set during a drain).
    stream_ready: bool,
}

struct ClientLoop {
    io: Io,
    machine: ClientMachine,
    commands: mpsc::Receiver<ClientCommand>,
    stop: Arc<AtomicBool>,
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
            let (rtp, rtcp) = bind_udp_pair(client_udp_ip(server), rtp_port)?;
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

    let (events, event_rx) = mpsc::channel();
    let machine = ClientMachine::new(&options, server, rtp_port, events)?;
    let epoch = machine.epoch();
    let (command_tx, commands) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let looper = ClientLoop {
        io: Io {
            poll,
            stream,
            udp,
            writable_interest: false,
            stream_ready: false,
        },
        machine,
        commands,
        stop: Arc::clone(&stop),
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
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return;
            }
            let deadline = self.drain();
            if !self.machine.is_open() {
                return;
            }
            match self.io.poll.poll(&mut events, wait_for(deadline)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.machine.fail(&format!("poll: {e}"));
                    self.drain();
                    return;
                }
            }
            // Datagrams first: a BYE (or the last frame) that arrived with
            // the connection's end must be taken before the end closes the
            // client, whatever order the poller lists the sockets in.
            for event in events.iter() {
                match event.token() {
                    RTP => self.read_udp(ClientSocket::Rtp),
                    RTCP => self.read_udp(ClientSocket::Rtcp),
                    _ => {}
                }
            }
            for event in events.iter().filter(|e| e.token() == TCP) {
                if event.is_readable() || event.is_read_closed() || event.is_error() {
                    self.read_stream();
                }
                if event.is_writable() {
                    self.flush_stream();
                }
            }
            while let Ok(cmd) = self.commands.try_recv() {
                self.machine.command(cmd);
            }
            self.machine.handle_timeout();
        }
    }

    fn read_stream(&mut self) {
        let stream = &mut self.io.stream;
        // Until WouldBlock, the end of the stream or a failure (which the
        // machine reports and turns into a disconnect).
        while matches!(self.machine.read_stream(|buf| stream.read(buf)), Ok(n) if n > 0) {}
    }

    fn read_udp(&mut self, socket: ClientSocket) {
        let Some((rtp, rtcp)) = &mut self.io.udp else {
            return;
        };
        let (sock, token) = match socket {
            ClientSocket::Rtp => (rtp, RTP),
            ClientSocket::Rtcp => (rtcp, RTCP),
        };
        let machine = &mut self.machine;
        let all_taken = crate::receive_until_blocked(|| {
            machine.read_datagram(socket, |buf| sock.recv_from(buf))
        });
        if !all_taken {
            // More may wait: ask for another event.
            let _ = self
                .io
                .poll
                .registry()
                .reregister(sock, token, Interest::READABLE);
        }
    }

    fn flush_stream(&mut self) {
        // A failure is reported by the machine (as a disconnect).
        let _ = self.machine.write_stream(&mut self.io.stream);
        let want = self.machine.has_stream_output();
        crate::want_writable(
            self.io.poll.registry(),
            &mut self.io.stream,
            TCP,
            want,
            &mut self.io.writable_interest,
        );
    }

    /// Drains the machine and writes what it queued; returns the next deadline.
    fn drain(&mut self) -> Option<std::time::Instant> {
        let deadline = self.machine.drain(&mut self.io);
        if std::mem::take(&mut self.io.stream_ready) {
            self.flush_stream();
            // Writing may have failed and closed the client.
            return self.machine.drain(&mut self.io);
        }
        deadline
    }
}

impl ClientIo for Io {
    fn send_datagram(
        &mut self,
        socket: ClientSocket,
        destination: SocketAddr,
        bytes: &[u8],
    ) -> io::Result<()> {
        let Some((rtp, rtcp)) = &self.udp else {
            return Ok(());
        };
        let sock = match socket {
            ClientSocket::Rtp => rtp,
            ClientSocket::Rtcp => rtcp,
        };
        sock.send_to(bytes, destination).map(drop)
    }

    fn stream_ready(&mut self) {
        self.stream_ready = true;
    }
}
