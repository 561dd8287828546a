//! The case matrix: what a script does, on which page, against which route of the
//! policy (`policy.toml`). Each case has URLs of its own (`/<route>/<case id>/...`), so
//! neither the servers' request counts nor Chromium's preflight cache leak between
//! cases. The same matrix runs against both adapters.

use std::borrow::Cow;

use corsair_browser::Credentials;

/// The page a case's script runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// `http://127.0.0.1:P1`: the origin the policy allows.
    Main,
    /// `http://localhost:P2`: another origin (allowed only by `/pattern` and `*`).
    Other,
    /// A sandboxed iframe on the main page: origin `null`.
    Null,
}

impl Page {
    /// `main`, `other` or `null`, as `run.mjs` names the pages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Page::Main => "main",
            Page::Other => "other",
            Page::Null => "null",
        }
    }
}

/// The script API a step uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// `fetch()`.
    Fetch,
    /// `XMLHttpRequest`.
    Xhr,
}

impl Api {
    /// `fetch` or `xhr`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Api::Fetch => "fetch",
            Api::Xhr => "xhr",
        }
    }
}

/// One request a script makes.
#[derive(Clone, Debug)]
pub struct Step {
    /// `fetch()` or `XMLHttpRequest`.
    pub api: Api,
    /// The method as the script writes it (`patch` is not normalized; `put` is).
    pub method: &'static str,
    /// The policy route: the first path segment.
    pub route: &'static str,
    /// What the application does: the path after the case id (see [`crate::app`]).
    pub what: Cow<'static, str>,
    /// Request headers the script sets, in order.
    pub headers: Vec<(&'static str, String)>,
    /// The credentials mode: for XHR, `Include` is `withCredentials = true` and anything
    /// else `false`.
    pub credentials: Credentials,
    /// A string body.
    pub body: Option<&'static str>,
    /// XHR only: an `upload.onprogress` listener, registered before `send()`.
    pub upload_listener: bool,
}

impl Step {
    /// A `fetch()` of `/<route>/<case>/item`.
    pub fn fetch(method: &'static str, route: &'static str) -> Step {
        Step {
            api: Api::Fetch,
            method,
            route,
            what: Cow::Borrowed("item"),
            headers: Vec::new(),
            credentials: Credentials::SameOrigin,
            body: None,
            upload_listener: false,
        }
    }

    /// An `XMLHttpRequest` of `/<route>/<case>/item`.
    pub fn xhr(method: &'static str, route: &'static str) -> Step {
        Step {
            api: Api::Xhr,
            ..Step::fetch(method, route)
        }
    }

    /// What the application does (`status/404`, `redirect/307/same/strict`, ...).
    pub fn what(mut self, what: impl Into<Cow<'static, str>>) -> Step {
        self.what = what.into();
        self
    }

    /// Adds a request header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Step {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets the credentials mode.
    pub fn credentials(mut self, credentials: Credentials) -> Step {
        self.credentials = credentials;
        self
    }

    /// Sets a string body.
    pub fn body(mut self, body: &'static str) -> Step {
        self.body = Some(body);
        self
    }

    /// Registers an upload listener (XHR).
    pub fn upload_listener(mut self) -> Step {
        self.upload_listener = true;
        self
    }

    /// The same request through the other API. `omit` has no XHR form: it becomes the
    /// default, which for a cross-origin request is the same.
    pub fn with_api(mut self, api: Api) -> Step {
        self.api = api;
        if api == Api::Xhr && self.credentials == Credentials::Omit {
            self.credentials = Credentials::SameOrigin;
        }
        self
    }

    /// The path of this step for a case: `/<route>/<case>/<what>`.
    pub fn path(&self, case: &str) -> String {
        format!("/{}/{case}/{}", self.route, self.what)
    }
}

/// One case: a page, the requests its script makes in order, and what it is about.
#[derive(Clone, Debug)]
pub struct Case {
    /// Unique among the cases (and so in URLs).
    pub id: String,
    /// What the case checks, for the report.
    pub title: &'static str,
    /// Where the script runs.
    pub page: Page,
    /// The requests, made one after the other.
    pub steps: Vec<Step>,
    /// Debug mode: a word the console's CORS error must name (the offending method or
    /// header), whatever the model says.
    pub console_names: Option<&'static str>,
}

impl Case {
    /// A case.
    pub fn new(id: &str, page: Page, title: &'static str, steps: Vec<Step>) -> Case {
        Case {
            id: id.to_owned(),
            title,
            page,
            steps,
            console_names: None,
        }
    }

    /// The console's CORS error must name `word`.
    pub fn console_names(mut self, word: &'static str) -> Case {
        self.console_names = Some(word);
        self
    }

    /// This case under another id, for one adapter.
    pub fn for_adapter(&self, adapter: &str) -> Case {
        Case {
            id: format!("{adapter}-{}", self.id),
            ..self.clone()
        }
    }
}

/// The case with its steps through `fetch()` (`<id>-f`) and through `XMLHttpRequest`
/// (`<id>-x`).
fn both(id: &str, page: Page, title: &'static str, steps: Vec<Step>) -> [Case; 2] {
    let with = |api: Api| {
        steps
            .iter()
            .cloned()
            .map(|s| s.with_api(api))
            .collect::<Vec<_>>()
    };
    [
        Case::new(&format!("{id}-f"), page, title, with(Api::Fetch)),
        Case::new(&format!("{id}-x"), page, title, with(Api::Xhr)),
    ]
}

fn fetch_only(id: &str, page: Page, title: &'static str, steps: Vec<Step>) -> Case {
    Case::new(&format!("{id}-f"), page, title, steps)
}

fn xhr_only(id: &str, page: Page, title: &'static str, steps: Vec<Step>) -> Case {
    Case::new(&format!("{id}-x"), page, title, steps)
}

/// Every case, in the order they run.
pub fn all() -> Vec<Case> {
    use Credentials::{Include, Omit};
    use Page::{Main, Null, Other};
    let f = Step::fetch;
    let x = Step::xhr;
    let json = "application/json";
    let mut cases = Vec::new();

    // Simple requests.
    cases.extend(both(
        "get",
        Main,
        "simple GET, allowed origin",
        vec![f("GET", "strict")],
    ));
    cases.extend(both(
        "get-other",
        Other,
        "simple GET, rejected origin",
        vec![f("GET", "strict")],
    ));
    cases.extend(both(
        "post-text",
        Main,
        "simple POST, text body",
        vec![f("POST", "strict").body("hello")],
    ));
    cases.push(fetch_only(
        "post-form",
        Main,
        "simple POST, form body",
        vec![
            f("POST", "strict")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("a=1"),
        ],
    ));
    cases.extend(both(
        "post-other",
        Other,
        "simple POST, rejected origin: sent, not readable",
        vec![f("POST", "strict").body("hello")],
    ));
    cases.extend(both(
        "post-json",
        Main,
        "POST with JSON: preflight, content-type allowed",
        vec![f("POST", "strict").header("content-type", json).body("{}")],
    ));
    cases.push(fetch_only(
        "head",
        Main,
        "HEAD, allowed origin",
        vec![f("HEAD", "strict")],
    ));
    cases.push(fetch_only(
        "content-language",
        Main,
        "safelisted Content-Language: no preflight",
        vec![f("GET", "strict").header("content-language", "en")],
    ));

    // Custom request headers.
    cases.extend(both(
        "header",
        Main,
        "custom header allowed",
        vec![f("GET", "strict").header("x-custom", "1")],
    ));
    cases.push(fetch_only(
        "header-case",
        Main,
        "header names are case-insensitive",
        vec![f("GET", "strict").header("X-Custom", "1")],
    ));
    cases.extend(both(
        "header-rejected",
        Main,
        "custom header not allowed",
        vec![f("GET", "strict").header("x-other", "1")],
    ));
    cases.push(fetch_only(
        "header-one-rejected",
        Main,
        "one of two headers not allowed",
        vec![
            f("GET", "strict")
                .header("x-custom", "1")
                .header("x-other", "2"),
        ],
    ));
    cases.push(fetch_only(
        "header-long-accept",
        Main,
        "Accept over 128 bytes is not safelisted",
        vec![f("GET", "strict").header("accept", "a".repeat(200))],
    ));
    cases.extend(both(
        "header-other",
        Other,
        "custom header, rejected origin",
        vec![f("GET", "strict").header("x-custom", "1")],
    ));

    // Safelisted header values: Chromium's safelist against the model's.
    cases.push(fetch_only(
        "content-type-unsafe-byte",
        Main,
        "a Content-Type with a CORS-unsafe byte is not safelisted",
        vec![
            f("POST", "strict")
                .header("content-type", "text/plain; x=\"(a)\"")
                .body("hello"),
        ],
    ));
    cases.push(fetch_only(
        "accept-language-bad",
        Main,
        "an Accept-Language value with `_` is not safelisted",
        vec![f("GET", "strict").header("accept-language", "en_US")],
    ));
    cases.push(fetch_only(
        "range",
        Main,
        "a simple Range is safelisted",
        vec![f("GET", "strict").header("range", "bytes=0-")],
    ));
    cases.push(fetch_only(
        "range-suffix",
        Main,
        "a suffix Range is not safelisted",
        vec![f("GET", "strict").header("range", "bytes=-5")],
    ));

    // Where Chromium and the Fetch Standard's text differ (`corsair_browser::Profile`):
    // the model's `Chromium` profile must match.
    cases.extend(both(
        "raw-star-auth",
        Main,
        "`Access-Control-Allow-Headers: *` covers Authorization in Chromium",
        vec![
            f("GET", "raw")
                .what("star")
                .header("authorization", "Bearer t"),
        ],
    ));
    cases.push(fetch_only(
        "raw-star-auth-custom",
        Main,
        "`*` covers Authorization beside a custom header",
        vec![
            f("PUT", "raw")
                .what("star")
                .header("authorization", "Bearer t")
                .header("x-any", "1"),
        ],
    ));
    cases.push(fetch_only(
        "order-auth-first",
        Main,
        "the refused header named: Authorization after the others",
        vec![
            f("GET", "raw")
                .what("star-credentials")
                .credentials(Include)
                .header("authorization", "Bearer t")
                .header("x-custom", "1"),
        ],
    ));
    cases.push(fetch_only(
        "order-custom-first",
        Main,
        "the refused header named: Authorization after the others, whatever the order set",
        vec![
            f("GET", "raw")
                .what("star-credentials")
                .credentials(Include)
                .header("x-custom", "1")
                .header("authorization", "Bearer t"),
        ],
    ));
    cases.push(fetch_only(
        "order-z-first",
        Main,
        "the refused header named: the first sorted, not the first set",
        vec![
            f("GET", "raw")
                .what("star-credentials")
                .credentials(Include)
                .header("x-zed", "1")
                .header("x-custom", "1"),
        ],
    ));
    for (id, name, value) in [
        ("hint-save-data", "save-data", "on"),
        ("hint-dpr", "dpr", "2.5"),
        ("hint-device-memory", "device-memory", "0.5"),
        ("hint-width", "width", "1200"),
        ("hint-viewport-width", "viewport-width", "800"),
        ("hint-downlink", "downlink", "1.5"),
        ("hint-ect", "ect", "4g"),
        ("hint-rtt", "rtt", "50"),
        ("hint-rtt-bad", "rtt", "anything"),
        ("hint-rtt-fraction", "rtt", "1.5"),
        ("hint-downlink-bad", "downlink", "abc"),
        ("hint-downlink-int", "downlink", "10"),
        ("hint-ect-bad", "ect", "anything"),
        ("hint-ect-slow-2g", "ect", "slow-2g"),
        ("hint-ect-2g", "ect", "2g"),
        ("hint-ect-3g", "ect", "3g"),
        ("hint-ect-upper", "ect", "4G"),
        ("hint-intervention-odd", "intervention", "x"),
        ("hint-device-memory-bad", "device-memory", "1e3"),
        (
            "hint-intervention",
            "intervention",
            "<https://example>; level=warning",
        ),
        ("hint-dpr-bad", "dpr", "2."),
        ("hint-width-bad", "width", "1.5"),
        ("hint-save-data-bad", "save-data", "off"),
    ] {
        cases.push(fetch_only(
            id,
            Main,
            "a client hint: safelisted in Chromium when its value fits",
            vec![f("GET", "strict").header(name, value)],
        ));
    }
    cases.push(fetch_only(
        "dup-accept",
        Main,
        "two 100-byte Accept values are joined: over 128 bytes",
        vec![
            f("GET", "strict")
                .header("accept", "a".repeat(100))
                .header("accept", "b".repeat(100)),
        ],
    ));
    cases.push(fetch_only(
        "dup-accept-short",
        Main,
        "two short Accept values joined stay safelisted",
        vec![
            f("GET", "strict")
                .header("accept", "text/plain")
                .header("accept", "text/html"),
        ],
    ));
    cases.push(fetch_only(
        "dup-range",
        Main,
        "two Range values joined are not a simple range",
        vec![
            f("GET", "strict")
                .header("range", "bytes=0-")
                .header("range", "bytes=0-"),
        ],
    ));
    for (id, value) in [
        ("range-upper", "BYTES=0-"),
        ("range-capital", "Bytes=0-"),
        ("range-18-digits", "bytes=999999999999999999-"),
        ("range-1e18", "bytes=1000000000000000000-"),
        ("range-i64-max-less-1", "bytes=9223372036854775806-"),
        ("range-i64-max", "bytes=9223372036854775807-"),
        ("range-end-i64-max", "bytes=0-9223372036854775807"),
        ("range-end-i64-max-less-1", "bytes=0-9223372036854775806"),
        ("range-u64-max", "bytes=18446744073709551615-"),
        ("range-i64-overflow", "bytes=9223372036854775808-"),
        ("range-u64-overflow", "bytes=18446744073709551616-"),
        ("range-end-overflow", "bytes=0-99999999999999999999"),
    ] {
        cases.push(fetch_only(
            id,
            Main,
            "Range: the unit's case, and numbers around i64::MAX",
            vec![f("GET", "strict").header("range", value)],
        ));
    }
    cases.extend(both(
        "location-empty",
        Main,
        "an empty Location is not followed",
        vec![f("GET", "raw").what("location/empty")],
    ));
    cases.extend(both(
        "location-twice",
        Main,
        "two identical Location values are followed",
        vec![f("GET", "raw").what("location/twice")],
    ));
    cases.push(fetch_only(
        "location-differ",
        Main,
        "two different Location values are a network error",
        vec![f("GET", "raw").what("location/differ")],
    ));
    for (id, what) in [
        ("max-age-negative", "max-age/-1"),
        ("max-age-invalid", "max-age/abc"),
        ("max-age-plus", "max-age/+10"),
        ("max-age-valid", "max-age/10"),
    ] {
        cases.push(fetch_only(
            id,
            Main,
            "max-age: a second PUT preflights again unless cached",
            vec![f("PUT", "raw").what(what), f("PUT", "raw").what(what)],
        ));
    }

    // The seeded differential: requests and answers drawn from a seed.
    for seed in 0..crate::seeded::COUNT {
        let step = crate::seeded::step(seed);
        let id = format!("seeded-{seed}");
        let title = "seeded: a drawn request against drawn answers";
        cases.push(match step.api {
            Api::Fetch => fetch_only(&id, Main, title, vec![step]),
            Api::Xhr => xhr_only(&id, Main, title, vec![step]),
        });
    }

    // Methods.
    cases.extend(both(
        "put",
        Main,
        "PUT allowed",
        vec![f("PUT", "strict").header("content-type", json).body("{}")],
    ));
    cases.extend(both(
        "delete",
        Main,
        "DELETE allowed",
        vec![f("DELETE", "strict")],
    ));
    cases.extend(both(
        "patch",
        Main,
        "PATCH allowed",
        vec![f("PATCH", "strict").body("{}")],
    ));
    cases.extend(both(
        "patch-lower",
        Main,
        "lowercase patch is not PATCH",
        vec![f("patch", "strict")],
    ));
    cases.extend(both(
        "patch-lower-listed",
        Main,
        "lowercase patch where `patch` is listed",
        vec![f("patch", "lower")],
    ));
    cases.push(fetch_only(
        "patch-upper-lower",
        Main,
        "PATCH where only `patch` is listed",
        vec![f("PATCH", "lower")],
    ));
    cases.push(fetch_only(
        "put-lower",
        Main,
        "`put` is normalized to PUT",
        vec![f("put", "strict")],
    ));
    cases.extend(both(
        "method-rejected",
        Main,
        "a method not allowed",
        vec![f("PURGE", "strict")],
    ));
    cases.extend(both(
        "put-other",
        Other,
        "PUT, rejected origin: no actual request",
        vec![f("PUT", "strict")],
    ));

    cases.push(fetch_only(
        "method-mixed-case",
        Main,
        "`Delete` is normalized to DELETE",
        vec![f("Delete", "strict")],
    ));

    // Exposed headers.
    cases.extend(both(
        "expose",
        Main,
        "exposed headers readable, others not",
        vec![f("GET", "expose")],
    ));
    cases.push(fetch_only(
        "expose-put",
        Main,
        "exposed headers after a preflight",
        vec![f("PUT", "expose").header("x-custom", "1")],
    ));

    // `*`.
    cases.extend(both(
        "star",
        Other,
        "`*`: any origin, every header readable",
        vec![f("GET", "star")],
    ));
    cases.extend(both(
        "star-cred",
        Main,
        "`*` with credentials is refused",
        vec![f("GET", "star").credentials(Include)],
    ));
    cases.extend(both(
        "star-put",
        Other,
        "`*`: any method and header",
        vec![
            f("PUT", "star")
                .header("x-custom", "1")
                .header("x-other", "2"),
        ],
    ));
    cases.extend(both(
        "star-auth",
        Main,
        "`*` does not cover Authorization",
        vec![f("GET", "star").header("authorization", "Bearer t")],
    ));
    cases.extend(both(
        "star-auth-listed",
        Main,
        "`*` with Authorization listed",
        vec![
            f("GET", "star-auth")
                .header("authorization", "Bearer t")
                .header("x-any", "1"),
        ],
    ));
    cases.push(fetch_only(
        "star-null",
        Null,
        "`*` from a sandboxed iframe",
        vec![f("GET", "star")],
    ));

    // Credentials.
    cases.extend(both(
        "cred",
        Main,
        "credentials with cookies",
        vec![f("GET", "cred").credentials(Include)],
    ));
    cases.push(fetch_only(
        "cred-omit",
        Main,
        "credentials omitted: no cookie",
        vec![f("GET", "cred").credentials(Omit)],
    ));
    cases.extend(both(
        "cred-default",
        Main,
        "default credentials mode: no cookie cross-origin",
        vec![f("GET", "cred")],
    ));
    cases.extend(both(
        "cred-put",
        Main,
        "credentialed PUT with JSON: preflight without cookie",
        vec![
            f("PUT", "cred")
                .header("content-type", json)
                .body("{}")
                .credentials(Include),
        ],
    ));
    cases.push(fetch_only(
        "cred-auth",
        Main,
        "credentialed request with Authorization",
        vec![
            f("GET", "cred")
                .header("authorization", "Basic dTpw")
                .credentials(Include),
        ],
    ));
    cases.extend(both(
        "cred-other",
        Other,
        "credentials, rejected origin",
        vec![f("GET", "cred").credentials(Include)],
    ));
    cases.extend(both(
        "cred-not-allowed",
        Main,
        "credentials where the policy allows none",
        vec![f("GET", "strict").credentials(Include)],
    ));
    cases.extend(both(
        "cred-any-header",
        Main,
        "credentials with allow_headers `*`: names echoed",
        vec![
            f("GET", "cred-any-header")
                .header("x-anything", "1")
                .credentials(Include),
        ],
    ));
    cases.push(fetch_only(
        "cred-any-header-auth",
        Main,
        "credentials, `*` headers, Authorization",
        vec![
            f("GET", "cred-any-header")
                .header("authorization", "Bearer t")
                .credentials(Include),
        ],
    ));

    // The preflight cache.
    cases.extend(both(
        "max-age",
        Main,
        "max_age: the second PUT sends no preflight",
        vec![f("PUT", "cache"), f("PUT", "cache")],
    ));
    cases.extend(both(
        "max-age-0",
        Main,
        "max_age 0: every PUT is preflighted",
        vec![f("PUT", "nocache"), f("PUT", "nocache")],
    ));
    cases.push(fetch_only(
        "max-age-default",
        Main,
        "no max_age: Chromium caches 5 s",
        vec![f("PUT", "strict"), f("PUT", "strict")],
    ));
    cases.push(fetch_only(
        "max-age-new-header",
        Main,
        "a header the cache lacks: preflight again",
        vec![f("PUT", "cache"), f("PUT", "cache").header("x-custom", "1")],
    ));
    cases.push(fetch_only(
        "max-age-new-method",
        Main,
        "a method the cache lacks: preflight again",
        vec![f("PUT", "cache"), f("DELETE", "cache")],
    ));
    cases.push(fetch_only(
        "max-age-cred",
        Main,
        "credentialed preflight cached",
        vec![
            f("PUT", "cred").credentials(Include),
            f("PUT", "cred").credentials(Include),
        ],
    ));

    cases.push(fetch_only(
        "max-age-replaced",
        Main,
        "a new preflight replaces what Chromium cached for the URL",
        vec![f("PUT", "cache"), f("DELETE", "cache"), f("PUT", "cache")],
    ));
    cases.push(fetch_only(
        "star-new-method",
        Other,
        "`*` methods are answered one by one: a new method is preflighted",
        vec![f("PUT", "star"), f("DELETE", "star")],
    ));

    // XHR upload listeners.
    cases.push(xhr_only(
        "upload",
        Main,
        "upload listener: a preflight without custom headers",
        vec![x("POST", "strict").body("hello").upload_listener()],
    ));
    cases.push(xhr_only(
        "upload-other",
        Other,
        "upload listener, rejected origin",
        vec![x("POST", "strict").body("hello").upload_listener()],
    ));
    cases.push(xhr_only(
        "upload-star",
        Other,
        "upload listener, `*`",
        vec![x("POST", "star").body("hello").upload_listener()],
    ));
    cases.push(xhr_only(
        "upload-no-body",
        Main,
        "upload listener without a body: no preflight",
        vec![x("GET", "strict").upload_listener()],
    ));

    // The `null` origin.
    cases.extend(both(
        "null",
        Null,
        "`null` allowed with the dangerous option",
        vec![f("GET", "null")],
    ));
    cases.push(fetch_only(
        "null-put",
        Null,
        "`null`, preflighted",
        vec![f("PUT", "null").header("x-custom", "1")],
    ));
    cases.extend(both(
        "null-strict",
        Null,
        "`null` where it is not allowed",
        vec![f("GET", "strict")],
    ));
    cases.push(fetch_only(
        "null-put-strict",
        Null,
        "`null` preflight where it is not allowed",
        vec![f("PUT", "strict")],
    ));

    // Redirects.
    cases.extend(both(
        "redirect",
        Main,
        "302 to the same origin",
        vec![f("GET", "strict").what("redirect/302/same/strict")],
    ));
    cases.push(fetch_only(
        "redirect-307-put",
        Main,
        "307 PUT: a preflight at each URL",
        vec![
            f("PUT", "strict")
                .what("redirect/307/same/strict")
                .header("content-type", json)
                .body("{}"),
        ],
    ));
    cases.push(fetch_only(
        "redirect-cross",
        Main,
        "to another origin: the origin becomes null",
        vec![f("GET", "strict").what("redirect/302/cross/strict")],
    ));
    cases.extend(both(
        "redirect-cross-null",
        Main,
        "to another origin that allows null",
        vec![f("GET", "strict").what("redirect/302/cross/null")],
    ));
    cases.push(fetch_only(
        "redirect-303",
        Main,
        "303 turns POST into GET",
        vec![
            f("POST", "strict")
                .what("redirect/303/same/strict")
                .body("hello"),
        ],
    ));
    cases.push(fetch_only(
        "redirect-301-post",
        Other,
        "301 POST under `*`",
        vec![
            f("POST", "star")
                .what("redirect/301/same/star")
                .body("hello"),
        ],
    ));
    cases.push(fetch_only(
        "redirect-other",
        Other,
        "a redirect to a rejected origin is not followed",
        vec![f("GET", "strict").what("redirect/302/same/strict")],
    ));
    cases.push(fetch_only(
        "redirect-to-off",
        Main,
        "redirected where CORS is off",
        vec![f("GET", "strict").what("redirect/307/same/off")],
    ));

    cases.push(fetch_only(
        "redirect-cross-put",
        Main,
        "preflighted, to another origin: a null preflight there",
        vec![
            f("PUT", "strict")
                .what("redirect/307/cross/null")
                .header("x-custom", "1"),
        ],
    ));
    cases.extend(both(
        "redirect-308",
        Main,
        "308 PUT: a preflight at each URL",
        vec![f("PUT", "strict").what("redirect/308/same/strict")],
    ));

    // Error responses.
    cases.extend(both(
        "status-404",
        Main,
        "404 readable",
        vec![f("GET", "strict").what("status/404")],
    ));
    cases.extend(both(
        "status-500",
        Main,
        "500 readable",
        vec![f("GET", "strict").what("status/500")],
    ));
    cases.push(fetch_only(
        "status-503-put",
        Main,
        "503 after a preflight",
        vec![
            f("PUT", "strict")
                .what("status/503")
                .header("x-custom", "1"),
        ],
    ));
    cases.push(fetch_only(
        "status-401-cred",
        Main,
        "401 with credentials",
        vec![f("GET", "cred").what("status/401").credentials(Include)],
    ));
    cases.push(fetch_only(
        "status-500-star",
        Other,
        "500 under `*`",
        vec![f("GET", "star").what("status/500")],
    ));
    cases.extend(both(
        "status-404-other",
        Other,
        "404, rejected origin",
        vec![f("GET", "strict").what("status/404")],
    ));
    cases.push(fetch_only(
        "status-502-expose",
        Main,
        "502 with exposed headers",
        vec![f("GET", "expose").what("status/502")],
    ));

    cases.extend(both(
        "status-204",
        Main,
        "204 readable",
        vec![f("GET", "strict").what("status/204")],
    ));

    // Per-path routes.
    cases.extend(both(
        "off",
        Main,
        "CORS off: no headers",
        vec![f("GET", "off")],
    ));
    cases.push(fetch_only(
        "off-put",
        Main,
        "CORS off: OPTIONS reaches the application",
        vec![f("PUT", "off")],
    ));
    cases.extend(both(
        "pattern",
        Other,
        "port wildcard matches the localhost page",
        vec![f("GET", "pattern")],
    ));
    cases.push(fetch_only(
        "pattern-main",
        Main,
        "port wildcard does not match 127.0.0.1",
        vec![f("GET", "pattern")],
    ));
    cases.push(fetch_only(
        "pattern-put",
        Other,
        "port wildcard, preflighted",
        vec![f("DELETE", "pattern").header("x-custom", "1")],
    ));

    // Debug mode.
    let debug_method = both(
        "debug-method",
        Main,
        "debug: the console names the method",
        vec![f("DELETE", "debug")],
    );
    cases.extend(debug_method.into_iter().map(|c| c.console_names("DELETE")));
    let debug_header = both(
        "debug-header",
        Main,
        "debug: the console names the header",
        vec![
            f("PUT", "debug")
                .header("x-custom", "1")
                .header("x-other", "2"),
        ],
    );
    cases.extend(debug_header.into_iter().map(|c| c.console_names("x-other")));
    cases.push(fetch_only(
        "debug-allowed",
        Main,
        "debug: an allowed request",
        vec![f("PUT", "debug").header("x-custom", "1")],
    ));
    cases.push(fetch_only(
        "debug-other",
        Other,
        "debug: a rejected origin gets a bare 403",
        vec![f("PUT", "debug")],
    ));
    cases.push(fetch_only(
        "no-debug-method",
        Main,
        "no debug: the console cannot name the method",
        vec![f("DELETE", "lower")],
    ));

    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_url_safe() {
        let cases = all();
        let mut ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
        assert!(ids.len() >= 60, "{}", ids.len());
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), before);
        for id in ids {
            assert!(
                id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
                "{id}"
            );
        }
    }
}
