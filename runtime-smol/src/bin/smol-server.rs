//! `smol-server <port> [options]`: serves the MJPEG files of a directory over
//! RTSP, like the course lab's `Server.py <port>`, on the smol runtime.
//! The command line, log lines and exit codes are `mio-server`'s and
//! `smol-server`'s alike: both are [`stream_core::cli::server_main`].

fn main() -> std::process::ExitCode {
    stream_core::cli::server_main::<runtime_smol::ServerLoop>()
}
