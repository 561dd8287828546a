//! # corsair: CORS done right
//!
//! corsair answers Cross-Origin Resource Sharing exactly as the WHATWG Fetch Standard
//! says, from a policy that is declared once and checked up front.
//!
//! - **Validated policies.** [`Policy::builder`] (or a TOML file read with
//!   [`Config::from_toml_str`]) reports every mistake at once, each with a stable
//!   [`Code`] and a fix: non-canonical origins, `*` with credentials, `null`, plain-http
//!   origins with credentials, wildcards over public suffixes, forbidden methods and
//!   headers, ... Nothing panics, at build time or at request time.
//! - **Spec-exact answers.** Preflights are `OPTIONS` with `Origin` and
//!   `Access-Control-Request-Method`, and only those: every other `OPTIONS` reaches your
//!   application. Methods compare case-sensitively, header names case-insensitively;
//!   `*` never covers `authorization`; a rejected origin gets no `Access-Control-*`
//!   header at all; `Vary` is always right and merged with yours.
//! - **Fast.** Origin matching costs the same for one origin or ten thousand; the
//!   request-headers check costs what the policy dictates, not what an attacker sends;
//!   deciding allocates nothing.
//! - **Every decision has a reason** ([`Reason`]), emitted as a `tracing` event at debug
//!   level (target `corsair`).
//! - **Reconfigurable**: a [`PolicyHandle`] swaps the policy atomically; an invalid one is
//!   refused whole.
//!
//! ## Example: axum
//!
//! ```
//! use axum::{Router, routing::get};
//! use corsair::{CorsLayer, Policy};
//!
//! # fn main() -> Result<(), corsair::ConfigError> {
//! let policy = Policy::builder()
//!     .allow_origins(["https://app.example.com", "https://*.example.com", "http://localhost:*"])
//!     .allow_methods(["GET", "POST", "PUT", "DELETE"])
//!     .allow_headers(["content-type", "authorization"])
//!     .expose_headers(["x-request-id"])
//!     .allow_credentials(true)
//!     .max_age(600)
//!     .build()?;
//!
//! let app: Router = Router::new()
//!     .route("/api/items", get(|| async { "[]" }))
//!     .layer(CorsLayer::new(policy));
//! # let _ = app;
//! # Ok(())
//! # }
//! ```
//!
//! The same policy as a file, read with [`Config::from_toml_str`]:
//!
//! ```
//! # #[cfg(feature = "toml")] {
//! let config = corsair::Config::from_toml_str(r#"
//!     [cors]
//!     allow_origins = ["https://app.example.com", "https://*.example.com", "http://localhost:*"]
//!     allow_methods = ["GET", "POST", "PUT", "DELETE"]
//!     allow_headers = ["content-type", "authorization"]
//!     expose_headers = ["x-request-id"]
//!     allow_credentials = true
//!     max_age = 600
//!
//!     [[routes]]
//!     path = "/public"
//!     allow_origins = ["*"]
//!     allow_credentials = false
//! "#)?;
//! let policy = config.build()?;
//! # let _ = policy;
//! # }
//! # Ok::<(), corsair::ConfigError>(())
//! ```
//!
//! ## Using the engine directly
//!
//! Other frameworks call [`Policy::decide`] and act on the [`Decision`]: answer at once
//! ([`Action::Respond`]) or forward to the application and then apply
//! [`CorsHeaders::apply_to`] to its response.
//!
//! ```
//! use corsair::{Action};
//! use http::{HeaderMap, Method};
//!
//! let policy = corsair::Policy::builder().allow_origins(["https://app.example.com"]).allow_methods(["PUT"]).build()?;
//! let mut request = HeaderMap::new();
//! request.insert("origin", "https://app.example.com".parse()?);
//! request.insert("access-control-request-method", "PUT".parse()?);
//! let decision = policy.decide(&Method::OPTIONS, "/items/7", &request);
//! assert_eq!(decision.action(), Action::Respond(http::StatusCode::NO_CONTENT));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `tower` | yes | [`CorsLayer`] for axum, hyper and tonic |
//! | `toml` | yes | [`Config::from_toml_str`] (implies `serde`) |
//! | `serde` | no | `Deserialize` for [`Config`] (JSON and other formats) |
//! | `regex` | no | `allow_origin_regexes`: anchored, linear-time regexes |
//! | `actix` | no | [`actix::Cors`], middleware for actix-web |
//!
//! What a browser does with corsair's answers (when it preflights, how it judges them,
//! what it caches) is modelled in a crate of its own, `corsair-browser`. The Fetch
//! Standard's grammar and name lists that both share are in [`fetch`].
//!
//! ## CORS is not access control
//!
//! CORS decides which *browser scripts* may read responses. It does not stop requests:
//! a simple `GET` or form `POST` from any site still reaches your application (only its
//! response is hidden), and non-browser clients send whatever `Origin` they like. Keep
//! authentication and CSRF protection in your application.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "actix")]
pub mod actix;
mod answer;
mod config;
mod decision;
mod error;
pub mod fetch;
mod handle;
mod headers;
mod method;
mod origin;
mod policy;
#[cfg(feature = "tower")]
mod preflight_map;
mod preset;
mod request;
mod response;
mod rules;
#[cfg(feature = "tower")]
mod tower;
#[cfg(feature = "tower")]
pub mod tower_async;
mod validate;
mod vary;

pub use config::{Config, PolicyConfig, RouteConfig};
pub use decision::{
    ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK, ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK, Action,
    CorsHeaders, Decision, Reason, RequestKind,
};
pub use error::{Code, ConfigError, Diagnostic, Severity};
pub use handle::PolicyHandle;
pub use origin::OriginRef;
pub use policy::{MAX_AGE_CHROMIUM_CAP, MAX_AGE_LIMIT, Policy, Scope};
pub use preset::{Preset, UnknownPreset};
pub use request::RequestHeaders;
pub use response::ResponseHeaders;
#[cfg(feature = "tower")]
pub use tower::{Cors, CorsLayer, ResponseFuture};
#[cfg(feature = "tower")]
pub use tower_async::{AsyncCors, AsyncCorsLayer, AsyncResponseFuture};
pub use vary::Vary;
