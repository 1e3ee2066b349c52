//! Watch options that kube-apiserver handles the same way for every resource: the WatchList gate,
//! the initial-events-end bookmark, `continue` on a watch, and the options a deprecated
//! `/watch/...` path validates as a list's when `watch=1` is not sent.
//!
//! The expectations are those of the apiserver's generic handlers (`ListResource` in
//! staging/src/k8s.io/apiserver/pkg/endpoints/handlers/get.go, `ValidateListOptions` in
//! apimachinery's internalversion validation); the suites call them with their own paths.

use std::time::Duration;

use serde_json::{Value, json};

use super::{
    Verdict, continue_token, describe_events, expect_body, expect_status, invalid_options,
    invalid_options_many, open_watch, quick_limits, send, watch_fail,
};
use crate::client::Request;
use crate::model::Outcome;
use crate::runner::Ctx;
use crate::watch::{WatchEvent, WatchLimits, WatchReader};

/// The WatchList feature gate is on by default in 1.32 and from 1.34 (off in 1.33 and before 1.32).
pub fn watch_list_on(ctx: &Ctx) -> bool {
    ctx.version.minor == 32 || ctx.version.at_least(34)
}

/// Whether `e` is the BOOKMARK annotated `k8s.io/initial-events-end: "true"`.
pub fn is_initial_events_end(e: &WatchEvent) -> bool {
    e.kind == "BOOKMARK"
        && e.object
            .pointer("/metadata/annotations/k8s.io~1initial-events-end")
            .and_then(Value::as_str)
            == Some("true")
}

fn limits(overall: u64) -> WatchLimits {
    WatchLimits {
        overall: Duration::from_secs(overall),
        ..quick_limits()
    }
}

/// Reads `n` events from `reader`, failing on malformed lines or a shorter stream.
pub async fn next_events(
    ctx: &Ctx,
    reader: &mut WatchReader,
    n: usize,
) -> Result<Vec<WatchEvent>, Outcome> {
    let (events, malformed, end) = reader.read_until(|e| e.len() >= n).await;
    if !malformed.is_empty() {
        return Err(watch_fail(
            ctx,
            reader,
            "every line a JSON watch event {type, object}",
            format!("malformed lines: {malformed:?}"),
        ));
    }
    if events.len() < n {
        return Err(watch_fail(
            ctx,
            reader,
            format!("{n} events"),
            format!(
                "{} events {} before {}",
                events.len(),
                describe_events(&events),
                end.map(|e| e.to_string()).unwrap_or_default()
            ),
        ));
    }
    Ok(events)
}

/// A watch of `path` with a continue token: where the WatchList gate is on, its defaulting makes
/// the options a streaming list's, which refuses continue (422); elsewhere the token is ignored and
/// the watch is served.
pub async fn expect_watch_continue_answer(ctx: &Ctx, path: &str) -> Verdict {
    let token = continue_token(&json!({"v": "meta.k8s.io/v1", "rv": 1, "start": "a\u{0}"}));
    let req = Request::get(path)
        .query("watch", "true")
        .query("continue", token)
        .query("timeoutSeconds", "1");
    if watch_list_on(ctx) {
        let resp = send(ctx, req).await?;
        expect_body(
            ctx,
            &resp,
            422,
            &invalid_options(
                "ListOptions",
                "resourceVersionMatch",
                "FieldValueForbidden",
                "Forbidden: resourceVersionMatch is forbidden when continue is provided",
            ),
        )
    } else {
        let mut reader = open_watch(ctx, req, limits(5)).await?;
        reader.drain().await;
        Ok(())
    }
}

/// On a watch `path` whose scope holds exactly one object of the check, `name`: kube-apiserver
/// validates the ListOptions as sent, before a deprecated path forces the watch, so without
/// `watch=1` sendInitialEvents and a resourceVersionMatch without resourceVersion are a list's
/// options (422, both causes) at every version; with `watch=1` they are a watch's (ADDED `name`
/// then the initial-events-end BOOKMARK where the WatchList gate is on, 422 elsewhere); and a
/// continue token gets [`expect_watch_continue_answer`].
pub async fn expect_deprecated_path_list_options(ctx: &Ctx, path: &str, name: &str) -> Verdict {
    let initial = |as_watch: bool| {
        let req = Request::get(path);
        let req = if as_watch {
            req.query("watch", "true")
        } else {
            req
        };
        req.query("labelSelector", ctx.scope_selector())
            .query("sendInitialEvents", "true")
            .query("resourceVersionMatch", "NotOlderThan")
            .query("allowWatchBookmarks", "true")
            .query("timeoutSeconds", "2")
    };
    let resp = send(ctx, initial(false)).await?;
    expect_body(
        ctx,
        &resp,
        422,
        &invalid_options_many(
            "ListOptions",
            &[
                (
                    "resourceVersionMatch",
                    "FieldValueForbidden",
                    "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
                ),
                (
                    "sendInitialEvents",
                    "FieldValueForbidden",
                    "Forbidden: sendInitialEvents is forbidden for list",
                ),
            ],
        ),
    )?;
    if watch_list_on(ctx) {
        let mut reader = open_watch(ctx, initial(true), limits(6)).await?;
        let events = next_events(ctx, &mut reader, 2).await?;
        if events[0].kind != "ADDED"
            || events[0].name() != Some(name)
            || !is_initial_events_end(&events[1])
        {
            return Err(watch_fail(
                ctx,
                &reader,
                "ADDED then the initial-events-end BOOKMARK",
                describe_events(&events),
            ));
        }
    } else {
        let resp = send(ctx, initial(true)).await?;
        expect_status(ctx, &resp, 422)?;
    }
    expect_watch_continue_answer(ctx, path).await
}
