//! `cargo xtask test`: the whole test suite on any machine of this kind, set-up included.
//!
//! Three tests need programs that a fresh machine may lack: headless Chromium renders report.html,
//! kubectl is a real client of the reference server, and a real etcd proves the launcher's
//! compaction. Rather than letting those tests skip (which would hide a broken report, server or
//! launcher), this command installs Chromium and etcd from Debian's archive when they are missing,
//! finds kubectl where the machine image keeps it, and only then runs
//! `cargo test --workspace`. `.ci/run` calls exactly this command.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

/// Arguments after `--` go to `cargo test --workspace` unchanged (e.g. `-- --skip kill_matrix`).
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Extra arguments for `cargo test --workspace`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    cargo_args: Vec<OsString>,
}

/// Where the machine image's Google Cloud SDK keeps kubectl and its versioned siblings.
const CLOUD_SDK_BIN: &str = "/usr/lib/google-cloud-sdk/bin";

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    ensure_chromium()?;
    ensure_etcd()?;
    let path = path_with_kubectl()?;

    eprintln!("==> cargo test --workspace");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["test", "--workspace"])
        .args(&args.cargo_args)
        .current_dir(crate::workspace_root()?)
        .env("PATH", path);
    // Most tests wait (on loopback sockets, child processes, watch timeouts) far more than they
    // compute, so two test threads per core finish sooner than libtest's one per core: measured on
    // 2 cores, the CLI tests took 37 s instead of 59 s and the harness tests 53 s instead of 80 s.
    // An explicit RUST_TEST_THREADS (or `-- --test-threads N`) still wins.
    if std::env::var_os("RUST_TEST_THREADS").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        command.env("RUST_TEST_THREADS", (2 * cores).to_string());
    }
    let status = command.status().context("failed to start cargo test")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Installs Debian's `chromium` when neither it nor `KCONFORM_CHROMIUM` is there.
fn ensure_chromium() -> anyhow::Result<()> {
    if let Some(path) = std::env::var_os("KCONFORM_CHROMIUM") {
        if Path::new(&path).is_file() {
            return Ok(());
        }
        bail!(
            "KCONFORM_CHROMIUM={} is not a file",
            Path::new(&path).display()
        );
    }
    if chromium_installed() {
        return Ok(());
    }
    apt_install("chromium", "the report.html screenshot test")?;
    if !chromium_installed() {
        bail!("apt-get installed chromium, but /usr/bin/chromium is still missing");
    }
    Ok(())
}

/// Installs Debian's `etcd-server` when neither it nor `KCONFORM_ETCD` is there: the launcher's
/// compaction and version checks are tested against a real etcd.
fn ensure_etcd() -> anyhow::Result<()> {
    if let Some(path) = std::env::var_os("KCONFORM_ETCD") {
        if Path::new(&path).is_file() {
            return Ok(());
        }
        bail!("KCONFORM_ETCD={} is not a file", Path::new(&path).display());
    }
    if etcd_installed() {
        return Ok(());
    }
    apt_install("etcd-server", "the launcher's etcd compaction test")?;
    if !etcd_installed() {
        bail!("apt-get installed etcd-server, but /usr/bin/etcd is still missing");
    }
    Ok(())
}

fn etcd_installed() -> bool {
    Path::new("/usr/bin/etcd").is_file()
}

/// `apt-get update` and `apt-get install -y PACKAGE` (through sudo unless root).
fn apt_install(package: &str, why: &str) -> anyhow::Result<()> {
    eprintln!("==> installing Debian's {package} for {why}");
    let root = is_root();
    let apt = |apt_args: &[&str]| -> anyhow::Result<()> {
        let mut command = if root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        let status = command
            .args(apt_args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .context("failed to start apt-get (is this a Debian machine?)")?;
        if !status.success() {
            bail!("apt-get {} failed ({status})", apt_args.join(" "));
        }
        Ok(())
    };
    apt(&["update", "-qq"])?;
    apt(&["install", "-y", "-qq", package])
}

fn chromium_installed() -> bool {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .any(|p| Path::new(p).is_file())
}

fn is_root() -> bool {
    // `id -u` rather than libc: xtask keeps to safe, portable std.
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

/// PATH for the tests, with the Cloud SDK's bin folder appended when kubectl is not already on it.
/// kubectl is not in Debian's archive in a usable version, so a machine without it cannot run the
/// real-client tests: that is an error, never a skip.
fn path_with_kubectl() -> anyhow::Result<OsString> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    if !dirs.iter().any(|d| d.join("kubectl").is_file()) {
        let sdk = Path::new(CLOUD_SDK_BIN);
        if !sdk.join("kubectl").is_file() {
            bail!(
                "kubectl is required by the reference server's real-client tests: \
                 none on PATH and none in {CLOUD_SDK_BIN}"
            );
        }
        dirs.push(sdk.to_path_buf());
    }
    std::env::join_paths(dirs).context("PATH holds a folder name with a ':'")
}
