//! The smol shell: tasks on a single-threaded smol executor, no thread per
//! client, driving `stream-core`'s sans-IO [`Server`] and [`Client`].
//!
//! Sockets are `async_io::Async` and deadlines are async-io [`Timer`]s: a
//! server runs an accept task, two tasks per connection (read half, write
//! half), a receive task per UDP socket, a timer task sleeping until the
//! core's next deadline, and a media task loading files on smol's blocking
//! pool; a client runs the same kinds of task on a thread of its own. Each
//! task that feeds the core an input drains it right away, and wakes the
//! others through channels. The glue between the core and the sockets
//! (drain order, log lines, media loading, the event channel) is
//! `stream_core::shell`'s, shared with `runtime-mio`: this crate is the
//! sockets, the tasks and their wake-ups.
//!
//! [`Server`]: stream_core::server::Server
//! [`Client`]: stream_core::client::Client
//! [`Timer`]: async_io::Timer

mod client;
mod server;
mod wake;

use std::io;

use stream_core::runtime::{ClientHandle, ClientOptions, Runtime, ServerHandle, ServerOptions};

pub use server::{ServerLoop, StopSignal};

/// The smol runtime.
#[derive(Debug, Clone, Copy, Default)]
pub struct SmolRuntime;

/// The smol runtime, for `&dyn Runtime` users.
pub static RUNTIME: SmolRuntime = SmolRuntime;

impl Runtime for SmolRuntime {
    fn name(&self) -> &'static str {
        "smol"
    }

    fn start_server(&self, options: ServerOptions) -> io::Result<ServerHandle> {
        ServerHandle::spawn::<ServerLoop>(&options, "smol-server")
    }

    fn connect(&self, options: ClientOptions) -> io::Result<ClientHandle> {
        client::start(options)
    }
}
