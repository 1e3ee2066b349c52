//! labelSelector and fieldSelector on a LIST, and their errors.

use super::*;

async fn selector_names(ctx: &Ctx, selector: &str) -> Result<Vec<String>, Outcome> {
    let l = list(
        ctx,
        Request::get(ctx.collection_path()).query(
            "labelSelector",
            format!("{selector},{}", ctx.scope_selector()),
        ),
    )
    .await?;
    Ok(sorted(item_names(&l)))
}

pub(crate) const EP_LIST_007: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["labelSelector"],
        statuses: &[200],
        ..meta(
            "EP-LIST-007",
            Must,
            "labelSelector MUST support =, ==, !=, in, notin, existence, non-existence, gt (`>`) and several terms joined by commas.",
            "kube-apiserver behaviour §4.4 labelSelector",
        )
    },
    list_label_selectors
);
async fn list_label_selectors(ctx: Ctx) -> Verdict {
    let (k, v) = ctx.scope_label();
    let (e1, e2, e3) = (ctx.name("ep"), ctx.name("ep"), ctx.name("ep"));
    create(
        &ctx,
        &endpoints_labelled(&e1, &[("app", "a"), ("tier", "1"), (k, &v)]),
    )
    .await?;
    create(&ctx, &endpoints_labelled(&e2, &[("app", "b"), (k, &v)])).await?;
    create(&ctx, &endpoints_labelled(&e3, &[(k, &v)])).await?;
    let cases: [(&str, Vec<&String>); 9] = [
        ("app=a", vec![&e1]),
        ("app==a", vec![&e1]),
        ("app!=a", vec![&e2, &e3]),
        ("app in (a,b)", vec![&e1, &e2]),
        ("app notin (a)", vec![&e2, &e3]),
        ("app", vec![&e1, &e2]),
        ("!app", vec![&e3]),
        ("tier>0", vec![&e1]),
        ("app=a,tier=1", vec![&e1]),
    ];
    for (sel, want) in cases {
        let want: Vec<String> = sorted(want.into_iter().cloned().collect());
        expect_eq(
            &ctx,
            &format!("items for labelSelector {sel:?}"),
            want,
            selector_names(&ctx, sel).await?,
        )?;
    }
    Ok(())
}

pub(crate) const EP_LIST_008: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["labelSelector"],
        statuses: &[400],
        ..meta(
            "EP-LIST-008",
            Must,
            "An unparseable labelSelector MUST answer 400 BadRequest with the parser's message.",
            "kube-apiserver behaviour §3.1 400 Bad labelSelector",
        )
    },
    list_label_selector_invalid
);
async fn list_label_selector_invalid(ctx: Ctx) -> Verdict {
    let cases = [
        (
            "a b",
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
        ),
        (
            "app in (a",
            "unable to parse requirement: found '', expected: ',' or ')'",
        ),
        (
            "bad key!=x",
            "unable to parse requirement: found 'key', expected: in, notin, =, ==, !=, gt, lt",
        ),
        (
            "app=bad value!",
            "found 'value', expected: ',' or 'end of string'",
        ),
        (
            "tier>x",
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer",
        ),
    ];
    for (sel, msg) in cases {
        let resp = send(
            &ctx,
            Request::get(ctx.collection_path()).query("labelSelector", sel),
        )
        .await?;
        expect_body(&ctx, &resp, 400, &bad_request(msg))?;
    }
    Ok(())
}

async fn field_names(ctx: &Ctx, selector: &str) -> Result<Vec<String>, Outcome> {
    let l = list(
        ctx,
        Request::get(ctx.collection_path())
            .query("fieldSelector", selector)
            .query("labelSelector", ctx.scope_selector()),
    )
    .await?;
    Ok(sorted(item_names(&l)))
}

pub(crate) const EP_LIST_009: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["fieldSelector"],
        statuses: &[200],
        ..meta(
            "EP-LIST-009",
            Must,
            "fieldSelector MUST support metadata.name and metadata.namespace with =, == and !=, and several terms.",
            "kube-apiserver behaviour §4.4 fieldSelector",
        )
    },
    list_field_selectors
);
async fn list_field_selectors(ctx: Ctx) -> Verdict {
    let objs = seed_scoped(&ctx, 2).await?;
    let names = names_of(&objs);
    let (e1, e2) = (names[0].clone(), names[1].clone());
    let ns = ctx.namespace.clone();
    let cases = [
        (format!("metadata.name={e1}"), vec![e1.clone()]),
        (
            format!("metadata.namespace={ns}"),
            vec![e1.clone(), e2.clone()],
        ),
        (format!("metadata.name!={e1}"), vec![e2.clone()]),
        (format!("metadata.name=={e2}"), vec![e2.clone()]),
        (
            format!("metadata.name={e1},metadata.namespace={ns}"),
            vec![e1.clone()],
        ),
    ];
    for (sel, want) in cases {
        expect_eq(
            &ctx,
            &format!("items for fieldSelector {sel:?}"),
            sorted(want),
            field_names(&ctx, &sel).await?,
        )?;
    }
    Ok(())
}

pub(crate) const EP_LIST_010: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["fieldSelector"],
        statuses: &[400],
        ..meta(
            "EP-LIST-010",
            Must,
            "A fieldSelector on any other field MUST answer 400 `\"<field>\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"`; bad syntax 400 `invalid selector: ...`.",
            "kube-apiserver behaviour §3.1 400 fieldSelector",
        )
    },
    list_field_selector_invalid
);
async fn list_field_selector_invalid(ctx: Ctx) -> Verdict {
    let cases = [
        (
            "spec.foo=x",
            "\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
        ),
        (
            "subsets=x",
            "\"subsets\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
        ),
        ("foo", "invalid selector: 'foo'; can't understand 'foo'"),
        (
            "metadata.name",
            "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
        ),
    ];
    for (sel, msg) in cases {
        let resp = send(
            &ctx,
            Request::get(ctx.collection_path()).query("fieldSelector", sel),
        )
        .await?;
        expect_body(&ctx, &resp, 400, &bad_request(msg))?;
    }
    Ok(())
}
