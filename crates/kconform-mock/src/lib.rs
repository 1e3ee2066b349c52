//! kconform-mock: the reference server, an in-memory Kubernetes core/v1 Endpoints and
//! discovery.k8s.io/v1 EndpointSlice API that behaves like kube-apiserver (status codes, bodies,
//! headers, per-version differences), with fault switches that each break exactly one behaviour.
//! The two resources share the handlers, the watch hub, the field manager and one revision clock;
//! [`Api`] says where they differ.
//!
//! * [`app`] builds the axum [`Router`] for a [`Config`]; tests can drive it in-process.
//! * [`spawn`] serves it on `127.0.0.1:0` in the current tokio runtime and returns a [`RunningServer`].
//! * The binary `kconform-mock` and `cargo xtask mock` wrap [`serve`].
//!
//! * [`cli::ServeArgs`] are the command-line options both share.
//!
//! Besides the Kubernetes API (the 11 Endpoints operations, the 11 EndpointSlice operations, a minimal
//! namespaces API, an always-empty events list for `kubectl describe`, discovery, OpenAPI v2 (JSON and
//! gnostic protobuf) and v3, health, `as=Table` answers for `kubectl get`), one administrative endpoint exists for tests:
//! `POST /kconform/admin/compact` forgets all history up to the current resourceVersion, so continue
//! tokens, `resourceVersionMatch=Exact` reads and watches from before it get their 410 answers
//! deterministically (administrators only). Without it, the history keeps the last
//! [`Config::history`] events, and everything up to the starting resourceVersion
//! ([`store::INITIAL_RESOURCE_VERSION`]) counts as compacted, so `resourceVersion=1` always gets 410.
//!
//! Authentication is off when [`Config::tokens`] is empty (every request acts as an administrator);
//! otherwise every route needs a bearer token, members of `system:masters` may do everything and other
//! users only what [`Config::grants`] gives them.
//!
//! Validation rules, option rules, decoding, Status bodies and texts come from `kconform_spec`; this
//! crate holds the server's state and the order in which kube-apiserver applies those rules.
//!
//! Invariant: every failure leaves as a Kubernetes `Status` body ([`http::ApiError`]); nothing panics on
//! client input.

mod api;
pub mod cli;
pub mod config;
mod context;
mod discovery;
mod endpoints;
pub mod http;
mod managed;
mod namespaces;
mod objects;
mod openapi_pb;
mod opts;
mod patch;
mod reviews;
mod router;
pub mod selector;
mod server;
pub mod store;
mod table;
mod watch;

use std::sync::Arc;

use axum::Router;

pub use api::Api;
pub use config::{Config, Fault, FaultSet, Tls, TokenEntry, Verb};
pub use server::{RunningServer, ServeError, serve, spawn};

/// Everything a request handler shares: the configuration, the store and the shutdown signal.
#[derive(Debug)]
pub struct AppState {
    /// The configuration the server was built with.
    pub config: Config,
    /// The object store of Endpoints, and the namespaces.
    pub store: Arc<store::Store>,
    /// The object store of EndpointSlices (its namespaces are the ones of [`AppState::store`], its
    /// revisions come from the same clock).
    pub slices: Arc<store::Store>,
    /// Becomes `true` when the server shuts down; long-running responses (watches) end then.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    shutdown_sender: tokio::sync::watch::Sender<bool>,
}

impl AppState {
    /// A fresh state (with the namespaces every cluster has) for `config`.
    pub fn new(config: Config) -> Arc<AppState> {
        let store = Arc::new(store::Store::new(config.history));
        // One revision sequence for both resources, as etcd has.
        let slices = Arc::new(store::Store::sharing(config.history, store.clock()));
        namespaces::create_initial(&store);
        let (shutdown_sender, shutdown) = tokio::sync::watch::channel(false);
        Arc::new(AppState {
            config,
            store,
            slices,
            shutdown,
            shutdown_sender,
        })
    }

    /// The store of `api`'s objects.
    pub fn store_of(&self, api: Api) -> &Arc<store::Store> {
        match api {
            Api::Endpoints => &self.store,
            Api::EndpointSlices => &self.slices,
        }
    }

    /// Signal every long-running response to end.
    pub fn begin_shutdown(&self) {
        self.shutdown_sender.send_replace(true);
    }
}

/// The router serving the whole API for `config`.
pub fn app(config: Config) -> Router {
    app_with_state(AppState::new(config))
}

/// The router over an existing state (so the caller can keep a handle on the store).
pub fn app_with_state(state: Arc<AppState>) -> Router {
    router::router(state)
}
