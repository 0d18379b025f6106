//! The shared loopback suite (`tests/suite`), against the mio runtime.

#[macro_use]
mod suite;

runtime_suite!(
    mio_server_mio_client,
    &runtime_mio::RUNTIME,
    &runtime_mio::RUNTIME
);

#[test]
fn mio_server_binary() {
    suite::server_binary(env!("CARGO_BIN_EXE_mio-server"), &runtime_mio::RUNTIME);
}
