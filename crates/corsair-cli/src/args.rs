//! The command-line arguments that several subcommands share: `-X` and `-H` (`explain`,
//! `check`; `-H` in `audit` too), `--timeout` and `--cacert` (`check`, `audit`), and the
//! parsers of their values.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use http::{HeaderName, HeaderValue, Method};

use crate::net::Client;

/// `-X METHOD` and `-H 'Name: value'`: the request `explain` reads and `check` sends (which
/// words their help for a script's request).
#[derive(Debug, Args)]
pub(crate) struct RequestArgs {
    /// The request method (case-sensitive, as browsers compare it)
    #[arg(
        short = 'X',
        long = "request",
        value_name = "METHOD",
        default_value = "GET",
        value_parser = parse_method
    )]
    pub(crate) method: Method,
    /// A request header, `Name: value`; repeat for several
    #[arg(
        short = 'H',
        long = "header",
        value_name = "NAME: VALUE",
        value_parser = parse_header
    )]
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

/// `--timeout` and `--cacert`: the options of the commands that send requests (`check`
/// and `audit`).
#[derive(Debug, Args)]
pub(crate) struct ClientArgs {
    /// The time each request may take, connecting included (10s, 1500ms, 2m)
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_timeout)]
    pub(crate) timeout: Duration,
    /// Also trust the CA certificates of this PEM file (for https servers with a private
    /// or self-signed certificate)
    #[arg(long, value_name = "FILE")]
    pub(crate) cacert: Option<PathBuf>,
}

impl ClientArgs {
    /// The client these options describe.
    pub(crate) fn client(&self) -> Result<Client, String> {
        Client::new(self.timeout, self.cacert.as_deref())
    }
}

/// Parses `-H 'Name: value'`: split at the first `:`, whitespace around the name and
/// the value trimmed. The value may be empty, and may hold non-ASCII bytes (a browser
/// never sends those in `Origin`, which is worth testing).
pub(crate) fn parse_header(input: &str) -> Result<(HeaderName, HeaderValue), String> {
    let Some((name, value)) = input.split_once(':') else {
        return Err("expected `Name: value`".to_owned());
    };
    let name = name.trim();
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("`{name}` is not a valid header name (expected `Name: value`)"))?;
    let value = value.trim_matches([' ', '\t']);
    let value = HeaderValue::from_bytes(value.as_bytes()).map_err(|_| {
        format!("the value of `{name}` is not a valid header value (control characters?)")
    })?;
    Ok((name, value))
}

/// Parses `-X METHOD`. Methods are case-sensitive: `patch` is not `PATCH`.
pub(crate) fn parse_method(input: &str) -> Result<Method, String> {
    Method::from_bytes(input.as_bytes()).map_err(|_| format!("`{input}` is not a valid method"))
}

/// Parses `--timeout`: `10`, `10s`, `1500ms` or `2m`; more than zero, at most an hour.
pub(crate) fn parse_timeout(input: &str) -> Result<Duration, String> {
    let text = input.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{input}` is not a duration (expected 10s, 1500ms or 2m)"))?;
    let duration = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        _ => {
            return Err(format!(
                "`{input}` is not a duration (expected 10s, 1500ms or 2m)"
            ));
        }
    };
    if duration.is_zero() || duration > Duration::from_secs(3600) {
        return Err(format!(
            "`{input}`: the timeout must be more than zero and at most an hour"
        ));
    }
    Ok(duration)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let (name, value) = parse_header("Origin: https://a.example \t").unwrap();
        assert_eq!(name, "origin");
        assert_eq!(value, "https://a.example");
        let (name, value) = parse_header("X-Empty:").unwrap();
        assert_eq!((name.as_str(), value.as_bytes()), ("x-empty", &b""[..]));
        // Split at the first colon: the value keeps its own.
        assert_eq!(
            parse_header("Origin: http://a:80").unwrap().1,
            "http://a:80"
        );
        assert!(parse_header("Origin").is_err());
        assert!(parse_header(": x").is_err());
        assert!(parse_header("Bad Name: x").is_err());
        assert!(parse_header("X: a\nb").is_err());
    }

    #[test]
    fn methods_keep_their_case() {
        assert_eq!(parse_method("patch").unwrap().as_str(), "patch");
        assert!(parse_method("").is_err());
        assert!(parse_method("G T").is_err());
    }

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout("10").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_timeout("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(
            parse_timeout("1500ms").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(parse_timeout("2m").unwrap(), Duration::from_secs(120));
        for bad in [
            "",
            "0",
            "0s",
            "s",
            "-1",
            "1h",
            "10 s",
            "99999999999999999999",
            "61m",
        ] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }
}
