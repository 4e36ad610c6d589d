//! The HTML matrix as a person sees it: rendered by headless Chromium, not read as text.
//!
//! The page is loaded twice. Once as written, for a screenshot. Once as a probe copy: the page with
//! its Content-Security-Policy taken out (so escaping alone must keep hostile text inert) and a
//! script appended that, after load, records what is on screen (each cell's visible text, its
//! computed background, its size, whether its link leads anywhere; the summary's numbers; the
//! detail sections' text) as JSON in `<pre id="probe">`, which `--dump-dom` hands back.
//!
//! Chromium comes from `CC_CHROMIUM`, else `/usr/bin/chromium`. Without it the test fails: run
//! `bash scripts/test.sh`, which installs Debian's chromium.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cognito_conformance::matrix::{Column, Matrix, html};
use cognito_conformance::report::model::{Evidence, Verdict};
use cognito_conformance::snapshot::{ExpectationLine, StepLine, Transcript};
use serde::Deserialize;

const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(90);
const PAGE_TITLE: &str = "Conformance matrix";
const HOSTILE_BODY: &str = "</pre><script>document.title='pwned';window.__pwned=true;</script>\
                            <img src=x onerror=\"window.__pwned=true\">";

const DOC_PASS: (Evidence, Verdict) = (Evidence::Documented, Verdict::Pass);
const DOC_FAIL: (Evidence, Verdict) = (Evidence::Documented, Verdict::Fail);
const AWS_PASS: (Evidence, Verdict) = (Evidence::AwsSeen, Verdict::Pass);

fn transcript(scenario: &str, verdict: Verdict, expectations: &[(Evidence, Verdict)], body: &str) -> Transcript {
    Transcript {
        scenario: scenario.into(),
        title: format!("Revokes <refresh-token#1> in {scenario}"),
        spec: "§2.3".into(),
        verdict,
        reason: None,
        expectations: expectations
            .iter()
            .enumerate()
            .map(|(i, (evidence, verdict))| ExpectationLine {
                step: "revoke".into(),
                check: format!("check {i}"),
                claim: Some(format!("C{i}")),
                evidence: *evidence,
                verdict: *verdict,
                expected: (*verdict != Verdict::Pass).then(|| "200".into()),
                actual: (*verdict != Verdict::Pass).then(|| "400".into()),
                rule: None,
            })
            .collect(),
        steps: vec![StepLine {
            name: "revoke".into(),
            kind: "revoke_token".into(),
            request: Some("POST RevokeToken".into()),
            request_body: Some("{\n  \"Token\": \"<refresh-token#1>\"\n}".into()),
            status: Some(200),
            response_body: Some(body.into()),
        }],
    }
}

/// Three targets, four scenarios; `cognito-local` did not run `hosted-revoke`.
fn fixture() -> Vec<Column> {
    let inferred = |v| (Evidence::Inferred, v);
    let unsupported = (Evidence::Documented, Verdict::Unsupported);
    let mut hostile_title = transcript("hostile-body", Verdict::Pass, &[DOC_PASS], "{}");
    hostile_title.title = "Echoes \"quotes\" & <script>window.__pwned=true</script>".into();
    let mut hostile_moto = transcript("hostile-body", Verdict::Fail, &[DOC_FAIL], HOSTILE_BODY);
    hostile_moto.title.clone_from(&hostile_title.title);
    vec![
        Column {
            target: "reference".into(),
            transcripts: vec![
                transcript("revoke-basic", Verdict::Pass, &[DOC_PASS, DOC_PASS, AWS_PASS], "{}"),
                transcript("revoke-family", Verdict::Pass, &[DOC_PASS, inferred(Verdict::Pass)], "{}"),
                transcript("hosted-revoke", Verdict::Pass, &[DOC_PASS, AWS_PASS], "{}"),
                hostile_title.clone(),
            ],
        },
        Column {
            target: "moto".into(),
            transcripts: vec![
                transcript("revoke-basic", Verdict::Pass, &[DOC_PASS, DOC_PASS, AWS_PASS], "{}"),
                transcript("revoke-family", Verdict::Warn, &[DOC_PASS, inferred(Verdict::Warn)], "{\"x\": 1}"),
                transcript(
                    "hosted-revoke",
                    Verdict::Unsupported,
                    &[unsupported, (Evidence::AwsSeen, Verdict::Skipped)],
                    "",
                ),
                hostile_moto,
            ],
        },
        Column {
            target: "cognito-local".into(),
            transcripts: vec![
                transcript("revoke-basic", Verdict::Fail, &[DOC_PASS, DOC_FAIL, AWS_PASS], "{\"y\": 2}"),
                transcript("revoke-family", Verdict::Unsupported, &[unsupported, inferred(Verdict::Skipped)], ""),
                hostile_title,
            ],
        },
    ]
}

fn render(transcript: &Transcript) -> String {
    serde_json::to_string_pretty(transcript).expect("a transcript serialises") + "\n"
}

/// The summary the page must show, counted by hand from [`fixture`]: per target, the columns
/// `ran`, the verdicts, `not-run` and `documented`.
fn expected_summary() -> BTreeMap<&'static str, BTreeMap<&'static str, &'static str>> {
    let row = |values: [&'static str; 9]| {
        ["ran", "pass", "warn", "fail", "unsupported", "error", "skipped", "not-run", "documented"]
            .into_iter()
            .zip(values)
            .collect::<BTreeMap<_, _>>()
    };
    BTreeMap::from([
        ("reference", row(["4", "4", "0", "0", "0", "0", "0", "0", "5/5 (100%)"])),
        ("moto", row(["4", "1", "1", "1", "1", "0", "0", "0", "3/5 (60%)"])),
        ("cognito-local", row(["3", "1", "0", "1", "1", "0", "0", "1", "2/4 (50%)"])),
    ])
}

const PROBE: &str = r#"<script>
window.addEventListener('load', function () {
  function exists(href) {
    return !!href && href.charAt(0) === '#' && document.getElementById(decodeURIComponent(href.slice(1))) !== null;
  }
  function colour(el) { return el ? getComputedStyle(el).backgroundColor : null; }
  var cells = Array.from(document.querySelectorAll('table.matrix tbody td.cell')).map(function (td) {
    var a = td.querySelector('a'), r = td.getBoundingClientRect(), href = a ? a.getAttribute('href') : null;
    return { scenario: td.parentElement.dataset.scenario, target: td.dataset.target, text: td.innerText,
             background: colour(td), visible: r.width > 0 && r.height > 0, href: href, link_ok: exists(href) };
  });
  var links = Array.from(document.querySelectorAll('a[href]')).map(function (a) {
    return { href: a.getAttribute('href'), ok: exists(a.getAttribute('href')) };
  });
  var summary = Array.from(document.querySelectorAll('table.summary tbody tr')).map(function (tr) {
    var counts = {};
    tr.querySelectorAll('td').forEach(function (td) { counts[td.dataset.count] = td.innerText; });
    return { target: tr.querySelector('th').innerText, counts: counts };
  });
  var rows = Array.from(document.querySelectorAll('table.matrix tbody tr')).map(function (tr) {
    return { scenario: tr.dataset.scenario, heading: tr.querySelector('th').innerText,
             evidence: tr.querySelector('.evidence').innerText };
  });
  var sections = Array.from(document.querySelectorAll('section[id]')).map(function (s) {
    return { id: s.id, text: s.innerText, added: colour(s.querySelector('pre .add')),
             removed: colour(s.querySelector('pre .del')) };
  });
  var probe = { title: document.title, pwned: window.__pwned === true, scripts: document.scripts.length,
                images: document.images.length,
                sticky: getComputedStyle(document.querySelector('table.matrix thead th')).position,
                cells: cells, links: links, summary: summary, rows: rows, sections: sections };
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(probe).replace(/[<>&\u00a0]/g, function (c) {
    return '\\u' + ('000' + c.charCodeAt(0).toString(16)).slice(-4);
  });
  document.body.appendChild(pre);
});
</script>
"#;

#[derive(Debug, Deserialize)]
struct Probe {
    title: String,
    pwned: bool,
    scripts: usize,
    images: usize,
    sticky: String,
    cells: Vec<CellProbe>,
    links: Vec<LinkProbe>,
    summary: Vec<SummaryProbe>,
    rows: Vec<RowProbe>,
    sections: Vec<SectionProbe>,
}

#[derive(Debug, Deserialize)]
struct CellProbe {
    scenario: String,
    target: String,
    text: String,
    background: String,
    visible: bool,
    href: Option<String>,
    link_ok: bool,
}

#[derive(Debug, Deserialize)]
struct LinkProbe {
    href: String,
    ok: bool,
}

#[derive(Debug, Deserialize)]
struct SummaryProbe {
    target: String,
    counts: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct RowProbe {
    scenario: String,
    heading: String,
    evidence: String,
}

#[derive(Debug, Deserialize)]
struct SectionProbe {
    id: String,
    text: String,
    added: Option<String>,
    removed: Option<String>,
}

fn chromium() -> PathBuf {
    let path = std::env::var_os("CC_CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        path.is_file(),
        "Chromium not found at {} (set CC_CHROMIUM to its path, or run `bash scripts/test.sh`, which installs \
         Debian's chromium): this test checks the HTML matrix as a browser shows it and does not skip",
        path.display()
    );
    path
}

fn scratch_dir() -> PathBuf {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("cc-matrix-html-{}-{nanos}", std::process::id()));
    fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

/// Runs headless Chromium with a fresh profile, killing it after [`CHROMIUM_TIMEOUT`]; returns stdout.
fn run_chromium(dir: &Path, name: &str, args: &[String]) -> String {
    let (stdout, stderr) = (dir.join(format!("{name}.stdout")), dir.join(format!("{name}.stderr")));
    let mut child = Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic"])
        .args(["--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .arg(format!("--user-data-dir={}", dir.join(format!("{name}.profile")).display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(File::create(&stdout).expect("create stdout file"))
        .stderr(File::create(&stderr).expect("create stderr file"))
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + CHROMIUM_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll chromium") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium ({name}) hung for {CHROMIUM_TIMEOUT:?}: {}",
                fs::read_to_string(&stderr).unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.success(),
        "chromium ({name}) failed, {status}: {}",
        fs::read_to_string(&stderr).unwrap_or_default()
    );
    fs::read_to_string(&stdout).expect("read chromium's output")
}

/// The page without its CSP meta element and with [`PROBE`] before `</body>`.
fn probe_copy(page: &str) -> String {
    let start = page.find("<meta http-equiv=\"Content-Security-Policy\"").expect("the page carries a CSP");
    let end = start + page[start..].find('>').expect("the meta element ends") + 1;
    let body_end = page.rfind("</body>").expect("the page has a body");
    format!("{}{}{PROBE}{}", &page[..start], &page[end..body_end], &page[body_end..])
}

fn probe(dom: &str) -> Probe {
    let start = dom.find("<pre id=\"probe\">").unwrap_or_else(|| panic!("no probe in the dumped DOM:\n{dom}")) + 16;
    let end = start + dom[start..].find("</pre>").expect("the probe ends");
    serde_json::from_str(&dom[start..end]).unwrap_or_else(|e| panic!("bad probe JSON ({e}): {}", &dom[start..end]))
}

/// `rgb(r, g, b)` or `rgba(r, g, b, a)` as channels.
fn rgb(colour: &str) -> [i32; 3] {
    let inner = colour.trim_start_matches("rgba(").trim_start_matches("rgb(").trim_end_matches(')');
    let channels: Vec<i32> = inner.split(',').take(3).map(|c| c.trim().parse().expect("a channel")).collect();
    channels.try_into().unwrap_or_else(|_| panic!("not a colour: {colour}"))
}

fn greenish([r, g, b]: [i32; 3]) -> bool {
    g > r + 20 && g > b + 20
}

fn reddish([r, g, b]: [i32; 3]) -> bool {
    r > g + 20 && r > b + 20
}

#[test]
fn matrix_page_reads_right_in_a_browser() {
    let dir = scratch_dir();
    let columns = fixture();
    let page = html(&Matrix::build(&columns, &render));
    let (page_path, probe_path) = (dir.join("matrix.html"), dir.join("probe.html"));
    fs::write(&page_path, &page).expect("write the page");
    fs::write(&probe_path, probe_copy(&page)).expect("write the probe copy");

    let dom = run_chromium(&dir, "dump", &["--dump-dom".into(), format!("file://{}", probe_path.display())]);
    let probe = probe(&dom);

    // Hostile text from a target and a title stayed text: nothing ran, nothing was added.
    assert_eq!(probe.title, PAGE_TITLE);
    assert!(!probe.pwned, "a script from a transcript or a title ran");
    assert_eq!((probe.scripts, probe.images), (1, 0), "only the probe's script is on the page, and no image");
    let hostile = probe.sections.iter().find(|s| s.id == "diff-moto-hostile-body").expect("moto's hostile section");
    assert!(
        hostile.text.contains("<script>document.title='pwned'"),
        "the hostile body reads as written: {}",
        hostile.text
    );
    let row = probe.rows.iter().find(|r| r.scenario == "hostile-body").expect("the hostile row");
    assert!(row.heading.contains("Echoes \"quotes\" & <script>window.__pwned=true</script>"), "{}", row.heading);

    // Every cell shows its verdict and its count, and is on screen.
    let mut expected_cells = 0;
    for column in &columns {
        for transcript in &column.transcripts {
            expected_cells += 1;
            let cell = probe
                .cells
                .iter()
                .find(|c| c.scenario == transcript.scenario && c.target == column.target)
                .unwrap_or_else(|| panic!("no cell for {} on {}", transcript.scenario, column.target));
            let passed = transcript.expectations.iter().filter(|e| e.verdict == Verdict::Pass).count();
            let count = format!("{passed}/{}", transcript.expectations.len());
            assert!(cell.text.contains(transcript.verdict.name()) && cell.text.contains(&count), "{cell:?}");
            assert!(cell.visible, "{cell:?}");
            assert!(cell.href.is_some() && cell.link_ok, "the cell links to its detail: {cell:?}");
        }
    }
    let not_run: Vec<&CellProbe> = probe.cells.iter().filter(|c| c.text.contains("not run")).collect();
    assert_eq!(probe.cells.len(), expected_cells + 1, "{:?}", probe.cells);
    assert_eq!(not_run.len(), 1);
    assert_eq!((not_run[0].scenario.as_str(), not_run[0].target.as_str()), ("hosted-revoke", "cognito-local"));
    assert!(not_run[0].visible && not_run[0].href.is_none());

    // Colours: pass green, fail red, warn amber, unsupported grey.
    let background = |verdict: Verdict| {
        let cell = probe.cells.iter().find(|c| c.text.contains(verdict.name())).expect("a cell with that verdict");
        rgb(&cell.background)
    };
    let (pass, fail, warn, unsupported) = (
        background(Verdict::Pass),
        background(Verdict::Fail),
        background(Verdict::Warn),
        background(Verdict::Unsupported),
    );
    assert!(greenish(pass), "pass is not green: {pass:?}");
    assert!(reddish(fail), "fail is not red: {fail:?}");
    assert!(warn[0] > warn[2] + 40 && warn[1] > warn[2] + 40, "warn is not amber: {warn:?}");
    assert!(
        unsupported.iter().max().zip(unsupported.iter().min()).is_some_and(|(hi, lo)| hi - lo < 16),
        "{unsupported:?}"
    );
    for cell in probe.cells.iter().filter(|c| c.text.contains("pass")) {
        assert_eq!(cell.background, probe.cells.iter().find(|c| c.text.contains("pass")).expect("a pass").background);
    }

    // Diff lines: added green, removed red; equal transcripts say so.
    let diff = probe.sections.iter().find(|s| s.id == "diff-cognito-local-revoke-basic").expect("a diff section");
    assert!(greenish(rgb(diff.added.as_deref().expect("added lines"))), "{diff:?}");
    assert!(reddish(rgb(diff.removed.as_deref().expect("removed lines"))), "{diff:?}");
    let same = probe.sections.iter().find(|s| s.id == "diff-moto-revoke-basic").expect("moto's revoke-basic");
    assert!(same.text.contains("No difference from reference"), "{}", same.text);
    let baseline = probe.sections.iter().find(|s| s.id == "diff-reference-revoke-basic").expect("a transcript");
    assert!(baseline.text.contains("<refresh-token#1>"), "placeholders read as written: {}", baseline.text);

    // Every link on the page leads somewhere on the page.
    assert!(probe.links.len() > expected_cells);
    for link in &probe.links {
        assert!(link.ok, "dangling link {}", link.href);
    }

    // The summary shows the fixture's numbers; the evidence grades show per row.
    let shown: BTreeMap<&str, BTreeMap<&str, &str>> = probe
        .summary
        .iter()
        .map(|s| (s.target.as_str(), s.counts.iter().map(|(k, v)| (k.as_str(), v.trim())).collect()))
        .collect();
    assert_eq!(shown, expected_summary());
    let basic = probe.rows.iter().find(|r| r.scenario == "revoke-basic").expect("revoke-basic");
    assert_eq!(
        basic.evidence.split_whitespace().collect::<Vec<_>>(),
        ["2", "documented", "1", "aws-seen", "0", "inferred"]
    );
    assert_eq!(probe.sticky, "sticky", "the matrix header stays in view");

    // The page as written renders to a real picture.
    let shot = dir.join("matrix.png");
    run_chromium(
        &dir,
        "shot",
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1400,1000".into(),
            format!("file://{}", page_path.display()),
        ],
    );
    let png = fs::read(&shot).expect("chromium wrote the screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 8 * 1024, "a blank screenshot: {} bytes", png.len());

    let _ = fs::remove_dir_all(&dir);
}
