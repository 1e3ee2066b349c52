//! HTTPS with a self-signed certificate generated at start.

use kconform_mock::Tls;

use crate::http_support::*;

#[tokio::test]
async fn self_signed_tls_serves_clients_that_trust_the_printed_certificate() {
    let dir = std::env::temp_dir().join(format!("kconform-mock-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert_path = dir.join("ca.crt");
    let mut config = config(36);
    config.tls = Tls::SelfSigned {
        cert_out: Some(cert_path.clone()),
    };
    let server = kconform_mock::spawn(config).await.unwrap();
    assert!(server.url.starts_with("https://127.0.0.1:"));
    let pem = std::fs::read(&cert_path).unwrap();
    assert_eq!(
        Some(String::from_utf8_lossy(&pem).into_owned()),
        server.ca_certificate_pem
    );
    let _ = client();
    let certificate = reqwest::Certificate::from_pem(&pem).unwrap();
    let https = reqwest::Client::builder()
        .tls_certs_only([certificate])
        .build()
        .unwrap();
    let response = https
        .get(format!("{}/version", server.url))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    server.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
