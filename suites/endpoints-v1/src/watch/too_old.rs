//! Watches from a resourceVersion outside the history: compacted (the 410 ERROR event) and far in the future.

use super::*;

pub(crate) const EP_WATCH_014: Check = check!(
    CheckMeta {
        operations: &[op::LIST, op::WATCH_LIST, op::WATCH_ALL, op::WATCH],
        params: &["watch", "resourceVersion"],
        statuses: &[200, 410],
        features: &["compaction"],
        ..meta(
            "EP-WATCH-014",
            Must,
            "A watch from a compacted resourceVersion, on every watch path, MUST answer 200 and then send exactly one ERROR event whose object is a Status 410 Expired `too old resource version: <requested> (<oldest>)`, and end the stream.",
            "kube-apiserver behaviour §3.1 410 Expired (watch); §6.3",
        )
    },
    watch_too_old
);
async fn watch_too_old(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_scoped(&ctx, &name).await?;
    let paths = [
        ctx.collection_path(),
        format!("/api/v1/watch/namespaces/{}/endpoints", ctx.namespace),
        "/api/v1/watch/endpoints".to_owned(),
        format!(
            "/api/v1/watch/namespaces/{}/endpoints/{name}",
            ctx.namespace
        ),
    ];
    for (i, path) in paths.iter().enumerate() {
        let req = || {
            Request::get(path.as_str())
                .query("watch", "true")
                .query("resourceVersion", "1")
                .query("timeoutSeconds", "5")
        };
        let mut reader = open_watch(&ctx, req(), limits(6)).await?;
        let mut first = reader.next_within(Duration::from_secs(2)).await;
        let is_error = |item: &WatchItem| matches!(item, WatchItem::Event(e) if e.kind == "ERROR");
        if !is_error(&first) && i == 0 {
            // History from rv 1 is still there: compact (reference server) or give up.
            drop(reader);
            if !trigger_compaction(&ctx).await? {
                return Err(compaction_unsupported());
            }
            reader = open_watch(&ctx, req(), limits(6)).await?;
            first = reader.next_within(Duration::from_secs(3)).await;
        }
        let WatchItem::Event(event) = first else {
            return Err(watch_fail(
                &ctx,
                &reader,
                "an ERROR event",
                format!("{first:?}"),
            ));
        };
        if event.kind != "ERROR" {
            return Err(watch_fail(
                &ctx,
                &reader,
                "an ERROR event first",
                describe_events(&[event]),
            ));
        }
        let o = &event.object;
        let msg = o["message"].as_str().unwrap_or_default();
        let oldest = msg
            .strip_prefix("too old resource version: 1 (")
            .and_then(|r| r.strip_suffix(')'));
        let mut want = status_failure(410, "Expired", msg, None);
        if oldest.is_none_or(|n| n.parse::<u64>().is_err()) {
            want["message"] = Value::from("too old resource version: 1 (<oldest>)");
        }
        if *o != want {
            return Err(watch_fail(&ctx, &reader, compact(&want), compact(o)));
        }
        let rest = reader.drain().await;
        if !rest.events.is_empty() || rest.end != StreamEnd::Server {
            return Err(watch_fail(
                &ctx,
                &reader,
                "the server ends the stream after the ERROR event",
                format!("then {} and {}", describe_events(&rest.events), rest.end),
            ));
        }
    }
    Ok(())
}

pub(crate) const EP_WATCH_015: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "resourceVersion", "timeoutSeconds"],
        statuses: &[200],
        ..meta(
            "EP-WATCH-015",
            Should,
            "A watch from a resourceVersion far in the future SHOULD stay open without events until timeoutSeconds ends it.",
            "kube-apiserver behaviour (recorded watch/future-resource-version)",
        )
    },
    watch_future_resource_version
);
async fn watch_future_resource_version(ctx: Ctx) -> Verdict {
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", "999999999")
            .query("timeoutSeconds", "1"),
        limits(6),
    )
    .await?;
    let d = reader.drain().await;
    if !d.events.is_empty() || d.end != StreamEnd::Server {
        return Err(watch_fail(
            &ctx,
            &reader,
            "no events, then the server ends the stream",
            format!("{} then {}", describe_events(&d.events), d.end),
        ));
    }
    Ok(())
}
