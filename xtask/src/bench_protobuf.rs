//! Benchmark group "protobuf": the spec crate's Kubernetes protobuf codec on one core, over realistic
//! objects, with the JSON path beside it for scale.
//!
//! The objects are the default corpus's valid fixtures and 1,000 valid objects drawn from the
//! generator's seeded stream, each as kube-apiserver stores it (namespace, uid, resourceVersion,
//! creationTimestamp and one managedFields entry added), since that is what a server encodes.
//! Prints `protobuf <metric> <value> <unit>` lines on stdout; debug builds are an order of magnitude
//! slower, so the figures that count come from `cargo run --release -p xtask -- bench --only protobuf`.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use kconform_fixtures::corpus::{self, CorpusOptions, FixtureKind};
use kconform_spec::K8sVersion;
use kconform_spec::decode::{BodyFormat, decode_endpoints_for};
use kconform_spec::protobuf;
use proptest::strategy::{Strategy, ValueTree};
use serde_json::{Value, json};

/// How long each rate is measured.
const MEASURE_FOR: Duration = Duration::from_secs(2);
/// Objects drawn from the generator beside the corpus's valid fixtures.
const DRAWN: usize = 1_000;

/// The object with what kube-apiserver adds on create, as a stored object is encoded in answers.
fn as_stored(mut object: Value, i: usize) -> Value {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.entry("name")
            .or_insert_with(|| Value::from(format!("ep-{i}")));
        meta.insert("namespace".into(), Value::from("default"));
        meta.insert(
            "uid".into(),
            Value::from(format!("6f0c5f0e-2b43-4c1e-9f57-{i:012}")),
        );
        meta.insert(
            "resourceVersion".into(),
            Value::from((1000 + i).to_string()),
        );
        meta.insert(
            "creationTimestamp".into(),
            Value::from("2026-12-03T12:00:00Z"),
        );
        meta.insert(
            "managedFields".into(),
            json!([{"manager": "kubectl-create", "operation": "Update", "apiVersion": "v1",
                "time": "2026-12-03T12:00:00Z", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:subsets": {}}}]),
        );
    }
    object
}

fn objects() -> anyhow::Result<Vec<Value>> {
    let corpus = corpus::generate(&CorpusOptions::default())?;
    let mut out: Vec<Value> = corpus
        .index
        .fixtures
        .iter()
        .filter(|e| e.kind == FixtureKind::Valid)
        .map(|e| serde_json::from_slice(&corpus.files[&e.file]))
        .collect::<Result<_, _>>()
        .context("a valid fixture is not JSON")?;
    let mut runner = corpus::seeded_runner(11);
    let strategy = kconform_fixtures::valid_endpoints(K8sVersion::NEWEST);
    for _ in 0..DRAWN {
        let tree = strategy
            .new_tree(&mut runner)
            .map_err(|e| anyhow::anyhow!("strategy gave up: {e}"))?;
        out.push(tree.current());
    }
    Ok(out
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            let mut o = as_stored(o, i);
            // The generator leaves kind and apiVersion out now and then; a server always writes them.
            o["kind"] = Value::from("Endpoints");
            o["apiVersion"] = Value::from("v1");
            o
        })
        .collect())
}

/// Runs `f` over `inputs` round after round for [`MEASURE_FOR`]: objects per second.
fn rate<T>(inputs: &[T], mut f: impl FnMut(&T) -> anyhow::Result<()>) -> anyhow::Result<f64> {
    for input in inputs {
        f(input)?;
    }
    let started = Instant::now();
    let mut n = 0usize;
    while started.elapsed() < MEASURE_FOR {
        for input in inputs {
            f(input)?;
        }
        n += inputs.len();
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

pub(crate) fn run() -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        eprintln!(
            "note: xtask was built without optimizations; for real figures run `cargo run --release -p xtask -- bench --only protobuf`"
        );
    }
    let objects = objects()?;
    let pb: Vec<Vec<u8>> = objects
        .iter()
        .map(protobuf::encode)
        .collect::<Result<_, _>>()?;
    let js: Vec<Vec<u8>> = objects
        .iter()
        .map(kconform_spec::json::to_go_json)
        .collect::<Result<_, _>>()?;
    let mean = |bodies: &[Vec<u8>]| bodies.iter().map(Vec::len).sum::<usize>() / bodies.len();
    println!(
        "protobuf objects {} (stored Endpoints: the corpus's valid fixtures and {DRAWN} drawn)",
        objects.len()
    );
    println!(
        "protobuf mean_size {} bytes (JSON {} bytes)",
        mean(&pb),
        mean(&js)
    );
    eprintln!(
        "protobuf: measuring (about {}s each)",
        MEASURE_FOR.as_secs()
    );
    let figures = [
        (
            "encode",
            rate(&objects, |o| {
                std::hint::black_box(protobuf::encode(o)?);
                Ok(())
            })?,
        ),
        (
            "decode",
            rate(&pb, |b| {
                std::hint::black_box(protobuf::decode(b)?);
                Ok(())
            })?,
        ),
        (
            "decode_request",
            rate(&pb, |b| {
                let v = K8sVersion::NEWEST;
                std::hint::black_box(decode_endpoints_for(b, BodyFormat::Protobuf, v)?);
                Ok(())
            })?,
        ),
        (
            "json_encode",
            rate(&objects, |o| {
                std::hint::black_box(kconform_spec::json::to_go_json(o)?);
                Ok(())
            })?,
        ),
        (
            "json_decode_request",
            rate(&js, |b| {
                let v = K8sVersion::NEWEST;
                std::hint::black_box(decode_endpoints_for(b, BodyFormat::Json, v)?);
                Ok(())
            })?,
        ),
    ];
    for (name, per_second) in figures {
        println!("protobuf {name}_per_second {per_second:.0} objects/s");
    }
    Ok(())
}
