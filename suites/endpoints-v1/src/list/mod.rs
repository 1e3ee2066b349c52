//! LIST: items, pagination, resourceVersion semantics, selectors, options validation.

use crate::support::*;
use base64::Engine as _;
use kconform_harness::client::Request;
use kconform_harness::model::Level::{May, Must, Should};
use kconform_harness::model::Outcome;
use kconform_harness::runner::{Check, Ctx};
use serde_json::{Value, json};

pub(crate) mod basics;
pub(crate) mod options;
pub(crate) mod pagination;
pub(crate) mod resource_versions;
pub(crate) mod selectors;

async fn list(ctx: &Ctx, req: Request) -> Result<Value, Outcome> {
    let resp = send(ctx, req).await?;
    expect_status(ctx, &resp, 200)?;
    json_of(ctx, &resp)
}

async fn seed_scoped(ctx: &Ctx, n: usize) -> Result<Vec<Value>, Outcome> {
    let (k, v) = ctx.scope_label();
    let mut out = Vec::new();
    for _ in 0..n {
        let name = ctx.name("ep");
        out.push(create(ctx, &endpoints_labelled(&name, &[(k, &v)])).await?);
    }
    Ok(out)
}

fn names_of(objs: &[Value]) -> Vec<String> {
    objs.iter()
        .filter_map(|o| o.pointer("/metadata/name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}
