//! Create, read and replace (POST, GET, PUT) of single objects.

use kconform_harness::client::Request;
use kconform_harness::model::Level::{Must, Should};
use kconform_harness::runner::{Check, Ctx};
use serde_json::{Value, json};

use crate::support::*;

pub(crate) const EP_CREATE_001: Check = check!(
    CheckMeta {
        operations: &[op::CREATE, op::READ],
        params: &["body"],
        statuses: &[201, 200],
        ..meta(
            "EP-CREATE-001",
            Must,
            "A POST of a valid Endpoints object MUST answer 201 with the stored object: name and namespace, a uid, a resourceVersion, a creationTimestamp, an empty port protocol defaulted to TCP and subsets otherwise as sent; a GET MUST return the same object.",
            "kube-apiserver behaviour §5.1 POST; §1.4 Defaulting; §1.5 Metadata handling",
        )
    },
    create_then_get
);

async fn create_then_get(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let body = json!({
        "apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": name, "labels": {"app": "demo"}},
        "subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"name": "http", "port": 80}]}],
    });
    let created = create(&ctx, &body).await?;
    for field in ["uid", "resourceVersion", "creationTimestamp"] {
        let v = created
            .pointer(&format!("/metadata/{field}"))
            .and_then(Value::as_str);
        ensure(
            &ctx,
            v.is_some_and(|s| !s.is_empty()),
            format!("metadata.{field} set"),
            || format!("metadata.{field} = {v:?}"),
        )?;
    }
    rv_number(&ctx, &rv_of(&created))?;
    expect_eq(&ctx, "kind", Some("Endpoints"), created["kind"].as_str())?;
    expect_eq(
        &ctx,
        "apiVersion",
        Some("v1"),
        created["apiVersion"].as_str(),
    )?;
    expect_eq(
        &ctx,
        "metadata.namespace",
        Some(ctx.namespace.as_str()),
        created
            .pointer("/metadata/namespace")
            .and_then(Value::as_str),
    )?;
    let want_subsets = json!([{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]);
    expect_json_eq(
        &ctx,
        "subsets (protocol defaulted to TCP)",
        &want_subsets,
        &created["subsets"],
    )?;
    expect_json_eq(
        &ctx,
        "metadata.labels",
        &json!({"app": "demo"}),
        &created["metadata"]["labels"],
    )?;
    let resp = get(&ctx, &name).await?;
    expect_status(&ctx, &resp, 200)?;
    let read = json_of(&ctx, &resp)?;
    expect_json_eq(&ctx, "GET after POST", &created, &read)
}

pub(crate) const EP_CREATE_002: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        params: &["dryRun"],
        statuses: &[201, 200, 202],
        ..meta(
            "EP-CREATE-002",
            Must,
            "Every successful create MUST answer 201 Created, with or without dryRun (which returns no resourceVersion and stores nothing); the 200 and 202 the OpenAPI also lists are never used for Endpoints.",
            "kube-apiserver behaviour §5.1 POST (handlers/create.go); OpenAPI createCoreV1NamespacedEndpoints",
        )
    },
    create_is_always_201
);

async fn create_is_always_201(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path())
            .query("dryRun", "All")
            .json(&endpoints(&name)),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    let dry = json_of(&ctx, &resp)?;
    expect_eq(
        &ctx,
        "resourceVersion of a dry-run create",
        String::new(),
        rv_of(&dry),
    )?;
    // A dry run leaves no trace: the name is still free.
    let resp = get(&ctx, &name).await?;
    expect_body(&ctx, &resp, 404, &not_found(&name))?;
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path()).json(&endpoints(&name)),
    )
    .await?;
    expect_status(&ctx, &resp, 201)
}

pub(crate) const EP_CREATE_003: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        statuses: &[409],
        ..meta(
            "EP-CREATE-003",
            Must,
            "A POST of a name that exists MUST answer 409 AlreadyExists with details {name, kind: endpoints}.",
            "kube-apiserver behaviour §3.1 409 AlreadyExists",
        )
    },
    create_existing_conflicts
);

async fn create_existing_conflicts(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path()).json(&endpoints(&name)),
    )
    .await?;
    let want = status_failure(
        409,
        "AlreadyExists",
        &format!("endpoints \"{name}\" already exists"),
        Some(json!({"name": name, "kind": "endpoints"})),
    );
    expect_body(&ctx, &resp, 409, &want)?;
    expect_warnings(&ctx, &resp, &[])
}

pub(crate) const EP_CREATE_004: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        statuses: &[404],
        ..meta(
            "EP-CREATE-004",
            Must,
            "A POST into a namespace that does not exist MUST answer 404 with `namespaces \"<ns>\" not found`.",
            "kube-apiserver behaviour §3.1 404 (NamespaceLifecycle admission)",
        )
    },
    create_in_missing_namespace
);

async fn create_in_missing_namespace(ctx: Ctx) -> Verdict {
    let ns = ctx.missing_namespace();
    let name = ctx.name("ep");
    let resp = send(
        &ctx,
        Request::post(format!("/api/v1/namespaces/{ns}/endpoints")).json(&endpoints(&name)),
    )
    .await?;
    let want = status_failure(
        404,
        "NotFound",
        &format!("namespaces \"{ns}\" not found"),
        Some(json!({"name": ns, "kind": "namespaces"})),
    );
    expect_body(&ctx, &resp, 404, &want)
}

pub(crate) const EP_CREATE_005: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        statuses: &[400],
        ..meta(
            "EP-CREATE-005",
            Must,
            "A POST whose metadata.namespace differs from the URL MUST answer 400 `the namespace of the provided object does not match the namespace sent on the request`.",
            "kube-apiserver behaviour §3.1 400 namespace mismatch",
        )
    },
    create_namespace_mismatch
);

async fn create_namespace_mismatch(ctx: Ctx) -> Verdict {
    let mut body = endpoints(&ctx.name("ep"));
    body["metadata"]["namespace"] = Value::from(format!("{}-other", ctx.namespace));
    let resp = send(&ctx, Request::post(ctx.collection_path()).json(&body)).await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ),
    )
}

pub(crate) const EP_CREATE_006: Check = check!(
    CheckMeta {
        operations: &[op::CREATE, op::READ],
        statuses: &[201, 200],
        ..meta(
            "EP-CREATE-006",
            Must,
            "A POST with generateName and no name MUST create an object named generateName plus 5 generated characters, readable by that name.",
            "kube-apiserver behaviour §2.3 generateName",
        )
    },
    create_generate_name
);

async fn create_generate_name(ctx: Ctx) -> Verdict {
    let prefix = format!("{}-", ctx.name("gen"));
    let mut body = endpoints("x");
    body["metadata"] = json!({"generateName": prefix});
    let created = create(&ctx, &body).await?;
    let name = created
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let suffix = name.strip_prefix(&prefix);
    ensure(
        &ctx,
        suffix.is_some_and(|s| {
            s.len() == 5 && s.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c))
        }),
        format!("a name {prefix}<5 characters from bcdfghjklmnpqrstvwxz2456789>"),
        || format!("name {name:?}"),
    )?;
    expect_eq(
        &ctx,
        "metadata.generateName",
        Some(prefix.as_str()),
        created
            .pointer("/metadata/generateName")
            .and_then(Value::as_str),
    )?;
    let resp = get(&ctx, &name).await?;
    expect_status(&ctx, &resp, 200)
}

pub(crate) const EP_CREATE_007: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        params: &["body"],
        statuses: &[400],
        ..meta(
            "EP-CREATE-007",
            Must,
            "A POST body that is not a JSON object (garbage, empty, truncated) MUST answer 400 BadRequest `the object provided is unrecognized (must be of type Endpoints): couldn't get version/kind; json parse error: ...`.",
            "kube-apiserver behaviour §3.1 400 body decode failure",
        )
    },
    create_body_not_json
);

async fn create_body_not_json(ctx: Ctx) -> Verdict {
    let prefix = "the object provided is unrecognized (must be of type Endpoints): couldn't get version/kind; json parse error: ";
    let cases: [(&str, String); 3] = [
        (
            "this is not json",
            format!(
                "{prefix}invalid character 'h' in literal true (expecting 'r') (74686973206973206e6f74206a736f6e)"
            ),
        ),
        (
            "",
            format!("{prefix}unexpected end of JSON input (<empty>)"),
        ),
        (
            r#"{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"#,
            format!(
                "{prefix}unexpected end of JSON input ({{\"apiVersion\":\"v1\",\"kind\":\"End ...)"
            ),
        ),
    ];
    for (body, message) in cases {
        let resp = send(
            &ctx,
            Request::post(ctx.collection_path()).body_with_type("application/json", body),
        )
        .await?;
        expect_body(&ctx, &resp, 400, &bad_request(&message))?;
    }
    Ok(())
}

pub(crate) const EP_CREATE_008: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        params: &["body"],
        statuses: &[400],
        ..meta(
            "EP-CREATE-008",
            Must,
            "A POST body of another kind or apiVersion MUST answer 400 `<Kind> in version \"<v>\" cannot be handled as a Endpoints: ...`.",
            "kube-apiserver behaviour, recorded disagreements §11 (type from the URL); §3.1 400 decode",
        )
    },
    create_wrong_kind
);

async fn create_wrong_kind(ctx: Ctx) -> Verdict {
    let mut service = endpoints(&ctx.name("ep"));
    service["kind"] = Value::from("Service");
    let resp = send(&ctx, Request::post(ctx.collection_path()).json(&service)).await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request(
            "Service in version \"v1\" cannot be handled as a Endpoints: converting (v1.Service) to (core.Endpoints): unknown conversion",
        ),
    )?;
    let mut v2 = endpoints(&ctx.name("ep"));
    v2["apiVersion"] = Value::from("v2");
    let resp = send(&ctx, Request::post(ctx.collection_path()).json(&v2)).await?;
    // The scheme named at the end differs: 1.28 names pkg/runtime/scheme.go:100, 1.36
    // pkg/api/legacyscheme/scheme.go:30; versions in between were not recorded, so both are accepted.
    let message = |scheme: &str| {
        format!(
            "Endpoints in version \"v2\" cannot be handled as a Endpoints: no kind \"Endpoints\" is registered for version \"v2\" in scheme \"{scheme}\""
        )
    };
    let schemes: &[&str] = match ctx.version.minor {
        ..=28 => &["pkg/runtime/scheme.go:100"],
        36.. => &["pkg/api/legacyscheme/scheme.go:30"],
        _ => &[
            "pkg/runtime/scheme.go:100",
            "pkg/api/legacyscheme/scheme.go:30",
        ],
    };
    expect_status(&ctx, &resp, 400)?;
    let got = json_of(&ctx, &resp)?;
    ensure(
        &ctx,
        schemes.iter().any(|s| got == bad_request(&message(s))),
        compact(&bad_request(&message(schemes[0]))),
        || compact(&got),
    )
}

pub(crate) const EP_CREATE_013: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        params: &["body"],
        statuses: &[201],
        ..meta(
            "EP-CREATE-013",
            Must,
            "A POST body without kind and apiVersion MUST be accepted as an Endpoints (201), the answer carrying kind Endpoints and apiVersion v1.",
            "kube-apiserver behaviour, recorded disagreements §11 (type from the URL)",
        )
    },
    create_without_kind
);

async fn create_without_kind(ctx: Ctx) -> Verdict {
    let mut bare = endpoints(&ctx.name("ep"));
    if let Some(m) = bare.as_object_mut() {
        m.remove("kind");
        m.remove("apiVersion");
    }
    let resp = send(&ctx, Request::post(ctx.collection_path()).json(&bare)).await?;
    expect_status(&ctx, &resp, 201)?;
    let obj = json_of(&ctx, &resp)?;
    expect_eq(&ctx, "kind", Some("Endpoints"), obj["kind"].as_str())?;
    expect_eq(&ctx, "apiVersion", Some("v1"), obj["apiVersion"].as_str())
}

pub(crate) const EP_CREATE_009: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        params: &["body"],
        statuses: &[201],
        ..meta(
            "EP-CREATE-009",
            Must,
            "A POST with Content-Type application/yaml MUST be decoded as YAML and answered in JSON (201).",
            "kube-apiserver behaviour §3.1 415 (accepted media types include application/yaml)",
        )
    },
    create_yaml_body
);

async fn create_yaml_body(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let yaml = format!(
        "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: {name}\nsubsets:\n- addresses:\n  - ip: 10.1.2.3\n  ports:\n  - name: http\n    port: 80\n"
    );
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path()).body_with_type("application/yaml", yaml),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    expect_eq(
        &ctx,
        "Content-Type",
        Some("application/json"),
        resp.header("content-type"),
    )?;
    let obj = json_of(&ctx, &resp)?;
    expect_json_eq(
        &ctx,
        "subsets",
        &json!([{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]),
        &obj["subsets"],
    )
}

pub(crate) const EP_CREATE_010: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        params: &["body", "dryRun"],
        statuses: &[500, 201],
        ..meta(
            "EP-CREATE-010",
            Should,
            "A POST with a numeric metadata.resourceVersion SHOULD answer 500 `resourceVersion should not be set on objects to be created` (no reason); a non-numeric one is ignored (201); with dryRun the value is echoed (201).",
            "kube-apiserver behaviour §1.5 resourceVersion on create; recorded disagreements §4",
        )
    },
    create_with_resource_version
);

async fn create_with_resource_version(ctx: Ctx) -> Verdict {
    let mut numeric = endpoints(&ctx.name("ep"));
    numeric["metadata"]["resourceVersion"] = Value::from("1");
    let resp = send(&ctx, Request::post(ctx.collection_path()).json(&numeric)).await?;
    expect_body(
        &ctx,
        &resp,
        500,
        &status_failure(
            500,
            "",
            "resourceVersion should not be set on objects to be created",
            None,
        ),
    )?;
    let mut text = endpoints(&ctx.name("ep"));
    text["metadata"]["resourceVersion"] = Value::from("abc");
    let resp = send(&ctx, Request::post(ctx.collection_path()).json(&text)).await?;
    expect_status(&ctx, &resp, 201)?;
    let stored = json_of(&ctx, &resp)?;
    rv_number(&ctx, &rv_of(&stored))?;
    let mut dry = endpoints(&ctx.name("ep"));
    dry["metadata"]["resourceVersion"] = Value::from("1");
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path())
            .query("dryRun", "All")
            .json(&dry),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    let echoed = json_of(&ctx, &resp)?;
    expect_eq(
        &ctx,
        "dry-run resourceVersion (echoed)",
        "1".to_owned(),
        rv_of(&echoed),
    )
}

pub(crate) const EP_CREATE_011: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        statuses: &[415, 201],
        ..meta(
            "EP-CREATE-011",
            Must,
            "A POST with Content-Type text/plain or a patch type MUST answer 415 UnsupportedMediaType listing application/json, application/yaml, application/vnd.kubernetes.protobuf; a POST without Content-Type is decoded as JSON (201).",
            "kube-apiserver behaviour §3.1 415 (POST/PUT)",
        )
    },
    create_wrong_content_type
);

async fn create_wrong_content_type(ctx: Ctx) -> Verdict {
    let want = status_failure(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
        None,
    );
    for ct in ["text/plain", "application/merge-patch+json"] {
        let resp = send(
            &ctx,
            Request::post(ctx.collection_path())
                .body_with_type(ct, endpoints(&ctx.name("ep")).to_string()),
        )
        .await?;
        expect_body(&ctx, &resp, 415, &want)?;
        expect_warnings(&ctx, &resp, &[])?;
    }
    let resp = send(
        &ctx,
        Request::post(ctx.collection_path()).body(endpoints(&ctx.name("ep")).to_string()),
    )
    .await?;
    expect_status(&ctx, &resp, 201)
}

pub(crate) const EP_CREATE_012: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        params: &["body"],
        statuses: &[413],
        ..meta(
            "EP-CREATE-012",
            Must,
            "A request body larger than 3 MiB MUST answer 413 RequestEntityTooLarge `Request entity too large: limit is 3145728`.",
            "kube-apiserver behaviour §3.1 413; §2.2 Z1",
        )
    },
    create_too_large
);

async fn create_too_large(ctx: Ctx) -> Verdict {
    let mut body = endpoints(&ctx.name("ep"));
    body["metadata"]["annotations"] = json!({"big": "x".repeat(3 * 1024 * 1024 + 16)});
    let resp = send(&ctx, Request::post(ctx.collection_path()).json(&body)).await?;
    expect_body(
        &ctx,
        &resp,
        413,
        &status_failure(
            413,
            "RequestEntityTooLarge",
            "Request entity too large: limit is 3145728",
            None,
        ),
    )
}

pub(crate) const EP_READ_001: Check = check!(
    CheckMeta {
        operations: &[op::READ],
        statuses: &[404],
        ..meta(
            "EP-READ-001",
            Must,
            "A GET of a missing object MUST answer 404 NotFound `endpoints \"<name>\" not found`, also in a namespace that does not exist.",
            "kube-apiserver behaviour §3.1 404 NotFound",
        )
    },
    read_missing
);

async fn read_missing(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let resp = get(&ctx, &name).await?;
    expect_body(&ctx, &resp, 404, &not_found(&name))?;
    expect_warnings(&ctx, &resp, &[])?;
    let resp = send(
        &ctx,
        Request::get(format!(
            "/api/v1/namespaces/{}/endpoints/{name}",
            ctx.missing_namespace()
        )),
    )
    .await?;
    expect_body(&ctx, &resp, 404, &not_found(&name))
}

pub(crate) const EP_READ_002: Check = check!(
    CheckMeta {
        operations: &[op::READ],
        params: &["resourceVersion"],
        statuses: &[200],
        ..meta(
            "EP-READ-002",
            Must,
            "A GET with resourceVersion=0 MUST answer 200 with the object (any version, served from cache).",
            "kube-apiserver behaviour §8 parameter notes (GetOptions.resourceVersion)",
        )
    },
    read_resource_version_0
);

async fn read_resource_version_0(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let resp = send(
        &ctx,
        Request::get(ctx.object_path(&name)).query("resourceVersion", "0"),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let read = json_of(&ctx, &resp)?;
    expect_json_eq(&ctx, "object", &created, &read)
}

pub(crate) const EP_READ_003: Check = check!(
    CheckMeta {
        operations: &[op::READ, op::REPLACE, op::PATCH, op::DELETE],
        params: &["name"],
        statuses: &[400],
        ..meta(
            "EP-READ-003",
            Must,
            "A GET, PUT, PATCH or DELETE whose URL name contains `%` once decoded (`x%25y` is `x%y`) MUST answer 400 BadRequest `Name parameter invalid: \"x%y\": may not contain '%'`.",
            "kube-apiserver: endpoints/handlers/rest.go ContextBasedNaming.Name, path.IsValidPathSegmentName; recorded in transcripts/paths (GET x%25y, GET %2E, DELETE .)",
        )
    },
    read_refuses_path_names
);

async fn read_refuses_path_names(ctx: Ctx) -> Verdict {
    // `.`, `..` and `%2E` are refused as well (the recordings show it), but an HTTP client that
    // follows the URL standard removes dot segments before sending, so this check cannot send them;
    // the reference server's replay of transcripts/paths covers them.
    let want = bad_request("Name parameter invalid: \"x%y\": may not contain '%'");
    let body = endpoints("x-y");
    let path = ctx.object_path("x%25y");
    for req in [
        Request::get(path.clone()),
        Request::put(path.clone()).json(&body),
        Request::patch(path.clone()).body_with_type("application/merge-patch+json", "{}"),
        Request::delete(path.clone()),
    ] {
        let resp = send(&ctx, req).await?;
        expect_body(&ctx, &resp, 400, &want)?;
    }
    Ok(())
}

pub(crate) const EP_READ_004: Check = check!(
    CheckMeta {
        operations: &[op::READ, op::REPLACE, op::DELETE],
        params: &["name"],
        statuses: &[200, 404],
        ..meta(
            "EP-READ-004",
            Must,
            "Path segments MUST be percent-decoded before they name an object: an object MUST be read, replaced and deleted under an escaped spelling of its name (`e%70-1` for `ep-1`), and a missing name with an escaped non-ASCII character MUST be reported under its decoded name (`caf%C3%A9` → `endpoints \"café\" not found`).",
            "kube-apiserver: Go's net/url URL.Path, go-restful's router and requestinfo.go read the decoded path; recorded in transcripts/paths (GET caf%C3%A9)",
        )
    },
    read_decodes_path_names
);

/// `name` with its second character (an ASCII letter or digit) written as a percent-escape.
fn escaped_name(name: &str) -> String {
    name.char_indices()
        .map(|(i, c)| {
            if i == 1 && c.is_ascii() {
                format!("%{:02X}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

async fn read_decodes_path_names(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let escaped = escaped_name(&name);
    let resp = send(&ctx, Request::get(ctx.object_path(&escaped))).await?;
    expect_status(&ctx, &resp, 200)?;
    let read = json_of(&ctx, &resp)?;
    expect_json_eq(&ctx, "object read under an escaped name", &created, &read)?;
    let mut next = relabelled(&created, "v", "2");
    next["metadata"]["name"] = Value::from(name.as_str());
    let resp = send(&ctx, Request::put(ctx.object_path(&escaped)).json(&next)).await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = send(&ctx, Request::delete(ctx.object_path(&escaped))).await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = get(&ctx, &name).await?;
    expect_status(&ctx, &resp, 404)?;
    let missing = format!("caf\u{e9}-{name}");
    let resp = send(
        &ctx,
        Request::get(ctx.object_path(&format!("caf%C3%A9-{name}"))),
    )
    .await?;
    expect_body(&ctx, &resp, 404, &not_found(&missing))
}

fn relabelled(obj: &Value, key: &str, value: &str) -> Value {
    let mut o = obj.clone();
    o["metadata"]["labels"] = json!({key: value});
    o
}

pub(crate) const EP_REPLACE_001: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        params: &["body"],
        statuses: &[200],
        ..meta(
            "EP-REPLACE-001",
            Must,
            "A PUT carrying the current resourceVersion MUST answer 200 with the new state and a new, larger resourceVersion.",
            "kube-apiserver behaviour §5.2 PUT",
        )
    },
    replace_current
);

async fn replace_current(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let mut next = relabelled(&created, "v", "2");
    next["subsets"] = json!([{"addresses": [{"ip": "10.9.9.9"}], "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]);
    let resp = send(&ctx, Request::put(ctx.object_path(&name)).json(&next)).await?;
    expect_status(&ctx, &resp, 200)?;
    let updated = json_of(&ctx, &resp)?;
    expect_json_eq(
        &ctx,
        "metadata.labels",
        &json!({"v": "2"}),
        &updated["metadata"]["labels"],
    )?;
    expect_json_eq(&ctx, "subsets", &next["subsets"], &updated["subsets"])?;
    let (old, new) = (
        rv_number(&ctx, &rv_of(&created))?,
        rv_number(&ctx, &rv_of(&updated))?,
    );
    ensure(
        &ctx,
        new > old,
        format!("a resourceVersion greater than {old}"),
        || format!("resourceVersion {new}"),
    )?;
    expect_eq(&ctx, "uid", uid_of(&created), uid_of(&updated))
}

pub(crate) const EP_REPLACE_002: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        params: &["body"],
        statuses: &[409],
        ..meta(
            "EP-REPLACE-002",
            Must,
            "A PUT carrying an outdated resourceVersion MUST answer 409 Conflict `Operation cannot be fulfilled on endpoints \"<name>\": the object has been modified; please apply your changes to the latest version and try again`.",
            "kube-apiserver behaviour §3.1 409 Conflict (stale RV)",
        )
    },
    replace_stale
);

async fn replace_stale(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let resp = send(
        &ctx,
        Request::put(ctx.object_path(&name)).json(&relabelled(&created, "v", "2")),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let resp = send(
        &ctx,
        Request::put(ctx.object_path(&name)).json(&relabelled(&created, "v", "3")),
    )
    .await?;
    expect_body(&ctx, &resp, 409, &conflict_modified(&name))
}

pub(crate) const EP_REPLACE_003: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        statuses: &[200],
        ..meta(
            "EP-REPLACE-003",
            Must,
            "A PUT without metadata.resourceVersion MUST be an unconditional update (200).",
            "kube-apiserver behaviour §1.3 AllowUnconditionalUpdate; §5.2",
        )
    },
    replace_unconditional
);

async fn replace_unconditional(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let mut body = endpoints(&name);
    body["subsets"][0]["addresses"][0]["ip"] = Value::from("10.9.9.9");
    let resp = send(&ctx, Request::put(ctx.object_path(&name)).json(&body)).await?;
    expect_status(&ctx, &resp, 200)?;
    let obj = json_of(&ctx, &resp)?;
    expect_eq(
        &ctx,
        "subsets[0].addresses[0].ip",
        Some("10.9.9.9"),
        obj.pointer("/subsets/0/addresses/0/ip")
            .and_then(Value::as_str),
    )
}

pub(crate) const EP_REPLACE_004: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE, op::READ],
        statuses: &[201],
        ..meta(
            "EP-REPLACE-004",
            Must,
            "A PUT to a name that does not exist MUST create the object and answer 201.",
            "kube-apiserver behaviour §1.3 AllowCreateOnUpdate; §5.2",
        )
    },
    replace_creates
);

async fn replace_creates(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let resp = send(
        &ctx,
        Request::put(ctx.object_path(&name)).json(&endpoints(&name)),
    )
    .await?;
    expect_status(&ctx, &resp, 201)?;
    let created = json_of(&ctx, &resp)?;
    let resp = get(&ctx, &name).await?;
    expect_status(&ctx, &resp, 200)?;
    expect_json_eq(
        &ctx,
        "GET after PUT-create",
        &created,
        &json_of(&ctx, &resp)?,
    )
}

pub(crate) const EP_REPLACE_005: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        statuses: &[409],
        ..meta(
            "EP-REPLACE-005",
            Must,
            "A PUT whose metadata.uid differs from the stored uid MUST answer 409 Conflict (storage precondition) with details {name, kind: endpoints}.",
            "kube-apiserver behaviour §3.1 409 Conflict (uid precondition)",
        )
    },
    replace_uid_mismatch
);

async fn replace_uid_mismatch(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let mut body = created.clone();
    let bogus = "00000000-0000-4000-8000-000000000001";
    body["metadata"]["uid"] = Value::from(bogus);
    let resp = send(&ctx, Request::put(ctx.object_path(&name)).json(&body)).await?;
    expect_uid_conflict(&ctx, &resp, &name, bogus, &uid_of(&created))
}

/// The 409 of a failed uid precondition on PUT: reason Conflict, details {name, kind: endpoints},
/// and the storage error's texts around the etcd key (whose prefix is the installation's).
fn expect_uid_conflict(
    ctx: &Ctx,
    resp: &kconform_harness::client::Response,
    name: &str,
    sent: &str,
    stored: &str,
) -> Verdict {
    expect_status(ctx, resp, 409)?;
    let got = json_of(ctx, resp)?;
    expect_eq(ctx, "reason", Some("Conflict"), got["reason"].as_str())?;
    expect_json_eq(
        ctx,
        "details",
        &json!({"name": name, "kind": "endpoints"}),
        &got["details"],
    )?;
    let message = got["message"].as_str().unwrap_or_default();
    let prefix = cannot_fulfil("endpoints", name, "");
    let tail =
        format!("Precondition failed: UID in precondition: {sent}, UID in object meta: {stored}");
    ensure(
        ctx,
        message.starts_with(&prefix) && message.ends_with(&tail),
        format!("message {prefix}StorageError: ... {tail}"),
        || format!("message {message}"),
    )
}

pub(crate) const EP_REPLACE_006: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        statuses: &[400],
        ..meta(
            "EP-REPLACE-006",
            Must,
            "A PUT whose body name differs from the URL MUST answer 400 `the name of the object (<body>) does not match the name on the URL (<url>)`.",
            "kube-apiserver behaviour §3.1 400 name mismatch",
        )
    },
    replace_name_mismatch
);

async fn replace_name_mismatch(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let other = ctx.name("ep");
    let resp = send(
        &ctx,
        Request::put(ctx.object_path(&name)).json(&endpoints(&other)),
    )
    .await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request(&format!(
            "the name of the object ({other}) does not match the name on the URL ({name})"
        )),
    )
}

pub(crate) const EP_REPLACE_011: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        statuses: &[400],
        ..meta(
            "EP-REPLACE-011",
            Must,
            "A PUT whose body has no name MUST answer 400 `the name of the object (<url> based on URL) was undeterminable: name must be provided`.",
            "kube-apiserver behaviour §3.1 400 name mismatch",
        )
    },
    replace_without_name
);

async fn replace_without_name(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let mut nameless = endpoints(&name);
    nameless["metadata"] = json!({});
    let resp = send(&ctx, Request::put(ctx.object_path(&name)).json(&nameless)).await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request(&format!(
            "the name of the object ({name} based on URL) was undeterminable: name must be provided"
        )),
    )
}

pub(crate) const EP_REPLACE_007: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        statuses: &[400],
        ..meta(
            "EP-REPLACE-007",
            Must,
            "A PUT whose body namespace differs from the URL MUST answer 400.",
            "kube-apiserver behaviour §3.1 400 namespace mismatch",
        )
    },
    replace_namespace_mismatch
);

async fn replace_namespace_mismatch(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    create_named(&ctx, &name).await?;
    let mut body = endpoints(&name);
    body["metadata"]["namespace"] = Value::from(format!("{}-other", ctx.namespace));
    let resp = send(&ctx, Request::put(ctx.object_path(&name)).json(&body)).await?;
    expect_body(
        &ctx,
        &resp,
        400,
        &bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ),
    )
}

pub(crate) const EP_REPLACE_008: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        statuses: &[200],
        ..meta(
            "EP-REPLACE-008",
            Must,
            "A PUT that changes nothing MUST answer 200 and MUST NOT change the resourceVersion.",
            "kube-apiserver behaviour §1.5 no-op writes",
        )
    },
    replace_no_op
);

async fn replace_no_op(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let resp = send(&ctx, Request::put(ctx.object_path(&name)).json(&created)).await?;
    expect_status(&ctx, &resp, 200)?;
    let same = json_of(&ctx, &resp)?;
    expect_eq(
        &ctx,
        "resourceVersion after a no-op PUT",
        rv_of(&created),
        rv_of(&same),
    )
}

pub(crate) const EP_REPLACE_009: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        statuses: &[422],
        ..meta(
            "EP-REPLACE-009",
            Must,
            "A PUT of an invalid object MUST answer 422 Invalid with the causes, and leave the stored object unchanged.",
            "kube-apiserver behaviour §2.1 UPDATE; §2.4",
        )
    },
    replace_invalid
);

async fn replace_invalid(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let mut body = created.clone();
    body["subsets"][0]["ports"][0]["port"] = Value::from(0);
    let resp = send(&ctx, Request::put(ctx.object_path(&name)).json(&body)).await?;
    let cause = "Invalid value: 0: must be between 1 and 65535, inclusive";
    let want = status_failure(
        422,
        "Invalid",
        &format!("Endpoints \"{name}\" is invalid: subsets[0].ports[0].port: {cause}"),
        Some(json!({"name": name, "kind": "Endpoints", "causes": [
            {"reason": "FieldValueInvalid", "message": cause, "field": "subsets[0].ports[0].port"}
        ]})),
    );
    expect_body(&ctx, &resp, 422, &want)?;
    let resp = get(&ctx, &name).await?;
    expect_status(&ctx, &resp, 200)?;
    expect_json_eq(
        &ctx,
        "object after a rejected PUT",
        &created,
        &json_of(&ctx, &resp)?,
    )
}

pub(crate) const EP_REPLACE_010: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        statuses: &[422],
        ..meta(
            "EP-REPLACE-010",
            Should,
            "A PUT with an invalid label or finalizer MUST answer 422 whose message names the error once; causes may repeat the metadata error (kube-apiserver validates metadata several times on update).",
            "kube-apiserver behaviour §2.1 consequences (duplicated metadata causes)",
        )
    },
    replace_invalid_metadata
);

async fn replace_invalid_metadata(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create_named(&ctx, &name).await?;
    let label_msg = "Invalid value: \"bad value!\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    let fin_msg = "Invalid value: \"foo\": name is neither a standard finalizer name nor is it fully qualified";
    let cases = [
        (
            relabelled(&created, "k", "bad value!"),
            "metadata.labels",
            label_msg,
        ),
        (
            {
                let mut b = created.clone();
                b["metadata"]["finalizers"] = json!(["foo"]);
                b
            },
            "metadata.finalizers[0]",
            fin_msg,
        ),
    ];
    for (body, field, msg) in cases {
        let resp = send(&ctx, Request::put(ctx.object_path(&name)).json(&body)).await?;
        expect_status(&ctx, &resp, 422)?;
        let got = json_of(&ctx, &resp)?;
        expect_eq(
            &ctx,
            "message",
            format!("Endpoints \"{name}\" is invalid: {field}: {msg}"),
            got["message"].as_str().unwrap_or_default().to_owned(),
        )?;
        let causes = got
            .pointer("/details/causes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let want = json!({"reason": "FieldValueInvalid", "message": msg, "field": field});
        ensure(
            &ctx,
            !causes.is_empty() && causes.iter().all(|c| *c == want),
            format!("one or more causes, all {}", compact(&want)),
            || format!("causes {}", compact(&Value::Array(causes.clone()))),
        )?;
    }
    Ok(())
}

pub(crate) const EP_REPLACE_012: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE, op::READ],
        params: &["dryRun"],
        statuses: &[409, 404],
        ..meta(
            "EP-REPLACE-012",
            Must,
            "A PUT of a name that does not exist whose body carries a metadata.uid MUST answer 409 Conflict and create nothing, with and without dryRun=All: the uid is a storage precondition, checked against the empty object (`UID in object meta: ` is empty).",
            "apiserver registry/generic/registry/store.go Update (the object's uid as GuaranteedUpdate precondition); recorded in the random sequences of v1.28.7 and v1.36.2 (seq-diff)",
        )
    },
    replace_missing_with_uid
);

async fn replace_missing_with_uid(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let bogus = "00000000-0000-4000-8000-000000000001";
    let mut body = endpoints(&name);
    body["metadata"]["uid"] = Value::from(bogus);
    for dry_run in [true, false] {
        let mut request = Request::put(ctx.object_path(&name));
        if dry_run {
            request = request.query("dryRun", "All");
        }
        let resp = send(&ctx, request.json(&body)).await?;
        expect_uid_conflict(&ctx, &resp, &name, bogus, "")?;
    }
    let resp = get(&ctx, &name).await?;
    expect_status(&ctx, &resp, 404)
}

pub(crate) const EP_REPLACE_013: Check = check!(
    CheckMeta {
        operations: &[op::CREATE, op::REPLACE, op::PATCH],
        params: &["body"],
        statuses: &[201, 200],
        ..meta(
            "EP-REPLACE-013",
            Must,
            "A create that sets no tracked field (a name only) MUST store no managedFields, and a PUT or merge patch of an object without managedFields MUST leave it without any: only an apply starts tracking an untracked object.",
            "apiserver fieldmanager skipNonAppliedManager; recorded in the random sequences of v1.28.7 and v1.36.2 (seq-diff)",
        )
    },
    untracked_objects_stay_untracked
);

async fn untracked_objects_stay_untracked(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let created = create(&ctx, &name_only(&name)).await?;
    expect_no_managed_fields(&ctx, "the created object", &created)?;
    let mut body = endpoints(&name);
    body["metadata"]["resourceVersion"] = Value::from(rv_of(&created));
    let resp = send(&ctx, Request::put(ctx.object_path(&name)).json(&body)).await?;
    expect_status(&ctx, &resp, 200)?;
    expect_no_managed_fields(&ctx, "the replaced object", &json_of(&ctx, &resp)?)?;
    let resp = merge_patch(
        &ctx,
        &name,
        &json!({"metadata": {"labels": {"app": "web"}}}),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    expect_no_managed_fields(&ctx, "the patched object", &json_of(&ctx, &resp)?)
}

/// An Endpoints object with a name and nothing else.
pub(crate) fn name_only(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name}})
}

pub(crate) fn expect_no_managed_fields(ctx: &Ctx, what: &str, object: &Value) -> Verdict {
    ensure(
        ctx,
        object.pointer("/metadata/managedFields").is_none(),
        format!("{what} without metadata.managedFields"),
        || {
            format!(
                "metadata.managedFields {}",
                compact(&object["metadata"]["managedFields"])
            )
        },
    )
}

pub(crate) const EP_REPLACE_014: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        params: &["dryRun"],
        statuses: &[200],
        ..meta(
            "EP-REPLACE-014",
            Must,
            "A PUT (here with dryRun=All and no resourceVersion) of an object that a finalizer holds in deletion MUST keep the stored metadata.deletionTimestamp and deletionGracePeriodSeconds in its answer, whatever the body says.",
            "apiserver rest.BeforeUpdate (FillObjectMetaSystemFields keeps the old deletion fields); recorded in the random sequences of v1.28.7 and v1.36.2 (seq-diff)",
        )
    },
    replace_keeps_deletion_state
);

async fn replace_keeps_deletion_state(ctx: Ctx) -> Verdict {
    let name = ctx.name("ep");
    let mut held = endpoints(&name);
    held["metadata"]["finalizers"] = json!(["example.com/hold"]);
    create(&ctx, &held).await?;
    let resp = send(&ctx, Request::delete(ctx.object_path(&name))).await?;
    expect_status(&ctx, &resp, 200)?;
    let terminating = json_of(&ctx, &resp)?;
    let deletion = |o: &Value| {
        json!({
            "deletionTimestamp": o["metadata"]["deletionTimestamp"],
            "deletionGracePeriodSeconds": o["metadata"]["deletionGracePeriodSeconds"],
        })
    };
    ensure(
        &ctx,
        terminating["metadata"]["deletionTimestamp"].is_string(),
        "the DELETE answer is the object with a deletionTimestamp",
        || compact(&terminating["metadata"]),
    )?;
    let mut body = held.clone();
    body["metadata"]["labels"] = json!({"app": "web"});
    let resp = send(
        &ctx,
        Request::put(ctx.object_path(&name))
            .query("dryRun", "All")
            .json(&body),
    )
    .await?;
    expect_status(&ctx, &resp, 200)?;
    let answer = json_of(&ctx, &resp)?;
    expect_json_eq(
        &ctx,
        "deletion fields",
        &deletion(&terminating),
        &deletion(&answer),
    )?;
    // Let the object go.
    let resp = merge_patch(&ctx, &name, &json!({"metadata": {"finalizers": null}})).await?;
    expect_status(&ctx, &resp, 200)
}
