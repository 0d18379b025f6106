//! libFuzzer entry point of target `jpeg_normalize` (see `stream_core_fuzz::jpeg_normalize`).
//! Built without `cargo fuzz`, it replays the files named on its command
//! line instead.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| stream_core_fuzz::jpeg_normalize::run(data));

#[cfg(not(fuzzing))]
fn main() {
    stream_core_fuzz::replay_args(stream_core_fuzz::jpeg_normalize::run);
}
