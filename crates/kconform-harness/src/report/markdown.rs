//! `report.md`: the summary a person reads first, in a pull request or a CI log.
//!
//! Order: verdict and counts; regressions (expected, actual, curl); errors; unexpected passes;
//! baselined failures; stale baseline ids; then a table of every check.

use std::fmt::Write as _;

use super::junit::serde_plain;
use super::{CheckReport, Report};
use crate::baseline::{GateStatus, Verdict};
use crate::model::Outcome;

/// Renders the report as Markdown.
pub fn render_markdown(report: &Report) -> String {
    let mut md = String::new();
    // `write!` into a String cannot fail; the results are ignored for that reason below.
    let _ = writeln!(md, "# kconform report: {}", report.suite_names());
    let _ = writeln!(md);
    let _ = writeln!(md, "- Target: `{}`", report.target.url);
    for suite in &report.suites {
        let ran = report
            .checks
            .iter()
            .filter(|c| c.suite == suite.name)
            .count();
        let _ = writeln!(md, "- Suite `{}` ({}): {ran} checks", suite.name, suite.api);
    }
    let _ = writeln!(
        md,
        "- Kubernetes version applied: {}{}",
        report.target.k8s_version,
        report
            .target
            .server_version
            .as_deref()
            .map(|v| format!(" (server reports {v})"))
            .unwrap_or_default()
    );
    let _ = writeln!(md, "- Started: {}", report.started_at);
    let _ = writeln!(md, "- Duration: {} ms", report.duration_ms);
    let _ = writeln!(
        md,
        "- Levels: {} and stronger{}",
        report.options.level,
        report
            .options
            .filter
            .as_deref()
            .map(|f| format!(", filter `{f}`"))
            .unwrap_or_default()
    );
    if let Some(baseline) = &report.baseline {
        let _ = writeln!(
            md,
            "- Baseline: `{}` (target {})",
            baseline.path, baseline.target
        );
    }
    let _ = writeln!(md);
    let verdict = match report.verdict {
        Verdict::Clean => "**Verdict: no regression.**",
        Verdict::Regression => {
            "**Verdict: REGRESSION** (a check failed that the baseline does not list)."
        }
        Verdict::Error => "**Verdict: ERROR** (a check could not reach a verdict).",
    };
    let _ = writeln!(md, "{verdict}");
    let _ = writeln!(md);
    let s = &report.summary;
    let counts = s.labelled();
    let mut header = String::from("| checks |");
    let mut rule = String::from("|---:|");
    let mut row = format!("| {} |", s.total);
    for (label, n) in counts {
        let _ = write!(header, " {label} |");
        rule.push_str("---:|");
        let _ = write!(row, " {n} |");
    }
    let _ = writeln!(md, "{header}");
    let _ = writeln!(md, "{rule}");
    let _ = writeln!(md, "{row}");

    section(&mut md, report, GateStatus::Regression, "Regressions");
    section(&mut md, report, GateStatus::Error, "Errors");
    section(
        &mut md,
        report,
        GateStatus::UnexpectedPass,
        "Unexpected passes (update the baseline)",
    );
    section(
        &mut md,
        report,
        GateStatus::ExpectedFailure,
        "Expected failures (baselined)",
    );
    section(&mut md, report, GateStatus::Pending, "Pending (baselined)");

    if let Some(baseline) = report.baseline.as_ref().filter(|b| !b.stale_ids.is_empty()) {
        let _ = writeln!(md, "\n## Stale baseline entries\n");
        let _ = writeln!(
            md,
            "These ids are in the baseline but name no check of the suite:\n"
        );
        for id in &baseline.stale_ids {
            let _ = writeln!(md, "- `{id}`");
        }
    }

    let _ = writeln!(md, "\n## All checks\n");
    let _ = writeln!(md, "| id | level | result | requirement |");
    let _ = writeln!(md, "|---|---|---|---|");
    for check in &report.checks {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            check.id,
            check.level,
            check.gate.label(),
            table_cell(&check.requirement)
        );
    }
    md
}

fn section(md: &mut String, report: &Report, status: GateStatus, title: &str) {
    let checks: Vec<&CheckReport> = report.checks.iter().filter(|c| c.gate == status).collect();
    if checks.is_empty() {
        return;
    }
    let _ = writeln!(md, "\n## {title} ({})\n", checks.len());
    for check in checks {
        let _ = writeln!(md, "### {} ({})\n", check.id, check.level);
        if !check.requirement.is_empty() {
            let _ = writeln!(md, "{}\n", check.requirement);
        }
        if !check.spec_ref.is_empty() {
            let _ = writeln!(md, "Spec: {}\n", check.spec_ref);
        }
        if let Some(baseline) = &check.baseline {
            let _ = writeln!(
                md,
                "Baseline ({}): {} <{}>\n",
                serde_plain(&baseline.kind),
                baseline.reason,
                baseline.link
            );
        }
        match &check.outcome {
            Outcome::Fail(failure) => {
                let _ = writeln!(md, "- Expected: {}", failure.expected);
                let _ = writeln!(md, "- Actual: {}\n", failure.actual);
                for exchange in &failure.evidence {
                    let _ = writeln!(md, "```sh\n{}\n```\n", exchange.curl);
                    if let Some(response) = &exchange.response {
                        let _ = writeln!(
                            md,
                            "Response {}:\n\n```\n{}\n```\n",
                            response.status,
                            response.body.trim_end()
                        );
                    } else {
                        let _ = writeln!(md, "No response.\n");
                    }
                }
            }
            Outcome::Error { message } => {
                let _ = writeln!(md, "- Error: {message}\n");
            }
            Outcome::Pass => {
                let _ = writeln!(md, "- Passed.\n");
            }
            Outcome::Skip { reason } => {
                let _ = writeln!(md, "- Skipped: {reason}\n");
            }
            Outcome::Unsupported { feature, reason } => {
                let _ = writeln!(md, "- Unsupported feature {feature}: {reason}\n");
            }
        }
    }
}

/// Text safe inside a Markdown table cell.
fn table_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
