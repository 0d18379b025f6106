//! The one place that knows which runtimes this viewer is built with.
//!
//! Everything else works through `&dyn Runtime`. `--runtime NAME` is
//! resolved here; each runtime crate exports a `static RUNTIME`
//! implementing [`Runtime`].

use stream_core::runtime::Runtime;

/// The runtime used when `--runtime` is not given.
pub const DEFAULT: &str = "mio";

/// The runtime called `name`, or why it cannot be had.
pub fn by_name(name: &str) -> Result<&'static dyn Runtime, String> {
    match name {
        "mio" => Ok(&runtime_mio::RUNTIME),
        "smol" => Err(
            "runtime `smol` does not exist yet; this viewer accepts `--runtime mio` only"
                .to_string(),
        ),
        other => Err(format!(
            "unknown runtime `{other}`; this viewer accepts `--runtime mio` only"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(by_name(DEFAULT).map(|r| r.name()), Ok("mio"));
        let refused = |name| by_name(name).err().unwrap_or_default();
        assert!(refused("smol").contains("`smol` does not exist yet"));
        assert!(refused("tokio").contains("unknown runtime `tokio`"));
    }
}
