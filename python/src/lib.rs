//! `corsair_cors._corsair`: corsair's CORS engine for Python, through PyO3.
//!
//! This module only translates between Python values and corsair's public API: options
//! become the library's TOML table (`Config::from_toml_table`, which reports unknown
//! options and values of the wrong type as diagnostics, like a policy file), request
//! headers become a [`corsair::RequestHeaders`] view, and a response's header list
//! becomes a [`corsair::ResponseHeaders`] view that [`corsair::CorsHeaders::apply_to`]
//! writes. Every CORS rule (what to allow, which headers to send, how `Vary` merges) is
//! the library's. The Python package (`corsair_cors`) wraps this module with typed
//! classes, logging and the framework drop-ins.

use std::borrow::Cow;

use corsair::{Config, ConfigError, CorsHeaders, Diagnostic, Policy, Reason};
use http::header::{HeaderName, HeaderValue};
use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

mod headers;

use headers::{RequestLines, ResponseLines};

/// One problem found in a policy: its stable code (the same as `corsair lint`), its
/// severity (`"error"` or `"warning"`), the field it concerns (`cors.allow_origins[0]`),
/// a message, and a hint on how to fix it (or `None`).
#[pyclass(frozen, module = "corsair_cors._corsair", name = "Diagnostic", get_all)]
struct PyDiagnostic {
    code: &'static str,
    severity: &'static str,
    field: String,
    message: String,
    help: Option<String>,
    /// `error[code] field: message`, with the help, as `corsair lint` prints it.
    text: String,
}

impl PyDiagnostic {
    fn new(d: &Diagnostic) -> Self {
        PyDiagnostic {
            code: d.code().as_str(),
            severity: d.severity().as_str(),
            field: d.field().to_owned(),
            message: d.message().to_owned(),
            help: d.help().map(str::to_owned),
            text: d.to_string(),
        }
    }
}

#[pymethods]
impl PyDiagnostic {
    /// The same diagnostic with the severity `"error"`: for a drop-in that refuses what
    /// corsair only warns about (the Starlette drop-in and `broad-origin-regex`).
    fn as_error(&self) -> PyDiagnostic {
        let error = corsair::Severity::Error.as_str();
        // The text starts with the severity, as `corsair lint` prints it.
        let rest = self.text.strip_prefix(self.severity).unwrap_or(&self.text);
        PyDiagnostic {
            code: self.code,
            severity: error,
            field: self.field.clone(),
            message: self.message.clone(),
            help: self.help.clone(),
            text: format!("{error}{rest}"),
        }
    }

    fn __str__(&self) -> &str {
        &self.text
    }

    fn __repr__(&self) -> String {
        let help = self
            .help
            .as_ref()
            .map_or("None".to_owned(), |h| format!("{h:?}"));
        format!(
            "Diagnostic(code={:?}, severity={:?}, field={:?}, message={:?}, help={help})",
            self.code, self.severity, self.field, self.message
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyDiagnostic>().is_ok_and(|o| {
            let o = o.get();
            (o.code, o.severity, &o.field, &o.message, &o.help)
                == (
                    self.code,
                    self.severity,
                    &self.field,
                    &self.message,
                    &self.help,
                )
        })
    }
}

/// A validated policy (corsair's `Policy`), ready to decide.
#[pyclass(frozen, module = "corsair_cors._corsair", name = "Policy")]
struct PyPolicy {
    policy: Policy,
}

#[pymethods]
impl PyPolicy {
    /// The warnings found while building the policy.
    #[getter]
    fn warnings(&self) -> Vec<PyDiagnostic> {
        self.policy
            .warnings()
            .iter()
            .map(PyDiagnostic::new)
            .collect()
    }

    /// Decides what to do with a request: `method` as sent, the URL `path`, and the
    /// request headers as a mapping or an iterable of `(name, value)` pairs (`str` or
    /// `bytes`, names in any case, repeated names allowed).
    fn decide(
        &self,
        method: &Bound<'_, PyAny>,
        path: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
    ) -> PyResult<PyDecision> {
        let method = text(method, "method")?;
        let path = text(path, "path")?;
        let mut lines = RequestLines::read(headers)?;
        let decision = self.policy.decide_with(&method, &path, &lines);
        let reason = decision.reason();
        // The words of a refusal are kept now (they borrow the request); those of an
        // allowance are the same for every request, and made when asked for.
        let refusal = (!reason.is_allowed())
            .then(|| (reason.to_string(), reason.subject().map(str::to_owned)));
        let (kind, allowed, code) = (decision.kind().as_str(), decision.allowed(), reason.code());
        let status = decision.action().status().map(|s| s.as_u16());
        let headers = decision.into_headers();
        Ok(PyDecision {
            kind,
            allowed,
            reason: code,
            refusal,
            status,
            // The decision no longer borrows the request: its Origin is kept as it is.
            origin: lines.take_origin(),
            headers,
        })
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.policy)
    }
}

/// The engine's answer to one request.
#[pyclass(frozen, module = "corsair_cors._corsair", name = "Decision")]
struct PyDecision {
    kind: &'static str,
    allowed: bool,
    reason: &'static str,
    /// For a refusal, its message and subject.
    refusal: Option<(String, Option<String>)>,
    status: Option<u16>,
    /// The bytes of the request's first `Origin`.
    origin: Option<Vec<u8>>,
    headers: CorsHeaders,
}

#[pymethods]
impl PyDecision {
    /// `"preflight"`, `"actual"` or `"non-cors"`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.kind
    }

    /// Whether corsair allows the request (always true for a non-CORS request).
    #[getter]
    fn allowed(&self) -> bool {
        self.allowed
    }

    /// The stable reason code: `allowed`, `non-cors`, `origin-not-allowed`, ...
    #[getter]
    fn reason(&self) -> &'static str {
        self.reason
    }

    /// The reason in words.
    #[getter]
    fn message(&self) -> String {
        match (&self.refusal, self.kind) {
            (Some((message, _)), _) => message.clone(),
            (None, "non-cors") => Reason::NonCors.to_string(),
            (None, _) => Reason::Allowed.to_string(),
        }
    }

    /// The method or header name the reason is about, if any.
    #[getter]
    fn subject(&self) -> Option<&str> {
        self.refusal.as_ref().and_then(|(_, s)| s.as_deref())
    }

    /// The status of the answer corsair gives itself (a preflight), else `None`: the
    /// request goes to the application.
    #[getter]
    fn status(&self) -> Option<u16> {
        self.status
    }

    /// The request's `Origin` (the first one), if any.
    #[getter]
    fn origin(&self) -> Option<Cow<'_, str>> {
        self.origin.as_deref().map(latin1)
    }

    /// The CORS headers to send, in order, as `(name, value)` with lowercase names.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for (name, value) in self.headers.iter() {
            list.append((name.as_str(), latin1(value.as_bytes())))?;
        }
        Ok(list)
    }

    /// The response's header lines with the decision applied, as `(str, str)` pairs for
    /// the lines corsair writes; the other lines are returned as given.
    fn apply<'py>(
        &self,
        py: Python<'py>,
        headers: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        self.apply_as(py, headers, false)
    }

    /// `apply`, with `(bytes, bytes)` pairs for the lines corsair writes (ASGI's form).
    fn apply_raw<'py>(
        &self,
        py: Python<'py>,
        headers: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        self.apply_as(py, headers, true)
    }

    /// Applies the decision to a mutable mapping of response headers in place (Django's
    /// `response.headers`, werkzeug's `Headers`, Starlette's `MutableHeaders`, a
    /// `dict`): deletes the entries corsair replaces or removes, then sets corsair's.
    fn apply_to(&self, headers: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = headers.py();
        let mut lines = ResponseLines::read(headers)?;
        self.headers.clone().apply_to(&mut lines);
        for item in lines.removed() {
            let (name, _) = pair(item)?;
            if let Err(e) = headers.del_item(name) {
                if !e.is_instance_of::<PyKeyError>(py) {
                    return Err(e);
                }
            }
        }
        for (name, value) in lines.written() {
            headers.set_item(name.as_str(), latin1(value.as_bytes()))?;
        }
        Ok(())
    }

    fn __repr__(&self) -> String {
        let status = self.status.map_or("None".to_owned(), |s| s.to_string());
        let allowed = if self.allowed { "True" } else { "False" };
        format!(
            "Decision(kind={:?}, allowed={allowed}, reason={:?}, status={status})",
            self.kind, self.reason
        )
    }
}

impl PyDecision {
    fn apply_as<'py>(
        &self,
        py: Python<'py>,
        headers: &Bound<'py, PyAny>,
        raw: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let mut lines = ResponseLines::read(headers)?;
        self.headers.clone().apply_to(&mut lines);
        lines.write(py, raw)
    }
}

/// Builds a policy from keyword options (corsair's field names, plus `routes`: a list of
/// mappings with `path` and the fields a route overrides). Returns the policy, or
/// `None`, and every diagnostic (the warnings of a built policy, or all the problems).
#[pyfunction]
fn compile_options(options: &Bound<'_, PyDict>) -> PyResult<(Option<PyPolicy>, Vec<PyDiagnostic>)> {
    let mut cors = toml::Table::new();
    let mut table = toml::Table::new();
    for (key, value) in options.iter() {
        let key: String = key.extract()?;
        if value.is_none() {
            continue;
        }
        let value = to_toml(&value, &key)?;
        if key == "routes" {
            table.insert(key, value);
        } else {
            cors.insert(key, value);
        }
    }
    table.insert("cors".to_owned(), toml::Value::Table(cors));
    Ok(built(Config::from_toml_table(table)))
}

/// Builds a policy from the text of a policy file (TOML, routes included).
#[pyfunction]
fn compile_toml(text: &str) -> (Option<PyPolicy>, Vec<PyDiagnostic>) {
    built(Config::from_toml_str(text))
}

/// Builds a policy from a policy file; a file that cannot be read is an
/// `unreadable-file` diagnostic.
#[pyfunction]
fn compile_file(path: std::path::PathBuf) -> (Option<PyPolicy>, Vec<PyDiagnostic>) {
    match std::fs::read_to_string(&path) {
        Ok(text) => built(Config::from_toml_str(&text)),
        Err(e) => {
            let d = Diagnostic::new(
                corsair::Code::UnreadableFile,
                "",
                format!("cannot read {}: {e}", path.display()),
            );
            (None, vec![PyDiagnostic::new(&d)])
        }
    }
}

fn built(config: Result<Config, ConfigError>) -> (Option<PyPolicy>, Vec<PyDiagnostic>) {
    match config.and_then(Config::build) {
        Ok(policy) => {
            let warnings = policy.warnings().iter().map(PyDiagnostic::new).collect();
            (Some(PyPolicy { policy }), warnings)
        }
        Err(e) => (
            None,
            e.diagnostics().iter().map(PyDiagnostic::new).collect(),
        ),
    }
}

/// A Python option value as the TOML value the library reads: `bool`, `int`, `float`,
/// `str`, mappings (tables) and other iterables (arrays). The library reports a value
/// of the wrong type for its field; a value TOML cannot hold at all is a `TypeError`.
fn to_toml(value: &Bound<'_, PyAny>, name: &str) -> PyResult<toml::Value> {
    if value.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(value.extract()?));
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(toml::Value::Integer(value.extract()?));
    }
    if value.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(value.extract()?));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(toml::Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        let mut table = toml::Table::new();
        for (k, v) in d.iter() {
            let k: String = k.extract()?;
            if !v.is_none() {
                let v = to_toml(&v, &k)?;
                table.insert(k, v);
            }
        }
        return Ok(toml::Value::Table(table));
    }
    if value.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(format!(
            "option `{name}`: expected str, not bytes"
        )));
    }
    match value.try_iter() {
        Ok(items) => {
            let mut array = Vec::new();
            for item in items {
                array.push(to_toml(&item?, name)?);
            }
            Ok(toml::Value::Array(array))
        }
        Err(_) => Err(PyTypeError::new_err(format!(
            "option `{name}`: cannot use a value of type {}",
            value.get_type().name()?
        ))),
    }
}

/// A `str` argument, or `bytes` read as latin-1.
fn text<'a>(value: &'a Bound<'_, PyAny>, name: &str) -> PyResult<Cow<'a, str>> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Cow::Owned(s.to_string_lossy().into_owned()));
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(Cow::Owned(latin1(b.as_bytes()).into_owned()));
    }
    Err(PyTypeError::new_err(format!(
        "{name} must be str or bytes, not {}",
        value.get_type().name()?
    )))
}

/// Bytes as text, one character per byte (HTTP header values are latin-1 in WSGI).
fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    if bytes.is_ascii() {
        // ASCII is valid UTF-8.
        Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default())
    } else {
        Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect())
    }
}

/// A header name or value from Python: `bytes` as they are, `str` one byte per
/// character when every character fits in a byte (latin-1, as WSGI decodes headers),
/// else as UTF-8 (the engine then decides about bytes it cannot accept).
fn header_bytes<'a>(value: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(b.as_bytes()));
    }
    if let Ok(s) = value.cast::<PyString>() {
        let s = s.to_string_lossy();
        if s.is_ascii() {
            return Ok(Cow::Owned(s.into_owned().into_bytes()));
        }
        if s.chars().all(|c| u32::from(c) <= 0xFF) {
            return Ok(Cow::Owned(
                s.chars().map(|c| u8::try_from(c).unwrap_or(b'?')).collect(),
            ));
        }
        return Ok(Cow::Owned(s.into_owned().into_bytes()));
    }
    Err(PyTypeError::new_err(format!(
        "a header name or value must be str or bytes, not {}",
        value.get_type().name()?
    )))
}

/// One `(name, value)` item of a header list: a tuple or any two-item sequence.
fn pair<'py>(item: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    if let Ok(t) = item.cast::<PyTuple>() {
        if t.len() == 2 {
            return Ok((t.get_item(0)?, t.get_item(1)?));
        }
    } else if !item.is_instance_of::<PyString>()
        && !item.is_instance_of::<PyBytes>()
        && item.len().is_ok_and(|n| n == 2)
    {
        return Ok((item.get_item(0)?, item.get_item(1)?));
    }
    Err(PyTypeError::new_err(
        "headers must be a mapping or an iterable of (name, value) pairs",
    ))
}

/// A header line as Python gets it back: `bytes` or latin-1 `str`.
fn header_object<'py>(py: Python<'py>, bytes: &[u8], raw: bool) -> Bound<'py, PyAny> {
    if raw {
        PyBytes::new(py, bytes).into_any()
    } else {
        PyString::new(py, &latin1(bytes)).into_any()
    }
}

/// The name and value of a line corsair writes, as Python objects.
fn line_objects<'py>(
    py: Python<'py>,
    name: &HeaderName,
    value: &HeaderValue,
    raw: bool,
) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(
        py,
        [
            header_object(py, name.as_str().as_bytes(), raw),
            header_object(py, value.as_bytes(), raw),
        ],
    )
}

/// The native module.
#[pymodule]
fn _corsair(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPolicy>()?;
    m.add_class::<PyDecision>()?;
    m.add_class::<PyDiagnostic>()?;
    m.add_function(wrap_pyfunction!(compile_options, m)?)?;
    m.add_function(wrap_pyfunction!(compile_toml, m)?)?;
    m.add_function(wrap_pyfunction!(compile_file, m)?)?;
    m.add("CORSAIR_VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
