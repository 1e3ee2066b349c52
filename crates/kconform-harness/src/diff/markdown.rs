//! The Markdown report of a diff run: the summary, then per differing sequence its first
//! differences and the shrunk reproduction as numbered requests with both answers and a curl
//! script. Tokens never appear: the script reads them from `$KCONFORM_TOKEN`.

use std::fmt::Write as _;

use base64::Engine as _;

use serde_json::Value;

use super::{DiffReport, SequenceResult, SequenceVerdict};
use crate::replay::{Scenario, Step};

/// How many differences of a sequence the report lists.
const SHOWN_DIFFERENCES: usize = 8;
/// Bodies longer than this are cut in the report (the transcripts keep them whole).
const BODY_LIMIT: usize = 1500;

/// Renders `report` as Markdown.
pub fn markdown(report: &DiffReport) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "# kconform diff\n");
    let _ = writeln!(
        out,
        "Reference: {}{}  ",
        report.reference,
        report
            .reference_version
            .as_deref()
            .map(|v| format!(" ({v})"))
            .unwrap_or_default()
    );
    let _ = writeln!(out, "Target: {}  ", report.target);
    if let (Some(seed), Some(steps)) = (report.seed, report.steps) {
        let _ = writeln!(
            out,
            "Sequences: {} of {steps} steps, seeds {seed} to {}  ",
            report.sequences,
            seed.wrapping_add(report.sequences.saturating_sub(1) as u64)
        );
    } else {
        let _ = writeln!(out, "Sequences: {} (recorded)  ", report.sequences);
    }
    let _ = writeln!(
        out,
        "Result: {} identical, {} differ, {} could not run on the reference ({} ms)\n",
        report.identical, report.differing, report.errors, report.duration_ms
    );
    for result in &report.results {
        match result.verdict {
            SequenceVerdict::Identical => {}
            SequenceVerdict::Error => {
                let _ = writeln!(
                    out,
                    "## {}: not compared\n\n{}\n",
                    result.id,
                    result.error.as_deref().unwrap_or("")
                );
            }
            SequenceVerdict::Differs => sequence(&mut out, result),
        }
    }
    out
}

fn sequence(out: &mut String, result: &SequenceResult) {
    let _ = writeln!(
        out,
        "## {}: differs{}\n",
        result.id,
        result
            .first_difference
            .map(|n| format!(" from step {n} of {}", result.steps))
            .unwrap_or_default()
    );
    for difference in result.differences.iter().take(SHOWN_DIFFERENCES) {
        let _ = writeln!(out, "- {}", one_line(&difference.to_string()));
    }
    if result.differences.len() > SHOWN_DIFFERENCES {
        let _ = writeln!(
            out,
            "- … and {} more",
            result.differences.len() - SHOWN_DIFFERENCES
        );
    }
    out.push('\n');
    let (reference, target, differences) = match &result.shrunk {
        Some(shrunk) => {
            let _ = writeln!(
                out,
                "Shrunk to {} steps in {} trials ({} ms):\n",
                shrunk.steps, shrunk.trials, shrunk.duration_ms
            );
            for difference in shrunk.differences.iter().take(SHOWN_DIFFERENCES) {
                let _ = writeln!(out, "- {}", one_line(&difference.to_string()));
            }
            out.push('\n');
            (&shrunk.reference, &shrunk.target, &shrunk.differences)
        }
        None => {
            let _ = writeln!(out, "Not shrunk; the whole sequence:\n");
            (&result.reference, &result.target, &result.differences)
        }
    };
    let differing: Vec<usize> = differences.iter().filter_map(|d| d.step).collect();
    for (i, step) in reference.steps.iter().enumerate() {
        let n = i + 1;
        let mark = if differing.contains(&n) {
            " **differs**"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{n}. `{}`{mark}{}",
            request_line(step),
            step.note
                .as_deref()
                .and_then(|note| note.split_once(": ").map(|(_, what)| what))
                .map(|what| format!(" ({what})"))
                .unwrap_or_default()
        );
        if let Some(body) = &step.request.body {
            let _ = writeln!(out, "   - body: `{}`", cut(&compact(body)));
        }
        let _ = writeln!(out, "   - reference: {}", answer(Some(step)));
        let _ = writeln!(out, "   - target: {}", answer(target.steps.get(i)));
    }
    out.push('\n');
    curl_script(out, reference);
}

pub(super) fn one_line(text: &str) -> String {
    cut(&text.replace('\n', " "))
}

fn cut(text: &str) -> String {
    if text.chars().count() <= BODY_LIMIT {
        text.replace('`', "'")
    } else {
        let head: String = text.chars().take(BODY_LIMIT).collect();
        format!("{}…", head.replace('`', "'"))
    }
}

pub(super) fn compact(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn query_string(step: &Step) -> String {
    step.request
        .query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

pub(super) fn request_line(step: &Step) -> String {
    let query = query_string(step);
    if query.is_empty() {
        format!("{} {}", step.request.method, step.request.path)
    } else {
        format!("{} {}?{query}", step.request.method, step.request.path)
    }
}

pub(super) fn answer(step: Option<&Step>) -> String {
    let Some(step) = step else {
        return "(not sent)".to_owned();
    };
    let Some(response) = &step.response else {
        return "(no answer)".to_owned();
    };
    let status = response
        .get("status")
        .map(compact)
        .unwrap_or_else(|| "?".to_owned());
    let mut text = status;
    if let Some(body) = response.get("body") {
        let _ = write!(text, " `{}`", cut(&compact(body)));
    }
    if let Some(events) = &step.events {
        let kinds: Vec<String> = events
            .iter()
            .map(|e| e.get("type").map(compact).unwrap_or_default())
            .collect();
        let _ = write!(text, ", events [{}]", kinds.join(", "));
    }
    if let Some(stream) = &step.stream {
        let _ = write!(text, ", ended by {}", stream.ended_by);
    }
    text
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A script that sends the reproduction's requests with curl. Values the server chose (`<rv-N>`,
/// `<uid-N>`, …) are left as placeholders: read them from the earlier answers.
pub(super) fn curl_script(out: &mut String, scenario: &Scenario) {
    let _ = writeln!(
        out,
        "```sh\n# TARGET=https://127.0.0.1:6443 KCONFORM_TOKEN=... sh this-script\n# <rv-N>, <uid-N>, <gen-N>, <continue-N>: the values the server answered earlier\nNS=kconform-repro-$$\nAUTH=\"Authorization: Bearer $KCONFORM_TOKEN\"\ncurl -sS -k -H \"$AUTH\" -H 'Content-Type: application/json' \"$TARGET/api/v1/namespaces\" -d \"{{\\\"apiVersion\\\":\\\"v1\\\",\\\"kind\\\":\\\"Namespace\\\",\\\"metadata\\\":{{\\\"name\\\":\\\"$NS\\\"}}}}\""
    );
    for step in &scenario.steps {
        let request = &step.request;
        let path = request.path.replace("<ns>", "$NS");
        let query = query_string(step).replace("<ns>", "$NS");
        let url = if query.is_empty() {
            format!("$TARGET{path}")
        } else {
            format!("$TARGET{path}?{query}")
        };
        let mut line = format!("curl -sS -k -X {} -H \"$AUTH\"", request.method);
        for (name, value) in &request.headers {
            if let Some(value) = value.as_str() {
                let _ = write!(line, " -H {}", shell_quote(&format!("{name}: {value}")));
            }
        }
        let _ = write!(line, " \"{url}\"");
        let protobuf = request
            .headers
            .get("Content-Type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with(kconform_spec::protobuf::MEDIA_TYPE));
        match &request.body {
            // Replay encodes a protobuf body's JSON form when it sends it: the script sends the
            // same bytes, when they are known without the server's values.
            Some(body) if protobuf && !body.is_string() => {
                let text = compact(body);
                match kconform_spec::protobuf::encode(body) {
                    Ok(bytes) if !text.contains('<') => {
                        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
                        line = format!(
                            "printf '%s' '{encoded}' | base64 -d | {line} --data-binary @-"
                        );
                    }
                    _ => {
                        let _ = writeln!(
                            out,
                            "# the body is sent as Kubernetes protobuf: encode this JSON form (k8s\\0 envelope) with the values filled in"
                        );
                        let _ = write!(line, " --data-binary {}", shell_quote(&text));
                    }
                }
            }
            Some(body) => {
                let _ = write!(line, " --data-binary {}", shell_quote(&compact(body)));
            }
            None => {}
        }
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(
        out,
        "curl -sS -k -X DELETE -H \"$AUTH\" \"$TARGET/api/v1/namespaces/$NS\"\n```\n"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::transcript::Request;
    use serde_json::json;

    fn post(body: Value) -> Step {
        let mut headers = serde_json::Map::new();
        headers.insert(
            "Content-Type".to_owned(),
            json!(kconform_spec::protobuf::MEDIA_TYPE),
        );
        Step {
            note: None,
            request: Request {
                method: "PUT".to_owned(),
                path: "/api/v1/namespaces/<ns>/endpoints/ep-1".to_owned(),
                query: Vec::new(),
                headers,
                auth: "admin".to_owned(),
                body: Some(body),
            },
            nondeterministic: None,
            response: None,
            events: None,
            stream: None,
            continue_tokens: None,
        }
    }

    #[test]
    fn the_script_sends_protobuf_bodies_as_their_bytes() {
        let known = json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": {"name": "ep-1"}});
        let learnt = json!({"kind": "Endpoints", "apiVersion": "v1",
            "metadata": {"name": "ep-1", "resourceVersion": "<rv-1>"}});
        let scenario = Scenario {
            id: "diff/seed-1".to_owned(),
            description: String::new(),
            steps: vec![post(known.clone()), post(learnt)],
            error: None,
            skipped: None,
        };
        let mut out = String::new();
        curl_script(&mut out, &scenario);
        let bytes = kconform_spec::protobuf::encode(&known).unwrap();
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        assert!(
            out.contains(&format!("printf '%s' '{encoded}' | base64 -d | curl")),
            "{out}"
        );
        // With a value the server chose, the bytes are not known: the JSON form, and why.
        assert!(
            out.contains("# the body is sent as Kubernetes protobuf"),
            "{out}"
        );
        assert!(out.contains("<rv-1>"), "{out}");
    }
}
