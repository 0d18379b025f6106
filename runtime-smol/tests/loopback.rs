//! The shared loopback suite (`runtime-mio/tests/suite`), against the smol
//! runtime and in mixed pairs with the mio runtime.

#[macro_use]
#[path = "../../runtime-mio/tests/suite/mod.rs"]
mod suite;

runtime_suite!(
    smol_server_smol_client,
    &runtime_smol::RUNTIME,
    &runtime_smol::RUNTIME
);

runtime_suite!(
    smol_server_mio_client,
    &runtime_smol::RUNTIME,
    &runtime_mio::RUNTIME
);

runtime_suite!(
    mio_server_smol_client,
    &runtime_mio::RUNTIME,
    &runtime_smol::RUNTIME
);

#[test]
fn smol_server_binary() {
    suite::server_binary(env!("CARGO_BIN_EXE_smol-server"), &runtime_smol::RUNTIME);
}
