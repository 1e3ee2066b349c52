//! The codec against the recordings of `transcripts/protobuf/` (real kube-apiserver v1.28.7 and
//! v1.36.2): every protobuf body and watch frame the servers wrote decodes and re-encodes to the
//! identical bytes, and its JSON form is the server's JSON answer to the same request.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::*;

const VERSIONS: [&str; 2] = ["kube-apiserver-v1.28.7", "kube-apiserver-v1.36.2"];

fn recordings() -> Vec<(PathBuf, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../transcripts/protobuf");
    let mut out = Vec::new();
    for version in VERSIONS {
        let dir = root.join(version);
        let index: Value = serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap())
            .expect("index.json is JSON");
        for scenario in index["scenarios"].as_array().expect("a scenario list") {
            let path = dir.join(scenario["file"].as_str().expect("a file name"));
            let value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            out.push((path, value));
        }
    }
    assert_eq!(out.len(), 18, "9 scenarios at each version");
    out
}

fn base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut bits = 0u32;
    let mut n = 0;
    for c in text.bytes().filter(|c| *c != b'=') {
        let value = ALPHABET.iter().position(|a| *a == c).expect("base64") as u32;
        bits = (bits << 6) | value;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

#[test]
fn every_recorded_body_and_frame_re_encodes_byte_for_byte() {
    let (mut bodies, mut frames, mut requests) = (0, 0, 0);
    for (path, scenario) in recordings() {
        for step in scenario["steps"].as_array().unwrap() {
            let where_ = format!("{} / {}", path.display(), step["note"]);
            let response = &step["response"];
            let bytes = base64(response["body_base64"].as_str().unwrap_or_default());
            match response["format"].as_str() {
                Some("protobuf") => {
                    let object = decode(&bytes).unwrap_or_else(|e| panic!("{where_}: {e}"));
                    assert_eq!(encode(&object).unwrap(), bytes, "{where_}");
                    if step["response"]["json_equivalent_request"] == "repeat" {
                        assert_eq!(object, response["body_json_equivalent"], "{where_}");
                    }
                    bodies += 1;
                }
                Some("protobuf-stream") => {
                    let mut reader = FrameReader::new();
                    reader.push(&bytes);
                    let mut decoded = Vec::new();
                    while let Some(frame) = reader.next_frame().unwrap() {
                        let (event_type, object) =
                            decode_watch_event(&frame).unwrap_or_else(|e| panic!("{where_}: {e}"));
                        let framed = encode_watch_frame(&event_type, &object).unwrap();
                        assert_eq!(&framed[4..], frame.as_slice(), "{where_}");
                        decoded.push(json!({"type": event_type, "object": object}));
                        frames += 1;
                    }
                    assert_eq!(reader.pending(), 0, "{where_}");
                    assert_eq!(
                        decoded.len(),
                        response["frames"].as_array().unwrap().len(),
                        "{where_}"
                    );
                }
                _ => {}
            }
            let request = &step["request"];
            if request["decoded"].is_object() {
                // Requests the recorder wrote the Go way re-encode exactly; the minimal one does not
                // (it leaves out the empty fields Go writes) but decodes to the same object.
                let bytes = base64(request["body_base64"].as_str().unwrap());
                if let Ok(object) = decode(&bytes)
                    && !step["note"].as_str().unwrap().contains("minimal")
                    && object["kind"] == "Endpoints"
                {
                    assert_eq!(encode(&object).unwrap(), bytes, "{where_}");
                    requests += 1;
                }
            }
        }
    }
    // Every one of them: 55 bodies and 20 frames; of the 24 request bodies, those that are Endpoints
    // written the Go way (not the minimal one, not the garbage ones, not the EndpointsList).
    assert_eq!((bodies, frames), (55, 20));
    assert_eq!(requests, 14);
}

#[test]
fn the_minimal_recorded_request_is_what_encode_minimal_writes() {
    let (path, scenario) = recordings().swap_remove(2);
    assert!(path.ends_with("create-protobuf-body.json"));
    let step = &scenario["steps"][2];
    assert!(step["note"].as_str().unwrap().contains("minimal"));
    let bytes = base64(step["request"]["body_base64"].as_str().unwrap());
    let object = decode(&bytes).unwrap();
    assert_eq!(encode_minimal(&object).unwrap(), bytes);
    assert_ne!(encode(&object).unwrap(), bytes);
}

#[test]
fn lists_written_from_their_parts_are_the_recorded_bytes() {
    for (path, scenario) in recordings() {
        for step in scenario["steps"].as_array().unwrap() {
            let bytes = base64(step["response"]["body_base64"].as_str().unwrap_or_default());
            if step["response"]["format"] != "protobuf" || !bytes.starts_with(&MAGIC) {
                continue;
            }
            let object = decode(&bytes).unwrap();
            if object["kind"] != "EndpointsList" {
                continue;
            }
            let items = object["items"].as_array().unwrap();
            let metadata = object["metadata"].as_object().unwrap();
            assert_eq!(
                encode_list("EndpointsList", "v1", metadata, items).unwrap(),
                bytes,
                "{}",
                path.display()
            );
        }
    }
    assert!(encode_list("Endpoints", "v1", &Map::new(), []).is_err());
}

#[test]
fn the_401_body_of_the_readme() {
    let status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "Unauthorized", "reason": "Unauthorized", "code": 401});
    let bytes = encode(&status).unwrap();
    let want: Vec<u8> = [
        &b"k8s\0"[..],
        &[0x0a, 0x0c, 0x0a, 0x02, b'v', b'1', 0x12, 0x06],
        b"Status",
        &[
            0x12, 0x30, 0x0a, 0x06, 0x0a, 0x00, 0x12, 0x00, 0x1a, 0x00, 0x12, 0x07,
        ],
        b"Failure",
        &[0x1a, 0x0c],
        b"Unauthorized",
        &[0x22, 0x0c],
        b"Unauthorized",
        &[0x30, 0x91, 0x03, 0x1a, 0x00, 0x22, 0x00],
    ]
    .concat();
    assert_eq!(bytes, want);
    assert_eq!(bytes.len(), 72);
    assert_eq!(decode(&bytes).unwrap(), status);
}

#[test]
fn bad_bytes_give_errors_never_panics() {
    // A length near 2^63 or past the end is refused without allocating it.
    let huge = [
        &MAGIC[..],
        &[0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
    ]
    .concat();
    assert_eq!(
        parse_envelope(&huge).unwrap_err().to_string(),
        "proto: negative length found during unmarshaling"
    );
    let past = [&MAGIC[..], &[0x12, 0xff, 0xff, 0xff, 0x0f]].concat();
    assert_eq!(
        parse_envelope(&past).unwrap_err().to_string(),
        "unexpected EOF"
    );
    assert_eq!(
        parse_envelope(&[&MAGIC[..], &[0x08, 0x01]].concat())
            .unwrap_err()
            .to_string(),
        "proto: wrong wireType = 0 for field TypeMeta"
    );
    let mut reader = FrameReader::new();
    reader.push(&[0xff, 0xff, 0xff, 0xff, 0x00]);
    assert_eq!(
        reader.next_frame(),
        Err(ProtobufError::FrameTooLong(u64::from(u32::MAX)))
    );
}

#[test]
fn delete_options_decode_to_json() {
    let options = json!({"kind": "DeleteOptions", "apiVersion": "meta.k8s.io/v1",
        "gracePeriodSeconds": 0, "preconditions": {"uid": "u-1"}, "propagationPolicy": "Background",
        "dryRun": ["All"]});
    let bytes = encode(&options).unwrap();
    let json: Value = serde_json::from_slice(&delete_options_as_json(&bytes).unwrap()).unwrap();
    assert_eq!(json, options);
    assert_eq!(decode(&bytes).unwrap(), options);
}

#[test]
fn an_envelope_read_and_written_again_is_the_same_bytes() {
    for (_, scenario) in recordings() {
        for step in scenario["steps"].as_array().unwrap() {
            let bytes = base64(step["response"]["body_base64"].as_str().unwrap_or_default());
            if step["response"]["format"] == "protobuf" && bytes.starts_with(&MAGIC) {
                assert_eq!(parse_envelope(&bytes).unwrap().to_bytes(), bytes);
            }
        }
    }
    // Without kind and apiVersion, the typeMeta is two empty strings.
    let unknown = Unknown {
        raw: vec![0x0a, 0x00],
        ..Unknown::default()
    };
    let bytes = unknown.to_bytes();
    assert_eq!(
        bytes,
        [
            &MAGIC[..],
            &[
                0x0a, 0x04, 0x0a, 0x00, 0x12, 0x00, 0x12, 0x02, 0x0a, 0x00, 0x1a, 0x00, 0x22, 0x00
            ]
        ]
        .concat()
    );
    assert_eq!(parse_envelope(&bytes).unwrap(), unknown);
}
