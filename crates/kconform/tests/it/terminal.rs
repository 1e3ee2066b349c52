//! Progress on a terminal: run the binary under `script(1)`, which gives it a pseudo-terminal, and
//! look at the bytes it wrote: a redrawn bar, failures printed above it, colour unless `NO_COLOR`.

use std::time::Duration;

use kconform_mock::Fault;

use crate::support::{scratch_dir, server};

async fn run_on_a_terminal(command: &str, no_color: bool) -> String {
    let mut script = tokio::process::Command::new("script");
    script
        .args(["-qec", command, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    if no_color {
        script.env("NO_COLOR", "1");
    } else {
        script.env_remove("NO_COLOR");
    }
    let output = tokio::time::timeout(Duration::from_secs(120), script.output())
        .await
        .expect("finished within 120 s")
        .expect("script(1) from util-linux is needed to give kconform a terminal");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_gets_a_progress_bar_and_colour_unless_no_color() {
    let server = server(&[Fault::CreateReturns200]).await;
    let out = scratch_dir("terminal");
    // Stdout (the summary) goes to /dev/null: only stderr, the terminal, is captured.
    let command = format!(
        "{} run --target {} --token {} --filter '^EP-CREATE-00[1-4]$' --jobs 1 --out {} >/dev/null",
        env!("CARGO_BIN_EXE_kconform"),
        server.url,
        server.token,
        out.display()
    );

    let plain = run_on_a_terminal(&command, true).await;
    assert!(
        plain.contains("\x1b[2K"),
        "the bar is redrawn in place:\n{plain:?}"
    );
    assert!(
        plain.contains("/4"),
        "the bar shows the position:\n{plain:?}"
    );
    assert!(
        plain.contains("FAIL EP-CREATE-002"),
        "failures are printed above the bar:\n{plain:?}"
    );
    assert!(
        !plain.contains("\x1b[1;31m"),
        "NO_COLOR=1 must give no colour:\n{plain:?}"
    );
    // Not the plain per-check lines meant for logs.
    assert!(!plain.contains("[1/4]"), "{plain:?}");

    let coloured = run_on_a_terminal(&command, false).await;
    assert!(
        coloured.contains("\x1b[1;31mFAIL\x1b[0m EP-CREATE-002"),
        "failures are red on a terminal:\n{coloured:?}"
    );
    server.server.shutdown().await;
}
