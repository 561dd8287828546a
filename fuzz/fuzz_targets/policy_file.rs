//! Policy files: reading any text and checking the policy never panics; a file that
//! reads cleanly either builds or says why.
#![no_main]

use corsair::{Config, Severity};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let config = match Config::from_toml_str(text) {
        Ok(config) => config,
        Err(error) => {
            assert!(
                error
                    .diagnostics()
                    .iter()
                    .all(|d| !d.code().as_str().is_empty())
            );
            assert!(error.errors().next().is_some());
            return;
        }
    };
    match config.build() {
        Ok(policy) => assert!(
            policy
                .warnings()
                .iter()
                .all(|d| d.severity() == Severity::Warning)
        ),
        Err(error) => assert!(error.errors().next().is_some()),
    }
});
