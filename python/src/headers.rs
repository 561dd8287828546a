//! Python header lists as corsair reads and writes them: [`RequestLines`] (the CORS
//! request headers of a request, for [`corsair::RequestHeaders`]) and [`ResponseLines`]
//! (a response's header list, for [`corsair::ResponseHeaders`]).

use corsair::{RequestHeaders, ResponseHeaders};
use http::header::{HeaderName, HeaderValue};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::{header_bytes, line_objects, pair};

/// The request headers the engine reads; the others are not kept. `sec-fetch-site` and
/// `host` are read by cross-origin write protection (`cross_origin_protection`).
const READ: [&str; 6] = [
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
    "access-control-request-private-network",
    "sec-fetch-site",
    "host",
];

/// The CORS request headers of a request, in order: (index in [`READ`], value bytes).
pub(crate) struct RequestLines {
    lines: Vec<(usize, Vec<u8>)>,
}

impl RequestLines {
    /// Reads a mapping (its `items()`) or an iterable of `(name, value)` pairs.
    pub(crate) fn read(headers: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut lines = Vec::new();
        let mut add = |name: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>| -> PyResult<()> {
            let name = header_bytes(name)?;
            if let Some(i) = READ
                .iter()
                .position(|n| n.as_bytes().eq_ignore_ascii_case(&name))
            {
                lines.push((i, header_bytes(value)?.into_owned()));
            }
            Ok(())
        };
        if let Ok(dict) = headers.cast::<PyDict>() {
            for (name, value) in dict.iter() {
                add(&name, &value)?;
            }
        } else {
            each_item(headers, |item| {
                let (name, value) = pair(&item)?;
                add(&name, &value)
            })?;
        }
        Ok(RequestLines { lines })
    }

    /// The bytes of the first `Origin`, taken out.
    pub(crate) fn take_origin(&mut self) -> Option<Vec<u8>> {
        let i = self.lines.iter().position(|(name, _)| *name == 0)?;
        Some(self.lines.swap_remove(i).1)
    }
}

/// Calls `f` with each item of a list, a tuple, a mapping's `items()` or any other
/// iterable. Lists and tuples first: asking a list for `items` would cost an
/// `AttributeError` a call.
pub(crate) fn each_item<'py>(
    headers: &Bound<'py, PyAny>,
    mut f: impl FnMut(Bound<'py, PyAny>) -> PyResult<()>,
) -> PyResult<()> {
    if let Ok(list) = headers.cast::<PyList>() {
        for item in list.iter() {
            f(item)?;
        }
        return Ok(());
    }
    if let Ok(tuple) = headers.cast::<PyTuple>() {
        for item in tuple.iter() {
            f(item)?;
        }
        return Ok(());
    }
    let items = if headers.cast::<PyDict>().is_ok() || headers.hasattr("items")? {
        headers.call_method0("items")?
    } else {
        headers.clone()
    };
    for item in items.try_iter()? {
        f(item?)?;
    }
    Ok(())
}

/// The values of one request header.
pub(crate) struct Values<'a> {
    lines: std::slice::Iter<'a, (usize, Vec<u8>)>,
    index: Option<usize>,
}

impl<'a> Iterator for Values<'a> {
    type Item = &'a Vec<u8>;

    fn next(&mut self) -> Option<&'a Vec<u8>> {
        let index = self.index?;
        self.lines.find(|(i, _)| *i == index).map(|(_, v)| v)
    }
}

impl RequestHeaders for RequestLines {
    type Value = Vec<u8>;
    type Values<'a> = Values<'a>;

    fn get_all<'a>(&'a self, name: &HeaderName) -> Values<'a> {
        Values {
            lines: self.lines.iter(),
            index: READ.iter().position(|n| *n == name.as_str()),
        }
    }

    fn as_bytes(value: &Vec<u8>) -> &[u8] {
        value
    }
}

/// Whether corsair may read, replace or remove a response header: `Vary` and
/// `Access-Control-*`, in any case.
fn is_cors_response_header(name: &[u8]) -> bool {
    const PREFIX: &[u8] = b"access-control-";
    name.eq_ignore_ascii_case(b"vary")
        || name
            .get(..PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(PREFIX))
}

/// One line of a response's header list.
enum Line {
    /// A line corsair never touches (neither `Vary` nor `Access-Control-*`): the
    /// caller's own item, returned as it was.
    Kept(usize),
    /// A line corsair may read, replace or remove (`Vary`, `Access-Control-*`), while
    /// unchanged: lowercase name, value, and the caller's item.
    Cors {
        name: Vec<u8>,
        value: Vec<u8>,
        item: usize,
    },
    /// A line corsair wrote.
    Written(HeaderName, HeaderValue),
}

/// A response's header list, as [`corsair::CorsHeaders::apply_to`] writes it.
pub(crate) struct ResponseLines<'py> {
    items: Vec<Bound<'py, PyAny>>,
    lines: Vec<Line>,
    /// The items of the lines read as [`Line::Cors`], in order.
    cors_items: Vec<usize>,
}

impl<'py> ResponseLines<'py> {
    /// Reads an iterable of `(name, value)` pairs (or a mapping's items).
    pub(crate) fn read(headers: &Bound<'py, PyAny>) -> PyResult<Self> {
        let mut items = Vec::new();
        let mut lines = Vec::new();
        let mut cors_items = Vec::new();
        each_item(headers, |item| {
            let (name, value) = pair(&item)?;
            let name = header_bytes(&name)?;
            let line = if is_cors_response_header(&name) {
                cors_items.push(items.len());
                Line::Cors {
                    name: name.to_ascii_lowercase(),
                    value: header_bytes(&value)?.into_owned(),
                    item: items.len(),
                }
            } else {
                Line::Kept(items.len())
            };
            items.push(item);
            lines.push(line);
            Ok(())
        })?;
        Ok(ResponseLines {
            items,
            lines,
            cors_items,
        })
    }

    /// The caller's items that corsair replaced or removed.
    pub(crate) fn removed(&self) -> impl Iterator<Item = &Bound<'py, PyAny>> {
        let kept: Vec<usize> = self
            .lines
            .iter()
            .filter_map(|l| match l {
                Line::Cors { item, .. } => Some(*item),
                _ => None,
            })
            .collect();
        self.cors_items
            .iter()
            .filter(move |i| !kept.contains(i))
            .filter_map(|i| self.items.get(*i))
    }

    /// The lines corsair wrote.
    pub(crate) fn written(&self) -> impl Iterator<Item = (&HeaderName, &HeaderValue)> {
        self.lines.iter().filter_map(|l| match l {
            Line::Written(name, value) => Some((name, value)),
            _ => None,
        })
    }

    /// The new list: the caller's items where unchanged, corsair's lines as `bytes`
    /// (`raw`) or `str`.
    pub(crate) fn write(self, py: Python<'py>, raw: bool) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for line in &self.lines {
            match line {
                Line::Kept(i) | Line::Cors { item: i, .. } => {
                    if let Some(item) = self.items.get(*i) {
                        list.append(item)?;
                    }
                }
                Line::Written(name, value) => list.append(line_objects(py, name, value, raw)?)?,
            }
        }
        Ok(list)
    }

    fn is(line: &Line, name: &HeaderName) -> bool {
        match line {
            Line::Kept(_) => false,
            Line::Cors { name: n, .. } => n == name.as_str().as_bytes(),
            Line::Written(n, _) => n == name,
        }
    }
}

impl ResponseHeaders for ResponseLines<'_> {
    fn set(&mut self, name: HeaderName, value: HeaderValue) {
        match self.lines.iter().position(|l| Self::is(l, &name)) {
            Some(first) => {
                let mut i = 0;
                self.lines.retain(|l| {
                    let keep = i <= first || !Self::is(l, &name);
                    i += 1;
                    keep
                });
                if let Some(line) = self.lines.get_mut(first) {
                    *line = Line::Written(name, value);
                }
            }
            None => self.lines.push(Line::Written(name, value)),
        }
    }

    fn remove(&mut self, name: &HeaderName) {
        self.lines.retain(|l| !Self::is(l, name));
    }

    fn for_each_value(&self, name: &HeaderName, f: &mut dyn FnMut(&[u8])) {
        for line in &self.lines {
            match line {
                Line::Cors { name: n, value, .. } if n == name.as_str().as_bytes() => f(value),
                Line::Written(n, value) if n == name => f(value.as_bytes()),
                _ => {}
            }
        }
    }

    fn may_have_access_control_headers(&self) -> bool {
        self.lines.iter().any(|l| match l {
            Line::Kept(_) => false,
            Line::Cors { name, .. } => name.starts_with(b"access-control-"),
            Line::Written(n, _) => n.as_str().starts_with("access-control-"),
        })
    }
}
