//! The other list options: sendInitialEvents, unparseable numbers, watch-only options, the all-namespaces options, shardSelector.

use super::*;

pub(crate) const EP_LIST_018: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["sendInitialEvents"],
        statuses: &[422],
        ..meta(
            "EP-LIST-018",
            Must,
            "sendInitialEvents on a LIST (not a watch) MUST answer 422 `sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list`.",
            "kube-apiserver behaviour §4.1",
        )
    },
    list_send_initial_events
);
async fn list_send_initial_events(ctx: Ctx) -> Verdict {
    let want = invalid_options(
        "ListOptions",
        "sendInitialEvents",
        "FieldValueForbidden",
        "Forbidden: sendInitialEvents is forbidden for list",
    );
    let resp = send(
        &ctx,
        Request::get(ctx.collection_path()).query("sendInitialEvents", "true"),
    )
    .await?;
    expect_body(&ctx, &resp, 422, &want)?;
    let resp = send(
        &ctx,
        Request::get(ctx.collection_path())
            .query("sendInitialEvents", "true")
            .query("resourceVersionMatch", "NotOlderThan")
            .query("resourceVersion", "0"),
    )
    .await?;
    expect_body(&ctx, &resp, 422, &want)
}

pub(crate) const EP_LIST_019: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["limit", "resourceVersion", "timeoutSeconds"],
        statuses: &[400, 200],
        ..meta(
            "EP-LIST-019",
            Must,
            "Unparseable numbers MUST answer 400 (limit=abc, timeoutSeconds=abc: `strconv.ParseInt: parsing \"abc\": invalid syntax`; resourceVersion=abc from 1.33: `invalid resource version: ...`); limit=-1 MUST be treated as no limit.",
            "kube-apiserver behaviour §3.1 400 unparseable query; recorded disagreements §13",
        )
    },
    list_invalid_parameters
);
async fn list_invalid_parameters(ctx: Ctx) -> Verdict {
    let parse = bad_request("strconv.ParseInt: parsing \"abc\": invalid syntax");
    let resp = send(
        &ctx,
        Request::get(ctx.collection_path()).query("limit", "abc"),
    )
    .await?;
    expect_body(&ctx, &resp, 400, &parse)?;
    let resp = send(
        &ctx,
        Request::get(ctx.collection_path()).query("timeoutSeconds", "abc"),
    )
    .await?;
    expect_body(&ctx, &resp, 400, &parse)?;
    let objs = seed_scoped(&ctx, 2).await?;
    let l = list(
        &ctx,
        Request::get(ctx.collection_path())
            .query("labelSelector", ctx.scope_selector())
            .query("limit", "-1"),
    )
    .await?;
    expect_eq(
        &ctx,
        "items with limit=-1",
        sorted(names_of(&objs)),
        sorted(item_names(&l)),
    )?;
    expect_eq(
        &ctx,
        "metadata.continue with limit=-1",
        None,
        l.pointer("/metadata/continue").cloned(),
    )?;
    let resp = send(
        &ctx,
        Request::get(ctx.collection_path()).query("resourceVersion", "abc"),
    )
    .await?;
    if ctx.version.at_least(33) {
        expect_body(
            &ctx,
            &resp,
            400,
            &bad_request(
                "invalid resource version: resourceVersion: Invalid value: \"abc\": strconv.ParseUint: parsing \"abc\": invalid syntax",
            ),
        )
    } else {
        expect_body(
            &ctx,
            &resp,
            500,
            &status_failure(
                500,
                "",
                "resourceVersion: Invalid value: \"abc\": strconv.ParseUint: parsing \"abc\": invalid syntax",
                None,
            ),
        )
    }
}

pub(crate) const EP_LIST_021: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &[
            "timeoutSeconds",
            "allowWatchBookmarks",
            "watch",
            "shardSelector"
        ],
        statuses: &[200],
        ..meta(
            "EP-LIST-021",
            Should,
            "A LIST MUST accept timeoutSeconds, ignore allowWatchBookmarks (a watch-only option), treat watch=false as a plain list, and accept an empty shardSelector as no selector.",
            "OpenAPI listCoreV1NamespacedEndpoints parameters (allowWatchBookmarks: ignored if not a watch)",
        )
    },
    list_ignored_options
);
async fn list_ignored_options(ctx: Ctx) -> Verdict {
    let objs = seed_scoped(&ctx, 2).await?;
    let want = sorted(names_of(&objs));
    for (k, v) in [
        ("timeoutSeconds", "5"),
        ("allowWatchBookmarks", "true"),
        ("watch", "false"),
        ("shardSelector", ""),
    ] {
        let l = list(
            &ctx,
            Request::get(ctx.collection_path())
                .query("labelSelector", ctx.scope_selector())
                .query(k, v),
        )
        .await?;
        expect_eq(
            &ctx,
            &format!("kind with {k}={v}"),
            Some("EndpointsList"),
            l["kind"].as_str(),
        )?;
        expect_eq(
            &ctx,
            &format!("items with {k}={v}"),
            want.clone(),
            sorted(item_names(&l)),
        )?;
    }
    Ok(())
}

pub(crate) const EP_LIST_022: Check = check!(
    CheckMeta {
        operations: &[op::LIST_ALL],
        params: &[
            "fieldSelector",
            "resourceVersion",
            "resourceVersionMatch",
            "timeoutSeconds",
            "allowWatchBookmarks",
            "sendInitialEvents",
            "shardSelector",
            "pretty",
            "watch",
        ],
        statuses: &[200, 422],
        ..meta(
            "EP-LIST-022",
            Must,
            "The all-namespaces LIST MUST honour the list options as the namespaced one does: fieldSelector metadata.namespace, resourceVersion/resourceVersionMatch, timeoutSeconds, pretty; sendInitialEvents is refused with 422.",
            "OpenAPI listCoreV1EndpointsForAllNamespaces; kube-apiserver behaviour §4",
        )
    },
    list_all_namespaces_options
);
async fn list_all_namespaces_options(ctx: Ctx) -> Verdict {
    let objs = seed_scoped(&ctx, 2).await?;
    let want = sorted(names_of(&objs));
    let sel = ctx.scope_selector();
    let base = || Request::get("/api/v1/endpoints").query("labelSelector", &sel);
    let rv = rv_of(&objs[1]);
    let cases = [
        base().query(
            "fieldSelector",
            format!("metadata.namespace={}", ctx.namespace),
        ),
        base().query("resourceVersion", "0"),
        base()
            .query("resourceVersion", &rv)
            .query("resourceVersionMatch", "NotOlderThan"),
        base().query("timeoutSeconds", "5"),
        base().query("allowWatchBookmarks", "true"),
        base().query("watch", "false"),
        base().query("shardSelector", ""),
    ];
    for req in cases {
        let l = list(&ctx, req).await?;
        expect_eq(&ctx, "items", want.clone(), sorted(item_names(&l)))?;
    }
    let resp = send(&ctx, base().query("pretty", "true")).await?;
    expect_status(&ctx, &resp, 200)?;
    ensure(
        &ctx,
        resp.text().starts_with("{\n  \"kind\": \"EndpointsList\""),
        "indented JSON with pretty=true",
        || short(&resp.text(), 80),
    )?;
    let resp = send(&ctx, base().query("sendInitialEvents", "true")).await?;
    expect_body(
        &ctx,
        &resp,
        422,
        &invalid_options(
            "ListOptions",
            "sendInitialEvents",
            "FieldValueForbidden",
            "Forbidden: sendInitialEvents is forbidden for list",
        ),
    )
}

pub(crate) const EP_LIST_023: Check = check!(
    CheckMeta {
        operations: &[op::LIST_ALL],
        params: &["shardSelector"],
        statuses: &[200],
        features: &["shard-selector"],
        ..meta(
            "EP-LIST-023",
            May,
            "An empty shardSelector MAY be sent by clients and MUST then select everything (the 1.36 OpenAPI declares the parameter).",
            "OpenAPI listCoreV1EndpointsForAllNamespaces (shardSelector)",
        )
    },
    list_empty_shard_selector
);
async fn list_empty_shard_selector(ctx: Ctx) -> Verdict {
    let objs = seed_scoped(&ctx, 1).await?;
    let l = list(
        &ctx,
        Request::get("/api/v1/endpoints")
            .query("labelSelector", ctx.scope_selector())
            .query("shardSelector", ""),
    )
    .await?;
    expect_eq(&ctx, "items", names_of(&objs), item_names(&l))
}
