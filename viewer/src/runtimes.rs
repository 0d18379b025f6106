//! The one place that knows which runtimes this viewer is built with.
//!
//! Everything else works through `&dyn Runtime`. `--runtime NAME` is
//! resolved here; the runtime crates export a `static RUNTIME`
//! implementing [`Runtime`].

use stream_core::runtime::Runtime;

/// The runtime used when `--runtime` is not given.
pub const DEFAULT: &str = "mio";

/// The runtime called `name`, or why it cannot be had.
pub fn by_name(name: &str) -> Result<&'static dyn Runtime, String> {
    match name {
        "mio" => Err("runtime `mio` is not built into this viewer yet".to_string()),
        "smol" => Err(
            "runtime `smol` does not exist yet; this viewer accepts `--runtime mio` only"
                .to_string(),
        ),
        other => Err(format!(
            "unknown runtime `{other}`; this viewer accepts `--runtime mio` only"
        )),
    }
}
