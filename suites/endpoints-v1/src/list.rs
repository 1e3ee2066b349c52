//! LIST: items, pagination, resourceVersion semantics, selectors, options validation.

use base64::Engine as _;
use kconform_harness::client::Request;
use kconform_harness::model::Level::{May, Must, Should};
use kconform_harness::model::Outcome;
use kconform_harness::runner::{Check, Ctx};
use serde_json::{Value, json};

use crate::support::*;

pub(crate) fn checks() -> Vec<Check> {
    vec![
        check!(
            CheckMeta {
                operations: &[op::LIST],
                statuses: &[200],
                ..meta(
                    "EP-LIST-001",
                    Must,
                    "A LIST of a namespace MUST answer 200 with kind EndpointsList, apiVersion v1, metadata.resourceVersion set, and every object of the namespace as stored (items without kind and apiVersion).",
                    "kube-apiserver behaviour §4.2 (ListMeta.resourceVersion always set); OpenAPI listCoreV1NamespacedEndpoints",
                )
            },
            list_namespace
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST],
                statuses: &[200],
                ..meta(
                    "EP-LIST-002",
                    Must,
                    "A LIST of an empty namespace, and of a namespace that does not exist, MUST answer 200 with `\"items\":[]` (not null).",
                    "kube-apiserver behaviour §4.4 (empty lists; no namespace existence check on reads)",
                )
            },
            list_empty
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST_ALL],
                params: &["labelSelector"],
                statuses: &[200],
                ..meta(
                    "EP-LIST-003",
                    Must,
                    "A LIST of /api/v1/endpoints MUST return matching objects from every namespace, each with its metadata.namespace.",
                    "OpenAPI listCoreV1EndpointsForAllNamespaces; kube-apiserver behaviour §4.3",
                )
            },
            list_all_namespaces
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
            CheckMeta {
                operations: &[op::LIST],
                params: &["continue", "resourceVersion"],
                statuses: &[400, 200],
                ..meta(
                    "EP-LIST-017",
                    Must,
                    "continue with a resourceVersion other than \"\" or \"0\" MUST answer 400 `specifying resource version is not allowed when using continue`; with \"0\" the page MUST be served.",
                    "kube-apiserver behaviour §4.3",
                )
            },
            list_continue_with_rv
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
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
        ),
        check!(
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
        ),
    ]
}

async fn list(ctx: &Ctx, req: Request) -> Result<Value, Outcome> {
    let resp = send(ctx, req).await?;
    expect_status(ctx, &resp, 200)?;
    json_of(ctx, &resp)
}

fn as_item(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.as_object_mut() {
        m.remove("kind");
        m.remove("apiVersion");
    }
    o
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

async fn seed_scoped(ctx: &Ctx, n: usize) -> Result<Vec<Value>, Outcome> {
    let (k, v) = ctx.scope_label();
    let mut out = Vec::new();
    for _ in 0..n {
        let name = ctx.name("ep");
        out.push(create(ctx, &endpoints_labelled(&name, &[(k, &v)])).await?);
    }
    Ok(out)
}

fn names_of(objs: &[Value]) -> Vec<String> {
    objs.iter()
        .filter_map(|o| o.pointer("/metadata/name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

async fn list_namespace(ctx: Ctx) -> Verdict {
    let objs = seed_scoped(&ctx, 3).await?;
    let l = list(
        &ctx,
        Request::get(ctx.collection_path()).query("labelSelector", ctx.scope_selector()),
    )
    .await?;
    expect_eq(&ctx, "kind", Some("EndpointsList"), l["kind"].as_str())?;
    expect_eq(&ctx, "apiVersion", Some("v1"), l["apiVersion"].as_str())?;
    rv_number(
        &ctx,
        l.pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or(""),
    )?;
    let mut items = l["items"].as_array().cloned().unwrap_or_default();
    items.sort_by_key(|i| {
        i.pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    });
    let mut want: Vec<Value> = objs.iter().map(as_item).collect();
    want.sort_by_key(|i| {
        i.pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    });
    expect_json_eq(&ctx, "items", &Value::Array(want), &Value::Array(items))
}

async fn list_empty(ctx: Ctx) -> Verdict {
    for path in [
        ctx.collection_path(),
        format!("/api/v1/namespaces/{}/endpoints", ctx.missing_namespace()),
    ] {
        let resp = send(
            &ctx,
            Request::get(&path).query("labelSelector", ctx.scope_selector()),
        )
        .await?;
        expect_status(&ctx, &resp, 200)?;
        let l = json_of(&ctx, &resp)?;
        expect_json_eq(&ctx, "items", &json!([]), &l["items"])?;
    }
    Ok(())
}

async fn list_all_namespaces(ctx: Ctx) -> Verdict {
    let other = ctx.extra_namespace().await.map_err(Outcome::error)?;
    let (k, v) = ctx.scope_label();
    let a = ctx.name("ep");
    let b = ctx.name("ep");
    create(&ctx, &endpoints_labelled(&a, &[(k, &v)])).await?;
    let resp = send(
        &ctx,
        Request::post(format!("/api/v1/namespaces/{other}/endpoints"))
            .json(&endpoints_labelled(&b, &[(k, &v)])),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    let l = list(
        &ctx,
        Request::get("/api/v1/endpoints").query("labelSelector", ctx.scope_selector()),
    )
    .await?;
    let mut got: Vec<String> = l["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            format!(
                "{}/{}",
                i.pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
                i.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            )
        })
        .collect();
    got.sort();
    let want = sorted(vec![
        format!("{}/{a}", ctx.namespace),
        format!("{other}/{b}"),
    ]);
    expect_eq(&ctx, "namespace/name of the items", want, got)
}

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

async fn list_pages_are_a_snapshot(ctx: Ctx) -> Verdict {
    let objs = seed_scoped(&ctx, 3).await?;
    let selector = ctx.scope_selector();
    let first = list(
        &ctx,
        Request::get(ctx.collection_path())
            .query("labelSelector", &selector)
            .query("limit", "1"),
    )
    .await?;
    let token = continue_of(&first);
    ensure(
        &ctx,
        !token.is_empty(),
        "metadata.continue on the first page of 3 objects with limit=1",
        || compact(&first["metadata"]),
    )?;
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

/// Makes sure the target has compacted its history so that resourceVersion 1 is too old:
/// asks the reference server's admin endpoint if there is one. Returns whether rv 1 is now expired.
pub(crate) async fn trigger_compaction(ctx: &Ctx) -> Result<bool, Outcome> {
    let resp = send(ctx, Request::post("/kconform/admin/compact")).await?;
    Ok((200..300).contains(&resp.status))
}

pub(crate) fn compaction_unsupported() -> Outcome {
    Outcome::unsupported(
        "compaction",
        "the target has not compacted resourceVersion 1 and offers no way to compact (kube-apiserver compacts etcd about every 5 minutes; run against a cluster older than 10 minutes)",
    )
}

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

/// Encodes a continue token as kube-apiserver does (base64url without padding of the JSON).
pub(crate) fn continue_token(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

fn decode_token(t: &str) -> Option<Value> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t.trim_end_matches('='))
        .or_else(|_| base64::engine::general_purpose::STANDARD.decode(t))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

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

async fn list_continue_with_rv(ctx: Ctx) -> Verdict {
    let objs = seed_scoped(&ctx, 2).await?;
    let sel = ctx.scope_selector();
    let first = list(
        &ctx,
        Request::get(ctx.collection_path())
            .query("labelSelector", &sel)
            .query("limit", "1"),
    )
    .await?;
    let token = continue_of(&first);
    ensure(
        &ctx,
        !token.is_empty(),
        "metadata.continue on the first page",
        || compact(&first["metadata"]),
    )?;
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
    )?;
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
