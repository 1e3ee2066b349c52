//! What a request handler gets from the router: the caller, the decoded request ([`Ctx`]) and, for
//! watches, the [`WatchRequest`]. Handlers import this module, never the router, so only the router
//! knows the handlers.

use std::sync::Arc;

use http::HeaderMap;

use crate::AppState;
use crate::config::Verb;
use crate::http::{Format, Query};

/// The authenticated caller.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) name: String,
    /// The uid the token file gives, empty for the anonymous user.
    pub(crate) uid: String,
    /// The groups, `system:authenticated` included (`system:unauthenticated` for the anonymous
    /// user).
    pub(crate) groups: Vec<String>,
    /// Administrators may do everything (group `system:masters`, or authentication off).
    pub(crate) admin: bool,
}

impl User {
    /// Who a request is when authentication is off (or a fault lets it in): the anonymous user,
    /// acting as an administrator.
    pub(crate) fn anonymous() -> User {
        User {
            name: "system:anonymous".to_owned(),
            uid: String::new(),
            groups: vec!["system:unauthenticated".to_owned()],
            admin: true,
        }
    }
}

/// What a handler gets besides the body.
pub(crate) struct Ctx {
    pub(crate) state: Arc<AppState>,
    /// The resource the request is about (Endpoints for the routes that are about none).
    pub(crate) api: crate::Api,
    pub(crate) user: User,
    pub(crate) query: Query,
    pub(crate) headers: HeaderMap,
    pub(crate) format: Format,
    /// Warning texts collected so far (the deprecation Warning first), sent with success and
    /// handler-level errors alike.
    pub(crate) warnings: Vec<String>,
}

impl Ctx {
    /// Whether the request body is Kubernetes protobuf by its `Content-Type` (kube-apiserver picks
    /// a body's decoder by it; client-go sends protobuf).
    pub(crate) fn body_is_protobuf(&self) -> bool {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|media| media.trim() == kconform_spec::protobuf::MEDIA_TYPE)
    }

    pub(crate) fn version(&self) -> kconform_spec::K8sVersion {
        self.state.config.version
    }

    /// The store of the request's resource.
    pub(crate) fn store(&self) -> &Arc<crate::store::Store> {
        self.state.store_of(self.api)
    }

    pub(crate) fn fault(&self, fault: crate::Fault) -> bool {
        self.state.config.faults.has(fault)
    }

    /// Whether `user` holds `verb` on endpoints.
    pub(crate) fn may(&self, verb: Verb) -> bool {
        may(&self.state, &self.user, verb)
    }
}

pub(crate) fn may(state: &AppState, user: &User, verb: Verb) -> bool {
    user.admin
        || state
            .config
            .grants
            .get(&user.name)
            .is_some_and(|verbs| verbs.contains(&verb))
}

/// A watch request, already authenticated, authorized and negotiated, for [`crate::watch::handle`].
pub(crate) struct WatchRequest {
    /// The resource watched.
    pub(crate) api: crate::Api,
    /// The namespace from the path, None for all namespaces.
    pub(crate) namespace: Option<String>,
    /// The name from the deprecated `/api/v1/watch/namespaces/{ns}/endpoints/{name}` path.
    pub(crate) name: Option<String>,
    /// The decoded query.
    pub(crate) query: Query,
    /// The negotiated response format (watch frames ignore `pretty`).
    pub(crate) format: Format,
}
