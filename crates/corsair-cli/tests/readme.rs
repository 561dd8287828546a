//! Every line of the README's transcripts is true: each ```` ```console ```` block of
//! README.md is run, and what it prints is compared with what the README shows.
//!
//! - **Which blocks.** Every fenced block whose info string is `console`, except one whose
//!   fence follows the line `<!-- readme-test: skip (why) -->` (blank lines between them
//!   allowed). In a block, a command is a line starting with `$ ` (and its continuation
//!   lines, ending with `\`); its expected output is every line after it, up to the next
//!   command.
//! - **Which commands.** `corsair ...`: the binary cargo built, run in the repository's root
//!   (standard output, then standard error). `curl -si [-X METHOD] URL [-H 'Name: value']...`:
//!   sent by this test over a plain TCP connection and printed as `curl -si` prints it
//!   (curl itself is not needed). Anything else fails the test: mark the block skipped.
//! - **Which servers.** `127.0.0.1:8080` in a command is the quick start's gateway
//!   (`corsair serve` with its built-in demo API), which this test starts on a free port;
//!   `127.0.0.1:3000` is the Express fixture (`tests/fixtures/express`), run by a test of
//!   its own that is skipped, like the audit tests, when Node or its packages are missing.
//!   The real ports are written back as 8080 and 3000 before comparing.
//! - **What is ignored.** Carriage returns, trailing whitespace and trailing blank lines;
//!   the values of `date` headers (`date: ...`, `< date: ...`, `["date","..."]`); the random
//!   part of `corsair audit`'s made-up names (`x-corsair-audit-<hex>`,
//!   `corsair-audit-404-<hex>`). Nothing else.
//! - **Files.** A fenced block (of any language) after the line
//!   `<!-- readme-test: same-as PATH -->` must be the file PATH of the repository, whole.
//! - **The gateway's log.** Each line of a block after `<!-- readme-test: gateway-log -->`
//!   must be in what the gateway logged while the transcripts ran, but for its timestamp.
//! - **The examples' API.** `examples/api.rs` answers what the gateway's demo answers
//!   (status, body, `content-type`, `x-request-id`), request by request.
//! - **Updating the README.** `CORSAIR_README_BLESS=1 cargo test -p corsair-cli --test
//!   readme` writes what the commands print now into README.md in place of the expected
//!   outputs that differ (ports written back); review the diff before committing it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod servers;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

/// The gateway's address in the README.
const GATEWAY: &str = "127.0.0.1:8080";
/// The Express fixture's address in the README.
const EXPRESS: &str = "127.0.0.1:3000";
const SKIP: &str = "<!-- readme-test: skip";

/// Blessing rewrites README.md; the two tests take turns.
static README_LOCK: Mutex<()> = Mutex::new(());

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn readme_path() -> PathBuf {
    repo_root().join("README.md")
}

/// One command of a console block and the output the README shows for it.
#[derive(Debug)]
struct Transcript {
    /// 1-based line of the `$ ` line.
    line: usize,
    /// The command, continuation lines joined.
    command: String,
    /// 0-based range of README lines holding the expected output.
    output: std::ops::Range<usize>,
}

#[derive(Debug)]
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    /// Why it is not run, when it is marked so.
    skip: Option<String>,
    transcripts: Vec<Transcript>,
}

impl Block {
    fn mentions(&self, addr: &str) -> bool {
        self.transcripts.iter().any(|t| t.command.contains(addr))
    }
}

fn blocks(readme: &str) -> Vec<Block> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() != "```console" {
            i += 1;
            continue;
        }
        let open = i;
        let close = (open + 1..lines.len())
            .find(|&j| lines[j].trim_end() == "```")
            .unwrap_or_else(|| panic!("README.md:{}: unclosed console block", open + 1));
        let skip = lines[..open]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .and_then(|l| l.trim().strip_prefix(SKIP))
            .map(|rest| rest.trim_end_matches("-->").trim().to_owned());
        let mut transcripts = Vec::new();
        let mut j = open + 1;
        while j < close {
            let Some(first) = lines[j].strip_prefix("$ ") else {
                assert!(
                    !transcripts.is_empty() || lines[j].trim().is_empty(),
                    "README.md:{}: a console block must start with a `$ ` command",
                    j + 1
                );
                j += 1;
                continue;
            };
            let line = j + 1;
            let mut command = first.trim_end().to_owned();
            while command.ends_with('\\') && j + 1 < close {
                command.pop();
                j += 1;
                command.push(' ');
                command.push_str(lines[j].trim());
            }
            j += 1;
            let start = j;
            while j < close && !lines[j].starts_with("$ ") {
                j += 1;
            }
            transcripts.push(Transcript {
                line,
                command,
                output: start..j,
            });
        }
        blocks.push(Block {
            line: open + 1,
            skip,
            transcripts,
        });
        i = close + 1;
    }
    blocks
}

/// Splits a command line as a POSIX shell does for the quoting the README uses.
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    w.push(c);
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => w.extend(chars.next()),
                        c => w.push(c),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// The servers a block's commands talk to: (address in the README, real address).
struct Servers {
    rewrites: Vec<(&'static str, String)>,
}

impl Servers {
    fn to_real(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (readme, real) in &self.rewrites {
            text = text.replace(readme, real);
        }
        text
    }

    fn to_readme(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (readme, real) in &self.rewrites {
            text = text.replace(real.as_str(), readme);
        }
        text
    }
}

/// Runs one command; returns what a terminal would show.
fn run(command: &str, servers: &Servers) -> String {
    let args: Vec<String> = words(command).iter().map(|w| servers.to_real(w)).collect();
    let output = match args[0].as_str() {
        "corsair" => {
            let out = Command::new(env!("CARGO_BIN_EXE_corsair"))
                .args(&args[1..])
                .current_dir(repo_root())
                .env_remove("RUST_LOG")
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| panic!("cannot run corsair: {e}"));
            let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&out.stderr));
            text
        }
        "curl" => curl(&args[1..]),
        other => panic!(
            "`{other}` cannot run in the README test (only corsair and curl -si); \
             mark the block `{SKIP} (why) -->`"
        ),
    };
    servers.to_readme(&output)
}

/// `curl -si [-X METHOD] URL [-H 'Name: value']...` over a plain TCP connection.
fn curl(args: &[String]) -> String {
    let mut method = "GET".to_owned();
    let mut headers = Vec::new();
    let mut url = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-si" | "-is" | "-s" | "-i" => {}
            "-X" => method.clone_from(args.next().expect("-X needs a method")),
            "-H" => headers.push(args.next().expect("-H needs a header").clone()),
            a if a.starts_with("http://") => url = Some(a.to_owned()),
            a => panic!("curl option `{a}` is not supported by the README test"),
        }
    }
    let url = url.expect("curl needs an http:// URL");
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let addr: SocketAddr = authority
        .parse()
        .expect("curl: the URL's host must be an IP");
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("curl: cannot connect to {addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n"
    );
    for header in &headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();

    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let n = reader
            .read_line(&mut line)
            .expect("curl: reading the response head");
        assert!(
            n > 0,
            "curl: the connection closed in the response head: {head:?}"
        );
        let end = line == "\r\n" || line == "\n";
        head.push_str(line.trim_end_matches(['\r', '\n']));
        head.push('\n');
        if end {
            break;
        }
    }
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("curl: no status");
    let header = |name: &str| {
        head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    let mut body = Vec::new();
    if method == "HEAD" || status == 204 || status == 304 || status < 200 {
        // no body
    } else if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap(), 16)
                .expect("curl: bad chunk size");
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).unwrap();
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = header("content-length") {
        body.resize(length.parse().expect("curl: bad content-length"), 0);
        reader.read_exact(&mut body).unwrap();
    } else {
        reader.read_to_end(&mut body).unwrap();
    }
    head.push_str(&String::from_utf8_lossy(&body));
    head
}

/// Replaces the value of every `date` header with `<date>`.
fn normalize_dates(line: &str) -> String {
    let mut line = line.to_owned();
    for prefix in ["date: ", "< date: "] {
        if line.to_ascii_lowercase().starts_with(prefix) {
            line = format!("{}<date>", &line[..prefix.len()]);
        }
    }
    let mut out = String::new();
    let mut rest = line.as_str();
    while let Some(at) = rest.find(r#"["date",""#) {
        let start = at + r#"["date",""#.len();
        out.push_str(&rest[..start]);
        out.push_str("<date>");
        rest = &rest[start..];
        rest = &rest[rest.find('"').unwrap_or(rest.len())..];
    }
    out.push_str(rest);
    out
}

/// Replaces the random part of audit's made-up names with `<random>`.
fn normalize_random(line: &str) -> String {
    let mut line = line.to_owned();
    for prefix in ["x-corsair-audit-", "corsair-audit-404-"] {
        let mut out = String::new();
        let mut rest = line.as_str();
        while let Some(at) = rest.find(prefix) {
            let start = at + prefix.len();
            out.push_str(&rest[..start]);
            let random = rest[start..]
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len() - start);
            out.push_str(if random > 0 { "<random>" } else { "" });
            rest = &rest[start + random..];
        }
        out.push_str(rest);
        line = out;
    }
    line
}

fn normalize(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .replace("\r\n", "\n")
        .lines()
        .map(|l| normalize_random(&normalize_dates(l.trim_end())))
        .collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

/// Runs every block `wanted` selects against `servers`; panics with every difference.
fn check_blocks(wanted: impl Fn(&Block) -> bool, servers: &Servers) {
    let _lock = README_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let text = std::fs::read_to_string(readme_path()).expect("read README.md");
    let lines: Vec<&str> = text.lines().collect();
    let bless = std::env::var_os("CORSAIR_README_BLESS").is_some();
    let mut failures = Vec::new();
    // (README line range, new lines), for blessing.
    let mut replacements: Vec<(std::ops::Range<usize>, Vec<String>)> = Vec::new();
    let mut ran = 0;
    for block in blocks(&text).iter().filter(|b| wanted(b)) {
        if let Some(why) = &block.skip {
            eprintln!("README.md:{}: not run: {why}", block.line);
            continue;
        }
        for transcript in &block.transcripts {
            ran += 1;
            let actual = run(&transcript.command, servers);
            let expected = lines[transcript.output.clone()].join("\n");
            if normalize(&actual) == normalize(&expected) {
                continue;
            }
            failures.push(format!(
                "README.md:{}: `{}`\n--- the README shows:\n{}\n--- it prints:\n{}\n",
                transcript.line,
                transcript.command,
                normalize(&expected).join("\n"),
                normalize(&actual).join("\n"),
            ));
            // Keep the blank line that separates this output from the next command.
            let trailing_blanks = lines[transcript.output.clone()]
                .iter()
                .rev()
                .take_while(|l| l.trim().is_empty())
                .count();
            let mut new: Vec<String> = actual
                .replace("\r\n", "\n")
                .lines()
                .map(|l| l.trim_end().to_owned())
                .collect();
            while new.last().is_some_and(String::is_empty) {
                new.pop();
            }
            new.extend(std::iter::repeat_n(String::new(), trailing_blanks));
            replacements.push((transcript.output.clone(), new));
        }
    }
    assert!(ran > 0, "no console block of README.md was run");
    if bless && !replacements.is_empty() {
        let mut out: Vec<String> = Vec::new();
        let mut next = 0;
        for (range, new) in &replacements {
            out.extend(lines[next..range.start].iter().map(|l| (*l).to_owned()));
            out.extend(new.iter().cloned());
            next = range.end;
        }
        out.extend(lines[next..].iter().map(|l| (*l).to_owned()));
        let mut joined = out.join("\n");
        joined.push('\n');
        std::fs::write(readme_path(), joined).expect("write README.md");
        eprintln!(
            "CORSAIR_README_BLESS: {} outputs rewritten in README.md",
            replacements.len()
        );
        return;
    }
    assert!(
        failures.is_empty(),
        "{} README transcripts are not what the commands print \
         (CORSAIR_README_BLESS=1 writes what they print into README.md):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `corsair serve` with its demo on a free port, stopped when dropped.
struct Gateway {
    addr: String,
    /// Its standard error.
    log: PathBuf,
    child: Child,
}

impl Gateway {
    fn start() -> Gateway {
        let log =
            std::env::temp_dir().join(format!("corsair-readme-gateway-{}.log", std::process::id()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_corsair"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .current_dir(repo_root())
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("create the gateway's log"))
            .spawn()
            .expect("start corsair serve");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut printed = String::new();
        let addr = loop {
            let mut line = String::new();
            let n = stdout
                .read_line(&mut line)
                .expect("read corsair serve's output");
            assert!(
                n > 0,
                "corsair serve never printed `listening on http://ADDR`: {printed:?} (log: {})",
                log.display()
            );
            if let Some(addr) = line.trim().strip_prefix("listening on http://") {
                break addr.to_owned();
            }
            printed.push_str(&line);
        };
        // Drain the rest (the curl commands to try) so that the gateway never blocks.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Gateway { addr, log, child }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_readme_transcripts_are_what_the_commands_print() {
    let gateway = Gateway::start();
    let servers = Servers {
        rewrites: vec![(GATEWAY, gateway.addr.clone())],
    };
    check_blocks(|b| !b.mentions(EXPRESS), &servers);
    check_gateway_log(&gateway);
}

/// The lines of a block after `<!-- readme-test: gateway-log -->` are in the log of the
/// gateway the transcripts ran against, but for their timestamp.
fn check_gateway_log(gateway: &Gateway) {
    const MARK: &str = "<!-- readme-test: gateway-log -->";
    let without_time = |line: &str| -> String {
        let line = line.trim();
        match line.split_once(' ') {
            Some((time, rest)) if time.ends_with('Z') && time.contains('T') => {
                rest.trim_start().to_owned()
            }
            _ => line.to_owned(),
        }
    };
    let text = std::fs::read_to_string(readme_path()).expect("read README.md");
    let lines: Vec<&str> = text.lines().collect();
    let log = std::fs::read_to_string(&gateway.log).expect("read the gateway's log");
    let logged: Vec<String> = log.lines().map(without_time).collect();
    let mut checked = 0;
    for (i, line) in lines.iter().enumerate() {
        if line.trim() != MARK {
            continue;
        }
        let open = i + 1;
        let close = (open + 1..lines.len())
            .find(|&j| lines[j].trim_end() == "```")
            .unwrap_or_else(|| panic!("README.md:{}: unclosed block", open + 1));
        for (j, shown) in lines.iter().enumerate().take(close).skip(open + 1) {
            let shown = without_time(shown);
            assert!(
                logged.contains(&shown),
                "README.md:{}: the gateway did not log this line:\n{shown}\nits log:\n{log}",
                j + 1
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no `{MARK}` block in README.md");
}

/// `examples/api.rs`, the API of the examples.
#[path = "../../../examples/api.rs"]
mod example_api;

#[test]
fn the_examples_serve_the_demo_api() {
    let gateway = Gateway::start();
    let requests = [
        ("GET", "/api/items"),
        ("POST", "/api/items"),
        ("DELETE", "/api/items"),
        ("GET", "/api/items/1"),
        ("GET", "/api/items/2"),
        ("GET", "/api/items/9"),
        ("GET", "/api/items/x"),
        ("PUT", "/api/items/1"),
        ("PATCH", "/api/items/2"),
        ("POST", "/api/items/1"),
        ("DELETE", "/api/items/1"),
        ("DELETE", "/api/items/9"),
        ("GET", "/public/catalogue"),
        ("GET", "/healthz"),
        ("GET", "/nowhere"),
    ];
    for (method, path) in requests {
        let url = format!("http://{}{path}", gateway.addr);
        let answer = curl(&["-X".to_owned(), method.to_owned(), url]);
        let (head, body) = answer.split_once("\n\n").unwrap();
        let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        let (example_status, example_body) = example_api::answer(method, path);
        assert_eq!(
            (status, body),
            (example_status, example_body.as_str()),
            "{method} {path}: the demo's answer, then examples/api.rs's"
        );
        assert!(
            head.lines().any(|l| l == "content-type: application/json")
                && head
                    .lines()
                    .any(|l| l == format!("x-request-id: {}", example_api::REQUEST_ID)),
            "{method} {path}: {head}"
        );
    }
}

#[test]
fn the_readme_transcripts_against_the_express_fixture() {
    let blocks = blocks(&std::fs::read_to_string(readme_path()).unwrap());
    if !blocks
        .iter()
        .any(|b| b.mentions(EXPRESS) && b.skip.is_none())
    {
        return;
    }
    let Some(express) = servers::express() else {
        return;
    };
    let servers = Servers {
        rewrites: vec![(EXPRESS, format!("127.0.0.1:{}", express.port))],
    };
    check_blocks(|b| b.mentions(EXPRESS), &servers);
}

#[test]
fn the_readme_shows_the_example_files_as_they_are() {
    const SAME_AS: &str = "<!-- readme-test: same-as ";
    let text = std::fs::read_to_string(readme_path()).expect("read README.md");
    let lines: Vec<&str> = text.lines().collect();
    let mut checked = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some(path) = line.trim().strip_prefix(SAME_AS) else {
            continue;
        };
        let path = path.trim_end_matches("-->").trim();
        let open = i + 1;
        assert!(
            lines.get(open).is_some_and(|l| l.starts_with("```")),
            "README.md:{}: `{SAME_AS}{path} -->` must be followed by a fenced block",
            i + 1
        );
        let close = (open + 1..lines.len())
            .find(|&j| lines[j].trim_end() == "```")
            .unwrap_or_else(|| panic!("README.md:{}: unclosed block", open + 1));
        let shown = lines[open + 1..close].join("\n");
        let file = std::fs::read_to_string(repo_root().join(path))
            .unwrap_or_else(|e| panic!("README.md:{}: cannot read {path}: {e}", i + 1));
        assert_eq!(
            shown.trim_end(),
            file.replace("\r\n", "\n").trim_end(),
            "README.md:{}: the block is not {path} as it is",
            open + 1
        );
        checked += 1;
    }
    assert!(checked > 0, "no `{SAME_AS}` block in README.md");
}

#[test]
fn the_parser_reads_commands_and_outputs() {
    let readme = "text\n\n<!-- readme-test: skip (needs a cloud) -->\n\n```console\n$ corsair a \\\n    'b c'\nout 1\n\n$ curl -si x\nout 2\n```\n\n```console\n$ corsair lint \"x y\"\n```\n";
    let blocks = blocks(readme);
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0].skip.as_deref(), Some("(needs a cloud)"));
    assert_eq!(blocks[0].transcripts[0].command, "corsair a  'b c'");
    assert_eq!(
        words(&blocks[0].transcripts[0].command),
        ["corsair", "a", "b c"]
    );
    assert_eq!(blocks[0].transcripts[0].output, 7..9);
    assert_eq!(blocks[0].transcripts[1].line, 10);
    assert_eq!(blocks[1].skip, None);
    assert_eq!(
        words(&blocks[1].transcripts[0].command),
        ["corsair", "lint", "x y"]
    );
    assert_eq!(
        normalize("HTTP/1.1 200 OK\r\ndate: Tue, 24 Nov 2026 04:16:45 GMT\r\n\r\n"),
        ["HTTP/1.1 200 OK", "date: <date>"]
    );
    assert_eq!(
        normalize(r#"[["date","Sat, 05 Dec 2026"],["x","y"]] x-corsair-audit-220b262308ff: 1"#),
        [r#"[["date","<date>"],["x","y"]] x-corsair-audit-<random>: 1"#]
    );
}
