//! `report.html`: one self-contained page (inline CSS and JS, no external URL) with the coverage
//! matrix as a coloured grid of operation × parameter (and operation × status), filters, and the
//! evidence of every check.
//!
//! The grid and the check list are rendered here, server side, so the page reads correctly with
//! scripts disabled; the inline script only adds filtering (by result, level, area, text, and by
//! clicking a cell). Filters can be preset in the address, e.g.
//! `report.html#state=fail,error&level=MUST&area=WATCH&q=bookmark`.

use std::fmt::Write as _;

use super::junit::serde_plain;
use super::{CellState, CheckReport, CoverageCell, CoverageGrid, Report, escape_html as esc};
use crate::baseline::Verdict;
use crate::model::Outcome;

/// The fill colours of the grid, also used by the screenshot test to find the grid in pixels.
pub const CELL_COLOURS: [(CellState, &str); 6] = [
    (CellState::Pass, "#2da44e"),
    (CellState::Fail, "#cf222e"),
    (CellState::Known, "#d4a72c"),
    (CellState::Error, "#8250df"),
    (CellState::NotRun, "#afb8c1"),
    (CellState::Uncovered, "#eaeef2"),
];

/// The stylesheet of every kconform HTML page (the run report and the diff report).
pub(crate) const STYLE: &str = r#"
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;padding:16px 24px;color:#1f2328;background:#fff;font-size:14px}
h1{font-size:22px;margin:0 0 8px}
h2{font-size:17px;margin:24px 0 8px}
.meta{color:#59636e;margin:0 0 12px}
.meta code{color:#1f2328}
.verdict{display:inline-block;padding:6px 12px;border-radius:6px;font-weight:600;color:#fff;margin:4px 0 12px}
.verdict.clean{background:#2da44e}.verdict.regression{background:#cf222e}.verdict.error{background:#8250df}
table.summary{border-collapse:collapse;margin-bottom:8px}
table.summary td,table.summary th{border:1px solid #d1d9e0;padding:4px 10px;text-align:right}
.legend{display:flex;gap:14px;flex-wrap:wrap;margin:6px 0 10px;align-items:center}
.legend span.sw{display:inline-block;width:14px;height:14px;border-radius:3px;vertical-align:-2px;margin-right:4px;border:1px solid #0000001a}
.filters{display:flex;gap:14px;flex-wrap:wrap;align-items:center;padding:8px 10px;background:#f6f8fa;border:1px solid #d1d9e0;border-radius:6px;margin-bottom:12px}
.filters input[type=search]{padding:4px 6px;min-width:220px}
.gridwrap{overflow-x:auto;border:1px solid #d1d9e0;border-radius:6px;padding:6px}
table.grid{border-collapse:separate;border-spacing:3px}
table.grid th{font-weight:500;font-size:12px;color:#59636e;white-space:nowrap}
table.grid thead th{height:130px;vertical-align:bottom;padding:0}
table.grid.short thead th{height:44px}
table.grid thead th div{transform:rotate(-60deg);transform-origin:left bottom;width:24px;position:relative;left:12px;white-space:nowrap}
table.grid tbody th{text-align:right;padding-right:8px;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
table.grid td{width:24px;height:24px;min-width:24px;max-width:24px;border-radius:4px;padding:0;text-align:center;font-size:11px;color:#fff;cursor:pointer}
table.grid td.none{background:repeating-linear-gradient(45deg,#fff,#fff 3px,#f6f8fa 3px,#f6f8fa 6px);cursor:default}
td.pass,.sw.pass{background:#2da44e}
td.fail,.sw.fail{background:#cf222e}
td.known,.sw.known{background:#d4a72c}
td.error,.sw.error{background:#8250df}
td.not-run,.sw.not-run{background:#afb8c1}
td.uncovered,.sw.uncovered{background:#eaeef2;color:#59636e}
td.undeclared{outline:2px dashed #59636e;outline-offset:-2px}
td.dim{opacity:.18}
td.selected{outline:3px solid #0969da;outline-offset:-1px}
.check{border:1px solid #d1d9e0;border-radius:6px;margin:6px 0;padding:0}
.check summary{padding:6px 10px;cursor:pointer;display:flex;gap:10px;align-items:center}
.check summary .id{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-weight:600;min-width:150px}
.check summary .req{color:#59636e;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.badge{font-size:11px;padding:2px 7px;border-radius:10px;color:#fff;white-space:nowrap}
.badge.pass{background:#2da44e}.badge.fail{background:#cf222e}.badge.known{background:#d4a72c}.badge.error{background:#8250df}.badge.not-run{background:#afb8c1}
.lvl{font-size:11px;border:1px solid #d1d9e0;border-radius:10px;padding:1px 6px}
.body{padding:4px 14px 10px;border-top:1px solid #d1d9e0}
.body dl{display:grid;grid-template-columns:110px 1fr;gap:4px 12px;margin:8px 0}
.body dt{color:#59636e}
.body dd{margin:0}
pre{background:#f6f8fa;border:1px solid #d1d9e0;border-radius:6px;padding:8px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font-size:12px;margin:4px 0}
.hidden{display:none}
.diffstep{margin:4px 0 10px}
.diffstep.differs{border-left:4px solid #cf222e;padding-left:8px}
.diffstep .answers{display:grid;grid-template-columns:1fr 1fr;gap:8px}
"#;

const SCRIPT: &str = r#"
(function(){
  var boxes=[].slice.call(document.querySelectorAll('input[data-state]'));
  var level=document.getElementById('f-level'), area=document.getElementById('f-area'), text=document.getElementById('f-text');
  var checks=[].slice.call(document.querySelectorAll('.check'));
  var cells=[].slice.call(document.querySelectorAll('table.grid td[data-checks]'));
  var rank={MAY:0,SHOULD:1,MUST:2};
  var picked=null;
  function apply(){
    var states={};boxes.forEach(function(b){states[b.getAttribute('data-state')]=b.checked;});
    var lv=rank[level.value], ar=area.value, q=text.value.trim().toLowerCase();
    var visible={};
    checks.forEach(function(c){
      var ok=states[c.getAttribute('data-state')] && rank[c.getAttribute('data-level')]>=lv
        && (ar===''||c.getAttribute('data-area')===ar)
        && (q===''||c.textContent.toLowerCase().indexOf(q)>=0)
        && (picked===null||picked.indexOf(c.id)>=0);
      c.classList.toggle('hidden',!ok);
      if(ok){visible[c.id]=true;}
    });
    cells.forEach(function(td){
      var ids=td.getAttribute('data-checks').split(' ').filter(Boolean);
      var st=td.getAttribute('data-state');
      var show=ids.length===0?states[st]:ids.some(function(i){return visible[i];});
      td.classList.toggle('dim',!show);
    });
  }
  boxes.forEach(function(b){b.addEventListener('change',apply);});
  [level,area].forEach(function(e){e.addEventListener('change',apply);});
  text.addEventListener('input',apply);
  cells.forEach(function(td){td.addEventListener('click',function(){
    var ids=td.getAttribute('data-checks').split(' ').filter(Boolean);
    cells.forEach(function(o){o.classList.remove('selected');});
    if(picked!==null&&td.classList.contains('was-picked')){picked=null;td.classList.remove('was-picked');}
    else{cells.forEach(function(o){o.classList.remove('was-picked');});picked=ids;td.classList.add('selected','was-picked');
      if(ids.length===1){var d=document.getElementById(ids[0]);if(d){d.open=true;}}}
    apply();
  });});
  document.getElementById('f-clear').addEventListener('click',function(){picked=null;cells.forEach(function(o){o.classList.remove('selected','was-picked');});apply();});
  // Filters can be preset in the address, for links from CI: #state=fail,error&level=MUST&area=WATCH&q=text
  location.hash.replace(/^#/,'').split('&').forEach(function(kv){
    var i=kv.indexOf('='); if(i<0){return;}
    var k=kv.slice(0,i), v=decodeURIComponent(kv.slice(i+1));
    if(k==='state'){var on=v.split(',');boxes.forEach(function(b){b.checked=on.indexOf(b.getAttribute('data-state'))>=0;});}
    else if(k==='level'&&rank.hasOwnProperty(v)){level.value=v;}
    else if(k==='area'){area.value=v;}
    else if(k==='q'){text.value=v;}
  });
  apply();
})();
"#;

/// The start of a self-contained page with the reports' stylesheet, up to `<body>`; `title` is
/// escaped here.
pub(crate) fn page_head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n",
        esc(title)
    )
}

/// Renders the report as one self-contained HTML page.
pub fn render_html(report: &Report) -> String {
    let mut h = String::with_capacity(64 * 1024);
    // `write!` into a String cannot fail; results are ignored for that reason throughout.
    h.push_str(&page_head(&format!(
        "kconform report: {} against {}",
        report.suite_names(),
        report.target.url
    )));
    let _ = writeln!(
        h,
        "<h1>kconform report: {}</h1><p class=\"meta\">Target <code>{}</code> · Kubernetes {} expectations{} · started {} · {} ms{}</p>",
        esc(&report.suite_names()),
        esc(&report.target.url),
        esc(&report.target.k8s_version),
        report
            .target
            .server_version
            .as_deref()
            .map(|v| format!(" (server reports {})", esc(v)))
            .unwrap_or_default(),
        esc(&report.started_at),
        report.duration_ms,
        report
            .baseline
            .as_ref()
            .map(|b| format!(" · baseline <code>{}</code>", esc(&b.path)))
            .unwrap_or_default(),
    );
    let (class, text) = match report.verdict {
        Verdict::Clean => ("clean", "No regression"),
        Verdict::Regression => ("regression", "Regression"),
        Verdict::Error => ("error", "Error: some checks reached no verdict"),
    };
    let _ = writeln!(
        h,
        "<div class=\"verdict {class}\" id=\"verdict\">{text}</div>"
    );
    summary_table(&mut h, report);
    legend(&mut h);
    filters(&mut h, report);

    // One pair of matrices per API: each suite's operations are its own resource's.
    for suite in &report.suites {
        let coverage = &suite.coverage;
        let _ = writeln!(
            h,
            "<h2>Coverage of {}: operation × parameter</h2><div class=\"gridwrap\">",
            esc(&suite.api)
        );
        grid(
            &mut h,
            report,
            &format!("{}-params", suite.name),
            coverage,
            &coverage.params,
            &coverage.param_cells,
        );
        let _ = writeln!(
            h,
            "</div><h2>Coverage of {}: operation × status</h2><div class=\"gridwrap\">",
            esc(&suite.api)
        );
        let statuses: Vec<String> = coverage.statuses.iter().map(u16::to_string).collect();
        grid(
            &mut h,
            report,
            &format!("{}-statuses", suite.name),
            coverage,
            &statuses,
            &coverage.status_cells,
        );
        let _ = writeln!(h, "</div>");
    }

    let _ = writeln!(
        h,
        "<h2>Checks ({})</h2><div id=\"checks\">",
        report.checks.len()
    );
    for check in &report.checks {
        check_html(&mut h, check);
    }
    let _ = writeln!(h, "</div><script>{SCRIPT}</script></body></html>");
    h
}

fn summary_table(h: &mut String, report: &Report) {
    let s = &report.summary;
    let _ = write!(h, "<table class=\"summary\"><tr>");
    let cols = [
        ("checks", s.total),
        ("pass", s.passed),
        ("regression", s.regressions),
        ("expected failure", s.expected_failures),
        ("pending", s.pending),
        ("unexpected pass", s.unexpected_passes),
        ("error", s.errors),
        ("skipped", s.skipped),
        ("unsupported", s.unsupported),
        ("ineligible", s.ineligible),
    ];
    for (name, _) in cols {
        let _ = write!(h, "<th>{name}</th>");
    }
    let _ = write!(h, "</tr><tr>");
    for (_, n) in cols {
        let _ = write!(h, "<td>{n}</td>");
    }
    let _ = writeln!(h, "</tr></table>");
}

fn legend(h: &mut String) {
    let _ = write!(h, "<div class=\"legend\">");
    for (state, label) in [
        (CellState::Pass, "all checks pass"),
        (CellState::Fail, "regression"),
        (
            CellState::Known,
            "known failure / unexpected pass (baseline)",
        ),
        (CellState::Error, "error"),
        (CellState::NotRun, "skipped / unsupported / ineligible"),
        (CellState::Uncovered, "declared, no check"),
    ] {
        let _ = write!(
            h,
            "<span><span class=\"sw {}\"></span>{label}</span>",
            state.as_str()
        );
    }
    let _ = writeln!(
        h,
        "<span>dashed: exercised but not declared by the specification</span></div>"
    );
}

fn filters(h: &mut String, report: &Report) {
    let _ = write!(h, "<div class=\"filters\"><strong>Filter</strong>");
    for state in [
        CellState::Pass,
        CellState::Fail,
        CellState::Known,
        CellState::Error,
        CellState::NotRun,
        CellState::Uncovered,
    ] {
        let _ = write!(
            h,
            "<label><input type=\"checkbox\" checked data-state=\"{0}\"> {0}</label>",
            state.as_str()
        );
    }
    let _ = write!(
        h,
        "<label>level <select id=\"f-level\"><option value=\"MAY\">MAY and up</option>\
         <option value=\"SHOULD\">SHOULD and up</option><option value=\"MUST\">MUST only</option></select></label>"
    );
    let mut areas: Vec<&str> = report.checks.iter().map(|c| area(&c.id)).collect();
    areas.sort_unstable();
    areas.dedup();
    let _ = write!(
        h,
        "<label>area <select id=\"f-area\"><option value=\"\">all</option>"
    );
    for a in areas {
        let _ = write!(h, "<option>{}</option>", esc(a));
    }
    let _ = writeln!(
        h,
        "</select></label><input type=\"search\" id=\"f-text\" placeholder=\"id, requirement, body…\">\
         <button id=\"f-clear\" type=\"button\">clear cell selection</button></div>"
    );
}

fn grid(
    h: &mut String,
    report: &Report,
    name: &str,
    coverage: &CoverageGrid,
    columns: &[String],
    cells: &[CoverageCell],
) {
    let _ = write!(
        h,
        "<table class=\"grid{}\" id=\"grid-{name}\"><thead><tr><th></th>",
        // Status codes are three characters: their rotated labels need little room.
        if columns.iter().all(|c| c.len() <= 4) {
            " short"
        } else {
            ""
        }
    );
    for column in columns {
        let _ = write!(h, "<th><div>{}</div></th>", esc(column));
    }
    let _ = write!(h, "</tr></thead><tbody>");
    for operation in &coverage.operations {
        let _ = write!(h, "<tr><th>{}</th>", esc(operation));
        for column in columns {
            match cells
                .iter()
                .find(|c| &c.operation == operation && &c.column == column)
            {
                None => {
                    let _ = write!(h, "<td class=\"none\"></td>");
                }
                Some(cell) => {
                    let state = report.cell_state(cell);
                    let ran: Vec<&str> = cell
                        .checks
                        .iter()
                        .filter(|id| report.check(id).is_some())
                        .map(String::as_str)
                        .collect();
                    let title = if ran.is_empty() {
                        format!("{operation} × {column}: no check")
                    } else {
                        format!("{operation} × {column}: {}", ran.join(", "))
                    };
                    let _ = write!(
                        h,
                        "<td class=\"{}{}\" data-state=\"{}\" data-checks=\"{}\" title=\"{}\">{}</td>",
                        state.as_str(),
                        if cell.declared { "" } else { " undeclared" },
                        state.as_str(),
                        esc(&ran.join(" ")),
                        esc(&title),
                        if ran.is_empty() {
                            String::new()
                        } else {
                            ran.len().to_string()
                        }
                    );
                }
            }
        }
        let _ = write!(h, "</tr>");
    }
    let _ = writeln!(h, "</tbody></table>");
}

fn check_html(h: &mut String, check: &CheckReport) {
    let state = CellState::of(check.gate);
    let _ = write!(
        h,
        "<details class=\"check\" id=\"{id}\" data-state=\"{st}\" data-level=\"{lvl}\" data-area=\"{area}\"{open}>\
         <summary><span class=\"id\">{id}</span><span class=\"lvl\">{lvl}</span>\
         <span class=\"badge {st}\">{label}</span><span class=\"req\">{req}</span></summary><div class=\"body\"><dl>",
        id = esc(&check.id),
        st = state.as_str(),
        lvl = check.level.as_str(),
        area = esc(area(&check.id)),
        label = esc(check.gate.label()),
        req = esc(&check.requirement),
        // What needs attention is shown unfolded.
        open = if matches!(state, CellState::Fail | CellState::Error) {
            " open"
        } else {
            ""
        },
    );
    let mut row = |k: &str, v: String| {
        let _ = write!(h, "<dt>{k}</dt><dd>{v}</dd>");
    };
    row("requirement", esc(&check.requirement));
    row("spec", esc(&check.spec_ref));
    if !check.operations.is_empty() {
        row("operations", esc(&check.operations.join(", ")));
    }
    if !check.params.is_empty() {
        row("parameters", esc(&check.params.join(", ")));
    }
    row("duration", format!("{} ms", check.duration_ms));
    row("cleanup", esc(&serde_plain_tag(&check.cleanup)));
    if let Some(baseline) = &check.baseline {
        row(
            "baseline",
            format!(
                "{}: {} (<a href=\"{}\">{}</a>)",
                esc(&serde_plain(&baseline.kind)),
                esc(&baseline.reason),
                esc(&baseline.link),
                esc(&baseline.link)
            ),
        );
    }
    match &check.outcome {
        Outcome::Pass => row("result", "passed".to_owned()),
        Outcome::Skip { reason } => row("skipped", esc(reason)),
        Outcome::Unsupported { feature, reason } => {
            row("unsupported", format!("{}: {}", esc(feature), esc(reason)));
        }
        Outcome::Error { message } => row("error", format!("<pre>{}</pre>", esc(message))),
        Outcome::Fail(failure) => {
            row("expected", format!("<pre>{}</pre>", esc(&failure.expected)));
            row("actual", format!("<pre>{}</pre>", esc(&failure.actual)));
            for (n, exchange) in failure.evidence.iter().enumerate() {
                let response = match &exchange.response {
                    Some(r) => format!("{}\n{}", r.status, r.body),
                    None => "no response".to_owned(),
                };
                row(
                    &format!("request {}", n + 1),
                    format!(
                        "<pre>$ {}</pre><pre>{}</pre>",
                        esc(&exchange.curl),
                        esc(&response)
                    ),
                );
            }
        }
    }
    let _ = writeln!(h, "</dl></div></details>");
}

fn serde_plain_tag<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) if k == "kind" => s.clone(),
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn area(id: &str) -> &str {
    id.split('-').nth(1).unwrap_or(id)
}
