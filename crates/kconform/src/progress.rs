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

/// Whether colour may be used on stderr.
pub fn colour_allowed(mode: Mode) -> bool {
    mode == Mode::Bar && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
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
        match self.mode {
            Mode::Lines => {
                let width = total.to_string().len();
                let mut err = std::io::stderr().lock();
                // A closed stderr is no reason to stop the run.
                let _ = writeln!(
                    err,
                    "[{done:>width$}/{total}] {word:<17} {} ({} ms){}",
                    result.id,
                    result.duration.as_millis(),
                    if notable { detail } else { String::new() }
                );
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
