//! WATCH: event order and types, resourceVersions, selectors, starting points, bookmarks,
//! initial events, timeouts, the 410 ERROR event and the deprecated watch paths.

use kconform_harness::client::Request;
use kconform_harness::model::Level::{May, Must, Should};
use kconform_harness::model::Outcome;
use kconform_harness::runner::{Check, Ctx};
use kconform_harness::watch::{StreamEnd, WatchEvent, WatchItem, WatchLimits, WatchReader};
use serde_json::{Value, json};
use std::time::Duration;

use crate::support::*;
use kconform_harness::kit::watch_options::{
    expect_deprecated_path_list_options, expect_watch_continue_answer, is_initial_events_end,
    next_events, watch_list_on,
};

pub(crate) mod bookmarks;
pub(crate) mod deprecated_paths;
pub(crate) mod initial_events;
pub(crate) mod lifecycle;
pub(crate) mod options;
pub(crate) mod selectors;
pub(crate) mod too_old;

fn watch_req(path: &str) -> Request {
    Request::get(path).query("watch", "true")
}

/// A watch of the check's namespace limited to the check's own objects (they carry its scope
/// label), so that checks sharing a namespace do not see each other's events.
fn scoped_watch(ctx: &Ctx) -> Request {
    watch_req(&ctx.collection_path()).query("labelSelector", ctx.scope_selector())
}

/// [`endpoints`] carrying the check's scope label.
fn scoped(ctx: &Ctx, name: &str) -> Value {
    let (k, v) = ctx.scope_label();
    endpoints_labelled(name, &[(k, &v)])
}

/// Creates [`scoped`] `name`.
async fn create_scoped(ctx: &Ctx, name: &str) -> Result<Value, Outcome> {
    create(ctx, &scoped(ctx, name)).await
}

/// Short timeoutSeconds and bounded reads keep the suite fast.
fn limits(overall: u64) -> WatchLimits {
    WatchLimits {
        overall: Duration::from_secs(overall),
        ..quick_limits()
    }
}

fn kinds(events: &[WatchEvent]) -> Vec<&str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

fn check_increasing(ctx: &Ctx, reader: &WatchReader, events: &[WatchEvent]) -> Verdict {
    let mut last = 0u64;
    for e in events.iter().filter(|e| e.kind != "BOOKMARK") {
        let rv = e.resource_version().and_then(|r| r.parse::<u64>().ok());
        match rv {
            Some(rv) if rv > last => last = rv,
            _ => {
                return Err(watch_fail(
                    ctx,
                    reader,
                    "strictly increasing numeric resourceVersions",
                    format!("events {}", describe_events(events)),
                ));
            }
        }
    }
    Ok(())
}

fn bookmark_shape_ok(ctx: &Ctx, e: &WatchEvent) -> bool {
    let rv = e.resource_version().unwrap_or_default();
    let mut want =
        json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": {"resourceVersion": rv}});
    if !ctx.version.at_least(34) {
        want["metadata"]["creationTimestamp"] = Value::Null;
    }
    let mut got = e.object.clone();
    if let Some(a) = got.pointer_mut("/metadata").and_then(Value::as_object_mut) {
        // The initial-events-end annotation is checked elsewhere.
        if a.get("annotations") == Some(&json!({"k8s.io/initial-events-end": "true"})) {
            a.remove("annotations");
        }
    }
    got == want && rv.parse::<u64>().is_ok()
}
