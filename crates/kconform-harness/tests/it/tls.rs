//! TLS to the target: a CA file, insecure mode, and a client certificate (mutual TLS), against a
//! loopback TLS server with certificates generated for the test.

use std::sync::Arc;
use std::time::Duration;

use kconform_harness::client::{Client, Request};
use kconform_harness::target::{ClientCert, Target};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

struct Pki {
    server_cert_pem: String,
    server_cert_der: CertificateDer<'static>,
    server_key_der: Vec<u8>,
}

fn pki() -> Pki {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("server cert");
    Pki {
        server_cert_pem: ck.cert.pem(),
        server_cert_der: ck.cert.der().clone(),
        server_key_der: ck.signing_key.serialize_der(),
    }
}

/// Serves one fixed HTTP/1.1 answer per connection over TLS; `client_ca` requires a client certificate
/// signed by it.
async fn serve_tls(pki: &Pki, client_ca: Option<CertificateDer<'static>>) -> String {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("protocol versions");
    let builder = match client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca).expect("client CA");
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .expect("client verifier");
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key_der.clone()));
    let mut config = builder
        .with_single_cert(vec![pki.server_cert_der.clone()], key)
        .expect("server config");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(Ok(mut tls)) =
                    tokio::time::timeout(Duration::from_secs(5), acceptor.accept(tcp)).await
                else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let _ = tokio::time::timeout(Duration::from_secs(5), tls.read(&mut buf)).await;
                let body = r#"{"gitVersion":"v1.36.2"}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    format!("https://{addr}")
}

#[tokio::test]
async fn ca_file_trusts_the_server_and_insecure_skips_verification() {
    let pki = pki();
    let url = serve_tls(&pki, None).await;
    let timeout = Duration::from_secs(3);

    let mut trusted = Target::new(&url).expect("url").with_timeout(timeout);
    trusted.ca_pem = Some(pki.server_cert_pem.clone().into_bytes());
    let resp = Client::new(&trusted)
        .expect("client")
        .send(Request::get("/version"))
        .await
        .expect("TLS with CA");
    assert_eq!(resp.status, 200);

    let untrusted = Target::new(&url).expect("url").with_timeout(timeout);
    let other_ca = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])
        .expect("other")
        .cert
        .pem();
    let mut wrong = untrusted.clone();
    wrong.ca_pem = Some(other_ca.into_bytes());
    assert!(
        Client::new(&wrong)
            .expect("client")
            .send(Request::get("/version"))
            .await
            .is_err(),
        "a CA that did not sign the server must fail"
    );

    let insecure = untrusted.with_insecure(true);
    let client = Client::new(&insecure).expect("client");
    let resp = client
        .send(Request::get("/version"))
        .await
        .expect("insecure TLS");
    assert_eq!(resp.status, 200);
    assert!(
        client.log()[0].curl.starts_with("curl -sS -k "),
        "{}",
        client.log()[0].curl
    );
}

#[tokio::test]
async fn client_certificate_is_presented_for_mutual_tls() {
    let pki = pki();
    let client_ck = rcgen::generate_simple_self_signed(vec!["kconform-client".to_owned()])
        .expect("client cert");
    let url = serve_tls(&pki, Some(client_ck.cert.der().clone())).await;
    let mut target = Target::new(&url)
        .expect("url")
        .with_timeout(Duration::from_secs(3));
    target.ca_pem = Some(pki.server_cert_pem.clone().into_bytes());

    let without = Client::new(&target).expect("client");
    assert!(
        without.send(Request::get("/version")).await.is_err(),
        "the server requires a client certificate"
    );

    target.client_cert = Some(ClientCert {
        cert_pem: client_ck.cert.pem().into_bytes(),
        key_pem: client_ck.signing_key.serialize_pem().into_bytes(),
    });
    let with = Client::new(&target).expect("client");
    let resp = with
        .send(Request::get("/version"))
        .await
        .expect("mutual TLS");
    assert_eq!(resp.status, 200);
}
