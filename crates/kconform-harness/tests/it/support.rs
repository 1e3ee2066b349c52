//! Tiny loopback servers for the client and watch tests.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// What a scripted connection does after reading the request head.
#[derive(Clone)]
pub(crate) enum Script {
    /// Write these bytes, then close.
    Reply(Vec<u8>),
    /// Write these chunks with a pause before each, then close (or hang when `hang`).
    Chunks {
        head: Vec<u8>,
        chunks: Vec<(Duration, Vec<u8>)>,
        hang: bool,
    },
    /// Accept and never answer.
    Silent,
}

/// Starts a server that runs `script` for every connection; returns its base URL and a receiver of
/// the raw request heads it saw.
pub(crate) async fn serve(
    script: Script,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr: SocketAddr = listener.local_addr().expect("local addr");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let script = script.clone();
            let tx = tx.clone();
            tokio::spawn(async move { handle(stream, script, tx).await });
        }
    });
    (format!("http://{addr}"), rx)
}

async fn read_head(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut byte)).await {
            Ok(Ok(1)) => buf.push(byte[0]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    // Drain a body announced by Content-Length so the client is not reset mid-write.
    let len = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut body)).await;
    format!("{head}{}", String::from_utf8_lossy(&body))
}

async fn handle(
    mut stream: TcpStream,
    script: Script,
    tx: tokio::sync::mpsc::UnboundedSender<String>,
) {
    let head = read_head(&mut stream).await;
    let _ = tx.send(head);
    match script {
        Script::Reply(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        Script::Chunks { head, chunks, hang } => {
            let _ = stream.write_all(&head).await;
            for (pause, data) in chunks {
                tokio::time::sleep(pause).await;
                let frame = format!("{:x}\r\n", data.len());
                let _ = stream.write_all(frame.as_bytes()).await;
                let _ = stream.write_all(&data).await;
                let _ = stream.write_all(b"\r\n").await;
                let _ = stream.flush().await;
            }
            if hang {
                tokio::time::sleep(Duration::from_secs(60)).await;
            } else {
                let _ = stream.write_all(b"0\r\n\r\n").await;
                let _ = stream.shutdown().await;
            }
        }
        Script::Silent => tokio::time::sleep(Duration::from_secs(60)).await,
    }
}

/// A complete HTTP/1.1 response with a JSON body and extra header lines.
pub(crate) fn json_response(status: &str, extra_headers: &[&str], body: &str) -> Vec<u8> {
    let mut s = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for h in extra_headers {
        s.push_str(h);
        s.push_str("\r\n");
    }
    s.push_str("\r\n");
    s.push_str(body);
    s.into_bytes()
}

/// The head of a chunked 200 JSON response.
pub(crate) fn chunked_head() -> Vec<u8> {
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        .to_vec()
}
