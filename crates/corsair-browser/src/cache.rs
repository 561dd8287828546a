//! The CORS-preflight cache (Fetch `#cors-preflight-cache`), with the lifetimes of the
//! spec, Chromium, Firefox or WebKit. Time is whatever the caller says it is: a
//! [`Duration`] since a start of its choosing, so that tests never sleep.

use std::collections::HashMap;
use std::time::Duration;

use http::header::AUTHORIZATION;

use super::preflight::{MaxAge, PreflightGrant};
use super::request::ScriptRequest;
use super::safelist::is_cors_safelisted_method;

/// How long a browser keeps a preflight answer, given its `Access-Control-Max-Age`.
///
/// | profile | absent | invalid | negative | cap |
/// |---|---|---|---|---|
/// | `Spec` | 5 s | 5 s | 5 s | none |
/// | `Chromium` | 5 s | 5 s | 0 (not cached) | 7200 s |
/// | `Firefox` | 5 s | 0 (not cached) | 0 (not cached) | 86400 s |
/// | `WebKit` | 5 s | 5 s | 5 s | 600 s |
///
/// `0` is never cached anywhere.
///
/// ```
/// use std::time::Duration;
/// use corsair_browser::{CacheProfile, MaxAge};
/// assert_eq!(CacheProfile::Spec.lifetime(MaxAge::Seconds(86_400 * 7)), Duration::from_secs(86_400 * 7));
/// assert_eq!(CacheProfile::Chromium.lifetime(MaxAge::Seconds(86_400)), Duration::from_secs(7_200));
/// assert_eq!(CacheProfile::Chromium.lifetime(MaxAge::Negative), Duration::ZERO);
/// assert_eq!(CacheProfile::Spec.lifetime(MaxAge::Negative), Duration::from_secs(5));
/// assert_eq!(CacheProfile::Firefox.lifetime(MaxAge::Invalid), Duration::ZERO);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CacheProfile {
    /// The Fetch Standard: 5 s by default (for an absent or invalid max-age), no cap.
    #[default]
    Spec,
    /// Chromium (`services/network/cors/preflight_result.cc`): 5 s by default, at most
    /// two hours; a negative max-age means "do not cache" and an unparsable one (`abc`,
    /// `+10`) is cached (both measured by the real-browser suite; the model gives the
    /// latter the default 5 s). Chromium also keeps one
    /// answer per origin and URL (`preflight_cache.cc`): a new preflight's answer
    /// replaces everything cached for them, rather than adding entries.
    Chromium,
    /// Firefox (`nsCORSListenerProxy.cpp`): 5 s when absent or empty, at most a day;
    /// any value that is not all digits means "do not cache".
    Firefox,
    /// WebKit/Safari (`CrossOriginPreflightResultCache.cpp`): 5 s by default, at most
    /// ten minutes (its handling of invalid values is taken to be the spec's).
    WebKit,
}

impl CacheProfile {
    /// The longest lifetime this profile allows, in seconds (`None`: no cap).
    ///
    /// ```
    /// assert_eq!(corsair_browser::CacheProfile::Firefox.cap(), Some(86_400));
    /// ```
    pub const fn cap(self) -> Option<u64> {
        match self {
            CacheProfile::Spec => None,
            CacheProfile::Chromium => Some(7_200),
            CacheProfile::Firefox => Some(86_400),
            CacheProfile::WebKit => Some(600),
        }
    }

    /// Whether a passing preflight's answer replaces every entry for its origin and
    /// URL (Chromium), rather than adding or refreshing entries item by item (the spec).
    const fn replaces_per_url(self) -> bool {
        matches!(self, CacheProfile::Chromium)
    }

    /// How long an answer with this max-age is cached.
    ///
    /// ```
    /// use std::time::Duration;
    /// use corsair_browser::{CacheProfile, MaxAge};
    /// assert_eq!(CacheProfile::WebKit.lifetime(MaxAge::Absent), Duration::from_secs(5));
    /// assert_eq!(CacheProfile::WebKit.lifetime(MaxAge::Seconds(3_600)), Duration::from_secs(600));
    /// ```
    pub fn lifetime(self, max_age: MaxAge) -> Duration {
        const DEFAULT: u64 = 5;
        let seconds = match (self, max_age) {
            (_, MaxAge::Absent) => DEFAULT,
            (_, MaxAge::Seconds(s)) => s,
            (CacheProfile::Chromium, MaxAge::Negative) => 0,
            (CacheProfile::Firefox, MaxAge::Negative | MaxAge::Invalid) => 0,
            (_, MaxAge::Negative | MaxAge::Invalid) => DEFAULT,
        };
        Duration::from_secs(self.cap().map_or(seconds, |cap| seconds.min(cap)))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Item {
    Method(String),
    /// Lowercase.
    Header(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Entry {
    /// The byte-serialized origin: `null` after a tainting redirect is its own key.
    origin: String,
    url: String,
    credentials: bool,
    item: Item,
}

/// A browser's CORS-preflight cache: one entry per method and per header name a
/// preflight response listed, keyed by serialized origin (`null` included), URL and
/// credentials (Fetch `#concept-cache`).
///
/// - A credentialed entry also serves anonymous requests; an anonymous one never serves
///   a credentialed request.
/// - A `*` entry stands for every method, or every header name but `Authorization`,
///   only when it is not credentialed (as Chromium does; the spec's text would let a
///   credentialed `*` entry match too).
/// - Lifetimes follow the [`CacheProfile`].
///
/// - With [`CacheProfile::Chromium`], a preflight's answer replaces every entry for its
///   origin and URL, as Chromium keeps one answer per URL.
///
/// Not modelled: the network partition key (one cache per top-level site), Firefox
/// keeping credentialed and anonymous answers apart and its 100-entry limit.
///
/// ```
/// use std::time::Duration;
/// use corsair_browser::{judge_preflight, CacheProfile, PreflightCache, ScriptRequest};
///
/// let put = ScriptRequest::new("https://app.example", http::Method::PUT,
///     http::Uri::from_static("https://api.example/items"))?;
/// let mut response = http::HeaderMap::new();
/// response.insert("access-control-allow-origin", "https://app.example".parse()?);
/// response.insert("access-control-allow-methods", "PUT, DELETE".parse()?);
/// response.insert("access-control-max-age", "86400".parse()?);
/// let grant = judge_preflight(&put, http::StatusCode::NO_CONTENT, &response)?;
///
/// let mut cache = PreflightCache::new(CacheProfile::Chromium);
/// cache.store(&put, &grant, Duration::ZERO);
/// let two_hours = Duration::from_secs(7_200);
/// assert!(cache.covers(&put, two_hours - Duration::from_secs(1)));
/// assert!(!cache.covers(&put, two_hours)); // Chromium's cap
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct PreflightCache {
    profile: CacheProfile,
    /// Each entry with the time it expires (`None`: never, past `Duration::MAX`).
    entries: HashMap<Entry, Option<Duration>>,
}

impl PreflightCache {
    /// An empty cache with these lifetimes.
    ///
    /// ```
    /// let cache = corsair_browser::PreflightCache::new(corsair_browser::CacheProfile::Firefox);
    /// assert!(cache.is_empty());
    /// ```
    pub fn new(profile: CacheProfile) -> PreflightCache {
        PreflightCache {
            profile,
            entries: HashMap::new(),
        }
    }

    /// The lifetimes in use.
    ///
    /// ```
    /// assert_eq!(corsair_browser::PreflightCache::default().profile(),
    ///            corsair_browser::CacheProfile::Spec);
    /// ```
    pub fn profile(&self) -> CacheProfile {
        self.profile
    }

    /// The number of entries (one per method and per header name), expired ones
    /// included until [`PreflightCache::remove_expired`].
    ///
    /// ```
    /// assert_eq!(corsair_browser::PreflightCache::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no entry.
    ///
    /// ```
    /// assert!(corsair_browser::PreflightCache::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Records what a passing preflight granted for this request, at time `now`: an
    /// entry per method and per header name listed. A lifetime of zero records nothing
    /// and removes the entries it would have replaced. With [`CacheProfile::Chromium`]
    /// the grant first removes every entry for the request's origin and URL.
    ///
    /// ```
    /// use std::time::Duration;
    /// # use corsair_browser::{judge_preflight, PreflightCache, ScriptRequest};
    /// # let request = ScriptRequest::new("https://app.example", http::Method::GET,
    /// #     http::Uri::from_static("https://api.example/"))?.header("x-a", "1")?;
    /// # let mut response = http::HeaderMap::new();
    /// # response.insert("access-control-allow-origin", "*".parse()?);
    /// response.insert("access-control-allow-headers", "x-a, x-b".parse()?);
    /// let grant = judge_preflight(&request, http::StatusCode::OK, &response)?;
    /// let mut cache = PreflightCache::default();
    /// cache.store(&request, &grant, Duration::ZERO);
    /// assert_eq!(cache.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn store(&mut self, request: &ScriptRequest, grant: &PreflightGrant, now: Duration) {
        let lifetime = self.profile.lifetime(grant.max_age());
        let expires = now.checked_add(lifetime);
        if self.profile.replaces_per_url() {
            self.clear(request);
        }
        let items = grant
            .methods()
            .iter()
            .map(|m| Item::Method(m.clone()))
            .chain(
                grant
                    .header_names()
                    .iter()
                    .map(|h| Item::Header(h.to_ascii_lowercase())),
            );
        for item in items {
            let entry = Entry {
                origin: request.serialized_origin().to_owned(),
                url: request.url().to_string(),
                credentials: grant.credentials(),
                item,
            };
            if lifetime.is_zero() {
                self.entries.remove(&entry);
            } else {
                self.entries.insert(entry, expires);
            }
        }
    }

    /// Whether the cache spares this request its preflight at time `now`: a live entry
    /// matches the method (unless the method is safelisted and the use-CORS-preflight
    /// flag is unset), and one matches every CORS-unsafe header name.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use corsair_browser::{PreflightCache, ScriptRequest};
    /// let request = ScriptRequest::new("https://app.example", http::Method::DELETE,
    ///     http::Uri::from_static("https://api.example/"))?;
    /// assert!(!PreflightCache::default().covers(&request, Duration::ZERO));
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn covers(&self, request: &ScriptRequest, now: Duration) -> bool {
        let method = request.method();
        let method_ok = (is_cors_safelisted_method(method) && !request.use_cors_preflight())
            || self.matches(request, now, |item, credentials| match item {
                Item::Method(m) => m == method.as_str() || (m == "*" && !credentials),
                Item::Header(_) => false,
            });
        method_ok
            && request
                .profile()
                .unsafe_request_header_names(request.headers())
                .iter()
                .all(|name| {
                    let name = name.as_str();
                    self.matches(request, now, |item, credentials| match item {
                        Item::Header(h) => {
                            h == name
                                || (h == "*"
                                    && !credentials
                                    && (request.profile().wildcard_covers_authorization()
                                        || !name.eq_ignore_ascii_case(AUTHORIZATION.as_str())))
                        }
                        Item::Method(_) => false,
                    })
                })
    }

    /// Removes every entry for this request's serialized origin and URL, as a browser
    /// does when a fetch that needed a preflight fails ("clear cache entries").
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use corsair_browser::{judge_preflight, PreflightCache, ScriptRequest};
    /// # let request = ScriptRequest::new("https://app.example", http::Method::PUT,
    /// #     http::Uri::from_static("https://api.example/"))?;
    /// # let mut response = http::HeaderMap::new();
    /// # response.insert("access-control-allow-origin", "*".parse()?);
    /// # response.insert("access-control-allow-methods", "PUT".parse()?);
    /// # let grant = judge_preflight(&request, http::StatusCode::OK, &response)?;
    /// let mut cache = PreflightCache::default();
    /// cache.store(&request, &grant, Duration::ZERO);
    /// cache.clear(&request);
    /// assert!(cache.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clear(&mut self, request: &ScriptRequest) {
        let origin = request.serialized_origin();
        let url = request.url().to_string();
        self.entries
            .retain(|entry, _| entry.origin != origin || entry.url != url);
    }

    /// Forgets the entries whose max-age has passed at time `now`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use corsair_browser::{judge_preflight, PreflightCache, ScriptRequest};
    /// # let request = ScriptRequest::new("https://app.example", http::Method::PUT,
    /// #     http::Uri::from_static("https://api.example/"))?;
    /// # let mut response = http::HeaderMap::new();
    /// # response.insert("access-control-allow-origin", "*".parse()?);
    /// # response.insert("access-control-allow-methods", "PUT".parse()?);
    /// # let grant = judge_preflight(&request, http::StatusCode::OK, &response)?;
    /// let mut cache = PreflightCache::default();
    /// cache.store(&request, &grant, Duration::ZERO);
    /// cache.remove_expired(Duration::from_secs(5));
    /// assert!(cache.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove_expired(&mut self, now: Duration) {
        self.entries
            .retain(|_, expires| expires.is_none_or(|at| now < at));
    }

    /// Whether a live entry for the request's origin and URL, usable with its
    /// credentials mode, satisfies `wanted(item, entry_is_credentialed)`.
    fn matches(
        &self,
        request: &ScriptRequest,
        now: Duration,
        wanted: impl Fn(&Item, bool) -> bool,
    ) -> bool {
        let origin = request.serialized_origin();
        let url = request.url().to_string();
        let include = request.credentials().is_include();
        self.entries.iter().any(|(entry, expires)| {
            entry.origin == origin
                && entry.url == url
                && (entry.credentials || !include)
                && expires.is_none_or(|at| now < at)
                && wanted(&entry.item, entry.credentials)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Credentials, judge_preflight};
    use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};

    fn request(method: Method, credentials: Credentials) -> ScriptRequest {
        ScriptRequest::new(
            "https://app.example",
            method,
            Uri::from_static("https://api.example/r"),
        )
        .unwrap()
        .with_credentials(credentials)
    }

    fn grant(request: &ScriptRequest, pairs: &[(&'static str, &'static str)]) -> PreflightGrant {
        let mut headers = HeaderMap::new();
        if request.credentials().is_include() {
            headers.insert(
                "access-control-allow-origin",
                HeaderValue::from_static("https://app.example"),
            );
            headers.insert(
                "access-control-allow-credentials",
                HeaderValue::from_static("true"),
            );
        } else {
            headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        }
        for (n, v) in pairs {
            headers.append(*n, HeaderValue::from_static(v));
        }
        judge_preflight(request, StatusCode::NO_CONTENT, &headers).unwrap()
    }

    const T0: Duration = Duration::from_secs(1_000);

    fn secs(s: u64) -> Duration {
        T0 + Duration::from_secs(s)
    }

    #[test]
    fn entries_expire_after_max_age() {
        let put = request(Method::PUT, Credentials::Omit);
        let mut cache = PreflightCache::default();
        cache.store(
            &put,
            &grant(&put, &[("access-control-allow-methods", "PUT")]),
            T0,
        );
        assert!(cache.covers(&put, T0));
        assert!(cache.covers(&put, secs(4)));
        assert!(!cache.covers(&put, secs(5)));
        cache.store(
            &put,
            &grant(
                &put,
                &[
                    ("access-control-allow-methods", "PUT"),
                    ("access-control-max-age", "0"),
                ],
            ),
            T0,
        );
        assert!(cache.is_empty());
    }

    #[test]
    fn credentialed_entries_serve_anonymous_requests_not_the_reverse() {
        let anonymous = request(Method::PUT, Credentials::Omit);
        let credentialed = request(Method::PUT, Credentials::Include);
        let mut cache = PreflightCache::default();
        cache.store(
            &anonymous,
            &grant(&anonymous, &[("access-control-allow-methods", "PUT")]),
            T0,
        );
        assert!(cache.covers(&anonymous, T0));
        assert!(!cache.covers(&credentialed, T0));
        let mut cache = PreflightCache::default();
        cache.store(
            &credentialed,
            &grant(&credentialed, &[("access-control-allow-methods", "PUT")]),
            T0,
        );
        assert!(cache.covers(&anonymous, T0));
        assert!(cache.covers(&credentialed, T0));
        assert!(cache.covers(&request(Method::PUT, Credentials::SameOrigin), T0));
    }

    #[test]
    fn wildcards_only_without_credentials() {
        let custom = Method::from_bytes(b"CUSTOM").unwrap();
        let anonymous = request(Method::PUT, Credentials::Omit)
            .header("x-a", "1")
            .unwrap();
        let mut cache = PreflightCache::default();
        cache.store(
            &anonymous,
            &grant(
                &anonymous,
                &[
                    ("access-control-allow-methods", "*"),
                    ("access-control-allow-headers", "*"),
                ],
            ),
            T0,
        );
        assert!(cache.covers(&anonymous, T0));
        let other = request(custom.clone(), Credentials::Omit)
            .header("x-b", "1")
            .unwrap();
        assert!(cache.covers(&other, T0));
        let with_authorization = other.clone().header("authorization", "x").unwrap();
        // Chromium lets `*` cover `Authorization`; the spec does not.
        assert!(cache.covers(&with_authorization, T0));
        let with_authorization = with_authorization.with_profile(crate::Profile::Spec);
        assert!(!cache.covers(&with_authorization, T0));

        // Credentialed: `PUT, *` passes the method check for PUT, but the `*` entry is
        // literal afterwards.
        let credentialed = request(Method::PUT, Credentials::Include);
        let mut cache = PreflightCache::default();
        cache.store(
            &credentialed,
            &grant(&credentialed, &[("access-control-allow-methods", "PUT, *")]),
            T0,
        );
        assert!(cache.covers(&credentialed, T0));
        assert!(!cache.covers(&request(custom, Credentials::Include), T0));
        let star = request(Method::from_bytes(b"*").unwrap(), Credentials::Include);
        assert!(cache.covers(&star, T0));
    }

    #[test]
    fn safelisted_methods_need_no_entry_unless_flagged() {
        let get = request(Method::GET, Credentials::Omit)
            .header("x-a", "1")
            .unwrap();
        let mut cache = PreflightCache::default();
        cache.store(
            &get,
            &grant(&get, &[("access-control-allow-headers", "X-A")]),
            T0,
        );
        assert!(cache.covers(&get, T0));
        let flagged = get.clone().with_cors_preflight_flag(true);
        assert!(!cache.covers(&flagged, T0));
    }

    #[test]
    fn keys_are_origin_url_and_credentials() {
        let put = request(Method::PUT, Credentials::Omit);
        let mut cache = PreflightCache::default();
        cache.store(
            &put,
            &grant(&put, &[("access-control-allow-methods", "PUT")]),
            T0,
        );
        let elsewhere = ScriptRequest::new(
            "https://app.example",
            Method::PUT,
            Uri::from_static("https://api.example/r?x"),
        )
        .unwrap();
        assert!(!cache.covers(&elsewhere, T0));
        let other_origin = ScriptRequest::new(
            "https://other.example",
            Method::PUT,
            Uri::from_static("https://api.example/r"),
        )
        .unwrap();
        assert!(!cache.covers(&other_origin, T0));
        cache.clear(&elsewhere);
        assert_eq!(cache.len(), 1);
        cache.clear(&put);
        assert!(cache.is_empty());
    }

    #[test]
    fn chromium_keeps_one_answer_per_url() {
        // PUT, then DELETE, then PUT again: Chromium's DELETE answer replaced the PUT one
        // (a real Chromium sends the third preflight; see tests/browser).
        let put = request(Method::PUT, Credentials::Omit);
        let delete = request(Method::DELETE, Credentials::Omit);
        let mut spec = PreflightCache::new(CacheProfile::Spec);
        let mut chromium = PreflightCache::new(CacheProfile::Chromium);
        for cache in [&mut spec, &mut chromium] {
            cache.store(
                &put,
                &grant(&put, &[("access-control-allow-methods", "PUT")]),
                T0,
            );
            cache.store(
                &delete,
                &grant(&delete, &[("access-control-allow-methods", "DELETE")]),
                T0,
            );
            assert!(cache.covers(&delete, T0));
        }
        assert!(spec.covers(&put, T0));
        assert!(!chromium.covers(&put, T0));
        // An answer that is not cached (max-age 0) still replaces what was.
        chromium.store(
            &put,
            &grant(
                &put,
                &[
                    ("access-control-allow-methods", "PUT"),
                    ("access-control-max-age", "0"),
                ],
            ),
            T0,
        );
        assert!(chromium.is_empty());
    }

    #[test]
    fn profiles() {
        use CacheProfile::*;
        let s = Duration::from_secs;
        let cases = [
            (Spec, MaxAge::Absent, s(5)),
            (Spec, MaxAge::Invalid, s(5)),
            (Spec, MaxAge::Negative, s(5)),
            (Spec, MaxAge::Seconds(u64::MAX), s(u64::MAX)),
            (Chromium, MaxAge::Absent, s(5)),
            (Chromium, MaxAge::Invalid, s(5)),
            (Chromium, MaxAge::Negative, s(0)),
            (Chromium, MaxAge::Seconds(7_201), s(7_200)),
            (Chromium, MaxAge::Seconds(600), s(600)),
            (Firefox, MaxAge::Absent, s(5)),
            (Firefox, MaxAge::Invalid, s(0)),
            (Firefox, MaxAge::Negative, s(0)),
            (Firefox, MaxAge::Seconds(100_000), s(86_400)),
            (WebKit, MaxAge::Seconds(601), s(600)),
            (WebKit, MaxAge::Invalid, s(5)),
        ];
        for (profile, max_age, lifetime) in cases {
            assert_eq!(
                profile.lifetime(max_age),
                lifetime,
                "{profile:?} {max_age:?}"
            );
        }
        // A lifetime past the end of time never expires, and does not overflow.
        let put = request(Method::PUT, Credentials::Omit);
        let mut cache = PreflightCache::new(Spec);
        cache.store(
            &put,
            &grant(
                &put,
                &[
                    ("access-control-allow-methods", "PUT"),
                    ("access-control-max-age", "99999999999999999999"),
                ],
            ),
            Duration::MAX,
        );
        assert!(cache.covers(&put, Duration::MAX));
    }
}
