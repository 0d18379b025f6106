//! Live heap accounting, for the "never grows without bound" oracles.
//!
//! The fuzz crate installs a counting global allocator (the `cap` crate's
//! wrapper around the system allocator), so a target can read how many
//! bytes are live before and after driving a core object and assert that
//! the difference stays under a bound derived from the object's
//! configuration. libFuzzer's own `-rss_limit_mb` only catches growth past
//! gigabytes; these bounds are tight enough to catch a buffer that grows
//! with the input when it should not.
//!
//! The count is process-wide: a target that checks it must not run
//! concurrently with other work. libFuzzer runs one input at a time, and
//! `tests/replay.rs` replays everything from a single test thread.

use std::alloc::System;

use cap::Cap;

#[global_allocator]
static HEAP: Cap<System> = Cap::new(System, usize::MAX);

/// Bytes currently allocated through the global allocator.
pub fn live_bytes() -> usize {
    HEAP.allocated()
}
