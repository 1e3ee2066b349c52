//! report.html in a real browser: headless Chromium renders it to a PNG, and the pixels must show
//! the coverage grid: rows of 24-pixel cells in the grid's colours, green for passing and red for
//! regressed checks.
//!
//! Needs Debian's `chromium` (`/usr/bin/chromium`, or `KCONFORM_CHROMIUM=PATH`); `cargo xtask test`
//! (the README's test command) installs it. Without it the test fails with a message saying so, unless `KCONFORM_SKIP_BROWSER=1`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kconform_harness::report::{CELL_COLOURS, CellState};
use kconform_mock::Fault;

use crate::support::{kconform, scratch_dir, server, strs};

const WIDTH: u32 = 1400;
const HEIGHT: u32 = 1100;
/// The grid's cells are 24 CSS pixels wide; at device scale 1 a cell is a run of 24 equal pixels.
const CELL: std::ops::RangeInclusive<usize> = 20..=28;

/// Headless, sandbox-free (we run as root in CI), and no network of its own: this machine allows
/// loopback only, and the page loads nothing from outside.
const CHROMIUM_FLAGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
];

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("KCONFORM_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

#[tokio::test(flavor = "multi_thread")]
async fn report_html_renders_the_coverage_grid_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        if std::env::var("KCONFORM_SKIP_BROWSER").as_deref() == Ok("1") {
            eprintln!("skipping: chromium not found and KCONFORM_SKIP_BROWSER=1");
            return;
        }
        panic!(
            "chromium is needed to test report.html: install Debian's `chromium` package \
             (apt-get install -y chromium), set KCONFORM_CHROMIUM=PATH, or set KCONFORM_SKIP_BROWSER=1 to skip"
        );
    };

    // A run with both passing and failing checks, so the grid has green and red cells.
    let server = server(&[Fault::CreateReturns200]).await;
    let dir = scratch_dir("browser");
    let out = dir.join("out");
    let mut args = vec![
        "run".to_owned(),
        "--filter".to_owned(),
        "^EP-(CREATE|READ|REPLACE)-".to_owned(),
        "--out".to_owned(),
        out.display().to_string(),
    ];
    args.extend(server.target_args());
    let ran = kconform(&strs(&args)).await;
    assert_eq!(ran.code, Some(1), "{}", ran.dump());
    server.server.shutdown().await;

    let screenshot = dir.join("report.png");
    render(
        &chromium,
        &out.join("report.html"),
        &screenshot,
        &dir.join("profile"),
    )
    .await;

    let (width, height, pixels) = decode_rgb(&screenshot);
    assert_eq!(
        (width, height),
        (WIDTH, HEIGHT),
        "screenshot has the window's size"
    );
    let palette: Vec<(CellState, [u8; 3])> = CELL_COLOURS
        .iter()
        .map(|(state, hex)| (*state, rgb(hex)))
        .collect();
    let mut grid_rows = 0;
    let mut states_in_grid = std::collections::BTreeSet::new();
    for y in 0..height as usize {
        let row = &pixels[y * width as usize..(y + 1) * width as usize];
        let cells = cell_runs(row, &palette);
        // A grid row: at least five cell-sized runs of grid colours on one scanline. Nothing else on
        // the page (legend swatches are 14 px, badges are text-sized and few per line) looks like that.
        if cells.len() >= 5 {
            grid_rows += 1;
            states_in_grid.extend(cells);
        }
    }
    assert!(
        grid_rows >= 24,
        "expected the coverage grid (rows of 24 px cells) in {}, found {grid_rows} grid scanlines",
        screenshot.display()
    );
    assert!(
        states_in_grid.contains(&CellState::Pass),
        "no green (passing) cell in the grid: {states_in_grid:?}"
    );
    assert!(
        states_in_grid.contains(&CellState::Fail),
        "no red (regressed) cell in the grid: {states_in_grid:?}"
    );
    assert!(
        states_in_grid.contains(&CellState::Uncovered),
        "no grey (uncovered) cell in the grid: {states_in_grid:?}"
    );

    // The page's script runs in a real browser: a filter preset in the address hides the passing
    // checks and dims the cells that have none of the remaining ones.
    let dom = dump_dom(
        &chromium,
        &out.join("report.html"),
        "#state=fail",
        &dir.join("profile-dom"),
    )
    .await;
    let details: Vec<&str> = dom
        .split("<details ")
        .skip(1)
        .map(|d| d.split('>').next().unwrap_or(""))
        .collect();
    assert!(!details.is_empty(), "no check in the DOM:\n{dom}");
    for tag in &details {
        let hidden = tag.contains("class=\"check hidden\"");
        let failing = tag.contains("data-state=\"fail\"");
        assert_eq!(
            hidden, !failing,
            "filter #state=fail applied wrongly to <details {tag}>"
        );
    }
    assert!(
        dom.contains(" dim\""),
        "cells without failing checks are dimmed"
    );
}

async fn dump_dom(chromium: &Path, html: &Path, hash: &str, profile: &Path) -> String {
    let html = html.canonicalize().expect("report.html exists");
    let mut command = tokio::process::Command::new(chromium);
    command
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}{hash}", html.display()))
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(90), command.output())
        .await
        .expect("chromium finished within 90 s")
        .expect("chromium started");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn render(chromium: &Path, html: &Path, screenshot: &Path, profile: &Path) {
    let html = html.canonicalize().expect("report.html exists");
    let mut command = tokio::process::Command::new(chromium);
    command
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .arg(format!("file://{}", html.display()))
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(90), command.output())
        .await
        .expect("chromium finished within 90 s")
        .expect("chromium started");
    assert!(
        screenshot.is_file(),
        "chromium wrote no screenshot (exit {:?}):\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Decodes a PNG into 8-bit RGB pixels.
fn decode_rgb(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let file = std::fs::File::open(path).expect("open screenshot");
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("sane PNG size")];
    let info = reader.next_frame(&mut buffer).expect("PNG frame decodes");
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Indexed => panic!("indexed colour survived normalisation"),
    };
    let pixels = buffer[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| match channels {
            1 | 2 => [p[0], p[0], p[0]],
            _ => [p[0], p[1], p[2]],
        })
        .collect();
    (info.width, info.height, pixels)
}

fn rgb(hex: &str) -> [u8; 3] {
    let value = u32::from_str_radix(hex.trim_start_matches('#'), 16).expect("hex colour");
    [(value >> 16) as u8, (value >> 8) as u8, value as u8]
}

/// The states of the cell-sized runs of grid colours on one scanline.
fn cell_runs(row: &[[u8; 3]], palette: &[(CellState, [u8; 3])]) -> Vec<CellState> {
    let classify = |p: &[u8; 3]| {
        palette
            .iter()
            .find(|(_, c)| c.iter().zip(p).all(|(a, b)| a.abs_diff(*b) <= 6))
            .map(|(state, _)| *state)
    };
    let mut runs = Vec::new();
    let mut current: Option<(CellState, usize)> = None;
    for pixel in row.iter().map(classify).chain(std::iter::once(None)) {
        current = match (current, pixel) {
            (Some((state, n)), Some(p)) if p == state => Some((state, n + 1)),
            (previous, next) => {
                if let Some((state, n)) = previous
                    && CELL.contains(&n)
                {
                    runs.push(state);
                }
                next.map(|state| (state, 1))
            }
        };
    }
    runs
}

#[test]
fn cell_runs_find_cell_sized_runs_only() {
    let palette = [
        (CellState::Pass, [0, 200, 0]),
        (CellState::Fail, [200, 0, 0]),
    ];
    let mut row = vec![[255, 255, 255]; 3];
    row.extend(vec![[0, 200, 0]; 24]);
    row.extend(vec![[255, 255, 255]; 3]);
    row.extend(vec![[200, 0, 0]; 24]);
    row.extend(vec![[0, 200, 0]; 10]);
    row.extend(vec![[0, 201, 0]; 12]);
    assert_eq!(
        cell_runs(&row, &palette),
        [CellState::Pass, CellState::Fail, CellState::Pass]
    );
    assert_eq!(rgb("#2da44e"), [45, 164, 78]);
}
