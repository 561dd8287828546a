//! Browser profiles: which browser's behaviour the model reproduces where browsers and
//! the Fetch Standard's text disagree.

use std::fmt;
use std::str::FromStr;

use super::cache::CacheProfile;

/// Whose behaviour the model follows where real browsers and the Fetch Standard's text
/// differ. [`Profile::Chromium`], the default, is what Chromium does, as measured by the
/// real-browser suite; [`Profile::Spec`] is the Fetch Standard's text.
///
/// | topic | `Chromium` | `Spec` |
/// |---|---|---|
/// | `Authorization` under `Access-Control-Allow-Headers: *` | covered (Firefox and Safari agree) | never covered: it must be listed |
/// | the header a refused preflight names, `Authorization` and others refused | the others' first (sorted), `Authorization` last | `Authorization` first |
/// | client hints (`DPR`, `Device-Memory`, `Save-Data`, `Width`, `Viewport-Width`, `Downlink`, `ECT`, `RTT`, `Intervention`) | safelisted, each with its value rule ([`Profile::is_safelisted_request_header`]) | not safelisted: a preflight |
/// | a header set twice (`Headers.append`) | values joined with `", "` before the safelist check | each value checked alone |
/// | `Range` numbers of `i64::MAX` (9223372036854775807) or more | a preflight | safelisted |
/// | an empty `Location` on a redirect status | not followed: the 3xx is the response | resolved against the URL and followed |
/// | two identical `Location` values | followed | a network error |
/// | negative `Access-Control-Max-Age` | not cached | cached 5 s |
/// | preflight cache | [`CacheProfile::Chromium`] | [`CacheProfile::Spec`] |
///
/// A [`ScriptRequest`](super::ScriptRequest) carries its profile
/// ([`ScriptRequest::with_profile`](super::ScriptRequest::with_profile)); a
/// [`PreflightCache`](super::PreflightCache) has its own lifetimes: give it
/// [`Profile::cache_profile`] to match. The enum is `non_exhaustive`: other browsers may
/// join.
///
/// ```
/// use corsair_browser::{Profile, ScriptRequest, needs_preflight};
/// let request = ScriptRequest::new("https://app.example", http::Method::GET,
///         http::Uri::from_static("https://api.example/"))?
///     .header("Save-Data", "on")?;
/// assert!(!needs_preflight(&request)); // Chromium, the default
/// assert!(needs_preflight(&request.with_profile(Profile::Spec)));
/// assert_eq!("spec".parse::<Profile>(), Ok(Profile::Spec));
/// # Ok::<(), corsair_browser::Blocked>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// What Chromium does, as measured.
    #[default]
    Chromium,
    /// The Fetch Standard's text.
    Spec,
}

impl Profile {
    /// Every profile, the default first.
    ///
    /// ```
    /// assert_eq!(corsair_browser::Profile::ALL.len(), 2);
    /// ```
    pub const ALL: [Profile; 2] = [Profile::Chromium, Profile::Spec];

    /// `chromium` or `spec`.
    ///
    /// ```
    /// assert_eq!(corsair_browser::Profile::Spec.as_str(), "spec");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Profile::Chromium => "chromium",
            Profile::Spec => "spec",
        }
    }

    /// How the name reads in a sentence: `Chromium` or `the Fetch Standard`.
    ///
    /// ```
    /// assert_eq!(corsair_browser::Profile::Spec.display_name(), "the Fetch Standard");
    /// ```
    pub const fn display_name(self) -> &'static str {
        match self {
            Profile::Chromium => "Chromium",
            Profile::Spec => "the Fetch Standard",
        }
    }

    /// The preflight cache lifetimes of this profile.
    ///
    /// ```
    /// use corsair_browser::{CacheProfile, Profile};
    /// assert_eq!(Profile::Chromium.cache_profile(), CacheProfile::Chromium);
    /// ```
    pub const fn cache_profile(self) -> CacheProfile {
        match self {
            Profile::Chromium => CacheProfile::Chromium,
            Profile::Spec => CacheProfile::Spec,
        }
    }

    /// Whether `Access-Control-Allow-Headers: *` covers `Authorization` (without
    /// credentials).
    ///
    /// ```
    /// assert!(corsair_browser::Profile::Chromium.wildcard_covers_authorization());
    /// assert!(!corsair_browser::Profile::Spec.wildcard_covers_authorization());
    /// ```
    pub const fn wildcard_covers_authorization(self) -> bool {
        matches!(self, Profile::Chromium)
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Profile`] name.
///
/// ```
/// let error = "netscape".parse::<corsair_browser::Profile>().unwrap_err();
/// assert_eq!(error.to_string(), "unknown browser profile `netscape` (expected chromium or spec)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownProfile(String);

impl fmt::Display for UnknownProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown browser profile `{}` (expected chromium or spec)",
            self.0
        )
    }
}

impl std::error::Error for UnknownProfile {}

impl FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Profile, UnknownProfile> {
        Profile::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownProfile(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};

    use super::Profile::{Chromium, Spec};
    use super::*;
    use crate::{
        Blocked, PreflightCache, ScriptRequest, follow_redirect, judge_preflight, needs_preflight,
    };

    fn get(profile: Profile) -> ScriptRequest {
        ScriptRequest::new(
            "https://app.example",
            Method::GET,
            Uri::from_static("https://api.example/x"),
        )
        .unwrap()
        .with_profile(profile)
    }

    fn answer(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn authorization_under_a_wildcard() {
        let headers = answer(&[
            ("access-control-allow-origin", "*"),
            ("access-control-allow-headers", "*"),
        ]);
        let request = |p| get(p).header("Authorization", "Bearer x").unwrap();
        assert!(judge_preflight(&request(Chromium), StatusCode::OK, &headers).is_ok());
        assert_eq!(
            judge_preflight(&request(Spec), StatusCode::OK, &headers),
            Err(Blocked::HeaderNotAllowed("authorization".into()))
        );
        // With credentials `*` is a name, in every profile.
        let credentialed = request(Chromium).with_credentials(crate::Credentials::Include);
        let headers = answer(&[
            ("access-control-allow-origin", "https://app.example"),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-headers", "*"),
        ]);
        assert!(judge_preflight(&credentialed, StatusCode::OK, &headers).is_err());
    }

    #[test]
    fn chromium_names_authorization_last() {
        // With credentials `*` is a literal name: nothing is covered.
        let headers = answer(&[
            ("access-control-allow-origin", "https://app.example"),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-headers", "*"),
        ]);
        let request = |p| {
            get(p)
                .with_credentials(crate::Credentials::Include)
                .header("authorization", "Bearer t")
                .unwrap()
                .header("x-zed", "1")
                .unwrap()
                .header("x-custom", "1")
                .unwrap()
        };
        assert_eq!(
            judge_preflight(&request(Chromium), StatusCode::OK, &headers),
            Err(Blocked::HeaderNotAllowed("x-custom".into()))
        );
        assert_eq!(
            judge_preflight(&request(Spec), StatusCode::OK, &headers),
            Err(Blocked::HeaderNotAllowed("authorization".into()))
        );
        let only_authorization = get(Chromium)
            .with_credentials(crate::Credentials::Include)
            .header("authorization", "Bearer t")
            .unwrap();
        assert_eq!(
            judge_preflight(&only_authorization, StatusCode::OK, &headers),
            Err(Blocked::HeaderNotAllowed("authorization".into()))
        );
    }

    #[test]
    fn the_cache_follows_the_profile_for_authorization_under_a_wildcard() {
        let headers = answer(&[
            ("access-control-allow-origin", "*"),
            ("access-control-allow-headers", "*"),
            ("access-control-max-age", "60"),
        ]);
        let x = get(Chromium).header("x-a", "1").unwrap();
        let grant = judge_preflight(&x, StatusCode::OK, &headers).unwrap();
        for profile in Profile::ALL {
            let mut cache = PreflightCache::new(profile.cache_profile());
            cache.store(&x.clone().with_profile(profile), &grant, Duration::ZERO);
            let auth = get(profile).header("authorization", "b").unwrap();
            assert_eq!(
                cache.covers(&auth, Duration::ZERO),
                profile == Chromium,
                "{profile}"
            );
        }
    }

    #[test]
    fn client_hints() {
        let safe = |name: &str, value: &str| {
            Chromium.is_safelisted_request_header(name.as_bytes(), value.as_bytes())
        };
        for (name, value) in [
            ("DPR", "2"),
            ("dpr", "1.5"),
            ("Device-Memory", "0.25"),
            ("width", "1200"),
            ("Viewport-Width", "0"),
            ("Save-Data", "on"),
            ("save-data", "On"),
            ("Downlink", "10"),
            ("downlink", "1.5"),
            ("ECT", "4g"),
            ("ect", "slow-2g"),
            ("RTT", "50"),
            ("intervention", "x"),
            ("Intervention", "<https://example>; level=warning"),
        ] {
            assert!(safe(name, value), "{name}: {value}");
            assert!(
                !Spec.is_safelisted_request_header(name.as_bytes(), value.as_bytes()),
                "{name}"
            );
        }
        for (name, value) in [
            ("dpr", ""),
            ("dpr", "2."),
            ("dpr", ".5"),
            ("dpr", "1.2.3"),
            ("dpr", "-1"),
            ("device-memory", "1e3"),
            ("width", "1.5"),
            ("width", ""),
            ("viewport-width", " 5"),
            ("save-data", "off"),
            ("save-data", "on "),
            ("rtt", "anything"),
            ("rtt", "1.5"),
            ("downlink", "abc"),
            ("ect", "4G"),
            ("ect", "5g"),
        ] {
            assert!(!safe(name, value), "{name}: {value:?}");
        }
        let long = "1".repeat(129);
        assert!(!safe("rtt", &long));
        assert!(!safe("width", &long));
        let request = get(Chromium).header("Save-Data", "on").unwrap();
        assert!(!needs_preflight(&request));
        assert!(needs_preflight(&request.with_profile(Spec)));
    }

    #[test]
    fn the_same_name_twice_is_joined_in_chromium() {
        let a = "a".repeat(100);
        let request = |p| {
            get(p)
                .header("Accept", &a)
                .unwrap()
                .header("Accept", &a)
                .unwrap()
        };
        assert!(needs_preflight(&request(Chromium)));
        assert!(!needs_preflight(&request(Spec)));
        // Joined short values stay safelisted; a joined value can also become unsafe.
        let short = get(Chromium)
            .header("accept", "a")
            .unwrap()
            .header("accept", "b")
            .unwrap();
        assert!(!needs_preflight(&short));
        let ranges = |p| {
            get(p)
                .header("range", "bytes=0-")
                .unwrap()
                .header("range", "bytes=0-")
                .unwrap()
        };
        assert!(needs_preflight(&ranges(Chromium)));
        assert!(!needs_preflight(&ranges(Spec)));
    }

    #[test]
    fn ranges() {
        for profile in Profile::ALL {
            let safe = |v: &str| profile.is_safelisted_request_header(b"range", v.as_bytes());
            assert!(safe("bytes=0-"), "{profile}");
            assert!(safe("bytes=5-10"), "{profile}");
            assert!(!safe("BYTES=0-"), "{profile}");
            assert!(!safe("Bytes=0-"), "{profile}");
            assert!(!safe("bytes=-5"), "{profile}");
            assert!(safe("bytes=9223372036854775806-"), "{profile}");
            assert!(safe("bytes=0-09223372036854775806"), "{profile}");
        }
        for value in [
            "bytes=9223372036854775807-",
            "bytes=0-9223372036854775807",
            "bytes=9223372036854775808-",
            "bytes=18446744073709551615-",
            "bytes=18446744073709551616-",
            "bytes=0-99999999999999999999",
        ] {
            assert!(!Chromium.is_safelisted_request_header(b"range", value.as_bytes()));
            assert!(Spec.is_safelisted_request_header(b"range", value.as_bytes()));
        }
    }

    #[test]
    fn redirect_locations() {
        let redirect = |pairs: &[(&'static str, &'static str)]| {
            let mut all = vec![("access-control-allow-origin", "*")];
            all.extend_from_slice(pairs);
            answer(&all)
        };
        let empty = redirect(&[("location", "")]);
        assert_eq!(
            follow_redirect(&get(Chromium), StatusCode::FOUND, &empty),
            Ok(None)
        );
        let next = follow_redirect(&get(Spec), StatusCode::FOUND, &empty)
            .unwrap()
            .unwrap();
        assert_eq!(next.url(), "https://api.example/x");

        let twice = redirect(&[("location", "/y"), ("location", "/y")]);
        let next = follow_redirect(&get(Chromium), StatusCode::FOUND, &twice)
            .unwrap()
            .unwrap();
        assert_eq!(next.url(), "https://api.example/y");
        assert!(matches!(
            follow_redirect(&get(Spec), StatusCode::FOUND, &twice),
            Err(Blocked::InvalidRedirectLocation(_))
        ));

        let different = redirect(&[("location", "/y"), ("location", "/z")]);
        for profile in Profile::ALL {
            assert!(matches!(
                follow_redirect(&get(profile), StatusCode::FOUND, &different),
                Err(Blocked::InvalidRedirectLocation(_))
            ));
        }
        // An empty value beside a real one: Chromium follows the real one.
        let mixed = redirect(&[("location", ""), ("location", "/y")]);
        let next = follow_redirect(&get(Chromium), StatusCode::FOUND, &mixed)
            .unwrap()
            .unwrap();
        assert_eq!(next.url(), "https://api.example/y");
    }

    #[test]
    fn max_age_caching() {
        let put = |p: Profile| {
            ScriptRequest::new(
                "https://app.example",
                Method::PUT,
                Uri::from_static("https://api.example/x"),
            )
            .unwrap()
            .with_profile(p)
        };
        for (max_age, chromium_caches) in
            [("-1", false), ("abc", true), ("+10", true), ("10", true)]
        {
            let headers = answer(&[
                ("access-control-allow-origin", "*"),
                ("access-control-allow-methods", "PUT"),
                ("access-control-max-age", max_age),
            ]);
            for profile in Profile::ALL {
                let request = put(profile);
                let grant = judge_preflight(&request, StatusCode::OK, &headers).unwrap();
                let mut cache = PreflightCache::new(profile.cache_profile());
                cache.store(&request, &grant, Duration::ZERO);
                let expected = profile == Spec || chromium_caches;
                assert_eq!(
                    cache.covers(&request, Duration::from_secs(1)),
                    expected,
                    "{profile} {max_age}"
                );
            }
        }
    }

    #[test]
    fn names_parse() {
        for profile in Profile::ALL {
            assert_eq!(profile.as_str().parse::<Profile>(), Ok(profile));
            assert_eq!(profile.to_string(), profile.as_str());
        }
        assert_eq!("Chromium".parse::<Profile>(), Ok(Chromium));
        assert!("firefox".parse::<Profile>().is_err());
        assert_eq!(Profile::default(), Chromium);
    }
}
