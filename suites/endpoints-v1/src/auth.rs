//! Authentication (401), authorization (403) and discovery.

use kconform_harness::client::{Auth, Request};
use kconform_harness::model::Level::{Must, Should};
use kconform_harness::model::Outcome;
use kconform_harness::runner::{Check, Ctx};
use serde_json::{Value, json};

use crate::support::*;

const ALL_OPS: &[&str] = &[
    op::LIST_ALL,
    op::WATCH_ALL,
    op::LIST,
    op::CREATE,
    op::DELETE_COLLECTION,
    op::READ,
    op::REPLACE,
    op::PATCH,
    op::DELETE,
    op::WATCH_LIST,
    op::WATCH,
];

/// One request per operation, as the recordings make them.
fn per_operation(
    ctx: &Ctx,
    name: &str,
) -> Vec<(&'static str, &'static str, Option<&'static str>, Request)> {
    let ns = &ctx.namespace;
    let body = endpoints(name);
    vec![
        ("list", "", None, Request::get("/api/v1/endpoints")),
        (
            "watch",
            "",
            None,
            Request::get("/api/v1/watch/endpoints").query("timeoutSeconds", "1"),
        ),
        ("list", "ns", None, Request::get(ctx.collection_path())),
        (
            "create",
            "ns",
            None,
            Request::post(ctx.collection_path()).json(&endpoints(&format!("{name}-new"))),
        ),
        (
            "deletecollection",
            "ns",
            None,
            Request::delete(ctx.collection_path()),
        ),
        ("get", "ns", Some("n"), Request::get(ctx.object_path(name))),
        (
            "update",
            "ns",
            Some("n"),
            Request::put(ctx.object_path(name)).json(&body),
        ),
        (
            "patch",
            "ns",
            Some("n"),
            Request::patch(ctx.object_path(name)).body_with_type(
                "application/merge-patch+json",
                r#"{"metadata":{"labels":{"a":"1"}}}"#,
            ),
        ),
        (
            "delete",
            "ns",
            Some("n"),
            Request::delete(ctx.object_path(name)),
        ),
        (
            "watch",
            "ns",
            None,
            Request::get(format!("/api/v1/watch/namespaces/{ns}/endpoints"))
                .query("timeoutSeconds", "1"),
        ),
        (
            "watch",
            "ns",
            Some("n"),
            Request::get(format!("/api/v1/watch/namespaces/{ns}/endpoints/{name}"))
                .query("timeoutSeconds", "1"),
        ),
    ]
}

fn unauthorized() -> Value {
    status_failure(401, "Unauthorized", "Unauthorized", None)
}

async fn expect_all_401(ctx: &Ctx, auth: Auth) -> Verdict {
    let name = ctx.name("ep");
    create_named(ctx, &name).await?;
    for (_, _, _, req) in per_operation(ctx, &name) {
        let resp = send(ctx, req.auth(auth.clone())).await?;
        expect_body(ctx, &resp, 401, &unauthorized())?;
        expect_eq(
            ctx,
            "Warning headers on a 401",
            Vec::<String>::new(),
            resp.warnings(),
        )?;
    }
    // Nothing may have changed: the object is still there, unmodified.
    let resp = get(ctx, &name).await?;
    expect_status(ctx, &resp, 200)
}

pub(crate) const EP_AUTH_001: Check = check!(
    CheckMeta {
        operations: ALL_OPS,
        statuses: &[401],
        ..meta(
            "EP-AUTH-001",
            Must,
            "Every operation with an unknown bearer token MUST answer 401 with the Status `Unauthorized` (reason Unauthorized) and without the deprecation warning, before anything else happens.",
            "kube-apiserver behaviour §3.1 401; §7 (no Warning from the filter chain)",
        )
    },
    bad_token_401
);

async fn bad_token_401(ctx: Ctx) -> Verdict {
    if !ctx.client.has_credentials() {
        return Err(Outcome::unsupported(
            "authentication",
            "the target is used without credentials, so it evidently accepts unauthenticated requests",
        ));
    }
    expect_all_401(&ctx, Auth::Bearer("kconform-invalid-token".to_owned())).await
}

pub(crate) const EP_AUTH_002: Check = check!(
    CheckMeta {
        operations: ALL_OPS,
        statuses: &[401],
        ..meta(
            "EP-AUTH-002",
            Should,
            "With anonymous access disabled, every operation without credentials MUST answer 401 Unauthorized.",
            "kube-apiserver behaviour §3.1 401 (anonymous disabled); recorded auth/no-token",
        )
    },
    no_token_401
);

async fn no_token_401(ctx: Ctx) -> Verdict {
    if !ctx.client.has_credentials() {
        return Err(Outcome::unsupported(
            "authentication",
            "the target is used without credentials, so it evidently accepts unauthenticated requests",
        ));
    }
    let probe = send(
        &ctx,
        Request::get(ctx.collection_path()).auth(Auth::Anonymous),
    )
    .await?;
    if probe.status == 403 && probe.text().contains("system:anonymous") {
        return Err(Outcome::skip(
            "the target allows anonymous requests (403 for system:anonymous), so 401 is not expected without a token",
        ));
    }
    expect_all_401(&ctx, Auth::Anonymous).await
}

pub(crate) const EP_AUTH_003: Check = check!(
    CheckMeta {
        operations: ALL_OPS,
        statuses: &[403],
        features: &["unprivileged-user"],
        ..meta(
            "EP-AUTH-003",
            Must,
            "Every operation by a user without rights on endpoints MUST answer 403 Forbidden `endpoints[ \"<name>\"] is forbidden: User \"<user>\" cannot <verb> resource \"endpoints\" in API group \"\" in the namespace \"<ns>\"` (at the cluster scope for all-namespaces paths), details {[name,] kind: endpoints}.",
            "kube-apiserver behaviour §3.1 403 Forbidden",
        )
    },
    unprivileged_403
);

async fn unprivileged_403(ctx: Ctx) -> Verdict {
    if !ctx.client.has_user_token() {
        return Err(Outcome::unsupported(
            "unprivileged-user",
            "no token of a user without rights on endpoints was given (KCONFORM_USER_TOKEN / --user-token)",
        ));
    }
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let mut user: Option<String> = None;
    for (verb, scope, named, req) in per_operation(&ctx, &name) {
        let resp = send(&ctx, req.auth(Auth::User)).await?;
        expect_status(&ctx, &resp, 403)?;
        let got = json_of(&ctx, &resp)?;
        let message = got["message"].as_str().unwrap_or_default().to_owned();
        // The user name is whatever the target calls the token's user; learn it from the first answer.
        let who = user.get_or_insert_with(|| {
            message
                .split("User \"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or("")
                .to_owned()
        });
        let subject = if named.is_some() {
            format!("endpoints \"{name}\"")
        } else {
            "endpoints".to_owned()
        };
        let place = if scope.is_empty() {
            "at the cluster scope".to_owned()
        } else {
            format!("in the namespace \"{}\"", ctx.namespace)
        };
        let details = if named.is_some() {
            json!({"name": name, "kind": "endpoints"})
        } else {
            json!({"kind": "endpoints"})
        };
        let want = status_failure(
            403,
            "Forbidden",
            &format!(
                "{subject} is forbidden: User \"{who}\" cannot {verb} resource \"endpoints\" in API group \"\" {place}"
            ),
            Some(details),
        );
        expect_json_eq(&ctx, "response body", &want, &got)?;
    }
    Ok(())
}

pub(crate) const EP_DISC_001: Check = check!(
    CheckMeta {
        operations: &[op::READ],
        ..meta(
            "EP-DISC-001",
            Must,
            "GET /api/v1 MUST list the endpoints resource: name endpoints, singularName endpoints, namespaced, kind Endpoints, verbs create, delete, deletecollection, get, list, patch, update, watch, shortNames [ep], and no subresources.",
            "kube-apiserver behaviour §8 Discovery",
        )
    },
    discovery_api_v1
);

async fn discovery_api_v1(ctx: Ctx) -> Verdict {
    let resp = send(&ctx, Request::get("/api/v1")).await?;
    expect_status(&ctx, &resp, 200)?;
    let v = json_of(&ctx, &resp)?;
    expect_eq(&ctx, "kind", Some("APIResourceList"), v["kind"].as_str())?;
    expect_eq(&ctx, "groupVersion", Some("v1"), v["groupVersion"].as_str())?;
    let resources = v["resources"].as_array().cloned().unwrap_or_default();
    let entry = resources.iter().find(|r| r["name"] == "endpoints").cloned();
    let Some(mut entry) = entry else {
        return Err(fail(&ctx, "a resources entry named endpoints", compact(&v)));
    };
    // storageVersionHash is a server detail, not part of the contract.
    if let Some(m) = entry.as_object_mut() {
        m.remove("storageVersionHash");
    }
    expect_json_eq(
        &ctx,
        "endpoints resource",
        &json!({"name": "endpoints", "singularName": "endpoints", "namespaced": true, "kind": "Endpoints",
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], "shortNames": ["ep"]}),
        &entry,
    )?;
    let subresources: Vec<&str> = resources
        .iter()
        .filter_map(|r| r["name"].as_str())
        .filter(|n| n.starts_with("endpoints/"))
        .collect();
    expect_eq(
        &ctx,
        "endpoints subresources",
        Vec::<&str>::new(),
        subresources,
    )
}

pub(crate) const EP_DISC_002: Check = check!(
    CheckMeta {
        operations: &[op::READ],
        ..meta(
            "EP-DISC-002",
            Should,
            "GET /api MUST answer APIVersions with versions [v1].",
            "kube-apiserver behaviour §8; recorded discovery/api",
        )
    },
    discovery_api
);

async fn discovery_api(ctx: Ctx) -> Verdict {
    let resp = send(&ctx, Request::get("/api")).await?;
    expect_status(&ctx, &resp, 200)?;
    let v = json_of(&ctx, &resp)?;
    expect_eq(&ctx, "kind", Some("APIVersions"), v["kind"].as_str())?;
    expect_json_eq(&ctx, "versions", &json!(["v1"]), &v["versions"])
}

pub(crate) const EP_DISC_003: Check = check!(
    CheckMeta {
        operations: &[op::READ],
        ..meta(
            "EP-DISC-003",
            Should,
            "GET /version MUST answer major, minor and a gitVersion v1.<minor>.<patch> that agrees with minor.",
            "kube-apiserver behaviour §8; recorded discovery/version",
        )
    },
    discovery_version
);

async fn discovery_version(ctx: Ctx) -> Verdict {
    let resp = send(&ctx, Request::get("/version")).await?;
    expect_status(&ctx, &resp, 200)?;
    let v = json_of(&ctx, &resp)?;
    let git = v["gitVersion"].as_str().unwrap_or_default();
    expect_eq(&ctx, "major", Some("1"), v["major"].as_str())?;
    let minor = v["minor"].as_str().unwrap_or_default();
    ensure(
        &ctx,
        git.starts_with(&format!("v1.{}", minor.trim_end_matches('+'))),
        "gitVersion v1.<minor>.<patch> agreeing with minor",
        || format!("minor {minor:?}, gitVersion {git:?}"),
    )
}
