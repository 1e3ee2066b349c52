//! Servers `kconform run` starts itself when no `--target` is given.

pub mod etcd;
pub mod kube_apiserver;

use anyhow::Context as _;
use kconform_harness::target::Target;

/// A server started for the run; stopped by [`Launched::shutdown`] (or, if the run is dropped, by
/// the `Drop` of what it holds).
#[derive(Debug)]
pub enum Launched {
    /// The reference server, in this process.
    Mock(kconform_mock::RunningServer),
    /// etcd and kube-apiserver child processes (boxed: much larger than the other variant).
    KubeApiserver(Box<kube_apiserver::RunningKubeApiserver>),
}

/// A launched server and how to reach it.
#[derive(Debug)]
pub struct LaunchedTarget {
    /// The server.
    pub server: Launched,
    /// The harness target for it, with an admin and an unprivileged token.
    pub target: Target,
    /// Name used for the default report directory.
    pub name: &'static str,
}

/// Starts the reference server on a free loopback port with an admin and an unprivileged token.
///
/// # Errors
/// The server could not bind or start.
pub async fn mock(config: kconform_mock::Config) -> anyhow::Result<LaunchedTarget> {
    let admin = random_token();
    let user = random_token();
    let mut config = config.with_admin_token(admin.clone());
    config.tokens.push(kconform_mock::TokenEntry {
        token: user.clone(),
        user: "kconform-unprivileged".to_owned(),
        uid: "kconform-unprivileged".to_owned(),
        groups: Vec::new(),
    });
    let server = kconform_mock::spawn(config)
        .await
        .context("starting the reference server")?;
    let target = Target::new(&server.url)
        .context("the reference server's URL")?
        .with_token(admin)
        .with_user_token(user);
    Ok(LaunchedTarget {
        server: Launched::Mock(server),
        target,
        name: "reference-server",
    })
}

/// Starts etcd and kube-apiserver from the given binaries.
///
/// # Errors
/// See [`kube_apiserver::start`].
pub async fn kube_apiserver(binaries: &kube_apiserver::Binaries) -> anyhow::Result<LaunchedTarget> {
    let running = kube_apiserver::start(binaries).await?;
    let target = Target::new(&running.url)
        .context("the launched kube-apiserver's URL")?
        .with_token(running.tokens.admin.clone())
        .with_user_token(running.tokens.unprivileged.clone())
        .with_ca_file(&running.ca_file)
        .context("reading the generated CA")?;
    Ok(LaunchedTarget {
        server: Launched::KubeApiserver(Box::new(running)),
        target,
        name: "kube-apiserver",
    })
}

impl Launched {
    /// Stops the server and waits (bounded) for it to be gone.
    pub async fn shutdown(self) {
        match self {
            Launched::Mock(server) => server.shutdown().await,
            Launched::KubeApiserver(running) => running.shutdown().await,
        }
    }
}

fn random_token() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
