//! BOOKMARK events: their shape, before a timeout, and on a quiet watch.

use super::*;

pub(crate) const EP_WATCH_016: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "allowWatchBookmarks", "timeoutSeconds"],
        statuses: &[200],
        ..meta(
            "EP-WATCH-016",
            Should,
            "With allowWatchBookmarks=true a server that sends BOOKMARK events MUST send objects {kind: Endpoints, apiVersion: v1, metadata: {resourceVersion}} (plus creationTimestamp null up to 1.33) whose resourceVersion is not older than the events before; kube-apiserver sends one shortly before timeoutSeconds after a change.",
            "kube-apiserver behaviour §6.4 Bookmarks; recorded disagreements §7",
        )
    },
    watch_bookmark_before_timeout
);
async fn watch_bookmark_before_timeout(ctx: Ctx) -> Verdict {
    let start = create_scoped(&ctx, &ctx.name("ep")).await?;
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", rv_of(&start))
            .query("allowWatchBookmarks", "true")
            .query("timeoutSeconds", "3"),
        limits(7),
    )
    .await?;
    let created = create_scoped(&ctx, &ctx.name("ep")).await?;
    let d = reader.drain().await;
    let kinds_seen = kinds(&d.events);
    if kinds_seen.first() != Some(&"ADDED") || d.end != StreamEnd::Server {
        return Err(watch_fail(
            &ctx,
            &reader,
            "ADDED, then the server ends the stream at timeoutSeconds",
            format!("{} then {}", describe_events(&d.events), d.end),
        ));
    }
    let bookmarks: Vec<&WatchEvent> = d.events.iter().filter(|e| e.kind == "BOOKMARK").collect();
    if bookmarks.is_empty() {
        return Err(watch_fail(
            &ctx,
            &reader,
            "a BOOKMARK before the server ends the stream (kube-apiserver sends one about 2 s before the deadline after a change)",
            describe_events(&d.events),
        ));
    }
    let added = rv_number(&ctx, &rv_of(&created))?;
    for b in bookmarks {
        let rv = b
            .resource_version()
            .and_then(|r| r.parse::<u64>().ok())
            .unwrap_or(0);
        if !bookmark_shape_ok(&ctx, b) || rv < added {
            return Err(watch_fail(
                &ctx,
                &reader,
                format!(
                    "BOOKMARK {{kind: Endpoints, apiVersion: v1, metadata: {{resourceVersion >= {added}}}}}"
                ),
                compact(&b.object),
            ));
        }
    }
    Ok(())
}

pub(crate) const EP_WATCH_023: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "allowWatchBookmarks", "timeoutSeconds"],
        statuses: &[200],
        ..meta(
            "EP-WATCH-023",
            May,
            "A quiet watch with allowWatchBookmarks MAY receive no BOOKMARK at all; any BOOKMARK it receives MUST carry only metadata.resourceVersion (no subsets).",
            "kube-apiserver behaviour §6.4; recorded disagreements §8",
        )
    },
    watch_quiet_bookmarks
);
async fn watch_quiet_bookmarks(ctx: Ctx) -> Verdict {
    let created = create_scoped(&ctx, &ctx.name("ep")).await?;
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("resourceVersion", rv_of(&created))
            .query("allowWatchBookmarks", "true")
            .query("timeoutSeconds", "1"),
        limits(6),
    )
    .await?;
    let d = reader.drain().await;
    for e in &d.events {
        if e.kind != "BOOKMARK" || !bookmark_shape_ok(&ctx, e) {
            return Err(watch_fail(
                &ctx,
                &reader,
                "nothing, or well-formed BOOKMARKs only",
                describe_events(&d.events),
            ));
        }
    }
    if d.end != StreamEnd::Server {
        return Err(watch_fail(
            &ctx,
            &reader,
            "the server ends the stream at timeoutSeconds",
            d.end.to_string(),
        ));
    }
    Ok(())
}
