//! Configuration: defaults, then `xiezhi.toml`, then `XIEZHI__…` environment variables, then
//! command-line flags.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use xiezhi_core::MakeUpDayPolicy;

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Folder for the embedded database and other files.
    pub data: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite.
    pub database: Option<String>,
    pub listen: String,
    pub demo: bool,
    pub seed: u64,
    pub secure_cookies: bool,
    pub session_hours: i64,
    /// `text` or `json`.
    pub log_format: String,
    /// `working_day` (default, rule D7) or `rest_day`.
    pub make_up_days: MakeUpDayPolicy,
    /// The audit log's origin line, also its key's name.
    pub audit_origin: String,
    /// The checkpoint signing key (hex seed); default `DATA/audit-key`, created on first start.
    /// Servers sharing one PostgreSQL must share it.
    pub audit_key_file: Option<PathBuf>,
    pub checkpoint_seconds: u64,
    /// How long a webhook worker holds the deliveries it claimed before another may send them.
    pub webhook_lease_seconds: u64,
}

impl Config {
    pub fn audit_key_path(&self) -> PathBuf {
        self.audit_key_file.clone().unwrap_or_else(|| self.data.join("audit-key"))
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data: PathBuf::from("./xiezhi-data"),
            database: None,
            listen: "127.0.0.1:8080".into(),
            demo: false,
            seed: 2026,
            secure_cookies: false,
            session_hours: 12,
            log_format: "text".into(),
            make_up_days: MakeUpDayPolicy::WorkingDay,
            audit_origin: "xiezhi".into(),
            audit_key_file: None,
            checkpoint_seconds: 60,
            webhook_lease_seconds: 60,
        }
    }
}

/// Never prints the database password.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("data", &self.data)
            .field("database", &self.database.as_deref().map(xiezhi_store::redact_url))
            .field("listen", &self.listen)
            .field("demo", &self.demo)
            .field("seed", &self.seed)
            .field("secure_cookies", &self.secure_cookies)
            .field("session_hours", &self.session_hours)
            .field("log_format", &self.log_format)
            .field("make_up_days", &self.make_up_days)
            .field("audit_origin", &self.audit_origin)
            .field("audit_key_file", &self.audit_key_path())
            .field("checkpoint_seconds", &self.checkpoint_seconds)
            .field("webhook_lease_seconds", &self.webhook_lease_seconds)
            .finish()
    }
}

/// Flags given on the command line; only those present override.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demo: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

pub fn load(file: Option<&PathBuf>, flags: &Overrides) -> Result<Config, String> {
    let file = file.cloned().unwrap_or_else(|| PathBuf::from("xiezhi.toml"));
    Figment::from(Serialized::defaults(Config::default()))
        .merge(Toml::file(&file))
        .merge(Env::prefixed("XIEZHI__").split("__").lowercase(true))
        .merge(Serialized::defaults(flags))
        .extract()
        .map_err(|e| format!("configuration: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its own error type
    fn flags_beat_environment_beat_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("xiezhi.toml", "listen = \"127.0.0.1:1\"\nseed = 5\ndatabase = \"postgres://u:secret@h/db\"")?;
            jail.set_env("XIEZHI__LISTEN", "127.0.0.1:2");
            let c = load(None, &Overrides::default()).unwrap();
            assert_eq!((c.listen.as_str(), c.seed), ("127.0.0.1:2", 5));
            let c = load(None, &Overrides { listen: Some("127.0.0.1:3".into()), ..Default::default() }).unwrap();
            assert_eq!(c.listen, "127.0.0.1:3");
            let shown = format!("{c:?}");
            assert!(!shown.contains("secret") && shown.contains("***"), "{shown}");
            jail.set_env("XIEZHI__NO_SUCH", "1");
            assert!(load(None, &Overrides::default()).unwrap_err().contains("no_such"));
            Ok(())
        });
    }
}
