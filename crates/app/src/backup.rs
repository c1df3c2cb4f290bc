//! `awladna backup`, `backup verify` and `restore`: a consistent copy of the database in
//! one file with its manifest, checked without the master key, and put back only where no
//! database is.
//!
//! Copying `awladna.db` while the server runs misses what is still in its WAL file (the
//! newest writes); `backup` copies through SQLite instead. On PostgreSQL, `pg_dump` is the
//! tool, and `backup` says so.

mod format;
mod sqlite;

use crate::database::{DatabaseArgs, any_sqlite_file, redact};
use crate::private_files::{new_private_file, private_dir, tighten};
use anyhow::{Context, anyhow, bail};
use awladna_domain::Clock;
use awladna_domain::clock::SystemClock;
use clap::{Args, Subcommand};
use format::Manifest;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub command: Option<BackupCommand>,
    /// The backup file to write, e.g. /media/usb/awladna-2026-12-05.backup. It must not
    /// exist yet: a backup never overwrites another.
    #[arg(long, required = true)]
    pub to: Option<PathBuf>,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Check a backup file without the master key: its checksum, SQLite's integrity check,
    /// and the rows of every table against its manifest.
    Verify {
        /// The backup file.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file, as written by `awladna backup`.
    #[arg(long)]
    pub from: PathBuf,
    /// The data directory to restore into. It must hold no database yet: restore never
    /// overwrites one.
    #[arg(long)]
    pub data_dir: PathBuf,
    /// The master key file the restored server will use (only checked for presence).
    /// Default: master.key in the data directory.
    #[arg(long, env = "AWLADNA_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
}

pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    match (args.command, args.to) {
        (Some(BackupCommand::Verify { file }), _) => {
            let manifest = verify(&file).await?;
            println!(
                "The backup {} is sound: taken at {} by awladna {}, schema version {}, {} rows in {} tables; checksum and SQLite's integrity check pass.",
                file.display(),
                manifest.taken_at,
                manifest.awladna_version,
                manifest.schema_version,
                manifest.rows(),
                manifest.tables.len()
            );
            Ok(())
        }
        (None, Some(to)) => {
            let manifest = take(&args.database, &to, &SystemClock).await?;
            println!(
                "Backup written to {}: {} rows in {} tables, schema version {}, {} bytes, SHA-256 {}.",
                to.display(),
                manifest.rows(),
                manifest.tables.len(),
                manifest.schema_version,
                manifest.payload_bytes,
                manifest.payload_sha256
            );
            println!(
                "Check it at any time with `awladna backup verify {}`. It does not contain the master key: keep the key apart (README, \"Operations\").",
                to.display()
            );
            Ok(())
        }
        (None, None) => bail!("say where to write the backup with --to FILE"),
    }
}

/// A private scratch directory beside the final file (same file system, so the final
/// step is a link), removed however the command ends.
struct Scratch(PathBuf);

impl Scratch {
    fn beside(dir: &Path) -> anyhow::Result<Scratch> {
        let path = dir.join(format!(
            ".awladna-scratch-{}",
            uuid::Uuid::now_v7().simple()
        ));
        private_dir(&path).with_context(|| {
            format!(
                "cannot write in {}: choose a directory you can write to",
                dir.display()
            )
        })?;
        Ok(Scratch(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn parent_of(file: &Path) -> &Path {
    file.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Links the finished `part` to `target`, refusing if `target` exists, and makes the new
/// name durable.
fn publish(
    part: &Path,
    target: &Path,
    exists: impl FnOnce() -> anyhow::Error,
) -> anyhow::Result<()> {
    match std::fs::hard_link(part, target) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(exists()),
        Err(e) => {
            return Err(e).with_context(|| format!("cannot write {}", target.display()));
        }
    }
    if let Ok(dir) = std::fs::File::open(parent_of(target)) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Takes a consistent copy of the running database and writes it, with its manifest, to
/// the new file `to` (mode 0600).
pub async fn take(args: &DatabaseArgs, to: &Path, clock: &dyn Clock) -> anyhow::Result<Manifest> {
    let Some(source) = any_sqlite_file(args) else {
        return Err(postgres_advice(
            args.database_url.as_deref().unwrap_or_default(),
        ));
    };
    if std::fs::metadata(&source).map(|m| m.len()).unwrap_or(0) == 0 {
        bail!(
            "there is no database at {}: give the server's data directory with --data-dir",
            source.display()
        );
    }
    let already = || {
        anyhow!(
            "{} already exists: give a new file name (a backup never overwrites another)",
            to.display()
        )
    };
    if to.symlink_metadata().is_ok() {
        return Err(already());
    }
    let scratch = Scratch::beside(parent_of(to))?;
    let copy = scratch.0.join("copy.db");
    sqlite::snapshot(&source, &copy).await?;
    let contents = sqlite::seal_copy(&copy).await?;

    let part = scratch.0.join("backup.part");
    let mut payload = std::fs::File::open(&copy)?;
    let (payload_bytes, payload_sha256) = format::copy_hashing(&mut payload, &mut std::io::sink())?;
    let manifest = Manifest {
        database: "sqlite".to_owned(),
        schema_version: contents.schema_version,
        taken_at: clock.now().round(jiff::Unit::Second)?.to_string(),
        awladna_version: env!("CARGO_PKG_VERSION").to_owned(),
        tables: contents.tables,
        payload_bytes,
        payload_sha256,
    };
    let written = (|| -> anyhow::Result<()> {
        let mut out = BufWriter::new(new_private_file(&part)?);
        format::write_header(&mut out, &manifest)?;
        let mut payload = std::fs::File::open(&copy)?;
        let (bytes, sha) = format::copy_hashing(&mut payload, &mut out)?;
        if (bytes, sha.as_str()) != (manifest.payload_bytes, manifest.payload_sha256.as_str()) {
            bail!("the copy changed while it was written");
        }
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(())
    })();
    written.with_context(|| format!("cannot write the backup {}", to.display()))?;
    publish(&part, to, already)?;
    Ok(manifest)
}

/// Unpacks the database of the backup `from` into the new file `to`, checking the
/// checksum, SQLite's integrity and the rows of every table against the manifest.
async fn unpack_checked(from: &Path, to: &Path) -> anyhow::Result<Manifest> {
    let file = std::fs::File::open(from)
        .with_context(|| format!("cannot read the backup {}", from.display()))?;
    let mut reader = BufReader::new(file);
    let manifest = format::read_header(&mut reader, from)?;
    if manifest.database != "sqlite" {
        bail!(
            "{} holds a {} database: this version of awladna restores SQLite backups only",
            from.display(),
            manifest.database
        );
    }
    let mut out = BufWriter::new(
        new_private_file(to).with_context(|| format!("cannot write {}", to.display()))?,
    );
    let (bytes, sha) = format::copy_hashing(&mut reader, &mut out)
        .with_context(|| format!("cannot unpack the backup {}", from.display()))?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    if bytes != manifest.payload_bytes {
        bail!(
            "{} is cut or has extra bytes: its manifest announces {} bytes of database, it holds {bytes}; use another copy",
            from.display(),
            manifest.payload_bytes
        );
    }
    if sha != manifest.payload_sha256 {
        bail!(
            "{} is damaged: its checksum does not match its manifest (SHA-256 {sha}, expected {}); use another copy",
            from.display(),
            manifest.payload_sha256
        );
    }
    let contents = sqlite::inspect(to).await?;
    if contents.schema_version != manifest.schema_version {
        bail!(
            "{} does not match its manifest: schema version {} inside, {} announced",
            from.display(),
            contents.schema_version,
            manifest.schema_version
        );
    }
    if contents.tables != manifest.tables {
        let differs = manifest
            .tables
            .keys()
            .chain(contents.tables.keys())
            .find(|t| manifest.tables.get(*t) != contents.tables.get(*t))
            .map(String::as_str)
            .unwrap_or_default();
        bail!(
            "{} does not match its manifest: table {differs} holds {} rows, the manifest says {}",
            from.display(),
            contents
                .tables
                .get(differs)
                .map_or("no".to_owned(), u64::to_string),
            manifest
                .tables
                .get(differs)
                .map_or("none".to_owned(), u64::to_string)
        );
    }
    Ok(manifest)
}

/// Checks a backup file completely, without the master key.
pub async fn verify(file: &Path) -> anyhow::Result<Manifest> {
    let scratch = Scratch::beside(&std::env::temp_dir())?;
    unpack_checked(file, &scratch.0.join("check.db")).await
}

/// Whether `path` exists with some content.
fn not_empty(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() > 0)
}

/// Puts the database of a backup in a data directory that holds none.
pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let dir = &args.data_dir;
    private_dir(dir)
        .and_then(|()| tighten(dir).map(|_| ()))
        .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    let database = dir.join("awladna.db");
    let wal = dir.join("awladna.db-wal");
    let refuse = || {
        anyhow!(
            "{} already holds a database: restore into an empty data directory (or move that database away first); restore never overwrites a database",
            dir.display()
        )
    };
    if not_empty(&database) || not_empty(&wal) {
        return Err(refuse());
    }
    let scratch = Scratch::beside(dir)?;
    let part = scratch.0.join("awladna.db");
    let manifest = unpack_checked(&args.from, &part).await?;
    // An empty database file (from a start that never migrated) and SQLite's files beside
    // it belong to no database: they go, so the restored file is read alone.
    for name in ["awladna.db", "awladna.db-wal", "awladna.db-shm"] {
        let path = dir.join(name);
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove the empty {}", path.display()))?;
        }
    }
    publish(&part, &database, refuse)?;
    println!(
        "Restored {} rows in {} tables (schema version {}, taken at {}) into {}.",
        manifest.rows(),
        manifest.tables.len(),
        manifest.schema_version,
        manifest.taken_at,
        database.display()
    );
    let key = args
        .master_key_file
        .clone()
        .unwrap_or_else(|| dir.join("master.key"));
    if key.exists() {
        println!(
            "Start the server on it: awladna serve --data-dir {} (master key: {}).",
            dir.display(),
            key.display()
        );
    } else {
        println!(
            "Now put the master key file in {} (copy it from its safe place, or type it back from the recovery sheet with `awladna keys import-sheet --to {}`), then start the server: awladna serve --data-dir {}.",
            key.display(),
            key.display(),
            dir.display()
        );
    }
    Ok(())
}

/// The answer of `backup` on PostgreSQL: `pg_dump` is the tool, and whether it is here.
fn postgres_advice(url: &str) -> anyhow::Error {
    let command = format!(
        "pg_dump --format=custom --file=FILE '{}' (restore with pg_restore into an empty database)",
        redact(url)
    );
    let installed = std::process::Command::new("pg_dump")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    match installed {
        Some(version) => anyhow!(
            "this database is PostgreSQL: back it up with PostgreSQL's own tool, pg_dump ({version} is installed here): {command}; awladna backup copies the embedded SQLite database only"
        ),
        None => anyhow!(
            "this database is PostgreSQL: back it up with PostgreSQL's own tool, pg_dump, which is not installed here: install the PostgreSQL client tools (e.g. apt install postgresql-client), then run {command}"
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn postgres_is_sent_to_pg_dump_without_the_password() {
        let advice = postgres_advice("postgres://awladna:hunter2@db/awladna").to_string();
        assert!(advice.contains("pg_dump"), "{advice}");
        assert!(!advice.contains("hunter2"), "{advice}");
    }

    #[test]
    fn a_file_is_published_once_and_never_overwritten() {
        let dir =
            std::env::temp_dir().join(format!("awladna-publish-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir(&dir).unwrap();
        let part = dir.join("part");
        std::fs::write(&part, b"new").unwrap();
        let target = dir.join("target");
        std::fs::write(&target, b"old").unwrap();
        let refused = publish(&part, &target, || anyhow!("exists")).unwrap_err();
        assert_eq!(refused.to_string(), "exists");
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
