//! libFuzzer entry point of target `client` (see `stream_core_fuzz::client`).
//! Built without `cargo fuzz`, it replays the files named on its command
//! line instead.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| stream_core_fuzz::client::run(data));

#[cfg(not(fuzzing))]
fn main() {
    stream_core_fuzz::replay_args(stream_core_fuzz::client::run);
}
