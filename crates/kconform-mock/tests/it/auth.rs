//! Authentication (401 everywhere without a valid token) and authorization (403 texts).

use reqwest::Method;

use crate::http_support::*;

#[tokio::test]
async fn every_route_needs_a_valid_token() {
    let s = TestServer::start().await;
    for (method, path) in [
        (Method::GET, "/version"),
        (Method::GET, "/healthz"),
        (Method::GET, "/api/v1/endpoints"),
        (Method::POST, "/api/v1/namespaces/default/endpoints"),
        (Method::DELETE, "/api/v1/namespaces/default/endpoints/x"),
        (Method::GET, "/api/v1/watch/endpoints"),
        (Method::GET, "/no/such/path"),
    ] {
        for token in [None, Some("wrong")] {
            let mut request = s.client.request(method.clone(), s.url(path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            assert!(
                warnings(&response).is_empty(),
                "no Warning on 401 ({method} {path})"
            );
            let (status, body) = json_of(response).await;
            assert_eq!(status, 401, "{method} {path}");
            assert_eq!(
                body,
                serde_json::json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
            );
        }
    }
}

#[tokio::test]
async fn users_without_rights_get_403_with_kube_apiserver_texts() {
    let s = TestServer::start().await;
    let as_user = |method: Method, path: &str| {
        s.client
            .request(method, s.url(path))
            .bearer_auth(USER_TOKEN)
    };
    let response = as_user(Method::GET, "/api/v1/namespaces/default/endpoints/ep-1")
        .send()
        .await
        .unwrap();
    assert!(warnings(&response).is_empty());
    let (status, body) = json_of(response).await;
    assert_eq!(status, 403);
    assert_eq!(
        body["message"],
        "endpoints \"ep-1\" is forbidden: User \"bob\" cannot get resource \"endpoints\" in API group \"\" in the namespace \"default\""
    );
    let (_, body) = json_of(
        as_user(Method::GET, "/api/v1/endpoints")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        body["message"],
        "endpoints is forbidden: User \"bob\" cannot list resource \"endpoints\" in API group \"\" at the cluster scope"
    );
    let (status, _) = json_of(as_user(Method::GET, "/version").send().await.unwrap()).await;
    assert_eq!(status, 200, "discovery is open to every authenticated user");
}

#[tokio::test]
async fn grants_give_verbs_to_other_users() {
    let mut config = config(36);
    config.grants.insert(
        "bob".to_owned(),
        [kconform_mock::Verb::List].into_iter().collect(),
    );
    let s = TestServer::with(config).await;
    let list = s
        .client
        .get(s.url("/api/v1/endpoints"))
        .bearer_auth(USER_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let create = s
        .client
        .post(s.url("/api/v1/namespaces/default/endpoints"))
        .bearer_auth(USER_TOKEN)
        .json(&endpoints("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(create.status(), 403);
}

/// `kubectl auth can-i`'s SelfSubjectAccessReview: the review comes back (201) with
/// `status.allowed` as the server's own authorization decides, in JSON or protobuf.
#[tokio::test]
async fn self_subject_access_reviews_answer_as_the_server_authorizes() {
    let mut config = config(36);
    config.grants.insert(
        "bob".to_owned(),
        [kconform_mock::Verb::List].into_iter().collect(),
    );
    let s = TestServer::with(config).await;
    let path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    let review = |attributes: serde_json::Value| {
        serde_json::json!({"kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1", "spec": attributes})
    };
    let endpoints_verb = |verb: &str| {
        review(serde_json::json!({"resourceAttributes":
            {"namespace": "default", "verb": verb, "resource": "endpoints", "group": ""}}))
    };
    let ask = |token: &'static str, body: serde_json::Value| {
        let request = s.client.post(s.url(path)).bearer_auth(token).json(&body);
        async move { json_of(request.send().await.unwrap()).await }
    };
    let (status, answer) = ask(USER_TOKEN, endpoints_verb("list")).await;
    assert_eq!(
        (status, answer),
        (
            201,
            serde_json::json!({"kind": "SelfSubjectAccessReview",
                "apiVersion": "authorization.k8s.io/v1", "metadata": {},
                "spec": {"resourceAttributes":
                    {"namespace": "default", "verb": "list", "resource": "endpoints"}},
                "status": {"allowed": true}})
        )
    );
    let allowed = |answer: &serde_json::Value| answer["status"]["allowed"].as_bool();
    assert_eq!(
        allowed(&ask(USER_TOKEN, endpoints_verb("delete")).await.1),
        Some(false)
    );
    assert_eq!(
        allowed(&ask(ADMIN_TOKEN, endpoints_verb("delete")).await.1),
        Some(true)
    );
    let healthz =
        review(serde_json::json!({"nonResourceAttributes": {"path": "/healthz", "verb": "get"}}));
    assert_eq!(allowed(&ask(USER_TOKEN, healthz).await.1), Some(true));
    let (status, invalid) = ask(USER_TOKEN, review(serde_json::json!({}))).await;
    assert_eq!(
        (status, invalid["details"]["causes"][0]["field"].as_str()),
        (422, Some("spec.resourceAttributes"))
    );
    // Without a token: 401 like every route.
    let anonymous = s
        .client
        .post(s.url(path))
        .json(&endpoints_verb("list"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    // In protobuf, as kubectl sends it.
    let (status, decoded) = post_protobuf(&s, path, &endpoints_verb("list")).await;
    assert_eq!(status, 201);
    assert_eq!(decoded["status"]["allowed"], true);
    assert_eq!(decoded["spec"]["resourceAttributes"]["verb"], "list");
}

/// `kubectl auth whoami`'s SelfSubjectReview: the caller's user, uid and groups from the token
/// file, `system:authenticated` added, in JSON or protobuf.
#[tokio::test]
async fn self_subject_reviews_name_the_caller() {
    let s = TestServer::with(config(36)).await;
    let path = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
    let body = serde_json::json!({"kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1", "metadata": {}});
    let (status, answer) = json_of(
        s.client
            .post(s.url(path))
            .bearer_auth(ADMIN_TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        (&answer["kind"], &answer["status"]),
        (
            &serde_json::json!("SelfSubjectReview"),
            &serde_json::json!({"userInfo": {"username": "admin", "uid": "admin",
                "groups": ["system:masters", "system:authenticated"]}})
        )
    );
    assert!(
        answer["metadata"]["creationTimestamp"].is_string(),
        "{answer}"
    );
    let (status, decoded) = post_protobuf(&s, path, &body).await;
    assert_eq!(status, 201);
    assert_eq!(
        decoded["status"]["userInfo"]["groups"]
            .as_array()
            .and_then(|g| g.last()),
        Some(&serde_json::json!("system:authenticated"))
    );
    let wrong = s
        .client
        .post(s.url(path))
        .bearer_auth(USER_TOKEN)
        .json(&serde_json::json!({"kind": "Endpoints", "apiVersion": "authentication.k8s.io/v1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 400);
}

/// POSTs `body` in protobuf as the user, asking for protobuf (as kubectl does); the status and the
/// decoded answer.
async fn post_protobuf(
    s: &TestServer,
    path: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let answer = s
        .client
        .post(s.url(path))
        .bearer_auth(USER_TOKEN)
        .header("Content-Type", kconform_spec::protobuf::MEDIA_TYPE)
        .header("Accept", kconform_spec::protobuf::MEDIA_TYPE)
        .body(kconform_spec::protobuf::encode(body).unwrap())
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let decoded = kconform_spec::protobuf::decode(&answer.bytes().await.unwrap()).unwrap();
    (status, decoded)
}
