//! End-to-end tests of the `debrief` binary and the whole pipeline, in one test binary.

mod bundles;
mod cli;
mod malformed;
mod model;
mod names_in_paths;
mod planted;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared` beside the repository, when it is there (CI has it; a user's clone does not).
pub fn shared() -> Option<PathBuf> {
    let p = root().join("../shared");
    if p.join("eval/incidents").is_dir() {
        Some(p)
    } else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("note: ../shared is absent; skipping the tests that read it");
        }
        None
    }
}

pub fn debrief(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_debrief")).args(args).output().expect("the debrief binary runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
