//! Request dispatch in kube-apiserver's filter order: authentication (401), authorization (403), route
//! match, deprecation Warning, content negotiation (406), then the handler.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::response::Response;
use http::{HeaderMap, Method};
use kconform_spec::negotiation::PatchKind;
use kconform_spec::status::Status;

use crate::config::{MASTERS_GROUP, Verb};
use crate::context::{Ctx, User, WatchRequest, may};
use crate::http::{ApiError, Format, Query, add_warnings, negotiate};
use crate::selector::FieldSelector;
use crate::{Api, AppState};

/// The router: one fallback handler that parses the path itself, so unknown paths and methods get
/// kube-apiserver's Status bodies rather than axum's plain-text ones.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .fallback(dispatch)
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// Which operation a path and method name.
enum Route {
    Health,
    Version,
    Api,
    ApiV1,
    Apis,
    OpenApiV2,
    OpenApiV3,
    OpenApiV3ApiV1,
    /// `/apis/discovery.k8s.io`.
    DiscoveryGroup,
    /// `/apis/discovery.k8s.io/v1`.
    DiscoveryGroupVersion,
    /// `/openapi/v3/apis/discovery.k8s.io/v1`.
    OpenApiV3Discovery,
    Compact,
    /// `/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`.
    SelfSubjectAccessReviews,
    /// `/apis/authentication.k8s.io/v1/selfsubjectreviews`.
    SelfSubjectReviews,
    Namespaces,
    Namespace(String),
    NamespaceFinalize(String),
    Events,
    /// `/api/v1/endpoints` or `/api/v1/namespaces/{ns}/endpoints` (or EndpointSlice's).
    Collection(Api, Option<String>),
    /// `/api/v1/namespaces/{ns}/endpoints/{name}` (or EndpointSlice's).
    Item(Api, String, String),
    /// The deprecated `/api/v1/watch/...` (or `/apis/discovery.k8s.io/v1/watch/...`) paths.
    DeprecatedWatch(Api, Option<String>, Option<String>),
    NotFound,
}

/// The path the router reads: percent-decoded as Go's `URL.Path` is (`None` when an escape is
/// malformed), or as sent under the `path-segments-undecoded` fault.
fn request_path(state: &AppState, raw: &str) -> Option<String> {
    if state.config.faults.has(crate::Fault::PathSegmentsUndecoded) {
        return Some(raw.to_owned());
    }
    kconform_spec::urls::unescape_path(raw).ok()
}

/// Go's HTTP server refuses a request URI it cannot parse before any handler runs, with a plain-text
/// answer and the connection closed (net/http `conn.serve`).
fn bad_request_uri() -> Response {
    let mut response = crate::http::text(http::StatusCode::BAD_REQUEST, "400 Bad Request");
    response.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    response
}

/// The group-version prefix and plural of each stored resource.
fn api_of(prefix: &[&str], plural: &str) -> Option<Api> {
    match (prefix, plural) {
        (["api", "v1"], "endpoints") => Some(Api::Endpoints),
        (["apis", "discovery.k8s.io", "v1"], "endpointslices") => Some(Api::EndpointSlices),
        _ => None,
    }
}

/// The route of a resource path under its group-version prefix (`rest`): the collection, an item,
/// or one of the deprecated watch paths.
fn resource_route(prefix: &[&str], rest: &[&str]) -> Option<Route> {
    let owned = |s: &str| s.to_owned();
    let api = |plural: &str| api_of(prefix, plural);
    Some(match rest {
        [plural] => Route::Collection(api(plural)?, None),
        ["namespaces", ns, plural] if !ns.is_empty() => {
            Route::Collection(api(plural)?, Some(owned(ns)))
        }
        ["namespaces", ns, plural, name] if !ns.is_empty() && !name.is_empty() => {
            Route::Item(api(plural)?, owned(ns), owned(name))
        }
        ["watch", plural] => Route::DeprecatedWatch(api(plural)?, None, None),
        ["watch", "namespaces", ns, plural] if !ns.is_empty() => {
            Route::DeprecatedWatch(api(plural)?, Some(owned(ns)), None)
        }
        ["watch", "namespaces", ns, plural, name] if !ns.is_empty() && !name.is_empty() => {
            Route::DeprecatedWatch(api(plural)?, Some(owned(ns)), Some(owned(name)))
        }
        _ => return None,
    })
}

/// The route of a decoded path, from go-restful's tokens (slashes trimmed at both ends).
fn route(path: &str) -> Route {
    let segments = kconform_spec::urls::path_segments(path);
    let owned = |s: &str| s.to_owned();
    let resource = match segments.as_slice() {
        ["api", "v1", rest @ ..] => resource_route(&["api", "v1"], rest),
        ["apis", "discovery.k8s.io", "v1", rest @ ..] => {
            resource_route(&["apis", "discovery.k8s.io", "v1"], rest)
        }
        _ => None,
    };
    if let Some(route) = resource {
        return route;
    }
    match segments.as_slice() {
        ["healthz" | "livez" | "readyz"] => Route::Health,
        ["version"] => Route::Version,
        ["api"] => Route::Api,
        ["api", "v1"] => Route::ApiV1,
        ["apis"] => Route::Apis,
        ["openapi", "v2"] => Route::OpenApiV2,
        ["openapi", "v3"] => Route::OpenApiV3,
        ["openapi", "v3", "api", "v1"] => Route::OpenApiV3ApiV1,
        ["openapi", "v3", "apis", "discovery.k8s.io", "v1"] => Route::OpenApiV3Discovery,
        ["apis", "discovery.k8s.io"] => Route::DiscoveryGroup,
        ["apis", "discovery.k8s.io", "v1"] => Route::DiscoveryGroupVersion,
        ["kconform", "admin", "compact"] => Route::Compact,
        [
            "apis",
            "authorization.k8s.io",
            "v1",
            "selfsubjectaccessreviews",
        ] => Route::SelfSubjectAccessReviews,
        ["apis", "authentication.k8s.io", "v1", "selfsubjectreviews"] => Route::SelfSubjectReviews,
        ["api", "v1", "namespaces"] => Route::Namespaces,
        ["api", "v1", "namespaces", ns] if !ns.is_empty() => Route::Namespace(owned(ns)),
        ["api", "v1", "namespaces", ns, "finalize"] if !ns.is_empty() => {
            Route::NamespaceFinalize(owned(ns))
        }
        ["api", "v1", "namespaces", ns, "events"] if !ns.is_empty() => Route::Events,
        _ => Route::NotFound,
    }
}

fn authenticate(state: &AppState, headers: &HeaderMap) -> Option<User> {
    if state.config.tokens.is_empty() {
        return Some(User::anonymous());
    }
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    let entry = state
        .config
        .tokens
        .iter()
        .find(|entry| entry.token == token)?;
    // The authenticator adds `system:authenticated` to every user it authenticates.
    let mut groups = entry.groups.clone();
    if !groups.iter().any(|g| g == "system:authenticated") {
        groups.push("system:authenticated".to_owned());
    }
    Some(User {
        name: entry.user.clone(),
        uid: entry.uid.clone(),
        admin: entry.groups.iter().any(|g| g == MASTERS_GROUP),
        groups,
    })
}

/// An answer of the router or a filter: the authentication and authorization filters negotiate like
/// a handler (protobuf when asked for), the 406 is JSON since nothing asked for can be served.
fn router_error(status: Status, pretty: bool, protobuf: bool) -> Response {
    ApiError::Router {
        status: Box::new(status),
        pretty,
    }
    .render(Format {
        protobuf,
        ..Format::default()
    })
}

/// The PATCH kind from `Content-Type`; the router itself answers an unknown type with 415 (after
/// negotiation, before the handler, and so without the deprecation Warning).
fn patch_kind(headers: &HeaderMap) -> Result<PatchKind, ApiError> {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    kconform_spec::negotiation::patch_kind(content_type).map_err(|status| ApiError::Router {
        status: Box::new(status),
        pretty: false,
    })
}

/// The router's 406 for the route go-restful would have matched: a list (also with `?watch=true`) or a
/// deprecated watch path names the `;stream=watch` types too.
fn not_acceptable(state: &AppState, route: &Route, method: &Method) -> Status {
    let action = match (route, method) {
        (Route::Collection(..), &Method::GET) => "list",
        (Route::DeprecatedWatch(..), &Method::GET) => "watch",
        _ => "get",
    };
    if state
        .config
        .faults
        .has(crate::Fault::NotAcceptableListShort)
    {
        return Status::not_acceptable();
    }
    kconform_spec::negotiation::not_acceptable_for(action)
}

/// The namer's refusal of a name from the URL (`.`, `..`, a `%`), the first thing the get, update,
/// patch and delete handlers do (a patch checks its Content-Type before).
fn check_name(ctx: &Ctx, name: &str) -> Result<(), ApiError> {
    if ctx.fault(crate::Fault::PathNamesUnchecked) {
        return Ok(());
    }
    kconform_spec::urls::check_path_name(name).map_err(ApiError::status)
}

fn is_watch(query: &Query) -> bool {
    query.get("watch").is_some_and(crate::opts::lenient_bool)
}

async fn dispatch(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Go's HTTP server decodes the path before any filter runs.
    let Some(path) = request_path(&state, parts.uri.path()) else {
        return bad_request_uri();
    };
    let query = Query::parse(parts.uri.query());
    let ignore_q = state.config.faults.has(crate::Fault::AcceptQValuesIgnored);
    let asks_protobuf = negotiate(&parts.headers, &query, ignore_q)
        .is_some_and(|format| format.protobuf)
        && !state
            .config
            .faults
            .has(crate::Fault::ProtobufFilterErrorsJson);
    let Some(user) = authenticate(&state, &parts.headers).or_else(|| {
        (state.config.faults.has(crate::Fault::UnauthenticatedWatch)
            && (is_watch(&query) || parts.uri.path().starts_with("/api/v1/watch/")))
        .then(User::anonymous)
    }) else {
        return router_error(Status::unauthorized(), false, asks_protobuf);
    };
    let method = parts.method.clone();
    let route = route(&path);

    // Endpoints routes: authorization, then the deprecation Warning, then negotiation.
    let api = match &route {
        Route::Collection(api, _) | Route::Item(api, ..) | Route::DeprecatedWatch(api, ..) => {
            Some(*api)
        }
        _ => None,
    };
    let endpoints_verb = match (&route, &method) {
        (Route::Collection(..), &Method::GET) => Some(if is_watch(&query) {
            Verb::Watch
        } else {
            Verb::List
        }),
        (Route::Collection(_, Some(_)), &Method::POST) => Some(Verb::Create),
        (Route::Collection(_, Some(_)), &Method::DELETE) => Some(Verb::DeleteCollection),
        (Route::Item(..), &Method::GET) => Some(Verb::Get),
        (Route::Item(..), &Method::PUT) => Some(Verb::Update),
        (Route::Item(..), &Method::PATCH) => Some(Verb::Patch),
        (Route::Item(..), &Method::DELETE) => Some(Verb::Delete),
        (Route::DeprecatedWatch(..), &Method::GET) => Some(Verb::Watch),
        _ => None,
    };
    if let Some(verb) = endpoints_verb
        && !may(&state, &user, verb)
        && !(verb == Verb::DeleteCollection
            && state
                .config
                .faults
                .has(crate::Fault::DeleteCollectionUnauthorized))
    {
        let (namespace, name) = match &route {
            Route::Collection(_, ns) => (ns.clone(), None),
            Route::Item(_, ns, name) => (Some(ns.clone()), Some(name.clone())),
            Route::DeprecatedWatch(_, ns, name) => (ns.clone(), name.clone()),
            _ => (None, None),
        };
        // A `metadata.name=X` field selector on a collection request names the object for RBAC.
        let name = name.or_else(|| {
            query
                .get("fieldSelector")
                .and_then(|text| FieldSelector::parse(text).ok())
                .and_then(|selector| selector.required_name().map(str::to_owned))
        });
        let mut resource = *api.unwrap_or(Api::Endpoints).resource();
        // Fault es-forbidden-core-group: the EndpointSlice 403 names the core group.
        if api == Some(Api::EndpointSlices)
            && state.config.faults.has(crate::Fault::EsForbiddenCoreGroup)
        {
            resource.group = "";
        }
        let status = Status::forbidden_of(
            &resource,
            &user.name,
            verb.as_str(),
            name.as_deref(),
            namespace.as_deref(),
        );
        return router_error(status, false, asks_protobuf);
    }

    let mut warnings = Vec::new();
    if let Some(api) = api.filter(|_| endpoints_verb.is_some())
        && !state
            .config
            .faults
            .has(crate::Fault::DropDeprecationWarning)
        && let Some(text) = api.deprecation_warning(state.config.version)
    {
        warnings.push(text.to_owned());
    }

    // The OpenAPI handlers negotiate for themselves (kubectl up to 1.28 asks for protobuf only).
    // So does `/apis`, which serves aggregated discovery for the media types it knows.
    let openapi = matches!(
        route,
        Route::OpenApiV2
            | Route::OpenApiV3
            | Route::OpenApiV3ApiV1
            | Route::OpenApiV3Discovery
            | Route::Apis
    );
    let format = match negotiate(&parts.headers, &query, ignore_q) {
        Some(format) if state.config.faults.has(crate::Fault::PrettyIgnored) => Format {
            pretty: false,
            ..format
        },
        Some(format) => format,
        None if openapi || state.config.faults.has(crate::Fault::NotAcceptableIgnored) => {
            Format::default()
        }
        None => return router_error(not_acceptable(&state, &route, &method), true, false),
    };
    let api = api.unwrap_or(Api::Endpoints);
    // A resource without protobuf answers JSON, which every client that offers protobuf also takes.
    let format = Format {
        protobuf: format.protobuf && api.protobuf(),
        ..format
    };
    let mut ctx = Ctx {
        state: state.clone(),
        api,
        user,
        query,
        headers: parts.headers,
        format,
        warnings,
    };
    let result = handle(&mut ctx, route, method, body).await;
    let mut response = match result {
        Ok(response) => response,
        Err(err) => {
            if !err.carries_warnings() || ctx.fault(crate::Fault::WarningDroppedOnErrors) {
                ctx.warnings.clear();
            }
            let mut format = ctx.format;
            if err.carries_warnings() && ctx.fault(crate::Fault::ProtobufErrorsJson) {
                format.protobuf = false;
            }
            err.render(format)
        }
    };
    add_warnings(&mut response, &ctx.warnings);
    response
}

async fn handle(
    ctx: &mut Ctx,
    route: Route,
    method: Method,
    body: Body,
) -> Result<Response, ApiError> {
    use crate::{discovery, endpoints, namespaces};
    match (route, method) {
        (Route::Health, Method::GET) => Ok(discovery::health()),
        (Route::Version, Method::GET) => Ok(discovery::version(ctx)),
        (Route::Api, Method::GET) => Ok(discovery::api(ctx)),
        (Route::ApiV1, Method::GET) => Ok(discovery::api_v1(ctx)),
        (Route::Apis, Method::GET) => Ok(discovery::apis(ctx)),
        (Route::DiscoveryGroup, Method::GET) => Ok(discovery::discovery_group(ctx)),
        (Route::DiscoveryGroupVersion, Method::GET) => Ok(discovery::discovery_group_version(ctx)),
        (Route::OpenApiV3Discovery, Method::GET) => Ok(discovery::openapi_v3_discovery(ctx)),
        (Route::OpenApiV2, Method::GET) => Ok(discovery::openapi_v2(&ctx.headers)),
        (Route::OpenApiV3, Method::GET) => Ok(discovery::openapi_v3()),
        (Route::OpenApiV3ApiV1, Method::GET) => Ok(discovery::openapi_v3_api_v1()),
        (Route::Compact, Method::POST) => namespaces::compact(ctx),
        (Route::SelfSubjectAccessReviews, Method::POST) => {
            crate::reviews::access_review(ctx, body).await
        }
        (Route::SelfSubjectReviews, Method::POST) => crate::reviews::self_review(ctx, body).await,
        (Route::Namespaces, Method::GET) => Ok(namespaces::list(ctx)),
        (Route::Namespaces, Method::POST) => namespaces::create(ctx, body).await,
        (Route::Namespace(ns), Method::GET) => namespaces::get(ctx, &ns),
        (Route::Namespace(ns), Method::DELETE) => namespaces::delete(ctx, &ns),
        (Route::Namespace(ns), Method::PUT) => namespaces::replace(ctx, &ns, body).await,
        (Route::Namespace(ns), Method::PATCH) => {
            let kind = patch_kind(&ctx.headers)?;
            namespaces::patch(ctx, &ns, kind, body).await
        }
        (Route::NamespaceFinalize(ns), Method::PUT) => namespaces::get(ctx, &ns),
        (Route::Events, Method::GET) => Ok(namespaces::empty_events(ctx)),
        (Route::Collection(api, ns), Method::GET) => {
            if is_watch(&ctx.query) {
                let request = WatchRequest {
                    api,
                    namespace: ns,
                    name: None,
                    query: ctx.query.clone(),
                    format: ctx.format,
                };
                crate::watch::handle(ctx.state.clone(), request).await
            } else {
                endpoints::reads::list(ctx, ns.as_deref()).await
            }
        }
        (Route::DeprecatedWatch(api, namespace, name), Method::GET) => {
            let request = WatchRequest {
                api,
                namespace,
                name,
                query: ctx.query.clone(),
                format: ctx.format,
            };
            crate::watch::handle(ctx.state.clone(), request).await
        }
        (Route::Collection(_, Some(ns)), Method::POST) => {
            endpoints::create::create(ctx, &ns, body).await
        }
        (Route::Collection(_, Some(ns)), Method::DELETE) => {
            endpoints::delete::delete_collection(ctx, &ns, body).await
        }
        (Route::Item(_, ns, name), Method::GET) => {
            check_name(ctx, &name)?;
            endpoints::reads::get(ctx, &ns, &name).await
        }
        (Route::Item(_, ns, name), Method::PUT) => {
            check_name(ctx, &name)?;
            endpoints::update::replace(ctx, &ns, &name, body).await
        }
        (Route::Item(_, ns, name), Method::PATCH) => {
            let kind = patch_kind(&ctx.headers).map_err(|err| {
                let protobuf = ctx
                    .headers
                    .get(http::header::CONTENT_TYPE)
                    .is_some_and(|v| {
                        v.as_bytes()
                            .starts_with(b"application/vnd.kubernetes.protobuf")
                    });
                if protobuf && ctx.fault(crate::Fault::ProtobufPatchHandlerText) {
                    ApiError::status(Status::unsupported_media_type(
                        &kconform_spec::status::SERIALIZER_MEDIA_TYPES,
                    ))
                } else {
                    err
                }
            })?;
            check_name(ctx, &name)?;
            endpoints::patch::patch(ctx, &ns, &name, kind, body).await
        }
        (Route::Item(_, ns, name), Method::DELETE) => {
            check_name(ctx, &name)?;
            endpoints::delete::delete(ctx, &ns, &name, body).await
        }
        (Route::NotFound, _) => Err(ApiError::Router {
            status: Box::new(Status::not_found_path()),
            pretty: false,
        }),
        _ => Err(ApiError::Router {
            status: Box::new(Status::method_not_allowed()),
            pretty: false,
        }),
    }
}
