//! Benchmarks of the reference server (`cargo xtask bench --only mock`).

use std::path::PathBuf;

/// Which of the reference server's benchmarks to run.
#[derive(Clone, Copy)]
pub(crate) struct Groups {
    /// Cold start, request throughput and memory at 10,000 objects.
    pub(crate) server: bool,
    /// Create throughput on an empty store and at 100,000 objects, memory per object.
    pub(crate) creates: bool,
    /// Watch fan-out.
    pub(crate) watch: bool,
    /// Get and list-100 throughput in protobuf beside JSON.
    pub(crate) protobuf: bool,
}

/// Run `groups`, measuring `binary` when given and the release build of this checkout otherwise.
pub(crate) fn run(groups: Groups, binary: Option<PathBuf>) -> anyhow::Result<()> {
    if groups.server || groups.creates || groups.protobuf {
        let binary = match binary {
            Some(binary) => binary,
            None => server::build_release_binary()?,
        };
        if groups.server {
            server::run(&binary)?;
        }
        if groups.creates {
            create_scaling::run(&binary)?;
        }
        if groups.protobuf {
            protobuf_throughput::run(&binary)?;
        }
    }
    if groups.watch {
        watch_fan_out::run()?;
    }
    Ok(())
}

/// Watch fan-out: many watchers of one namespace over real loopback connections, many writes; every
/// watcher must receive every event exactly once and in order. Prints events delivered per second and
/// whether any were lost.
mod watch_fan_out {
    use std::convert::Infallible;
    use std::net::SocketAddr;
    use std::time::{Duration, Instant};

    use anyhow::{Context as _, bail};
    use kconform_mock::store::Mutation;
    use serde_json::json;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpStream;
    use tokio::sync::mpsc;

    const WATCHERS: usize = 1_000;
    const EVENTS: usize = 1_000;
    const NAMESPACE: &str = "bench";
    /// Bound for connecting all watchers and for delivering everything.
    const LIMIT: Duration = Duration::from_secs(120);

    pub(super) fn run() -> anyhow::Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start the tokio runtime")?;
        runtime.block_on(fan_out(WATCHERS, EVENTS))
    }

    /// What one watcher saw.
    struct Tally {
        received: usize,
        distinct: usize,
        out_of_order: usize,
        done: Instant,
    }

    async fn fan_out(watchers: usize, events: usize) -> anyhow::Result<()> {
        let config = kconform_mock::Config {
            history: events * 2 + 100,
            ..kconform_mock::Config::default()
        };
        let server = kconform_mock::spawn(config)
            .await
            .context("cannot start the mock")?;
        let store = server.state.store.clone();
        let start_rv = store.current_rv();

        let (ready, mut ready_rx) = mpsc::channel::<()>(watchers);
        let mut tasks = Vec::with_capacity(watchers);
        for _ in 0..watchers {
            let ready = ready.clone();
            let addr = server.addr;
            tasks.push(tokio::spawn(async move {
                tokio::time::timeout(LIMIT, watch_one(addr, start_rv, events, ready))
                    .await
                    .context("a watcher did not finish in time")?
            }));
        }
        drop(ready);
        let connected = Instant::now();
        for _ in 0..watchers {
            tokio::time::timeout(LIMIT.saturating_sub(connected.elapsed()), ready_rx.recv())
                .await
                .context("the watchers did not all connect in time")?
                .context("a watcher failed before its stream started")?;
        }
        let connect_time = connected.elapsed();

        let started = Instant::now();
        for i in 0..events {
            let object = json!({
                "kind": "Endpoints", "apiVersion": "v1",
                "metadata": {"name": format!("ep-{i}"), "namespace": NAMESPACE,
                             "uid": format!("00000000-0000-4000-8000-{i:012}"),
                             "creationTimestamp": "2026-01-01T00:00:00Z", "labels": {"app": "bench"}},
                "subsets": [{"addresses": [{"ip": format!("10.0.{}.{}", i / 250, i % 250 + 1)}],
                             "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]
            });
            store
                .write(NAMESPACE, &format!("ep-{i}"), |_, _| {
                    Ok::<_, Infallible>((Mutation::Put(object), ()))
                })
                .map_err(|never| match never {})?;
        }
        let write_time = started.elapsed();

        let mut tallies = Vec::with_capacity(watchers);
        let mut failures = 0usize;
        for task in tasks {
            match task.await {
                Ok(Ok(tally)) => tallies.push(tally),
                Ok(Err(err)) => {
                    failures += 1;
                    eprintln!("watch fan-out: a watcher failed: {err:#}");
                }
                Err(err) => {
                    failures += 1;
                    eprintln!("watch fan-out: a watcher task failed: {err}");
                }
            }
        }
        server.shutdown().await;

        let expected = watchers * events;
        let received: usize = tallies.iter().map(|t| t.received).sum();
        let distinct: usize = tallies.iter().map(|t| t.distinct).sum();
        let out_of_order: usize = tallies.iter().map(|t| t.out_of_order).sum();
        let lost = expected - distinct.min(expected);
        let duplicates = received - distinct;
        let last = tallies.iter().map(|t| t.done).max().unwrap_or(started);
        let elapsed = last.saturating_duration_since(started);
        let rate = distinct as f64 / elapsed.as_secs_f64().max(1e-9);
        println!(
            "mock watch fan-out: {watchers} watchers x {events} events over loopback HTTP/1.1"
        );
        println!(
            "  watchers connected in     {:>10.3} s",
            connect_time.as_secs_f64()
        );
        println!(
            "  {events} writes took        {:>10.3} s",
            write_time.as_secs_f64()
        );
        println!(
            "  all events delivered in   {:>10.3} s",
            elapsed.as_secs_f64()
        );
        println!("  delivered events/s        {rate:>12.0}");
        println!("  delivered                 {distinct:>12} of {expected}");
        println!("  lost                      {lost:>12}");
        println!("  duplicated                {duplicates:>12}");
        println!("  out of order              {out_of_order:>12}");
        println!("  failed watchers           {failures:>12}");
        if lost > 0 || duplicates > 0 || out_of_order > 0 || failures > 0 {
            bail!("watch fan-out lost, duplicated or reordered events");
        }
        Ok(())
    }

    /// One watcher on a raw HTTP/1.1 connection: sends the watch, signals `ready` once the answer
    /// head arrived (the watch is registered by then), then decodes the chunked body until `events`
    /// distinct resourceVersions after `start_rv` arrived.
    async fn watch_one(
        addr: SocketAddr,
        start_rv: u64,
        events: usize,
        ready: mpsc::Sender<()>,
    ) -> anyhow::Result<Tally> {
        let mut stream = TcpStream::connect(addr).await.context("connect")?;
        stream.set_nodelay(true).context("nodelay")?;
        let request = format!(
            "GET /api/v1/namespaces/{NAMESPACE}/endpoints?watch=1&resourceVersion={start_rv}&timeoutSeconds=600 HTTP/1.1\r\n\
             Host: {addr}\r\nAccept: application/json\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.context("send")?;
        let mut buffer: Vec<u8> = Vec::with_capacity(64 * 1024);
        let mut chunk = vec![0u8; 64 * 1024];
        let head_end = loop {
            if let Some(end) = find(&buffer, b"\r\n\r\n") {
                break end + 4;
            }
            let n = stream.read(&mut chunk).await.context("read head")?;
            if n == 0 {
                bail!("connection closed before the answer head");
            }
            buffer.extend_from_slice(&chunk[..n]);
        };
        if !buffer.starts_with(b"HTTP/1.1 200") {
            bail!(
                "watch answered {}",
                String::from_utf8_lossy(&buffer[..head_end])
            );
        }
        ready.send(()).await.context("signal ready")?;
        buffer.drain(..head_end);

        let mut seen = vec![false; events];
        let (mut received, mut distinct, mut out_of_order, mut last_rv) = (0, 0, 0, start_rv);
        // `at` is where undecoded bytes start; the buffer is compacted once per read, not per chunk,
        // so the client's cost stays linear in what it receives.
        let mut at = 0usize;
        while distinct < events {
            // Decode as many whole chunks as the buffer holds; each chunk is one or more frames.
            while let Some(line_len) = find(&buffer[at..], b"\r\n") {
                let size_text =
                    std::str::from_utf8(&buffer[at..at + line_len]).context("chunk size")?;
                let size =
                    usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                        .context("chunk size")?;
                if size == 0 {
                    bail!("the server ended the stream after {distinct} of {events} events");
                }
                let data = at + line_len + 2;
                if buffer.len() < data + size + 2 {
                    break;
                }
                for line in buffer[data..data + size]
                    .split(|b| *b == b'\n')
                    .filter(|l| !l.is_empty())
                {
                    let rv = resource_version(line).context("a frame without resourceVersion")?;
                    received += 1;
                    if rv <= last_rv {
                        out_of_order += 1;
                    }
                    last_rv = last_rv.max(rv);
                    let index = rv.checked_sub(start_rv + 1).map(|i| i as usize);
                    if let Some(slot) = index.and_then(|i| seen.get_mut(i))
                        && !*slot
                    {
                        *slot = true;
                        distinct += 1;
                    }
                }
                at = data + size + 2;
            }
            if distinct >= events {
                break;
            }
            buffer.drain(..at);
            at = 0;
            let n = stream.read(&mut chunk).await.context("read body")?;
            if n == 0 {
                bail!("connection closed after {distinct} of {events} events");
            }
            buffer.extend_from_slice(&chunk[..n]);
        }
        Ok(Tally {
            received,
            distinct,
            out_of_order,
            done: Instant::now(),
        })
    }

    fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        haystack.windows(needle.len()).position(|w| w == needle)
    }

    /// The first `"resourceVersion":"N"` of a frame: the object's own.
    fn resource_version(frame: &[u8]) -> Option<u64> {
        let key = b"\"resourceVersion\":\"";
        let start = find(frame, key)? + key.len();
        let digits = frame[start..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        std::str::from_utf8(&frame[start..start + digits])
            .ok()?
            .parse()
            .ok()
    }
}

/// The server's own figures, measured on the release binary as a child process: cold start to the
/// first 200, request throughput of create, get and list over keep-alive loopback connections, and
/// resident memory with 10,000 stored objects; plus the in-process start of the library.
pub(crate) mod server {
    use std::io::{BufRead as _, BufReader};
    use std::net::SocketAddr;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use anyhow::{Context as _, bail};
    use serde_json::json;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpStream;

    /// The administrator token the started servers accept.
    pub(crate) const TOKEN: &str = "bench-token";
    /// Bound on every single wait of these benchmarks.
    const LIMIT: Duration = Duration::from_secs(30);
    /// Objects stored for the memory figure.
    const OBJECTS: usize = 10_000;
    /// Client connections for the throughput figures.
    const CONNECTIONS: usize = 8;

    pub(super) fn run(binary: &Path) -> anyhow::Result<()> {
        cold_start_binary(binary)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start the tokio runtime")?;
        runtime.block_on(async {
            cold_start_in_process().await?;
            throughput_and_memory(binary).await
        })
    }

    /// Build the release binary of this checkout and return its path.
    pub(super) fn build_release_binary() -> anyhow::Result<PathBuf> {
        crate::bench::build_release("kconform-mock", "kconform-mock")
    }

    /// A started binary, killed on drop.
    pub(crate) struct Server {
        pub(super) child: Child,
        pub(crate) addr: SocketAddr,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// Start `binary` on 127.0.0.1:0 with the bench token and `extra` options.
    pub(super) fn start(binary: &Path, extra: &[&str]) -> anyhow::Result<Server> {
        start_with(binary, &[], extra)
    }

    /// [`start`] with `leading` arguments before the options (`mock`, for the `kconform` binary).
    pub(crate) fn start_with(
        binary: &Path,
        leading: &[&str],
        extra: &[&str],
    ) -> anyhow::Result<Server> {
        let mut child = Command::new(binary)
            .args(leading)
            .args(["--listen", "127.0.0.1:0", "--token", TOKEN])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let addr = read.context("reading the URL line").and_then(|_| {
            line.trim()
                .trim_start_matches("http://")
                .parse::<SocketAddr>()
                .context("the first line is not a URL")
        });
        match addr {
            Ok(addr) => Ok(Server { child, addr }),
            Err(err) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(err)
            }
        }
    }

    fn ms(duration: Duration) -> f64 {
        duration.as_secs_f64() * 1000.0
    }

    /// Spawn the binary and time spawn → first 200 from /healthz, ten times.
    fn cold_start_binary(binary: &Path) -> anyhow::Result<()> {
        let mut samples = Vec::new();
        for _ in 0..10 {
            let started = Instant::now();
            let server = start(binary, &[])?;
            samples.push(first_200_blocking(server.addr, started)?);
        }
        samples.sort();
        println!("mock cold start (release binary, spawn to first 200 on /healthz), 10 runs");
        println!(
            "  median                    {:>10.2} ms",
            ms(samples[samples.len() / 2])
        );
        println!("  best                      {:>10.2} ms", ms(samples[0]));
        println!(
            "  worst                     {:>10.2} ms",
            ms(samples[samples.len() - 1])
        );
        Ok(())
    }

    pub(super) fn first_200_blocking(
        addr: SocketAddr,
        started: Instant,
    ) -> anyhow::Result<Duration> {
        use std::io::{Read as _, Write as _};
        loop {
            if started.elapsed() > LIMIT {
                bail!("no 200 within {LIMIT:?}");
            }
            let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
                continue;
            };
            let request = format!(
                "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(request.as_bytes())?;
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer)?;
            if answer.starts_with(b"HTTP/1.1 200") {
                return Ok(started.elapsed());
            }
        }
    }

    async fn cold_start_in_process() -> anyhow::Result<()> {
        let started = Instant::now();
        let server = kconform_mock::spawn(kconform_mock::Config::default().with_admin_token(TOKEN))
            .await
            .context("cannot start the mock")?;
        let mut connection = Connection::open(server.addr).await?;
        let (status, _) = connection.request("GET", "/healthz", None).await?;
        let elapsed = started.elapsed();
        server.shutdown().await;
        if status != 200 {
            bail!("/healthz answered {status}");
        }
        println!(
            "mock in-process start, xtask's profile (spawn to first 200)  {:>8.2} ms",
            ms(elapsed)
        );
        Ok(())
    }

    /// A keep-alive HTTP/1.1 connection with just enough parsing for the server's answers
    /// (Content-Length bodies).
    pub(super) struct Connection {
        stream: TcpStream,
        addr: SocketAddr,
        buffer: Vec<u8>,
        /// The Content-Type of the last answer (lower case).
        pub(super) content_type: String,
    }

    impl Connection {
        pub(super) async fn open(addr: SocketAddr) -> anyhow::Result<Connection> {
            let stream = tokio::time::timeout(LIMIT, TcpStream::connect(addr))
                .await
                .context("connect timed out")??;
            stream.set_nodelay(true)?;
            Ok(Connection {
                stream,
                addr,
                buffer: Vec::with_capacity(64 * 1024),
                content_type: String::new(),
            })
        }

        pub(super) async fn request(
            &mut self,
            method: &str,
            path: &str,
            body: Option<&[u8]>,
        ) -> anyhow::Result<(u16, usize)> {
            self.request_accepting(method, path, body, None).await
        }

        /// As [`Connection::request`], with an `Accept` header when `accept` is given.
        pub(super) async fn request_accepting(
            &mut self,
            method: &str,
            path: &str,
            body: Option<&[u8]>,
            accept: Option<&str>,
        ) -> anyhow::Result<(u16, usize)> {
            let body = body.unwrap_or_default();
            let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
            let head = format!(
                "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n{accept}User-Agent: bench/1\r\nContent-Length: {}\r\n\r\n",
                self.addr,
                body.len()
            );
            self.stream.write_all(head.as_bytes()).await?;
            self.stream.write_all(body).await?;
            tokio::time::timeout(LIMIT, self.read_answer())
                .await
                .context("answer timed out")?
        }

        async fn read_answer(&mut self) -> anyhow::Result<(u16, usize)> {
            let mut chunk = [0u8; 16 * 1024];
            loop {
                if let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&self.buffer[..end]).to_ascii_lowercase();
                    let status: u16 = head
                        .get(9..12)
                        .and_then(|s| s.parse().ok())
                        .context("no status")?;
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .context("no content-length")?;
                    self.content_type = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-type:"))
                        .map(|v| v.trim().to_owned())
                        .unwrap_or_default();
                    let total = end + 4 + length;
                    while self.buffer.len() < total {
                        let n = self.stream.read(&mut chunk).await?;
                        if n == 0 {
                            bail!("connection closed mid-answer");
                        }
                        self.buffer.extend_from_slice(&chunk[..n]);
                    }
                    self.buffer.drain(..total);
                    return Ok((status, length));
                }
                let n = self.stream.read(&mut chunk).await?;
                if n == 0 {
                    bail!("connection closed before an answer");
                }
                self.buffer.extend_from_slice(&chunk[..n]);
            }
        }
    }

    pub(super) fn body(i: usize) -> Vec<u8> {
        json!({"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": format!("ep-{i}"), "labels": {"app": "bench"}},
            "subsets": [{"addresses": [{"ip": format!("10.0.{}.{}", i / 250 % 250, i % 250 + 1)}],
                         "ports": [{"name": "http", "port": 80}]}]})
        .to_string()
        .into_bytes()
    }

    /// Which request the i-th of a throughput run is.
    #[derive(Clone, Copy)]
    pub(super) enum Kind {
        Create,
        Get,
        List,
    }

    async fn timed(addr: SocketAddr, kind: Kind, requests: usize) -> anyhow::Result<f64> {
        timed_accepting(addr, kind, requests, None).await
    }

    /// `requests` of `kind` from [`CONNECTIONS`] keep-alive connections, each with `accept` as its
    /// Accept header when given: requests per second.
    pub(super) async fn timed_accepting(
        addr: SocketAddr,
        kind: Kind,
        requests: usize,
        accept: Option<&'static str>,
    ) -> anyhow::Result<f64> {
        let per_connection = requests / CONNECTIONS;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..CONNECTIONS {
            tasks.push(tokio::spawn(async move {
                let mut connection = Connection::open(addr).await?;
                for i in c * per_connection..(c + 1) * per_connection {
                    let (method, path, payload) = match kind {
                        Kind::Create => (
                            "POST",
                            "/api/v1/namespaces/default/endpoints".to_owned(),
                            Some(body(i)),
                        ),
                        Kind::Get => (
                            "GET",
                            format!("/api/v1/namespaces/default/endpoints/ep-{i}"),
                            None,
                        ),
                        Kind::List => (
                            "GET",
                            "/api/v1/namespaces/default/endpoints?limit=100".to_owned(),
                            None,
                        ),
                    };
                    let (status, _) = connection
                        .request_accepting(method, &path, payload.as_deref(), accept)
                        .await?;
                    if !(200..300).contains(&status) {
                        bail!("{method} {path} answered {status}");
                    }
                }
                Ok::<(), anyhow::Error>(())
            }));
        }
        for task in tasks {
            task.await.context("a client task failed")??;
        }
        Ok((per_connection * CONNECTIONS) as f64 / started.elapsed().as_secs_f64().max(1e-9))
    }

    pub(super) fn rss_kib(pid: u32) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    async fn throughput_and_memory(binary: &Path) -> anyhow::Result<()> {
        let history = (OBJECTS * 2).to_string();
        let server = start(binary, &["--history", &history])?;
        first_200_blocking(server.addr, Instant::now())?;
        let pid = server.child.id();
        let before = rss_kib(pid);
        let create = timed(server.addr, Kind::Create, OBJECTS).await?;
        let after = rss_kib(pid);
        let get = timed(server.addr, Kind::Get, OBJECTS).await?;
        let list = timed(server.addr, Kind::List, 2_000).await?;
        println!(
            "mock request throughput (release binary, {CONNECTIONS} keep-alive loopback connections)"
        );
        println!("  create (POST)             {create:>10.0} req/s   ({OBJECTS} objects)");
        println!("  get                       {get:>10.0} req/s");
        println!("  list (limit=100 of {OBJECTS})  {list:>7.0} req/s");
        println!("mock memory with {OBJECTS} stored objects (resident, release binary)");
        match (before, after) {
            (Some(before), Some(after)) => {
                let grown = after.saturating_sub(before);
                println!(
                    "  at start                  {:>10.1} MiB",
                    before as f64 / 1024.0
                );
                println!(
                    "  with the objects          {:>10.1} MiB",
                    after as f64 / 1024.0
                );
                println!(
                    "  per object                {:>10.0} bytes",
                    grown as f64 * 1024.0 / OBJECTS as f64
                );
            }
            _ => println!("  (no /proc on this system)"),
        }
        Ok(())
    }
}

/// Whether a create costs more as the store grows: generateName creates (POST, as `kubectl create`
/// with `metadata.generateName` sends them) from 16 concurrent keep-alive connections over loopback
/// against the release binary with its default history window, first on an empty store and then once
/// 100,000 objects are stored; the resident memory each stored object costs; and get throughput at
/// that size, to show reads did not pay for the writes.
///
/// Every window is bounded: it ends after its request count or its deadline, whichever comes first,
/// and says so when the deadline ended it. Each kind of create window runs three times (the empty
/// store on three fresh servers) and the median is the figure.
mod create_scaling {
    use std::net::SocketAddr;
    use std::path::Path;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    use anyhow::{Context as _, bail};
    use serde_json::json;

    use super::server::{Connection, Server, first_200_blocking, rss_kib, start};

    /// Concurrent client connections (oha's `-c 16`, as issue 10 measured).
    const CONNECTIONS: usize = 16;
    /// Objects stored before the second create window.
    const STORED: usize = 100_000;
    /// Requests in each measured window.
    const WINDOW: usize = 10_000;
    /// Measured windows of each kind; the median is the figure.
    const RUNS: usize = 3;
    /// Deadline of one measured window.
    const WINDOW_LIMIT: Duration = Duration::from_secs(60);
    /// Deadline of filling the store up to [`STORED`].
    const FILL_LIMIT: Duration = Duration::from_secs(300);
    const NAMESPACE: &str = "default";

    pub(super) fn run(binary: &Path) -> anyhow::Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start the tokio runtime")?;
        runtime.block_on(scaling(binary))
    }

    /// What one window did.
    struct Window {
        done: usize,
        elapsed: Duration,
        hit_deadline: bool,
        /// CPU time the server process used during the window (user and system, all threads).
        server_cpu: Option<Duration>,
        /// CPU time this process (the clients) used during the window.
        client_cpu: Option<Duration>,
    }

    impl Window {
        fn rate(&self) -> f64 {
            self.done as f64 / self.elapsed.as_secs_f64().max(1e-9)
        }

        /// Server CPU per request in microseconds, a figure that does not depend on how fast the
        /// client is or on what else the machine runs.
        fn cpu_us(&self, cpu: Option<Duration>) -> String {
            match cpu {
                Some(cpu) => format!(
                    "{:.0} us",
                    cpu.as_secs_f64() * 1e6 / self.done.max(1) as f64
                ),
                None => "n/a".to_owned(),
            }
        }

        fn note(&self) -> &'static str {
            if self.hit_deadline {
                "  (ended by its deadline)"
            } else {
                ""
            }
        }
    }

    /// The body of the i-th create: what `kubectl create` sends for an object with
    /// `metadata.generateName`, one address that differs per object. Written as text, so the client
    /// spends its time on the wire rather than building JSON.
    fn generate_name_body(i: usize) -> Vec<u8> {
        let ip = format!("10.{}.{}.{}", i / 62_500 % 250, i / 250 % 250, i % 250 + 1);
        format!(
            r#"{{"apiVersion":"v1","kind":"Endpoints","metadata":{{"generateName":"bench-","labels":{{"app":"bench"}}}},"subsets":[{{"addresses":[{{"ip":"{ip}"}}],"ports":[{{"name":"http","port":80}}]}}]}}"#
        )
        .into_bytes()
    }

    /// The request a window sends.
    #[derive(Clone, Copy)]
    enum Request {
        /// A generateName create.
        Create,
        /// A get of the object `probe-<connection>`.
        GetProbe,
    }

    /// The CPU time process `pid` has used (user and system, all threads), from `/proc/<pid>/stat`.
    pub(super) fn cpu_time(pid: u32) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Fields after the command name, which is in parentheses and may hold spaces; utime and
        // stime are fields 14 and 15 of the whole line, in USER_HZ ticks (100 per second on Linux).
        let after = stat.rsplit_once(')')?.1;
        let mut fields = after.split_whitespace().skip(11);
        let user: u64 = fields.next()?.parse().ok()?;
        let system: u64 = fields.next()?.parse().ok()?;
        Some(Duration::from_millis((user + system) * 10))
    }

    /// Send `requests` requests of one kind from [`CONNECTIONS`] connections, each taking the next
    /// request number from a shared counter, until all are answered or `limit` has passed.
    async fn window(
        addr: SocketAddr,
        pid: u32,
        request: Request,
        requests: usize,
        limit: Duration,
    ) -> anyhow::Result<Window> {
        let cpu_before = cpu_time(pid);
        let client_before = cpu_time(std::process::id());
        let next = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let deadline = started + limit;
        let mut tasks = Vec::with_capacity(CONNECTIONS);
        for c in 0..CONNECTIONS {
            let (next, done) = (next.clone(), done.clone());
            tasks.push(tokio::spawn(async move {
                let mut connection = Connection::open(addr).await?;
                let collection = format!("/api/v1/namespaces/{NAMESPACE}/endpoints");
                let probe = format!("{collection}/probe-{c}");
                while Instant::now() < deadline {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= requests {
                        break;
                    }
                    let (method, path, body) = match request {
                        Request::Create => ("POST", &collection, Some(generate_name_body(i))),
                        Request::GetProbe => ("GET", &probe, None),
                    };
                    let (status, _) = connection.request(method, path, body.as_deref()).await?;
                    if !(200..300).contains(&status) {
                        bail!("{method} {path} answered {status}");
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<(), anyhow::Error>(())
            }));
        }
        for task in tasks {
            task.await.context("a client task failed")??;
        }
        let done = done.load(Ordering::Relaxed);
        let elapsed = started.elapsed();
        let server_cpu = cpu_before
            .zip(cpu_time(pid))
            .map(|(before, after)| after.saturating_sub(before));
        let client_cpu = client_before
            .zip(cpu_time(std::process::id()))
            .map(|(before, after)| after.saturating_sub(before));
        Ok(Window {
            done,
            elapsed,
            hit_deadline: done < requests,
            server_cpu,
            client_cpu,
        })
    }

    /// Start `binary` with its defaults and wait until it answers.
    fn start_default(binary: &Path) -> anyhow::Result<Server> {
        let server = start(binary, &[])?;
        first_200_blocking(server.addr, Instant::now())?;
        Ok(server)
    }

    /// The window with the median rate.
    fn median(windows: &[Window]) -> &Window {
        let mut sorted: Vec<&Window> = windows.iter().collect();
        sorted.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
        sorted[sorted.len() / 2]
    }

    async fn scaling(binary: &Path) -> anyhow::Result<()> {
        // Each empty-store window gets a fresh server; the median of several is the figure, as one
        // short window on a shared machine can catch a burst of someone else's work.
        let mut empty = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let server = start_default(binary)?;
            let pid = server.child.id();
            empty.push(window(server.addr, pid, Request::Create, WINDOW, WINDOW_LIMIT).await?);
        }

        let server = start_default(binary)?;
        let pid = server.child.id();
        let addr = server.addr;
        let mut probes = Connection::open(addr).await?;
        for c in 0..CONNECTIONS {
            let body = json!({"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": format!("probe-{c}")},
                "subsets": [{"addresses": [{"ip": "10.255.0.1"}], "ports": [{"port": 80}]}]})
            .to_string();
            let path = format!("/api/v1/namespaces/{NAMESPACE}/endpoints");
            let (status, _) = probes.request("POST", &path, Some(body.as_bytes())).await?;
            if status != 201 {
                bail!("creating probe-{c} answered {status}");
            }
        }
        drop(probes);

        let rss_empty = rss_kib(pid);
        let fill = window(addr, pid, Request::Create, STORED - CONNECTIONS, FILL_LIMIT).await?;
        let stored = CONNECTIONS + fill.done;
        let rss_stored = rss_kib(pid);
        let mut full = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            full.push(window(addr, pid, Request::Create, WINDOW, WINDOW_LIMIT).await?);
        }
        let get = window(addr, pid, Request::GetProbe, WINDOW * 2, WINDOW_LIMIT).await?;
        drop(server);

        println!(
            "mock create scaling (release binary, default history window, {CONNECTIONS} keep-alive loopback connections, generateName POSTs)"
        );
        let line = |what: &str, window: &Window, detail: String| {
            println!(
                "  {what:<26}{:>8.0} req/s   CPU per request: server {:>6}, clients {:>6}   ({detail}){}",
                window.rate(),
                window.cpu_us(window.server_cpu),
                window.cpu_us(window.client_cpu),
                window.note()
            );
        };
        for (i, window) in empty.iter().enumerate() {
            line(
                &format!("create, empty store #{}", i + 1),
                window,
                format!("{} creates from 0 objects, a fresh server", window.done),
            );
        }
        line(
            "create, filling",
            &fill,
            format!("{} creates up to {stored} objects", fill.done),
        );
        let mut at = stored;
        for (i, window) in full.iter().enumerate() {
            line(
                &format!("create, {stored} stored #{}", i + 1),
                window,
                format!("{} creates from {at} objects", window.done),
            );
            at += window.done;
        }
        line(
            &format!("get, {stored} stored"),
            &get,
            format!("{} gets of one object per connection", get.done),
        );
        let (empty, full) = (median(&empty), median(&full));
        println!(
            "  create, median of {RUNS}: empty store {:.0} req/s, {stored} stored {:.0} req/s ({:.1} %)",
            empty.rate(),
            full.rate(),
            100.0 * full.rate() / empty.rate().max(1e-9)
        );
        println!(
            "mock memory per stored object (growth of VmRSS from {CONNECTIONS} to {stored} objects / objects added; includes the retained event window)"
        );
        match (rss_empty, rss_stored) {
            (Some(before), Some(after)) => {
                let added = (stored - CONNECTIONS).max(1);
                println!(
                    "  resident, {stored} stored {:>9.1} MiB",
                    after as f64 / 1024.0
                );
                println!(
                    "  per object                {:>10.0} bytes",
                    after.saturating_sub(before) as f64 * 1024.0 / added as f64
                );
            }
            _ => println!("  (no /proc on this system)"),
        }
        Ok(())
    }
}

/// Get and list-100 throughput in protobuf beside JSON: the release binary with 10,000 objects, the
/// same requests from 8 keep-alive loopback connections with `Accept: application/json` and with
/// `Accept: application/vnd.kubernetes.protobuf` (as client-go asks), the two formats interleaved
/// (which goes first alternates) and each measured five times; the median is the figure. Beside the
/// rate, the server's CPU time per request (from /proc), which the machine's other load moves far less
/// than the wall clock.
mod protobuf_throughput {
    use std::path::Path;
    use std::time::Instant;

    use anyhow::{Context as _, bail};

    use super::create_scaling::cpu_time;
    use super::server::{Connection, Kind, first_200_blocking, start, timed_accepting};

    const OBJECTS: usize = 10_000;
    /// Gets name the stored objects, each once.
    const GETS: usize = OBJECTS;
    const LISTS: usize = 2_000;
    const RUNS: usize = 5;
    const JSON: &str = "application/json";
    const PROTOBUF: &str = kconform_spec::protobuf::MEDIA_TYPE;

    pub(super) fn run(binary: &Path) -> anyhow::Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start the tokio runtime")?;
        runtime.block_on(measure(binary))
    }

    /// The Content-Type and size of one answer, so a figure never counts an answer in another format.
    async fn answer_of(
        connection: &mut Connection,
        path: &str,
        accept: &str,
    ) -> anyhow::Result<usize> {
        let (status, length) = connection
            .request_accepting("GET", path, None, Some(accept))
            .await?;
        if status != 200 || connection.content_type != accept {
            bail!(
                "GET {path} with Accept {accept} answered {status} as {:?}",
                connection.content_type
            );
        }
        Ok(length)
    }

    fn median(values: &mut [f64]) -> f64 {
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
    }

    /// Paired latencies: each of `connections` connections sends `per_connection` requests of
    /// `path`, alternating JSON and protobuf (the first format alternating by connection), so the
    /// two formats meet the same load at the same moments whatever else the machine runs. Gives
    /// the latencies of the JSON and of the protobuf requests.
    async fn paired(
        addr: std::net::SocketAddr,
        path: &'static str,
        connections: usize,
        per_connection: usize,
    ) -> anyhow::Result<[Vec<f64>; 2]> {
        let mut tasks = Vec::new();
        for c in 0..connections {
            tasks.push(tokio::spawn(async move {
                let mut connection = Connection::open(addr).await?;
                let mut latencies = [Vec::new(), Vec::new()];
                for i in 0..per_connection {
                    let which = (i + c) % 2;
                    let accept = [JSON, PROTOBUF][which];
                    let started = Instant::now();
                    let (status, _) = connection
                        .request_accepting("GET", path, None, Some(accept))
                        .await?;
                    let took = started.elapsed().as_secs_f64() * 1e6;
                    if status != 200 || connection.content_type != accept {
                        bail!("GET {path} with Accept {accept} answered {status}");
                    }
                    latencies[which].push(took);
                }
                Ok::<_, anyhow::Error>(latencies)
            }));
        }
        let mut all = [Vec::new(), Vec::new()];
        for task in tasks {
            let [json, pb] = task.await.context("a client task failed")??;
            all[0].extend(json);
            all[1].extend(pb);
        }
        Ok(all)
    }

    async fn measure(binary: &Path) -> anyhow::Result<()> {
        let history = (OBJECTS * 2).to_string();
        let server = start(binary, &["--history", &history])?;
        first_200_blocking(server.addr, Instant::now())?;
        let pid = server.child.id();
        eprintln!("bench mock-protobuf: storing {OBJECTS} objects");
        timed_accepting(server.addr, Kind::Create, OBJECTS, None).await?;
        let mut connection = Connection::open(server.addr).await?;
        let get_path = "/api/v1/namespaces/default/endpoints/ep-1";
        let list_path = "/api/v1/namespaces/default/endpoints?limit=100";
        let sizes = [
            answer_of(&mut connection, get_path, JSON).await?,
            answer_of(&mut connection, get_path, PROTOBUF).await?,
            answer_of(&mut connection, list_path, JSON).await?,
            answer_of(&mut connection, list_path, PROTOBUF).await?,
        ];
        let cases = [
            (Kind::Get, JSON, GETS),
            (Kind::Get, PROTOBUF, GETS),
            (Kind::List, JSON, LISTS),
            (Kind::List, PROTOBUF, LISTS),
        ];
        let mut rates = [const { Vec::new() }; 4];
        let mut cpu_us = [const { Vec::new() }; 4];
        for run in 0..RUNS {
            eprintln!("bench mock-protobuf: run {} of {RUNS}", run + 1);
            // JSON first in even runs, protobuf first in odd ones.
            let order: [usize; 4] = if run % 2 == 0 {
                [0, 1, 2, 3]
            } else {
                [1, 0, 3, 2]
            };
            for n in order {
                let (kind, accept, requests) = cases[n];
                let before = cpu_time(pid);
                rates[n].push(timed_accepting(server.addr, kind, requests, Some(accept)).await?);
                if let (Some(before), Some(after)) = (before, cpu_time(pid)) {
                    cpu_us[n].push((after - before).as_secs_f64() * 1e6 / requests as f64);
                }
            }
        }
        let [get_json, get_pb, list_json, list_pb] = rates.each_mut().map(|r| median(r));
        let cpu = cpu_us.each_mut().map(|c| median(c));
        println!(
            "mock protobuf beside JSON (release binary, 8 keep-alive loopback connections, {OBJECTS} objects, median of {RUNS})"
        );
        for (what, json, pb, at) in [
            ("get       ", get_json, get_pb, 0),
            ("list (100)", list_json, list_pb, 2),
        ] {
            println!(
                "  {what}   JSON {json:>8.0} req/s {:>6.1} µs server CPU ({:>5} bytes)   protobuf {pb:>8.0} req/s {:>6.1} µs ({:>5} bytes)   protobuf/JSON {:.2} (CPU {:.2})",
                cpu[at],
                sizes[at],
                cpu[at + 1],
                sizes[at + 1],
                pb / json,
                cpu[at + 1] / cpu[at]
            );
        }
        println!(
            "mock protobuf beside JSON, paired (each of 8 connections alternates JSON and protobuf requests, so both meet the same load; median latency)"
        );
        for (what, path, per_connection) in [
            ("get       ", get_path, GETS / 8),
            ("list (100)", list_path, LISTS / 8),
        ] {
            let [mut json, mut pb] = paired(server.addr, path, 8, per_connection).await?;
            let (json, pb) = (median(&mut json), median(&mut pb));
            println!(
                "  {what}   JSON {json:>8.0} µs   protobuf {pb:>8.0} µs   protobuf/JSON latency {:.2}",
                pb / json
            );
        }
        Ok(())
    }
}
