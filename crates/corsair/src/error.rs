//! Configuration diagnostics: every problem of a declared policy, reported at once.
//!
//! Building a [`Policy`](crate::Policy) never panics. It either succeeds, keeping its
//! warnings in [`Policy::warnings`](crate::Policy::warnings), or fails with a
//! [`ConfigError`] that lists every error and every warning found, each with a stable
//! [`Code`], the field it concerns and a message that says how to fix it.

use std::fmt;

/// How serious a [`Diagnostic`] is.
///
/// ```
/// use corsair::Severity;
/// assert_eq!(Severity::Error.as_str(), "error");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The policy cannot be built.
    Error,
    /// The policy is built, but something in it is probably not what was meant.
    Warning,
}

impl Severity {
    /// The lowercase name: `"error"` or `"warning"`.
    ///
    /// ```
    /// assert_eq!(corsair::Severity::Warning.as_str(), "warning");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident => $code:literal, $severity:ident; )*) => {
        /// The stable identifier of a configuration problem.
        ///
        /// Codes never change meaning once released; match on them, or on
        /// [`Code::as_str`] in tools, rather than on messages.
        ///
        /// ```
        /// use corsair::Code;
        /// assert_eq!(Code::WildcardOriginWithCredentials.as_str(), "wildcard-origin-with-credentials");
        /// assert_eq!(Code::WildcardOriginWithCredentials.severity(), corsair::Severity::Error);
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in documentation order.
            ///
            /// ```
            /// assert!(corsair::Code::ALL.contains(&corsair::Code::InvalidOrigin));
            /// ```
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable kebab-case identifier, as printed by `corsair lint`.
            ///
            /// ```
            /// assert_eq!(corsair::Code::MaxAgeTooLarge.as_str(), "max-age-too-large");
            /// ```
            pub const fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// Whether this code is an error or a warning.
            ///
            /// ```
            /// use corsair::{Code, Severity};
            /// assert_eq!(Code::DuplicateEntry.severity(), Severity::Warning);
            /// ```
            pub const fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }
        }
    };
}

codes! {
    /// The file could not be read at all (missing, a directory, not UTF-8).
    UnreadableFile => "unreadable-file", Error;
    /// The file could not be parsed (syntax error or a value of the wrong type).
    InvalidFile => "invalid-file", Error;
    /// A field that corsair does not know.
    UnknownField => "unknown-field", Error;
    /// No origin is allowed: neither `allow_origins`, `allow_origin_regexes` nor a predicate.
    NoOrigins => "no-origins", Error;
    /// An origin that cannot be parsed.
    InvalidOrigin => "invalid-origin", Error;
    /// An origin with a path, query or fragment (a trailing slash included).
    OriginWithPath => "origin-with-path", Error;
    /// An origin with a user name or password.
    OriginWithUserinfo => "origin-with-userinfo", Error;
    /// An origin that a browser never sends in this form (uppercase, default port, ...).
    NonCanonicalOrigin => "non-canonical-origin", Error;
    /// A `*` somewhere else than a whole leftmost label or the whole port.
    InvalidWildcard => "invalid-wildcard", Error;
    /// `*` listed together with other origins.
    WildcardOriginMixed => "wildcard-origin-mixed", Error;
    /// Any origin (`*`) together with credentials.
    WildcardOriginWithCredentials => "wildcard-origin-with-credentials", Error;
    /// The `null` origin without `dangerously_allow_null_origin`.
    NullOrigin => "null-origin", Error;
    /// A plain-http, non-loopback origin with credentials, without `dangerously_allow_insecure_origins`.
    InsecureOrigin => "insecure-origin", Error;
    /// A subdomain wildcard over a public suffix, without `dangerously_allow_public_suffix_wildcards`.
    PublicSuffixWildcard => "public-suffix-wildcard", Error;
    /// A regular expression that does not compile (or `allow_origin_regexes` without the `regex` feature).
    InvalidRegex => "invalid-regex", Error;
    /// A regular expression that, with credentials, admits origins the lists could not
    /// allow safely (any origin, a public suffix, another registrable domain, plain http),
    /// or `null`; without `dangerously_allow_unsafe_origin_regexes`.
    UnsafeOriginRegex => "unsafe-origin-regex", Error;
    /// A regular expression with credentials that corsair cannot prove safe (too large,
    /// a domain built from pieces, a Unicode word boundary).
    UnprovableOriginRegex => "unprovable-origin-regex", Error;
    /// A method that is not an HTTP token.
    InvalidMethod => "invalid-method", Error;
    /// `CONNECT`, `TRACE` or `TRACK`, which browsers never let a script send.
    ForbiddenMethod => "forbidden-method", Error;
    /// A header name that is not an HTTP token.
    InvalidHeaderName => "invalid-header-name", Error;
    /// A request header that browsers never let a script set (`cookie`, `sec-*`, ...).
    ForbiddenHeaderName => "forbidden-header-name", Error;
    /// `set-cookie` (or `set-cookie2`) in `expose_headers`: browsers never expose it.
    ForbiddenExposeHeader => "forbidden-expose-header", Error;
    /// A header of the CORS protocol where it means nothing: a CORS response header in
    /// `allow_headers`, or `Origin`, an `Access-Control-Request-*` header or any other
    /// `Access-Control-*` header in `expose_headers`.
    MisplacedCorsHeader => "misplaced-cors-header", Error;
    /// `*` in `expose_headers` together with credentials: browsers read it as a header named `*`.
    WildcardExposeWithCredentials => "wildcard-expose-with-credentials", Error;
    /// `max_age` above 86400 seconds.
    MaxAgeTooLarge => "max-age-too-large", Error;
    /// `preflight_status` outside 200..=299.
    InvalidPreflightStatus => "invalid-preflight-status", Error;
    /// A route whose `path` is empty, does not start with `/`, is a glob or wildcard
    /// (`*`, `{id}`), or is declared twice.
    InvalidRoutePath => "invalid-route-path", Error;
    /// A name in `presets` that is no preset.
    UnknownPreset => "unknown-preset", Error;
    /// A path of `cross_origin_protection_exempt_paths` that is not a plain path
    /// prefix starting with `/`.
    InvalidExemptPath => "invalid-exempt-path", Error;
    /// The same entry listed twice.
    DuplicateEntry => "duplicate-entry", Warning;
    /// An entry made redundant by a `*` in the same list.
    RedundantEntry => "redundant-entry", Warning;
    /// `max_age` above 7200 seconds, the most that Chromium caches a preflight.
    MaxAgeAboveBrowserCap => "max-age-above-browser-cap", Warning;
    /// A `.` in a regular expression that matches any character.
    UnescapedDotInRegex => "unescaped-dot-in-regex", Warning;
    /// A regular expression that admits any origin, without credentials: `*` says so
    /// plainly (and lets caches share responses).
    AnyOriginRegex => "any-origin-regex", Warning;
    /// A regular expression that admits other sites' origins, without credentials: any
    /// host under a public suffix, hosts of other registrable domains
    /// (`https://.*example\.com`, `https://example\.com.*`) or a domain it does not
    /// spell out (an unescaped dot). The answer is public, but the regex is most likely
    /// a mistake.
    BroadOriginRegex => "broad-origin-regex", Warning;
    /// A method in lowercase that browsers send only as the script spells it (`patch`).
    CaseSensitiveMethod => "case-sensitive-method", Warning;
    /// A `dangerously_*` option or another setting that has no effect.
    UnusedOption => "unused-option", Warning;
    /// An origin where anyone can publish scripts (a code playground such as
    /// `https://codepen.io`): trusting it is trusting everyone.
    UserContentOrigin => "user-content-origin", Warning;
    /// `allow_private_network` with any origin (`*`): every website on the internet may
    /// reach this private-network service from its visitors' browsers.
    WildcardPrivateNetwork => "wildcard-private-network", Warning;
    /// Credentials allowed without `cross_origin_protection`: a form or a `text/plain`
    /// `fetch` from any site still reaches the application with the user's cookies.
    UnprotectedWrites => "unprotected-writes", Warning;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in a declared policy.
///
/// ```
/// let err = corsair::Policy::builder()
///     .allow_origins(["https://App.example.com/"])
///     .build()
///     .unwrap_err();
/// let d = &err.errors().next().unwrap();
/// assert_eq!(d.field(), "cors.allow_origins[0]");
/// assert!(d.help().unwrap().contains("https://app.example.com"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    code: Code,
    field: String,
    message: String,
    help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic, for tools that report problems of their own beside corsair's (a
    /// file that cannot be read, say). `field` is a path into the file, or empty.
    ///
    /// ```
    /// use corsair::{Code, Diagnostic};
    /// let d = Diagnostic::new(Code::UnreadableFile, "", "cannot read cors.toml: not found");
    /// assert_eq!(d.to_string(), "error[unreadable-file] : cannot read cors.toml: not found");
    /// ```
    pub fn new(code: Code, field: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            field: field.into(),
            message: message.into(),
            help: None,
        }
    }

    /// The same diagnostic, with a hint on how to fix it.
    ///
    /// ```
    /// use corsair::{Code, Diagnostic};
    /// let d = Diagnostic::new(Code::UnreadableFile, "", "cannot read cors.toml").with_help("check the path");
    /// assert_eq!(d.help(), Some("check the path"));
    /// ```
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// An [`UnknownField`](Code::UnknownField) error for `key` in the table at `field`,
    /// whose help names the nearest of the `known` keys when `key` looks like a typo of
    /// it, else lists them all. For tools that read tables of their own beside
    /// corsair's (the `corsair` command's `[server]` table, say), so that their typos are
    /// reported as corsair reports its own.
    ///
    /// ```
    /// use corsair::{Code, Diagnostic};
    /// let known = ["listen", "upstream", "admin"];
    /// let d = Diagnostic::unknown_field("server.upstrem", "upstrem", &known);
    /// assert_eq!(d.code(), Code::UnknownField);
    /// assert_eq!(d.help(), Some("did you mean `upstream`?"));
    /// let d = Diagnostic::unknown_field("server.port", "port", &known);
    /// assert_eq!(d.help(), Some("known fields: listen, upstream, admin"));
    /// ```
    #[cfg(feature = "toml")]
    pub fn unknown_field(field: impl Into<String>, key: &str, known: &[&str]) -> Self {
        let help = match closest(key, known) {
            Some(suggestion) => format!("did you mean `{suggestion}`?"),
            None => format!("known fields: {}", known.join(", ")),
        };
        Diagnostic::new(Code::UnknownField, field, format!("unknown field `{key}`")).with_help(help)
    }

    /// The stable code of the problem.
    ///
    /// ```
    /// let err = corsair::Policy::builder().build().unwrap_err();
    /// assert_eq!(err.errors().next().unwrap().code(), corsair::Code::NoOrigins);
    /// ```
    pub fn code(&self) -> Code {
        self.code
    }

    /// Error or warning (the code decides).
    ///
    /// ```
    /// let err = corsair::Policy::builder().build().unwrap_err();
    /// assert_eq!(err.errors().next().unwrap().severity(), corsair::Severity::Error);
    /// ```
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// Where the problem is, as a path into the file: `cors.allow_origins[2]`,
    /// `routes[0].max_age`.
    ///
    /// ```
    /// let err = corsair::Policy::builder().allow_origins(["*"]).max_age(100_000).build().unwrap_err();
    /// assert_eq!(err.errors().next().unwrap().field(), "cors.max_age");
    /// ```
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong.
    ///
    /// ```
    /// let err = corsair::Policy::builder().allow_origins(["null"]).build().unwrap_err();
    /// assert!(err.errors().next().unwrap().message().contains("null"));
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How to fix it, when there is something specific to say.
    ///
    /// ```
    /// let err = corsair::Policy::builder().allow_origins(["https://example.com:443"]).build().unwrap_err();
    /// assert_eq!(err.errors().next().unwrap().help(), Some("write it as `https://example.com`"));
    /// ```
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}] {}: {}",
            self.severity(),
            self.code,
            self.field,
            self.message
        )?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

/// A policy that could not be built, with every problem found.
///
/// Its [`Display`](fmt::Display) form lists the errors, then the warnings, one a line.
///
/// ```
/// let err = corsair::Policy::builder()
///     .allow_origins(["*"])
///     .allow_credentials(true)
///     .allow_methods(["TRACE"])
///     .build()
///     .unwrap_err();
/// let codes: Vec<_> = err.errors().map(|d| d.code().as_str()).collect();
/// assert_eq!(codes, ["wildcard-origin-with-credentials", "forbidden-method"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    diagnostics: Vec<Diagnostic>,
}

impl ConfigError {
    pub(crate) fn new(diagnostics: Vec<Diagnostic>) -> Self {
        ConfigError { diagnostics }
    }

    /// Every diagnostic, errors and warnings, in the order found.
    ///
    /// ```
    /// let err = corsair::Policy::builder().build().unwrap_err();
    /// assert_eq!(err.diagnostics().len(), 1);
    /// ```
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The errors only.
    ///
    /// ```
    /// let err = corsair::Policy::builder().build().unwrap_err();
    /// assert_eq!(err.errors().count(), 1);
    /// ```
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity() == Severity::Error)
    }

    /// The warnings only.
    ///
    /// ```
    /// let err = corsair::Policy::builder()
    ///     .allow_origins(["https://a.example", "https://a.example"])
    ///     .max_age(100_000)
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err.warnings().next().unwrap().code(), corsair::Code::DuplicateEntry);
    /// ```
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity() == Severity::Warning)
    }

    /// Consumes the error, returning its diagnostics.
    ///
    /// ```
    /// let err = corsair::Policy::builder().build().unwrap_err();
    /// assert_eq!(err.into_diagnostics().len(), 1);
    /// ```
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.errors().count();
        write!(
            f,
            "invalid CORS policy: {errors} error{}",
            if errors == 1 { "" } else { "s" }
        )?;
        for d in self.errors().chain(self.warnings()) {
            // A message of several lines (a TOML syntax error, with its caret) stays
            // aligned under the indentation.
            write!(f, "\n  {}", d.to_string().replace('\n', "\n    "))?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Collects diagnostics while a policy is checked.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    list: Vec<Diagnostic>,
    /// Errors reported so far, repeats included.
    errors_seen: usize,
}

impl Diagnostics {
    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        if diagnostic.severity() == Severity::Error {
            self.errors_seen += 1;
        }
        // Inherited fields are checked once per route: report each problem once.
        if !self.list.contains(&diagnostic) {
            self.list.push(diagnostic);
        }
    }

    pub(crate) fn report(&mut self, code: Code, field: &str, message: impl Into<String>) {
        self.push(Diagnostic::new(code, field, message));
    }

    pub(crate) fn report_with_help(
        &mut self,
        code: Code,
        field: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(Diagnostic::new(code, field, message).with_help(help));
    }

    /// How many errors were reported, repeats included: compare before and after a
    /// check to know whether it found any.
    pub(crate) fn errors_seen(&self) -> usize {
        self.errors_seen
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.list.iter().any(|d| d.severity() == Severity::Error)
    }

    /// The diagnostics so far, each once, in the order found.
    #[cfg(feature = "toml")]
    pub(crate) fn as_slice(&self) -> &[Diagnostic] {
        &self.list
    }

    pub(crate) fn into_vec(self) -> Vec<Diagnostic> {
        self.list
    }
}

/// The known name nearest to a misspelled one, if it is near enough to be a typo (edit
/// distance at most 3, or a fifth of the name).
#[cfg(feature = "toml")]
pub(crate) fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::levenshtein(key, k), *k))
        .filter(|(d, k)| *d <= 3.max(k.len() / 5))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}
