//! LIST of a namespace, of an empty or missing namespace, and of all namespaces.

use super::*;

fn as_item(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.as_object_mut() {
        m.remove("kind");
        m.remove("apiVersion");
    }
    o
}

pub(crate) const EP_LIST_001: Check = check!(
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
);
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

pub(crate) const EP_LIST_002: Check = check!(
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
);
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

pub(crate) const EP_LIST_003: Check = check!(
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
);
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
