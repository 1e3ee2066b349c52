//! The diff section of kconform's HTML reports: one self-contained page (`report.html` beside
//! `report.json` and `report.md`) in the run report's style, with the summary and, per differing
//! sequence, its differences and the shrunk reproduction step by step with both answers side by
//! side and the curl script. Like the Markdown, it never shows a token.

use std::fmt::Write as _;

use super::markdown::{answer, curl_script, one_line, request_line};
use super::{DiffReport, SequenceResult, SequenceVerdict};
use crate::report::escape_html as esc;
use crate::report::html::page_head;

/// How many differences of a sequence the page lists.
const SHOWN_DIFFERENCES: usize = 20;

/// Renders `report` as one self-contained HTML page.
pub fn html(report: &DiffReport) -> String {
    let mut h = String::with_capacity(16 * 1024);
    // Writing to a String cannot fail.
    h.push_str(&page_head(&format!(
        "kconform diff: {} against {}",
        report.target, report.reference
    )));
    let _ = writeln!(
        h,
        "<h1>kconform diff</h1><p class=\"meta\">Target <code>{}</code> · reference <code>{}</code>{} · {} ms</p>",
        esc(&report.target),
        esc(&report.reference),
        report
            .reference_version
            .as_deref()
            .map(|v| format!(" ({})", esc(v)))
            .unwrap_or_default(),
        report.duration_ms,
    );
    let (class, text) = if report.errors > 0 {
        (
            "error",
            "Error: some sequences could not run on the reference",
        )
    } else if report.differing > 0 {
        ("regression", "The target differs from the reference")
    } else {
        ("clean", "No difference")
    };
    let _ = writeln!(
        h,
        "<div class=\"verdict {class}\" id=\"verdict\">{text}</div>"
    );
    let sequences = match (report.seed, report.steps) {
        (Some(seed), Some(steps)) => format!(
            "{} of {steps} steps, seeds {seed} to {}",
            report.sequences,
            seed.wrapping_add(report.sequences.saturating_sub(1) as u64)
        ),
        _ => format!("{} (recorded)", report.sequences),
    };
    let _ = writeln!(
        h,
        "<table class=\"summary\"><tr><th>Sequences</th><th>Identical</th><th>Differ</th><th>Not compared</th></tr>\
         <tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
        esc(&sequences),
        report.identical,
        report.differing,
        report.errors
    );
    let _ = writeln!(h, "<h2>Differences</h2><div id=\"sequences\">");
    for result in &report.results {
        match result.verdict {
            SequenceVerdict::Identical => {}
            SequenceVerdict::Error => {
                let _ = writeln!(
                    h,
                    "<details class=\"check\"><summary><span class=\"id\">{}</span><span class=\"badge error\">not compared</span></summary><div class=\"body\"><pre>{}</pre></div></details>",
                    esc(&result.id),
                    esc(result.error.as_deref().unwrap_or(""))
                );
            }
            SequenceVerdict::Differs => sequence(&mut h, result),
        }
    }
    if report.differing == 0 && report.errors == 0 {
        let _ = writeln!(
            h,
            "<p>Every answer of the target matched the reference's.</p>"
        );
    }
    let _ = writeln!(h, "</div></body></html>");
    h
}

fn sequence(h: &mut String, result: &SequenceResult) {
    let size = result.shrunk.as_ref().map_or(result.steps, |s| s.steps);
    let first = result
        .differences
        .first()
        .map(|d| one_line(&d.to_string()))
        .unwrap_or_default();
    let _ = writeln!(
        h,
        "<details class=\"check\" open><summary><span class=\"id\">{}</span><span class=\"badge fail\">differs</span><span class=\"lvl\">{size} steps</span><span class=\"req\">{}</span></summary><div class=\"body\">",
        esc(&result.id),
        esc(&first)
    );
    let _ = writeln!(h, "<ul>");
    for difference in result.differences.iter().take(SHOWN_DIFFERENCES) {
        let _ = writeln!(h, "<li>{}</li>", esc(&one_line(&difference.to_string())));
    }
    if result.differences.len() > SHOWN_DIFFERENCES {
        let _ = writeln!(
            h,
            "<li>… and {} more</li>",
            result.differences.len() - SHOWN_DIFFERENCES
        );
    }
    let _ = writeln!(h, "</ul>");
    let (reference, target, differences) = match &result.shrunk {
        Some(shrunk) => {
            let _ = writeln!(
                h,
                "<p>Shrunk from {} to {} steps in {} trials ({} ms).</p>",
                result.steps, shrunk.steps, shrunk.trials, shrunk.duration_ms
            );
            (&shrunk.reference, &shrunk.target, &shrunk.differences)
        }
        None => {
            let _ = writeln!(h, "<p>Not shrunk; the whole sequence:</p>");
            (&result.reference, &result.target, &result.differences)
        }
    };
    let differing: Vec<usize> = differences.iter().filter_map(|d| d.step).collect();
    let _ = writeln!(h, "<ol>");
    for (i, step) in reference.steps.iter().enumerate() {
        let class = if differing.contains(&(i + 1)) {
            "diffstep differs"
        } else {
            "diffstep"
        };
        let _ = writeln!(
            h,
            "<li class=\"{class}\"><code>{}</code>",
            esc(&request_line(step))
        );
        if let Some(body) = &step.request.body {
            let _ = writeln!(h, "<pre>{}</pre>", esc(&pretty(body)));
        }
        let _ = writeln!(
            h,
            "<div class=\"answers\"><div>reference<pre>{}</pre></div><div>target<pre>{}</pre></div></div></li>",
            esc(&answer(Some(step))),
            esc(&answer(target.steps.get(i)))
        );
    }
    let _ = writeln!(h, "</ol>");
    let mut script = String::new();
    curl_script(&mut script, reference);
    let script = script
        .trim()
        .trim_start_matches("```sh")
        .trim_end_matches("```")
        .trim();
    let _ = writeln!(
        h,
        "<p>The reproduction as curl requests:</p><pre>{}</pre></div></details>",
        esc(script)
    );
}

fn pretty(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
    }
}
