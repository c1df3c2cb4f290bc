//! Training's records (issue 15 §1): modules, trainers, sessions and their trainers,
//! trainees, participants with their tests, daily attendance, staff counts. Professional
//! data only, in clear. A session's every change raises its version.

use crate::audit::Tx;
use crate::identity::unique_violation;
use crate::{Store, StoreError};
use awladna_domain::training::{Module, Participant, Results, Session, Trainer};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, serde::Serialize)]
pub struct ModuleRecord {
    pub id: String,
    pub code: String,
    pub title: String,
    pub objectives: String,
    pub duration_hours: i64,
    pub audience: String,
    pub materials: String,
    pub version: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TrainerRecord {
    pub id: String,
    pub territory: Option<String>,
    pub full_name: String,
    pub organisation: String,
    pub function: String,
    pub trainer_of_trainers: bool,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionRecord {
    pub id: String,
    pub module_id: String,
    pub module_code: String,
    pub module_title: String,
    pub plan_number: Option<i64>,
    pub territory: String,
    pub place: String,
    pub starts_on: String,
    pub ends_on: String,
    pub capacity: i64,
    pub participants: i64,
    pub version: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ParticipantRecord {
    pub trainee_id: String,
    pub user_id: Option<String>,
    pub organisation_code: Option<String>,
    pub organisation_name: String,
    pub full_name: String,
    pub function: String,
    pub sector: String,
    pub territory: String,
    pub pre_score: Option<i64>,
    pub post_score: Option<i64>,
    pub satisfaction: Option<i64>,
    pub attestation: Option<String>,
}

/// One participation, for records, coverage and tables: who, in which session of which
/// module, and how many days present.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ParticipationRow {
    pub trainee_id: String,
    pub full_name: String,
    pub organisation_code: Option<String>,
    pub organisation_name: String,
    pub sector: String,
    pub territory: String,
    pub session_id: String,
    pub session_territory: String,
    pub module_id: String,
    pub module_title: String,
    pub plan_number: Option<i64>,
    pub starts_on: String,
    pub ends_on: String,
    pub days_present: i64,
    pub post_score: Option<i64>,
}

/// An organisation of a province with its staff count (declared, or its active users).
#[derive(Debug, Clone, serde::Serialize)]
pub struct StaffRecord {
    pub code: String,
    pub name: String,
    pub sector: String,
    pub declared: Option<i64>,
    pub users: i64,
    pub version: Option<i64>,
}

const MODULE: &str = "SELECT id, code, title, objectives, duration_hours, audience, materials, version FROM training_modules";
const TRAINER: &str = "SELECT id, territory_code, full_name, organisation, function, trainer_of_trainers, phone FROM trainers";
const SESSION: &str = "SELECT s.id, s.module_id, m.code AS module_code, m.title AS module_title, s.plan_number, s.territory_code, s.place, s.starts_on, s.ends_on, s.capacity, s.version,
       (SELECT COUNT(*) FROM training_participants p WHERE p.session_id = s.id) AS participants
     FROM training_sessions s JOIN training_modules m ON m.id = s.module_id";
const PARTICIPATION: &str = "SELECT t.id AS trainee_id, t.full_name, t.organisation_code, t.organisation_name, t.sector, t.territory_code,
       s.id AS session_id, s.territory_code AS session_territory, m.id AS module_id, m.title AS module_title, s.plan_number, s.starts_on, s.ends_on, p.post_score,
       (SELECT COUNT(*) FROM training_attendance a WHERE a.session_id = s.id AND a.trainee_id = t.id) AS days_present
     FROM training_participants p JOIN trainees t ON t.id = p.trainee_id
     JOIN training_sessions s ON s.id = p.session_id JOIN training_modules m ON m.id = s.module_id";

fn module(r: &AnyRow) -> Result<ModuleRecord, StoreError> {
    Ok(ModuleRecord {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        title: r.try_get("title")?,
        objectives: r.try_get("objectives")?,
        duration_hours: r.try_get("duration_hours")?,
        audience: r.try_get("audience")?,
        materials: r.try_get("materials")?,
        version: r.try_get("version")?,
    })
}

fn trainer(r: &AnyRow) -> Result<TrainerRecord, StoreError> {
    Ok(TrainerRecord {
        id: r.try_get("id")?,
        territory: r.try_get("territory_code")?,
        full_name: r.try_get("full_name")?,
        organisation: r.try_get("organisation")?,
        function: r.try_get("function")?,
        trainer_of_trainers: r.try_get::<i64, _>("trainer_of_trainers")? != 0,
        phone: r.try_get("phone")?,
    })
}

fn session(r: &AnyRow) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        id: r.try_get("id")?,
        module_id: r.try_get("module_id")?,
        module_code: r.try_get("module_code")?,
        module_title: r.try_get("module_title")?,
        plan_number: r.try_get("plan_number")?,
        territory: r.try_get("territory_code")?,
        place: r.try_get("place")?,
        starts_on: r.try_get("starts_on")?,
        ends_on: r.try_get("ends_on")?,
        capacity: r.try_get("capacity")?,
        participants: r.try_get("participants")?,
        version: r.try_get("version")?,
    })
}

fn participation(r: &AnyRow) -> Result<ParticipationRow, StoreError> {
    Ok(ParticipationRow {
        trainee_id: r.try_get("trainee_id")?,
        full_name: r.try_get("full_name")?,
        organisation_code: r.try_get("organisation_code")?,
        organisation_name: r.try_get("organisation_name")?,
        sector: r.try_get("sector")?,
        territory: r.try_get("territory_code")?,
        session_id: r.try_get("session_id")?,
        session_territory: r.try_get("session_territory")?,
        module_id: r.try_get("module_id")?,
        module_title: r.try_get("module_title")?,
        plan_number: r.try_get("plan_number")?,
        starts_on: r.try_get("starts_on")?,
        ends_on: r.try_get("ends_on")?,
        days_present: r.try_get("days_present")?,
        post_score: r.try_get("post_score")?,
    })
}

/// True when the row was inserted, false when its key was taken.
fn inserted(done: Result<sqlx::any::AnyQueryResult, sqlx::Error>) -> Result<bool, StoreError> {
    match done.map_err(unique_violation) {
        Ok(_) => Ok(true),
        Err(StoreError::Duplicate) => Ok(false),
        Err(e) => Err(e),
    }
}

impl Store {
    pub async fn training_modules(&self) -> Result<Vec<ModuleRecord>, StoreError> {
        let rows = sqlx::query(&format!("{MODULE} ORDER BY code"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(module).collect()
    }

    pub async fn training_module(&self, id: &str) -> Result<Option<ModuleRecord>, StoreError> {
        let row = sqlx::query(&format!("{MODULE} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(module).transpose()
    }

    /// The trainers a province may call on: its own and the ministry's (all for None).
    pub async fn trainers(
        &self,
        territory: Option<&str>,
    ) -> Result<Vec<TrainerRecord>, StoreError> {
        let rows = match territory {
            Some(t) => {
                sqlx::query(&format!(
                    "{TRAINER} WHERE territory_code = $1 OR territory_code IS NULL ORDER BY full_name, id"
                ))
                .bind(t)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!("{TRAINER} ORDER BY full_name, id"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(trainer).collect()
    }

    pub async fn session_trainers(&self, session: &str) -> Result<Vec<TrainerRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{TRAINER} WHERE id IN (SELECT trainer_id FROM training_session_trainers WHERE session_id = $1) ORDER BY full_name, id"
        ))
        .bind(session)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(trainer).collect()
    }

    /// Sessions in the given territories (all for None), the latest first.
    pub async fn training_sessions(
        &self,
        territories: Option<&[String]>,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        let rows = sqlx::query(&format!("{SESSION} ORDER BY s.starts_on DESC, s.id"))
            .fetch_all(&self.pool)
            .await?;
        let all: Vec<SessionRecord> = rows.iter().map(session).collect::<Result<_, _>>()?;
        Ok(match territories {
            Some(keep) => all
                .into_iter()
                .filter(|s| keep.contains(&s.territory))
                .collect(),
            None => all,
        })
    }

    pub async fn training_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(&format!("{SESSION} WHERE s.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(session).transpose()
    }

    pub async fn session_participants(
        &self,
        session: &str,
    ) -> Result<Vec<ParticipantRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.id, t.user_id, t.organisation_code, t.organisation_name, t.full_name, t.function, t.sector, t.territory_code,
                    p.pre_score, p.post_score, p.satisfaction, p.attestation
             FROM training_participants p JOIN trainees t ON t.id = p.trainee_id
             WHERE p.session_id = $1 ORDER BY t.full_name, t.id",
        )
        .bind(session)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ParticipantRecord {
                    trainee_id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    organisation_code: r.try_get("organisation_code")?,
                    organisation_name: r.try_get("organisation_name")?,
                    full_name: r.try_get("full_name")?,
                    function: r.try_get("function")?,
                    sector: r.try_get("sector")?,
                    territory: r.try_get("territory_code")?,
                    pre_score: r.try_get("pre_score")?,
                    post_score: r.try_get("post_score")?,
                    satisfaction: r.try_get("satisfaction")?,
                    attestation: r.try_get("attestation")?,
                })
            })
            .collect()
    }

    /// The (trainee, day) pairs present in a session.
    pub async fn session_attendance(
        &self,
        session: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT trainee_id, day FROM training_attendance WHERE session_id = $1 ORDER BY day, trainee_id",
        )
        .bind(session)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("trainee_id")?, r.try_get("day")?)))
            .collect()
    }

    /// Every participation, of the people of a province (all for None) or of one person.
    pub async fn participations(
        &self,
        territory: Option<&str>,
        trainee: Option<&str>,
    ) -> Result<Vec<ParticipationRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "{PARTICIPATION} WHERE (CAST($1 AS TEXT) IS NULL OR t.territory_code = $1 OR s.territory_code = $1)
               AND (CAST($2 AS TEXT) IS NULL OR t.id = $2)
             ORDER BY s.starts_on, t.full_name, t.id"
        ))
        .bind(territory)
        .bind(trainee)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(participation).collect()
    }

    /// The trainee already registered for a user, if any.
    pub async fn trainee_of_user(&self, user: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM trainees WHERE user_id = $1 ORDER BY created_at LIMIT 1",
        )
        .bind(user)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The trainee's province (for the policy), if the trainee exists.
    pub async fn trainee_territory(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT territory_code FROM trainees WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// A province's organisations with their staff: declared, and active users.
    pub async fn staff(&self, territory: &str) -> Result<Vec<StaffRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT o.code, o.name, o.sector, h.staff, h.version,
                    (SELECT COUNT(*) FROM users u WHERE u.organisation_code = o.code AND u.disabled = 0) AS users
             FROM organisations o LEFT JOIN training_headcounts h ON h.organisation_code = o.code
             WHERE o.territory_code = $1 ORDER BY o.name, o.code",
        )
        .bind(territory)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StaffRecord {
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    sector: r.try_get("sector")?,
                    declared: r.try_get("staff")?,
                    users: r.try_get("users")?,
                    version: r.try_get("version")?,
                })
            })
            .collect()
    }

    /// A user's organisation, province and sector, to register them as a trainee.
    pub async fn user_place(
        &self,
        user: &str,
    ) -> Result<Option<(String, String, Option<String>, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT o.code, o.name, o.territory_code, o.sector FROM users u JOIN organisations o ON o.code = u.organisation_code WHERE u.id = $1",
        )
        .bind(user)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok((
                r.try_get("code")?,
                r.try_get("name")?,
                r.try_get("territory_code")?,
                r.try_get("sector")?,
            ))
        })
        .transpose()
    }

    /// A user's sign-in name (a participant with an account and no name typed).
    pub async fn username(&self, user: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT username FROM users WHERE id = $1")
                .bind(user)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// An organisation's name, province and sector.
    pub async fn organisation_place(
        &self,
        code: &str,
    ) -> Result<Option<(String, Option<String>, String)>, StoreError> {
        let row =
            sqlx::query("SELECT name, territory_code, sector FROM organisations WHERE code = $1")
                .bind(code)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            Ok((
                r.try_get("name")?,
                r.try_get("territory_code")?,
                r.try_get("sector")?,
            ))
        })
        .transpose()
    }
}

impl Tx<'_> {
    /// False when the code is taken.
    pub async fn insert_training_module(
        &mut self,
        id: &str,
        m: &Module,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO training_modules (id, code, title, objectives, duration_hours, audience, materials, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(m.code.as_str())
        .bind(m.title.as_str())
        .bind(m.objectives.as_str())
        .bind(m.duration_hours)
        .bind(m.audience.as_str())
        .bind(m.materials.as_str())
        .bind(by)
        .bind(now_ms)
        .execute(&mut *self.inner)
        .await;
        inserted(done)
    }

    pub async fn insert_trainer(
        &mut self,
        id: &str,
        territory: Option<&str>,
        t: &Trainer,
        by: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO trainers (id, territory_code, full_name, organisation, function, trainer_of_trainers, phone, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(territory)
        .bind(t.full_name.as_str())
        .bind(t.organisation.as_str())
        .bind(t.function.as_str())
        .bind(i64::from(t.trainer_of_trainers))
        .bind(t.phone.as_deref())
        .bind(by)
        .bind(now_ms)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    pub async fn insert_training_session(
        &mut self,
        id: &str,
        s: &Session,
        by: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO training_sessions (id, module_id, plan_number, territory_code, place, starts_on, ends_on, capacity, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        )
        .bind(id)
        .bind(s.module.as_str())
        .bind(s.plan_number)
        .bind(s.territory.as_str())
        .bind(s.place.as_str())
        .bind(s.starts_on.to_string())
        .bind(s.ends_on.to_string())
        .bind(s.capacity)
        .bind(by)
        .bind(now_ms)
        .execute(&mut *self.inner)
        .await?;
        for trainer in &s.trainers {
            sqlx::query(
                "INSERT INTO training_session_trainers (session_id, trainer_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(trainer.as_str())
            .execute(&mut *self.inner)
            .await?;
        }
        Ok(())
    }

    /// Raises a session's version if still at `version`; false otherwise (stale).
    pub async fn touch_training_session(
        &mut self,
        id: &str,
        version: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE training_sessions SET version = version + 1, updated_at = $3 WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(version)
        .bind(now_ms)
        .execute(&mut *self.inner)
        .await?
        .rows_affected()
            == 1)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_trainee(
        &mut self,
        id: &str,
        p: &Participant,
        organisation_name: &str,
        sector: &str,
        territory: &str,
        by: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO trainees (id, user_id, organisation_code, organisation_name, full_name, function, sector, territory_code, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(p.user.as_deref())
        .bind(p.organisation.as_deref())
        .bind(organisation_name)
        .bind(p.full_name.as_str())
        .bind(p.function.as_str())
        .bind(sector)
        .bind(territory)
        .bind(by)
        .bind(now_ms)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// False when the trainee already takes part.
    pub async fn insert_participant(
        &mut self,
        session: &str,
        trainee: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO training_participants (session_id, trainee_id, added_at) VALUES ($1, $2, $3)",
        )
        .bind(session)
        .bind(trainee)
        .bind(now_ms)
        .execute(&mut *self.inner)
        .await;
        inserted(done)
    }

    /// Replaces the attendance of one day of a session with the trainees present.
    pub async fn set_training_day(
        &mut self,
        session: &str,
        day: &str,
        present: &[String],
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM training_attendance WHERE session_id = $1 AND day = $2")
            .bind(session)
            .bind(day)
            .execute(&mut *self.inner)
            .await?;
        for trainee in present {
            sqlx::query(
                "INSERT INTO training_attendance (session_id, trainee_id, day) VALUES ($1, $2, $3)",
            )
            .bind(session)
            .bind(trainee.as_str())
            .bind(day)
            .execute(&mut *self.inner)
            .await?;
        }
        Ok(())
    }

    pub async fn set_training_results(
        &mut self,
        session: &str,
        trainee: &str,
        r: &Results,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE training_participants SET pre_score = $3, post_score = $4, satisfaction = $5 WHERE session_id = $1 AND trainee_id = $2",
        )
        .bind(session)
        .bind(trainee)
        .bind(r.pre_score)
        .bind(r.post_score)
        .bind(r.satisfaction)
        .execute(&mut *self.inner)
        .await?
        .rows_affected()
            == 1)
    }

    pub async fn set_attestation(
        &mut self,
        session: &str,
        trainee: &str,
        number: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE training_participants SET attestation = $3 WHERE session_id = $1 AND trainee_id = $2 AND attestation IS NULL",
        )
        .bind(session)
        .bind(trainee)
        .bind(number)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Sets an organisation's staff count if still at `version` (None: never set).
    pub async fn put_headcount(
        &mut self,
        organisation: &str,
        staff: i64,
        version: Option<i64>,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = match version {
            None => sqlx::query(
                "INSERT INTO training_headcounts (organisation_code, staff, updated_by, updated_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(organisation)
            .bind(staff)
            .bind(by)
            .bind(now_ms)
            .execute(&mut *self.inner)
            .await,
            Some(v) => sqlx::query(
                "UPDATE training_headcounts SET staff = $2, updated_by = $3, updated_at = $4, version = version + 1 WHERE organisation_code = $1 AND version = $5",
            )
            .bind(organisation)
            .bind(staff)
            .bind(by)
            .bind(now_ms)
            .bind(v)
            .execute(&mut *self.inner)
            .await,
        };
        match done.map_err(unique_violation) {
            Ok(r) => Ok(r.rows_affected() == 1),
            Err(StoreError::Duplicate) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
