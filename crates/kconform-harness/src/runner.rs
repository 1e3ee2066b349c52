//! The runner: selects checks, gives each one its own namespace and client, runs them with bounded
//! concurrency, turns panics and timeouts into [`Outcome::Error`], cleans up, and reports progress.
//!
//! Entry points: [`run`] for a whole suite, or [`RunEnv::prepare`] + [`RunEnv::run_one`] when the
//! caller schedules checks itself (the libtest-mimic binary does).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use kconform_spec::K8sVersion;
use regex::Regex;
use serde_json::{Value, json};

use crate::client::{Client, ClientError, Request};
use crate::model::{
    CheckMeta, CheckResult, CleanupOutcome, Level, Outcome, RunResults, TargetInfo,
};
use crate::resource::Resource;
use crate::target::Target;

/// The future a check returns.
pub type CheckFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// A check: its metadata and the function that runs it.
#[derive(Clone, Copy)]
pub struct Check {
    /// What the check claims.
    pub meta: CheckMeta,
    /// Runs the check in a context; returns the verdict (never panics by contract, but panics are
    /// caught by the runner anyway).
    pub run: fn(Ctx) -> CheckFuture,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").field("meta", &self.meta).finish()
    }
}

/// A check with this feature may compact the target's history (the reference server's admin
/// endpoint), which would expire the continue tokens and old resourceVersions of checks running at
/// the same time; the runner therefore runs such checks alone.
pub const EXCLUSIVE_FEATURE: &str = "compaction";

/// Label put on namespaces the harness creates (value: the run id), so leftovers can be found.
pub const RUN_LABEL: &str = "kconform.io/run";

/// Options of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Checks run at the same time (at least 1).
    pub jobs: usize,
    /// Only checks whose id matches.
    pub filter: Option<Regex>,
    /// Only checks at this level or stronger.
    pub level: Level,
    /// Apply this version's expectations instead of the one `/version` reports.
    pub k8s_version: Option<K8sVersion>,
    /// Run every check in this existing namespace instead of one fresh namespace per check.
    pub namespace: Option<String>,
    /// Leave created namespaces and objects in place.
    pub keep: bool,
    /// Upper bound for one check (cleanup excluded).
    pub check_timeout: Duration,
    /// Prefix of the namespaces the harness creates.
    pub namespace_prefix: String,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: 8,
            filter: None,
            level: Level::May,
            k8s_version: None,
            namespace: None,
            keep: false,
            check_timeout: Duration::from_secs(60),
            namespace_prefix: "kconform".to_owned(),
        }
    }
}

/// What the runner reports while it works.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// The run is about to start `total` checks against `target`.
    Planned {
        /// Number of selected checks.
        total: usize,
        /// What was learned about the target.
        target: &'a TargetInfo,
    },
    /// A check started.
    Started {
        /// Its id.
        id: &'static str,
    },
    /// A check finished (cleanup included).
    Finished {
        /// Its result.
        result: &'a CheckResult,
        /// Checks finished so far, this one included.
        done: usize,
        /// Number of selected checks.
        total: usize,
    },
}

/// Errors that stop a run before any check runs.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The HTTP client could not be built.
    #[error("cannot set up the client for {url}")]
    Client {
        /// Target URL.
        url: String,
        /// The cause.
        #[source]
        source: ClientError,
    },
}

/// Everything shared by the checks of one run.
#[derive(Debug, Clone)]
pub struct RunEnv {
    client: Client,
    resource: Resource,
    info: TargetInfo,
    version: K8sVersion,
    options: RunOptions,
    run_id: String,
    counter: Arc<AtomicUsize>,
    exclusive: Arc<tokio::sync::RwLock<()>>,
}

impl RunEnv {
    /// Builds the client and learns the target's version (from `/version` unless given); the
    /// checks will exercise `resource`.
    ///
    /// # Errors
    /// [`RunError::Client`] when the client cannot be built.
    pub async fn prepare(
        target: &Target,
        resource: Resource,
        options: &RunOptions,
    ) -> Result<RunEnv, RunError> {
        let client = Client::new(target).map_err(|source| RunError::Client {
            url: target.url.clone(),
            source,
        })?;
        let server_version = read_git_version(&client).await;
        let version = options
            .k8s_version
            .or_else(|| server_version.as_deref().and_then(|v| v.parse().ok()))
            .unwrap_or(K8sVersion::NEWEST);
        let run_id = random_token(5);
        Ok(RunEnv {
            info: TargetInfo {
                url: target.url.clone(),
                k8s_version: version.to_string(),
                server_version,
            },
            client,
            resource,
            version,
            options: options.clone(),
            run_id,
            counter: Arc::new(AtomicUsize::new(0)),
            exclusive: Arc::new(tokio::sync::RwLock::new(())),
        })
    }

    /// The same run (client, run id, namespace numbering, exclusive lock) exercising another
    /// resource: how one run holds several suites, each with its own API.
    pub fn for_resource(&self, resource: Resource) -> RunEnv {
        RunEnv {
            resource,
            ..self.clone()
        }
    }

    /// What was learned about the target.
    pub fn target_info(&self) -> &TargetInfo {
        &self.info
    }

    /// The version whose expectations apply.
    pub fn version(&self) -> K8sVersion {
        self.version
    }

    /// Whether the options select this check (id filter and level threshold).
    pub fn selects(&self, meta: &CheckMeta) -> bool {
        meta.level.meets(self.options.level)
            && self
                .options
                .filter
                .as_ref()
                .is_none_or(|re| re.is_match(meta.id))
    }

    /// Runs one check: version gate, namespace, the check itself (bounded, panics caught), cleanup.
    pub async fn run_one(&self, check: &Check) -> CheckResult {
        let meta = check.meta;
        let started = Instant::now();
        if !meta.applies_to(self.version.minor) {
            return CheckResult {
                id: meta.id.to_owned(),
                level: meta.level,
                outcome: Outcome::skip(format!(
                    "does not apply to Kubernetes {} (applies to {})",
                    self.version,
                    version_range(&meta)
                )),
                duration: started.elapsed(),
                cleanup: CleanupOutcome::NotNeeded,
            };
        }
        // Shared for ordinary checks, exclusive for those that may compact the target's history.
        let _shared;
        let _alone;
        if meta.features.contains(&EXCLUSIVE_FEATURE) {
            _alone = self.exclusive.write().await;
        } else {
            _shared = self.exclusive.read().await;
        }
        let started = Instant::now();
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        // The check's client logs only the check's own exchanges (its evidence); namespace set-up
        // and cleanup go through a separate one.
        let client = self.client.fork();
        let housekeeping = self.client.fork();
        let state = Arc::new(CtxState::default());
        let (namespace, owned) = match &self.options.namespace {
            Some(ns) => (ns.clone(), false),
            None => {
                let ns = format!("{}-{}-{}", self.options.namespace_prefix, self.run_id, n);
                if let Err(message) = create_namespace(&housekeeping, &ns, &self.run_id).await {
                    return CheckResult {
                        id: meta.id.to_owned(),
                        level: meta.level,
                        outcome: Outcome::error(message),
                        duration: started.elapsed(),
                        cleanup: CleanupOutcome::NotNeeded,
                    };
                }
                (ns, true)
            }
        };
        let ctx = Ctx {
            client: client.clone(),
            namespace: namespace.clone(),
            version: self.version,
            resource: self.resource,
            run_id: self.run_id.clone(),
            check_id: meta.id,
            namespace_prefix: self.options.namespace_prefix.clone(),
            seq: n,
            state: state.clone(),
        };
        let fut = (check.run)(ctx);
        let handle = tokio::spawn(fut);
        let abort = handle.abort_handle();
        let outcome = match tokio::time::timeout(self.options.check_timeout, handle).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(join)) if join.is_panic() => {
                let payload = join.into_panic();
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic payload".to_owned());
                Outcome::error(format!("the check panicked: {msg}"))
            }
            Ok(Err(join)) => Outcome::error(format!("the check was cancelled: {join}")),
            Err(_) => {
                abort.abort();
                Outcome::error(format!(
                    "the check did not finish within {:?}",
                    self.options.check_timeout
                ))
            }
        };
        let duration = started.elapsed();
        let cleanup = if self.options.keep {
            CleanupOutcome::Skipped {
                reason: "--keep was given".to_owned(),
            }
        } else {
            cleanup(
                &housekeeping,
                self.resource,
                &client,
                &namespace,
                owned,
                &state,
            )
            .await
        };
        CheckResult {
            id: meta.id.to_owned(),
            level: meta.level,
            outcome,
            duration,
            cleanup,
        }
    }
}

fn version_range(meta: &CheckMeta) -> String {
    match (meta.since, meta.until) {
        (Some(s), Some(u)) => format!("1.{s} to 1.{u}"),
        (Some(s), None) => format!("1.{s} and later"),
        (None, Some(u)) => format!("1.{u} and earlier"),
        (None, None) => "every version".to_owned(),
    }
}

/// Runs the selected checks against a target.
///
/// Checks that the options filter out are not in the results; checks that do not apply to the
/// target's version are, as [`Outcome::Skip`]. Results are in the order of `checks`.
///
/// # Errors
/// [`RunError`] only when the run cannot start at all; check failures are results.
pub async fn run(
    target: &Target,
    resource: Resource,
    checks: &[Check],
    options: &RunOptions,
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
) -> Result<RunResults, RunError> {
    run_suites(target, &[(resource, checks)], options, progress).await
}

/// Runs the selected checks of several suites, each exercising its own resource, as one run: one
/// plan, one pool of `jobs`, one lock for the checks that must run alone (a compaction breaks every
/// API's old resourceVersions), results in suite order then check order.
///
/// # Errors
/// [`RunError`] only when the run cannot start at all; check failures are results.
pub async fn run_suites(
    target: &Target,
    suites: &[(Resource, &[Check])],
    options: &RunOptions,
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
) -> Result<RunResults, RunError> {
    let started_at = now_rfc3339();
    let started = Instant::now();
    let Some((first, _)) = suites.first() else {
        return Ok(RunResults {
            target: TargetInfo {
                url: target.url.clone(),
                k8s_version: options
                    .k8s_version
                    .unwrap_or(K8sVersion::NEWEST)
                    .to_string(),
                server_version: None,
            },
            started_at,
            duration: started.elapsed(),
            results: Vec::new(),
        });
    };
    let env = RunEnv::prepare(target, *first, options).await?;
    let envs: Vec<RunEnv> = suites.iter().map(|(r, _)| env.for_resource(*r)).collect();
    let selected: Vec<(&RunEnv, &Check)> = suites
        .iter()
        .zip(&envs)
        .flat_map(|((_, checks), env)| checks.iter().map(move |c| (env, c)))
        .filter(|(_, c)| env.selects(&c.meta))
        .collect();
    let total = selected.len();
    progress(Progress::Planned {
        total,
        target: env.target_info(),
    });
    let jobs = options.jobs.max(1);
    let mut done = 0;
    let mut results: Vec<Option<CheckResult>> = vec![None; total];
    // Exclusive checks go last so that they do not hold up the others while they wait.
    let mut order: Vec<(usize, (&RunEnv, &Check))> = selected.iter().copied().enumerate().collect();
    order.sort_by_key(|(_, (_, c))| c.meta.features.contains(&EXCLUSIVE_FEATURE));
    let mut stream = futures::stream::iter(order.into_iter().map(|(i, (env, c))| async move {
        progress(Progress::Started { id: c.meta.id });
        (i, env.run_one(c).await)
    }))
    .buffer_unordered(jobs);
    while let Some((i, result)) = stream.next().await {
        done += 1;
        progress(Progress::Finished {
            result: &result,
            done,
            total,
        });
        results[i] = Some(result);
    }
    drop(stream);
    Ok(RunResults {
        target: env.info.clone(),
        started_at,
        duration: started.elapsed(),
        results: results.into_iter().flatten().collect(),
    })
}

/// The context a check runs in.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The client, with a log private to this check.
    pub client: Client,
    /// The namespace the check works in (fresh unless the user named one).
    pub namespace: String,
    /// The Kubernetes version whose expectations apply.
    pub version: K8sVersion,
    /// The resource the suite exercises.
    pub resource: Resource,
    run_id: String,
    check_id: &'static str,
    namespace_prefix: String,
    seq: usize,
    state: Arc<CtxState>,
}

#[derive(Debug, Default)]
struct CtxState {
    names: AtomicUsize,
    extra_namespaces: Mutex<Vec<String>>,
}

impl Ctx {
    /// The id of the running check.
    pub fn check_id(&self) -> &'static str {
        self.check_id
    }

    /// A name unique in this run, `<prefix>-<run>-<check>-<n>` (a valid DNS label if `prefix` is).
    pub fn name(&self, prefix: &str) -> String {
        let n = self.state.names.fetch_add(1, Ordering::Relaxed);
        format!("{prefix}-{}{}-{n}", self.run_id, self.seq)
    }

    /// A label (key, value) unique to this check, for scoping cluster-wide lists, watches and
    /// collection deletes to the check's own objects.
    pub fn scope_label(&self) -> (&'static str, String) {
        ("kconform.io/scope", format!("{}-{}", self.run_id, self.seq))
    }

    /// `key=value` of [`Ctx::scope_label`], for a labelSelector.
    pub fn scope_selector(&self) -> String {
        let (k, v) = self.scope_label();
        format!("{k}={v}")
    }

    /// The resource's collection in the check's namespace ([`Resource::url_path`]).
    pub fn collection_path(&self) -> String {
        self.resource.url_path(Some(&self.namespace))
    }

    /// One object of the resource in the check's namespace ([`Resource::object_path`]).
    pub fn object_path(&self, name: &str) -> String {
        self.resource.object_path(Some(&self.namespace), name)
    }

    /// Every exchange this check made so far (evidence).
    pub fn log(&self) -> Vec<crate::model::Exchange> {
        self.client.log()
    }

    /// A name for a namespace that does not exist (and is never created).
    pub fn missing_namespace(&self) -> String {
        format!(
            "{}-{}-missing-{}",
            self.namespace_prefix, self.run_id, self.seq
        )
    }

    /// Creates one more namespace for this check (deleted at cleanup).
    ///
    /// # Errors
    /// A message when the target refuses to create it.
    pub async fn extra_namespace(&self) -> Result<String, String> {
        let k = self
            .state
            .extra_namespaces
            .lock()
            .map(|v| v.len())
            .unwrap_or(0);
        let ns = format!(
            "{}-{}-{}-x{}",
            self.namespace_prefix, self.run_id, self.seq, k
        );
        create_namespace(&self.client, &ns, &self.run_id).await?;
        if let Ok(mut v) = self.state.extra_namespaces.lock() {
            v.push(ns.clone());
        }
        Ok(ns)
    }
}

async fn read_git_version(client: &Client) -> Option<String> {
    let resp = client.send(Request::get("/version")).await.ok()?;
    if resp.status != 200 {
        return None;
    }
    let v: Value = resp.json().ok()?;
    v.get("gitVersion")?.as_str().map(str::to_owned)
}

async fn create_namespace(client: &Client, name: &str, run_id: &str) -> Result<(), String> {
    let body = json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {RUN_LABEL: run_id}},
    });
    match client
        .send(Request::post(Resource::NAMESPACES).json(&body))
        .await
    {
        Ok(r) if r.status == 201 || r.status == 200 || r.status == 409 => Ok(()),
        Ok(r) => Err(format!(
            "cannot create namespace {name}: POST {} answered {}: {}",
            Resource::NAMESPACES,
            r.status,
            crate::client::snippet(&r.body, 300)
        )),
        Err(e) => Err(format!(
            "cannot create namespace {name}: {}",
            error_chain(&e)
        )),
    }
}

/// Renders an error with its `source()` chain, `a: b: c`.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

async fn cleanup(
    client: &Client,
    resource: Resource,
    check_client: &Client,
    namespace: &str,
    owned: bool,
    state: &CtxState,
) -> CleanupOutcome {
    let mut problems = Vec::new();
    let extra = state
        .extra_namespaces
        .lock()
        .map(|v| v.clone())
        .unwrap_or_default();
    if owned {
        delete_namespace(client, resource, namespace, &mut problems).await;
    } else {
        // In a shared namespace only the objects this check created may go.
        for name in created_names(check_client, resource, namespace) {
            let path = resource.object_path(Some(namespace), &name);
            release_and_delete(client, &path, &mut problems).await;
        }
    }
    for ns in extra {
        delete_namespace(client, resource, &ns, &mut problems).await;
    }
    if problems.is_empty() {
        CleanupOutcome::Done
    } else {
        CleanupOutcome::Failed {
            message: problems.join("; "),
        }
    }
}

/// Names of objects of `resource` this client's log shows as created or written in `namespace`.
fn created_names(client: &Client, resource: Resource, namespace: &str) -> Vec<String> {
    let prefix = resource.url_path(Some(namespace));
    let mut names: Vec<String> = Vec::new();
    for ex in client.log() {
        let Some(resp) = &ex.response else { continue };
        if !(200..300).contains(&resp.status) || ex.request.method == "GET" {
            continue;
        }
        let Ok(url) = reqwest::Url::parse(&ex.request.url) else {
            continue;
        };
        let Some(rest) = url.path().strip_prefix(&prefix) else {
            continue;
        };
        let name = match rest.strip_prefix('/') {
            Some(n) if !n.is_empty() => Some(n.to_owned()),
            // A POST to the collection: the name is in the answer (also for generateName).
            _ => serde_json::from_str::<Value>(&resp.body)
                .ok()
                .and_then(|v| {
                    v.pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                }),
        };
        if let Some(n) = name
            && !names.contains(&n)
        {
            names.push(n);
        }
    }
    names
}

async fn release_and_delete(client: &Client, path: &str, problems: &mut Vec<String>) {
    // Finalizers would keep the object forever on a server without controllers: drop them first.
    let _ = client
        .send(
            Request::patch(path)
                .body_with_type(
                    "application/merge-patch+json",
                    r#"{"metadata":{"finalizers":null}}"#,
                )
                .timeout(Duration::from_secs(5)),
        )
        .await;
    match client
        .send(Request::delete(path).timeout(Duration::from_secs(5)))
        .await
    {
        Ok(r) if matches!(r.status, 200 | 202 | 404) => {}
        Ok(r) => problems.push(format!("DELETE {path} answered {}", r.status)),
        Err(e) => problems.push(error_chain(&e)),
    }
}

async fn delete_namespace(
    client: &Client,
    resource: Resource,
    namespace: &str,
    problems: &mut Vec<String>,
) {
    let list_path = resource.url_path(Some(namespace));
    if let Ok(r) = client
        .send(Request::get(&list_path).timeout(Duration::from_secs(5)))
        .await
        && r.status == 200
        && let Ok(v) = r.json()
    {
        let held = v
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|i| {
                i.pointer("/metadata/finalizers")
                    .and_then(Value::as_array)
                    .is_some_and(|f| !f.is_empty())
            })
            .filter_map(|i| i.pointer("/metadata/name").and_then(Value::as_str))
            .map(str::to_owned)
            .collect::<Vec<_>>();
        for name in held {
            release_and_delete(client, &format!("{list_path}/{name}"), problems).await;
        }
    }
    let path = Resource::namespace_path(namespace);
    match client
        .send(Request::delete(&path).timeout(Duration::from_secs(5)))
        .await
    {
        Ok(r) if matches!(r.status, 200 | 202 | 404) => {}
        Ok(r) => problems.push(format!("DELETE {path} answered {}", r.status)),
        Err(e) => problems.push(error_chain(&e)),
    }
}

/// The current time, RFC 3339 UTC.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A random lowercase alphanumeric token (for names).
pub fn random_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let bytes = uuid::Uuid::new_v4().into_bytes();
    bytes
        .iter()
        .cycle()
        .take(len)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}
