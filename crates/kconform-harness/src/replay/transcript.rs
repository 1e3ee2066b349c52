//! The transcript format written by `k8s-transcript record` (format version 1), and loading it.
//!
//! One file per scenario, `<dir>/<area>/<name>.json`, holding the id, a description and the steps.
//! Responses and watch events stay generic JSON values: the comparison works on them as the recording
//! tool does, key by key, so nothing the server sent is lost to a typed model.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Failures while reading or writing transcripts.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    /// A directory or file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The path that failed.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// A scenario file is not a transcript.
    #[error("{path} is not a k8s-transcript scenario file")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What serde found.
        #[source]
        source: serde_json::Error,
    },
    /// A transcript could not be written.
    #[error("cannot write {path}")]
    Write {
        /// The path that failed.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// The directory holds no scenario at all.
    #[error("{path} holds no transcript scenario files")]
    Empty {
        /// The directory.
        path: PathBuf,
    },
}

/// One recorded scenario: `{"id", "description", "steps", ["error"], ["skipped"]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// Stable scenario id such as `watch/bookmark-quiet`.
    pub id: String,
    /// What the scenario shows.
    #[serde(default)]
    pub description: String,
    /// The recorded steps, in the order their requests were sent.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Why the recording stopped early, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why the scenario was not run, if it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// One request and what came back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// What the step is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The request as sent (normalized).
    pub request: Request,
    /// Named reasons why parts of a watch may legitimately differ between runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nondeterministic: Option<Map<String, Value>>,
    /// `{"status", "headers", "format", "body", ["projected"], ["go_exact"]}`; absent when the
    /// request never got an answer. A Kubernetes protobuf answer has `format: "protobuf"`, its
    /// decoded object as `body` and `go_exact` (encoding that object again gives exactly the bytes
    /// received, as Go writes them); one that does not decode has `format:
    /// "protobuf-undecodable"` and the bytes in base64 as `body`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
    /// Watch events in arrival order: `{"type", "object", "at_ms"}` or `{"type": null, "raw", "at_ms"}`.
    /// A protobuf stream's frame adds `go_exact`; a frame that does not decode (or the bytes of a
    /// cut-off one) is `{"type": null, "raw": <base64>, "format": "protobuf-undecodable", "at_ms"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<Value>>,
    /// How a watch stream ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<StreamEnd>,
    /// Decoded continue tokens, by symbol (`<continue-N>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continue_tokens: Option<Map<String, Value>>,
}

/// A recorded request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Query parameters in the order sent.
    #[serde(default)]
    pub query: Vec<(String, String)>,
    /// `Accept` and `Content-Type` as sent.
    #[serde(default)]
    pub headers: Map<String, Value>,
    /// Which credentials: `admin`, `user`, `none` or `bad-token`.
    #[serde(default = "default_auth")]
    pub auth: String,
    /// The body: a JSON value, or the text when it was not JSON. Absent when nothing was sent.
    /// Under `Content-Type: application/vnd.kubernetes.protobuf` a JSON value is its protobuf
    /// form's JSON, encoded when sent (a value without a protobuf message is sent as JSON text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

fn default_auth() -> String {
    "admin".to_owned()
}

/// `{"ended_by", "after_ms", "client_cap_s", ["client_stopped_because"]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamEnd {
    /// `server`, `client`, or `error: ...`.
    pub ended_by: String,
    /// When it ended, from the request, rounded to 100 ms.
    #[serde(default)]
    pub after_ms: u64,
    /// The client-side bound of the watch, in seconds.
    pub client_cap_s: f64,
    /// Why the client stopped: `expected events received` or `client cap reached`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_stopped_because: Option<String>,
    /// The recorder waited for this stream to end before it sent the next request, so no later
    /// write of the scenario happened during the watch (`seq-diff` recordings).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sequential: bool,
}

/// Whose rules a directory of transcripts was normalized and compared by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rules {
    /// `k8s-transcript record`: scripted scenarios, each normalized as a whole, so a placeholder
    /// means the same value in every step; the client literals `0`, `1` and `999999999` stay.
    #[default]
    Transcript,
    /// `seq-diff` (and `kconform diff --record`): random sequences, each step normalized together
    /// with the steps before it only, so `<rv-N>` is the N-th object resourceVersion seen *so far*
    /// and may name another value later; only `0` stays literal. Entries of `managedFields` (ordered
    /// by time at one-second granularity) and server-side apply conflict causes (ordered by a Go
    /// map) are compared as sets.
    Sequence,
}

impl Rules {
    /// The rules a recording tool follows, by the `tool` its `index.json` names.
    pub fn of_tool(tool: &str) -> Rules {
        match tool {
            "seq-diff" | "kconform diff" => Rules::Sequence,
            _ => Rules::Transcript,
        }
    }

    /// The User-Agent the recording tool sent, from which the server derived the default field
    /// manager.
    pub(crate) fn user_agent(self) -> &'static str {
        match self {
            Rules::Transcript => "k8s-transcript/1",
            Rules::Sequence => "seq-diff/1",
        }
    }

    /// The field manager the recording tool's name became in the published files: `seq-diff`'s
    /// answers were rewritten to say `k8s-transcript`, wherever the name stood as a JSON string or
    /// quoted in a message (`conflict with "seq-diff"`), though not inside JSON escaped into a
    /// message. Normalization maps it the same way.
    pub(crate) fn manager_alias(self) -> Option<(&'static str, &'static str)> {
        match self {
            Rules::Transcript => None,
            Rules::Sequence => Some(("seq-diff", "k8s-transcript")),
        }
    }

    /// The client-chosen resourceVersions that normalization leaves literal.
    pub(crate) fn literal_rvs(self) -> &'static [&'static str] {
        match self {
            Rules::Transcript => &["0", "1", super::normalize::FUTURE_RV],
            Rules::Sequence => &["0"],
        }
    }
}

impl Request {
    /// Whether this request opens a watch stream (`watch=1|true` or a deprecated `/watch/` path).
    pub fn is_watch(&self) -> bool {
        crate::resource::is_deprecated_watch_path(&self.path)
            || self
                .query
                .iter()
                .any(|(k, v)| k == "watch" && (v == "1" || v.eq_ignore_ascii_case("true")))
    }

    /// The value of query parameter `name`, if sent.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads every scenario under `dir` (recursively; the top-level `index.json` is not a scenario).
///
/// Scenarios come in the order of `index.json` when there is one (the order they were recorded in),
/// then any others by id. The id of a file is its path below `dir` without `.json`.
///
/// # Errors
/// [`TranscriptError`] when the directory or a file cannot be read or parsed, or holds no scenario.
pub fn load_dir(dir: &Path) -> Result<Vec<Scenario>, TranscriptError> {
    let mut files = Vec::new();
    collect_files(dir, dir, &mut files)?;
    if files.is_empty() {
        return Err(TranscriptError::Empty {
            path: dir.to_owned(),
        });
    }
    let mut scenarios = Vec::with_capacity(files.len());
    for (id, path) in files {
        let text = fs::read_to_string(&path).map_err(|source| TranscriptError::Read {
            path: path.clone(),
            source,
        })?;
        let mut scenario: Scenario =
            serde_json::from_str(&text).map_err(|source| TranscriptError::Parse {
                path: path.clone(),
                source,
            })?;
        // The file location is the id the recording tool derives too; trust it over the content.
        scenario.id = id;
        scenarios.push(scenario);
    }
    let order = index_order(dir);
    scenarios.sort_by(|a, b| {
        let rank = |s: &Scenario| {
            order
                .iter()
                .position(|id| *id == s.id)
                .unwrap_or(usize::MAX)
        };
        rank(a).cmp(&rank(b)).then_with(|| a.id.cmp(&b.id))
    });
    Ok(scenarios)
}

/// The `gitVersion` recorded in `dir/index.json`, if any (e.g. `v1.36.2`).
pub fn recorded_version(dir: &Path) -> Option<String> {
    let text = fs::read_to_string(dir.join("index.json")).ok()?;
    let index: Value = serde_json::from_str(&text).ok()?;
    index
        .pointer("/server/gitVersion")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The rules `dir`'s recordings follow: its `index.json`'s `rules` when it names them (as ours
/// do), else by the `tool` it names; transcript rules without an index.
pub fn recorded_rules(dir: &Path) -> Rules {
    let Some(index) = fs::read_to_string(dir.join("index.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
    else {
        return Rules::Transcript;
    };
    if let Some(rules) = index
        .get("rules")
        .and_then(|r| serde_json::from_value::<Rules>(r.clone()).ok())
    {
        return rules;
    }
    index
        .get("tool")
        .and_then(Value::as_str)
        .map_or(Rules::Transcript, Rules::of_tool)
}

fn index_order(dir: &Path) -> Vec<String> {
    let Ok(text) = fs::read_to_string(dir.join("index.json")) else {
        return Vec::new();
    };
    let Ok(index) = serde_json::from_str::<Value>(&text) else {
        return Vec::new();
    };
    index
        .get("scenarios")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| e.get("id").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn collect_files(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, PathBuf)>,
) -> Result<(), TranscriptError> {
    let entries = fs::read_dir(dir).map_err(|source| TranscriptError::Read {
        path: dir.to_owned(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| TranscriptError::Read {
            path: dir.to_owned(),
            source,
        })?;
        paths.push(entry.path());
    }
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_files(root, &path, out)?;
            continue;
        }
        let is_json = path.extension().is_some_and(|ext| ext == "json");
        let is_index = dir == root && path.file_name().is_some_and(|n| n == "index.json");
        if !is_json || is_index {
            continue;
        }
        let Ok(relative) = path.strip_prefix(root) else {
            continue;
        };
        let id = relative
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        out.push((id, path));
    }
    Ok(())
}

/// Writes `scenario` as `dir/<id>.json`, in the layout `k8s-transcript diff` reads.
///
/// # Errors
/// [`TranscriptError::Write`] when the file or its directory cannot be written.
pub fn write_scenario(dir: &Path, scenario: &Scenario) -> Result<(), TranscriptError> {
    let path = dir.join(format!("{}.json", scenario.id));
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|source| TranscriptError::Write {
            path: parent.to_owned(),
            source,
        })?;
    }
    // Serializing plain JSON values cannot fail (no non-string map keys, no custom serializers).
    let mut text = serde_json::to_string_pretty(scenario).unwrap_or_default();
    text.push('\n');
    fs::write(&path, text).map_err(|source| TranscriptError::Write { path, source })
}

/// Writes `dir/index.json` for `scenarios` as the recording tool does, so that `k8s-transcript diff`
/// shows which server the directory holds.
///
/// # Errors
/// [`TranscriptError::Write`] when the file cannot be written.
pub fn write_index(
    dir: &Path,
    server_url: &str,
    git_version: Option<&str>,
    rules: Rules,
    scenarios: &[&Scenario],
) -> Result<(), TranscriptError> {
    let entries: Vec<Value> = scenarios
        .iter()
        .map(|s| {
            let status = if s.error.is_some() {
                "error"
            } else if s.skipped.is_some() {
                "skipped"
            } else {
                "recorded"
            };
            serde_json::json!({
                "id": s.id, "description": s.description, "file": format!("{}.json", s.id),
                "steps": s.steps.len(), "status": status,
            })
        })
        .collect();
    let index = serde_json::json!({
        "tool": "kconform replay",
        "format_version": 1,
        "rules": rules,
        "server": {"url": server_url, "gitVersion": git_version},
        "scenarios": entries,
    });
    fs::create_dir_all(dir).map_err(|source| TranscriptError::Write {
        path: dir.to_owned(),
        source,
    })?;
    let path = dir.join("index.json");
    // Serializing a JSON value cannot fail.
    let mut text = serde_json::to_string_pretty(&index).unwrap_or_default();
    text.push('\n');
    fs::write(&path, text).map_err(|source| TranscriptError::Write { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transcripts(version: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../transcripts")
            .join(format!("kube-apiserver-{version}"))
    }

    #[test]
    fn loads_both_recordings_in_index_order() {
        for version in ["v1.36.2", "v1.28.7"] {
            let dir = transcripts(version);
            let scenarios = load_dir(&dir).unwrap();
            assert_eq!(scenarios.len(), 149, "{version}");
            assert_eq!(scenarios[0].id, "create/ok");
            assert!(scenarios.iter().any(|s| s.id == "watch/bookmark-quiet"));
            assert_eq!(recorded_version(&dir).as_deref(), Some(version));
        }
    }

    #[test]
    fn recognizes_watch_requests() {
        let scenarios = load_dir(&transcripts("v1.36.2")).unwrap();
        let named = scenarios
            .iter()
            .find(|s| s.id == "watch/deprecated-named-path")
            .unwrap();
        let kinds: Vec<bool> = named.steps.iter().map(|s| s.request.is_watch()).collect();
        assert_eq!(kinds, [false, false, true, false, false, false, false]);
    }

    #[test]
    fn a_missing_directory_is_an_error_not_a_panic() {
        let err = load_dir(Path::new("/nonexistent/kconform")).unwrap_err();
        assert!(err.to_string().starts_with("cannot read"));
    }
}
