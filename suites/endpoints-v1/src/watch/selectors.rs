//! Label and field selectors on a watch: filtering, objects moving in and out of the selection, invalid selectors.

use super::*;

pub(crate) const EP_WATCH_009: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "fieldSelector"],
        statuses: &[200],
        ..meta(
            "EP-WATCH-009",
            Must,
            "A watch with fieldSelector metadata.name=X MUST deliver only X's events.",
            "kube-apiserver behaviour §6.1 (watch by name through the list URL)",
        )
    },
    watch_field_selector_name
);
async fn watch_field_selector_name(ctx: Ctx) -> Verdict {
    let (a, b) = (ctx.name("ep"), ctx.name("ep"));
    create_scoped(&ctx, &a).await?;
    let created_b = create_scoped(&ctx, &b).await?;
    let mut reader = open_watch(
        &ctx,
        watch_req(&ctx.collection_path())
            .query("fieldSelector", format!("metadata.name={a}"))
            .query("resourceVersion", rv_of(&created_b))
            .query("timeoutSeconds", "10"),
        limits(10),
    )
    .await?;
    let resp = merge_patch(&ctx, &b, &json!({"metadata": {"labels": {"x": "1"}}})).await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = merge_patch(&ctx, &a, &json!({"metadata": {"labels": {"x": "1"}}})).await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = send(&ctx, Request::delete(ctx.object_path(&a))).await?;
    expect_status(&ctx, &resp, 200)?;
    let events = next_events(&ctx, &mut reader, 2).await?;
    let got: Vec<(&str, Option<&str>)> =
        events.iter().map(|e| (e.kind.as_str(), e.name())).collect();
    if got
        != [
            ("MODIFIED", Some(a.as_str())),
            ("DELETED", Some(a.as_str())),
        ]
    {
        return Err(watch_fail(
            &ctx,
            &reader,
            format!("MODIFIED {a}, DELETED {a}"),
            describe_events(&events),
        ));
    }
    Ok(())
}

pub(crate) const EP_WATCH_011: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "labelSelector"],
        statuses: &[200],
        ..meta(
            "EP-WATCH-011",
            Must,
            "With a labelSelector, an object that stops matching MUST be delivered as DELETED and one that starts matching as ADDED; changes while matching are MODIFIED.",
            "kube-apiserver behaviour §6.2 (selector transitions)",
        )
    },
    watch_selector_transitions
);
async fn watch_selector_transitions(ctx: Ctx) -> Verdict {
    let (k, v) = ctx.scope_label();
    let app = format!("a-{v}");
    let (e1, e2) = (ctx.name("ep"), ctx.name("ep"));
    let start = send(&ctx, Request::get(ctx.collection_path())).await?;
    let rv0 = rv_of(&json_of(&ctx, &start)?);
    let mut reader = open_watch(
        &ctx,
        watch_req(&ctx.collection_path())
            .query("labelSelector", format!("app={app}"))
            .query("resourceVersion", rv0)
            .query("timeoutSeconds", "10"),
        limits(10),
    )
    .await?;
    create(&ctx, &endpoints_labelled(&e1, &[("app", &app), (k, &v)])).await?;
    create(&ctx, &endpoints_labelled(&e2, &[("app", "other"), (k, &v)])).await?;
    for (name, label) in [(&e1, "other"), (&e2, app.as_str())] {
        let resp =
            merge_patch(&ctx, name, &json!({"metadata": {"labels": {"app": label}}})).await?;
        expect_status(&ctx, &resp, 200)?;
    }
    let resp = merge_patch(
        &ctx,
        &e2,
        &json!({"subsets": [{"addresses": [{"ip": "10.9.9.9"}]}]}),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let events = next_events(&ctx, &mut reader, 4).await?;
    let got: Vec<(&str, Option<&str>)> =
        events.iter().map(|e| (e.kind.as_str(), e.name())).collect();
    let want = [
        ("ADDED", Some(e1.as_str())),
        ("DELETED", Some(e1.as_str())),
        ("ADDED", Some(e2.as_str())),
        ("MODIFIED", Some(e2.as_str())),
    ];
    if got != want {
        return Err(watch_fail(
            &ctx,
            &reader,
            format!("{want:?}"),
            describe_events(&events),
        ));
    }
    check_increasing(&ctx, &reader, &events)
}

pub(crate) const EP_WATCH_012: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "labelSelector", "fieldSelector"],
        statuses: &[400],
        ..meta(
            "EP-WATCH-012",
            Must,
            "A watch with an invalid labelSelector or fieldSelector MUST answer 400 before any stream starts.",
            "kube-apiserver behaviour §6.5",
        )
    },
    watch_invalid_selector
);
async fn watch_invalid_selector(ctx: Ctx) -> Verdict {
    let resp = send(
        &ctx,
        watch_req(&ctx.collection_path())
            .query("labelSelector", "a b")
            .query("timeoutSeconds", "2"),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request(
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
        ),
    )?;
    let resp = send(
        &ctx,
        watch_req(&ctx.collection_path())
            .query("fieldSelector", "spec.foo=x")
            .query("timeoutSeconds", "2"),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request(
            "\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
        ),
    )
}
