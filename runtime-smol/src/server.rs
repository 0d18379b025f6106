//! The server: tasks on one executor thread around one [`ServerMachine`].
//!
//! - the accept task registers new connections, which the executor's main
//!   future spawns two tasks for: the read half feeds the core, the write
//!   half writes when the core names the connection;
//! - one receive task per UDP socket;
//! - the timer task sleeps until the core's next deadline;
//! - the datagram task waits for a full UDP socket to drain;
//! - the media task loads files one by one on smol's blocking pool.
//!
//! The machine lives in a `RefCell` shared by the tasks of this one thread;
//! no borrow is ever held across an `.await`. After every input the task
//! that fed it drains the machine: datagrams go out at once, connection
//! tasks and the timer task are woken through [`Notify`]s.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use async_io::{Async, Timer};
use smol::channel::{self, Receiver, Sender};
use smol::{LocalExecutor, Task, future};
use stream_core::media::MediaLibrary;
use stream_core::runtime::{RunLoop, ServerOptions};
use stream_core::server::{ConnectionId, Datagram, MediaError, MediaRequestId, ServerSocket};
use stream_core::shell::{
    AcceptErrors, AcceptStep, ServerIo, ServerMachine, bind_udp_pair, load_media, media_library,
};

use crate::wake::{Budget, Deadline, Notify, receive_datagrams};

/// How long shutdown waits for BYEs and replies to drain.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Asks a running [`ServerLoop`] to shut down (from another thread or a
/// signal handler).
#[derive(Clone)]
pub struct StopSignal {
    tx: Sender<()>,
}

impl StopSignal {
    /// Requests shutdown: sessions end with RTCP BYE, then the loop returns.
    pub fn stop(&self) {
        // Full: a stop is already pending. Closed: the loop has returned.
        let _ = self.tx.try_send(());
    }
}

/// A bound server, ready to [`run`](Self::run).
pub struct ServerLoop {
    listener: Async<TcpListener>,
    rtp: Async<UdpSocket>,
    rtcp: Async<UdpSocket>,
    machine: ServerMachine,
    library: Arc<MediaLibrary>,
    stop_tx: Sender<()>,
    stop_rx: Receiver<()>,
    local_addr: SocketAddr,
}

impl ServerLoop {
    /// Binds the RTSP listener and the RTP/RTCP pair and prepares the loop.
    pub fn bind(options: &ServerOptions) -> io::Result<ServerLoop> {
        let library = media_library(options)?;
        let listener = Async::new(TcpListener::bind(options.bind)?)?;
        let local_addr = listener.get_ref().local_addr()?;
        let (rtp, rtcp) = bind_udp_pair(options.bind.ip(), 0)?;
        let (rtp_port, rtcp_port) = (rtp.local_addr()?.port(), rtcp.local_addr()?.port());
        let machine = ServerMachine::new(options, local_addr, rtp_port, rtcp_port)?;
        let (stop_tx, stop_rx) = channel::bounded(1);
        Ok(ServerLoop {
            listener,
            rtp: Async::new(rtp)?,
            rtcp: Async::new(rtcp)?,
            machine,
            library,
            stop_tx,
            stop_rx,
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
            tx: self.stop_tx.clone(),
        }
    }

    /// Runs until stopped, on this thread; then ends every session with
    /// RTCP BYE and returns.
    pub fn run(self) -> io::Result<()> {
        let executor = LocalExecutor::new();
        async_io::block_on(executor.run(self.serve(&executor)))
    }

    async fn serve(self, executor: &LocalExecutor<'_>) -> io::Result<()> {
        let (loader, requests) = channel::unbounded();
        let shared = Rc::new(Shared {
            state: RefCell::new(State {
                machine: self.machine,
                io: Io {
                    rtp: Rc::new(self.rtp),
                    rtcp: Rc::new(self.rtcp),
                    conns: HashMap::new(),
                    loader,
                    udp_blocked: Notify::new(),
                },
            }),
            deadline: Deadline::new(),
            shutting_down: Cell::new(false),
            progress: Notify::new(),
        });
        let (rtp, rtcp) = {
            let st = shared.state.borrow();
            (Rc::clone(&st.io.rtp), Rc::clone(&st.io.rtcp))
        };
        let sh = Rc::clone(&shared);
        executor
            .spawn(async move {
                sh.deadline
                    .run(|| sh.input(ServerMachine::handle_timeout))
                    .await
            })
            .detach();
        executor
            .spawn(receive(Rc::clone(&shared), ServerSocket::Rtp, rtp))
            .detach();
        executor
            .spawn(receive(Rc::clone(&shared), ServerSocket::Rtcp, rtcp))
            .detach();
        executor
            .spawn(unblock_datagrams(Rc::clone(&shared)))
            .detach();
        executor
            .spawn(load_media_files(Rc::clone(&shared), self.library, requests))
            .detach();
        // The accept loop is a task of its own, polled only when the
        // listener is readable (the main future is polled at every wake-up
        // of the executor, and async-io takes a poll after a wait for
        // readiness: every wake-up would cost a failed accept). It hands
        // new connections here, where the executor is at hand to spawn them.
        let (accepted, connections) = channel::unbounded();
        executor
            .spawn(accept(
                Rc::clone(&shared),
                self.listener,
                self.local_addr,
                accepted,
            ))
            .detach();
        future::or(lifetime(&shared, self.stop_rx), async {
            while let Ok((id, stream, slot)) = connections.recv().await {
                let stream = Rc::new(stream);
                let writer = executor.spawn(write_half(
                    Rc::clone(&shared),
                    id,
                    Rc::clone(&stream),
                    Rc::clone(&slot),
                ));
                executor
                    .spawn(connection(Rc::clone(&shared), id, stream, slot, writer))
                    .detach();
            }
            // The accept task never ends by itself.
            Ok(())
        })
        .await
    }
}

/// What the tasks share: the machine and the sockets it sends on, plus the
/// wake-ups that drains trigger.
struct Shared {
    state: RefCell<State>,
    deadline: Deadline,
    shutting_down: Cell<bool>,
    /// Woken after every drain while shutting down.
    progress: Notify,
}

struct State {
    machine: ServerMachine,
    io: Io,
}

impl Shared {
    /// Feeds the machine an input, then drains it.
    fn input<R>(&self, f: impl FnOnce(&mut ServerMachine) -> R) -> R {
        let r = f(&mut self.state.borrow_mut().machine);
        self.drain();
        r
    }

    /// Drains the machine (sending datagrams, waking connection tasks) and
    /// moves the timer to the new deadline.
    fn drain(&self) {
        let deadline = {
            let st = &mut *self.state.borrow_mut();
            st.machine.drain(&mut st.io)
        };
        self.deadline.set(deadline);
        if self.shutting_down.get() {
            self.progress.notify();
        }
    }
}

/// What a connection's tasks wait on.
struct ConnSlot {
    /// The core has bytes for this connection, or it is closing.
    ready: Notify,
    /// Close once everything is written; read nothing more.
    closing: Cell<bool>,
    /// Close now, without writing what is left.
    abandon: Notify,
}

/// What the machine asks of the tasks ([`ServerIo`]).
struct Io {
    rtp: Rc<Async<UdpSocket>>,
    rtcp: Rc<Async<UdpSocket>>,
    conns: HashMap<ConnectionId, Rc<ConnSlot>>,
    loader: Sender<(MediaRequestId, String)>,
    udp_blocked: Notify,
}

impl Io {
    fn socket(&self, socket: ServerSocket) -> &Rc<Async<UdpSocket>> {
        match socket {
            ServerSocket::Rtp => &self.rtp,
            ServerSocket::Rtcp => &self.rtcp,
        }
    }
}

impl ServerIo for Io {
    fn send_datagram(&mut self, d: Datagram, bytes: &[u8]) -> io::Result<()> {
        // Non-blocking (async-io set it so): WouldBlock goes back to the
        // machine, which keeps the datagram for the datagram task.
        self.socket(d.socket)
            .get_ref()
            .send_to(bytes, d.destination)
            .map(drop)
    }

    fn datagram_blocked(&mut self, _socket: ServerSocket) {
        self.udp_blocked.notify();
    }

    fn stream_ready(&mut self, conn: ConnectionId) {
        if let Some(slot) = self.conns.get(&conn) {
            slot.ready.notify();
        }
    }

    fn close_when_flushed(&mut self, conn: ConnectionId) {
        if let Some(slot) = self.conns.get(&conn) {
            slot.closing.set(true);
            slot.ready.notify();
        }
    }

    fn close_now(&mut self, conn: ConnectionId) {
        if let Some(slot) = self.conns.get(&conn) {
            slot.closing.set(true);
            slot.abandon.notify();
        }
    }

    fn load_media(&mut self, request: MediaRequestId, path: String) -> Result<(), MediaError> {
        self.loader
            .try_send((request, path))
            .map_err(|_| MediaError::Unreadable("media loader stopped".into()))
    }
}

/// Waits for the stop signal, then shuts the machine down and waits (at
/// most [`SHUTDOWN_GRACE`]) until everything has been sent.
async fn lifetime(shared: &Shared, stop: Receiver<()>) -> io::Result<()> {
    // Never closed while the loop runs: `ServerLoop` held a sender, and
    // every `StopSignal` holds one; if all are gone, stop too.
    let _ = stop.recv().await;
    shared.shutting_down.set(true);
    shared.input(ServerMachine::shutdown);
    let mut grace = Timer::after(SHUTDOWN_GRACE);
    while !shared.state.borrow().machine.is_finished() {
        let timed_out = future::or(
            async {
                shared.progress.notified().await;
                false
            },
            async {
                (&mut grace).await;
                true
            },
        )
        .await;
        if timed_out {
            break;
        }
    }
    Ok(())
}

/// A new connection for the executor to spawn a task for.
type Accepted = (ConnectionId, Async<TcpStream>, Rc<ConnSlot>);

/// Accepts connections, registers them with the machine and sends them to
/// be spawned; never returns while the server runs.
async fn accept(
    shared: Rc<Shared>,
    listener: Async<TcpListener>,
    local_addr: SocketAddr,
    accepted: Sender<Accepted>,
) {
    let mut budget = Budget::default();
    let mut errors = AcceptErrors::new();
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                errors.accepted();
                let local = stream.get_ref().local_addr().unwrap_or(local_addr);
                if let Some(id) = shared.input(|m| m.connect(local, peer)) {
                    let _ = stream.get_ref().set_nodelay(true);
                    let slot = Rc::new(ConnSlot {
                        ready: Notify::new(),
                        closing: Cell::new(false),
                        abandon: Notify::new(),
                    });
                    shared
                        .state
                        .borrow_mut()
                        .io
                        .conns
                        .insert(id, Rc::clone(&slot));
                    if accepted.send((id, stream, slot)).await.is_err() {
                        return;
                    }
                }
                budget.spend().await;
            }
            Err(e) => match errors.failed(std::time::Instant::now(), &e) {
                // `accept().await` waits for readiness itself.
                AcceptStep::Next | AcceptStep::Wait => {}
                AcceptStep::RetryAt(at) => {
                    Timer::at(at).await;
                    errors.retry_due(std::time::Instant::now());
                }
            },
        }
    }
}

/// One connection: its read half, in this task, and its write half, a task
/// of its own (so that a wake-up of one never polls the other), until
/// either ends (the peer closed, an error, or the core closed it and all is
/// written) or the core drops the connection. Dropping the write half's
/// handle cancels it.
async fn connection(
    shared: Rc<Shared>,
    id: ConnectionId,
    stream: Rc<Async<TcpStream>>,
    slot: Rc<ConnSlot>,
    writer: Task<io::Result<()>>,
) {
    let result = future::or(
        future::or(read_half(&shared, id, &stream, &slot), writer),
        async {
            slot.abandon.notified().await;
            Ok(())
        },
    )
    .await;
    shared.state.borrow_mut().io.conns.remove(&id);
    drop(stream);
    shared.input(|m| m.disconnected(id, result.err().as_ref()));
}

/// Feeds what arrives to the core; `Ok` when the peer closes. Once the
/// core closes the connection, reads nothing more (the core would ignore
/// it) and never ends: the write half or a drop ends the connection.
async fn read_half(
    shared: &Shared,
    id: ConnectionId,
    stream: &Async<TcpStream>,
    slot: &ConnSlot,
) -> io::Result<()> {
    let mut budget = Budget::default();
    loop {
        // The machine reads into its own buffer while the task holds the
        // borrow: no await in between, and no buffer per connection.
        let n = stream
            .read_with(|s| {
                if slot.closing.get() {
                    return Ok(None);
                }
                let mut s = s;
                shared
                    .state
                    .borrow_mut()
                    .machine
                    .read_stream(id, |buf| s.read(buf))
                    .map(Some)
            })
            .await?;
        let Some(n) = n else {
            return future::pending().await;
        };
        if n == 0 {
            return Ok(());
        }
        shared.drain();
        budget.spend().await;
    }
}

/// Writes what the core has for the connection whenever it says so; `Ok`
/// once a closing connection has had everything written.
async fn write_half(
    shared: Rc<Shared>,
    id: ConnectionId,
    stream: Rc<Async<TcpStream>>,
    slot: Rc<ConnSlot>,
) -> io::Result<()> {
    loop {
        stream
            .write_with(|s| {
                let mut s = s;
                shared.state.borrow_mut().machine.write_stream(id, &mut s)
            })
            .await?;
        if slot.closing.get() {
            return Ok(());
        }
        slot.ready.notified().await;
    }
}

/// Feeds the datagrams that arrive on `socket` to the core.
async fn receive(shared: Rc<Shared>, socket: ServerSocket, sock: Rc<Async<UdpSocket>>) {
    receive_datagrams(
        &sock,
        |s| {
            shared
                .state
                .borrow_mut()
                .machine
                .read_datagram(socket, |buf| s.recv_from(buf))
                .map(|_| ())
        },
        || shared.drain(),
    )
    .await;
}

/// Waits for a socket that refused a datagram to become writable, sends
/// the datagram, and drains the rest.
async fn unblock_datagrams(shared: Rc<Shared>) {
    let wake = shared.state.borrow().io.udp_blocked.clone();
    loop {
        wake.notified().await;
        loop {
            let sock = {
                let st = shared.state.borrow();
                let Some(socket) = st.machine.blocked_socket() else {
                    break;
                };
                Rc::clone(st.io.socket(socket))
            };
            // An error here shows again on the send, which drops the datagram.
            let _ = sock.writable().await;
            let sent = {
                let st = &mut *shared.state.borrow_mut();
                st.machine.retry_blocked(&mut st.io)
            };
            if sent {
                shared.drain();
            }
        }
    }
}

/// Loads requested files one at a time off the executor's thread (as the
/// mio shell's loader thread does: a burst of requests for one big file
/// loads it once, the rest come from the cache).
async fn load_media_files(
    shared: Rc<Shared>,
    library: Arc<MediaLibrary>,
    requests: Receiver<(MediaRequestId, String)>,
) {
    while let Ok((request, path)) = requests.recv().await {
        let library = Arc::clone(&library);
        let result = smol::unblock(move || load_media(&library, &path)).await;
        shared.input(|m| m.handle_media(request, result));
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
