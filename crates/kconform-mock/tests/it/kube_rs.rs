//! kube-rs, unmodified, against the reference server over TLS: `Api<Endpoints>` create, get, list with
//! pagination, replace, patch (merge, JSON, strategic, apply) and delete; and kube-runtime's watcher
//! seeing every event, with streaming lists when emulating 1.34 or later and list-then-watch before;
//! and `Api<EndpointSlice>` the same way.

use std::time::Duration;

use futures::{StreamExt as _, TryStreamExt as _};
use k8s_openapi::api::core::v1::{EndpointAddress, EndpointPort, EndpointSubset, Endpoints};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointPort as DiscoveryPort, EndpointSlice};
use kconform_mock::{Config, RunningServer, Tls};
use kconform_spec::K8sVersion;
use kube::api::{DeleteParams, ListParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::watcher;
use kube::{Api, Client};
use serde_json::json;

const TOKEN: &str = "kconform-kube-rs-admin";
const NAMESPACE: &str = "default";
/// Bound for every wait on the watcher.
const WAIT: Duration = Duration::from_secs(20);

async fn server(minor: u32) -> RunningServer {
    let mut config = Config::default().with_admin_token(TOKEN);
    config.version = K8sVersion::new(minor);
    config.tls = Tls::SelfSigned { cert_out: None };
    kconform_mock::spawn(config)
        .await
        .expect("the mock starts with TLS")
}

async fn client(server: &RunningServer) -> Client {
    use base64::Engine as _;
    let ca = base64::engine::general_purpose::STANDARD.encode(
        server
            .ca_certificate_pem
            .as_deref()
            .expect("a TLS server has a certificate"),
    );
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: mock\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\n\
         users:\n- name: admin\n  user:\n    token: {TOKEN}\ncontexts:\n- name: mock\n  context:\n    cluster: mock\n    user: admin\n    namespace: {NAMESPACE}\n\
         current-context: mock\n",
        url = server.url
    );
    let kubeconfig = Kubeconfig::from_yaml(&kubeconfig).expect("the generated kubeconfig parses");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("kube-rs accepts the kubeconfig");
    Client::try_from(config).expect("kube-rs builds a client")
}

fn endpoints(name: &str, ip: &str) -> Endpoints {
    Endpoints {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        subsets: Some(vec![EndpointSubset {
            addresses: Some(vec![EndpointAddress {
                ip: ip.to_owned(),
                ..EndpointAddress::default()
            }]),
            ports: Some(vec![EndpointPort {
                name: Some("http".to_owned()),
                port: 80,
                ..EndpointPort::default()
            }]),
            ..EndpointSubset::default()
        }]),
    }
}

fn first_ip(ep: &Endpoints) -> &str {
    ep.subsets
        .as_ref()
        .and_then(|s| s.first())
        .and_then(|s| s.addresses.as_ref())
        .and_then(|a| a.first())
        .map_or("", |a| a.ip.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_api_crud_pagination_and_every_patch_type() {
    let server = server(36).await;
    let api: Api<Endpoints> = Api::namespaced(client(&server).await, NAMESPACE);

    for i in 1..=5 {
        let created = api
            .create(
                &PostParams::default(),
                &endpoints(&format!("ep-{i}"), &format!("10.0.0.{i}")),
            )
            .await
            .expect("create");
        assert!(created.metadata.uid.is_some() && created.metadata.resource_version.is_some());
        assert_eq!(
            created.subsets.as_ref().unwrap()[0].ports.as_ref().unwrap()[0]
                .protocol
                .as_deref(),
            Some("TCP")
        );
    }
    assert_eq!(first_ip(&api.get("ep-3").await.expect("get")), "10.0.0.3");

    // Pagination: limit 2 walks three pages with continue tokens.
    let mut names = Vec::new();
    let mut params = ListParams::default().limit(2);
    let mut pages = 0;
    loop {
        let page = api.list(&params).await.expect("list page");
        pages += 1;
        names.extend(page.items.iter().filter_map(|e| e.metadata.name.clone()));
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(names, ["ep-1", "ep-2", "ep-3", "ep-4", "ep-5"]);

    // replace with the read resourceVersion; a stale one conflicts.
    let mut current = api.get("ep-1").await.expect("get");
    let stale = current.clone();
    current.subsets = endpoints("ep-1", "10.9.9.9").subsets;
    let replaced = api
        .replace("ep-1", &PostParams::default(), &current)
        .await
        .expect("replace");
    assert_eq!(first_ip(&replaced), "10.9.9.9");
    let conflict = api
        .replace("ep-1", &PostParams::default(), &stale)
        .await
        .unwrap_err();
    assert!(
        matches!(conflict, kube::Error::Api(ref s) if s.code == 409),
        "{conflict:?}"
    );

    // Every patch type.
    let merge = Patch::Merge(json!({"metadata": {"labels": {"merge": "yes"}}}));
    api.patch("ep-2", &PatchParams::default(), &merge)
        .await
        .expect("merge patch");
    let json_patch: json_patch::Patch = serde_json::from_value(json!([
        {"op": "add", "path": "/metadata/labels/json", "value": "yes"}
    ]))
    .expect("a JSON patch");
    api.patch(
        "ep-2",
        &PatchParams::default(),
        &Patch::Json::<()>(json_patch),
    )
    .await
    .expect("json patch");
    let strategic = Patch::Strategic(json!({"metadata": {"labels": {"strategic": "yes"}}}));
    api.patch("ep-2", &PatchParams::default(), &strategic)
        .await
        .expect("strategic patch");
    let apply = Patch::Apply(json!({
        "apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": "ep-6", "labels": {"applied": "yes"}},
        "subsets": [{"addresses": [{"ip": "10.6.6.6"}], "ports": [{"name": "http", "port": 80}]}]
    }));
    let applied = api
        .patch("ep-6", &PatchParams::apply("kconform-kube-rs"), &apply)
        .await
        .expect("apply patch");
    assert_eq!(first_ip(&applied), "10.6.6.6");
    let managers: Vec<String> = applied
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.manager)
        .collect();
    assert!(
        managers.iter().any(|m| m == "kconform-kube-rs"),
        "{managers:?}"
    );
    let labels = api
        .get("ep-2")
        .await
        .expect("get")
        .metadata
        .labels
        .unwrap_or_default();
    for key in ["merge", "json", "strategic"] {
        assert_eq!(
            labels.get(key).map(String::as_str),
            Some("yes"),
            "{labels:?}"
        );
    }

    // delete, then it is gone.
    api.delete("ep-1", &DeleteParams::default())
        .await
        .expect("delete");
    let gone = api.get("ep-1").await.unwrap_err();
    assert!(
        matches!(gone, kube::Error::Api(ref s) if s.code == 404),
        "{gone:?}"
    );
    server.shutdown().await;
}

/// What the watcher reported, reduced to comparable strings.
fn describe(event: &watcher::Event<Endpoints>) -> String {
    let name = |e: &Endpoints| e.metadata.name.clone().unwrap_or_default();
    match event {
        watcher::Event::Init => "Init".to_owned(),
        watcher::Event::InitApply(e) => format!("InitApply {}", name(e)),
        watcher::Event::InitDone => "InitDone".to_owned(),
        watcher::Event::Apply(e) => format!("Apply {} {}", name(e), first_ip(e)),
        watcher::Event::Delete(e) => format!("Delete {}", name(e)),
    }
}

async fn watcher_sees_every_event(minor: u32, config: watcher::Config) {
    let server = server(minor).await;
    let api: Api<Endpoints> = Api::namespaced(client(&server).await, NAMESPACE);
    for i in 1..=3 {
        api.create(
            &PostParams::default(),
            &endpoints(&format!("ep-{i}"), "10.0.0.1"),
        )
        .await
        .expect("create");
    }
    let mut stream = watcher(api.clone(), config).boxed();
    let mut next = async || {
        tokio::time::timeout(WAIT, stream.try_next())
            .await
            .expect("the watcher reports within the timeout")
            .expect("the watcher does not fail")
            .expect("the watcher stream does not end")
    };
    let mut initial = Vec::new();
    loop {
        let event = describe(&next().await);
        if event == "InitDone" {
            break;
        }
        initial.push(event);
    }
    assert_eq!(
        initial,
        ["Init", "InitApply ep-1", "InitApply ep-2", "InitApply ep-3"],
        "1.{minor}"
    );

    api.create(&PostParams::default(), &endpoints("ep-4", "10.0.0.4"))
        .await
        .expect("create");
    let mut changed = api.get("ep-1").await.expect("get");
    changed.subsets = endpoints("ep-1", "10.1.1.1").subsets;
    api.replace("ep-1", &PostParams::default(), &changed)
        .await
        .expect("replace");
    api.delete("ep-2", &DeleteParams::default())
        .await
        .expect("delete");
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(describe(&next().await));
    }
    assert_eq!(
        seen,
        ["Apply ep-4 10.0.0.4", "Apply ep-1 10.1.1.1", "Delete ep-2"],
        "1.{minor}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_runtime_watcher_with_streaming_lists_on_1_36() {
    watcher_sees_every_event(36, watcher::Config::default().streaming_lists()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_runtime_watcher_with_streaming_lists_on_1_34() {
    watcher_sees_every_event(34, watcher::Config::default().streaming_lists()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_runtime_watcher_lists_then_watches_on_1_28() {
    watcher_sees_every_event(28, watcher::Config::default()).await;
}

fn slice(name: &str, address: &str) -> EndpointSlice {
    EndpointSlice {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        address_type: "IPv4".to_owned(),
        endpoints: Some(vec![Endpoint {
            addresses: vec![address.to_owned()],
            ..Endpoint::default()
        }]),
        ports: Some(vec![DiscoveryPort {
            name: Some("http".to_owned()),
            port: Some(80),
            ..DiscoveryPort::default()
        }]),
    }
}

fn slice_address(slice: &EndpointSlice) -> &str {
    slice
        .endpoints
        .as_ref()
        .and_then(|e| e.first())
        .and_then(|e| e.addresses.first())
        .map_or("", String::as_str)
}

/// `Api<EndpointSlice>` (discovery.k8s.io/v1), unmodified: create, get, a paginated list, replace
/// (generation moves), merge patch, delete; then the watcher sees a change after its initial list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_endpoint_slices_crud_pagination_and_watcher() {
    for (minor, config) in [
        (36, watcher::Config::default().streaming_lists()),
        (28, watcher::Config::default()),
    ] {
        let server = server(minor).await;
        let api: Api<EndpointSlice> = Api::namespaced(client(&server).await, NAMESPACE);
        for i in 1..=3 {
            let created = api
                .create(
                    &PostParams::default(),
                    &slice(&format!("es-{i}"), "10.0.0.1"),
                )
                .await
                .expect("create");
            assert_eq!(created.metadata.generation, Some(1), "1.{minor}");
        }
        let mut names = Vec::new();
        let mut params = ListParams::default().limit(2);
        loop {
            let page = api.list(&params).await.expect("list");
            names.extend(page.items.iter().filter_map(|s| s.metadata.name.clone()));
            match page.metadata.continue_.filter(|token| !token.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => break,
            }
        }
        assert_eq!(names, ["es-1", "es-2", "es-3"], "1.{minor}");
        let mut changed = api.get("es-1").await.expect("get");
        changed.endpoints = slice("es-1", "10.1.1.1").endpoints;
        let replaced = api
            .replace("es-1", &PostParams::default(), &changed)
            .await
            .expect("replace");
        assert_eq!(replaced.metadata.generation, Some(2), "1.{minor}");
        assert_eq!(slice_address(&replaced), "10.1.1.1");
        let patched = api
            .patch(
                "es-2",
                &PatchParams::default(),
                &Patch::Merge(
                    json!({"metadata": {"labels": {"kubernetes.io/service-name": "svc"}}}),
                ),
            )
            .await
            .expect("merge patch");
        assert_eq!(patched.metadata.generation, Some(2), "1.{minor}");
        api.delete("es-3", &DeleteParams::default())
            .await
            .expect("delete");

        let mut stream = watcher(api.clone(), config).boxed();
        let mut next = async || {
            tokio::time::timeout(WAIT, stream.try_next())
                .await
                .expect("the watcher reports within the timeout")
                .expect("the watcher does not fail")
                .expect("the watcher stream does not end")
        };
        let mut initial = 0;
        loop {
            match next().await {
                watcher::Event::InitDone => break,
                watcher::Event::InitApply(_) => initial += 1,
                _ => {}
            }
        }
        assert_eq!(initial, 2, "1.{minor}");
        api.create(&PostParams::default(), &slice("es-4", "10.0.0.4"))
            .await
            .expect("create");
        match next().await {
            watcher::Event::Apply(seen) => {
                assert_eq!(seen.metadata.name.as_deref(), Some("es-4"), "1.{minor}");
                assert_eq!(slice_address(&seen), "10.0.0.4");
            }
            other => panic!("1.{minor}: expected the new slice, got {other:?}"),
        }
        server.shutdown().await;
    }
}
