//! `--launch kube-apiserver` with stand-in binaries: small Python programs that take the real
//! programs' flags, serve etcd's `/health` and kube-apiserver's `/readyz` (HTTPS with the generated
//! certificate, bearer token from the generated token file), and record how they were started.
//!
//! This proves the orchestration (arguments, certificates, token file, version check, readiness
//! wait, compaction, target set-up, teardown), not compatibility with a real kube-apiserver, which
//! is not available here (the etcd part also runs against Debian's real etcd in the launcher's
//! unit tests).

use std::path::Path;
use std::time::Duration;

use crate::support::scratch_dir;

pub(crate) const FAKE_ETCD: &str = r#"#!/usr/bin/env python3
import http.server, os, sys
args = sys.argv[1:]
open(os.environ["FAKE_DIR"] + "/etcd.args", "w").write("\n".join(args))
open(os.environ["FAKE_DIR"] + "/etcd.pid", "w").write(str(os.getpid()))
url = [a.split("=", 1)[1] for a in args if a.startswith("--listen-client-urls=")][0]
port = int(url.rsplit(":", 1)[1])
answers = {
    ("GET", "/health"): b'{"health":"true"}',
    ("GET", "/version"): b'{"etcdserver":"3.5.21","etcdcluster":"3.5.0"}',
    ("POST", "/v3/kv/range"): b'{"header":{"revision":"7"}}',
    ("POST", "/v3/kv/compaction"): b'{"header":{"revision":"7"}}',
}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        length = int(self.headers.get("Content-Length") or 0)
        sent = self.rfile.read(length) if length else b""
        if self.path == "/v3/kv/compaction":
            open(os.environ["FAKE_DIR"] + "/etcd.compaction", "wb").write(sent)
        body = answers.get((self.command, self.path))
        self.send_response(404 if body is None else 200)
        body = body or b"{}"
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_POST = do_GET
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
"#;

pub(crate) const FAKE_APISERVER: &str = r#"#!/usr/bin/env python3
import http.server, os, ssl, sys
args = sys.argv[1:]
if args == ["--version"]:
    print("Kubernetes v1.36.2-fake")
    sys.exit(0)
open(os.environ["FAKE_DIR"] + "/apiserver.args", "w").write("\n".join(args))
open(os.environ["FAKE_DIR"] + "/apiserver.pid", "w").write(str(os.getpid()))
flag = lambda name: [a.split("=", 1)[1] for a in args if a.startswith("--" + name + "=")][0]
admin = [l.split(",")[0] for l in open(flag("token-auth-file")) if "system:masters" in l][0]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.headers.get("Authorization") != "Bearer " + admin:
            code, body = 401, b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}'
        elif self.path == "/readyz":
            code, body = 200, b"ok"
        elif self.command in ("POST", "DELETE") and self.path.startswith("/api/v1/namespaces"):
            # Namespaces come and go, so the runner can set each check up; Endpoints do not exist.
            code, body = (201 if self.command == "POST" else 200), b'{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"x"}}'
        elif self.path == "/version":
            code, body = 200, b'{"major":"1","minor":"36","gitVersion":"v1.36.2-fake"}'
        else:
            code, body = 404, b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"not here","reason":"NotFound","code":404}'
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET
    def log_message(self, *a):
        pass
server = http.server.HTTPServer(("127.0.0.1", int(flag("secure-port"))), H)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(flag("tls-cert-file"), flag("tls-private-key-file"))
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
"#;

pub(crate) fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(path, text).expect("write stand-in");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

pub(crate) fn alive(pid: &str) -> bool {
    std::process::Command::new("kill")
        .args(["-0", pid])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A scratch directory holding the stand-in `etcd` and `kube-apiserver` (the latter `apiserver`,
/// or [`FAKE_APISERVER`]), as `(dir, etcd, kube-apiserver)`.
pub(crate) fn stand_ins(
    name: &str,
    apiserver: Option<&str>,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let dir = scratch_dir(name);
    let etcd = dir.join("etcd");
    let kube_apiserver = dir.join("kube-apiserver");
    write_executable(&etcd, FAKE_ETCD);
    write_executable(&kube_apiserver, apiserver.unwrap_or(FAKE_APISERVER));
    (dir, etcd, kube_apiserver)
}

/// Runs `kconform args…` with the stand-ins recording into `dir`, within 120 s; gives the exit
/// code and a dump of both streams for assertion messages, and stdout and stderr.
pub(crate) async fn run_with_stand_ins(
    args: &[&str],
    dir: &Path,
) -> (Option<i32>, String, String, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_kconform"));
    command
        .args(args)
        .env("FAKE_DIR", dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .expect("kconform finished within 120 s")
        .expect("kconform started");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let dump = format!("exit {:?}\n{stdout}\n{stderr}", output.status.code());
    (output.status.code(), dump, stdout, stderr)
}

/// Fails unless both stand-ins recorded in `dir` have exited.
pub(crate) fn assert_stand_ins_stopped(dir: &Path) {
    for name in ["etcd.pid", "apiserver.pid"] {
        let pid = std::fs::read_to_string(dir.join(name)).expect("pid recorded");
        assert!(
            !alive(pid.trim()),
            "{name} {pid} still running after kconform exited"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn launch_kube_apiserver_starts_waits_runs_and_tears_down_with_stand_in_binaries() {
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        python,
        "python3 is needed for the stand-in etcd and kube-apiserver"
    );
    let (dir, etcd, apiserver) = stand_ins("launch-kube-apiserver", None);
    let out = dir.join("out");
    let (code, dump, stdout, stderr) = run_with_stand_ins(
        &[
            "run",
            "--launch",
            "kube-apiserver",
            "--kube-apiserver",
            apiserver.to_str().expect("utf-8"),
            "--etcd",
            etcd.to_str().expect("utf-8"),
            "--filter",
            "^EP-READ-001$",
            "--out",
            out.to_str().expect("utf-8"),
        ],
        &dir,
    )
    .await;

    // The stand-in is not a conformant server (it has no Endpoints at all): the check fails, the
    // gate says regression.
    assert_eq!(code, Some(1), "{dump}");
    assert!(
        stderr.contains("kconform: launched the kube apiserver at https://127.0.0.1:"),
        "{dump}"
    );
    // TLS verified against the generated CA, and the admin token accepted: /version was read.
    assert!(stderr.contains("server reports v1.36.2-fake"), "{dump}");
    assert!(stdout.contains("EP-READ-001"), "{dump}");

    let etcd_args = std::fs::read_to_string(dir.join("etcd.args")).expect("etcd was started");
    // etcd (reporting 3.5.21, new enough for 1.36) was compacted at its revision once ready.
    let compaction =
        std::fs::read_to_string(dir.join("etcd.compaction")).expect("etcd was compacted");
    assert!(compaction.contains(r#""revision":"7""#), "{compaction}");
    assert!(
        etcd_args.contains("--listen-client-urls=http://127.0.0.1:"),
        "{etcd_args}"
    );
    let apiserver_args =
        std::fs::read_to_string(dir.join("apiserver.args")).expect("kube-apiserver was started");
    for flag in [
        "--etcd-servers=http://127.0.0.1:",
        "--bind-address=127.0.0.1",
        "--authorization-mode=RBAC",
        "--token-auth-file=",
        "--service-account-signing-key-file=",
    ] {
        assert!(
            apiserver_args.contains(flag),
            "{flag} missing:\n{apiserver_args}"
        );
    }
    // Teardown: both processes are gone, and so is the working directory with the keys.
    assert_stand_ins_stopped(&dir);
    let work_dir = apiserver_args
        .lines()
        .find_map(|a| a.strip_prefix("--token-auth-file="))
        .and_then(|p| Path::new(p).parent().map(Path::to_owned))
        .expect("token file path");
    assert!(!work_dir.exists(), "{} left behind", work_dir.display());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kube_apiserver_that_exits_at_once_is_reported_with_its_log() {
    let (dir, etcd, apiserver) = stand_ins(
        "launch-exits",
        Some(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'Kubernetes v1.36.2'; exit 0; fi\necho 'E1127 flag provided but not defined: -bogus' >&2\nexit 1\n",
        ),
    );
    let (code, _, _, stderr) = run_with_stand_ins(
        &[
            "run",
            "--launch",
            "kube-apiserver",
            "--kube-apiserver",
            apiserver.to_str().expect("utf-8"),
            "--etcd",
            etcd.to_str().expect("utf-8"),
        ],
        &dir,
    )
    .await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("kube-apiserver exited with exit status: 1 before becoming ready"),
        "{stderr}"
    );
    assert!(
        stderr.contains("flag provided but not defined: -bogus"),
        "{stderr}"
    );
    let pid = std::fs::read_to_string(dir.join("etcd.pid")).expect("etcd was started");
    // etcd is killed when kube-apiserver fails; the kernel reaps it shortly after.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while alive(pid.trim()) {
        assert!(
            std::time::Instant::now() < deadline,
            "etcd {pid} still running 10 s after kube-apiserver failed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
