//! Query-option validation as kube-apiserver does it, returning the exact 400/422 `Status`.
//!
//! (Initial version with the public types; the full rule set follows.)

use crate::status::Status;
use crate::version::K8sVersion;

/// Query parameters as (name, value) pairs, in request order (repeats allowed).
pub type QueryPairs = [(String, String)];

/// Decoded `ListOptions` (list, watch and deletecollection).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// `labelSelector`.
    pub label_selector: Option<String>,
    /// `fieldSelector`.
    pub field_selector: Option<String>,
    /// `watch`.
    pub watch: bool,
    /// `allowWatchBookmarks`.
    pub allow_watch_bookmarks: bool,
    /// `resourceVersion`.
    pub resource_version: Option<String>,
    /// `resourceVersionMatch`.
    pub resource_version_match: Option<String>,
    /// `timeoutSeconds`.
    pub timeout_seconds: Option<i64>,
    /// `limit`.
    pub limit: Option<i64>,
    /// `continue`.
    pub continue_token: Option<String>,
    /// `sendInitialEvents`.
    pub send_initial_events: Option<bool>,
}

/// Parses list/watch query parameters.
///
/// # Errors
/// A 400 Status with Go's strconv text for an unparseable value.
pub fn parse_list_options(query: &QueryPairs) -> Result<ListOptions, Status> {
    let mut opts = ListOptions::default();
    for (name, value) in query {
        match name.as_str() {
            "labelSelector" => opts.label_selector = Some(value.clone()),
            "fieldSelector" => opts.field_selector = Some(value.clone()),
            "resourceVersion" => opts.resource_version = Some(value.clone()),
            "resourceVersionMatch" => opts.resource_version_match = Some(value.clone()),
            "continue" => opts.continue_token = Some(value.clone()),
            _ => {}
        }
    }
    Ok(opts)
}

/// Validates list or watch options for version `v`.
///
/// # Errors
/// The 422 `ListOptions.meta.k8s.io "" is invalid` Status.
pub fn validate_list_options(
    _opts: &ListOptions,
    _is_watch: bool,
    _v: K8sVersion,
) -> Result<(), Status> {
    Ok(())
}
