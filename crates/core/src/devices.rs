//! The devices of offline capture (issue 16 §3). A phone registers once, with a link,
//! when its user chooses the offline PIN: the device's key is made and kept on the
//! phone, wrapped by the PIN; the server records the device, until when its key may be
//! used (the absolute session lifetime), and whether it is revoked. Cards queued
//! offline are sent with the device's id: a revoked or expired device's queue, or
//! another person's, is refused at sync.

use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_store::devices::DeviceRecord;
use serde_json::json;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum DeviceError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// Revoked from the account page, expired, unknown, or another user's.
    #[error("the device may not send cards")]
    Refused,
}

crate::wraps_core_error!(DeviceError);

/// Registers the caller's device for `lifetime_ms`; the record (its id for the phone).
pub async fn register(
    core: &Core,
    permit: &Permit<act::UseOwnAccount>,
    lifetime_ms: i64,
) -> Result<DeviceRecord, CoreError> {
    let who = permit.who();
    let user_id = who.user_id().ok_or(CoreError::Forbidden)?;
    let now = core.now_ms();
    let device = DeviceRecord {
        id: uuid::Uuid::now_v7().to_string(),
        user_id: user_id.to_owned(),
        registered_at: now,
        expires_at: now + lifetime_ms,
        revoked_at: None,
    };
    let territory = who.actor.territory.clone().unwrap_or_default();
    let mut tx = core.store.begin().await?;
    tx.register_device(&device).await?;
    tx.audit(who.audit(
        now,
        "device.registered",
        ("device", &device.id),
        &territory,
        json!({}),
    ))
    .await?;
    tx.commit().await?;
    Ok(device)
}

/// The caller's devices, newest first.
pub async fn list(
    core: &Core,
    permit: &Permit<act::UseOwnAccount>,
) -> Result<Vec<DeviceRecord>, CoreError> {
    match permit.who().user_id() {
        Some(user) => Ok(core.store.devices_of(user).await?),
        None => Ok(Vec::new()),
    }
}

/// Revokes one of the caller's devices (another's is not found).
pub async fn revoke(
    core: &Core,
    permit: &Permit<act::UseOwnAccount>,
    device_id: &str,
) -> Result<(), CoreError> {
    let who = permit.who();
    let user_id = who.user_id().ok_or(CoreError::NotFound)?;
    let now = core.now_ms();
    let territory = who.actor.territory.clone().unwrap_or_default();
    let mut tx = core.store.begin().await?;
    if !tx.revoke_device(device_id, user_id, now).await? {
        return Err(CoreError::NotFound);
    }
    tx.audit(who.audit(
        now,
        "device.revoked",
        ("device", device_id),
        &territory,
        json!({}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a card queued on `device_id` may be stored for the caller now (a report, or
/// a card on a followed case).
pub async fn check_sender<A: crate::Act>(
    core: &Core,
    permit: &Permit<A>,
    device_id: &str,
) -> Result<(), DeviceError> {
    let device = core.store.device(device_id).await?;
    let usable = device.is_some_and(|d| {
        Some(d.user_id.as_str()) == permit.who().user_id()
            && d.revoked_at.is_none()
            && d.expires_at > core.now_ms()
    });
    match usable {
        true => Ok(()),
        false => Err(DeviceError::Refused),
    }
}
