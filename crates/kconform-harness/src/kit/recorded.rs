//! Checks that replay one recorded kube-apiserver scenario (a transcript of plain requests) against
//! the target and hold each answer against the recorded one: the expectations are kube-apiserver's
//! own answers, per version.
//!
//! Where the 1.28 and 1.36 recordings of a step differ, the check applies the 1.36 answer from the
//! minor version the behaviour changed in and the 1.28 answer before it.

use kconform_spec::notation::{self, Placeholder};
use regex::Regex;
use serde_json::Value;

use super::{Verdict, compact, expect_eq, expect_json_eq, expect_status, fail, json_of, send};
use crate::client::{Request, split_warning_header};
use crate::model::Outcome;
use crate::runner::Ctx;

/// One recorded scenario, both versions (the transcripts' JSON text, compiled into the suite).
#[derive(Debug, Clone, Copy)]
pub struct Recording {
    /// The kube-apiserver v1.36 transcript.
    pub v136: &'static str,
    /// The kube-apiserver v1.28 transcript.
    pub v128: &'static str,
}

/// What a replayed recording needs to know about its resource.
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// The stem of the recording's object names (`ep` for `ep-1`, `ep-2`, ...).
    pub name_stem: &'static str,
    /// The warnings every answer of the resource's routes carries at the check's version (such as
    /// a deprecation warning); the recorded warnings are compared without them.
    pub route_warnings: fn(&Ctx) -> Vec<String>,
}

/// Replaces the recording's names (`ep-1`, `<ns>`) with this check's.
struct Renamer {
    names: Regex,
    base: String,
    namespace: String,
}

impl Renamer {
    fn text(&self, s: &str) -> String {
        let mut filled = String::with_capacity(s.len());
        let mut last = 0;
        for (range, placeholder) in notation::placeholders(s) {
            if placeholder == Placeholder::Namespace {
                filled.push_str(&s[last..range.start]);
                filled.push_str(&self.namespace);
                last = range.end;
            }
        }
        filled.push_str(&s[last..]);
        let s = filled;
        self.names
            .replace_all(&s, |c: &regex::Captures<'_>| {
                format!("{}{}-{}{}", &c[1], self.base, &c[2], &c[3])
            })
            .into_owned()
    }

    fn value(&self, v: &Value) -> Value {
        serde_json::from_str(&self.text(&v.to_string())).unwrap_or(Value::Null)
    }
}

/// Compares an expected recorded value with an actual one; `<pointer>` in the recording (Go pointers
/// normalised by the recorder) matches any hexadecimal pointer.
fn matches_recorded(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(e), Value::String(a)) if e.contains("<pointer>") => {
            let pattern = format!("^{}$", regex::escape(e).replace("<pointer>", "0x[0-9a-f]+"));
            Regex::new(&pattern).is_ok_and(|re| re.is_match(a))
        }
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| matches_recorded(x, y))
        }
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len()
                && e.iter()
                    .all(|(k, x)| a.get(k).is_some_and(|y| matches_recorded(x, y)))
        }
        _ => expected == actual,
    }
}

fn parse(text: &str) -> Result<Value, Outcome> {
    serde_json::from_str(text).map_err(|e| Outcome::error(format!("recording is not JSON: {e}")))
}

/// Replays `rec` step by step in the check's namespace; `changes` lists, per step (the last entry
/// applies to later steps), the minor version from which the 1.36 answer applies when the two
/// recordings differ.
///
/// A 201 is held against the recording without the server-set fields and read back with a GET;
/// every other answer must equal the recorded body (Go pointers excepted).
pub async fn replay(
    ctx: Ctx,
    resource: Resource,
    rec: Recording,
    changes: &[Option<u32>],
) -> Verdict {
    let new = parse(rec.v136)?;
    let old = parse(rec.v128)?;
    let renamer = Renamer {
        names: Regex::new(&format!(r#"(\\?"){}-(\d+)(\\?")"#, resource.name_stem))
            .map_err(|e| Outcome::error(e.to_string()))?,
        base: ctx.name("v"),
        namespace: ctx.namespace.clone(),
    };
    let empty = Vec::new();
    let new_steps = new["steps"].as_array().unwrap_or(&empty);
    let old_steps = old["steps"].as_array().unwrap_or(&empty);
    for (i, step) in new_steps.iter().enumerate() {
        let old_step = old_steps.get(i).unwrap_or(step);
        let same = step["response"] == old_step["response"];
        let changed_in = changes.get(i).or(changes.last()).copied().flatten();
        let use_new = same || changed_in.is_none_or(|v| ctx.version.at_least(v));
        let recorded = if use_new { step } else { old_step };
        let request = &step["request"];
        let mut body = request["body"].clone();
        let opaque = notation::expand_long_strings(&mut body);
        if !opaque.is_empty() {
            return Err(Outcome::error(format!(
                "the recording abbreviated {opaque:?}; it cannot be replayed"
            )));
        }
        let body = renamer.value(&body);
        let path = renamer.text(request["path"].as_str().unwrap_or_default());
        let mut req = match request["method"].as_str() {
            Some("POST") => Request::post(path),
            Some("PUT") => Request::put(path),
            Some("PATCH") => Request::patch(path),
            Some("DELETE") => Request::delete(path),
            _ => Request::get(path),
        };
        if !body.is_null() {
            req = req.json(&body);
        }
        let resp = send(&ctx, req).await?;
        let response = &recorded["response"];
        let code = response["status"].as_u64().unwrap_or(0) as u16;
        let note = step["note"].as_str().unwrap_or("");
        expect_status(&ctx, &resp, code).map_err(|o| annotate(o, note))?;
        let actual = json_of(&ctx, &resp)?;
        if code == 201 {
            // Accepted: what was stored is what was sent, defaulted; a GET reads it back.
            let want = super::without_server_fields(&renamer.value(&response["body"]));
            let got = super::without_server_fields(&actual);
            if want != got {
                return Err(annotate(fail(&ctx, compact(&want), compact(&got)), note));
            }
            let name = actual
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let read = send(&ctx, Request::get(ctx.object_path(name))).await?;
            expect_status(&ctx, &read, 200)?;
            expect_json_eq(&ctx, "GET after create", &actual, &json_of(&ctx, &read)?)?;
            // The recorded warnings apply on their side of 1.33 (where warnings start); between 1.33
            // and a later change (leading zeros: accepted with a warning in 1.33-1.35) they are unknown.
            let warnings_from = if ctx.version.at_least(33) {
                use_new.then_some(step)
            } else {
                (!use_new || changed_in.is_none()).then_some(old_step)
            };
            if let Some(source) = warnings_from {
                let want_w: Vec<String> = source["response"]["headers"]["Warning"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .flat_map(split_warning_header)
                    .collect();
                let route = (resource.route_warnings)(&ctx);
                let mut want = route.clone();
                want.extend(want_w.into_iter().filter(|w| !route.contains(w)));
                expect_eq(&ctx, "Warning headers", want, resp.warnings())
                    .map_err(|o| annotate(o, note))?;
            }
        } else {
            let want = renamer.value(&response["body"]);
            if !matches_recorded(&want, &actual) {
                return Err(annotate(fail(&ctx, compact(&want), compact(&actual)), note));
            }
        }
    }
    Ok(())
}

/// Prefixes a failure's expectation with the recorded step's note.
fn annotate(o: Outcome, note: &str) -> Outcome {
    match o {
        Outcome::Fail(mut f) if !note.is_empty() => {
            f.expected = format!("[{note}] {}", f.expected);
            Outcome::Fail(f)
        }
        other => other,
    }
}

/// A recorded scenario of the `k8s-transcript` tool at both versions, replayed whole by the replay
/// engine ([`crate::replay`]): bindings of names, uids, resourceVersions and continue tokens,
/// watches and their events, and the recorder's normalization, exactly as `kconform replay` does.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// The recording to hold the target against, both versions.
    pub recording: Recording,
    /// Which recording applies at which version.
    pub versions: Versions,
}

/// Which of a scenario's two recordings applies at a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versions {
    /// The recordings agree (or differ only where the comparison ignores): the 1.36 one applies.
    Same,
    /// The behaviour changed in this minor version: the 1.36 recording applies from it, the 1.28
    /// one before it.
    ChangedIn(u32),
    /// Several parts changed in different releases: the 1.28 recording applies up to `old_until`,
    /// the 1.36 one from `new_since`, and neither in between (the check is skipped there).
    Between {
        /// The last minor version the 1.28 recording describes.
        old_until: u32,
        /// The first minor version the 1.36 recording describes.
        new_since: u32,
    },
}

/// At most this many differences are shown in a failure.
const SHOWN_DIFFERENCES: usize = 8;

/// Replays `scenario` against the check's target in a fresh namespace (named after the check's) and
/// fails with every difference from the recording that applies at the check's version.
pub async fn replay_scenario(ctx: Ctx, scenario: Scenario) -> Verdict {
    use crate::replay::{self, ReplayOptions};

    let minor = ctx.version.minor;
    let use_new = match scenario.versions {
        Versions::Same => true,
        Versions::ChangedIn(from) => minor >= from,
        Versions::Between {
            old_until,
            new_since,
        } => {
            if minor > old_until && minor < new_since {
                return Err(Outcome::skip(format!(
                    "neither recording describes 1.{minor}: parts of this behaviour changed between 1.{old_until} and 1.{new_since}"
                )));
            }
            minor >= new_since
        }
    };
    let (text, recorded_as) = if use_new {
        (scenario.recording.v136, "v1.36.2")
    } else {
        (scenario.recording.v128, "v1.28.7")
    };
    let recorded: replay::Scenario = serde_json::from_str(text).map_err(|e| {
        Outcome::error(format!(
            "the compiled-in recording is not a transcript: {e}"
        ))
    })?;
    let (admin, user) = ctx.client.tokens();
    if admin.is_none() && ctx.client.has_client_cert() {
        return Err(Outcome::unsupported(
            "bearer-token",
            "recorded scenarios are replayed with bearer tokens; this target authenticates with a client certificate",
        ));
    }
    let mut options = ReplayOptions::new(
        ctx.client.base_url(),
        ctx.resource,
        admin.map(str::to_owned),
    );
    options.user_token = user.map(str::to_owned);
    options.insecure = ctx.client.insecure();
    options.ca_pem = ctx.client.ca_pem().map(<[u8]>::to_vec);
    // The suite was pointed at this target on purpose; replay's loopback guard is for `kconform
    // replay`, which creates namespaces wherever a URL says.
    options.allow_remote = true;
    options.namespace_prefix = format!("{}-", ctx.namespace);
    let target = replay::Target::new(&options)
        .map_err(|e| Outcome::error(format!("cannot replay against the target: {e}")))?;
    let diff = replay::replay(&target, &recorded).await;
    if let Some(reason) = diff.skipped {
        return Err(Outcome::skip(format!(
            "the recording {} needs {reason}",
            recorded.id
        )));
    }
    if diff.differences.is_empty() {
        return Ok(());
    }
    let mut shown: Vec<String> = diff
        .differences
        .iter()
        .take(SHOWN_DIFFERENCES)
        .map(ToString::to_string)
        .collect();
    if diff.differences.len() > SHOWN_DIFFERENCES {
        shown.push(format!(
            "… and {} more",
            diff.differences.len() - SHOWN_DIFFERENCES
        ));
    }
    let steps: Vec<usize> = diff.differences.iter().filter_map(|d| d.step).collect();
    let evidence = diff
        .actual
        .steps
        .iter()
        .enumerate()
        .filter(|(i, _)| steps.contains(&(i + 1)))
        .map(|(_, step)| exchange_of(ctx.client.base_url(), step))
        .collect();
    Err(Outcome::fail(
        format!(
            "the answers kube-apiserver {recorded_as} gave to the recorded scenario {} ({})",
            recorded.id, recorded.description
        ),
        format!(
            "{} difference(s): {}",
            diff.differences.len(),
            shown.join("; ")
        ),
        evidence,
    ))
}

/// A replayed step as evidence: the request as sent and the (normalized) answer.
fn exchange_of(base: &str, step: &crate::replay::Step) -> crate::model::Exchange {
    use crate::model::{Exchange, RecordedRequest, RecordedResponse};

    let request = &step.request;
    let query: Vec<String> = request
        .query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let url = if query.is_empty() {
        format!("{base}{}", request.path)
    } else {
        format!("{base}{}?{}", request.path, query.join("&"))
    };
    let body = request.body.as_ref().map(Value::to_string);
    let mut curl = format!("curl -sk -X {} \"{url}\"", request.method);
    if let Some(b) = &body {
        curl.push_str(&format!(" -d '{}'", b.replace('\'', "'\\''")));
    }
    let response = step.response.as_ref().map(|r| RecordedResponse {
        status: r["status"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(0),
        headers: Vec::new(),
        body: match &step.events {
            // A watch: the events are what it answered.
            Some(events) => super::short(&Value::from(events.clone()).to_string(), 2000),
            None => super::short(&r["body"].to_string(), 2000),
        },
    });
    Exchange {
        request: RecordedRequest {
            method: request.method.clone(),
            url,
            headers: Vec::new(),
            body,
        },
        response,
        curl,
    }
}
