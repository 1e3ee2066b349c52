//! Event order and types for each write, the wire format, concurrent writers, all namespaces, the synthetic ADDED of a watch from now, timeouts, dry-runs and finalizers.

use super::*;

pub(crate) const EP_WATCH_001: Check = check!(
    CheckMeta {
        operations: &[op::LIST, op::CREATE, op::REPLACE, op::PATCH, op::DELETE],
        params: &["watch", "resourceVersion", "timeoutSeconds"],
        statuses: &[200],
        ..meta(
            "EP-WATCH-001",
            Must,
            "A watch from a resourceVersion MUST deliver ADDED, MODIFIED, MODIFIED, DELETED for a POST, PUT, PATCH and DELETE, in order, each with the full v1 object and the resourceVersion of its write; resourceVersions MUST strictly increase and DELETED MUST carry the deletion's own, newer resourceVersion.",
            "kube-apiserver behaviour §6.2 Wire format; §6.3 Starting point",
        )
    },
    watch_lifecycle
);
async fn watch_lifecycle(ctx: Ctx) -> Verdict {
    let start = send(&ctx, Request::get(ctx.collection_path())).await?;
    expect_status(&ctx, &start, 200)?;
    let rv0 = rv_of(&json_of(&ctx, &start)?);
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", rv0)
            .query("timeoutSeconds", "10"),
        limits(10),
    )
    .await?;
    let name = ctx.name("ep");
    let created = create_scoped(&ctx, &name).await?;
    let mut next = created.clone();
    next["metadata"]["labels"] = json!({"v": "2", ctx.scope_label().0: ctx.scope_label().1});
    let resp = send(&ctx, Request::put(ctx.object_path(&name)).json(&next)).await?;
    expect_status(&ctx, &resp, 200)?;
    let replaced = json_of(&ctx, &resp)?;
    let resp = merge_patch(&ctx, &name, &json!({"metadata": {"labels": {"v": "3"}}})).await?;
    expect_status(&ctx, &resp, 200)?;
    let patched = json_of(&ctx, &resp)?;
    let resp = send(&ctx, Request::delete(ctx.object_path(&name))).await?;
    expect_status(&ctx, &resp, 200)?;
    let events = next_events(&ctx, &mut reader, 4).await?;
    let want = vec!["ADDED", "MODIFIED", "MODIFIED", "DELETED"];
    if kinds(&events) != want {
        return Err(watch_fail(
            &ctx,
            &reader,
            format!("{want:?}"),
            describe_events(&events),
        ));
    }
    for (e, obj) in events.iter().zip([&created, &replaced, &patched]) {
        if &e.object != obj {
            return Err(watch_fail(
                &ctx,
                &reader,
                format!(
                    "{} object equal to the write's answer {}",
                    e.kind,
                    compact(obj)
                ),
                compact(&e.object),
            ));
        }
    }
    check_increasing(&ctx, &reader, &events)?;
    let deleted = &events[3].object;
    expect_eq(
        &ctx,
        "DELETED object kind",
        Some("Endpoints"),
        deleted["kind"].as_str(),
    )?;
    expect_json_eq(
        &ctx,
        "DELETED object label v (last state)",
        &json!("3"),
        &deleted["metadata"]["labels"]["v"],
    )
}

pub(crate) const EP_WATCH_002: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch"],
        statuses: &[200],
        ..meta(
            "EP-WATCH-002",
            Must,
            "A watch MUST answer 200 with Content-Type application/json and a stream of newline-delimited JSON events {type, object}, one per line.",
            "kube-apiserver behaviour §6.2 Wire format",
        )
    },
    watch_wire_format
);
async fn watch_wire_format(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_scoped(&ctx, &name).await?;
    let resp = ctx
        .client
        .stream(
            watch_req(&ctx.collection_path())
                .query("fieldSelector", format!("metadata.name={name}"))
                .query("timeoutSeconds", "5"),
        )
        .await
        .map_err(|e| Outcome::error(kconform_harness::runner::error_chain(&e)))?;
    expect_eq(&ctx, "status", 200, resp.status)?;
    let ct = resp.header("content-type").map(str::to_owned);
    expect_eq(
        &ctx,
        "Content-Type",
        Some("application/json".to_owned()),
        ct,
    )?;
    let mut reader = WatchReader::from_response(resp, limits(6));
    let events = next_events(&ctx, &mut reader, 1).await?;
    expect_eq(&ctx, "first event type", "ADDED", events[0].kind.as_str())?;
    expect_json_eq(&ctx, "event object", &created, &events[0].object)
}

pub(crate) const EP_WATCH_003: Check = check!(
    CheckMeta {
        operations: &[op::LIST, op::CREATE, op::PATCH],
        params: &["watch", "resourceVersion"],
        statuses: &[200],
        ..meta(
            "EP-WATCH-003",
            Must,
            "Under concurrent writers a watch MUST deliver every change exactly once, in strictly increasing resourceVersion order.",
            "kube-apiserver behaviour §6.2; API concepts (resource versions)",
        )
    },
    watch_concurrent_writers
);
async fn watch_concurrent_writers(ctx: Ctx) -> Verdict {
    const WRITERS: usize = 4;
    const WRITES: usize = 8;
    let start = send(&ctx, Request::get(ctx.collection_path())).await?;
    let rv0 = rv_of(&json_of(&ctx, &start)?);
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", rv0)
            .query("timeoutSeconds", "15"),
        limits(15),
    )
    .await?;
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let ctx = ctx.clone();
        tasks.push(tokio::spawn(async move {
            let name = ctx.name(&format!("w{w}"));
            create_scoped(&ctx, &name).await?;
            for i in 0..WRITES {
                let resp = merge_patch(
                    &ctx,
                    &name,
                    &json!({"metadata": {"labels": {"i": i.to_string()}}}),
                )
                .await?;
                expect_status(&ctx, &resp, 200)?;
            }
            Ok::<String, Outcome>(name)
        }));
    }
    let mut names = Vec::new();
    for t in tasks {
        match t.await {
            Ok(Ok(n)) => names.push(n),
            Ok(Err(o)) => return Err(o),
            Err(e) => return Err(Outcome::error(format!("writer task failed: {e}"))),
        }
    }
    let total = WRITERS * (WRITES + 1);
    let events = next_events(&ctx, &mut reader, total).await?;
    check_increasing(&ctx, &reader, &events)?;
    for name in &names {
        let mine: Vec<&WatchEvent> = events
            .iter()
            .filter(|e| e.name() == Some(name.as_str()))
            .collect();
        let labels: Vec<Option<&str>> = mine
            .iter()
            .map(|e| {
                e.object
                    .pointer("/metadata/labels/i")
                    .and_then(Value::as_str)
            })
            .collect();
        let mut want = vec![None];
        let idx: Vec<String> = (0..WRITES).map(|i| i.to_string()).collect();
        want.extend(idx.iter().map(|s| Some(s.as_str())));
        if labels != want {
            return Err(watch_fail(
                &ctx,
                &reader,
                format!(
                    "{name}: ADDED then {WRITES} MODIFIED with labels i=0..{}",
                    WRITES - 1
                ),
                format!("labels seen {labels:?}"),
            ));
        }
    }
    Ok(())
}

pub(crate) const EP_WATCH_004: Check = check!(
    CheckMeta {
        operations: &[op::LIST_ALL],
        params: &[
            "watch",
            "labelSelector",
            "resourceVersion",
            "timeoutSeconds"
        ],
        statuses: &[200],
        ..meta(
            "EP-WATCH-004",
            Must,
            "A watch on /api/v1/endpoints MUST deliver changes from every namespace.",
            "kube-apiserver behaviour §6.1 Endpoints (paths)",
        )
    },
    watch_all_namespaces
);
async fn watch_all_namespaces(ctx: Ctx) -> Verdict {
    let other = ctx.extra_namespace().await.map_err(Outcome::error)?;
    let (k, v) = ctx.scope_label();
    let first = ctx.name("ep");
    let created = create(&ctx, &endpoints_labelled(&first, &[(k, &v)])).await?;
    let mut reader = open_watch(
        &ctx,
        watch_req("/api/v1/endpoints")
            .query("labelSelector", ctx.scope_selector())
            .query("resourceVersion", rv_of(&created))
            .query("timeoutSeconds", "10"),
        limits(10),
    )
    .await?;
    let second = ctx.name("ep");
    let resp = send(
        &ctx,
        Request::post(format!("/api/v1/namespaces/{other}/endpoints"))
            .json(&endpoints_labelled(&second, &[(k, &v)])),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    let resp = send(
        &ctx,
        Request::delete(format!("/api/v1/namespaces/{other}/endpoints/{second}")),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let events = next_events(&ctx, &mut reader, 2).await?;
    let got: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e.kind.clone(),
                e.object
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect();
    expect_eq(
        &ctx,
        "events (type, namespace)",
        vec![
            ("ADDED".to_owned(), other.clone()),
            ("DELETED".to_owned(), other),
        ],
        got,
    )
}

pub(crate) const EP_WATCH_010: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "resourceVersion"],
        statuses: &[200],
        ..meta(
            "EP-WATCH-010",
            Must,
            "A watch without resourceVersion, or with resourceVersion=0, MUST start with a synthetic ADDED for every existing object, then deliver changes.",
            "kube-apiserver behaviour §6.3 Starting point",
        )
    },
    watch_initial_added
);
async fn watch_initial_added(ctx: Ctx) -> Verdict {
    let (k, v) = ctx.scope_label();
    let (a, b) = (ctx.name("ep"), ctx.name("ep"));
    create(&ctx, &endpoints_labelled(&a, &[(k, &v)])).await?;
    create(&ctx, &endpoints_labelled(&b, &[(k, &v)])).await?;
    for rv in [None, Some("0")] {
        let mut req = watch_req(&ctx.collection_path())
            .query("labelSelector", ctx.scope_selector())
            .query("timeoutSeconds", "10");
        if let Some(rv) = rv {
            req = req.query("resourceVersion", rv);
        }
        let mut reader = open_watch(&ctx, req, limits(10)).await?;
        let events = next_events(&ctx, &mut reader, 2).await?;
        let mut names: Vec<&str> = events.iter().filter_map(|e| e.name()).collect();
        names.sort();
        let mut want = vec![a.as_str(), b.as_str()];
        want.sort();
        if kinds(&events) != ["ADDED", "ADDED"] || names != want {
            return Err(watch_fail(
                &ctx,
                &reader,
                format!("ADDED for {want:?} (any order)"),
                describe_events(&events),
            ));
        }
        let resp = merge_patch(
            &ctx,
            &a,
            &json!({"metadata": {"annotations": {"rv": rv.unwrap_or("unset")}}}),
        )
        .await?;
        expect_status(&ctx, &resp, 200)?;
        let more = next_events(&ctx, &mut reader, 1).await?;
        if more[0].kind != "MODIFIED" || more[0].name() != Some(a.as_str()) {
            return Err(watch_fail(
                &ctx,
                &reader,
                format!("MODIFIED {a} after the initial events"),
                describe_events(&more),
            ));
        }
    }
    Ok(())
}

pub(crate) const EP_WATCH_013: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "timeoutSeconds"],
        statuses: &[200],
        ..meta(
            "EP-WATCH-013",
            Must,
            "timeoutSeconds=N MUST make the server end the watch stream after about N seconds.",
            "kube-apiserver behaviour §6.5 Timeouts",
        )
    },
    watch_timeout_seconds
);
async fn watch_timeout_seconds(ctx: Ctx) -> Verdict {
    let created = create_scoped(&ctx, &ctx.name("ep")).await?;
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", rv_of(&created))
            .query("timeoutSeconds", "1"),
        limits(4),
    )
    .await?;
    let d = reader.drain().await;
    let took = reader.elapsed();
    if d.end != StreamEnd::Server
        || took < Duration::from_millis(500)
        || took > Duration::from_secs(4)
    {
        return Err(watch_fail(
            &ctx,
            &reader,
            "the server ends the stream about 1 s after it started",
            format!("{} after {took:?}", d.end),
        ));
    }
    Ok(())
}

pub(crate) const EP_WATCH_020: Check = check!(
    CheckMeta {
        operations: &[op::LIST, op::CREATE, op::PATCH, op::DELETE, op::REPLACE],
        params: &["watch", "dryRun"],
        statuses: &[200, 201],
        ..meta(
            "EP-WATCH-020",
            Must,
            "Dry-run POST, PATCH and DELETE and a no-op PUT MUST NOT produce watch events; the next real change is the first event.",
            "kube-apiserver behaviour §5.7 (no watch events in dry-run); §1.5 no-op writes",
        )
    },
    watch_no_events_for_dry_run
);
async fn watch_no_events_for_dry_run(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_scoped(&ctx, &name).await?;
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", rv_of(&created))
            .query("timeoutSeconds", "10"),
        limits(10),
    )
    .await?;
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path())
            .query("dryRun", "All")
            .json(&scoped(&ctx, &ctx.name("ep"))),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    let resp = send(
        &ctx,
        Request::patch(ctx.object_path(&name))
            .query("dryRun", "All")
            .body_with_type(
                "application/merge-patch+json",
                r#"{"metadata":{"labels":{"x":"1"}}}"#,
            ),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = send(
        &ctx,
        Request::delete(ctx.object_path(&name)).query("dryRun", "All"),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = send(&ctx, Request::put(ctx.object_path(&name)).json(&created)).await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = merge_patch(&ctx, &name, &json!({"metadata": {"labels": {"x": "2"}}})).await?;
    expect_status(&ctx, &resp, 200)?;
    let events = next_events(&ctx, &mut reader, 1).await?;
    if events[0].kind != "MODIFIED"
        || events[0]
            .object
            .pointer("/metadata/labels/x")
            .and_then(Value::as_str)
            != Some("2")
    {
        return Err(watch_fail(
            &ctx,
            &reader,
            "the first event is the real PATCH (MODIFIED, label x=2)",
            describe_events(&events),
        ));
    }
    Ok(())
}

pub(crate) const EP_WATCH_022: Check = check!(
    CheckMeta {
        operations: &[op::LIST, op::DELETE, op::PATCH],
        params: &["watch"],
        statuses: &[200],
        ..meta(
            "EP-WATCH-022",
            Must,
            "Deleting an object held by a finalizer MUST be delivered as MODIFIED (deletionTimestamp set) and removing the last finalizer as DELETED.",
            "kube-apiserver behaviour §5.5 (finalizer removal deletes; watchers see DELETED)",
        )
    },
    watch_finalizer_deletion
);
async fn watch_finalizer_deletion(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let mut body = scoped(&ctx, &name);
    body["metadata"]["finalizers"] = json!(["example.com/hold"]);
    let created = create(&ctx, &body).await?;
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", rv_of(&created))
            .query("timeoutSeconds", "10"),
        limits(10),
    )
    .await?;
    let resp = send(&ctx, Request::delete(ctx.object_path(&name))).await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = merge_patch(&ctx, &name, &json!({"metadata": {"finalizers": null}})).await?;
    expect_status(&ctx, &resp, 200)?;
    let events = next_events(&ctx, &mut reader, 2).await?;
    let ok = kinds(&events) == ["MODIFIED", "DELETED"]
        && events[0]
            .object
            .pointer("/metadata/deletionTimestamp")
            .is_some_and(Value::is_string);
    if !ok {
        return Err(watch_fail(
            &ctx,
            &reader,
            "MODIFIED with deletionTimestamp, then DELETED",
            describe_events(&events),
        ));
    }
    check_increasing(&ctx, &reader, &events)
}
