//! The `kconform` binary: parses the command line and hands over to the library.

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    kconform::main_with(kconform::cli::Cli::parse())
}
