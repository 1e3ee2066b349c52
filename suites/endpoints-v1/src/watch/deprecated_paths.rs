//! The deprecated `/api/v1/watch/...` paths: still served, honouring the watch options, and the named path's fieldSelector conflict.

use super::*;

/// Every query parameter the deprecated `/api/v1/watch/...` paths declare; the checks of those paths
/// send them all, so they cover each cell of their operations.
const DEPRECATED_WATCH_PATH_PARAMS: &[&str] = &[
    "labelSelector",
    "resourceVersion",
    "timeoutSeconds",
    "allowWatchBookmarks",
    "limit",
    "pretty",
    "watch",
    "shardSelector",
    "fieldSelector",
    "sendInitialEvents",
    "resourceVersionMatch",
    "continue",
];

/// Exercises the watch options on one watch path; `named` is the object name for the named path.
async fn exercise_watch_path(ctx: &Ctx, path: &str, named: Option<&str>) -> Verdict {
    let (k, v) = ctx.scope_label();
    let name = named.map(str::to_owned).unwrap_or_else(|| ctx.name("ep"));
    let created = create(ctx, &endpoints_labelled(&name, &[(k, &v)])).await?;
    let field = format!("metadata.name={name}");
    let mut reader = open_watch(
        ctx,
        Request::get(path)
            .query("watch", "true")
            .query("labelSelector", ctx.scope_selector())
            .query("fieldSelector", &field)
            .query("resourceVersion", rv_of(&created))
            .query("timeoutSeconds", "1")
            .query("allowWatchBookmarks", "true")
            .query("limit", "5")
            .query("pretty", "true")
            .query("shardSelector", ""),
        limits(6),
    )
    .await?;
    let resp = merge_patch(
        ctx,
        &name,
        &json!({"metadata": {"annotations": {"touched": "1"}}}),
    )
    .await?;
    expect_status(ctx, &resp, 200)?;
    let d = reader.drain().await;
    if !d.malformed.is_empty() {
        return Err(watch_fail(
            ctx,
            &reader,
            "one JSON event per line (pretty does not apply to streams)",
            format!("{:?}", d.malformed),
        ));
    }
    let changes: Vec<WatchEvent> = d
        .events
        .iter()
        .filter(|e| e.kind != "BOOKMARK")
        .cloned()
        .collect();
    if kinds(&changes) != ["MODIFIED"] || changes[0].name() != Some(name.as_str()) {
        return Err(watch_fail(
            ctx,
            &reader,
            format!("one MODIFIED for {name}"),
            describe_events(&d.events),
        ));
    }
    if d.end != StreamEnd::Server {
        return Err(watch_fail(
            ctx,
            &reader,
            "the server ends the stream at timeoutSeconds=2",
            d.end.to_string(),
        ));
    }
    // kube-apiserver validates the ListOptions as sent, before the deprecated path forces the
    // watch (`ListResource` in the apiserver's endpoints/handlers/get.go): without `watch=1` these
    // are a list's options at every version (the answer issue 10 reports from kube-apiserver v1.36.2; not in the recordings here).
    expect_deprecated_path_list_options(ctx, path, &name).await
}

pub(crate) const EP_WATCH_005: Check = check!(
    CheckMeta {
        operations: &[op::WATCH_LIST],
        params: DEPRECATED_WATCH_PATH_PARAMS,
        statuses: &[200, 422],
        ..meta(
            "EP-WATCH-005",
            Must,
            "The deprecated path /api/v1/watch/namespaces/{namespace}/endpoints MUST still be served and honour the watch options; options sent without watch=1 MUST be validated as a list's (422 for sendInitialEvents and a resourceVersionMatch without resourceVersion).",
            "kube-apiserver behaviour §6.1 (deprecated since 1.11, still served in 1.36)",
        )
    },
    watch_deprecated_namespaced
);
async fn watch_deprecated_namespaced(ctx: Ctx) -> Verdict {
    exercise_watch_path(
        &ctx,
        &format!("/api/v1/watch/namespaces/{}/endpoints", ctx.namespace),
        None,
    )
    .await
}

pub(crate) const EP_WATCH_006: Check = check!(
    CheckMeta {
        operations: &[op::WATCH_ALL],
        params: DEPRECATED_WATCH_PATH_PARAMS,
        statuses: &[200, 422],
        ..meta(
            "EP-WATCH-006",
            Must,
            "The deprecated path /api/v1/watch/endpoints MUST still be served and honour the watch options; options sent without watch=1 MUST be validated as a list's.",
            "kube-apiserver behaviour §6.1",
        )
    },
    watch_deprecated_all
);
async fn watch_deprecated_all(ctx: Ctx) -> Verdict {
    exercise_watch_path(&ctx, "/api/v1/watch/endpoints", None).await
}

pub(crate) const EP_WATCH_007: Check = check!(
    CheckMeta {
        operations: &[op::WATCH],
        params: DEPRECATED_WATCH_PATH_PARAMS,
        statuses: &[200, 422],
        ..meta(
            "EP-WATCH-007",
            Must,
            "The deprecated path /api/v1/watch/namespaces/{namespace}/endpoints/{name} MUST deliver the events of that one object only.",
            "kube-apiserver behaviour §6.1 (forced fieldSelector metadata.name)",
        )
    },
    watch_deprecated_named
);
async fn watch_deprecated_named(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let other = ctx.name("ep");
    create_scoped(&ctx, &other).await?;
    let path = format!(
        "/api/v1/watch/namespaces/{}/endpoints/{name}",
        ctx.namespace
    );
    // An unrelated object changing must not show up on the named path.
    let resp = merge_patch(&ctx, &other, &json!({"metadata": {"labels": {"x": "1"}}})).await?;
    expect_status(&ctx, &resp, 200)?;
    exercise_watch_path(&ctx, &path, Some(&name)).await
}

pub(crate) const EP_WATCH_008: Check = check!(
    CheckMeta {
        operations: &[op::WATCH],
        params: &["fieldSelector"],
        statuses: &[400, 200],
        ..meta(
            "EP-WATCH-008",
            Must,
            "The named watch path with a fieldSelector for another name MUST answer 400 `fieldSelector metadata.name doesn't match requested name`; the same name is accepted.",
            "kube-apiserver behaviour §3.1 400 watch by name",
        )
    },
    watch_named_conflict
);
async fn watch_named_conflict(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let other = ctx.name("ep");
    create_scoped(&ctx, &name).await?;
    let path = format!(
        "/api/v1/watch/namespaces/{}/endpoints/{name}",
        ctx.namespace
    );
    let resp = send(
        &ctx,
        Request::get(&path)
            .query("fieldSelector", format!("metadata.name={other}"))
            .query("timeoutSeconds", "2"),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request("fieldSelector metadata.name doesn't match requested name"),
    )?;
    let mut reader = open_watch(
        &ctx,
        Request::get(&path)
            .query("fieldSelector", format!("metadata.name={name}"))
            .query("timeoutSeconds", "2"),
        limits(5),
    )
    .await?;
    let events = next_events(&ctx, &mut reader, 1).await?;
    if events[0].kind != "ADDED" || events[0].name() != Some(name.as_str()) {
        return Err(watch_fail(
            &ctx,
            &reader,
            format!("ADDED {name}"),
            describe_events(&events),
        ));
    }
    Ok(())
}
