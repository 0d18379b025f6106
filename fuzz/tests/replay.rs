//! Replays every committed corpus file and regression input through its
//! target, on the stable toolchain and without libFuzzer, so that the
//! targets keep compiling and keep passing on what they once found.
//!
//! One test function does all the work: the heap-bound oracles read a
//! process-wide allocation count, so nothing may run beside them.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use stream_core_fuzz::TARGETS;

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(d) => d
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

#[test]
fn replay_corpora_and_regressions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));

    // Every target has a libFuzzer binary, and every binary a target.
    let mut bins: Vec<String> = files(&root.join("fuzz_targets"))
        .iter()
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_string()))
        .collect();
    bins.sort();
    let mut names: Vec<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    names.sort();
    assert_eq!(bins, names, "fuzz_targets/ and TARGETS disagree");

    let mut total = 0;
    let mut failures = Vec::new();
    for (name, target) in TARGETS {
        let corpus = files(&root.join("corpus").join(name));
        assert!(!corpus.is_empty(), "target {name} has no seed corpus");
        let regressions = files(&root.join("regressions").join(name));
        for f in corpus.iter().chain(&regressions) {
            let data = fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            if catch_unwind(AssertUnwindSafe(|| target(&data))).is_err() {
                failures.push(format!("{name}: {}", f.display()));
            }
            total += 1;
        }
        println!(
            "{name}: {} corpus files, {} regressions",
            corpus.len(),
            regressions.len()
        );
    }
    println!("{total} inputs replayed");
    assert!(
        failures.is_empty(),
        "failing inputs:\n{}",
        failures.join("\n")
    );
}
