//! The backup file: one file an operator can copy, name and keep on a USB stick.
//!
//! Line 1 is `awladna-backup-v1`; line 2 is the manifest, one line of JSON (so that
//! `head -2 FILE` shows what a file holds); then comes the SQLite database, byte for byte.
//! The manifest names the schema version, the time, the rows of every table and the
//! SHA-256 of the database bytes. It holds no personal data, and the file never holds
//! the master key.

use anyhow::{Context, anyhow, bail};
use awladna_store::sealer::hex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::path::Path;

pub const MAGIC: &str = "awladna-backup-v1";
/// A manifest is a few kilobytes; a longer second line means this is not a backup.
const MAX_MANIFEST_LEN: u64 = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The kind of database in the file: `sqlite`.
    pub database: String,
    /// The latest migration applied to the copied database.
    pub schema_version: i64,
    /// When the copy was taken (UTC, RFC 3339).
    pub taken_at: String,
    /// The version of awladna that took it.
    pub awladna_version: String,
    /// Rows per table, counted in the copy itself.
    pub tables: BTreeMap<String, u64>,
    pub payload_bytes: u64,
    /// SHA-256 of the database bytes, in hex.
    pub payload_sha256: String,
}

impl Manifest {
    pub fn rows(&self) -> u64 {
        self.tables.values().sum()
    }
}

/// Copies `from` to `to` and returns how many bytes, and their SHA-256 in hex.
pub fn copy_hashing(from: &mut impl Read, to: &mut impl Write) -> std::io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = from.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        let chunk = &buffer[..n];
        hasher.update(chunk);
        to.write_all(chunk)?;
        total += n as u64;
    }
    Ok((total, hex(&hasher.finalize())))
}

/// Writes the two header lines; the database bytes follow.
pub fn write_header(to: &mut impl Write, manifest: &Manifest) -> anyhow::Result<()> {
    let json = serde_json::to_string(manifest).context("cannot write the manifest")?;
    writeln!(to, "{MAGIC}")?;
    writeln!(to, "{json}")?;
    Ok(())
}

/// Reads the two header lines of `file`, leaving `from` at the first database byte.
pub fn read_header(from: &mut impl BufRead, file: &Path) -> anyhow::Result<Manifest> {
    let not_a_backup = || {
        anyhow!(
            "{} is not an Awladna backup (it does not start with the line {MAGIC}); give a file written by `awladna backup`",
            file.display()
        )
    };
    let mut line = String::new();
    from.by_ref()
        .take(MAGIC.len() as u64 + 1)
        .read_line(&mut line)
        .map_err(|_| not_a_backup())?;
    if line.trim_end() != MAGIC {
        return Err(not_a_backup());
    }
    let mut json = String::new();
    from.by_ref()
        .take(MAX_MANIFEST_LEN)
        .read_line(&mut json)
        .map_err(|_| not_a_backup())?;
    if !json.ends_with('\n') {
        bail!(
            "the manifest of {} is cut or too long: the file is damaged; use another copy",
            file.display()
        );
    }
    serde_json::from_str(&json).map_err(|e| {
        anyhow!(
            "the manifest of {} cannot be read ({e}): the file is damaged; use another copy",
            file.display()
        )
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            database: "sqlite".into(),
            schema_version: 16,
            taken_at: "2026-12-05T05:00:00Z".into(),
            awladna_version: "0.1.0".into(),
            tables: BTreeMap::from([("cards".into(), 3), ("audit_log".into(), 7)]),
            payload_bytes: 5,
            payload_sha256: "00".into(),
        }
    }

    #[test]
    fn the_header_reads_back_and_leaves_the_database_bytes() {
        let mut file = Vec::new();
        write_header(&mut file, &manifest()).unwrap();
        file.extend_from_slice(b"\x00\x01\n\x02\x03");
        let mut reader = std::io::BufReader::new(file.as_slice());
        assert_eq!(
            read_header(&mut reader, Path::new("f")).unwrap(),
            manifest()
        );
        let mut rest = Vec::new();
        let (n, sha) = copy_hashing(&mut reader, &mut rest).unwrap();
        assert_eq!((n, rest.as_slice()), (5, b"\x00\x01\n\x02\x03".as_slice()));
        assert_eq!(sha, hex(&Sha256::digest(b"\x00\x01\n\x02\x03")));
        assert_eq!(manifest().rows(), 10);
    }

    #[test]
    fn another_file_is_named_as_not_a_backup() {
        let mut reader = std::io::BufReader::new(b"SQLite format 3\0....".as_slice());
        let error = read_header(&mut reader, Path::new("awladna.db")).unwrap_err();
        assert!(
            error.to_string().contains("is not an Awladna backup"),
            "{error}"
        );
    }
}
