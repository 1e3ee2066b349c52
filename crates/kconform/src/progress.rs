//! Progress on stderr: an indicatif bar when stderr is a terminal, plain lines otherwise (CI logs).
//! Colour only on a terminal, and never when `NO_COLOR` is set (<https://no-color.org>).

use std::io::{IsTerminal as _, Write as _};
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kconform_harness::baseline::Baseline;
use kconform_harness::model::{CheckResult, Outcome};
use kconform_harness::runner::Progress;

/// Longest failure detail shown per progress line (the reports have everything).
const DETAIL_WIDTH: usize = 200;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A live bar (stderr is a terminal).
    Bar,
    /// One line per finished check.
    Lines,
}

impl Mode {
    /// The mode for this process: a bar on a terminal, lines otherwise.
    pub fn detect() -> Self {
        if std::io::stderr().is_terminal() {
            Self::Bar
        } else {
            Self::Lines
        }
    }
}

/// Whether colour may be used on stderr in this process.
pub fn colour_allowed(mode: Mode) -> bool {
    colour_allowed_with(mode, std::env::var_os("NO_COLOR").as_deref())
}

/// Whether colour may be used: only on a terminal, and not when `NO_COLOR` is set to a non-empty
/// value (as <https://no-color.org> asks).
pub fn colour_allowed_with(mode: Mode, no_color: Option<&std::ffi::OsStr>) -> bool {
    mode == Mode::Bar && no_color.is_none_or(|v| v.is_empty())
}

/// Receives the runner's progress events and shows them.
#[derive(Debug)]
pub struct Reporter<'a> {
    mode: Mode,
    colour: bool,
    baseline: &'a Baseline,
    bar: Mutex<Option<ProgressBar>>,
}

impl<'a> Reporter<'a> {
    /// A reporter; `baseline` marks failures it tolerates as such.
    pub fn new(mode: Mode, baseline: &'a Baseline) -> Self {
        Self {
            colour: colour_allowed(mode),
            mode,
            baseline,
            bar: Mutex::new(None),
        }
    }

    /// Handles one event.
    pub fn event(&self, event: Progress<'_>) {
        match event {
            Progress::Planned { total, target } => {
                let line = format!(
                    "kconform: running {total} checks against {} (Kubernetes {} expectations{})",
                    target.url,
                    target.k8s_version,
                    target
                        .server_version
                        .as_deref()
                        .map(|v| format!(", server reports {v}"))
                        .unwrap_or_default()
                );
                match self.mode {
                    Mode::Lines => eprintln!("{line}"),
                    Mode::Bar => {
                        let bar = ProgressBar::with_draw_target(
                            Some(total as u64),
                            ProgressDrawTarget::stderr(),
                        );
                        let template = if self.colour {
                            "{elapsed_precise} [{bar:40.cyan/blue}] {pos}/{len} {wide_msg}"
                        } else {
                            "{elapsed_precise} [{bar:40}] {pos}/{len} {wide_msg}"
                        };
                        if let Ok(style) = ProgressStyle::with_template(template) {
                            bar.set_style(style.progress_chars("=> "));
                        }
                        bar.println(line);
                        if let Ok(mut slot) = self.bar.lock() {
                            *slot = Some(bar);
                        }
                    }
                }
            }
            Progress::Started { id } => {
                if let Some(bar) = self.bar() {
                    bar.set_message(id.to_owned());
                }
            }
            Progress::Finished {
                result,
                done,
                total,
            } => self.finished(result, done, total),
        }
    }

    fn bar(&self) -> Option<ProgressBar> {
        self.bar.lock().ok().and_then(|slot| slot.clone())
    }

    fn finished(&self, result: &CheckResult, done: usize, total: usize) {
        let baselined = self.baseline.lookup(&result.id).is_some();
        let (word, notable, detail) = describe(result, baselined);
        match self.mode {
            Mode::Lines => {
                let mut err = std::io::stderr().lock();
                // A closed stderr is no reason to stop the run.
                let _ = writeln!(err, "{}", plain_line(result, baselined, done, total));
            }
            Mode::Bar => {
                if let Some(bar) = self.bar() {
                    if notable {
                        let word = if self.colour {
                            format!("\x1b[1;31m{word}\x1b[0m")
                        } else {
                            word.to_owned()
                        };
                        bar.println(format!("{word} {}{detail}", result.id));
                    }
                    bar.set_position(done as u64);
                    if done == total {
                        bar.finish_and_clear();
                    }
                }
            }
        }
    }

    /// Clears the bar (on early exit).
    pub fn finish(&self) {
        if let Some(bar) = self.bar() {
            bar.finish_and_clear();
        }
    }
}

/// The word for a result, whether it deserves attention, and its one-line detail.
fn describe(result: &CheckResult, baselined: bool) -> (&'static str, bool, String) {
    let (word, notable) = match (&result.outcome, baselined) {
        (Outcome::Pass, false) => ("pass", false),
        (Outcome::Pass, true) => ("PASS (baselined)", true),
        (Outcome::Fail(_), false) => ("FAIL", true),
        (Outcome::Fail(_), true) => ("fail (baselined)", false),
        (Outcome::Error { .. }, false) => ("ERROR", true),
        (Outcome::Error { .. }, true) => ("error (baselined)", false),
        (Outcome::Skip { .. }, _) => ("skip", false),
        (Outcome::Unsupported { .. }, _) => ("unsupported", false),
    };
    let detail = match &result.outcome {
        Outcome::Fail(failure) => format!(
            ": {}",
            crate::run::one_line(
                &format!("expected {}, got {}", failure.expected, failure.actual),
                DETAIL_WIDTH
            )
        ),
        Outcome::Error { message } => {
            format!(": {}", crate::run::one_line(message, DETAIL_WIDTH))
        }
        _ => String::new(),
    };
    (word, notable, if notable { detail } else { String::new() })
}

/// The line printed for a finished check when stderr is not a terminal.
pub fn plain_line(result: &CheckResult, baselined: bool, done: usize, total: usize) -> String {
    let (word, _, detail) = describe(result, baselined);
    let width = total.to_string().len();
    format!(
        "[{done:>width$}/{total}] {word:<17} {} ({} ms){detail}",
        result.id,
        result.duration.as_millis()
    )
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;
    use std::time::Duration;

    use kconform_harness::model::{CleanupOutcome, Level};

    use super::*;

    fn result(outcome: Outcome) -> CheckResult {
        CheckResult {
            id: "EP-CREATE-002".to_owned(),
            level: Level::Must,
            outcome,
            duration: Duration::from_millis(12),
            cleanup: CleanupOutcome::Done,
        }
    }

    #[test]
    fn plain_lines_show_position_result_and_detail_of_what_matters() {
        assert_eq!(
            plain_line(&result(Outcome::Pass), false, 3, 120),
            "[  3/120] pass              EP-CREATE-002 (12 ms)"
        );
        assert_eq!(
            plain_line(&result(Outcome::fail("201", "200", vec![])), false, 10, 120),
            "[ 10/120] FAIL              EP-CREATE-002 (12 ms): expected 201, got 200"
        );
        // A baselined failure is expected: no detail, lower case.
        assert_eq!(
            plain_line(&result(Outcome::fail("201", "200", vec![])), true, 10, 120),
            "[ 10/120] fail (baselined)  EP-CREATE-002 (12 ms)"
        );
        assert_eq!(
            plain_line(
                &result(Outcome::error("connection reset\nby peer")),
                false,
                1,
                9
            ),
            "[1/9] ERROR             EP-CREATE-002 (12 ms): connection reset by peer"
        );
        assert_eq!(
            plain_line(&result(Outcome::Pass), true, 1, 9),
            "[1/9] PASS (baselined)  EP-CREATE-002 (12 ms)"
        );
    }

    #[test]
    fn colour_only_on_a_terminal_and_never_with_no_color() {
        assert!(colour_allowed_with(Mode::Bar, None));
        assert!(colour_allowed_with(Mode::Bar, Some(OsStr::new(""))));
        assert!(!colour_allowed_with(Mode::Bar, Some(OsStr::new("1"))));
        assert!(!colour_allowed_with(Mode::Lines, None));
    }
}
