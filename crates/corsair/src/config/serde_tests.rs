//! The declared policy through serde formats other than TOML.

use super::*;

#[test]
fn json_works_through_serde_and_refuses_unknown_fields() {
    let config: Config = serde_json::from_str(
        r#"{"cors": {"allow_origins": ["https://a.example"], "max_age": 60},
            "routes": [{"path": "/x", "enabled": false}]}"#,
    )
    .unwrap();
    assert_eq!(config.cors.max_age, Some(60));
    assert_eq!(config.routes[0].policy.enabled, Some(false));
    assert!(config.build().is_ok());
    for bad in [
        r#"{"cors": {"allow_origin": []}}"#,
        r#"{"routes": [{"path": "/x", "allow_metods": []}]}"#,
        r#"{"server": {}}"#,
    ] {
        let err = serde_json::from_str::<Config>(bad).unwrap_err().to_string();
        assert!(err.contains("unknown field"), "{bad}: {err}");
    }
}
