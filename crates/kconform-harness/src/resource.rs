//! The resource a suite exercises, described once: its group, version, kind, plural, scope and
//! operations. The harness derives every path it builds from it (namespaces, cleanup, replay
//! housekeeping, coverage), the way kube-core's `Resource::url_path` does, so that a suite for
//! another API brings its own [`Resource`] and needs no change here.

use kconform_spec::ops::Operation;

/// A Kubernetes resource type as served by an API server.
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// The API group; empty for the core group (served under `/api`).
    pub group: &'static str,
    /// The API version, e.g. `v1`.
    pub version: &'static str,
    /// The kind of one object, e.g. `Pod`.
    pub kind: &'static str,
    /// The plural resource name used in paths, e.g. `pods`.
    pub plural: &'static str,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// The OpenAPI operations of the resource (the coverage matrix's rows).
    pub operations: fn() -> &'static [Operation],
}

impl Resource {
    /// `v1` for the core group, `<group>/<version>` otherwise (the objects' `apiVersion`).
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The kind of a list of these objects, `<Kind>List`.
    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// The group-version prefix of every path, `/api/v1` or `/apis/<group>/<version>`.
    pub fn prefix(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }

    /// The collection path: in `namespace` when given (and the resource is namespaced), across all
    /// namespaces otherwise.
    pub fn url_path(&self, namespace: Option<&str>) -> String {
        match namespace {
            Some(ns) if self.namespaced => {
                format!("{}/namespaces/{ns}/{}", self.prefix(), self.plural)
            }
            _ => format!("{}/{}", self.prefix(), self.plural),
        }
    }

    /// The path of one object.
    pub fn object_path(&self, namespace: Option<&str>, name: &str) -> String {
        format!("{}/{name}", self.url_path(namespace))
    }

    /// The path of a namespace object (core v1, whatever the resource's group).
    pub fn namespace_path(namespace: &str) -> String {
        format!("{}/{namespace}", Self::NAMESPACES)
    }

    /// The collection of namespaces.
    pub const NAMESPACES: &'static str = "/api/v1/namespaces";
}

/// Whether `path` is one of the deprecated watch paths, `/api/<v>/watch/...` or
/// `/apis/<group>/<v>/watch/...`, of any resource.
pub fn is_deprecated_watch_path(path: &str) -> bool {
    let mut segments = path.split('/').skip(1);
    match segments.next() {
        Some("api") => segments.nth(1) == Some("watch"),
        Some("apis") => segments.nth(2) == Some("watch"),
        _ => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// core/v1 Endpoints, for the harness's own unit tests (the suite's `RESOURCE` links another
    /// copy of this crate).
    pub(crate) const ENDPOINTS: Resource = Resource {
        group: "",
        version: "v1",
        kind: "Endpoints",
        plural: "endpoints",
        namespaced: true,
        operations: kconform_spec::ops::operations,
    };

    fn no_operations() -> &'static [Operation] {
        &[]
    }

    const PODS: Resource = Resource {
        group: "",
        version: "v1",
        kind: "Pod",
        plural: "pods",
        namespaced: true,
        operations: no_operations,
    };

    const INGRESSES: Resource = Resource {
        group: "networking.k8s.io",
        version: "v1",
        kind: "Ingress",
        plural: "ingresses",
        namespaced: true,
        operations: no_operations,
    };

    const NODES: Resource = Resource {
        group: "",
        version: "v1",
        kind: "Node",
        plural: "nodes",
        namespaced: false,
        operations: no_operations,
    };

    #[test]
    fn paths_follow_the_group_and_the_scope() {
        assert_eq!(PODS.url_path(Some("ns")), "/api/v1/namespaces/ns/pods");
        assert_eq!(PODS.url_path(None), "/api/v1/pods");
        assert_eq!(
            PODS.object_path(Some("ns"), "p"),
            "/api/v1/namespaces/ns/pods/p"
        );
        assert_eq!(
            INGRESSES.url_path(Some("ns")),
            "/apis/networking.k8s.io/v1/namespaces/ns/ingresses"
        );
        assert_eq!(NODES.url_path(Some("ignored")), "/api/v1/nodes");
        assert_eq!(NODES.object_path(None, "n1"), "/api/v1/nodes/n1");
        assert_eq!(Resource::namespace_path("ns"), "/api/v1/namespaces/ns");
    }

    #[test]
    fn api_version_and_list_kind() {
        assert_eq!(PODS.api_version(), "v1");
        assert_eq!(INGRESSES.api_version(), "networking.k8s.io/v1");
        assert_eq!(INGRESSES.list_kind(), "IngressList");
    }

    #[test]
    fn deprecated_watch_paths_of_any_group() {
        assert!(is_deprecated_watch_path("/api/v1/watch/namespaces/ns/pods"));
        assert!(is_deprecated_watch_path("/api/v1/watch/pods"));
        assert!(is_deprecated_watch_path(
            "/apis/networking.k8s.io/v1/watch/ingresses"
        ));
        assert!(!is_deprecated_watch_path("/api/v1/namespaces/watch/pods"));
        assert!(!is_deprecated_watch_path("/apis/watch/v1/pods"));
        assert!(!is_deprecated_watch_path("/version"));
    }
}
