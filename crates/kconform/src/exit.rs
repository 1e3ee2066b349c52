//! Exit codes of `kconform` and `cargo xtask conformance`: a documented API, kept in this one place.
//!
//! | code | constant | meaning |
//! |-----:|----------|---------|
//! | 0 | [`SUCCESS`] | no regression: every failure (if any) is in the baseline |
//! | 1 | [`REGRESSION`] | a conformance regression: a check failed that the baseline does not list (or, with `--strict-baseline`, a baselined check passed) |
//! | 2 | [`HARNESS_ERROR`] | a harness or target error: bad arguments or baseline, a target that refuses connections, a check that could not reach a verdict, a report that could not be written |
//! | 130 | [`INTERRUPTED`] | interrupted by Ctrl-C (launched servers were stopped) |
//!
//! When a run has both regressions and errored checks, 1 wins: a regression is a definite finding
//! about the target, whatever the errored checks would have said.

use std::process::ExitCode;

/// 0: no regression.
pub const SUCCESS: u8 = 0;
/// 1: a conformance regression (an unexpected failure, or a strict-baseline unexpected pass).
pub const REGRESSION: u8 = 1;
/// 2: a harness or target error (including a target that refuses connections).
pub const HARNESS_ERROR: u8 = 2;
/// 130: interrupted by Ctrl-C, as shells report a SIGINT death (128 + 2).
pub const INTERRUPTED: u8 = 130;

/// The process exit code for a numeric code above.
pub fn code(value: u8) -> ExitCode {
    ExitCode::from(value)
}
