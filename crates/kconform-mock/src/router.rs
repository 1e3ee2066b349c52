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

use crate::AppState;
use crate::config::{MASTERS_GROUP, Verb};
use crate::context::{Ctx, User, WatchRequest, may};
use crate::http::{ApiError, Format, Query, add_warnings, negotiate};
use crate::selector::FieldSelector;

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
    Compact,
    Namespaces,
    Namespace(String),
    NamespaceFinalize(String),
    Events,
    /// `/api/v1/endpoints` or `/api/v1/namespaces/{ns}/endpoints`.
    Collection(Option<String>),
    /// `/api/v1/namespaces/{ns}/endpoints/{name}`.
    Item(String, String),
    /// The deprecated `/api/v1/watch/...` paths.
    DeprecatedWatch(Option<String>, Option<String>),
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

/// The route of a decoded path, from go-restful's tokens (slashes trimmed at both ends).
fn route(path: &str) -> Route {
    let segments = kconform_spec::urls::path_segments(path);
    let owned = |s: &str| s.to_owned();
    match segments.as_slice() {
        ["healthz" | "livez" | "readyz"] => Route::Health,
        ["version"] => Route::Version,
        ["api"] => Route::Api,
        ["api", "v1"] => Route::ApiV1,
        ["apis"] => Route::Apis,
        ["openapi", "v2"] => Route::OpenApiV2,
        ["openapi", "v3"] => Route::OpenApiV3,
        ["openapi", "v3", "api", "v1"] => Route::OpenApiV3ApiV1,
        ["kconform", "admin", "compact"] => Route::Compact,
        ["api", "v1", "namespaces"] => Route::Namespaces,
        ["api", "v1", "namespaces", ns] if !ns.is_empty() => Route::Namespace(owned(ns)),
        ["api", "v1", "namespaces", ns, "finalize"] if !ns.is_empty() => {
            Route::NamespaceFinalize(owned(ns))
        }
        ["api", "v1", "namespaces", ns, "events"] if !ns.is_empty() => Route::Events,
        ["api", "v1", "endpoints"] => Route::Collection(None),
        ["api", "v1", "namespaces", ns, "endpoints"] if !ns.is_empty() => {
            Route::Collection(Some(owned(ns)))
        }
        ["api", "v1", "namespaces", ns, "endpoints", name]
            if !ns.is_empty() && !name.is_empty() =>
        {
            Route::Item(owned(ns), owned(name))
        }
        ["api", "v1", "watch", "endpoints"] => Route::DeprecatedWatch(None, None),
        ["api", "v1", "watch", "namespaces", ns, "endpoints"] if !ns.is_empty() => {
            Route::DeprecatedWatch(Some(owned(ns)), None)
        }
        ["api", "v1", "watch", "namespaces", ns, "endpoints", name]
            if !ns.is_empty() && !name.is_empty() =>
        {
            Route::DeprecatedWatch(Some(owned(ns)), Some(owned(name)))
        }
        _ => Route::NotFound,
    }
}

fn authenticate(state: &AppState, headers: &HeaderMap) -> Option<User> {
    if state.config.tokens.is_empty() {
        return Some(User {
            name: "system:anonymous".to_owned(),
            admin: true,
        });
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
    Some(User {
        name: entry.user.clone(),
        admin: entry.groups.iter().any(|g| g == MASTERS_GROUP),
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
        (Route::Collection(_), &Method::GET) => "list",
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
        .then(|| User {
            name: "system:anonymous".to_owned(),
            admin: true,
        })
    }) else {
        return router_error(Status::unauthorized(), false, asks_protobuf);
    };
    let method = parts.method.clone();
    let route = route(&path);

    // Endpoints routes: authorization, then the deprecation Warning, then negotiation.
    let endpoints_verb = match (&route, &method) {
        (Route::Collection(_), &Method::GET) => Some(if is_watch(&query) {
            Verb::Watch
        } else {
            Verb::List
        }),
        (Route::Collection(Some(_)), &Method::POST) => Some(Verb::Create),
        (Route::Collection(Some(_)), &Method::DELETE) => Some(Verb::DeleteCollection),
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
            Route::Collection(ns) => (ns.clone(), None),
            Route::Item(ns, name) => (Some(ns.clone()), Some(name.clone())),
            Route::DeprecatedWatch(ns, name) => (ns.clone(), name.clone()),
            _ => (None, None),
        };
        // A `metadata.name=X` field selector on a collection request names the object for RBAC.
        let name = name.or_else(|| {
            query
                .get("fieldSelector")
                .and_then(|text| FieldSelector::parse(text).ok())
                .and_then(|selector| selector.required_name().map(str::to_owned))
        });
        let status = Status::forbidden(
            &user.name,
            verb.as_str(),
            name.as_deref(),
            namespace.as_deref(),
        );
        return router_error(status, false, asks_protobuf);
    }

    let mut warnings = Vec::new();
    if endpoints_verb.is_some()
        && !state
            .config
            .faults
            .has(crate::Fault::DropDeprecationWarning)
        && let Some(text) = kconform_spec::warnings::deprecation_warning(state.config.version)
    {
        warnings.push(text.to_owned());
    }

    // The OpenAPI handlers negotiate for themselves (kubectl up to 1.28 asks for protobuf only).
    let openapi = matches!(
        route,
        Route::OpenApiV2 | Route::OpenApiV3 | Route::OpenApiV3ApiV1
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
    let mut ctx = Ctx {
        state: state.clone(),
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
        (Route::OpenApiV2, Method::GET) => Ok(discovery::openapi_v2(&ctx.headers)),
        (Route::OpenApiV3, Method::GET) => Ok(discovery::openapi_v3()),
        (Route::OpenApiV3ApiV1, Method::GET) => Ok(discovery::openapi_v3_api_v1()),
        (Route::Compact, Method::POST) => namespaces::compact(ctx),
        (Route::Namespaces, Method::GET) => Ok(namespaces::list(ctx)),
        (Route::Namespaces, Method::POST) => namespaces::create(ctx, body).await,
        (Route::Namespace(ns), Method::GET) => namespaces::get(ctx, &ns),
        (Route::Namespace(ns), Method::DELETE) => namespaces::delete(ctx, &ns),
        (Route::NamespaceFinalize(ns), Method::PUT) => namespaces::get(ctx, &ns),
        (Route::Events, Method::GET) => Ok(namespaces::empty_events(ctx)),
        (Route::Collection(ns), Method::GET) => {
            if is_watch(&ctx.query) {
                let request = WatchRequest {
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
        (Route::DeprecatedWatch(namespace, name), Method::GET) => {
            let request = WatchRequest {
                namespace,
                name,
                query: ctx.query.clone(),
                format: ctx.format,
            };
            crate::watch::handle(ctx.state.clone(), request).await
        }
        (Route::Collection(Some(ns)), Method::POST) => {
            endpoints::create::create(ctx, &ns, body).await
        }
        (Route::Collection(Some(ns)), Method::DELETE) => {
            endpoints::delete::delete_collection(ctx, &ns, body).await
        }
        (Route::Item(ns, name), Method::GET) => {
            check_name(ctx, &name)?;
            endpoints::reads::get(ctx, &ns, &name).await
        }
        (Route::Item(ns, name), Method::PUT) => {
            check_name(ctx, &name)?;
            endpoints::update::replace(ctx, &ns, &name, body).await
        }
        (Route::Item(ns, name), Method::PATCH) => {
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
        (Route::Item(ns, name), Method::DELETE) => {
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
