//! The 26 recorded YAML request bodies of `transcripts/yaml/` through the spec's decoding: every 400
//! must carry the recorded message, every 201 must decode, at both versions.
//! (The reference server replays the same cases over a socket, with the full answers.)

use kconform_spec::K8sVersion;
use kconform_spec::decode::{BodyFormat, decode_endpoints_for};
use serde_json::Value;

use crate::recordings::{SERVERS, transcripts_root};

pub(crate) fn yaml_cases(server: &str) -> Vec<Value> {
    let path = transcripts_root()
        .join("yaml")
        .join(format!("{server}.json"));
    let text = std::fs::read_to_string(&path).expect("recording");
    let doc: Value = serde_json::from_str(&text).expect("json");
    doc["cases"].as_array().expect("cases").clone()
}

#[test]
fn recorded_yaml_bodies_decode_as_kube_apiserver_decodes_them() {
    let mut checked = 0;
    for (server, minor) in SERVERS {
        let v = K8sVersion::new(minor);
        for case in yaml_cases(server) {
            let id = case["id"].as_str().expect("id");
            let body = case["body"].as_str().expect("body");
            let status = case["response"]["status"].as_u64().expect("status");
            let result = decode_endpoints_for(body.as_bytes(), BodyFormat::Yaml, v);
            match (status, result) {
                (400, Err(err)) => assert_eq!(
                    err.to_string(),
                    case["response"]["body"]["message"]
                        .as_str()
                        .expect("message"),
                    "{server} {id}"
                ),
                (400, Ok(decoded)) => panic!("{server} {id}: decoded to {}", decoded.object),
                (_, Err(err)) => panic!("{server} {id}: {err}"),
                (_, Ok(_)) => {}
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 52);
}
