//! The strict `Origin` parser: never panics, and what it accepts it splits faithfully.
#![no_main]

use corsair::OriginRef;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(origin) = OriginRef::parse(text) {
        assert_eq!(origin.as_str(), text);
        let port = origin.port().map(|p| format!(":{p}")).unwrap_or_default();
        assert_eq!(
            format!("{}://{}{port}", origin.scheme(), origin.host()),
            text
        );
        assert!(text.bytes().all(|b| b.is_ascii_graphic()));
        assert!(!text.bytes().any(|b| b.is_ascii_uppercase()));
        assert_ne!(origin.port(), Some(0));
    }
});
