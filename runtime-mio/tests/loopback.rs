//! The shared loopback suite (`tests/suite`), against the mio runtime.

#[macro_use]
mod suite;

runtime_suite!(mio_server_mio_client, &runtime_mio::RUNTIME, &runtime_mio::RUNTIME);
