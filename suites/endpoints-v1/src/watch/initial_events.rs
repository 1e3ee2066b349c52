//! sendInitialEvents and the initial-events-end BOOKMARK (WatchList).

use super::*;

pub(crate) const EP_WATCH_017: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &[
            "watch",
            "sendInitialEvents",
            "resourceVersionMatch",
            "allowWatchBookmarks"
        ],
        statuses: &[200, 422],
        ..meta(
            "EP-WATCH-017",
            Must,
            "sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true MUST deliver ADDED for every existing object and then one BOOKMARK annotated k8s.io/initial-events-end=true where the WatchList gate is on (1.32, 1.34+); elsewhere it MUST answer 422 naming the WatchList feature gate.",
            "kube-apiserver behaviour §6.3 (WatchList); §11 Version matrix",
        )
    },
    watch_send_initial_events
);
async fn watch_send_initial_events(ctx: Ctx) -> Verdict {
    let (k, v) = ctx.scope_label();
    let (a, b) = (ctx.name("ep"), ctx.name("ep"));
    create(&ctx, &endpoints_labelled(&a, &[(k, &v)])).await?;
    let last = create(&ctx, &endpoints_labelled(&b, &[(k, &v)])).await?;
    let base = || {
        watch_req(&ctx.collection_path())
            .query("labelSelector", ctx.scope_selector())
            .query("sendInitialEvents", "true")
            .query("resourceVersionMatch", "NotOlderThan")
            .query("allowWatchBookmarks", "true")
            .query("timeoutSeconds", "10")
    };
    if !watch_list_on(&ctx) {
        let resp = send(&ctx, base()).await?;
        return expect_body(
            &ctx,
            &resp,
            422,
            &invalid_options_many(
                "ListOptions",
                &[(
                    "sendInitialEvents",
                    "FieldValueForbidden",
                    "Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
                )],
            ),
        );
    }
    let last_rv = rv_number(&ctx, &rv_of(&last))?;
    for rv in [None, Some("0".to_owned()), Some(last_rv.to_string())] {
        let mut req = base();
        if let Some(rv) = &rv {
            req = req.query("resourceVersion", rv.clone());
        }
        let mut reader = open_watch(&ctx, req, limits(10)).await?;
        let events = next_events(&ctx, &mut reader, 3).await?;
        let mut names: Vec<&str> = events[..2].iter().filter_map(|e| e.name()).collect();
        names.sort();
        let mut want = vec![a.as_str(), b.as_str()];
        want.sort();
        let bm = &events[2];
        let bm_rv = bm
            .resource_version()
            .and_then(|r| r.parse::<u64>().ok())
            .unwrap_or(0);
        if kinds(&events[..2]) != ["ADDED", "ADDED"]
            || names != want
            || !is_initial_events_end(bm)
            || bm_rv < last_rv
        {
            return Err(watch_fail(
                &ctx,
                &reader,
                format!(
                    "ADDED for {want:?}, then a BOOKMARK annotated k8s.io/initial-events-end=true at resourceVersion >= {last_rv}"
                ),
                describe_events(&events),
            ));
        }
        if !bookmark_shape_ok(&ctx, bm) {
            return Err(watch_fail(
                &ctx,
                &reader,
                "bookmark object with only kind, apiVersion and metadata",
                compact(&bm.object),
            ));
        }
    }
    Ok(())
}

pub(crate) const EP_WATCH_018: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "allowWatchBookmarks", "resourceVersion"],
        statuses: &[200],
        ..meta(
            "EP-WATCH-018",
            Must,
            "Where the WatchList gate is on (1.32, 1.34+), a plain watch with allowWatchBookmarks=true and resourceVersion unset or 0 MUST end its initial ADDED events with the initial-events-end BOOKMARK (server-side defaulting).",
            "kube-apiserver behaviour §6.3 (WatchList defaulting)",
        )
    },
    watch_initial_events_end_by_default
);
async fn watch_initial_events_end_by_default(ctx: Ctx) -> Verdict {
    if !watch_list_on(&ctx) {
        return Err(Outcome::skip(format!(
            "the WatchList gate is off by default in Kubernetes {}",
            ctx.version
        )));
    }
    let (k, v) = ctx.scope_label();
    let a = ctx.name("ep");
    create(&ctx, &endpoints_labelled(&a, &[(k, &v)])).await?;
    for rv in [None, Some("0")] {
        let mut req = watch_req(&ctx.collection_path())
            .query("labelSelector", ctx.scope_selector())
            .query("allowWatchBookmarks", "true")
            .query("timeoutSeconds", "10");
        if let Some(rv) = rv {
            req = req.query("resourceVersion", rv);
        }
        let mut reader = open_watch(&ctx, req, limits(10)).await?;
        let events = next_events(&ctx, &mut reader, 2).await?;
        if events[0].kind != "ADDED" || !is_initial_events_end(&events[1]) {
            return Err(watch_fail(
                &ctx,
                &reader,
                "ADDED then the initial-events-end BOOKMARK",
                describe_events(&events),
            ));
        }
    }
    Ok(())
}
