//! The mio shell: one thread, one `mio::Poll`, no async runtime and no
//! thread per client, driving `stream-core`'s sans-IO [`Server`] and
//! [`Client`].
//!
//! Each loop turn waits for socket readiness or the core's next deadline
//! (mio has no timers: the poll timeout *is* the deadline), feeds the core
//! what happened, then drains its outputs. Media files are loaded on a
//! helper thread so a big file never stalls other clients.
//!
//! [`Server`]: stream_core::server::Server
//! [`Client`]: stream_core::client::Client

mod client;
mod server;
mod sockets;

use std::io;

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
        server::start(options)
    }

    fn connect(&self, options: ClientOptions) -> io::Result<ClientHandle> {
        client::start(options)
    }
}
