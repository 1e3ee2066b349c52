//! Watch option validation, and limit and continue on a watch.

use super::*;

pub(crate) const EP_WATCH_019: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "sendInitialEvents", "resourceVersionMatch"],
        statuses: &[422, 200],
        ..meta(
            "EP-WATCH-019",
            Must,
            "Watch options MUST be validated (422): sendInitialEvents without resourceVersionMatch=NotOlderThan, resourceVersionMatch without sendInitialEvents, resourceVersionMatch other than NotOlderThan; sendInitialEvents=false with NotOlderThan starts without initial events.",
            "kube-apiserver behaviour §6.3 Validation for watch",
        )
    },
    watch_options_invalid
);
async fn watch_options_invalid(ctx: Ctx) -> Verdict {
    let path = ctx.collection_path();
    let requires = (
        "resourceVersionMatch",
        "FieldValueForbidden",
        "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
    );
    let gate = (
        "sendInitialEvents",
        "FieldValueForbidden",
        "Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
    );
    let on = watch_list_on(&ctx);
    let resp = send(
        &ctx,
        watch_req(&path)
            .query("sendInitialEvents", "true")
            .query("timeoutSeconds", "2"),
    )
    .await?;
    let causes: Vec<(&str, &str, &str)> = if on {
        vec![requires]
    } else {
        vec![requires, gate]
    };
    expect_body(
        &ctx,
        &resp,
        422,
        &invalid_options_many("ListOptions", &causes),
    )?;
    let resp = send(
        &ctx,
        watch_req(&path)
            .query("resourceVersionMatch", "NotOlderThan")
            .query("resourceVersion", "0")
            .query("timeoutSeconds", "2"),
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
                "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
            )],
        ),
    )?;
    let resp = send(
        &ctx,
        watch_req(&path)
            .query("sendInitialEvents", "true")
            .query("resourceVersionMatch", "Exact")
            .query("resourceVersion", "0")
            .query("timeoutSeconds", "2"),
    )
    .await?;
    let exact = (
        "resourceVersionMatch",
        "FieldValueNotSupported",
        "Unsupported value: \"Exact\": supported values: \"NotOlderThan\"",
    );
    let causes: Vec<(&str, &str, &str)> = if on {
        vec![requires, exact]
    } else {
        vec![requires, gate, exact]
    };
    expect_body(
        &ctx,
        &resp,
        422,
        &invalid_options_many("ListOptions", &causes),
    )?;
    let quiet = watch_req(&path)
        .query("labelSelector", ctx.scope_selector())
        .query("sendInitialEvents", "false")
        .query("resourceVersionMatch", "NotOlderThan")
        .query("timeoutSeconds", "1");
    if on {
        create_scoped(&ctx, &ctx.name("ep")).await?;
        let mut reader = open_watch(&ctx, quiet, limits(5)).await?;
        let d = reader.drain().await;
        if !d.events.is_empty() {
            return Err(watch_fail(
                &ctx,
                &reader,
                "no initial events with sendInitialEvents=false",
                describe_events(&d.events),
            ));
        }
    } else {
        let resp = send(&ctx, quiet).await?;
        expect_body(
            &ctx,
            &resp,
            422,
            &invalid_options_many("ListOptions", &[gate]),
        )?;
    }
    Ok(())
}

pub(crate) const EP_WATCH_021: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "limit", "continue"],
        statuses: &[200, 422],
        ..meta(
            "EP-WATCH-021",
            Should,
            "limit MUST be ignored on a watch; continue on a watch is refused with 422 `resourceVersionMatch is forbidden when continue is provided` where the WatchList gate is on (1.32, 1.34+) and ignored elsewhere.",
            "kube-apiserver behaviour §6.5 (limit/continue not meaningful); recorded disagreements §6",
        )
    },
    watch_limit_continue
);
async fn watch_limit_continue(ctx: Ctx) -> Verdict {
    let first = create_scoped(&ctx, &ctx.name("ep")).await?;
    let second = ctx.name("ep");
    let mut reader = open_watch(
        &ctx,
        scoped_watch(&ctx)
            .query("limit", "1")
            .query("resourceVersion", rv_of(&first))
            .query("timeoutSeconds", "2"),
        limits(6),
    )
    .await?;
    create_scoped(&ctx, &second).await?;
    let third = ctx.name("ep");
    create_scoped(&ctx, &third).await?;
    let events = next_events(&ctx, &mut reader, 2).await?;
    let names: Vec<Option<&str>> = events.iter().map(|e| e.name()).collect();
    if names != [Some(second.as_str()), Some(third.as_str())] {
        return Err(watch_fail(
            &ctx,
            &reader,
            format!("ADDED {second}, ADDED {third} (limit ignored)"),
            describe_events(&events),
        ));
    }
    expect_watch_continue_answer(&ctx, &ctx.collection_path()).await
}
