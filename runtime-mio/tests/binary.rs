//! The shared binary tests (`tests/suite/binary.rs`), against
//! `mio-server`.

#[allow(unused_macros)]
#[path = "../../runtime-mio/tests/suite/mod.rs"]
mod suite;

use std::path::Path;

const EXE: &str = env!("CARGO_BIN_EXE_mio-server");

#[test]
fn terminate_ends_sessions_and_exits_0() {
    suite::binary::terminate_ends_sessions_and_exits_0(Path::new(EXE));
}

#[test]
fn bad_command_lines() {
    suite::binary::bad_command_lines(Path::new(EXE));
}
