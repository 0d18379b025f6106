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
        "smol" => Ok(&runtime_smol::RUNTIME),
        other => Err(format!(
            "unknown runtime `{other}`; this viewer accepts `--runtime mio` or `--runtime smol`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(by_name(DEFAULT).map(|r| r.name()), Ok("mio"));
        assert_eq!(by_name("smol").map(|r| r.name()), Ok("smol"));
        let refused = by_name("tokio").err().unwrap_or_default();
        assert!(refused.contains("unknown runtime `tokio`"), "{refused}");
    }
}
