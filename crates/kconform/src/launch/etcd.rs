//! What the launcher asks of the etcd it owns, over etcd's v3 JSON gateway on loopback: its
//! version (to refuse a pairing kube-apiserver cannot use fully), and a compaction once the API
//! server is ready (so the checks about compacted resourceVersions run at once instead of after
//! kube-apiserver's own five-minute compaction).

use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// How long one gateway request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// A `major.minor.patch` version, as etcd and kube-apiserver print theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
    /// Patch.
    pub patch: u32,
}

impl Version {
    /// Parses `3.4.23`, `v1.36.2`, `1.31.0-rc.1` (a pre-release counts as its release).
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim().trim_start_matches('v');
        let core = text.split(['-', '+']).next()?;
        let mut parts = core.split('.').map(str::parse::<u32>);
        let major = parts.next()?.ok()?;
        let minor = parts.next()?.ok()?;
        let patch = parts.next().unwrap_or(Ok(0)).ok()?;
        Some(Version {
            major,
            minor,
            patch,
        })
    }

    const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The first kube-apiserver minor that asks etcd for RequestWatchProgress (the apiserver's
/// storage feature support checker), which consistent reads from the watch cache and
/// `sendInitialEvents` rest on.
const FIRST_MINOR_NEEDING_WATCH_PROGRESS: u32 = 31;

/// Whether kube-apiserver trusts this etcd's RequestWatchProgress: not before 3.4.31, nor in
/// 3.5.0–3.5.12 (etcd issues 15220 and 17507; `endpointSupportsRequestWatchProgress`).
pub fn supports_watch_progress(etcd: Version) -> bool {
    !(etcd < Version::new(3, 4, 31)
        || (etcd >= Version::new(3, 5, 0) && etcd < Version::new(3, 5, 13)))
}

/// Refuses an etcd too old for this kube-apiserver, with what to do about it.
///
/// # Errors
/// The pairing, explained: kube-apiserver 1.31 and later with an etcd whose RequestWatchProgress it
/// does not trust answers watches with `sendInitialEvents` wrongly (seen here: kube-apiserver
/// 1.36.2 with etcd 3.4.23 failed 7 checks), so a run would report the launcher's mistake as the
/// server's.
pub fn check_pairing(kube_apiserver: Version, etcd: Version) -> anyhow::Result<()> {
    if kube_apiserver.major == 1
        && kube_apiserver.minor >= FIRST_MINOR_NEEDING_WATCH_PROGRESS
        && !supports_watch_progress(etcd)
    {
        bail!(
            "etcd {etcd} is too old for kube-apiserver v{kube_apiserver}: from 1.{FIRST_MINOR_NEEDING_WATCH_PROGRESS} \
             kube-apiserver needs etcd's RequestWatchProgress, which it trusts only from etcd 3.4.31 \
             (3.4 line) or 3.5.13; with this etcd, watches with sendInitialEvents and consistent \
             reads from the watch cache misbehave and the suite would blame the server. \
             Pass --etcd with etcd 3.5.13 or newer"
        );
    }
    Ok(())
}

/// The version etcd reports on `/version` (`{"etcdserver": "3.4.23", ...}`).
///
/// # Errors
/// No answer, or an answer without a parseable `etcdserver`.
pub async fn server_version(client: &reqwest::Client, url: &str) -> anyhow::Result<Version> {
    let body: Value = client
        .get(format!("{url}/version"))
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .with_context(|| format!("asking etcd at {url} for its version"))?
        .json()
        .await
        .context("reading etcd's /version answer")?;
    let text = body
        .get("etcdserver")
        .and_then(Value::as_str)
        .with_context(|| format!("etcd's /version answer has no etcdserver: {body}"))?;
    Version::parse(text).with_context(|| format!("etcd reports an unreadable version {text:?}"))
}

/// Compacts etcd's history up to its current revision, physically, and returns that revision: every
/// resourceVersion before it is then too old (410 from kube-apiserver).
///
/// # Errors
/// etcd does not answer, or answers without a revision or with an error.
pub async fn compact(client: &reqwest::Client, url: &str) -> anyhow::Result<u64> {
    // Any key will do: every range answer carries the store's current revision in its header.
    let range: Value = post(client, url, "/v3/kv/range", &json!({"key": "AA=="})).await?;
    let revision = range
        .pointer("/header/revision")
        .and_then(|r| r.as_str().and_then(|s| s.parse().ok()).or(r.as_u64()))
        .with_context(|| format!("etcd's range answer has no header.revision: {range}"))?;
    post(
        client,
        url,
        "/v3/kv/compaction",
        &json!({"revision": revision.to_string(), "physical": true}),
    )
    .await?;
    Ok(revision)
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    path: &str,
    body: &Value,
) -> anyhow::Result<Value> {
    let response = client
        .post(format!("{url}{path}"))
        .timeout(REQUEST_TIMEOUT)
        .json(body)
        .send()
        .await
        .with_context(|| format!("POST {path} to etcd at {url}"))?;
    let status = response.status();
    let answer: Value = response
        .json()
        .await
        .with_context(|| format!("reading etcd's answer to POST {path}"))?;
    if !status.is_success() || answer.get("error").is_some() {
        bail!("etcd answered POST {path} with {status}: {answer}");
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn versions_parse_as_etcd_and_kube_apiserver_print_them() {
        assert_eq!(v("3.4.23"), Version::new(3, 4, 23));
        assert_eq!(v("v1.36.2"), Version::new(1, 36, 2));
        assert_eq!(v("1.31.0-rc.1"), Version::new(1, 31, 0));
        assert_eq!(v("3.6"), Version::new(3, 6, 0));
        assert_eq!(Version::parse("etcd"), None);
        assert_eq!(Version::parse(""), None);
    }

    #[test]
    fn watch_progress_is_trusted_from_3_4_31_and_3_5_13() {
        for old in ["3.4.23", "3.4.30", "3.5.0", "3.5.12"] {
            assert!(!supports_watch_progress(v(old)), "{old}");
        }
        for good in ["3.4.31", "3.4.34", "3.5.13", "3.5.21", "3.6.0"] {
            assert!(supports_watch_progress(v(good)), "{good}");
        }
    }

    #[test]
    fn a_new_kube_apiserver_refuses_an_old_etcd_and_an_old_one_does_not() {
        // Measured: 1.28.7 with etcd 3.4.23 passes the suite, 1.36.2 with it fails 7 checks.
        assert!(check_pairing(v("1.28.7"), v("3.4.23")).is_ok());
        assert!(check_pairing(v("1.30.9"), v("3.4.23")).is_ok());
        let refused = check_pairing(v("1.36.2"), v("3.4.23"))
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("etcd 3.4.23 is too old for kube-apiserver v1.36.2"),
            "{refused}"
        );
        assert!(refused.contains("3.5.13"), "{refused}");
        assert!(check_pairing(v("1.36.2"), v("3.5.21")).is_ok());
        assert!(check_pairing(v("1.31.0"), v("3.5.12")).is_err());
    }
}
