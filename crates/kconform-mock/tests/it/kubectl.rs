//! kubectl, unmodified, against the reference server over TLS with a generated kubeconfig: get,
//! describe, create -f, apply (client-side and server-side), patch (json, merge, strategic), label,
//! annotate, delete, get -w and --dry-run=server.
//!
//! kubectl must be on PATH (the CI script installs it); without it the test fails with a clear
//! message, unless `KCONFORM_SKIP_KUBECTL=1`. Every kubectl call is bounded by `--request-timeout` and a
//! kill after [`KUBECTL_TIMEOUT`].

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use kconform_mock::{Config, RunningServer, Tls};
use kconform_spec::K8sVersion;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::Command;

const TOKEN: &str = "kconform-kubectl-admin";
const KUBECTL_TIMEOUT: Duration = Duration::from_secs(30);

/// The kubectl binary, or None when the test may be skipped.
fn kubectl_binary() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("kubectl"))
            .find(|candidate| candidate.is_file())
    });
    match found {
        Some(path) => Some(path),
        None if std::env::var("KCONFORM_SKIP_KUBECTL").as_deref() == Ok("1") => {
            eprintln!("kubectl not found on PATH; skipped because KCONFORM_SKIP_KUBECTL=1");
            None
        }
        None => panic!(
            "kubectl not found on PATH: install kubectl, or set KCONFORM_SKIP_KUBECTL=1 to skip this test"
        ),
    }
}

/// A unique scratch directory under the system temp dir, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "kconform-{tag}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).expect("the temp dir is writable");
        Scratch(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("the temp dir is writable");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn tls_server(minor: u32) -> RunningServer {
    let mut config = Config::default().with_admin_token(TOKEN);
    config.version = K8sVersion::new(minor);
    config.tls = Tls::SelfSigned { cert_out: None };
    kconform_mock::spawn(config)
        .await
        .expect("the mock starts with TLS")
}

fn kubeconfig(server: &RunningServer, namespace: &str) -> String {
    let ca = server
        .ca_certificate_pem
        .as_deref()
        .expect("a TLS server has a certificate");
    let ca = base64::engine::general_purpose::STANDARD.encode(ca);
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: mock\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\n\
         users:\n- name: admin\n  user:\n    token: {TOKEN}\ncontexts:\n- name: mock\n  context:\n    cluster: mock\n    user: admin\n    namespace: {namespace}\n\
         current-context: mock\n",
        url = server.url
    )
}

/// Runs kubectl against the mock and the kubeconfig; returns (success, stdout, stderr).
struct Kubectl {
    binary: PathBuf,
    kubeconfig: PathBuf,
}

impl Kubectl {
    async fn run(&self, args: &[&str]) -> (bool, String, String) {
        let mut command = Command::new(&self.binary);
        command
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--request-timeout=20s")
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        let output = tokio::time::timeout(KUBECTL_TIMEOUT, command.output())
            .await
            .unwrap_or_else(|_| {
                panic!("kubectl {args:?} did not finish within {KUBECTL_TIMEOUT:?}")
            })
            .expect("kubectl can be started");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Runs kubectl and requires success; returns stdout.
    async fn ok(&self, args: &[&str]) -> String {
        let (success, stdout, stderr) = self.run(args).await;
        assert!(
            success,
            "kubectl {args:?} failed\nstdout: {stdout}\nstderr: {stderr}"
        );
        stdout
    }

    async fn json(&self, args: &[&str]) -> Value {
        let stdout = self.ok(args).await;
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("kubectl {args:?} printed no JSON ({e}): {stdout}"))
    }
}

fn endpoints_yaml(name: &str, ip: &str, label: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: {name}\n  labels:\n    app: {label}\n\
         subsets:\n- addresses:\n  - ip: {ip}\n  ports:\n  - name: http\n    port: 80\n"
    )
}

fn kubectl_for(binary: PathBuf, server: &RunningServer, scratch: &Scratch) -> Kubectl {
    let kubeconfig = scratch.write("kubeconfig", &kubeconfig(server, "default"));
    Kubectl { binary, kubeconfig }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_manages_endpoints_over_tls() {
    let Some(binary) = kubectl_binary() else {
        return;
    };
    let server = tls_server(36).await;
    let scratch = Scratch::new("kubectl");
    let k = kubectl_for(binary, &server, &scratch);
    let file = |name: &str, ip: &str, label: &str| {
        scratch.write(&format!("{name}.yaml"), &endpoints_yaml(name, ip, label))
    };
    let path = |p: &Path| p.to_string_lossy().into_owned();

    // create namespace (a protobuf body, as client-go's typed clients write), get it, and the
    // 409 for one that exists.
    let created = k.ok(&["create", "namespace", "kubectl-ns"]).await;
    assert!(
        created.contains("namespace/kubectl-ns created"),
        "{created}"
    );
    let namespace = k
        .json(&["get", "namespace", "kubectl-ns", "-o", "json"])
        .await;
    assert_eq!(namespace["spec"]["finalizers"][0], "kubernetes");
    assert_eq!(namespace["status"]["phase"], "Active");
    let (success, _, stderr) = k.run(&["create", "namespace", "default"]).await;
    assert!(
        !success
            && stderr.contains(
                "Error from server (AlreadyExists): namespaces \"default\" already exists"
            ),
        "{stderr}"
    );

    // apply -f of a manifest that holds its namespace: created, then unchanged (the create kept
    // kubectl's last-applied annotation); label is a PATCH of the namespace.
    let manifest = scratch.write(
        "with-namespace.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kubectl-app\n---\n\
         apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: ep-app\n  namespace: kubectl-app\n\
         subsets:\n- addresses:\n  - ip: 10.9.9.9\n  ports:\n  - port: 80\n",
    );
    let applied = k.ok(&["apply", "-f", &path(&manifest)]).await;
    assert!(
        applied.contains("namespace/kubectl-app created")
            && applied.contains("endpoints/ep-app created"),
        "{applied}"
    );
    let again = k.ok(&["apply", "-f", &path(&manifest)]).await;
    assert!(again.contains("namespace/kubectl-app unchanged"), "{again}");
    let labelled = k.ok(&["label", "namespace", "kubectl-app", "team=a"]).await;
    assert!(
        labelled.contains("namespace/kubectl-app labeled"),
        "{labelled}"
    );
    let namespace = k
        .json(&["get", "namespace", "kubectl-app", "-o", "json"])
        .await;
    assert_eq!(namespace["metadata"]["labels"]["team"], "a");
    assert_eq!(
        namespace["metadata"]["labels"]["kubernetes.io/metadata.name"],
        "kubectl-app"
    );

    // explain reads the served OpenAPI v3 document, descriptions included.
    let explained = k.ok(&["explain", "endpoints.subsets"]).await;
    assert!(
        explained.contains("The set of all endpoints is the union of all subsets"),
        "{explained}"
    );

    // create -f, get (table and JSON), describe.
    let created = k
        .ok(&["create", "-f", &path(&file("ep-1", "10.1.2.3", "a"))])
        .await;
    assert!(created.contains("endpoints/ep-1 created"), "{created}");
    // The server prints the Table kubectl asks for: NAME, ENDPOINTS (ip:port) and AGE.
    let table = k.ok(&["get", "endpoints"]).await;
    assert!(
        table.contains("NAME") && table.contains("ENDPOINTS") && table.contains("ep-1"),
        "{table}"
    );
    assert!(table.contains("10.1.2.3:80"), "{table}");
    let object = k.json(&["get", "endpoints", "ep-1", "-o", "json"]).await;
    assert_eq!(object["subsets"][0]["ports"][0]["protocol"], "TCP");
    assert_eq!(object["metadata"]["labels"]["app"], "a");
    let described = k.ok(&["describe", "endpoints", "ep-1"]).await;
    assert!(
        described.contains("ep-1") && described.contains("10.1.2.3"),
        "{described}"
    );

    // Client-side apply: create, then change through a three-way strategic merge patch.
    k.ok(&["apply", "-f", &path(&file("ep-2", "10.2.2.2", "b"))])
        .await;
    k.ok(&["apply", "-f", &path(&file("ep-2", "10.2.2.3", "c"))])
        .await;
    let applied = k.json(&["get", "endpoints", "ep-2", "-o", "json"]).await;
    assert_eq!(applied["metadata"]["labels"]["app"], "c");
    assert_eq!(applied["subsets"][0]["addresses"][0]["ip"], "10.2.2.3");
    assert!(
        applied["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .is_string()
    );

    // Server-side apply, twice (the second is a no-op for the same manager).
    let ssa = path(&file("ep-3", "10.3.3.3", "d"));
    k.ok(&["apply", "--server-side", "-f", &ssa]).await;
    k.ok(&["apply", "--server-side", "-f", &ssa]).await;
    let server_applied = k
        .json(&[
            "get",
            "endpoints",
            "ep-3",
            "-o",
            "json",
            "--show-managed-fields",
        ])
        .await;
    let managers: Vec<&str> = server_applied["metadata"]["managedFields"]
        .as_array()
        .expect("managedFields")
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert!(managers.contains(&"kubectl"), "{managers:?}");

    // patch in every type, label, annotate.
    k.ok(&[
        "patch",
        "endpoints",
        "ep-1",
        "--type",
        "merge",
        "-p",
        r#"{"metadata":{"labels":{"merge":"yes"}}}"#,
    ])
    .await;
    k.ok(&[
        "patch",
        "endpoints",
        "ep-1",
        "--type",
        "json",
        "-p",
        r#"[{"op":"add","path":"/metadata/labels/json","value":"yes"}]"#,
    ])
    .await;
    k.ok(&[
        "patch",
        "endpoints",
        "ep-1",
        "--type",
        "strategic",
        "-p",
        r#"{"metadata":{"labels":{"strategic":"yes"}}}"#,
    ])
    .await;
    k.ok(&["label", "endpoints", "ep-1", "tier=web"]).await;
    k.ok(&["annotate", "endpoints", "ep-1", "note=kconform"])
        .await;
    let patched = k.json(&["get", "endpoints", "ep-1", "-o", "json"]).await;
    for key in ["merge", "json", "strategic"] {
        assert_eq!(patched["metadata"]["labels"][key], "yes", "{patched}");
    }
    assert_eq!(patched["metadata"]["labels"]["tier"], "web");
    assert_eq!(patched["metadata"]["annotations"]["note"], "kconform");

    // --dry-run=server: the answer is the would-be object, nothing is stored.
    let dry = k
        .json(&[
            "create",
            "-f",
            &path(&file("ep-4", "10.4.4.4", "e")),
            "--dry-run=server",
            "-o",
            "json",
        ])
        .await;
    assert_eq!(dry["metadata"]["name"], "ep-4");
    let (found, _, missing) = k.run(&["get", "endpoints", "ep-4"]).await;
    assert!(!found && missing.contains("NotFound"), "{missing}");

    // get -w sees a change made while it watches; it is stopped by the test.
    let mut watch = Command::new(&k.binary);
    watch
        .arg("--kubeconfig")
        .arg(&k.kubeconfig)
        .args([
            "get",
            "endpoints",
            "ep-1",
            "-w",
            "--output-watch-events",
            "-o",
            "json",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let mut child = watch.spawn().expect("kubectl can be started");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let watched = tokio::time::timeout(KUBECTL_TIMEOUT, async {
        let mut seen = String::new();
        let mut relabelled = false;
        while let Ok(Some(line)) = lines.next_line().await {
            // kubectl prints compact or indented JSON depending on its version: compare without spaces.
            let line: String = line.chars().filter(|c| !c.is_whitespace()).collect();
            seen.push_str(&line);
            seen.push('\n');
            if !relabelled && line.contains("\"type\":\"ADDED\"") {
                k.ok(&["label", "endpoints", "ep-1", "watched=yes"]).await;
                relabelled = true;
            }
            if relabelled
                && seen.contains("\"type\":\"MODIFIED\"")
                && seen.contains("\"watched\":\"yes\"")
            {
                break;
            }
        }
        seen
    })
    .await;
    let _ = child.kill().await;
    let seen = watched.expect("kubectl get -w printed the change within the timeout");
    assert!(seen.contains("\"type\":\"MODIFIED\""), "{seen}");

    // delete.
    let deleted = k.ok(&["delete", "endpoints", "ep-1"]).await;
    assert!(deleted.contains("\"ep-1\" deleted"), "{deleted}");
    let (found, _, missing) = k.run(&["get", "endpoints", "ep-1"]).await;
    assert!(!found && missing.contains("NotFound"), "{missing}");

    // A manifest holding a namespace and its objects: applied, then deleted in file order, the
    // namespace first. Its objects are still there to delete while it terminates, and kubectl
    // waits until the namespace is gone.
    let manifest = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kubectl-all\n---\n{}",
        endpoints_yaml("ep-all", "10.6.6.6", "all").replace(
            "metadata:\n  name: ep-all\n",
            "metadata:\n  name: ep-all\n  namespace: kubectl-all\n"
        )
    );
    let file = scratch.write("all.yaml", &manifest);
    let file = file.to_string_lossy().into_owned();
    let applied = k.ok(&["apply", "-f", &file]).await;
    assert!(applied.contains("endpoints/ep-all created"), "{applied}");
    // The server's namespace table: Name, Status (the phase) and Age.
    let listed = k.ok(&["get", "namespace", "kubectl-all"]).await;
    let header: Vec<&str> = listed
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(header, ["NAME", "STATUS", "AGE"], "{listed}");
    assert!(listed.contains("Active"), "{listed}");
    let deleted = k.ok(&["delete", "-f", &file]).await;
    assert!(
        deleted.contains("namespace \"kubectl-all\" deleted")
            && deleted.contains("endpoints \"ep-all\" deleted"),
        "{deleted}"
    );
    let (found, _, missing) = k.run(&["get", "namespace", "kubectl-all"]).await;
    assert!(!found && missing.contains("NotFound"), "{missing}");

    // `kubectl auth can-i` asks with a protobuf SelfSubjectAccessReview; an administrator may.
    let may = k.ok(&["auth", "can-i", "delete", "endpoints"]).await;
    assert_eq!(may.trim(), "yes");
    // `kubectl auth whoami` asks with a protobuf SelfSubjectReview.
    let me = k.ok(&["auth", "whoami", "-o", "json"]).await;
    let me: Value = serde_json::from_str(&me).expect("whoami -o json prints JSON");
    assert_eq!(me["status"]["userInfo"]["username"], "admin", "{me}");
    server.shutdown().await;
}

/// Every versioned kubectl that is installed (1.28 … 1.33) against the mock emulating its version:
/// create, get, apply, patch, delete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versioned_kubectls_work_against_the_matching_emulated_version() {
    if kubectl_binary().is_none() {
        return;
    }
    let dir = Path::new("/usr/lib/google-cloud-sdk/bin");
    let mut tried = 0;
    for minor in 28..=33 {
        let binary = dir.join(format!("kubectl.1.{minor}"));
        if !binary.is_file() {
            continue;
        }
        tried += 1;
        let server = tls_server(minor).await;
        let scratch = Scratch::new("kubectl-versioned");
        let k = kubectl_for(binary, &server, &scratch);
        let file = scratch.write("ep.yaml", &endpoints_yaml("ep-v", "10.5.5.5", "v"));
        let file = file.to_string_lossy().into_owned();
        k.ok(&["create", "-f", &file]).await;
        let object = k.json(&["get", "endpoints", "ep-v", "-o", "json"]).await;
        assert_eq!(
            object["subsets"][0]["addresses"][0]["ip"], "10.5.5.5",
            "1.{minor}"
        );
        k.ok(&["apply", "-f", &file]).await;
        k.ok(&[
            "patch",
            "endpoints",
            "ep-v",
            "-p",
            r#"{"metadata":{"labels":{"p":"1"}}}"#,
        ])
        .await;
        k.ok(&["delete", "endpoints", "ep-v"]).await;
        // `kubectl create namespace` sends a protobuf Namespace body (client-go's typed client).
        let created = k.ok(&["create", "namespace", "kubectl-v"]).await;
        assert!(
            created.contains("namespace/kubectl-v created"),
            "1.{minor}: {created}"
        );
        k.ok(&["create", "-n", "kubectl-v", "-f", &file]).await;
        let listed = k
            .ok(&["get", "-n", "kubectl-v", "endpoints", "-o", "name"])
            .await;
        assert_eq!(listed.trim(), "endpoints/ep-v", "1.{minor}");
        k.ok(&["delete", "namespace", "kubectl-v"]).await;
        server.shutdown().await;
    }
    eprintln!("versioned kubectls tried: {tried}");
}

fn endpoint_slice_yaml(name: &str, address: &str, label: &str) -> String {
    format!(
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: {name}\n  labels:\n    kubernetes.io/service-name: {label}\n\
         addressType: IPv4\nendpoints:\n- addresses:\n  - {address}\nports:\n- name: http\n  port: 80\n"
    )
}

/// kubectl finds EndpointSlice through discovery (aggregated at 1.36, plain at 1.28) and manages it
/// unmodified: create, get (the server's table and JSON), describe, client-side and server-side
/// apply, patch, delete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_manages_endpoint_slices() {
    let Some(binary) = kubectl_binary() else {
        return;
    };
    for minor in [28, 36] {
        let server = tls_server(minor).await;
        let scratch = Scratch::new("kubectl-slices");
        let k = kubectl_for(binary.clone(), &server, &scratch);
        let file = |name: &str, address: &str, label: &str| {
            let written = scratch.write(
                &format!("{name}.yaml"),
                &endpoint_slice_yaml(name, address, label),
            );
            written.to_string_lossy().into_owned()
        };
        let created = k
            .ok(&["create", "-f", &file("es-1", "10.1.2.3", "a")])
            .await;
        assert!(
            created.contains("endpointslice.discovery.k8s.io/es-1 created"),
            "1.{minor}: {created}"
        );
        let table = k.ok(&["get", "endpointslices"]).await;
        assert!(
            table.contains("ADDRESSTYPE") && table.contains("10.1.2.3"),
            "1.{minor}: {table}"
        );
        let object = k
            .json(&["get", "endpointslice", "es-1", "-o", "json"])
            .await;
        assert_eq!(object["ports"][0]["protocol"], "TCP", "1.{minor}");
        assert_eq!(object["metadata"]["generation"], 1, "1.{minor}");
        let described = k.ok(&["describe", "endpointslice", "es-1"]).await;
        assert!(described.contains("10.1.2.3"), "1.{minor}: {described}");
        k.ok(&["apply", "-f", &file("es-2", "10.2.2.2", "b")]).await;
        k.ok(&["apply", "-f", &file("es-2", "10.2.2.3", "b")]).await;
        let applied = k
            .json(&["get", "endpointslice", "es-2", "-o", "json"])
            .await;
        assert_eq!(applied["endpoints"][0]["addresses"][0], "10.2.2.3");
        assert_eq!(applied["metadata"]["generation"], 2, "1.{minor}");
        let ssa = file("es-3", "10.3.3.3", "c");
        k.ok(&["apply", "--server-side", "-f", &ssa]).await;
        k.ok(&[
            "patch",
            "endpointslice",
            "es-3",
            "--type",
            "merge",
            "-p",
            r#"{"metadata":{"labels":{"merge":"yes"}}}"#,
        ])
        .await;
        let deleted = k.ok(&["delete", "endpointslice", "es-1"]).await;
        assert!(deleted.contains("\"es-1\" deleted"), "1.{minor}: {deleted}");
        let (found, _, missing) = k.run(&["get", "endpointslice", "es-1"]).await;
        assert!(
            !found && missing.contains("NotFound"),
            "1.{minor}: {missing}"
        );
        server.shutdown().await;
    }
}
