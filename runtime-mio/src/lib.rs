//! The mio shell: one thread, one `mio::Poll`, no async runtime and no
//! thread per client, driving `stream-core`'s sans-IO [`Server`] and
//! [`Client`].
//!
//! Each loop turn waits for socket readiness or the core's next deadline
//! (mio has no timers: the poll timeout *is* the deadline), feeds the core
//! what happened, then drains its outputs. The glue between the core and
//! the sockets (drain order, log lines, media loading, the event channel)
//! is `stream_core::shell`'s, shared with `runtime-smol`: this crate is the
//! sockets, their registrations and the loop. Media files are loaded on a
//! helper thread so a big file never stalls other clients.
//!
//! [`Server`]: stream_core::server::Server
//! [`Client`]: stream_core::client::Client

mod client;
mod server;

use std::io;

use mio::event::Source;
use mio::{Interest, Registry, Token};

use stream_core::runtime::{ClientHandle, ClientOptions, Runtime, ServerHandle, ServerOptions};

pub use server::{ServerLoop, StopSignal};

/// The mio runtime.
#[derive(Debug, Clone, Copy, Default)]
pub struct MioRuntime;

/// The mio runtime, for `&dyn Runtime` users.
pub static RUNTIME: MioRuntime = MioRuntime;

impl Runtime for MioRuntime {
    fn name(&self) -> &'static str {
        "mio"
    }

    fn start_server(&self, options: ServerOptions) -> io::Result<ServerHandle> {
        ServerHandle::spawn::<ServerLoop>(&options, "mio-server")
    }

    fn connect(&self, options: ClientOptions) -> io::Result<ClientHandle> {
        client::start(options)
    }
}

/// How many datagrams (or receive errors) one readiness event takes from a
/// UDP socket before the loop turns to the others.
const DATAGRAMS_PER_WAKE: usize = 256;

/// Receives datagrams with `recv` (a machine's `read_datagram`) until the
/// socket would block. An error does not end it: readiness is
/// edge-triggered, so datagrams queued behind an ICMP report of an earlier
/// send (which the machine logs) would wait for the next one to arrive.
/// `false` if it stopped after [`DATAGRAMS_PER_WAKE`], with more perhaps
/// waiting: re-arm the socket (reregister it) for another event.
fn receive_until_blocked(mut recv: impl FnMut() -> io::Result<()>) -> bool {
    for _ in 0..DATAGRAMS_PER_WAKE {
        if matches!(recv(), Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            return true;
        }
    }
    false
}

/// Asks for write readiness on `source` exactly while `want` holds (with
/// `registered` tracking what is registered), so the poll neither misses a
/// writable socket with output pending nor wakes for one with none.
fn want_writable(
    registry: &Registry,
    source: &mut impl Source,
    token: Token,
    want: bool,
    registered: &mut bool,
) {
    if want == *registered {
        return;
    }
    let interest = if want {
        Interest::READABLE | Interest::WRITABLE
    } else {
        Interest::READABLE
    };
    if registry.reregister(source, token, interest).is_ok() {
        *registered = want;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagrams_behind_an_error_are_received() {
        let mut script = vec![
            Ok(()),
            Err(io::ErrorKind::ConnectionRefused),
            Ok(()),
            Err(io::ErrorKind::WouldBlock),
            Ok(()),
        ]
        .into_iter();
        let mut calls = 0;
        let done = receive_until_blocked(|| {
            calls += 1;
            script.next().unwrap().map_err(io::Error::from)
        });
        assert!(done);
        assert_eq!(calls, 4, "past the error, up to WouldBlock");
    }

    #[test]
    fn a_socket_that_never_blocks_gets_a_cap() {
        let mut calls = 0;
        assert!(!receive_until_blocked(|| {
            calls += 1;
            Err(io::ErrorKind::ConnectionRefused.into())
        }));
        assert_eq!(calls, DATAGRAMS_PER_WAKE);
    }
}
