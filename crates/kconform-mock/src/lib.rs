//! kconform-mock: the reference server, an in-memory Kubernetes core/v1 Endpoints API that behaves like
//! kube-apiserver, with fault switches that each break exactly one behaviour.

pub mod store;
