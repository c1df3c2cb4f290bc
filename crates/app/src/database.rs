//! Finding and opening the database and the reference data, with the messages an
//! operator needs when something is wrong.

use anyhow::{Context, anyhow};
use awladna_crypto::Keyring;
use awladna_domain::clock::SystemClock;
use awladna_domain::reference::ReferenceFile;
use awladna_domain::{Clock, Reference};
use awladna_store::Store;
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Directory of the embedded SQLite database, created on first start.
    #[arg(long, default_value = "data", env = "AWLADNA_DATA_DIR")]
    pub data_dir: PathBuf,
    /// A database URL (postgres://user:password@host/db or sqlite://file.db); overrides --data-dir.
    #[arg(long, env = "AWLADNA_DATABASE_URL")]
    pub database_url: Option<String>,
    /// A directory of reference files (territories.csv, communes.csv, vocabularies/, forms/)
    /// to use instead of the set built into awladna.
    #[arg(long, env = "AWLADNA_REFERENCE_DIR")]
    pub reference_dir: Option<PathBuf>,
    /// The master key file (created on first start; keep a backup apart from the database).
    /// Default: master.key in the data directory.
    #[arg(long, env = "AWLADNA_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
}

pub struct Opened {
    pub store: Store,
    pub reference: Arc<Reference>,
    pub clock: Arc<dyn Clock>,
    pub keyring: Arc<Keyring>,
    /// The database had never been migrated before this start.
    pub first_start: bool,
    /// This start created the master key file, here.
    pub created_master_key: Option<PathBuf>,
    location: String,
}

impl Opened {
    pub fn describe(&self) -> String {
        describe(&self.store, &self.location)
    }

    /// The use cases' core over this database.
    pub fn core(&self) -> awladna_core::Core {
        awladna_core::Core::new(
            self.store.clone(),
            self.reference.clone(),
            self.clock.clone(),
            self.keyring.clone(),
        )
    }
}

pub fn describe(store: &Store, location: &str) -> String {
    format!("{} database {location}", store.backend().name())
}

/// Loads the reference data, opens the database, migrates it and loads the keys:
/// everything a command that works with the data needs.
pub async fn open(args: &DatabaseArgs) -> anyhow::Result<Opened> {
    let (store, reference, location) = connect(args).await?;
    let first_start = store.schema_status().await?.applied.is_none();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    store.migrate().await?;
    store
        .load_reference(&reference, clock.now().as_millisecond())
        .await
        .context("cannot load the reference data into the database")?;
    let keys = crate::keys::load_or_create(&store, args, clock.as_ref()).await?;
    // What earlier commands left waiting is chained now, not only when a server runs.
    match store
        .seal_audit(&keys.keyring, clock.now().as_millisecond())
        .await
    {
        Ok(_) => {}
        Err(awladna_store::StoreError::AuditHead(problem)) => tracing::error!(
            %problem,
            "the audit log's head was changed outside Awladna; run `awladna audit verify`"
        ),
        Err(e) => return Err(e.into()),
    }
    Ok(Opened {
        store,
        reference,
        clock,
        keyring: Arc::new(keys.keyring),
        first_start,
        created_master_key: keys.created_master_key,
        location,
    })
}

/// Loads the reference data and connects, changing nothing (for `check-config`).
pub async fn connect(args: &DatabaseArgs) -> anyhow::Result<(Store, Arc<Reference>, String)> {
    let reference = Arc::new(load_reference(args.reference_dir.as_deref())?);
    let (url, location) = database_url(args)?;
    let store = Store::connect(&url)
        .await
        .with_context(|| format!("cannot open the {location} database"))?;
    Ok((store, reference, location))
}

pub fn load_reference(dir: Option<&Path>) -> anyhow::Result<Reference> {
    let files = match dir {
        None => Reference::embedded_files(),
        Some(dir) => read_reference_dir(dir)?,
    };
    let remedy = match dir {
        Some(_) => {
            "fix that file, or remove --reference-dir (AWLADNA_REFERENCE_DIR) to use the reference data built into awladna"
        }
        None => {
            "this binary was built with a broken reference set; rebuild it from a released version"
        }
    };
    let reference = Reference::from_files(files)
        .map_err(|e| anyhow!("the reference data is not usable: {e}; {remedy}"))?;
    // The unified protocol names codes of the vocabularies: an edited reference set that
    // drops one would break the case pages, so it is refused at start (issue 15 §4).
    awladna_domain::protocol::Protocols::shipped(&reference).map_err(|e| {
        anyhow!("the unified protocol does not fit the reference data: {e}; {remedy}")
    })?;
    Ok(reference)
}

fn read_reference_dir(dir: &Path) -> anyhow::Result<Vec<ReferenceFile>> {
    if !dir.is_dir() {
        return Err(anyhow!(
            "the reference directory {} does not exist; check --reference-dir",
            dir.display()
        ));
    }
    let mut files = Vec::new();
    for name in ["territories.csv", "communes.csv"] {
        let path = dir.join(name);
        if path.exists() {
            files.push(read_file(&path, name.to_owned())?);
        }
    }
    for sub in [
        "vocabularies",
        "forms",
        "scoring",
        "referrals",
        "retention",
        "reports",
        // Issue 17: the Observatory's mapping (the built-in one when absent).
        "observatory",
    ] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if file_name.ends_with(".toml") {
                files.push(read_file(&entry.path(), format!("{sub}/{file_name}"))?);
            }
        }
    }
    Ok(files)
}

fn read_file(path: &Path, name: String) -> anyhow::Result<ReferenceFile> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read the reference file {} (it must be UTF-8 text)",
            path.display()
        )
    })?;
    Ok(ReferenceFile { name, text })
}

/// The embedded SQLite file, when no database URL is given.
pub fn sqlite_file(args: &DatabaseArgs) -> Option<PathBuf> {
    args.database_url
        .is_none()
        .then(|| args.data_dir.join("awladna.db"))
}

/// The SQLite file a `sqlite:` URL names (None for another database or an in-memory one).
pub fn sqlite_url_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// The SQLite database file of these options, from the data directory or a `sqlite:` URL.
pub fn any_sqlite_file(args: &DatabaseArgs) -> Option<PathBuf> {
    sqlite_file(args).or_else(|| args.database_url.as_deref().and_then(sqlite_url_file))
}

/// The database URL, and how to name the database in messages (without a password).
fn database_url(args: &DatabaseArgs) -> anyhow::Result<(String, String)> {
    let Some(file) = sqlite_file(args) else {
        let url = args.database_url.clone().unwrap_or_default();
        if let Some(file) = sqlite_url_file(&url) {
            crate::private_files::secure_database_file(&file, url.contains("mode=rwc"))?;
        }
        let location = redact(&url);
        return Ok((url, location));
    };
    crate::private_files::secure_data_dir(&args.data_dir, &file)?;
    let path = file.to_str().ok_or_else(|| {
        anyhow!("the data directory path must be valid UTF-8; choose another with --data-dir")
    })?;
    Ok((format!("sqlite://{path}?mode=rwc"), path.to_owned()))
}

/// Hides the password of a URL such as postgres://user:secret@host/db.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            let path = path.split('?').next().unwrap_or_default();
            format!("{scheme}://{user}{hidden}@{host}{path}")
        }
        None => format!(
            "{scheme}://{authority}{}",
            path.split('?').next().unwrap_or_default()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::{redact, sqlite_url_file};
    use std::path::PathBuf;

    #[test]
    fn a_sqlite_url_names_its_file() {
        assert_eq!(
            sqlite_url_file("sqlite://data/x.db?mode=rwc"),
            Some(PathBuf::from("data/x.db"))
        );
        assert_eq!(sqlite_url_file("sqlite:x.db"), Some(PathBuf::from("x.db")));
        assert_eq!(sqlite_url_file("sqlite::memory:"), None);
        assert_eq!(sqlite_url_file("postgres://h/db"), None);
    }

    #[test]
    fn passwords_never_reach_a_message() {
        assert_eq!(
            redact("postgres://awladna:s3cr@t@db.local:5432/awladna?sslmode=require"),
            "postgres://awladna:***@db.local:5432/awladna"
        );
        assert_eq!(
            redact("postgres://127.0.0.1/test"),
            "postgres://127.0.0.1/test"
        );
        assert_eq!(
            redact("sqlite://data/awladna.db?mode=rwc"),
            "sqlite://data/awladna.db"
        );
    }
}
