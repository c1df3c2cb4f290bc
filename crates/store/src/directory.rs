//! The directory of services: each organisation's address, opening hours, position,
//! services and contact points. Reads give every organisation of a province with its
//! entry (none yet for an organisation nobody has described); who may see which entry
//! and which contact is the web layer's, through the policy.

use crate::audit::Tx;
use crate::identity::{Organisation, organisation_from};
use crate::{Store, StoreError};
use awladna_domain::directory::{Contact, Entry, Position};
use sqlx::Row;
use std::collections::HashMap;

/// An organisation and its directory entry, if it has one.
#[derive(Debug, Clone)]
pub struct Listing {
    pub organisation: Organisation,
    pub entry: Option<Entry>,
    /// The entry's version, for an edit to notice that someone saved meanwhile.
    pub version: Option<i64>,
    pub updated_at: Option<i64>,
}

/// What a write expects to find, so that two people editing at once do not silently
/// overwrite each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The entry the editor saw, at this version.
    Version(i64),
    /// No entry yet.
    Absent,
    /// Whatever is there: an import replaces the entries it lists.
    Any,
}

const LISTING: &str = "SELECT o.code, o.sector, o.territory_code, o.name, e.address, e.opening_hours, e.latitude_e6, e.longitude_e6, e.public, e.version, e.updated_at
     FROM organisations o LEFT JOIN directory_entries e ON e.organisation_code = o.code";

impl Store {
    /// Every organisation of a province with its entry, by name.
    pub async fn directory(&self, territory: &str) -> Result<Vec<Listing>, StoreError> {
        let rows = sqlx::query(&format!(
            "{LISTING} WHERE o.territory_code = $1 ORDER BY o.name, o.code"
        ))
        .bind(territory)
        .fetch_all(&self.pool)
        .await?;
        let services = sqlx::query(
            "SELECT s.organisation_code, s.service FROM directory_services s
             JOIN organisations o ON o.code = s.organisation_code WHERE o.territory_code = $1
             ORDER BY s.service",
        )
        .bind(territory)
        .fetch_all(&self.pool)
        .await?;
        let contacts = sqlx::query(
            "SELECT c.organisation_code, c.name, c.role, c.phone, c.email, c.private FROM directory_contacts c
             JOIN organisations o ON o.code = c.organisation_code WHERE o.territory_code = $1
             ORDER BY c.organisation_code, c.position",
        )
        .bind(territory)
        .fetch_all(&self.pool)
        .await?;
        assemble(&rows, &services, &contacts)
    }

    /// One organisation with its entry; None when there is no such organisation.
    pub async fn directory_listing(&self, code: &str) -> Result<Option<Listing>, StoreError> {
        let rows = sqlx::query(&format!("{LISTING} WHERE o.code = $1"))
            .bind(code)
            .fetch_all(&self.pool)
            .await?;
        let services = sqlx::query(
            "SELECT organisation_code, service FROM directory_services WHERE organisation_code = $1 ORDER BY service",
        )
        .bind(code)
        .fetch_all(&self.pool)
        .await?;
        let contacts = sqlx::query(
            "SELECT organisation_code, name, role, phone, email, private FROM directory_contacts
             WHERE organisation_code = $1 ORDER BY position",
        )
        .bind(code)
        .fetch_all(&self.pool)
        .await?;
        Ok(assemble(&rows, &services, &contacts)?.into_iter().next())
    }
}

fn assemble(
    rows: &[sqlx::any::AnyRow],
    services: &[sqlx::any::AnyRow],
    contacts: &[sqlx::any::AnyRow],
) -> Result<Vec<Listing>, StoreError> {
    let mut services_of: HashMap<String, Vec<String>> = HashMap::new();
    for row in services {
        services_of
            .entry(row.try_get("organisation_code")?)
            .or_default()
            .push(row.try_get("service")?);
    }
    let mut contacts_of: HashMap<String, Vec<Contact>> = HashMap::new();
    for row in contacts {
        contacts_of
            .entry(row.try_get("organisation_code")?)
            .or_default()
            .push(Contact {
                name: row.try_get("name")?,
                role: row.try_get("role")?,
                phone: row.try_get("phone")?,
                email: row.try_get("email")?,
                private: row.try_get::<i64, _>("private")? != 0,
            });
    }
    let mut listings = Vec::with_capacity(rows.len());
    for row in rows {
        let organisation = organisation_from(row, "")?;
        let version: Option<i64> = row.try_get("version")?;
        let entry = match version {
            None => None,
            Some(_) => {
                let lat: Option<i64> = row.try_get("latitude_e6")?;
                let lon: Option<i64> = row.try_get("longitude_e6")?;
                Some(Entry {
                    address: row.try_get("address")?,
                    opening_hours: row.try_get("opening_hours")?,
                    position: lat
                        .zip(lon)
                        .map(|(lat_e6, lon_e6)| Position { lat_e6, lon_e6 }),
                    // Stored without order: readers sort them by the vocabulary
                    // (`directory::sort_services`), which the store does not hold.
                    services: services_of.remove(&organisation.code).unwrap_or_default(),
                    public: row.try_get::<Option<i64>, _>("public")?.unwrap_or(0) != 0,
                    contacts: contacts_of.remove(&organisation.code).unwrap_or_default(),
                })
            }
        };
        listings.push(Listing {
            organisation,
            entry,
            version,
            updated_at: row.try_get("updated_at")?,
        });
    }
    Ok(listings)
}

impl Tx<'_> {
    /// Writes an organisation's entry whole (services and contact points replaced).
    /// Answers false, changing nothing, when the entry is not as `expect` says.
    pub async fn put_directory_entry(
        &mut self,
        organisation: &str,
        entry: &Entry,
        expect: Expect,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let columns =
            "address, opening_hours, latitude_e6, longitude_e6, public, updated_by, updated_at";
        let sql = match expect {
            Expect::Version(_) => "UPDATE directory_entries SET address = $2, opening_hours = $3, latitude_e6 = $4, longitude_e6 = $5,
                 public = $6, updated_by = $7, updated_at = $8, version = version + 1
                 WHERE organisation_code = $1 AND version = $9"
                .to_owned(),
            Expect::Absent => format!(
                "INSERT INTO directory_entries (organisation_code, {columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (organisation_code) DO NOTHING"
            ),
            Expect::Any => format!(
                "INSERT INTO directory_entries (organisation_code, {columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (organisation_code) DO UPDATE SET address = excluded.address,
                   opening_hours = excluded.opening_hours, latitude_e6 = excluded.latitude_e6,
                   longitude_e6 = excluded.longitude_e6, public = excluded.public,
                   updated_by = excluded.updated_by, updated_at = excluded.updated_at,
                   version = directory_entries.version + 1"
            ),
        };
        let mut query = sqlx::query(&sql)
            .bind(organisation)
            .bind(entry.address.as_str())
            .bind(entry.opening_hours.as_str())
            .bind(entry.position.map(|p| p.lat_e6))
            .bind(entry.position.map(|p| p.lon_e6))
            .bind(i64::from(entry.public))
            .bind(by)
            .bind(now_ms);
        if let Expect::Version(version) = expect {
            query = query.bind(version);
        }
        let done = query
            .execute(&mut *self.inner)
            .await
            .map_err(crate::identity::unique_violation)?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        for table in ["directory_services", "directory_contacts"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE organisation_code = $1"))
                .bind(organisation)
                .execute(&mut *self.inner)
                .await?;
        }
        for service in &entry.services {
            sqlx::query(
                "INSERT INTO directory_services (organisation_code, service) VALUES ($1, $2)",
            )
            .bind(organisation)
            .bind(service.as_str())
            .execute(&mut *self.inner)
            .await?;
        }
        for (position, contact) in (0_i64..).zip(&entry.contacts) {
            sqlx::query(
                "INSERT INTO directory_contacts (organisation_code, position, name, role, phone, email, private)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(organisation)
            .bind(position)
            .bind(contact.name.as_str())
            .bind(contact.role.as_str())
            .bind(contact.phone.as_deref())
            .bind(contact.email.as_deref())
            .bind(i64::from(contact.private))
            .execute(&mut *self.inner)
            .await?;
        }
        Ok(true)
    }
}
