//! The client: tasks on an executor thread of its own around one
//! [`ClientMachine`] — the RTSP connection's read and write halves, one
//! receive task per UDP socket, the command task and the timer task. The
//! executor's main future waits for the handle's close or the client's end.

use std::cell::RefCell;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::rc::Rc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use async_io::{Async, Timer};
use smol::channel::{self, Receiver};
use smol::{LocalExecutor, future};
use stream_core::client::{ClientSocket, ClientTransport};
use stream_core::runtime::{ClientCommand, ClientHandle, ClientOptions};
use stream_core::shell::{ClientIo, ClientMachine, bind_udp_pair, client_udp_ip};

use crate::wake::{Budget, Deadline, Notify, receive_datagrams};

/// Connects (bounded by `options.timeout`), binds the UDP pair, and runs
/// the client on a new thread.
pub(crate) fn start(options: ClientOptions) -> io::Result<ClientHandle> {
    let server = options.server_addr()?;
    let stream = async_io::block_on(connect(server, options.timeout))?;
    stream.get_ref().set_nodelay(true)?;
    let (udp, rtp_port) = match options.transport {
        ClientTransport::Udp { rtp_port } => {
            let (rtp, rtcp) = bind_udp_pair(client_udp_ip(server), rtp_port)?;
            let port = rtp.local_addr()?.port();
            (Some((Async::new(rtp)?, Async::new(rtcp)?)), port)
        }
        ClientTransport::Tcp => (None, 0),
    };

    let (events, event_rx) = mpsc::channel();
    let machine = ClientMachine::new(&options, server, rtp_port, events)?;
    let epoch = machine.epoch();
    let (command_tx, commands) = channel::unbounded();
    let (stop_tx, stop_rx) = channel::bounded(1);
    let thread = thread::Builder::new()
        .name("smol-client".into())
        .spawn(move || {
            let executor = LocalExecutor::new();
            async_io::block_on(
                executor.run(serve(&executor, machine, stream, udp, commands, stop_rx)),
            );
        })?;

    let send = Box::new(move |c: ClientCommand| {
        command_tx
            .try_send(c)
            .map_err(|_| io::Error::new(io::ErrorKind::NotConnected, "client stopped"))
    });
    let close = Box::new(move || {
        // Full: already asked. Closed: the client has already stopped.
        let _ = stop_tx.try_send(());
        let _ = thread.join();
    });
    Ok(ClientHandle::new(send, event_rx, epoch.start(), close))
}

/// The TCP connection, or `TimedOut` after `timeout`.
async fn connect(server: SocketAddr, timeout: Duration) -> io::Result<Async<TcpStream>> {
    future::or(Async::<TcpStream>::connect(server), async {
        Timer::after(timeout).await;
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("no connection to {server} within {timeout:?}"),
        ))
    })
    .await
}

/// What the tasks share.
struct Shared {
    state: RefCell<State>,
    deadline: Deadline,
    /// Woken when the client has closed: the executor stops.
    closed: Notify,
}

struct State {
    machine: ClientMachine,
    io: Io,
}

/// What the machine asks of the tasks ([`ClientIo`]).
struct Io {
    udp: Option<Rc<(Async<UdpSocket>, Async<UdpSocket>)>>,
    /// Wakes the write half.
    stream_ready: Notify,
}

impl ClientIo for Io {
    fn send_datagram(
        &mut self,
        socket: ClientSocket,
        destination: SocketAddr,
        bytes: &[u8],
    ) -> io::Result<()> {
        let Some(udp) = &self.udp else {
            return Ok(());
        };
        let sock = match socket {
            ClientSocket::Rtp => &udp.0,
            ClientSocket::Rtcp => &udp.1,
        };
        sock.get_ref().send_to(bytes, destination).map(drop)
    }

    fn stream_ready(&mut self) {
        self.stream_ready.notify();
    }
}

impl Shared {
    /// Feeds the machine an input, then drains it.
    fn input<R>(&self, f: impl FnOnce(&mut ClientMachine) -> R) -> R {
        let r = f(&mut self.state.borrow_mut().machine);
        self.drain();
        r
    }

    /// Drains the machine, moves the timer, and stops the executor once the
    /// client is closed.
    fn drain(&self) {
        let (deadline, open) = {
            let st = &mut *self.state.borrow_mut();
            let deadline = st.machine.drain(&mut st.io);
            (deadline, st.machine.is_open())
        };
        self.deadline.set(deadline);
        if !open {
            self.closed.notify();
        }
    }
}

async fn serve(
    executor: &LocalExecutor<'_>,
    machine: ClientMachine,
    stream: Async<TcpStream>,
    udp: Option<(Async<UdpSocket>, Async<UdpSocket>)>,
    commands: Receiver<ClientCommand>,
    stop: Receiver<()>,
) {
    let udp = udp.map(Rc::new);
    let stream_ready = Notify::new();
    let shared = Rc::new(Shared {
        state: RefCell::new(State {
            machine,
            io: Io {
                udp: udp.clone(),
                stream_ready: stream_ready.clone(),
            },
        }),
        deadline: Deadline::new(),
        closed: Notify::new(),
    });
    let stream = Rc::new(stream);
    let sh = Rc::clone(&shared);
    executor
        .spawn(async move {
            sh.deadline
                .run(|| sh.input(ClientMachine::handle_timeout))
                .await
        })
        .detach();
    executor
        .spawn(read_stream(Rc::clone(&shared), Rc::clone(&stream)))
        .detach();
    executor
        .spawn(write_stream(Rc::clone(&shared), stream, stream_ready))
        .detach();
    if let Some(udp) = udp {
        for socket in [ClientSocket::Rtp, ClientSocket::Rtcp] {
            executor
                .spawn(receive(Rc::clone(&shared), socket, Rc::clone(&udp)))
                .detach();
        }
    }
    let sh = Rc::clone(&shared);
    executor
        .spawn(async move {
            // Ends when the handle (the only sender) is dropped.
            while let Ok(command) = commands.recv().await {
                sh.input(|m| m.command(command));
            }
        })
        .detach();
    // Runs until the handle closes the client or the client closes itself
    // (`Closed` has been sent); dropping the executor then ends every task
    // and closes every socket.
    future::or(
        async {
            let _ = stop.recv().await;
        },
        shared.closed.notified(),
    )
    .await;
}

/// Feeds what arrives on the RTSP connection to the client, until it ends.
async fn read_stream(shared: Rc<Shared>, stream: Rc<Async<TcpStream>>) {
    let mut budget = Budget::default();
    loop {
        let read = stream
            .read_with(|s| {
                let mut s = s;
                shared
                    .state
                    .borrow_mut()
                    .machine
                    .read_stream(|buf| s.read(buf))
            })
            .await;
        // The end of the stream and failures are the machine's to report.
        shared.drain();
        if !matches!(read, Ok(n) if n > 0) {
            return;
        }
        budget.spend().await;
    }
}

/// Writes requests whenever the machine has some, until the stream fails.
async fn write_stream(shared: Rc<Shared>, stream: Rc<Async<TcpStream>>, ready: Notify) {
    loop {
        let written = stream
            .write_with(|s| {
                let mut s = s;
                shared.state.borrow_mut().machine.write_stream(&mut s)
            })
            .await;
        if written.is_err() {
            // The machine reported the failure and closed the client.
            shared.drain();
            return;
        }
        ready.notified().await;
    }
}

/// Feeds the datagrams that arrive on `socket` to the client.
async fn receive(
    shared: Rc<Shared>,
    socket: ClientSocket,
    udp: Rc<(Async<UdpSocket>, Async<UdpSocket>)>,
) {
    let sock = match socket {
        ClientSocket::Rtp => &udp.0,
        ClientSocket::Rtcp => &udp.1,
    };
    receive_datagrams(
        sock,
        |s| {
            shared
                .state
                .borrow_mut()
                .machine
                .read_datagram(socket, |buf| s.recv_from(buf))
        },
        || shared.drain(),
    )
    .await;
}
