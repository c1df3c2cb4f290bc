//! The master key file and the keyring: created on first start, loaded at every start,
//! rotated on demand. The master key never enters the database; the data keys are
//! stored there only wrapped by it.

use crate::database::DatabaseArgs;
use anyhow::{Context, anyhow};
use awladna_crypto::{DataKey, IndexKey, Keyring, MasterKey};
use awladna_domain::Clock;
use awladna_store::Store;
use awladna_store::audit::AuditEntry;
use awladna_store::keys::{KeyPurpose, SEALED_COLUMNS, WrappedKey, sealed_aad};
use serde_json::json;
use std::path::PathBuf;

pub mod sheet;

pub fn master_key_path(args: &DatabaseArgs) -> PathBuf {
    args.master_key_file
        .clone()
        .unwrap_or_else(|| args.data_dir.join("master.key"))
}

/// Whether a start created the master key (the operator must then back it up).
pub struct LoadedKeys {
    pub keyring: Keyring,
    pub created_master_key: Option<PathBuf>,
}

fn system_entry(clock: &dyn Clock, action: &str, detail: serde_json::Value) -> AuditEntry {
    AuditEntry {
        at_ms: clock.now().as_millisecond(),
        actor: Some("system".to_owned()),
        action: action.to_owned(),
        detail,
        ..AuditEntry::default()
    }
}

/// Loads the keyring; on a database without keys, creates them (and the master key
/// file if there is none yet).
pub async fn load_or_create(
    store: &Store,
    args: &DatabaseArgs,
    clock: &dyn Clock,
) -> anyhow::Result<LoadedKeys> {
    let path = master_key_path(args);
    let wrapped = store.wrapped_keys().await?;
    if wrapped.is_empty() {
        let (master, created) = if path.exists() {
            (MasterKey::load_file(&path)?, None)
        } else {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                crate::private_files::private_dir(parent).with_context(|| {
                    format!("cannot create the directory {} for the master key; choose its place with --master-key-file", parent.display())
                })?;
            }
            let master = MasterKey::create_file(&path)
                .context("choose another place with --master-key-file")?;
            (master, Some(path.clone()))
        };
        let keyring = Keyring::generate();
        let mut tx = store.begin().await?;
        for id in keyring.key_ids() {
            if let Some(key) = keyring.data_key(id) {
                let wrapped = key.wrap(&master)?;
                tx.add_wrapped_key(
                    &WrappedKey {
                        id,
                        purpose: KeyPurpose::Data,
                        wrapped,
                        active: id == keyring.active_key_id(),
                    },
                    clock.now().as_millisecond(),
                )
                .await?;
            }
        }
        let index = keyring.index_key();
        tx.add_wrapped_key(
            &WrappedKey {
                id: index.id(),
                purpose: KeyPurpose::Index,
                wrapped: index.wrap(&master)?,
                active: true,
            },
            clock.now().as_millisecond(),
        )
        .await?;
        tx.audit(system_entry(
            clock,
            "keys.created",
            json!({"data_key": keyring.active_key_id(), "index_key": index.id()}),
        ))
        .await?;
        tx.commit().await?;
        return Ok(LoadedKeys {
            keyring,
            created_master_key: created,
        });
    }
    if !path.exists() {
        return Err(anyhow!(
            "the master key file {} is missing, but this database holds data sealed with it: restore the file from your backup (or point --master-key-file to it); without it the sealed data cannot be read",
            path.display()
        ));
    }
    let master = MasterKey::load_file(&path)?;
    Ok(LoadedKeys {
        keyring: unwrap_all(&wrapped, &master)?,
        created_master_key: None,
    })
}

fn unwrap_all(wrapped: &[WrappedKey], master: &MasterKey) -> anyhow::Result<Keyring> {
    let mismatch = |e: awladna_crypto::CryptoError| {
        anyhow!("{e}: is this the master key file of this database?")
    };
    let mut data = Vec::new();
    let mut active = None;
    let mut index = None;
    for key in wrapped {
        match key.purpose {
            KeyPurpose::Data => {
                data.push(DataKey::unwrap(key.id, &key.wrapped, master).map_err(mismatch)?);
                if key.active {
                    active = Some(key.id);
                }
            }
            KeyPurpose::Index if key.active => {
                index = Some(IndexKey::unwrap(key.id, &key.wrapped, master).map_err(mismatch)?)
            }
            KeyPurpose::Index => {}
        }
    }
    let (Some(active), Some(index)) = (active, index) else {
        return Err(anyhow!(
            "the database has no active data key or index key: restore it from a backup"
        ));
    };
    Ok(Keyring::new(data, active, index)?)
}

/// What `keys rotate` did.
pub struct Rotation {
    pub new_key: u32,
    pub resealed: u64,
    pub left: u64,
    pub new_master_key: Option<PathBuf>,
}

/// Makes a new data key active and re-seals every sealed value with it, in small
/// batches so that the server keeps serving. With `new_master`, also wraps all keys
/// under a new master key written to that file.
pub async fn rotate(
    store: &Store,
    args: &DatabaseArgs,
    clock: &dyn Clock,
    new_master: Option<PathBuf>,
    progress: &dyn Fn(u64),
) -> anyhow::Result<Rotation> {
    let master = MasterKey::load_file(&master_key_path(args))?;
    let mut keyring = unwrap_all(&store.wrapped_keys().await?, &master)?;
    let now = clock.now().as_millisecond();
    let new_key = keyring.rotate().id();
    let wrapping_key = match &new_master {
        Some(path) => MasterKey::create_file(path)
            .with_context(|| format!("cannot create the new master key file {}", path.display()))?,
        None => MasterKey::load_file(&master_key_path(args))?,
    };
    let mut tx = store.begin().await?;
    let key = keyring
        .data_key(new_key)
        .ok_or_else(|| anyhow!("the new key was not created"))?;
    tx.add_wrapped_key(
        &WrappedKey {
            id: new_key,
            purpose: KeyPurpose::Data,
            wrapped: key.wrap(&wrapping_key)?,
            active: true,
        },
        now,
    )
    .await?;
    if new_master.is_some() {
        for id in keyring.key_ids().filter(|id| *id != new_key) {
            if let Some(key) = keyring.data_key(id) {
                tx.rewrap_key(KeyPurpose::Data, id, &key.wrap(&wrapping_key)?)
                    .await?;
            }
        }
        let index = keyring.index_key();
        tx.rewrap_key(KeyPurpose::Index, index.id(), &index.wrap(&wrapping_key)?)
            .await?;
    }
    tx.audit(system_entry(
        clock,
        "keys.rotated",
        json!({"data_key": new_key, "master_key_replaced": new_master.is_some()}),
    ))
    .await?;
    tx.commit().await?;

    let (resealed, left) = reseal_all(store, &keyring, clock, progress).await?;
    Ok(Rotation {
        new_key,
        resealed,
        left,
        new_master_key: new_master,
    })
}

const BATCH: i64 = 500;
/// Documents are up to 10 MB each: a few per transaction keep the rotation's memory
/// bounded (500 of them could be 5 GB).
const DOCUMENT_BATCH: i64 = 8;

async fn reseal_all(
    store: &Store,
    keyring: &Keyring,
    clock: &dyn Clock,
    progress: &dyn Fn(u64),
) -> anyhow::Result<(u64, u64)> {
    let mut resealed = 0u64;
    let mut left = 0u64;
    for (table, id_column, column) in SEALED_COLUMNS {
        let mut after = String::new();
        let batch = if (table, column) == ("documents", "content") {
            DOCUMENT_BATCH
        } else {
            BATCH
        };
        loop {
            let rows = store
                .sealed_values(table, id_column, column, &after, batch)
                .await?;
            let Some((last, _)) = rows.last() else { break };
            after = last.clone();
            let mut tx = store.begin().await?;
            let mut changed = 0u64;
            for (id, sealed) in &rows {
                if !keyring.needs_reseal(sealed)? {
                    continue;
                }
                let new = keyring.reseal(sealed, &sealed_aad(table, column, id))?;
                if tx
                    .replace_sealed(table, id_column, column, id, sealed, &new)
                    .await?
                {
                    changed += 1;
                } else {
                    left += 1;
                }
            }
            if changed > 0 {
                tx.audit(system_entry(
                    clock,
                    "keys.resealed",
                    json!({"table": table, "column": column, "rows": changed}),
                ))
                .await?;
                tx.commit().await?;
            }
            resealed += changed;
            progress(resealed);
        }
    }
    Ok((resealed, left))
}
