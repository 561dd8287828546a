//! The seeded generator: policies (exact origins, `*.` and `:*` patterns, `*`,
//! credentials, method and header lists or `*`, exposed headers, max-age, routes) and,
//! for each, requests (allowed, refused and malformed origins; preflights with every
//! method and header combination of the policy, and refused ones; plain requests;
//! upstream errors and upstream CORS headers).

use super::{OWN_CORS, OWN_VARY, Request, STATUS};

/// A small deterministic generator (xorshift64).
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (never zero inside).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    /// The next number below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One item of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A random subset, in the slice's order.
    pub fn subset<T: Clone>(&mut self, items: &[T]) -> Vec<T> {
        items.iter().filter(|_| self.chance(50)).cloned().collect()
    }
}

/// The origin entries policies pick from.
const ORIGIN_POOL: &[&str] = &[
    "https://app.example.com",
    "http://localhost:3000",
    "https://*.example.org",
    "http://localhost:*",
    "https://*.corp.example:*",
    "https://api.example.net:8443",
    "http://127.0.0.1:*",
    "http://[::1]:*",
    "https://xn--bcher-kva.example",
    "https://example.com.",
    "https://*.example.org.",
    "chrome-extension://abcdefghijklmnop",
    "null",
];

/// Origin regexes (Rust's syntax) policies pick from, each with an origin it allows.
const REGEX_POOL: &[(&str, &str)] = &[
    (
        r"^https://[a-z]+\.regex\.example$",
        "https://abc.regex.example",
    ),
    (
        r"https://(app|admin)\.example\.io(:8443)?",
        "https://admin.example.io:8443",
    ),
    (r"(?i)https://upper\.example", "https://upper.example"),
    (r"http://localhost:\d+", "http://localhost:1234"),
    (r"https://\w+\.example\.dev", "https://x_y.example.dev"),
    (
        r"^https://\b{start-half}api\.example\.app$",
        "https://api.example.app",
    ),
];

const METHOD_POOL: &[&str] = &["PUT", "DELETE", "PATCH", "x-custom"];
const HEADER_POOL: &[&str] = &[
    "content-type",
    "x-request-id",
    "authorization",
    "x-custom-header",
];
const EXPOSE_POOL: &[&str] = &["x-request-id", "x-upstream", "etag"];

/// A generated policy: its file, and what the request generator needs of it.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The policy file's text.
    pub toml: String,
    /// Every method named anywhere in the policy.
    pub methods: Vec<String>,
    /// Every request header named anywhere in the policy.
    pub headers: Vec<String>,
    /// The route prefixes.
    pub prefixes: Vec<String>,
    /// Origins some part of the policy allows.
    pub allowed: Vec<Vec<u8>>,
}

/// An origin that the entry allows.
fn instance(entry: &str) -> String {
    match entry {
        "*" => "https://anyone.example".to_owned(),
        _ => entry.replace("*.", "a.b.").replace(":*", ":8080"),
    }
}

/// A TOML list of strings.
fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// The origin fields of one table (and whether it allows credentials), and an origin
/// each entry allows.
fn origin_fields(rng: &mut Rng, allowed: &mut Vec<Vec<u8>>) -> (String, bool) {
    let mut out = String::new();
    let any = rng.chance(20);
    let credentials = !any && rng.chance(50);
    if any {
        allowed.push(instance("*").into_bytes());
        out.push_str("allow_origins = [\"*\"]\n");
    } else {
        let mut origins: Vec<String> = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let entry = rng.pick(ORIGIN_POOL).to_string();
            if !origins.contains(&entry) {
                origins.push(entry);
            }
        }
        allowed.extend(origins.iter().map(|o| instance(o).into_bytes()));
        if origins.iter().any(|o| o == "null") {
            out.push_str("dangerously_allow_null_origin = true\n");
        }
        out.push_str(&format!("allow_origins = {}\n", list(&origins)));
        if rng.chance(30) {
            let (regex, origin) = *rng.pick(REGEX_POOL);
            allowed.push(origin.as_bytes().to_vec());
            out.push_str(&format!(
                "allow_origin_regexes = {}\n",
                list(&[regex.to_owned()])
            ));
        }
    }
    out.push_str(&format!("allow_credentials = {credentials}\n"));
    (out, credentials)
}

/// `*`, or a subset of the pool.
fn wildcard_or_subset(rng: &mut Rng, wildcard_percent: usize, pool: &[&str]) -> Vec<String> {
    if rng.chance(wildcard_percent) {
        vec!["*".to_owned()]
    } else {
        rng.subset(pool).into_iter().map(str::to_owned).collect()
    }
}

/// The list fields of one table, and the methods and headers they name.
fn list_fields(
    rng: &mut Rng,
    credentials: bool,
    methods: &mut Vec<String>,
    headers: &mut Vec<String>,
) -> String {
    let mut out = String::new();
    let chosen = wildcard_or_subset(rng, 20, METHOD_POOL);
    methods.extend(chosen.iter().filter(|m| *m != "*").cloned());
    if !chosen.is_empty() {
        out.push_str(&format!("allow_methods = {}\n", list(&chosen)));
    }
    let chosen: Vec<String> = match rng.below(10) {
        0 | 1 => vec!["*".to_owned()],
        2 => vec!["*".to_owned(), "authorization".to_owned()],
        _ => rng
            .subset(HEADER_POOL)
            .into_iter()
            .map(str::to_owned)
            .collect(),
    };
    headers.extend(chosen.iter().filter(|h| *h != "*").cloned());
    if !chosen.is_empty() {
        out.push_str(&format!("allow_headers = {}\n", list(&chosen)));
    }
    let expose = wildcard_or_subset(rng, if credentials { 0 } else { 25 }, EXPOSE_POOL);
    if !expose.is_empty() {
        out.push_str(&format!("expose_headers = {}\n", list(&expose)));
    }
    out
}

/// The fields of one table, and the methods and headers it names.
fn table(
    rng: &mut Rng,
    methods: &mut Vec<String>,
    headers: &mut Vec<String>,
    allowed: &mut Vec<Vec<u8>>,
) -> String {
    let (mut out, credentials) = origin_fields(rng, allowed);
    out.push_str(&list_fields(rng, credentials, methods, headers));
    match rng.below(3) {
        0 => out.push_str("max_age = 0\n"),
        1 => out.push_str("max_age = 600\n"),
        _ => {}
    }
    if rng.chance(15) {
        out.push_str("preflight_status = 200\n");
    }
    if rng.chance(15) {
        out.push_str("allow_private_network = true\n");
    }
    if rng.chance(20) {
        out.push_str("debug = true\n");
    }
    if rng.chance(10) {
        out.push_str("presets = [\"mcp\"]\n");
        methods.push("DELETE".to_owned());
        headers.extend(["mcp-session-id", "mcp-protocol-version"].map(str::to_owned));
    }
    if rng.chance(40) {
        out.push_str("cross_origin_protection = true\n");
        if rng.chance(50) {
            out.push_str(
                "cross_origin_protection_exempt_paths = [\"/hooks\", \"/public/upload\"]\n",
            );
        }
    }
    out
}

/// A policy from the seed (it may be invalid: the caller lints it and tries another).
pub fn policy(rng: &mut Rng) -> Policy {
    let mut methods = Vec::new();
    let mut headers = Vec::new();
    let mut allowed = Vec::new();
    let mut toml = format!(
        "[cors]\n{}",
        table(rng, &mut methods, &mut headers, &mut allowed)
    );
    let mut prefixes = Vec::new();
    if rng.chance(50) {
        toml.push_str("\n[[routes]]\npath = \"/public\"\nallow_origins = [\"*\"]\nallow_credentials = false\n");
        prefixes.push("/public".to_owned());
    }
    if rng.chance(10) {
        // A route for every path: `[cors]` then applies nowhere.
        toml.push_str(&format!(
            "\n[[routes]]\npath = \"/\"\n{}",
            table(rng, &mut methods, &mut headers, &mut allowed)
        ));
    }
    if rng.chance(40) {
        toml.push_str("\n[[routes]]\npath = \"/internal\"\nenabled = false\n");
        prefixes.push("/internal".to_owned());
    }
    if rng.chance(50) {
        // Sometimes written with a trailing slash, which corsair ignores.
        let path = if rng.chance(30) {
            "/api/v2/"
        } else {
            "/api/v2"
        };
        toml.push_str(&format!(
            "\n[[routes]]\npath = \"{path}\"\n{}",
            table(rng, &mut methods, &mut headers, &mut allowed)
        ));
        prefixes.push("/api/v2".to_owned());
    }
    methods.sort();
    methods.dedup();
    headers.sort();
    headers.dedup();
    Policy {
        toml,
        methods,
        headers,
        prefixes,
        allowed,
    }
}

/// Origins every policy is probed with: allowed by some entry of the pool, near misses
/// (uppercase, trailing slash or dot, default port, leading zero, userinfo, bare domain
/// of a `*.` pattern, ...) and malformed ones.
const ORIGIN_PROBES: &[&str] = &[
    "https://app.example.com",
    "https://app.example.com.",
    "https://App.example.com",
    "HTTPS://app.example.com",
    "https://app.example.com/",
    "https://app.example.com:443",
    "https://user@app.example.com",
    "https://app.example.com.evil.net",
    "https://app.example.com%60.evil.net",
    "https://evil.example",
    "null",
    "Null",
    "http://localhost:3000",
    "http://localhost:03000",
    "http://localhost",
    "http://localhost:80",
    "http://localhost:1",
    "http://localhost:65535",
    "http://localhost:65536",
    "http://localhost:0",
    "https://a.example.org",
    "https://a.b.example.org",
    "https://example.org",
    "https://a.example.org.",
    "https://a.example.org:8443",
    "https://A.example.org",
    "https://a..example.org",
    "https://.example.org",
    "https://-_.example.org",
    "https://x.corp.example",
    "https://x.corp.example:9000",
    "https://x.corp.example:443",
    "https://corp.example:9000",
    "https://api.example.net:8443",
    "https://api.example.net",
    "http://127.0.0.1:8080",
    "http://127.0.0.1",
    "http://127.0.0.1.",
    "http://127.0.0.01:8080",
    "http://[::1]:3000",
    "http://[::1]",
    "http://[::g]:3000",
    "https://xn--bcher-kva.example",
    "https://example.com.",
    "https://example.com",
    "chrome-extension://abcdefghijklmnop",
    "ftp://example.com:21",
    "wss://x.example:443",
    "http://1.2.3",
    "http://256.0.0.1",
    "https://1.2.3.4",
    "http://a.0x1f",
    "http://a.1a",
    "x-y+z.w://host",
    " https://app.example.com",
    "https://UPPER.example",
    "https://upper.example.",
    "https://abc.regex.example",
    "https://ABC.regex.example",
    "https://admin.example.io",
    "https://admin.example.io:443",
    "https://app.example.io:8444",
    "http://localhost:1234",
    "https://x_y.example.dev",
    "https://x.y.example.dev",
    "https://api.example.app",
    "https://xapi.example.app",
];

/// The request shapes that no browser sends and that some edges cannot see: the test of
/// such an edge leaves them out (its export documents the difference).
#[derive(Clone, Copy, Debug)]
pub struct Shapes {
    /// Headers present with an empty value (`Origin:`, `Access-Control-Request-Method:`,
    /// `Sec-Fetch-Site:`), which nginx cannot tell from absent ones.
    pub empty_values: bool,
    /// Several `Origin` or `Access-Control-Request-Method` lines, of which nginx 1.22
    /// reads the first.
    pub repeated_lines: bool,
}

/// Origins to send: allowed by some policy of the pool, near misses, and malformed
/// ones (an empty one with `shapes.empty_values`).
fn origins(shapes: Shapes) -> Vec<Vec<u8>> {
    let long_label = "a".repeat(60);
    // Hosts of 253 and 254 bytes under example.org (`*.example.org` allows the first).
    let host_253 = format!(
        "{l}.{l}.{l}.{m}.example.org",
        l = long_label,
        m = "b".repeat(57)
    );
    let host_254 = format!(
        "{l}.{l}.{l}.{m}.example.org",
        l = long_label,
        m = "b".repeat(58)
    );
    let mut out: Vec<String> = ORIGIN_PROBES.iter().map(|s| (*s).to_owned()).collect();
    out.push(format!("https://{host_253}"));
    out.push(format!("https://{host_254}"));
    out.push(format!("{}://host", "s".repeat(64)));
    out.push(format!("{}://host", "s".repeat(65)));
    let mut bytes: Vec<Vec<u8>> = out.into_iter().map(String::into_bytes).collect();
    bytes.push("https://bücher.example".as_bytes().to_vec());
    bytes.push(b"https://app.example.com\xff".to_vec());
    if shapes.empty_values {
        bytes.push(Vec::new());
    }
    bytes
}

/// Methods a preflight asks for: the policy's, the safelisted ones, and refused or
/// malformed ones.
fn requested_methods(policy: &Policy, shapes: Shapes) -> Vec<Vec<u8>> {
    let mut out: Vec<String> = policy.methods.clone();
    for m in [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "patch", "x-custom", "X-CUSTOM",
        "OPTIONS", "PUT, GET", "P UT", "get",
    ] {
        if !out.iter().any(|o| o == m) {
            out.push(m.to_owned());
        }
    }
    if shapes.empty_values {
        out.push(String::new());
    }
    out.into_iter().map(String::into_bytes).collect()
}

/// `Access-Control-Request-Headers` values: every combination of the policy's names
/// (up to 4 of them), and refused or malformed ones (`None`: no header).
fn requested_headers(policy: &Policy) -> Vec<Option<Vec<u8>>> {
    let names: Vec<&String> = policy.headers.iter().take(4).collect();
    let mut out: Vec<Option<Vec<u8>>> = Vec::new();
    for mask in 0..1u32 << names.len() {
        let chosen: Vec<&str> = names
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, n)| n.as_str())
            .collect();
        out.push(if chosen.is_empty() {
            None
        } else {
            Some(chosen.join(",").into_bytes())
        });
    }
    let long = vec!["x-a"; 1100].join(",");
    for extra in [
        "x-other",
        "Content-Type",
        "Authorization",
        " content-type , x-request-id ",
        ",,content-type,",
        "content type",
        "content-type;x",
        "x-custom-header,x-other",
        "authorization,x-request-id",
        "",
        "\t",
        long.as_str(),
    ] {
        out.push(Some(extra.as_bytes().to_vec()));
    }
    out
}

/// The paths requests go to: the routes, just beside them, and elsewhere.
fn paths(policy: &Policy) -> Vec<String> {
    let mut out = vec![
        "/".to_owned(),
        "/items".to_owned(),
        "/publicx".to_owned(),
        "/hooks/github".to_owned(),
        "/hooksx".to_owned(),
        "/public/upload".to_owned(),
    ];
    for prefix in &policy.prefixes {
        out.push(prefix.clone());
        out.push(format!("{prefix}/x"));
    }
    out.push("/api/v2x".to_owned());
    out.push("/api/v2/items?q=1".to_owned());
    out
}

/// What the upstream does: its status, its own CORS headers, its own `Vary`.
fn upstream_headers(rng: &mut Rng, request: &mut Request) {
    let status = *rng.pick(&["200", "200", "200", "200", "404", "500", "close"]);
    request
        .headers
        .push((STATUS.to_owned(), status.as_bytes().to_vec()));
    if rng.chance(30) {
        request.headers.push((OWN_CORS.to_owned(), b"1".to_vec()));
    }
    match rng.below(10) {
        0 => request
            .headers
            .push((OWN_VARY.to_owned(), b"Accept-Encoding".to_vec())),
        1 => request
            .headers
            .push((OWN_VARY.to_owned(), b"origin, Accept".to_vec())),
        2 => request.headers.push((OWN_VARY.to_owned(), b"*".to_vec())),
        _ => {}
    }
}

fn preflight(path: &str, origin: &[u8], method: &[u8], headers: Option<&[u8]>) -> Request {
    let mut request = Request {
        method: "OPTIONS".to_owned(),
        path: path.to_owned(),
        host: None,
        headers: vec![
            ("origin".to_owned(), origin.to_vec()),
            ("access-control-request-method".to_owned(), method.to_vec()),
        ],
    };
    if let Some(headers) = headers {
        request.headers.push((
            "access-control-request-headers".to_owned(),
            headers.to_vec(),
        ));
    }
    request
}

/// What the browser says of the request's context: `Sec-Fetch-Site` (sometimes absent,
/// as from browsers before 2023), and a `Host` that is sometimes the origin's own.
fn browser_context(rng: &mut Rng, request: &mut Request, shapes: Shapes) {
    let site = *rng.pick(&[
        "",
        "",
        "same-origin",
        "same-site",
        "cross-site",
        "none",
        "Same-Origin",
    ]);
    if !site.is_empty() || (shapes.empty_values && rng.chance(30)) {
        request
            .headers
            .push(("sec-fetch-site".to_owned(), site.as_bytes().to_vec()));
    }
    let origin = request
        .headers
        .iter()
        .find(|(n, _)| n == "origin")
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned());
    if let Some(origin) = origin {
        if rng.chance(40) {
            let authority = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"))
                .unwrap_or(&origin);
            // Same host, sometimes in another case.
            let host = if rng.chance(30) {
                authority.to_ascii_uppercase()
            } else {
                authority.to_owned()
            };
            if !host.is_empty() && host.bytes().all(|b| b.is_ascii_graphic() && b != b'/') {
                request.host = Some(host);
            }
        }
    }
}

/// A second `Origin` line, or a second `Access-Control-Request-Method` line on a
/// preflight.
fn repeat_a_line(rng: &mut Rng, request: &mut Request, origins: &[Vec<u8>]) {
    let second_method = request
        .headers
        .iter()
        .any(|(n, _)| n == "access-control-request-method")
        && rng.chance(50);
    if second_method {
        let method = rng.pick(&["PUT", "GET", "PATCH"]).as_bytes().to_vec();
        request
            .headers
            .push(("access-control-request-method".to_owned(), method));
    } else {
        let origin = rng.pick(origins).clone();
        request.headers.push(("origin".to_owned(), origin));
    }
}

/// One request of the mix: a preflight, a request without Origin, an OPTIONS request
/// that is not a preflight, or an actual request.
fn mixed_request(
    rng: &mut Rng,
    path: String,
    origin: Vec<u8>,
    methods: &[Vec<u8>],
    headers: &[Option<Vec<u8>>],
) -> Request {
    match rng.below(6) {
        0 => {
            let method = rng.pick(methods).clone();
            let requested = rng.pick(headers).clone();
            preflight(&path, &origin, &method, requested.as_deref())
        }
        1 => Request {
            method: rng.pick(&["GET", "POST", "PUT", "DELETE"]).to_string(),
            path,
            host: None,
            headers: Vec::new(),
        },
        2 => Request {
            method: "OPTIONS".to_owned(),
            path,
            host: None,
            headers: vec![("origin".to_owned(), origin)],
        },
        _ => Request {
            method: rng
                .pick(&["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"])
                .to_string(),
            path,
            host: None,
            headers: vec![("origin".to_owned(), origin)],
        },
    }
}

/// An origin with one byte replaced, inserted or removed (bytes near the edges of the
/// origin grammar), or its port changed: mostly origins that must be refused, some
/// that are still allowed.
fn mutated(rng: &mut Rng, mut origin: Vec<u8>) -> Vec<u8> {
    const BYTES: &[u8] = b"aZz09.:/[]-_+@%`*";
    if origin.is_empty() {
        return origin;
    }
    let at = rng.below(origin.len());
    let byte = *rng.pick(BYTES);
    match rng.below(4) {
        0 => origin[at] = byte,
        1 => origin.insert(at, byte),
        2 => {
            origin.remove(at);
        }
        _ => {
            let port = *rng.pick(&[
                "", ":1", ":443", ":80", ":8080", ":65535", ":65536", ":0", ":01",
            ]);
            origin.extend_from_slice(port.as_bytes());
        }
    }
    origin
}

/// Sometimes, on a preflight, the legacy `Access-Control-Request-Private-Network`.
fn private_network(rng: &mut Rng, request: &mut Request) {
    let preflight = request
        .headers
        .iter()
        .any(|(n, _)| n == "access-control-request-method");
    if preflight && rng.chance(30) {
        let value = *rng.pick(&["true", "true", "TRUE", "false"]);
        request.headers.push((
            "access-control-request-private-network".to_owned(),
            value.as_bytes().to_vec(),
        ));
    }
}

/// At least `count` requests against `policy`.
pub fn requests(rng: &mut Rng, policy: &Policy, count: usize, shapes: Shapes) -> Vec<Request> {
    let origins = origins(shapes);
    let paths = paths(policy);
    let methods = requested_methods(policy, shapes);
    let headers = requested_headers(policy);
    let mut out = Vec::new();
    // Every method and header combination, each from some origin on some path.
    for method in &methods {
        for requested in &headers {
            let origin = if rng.chance(80) {
                rng.pick(&policy.allowed)
            } else {
                rng.pick(&origins)
            };
            let path = rng.pick(&paths);
            let mut request = preflight(path, origin, method, requested.as_deref());
            private_network(rng, &mut request);
            out.push(request);
        }
    }
    // Then a mix of everything.
    while out.len() < count {
        let path = rng.pick(&paths).clone();
        let origin = if rng.chance(25) {
            let allowed = rng.pick(&policy.allowed).clone();
            mutated(rng, allowed)
        } else {
            rng.pick(&origins).clone()
        };
        let mut request = mixed_request(rng, path, origin, &methods, &headers);
        browser_context(rng, &mut request, shapes);
        private_network(rng, &mut request);
        if shapes.repeated_lines && rng.chance(10) {
            repeat_a_line(rng, &mut request, &origins);
        }
        if request.method != "OPTIONS"
            || !request
                .headers
                .iter()
                .any(|(n, _)| n.starts_with("access-control-request-method"))
        {
            upstream_headers(rng, &mut request);
        }
        out.push(request);
    }
    out
}
