//! resourceVersion and resourceVersionMatch on a LIST: semantics, validation, compacted and future versions.

use super::*;

pub(crate) const EP_LIST_011: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["resourceVersion", "limit"],
        statuses: &[200],
        ..meta(
            "EP-LIST-011",
            Should,
            "LIST with resourceVersion=0 SHOULD ignore limit and return the whole list without continue (served from the cache).",
            "kube-apiserver behaviour §4.2 (\"0\": limit is ignored)",
        )
    },
    list_rv0_ignores_limit
);
async fn list_rv0_ignores_limit(ctx: Ctx) -> Verdict {
    let objs = seed_scoped(&ctx, 3).await?;
    let l = list(
        &ctx,
        Request::get(ctx.collection_path())
            .query("labelSelector", ctx.scope_selector())
            .query("resourceVersion", "0")
            .query("limit", "1"),
    )
    .await?;
    expect_eq(
        &ctx,
        "items",
        sorted(names_of(&objs)),
        sorted(item_names(&l)),
    )?;
    expect_eq(
        &ctx,
        "metadata.continue",
        None,
        l.pointer("/metadata/continue").cloned(),
    )
}

pub(crate) const EP_LIST_012: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["resourceVersionMatch", "resourceVersion", "continue"],
        statuses: &[422],
        ..meta(
            "EP-LIST-012",
            Must,
            "resourceVersionMatch MUST be validated (422 ListOptions): not without resourceVersion, only Exact or NotOlderThan, not Exact with 0, not with continue.",
            "kube-apiserver behaviour §4.1 Options validation",
        )
    },
    list_rv_match_invalid
);
async fn list_rv_match_invalid(ctx: Ctx) -> Verdict {
    let objs = seed_scoped(&ctx, 1).await?;
    let rv = rv_of(&objs[0]);
    let path = ctx.collection_path();
    let unless = (
        "resourceVersionMatch",
        "FieldValueForbidden",
        "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
    );
    let resp = send(
        &ctx,
        Request::get(&path).query("resourceVersionMatch", "NotOlderThan"),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        422,
        &invalid_options_many("ListOptions", &[unless]),
    )?;
    let resp = send(
        &ctx,
        Request::get(&path)
            .query("resourceVersion", &rv)
            .query("resourceVersionMatch", "bogus"),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        422,
        &invalid_options_many(
            "ListOptions",
            &[(
                "resourceVersionMatch",
                "FieldValueNotSupported",
                "Unsupported value: \"bogus\": supported values: \"Exact\", \"NotOlderThan\", \"\"",
            )],
        ),
    )?;
    let resp = send(
        &ctx,
        Request::get(&path)
            .query("resourceVersion", "0")
            .query("resourceVersionMatch", "Exact"),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        422,
        &invalid_options_many(
            "ListOptions",
            &[(
                "resourceVersionMatch",
                "FieldValueForbidden",
                "Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
            )],
        ),
    )?;
    let token = continue_token(&json!({"v": "meta.k8s.io/v1", "rv": 1, "start": "ep-1\u{0}"}));
    let resp = send(
        &ctx,
        Request::get(&path)
            .query("resourceVersionMatch", "NotOlderThan")
            .query("continue", token),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        422,
        &invalid_options_many(
            "ListOptions",
            &[
                unless,
                (
                    "resourceVersionMatch",
                    "FieldValueForbidden",
                    "Forbidden: resourceVersionMatch is forbidden when continue is provided",
                ),
            ],
        ),
    )
}

pub(crate) const EP_LIST_013: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["resourceVersion", "resourceVersionMatch", "limit"],
        statuses: &[200],
        ..meta(
            "EP-LIST-013",
            Must,
            "LIST at resourceVersion N MUST honour resourceVersionMatch: NotOlderThan gives a state at least as new as N, Exact gives the state at N (an older N shows the older state), and the legacy resourceVersion=N with limit is an exact read.",
            "kube-apiserver behaviour §4.2 resourceVersion semantics",
        )
    },
    list_rv_match_semantics
);
async fn list_rv_match_semantics(ctx: Ctx) -> Verdict {
    let first = seed_scoped(&ctx, 1).await?;
    let second = seed_scoped(&ctx, 1).await?;
    let (rv1, rv2) = (rv_of(&first[0]), rv_of(&second[0]));
    let both = sorted(names_of(&[first[0].clone(), second[0].clone()]));
    let only_first = names_of(&first);
    let sel = ctx.scope_selector();
    let q = |rv: &str, m: Option<&str>, limit: Option<&str>| {
        let mut r = Request::get(ctx.collection_path())
            .query("labelSelector", &sel)
            .query("resourceVersion", rv);
        if let Some(m) = m {
            r = r.query("resourceVersionMatch", m);
        }
        if let Some(l) = limit {
            r = r.query("limit", l);
        }
        r
    };
    let cases = [
        (
            "NotOlderThan at the newest write",
            q(&rv2, Some("NotOlderThan"), None),
            both.clone(),
        ),
        (
            "Exact at the newest write",
            q(&rv2, Some("Exact"), None),
            both.clone(),
        ),
        (
            "Exact at the first write",
            q(&rv1, Some("Exact"), None),
            only_first.clone(),
        ),
        (
            "legacy resourceVersion (not older than)",
            q(&rv1, None, None),
            both.clone(),
        ),
        (
            "legacy resourceVersion with limit (exact)",
            q(&rv1, None, Some("5")),
            only_first.clone(),
        ),
    ];
    for (what, req, want) in cases {
        let l = list(&ctx, req).await?;
        expect_eq(&ctx, what, want, sorted(item_names(&l)))?;
    }
    Ok(())
}

pub(crate) const EP_LIST_014: Check = check!(
    CheckMeta {
        operations: &[op::LIST, op::LIST_ALL],
        params: &["resourceVersion", "resourceVersionMatch", "limit"],
        statuses: &[410],
        features: &["compaction"],
        ..meta(
            "EP-LIST-014",
            Must,
            "A LIST at a compacted resourceVersion (resourceVersion=1 with resourceVersionMatch=Exact, or with limit) MUST answer 410 Expired `The resourceVersion for the provided list is too old.`",
            "kube-apiserver behaviour §3.1 410 Expired; §4.2 deterministic 410 recipe",
        )
    },
    list_expired_resource_version
);
async fn list_expired_resource_version(ctx: Ctx) -> Verdict {
    seed_scoped(&ctx, 1).await?;
    let want = status_failure(
        410,
        "Expired",
        "The resourceVersion for the provided list is too old.",
        None,
    );
    let exact = |path: &str| {
        Request::get(path)
            .query("resourceVersion", "1")
            .query("resourceVersionMatch", "Exact")
    };
    let resp = send(&ctx, exact(&ctx.collection_path())).await?;
    if resp.status == 200 && !trigger_compaction(&ctx).await? {
        return Err(compaction_unsupported());
    }
    for req in [
        exact(&ctx.collection_path()),
        Request::get(ctx.collection_path())
            .query("resourceVersion", "1")
            .query("limit", "1"),
        exact("/api/v1/endpoints"),
    ] {
        let resp = send(&ctx, req).await?;
        expect_body(&ctx, &resp, 410, &want)?;
    }
    Ok(())
}

pub(crate) const EP_LIST_020: Check = check!(
    CheckMeta {
        operations: &[op::LIST, op::READ],
        params: &["resourceVersion", "resourceVersionMatch"],
        statuses: &[504, 500],
        ..meta(
            "EP-LIST-020",
            Should,
            "A LIST or GET at a resourceVersion far in the future SHOULD answer 504 Timeout `Timeout: Too large resource version: <rv>, current: <cur>` with cause ResourceVersionTooLarge and Retry-After: 1 (an Exact list up to 1.33: 500 `etcdserver: mvcc: required revision is a future revision`).",
            "kube-apiserver behaviour §3.1 504",
        )
    },
    list_future_resource_version
);
async fn list_future_resource_version(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let future = "999999999";
    // kube-apiserver waits up to 3 s for its cache before answering 504: ask all three at once.
    let requests = [
        Request::get(ctx.collection_path()).query("resourceVersion", future),
        Request::get(ctx.collection_path())
            .query("resourceVersion", future)
            .query("resourceVersionMatch", "Exact"),
        Request::get(ctx.object_path(&name)).query("resourceVersion", future),
    ];
    let answers = futures::future::join_all(
        requests
            .into_iter()
            .map(|req| send(&ctx, req.timeout(std::time::Duration::from_secs(10)))),
    )
    .await;
    for (i, resp) in answers.into_iter().enumerate() {
        let resp = resp?;
        if i == 1 && !ctx.version.at_least(34) {
            // Up to 1.33 an Exact list goes to etcd, whose error comes through as a 500.
            expect_body(
                &ctx,
                &resp,
                500,
                &status_failure(
                    500,
                    "",
                    "etcdserver: mvcc: required revision is a future revision",
                    None,
                ),
            )?;
            continue;
        }
        expect_status(&ctx, &resp, 504)?;
        let got = json_of(&ctx, &resp)?;
        let msg = got["message"].as_str().unwrap_or_default().to_owned();
        let prefix = format!("Timeout: Too large resource version: {future}, current: ");
        ensure(
            &ctx,
            msg.strip_prefix(&prefix)
                .is_some_and(|c| c.parse::<u64>().is_ok()),
            format!("message {prefix}<current>"),
            || format!("message {msg}"),
        )?;
        expect_eq(&ctx, "reason", Some("Timeout"), got["reason"].as_str())?;
        expect_json_eq(
            &ctx,
            "details",
            &json!({"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}], "retryAfterSeconds": 1}),
            &got["details"],
        )?;
        expect_eq(&ctx, "Retry-After", Some("1"), resp.header("retry-after"))?;
    }
    Ok(())
}
