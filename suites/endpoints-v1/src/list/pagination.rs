//! limit and continue: paging to the end, snapshots, across namespaces, expired and invalid continue tokens.

use super::*;

/// Follows continue tokens; returns the pages.
async fn walk(
    ctx: &Ctx,
    path: &str,
    extra: &[(&str, String)],
    limit: usize,
) -> Result<Vec<Value>, Outcome> {
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..100 {
        let mut req = Request::get(path).query("limit", limit.to_string());
        for (k, v) in extra {
            req = req.query(*k, v.clone());
        }
        if let Some(t) = &token {
            req = req.query("continue", t.clone());
        }
        let page = list(ctx, req).await?;
        token = Some(continue_of(&page)).filter(|t| !t.is_empty());
        pages.push(page);
        if token.is_none() {
            return Ok(pages);
        }
    }
    Err(fail(
        ctx,
        "the list to end within 100 pages",
        "continue tokens kept coming",
    ))
}

/// The first page (`limit=1`) of the check's own objects and its continue token, failing when the
/// page has no token (the check seeded more than one object).
async fn first_page(ctx: &Ctx) -> Result<(Value, String), Outcome> {
    let first = list(
        ctx,
        Request::get(ctx.collection_path())
            .query("labelSelector", ctx.scope_selector())
            .query("limit", "1"),
    )
    .await?;
    let token = continue_of(&first);
    ensure(
        ctx,
        !token.is_empty(),
        "metadata.continue on the first page of several objects with limit=1",
        || compact(&first["metadata"]),
    )?;
    Ok((first, token))
}

pub(crate) const EP_LIST_004: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["limit", "continue"],
        statuses: &[200],
        ..meta(
            "EP-LIST-004",
            Must,
            "LIST with limit MUST page through every object exactly once by following metadata.continue to the end, with remainingItemCount counting what is left (no selector) and no continue on the last page.",
            "kube-apiserver behaviour §4.3 limit / continue",
        )
    },
    list_pages_to_the_end
);
async fn list_pages_to_the_end(ctx: Ctx) -> Verdict {
    let objs = seed_scoped(&ctx, 3).await?;
    // Without a selector so that remainingItemCount is reported; the namespace is the check's own
    // unless the user shared one, in which case other objects only make the counts larger.
    let pages = walk(&ctx, &ctx.collection_path(), &[], 1).await?;
    let mut seen = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let names = item_names(page);
        let last = i + 1 == pages.len();
        ensure(
            &ctx,
            names.len() <= 1,
            "at most `limit` items per page",
            || format!("{} items", names.len()),
        )?;
        let remaining = page
            .pointer("/metadata/remainingItemCount")
            .and_then(Value::as_i64);
        let left = pages.len() - i - 1;
        if last {
            expect_eq(&ctx, "remainingItemCount on the last page", None, remaining)?;
        } else {
            expect_eq(
                &ctx,
                format!("remainingItemCount on page {}", i + 1).as_str(),
                Some(left as i64),
                remaining,
            )?;
        }
        seen.extend(names);
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    expect_eq(
        &ctx,
        "number of distinct items (no repeats)",
        seen.len(),
        unique.len(),
    )?;
    let want = names_of(&objs);
    ensure(
        &ctx,
        want.iter().all(|n| seen.contains(n)),
        format!("every object seen: {want:?}"),
        || format!("seen {seen:?}"),
    )
}

pub(crate) const EP_LIST_005: Check = check!(
    CheckMeta {
        operations: &[op::LIST, op::CREATE, op::PATCH],
        params: &["limit", "continue"],
        statuses: &[200],
        ..meta(
            "EP-LIST-005",
            Must,
            "Pages of a paginated LIST MUST form a consistent snapshot: objects created or modified after the first page MUST NOT appear (or appear changed) in later pages, and every page carries the first page's resourceVersion.",
            "OpenAPI list `limit` parameter (consistent snapshot); kube-apiserver behaviour §4.3",
        )
    },
    list_pages_are_a_snapshot
);
async fn list_pages_are_a_snapshot(ctx: Ctx) -> Verdict {
    let objs = seed_scoped(&ctx, 3).await?;
    let selector = ctx.scope_selector();
    let (first, token) = first_page(&ctx).await?;
    let first_names = item_names(&first);
    // Change the world between pages: a new object and a label change on one not yet returned.
    let (k, v) = ctx.scope_label();
    let late = ctx.name("zz");
    create(&ctx, &endpoints_labelled(&late, &[(k, &v)])).await?;
    let untouched: Vec<String> = names_of(&objs)
        .into_iter()
        .filter(|n| !first_names.contains(n))
        .collect();
    if let Some(victim) = untouched.first() {
        let resp = merge_patch(
            &ctx,
            victim,
            &json!({"metadata": {"annotations": {"changed": "yes"}}}),
        )
        .await?;
        expect_status(&ctx, &resp, 200)?;
    }
    let rv = first.pointer("/metadata/resourceVersion").cloned();
    let mut seen = first_names;
    let mut token = Some(token);
    while let Some(t) = token.take() {
        let page = list(
            &ctx,
            Request::get(ctx.collection_path())
                .query("labelSelector", &selector)
                .query("limit", "1")
                .query("continue", t),
        )
        .await?;
        expect_eq(
            &ctx,
            "metadata.resourceVersion of a later page",
            rv.clone(),
            page.pointer("/metadata/resourceVersion").cloned(),
        )?;
        for item in page["items"].as_array().into_iter().flatten() {
            ensure(
                &ctx,
                item.pointer("/metadata/annotations/changed").is_none(),
                "objects as they were when the first page was served",
                || {
                    format!(
                        "a later page shows a change made afterwards: {}",
                        compact(&item["metadata"])
                    )
                },
            )?;
        }
        seen.extend(item_names(&page));
        token = Some(continue_of(&page)).filter(|t| !t.is_empty());
        if seen.len() > 10 {
            break;
        }
    }
    expect_eq(
        &ctx,
        "objects across the pages",
        sorted(names_of(&objs)),
        sorted(seen),
    )
}

pub(crate) const EP_LIST_006: Check = check!(
    CheckMeta {
        operations: &[op::LIST_ALL],
        params: &["limit", "continue", "labelSelector"],
        statuses: &[200],
        ..meta(
            "EP-LIST-006",
            Must,
            "An all-namespaces LIST with a labelSelector and limit MUST page across namespaces without remainingItemCount (it is only set without selectors).",
            "kube-apiserver behaviour §4.3 (remainingItemCount)",
        )
    },
    list_all_namespaces_pages
);
async fn list_all_namespaces_pages(ctx: Ctx) -> Verdict {
    let other = ctx.extra_namespace().await.map_err(Outcome::error)?;
    let (k, v) = ctx.scope_label();
    let mut want = Vec::new();
    for ns in [ctx.namespace.clone(), other] {
        let name = ctx.name("ep");
        let resp = send(
            &ctx,
            Request::post(format!("/api/v1/namespaces/{ns}/endpoints"))
                .json(&endpoints_labelled(&name, &[(k, &v)])),
        )
        .await?;
        expect_status(&ctx, &resp, 201)?;
        want.push(format!("{ns}/{name}"));
    }
    let pages = walk(
        &ctx,
        "/api/v1/endpoints",
        &[("labelSelector", ctx.scope_selector())],
        1,
    )
    .await?;
    let mut seen = Vec::new();
    for page in &pages {
        expect_eq(
            &ctx,
            "remainingItemCount with a selector",
            None,
            page.pointer("/metadata/remainingItemCount").cloned(),
        )?;
        for i in page["items"].as_array().into_iter().flatten() {
            seen.push(format!(
                "{}/{}",
                i.pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
                i.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            ));
        }
    }
    expect_eq(&ctx, "items across pages", sorted(want), sorted(seen))
}

fn decode_token(t: &str) -> Option<Value> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t.trim_end_matches('='))
        .or_else(|_| base64::engine::general_purpose::STANDARD.decode(t))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub(crate) const EP_LIST_015: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["continue", "limit"],
        statuses: &[410, 200],
        features: &["compaction"],
        ..meta(
            "EP-LIST-015",
            Must,
            "A continue token whose resourceVersion is compacted MUST answer 410 Expired with metadata.continue holding a new token with rv -1; that token MUST continue the list from the same key.",
            "kube-apiserver behaviour §3.1 410 continue too old; §3.2",
        )
    },
    list_expired_continue
);
async fn list_expired_continue(ctx: Ctx) -> Verdict {
    let objs = seed_scoped(&ctx, 3).await?;
    let mut names = names_of(&objs);
    names.sort();
    let start = format!("{}\u{0}", names[0]);
    let crafted = continue_token(&json!({"v": "meta.k8s.io/v1", "rv": 1, "start": start}));
    let req = || {
        Request::get(ctx.collection_path())
            .query("limit", "1")
            .query("continue", crafted.clone())
    };
    let mut resp = send(&ctx, req()).await?;
    if resp.status == 200 {
        if !trigger_compaction(&ctx).await? {
            return Err(compaction_unsupported());
        }
        resp = send(&ctx, req()).await?;
    }
    expect_status(&ctx, &resp, 410)?;
    let got = json_of(&ctx, &resp)?;
    let fresh = continue_of(&got);
    let mut want = status_failure(
        410,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
        None,
    );
    want["metadata"] = json!({"continue": fresh});
    expect_json_eq(&ctx, "response body", &want, &got)?;
    let decoded = decode_token(&fresh);
    expect_eq(
        &ctx,
        "decoded metadata.continue",
        Some(json!({"v": "meta.k8s.io/v1", "rv": -1, "start": start})),
        decoded,
    )?;
    let page = list(
        &ctx,
        Request::get(ctx.collection_path())
            .query("limit", "1")
            .query("continue", fresh),
    )
    .await?;
    let after: Vec<String> = item_names(&page);
    ensure(
        &ctx,
        after.len() == 1 && after[0].as_str() > names[0].as_str(),
        format!("one item after {}", names[0]),
        || format!("items {after:?}"),
    )
}

pub(crate) const EP_LIST_016: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["continue"],
        statuses: &[400],
        ..meta(
            "EP-LIST-016",
            Must,
            "An invalid continue token MUST answer 400 `invalid continue token: continue key is not valid: ...` (not base64 JSON, rv 0, unknown version, empty start).",
            "kube-apiserver behaviour §4.3 decode errors",
        )
    },
    list_continue_invalid
);
async fn list_continue_invalid(ctx: Ctx) -> Verdict {
    let prefix = "invalid continue token: continue key is not valid: ";
    let cases = [
        (
            "not-a-token".to_owned(),
            format!("{prefix}invalid character '\\u009e' looking for beginning of value"),
        ),
        (
            continue_token(&json!({"v": "meta.k8s.io/v1", "rv": 0, "start": "ep-1\u{0}"})),
            format!("{prefix}incorrect encoded start resourceVersion (version meta.k8s.io/v1)"),
        ),
        (
            continue_token(&json!({"v": "v9", "rv": 1, "start": "ep-1\u{0}"})),
            format!("{prefix}server does not recognize this encoded version v9"),
        ),
        (
            continue_token(&json!({"v": "meta.k8s.io/v1", "rv": 1, "start": ""})),
            format!("{prefix}encoded start key empty (version meta.k8s.io/v1)"),
        ),
    ];
    for (token, msg) in cases {
        let resp = send(
            &ctx,
            Request::get(ctx.collection_path())
                .query("limit", "1")
                .query("continue", token),
        )
        .await?;
        expect_body(&ctx, &resp, 400, &bad_request(&msg))?;
    }
    Ok(())
}

pub(crate) const EP_LIST_017: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["continue", "resourceVersion"],
        statuses: &[400],
        ..meta(
            "EP-LIST-017",
            Must,
            "continue with a resourceVersion other than \"\" or \"0\" MUST answer 400 `specifying resource version is not allowed when using continue`.",
            "kube-apiserver behaviour §4.3",
        )
    },
    list_continue_with_rv
);
async fn list_continue_with_rv(ctx: Ctx) -> Verdict {
    let objs = seed_scoped(&ctx, 2).await?;
    let sel = ctx.scope_selector();
    let (_, token) = first_page(&ctx).await?;
    let resp = send(
        &ctx,
        Request::get(ctx.collection_path())
            .query("labelSelector", &sel)
            .query("limit", "1")
            .query("continue", &token)
            .query("resourceVersion", rv_of(&objs[1])),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request("specifying resource version is not allowed when using continue"),
    )
}

pub(crate) const EP_LIST_024: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["continue", "resourceVersion"],
        statuses: &[200],
        ..meta(
            "EP-LIST-024",
            Must,
            "continue with resourceVersion \"0\" MUST serve the next page as without it.",
            "kube-apiserver behaviour §4.3",
        )
    },
    list_continue_with_rv0
);
async fn list_continue_with_rv0(ctx: Ctx) -> Verdict {
    let objs = seed_scoped(&ctx, 2).await?;
    let sel = ctx.scope_selector();
    let (first, token) = first_page(&ctx).await?;
    let page = list(
        &ctx,
        Request::get(ctx.collection_path())
            .query("labelSelector", &sel)
            .query("limit", "1")
            .query("continue", &token)
            .query("resourceVersion", "0"),
    )
    .await?;
    let mut seen = item_names(&first);
    seen.extend(item_names(&page));
    expect_eq(
        &ctx,
        "items of the two pages",
        sorted(names_of(&objs)),
        sorted(seen),
    )
}
