//! Create, get and replace over a real socket.

use reqwest::Method;
use serde_json::json;

use crate::http_support::*;

#[tokio::test]
async fn create_then_get_returns_the_stored_object() {
    let s = TestServer::start().await;
    s.create_namespace("crud").await;
    let (status, created) = s.post("crud", &endpoints("ep-1")).await;
    assert_eq!(status, 201);
    assert_eq!(created["kind"], "Endpoints");
    assert_eq!(created["metadata"]["namespace"], "crud");
    assert!(
        created["metadata"]["uid"]
            .as_str()
            .is_some_and(|uid| uid.len() == 36)
    );
    assert!(
        created["metadata"]["creationTimestamp"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(
        created["subsets"][0]["ports"][0]["protocol"], "TCP",
        "protocol is defaulted"
    );
    let managed = &created["metadata"]["managedFields"][0];
    assert_eq!(
        managed["manager"], "it-tests",
        "the manager comes from the User-Agent"
    );
    assert_eq!(managed["operation"], "Update");
    assert_eq!(managed["fieldsV1"], json!({"f:subsets": {}}));
    let (status, fetched) = s.get("crud", "ep-1").await;
    assert_eq!(status, 200);
    assert_eq!(fetched, created);
    let (status, again) = s.post("crud", &endpoints("ep-1")).await;
    assert_eq!(
        (status, again["reason"].as_str()),
        (409, Some("AlreadyExists"))
    );
    assert_eq!(again["message"], "endpoints \"ep-1\" already exists");
}

#[tokio::test]
async fn resource_versions_increase_and_no_op_updates_keep_them() {
    let s = TestServer::start().await;
    s.create_namespace("rv").await;
    let (_, first) = s.post("rv", &endpoints("a")).await;
    let (_, second) = s.post("rv", &endpoints("b")).await;
    assert!(rv(&second) > rv(&first));
    let response = s
        .req(Method::PUT, &ep_path("rv", Some("a")))
        .json(&first)
        .send()
        .await
        .unwrap();
    let (status, same) = json_of(response).await;
    assert_eq!(status, 200);
    assert_eq!(rv(&same), rv(&first), "a no-op PUT writes nothing");
    let mut changed = first.clone();
    changed["metadata"]["labels"] = json!({"v": "2"});
    let (status, updated) = json_of(
        s.req(Method::PUT, &ep_path("rv", Some("a")))
            .json(&changed)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(rv(&updated) > rv(&second));
    let (status, stale) = json_of(
        s.req(Method::PUT, &ep_path("rv", Some("a")))
            .json(&changed)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(stale["reason"], "Conflict");
    let mut unconditional = endpoints("a");
    unconditional["metadata"]["labels"] = json!({"v": "3"});
    let response = s
        .req(Method::PUT, &ep_path("rv", Some("a")))
        .json(&unconditional)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "PUT without resourceVersion is unconditional"
    );
}

#[tokio::test]
async fn put_creates_missing_objects_and_checks_names() {
    let s = TestServer::start().await;
    s.create_namespace("put").await;
    let response = s
        .req(Method::PUT, &ep_path("put", Some("new")))
        .json(&endpoints("new"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let (status, body) = json_of(
        s.req(Method::PUT, &ep_path("put", Some("new")))
            .json(&endpoints("other"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "the name of the object (other) does not match the name on the URL (new)"
    );
}

#[tokio::test]
async fn generate_name_dry_run_and_namespace_checks() {
    let s = TestServer::start().await;
    s.create_namespace("gen").await;
    let body = json!({"metadata": {"generateName": "ep-"}, "subsets": []});
    let (status, created) = s.post("gen", &body).await;
    assert_eq!(status, 201);
    let name = created["metadata"]["name"].as_str().unwrap();
    assert_eq!(name.len(), 8);
    assert!(
        name[3..]
            .chars()
            .all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)),
        "{name}"
    );

    let response = s
        .req(
            Method::POST,
            &format!("{}?dryRun=All", ep_path("gen", None)),
        )
        .json(&endpoints("dry"))
        .send()
        .await
        .unwrap();
    let (status, dry) = json_of(response).await;
    assert_eq!(status, 201);
    assert!(dry["metadata"].get("resourceVersion").is_none());
    assert_eq!(s.get("gen", "dry").await.0, 404, "dry runs store nothing");

    let (status, missing) = s.post("nope", &endpoints("x")).await;
    assert_eq!(
        (status, missing["message"].as_str()),
        (404, Some("namespaces \"nope\" not found"))
    );
    let mut other = endpoints("x");
    other["metadata"]["namespace"] = json!("elsewhere");
    let (status, mismatch) = s.post("gen", &other).await;
    assert_eq!(status, 400);
    assert_eq!(
        mismatch["message"],
        "the namespace of the provided object does not match the namespace sent on the request"
    );
}

#[tokio::test]
async fn invalid_objects_get_422_from_the_spec_rules() {
    let s = TestServer::start().await;
    s.create_namespace("val").await;
    let mut body = endpoints("bad");
    body["subsets"][0]["ports"][0]["port"] = json!(0);
    let (status, invalid) = s.post("val", &body).await;
    assert_eq!(status, 422);
    assert_eq!(
        invalid["message"],
        "Endpoints \"bad\" is invalid: subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"
    );
    assert_eq!(invalid["details"]["kind"], "Endpoints");
    let mut numeric_rv = endpoints("rv");
    numeric_rv["metadata"]["resourceVersion"] = json!("5");
    let (status, error) = s.post("val", &numeric_rv).await;
    assert_eq!(
        (status, error["message"].as_str()),
        (
            500,
            Some("resourceVersion should not be set on objects to be created")
        )
    );
    assert!(error.get("reason").is_none());
}

/// RetryGenerateName (1.31+): a generated name that collides is drawn again, so the create succeeds
/// with another name and the stored object is the one sent; before 1.31 the collision is a 409.
/// The fault `generate-name-without-suffix` makes the first draw collide on purpose: it uses
/// generateName as is, and only the first draw is affected.
#[tokio::test]
async fn a_colliding_generated_name_is_drawn_again_from_1_31() {
    for (version, retried) in [(36, true), (30, false)] {
        let mut config = config(version);
        config
            .faults
            .insert(kconform_mock::Fault::GenerateNameWithoutSuffix);
        let s = TestServer::with(config).await;
        s.create_namespace("gen").await;
        let body = json!({"metadata": {"generateName": "ep-x", "labels": {"try": "1"}},
            "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}]});
        let (status, first) = s.post("gen", &body).await;
        assert_eq!(
            (status, first["metadata"]["name"].as_str()),
            (201, Some("ep-x"))
        );
        let (status, second) = s.post("gen", &body).await;
        if retried {
            assert_eq!(status, 201, "1.{version}: {second}");
            let name = second["metadata"]["name"].as_str().unwrap();
            assert!(name.starts_with("ep-x") && name.len() == 9, "{name}");
            assert_eq!(second["metadata"]["labels"]["try"], "1");
            let rv = |o: &serde_json::Value| {
                o["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap()
                    .parse::<u64>()
                    .unwrap()
            };
            assert!(rv(&second) > rv(&first));
            let (status, stored) = s.get("gen", name).await;
            assert_eq!((status, &stored), (200, &second));
        } else {
            assert_eq!(
                (
                    status,
                    second["reason"].as_str(),
                    second["message"].as_str()
                ),
                (
                    409,
                    Some("AlreadyExists"),
                    Some(
                        "endpoints \"ep-x\" already exists, the server was not able to generate a unique name for the object"
                    )
                ),
                "1.{version}"
            );
        }
    }
}
