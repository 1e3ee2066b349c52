//! `--launch kube-apiserver`: start etcd and kube-apiserver from binaries the user supplies, on
//! loopback, the way controller-runtime's envtest does, and stop them again.
//!
//! What we set up in a fresh working directory:
//! - a certificate authority and a serving certificate for `127.0.0.1`/`localhost` (rcgen), so the
//!   harness verifies TLS for real instead of turning verification off;
//! - a service-account signing key (kube-apiserver refuses to start without one);
//! - a static token file with an admin user (`system:masters`) and an unprivileged user, so the
//!   suite's authorization checks have a token that is authenticated but not allowed;
//! - free loopback ports for etcd's client and peer URLs and the API server's secure port.
//!
//! Readiness is a bounded wait on etcd's `/health` and then on kube-apiserver's `/readyz`.
//! Teardown kills both processes: explicitly in [`RunningKubeApiserver::shutdown`], and, should the
//! run be dropped half-way (Ctrl-C), through `kill_on_drop` and the working directory's `Drop`.
//!
//! Before kube-apiserver starts, the launcher reads both versions and refuses a pairing kube-apiserver
//! cannot use fully (an etcd whose RequestWatchProgress it does not trust; see [`etcd::check_pairing`]).
//! Once kube-apiserver is ready, the launcher compacts etcd to its current revision, so resourceVersion 1
//! is too old at once and the checks about compacted resourceVersions run.
//!
//! This mode has run against real binaries: kube-apiserver v1.28.7 with etcd 3.4.23 (150 pass, 4
//! skipped, 3 unsupported before the compaction step was added). kconform's own CI has no
//! kube-apiserver; there the argument construction, certificates and token file are unit-tested, and
//! the etcd part (version, compaction) runs against Debian's real etcd.

use std::ffi::OsString;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

use super::etcd::{self, Version};

/// The binaries the user supplied.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// Path of `kube-apiserver`.
    pub kube_apiserver: PathBuf,
    /// Path of `etcd`.
    pub etcd: PathBuf,
}

/// Ports and files of one launch.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The working directory (certificates, token file, etcd data, logs).
    pub dir: PathBuf,
    /// etcd's client port.
    pub etcd_client_port: u16,
    /// etcd's peer port.
    pub etcd_peer_port: u16,
    /// kube-apiserver's secure port.
    pub secure_port: u16,
}

impl Layout {
    /// etcd's data directory.
    pub fn etcd_data_dir(&self) -> PathBuf {
        self.dir.join("etcd-data")
    }
    /// etcd's client URL.
    pub fn etcd_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.etcd_client_port)
    }
    /// etcd's peer URL.
    pub fn etcd_peer_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.etcd_peer_port)
    }
    /// The API server's base URL.
    pub fn apiserver_url(&self) -> String {
        format!("https://127.0.0.1:{}", self.secure_port)
    }
    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// The file names written into the working directory.
pub mod files {
    /// The CA certificate (PEM): what the harness trusts.
    pub const CA_CERT: &str = "ca.crt";
    /// The serving certificate (PEM).
    pub const SERVING_CERT: &str = "apiserver.crt";
    /// The serving key (PEM).
    pub const SERVING_KEY: &str = "apiserver.key";
    /// The service-account signing key (PEM, PKCS#8).
    pub const SA_KEY: &str = "sa-signer.key";
    /// The service-account public key (PEM).
    pub const SA_PUB: &str = "sa-signer.pub";
    /// The static token file (CSV).
    pub const TOKENS: &str = "tokens.csv";
    /// etcd's output.
    pub const ETCD_LOG: &str = "etcd.log";
    /// kube-apiserver's output.
    pub const APISERVER_LOG: &str = "kube-apiserver.log";
}

/// The arguments etcd gets (envtest's, with every URL on 127.0.0.1).
pub fn etcd_args(layout: &Layout) -> Vec<OsString> {
    let data_dir = layout.etcd_data_dir();
    let mut args: Vec<OsString> = vec![
        "--name=default".into(),
        "--data-dir".into(),
        data_dir.into_os_string(),
    ];
    args.extend(
        [
            format!("--listen-client-urls={}", layout.etcd_url()),
            format!("--advertise-client-urls={}", layout.etcd_url()),
            format!("--listen-peer-urls={}", layout.etcd_peer_url()),
            // The peer URLs must agree with the cluster definition, or etcd refuses to start when the
            // peer port is not its default 2380.
            format!("--initial-advertise-peer-urls={}", layout.etcd_peer_url()),
            format!("--initial-cluster=default={}", layout.etcd_peer_url()),
            // A throw-away single member: durability buys nothing and costs seconds per write.
            "--unsafe-no-fsync=true".to_owned(),
        ]
        .map(OsString::from),
    );
    args
}

/// The arguments kube-apiserver gets.
pub fn kube_apiserver_args(layout: &Layout) -> Vec<OsString> {
    let path_flag = |flag: &str, name: &str| -> OsString {
        let mut arg = OsString::from(format!("--{flag}="));
        arg.push(layout.file(name));
        arg
    };
    let mut args: Vec<OsString> = [
        format!("--etcd-servers={}", layout.etcd_url()),
        "--bind-address=127.0.0.1".to_owned(),
        "--advertise-address=127.0.0.1".to_owned(),
        format!("--secure-port={}", layout.secure_port),
        // RBAC so the unprivileged token is really refused (the suite checks 403 bodies).
        "--authorization-mode=RBAC".to_owned(),
        "--allow-privileged=true".to_owned(),
        "--service-cluster-ip-range=10.0.0.0/24".to_owned(),
        format!(
            "--service-account-issuer=https://127.0.0.1:{}",
            layout.secure_port
        ),
        // No ServiceAccount admission: there is no controller manager to create the tokens it expects.
        "--disable-admission-plugins=ServiceAccount".to_owned(),
    ]
    .map(OsString::from)
    .into();
    args.push(path_flag("cert-dir", ""));
    args.push(path_flag("tls-cert-file", files::SERVING_CERT));
    args.push(path_flag("tls-private-key-file", files::SERVING_KEY));
    args.push(path_flag("client-ca-file", files::CA_CERT));
    args.push(path_flag("token-auth-file", files::TOKENS));
    args.push(path_flag("service-account-key-file", files::SA_PUB));
    args.push(path_flag("service-account-signing-key-file", files::SA_KEY));
    args
}

/// The two tokens written to the static token file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    /// A member of `system:masters`: allowed everything.
    pub admin: String,
    /// Authenticated, but in no group with permissions: refused by RBAC.
    pub unprivileged: String,
}

impl Tokens {
    /// Two random tokens.
    pub fn generate() -> Self {
        Self {
            admin: random_token(),
            unprivileged: random_token(),
        }
    }

    /// The token file kube-apiserver reads with `--token-auth-file`: CSV `token,user,uid,"groups"`.
    pub fn file_contents(&self) -> String {
        format!(
            "{},kconform-admin,kconform-admin,\"system:masters\"\n{},kconform-unprivileged,kconform-unprivileged\n",
            self.admin, self.unprivileged
        )
    }
}

fn random_token() -> String {
    // Hex of 128 random bits from the OS-seeded generator: valid in the CSV file without quoting.
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// PEM texts generated for one launch.
#[derive(Debug, Clone)]
pub struct Certificates {
    /// The CA certificate.
    pub ca_cert: String,
    /// The serving certificate, signed by the CA, for 127.0.0.1 and localhost.
    pub serving_cert: String,
    /// The serving certificate's key.
    pub serving_key: String,
    /// The service-account signing key.
    pub sa_key: String,
    /// Its public key.
    pub sa_pub: String,
}

impl Certificates {
    /// Generates a CA, a loopback serving certificate and a service-account key pair.
    ///
    /// # Errors
    /// Key generation or signing failed.
    pub fn generate() -> anyhow::Result<Self> {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
        };
        let ca_key = KeyPair::generate().context("generating the CA key")?;
        let mut ca_params =
            CertificateParams::new(Vec::<String>::new()).context("CA parameters")?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "kconform-ca");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params
            .self_signed(&ca_key)
            .context("self-signing the CA")?;
        let issuer = Issuer::new(ca_params, ca_key);

        let serving_key = KeyPair::generate().context("generating the serving key")?;
        let mut serving_params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .context("serving certificate parameters")?;
        serving_params
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        serving_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let serving_cert = serving_params
            .signed_by(&serving_key, &issuer)
            .context("signing the serving certificate")?;

        let sa_key = KeyPair::generate().context("generating the service-account key")?;
        Ok(Self {
            ca_cert: ca_cert.pem(),
            serving_cert: serving_cert.pem(),
            serving_key: serving_key.serialize_pem(),
            sa_key: sa_key.serialize_pem(),
            sa_pub: sa_key.public_key_pem(),
        })
    }

    fn write(&self, layout: &Layout) -> anyhow::Result<()> {
        for (name, text) in [
            (files::CA_CERT, &self.ca_cert),
            (files::SERVING_CERT, &self.serving_cert),
            (files::SERVING_KEY, &self.serving_key),
            (files::SA_KEY, &self.sa_key),
            (files::SA_PUB, &self.sa_pub),
        ] {
            let path = layout.file(name);
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    }
}

/// A free TCP port on 127.0.0.1 (bound then released: another process could take it meanwhile,
/// which is the same race envtest accepts).
///
/// # Errors
/// Binding failed.
pub fn free_port() -> anyhow::Result<u16> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("finding a free port on 127.0.0.1")?;
    Ok(listener
        .local_addr()
        .context("reading the bound port")?
        .port())
}

/// A working directory removed on drop.
#[derive(Debug)]
pub struct WorkDir(PathBuf);

impl WorkDir {
    /// Creates a fresh directory under the system temporary directory.
    ///
    /// # Errors
    /// The directory could not be created.
    pub fn create() -> anyhow::Result<Self> {
        let name = format!(
            "kconform-kube-apiserver-{}-{}",
            std::process::id(),
            random_token()
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Self(path))
    }
    /// The path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        // Best effort: a left-over directory in /tmp is harmless and the error has nowhere to go.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// etcd and kube-apiserver, running.
#[derive(Debug)]
pub struct RunningKubeApiserver {
    /// The API server's base URL (`https://127.0.0.1:PORT`).
    pub url: String,
    /// The etcd revision compacted once the server was ready: older resourceVersions are gone.
    pub compacted: u64,
    /// The tokens.
    pub tokens: Tokens,
    /// The CA certificate path (PEM) the harness must trust.
    pub ca_file: PathBuf,
    etcd: Child,
    apiserver: Child,
    // Declared last so the processes are killed before their files disappear.
    dir: WorkDir,
}

/// How long each readiness wait may take.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a process may take to die after being killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts etcd, then kube-apiserver, and waits until `/readyz` answers 200.
///
/// # Errors
/// A binary is missing or not executable, a process exits early, or readiness is not reached within
/// [`READY_TIMEOUT`] (the message includes the tail of the process's log).
pub async fn start(binaries: &Binaries) -> anyhow::Result<RunningKubeApiserver> {
    for (what, path) in [
        ("--kube-apiserver", &binaries.kube_apiserver),
        ("--etcd", &binaries.etcd),
    ] {
        if !path.is_file() {
            bail!("{what} {}: no such file", path.display());
        }
    }
    // Every reqwest client below (plain HTTP to etcd too) needs rustls' provider installed first.
    kconform_harness::client::install_crypto_provider();
    let apiserver_version = binary_version(&binaries.kube_apiserver).await?;
    let dir = WorkDir::create()?;
    let layout = Layout {
        dir: dir.path().to_owned(),
        etcd_client_port: free_port()?,
        etcd_peer_port: free_port()?,
        secure_port: free_port()?,
    };
    let certificates = Certificates::generate()?;
    certificates.write(&layout)?;
    let tokens = Tokens::generate();
    std::fs::write(layout.file(files::TOKENS), tokens.file_contents())
        .context("writing the token file")?;

    let mut etcd = spawn(
        &binaries.etcd,
        etcd_args(&layout),
        &layout.file(files::ETCD_LOG),
    )?;
    let etcd_health = format!("{}/health", layout.etcd_url());
    let plain = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .context("building an HTTP client")?;
    if let Err(err) = wait_ready(
        &plain,
        &etcd_health,
        None,
        &mut etcd,
        &layout.file(files::ETCD_LOG),
        "etcd",
    )
    .await
    {
        stop_child(&mut etcd).await;
        return Err(err);
    }
    let paired = match etcd::server_version(&plain, &layout.etcd_url()).await {
        Ok(etcd_version) => etcd::check_pairing(apiserver_version, etcd_version),
        Err(err) => Err(err),
    };
    if let Err(err) = paired {
        stop_child(&mut etcd).await;
        return Err(err);
    }

    let mut apiserver = spawn(
        &binaries.kube_apiserver,
        kube_apiserver_args(&layout),
        &layout.file(files::APISERVER_LOG),
    )?;
    let ca = reqwest::Certificate::from_pem(certificates.ca_cert.as_bytes())
        .context("reading back the generated CA")?;
    let tls = reqwest::Client::builder()
        .tls_certs_only([ca])
        .timeout(Duration::from_secs(2))
        .build()
        .context("building an HTTPS client")?;
    let readyz = format!("{}/readyz", layout.apiserver_url());
    if let Err(err) = wait_ready(
        &tls,
        &readyz,
        Some(&tokens.admin),
        &mut apiserver,
        &layout.file(files::APISERVER_LOG),
        "kube-apiserver",
    )
    .await
    {
        stop_child(&mut apiserver).await;
        stop_child(&mut etcd).await;
        return Err(err);
    }
    let compacted = match etcd::compact(&plain, &layout.etcd_url()).await {
        Ok(revision) => revision,
        Err(err) => {
            stop_child(&mut apiserver).await;
            stop_child(&mut etcd).await;
            return Err(err.context("compacting the launched etcd"));
        }
    };
    Ok(RunningKubeApiserver {
        compacted,
        url: layout.apiserver_url(),
        tokens,
        ca_file: layout.file(files::CA_CERT),
        etcd,
        apiserver,
        dir,
    })
}

/// How long `kube-apiserver --version` may take.
const VERSION_TIMEOUT: Duration = Duration::from_secs(15);

/// The version a binary prints for `--version` (`Kubernetes v1.36.2`).
async fn binary_version(binary: &Path) -> anyhow::Result<Version> {
    let run = Command::new(binary)
        .arg("--version")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(VERSION_TIMEOUT, run)
        .await
        .with_context(|| {
            format!(
                "{} --version did not answer within {}s",
                binary.display(),
                VERSION_TIMEOUT.as_secs()
            )
        })?
        .with_context(|| format!("running {} --version", binary.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.split_whitespace()
        .filter(|word| word.starts_with('v'))
        .find_map(Version::parse)
        .with_context(|| {
            format!(
                "{} --version printed no version (`Kubernetes vX.Y.Z`): {:?}",
                binary.display(),
                text.trim()
            )
        })
}

fn spawn(binary: &Path, args: Vec<OsString>, log: &Path) -> anyhow::Result<Child> {
    let out = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let err = out.try_clone().context("duplicating the log file handle")?;
    Command::new(binary)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        // The guarantee that a dropped run (Ctrl-C, panic, early return) leaves no server behind.
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))
}

async fn wait_ready(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    child: &mut Child,
    log: &Path,
    name: &str,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + READY_TIMEOUT;
    let mut last = String::from("no answer yet");
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().context("polling the child process")? {
            bail!(
                "{name} exited with {status} before becoming ready; its log ends with:\n{}",
                log_tail(log)
            );
        }
        let mut request = client.get(url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => last = format!("{url} answered {}", response.status()),
            Err(err) => last = format!("{url}: {err}"),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    bail!(
        "{name} was not ready within {}s ({last}); its log ends with:\n{}",
        READY_TIMEOUT.as_secs(),
        log_tail(log)
    )
}

/// Kills a child and waits (bounded) until it is gone, so no process and no zombie is left behind.
async fn stop_child(child: &mut Child) {
    // An error means the process has already exited; the wait below reaps it either way.
    let _ = child.start_kill();
    let _ = tokio::time::timeout(STOP_TIMEOUT, child.wait()).await;
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

impl RunningKubeApiserver {
    /// The working directory (logs stay there until shutdown).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Stops kube-apiserver, then etcd, waiting a bounded time for each; removes the working directory.
    pub async fn shutdown(mut self) {
        stop_child(&mut self.apiserver).await;
        stop_child(&mut self.etcd).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout {
            dir: PathBuf::from("/tmp/kc"),
            etcd_client_port: 2379,
            etcd_peer_port: 40001,
            secure_port: 6443,
        }
    }

    fn strings(args: Vec<OsString>) -> Vec<String> {
        args.into_iter()
            .map(|a| a.into_string().expect("test paths are UTF-8"))
            .collect()
    }

    #[test]
    fn etcd_listens_only_on_loopback_with_consistent_peer_urls() {
        let args = strings(etcd_args(&layout()));
        assert_eq!(
            args,
            [
                "--name=default",
                "--data-dir",
                "/tmp/kc/etcd-data",
                "--listen-client-urls=http://127.0.0.1:2379",
                "--advertise-client-urls=http://127.0.0.1:2379",
                "--listen-peer-urls=http://127.0.0.1:40001",
                "--initial-advertise-peer-urls=http://127.0.0.1:40001",
                "--initial-cluster=default=http://127.0.0.1:40001",
                "--unsafe-no-fsync=true",
            ]
        );
    }

    #[test]
    fn apiserver_args_point_at_generated_files_and_loopback() {
        let args = strings(kube_apiserver_args(&layout()));
        for expected in [
            "--etcd-servers=http://127.0.0.1:2379",
            "--bind-address=127.0.0.1",
            "--secure-port=6443",
            "--authorization-mode=RBAC",
            "--tls-cert-file=/tmp/kc/apiserver.crt",
            "--tls-private-key-file=/tmp/kc/apiserver.key",
            "--client-ca-file=/tmp/kc/ca.crt",
            "--token-auth-file=/tmp/kc/tokens.csv",
            "--service-account-key-file=/tmp/kc/sa-signer.pub",
            "--service-account-signing-key-file=/tmp/kc/sa-signer.key",
            "--service-account-issuer=https://127.0.0.1:6443",
        ] {
            assert!(
                args.iter().any(|a| a == expected),
                "missing {expected} in {args:?}"
            );
        }
        // No flag may name a non-loopback address.
        for arg in &args {
            assert!(!arg.contains("=0.0.0.0"), "{arg}");
        }
    }

    #[test]
    fn token_file_has_admin_in_system_masters_and_an_unprivileged_user() {
        let tokens = Tokens {
            admin: "aaa".into(),
            unprivileged: "bbb".into(),
        };
        assert_eq!(
            tokens.file_contents(),
            "aaa,kconform-admin,kconform-admin,\"system:masters\"\nbbb,kconform-unprivileged,kconform-unprivileged\n"
        );
        let generated = Tokens::generate();
        assert_eq!(generated.admin.len(), 32);
        assert!(generated.admin.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(generated.admin, generated.unprivileged);
    }

    #[test]
    fn certificates_are_pem_and_the_serving_cert_is_accepted_by_rustls_for_127_0_0_1() {
        let certs = Certificates::generate().expect("generate");
        assert!(certs.ca_cert.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(
            certs
                .serving_cert
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
        assert!(certs.serving_key.contains("PRIVATE KEY"));
        assert!(certs.sa_pub.starts_with("-----BEGIN PUBLIC KEY-----"));
        // Verify the chain the way the harness will: a rustls verifier rooted at our CA.
        kconform_harness::client::install_crypto_provider();
        let mut roots = rustls::RootCertStore::empty();
        let ca_der = rustls_pemfile::certs(&mut certs.ca_cert.as_bytes())
            .next()
            .expect("one CA")
            .expect("CA parses");
        roots.add(ca_der).expect("CA accepted");
        use rustls::client::danger::ServerCertVerifier as _;
        let verifier = rustls::client::WebPkiServerVerifier::builder(roots.into())
            .build()
            .expect("verifier");
        let leaf = rustls_pemfile::certs(&mut certs.serving_cert.as_bytes())
            .next()
            .expect("one leaf")
            .expect("leaf parses");
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
        verifier
            .verify_server_cert(&leaf, &[], &name, &[], rustls::pki_types::UnixTime::now())
            .expect("serving certificate verifies for 127.0.0.1");
    }

    #[test]
    fn free_ports_are_nonzero() {
        assert_ne!(free_port().expect("port"), 0);
    }

    #[tokio::test]
    async fn missing_binaries_are_a_clear_error() {
        let err = start(&Binaries {
            kube_apiserver: PathBuf::from("/nonexistent/kube-apiserver"),
            etcd: PathBuf::from("/nonexistent/etcd"),
        })
        .await
        .expect_err("must fail");
        assert_eq!(
            err.to_string(),
            "--kube-apiserver /nonexistent/kube-apiserver: no such file"
        );
    }

    /// etcd for the tests: `KCONFORM_ETCD`, else `etcd` on PATH (Debian's etcd-server package,
    /// which `cargo xtask test` installs).
    fn etcd_binary() -> PathBuf {
        if let Some(path) = std::env::var_os("KCONFORM_ETCD") {
            return PathBuf::from(path);
        }
        std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join("etcd"))
            .find(|path| path.is_file())
            .expect(
                "etcd is needed to test the launcher's compaction: install Debian's etcd-server \
                 (apt-get install -y etcd-server; `cargo xtask test` does) or set KCONFORM_ETCD=PATH",
            )
    }

    /// A stand-in kube-apiserver that only prints a version: the launcher must refuse the pairing
    /// with Debian's etcd 3.4.23 before it would start it.
    #[tokio::test]
    async fn a_kube_apiserver_1_36_is_refused_with_etcd_3_4_before_it_starts() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = WorkDir::create().unwrap();
        let fake = dir.path().join("kube-apiserver");
        let marker = dir.path().join("started");
        std::fs::write(
            &fake,
            format!(
                "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'Kubernetes v1.36.2'; exit 0; fi\ntouch {}\n",
                marker.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let binaries = Binaries {
            kube_apiserver: fake,
            etcd: etcd_binary(),
        };
        let etcd_version = String::from_utf8(
            std::process::Command::new(&binaries.etcd)
                .arg("--version")
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        let err = match start(&binaries).await {
            Ok(running) => {
                running.shutdown().await;
                panic!("the pairing was not refused");
            }
            Err(err) => err.to_string(),
        };
        let etcd_version = etcd_version
            .split_whitespace()
            .find_map(Version::parse)
            .expect("etcd --version prints its version");
        if etcd::supports_watch_progress(etcd_version) {
            // A new enough etcd: the launcher goes on and starts the stand-in, which exits.
            assert!(err.contains("exited"), "{err}");
        } else {
            assert!(
                err.contains("is too old for kube-apiserver v1.36.2"),
                "{err}"
            );
            assert!(!marker.exists(), "kube-apiserver was started: {err}");
        }
    }

    #[tokio::test]
    async fn a_real_etcd_reports_its_version_and_is_compacted_to_its_current_revision() {
        let dir = WorkDir::create().unwrap();
        let layout = Layout {
            dir: dir.path().to_owned(),
            etcd_client_port: free_port().unwrap(),
            etcd_peer_port: free_port().unwrap(),
            secure_port: free_port().unwrap(),
        };
        let log = layout.file(files::ETCD_LOG);
        let mut child = spawn(&etcd_binary(), etcd_args(&layout), &log).unwrap();
        kconform_harness::client::install_crypto_provider();
        let client = reqwest::Client::new();
        let url = layout.etcd_url();
        let ready = wait_ready(
            &client,
            &format!("{url}/health"),
            None,
            &mut child,
            &log,
            "etcd",
        )
        .await;
        let outcome = async {
            ready?;
            let version = etcd::server_version(&client, &url).await?;
            let post = |path: &'static str, body: serde_json::Value| {
                let client = client.clone();
                let url = url.clone();
                async move {
                    let answer: serde_json::Value = client
                        .post(format!("{url}{path}"))
                        .json(&body)
                        .send()
                        .await?
                        .json()
                        .await?;
                    anyhow::Ok(answer)
                }
            };
            // Three writes of one key: revisions 2, 3 and 4.
            for value in ["YQ==", "Yg==", "Yw=="] {
                post(
                    "/v3/kv/put",
                    serde_json::json!({"key": "a2V5", "value": value}),
                )
                .await?;
            }
            let compacted = etcd::compact(&client, &url).await?;
            let old = post(
                "/v3/kv/range",
                serde_json::json!({"key": "a2V5", "revision": "2"}),
            )
            .await?;
            let current = post("/v3/kv/range", serde_json::json!({"key": "a2V5"})).await?;
            anyhow::Ok((version, compacted, old, current))
        }
        .await;
        stop_child(&mut child).await;
        let (version, compacted, old, current) = outcome.unwrap();
        assert_eq!(version.major, 3, "{version}");
        assert!(compacted >= 4, "compacted at {compacted}");
        let error = old
            .get("error")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        assert!(
            error.contains("compacted"),
            "a read at revision 2 after compaction: {old}"
        );
        assert_eq!(
            current.pointer("/kvs/0/value"),
            Some(&serde_json::json!("Yw==")),
            "{current}"
        );
    }

    #[test]
    fn work_dir_is_removed_on_drop() {
        let dir = WorkDir::create().expect("create");
        let path = dir.path().to_owned();
        assert!(path.is_dir());
        drop(dir);
        assert!(!path.exists());
    }
}
