//! The options of DELETE and DELETE of a collection as kube-apiserver's generic handlers read them
//! for every resource (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/delete.go: DeleteOptions
//! from the query or the body, ListOptions from the query, validated before anything is deleted).
//!
//! A suite passes `scoped`, which builds a valid object of its resource with the given name,
//! labelled with the check's scope label; paths, kinds and plurals come from the check's
//! `Resource`.

use serde_json::{Value, json};

use super::{
    Verdict, bad_request, compact, continue_of, create, ensure, expect_body, expect_eq,
    expect_status, get, invalid_options, item_names, json_of, send, uid_of,
};
use crate::client::Request;
use crate::model::Outcome;
use crate::runner::Ctx;

/// Builds a valid object named `name` carrying the check's scope label.
pub type Scoped = fn(&Ctx, &str) -> Value;

async fn seed(ctx: &Ctx, scoped: Scoped, names: &[&str]) -> Result<(), Outcome> {
    for name in names {
        create(ctx, &scoped(ctx, name)).await?;
    }
    Ok(())
}

/// The sorted names of the check's objects in its namespace.
async fn scoped_names(ctx: &Ctx) -> Result<Vec<String>, Outcome> {
    let resp = send(
        ctx,
        Request::get(ctx.collection_path()).query("labelSelector", ctx.scope_selector()),
    )
    .await?;
    expect_status(ctx, &resp, 200)?;
    let mut names = item_names(&json_of(ctx, &resp)?);
    names.sort();
    Ok(names)
}

/// `ignoreStoreReadErrorWithClusterBreakingPotential=false` on a DELETE of a readable object
/// changes nothing: 200 with the Success Status (details kind is the plural), the object gone
/// (404).
pub async fn expect_delete_ignore_store_read_error_false(ctx: &Ctx, scoped: Scoped) -> Verdict {
    let name = ctx.name("o");
    let created = create(ctx, &scoped(ctx, &name)).await?;
    let resp = send(
        ctx,
        Request::delete(ctx.object_path(&name))
            .query("ignoreStoreReadErrorWithClusterBreakingPotential", "false"),
    )
    .await?;
    // The details name the group for a resource outside the core group (genericregistry's
    // Store.Delete: `metav1.StatusDetails{Name, Group, Kind: plural, UID}`, group omitted empty).
    let mut details = json!({"name": name, "kind": ctx.resource.plural, "uid": uid_of(&created)});
    if !ctx.resource.group.is_empty() {
        details["group"] = json!(ctx.resource.group);
    }
    let success = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
        "details": details});
    expect_body(ctx, &resp, 200, &success)?;
    let resp = get(ctx, &name).await?;
    expect_status(ctx, &resp, 404)
}

/// A DELETE of the collection with a bad labelSelector is 400, with orphanDependents and a
/// propagationPolicy both set 422, and nothing is deleted.
pub async fn expect_delete_collection_errors(ctx: &Ctx, scoped: Scoped) -> Verdict {
    let a1 = ctx.name("o");
    seed(ctx, scoped, &[&a1]).await?;
    let resp = send(
        ctx,
        Request::delete(ctx.collection_path()).query("labelSelector", "a b"),
    )
    .await?;
    expect_body(
        ctx,
        &resp,
        400,
        &bad_request(
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
        ),
    )?;
    let resp = send(
        ctx,
        Request::delete(ctx.collection_path())
            .query("orphanDependents", "true")
            .query("propagationPolicy", "Orphan"),
    )
    .await?;
    expect_body(
        ctx,
        &resp,
        422,
        &invalid_options(
            "DeleteOptions",
            "propagationPolicy",
            "FieldValueInvalid",
            "Invalid value: \"Orphan\": orphanDependents and deletionPropagation cannot be both set",
        ),
    )?;
    expect_eq(ctx, "objects left", vec![a1], scoped_names(ctx).await?)
}

/// A DELETE of the collection with limit=2 over three objects deletes one page of two and answers
/// metadata.continue; continuing deletes the rest.
pub async fn expect_delete_collection_limit(ctx: &Ctx, scoped: Scoped) -> Verdict {
    let names = [ctx.name("o"), ctx.name("o"), ctx.name("o")];
    seed(ctx, scoped, &[&names[0], &names[1], &names[2]]).await?;
    let scope = ctx.scope_selector();
    let resp = send(
        ctx,
        Request::delete(ctx.collection_path())
            .query("labelSelector", &scope)
            .query("limit", "2"),
    )
    .await?;
    expect_status(ctx, &resp, 200)?;
    let page = json_of(ctx, &resp)?;
    expect_eq(ctx, "items deleted by one page", 2, item_names(&page).len())?;
    let token = continue_of(&page);
    ensure(
        ctx,
        !token.is_empty(),
        "metadata.continue set after a partial page",
        || compact(&page["metadata"]),
    )?;
    expect_eq(
        ctx,
        "objects left after one page",
        1,
        scoped_names(ctx).await?.len(),
    )?;
    let resp = send(
        ctx,
        Request::delete(ctx.collection_path())
            .query("labelSelector", &scope)
            .query("limit", "2")
            .query("continue", token),
    )
    .await?;
    expect_status(ctx, &resp, 200)?;
    expect_eq(
        ctx,
        "objects left at the end",
        Vec::<String>::new(),
        scoped_names(ctx).await?,
    )
}

/// A DELETE of the collection refuses sendInitialEvents (a list's options: 422) and accepts
/// resourceVersion=0 with resourceVersionMatch=NotOlderThan, timeoutSeconds, gracePeriodSeconds,
/// an empty shardSelector, ignoreStoreReadErrorWithClusterBreakingPotential=false and a
/// DeleteOptions body, deleting the selected objects.
pub async fn expect_delete_collection_list_options(ctx: &Ctx, scoped: Scoped) -> Verdict {
    let a1 = ctx.name("o");
    seed(ctx, scoped, &[&a1]).await?;
    let scope = ctx.scope_selector();
    let resp = send(
        ctx,
        Request::delete(ctx.collection_path())
            .query("labelSelector", &scope)
            .query("sendInitialEvents", "true"),
    )
    .await?;
    expect_body(
        ctx,
        &resp,
        422,
        &invalid_options(
            "ListOptions",
            "sendInitialEvents",
            "FieldValueForbidden",
            "Forbidden: sendInitialEvents is forbidden for list",
        ),
    )?;
    let resp = send(
        ctx,
        Request::delete(ctx.collection_path())
            .query("labelSelector", &scope)
            .query("resourceVersion", "0")
            .query("resourceVersionMatch", "NotOlderThan")
            .query("timeoutSeconds", "10")
            .query("gracePeriodSeconds", "0")
            .query("shardSelector", "")
            .query("ignoreStoreReadErrorWithClusterBreakingPotential", "false")
            .json(&json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"})),
    )
    .await?;
    expect_status(ctx, &resp, 200)?;
    expect_eq(
        ctx,
        "deleted items",
        vec![a1],
        item_names(&json_of(ctx, &resp)?),
    )?;
    expect_eq(
        ctx,
        "objects left",
        Vec::<String>::new(),
        scoped_names(ctx).await?,
    )
}
