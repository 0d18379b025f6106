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
