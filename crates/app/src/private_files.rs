//! The data directory and its files are readable by the server's account alone: the
//! directory 0700, the database, its WAL and shared-memory files, the master key and the
//! backups 0600. SQLite creates its WAL and SHM files with the mode of the database file,
//! so creating that file 0600 before SQLite does is what keeps them private; a directory
//! made by an older version (0755, files 0644) is tightened at every start.

use anyhow::Context;
use std::fs::{File, OpenOptions};
use std::path::Path;

/// The mode of the data directory and of any directory holding a copy of the data.
pub const DIR_MODE: u32 = 0o700;
/// The mode of every file holding data or a key.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and missing parents) with mode 0700 if it does not exist. An existing
/// directory is left as it is: it may be a shared one the operator chose for the key.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(dir)
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

/// Creates the new file `path` with mode 0600 (refused if it exists).
pub fn new_private_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options.open(path)
}

/// Removes the group's and others' permissions from `path`; says whether it had any.
pub fn tighten(path: &Path) -> std::io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let current = std::fs::metadata(path)?.permissions().mode() & 0o7777;
        if current & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(current & !0o077))?;
            return Ok(true);
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(false)
}

/// Whether a file of the data directory holds data or a key: the database and SQLite's
/// files beside it, and the master key. Other files (an operator's notes, scripts) are
/// not touched.
fn holds_data(name: &str) -> bool {
    name.starts_with("awladna.db") || name == "master.key"
}

/// Makes the data directory private before the database is opened: creates it 0700 (or
/// tightens it), creates an empty 0600 database file if there is none (SQLite then
/// creates its WAL and SHM files 0600 too), and tightens every file already in it.
pub fn secure_data_dir(dir: &Path, database_file: &Path) -> anyhow::Result<()> {
    let place = || {
        format!(
            "cannot make the data directory {} private (mode 700, files 600); check that it belongs to the account that runs awladna, or choose another with --data-dir",
            dir.display()
        )
    };
    private_dir(dir).with_context(place)?;
    if tighten(dir).with_context(place)? {
        tracing::warn!(directory = %dir.display(), "data directory made private to the server's account (mode 700)");
    }
    match new_private_file(database_file) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(place),
    }
    for entry in std::fs::read_dir(dir).with_context(place)? {
        let entry = entry.with_context(place)?;
        let name = entry.file_name();
        if entry.file_type().with_context(place)?.is_file()
            && holds_data(&name.to_string_lossy())
            && tighten(&entry.path()).with_context(place)?
        {
            tracing::warn!(file = %entry.path().display(), "made private to the server's account (mode 600)");
        }
    }
    Ok(())
}

/// For a database file given by URL, whose directory may be shared: creates the file 0600
/// if it does not exist and `create` (the URL's `mode=rwc`), and tightens it and SQLite's
/// files beside it. The directory is left as it is.
pub fn secure_database_file(file: &Path, create: bool) -> anyhow::Result<()> {
    let place = || {
        format!(
            "cannot make the database {} private (mode 600); check that it belongs to the account that runs awladna",
            file.display()
        )
    };
    let created = if create {
        new_private_file(file).map(|_| ())
    } else {
        Ok(())
    };
    match created {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        // A missing directory: let SQLite say so when it opens the file.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(place),
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        let path = Path::new(&name);
        if path.is_file() && tighten(path).with_context(place)? {
            tracing::warn!(file = %path.display(), "made private to the server's account (mode 600)");
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn an_open_data_directory_is_tightened_and_a_new_database_file_is_private() {
        let dir =
            std::env::temp_dir().join(format!("awladna-private-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let notes = dir.join("notes.txt");
        std::fs::write(&notes, b"").unwrap();
        std::fs::set_permissions(&notes, std::fs::Permissions::from_mode(0o644)).unwrap();
        let old_wal = dir.join("awladna.db-wal");
        std::fs::write(&old_wal, b"").unwrap();
        std::fs::set_permissions(&old_wal, std::fs::Permissions::from_mode(0o644)).unwrap();
        let database = dir.join("awladna.db");

        secure_data_dir(&dir, &database).unwrap();

        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&database), 0o600);
        assert_eq!(mode(&old_wal), 0o600);
        assert_eq!(mode(&notes), 0o644, "not a file of the database");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
